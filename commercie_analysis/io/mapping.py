"""Export columns to instrument items, answer labels to answer codes.

A column maps to an item in one of three ways, tried in this order:

1. a mapping given by the researcher (a dict, or a CSV / YAML mapping file);
2. by id: the column name equals the item id (ignoring case and surrounding
   spaces), or, for LimeSurvey's ``code[subcode]`` columns, the sub-question code
   equals the item id;
3. by question text: the column's question text (or its name) equals the item's
   text in one of the spec's languages, ignoring case, spaces and final
   punctuation; a Qualtrics or SurveyMonkey ``question - statement`` text matches
   on its statement.

Answers are then turned into codes: numbers stay numbers (a decimal comma is read
as a decimal point), and text answers are looked up in the spec's answer labels in
every language, ignoring case and surrounding spaces. An answer that is neither is
an error that names the column, shows examples with their rows and lists the
labels found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..exceptions import DataError
from ..instruments import Instrument

__all__ = [
    "MISSING_MARKERS",
    "MappingReport",
    "label_codes",
    "map_columns",
    "normalise_text",
    "read_mapping_file",
    "to_codes",
]

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")

#: Cell texts that mean "no answer" in every item column, as R (``NA``), pandas
#: (``NaN``, ``nan``), databases (``NULL``) and spreadsheets (``N/A``) write them;
#: compared after :func:`normalise_text`.
MISSING_MARKERS = ("NA", "N/A", "NaN", "nan", "NULL", "null")
_SUBCODE = re.compile(r"^[\w]+\[([\w]+)\]$")


def normalise_text(text: object) -> str:
    """Text for comparing: case folded, spaces collapsed, end punctuation dropped.

    Examples
    --------
    >>> normalise_text("  I am  the LIFE of the party. ")
    'i am the life of the party'
    """
    text = re.sub(r"\s+", " ", str(text)).strip().casefold()
    return text.rstrip(" .:;!?").strip()


@dataclass(frozen=True)
class MappingReport:
    """Which export column became which item, and what was left over.

    Attributes
    ----------
    columns : dict of str to str
        Item (or attention-check) id -> export column.
    how : dict of str to str
        Item id -> ``"mapping"``, ``"id"`` or ``"text"``.
    unmapped_columns : tuple of str
        Export columns that map to no item (kept as other columns).
    missing_items : tuple of str
        Items no column maps to.
    """

    columns: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    unmapped_columns: tuple[str, ...] = ()
    missing_items: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """A JSON-ready view, for the manifest."""
        return {
            "columns": dict(self.columns),
            "how": dict(self.how),
            "unmapped_columns": list(self.unmapped_columns),
            "missing_items": list(self.missing_items),
        }


def read_mapping_file(path: str | Path) -> dict[str, str]:
    """Read a mapping file: export column -> item id.

    Two layouts: a CSV file with the columns ``column`` and ``item``, or a YAML
    file holding one mapping ``{column: item}``.

    Raises
    ------
    DataError
        If the file is missing or malformed; the message names the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"--mapping {path}: file not found")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"--mapping {path}: not valid YAML ({exc})") from None
        if not isinstance(spec, Mapping) or not spec:
            raise DataError(f"--mapping {path}: expected a mapping column: item_id")
        return {str(k).strip(): str(v).strip() for k, v in spec.items()}

    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    if not rows or not {"column", "item"} <= set(rows[0]):
        raise DataError(
            f"--mapping {path}: expected a CSV file with the columns 'column' and "
            f"'item', found {sorted(rows[0]) if rows else 'no rows'}"
        )
    mapping: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        column, item = (row["column"] or "").strip(), (row["item"] or "").strip()
        if not column or not item:
            raise DataError(f"--mapping {path}: line {line}: empty column or item")
        if column in mapping:
            raise DataError(f"--mapping {path}: line {line}: column {column!r} twice")
        mapping[column] = item
    return mapping


def _id_keys(column: str) -> list[str]:
    keys = [column.strip().casefold()]
    sub = _SUBCODE.match(column.strip())
    if sub:
        keys.append(sub.group(1).casefold())
    return keys


def _statement(text: str) -> str:
    # "Question stem - Statement" (Qualtrics, SurveyMonkey) -> "Statement"
    return text.rsplit(" - ", 1)[-1] if " - " in text else text


def map_columns(
    columns: Iterable[str],
    instrument: Instrument,
    *,
    texts: Mapping[str, str] | None = None,
    mapping: Mapping[str, str] | None = None,
    extra_ids: Mapping[str, Mapping[str, str]] | None = None,
) -> MappingReport:
    """Map export columns to the instrument's item ids.

    Parameters
    ----------
    columns : iterable of str
        The export's column names.
    instrument : Instrument
        Whose items are looked for.
    texts : mapping, optional
        Question text per column, where the export has one.
    mapping : mapping, optional
        Export column -> item id, given by the researcher; wins over the rest.
    extra_ids : mapping, optional
        Further ids to map besides the items (attention checks): id -> texts per
        language.

    Returns
    -------
    MappingReport

    Raises
    ------
    DataError
        If the given mapping names a column that the export lacks or an id the
        instrument lacks, or if two columns map to the same item.

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> bfi = load_instrument("bfi")
    >>> cols = ["id", "bfi[A1]", "a2"] + bfi.item_ids[2:] + ["age"]
    >>> report = map_columns(cols, bfi)
    >>> report.columns["A1"], report.columns["A2"], report.unmapped_columns
    ('bfi[A1]', 'a2', ('id', 'age'))
    """
    columns = [str(c) for c in columns]
    texts = dict(texts or {})
    targets: dict[str, dict[str, str]] = {
        item.id: dict(item.text) for item in instrument.items
    }
    for key, value in (extra_ids or {}).items():
        targets[key] = dict(value)

    found: dict[str, str] = {}
    how: dict[str, str] = {}

    def assign(target: str, column: str, way: str):
        if target in found and found[target] != column:
            raise DataError(
                f"item {target!r} matches two export columns, {found[target]!r} and "
                f"{column!r}; give a --mapping file that picks one"
            )
        found[target] = column
        how[target] = way

    # 1. The researcher's mapping.
    for column, target in (mapping or {}).items():
        if column not in columns:
            raise DataError(
                f"--mapping: column {column!r} is not in the export; its columns "
                f"are {', '.join(columns[:40])}"
            )
        if target not in targets:
            raise DataError(
                f"--mapping: {column!r} -> {target!r}, but instrument "
                f"{instrument.id!r} has no item {target!r}"
            )
        assign(target, column, "mapping")
    taken = set(found.values())

    # 2. By id.
    by_key: dict[str, str] = {target.casefold(): target for target in targets}
    for column in columns:
        if column in taken:
            continue
        for key in _id_keys(column):
            target = by_key.get(key)
            if target is not None and target not in found:
                assign(target, column, "id")
                taken.add(column)
                break

    # 3. By question text.
    by_text: dict[str, str] = {}
    for target, translations in targets.items():
        for text in translations.values():
            by_text.setdefault(normalise_text(text), target)
    for column in columns:
        if column in taken:
            continue
        candidates = [texts.get(column, ""), column]
        for text in candidates:
            if not text:
                continue
            target = by_text.get(normalise_text(text)) or by_text.get(
                normalise_text(_statement(text))
            )
            if target is not None and target not in found:
                assign(target, column, "text")
                taken.add(column)
                break

    order = list(targets)
    return MappingReport(
        columns={t: found[t] for t in order if t in found},
        how={t: how[t] for t in order if t in found},
        unmapped_columns=tuple(c for c in columns if c not in taken),
        missing_items=tuple(t for t in instrument.item_ids if t not in found),
    )


def label_codes(instrument: Instrument) -> dict[str, int]:
    """Normalised answer label -> code, over every language of the spec.

    Raises
    ------
    DataError
        If one label means two different codes in different languages.

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> label_codes(load_instrument("bfi"))["very accurate"]
    6
    """
    table: dict[str, int] = {}
    for language, labels in instrument.scale.labels.items():
        for code, label in labels.items():
            key = normalise_text(label)
            if table.get(key, code) != code:
                raise DataError(
                    f"instrument {instrument.id!r}: label {label!r} ({language}) "
                    f"means code {code} and code {table[key]}; labels must be unique"
                )
            table[key] = code
    return table


def _spss_labels(
    column: str, labels: Mapping, known: Mapping[str, int], missing: set[int]
) -> dict | None:
    """Stored SPSS code -> instrument code, if the value labels name the scale."""
    translation, unknown = {}, []
    for stored, label in labels.items():
        code = known.get(normalise_text(label))
        if code is not None:
            translation[float(stored)] = float(code)
        elif float(stored) not in missing:
            unknown.append(f"{stored!r}={label!r}")
    if not translation:
        return None
    if unknown:
        raise DataError(
            f"column {column!r}: SPSS value labels {', '.join(unknown)} are not "
            f"labels of the instrument's scale, while other labels are; labels "
            f"known: {', '.join(sorted(known))}"
        )
    return translation


_BAD = object()


def _cell_code(value, known: Mapping[str, int], missing_text: set, decimal: str):
    """The code of one cell: a float, None for no answer, or ``_BAD``."""
    if isinstance(value, bool | np.bool_):
        return _BAD
    if isinstance(value, int | float | np.integer | np.floating):
        return None if np.isnan(value) else float(value)
    text = str(value).strip()
    if not text:
        return None
    if _NUMBER.match(text) and ("," not in text or decimal == ","):
        return float(text.replace(",", "."))
    key = normalise_text(text)
    if key in known:
        return float(known[key])
    if key in missing_text:
        return None
    return _BAD


def _examples(values: pd.Series, limit: int = 5, lines=None) -> str:
    from .readers import row_place

    shown = [
        f"{value!r} ({row_place(row, lines)})"
        for row, value in values.head(limit).items()
    ]
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return ", ".join(shown) + more


def to_codes(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    instrument: Instrument,
    *,
    value_labels: Mapping[str, Mapping] | None = None,
    missing_labels: Iterable[str] = (),
    decimal: str = ".",
    lines: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    """Turn the answers in the mapped columns into numeric codes.

    Parameters
    ----------
    frame : pandas.DataFrame
        The export's cells (index: data-row number).
    columns : mapping
        Item id -> export column (see :func:`map_columns`).
    instrument : Instrument
        Gives the answer labels per language.
    value_labels : mapping, optional
        SPSS value labels per column (stored code -> label). Where they name the
        scale's labels, the stored codes are translated through them.
    missing_labels : iterable of str
        Text answers that mean "no answer" (for example ``"weet niet"``), on top
        of the empty cell and :data:`MISSING_MARKERS`.
    decimal : str, default="."
        The file's decimal mark; ``","`` reads ``"2,5"`` as 2.5.
    lines : mapping of int to int, optional
        Data row -> file line, to name both in messages.

    Returns
    -------
    pandas.DataFrame
        One float column per item id (NaN = no answer), same index as ``frame``.

    Raises
    ------
    DataError
        Naming every column with answers that are neither numbers nor labels of
        the scale, with examples and their rows, and the labels found.

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> bfi = load_instrument("bfi")
    >>> cells = pd.DataFrame({"x": ["1", " very ACCURATE ", ""]}, index=[1, 2, 3])
    >>> to_codes(cells, {"A1": "x"}, bfi)["A1"].tolist()
    [1.0, 6.0, nan]
    """
    known = label_codes(instrument)
    missing_text = {
        normalise_text(label) for label in (*MISSING_MARKERS, *missing_labels)
    }
    missing_codes = {float(code) for code in instrument.scale.missing_codes}
    out = pd.DataFrame(index=frame.index)
    problems = []
    for target, column in columns.items():
        values = frame[column]
        labels = (value_labels or {}).get(column)
        if labels and pd.api.types.is_numeric_dtype(values):
            translation = _spss_labels(column, labels, known, missing_codes)
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            if translation is not None:
                numbers = numbers.map(lambda v, t=translation: t.get(v, v))
            out[target] = numbers.astype(float)
            continue

        # Each distinct cell is translated once; surveys repeat a few answers.
        filled = values[values.notna()]
        positions, uniques = pd.factorize(filled.to_numpy(dtype=object))
        table = np.full(len(uniques), np.nan)
        bad_values, found_labels = set(), set()
        for k, value in enumerate(uniques):
            code = _cell_code(value, known, missing_text, decimal)
            if code is _BAD:
                bad_values.add(value)
            elif code is not None:
                table[k] = code
                if isinstance(value, str) and not _NUMBER.match(value.strip()):
                    found_labels.add(value.strip())
        codes = pd.Series(table[positions], index=filled.index).reindex(values.index)
        if bad_values:
            bad = filled[filled.isin(list(bad_values))].astype(str).str.strip()
            labels_seen = sorted({str(v).strip() for v in bad_values} | found_labels)
            problems.append(
                f"column {column!r} (item {target}): {len(bad)} answer(s) neither "
                "a number nor a label of the scale: "
                f"{_examples(bad, lines=lines)}; labels found in the column:"
                f" {', '.join(repr(v) for v in labels_seen[:12])}"
            )
        out[target] = codes
    if problems:
        scale = instrument.scale
        known_text = "; ".join(
            f"{lang}: " + ", ".join(f"{c}={t}" for c, t in sorted(table.items()))
            for lang, table in scale.labels.items()
        )
        raise DataError(
            "answers that are not numbers: "
            + " | ".join(problems)
            + f". Expected codes {scale.min}..{scale.max}"
            + (f" or the labels ({known_text})" if known_text else "")
            + "; a text meaning 'no answer' can be declared with --missing-label "
            "TEXT (repeatable; missing_labels in Python)"
        )
    return out
