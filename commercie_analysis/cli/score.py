"""``commercie score``: apply a scoring model to a CSV or Parquet file of answers."""

from __future__ import annotations

import click

from . import handle_errors


@click.command("score")
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Scoring model JSON (from calibrate or validate).",
)
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False),
    help="Answers: .csv or .parquet, one column per item.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Scores to write: .csv or .parquet.",
)
@click.option(
    "--id-column",
    default=None,
    help="Respondent id column [default: respondent_id if present].",
)
@click.option(
    "--instrument",
    default=None,
    help="Also check that the model belongs to this instrument.",
)
@click.option(
    "--norms", is_flag=True, help="Add percentile ranks, T-scores and stanines."
)
@click.option(
    "--norm-group",
    default=None,
    help="With --norms: column giving each respondent's reference group.",
)
@click.option(
    "--chunksize",
    default=100_000,
    show_default=True,
    type=int,
    help="Rows per chunk; memory depends on this, not on the file size.",
)
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="Show a progress bar on standard error.",
)
@handle_errors
def command(
    model_path, data, out, id_column, instrument, norms, norm_group, chunksize, progress
):
    """Score new answers with a scoring model, in chunks of constant memory."""
    from pathlib import Path

    from tqdm import tqdm

    from ..scoring import ScoringModel, score_file
    from ..scoring.score import refuse_overwrite

    refuse_overwrite(out, data=data, model=model_path)
    model = ScoringModel.load(model_path, instrument=instrument)
    total = _row_count(Path(data))
    bar = tqdm(
        total=total,
        unit="rows",
        unit_scale=True,
        disable=not progress,
        desc="scoring",
        file=click.get_text_stream("stderr"),
    )
    try:
        summary = score_file(
            model,
            data,
            out,
            id_column=id_column,
            chunksize=chunksize,
            norms=norms,
            group_column=norm_group,
            progress=bar.update,
        )
    finally:
        bar.close()

    click.echo(
        f"read {summary.rows_read} respondents; {summary.rows_scored} got every score"
    )
    for score, count in summary.no_score.items():
        if count:
            click.echo(f"  {score}: {count} without a score (too few answers)")
    click.echo(f"scores written to {summary.out}")


def _row_count(path):
    """Rows of a Parquet file from its metadata; None (unknown) for CSV."""
    if path.suffix.lower() in (".parquet", ".pq") and path.exists():
        try:
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        except (OSError, ValueError):
            return None
    return None
