"""``commercie clean``: turn a survey export into clean responses with a log."""

from __future__ import annotations

import os

import click

from . import handle_errors

__all__ = ["command"]

_CARELESS = ("longstring", "irv", "mahalanobis", "even_odd", "synonyms")


def _careless_options(value: tuple[str, ...]) -> dict[str, str]:
    """``--careless-index NAME=ACTION`` pairs as a dict."""
    from ..exceptions import DataError

    out = {}
    for pair in value:
        name, _, action = pair.partition("=")
        name = name.strip().replace("-", "_")
        if name not in _CARELESS or action not in ("flag", "exclude", "off"):
            raise DataError(
                f"--careless-index {pair!r}: expected NAME=ACTION with NAME one of "
                f"{', '.join(_CARELESS)} and ACTION flag, exclude or off"
            )
        out[name] = action
    return out


@click.command("clean")
@click.option("--instrument", required=True, help="Packaged name or path of a spec.")
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The survey export.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for the clean responses (under data/processed).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(
        ["auto", "csv", "xlsx", "spss", "qualtrics", "limesurvey", "surveymonkey"]
    ),
    default="auto",
    show_default=True,
)
@click.option("--sheet", default=None, help="Excel sheet name or 1-based number.")
@click.option(
    "--mapping",
    default=None,
    type=click.Path(dir_okay=False, path_type=str),
    help="CSV (column,item) or YAML file mapping export columns to item ids.",
)
@click.option("--id-column", default=None, help="Column holding respondent ids.")
@click.option(
    "--missing",
    type=click.Choice(["listwise", "pairwise"]),
    default="listwise",
    show_default=True,
    help="Leave out respondents with any item unanswered, or keep them.",
)
@click.option(
    "--out-of-range",
    type=click.Choice(["error", "exclude", "missing"]),
    default="error",
    show_default=True,
    help="Answers outside the scale: stop, leave the respondent out, or blank them.",
)
@click.option(
    "--missing-code",
    "missing_codes",
    type=int,
    multiple=True,
    help="A code meaning 'no answer' (repeatable), besides the spec's.",
)
@click.option(
    "--missing-label",
    "missing_labels",
    multiple=True,
    help="A text answer meaning 'no answer', e.g. 'weet niet' (repeatable).",
)
@click.option(
    "--min-answered",
    type=float,
    default=None,
    help="Fewest items answered: a count, or a share of the items below 1.",
)
@click.option(
    "--duplicate-ids",
    type=click.Choice(["exclude", "error"]),
    default="exclude",
    show_default=True,
)
@click.option(
    "--duplicates",
    type=click.Choice(["exclude", "flag", "off"]),
    default="exclude",
    show_default=True,
    help="Exact duplicate submissions.",
)
@click.option(
    "--speeders",
    type=click.Choice(["flag", "exclude", "off"]),
    default="flag",
    show_default=True,
)
@click.option(
    "--speed-fraction",
    type=float,
    default=0.5,
    show_default=True,
    help="Speeder: duration below this share of the median.",
)
@click.option("--duration-column", default=None, help="Duration in seconds.")
@click.option(
    "--attention",
    type=click.Choice(["exclude", "flag", "off"]),
    default="exclude",
    show_default=True,
    help="Failed attention checks of the spec.",
)
@click.option(
    "--careless",
    type=click.Choice(["flag", "exclude", "off"]),
    default="flag",
    show_default=True,
    help="Every careless-responding index.",
)
@click.option(
    "--careless-index",
    "careless_index",
    multiple=True,
    help="One index, e.g. mahalanobis=exclude (repeatable; wins over --careless).",
)
@click.option(
    "--personal-field",
    "personal_fields",
    multiple=True,
    help="A further column holding personal data (repeatable).",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Replace personal columns by a salted hash instead of removing them.",
)
@click.option(
    "--salt",
    default=None,
    help="Secret salt for --pseudonymise [default: $COMMERCIE_SALT].",
)
@handle_errors
def command(
    instrument,
    data,
    out,
    format_,
    sheet,
    mapping,
    id_column,
    missing,
    out_of_range,
    missing_codes,
    missing_labels,
    min_answered,
    duplicate_ids,
    duplicates,
    speeders,
    speed_fraction,
    duration_column,
    attention,
    careless,
    careless_index,
    personal_fields,
    pseudonymise,
    salt,
):
    """Clean a survey export: map items, apply the policies, log every reason."""
    from ..cleaning import CarelessPolicy, CleaningPolicy, clean
    from ..outputs import check_writable

    check_writable(out)
    actions = {name: careless for name in _CARELESS}
    actions.update(_careless_options(careless_index))
    policy = CleaningPolicy(
        missing=missing,
        out_of_range=out_of_range,
        missing_codes=missing_codes,
        missing_labels=missing_labels,
        min_answered=min_answered,
        duplicate_ids=duplicate_ids,
        duplicates=duplicates,
        speeders=speeders,
        speed_fraction=speed_fraction,
        duration_column=duration_column,
        attention=attention,
        careless=CarelessPolicy(**actions),
        personal_fields=personal_fields,
    )
    if pseudonymise and salt is None:
        salt = os.environ.get("COMMERCIE_SALT")
    result = clean(
        data,
        instrument,
        policy=policy,
        format=format_,
        sheet=sheet,
        mapping=mapping,
        id_column=id_column,
        pseudonymise=pseudonymise,
        salt=salt,
    )
    folder = result.write(out)

    click.echo(
        f"read {result.n_read} respondents: kept {result.n_kept}, left out "
        f"{result.n_excluded} (read = kept + left out), flagged {result.n_flagged}"
    )
    for step, counts in result.steps.items():
        if counts.get("excluded") or counts.get("flagged"):
            click.echo(
                f"  {step}: {counts['excluded']} left out, {counts['flagged']} flagged"
            )
    removed = result.manifest["privacy"]["personal_columns"]
    if removed:
        verb = "pseudonymised" if pseudonymise else "removed"
        click.echo(f"personal columns {verb}: {', '.join(removed)}")
    click.echo(f"results: {folder}/ (responses, cleaning_log.csv, manifest.json)")
