"""Does the factor solution agree with the key? Congruence, alignment and verdicts.

An exploratory solution labels its factors F1, F2, ... in an arbitrary order and with
arbitrary signs. :func:`align_to_key` matches each factor to the construct whose key
it resembles most (Tucker congruence, one-to-one), names it after that construct and
flips it so that it agrees with the key. :func:`item_verdicts` and
:func:`construct_verdicts` then say, per item and per construct, whether the data
support the key.

Thresholds (the defaults of :class:`VerdictThresholds`)
--------------------------------------------------------
* an item's loading on its intended construct, signed by its key, is *salient* from
  0.40 and *weak* below 0.30;
* a cross-loading is a problem when the gap between the intended loading and the
  largest loading on another factor is below 0.20;
* a construct's Tucker congruence with its key is *good* from 0.95 and *fair* from
  0.85 (Lorenzo-Seva and ten Berge, 2006), *poor* below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .exceptions import DataError

__all__ = [
    "VerdictThresholds",
    "tucker_congruence",
    "align_to_key",
    "item_verdicts",
    "construct_verdicts",
    "ITEM_VERDICTS",
]

ITEM_VERDICTS = ("ok", "weak", "cross-loading", "wrong construct", "wrong sign")


@dataclass(frozen=True)
class VerdictThresholds:
    """Thresholds of the item and construct verdicts.

    Parameters
    ----------
    salient : float, default=0.40
        Keyed loading on the intended construct from which an item is ``ok``.
    weak : float, default=0.30
        Below this keyed loading an item is ``weak``; a loading of this size on
        another factor, larger than the intended one, makes it ``wrong construct``.
    min_gap : float, default=0.20
        Smallest acceptable gap between the intended loading and the largest
        cross-loading; below it an item is ``cross-loading``.
    good_congruence, fair_congruence : float, default=0.95 and 0.85
        Tucker congruence of a construct's factor with its key for ``good`` and
        ``fair``.
    """

    salient: float = 0.40
    weak: float = 0.30
    min_gap: float = 0.20
    good_congruence: float = 0.95
    fair_congruence: float = 0.85


def tucker_congruence(loadings: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Tucker's congruence coefficient of every key column with every factor.

    Parameters
    ----------
    loadings : DataFrame
        Items x factors.
    key : DataFrame
        Items x constructs of +1, -1 and 0 (see ``Instrument.key_matrix``) or any
        target loadings; rows are matched to ``loadings`` by item id.

    Returns
    -------
    DataFrame
        Constructs x factors.

    Notes
    -----
    ``phi(x, y) = sum(x y) / sqrt(sum(x^2) sum(y^2))`` (Tucker, 1951), as R psych
    ``factor.congruence`` computes it.

    Examples
    --------
    >>> L = pd.DataFrame({"F1": [.8, .7, .1], "F2": [.0, .1, .9]}, index=list("abc"))
    >>> K = pd.DataFrame({"x": [1, 1, 0], "y": [0, 0, 1]}, index=list("abc"))
    >>> tucker_congruence(L, K).round(3)
          F1     F2
    x  0.993  0.078
    y  0.094  0.994
    """
    missing = [item for item in key.index if item not in loadings.index]
    if missing:
        raise DataError(f"key: items without loadings: {', '.join(map(str, missing))}")
    x = key.to_numpy(dtype=float)
    y = loadings.loc[key.index].to_numpy(dtype=float)
    numerator = x.T @ y
    denominator = np.sqrt(np.outer((x**2).sum(axis=0), (y**2).sum(axis=0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(denominator > 0, numerator / denominator, np.nan)
    return pd.DataFrame(values, index=key.columns, columns=loadings.columns)


def align_to_key(
    loadings: pd.DataFrame,
    key: pd.DataFrame,
    phi: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Match factors to constructs one-to-one, name and sign them after the key.

    Parameters
    ----------
    loadings : DataFrame
        Items x factors.
    key : DataFrame
        Items x constructs (+1, -1, 0).
    phi : DataFrame, optional
        Factor correlations; permuted and sign-flipped together with the loadings.

    Returns
    -------
    loadings, phi, congruence : DataFrame
        Loadings and factor correlations with factors renamed after the matched
        constructs (in the key's order; unmatched factors keep their names and come
        last), and the congruence table (constructs x renamed factors).

    Notes
    -----
    The assignment maximises the summed absolute congruence (Hungarian method);
    each factor is then multiplied by the sign of its congruence with its construct,
    so that a factor agrees with the key. With fewer factors than constructs, some
    constructs get no factor.

    Examples
    --------
    >>> L = pd.DataFrame({"F1": [.0, .1, -.9], "F2": [.8, .7, .1]}, index=list("abc"))
    >>> K = pd.DataFrame({"x": [1, 1, 0], "y": [0, 0, 1]}, index=list("abc"))
    >>> aligned, _, _ = align_to_key(L, K)
    >>> aligned
         x    y
    a  0.8 -0.0
    b  0.7 -0.1
    c  0.1  0.9
    """
    congruence = tucker_congruence(loadings, key)
    strength = np.nan_to_num(np.abs(congruence.to_numpy()))
    rows, cols = linear_sum_assignment(strength, maximize=True)

    order, signs, names = [], [], []
    for construct_pos, factor_pos in sorted(zip(rows, cols, strict=True)):
        order.append(factor_pos)
        value = congruence.iat[construct_pos, factor_pos]
        signs.append(-1.0 if value < 0 else 1.0)
        names.append(str(key.columns[construct_pos]))
    for factor_pos in range(loadings.shape[1]):
        if factor_pos not in order:
            order.append(factor_pos)
            signs.append(1.0 if loadings.iloc[:, factor_pos].sum() >= 0 else -1.0)
            names.append(str(loadings.columns[factor_pos]))

    sign = np.array(signs)
    aligned = pd.DataFrame(
        loadings.to_numpy()[:, order] * sign, index=loadings.index, columns=names
    )
    if phi is None:
        phi_aligned = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    else:
        values = phi.to_numpy()[np.ix_(order, order)] * np.outer(sign, sign)
        phi_aligned = pd.DataFrame(values, index=names, columns=names)
    return aligned, phi_aligned, tucker_congruence(aligned, key)


def item_verdicts(
    loadings: pd.DataFrame,
    key: pd.DataFrame,
    communalities: pd.Series,
    thresholds: VerdictThresholds | None = None,
) -> pd.DataFrame:
    """Per item: where it loads, against where the key says it should.

    Parameters
    ----------
    loadings : DataFrame
        Items x factors, aligned to the key by :func:`align_to_key` (factors named
        after constructs).
    key : DataFrame
        Items x constructs (+1, -1, 0); each item keyed on one construct.
    communalities : Series
        Per item.
    thresholds : VerdictThresholds, optional

    Returns
    -------
    DataFrame
        Columns ``item, intended_construct, primary_construct, intended_loading,
        max_cross_loading, gap, communality, verdict``. ``intended_loading`` is the
        loading on the intended construct signed by the key (positive when the item
        works as keyed); ``max_cross_loading`` is the largest absolute loading on any
        other factor; ``primary_construct`` is the factor with the largest absolute
        loading.

    Notes
    -----
    Verdicts, first match wins (``t`` = thresholds):

    1. ``wrong sign``: the keyed loading is -t.weak or lower (the item measures its
       construct, but against its key);
    2. ``wrong construct``: another factor carries the largest loading and that
       loading is at least t.weak;
    3. ``weak``: the keyed loading is below t.weak;
    4. ``cross-loading``: keyed loading minus largest cross-loading is below
       t.min_gap;
    5. ``weak``: the keyed loading is below t.salient;
    6. ``ok`` otherwise.

    Examples
    --------
    >>> L = pd.DataFrame({"x": [.7, .2, .5], "y": [.1, .6, .45]}, index=list("abc"))
    >>> K = pd.DataFrame({"x": [1, 1, 1], "y": [0, 0, 0]}, index=list("abc"))
    >>> h = pd.Series([.5, .4, .45], index=list("abc"))
    >>> item_verdicts(L, K, h)["verdict"].tolist()
    ['ok', 'wrong construct', 'cross-loading']
    """
    t = thresholds or VerdictThresholds()
    rows = []
    for item in key.index:
        keyed = key.loc[item]
        construct = keyed[keyed != 0].index
        if len(construct) != 1:
            raise DataError(
                f"key: item {item!r} must be keyed on exactly one construct"
            )
        construct = construct[0]
        row = loadings.loc[item]
        if construct not in row.index:
            intended = np.nan
        else:
            intended = float(row[construct] * np.sign(keyed[construct]))
        others = row.drop(construct, errors="ignore").abs()
        cross = float(others.max()) if len(others) else 0.0
        primary = str(row.abs().idxmax())
        gap = intended - cross
        rows.append(
            {
                "item": item,
                "intended_construct": construct,
                "primary_construct": primary,
                "intended_loading": intended,
                "max_cross_loading": cross,
                "gap": gap,
                "communality": float(communalities[item]),
                "verdict": _verdict(intended, cross, primary, construct, t),
            }
        )
    return pd.DataFrame(rows)


def _verdict(intended, cross, primary, construct, t: VerdictThresholds) -> str:
    if np.isnan(intended):
        return "wrong construct"
    if intended <= -t.weak:
        return "wrong sign"
    if primary != construct and cross >= t.weak:
        return "wrong construct"
    if intended < t.weak:
        return "weak"
    if intended - cross < t.min_gap:
        return "cross-loading"
    if intended < t.salient:
        return "weak"
    return "ok"


def construct_verdicts(
    congruence: pd.DataFrame,
    items: pd.DataFrame,
    thresholds: VerdictThresholds | None = None,
) -> pd.DataFrame:
    """Per construct: congruence of its factor with its key and how its items fare.

    Parameters
    ----------
    congruence : DataFrame
        Constructs x aligned factors, from :func:`align_to_key`.
    items : DataFrame
        From :func:`item_verdicts`.
    thresholds : VerdictThresholds, optional

    Returns
    -------
    DataFrame
        Columns ``construct, congruence, n_items, n_ok, verdict`` where the verdict
        is ``good``, ``fair`` or ``poor`` by congruence (``no factor`` when no factor
        was matched to the construct).
    """
    t = thresholds or VerdictThresholds()
    rows = []
    for construct in congruence.index:
        own = items[items["intended_construct"] == construct]
        value = (
            float(congruence.loc[construct, construct])
            if construct in congruence.columns
            else np.nan
        )
        if np.isnan(value):
            verdict = "no factor"
        elif value >= t.good_congruence:
            verdict = "good"
        elif value >= t.fair_congruence:
            verdict = "fair"
        else:
            verdict = "poor"
        rows.append(
            {
                "construct": construct,
                "congruence": value,
                "n_items": len(own),
                "n_ok": int((own["verdict"] == "ok").sum()),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)
