"""Exporting a scoring model as SQL and as a CSV of weights.

SQL
---
:func:`to_sql` writes one ``SELECT`` over a table of answers (one row per
respondent, one column per item) with one expression per score. Identifiers are
double-quoted (quotes inside doubled), whole numbers are written as integers, others as
``CAST('<shortest repr>' AS DOUBLE PRECISION)`` so that no engine reads them as
DECIMAL, and the expression carries the whole rule of
:mod:`commercie_analysis.scoring.model`: missing codes become NULL, reverse keys are
applied, a score is NULL when fewer than ``min_answered`` items are answered, and
prorating divides by the summed absolute weights of the answered items. Answers
outside an item's range cannot raise an error in portable SQL: the score is then
NULL and the column ``"invalid_answers"`` counts such answers per respondent (the
Python scorer refuses them). The SQL uses only ``CASE``, ``COALESCE``, ``NULLIF`` and
``CAST``; the tests run it unchanged in DuckDB and SQLite (same scores as Python to
1e-9), and it is valid PostgreSQL.
"""

from __future__ import annotations

import math

import pandas as pd

from ..exceptions import ModelError
from .model import ScoringModel

__all__ = ["to_sql", "weights_table", "quote_identifier"]


def quote_identifier(name: str) -> str:
    """Double-quote an SQL identifier, doubling any quote inside it.

    Examples
    --------
    >>> quote_identifier('my "odd" column')
    '"my ""odd"" column"'
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ModelError(f"cannot use {name!r} as an SQL identifier")
    return '"' + name.replace('"', '""') + '"'


def _number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        raise ModelError(f"cannot write the non-finite number {value!r} as SQL")
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return f"CAST('{value!r}' AS DOUBLE PRECISION)"


def to_sql(
    model: ScoringModel,
    table: str = "answers",
    *,
    id_column: str | None = "respondent_id",
) -> str:
    """One ``SELECT`` that scores a table of answers with ``model``.

    Parameters
    ----------
    model : ScoringModel
    table : str, default="answers"
        The table (or view) of answers, one column per model item.
    id_column : str or None, default="respondent_id"
        Kept as the first column of the result; ``None`` leaves it out.

    Returns
    -------
    str
        The SQL text, with a comment naming the model and its checksum.

    Examples
    --------
    >>> import duckdb, pandas as pd
    >>> from commercie_analysis.instruments import Instrument
    >>> spec = {"id": "x", "name": "x", "version": "1", "languages": ["en"],
    ...         "scale": {"min": 1, "max": 5}, "constructs": [{"id": "c"}],
    ...         "items": [{"id": "a", "text": "A", "construct": "c"},
    ...                   {"id": "b", "text": "B", "construct": "c", "reverse": True}]}
    >>> answers = pd.DataFrame({"a": [5.0, 2.0, None], "b": [1.0, 4.0, 2.0]},
    ...                        index=pd.Index([1, 2, 3], name="respondent_id"))
    >>> model = ScoringModel.unit_weighted(Instrument.from_dict(spec), answers)
    >>> answers = answers.reset_index()
    >>> duckdb.sql(to_sql(model)).df()["c"].tolist()
    [5.0, 2.0, 4.0]
    """
    items = {item.id: item for item in model.items}
    lines = [
        f"-- scoring model: {model.instrument['id']} {model.instrument['version']}, "
        f"method {model.method}",
        f"-- checksum sha256 {model.checksum}",
        f"-- scores: {', '.join(model.score_ids)}",
        "SELECT",
    ]
    columns = []
    if id_column is not None:
        columns.append(f"  {quote_identifier(id_column)}")

    for rule in model.scores:
        answer, valid, count, terms, answered_abs, total_abs = {}, [], [], [], [], 0.0
        for item_id, weight in zip(rule.items, rule.weights, strict=True):
            item = items[item_id]
            x = _answer(quote_identifier(item_id), model.missing_codes)
            answer[item_id] = x
            valid.append(
                f"({x} IS NULL OR ({x} >= {_number(item.min)} AND {x} <= "
                f"{_number(item.max)}))"
            )
            count.append(f"CASE WHEN {x} IS NULL THEN 0 ELSE 1 END")
            value = x
            if model.apply_reverse_keys and item.reverse:
                value = f"({_number(item.min + item.max)} - {x})"
            if item.centre != 0:
                value = f"({value} - {_number(item.centre)})"
            terms.append(f"COALESCE({_number(weight)} * {value}, 0)")
            answered_abs.append(
                f"CASE WHEN {x} IS NULL THEN 0 ELSE {_number(abs(weight))} END"
            )
            total_abs += abs(weight)

        total = "(" + " + ".join(terms) + ")"
        if rule.prorate:
            total = (
                f"{total} * {_number(total_abs)} / NULLIF("
                + " + ".join(answered_abs)
                + ", 0)"
            )
        if rule.intercept != 0:
            total = f"{_number(rule.intercept)} + {total}"
        expression = (
            "  CASE WHEN NOT (" + " AND ".join(valid) + ") THEN NULL\n"
            "       WHEN (" + " + ".join(count) + f") < {int(rule.min_answered)} "
            "THEN NULL\n"
            f"       ELSE {total} END AS {quote_identifier(rule.id)}"
        )
        columns.append(expression)

    invalid = []
    for item in model.items:
        x = _answer(quote_identifier(item.id), model.missing_codes)
        invalid.append(
            f"CASE WHEN {x} < {_number(item.min)} OR {x} > {_number(item.max)} "
            "THEN 1 ELSE 0 END"
        )
    columns.append("  (" + " + ".join(invalid) + ') AS "invalid_answers"')
    lines.append(",\n".join(columns))
    lines.append(f"FROM {_table(table)};")
    return "\n".join(lines) + "\n"


def _answer(column: str, missing_codes) -> str:
    x = f"CAST({column} AS DOUBLE PRECISION)"
    if not missing_codes:
        return x
    codes = ", ".join(_number(c) for c in missing_codes)
    return f"(CASE WHEN {x} IN ({codes}) THEN NULL ELSE {x} END)"


def _table(name: str) -> str:
    parts = name.split(".")
    return ".".join(quote_identifier(p) for p in parts)


def weights_table(model: ScoringModel) -> pd.DataFrame:
    """The weights for spreadsheet users: one row per score and item.

    Columns: ``score``, ``item``, ``weight``, ``reverse_keyed``,
    ``apply_reverse_key`` (whether the answer is turned round, ``min + max - x``,
    before weighting), ``centre`` (subtracted before weighting), ``answer_min``,
    ``answer_max``, ``intercept``, ``min_answered`` and ``prorate`` (the last three
    belong to the score and repeat on its rows).

    Examples
    --------
    >>> from commercie_analysis import load_instrument
    >>> import pandas as pd
    >>> bfi = load_instrument("bfi")
    >>> answers = pd.DataFrame([[3.0] * 25, [4.0] * 25], columns=bfi.item_ids)
    >>> table = weights_table(ScoringModel.unit_weighted(bfi, answers))
    >>> table.loc[0, "score"], table.loc[0, "item"], float(table.loc[0, "weight"])
    ('agreeableness', 'A1', 0.2)
    """
    items = {item.id: item for item in model.items}
    rows = []
    for rule in model.scores:
        for item_id, weight in zip(rule.items, rule.weights, strict=True):
            item = items[item_id]
            rows.append(
                {
                    "score": rule.id,
                    "item": item_id,
                    "weight": weight,
                    "reverse_keyed": item.reverse,
                    "apply_reverse_key": bool(
                        model.apply_reverse_keys and item.reverse
                    ),
                    "centre": item.centre,
                    "answer_min": item.min,
                    "answer_max": item.max,
                    "intercept": rule.intercept,
                    "min_answered": rule.min_answered,
                    "prorate": rule.prorate,
                }
            )
    return pd.DataFrame(rows)
