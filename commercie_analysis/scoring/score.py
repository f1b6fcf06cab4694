"""Scoring files of any size in chunks, and type profiles.

:func:`score_file` reads a CSV or Parquet file of answers chunk by chunk (pandas
``read_csv(chunksize=...)``, pyarrow ``ParquetFile.iter_batches``), scores each chunk
with a :class:`~commercie_analysis.scoring.ScoringModel` and appends the scores to the
output file, so memory stays the same whatever the number of respondents. The output
appears only when the whole file was scored (see :mod:`commercie_analysis.outputs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..outputs import output_file
from .model import ScoringModel

__all__ = [
    "type_profile",
    "score_file",
    "ScoreSummary",
    "DEFAULT_ID_COLUMN",
]

DEFAULT_ID_COLUMN = "respondent_id"
_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def type_profile(scores: pd.DataFrame, band: float) -> pd.DataFrame:
    """Dominant type, gap to the second type and a ``mixed`` flag.

    Parameters
    ----------
    scores : DataFrame
        One column per type (construct), on a common scale.
    band : float
        A profile is ``mixed`` when the two highest scores lie within ``band`` of
        each other (``gap <= band``).

    Returns
    -------
    DataFrame
        ``dominant`` (the type with the highest score; the first in column order on
        a tie), ``second`` (both categorical), ``gap`` (highest minus second
        highest) and ``mixed``. Respondents with a missing type score get no
        profile (missing types, NaN gap, ``mixed`` false).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"a": [4.0, 3.0], "b": [3.0, 3.2], "c": [1.0, 3.1]})
    >>> type_profile(s, band=0.25)
    ... # doctest: +NORMALIZE_WHITESPACE
      dominant second  gap  mixed
    0        a      b  1.0  False
    1        b      c  0.1   True
    """
    values = scores.to_numpy(dtype=np.float64)
    n, k = values.shape
    if k < 2:
        raise DataError(f"scores: a type profile needs at least 2 types, found {k}")
    complete = ~np.isnan(values).any(axis=1)
    filled = np.where(complete[:, None], values, -np.inf)

    # argmax takes the first column on a tie; masking it out gives the second.
    rows = np.arange(n)
    first = np.argmax(filled, axis=1)
    rest = filled.copy()
    rest[rows, first] = -np.inf
    second = np.argmax(rest, axis=1)
    with np.errstate(invalid="ignore"):
        gap = filled[rows, first] - rest[rows, second]
    names = [str(c) for c in scores.columns]

    gap = np.where(complete, np.round(gap, 12), np.nan)
    missing = np.int64(-1)
    return pd.DataFrame(
        {
            "dominant": pd.Categorical.from_codes(
                np.where(complete, first, missing), categories=names
            ),
            "second": pd.Categorical.from_codes(
                np.where(complete, second, missing), categories=names
            ),
            "gap": gap,
            "mixed": complete & (gap <= band),
        },
        index=scores.index,
    )


@dataclass
class ScoreSummary:
    """What :func:`score_file` did.

    Attributes
    ----------
    rows_read : int
        Respondents read.
    rows_scored : int
        Respondents with every score.
    no_score : dict of str to int
        Per score, respondents who answered too few of its items to get it.
    out : Path
        The file written.
    """

    rows_read: int = 0
    rows_scored: int = 0
    no_score: dict[str, int] = field(default_factory=dict)
    out: Path | None = None


def score_file(
    model: ScoringModel,
    data: str | Path,
    out: str | Path,
    *,
    id_column: str | None = None,
    chunksize: int = 100_000,
    profile: bool = True,
    norms: bool = False,
    group_column: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score a CSV or Parquet file of answers chunk by chunk.

    Parameters
    ----------
    model : ScoringModel
    data : str or Path
        ``.csv`` or ``.parquet`` with one column per model item (answers as
        numbers, empty = missing) and an id column.
    out : str or Path
        ``.csv`` or ``.parquet`` to write: the id column, one column per score and,
        for an instrument of types, the profile (``dominant``, ``second``, ``gap``,
        ``mixed``).
    id_column : str, optional
        The respondent id column; default ``respondent_id`` if present, else the
        row number (from 1) in a column ``row``.
    chunksize : int, default=100_000
        Rows per chunk; memory grows with it, not with the file.
    profile : bool, default=True
        Add the type profile when the model has one.
    norms : bool, default=False
        Add percentile ranks, T-scores and stanines (columns of
        :func:`~commercie_analysis.scoring.norms.apply_norms`).
    group_column : str, optional
        With ``norms``, the column that gives each respondent's reference group.
    progress : callable, optional
        Called with the number of rows of each chunk once it is scored.

    Returns
    -------
    ScoreSummary

    Raises
    ------
    DataError
        For a missing or unreadable file, missing item columns, answers that are not
        numbers, or answers outside the model's range (naming the respondents); the
        output is then not written.
    """
    data, out = Path(data), Path(out)
    in_format = _format(data, "data")
    out_format = _format(out, "out")
    if not data.exists():
        raise DataError(f"--data {data}: no such file")
    if chunksize < 1:
        raise DataError(f"chunksize: expected a positive number, found {chunksize}")
    if norms and model.norms is None:
        raise DataError("norms: the model has no norms")

    columns = _columns(data, in_format)
    missing = [i for i in model.item_ids if i not in columns]
    if missing:
        raise DataError(
            f"--data {data}: {len(missing)} item column(s) missing: {missing}"
        )
    if id_column is None and DEFAULT_ID_COLUMN in columns:
        id_column = DEFAULT_ID_COLUMN
    if id_column is not None and id_column not in columns:
        raise DataError(
            f"--id-column {id_column!r}: not a column of {data}; "
            f"columns: {columns[:10]}"
        )
    if group_column is not None and group_column not in columns:
        raise DataError(f"--norm-group {group_column!r}: not a column of {data}")
    wanted = [c for c in (id_column, group_column) if c is not None]
    wanted += [i for i in model.item_ids if i not in wanted]

    summary = ScoreSummary(no_score={s: 0 for s in model.score_ids})
    with_profile = profile and model.profile is not None
    with output_file(out, "out") as staged:
        writer = _Writer(staged, out_format)
        try:
            for chunk in _chunks(data, in_format, wanted, chunksize):
                start = summary.rows_read
                result = _score_chunk(
                    model, chunk, id_column, group_column, start, with_profile, norms
                )
                writer.write(result)
                summary.rows_read += len(chunk)
                scored = result[model.score_ids].notna()
                summary.rows_scored += int(scored.all(axis=1).sum())
                for s in model.score_ids:
                    summary.no_score[s] += int((~scored[s]).sum())
                if progress is not None:
                    progress(len(chunk))
            if summary.rows_read == 0:
                writer.write(_empty_result(model, id_column, with_profile, norms))
        finally:
            writer.close()
    summary.out = out
    return summary


def _format(path: Path, parameter: str) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"--{parameter} {path}: expected a .csv or .parquet file, found "
            f"{path.suffix or 'no extension'!r}"
        )
    return fmt


def _columns(path: Path, fmt: str) -> list[str]:
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(path).schema_arrow.names)
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (OSError, ValueError) as exc:
        raise DataError(f"--data {path}: cannot be read as {fmt} ({exc})") from None


def _chunks(path: Path, fmt: str, columns, chunksize: int) -> Iterator[pd.DataFrame]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        for batch in source.iter_batches(batch_size=chunksize, columns=columns):
            yield batch.to_pandas()
        return
    reader = pd.read_csv(path, usecols=columns, chunksize=chunksize)
    try:
        yield from reader
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"--data {path}: cannot be read as CSV ({exc})") from None
    finally:
        reader.close()


def _score_chunk(model, chunk, id_column, group_column, start, with_profile, norms):
    if id_column is not None:
        ids = chunk[id_column]
        index = pd.Index(ids.to_numpy(), name=id_column)
    else:
        index = pd.RangeIndex(start + 1, start + len(chunk) + 1, name="row")
    answers = chunk[model.item_ids].set_axis(index, axis=0)
    scores = model.score(answers)
    parts = [scores]
    if with_profile:
        parts.append(model.type_profile(scores))
    if norms:
        groups = None
        if group_column is not None:
            groups = chunk[group_column].set_axis(index, axis=0)
        parts.append(model.normed(scores, groups))
    return pd.concat(parts, axis=1).reset_index()


def _empty_result(model, id_column, with_profile, norms) -> pd.DataFrame:
    columns = [id_column or "row", *model.score_ids]
    if with_profile:
        columns += ["dominant", "second", "gap", "mixed"]
    if norms:
        for s in model.score_ids:
            columns += [f"{s}_percentile", f"{s}_t", f"{s}_stanine"]
        columns.append("norm_group")
    return pd.DataFrame(columns=columns)


class _Writer:
    """Appends chunks of results to one CSV or Parquet file."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self.first = True
        self.parquet = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            frame.to_csv(
                self.path,
                mode="w" if self.first else "a",
                header=self.first,
                index=False,
            )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.parquet is None:
                self.schema = table.schema
                self.parquet = pq.ParquetWriter(self.path, self.schema)
            self.parquet.write_table(table.cast(self.schema))
        self.first = False

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
            self.parquet = None
