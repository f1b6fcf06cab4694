"""Scoring files of any size in chunks, and type profiles.

:func:`score_file` reads a CSV or Parquet file of answers chunk by chunk (pandas
``read_csv(chunksize=...)``, pyarrow ``ParquetFile.iter_batches``), scores each chunk
with a :class:`~commercie_analysis.scoring.ScoringModel` and appends the scores to the
output file, so memory stays the same whatever the number of respondents. The output
appears only when the whole file was scored (see :mod:`commercie_analysis.outputs`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..io.mapping import MISSING_MARKERS
from ..io.readers import check_header, decode_bytes, row_place, sniff_delimiter
from ..outputs import output_file
from .model import ScoringModel

__all__ = [
    "type_profile",
    "score_file",
    "refuse_overwrite",
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


def refuse_overwrite(out: str | Path, **inputs: str | Path | None) -> None:
    """Refuse an output path that is one of the input files.

    Parameters
    ----------
    out : str or Path
        The file to write (``--out``).
    **inputs : str or Path
        The input files by option name (``data=...``, ``model=...``); None is
        skipped.

    Raises
    ------
    DataError
        If ``out`` resolves to the same file as an input, naming both options.

    Examples
    --------
    >>> refuse_overwrite("scores.csv", data="answers.csv")
    >>> refuse_overwrite("./a.csv", data="a.csv")
    Traceback (most recent call last):
    ...
    commercie_analysis.exceptions.DataError: --out ./a.csv is the --data file; ...
    """
    target = Path(out).resolve()
    for name, path in inputs.items():
        if path is not None and Path(path).resolve() == target:
            option = name.replace("_", "-")
            raise DataError(
                f"--out {out} is the --{option} file; writing it would overwrite "
                "the input: choose another --out"
            )


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
    refuse_overwrite(out, data=data)
    if chunksize < 1:
        raise DataError(f"chunksize: expected a positive number, found {chunksize}")
    if norms and model.norms is None:
        raise DataError("norms: the model has no norms")

    columns, layout = _columns(data, in_format)
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
            chunks = _chunks(data, in_format, wanted, chunksize, layout, model.item_ids)
            for chunk in chunks:
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
                raise DataError(
                    f"--data {data}: has a header but no data rows; nothing to score"
                )
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


def _columns(path: Path, fmt: str) -> tuple[list[str], dict]:
    """The column names, and for CSV how to read the file (separator, encoding)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(path).schema_arrow.names), {}
        except (OSError, ValueError) as exc:
            raise DataError(
                f"--data {path}: cannot be read as parquet ({exc})"
            ) from None

    # The readers of clean detect the separator and check the header; the same
    # checks here, on the head of the file only, so that scoring streams.
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError as exc:
        raise DataError(f"--data {path}: cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise DataError(f"--data {path}: the file is empty")
    if len(head) == 1 << 16 and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    text, encoding = decode_bytes(head, path.name)
    delimiter = sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    names = check_header(header, path.name)
    layout = {
        "sep": delimiter,
        "encoding": encoding,
        "decimal": "," if delimiter in ";\t" else ".",
    }
    return names, layout


def _chunks(
    path: Path, fmt: str, columns, chunksize: int, layout: dict, items
) -> Iterator[pd.DataFrame]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        for batch in source.iter_batches(batch_size=chunksize, columns=columns):
            frame = batch.to_pandas()
            # A column pandas stored as the index (clean's id) is a column again.
            named = [n for n in frame.index.names if n is not None and n in columns]
            if named:
                frame = frame.reset_index(level=named)
            yield frame
        return

    # Rows with more or fewer fields than the header are refused, as clean
    # refuses them; the parser would fill or drop fields without a word.
    _check_widths(path, layout)
    # Only empty cells and the missing markers are missing: "None" or "n/a" in
    # an item column is text, refused below, not silently missing.
    reader = pd.read_csv(
        path,
        sep=layout["sep"],
        encoding=layout["encoding"],
        usecols=list(columns),
        keep_default_na=False,
        na_values=["", *MISSING_MARKERS],
        chunksize=chunksize,
        skip_blank_lines=True,
    )
    start = 0
    try:
        for chunk in reader:
            yield _typed(chunk, items, layout["decimal"], path, start)
            start += len(chunk)
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found is None:
            raise DataError(f"--data {path}: cannot be read as CSV ({exc})") from None
        n, line, saw = (int(g) for g in found.groups())
        raise DataError(
            f"--data {path}: ragged rows: {row_place(line - 1, {line - 1: line})} "
            f"has {saw} field(s), the header has {n}; every row needs as many "
            "fields as the header"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"--data {path}: cannot be read as CSV ({exc})") from None
    finally:
        reader.close()


def _check_widths(path: Path, layout: dict) -> None:
    """One streaming pass: every record has as many fields as the header."""
    try:
        with path.open(encoding=layout["encoding"], newline="") as handle:
            reader = csv.reader(handle, delimiter=layout["sep"])
            width, row, previous = None, 0, 0
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record:
                    continue
                if width is None:
                    width = len(record)
                    continue
                row += 1
                if len(record) != width:
                    raise DataError(
                        f"--data {path}: ragged rows: "
                        f"{row_place(row, {row: start})} has {len(record)} "
                        f"field(s), the header has {width}; every row needs as "
                        "many fields as the header"
                    )
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataError(f"--data {path}: cannot be read as CSV ({exc})") from None


def _typed(chunk: pd.DataFrame, items, decimal: str, path: Path, start: int):
    """Item columns as numbers; empty cells and missing markers as NaN.

    A column the parser read as numbers is kept; one it read as text (a decimal
    comma, spaces, or text answers) is converted here, and text is refused.
    """
    chunk = chunk.copy()
    markers = ["", *MISSING_MARKERS]
    for item in items:
        values = chunk[item]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values
        ):
            chunk[item] = values.astype(float)
            continue
        text = values.astype("string").str.strip()
        blank = (text.isna() | text.isin(markers)).to_numpy()
        if decimal == ",":
            text = text.str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
        bad = (numbers.isna() & ~blank).to_numpy()
        if bad.any():
            k = int(bad.argmax())
            raise DataError(
                f"--data {path}: column {item!r}: {int(bad.sum())} answer(s) are not "
                f"numbers, the first {chunk[item].iloc[k]!r} in data row "
                f"{start + k + 1}; empty cells and {', '.join(MISSING_MARKERS)} "
                "count as no answer"
            )
        chunk[item] = numbers
    return chunk


def _group_values(values: pd.Series) -> pd.Series:
    """A group column read as text: numbers where every filled cell is one."""
    if not pd.api.types.is_string_dtype(values):
        return values
    text = values.str.strip()
    filled = text != ""
    numbers = pd.to_numeric(text.where(filled), errors="coerce")
    if (numbers.notna() | ~filled).all():
        return numbers
    return text.where(filled)


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
            groups = _group_values(chunk[group_column]).set_axis(index, axis=0)
        parts.append(model.normed(scores, groups))
    return pd.concat(parts, axis=1).reset_index()


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
