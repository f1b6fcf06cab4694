"""``commercie validate``: check an instrument's key on answers to it."""

from __future__ import annotations

import click

from ..rotation import ROTATIONS
from . import handle_errors
from .options import cleaning_arguments, reading_options

__all__ = ["command"]


def _no_single_sample(value: int) -> int:
    if value == 1:
        raise click.BadParameter("0 (no bootstrap) or at least 2 samples")
    return value


@click.command("validate")
@click.option("--instrument", required=True, help="Packaged name or path of a spec.")
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="Survey export or CSV with one column per item.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for the results, e.g. data/processed/NAME; new, empty or an "
    "earlier run's.",
)
@click.option(
    "--correlation",
    type=click.Choice(["pearson", "polychoric"]),
    default="pearson",
    show_default=True,
)
@click.option(
    "--method",
    type=click.Choice(["minres", "ml", "pa"]),
    default="minres",
    show_default=True,
    help="Factor extraction.",
)
@click.option(
    "--rotation",
    type=click.Choice(ROTATIONS),
    default="oblimin",
    show_default=True,
    help="Rotation; 'target' rotates towards the instrument's key.",
)
@click.option(
    "--factors",
    type=click.IntRange(min=1),
    default=None,
    help="Number of factors [default: the number of constructs in the key].",
)
@click.option(
    "--n-iter",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Random data sets in the parallel analysis.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    callback=lambda ctx, param, value: _no_single_sample(value),
    default=0,
    show_default=True,
    help="Bootstrap samples for intervals of loadings and congruences (0: none).",
)
@click.option(
    "--jobs",
    type=int,
    default=1,
    show_default=True,
    help="Processes for the bootstrap (-1: every core).",
)
@click.option(
    "--starts",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Starts of iterative rotations; the best criterion value is kept.",
)
@click.option(
    "--full-target",
    is_flag=True,
    help="With --rotation target: aim at the whole key, not only its zeros.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the parallel analysis, random starts and bootstrap.",
)
@reading_options
@handle_errors
def command(
    instrument,
    data,
    out,
    correlation,
    method,
    rotation,
    factors,
    n_iter,
    bootstrap,
    jobs,
    starts,
    full_target,
    seed,
    **options,
):
    """Validate an instrument's key: reliability, factors, verdict per item."""
    from tqdm import tqdm

    from ..outputs import check_destination
    from ..pipeline import validate

    check_destination(out)

    bars = []

    def progress(done: int) -> None:
        # The bar appears with the first sample, after every check has passed.
        if not bars:
            bars.append(tqdm(total=bootstrap, desc="bootstrap", unit="sample"))
        bars[0].update(done - bars[0].n)

    arguments = cleaning_arguments(options)
    result = validate(
        instrument,
        data,
        missing=arguments["policy"].missing,
        correlation=correlation,
        method=method,
        rotation=rotation,
        n_factors=factors,
        n_iter=n_iter,
        seed=seed,
        bootstrap=bootstrap,
        n_jobs=jobs,
        n_starts=starts,
        full_target=full_target,
        progress=progress,
        **arguments,
    )
    for bar in bars:
        bar.close()
    folder = result.write(out)
    click.echo(result.summary())
    click.echo(f"results: {folder}/ (open report.html first)")
