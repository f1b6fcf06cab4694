"""Options shared by the commands that read and clean a survey export.

``clean``, ``validate`` and ``calibrate`` read answers the same way and apply the
same cleaning policy first; the options that say how are defined once here.
:func:`reading_options` adds them to a command, and :func:`cleaning_arguments`
turns the values it receives into the keyword arguments of
:func:`commercie_analysis.cleaning.clean`.
"""

from __future__ import annotations

import os

import click

from ..io.readers import FORMATS

__all__ = ["reading_options", "cleaning_arguments", "CARELESS_INDICES"]

CARELESS_INDICES = ("longstring", "irv", "mahalanobis", "even_odd", "synonyms")

_OPTION_NAMES = (
    "format_",
    "sheet",
    "mapping",
    "id_column",
    "missing",
    "out_of_range",
    "missing_codes",
    "missing_labels",
    "min_answered",
    "duplicate_ids",
    "duplicates",
    "speeders",
    "speed_fraction",
    "duration_column",
    "attention",
    "careless",
    "careless_index",
    "personal_fields",
    "pseudonymise",
    "salt",
)


def _careless_actions(value: tuple[str, ...]) -> dict[str, str]:
    """``--careless-index NAME=ACTION`` pairs as a dict."""
    from ..exceptions import DataError

    out = {}
    for pair in value:
        name, _, action = pair.partition("=")
        name = name.strip().replace("-", "_")
        if name not in CARELESS_INDICES or action not in ("flag", "exclude", "off"):
            raise DataError(
                f"--careless-index {pair!r}: expected NAME=ACTION with NAME one of "
                f"{', '.join(CARELESS_INDICES)} and ACTION flag, exclude or off"
            )
        out[name] = action
    return out


_DECORATORS = [
    click.option(
        "--format",
        "format_",
        type=click.Choice(["auto", *FORMATS]),
        default="auto",
        show_default=True,
    ),
    click.option("--sheet", default=None, help="Excel sheet name or 1-based number."),
    click.option(
        "--mapping",
        default=None,
        type=click.Path(dir_okay=False, path_type=str),
        help="CSV (column,item) or YAML file mapping export columns to item ids.",
    ),
    click.option("--id-column", default=None, help="Column holding respondent ids."),
    click.option(
        "--missing",
        type=click.Choice(["listwise", "pairwise"]),
        default="listwise",
        show_default=True,
        help="Leave out respondents with any item unanswered, or keep them.",
    ),
    click.option(
        "--out-of-range",
        type=click.Choice(["error", "exclude", "missing"]),
        default="error",
        show_default=True,
        help="Answers outside the scale: stop, leave the respondent out, or blank "
        "them.",
    ),
    click.option(
        "--missing-code",
        "missing_codes",
        type=int,
        multiple=True,
        help="A code meaning 'no answer' (repeatable), besides the spec's.",
    ),
    click.option(
        "--missing-label",
        "missing_labels",
        multiple=True,
        help="A text answer meaning 'no answer', e.g. 'weet niet' (repeatable).",
    ),
    click.option(
        "--min-answered",
        type=float,
        default=None,
        help="Fewest items answered: a count, or a share of the items below 1.",
    ),
    click.option(
        "--duplicate-ids",
        type=click.Choice(["exclude", "error"]),
        default="exclude",
        show_default=True,
    ),
    click.option(
        "--duplicates",
        type=click.Choice(["exclude", "flag", "off"]),
        default="exclude",
        show_default=True,
        help="Exact duplicate submissions.",
    ),
    click.option(
        "--speeders",
        type=click.Choice(["flag", "exclude", "off"]),
        default="flag",
        show_default=True,
    ),
    click.option(
        "--speed-fraction",
        type=float,
        default=0.5,
        show_default=True,
        help="Speeder: duration below this share of the median.",
    ),
    click.option("--duration-column", default=None, help="Duration in seconds."),
    click.option(
        "--attention",
        type=click.Choice(["exclude", "flag", "off"]),
        default="exclude",
        show_default=True,
        help="Failed attention checks of the spec.",
    ),
    click.option(
        "--careless",
        type=click.Choice(["flag", "exclude", "off"]),
        default="flag",
        show_default=True,
        help="Every careless-responding index.",
    ),
    click.option(
        "--careless-index",
        "careless_index",
        multiple=True,
        help="One index, e.g. mahalanobis=exclude (repeatable; wins over --careless).",
    ),
    click.option(
        "--personal-field",
        "personal_fields",
        multiple=True,
        help="A further column holding personal data (repeatable).",
    ),
    click.option(
        "--pseudonymise",
        is_flag=True,
        help="Replace personal columns by a salted hash instead of removing them.",
    ),
    click.option(
        "--salt",
        default=None,
        help="Secret salt for --pseudonymise [default: $COMMERCIE_SALT].",
    ),
]


def reading_options(command):
    """Add the reading and cleaning options to a click command."""
    for decorator in reversed(_DECORATORS):
        command = decorator(command)
    return command


def cleaning_arguments(options: dict) -> dict:
    """Take the reading and cleaning options out of ``options``.

    Parameters
    ----------
    options : dict
        The keyword arguments a command received; the reading and cleaning ones
        are removed from it.

    Returns
    -------
    dict
        ``policy``, ``format``, ``sheet``, ``mapping``, ``id_column``,
        ``pseudonymise`` and ``salt`` for :func:`commercie_analysis.cleaning.clean`.
    """
    from ..cleaning import CarelessPolicy, CleaningPolicy

    values = {name: options.pop(name) for name in _OPTION_NAMES}
    actions = {name: values["careless"] for name in CARELESS_INDICES}
    actions.update(_careless_actions(values["careless_index"]))
    policy = CleaningPolicy(
        missing=values["missing"],
        out_of_range=values["out_of_range"],
        missing_codes=values["missing_codes"],
        missing_labels=values["missing_labels"],
        min_answered=values["min_answered"],
        duplicate_ids=values["duplicate_ids"],
        duplicates=values["duplicates"],
        speeders=values["speeders"],
        speed_fraction=values["speed_fraction"],
        duration_column=values["duration_column"],
        attention=values["attention"],
        careless=CarelessPolicy(**actions),
        personal_fields=values["personal_fields"],
    )
    salt = values["salt"]
    if values["pseudonymise"] and salt is None:
        salt = os.environ.get("COMMERCIE_SALT")
    return {
        "policy": policy,
        "format": values["format_"],
        "sheet": values["sheet"],
        "mapping": values["mapping"],
        "id_column": values["id_column"],
        "pseudonymise": values["pseudonymise"],
        "salt": salt,
    }
