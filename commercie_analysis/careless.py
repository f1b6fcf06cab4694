"""Careless-responding indices, one value per respondent, in row order.

Each function takes an answers matrix (respondents x items; NaN = no answer) and
returns one value (or one row of values) per respondent, in the order given.
Missing answers are handled as stated per index; a respondent for whom an index
cannot be computed gets NaN, and NaN is never flagged.

Indices
-------
longstring
    Longest and average run of identical consecutive answers (Johnson, 2005).
irv
    Intra-individual response variability: the standard deviation of a
    respondent's answers (Dunn et al., 2018).
mahalanobis
    Squared Mahalanobis distance from the sample mean, with its chi-square p-value
    (Meade and Craig, 2012).
even_odd
    Even-odd consistency: per construct the mean of the odd-numbered and of the
    even-numbered items, correlated over constructs (Johnson, 2005).
psychometric_synonyms
    Per respondent, the correlation over item pairs that correlate strongly in the
    sample (Meade and Craig, 2012).

The hand-worked values in ``tests/test_careless.py`` check each index; Mahalanobis
distance, IRV and longstring are also checked on bfi against base R 4.2.2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import DataError

__all__ = [
    "even_odd",
    "irv",
    "longstring",
    "mahalanobis",
    "psychometric_synonyms",
    "synonym_pairs",
]


def _matrix(answers) -> tuple[np.ndarray, pd.Index]:
    if isinstance(answers, pd.DataFrame):
        return answers.to_numpy(dtype=float), answers.index
    values = np.asarray(answers, dtype=float)
    if values.ndim != 2:
        raise DataError(
            f"answers: expected a respondents x items matrix, found {values.ndim} "
            "dimension(s)"
        )
    return values, pd.RangeIndex(len(values))


def longstring(answers) -> pd.DataFrame:
    """Longest and average run of identical consecutive answers.

    Parameters
    ----------
    answers : pandas.DataFrame or array-like
        Respondents x items, items in questionnaire order, NaN = no answer.

    Returns
    -------
    pandas.DataFrame
        Columns ``longstring`` (length of the longest run) and
        ``longstring_mean`` (mean length of all runs), one row per respondent.

    Notes
    -----
    A run is a maximal sequence of consecutive answered items with the same
    answer. A missing answer ends a run and starts none, so ``1, 1, NaN, 1``
    has two runs (2 and 1). A respondent without answers gets NaN. Checked
    against hand-worked examples and, on bfi, against R 4.2.2's ``rle``.

    Examples
    --------
    >>> longstring([[1, 1, 1, 2, 2], [3, 1, 3, 1, 3]])
       longstring  longstring_mean
    0         3.0              2.5
    1         1.0              1.0
    """
    values, index = _matrix(answers)
    n_rows, n_items = values.shape
    answered = ~np.isnan(values)

    # Walk the items once, all respondents at a time: ``current`` is the length
    # of the run that ends at item j, ``runs`` counts the runs started so far.
    current = np.zeros(n_rows)
    longest = np.zeros(n_rows)
    runs = np.zeros(n_rows)
    for j in range(n_items):
        same = np.zeros(n_rows, dtype=bool)
        if j > 0:
            same = (
                answered[:, j] & answered[:, j - 1] & (values[:, j] == values[:, j - 1])
            )
        starts = answered[:, j] & ~same
        current = np.where(same, current + 1, np.where(starts, 1.0, 0.0))
        runs += starts
        longest = np.maximum(longest, current)

    n_answered = answered.sum(axis=1)
    none = n_answered == 0
    longest[none] = np.nan
    average = np.full(n_rows, np.nan)
    average[~none] = n_answered[~none] / runs[~none]
    return pd.DataFrame(
        {"longstring": longest, "longstring_mean": average}, index=index
    )


def irv(answers) -> pd.Series:
    r"""Intra-individual response variability: the SD of each respondent's answers.

    Parameters
    ----------
    answers : pandas.DataFrame or array-like
        Respondents x items, NaN = no answer.

    Returns
    -------
    pandas.Series
        Named ``irv``; NaN for respondents with fewer than two answers.

    Notes
    -----
    :math:`\mathrm{IRV}_i = \sqrt{\sum_j (x_{ij} - \bar x_i)^2 / (k_i - 1)}`
    over the :math:`k_i` items respondent :math:`i` answered (missing answers
    are left out; the sample standard deviation, as R's ``sd`` and the R
    package careless use). Checked against hand-worked values and, on bfi,
    against R 4.2.2's ``sd`` to 1e-12.

    Examples
    --------
    >>> irv([[1, 2, 3], [4, 4, 4]]).tolist()
    [1.0, 0.0]
    """
    values, index = _matrix(answers)
    counts = np.sum(~np.isnan(values), axis=1)
    out = np.full(len(values), np.nan)
    enough = counts >= 2
    if enough.any():
        out[enough] = np.nanstd(values[enough], axis=1, ddof=1)
    return pd.Series(out, index=index, name="irv")


def mahalanobis(answers, *, min_complete: int | None = None) -> pd.DataFrame:
    r"""Squared Mahalanobis distance of each respondent from the sample mean.

    Parameters
    ----------
    answers : pandas.DataFrame or array-like
        Respondents x items, NaN = no answer.
    min_complete : int, optional
        Fewest complete respondents needed to estimate the covariance matrix;
        default: number of items + 1.

    Returns
    -------
    pandas.DataFrame
        ``mahalanobis`` (:math:`D^2`), ``mahalanobis_df`` (number of items the
        respondent answered) and ``mahalanobis_p`` (upper chi-square tail
        probability of :math:`D^2` on that many degrees of freedom).

    Raises
    ------
    DataError
        If there are too few complete respondents or the covariance matrix of
        the complete respondents is singular.

    Notes
    -----
    :math:`D^2_i = (x_i - \bar x)^\top S^{-1} (x_i - \bar x)`, with the mean
    :math:`\bar x` and covariance :math:`S` (divisor :math:`n - 1`) of the
    respondents who answered every item. Under multivariate normality
    :math:`D^2` follows a chi-square distribution with as many degrees of
    freedom as items. A respondent with missing answers is measured on the items
    answered, with the matching part of :math:`\bar x` and :math:`S`, and the
    degrees of freedom are the number of items answered. Checked against
    hand-worked values and, on bfi's complete cases, against R 4.2.2's
    ``stats::mahalanobis`` and ``pchisq`` to 1e-8 relative.

    Examples
    --------
    >>> x = [[1, 2], [2, 1], [3, 3], [2, 2], [4, 4]]
    >>> mahalanobis(x)["mahalanobis"].round(3).tolist()
    [2.689, 2.689, 0.306, 0.136, 2.179]
    """
    values, index = _matrix(answers)
    n_items = values.shape[1]
    complete = ~np.isnan(values).any(axis=1)
    needed = n_items + 1 if min_complete is None else min_complete
    if complete.sum() < max(needed, 2):
        raise DataError(
            f"Mahalanobis distance: {int(complete.sum())} respondent(s) answered "
            f"every item; at least {max(needed, 2)} are needed to estimate the "
            f"covariance of {n_items} items"
        )
    mean = values[complete].mean(axis=0)
    cov = np.cov(values[complete], rowvar=False, ddof=1).reshape(n_items, n_items)
    if np.linalg.matrix_rank(cov) < n_items:
        raise DataError(
            "Mahalanobis distance: the covariance matrix of the complete "
            "respondents is singular (an item without variance, or items that "
            "are exact combinations of others)"
        )

    d2 = np.full(len(values), np.nan)
    df = np.sum(~np.isnan(values), axis=1).astype(float)
    centred = values - mean
    inverse = np.linalg.inv(cov)
    d2[complete] = np.einsum(
        "ij,jk,ik->i", centred[complete], inverse, centred[complete]
    )

    # Respondents with missing answers, grouped by which items they answered.
    partial = ~complete & (df > 0)
    patterns: dict[bytes, list[int]] = {}
    for r in np.flatnonzero(partial):
        patterns.setdefault((~np.isnan(values[r])).tobytes(), []).append(r)
    for key, rows in patterns.items():
        answered = np.frombuffer(key, dtype=bool)
        sub = np.linalg.inv(cov[np.ix_(answered, answered)])
        part = centred[np.ix_(rows, answered)]
        d2[rows] = np.einsum("ij,jk,ik->i", part, sub, part)

    p = np.full(len(values), np.nan)
    has = ~np.isnan(d2)
    p[has] = stats.chi2.sf(d2[has], df[has])
    df[df == 0] = np.nan
    return pd.DataFrame(
        {"mahalanobis": d2, "mahalanobis_df": df, "mahalanobis_p": p}, index=index
    )


def even_odd(
    answers: pd.DataFrame,
    scales: Mapping[str, Sequence[str]],
    *,
    min_scales: int = 3,
) -> pd.DataFrame:
    r"""Even-odd consistency over the instrument's scales.

    Parameters
    ----------
    answers : pandas.DataFrame
        Respondents x items (columns are item ids), reverse-keyed items already
        scored in the keyed direction, NaN = no answer.
    scales : mapping of str to sequence of str
        Construct -> its item ids in questionnaire order.
    min_scales : int, default=3
        Fewest scales with both halves answered needed for a correlation.

    Returns
    -------
    pandas.DataFrame
        ``even_odd`` (the correlation over scales between the odd-half and the
        even-half means) and ``even_odd_sb`` (Spearman-Brown corrected:
        :math:`2r / (1 + r)`, NaN when :math:`r \le -1`).

    Notes
    -----
    Each scale's items are split by position into odd (1st, 3rd, ...) and even
    (2nd, 4th, ...) halves; each half is the mean of the answered items in it.
    A scale with one item, or with a half left unanswered, is left out for that
    respondent; with fewer than ``min_scales`` scales left, or halves without
    variance over the scales, the value is NaN. Attentive respondents give
    similar halves: values near 1; low or negative values point to careless
    answering. Checked against hand-worked values.

    Examples
    --------
    >>> x = pd.DataFrame([[1, 2, 4, 4, 6, 5]], columns=list("abcdef"))
    >>> even_odd(x, {"p": ["a", "b"], "q": ["c", "d"], "r": ["e", "f"]})
       even_odd  even_odd_sb
    0  0.997176     0.998586
    """
    odd_means, even_means = [], []
    for items in scales.values():
        items = list(items)
        if len(items) < 2:
            continue
        odd_means.append(answers[items[0::2]].mean(axis=1, skipna=True))
        even_means.append(answers[items[1::2]].mean(axis=1, skipna=True))
    r = np.full(len(answers), np.nan)
    if odd_means:
        odd = np.column_stack([s.to_numpy(float) for s in odd_means])
        even = np.column_stack([s.to_numpy(float) for s in even_means])
        r = np.round(_rowwise_correlation(odd, even, min_scales), 12)
    sb = np.where(r > -1, 2 * r / (1 + np.where(r > -1, r, 0)), np.nan)
    return pd.DataFrame({"even_odd": r, "even_odd_sb": sb}, index=answers.index)


def _rowwise_correlation(a: np.ndarray, b: np.ndarray, minimum: int) -> np.ndarray:
    """Pearson correlation between a[i] and b[i] over the places both have."""
    both = ~np.isnan(a) & ~np.isnan(b)
    count = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(both, a, 0.0)
        y = np.where(both, b, 0.0)
        dx = np.where(both, x - (x.sum(axis=1) / count)[:, None], 0.0)
        dy = np.where(both, y - (y.sum(axis=1) / count)[:, None], 0.0)
        denominator = np.sqrt((dx**2).sum(axis=1) * (dy**2).sum(axis=1))
        r = (dx * dy).sum(axis=1) / denominator
    # A side without variance (a denominator of zero up to rounding) has no r.
    scale = np.sqrt(
        (np.where(both, a, 0.0) ** 2).sum(axis=1)
        * (np.where(both, b, 0.0) ** 2).sum(axis=1)
    )
    usable = (count >= minimum) & (denominator > 1e-12 * np.maximum(scale, 1.0))
    return np.where(usable, np.clip(r, -1.0, 1.0), np.nan)


def synonym_pairs(answers: pd.DataFrame, critical_r: float = 0.60) -> list[tuple]:
    """Item pairs whose sample correlation exceeds ``critical_r``.

    Parameters
    ----------
    answers : pandas.DataFrame
        Respondents x items, NaN = no answer (correlations use the respondents
        who answered both items).
    critical_r : float, default=0.60
        The correlation a pair must exceed (Meade and Craig, 2012).

    Returns
    -------
    list of (str, str, float)
        ``(first item, second item, r)``, first item earlier in the
        questionnaire, pairs in questionnaire order.
    """
    corr = answers.corr(method="pearson", min_periods=3)
    columns = list(answers.columns)
    pairs = []
    for i, first in enumerate(columns):
        for second in columns[i + 1 :]:
            r = corr.loc[first, second]
            if np.isfinite(r) and r > critical_r:
                pairs.append((first, second, float(r)))
    return pairs


def psychometric_synonyms(
    answers: pd.DataFrame,
    *,
    critical_r: float = 0.60,
    pairs: Sequence[tuple] | None = None,
    min_pairs: int = 3,
) -> pd.Series:
    """Psychometric synonyms: within-person correlation over strongly related pairs.

    Parameters
    ----------
    answers : pandas.DataFrame
        Respondents x items, NaN = no answer.
    critical_r : float, default=0.60
        Pairs are the item pairs correlating above this in the sample
        (:func:`synonym_pairs`).
    pairs : sequence of tuple, optional
        The pairs to use instead, ``(first item, second item, ...)``.
    min_pairs : int, default=3
        Fewest pairs, answered on both sides, needed for a respondent's value.

    Returns
    -------
    pandas.Series
        Named ``synonyms``; NaN where fewer than ``min_pairs`` pairs are
        answered, or a side of the pairs has no variance.

    Notes
    -----
    For respondent :math:`i`, the Pearson correlation between the answers to
    the first items of the pairs and the answers to the second items, over the
    pairs both answered. Attentive respondents answer synonyms alike (values
    near 1). With fewer than ``min_pairs`` pairs in the sample the index is NaN
    for everyone. Checked against hand-worked values.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 5, 2], "b": [2, 5, 2], "c": [4, 1, 3],
    ...                   "d": [4, 2, 3], "e": [2, 4, 5], "f": [1, 4, 5]})
    >>> pairs = [("a", "b"), ("c", "d"), ("e", "f")]
    >>> psychometric_synonyms(x, pairs=pairs).round(4).tolist()
    [0.7857, 0.9959, 1.0]
    """
    if pairs is None:
        pairs = synonym_pairs(answers, critical_r)
    out = np.full(len(answers), np.nan)
    if len(pairs) >= min_pairs:
        first = answers[[p[0] for p in pairs]].to_numpy(float)
        second = answers[[p[1] for p in pairs]].to_numpy(float)
        out = _rowwise_correlation(first, second, min_pairs)
    return pd.Series(out, index=answers.index, name="synonyms")
