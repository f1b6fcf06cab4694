"""Reliability of scales: Cronbach's alpha, item-rest correlations and item statistics.

All functions take the answers as a DataFrame (respondents x items, NaN for a missing
answer) and the key from an :class:`~commercie_analysis.instruments.Instrument`.
Reverse-keyed items are scored as ``min + max - answer`` before anything is computed;
items are never reversed automatically on the evidence of the data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps

from .exceptions import DataError, ReliabilityWarning
from .instruments import Instrument

__all__ = [
    "keyed_answers",
    "cronbach_alpha",
    "alpha_from_correlation",
    "item_statistics",
    "reliability_table",
    "alpha_confidence_interval",
    "alpha_standard_error",
]


def keyed_answers(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Answers with the reverse-keyed items scored the other way round.

    Parameters
    ----------
    responses : DataFrame
        Respondents x items; must hold every item of ``instrument``.
    instrument : Instrument
        Gives the answer scale and the reverse keys.

    Returns
    -------
    DataFrame
        The item columns in the instrument's order, as floats, reverse-keyed items
        replaced by ``min + max - answer``.

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> bfi = load_instrument("bfi")
    >>> answers = pd.DataFrame({item: [1.0, 6.0] for item in bfi.item_ids})
    >>> keyed_answers(answers, bfi)[["A1", "A2"]]
        A1   A2
    0  6.0  1.0
    1  1.0  6.0
    """
    missing = [item for item in instrument.item_ids if item not in responses.columns]
    if missing:
        raise DataError(
            f"responses lack {len(missing)} item(s) of instrument "
            f"{instrument.id!r}: {', '.join(missing)}"
        )
    keyed = responses[instrument.item_ids].astype(float)
    reverse = instrument.reverse_keyed
    if reverse:
        keyed[reverse] = instrument.scale.reverse(keyed[reverse])
    return keyed


def alpha_from_correlation(correlation) -> float:
    """Standardised alpha from a correlation matrix.

    Parameters
    ----------
    correlation : array-like of shape (k, k)
        Correlations of the (keyed) items of one scale. Given a polychoric matrix,
        the result is ordinal alpha (Zumbo, Gadermann and Zeisser, 2007).

    Returns
    -------
    float

    Notes
    -----
    ``alpha = k * r_bar / (1 + (k - 1) * r_bar)`` with ``r_bar`` the mean
    off-diagonal correlation, the ``std.alpha`` of R psych ``alpha`` (psych 2.2.9).

    Examples
    --------
    >>> round(alpha_from_correlation([[1, .5, .5], [.5, 1, .5], [.5, .5, 1]]), 4)
    0.75
    """
    r = np.asarray(correlation, dtype=float)
    k = r.shape[0]
    if r.ndim != 2 or r.shape[1] != k or k < 2:
        raise DataError(
            f"correlation: expected a square matrix of at least 2 items, found shape "
            f"{r.shape}"
        )
    r_bar = (r.sum() - np.trace(r)) / (k * (k - 1))
    return float(k * r_bar / (1 + (k - 1) * r_bar))


def cronbach_alpha(keyed: pd.DataFrame) -> dict[str, float]:
    """Cronbach's alpha of one scale, raw and standardised.

    Parameters
    ----------
    keyed : DataFrame
        Respondents x items of one scale, reverse-keyed items already reversed (see
        :func:`keyed_answers`). Missing answers are handled pairwise.

    Returns
    -------
    dict
        ``alpha`` (raw), ``std_alpha``, ``average_r``, ``n_items``.

    Notes
    -----
    Raw alpha is ``k / (k - 1) * (1 - sum(diag(C)) / sum(C))`` with ``C`` the item
    covariance matrix; standardised alpha applies :func:`alpha_from_correlation` to
    the correlation matrix. With complete data these equal ``raw_alpha``,
    ``std.alpha`` and ``average_r`` of R psych ``alpha(x, keys = ...)``: on the bfi
    complete cases (2436 respondents) they agree to better than 1e-10 (psych 2.2.9).

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [1, 3, 3, 5]})
    >>> round(cronbach_alpha(x)["alpha"], 4)
    0.9333
    """
    k = keyed.shape[1]
    if k < 2:
        raise DataError(f"alpha needs at least 2 items, found {k}")
    cov = keyed.cov().to_numpy()
    corr = keyed.corr().to_numpy()
    if not np.isfinite(cov).all():
        raise DataError(
            "alpha: some pairs of items have fewer than 2 joint answers or no variance"
        )
    alpha = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    average_r = (corr.sum() - np.trace(corr)) / (k * (k - 1))
    return {
        "alpha": float(alpha),
        "std_alpha": alpha_from_correlation(corr),
        "average_r": float(average_r),
        "n_items": k,
    }


def alpha_confidence_interval(
    alpha: float, n_obs: int, n_items: int, level: float = 0.95
) -> tuple[float, float]:
    """Feldt's confidence interval of coefficient alpha.

    Parameters
    ----------
    alpha : float
        Raw coefficient alpha.
    n_obs : int
        Respondents behind it.
    n_items : int
        Items in the scale.
    level : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    (lower, upper) : tuple of float

    Notes
    -----
    ``(1 - alpha) / (1 - A)`` follows an F distribution with ``n - 1`` and
    ``(n - 1)(k - 1)`` degrees of freedom (Feldt, Woodruff and Salih, 1987), so the
    bounds are ``1 - (1 - alpha) F_{1 - a/2}`` and ``1 - (1 - alpha) F_{a/2}``. Equal
    to R psych ``alpha(...)$feldt`` (psych 2.2.9) to 1e-9 on bfi.

    Examples
    --------
    >>> low, high = alpha_confidence_interval(0.8, n_obs=200, n_items=10)
    >>> round(low, 4), round(high, 4)
    (0.756, 0.8389)
    """
    if not 0 < level < 1:
        raise DataError(f"level: expected a value in (0, 1), found {level}")
    df1, df2 = n_obs - 1, (n_obs - 1) * (n_items - 1)
    tail = (1 - level) / 2
    lower = 1 - (1 - alpha) * sps.f.ppf(1 - tail, df1, df2)
    upper = 1 - (1 - alpha) * sps.f.ppf(tail, df1, df2)
    return float(lower), float(upper)


def alpha_standard_error(keyed: pd.DataFrame) -> float:
    """Asymptotic standard error of alpha (Duhachek and Iacobucci, 2004).

    Parameters
    ----------
    keyed : DataFrame
        Complete answers to the (keyed) items of one scale.

    Returns
    -------
    float

    Notes
    -----
    With ``C`` the item covariance matrix, ``k`` items and ``n`` respondents,
    ``Q = 2 k^2 / ((k - 1)^2 (1'C1)^3) * (1'C1 (tr C^2 + (tr C)^2) - 2 tr C 1'C^2 1)``
    and ``se = sqrt(Q / n)``, psych's ``ase`` (psych 2.2.9, equal to 1e-9 on bfi).
    """
    complete = keyed.dropna()
    c = complete.cov().to_numpy()
    k, n = c.shape[0], len(complete)
    total = c.sum()
    q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
        total * (np.trace(c @ c) + np.trace(c) ** 2) - 2 * np.trace(c) * (c @ c).sum()
    )
    return float(np.sqrt(q / n))


def item_statistics(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per item: descriptive statistics, item-rest correlation, alpha if dropped.

    Parameters
    ----------
    responses : DataFrame
        Respondents x items (other columns are ignored).
    instrument : Instrument
        Gives the key.

    Returns
    -------
    DataFrame
        One row per item with columns ``item, construct, reverse_keyed, n, mean, sd,
        item_rest_r, alpha_if_dropped``. ``mean`` and ``sd`` are of the keyed answers
        (reverse-keyed items scored ``min + max - answer``); ``sd`` uses n - 1.

    Notes
    -----
    ``item_rest_r`` is the correlation of the item with the sum of the other keyed
    items of its construct (psych's ``r.drop``); ``alpha_if_dropped`` is the raw
    alpha of the construct without the item (psych's ``alpha.drop$raw_alpha``).
    Both use pairwise-complete observations, so with missing answers they are
    computed from the covariance matrix as psych does with ``use = "pairwise"``.
    Validated against psych 2.2.9 on the bfi complete cases to 1e-10.

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> from commercie_analysis.datasets import load_bfi
    >>> items = load_bfi().iloc[:, :25].dropna()
    >>> stats = item_statistics(items, load_instrument("bfi"))
    >>> round(float(stats.set_index("item").loc["A1", "item_rest_r"]), 4)
    0.3191
    """
    keyed = keyed_answers(responses, instrument)
    rows = []
    for construct in instrument.construct_ids:
        items = instrument.items_of(construct)
        cov = keyed[items].cov().to_numpy()
        for j, item in enumerate(items):
            rest = [i for i in range(len(items)) if i != j]
            rest_r, alpha_drop = _drop_statistics(cov, j, rest)
            column = keyed[item]
            rows.append(
                {
                    "item": item,
                    "construct": construct,
                    "reverse_keyed": instrument.item(item).reverse,
                    "n": int(column.notna().sum()),
                    "mean": float(column.mean()),
                    "sd": float(column.std(ddof=1)),
                    "item_rest_r": rest_r,
                    "alpha_if_dropped": alpha_drop,
                }
            )
    return pd.DataFrame(rows)


def _drop_statistics(cov: np.ndarray, j: int, rest: list[int]) -> tuple[float, float]:
    # Item-rest correlation from covariances: cov(x_j, sum rest) / sd_j / sd_rest.
    cov_rest = cov[np.ix_(rest, rest)]
    var_rest = cov_rest.sum()
    item_rest = cov[j, rest].sum() / np.sqrt(cov[j, j] * var_rest)

    # Alpha of the remaining items; undefined when only one item remains.
    k = len(rest)
    if k < 2:
        return float(item_rest), float("nan")
    alpha = k / (k - 1) * (1 - np.trace(cov_rest) / var_rest)
    return float(item_rest), float(alpha)


def reliability_table(
    responses: pd.DataFrame, instrument: Instrument, *, low_alpha: float = 0.5
) -> pd.DataFrame:
    """Alpha per construct of an instrument.

    Parameters
    ----------
    responses : DataFrame
        Respondents x items.
    instrument : Instrument
        Gives the key.
    low_alpha : float, default=0.5
        Below this alpha a :class:`ReliabilityWarning` is issued, naming the items
        whose item-rest correlation is negative.

    Returns
    -------
    DataFrame
        Columns ``construct, n_items, n_respondents, alpha, std_alpha, average_r,
        alpha_ci_lower, alpha_ci_upper, alpha_se``; ``n_respondents`` counts
        respondents who answered every item of the construct, the basis of the 95%
        Feldt interval and the standard error.

    Notes
    -----
    See :func:`cronbach_alpha`. A construct with a single item has no alpha (NaN).

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> from commercie_analysis.datasets import load_bfi
    >>> items = load_bfi().iloc[:, :25].dropna()
    >>> table = reliability_table(items, load_instrument("bfi"))
    >>> table[["construct", "alpha"]].round(4).head(2)
               construct   alpha
    0      agreeableness  0.7158
    1  conscientiousness  0.7373
    """
    keyed = keyed_answers(responses, instrument)
    stats = item_statistics(responses, instrument).set_index("item")
    rows = []
    for construct in instrument.construct_ids:
        items = instrument.items_of(construct)
        n_complete = int(keyed[items].notna().all(axis=1).sum())
        values = {"alpha": np.nan, "std_alpha": np.nan, "average_r": np.nan}
        interval, se = (np.nan, np.nan), np.nan
        if len(items) >= 2:
            values = cronbach_alpha(keyed[items])
            _warn_if_unreliable(construct, values["alpha"], stats.loc[items], low_alpha)
            interval = alpha_confidence_interval(
                values["alpha"], n_complete, len(items)
            )
            se = alpha_standard_error(keyed[items])
        rows.append(
            {
                "construct": construct,
                "n_items": len(items),
                "n_respondents": n_complete,
                "alpha": values["alpha"],
                "std_alpha": values["std_alpha"],
                "average_r": values["average_r"],
                "alpha_ci_lower": interval[0],
                "alpha_ci_upper": interval[1],
                "alpha_se": se,
            }
        )
    return pd.DataFrame(rows)


def _warn_if_unreliable(construct, alpha, stats, low_alpha):
    negative = stats.index[stats["item_rest_r"] < 0].tolist()
    if alpha >= low_alpha and not negative:
        return
    detail = (
        f"items correlating negatively with the rest of the scale: {negative}; "
        "check their keying in the instrument spec"
        if negative
        else "no item correlates negatively with the rest"
    )
    warnings.warn(
        f"construct {construct!r}: alpha = {alpha:.3f} (below {low_alpha}); {detail}",
        ReliabilityWarning,
        stacklevel=3,
    )
