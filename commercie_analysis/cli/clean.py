"""``commercie clean``: turn a survey export into clean responses with a log."""

from __future__ import annotations

import click

from . import handle_errors
from .options import cleaning_arguments, reading_options

__all__ = ["command"]


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
@reading_options
@handle_errors
def command(instrument, data, out, **options):
    """Clean a survey export: map items, apply the policies, log every reason."""
    from ..cleaning import clean
    from ..outputs import check_destination

    check_destination(out)
    arguments = cleaning_arguments(options)
    result = clean(data, instrument, **arguments)
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
        verb = "pseudonymised" if arguments["pseudonymise"] else "removed"
        click.echo(f"personal columns {verb}: {', '.join(removed)}")
    click.echo(f"results: {folder}/ (responses, cleaning_log.csv, manifest.json)")
