"""Survey exports in: read any common export and map it onto an instrument.

:func:`read_responses` is the entry point: it reads the file
(:mod:`~commercie_analysis.io.readers`), maps its columns to the instrument's items
and its answer labels to codes (:mod:`~commercie_analysis.io.mapping`) and returns a
:class:`RawResponses`, ready for :func:`commercie_analysis.cleaning.clean`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..instruments import Instrument, load_instrument
from .mapping import (
    MappingReport,
    label_codes,
    map_columns,
    normalise_text,
    read_mapping_file,
    to_codes,
)
from .readers import (
    FORMATS,
    RawTable,
    decode_bytes,
    detect_format,
    read_table,
    row_place,
)

__all__ = [
    "FORMATS",
    "ID_COLUMNS",
    "MappingReport",
    "RawResponses",
    "RawTable",
    "decode_bytes",
    "detect_format",
    "label_codes",
    "map_columns",
    "normalise_text",
    "read_mapping_file",
    "read_responses",
    "read_table",
    "to_codes",
]

#: Column names taken as the respondent id when ``id_column`` is not given, in
#: order of preference (compared case-insensitively, ignoring spaces and ``_``).
ID_COLUMNS = (
    "respondent_id",
    "responseid",
    "respondentid",
    "respid",
    "respnr",
    "respondentnummer",
    "id",
    "respondent",
)

_WHOLE = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


@dataclass
class RawResponses:
    """An export mapped onto an instrument, before cleaning.

    Attributes
    ----------
    frame : pandas.DataFrame
        Index ``row``: the 1-based data-row number in the export. Columns: the item
        ids in the spec's order (float, NaN = no answer; codes as found, not yet
        checked against the scale), then the attention-check ids (float), then every
        other export column under its own name (numbers where a whole column is
        numeric, else text).
    instrument : Instrument
        The instrument mapped onto.
    mapping : MappingReport
        Which column became which item, and what was left over.
    format : str
        The export format read.
    source : str
        The file name (or ``"<DataFrame>"``).
    sha256 : str or None
        SHA-256 of the file's bytes.
    id_column : str or None
        The column holding respondent ids, if any.
    details : dict
        How the file was read (encoding, separator, decimal mark, sheet).
    texts : dict
        Question text per export column, where the export has one.
    lines : dict of int to int, optional
        Text exports: the file line on which each data row starts.
    """

    frame: pd.DataFrame
    instrument: Instrument
    mapping: MappingReport
    format: str
    source: str
    sha256: str | None = None
    id_column: str | None = None
    details: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    lines: dict | None = None

    @property
    def item_ids(self) -> list[str]:
        """The instrument's item ids (all present as columns of :attr:`frame`)."""
        return [i for i in self.instrument.item_ids if i in self.frame.columns]

    @property
    def attention_ids(self) -> list[str]:
        """Ids of the attention checks found in the export."""
        return [
            check.id
            for check in self.instrument.attention_checks
            if check.id in self.frame.columns
        ]

    @property
    def other_columns(self) -> list[str]:
        """Export columns that are neither items nor attention checks."""
        mapped = set(self.item_ids) | set(self.attention_ids)
        return [c for c in self.frame.columns if c not in mapped]

    def __len__(self) -> int:
        return len(self.frame)


def _other_column(values: pd.Series, decimal: str) -> pd.Series:
    """Numbers where every filled cell is one, else text; empty cells missing."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        whole = values.dropna()
        if len(whole) and np.all(np.mod(whole, 1) == 0):
            return values.astype("Int64")
        return values.astype(float)

    text = _map_distinct(values, _as_text)
    filled = text.dropna()
    if len(filled) and filled.str.fullmatch(_WHOLE.pattern).all():
        return pd.to_numeric(text).astype("Int64")
    if len(filled) and filled.str.fullmatch(_DECIMAL.pattern).all():
        if decimal == "," or not filled.str.contains(",", regex=False).any():
            return pd.to_numeric(text.str.replace(",", ".", regex=False)).astype(float)
    return text


def _as_text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _as_id(value) -> str | None:
    # Whole numbers stored as floats (SPSS, Excel) lose their ".0".
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return _as_text(value)


def _map_distinct(values: pd.Series, function) -> pd.Series:
    """``function`` applied once per distinct value, as a text column."""
    positions, uniques = pd.factorize(values.to_numpy(dtype=object))
    mapped = np.array([function(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[positions], index=values.index, dtype="string")


def _find_id_column(
    columns: Iterable[str],
    id_column: str | None,
    mapped: Mapping[str, str] | None = None,
) -> str | None:
    columns = list(columns)
    if id_column is not None:
        targets = {column: target for target, column in (mapped or {}).items()}
        if id_column in targets:
            raise DataError(
                f"--id-column {id_column!r}: is an item column (mapped to "
                f"{targets[id_column]}) and cannot be the respondent id; the "
                f"export's other columns are {', '.join(columns[:40]) or 'none'}"
            )
        if id_column not in columns:
            raise DataError(
                f"--id-column {id_column!r}: no such column; the export's other "
                f"columns are {', '.join(columns[:40])}"
            )
        return id_column
    keys = {re.sub(r"[\s_]", "", c.casefold()): c for c in reversed(columns)}
    for candidate in ID_COLUMNS:
        if candidate.replace("_", "") in keys:
            return keys[candidate.replace("_", "")]
    return None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_responses(
    source: str | Path | pd.DataFrame,
    instrument: Instrument | str | Path,
    *,
    format: str = "auto",
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | str | Path | None = None,
    id_column: str | None = None,
    missing_labels: Iterable[str] = (),
    require_items: bool = True,
) -> RawResponses:
    """Read a survey export and map it onto an instrument.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        The export file (any of :data:`FORMATS`), or a DataFrame with one column per
        export column.
    instrument : Instrument, str or Path
        The instrument, or its packaged name or spec path.
    format : str, default="auto"
        ``"auto"`` or one of :data:`FORMATS`.
    sheet : str or int, optional
        Excel sheet (name or 1-based position); default the first.
    mapping : mapping, str or Path, optional
        Export column -> item id, or the path of a mapping file (CSV with columns
        ``column`` and ``item``, or YAML).
    id_column : str, optional
        Column holding respondent ids. Default: the first of :data:`ID_COLUMNS`
        present, else none (rows are then known by their number).
    missing_labels : iterable of str
        Text answers that mean "no answer" (for example ``"weet niet"``).
    require_items : bool, default=True
        Raise if any item of the instrument is not found in the export.

    Returns
    -------
    RawResponses

    Raises
    ------
    DataError
        For a file that cannot be read (see
        :func:`~commercie_analysis.io.readers.read_table`), items or attention
        checks the export lacks (all named), or answers that are neither numbers
        nor labels of the scale (column, examples and rows named).

    Examples
    --------
    >>> cells = pd.DataFrame({"respondent_id": ["a", "b"], "A1": ["2", "6"]})
    >>> raw = read_responses(cells, "bfi", require_items=False)
    >>> raw.frame["A1"].tolist(), raw.id_column, raw.mapping.missing_items[:2]
    ([2.0, 6.0], 'respondent_id', ('A2', 'A3'))
    """
    instrument = load_instrument(instrument)
    if isinstance(mapping, str | Path):
        mapping = read_mapping_file(mapping)

    # 1. The cells.
    if isinstance(source, pd.DataFrame):
        cells = source.copy()
        cells.columns = [str(c).strip() for c in cells.columns]
        duplicated = cells.columns[cells.columns.duplicated()].tolist()
        if duplicated:
            raise DataError(f"<DataFrame>: duplicated column(s) {duplicated}")
        if cells.empty:
            raise DataError("<DataFrame>: has no rows")
        cells.index = pd.RangeIndex(1, len(cells) + 1, name="row")
        table = RawTable(cells, "dataframe", "<DataFrame>")
        sha256 = None
    else:
        table = read_table(source, format=format, sheet=sheet)
        sha256 = _file_sha256(Path(source))
    where = table.source

    # 2. Columns to items (and attention checks).
    checks = {c.id: c.text for c in instrument.attention_checks}
    report = map_columns(
        table.frame.columns,
        instrument,
        texts=table.texts,
        mapping=mapping,
        extra_ids=checks,
    )
    missing_checks = [c for c in checks if c not in report.columns]
    if require_items and (report.missing_items or missing_checks):
        parts = []
        if report.missing_items:
            parts.append(
                f"{len(report.missing_items)} of the {instrument.n_items} items of "
                f"{instrument.id!r}: {', '.join(report.missing_items)}"
            )
        if missing_checks:
            parts.append(f"attention check(s) {', '.join(missing_checks)}")
        raise DataError(
            f"{where}: no column found for {' and '.join(parts)}. Columns that map "
            f"to nothing: {', '.join(report.unmapped_columns[:30]) or 'none'}; "
            "map them by id, by question text or with --mapping"
        )

    # 3. Answers to codes.
    decimal = table.details.get("decimal", ".")
    try:
        codes = to_codes(
            table.frame,
            report.columns,
            instrument,
            value_labels=table.value_labels,
            missing_labels=missing_labels,
            decimal=decimal,
            lines=table.lines,
        )
    except DataError as exc:
        raise DataError(f"{where}: {exc}") from None

    # 4. The other columns, typed.
    others = {
        column: _other_column(table.frame[column], decimal)
        for column in report.unmapped_columns
    }
    frame = pd.concat([codes, pd.DataFrame(others, index=table.frame.index)], axis=1)
    frame.index.name = "row"
    found_id = _find_id_column(report.unmapped_columns, id_column, report.columns)
    if found_id is not None:
        ids = _map_distinct(table.frame[found_id], _as_id)
        empty = ids[ids.isna()]
        if len(empty):
            raise DataError(
                f"{where}: id column {found_id!r} is empty in "
                f"{', '.join(row_place(r, table.lines) for r in empty.index[:10])}"
            )
        frame[found_id] = ids.astype("string")
    return RawResponses(
        frame=frame,
        instrument=instrument,
        mapping=report,
        format=table.format,
        source=where,
        sha256=sha256,
        id_column=found_id,
        details=dict(table.details),
        texts=dict(table.texts),
        lines=table.lines,
    )
