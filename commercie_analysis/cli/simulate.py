"""``commercie simulate``: simulated answers from a stated population model."""

from __future__ import annotations

import json
import shlex

import click

from . import handle_errors


@click.command("simulate")
@click.option(
    "--instrument",
    required=True,
    help="Packaged instrument name or path of a YAML spec.",
)
@click.option(
    "--n", "n", required=True, type=click.IntRange(min=1), help="Respondents."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Random seed (a whole number >= 0).",
)
@click.option(
    "--careless-share",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0, max_open=True),
    help="Share of careless responders (random answers).",
)
@click.option(
    "--missing-share",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0, max_open=True),
    help="Share of missing answers (completely at random).",
)
@click.option(
    "--model",
    "model_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Population model YAML (layout of the manifest's population_model); "
    "default: drawn from the defaults with --seed.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for simulated_<instrument>.csv, its manifest and its truth.",
)
@handle_errors
def command(instrument, n, seed, careless_share, missing_share, model_path, out):
    """Simulate answers to an instrument from a stated population model."""
    from ..outputs import check_destination

    check_destination(out)  # before any work

    from pathlib import Path

    import yaml

    from ..exceptions import ModelError
    from ..instruments import load_instrument
    from ..outputs import output_folder
    from ..simulate import PopulationModel, simulate_responses

    spec = load_instrument(instrument)
    model = None
    if model_path is not None:
        try:
            data = yaml.safe_load(Path(model_path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ModelError(f"--model {model_path}: cannot be read ({exc})") from None
        if isinstance(data, dict) and "population_model" in data:
            data = data["population_model"]
        if not isinstance(data, dict):
            raise ModelError(f"--model {model_path}: expected a mapping")
        model = PopulationModel.from_dict(data)

    sim = simulate_responses(
        spec,
        n,
        seed,
        model,
        careless_share=careless_share,
        missing_share=missing_share,
    )
    name = f"simulated_{spec.id}"
    manifest = sim.manifest(n)
    words = ["commercie", "simulate", "--instrument", instrument, "--n", str(n)]
    words += ["--seed", str(seed)]
    if careless_share:
        words += ["--careless-share", str(careless_share)]
    if missing_share:
        words += ["--missing-share", str(missing_share)]
    if model_path is not None:
        words += ["--model", str(model_path)]
    manifest["command"] = shlex.join([*words, "--out", str(out)])
    manifest["files"] = {
        "responses": f"{name}.csv",
        "truth": f"{name}.truth.csv",
    }
    with output_folder(out) as stage:
        sim.responses.to_csv(stage / f"{name}.csv", index=False)
        sim.truth.to_csv(stage / f"{name}.truth.csv", index=False)
        (stage / f"{name}.manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    careless = int(sim.truth["careless"].sum())
    click.echo(
        f"simulated {n} respondents to {spec.id} (seed {seed}; {careless} careless) "
        f"-> {Path(out) / (name + '.csv')}"
    )
