"""Norms: where a score lies in the calibration sample, overall and per group.

A norm table maps a score to its percentile rank in a reference group. It is stored
as a monotone list of ``(score, percentile)`` points: every distinct score when there
are at most 200 of them (unit-weighted means of a few items), otherwise the scores at
201 evenly spaced quantiles (factor scores). Between points the percentile is
interpolated linearly; below the lowest calibration score it is 0, above the highest
100. With it, each table holds the group's ``n``, ``mean`` and ``sd``.

Derived scores
--------------
percentile rank
    ``100 * (number below + number equal / 2) / n`` (mid-rank) at each point.
T-score
    ``50 + 10 * (score - mean) / sd`` with the group's mean and SD (``ddof=1``), a
    linear T-score.
stanine
    From the percentile rank with the standard cut-offs 4, 11, 23, 40, 60, 77, 89, 96
    (stanine 1 holds the lowest 4 %, stanine 9 the highest 4 %); a percentile rank
    equal to a cut-off goes to the higher stanine.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataQualityWarning, ModelError

__all__ = [
    "norm_table",
    "build_norms",
    "apply_norms",
    "percentile_rank",
    "t_score",
    "stanine",
    "group_key",
    "STANINE_CUTS",
    "MIN_GROUP_N",
]

STANINE_CUTS = (4.0, 11.0, 23.0, 40.0, 60.0, 77.0, 89.0, 96.0)
MIN_GROUP_N = 30
_MAX_EXACT_POINTS = 200
_N_QUANTILES = 201


def norm_table(scores: pd.Series | np.ndarray) -> dict[str, Any]:
    """The norm table of one score in one reference group.

    Parameters
    ----------
    scores : Series or ndarray
        The group's scores; NaN (no score) is left out.

    Returns
    -------
    dict
        ``n``, ``mean``, ``sd`` and ``points``: ``{"score": [...], "percentile":
        [...]}``.

    Examples
    --------
    >>> table = norm_table([1.0, 2.0, 2.0, 3.0])
    >>> table["points"]
    {'score': [1.0, 2.0, 3.0], 'percentile': [12.5, 50.0, 87.5]}
    """
    x = np.asarray(scores, dtype=np.float64)
    x = np.sort(x[~np.isnan(x)])
    n = x.size
    if n < 2:
        raise ModelError(f"a norm table needs at least 2 scores, found {n}")
    distinct = np.unique(x)
    if distinct.size > _MAX_EXACT_POINTS:
        distinct = np.unique(np.quantile(x, np.linspace(0.0, 1.0, _N_QUANTILES)))
    below = np.searchsorted(x, distinct, side="left")
    upto = np.searchsorted(x, distinct, side="right")
    percentile = 100.0 * (below + (upto - below) / 2.0) / n
    return {
        "n": int(n),
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)),
        "points": {
            "score": [float(v) for v in distinct],
            "percentile": [float(v) for v in percentile],
        },
    }


def group_key(value) -> str | None:
    """The text under which a group's norms are stored (``1.0`` and ``1`` -> ``"1"``).

    Examples
    --------
    >>> group_key(2.0), group_key("NL"), group_key(float("nan"))
    ('2', 'NL', None)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def build_norms(
    scores: pd.DataFrame,
    groups: pd.Series | None = None,
    *,
    group_column: str | None = None,
    min_group_n: int = MIN_GROUP_N,
) -> dict[str, Any]:
    """Norm tables for every score, overall and per reference group.

    Parameters
    ----------
    scores : DataFrame
        One column per score (calibration sample).
    groups : Series, optional
        The reference group of each respondent (same index), e.g. gender or company
        size. Respondents without a group count only in the overall norms.
    group_column : str, optional
        The column name ``groups`` came from, recorded in the result.
    min_group_n : int, default=30
        Groups with fewer scored respondents get no norms (with a
        :class:`DataQualityWarning` naming them).

    Returns
    -------
    dict
        ``{"group_column": ..., "min_group_n": ..., "overall": {score: table},
        "groups": {group: {score: table}}}``.
    """
    overall = {str(s): norm_table(scores[s]) for s in scores.columns}
    out: dict[str, Any] = {
        "group_column": group_column,
        "min_group_n": int(min_group_n),
        "overall": overall,
        "groups": {},
    }
    if groups is None:
        return out

    keys = groups.reindex(scores.index).map(group_key)
    skipped = []
    for key in sorted(k for k in keys.dropna().unique()):
        members = scores[keys == key]
        if members.notna().sum().min() < min_group_n:
            skipped.append(f"{key} (n={len(members)})")
            continue
        out["groups"][key] = {str(s): norm_table(members[s]) for s in scores.columns}
    if skipped:
        warnings.warn(
            f"norm group {group_column or 'groups'}: no norms for group(s) "
            f"{', '.join(skipped)}, fewer than {min_group_n} respondents",
            DataQualityWarning,
            stacklevel=2,
        )
    return out


def percentile_rank(values, table: Mapping[str, Any]) -> np.ndarray:
    """Percentile ranks of ``values`` in a norm table (see the module notes).

    Examples
    --------
    >>> table = norm_table([1.0, 2.0, 2.0, 3.0])
    >>> percentile_rank([0.0, 1.5, 2.0, 9.0], table).tolist()
    [0.0, 31.25, 50.0, 100.0]
    """
    x = np.asarray(values, dtype=np.float64)
    points = table["points"]
    xp = np.asarray(points["score"], dtype=np.float64)
    fp = np.asarray(points["percentile"], dtype=np.float64)
    out = np.interp(x, xp, fp)
    out = np.where(x < xp[0], 0.0, out)
    out = np.where(x > xp[-1], 100.0, out)
    return np.where(np.isnan(x), np.nan, out)


def t_score(values, table: Mapping[str, Any]) -> np.ndarray:
    """Linear T-scores: ``50 + 10 * (x - mean) / sd`` of the norm group.

    Examples
    --------
    >>> t_score([2.0, 3.0], norm_table([1.0, 2.0, 3.0])).tolist()
    [50.0, 60.0]
    """
    x = np.asarray(values, dtype=np.float64)
    return 50.0 + 10.0 * (x - table["mean"]) / table["sd"]


def stanine(percentiles) -> np.ndarray:
    """Stanines 1..9 from percentile ranks (NaN stays NaN).

    Examples
    --------
    >>> stanine([2.0, 4.0, 50.0, 99.0]).tolist()
    [1.0, 2.0, 5.0, 9.0]
    """
    p = np.asarray(percentiles, dtype=np.float64)
    out = np.searchsorted(np.asarray(STANINE_CUTS), p, side="right") + 1.0
    return np.where(np.isnan(p), np.nan, out)


def apply_norms(
    scores: pd.DataFrame,
    norms: Mapping[str, Any],
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Percentile rank, T-score and stanine of each score.

    Parameters
    ----------
    scores : DataFrame
        One column per score.
    norms : dict
        As returned by :func:`build_norms` (a model's ``norms``).
    groups : Series, optional
        Each respondent's reference group. Respondents of a group with norms are
        compared with that group; others (no group, or a group without norms) with
        the overall norms. The column ``norm_group`` says which was used.

    Returns
    -------
    DataFrame
        Columns ``<score>_percentile``, ``<score>_t``, ``<score>_stanine`` per score
        and ``norm_group``.
    """
    out = pd.DataFrame(index=scores.index)
    if groups is None:
        keys = pd.Series([None] * len(scores), index=scores.index, dtype=object)
    else:
        keys = groups.reindex(scores.index).map(group_key).astype(object)
        keys = keys.where(keys.isin(list(norms["groups"])), None)

    used = keys.where(keys.notna(), "overall")
    for s in scores.columns:
        tables = norms["overall"]
        if s not in tables:
            raise ModelError(f"the norms have no table for score {s!r}")
        pct = np.full(len(scores), np.nan)
        tee = np.full(len(scores), np.nan)
        for key in used.unique():
            rows = (used == key).to_numpy()
            table = tables[s] if key == "overall" else norms["groups"][key][s]
            pct[rows] = percentile_rank(scores[s].to_numpy()[rows], table)
            tee[rows] = t_score(scores[s].to_numpy()[rows], table)
        out[f"{s}_percentile"] = pct
        out[f"{s}_t"] = tee
        out[f"{s}_stanine"] = stanine(pct)
    out["norm_group"] = used.astype(str).to_numpy()
    return out
