"""``commercie calibrate``: calibrate scoring weights and norms, write the model."""

from __future__ import annotations

import click

from ..rotation import ROTATIONS
from . import handle_errors
from .options import cleaning_arguments, reading_options


@click.command("calibrate")
@click.option(
    "--instrument", required=True, help="Packaged instrument name or path of a spec."
)
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False),
    help="Survey export of the calibration sample (cleaned on reading).",
)
@click.option(
    "--weights",
    default="unit",
    show_default=True,
    type=click.Choice(["unit", "regression", "bartlett", "tenberge"]),
    help="Unit weights (keyed means) or factor-score weights.",
)
@click.option(
    "--norm-group",
    default=None,
    help="Column whose groups get norms of their own (e.g. gender).",
)
@click.option(
    "--rotation",
    default="oblimin",
    show_default=True,
    type=click.Choice(ROTATIONS),
    help="Rotation of the factor solution; 'target' rotates to the key.",
)
@click.option(
    "--factor-method",
    default="minres",
    show_default=True,
    type=click.Choice(["minres", "ml", "pa"]),
    help="Extraction of the factor solution.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Scoring model JSON to write.",
)
@reading_options
@handle_errors
def command(
    instrument, data, weights, norm_group, rotation, factor_method, out, **options
):
    """Calibrate scoring weights, standardisation and norms; write the model JSON."""
    from ..cleaning import clean
    from ..instruments import load_instrument
    from ..outputs import check_writable
    from ..scoring import calibrate
    from ..scoring.score import refuse_overwrite

    check_writable(out, "out")
    refuse_overwrite(out, data=data)
    spec = load_instrument(instrument)
    arguments = cleaning_arguments(options)
    cleaned = clean(data, spec, **arguments)
    model = calibrate(
        spec,
        cleaned.responses,
        weights=weights,
        norm_group=norm_group,
        data_sha256=cleaned.manifest["input"]["sha256"],
        factor_method=factor_method,
        rotation=rotation,
    )
    model.save(out)
    click.echo(
        f"read {cleaned.n_read} respondents, kept {cleaned.n_kept} after cleaning "
        f"({arguments['policy'].missing}); calibrated {spec.id} {spec.version} "
        f"({model.method}) on {model.provenance['n']}"
    )
    for s in model.score_ids:
        st = model.standardisation[s]
        click.echo(f"  {s}: mean {st['mean']:.3f}, sd {st['sd']:.3f}, n {st['n']}")
    if model.norms and model.norms["groups"]:
        click.echo(f"norms per {norm_group}: {', '.join(model.norms['groups'])}")
    click.echo(f"scoring model written to {out}")
