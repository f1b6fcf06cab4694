"""``commercie export``: a scoring model as SQL or as a CSV of weights."""

from __future__ import annotations

import click

from . import handle_errors


@click.command("export")
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Scoring model JSON.",
)
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["sql", "csv"]),
    help="sql: one SELECT expression per score; csv: the weights.",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False),
    help="File to write [default: standard output].",
)
@click.option(
    "--table",
    default="answers",
    show_default=True,
    help="SQL: the table of answers, one column per item.",
)
@click.option(
    "--id-column",
    default="respondent_id",
    show_default=True,
    help="SQL: respondent id column kept in the result.",
)
@handle_errors
def command(model_path, fmt, out, table, id_column):
    """Export a scoring model as SQL or as a CSV of its weights."""
    from ..outputs import output_file
    from ..scoring import ScoringModel, to_sql, weights_table
    from ..scoring.score import refuse_overwrite

    if out is not None:
        refuse_overwrite(out, model=model_path)
    model = ScoringModel.load(model_path)
    if fmt == "sql":
        text = to_sql(model, table, id_column=id_column or None)
    else:
        text = weights_table(model).to_csv(index=False)
    if out is None:
        click.echo(text, nl=False)
        return
    with output_file(out, "out") as staged:
        staged.write_text(text, encoding="utf-8")
    click.echo(
        f"{fmt.upper()} of {model.instrument['id']} ({model.method}) written to {out}"
    )
