"""Reading survey exports into one raw table of text cells.

Every reader returns a :class:`RawTable`: the header (the export's column names), the
data rows as a DataFrame with one column per header entry and the 1-based data-row
number as index, an optional question text per column (Qualtrics, SurveyMonkey and
SPSS exports carry one) and the SPSS value labels. Mapping the columns to the items
of an instrument is done afterwards by :mod:`commercie_analysis.io.mapping`.

Formats
-------
csv
    Comma, semicolon, tab or pipe separated (detected with :class:`csv.Sniffer`),
    UTF-8 with or without byte-order mark, else Windows-1252; UTF-16 when the file
    starts with a UTF-16 byte-order mark. Quoted fields may hold line breaks.
xlsx
    An Excel workbook read with openpyxl; the first sheet unless ``sheet`` is given.
spss
    An SPSS ``.sav`` or ``.zsav`` file read with pyreadstat; variable labels become
    question texts and value labels are kept for mapping answers to codes.
qualtrics
    A Qualtrics CSV export: three header rows (column ids, question texts, import
    ids), data from the fourth row on.
limesurvey
    A LimeSurvey CSV export with question codes as headings; sub-questions as
    ``code[subcode]``.
surveymonkey
    A SurveyMonkey CSV export: two header rows (questions, then sub-questions or
    ``Response``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..exceptions import DataError

__all__ = [
    "FORMATS",
    "RawTable",
    "decode_bytes",
    "detect_format",
    "read_table",
    "check_header",
    "row_place",
    "sniff_delimiter",
]

FORMATS = (
    "csv",
    "xlsx",
    "spss",
    "parquet",
    "qualtrics",
    "limesurvey",
    "surveymonkey",
)

_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_SPSS_SUFFIXES = (".sav", ".zsav")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_DELIMITERS = ",;\t|"

# Column ids that only a LimeSurvey response export starts with.
_LIMESURVEY_MARKERS = {"submitdate", "lastpage", "startlanguage"}
_BRACKETED = re.compile(r"^[A-Za-z][\w]*\[[\w]+\]$")


@dataclass
class RawTable:
    """The cells of an export, before any mapping to an instrument.

    Attributes
    ----------
    frame : pandas.DataFrame
        One column per export column (the header as column names, in file order),
        one row per data row, index ``row`` = 1-based data-row number. CSV cells
        are text (empty string for an empty cell); Excel and SPSS cells keep their
        stored type, with NaN for empty cells.
    format : str
        The format read, one of :data:`FORMATS`.
    source : str
        The file name, for messages.
    texts : dict of str to str
        Question text per column, where the export has one.
    value_labels : dict of str to dict
        SPSS value labels per column: stored code -> label.
    details : dict
        How the file was read (encoding, separator, decimal mark, sheet).
    lines : dict of int to int, optional
        Text exports: the file line (1-based, as an editor counts them) on which
        each data row starts; a quoted field may span lines, and blank lines are
        skipped, so the two numbers need not differ by the header rows alone.
    """

    frame: pd.DataFrame
    format: str
    source: str
    texts: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict] = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    lines: dict[int, int] | None = None


def row_place(row: int, lines: dict[int, int] | None = None) -> str:
    """The place of a data row in words: ``data row N (line M of the file)``.

    Parameters
    ----------
    row : int
        The 1-based data-row number.
    lines : dict of int to int, optional
        Data row -> file line (:attr:`RawTable.lines`); without it, or for a row
        it lacks, only the data row is named.

    Examples
    --------
    >>> row_place(8, {8: 9})
    'data row 8 (line 9 of the file)'
    >>> row_place(8)
    'data row 8'
    """
    line = (lines or {}).get(int(row))
    if line is None:
        return f"data row {int(row)}"
    return f"data row {int(row)} (line {line} of the file)"


# -- decoding -----------------------------------------------------------------


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    r"""Decode the bytes of a text export, telling which encoding was used.

    UTF-8 is tried first (with or without byte-order mark), then Windows-1252, the
    encoding Excel and SPSS use for CSV on Dutch and English Windows. Latin-1 is not
    tried on its own: every byte sequence is valid Latin-1, so it would hide a
    wrong encoding instead of reporting it, and Windows-1252 agrees with it on every
    letter used in Dutch. A file with a UTF-16 byte-order mark is read as UTF-16.

    Parameters
    ----------
    data : bytes
        The file's content.
    source : str
        File name for messages.

    Returns
    -------
    text : str
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"`` or ``"cp1252"``.

    Raises
    ------
    DataError
        If the bytes are binary (NUL bytes outside UTF-16) or decode in none of
        these encodings; the message gives the offset of the first bad byte.

    Examples
    --------
    >>> decode_bytes("naïef;één".encode("cp1252"), "x.csv")
    ('naïef;één', 'cp1252')
    >>> decode_bytes(b"\xef\xbb\xbfA1,A2", "x.csv")
    ('A1,A2', 'utf-8-sig')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{source}: starts with a UTF-16 byte-order mark but is not valid "
                f"UTF-16 (byte {exc.start})"
            ) from None
    if b"\x00" in data[:65536]:
        offset = data.index(b"\x00")
        raise DataError(
            f"{source}: binary content (NUL byte at offset {offset}), "
            "not a text export; give the right --format (xlsx, spss) or export the "
            "survey as CSV"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    first_error = None
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    line = data[: first_error.start].count(b"\n") + 1
    raise DataError(
        f"{source}: cannot decode the text at line {line} (byte offset "
        f"{first_error.start}, byte 0x{data[first_error.start]:02x}) as UTF-8 or "
        "Windows-1252; save the export as UTF-8"
    )


# -- format detection ------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    r"""The field separator of a text export: comma, semicolon, tab or pipe.

    Examples
    --------
    >>> sniff_delimiter("id\tA1\tA2\n1\t2\t3\n")
    '\t'
    """
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text.strip() else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _first_rows(text: str, delimiter: str, n: int = 3) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) == n:
                break
    except csv.Error:
        pass
    return rows


def _text_format(text: str, delimiter: str) -> str:
    rows = _first_rows(text, delimiter)
    if not rows:
        return "csv"
    header = [cell.strip() for cell in rows[0]]
    if len(rows) >= 3 and any(c.strip().startswith('{"ImportId"') for c in rows[2]):
        return "qualtrics"
    lowered = {cell.lower() for cell in header}
    if "respondent id" in lowered and "collector id" in lowered:
        return "surveymonkey"
    if _LIMESURVEY_MARKERS & lowered or (
        "id" in lowered and any(_BRACKETED.match(cell) for cell in header)
    ):
        return "limesurvey"
    return "csv"


def detect_format(path: str | Path) -> str:
    """Tell the format of an export from its name and first bytes.

    Parameters
    ----------
    path : str or Path
        The export.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    DataError
        If the file is missing, empty, binary but neither Excel nor SPSS, or not
        decodable as text.
    """
    path = _existing(path)
    suffix = path.suffix.lower()
    head = _head(path)
    if suffix in _EXCEL_SUFFIXES:
        return "xlsx"
    if suffix in _SPSS_SUFFIXES:
        return "spss"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"$FL2") or head.startswith(b"$FL3"):
        return "spss"
    if suffix in _PARQUET_SUFFIXES or head.startswith(b"PAR1"):
        return "parquet"
    text, _ = decode_bytes(_read_nonempty(path), path.name)
    return _text_format(text, sniff_delimiter(text))


# -- the readers ---------------------------------------------------------------


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4)


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataError(f"--data {path}: file not found")
    if path.is_dir():
        raise DataError(f"--data {path}: is a folder, expected a survey export file")
    return path


def _read_nonempty(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise DataError(f"{path.name}: the file is empty")
    return data


def check_header(header: list[str], source: str, row: int = 1) -> list[str]:
    """The column names of a header row, stripped; unnamed or repeated refused.

    Examples
    --------
    >>> check_header([" id", "A1 "], "x.csv")
    ['id', 'A1']
    """
    names = ["" if pd.isna(h) else str(h).strip() for h in header]
    blank = [i + 1 for i, name in enumerate(names) if not name]
    if blank:
        raise DataError(
            f"{source}: header row {row} has no name for column(s) "
            f"{', '.join(map(str, blank))}"
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise DataError(
                f"{source}: duplicated column {name!r} (columns {seen[name] + 1} and "
                f"{i + 1} of header row {row}); each column needs its own name"
            )
        seen[name] = i
    return names


def _record_lines(text: str, delimiter: str) -> tuple[list[int], list[int]]:
    """Start line and field count of every non-blank record of a text export."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    starts, widths, previous = [], [], 0
    try:
        for record in reader:
            if record:
                starts.append(previous + 1)
                widths.append(len(record))
            previous = reader.line_num
    except csv.Error:
        pass
    return starts, widths


def _ragged(
    widths: list[int], starts: list[int], header_rows: int, source: str
) -> None:
    """Raise for the first record whose field count differs from the header's."""
    if not widths:
        return
    n = widths[0]
    for k in range(header_rows, len(widths)):
        if widths[k] != n:
            row = k - header_rows + 1
            raise DataError(
                f"{source}: ragged rows: {row_place(row, {row: starts[k]})} has "
                f"{widths[k]} field(s), the header has {n}; every row needs as "
                "many fields as the header"
            )


def _parse_csv(text: str, delimiter: str, source: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            engine="python",
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise DataError(
            f"{source}: ragged rows: {exc}; every row needs as many fields as the "
            "header"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{source}: the file is empty") from None
    return frame


def _frame_from_rows(
    frame: pd.DataFrame, header_rows: int, source: str, lines: dict | None = None
) -> tuple[list[str], pd.DataFrame]:
    """Split a header-less cell frame into the header and the data rows."""
    header = check_header(list(frame.iloc[0]), source)
    data = frame.iloc[header_rows:].copy()
    if data.empty:
        raise DataError(
            f"{source}: has a header but no data rows (expected respondents from "
            f"line {header_rows + 1} of the file on)"
        )

    # Short rows: the python engine fills the fields a row lacks with NaN, while
    # an empty field is "" (keep_default_na=False), so NaN marks a ragged row.
    short = data.isna().any(axis=1)
    if short.any():
        position = int(short.to_numpy().argmax())
        fields = int(data.iloc[position].notna().sum())
        raise DataError(
            f"{source}: ragged rows: {row_place(position + 1, lines)} has "
            f"{fields} field(s), "
            f"the header has {len(header)}; every row needs as many fields as the "
            "header"
        )
    data.columns = header
    data.index = pd.RangeIndex(1, len(data) + 1, name="row")
    return header, data


_ANSWER_HEADINGS = ("response", "open-ended response", "")


def _surveymonkey_names(
    questions: list[str], subs: list[str]
) -> tuple[list[str], dict[str, str]]:
    """Column names and question texts from SurveyMonkey's two header rows.

    Row 1 holds each question above the first column of its block, row 2 the
    sub-question (a matrix statement, an answer option) or just ``Response``.
    A single column is named after its question; a block column is named
    ``question - sub-question``, and its question text is the sub-question.

    Examples
    --------
    >>> names, texts = _surveymonkey_names(
    ...     ["Respondent ID", "How true?", "", "Age?"],
    ...     ["", "I plan.", "I help.", "Response"])
    >>> names
    ['Respondent ID', 'How true? - I plan.', 'How true? - I help.', 'Age?']
    >>> texts["How true? - I help."]
    'I help.'
    """
    names, texts, current = [], {}, ""
    for question, sub in zip(questions, subs, strict=True):
        question, sub = str(question).strip(), str(sub).strip()
        current = question or current
        if sub.casefold() in _ANSWER_HEADINGS:
            name = current if question else f"{current} - {sub}" if sub else current
            texts[name] = name
        else:
            name = f"{current} - {sub}" if current else sub
            texts[name] = sub
        names.append(name)
    return names, texts


def _read_text(path: Path, fmt: str) -> RawTable:
    source = path.name
    text, encoding = decode_bytes(_read_nonempty(path), source)
    delimiter = sniff_delimiter(text)
    header_rows = {"qualtrics": 3, "surveymonkey": 2}.get(fmt, 1)
    starts, widths = _record_lines(text, delimiter)
    _ragged(widths, starts, header_rows, source)
    cells = _parse_csv(text, delimiter, source)
    lines = None
    if len(starts) == len(cells):
        lines = {k + 1: line for k, line in enumerate(starts[header_rows:])}
    if len(cells) < header_rows:
        raise DataError(
            f"{source}: a {fmt} export has {header_rows} header rows; found "
            f"{len(cells)} row(s) in all"
        )
    if fmt == "qualtrics" and not any(
        str(c).strip().startswith('{"ImportId"') for c in cells.iloc[2]
    ):
        raise DataError(
            f"{source}: not a Qualtrics export: its third row should hold the "
            'import ids ({"ImportId": ...}); export with "Use numeric values" or '
            "choice text and the default three header rows, or use --format csv"
        )
    if fmt == "surveymonkey" and not {"respondent id", "collector id"} <= {
        str(c).strip().casefold() for c in cells.iloc[0]
    }:
        raise DataError(
            f"{source}: not a SurveyMonkey export: its first row should hold "
            "'Respondent ID' and 'Collector ID'; use --format csv"
        )

    texts: dict[str, str] = {}
    if fmt == "surveymonkey":
        names, texts = _surveymonkey_names(list(cells.iloc[0]), list(cells.iloc[1]))
        cells = cells.copy()
        cells.iloc[0] = names
    header, data = _frame_from_rows(cells, header_rows, source, lines)
    if fmt == "qualtrics":
        texts = {
            name: str(text).strip()
            for name, text in zip(header, cells.iloc[1], strict=True)
        }
    decimal = "," if delimiter in ";\t" else "."
    details = {"encoding": encoding, "separator": delimiter, "decimal": decimal}
    return RawTable(data, fmt, source, texts=texts, details=details, lines=lines)


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    import openpyxl

    source = path.name
    _read_nonempty(path)
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # From the bytes, so that a workbook saved under another suffix is read too.
        workbook = openpyxl.load_workbook(
            io.BytesIO(path.read_bytes()), read_only=True, data_only=True
        )
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
    ) as exc:
        raise DataError(
            f"{source}: not a readable .xlsx workbook ({exc.__class__.__name__}: "
            f"{exc}); an old .xls must be saved as .xlsx first"
        ) from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            chosen = names[0]
        elif isinstance(sheet, int) or str(sheet).isdigit():
            index = int(sheet)
            if not 1 <= index <= len(names):
                raise DataError(
                    f"{source}: --sheet {sheet}: the workbook has {len(names)} "
                    f"sheet(s): {', '.join(names)}"
                )
            chosen = names[index - 1]
        elif str(sheet) in names:
            chosen = str(sheet)
        else:
            raise DataError(
                f"{source}: --sheet {sheet!r} does not exist; sheets: "
                f"{', '.join(repr(n) for n in names)}"
            )
        rows = [list(row) for row in workbook[chosen].iter_rows(values_only=True)]
    finally:
        workbook.close()

    rows = [row for row in rows if any(v is not None and str(v).strip() for v in row)]
    where = f"{source} [sheet {chosen!r}]"
    if not rows:
        raise DataError(f"{where}: the sheet is empty")
    width = max(len(row) for row in rows)
    cells = pd.DataFrame([row + [None] * (width - len(row)) for row in rows])

    # Trailing columns without a header and without values are Excel's padding.
    header = list(cells.iloc[0])
    while (
        header and (header[-1] is None) and cells.iloc[1:, len(header) - 1].isna().all()
    ):
        header.pop()
    cells = cells.iloc[:, : len(header)]
    header, data = _frame_from_rows_excel(cells, where, names)
    details = {"sheet": chosen}
    return RawTable(data, "xlsx", source, details=details)


def _frame_from_rows_excel(
    cells: pd.DataFrame, where: str, sheets: list[str]
) -> tuple[list[str], pd.DataFrame]:
    header = check_header(list(cells.iloc[0]), where)
    data = cells.iloc[1:].copy()
    if data.empty:
        raise DataError(
            f"{where}: has a header but no data rows; the workbook's sheets are "
            f"{', '.join(repr(n) for n in sheets)} (choose one with --sheet)"
        )
    data.columns = header
    data.index = pd.RangeIndex(1, len(data) + 1, name="row")
    return header, data.astype(object).where(data.notna(), None)


def _read_spss(path: Path) -> RawTable:
    import pyreadstat

    source = path.name
    _read_nonempty(path)
    try:
        data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise DataError(
            f"{source}: not a readable SPSS .sav file ({exc.__class__.__name__}: {exc})"
        ) from None
    header = check_header(list(data.columns), source)
    if data.empty:
        raise DataError(f"{source}: has variables but no cases (no data rows)")
    data.columns = header
    data.index = pd.RangeIndex(1, len(data) + 1, name="row")
    texts = {
        name: label
        for name, label in zip(header, meta.column_labels or [], strict=False)
        if label
    }
    labels = {
        name: dict(table) for name, table in (meta.variable_value_labels or {}).items()
    }
    details = {"encoding": meta.file_encoding}
    return RawTable(
        data, "spss", source, texts=texts, value_labels=labels, details=details
    )


def _read_parquet(path: Path) -> RawTable:
    # Parquet files such as the clean responses this toolkit writes: typed
    # columns, no header rows to interpret.
    source = path.name
    _read_nonempty(path)
    try:
        data = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several untyped errors
        raise DataError(
            f"{source}: not a readable Parquet file ({exc.__class__.__name__}: {exc})"
        ) from None
    if not isinstance(data.index, pd.RangeIndex):
        data = data.reset_index()
    header = check_header([str(c) for c in data.columns], source)
    if data.empty:
        raise DataError(f"{source}: has columns but no rows")
    data.columns = header
    data.index = pd.RangeIndex(1, len(data) + 1, name="row")
    return RawTable(data, "parquet", source, details={})


def read_table(
    path: str | Path, format: str = "auto", sheet: str | int | None = None
) -> RawTable:
    r"""Read the cells of a survey export.

    Parameters
    ----------
    path : str or Path
        The export file.
    format : str, default="auto"
        One of ``"auto"`` or :data:`FORMATS`; ``"auto"`` detects it with
        :func:`detect_format`.
    sheet : str or int, optional
        Excel only: the sheet's name, or its 1-based position. Default: the first.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        For a missing, empty, binary, undecodable or ragged file, a header without
        data rows, a duplicated or unnamed column, or a sheet that does not exist;
        the message names the file and the place.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("id;q1;q2\n7;1;2,5\n", encoding="cp1252")
    >>> table = read_table(p)
    >>> table.format, table.details["separator"], table.frame.loc[1, "q2"]
    ('csv', ';', '2,5')
    """
    path = _existing(path)
    if format not in ("auto", *FORMATS):
        raise DataError(
            f"--format {format!r}: unknown format; expected auto or one of "
            f"{', '.join(FORMATS)}"
        )
    if format == "auto":
        format = detect_format(path)
    if sheet is not None and format != "xlsx":
        raise DataError(f"--sheet {sheet!r}: only an Excel workbook has sheets")

    if format == "xlsx":
        return _read_xlsx(path, sheet)
    if format == "spss":
        return _read_spss(path)
    if format == "parquet":
        return _read_parquet(path)
    head = _head(path)
    if head.startswith(b"PK\x03\x04") or head.startswith((b"$FL2", b"$FL3")):
        kind = "an Excel workbook (zip)" if head.startswith(b"PK") else "an SPSS file"
        raise DataError(
            f"{path.name}: --format {format} expects a text export but the file is "
            f"{kind}; use --format auto"
        )
    return _read_text(path, format)
