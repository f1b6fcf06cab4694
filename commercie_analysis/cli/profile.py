"""``commercie profile``: seller or market profiles from answers."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from ..exceptions import DataError
from . import handle_errors


def read_table(path: str, option: str) -> pd.DataFrame:
    """Read the .csv or .parquet file given with ``--<option>``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"--{option} {path}: file not found")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"--{option} {path}: cannot be read ({exc})") from None


def read_scoring(path: str | None, instrument):
    """Load the scoring model given with ``--scoring``, if any."""
    if path is None:
        return None
    from ..scoring import ScoringModel

    return ScoringModel.load(path, instrument)


def parse_split(split: str):
    """Turn ``--split`` into ``"median"``, ``"midpoint"`` or a number."""
    if split in ("median", "midpoint"):
        return split
    try:
        return float(split)
    except ValueError:
        raise DataError(
            f"--split: expected median, midpoint or a number, found {split!r}"
        ) from None


@click.command("profile")
@click.option(
    "--instrument",
    required=True,
    help="Packaged instrument name or path of a YAML spec (construct_kind: type).",
)
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False),
    help="Answers: .csv or .parquet with a respondent_id column.",
)
@click.option(
    "--scoring",
    default=None,
    type=click.Path(dir_okay=False),
    help="Scoring model JSON; default: unit-weighted means of the keyed answers.",
)
@click.option(
    "--split",
    default="median",
    show_default=True,
    help="Market profiles: cut of the split construct (median, midpoint or a number).",
)
@click.option(
    "--classes",
    "max_classes",
    default=12,
    show_default=True,
    type=click.IntRange(min=0),
    help="Market profiles: latent profile models with 1..N classes (0: none).",
)
@click.option(
    "--bootstrap",
    default=50,
    show_default=True,
    type=click.IntRange(min=0),
    help="Market profiles: bootstrap samples for the stability of the chosen model.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the profile tables, figures and report.",
)
@handle_errors
def command(instrument, data, scoring, split, max_classes, bootstrap, seed, out):
    """Score seller or market profiles from answers; test the market profiles."""
    from ..outputs import check_destination

    check_destination(out)  # before any work

    from ..instruments import load_instrument
    from ..outputs import output_folder
    from ..plots.profiles import team_composition
    from ..profiles import (
        company_market_profiles,
        describe_rule,
        market_profiles,
        seller_profiles,
    )
    from ..report import Report

    spec = load_instrument(instrument)
    answers = read_table(data, "data")
    model = read_scoring(scoring, spec)
    labels = {c.id: c.label("en") for c in spec.constructs}
    report = Report(f"Profiles: {spec.name_in('en')}", f"{len(answers)} respondents")
    tables: dict[str, pd.DataFrame] = {}
    summary: dict = {"instrument": spec.id, "version": spec.version, "data": data}

    if spec.profiles is None:
        profiles = seller_profiles(answers, spec, model)
        tables["profiles"] = profiles
        counts = profiles["dominant"].value_counts().rename("sellers").to_frame()
        report.add_table("Dominant type", counts)
        report.add_table("Mean scores", profiles[spec.construct_ids].describe().T)
        report.add_figure(
            "Team composition", team_composition(profiles, labels=labels), "team"
        )
        summary["dominant"] = {k: int(v) for k, v in counts["sellers"].items()}
        summary["mixed"] = int(profiles["mixed"].fillna(False).astype(bool).sum())
    else:
        profiles = market_profiles(answers, spec, model, split=parse_split(split))
        tables["profiles"] = profiles
        summary["split_cut"] = profiles.attrs["split_cut"]
        counts = profiles["profile"].value_counts().rename("respondents").to_frame()
        report.add_table("Market profiles of the respondents", counts)
        if "company" in profiles.columns:
            companies = company_market_profiles(profiles, spec)
            tables["companies"] = companies
            summary["company_rule"] = describe_rule()
            report.add_table(
                "Market profiles of the companies",
                companies["profile"].value_counts().rename("companies").to_frame(),
                note="Company scores are the means of its managers' scores, cut at "
                "the respondents' split.",
            )
        if max_classes:
            _segment(
                profiles, spec, max_classes, bootstrap, seed, tables, report, summary
            )

    with output_folder(out) as stage:
        for name, table in tables.items():
            table.to_csv(stage / f"{name}.csv", index=True)
        (stage / "summary.json").write_text(
            json.dumps(summary, indent=2, default=str), encoding="utf-8"
        )
        report.write(stage)
    click.echo(f"profiles of {len(profiles)} respondents written to {out}")
    for key in ("dominant", "split_cut", "best_bic_classes", "stability_ari"):
        if key in summary:
            click.echo(f"  {key}: {summary[key]}")


def _segment(profiles, spec, max_classes, bootstrap, seed, tables, report, summary):
    from ..plots.profiles import class_number_plot
    from ..segmentation import (
        bootstrap_stability,
        class_crosstab,
        compare_class_numbers,
        fit_mixture,
    )

    scores = profiles[spec.construct_ids]
    complete = scores.notna().all(axis=1)
    if complete.sum() < 2:
        raise DataError(
            f"only {int(complete.sum())} respondent(s) have every score; a latent "
            "profile analysis needs more"
        )
    scores = scores[complete]
    hypothesised = profiles.loc[complete, "profile"].astype(str).to_numpy()
    table = compare_class_numbers(
        scores, max_classes, random_state=seed, hypothesised=hypothesised
    )
    tables["class_numbers"] = table.set_index("n_classes")
    n_profiles = len(spec.profiles.profiles)
    report.add_table("Latent profile models", tables["class_numbers"])
    report.add_figure(
        "Number of classes",
        class_number_plot(table, hypothesised=n_profiles),
        "class_numbers",
    )
    best = int(table.loc[table["best_bic"], "n_classes"].iloc[0])
    summary["best_bic_classes"] = best
    summary["complete_respondents"] = int(complete.sum())
    fit = fit_mixture(scores, best, random_state=seed)
    crosstab = class_crosstab(fit.labels, hypothesised)
    tables["crosstab"] = crosstab
    report.add_table(
        f"Found classes ({best}, lowest BIC) against the {n_profiles} profiles",
        crosstab,
    )
    if bootstrap and best > 1:
        stability = bootstrap_stability(
            scores, best, n_boot=bootstrap, random_state=seed
        )
        tables["stability"] = stability.classes.set_index("class")
        report.add_table("Bootstrap stability per class", tables["stability"])
        summary["stability_ari"] = round(float(stability.replications["ari"].mean()), 4)
