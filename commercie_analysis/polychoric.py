"""Polychoric and tetrachoric correlations of ordinal items.

An ordinal answer is read as a continuous normal variable cut at thresholds: the
polychoric correlation of two items is the correlation of their two latent normal
variables, estimated by maximum likelihood from the items' contingency table (the
tetrachoric correlation is the special case of two yes/no items). The thresholds come
from the margins first, then the correlation maximises the likelihood of the table
(the "two-step" estimate that R psych computes).

All pairs of a data set are estimated together: the contingency tables of every pair
come from one matrix product of the items' indicator columns, and one bracketed
Newton iteration runs over all pairs at once on a vectorised bivariate normal
distribution function (:mod:`commercie_analysis._bvn`).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from commercie_analysis._bvn import bvn_cdf, bvn_pdf, bvn_pdf_drho
from commercie_analysis._threads import one_blas_thread
from commercie_analysis.exceptions import (
    ConvergenceWarning,
    DataError,
    DataQualityWarning,
    NotPositiveDefiniteWarning,
)

__all__ = [
    "MAX_CATEGORIES",
    "PolychoricPair",
    "PolychoricResult",
    "polychoric",
    "polychoric_matrix",
    "smooth_correlation",
    "tetrachoric",
    "tetrachoric_matrix",
]

#: Most distinct answers an item may have; more suggests a continuous variable.
MAX_CATEGORIES = 20

# The correlation is searched in [-_RHO_BOUND, _RHO_BOUND]; a pair whose likelihood
# keeps rising towards +-1 (two identical items) ends at the bound.
_RHO_BOUND = 1.0 - 1e-9
_TOL = 1e-10
_NEWTON_DONE = 1e-6
_MAX_ITER = 100
# Pairs are processed in chunks holding at most this many cut-point grid cells, to
# keep the temporaries of the quadrature small.
_CHUNK_CELLS = 120_000


@dataclass(frozen=True)
class PolychoricPair:
    """Polychoric (or tetrachoric) correlation of two items.

    Attributes
    ----------
    rho : float
        Maximum-likelihood correlation of the two latent normal variables.
    thresholds_x, thresholds_y : numpy.ndarray
        Thresholds of the first and second item (one fewer than its observed
        categories), on the standard normal scale.
    n : int
        Number of respondents who answered both items.
    se : float or None
        Standard error of ``rho`` (thresholds held fixed), or None when not asked.
    """

    rho: float
    thresholds_x: np.ndarray
    thresholds_y: np.ndarray
    n: int
    se: float | None


@dataclass(frozen=True)
class PolychoricResult:
    """Polychoric correlation matrix of a set of items.

    Attributes
    ----------
    correlation : pandas.DataFrame
        Items x items correlation matrix (smoothed if ``smoothed`` is True).
    thresholds : pandas.DataFrame
        One row per item, columns ``t1..tK``; an item with fewer categories than the
        most has NaN in its last columns.
    n_obs : pandas.DataFrame
        Items x items number of respondents who answered both items (the diagonal
        holds each item's number of answers).
    smoothed : bool
        Whether the matrix was not positive definite and has been smoothed.
    std_err : pandas.DataFrame or None
        Standard errors of the (unsmoothed) correlations, 0 on the diagonal, or None.
    """

    correlation: pd.DataFrame
    thresholds: pd.DataFrame
    n_obs: pd.DataFrame
    smoothed: bool
    std_err: pd.DataFrame | None


# --------------------------------------------------------------------------- input


def _as_float_columns(data, names):
    """Return the data as a float matrix (NaN = missing), checking every column.

    An ordered categorical column gives the positions of its categories.
    """
    columns = []
    for name, column in zip(names, data, strict=True):
        series = pd.Series(column)
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered:
            codes = series.cat.codes.to_numpy(dtype=float)
            codes[codes < 0] = np.nan
            columns.append(codes)
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        try:
            values = pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)
        except (ValueError, TypeError) as exc:
            bad = series[pd.to_numeric(series, errors="coerce").isna() & series.notna()]
            example = bad.iloc[0] if len(bad) else "?"
            raise DataError(
                f"item {name!r} must hold numeric answer codes (NaN for missing); "
                f"found {example!r}"
            ) from exc
        if np.isinf(values).any():
            raise DataError(
                f"item {name!r} holds an infinite value; answer codes must be "
                f"finite numbers (NaN for missing)"
            )
        columns.append(values)
    return np.column_stack(columns)


def _encode(values, names):
    """Code each item's observed answers 0..k-1 in their order; -1 for missing."""
    n, p = values.shape
    codes = np.full((n, p), -1, dtype=np.int64)
    n_cat = np.zeros(p, dtype=np.int64)
    one_category = []
    for j in range(p):
        observed = ~np.isnan(values[:, j])
        categories, inverse = np.unique(values[observed, j], return_inverse=True)
        if categories.size > MAX_CATEGORIES:
            raise DataError(
                f"item {names[j]!r} has {categories.size} distinct answers; polychoric "
                f"correlations are for ordinal items with at most {MAX_CATEGORIES} "
                f"categories (use Pearson correlations for this item)"
            )
        if categories.size < 2:
            one_category.append(names[j])
        codes[observed, j] = inverse
        n_cat[j] = categories.size
    if one_category:
        raise DataError(
            f"item(s) {', '.join(map(repr, one_category))} have fewer than two "
            f"observed answer categories; a polychoric correlation needs at least "
            f"two (drop these items)"
        )
    return codes, n_cat


def _pair_tables(codes, n_cat, rows, cols):
    """Contingency tables of the item pairs (rows[i], cols[i]), zero-padded."""
    n, p = codes.shape
    offsets = np.concatenate(([0], np.cumsum(n_cat)))

    # One indicator column per (item, category); the cross-product holds every table.
    # Single precision counts exactly below 2**24 respondents and halves the work.
    dtype = np.float32 if n < 2**24 else np.float64
    indicators = np.zeros((n, offsets[-1]), dtype=dtype)
    resp, item = np.nonzero(codes >= 0)
    indicators[resp, offsets[item] + codes[resp, item]] = 1.0
    with one_blas_thread():
        cross = (indicators.T @ indicators).astype(np.float64)

    k_max = int(n_cat.max())
    cat = np.arange(k_max)
    row_idx = np.minimum(offsets[rows][:, None] + cat, offsets[-1] - 1)
    col_idx = np.minimum(offsets[cols][:, None] + cat, offsets[-1] - 1)
    row_ok = cat < n_cat[rows][:, None]
    col_ok = cat < n_cat[cols][:, None]
    tables = cross[row_idx[:, :, None], col_idx[:, None, :]]
    tables *= row_ok[:, :, None] & col_ok[:, None, :]

    diagonal = np.diag(cross)
    item_counts = [diagonal[offsets[j] : offsets[j + 1]] for j in range(p)]
    return tables, item_counts


# ---------------------------------------------------------------------- thresholds


def _marginal_thresholds(counts):
    """Thresholds of one item from its answer counts: Phi^-1 of cumulative shares."""
    cumulative = np.cumsum(counts)[:-1] / counts.sum()
    return ndtri(cumulative)


def _cuts(thresholds, k_max):
    """Cut points -inf, t_1..t_{k-1}, +inf padded with +inf to k_max + 1 values."""
    out = np.full(k_max + 1, np.inf)
    out[0] = -np.inf
    out[1 : thresholds.size + 1] = thresholds
    return out


def _local_cuts(tables, correct, binary):
    """Cut points from each pair's own (corrected) table, as psych's polyc does.

    Empty rows and columns are dropped (they become repeated or infinite cuts); the
    empty cells left are replaced by ``correct`` respondents. For pairs of two
    polytomous items the cumulative shares are divided by the uncorrected total, as
    psych 2.2.9 does; for pairs of binary items by the corrected total, as psych's
    ``tetrachoric`` does.
    """
    total = tables.sum(axis=(1, 2))
    row_used = tables.sum(axis=2) > 0
    col_used = tables.sum(axis=1) > 0
    kept = row_used[:, :, None] & col_used[:, None, :]
    binary_cells = np.zeros_like(kept)
    binary_cells[binary, :2, :2] = True
    kept = np.where(binary[:, None, None], binary_cells, kept)
    empty = kept & (tables == 0) & (correct > 0)
    corrected = np.where(empty, correct, tables)

    def side(margin, used):
        # Cumulative share up to each category; +inf after the last used category.
        denom = np.where(binary, margin.sum(axis=1), total)[:, None]
        share = np.cumsum(margin, axis=1)[:, :-1] / denom
        over = (share > 1.0).any(axis=1)
        if over.any():
            share[over] = (
                np.cumsum(margin[over], axis=1)[:, :-1]
                / margin[over].sum(axis=1)[:, None]
            )
        later_used = np.flip(np.cumsum(np.flip(used, axis=1), axis=1), axis=1)
        inner = np.where(later_used[:, 1:] > 0, ndtri(np.minimum(share, 1.0)), np.inf)
        k = margin.shape[1]
        cuts = np.full((margin.shape[0], k + 1), np.inf)
        cuts[:, 0] = -np.inf
        cuts[:, 1:k] = inner
        return cuts

    used_rows = np.where(binary[:, None], True, row_used)
    used_cols = np.where(binary[:, None], True, col_used)
    used_rows[:, 2:] &= ~binary[:, None]
    used_cols[:, 2:] &= ~binary[:, None]
    cuts_x = side(corrected.sum(axis=2), used_rows)
    cuts_y = side(corrected.sum(axis=1), used_cols)
    return corrected, cuts_x, cuts_y, empty.sum(axis=(1, 2))


# ------------------------------------------------------------------ maximum likelihood


def _score_hessian(tables, cuts_x, cuts_y, rho):
    """First and second derivative in rho of sum(n_ij log P_ij) for each pair."""
    h = cuts_x[:, :, None]
    k = cuts_y[:, None, :]
    r = rho[:, None, None]

    def cells(grid):
        return np.diff(np.diff(grid, axis=1), axis=2)

    density = bvn_pdf(h, k, r)
    prob = cells(bvn_cdf(h, k, r))
    d1 = cells(density)
    d2 = cells(bvn_pdf_drho(h, k, r, pdf=density))

    seen = tables > 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        prob = np.where(seen, np.maximum(prob, 1e-300), 1.0)
        ratio = d1 / prob
        score = np.where(seen, tables * ratio, 0.0).sum(axis=(1, 2))
        hess = np.where(seen, tables * (d2 / prob - ratio * ratio), 0.0).sum(
            axis=(1, 2)
        )
    return score, hess


def _start(tables):
    """Pearson correlation of the category ranks, as starting value."""
    total = tables.sum(axis=(1, 2))
    ranks = np.arange(tables.shape[1], dtype=float)
    px = tables.sum(axis=2) / total[:, None]
    py = tables.sum(axis=1) / total[:, None]
    mx, my = px @ ranks, py @ ranks
    vx = px @ ranks**2 - mx**2
    vy = py @ ranks**2 - my**2
    cxy = np.einsum("pij,i,j->p", tables, ranks, ranks) / total - mx * my
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cxy / np.sqrt(vx * vy)
    return np.clip(np.nan_to_num(r), -0.95, 0.95)


def _ml_rho(tables, cuts_x, cuts_y):
    """Maximum-likelihood correlations of all pairs by bracketed Newton steps.

    Each pair keeps a bracket [lo, hi] around the root of the score, narrowed by the
    sign of the score at every iterate; a Newton step is taken when the likelihood
    is concave there and the step stays inside the bracket, a bisection otherwise.
    """
    m = tables.shape[0]
    rho = _start(tables)
    lo = np.full(m, -_RHO_BOUND)
    hi = np.full(m, _RHO_BOUND)
    active = np.arange(m)

    for _ in range(_MAX_ITER):
        r = rho[active]
        score, hess = _score_hessian(tables[active], cuts_x[active], cuts_y[active], r)

        rising = score > 0
        lo[active] = np.where(rising, r, lo[active])
        hi[active] = np.where(rising, hi[active], r)
        lo_a, hi_a = lo[active], hi[active]

        with np.errstate(divide="ignore", invalid="ignore"):
            newton = r - score / hess
        ok = np.isfinite(newton) & (hess < 0) & (newton >= lo_a) & (newton <= hi_a)
        new = np.where(ok, newton, (lo_a + hi_a) / 2.0)
        new = np.where(score == 0, r, new)
        rho[active] = new

        # Newton converges quadratically: after a step below _NEWTON_DONE the error
        # left is of order _NEWTON_DONE ** 2.
        step = np.abs(new - r)
        done = (step < _TOL) | (ok & (step < _NEWTON_DONE)) | (hi_a - lo_a < _TOL)
        active = active[~done]
        if active.size == 0:
            break
    return rho, active


def _estimate(tables, cuts_x, cuts_y, std_err):
    """Correlations (and standard errors) of all pairs, in memory-bounded chunks."""
    m, k = tables.shape[0], tables.shape[1]
    chunk = max(16, _CHUNK_CELLS // ((k + 1) ** 2))
    rho = np.empty(m)
    se = np.full(m, np.nan) if std_err else None
    stuck = []
    for start in range(0, m, chunk):
        part = slice(start, min(start + chunk, m))
        rho[part], left = _ml_rho(tables[part], cuts_x[part], cuts_y[part])
        stuck.extend(start + left)
        if std_err:
            _, hess = _score_hessian(
                tables[part], cuts_x[part], cuts_y[part], rho[part]
            )
            with np.errstate(invalid="ignore", divide="ignore"):
                se[part] = np.where(hess < 0, 1.0 / np.sqrt(-hess), np.nan)
    return rho, se, np.asarray(stuck, dtype=int)


# ------------------------------------------------------------------------ smoothing


def _smooth(values, eig_tol):
    """psych::cor.smooth on an ndarray: (matrix, raised, largest change, smoothed)."""
    with one_blas_thread():
        eigval, eigvec = np.linalg.eigh(values)
    if eigval.min() >= np.finfo(float).eps:
        return values, 0, 0.0, False, eigval.min()

    low = eigval < eig_tol
    adjusted = np.where(low, 100.0 * eig_tol, eigval)
    adjusted *= values.shape[0] / adjusted.sum()
    rebuilt = (eigvec * adjusted) @ eigvec.T
    scale = np.sqrt(np.diag(rebuilt))
    out = rebuilt / np.outer(scale, scale)
    out = (out + out.T) / 2.0
    np.fill_diagonal(out, 1.0)
    return out, int(low.sum()), float(np.abs(out - values).max()), True, eigval.min()


def _smooth_message(raised, change, smallest, where):
    return (
        f"the correlation matrix is not positive definite (smallest eigenvalue "
        f"{smallest:.3g}); it was smoothed as psych::cor.smooth does: {raised} "
        f"eigenvalue(s) raised to a small positive value and all rescaled to sum to "
        f"the number of items; the largest change in a correlation is {change:.4g} "
        f"{where}"
    )


def _largest_change_at(before, after, labels):
    i, j = np.unravel_index(np.argmax(np.abs(after - before)), before.shape)
    return f"({labels[i]!s} with {labels[j]!s})"


def smooth_correlation(r, *, eig_tol=1e-12):
    """Smooth a correlation matrix that is not positive definite, like cor.smooth.

    Parameters
    ----------
    r : pandas.DataFrame or numpy.ndarray
        Square symmetric correlation matrix with a unit diagonal.
    eig_tol : float, default=1e-12
        Eigenvalues below this are raised to ``100 * eig_tol``.

    Returns
    -------
    pandas.DataFrame or numpy.ndarray
        The same type as ``r``: ``r`` itself (a copy) when it is positive definite,
        else the smoothed matrix.

    Warns
    -----
    NotPositiveDefiniteWarning
        When the matrix was smoothed; the message gives the smallest eigenvalue, how
        many eigenvalues were raised and the largest change in a correlation.

    Raises
    ------
    DataError
        If ``r`` is not a finite square symmetric matrix with ones on its diagonal.

    Notes
    -----
    As ``psych::cor.smooth`` (psych 2.2.9): if the smallest eigenvalue is below the
    machine epsilon, eigenvalues below ``eig_tol`` are set to ``100 * eig_tol``, all
    eigenvalues are rescaled to sum to the number of items, the matrix is rebuilt as
    ``V diag(e) V'`` and rescaled to a unit diagonal. Checked against ``cor.smooth``
    on a 4 x 4 indefinite matrix to 1e-10.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.2], [0.9, -0.2, 1.0]])
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     s = smooth_correlation(r)
    >>> bool(np.linalg.eigvalsh(s).min() > 0)
    True
    """
    is_frame = isinstance(r, pd.DataFrame)
    values = np.asarray(r, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise DataError(
            f"r must be a square correlation matrix; found shape {values.shape}"
        )
    if not np.isfinite(values).all():
        raise DataError("r holds missing or infinite values; cannot smooth it")
    if not np.allclose(values, values.T, atol=1e-8):
        raise DataError("r must be symmetric; found r[i, j] != r[j, i]")
    if not np.allclose(np.diag(values), 1.0, atol=1e-8):
        raise DataError("r must have ones on its diagonal (a correlation matrix)")

    out, raised, change, smoothed, smallest = _smooth(values, eig_tol)
    if not smoothed:
        return r.copy()

    labels = list(r.columns) if is_frame else list(range(values.shape[0]))
    where = _largest_change_at(values, out, labels)
    warnings.warn(
        _smooth_message(raised, change, smallest, where),
        NotPositiveDefiniteWarning,
        stacklevel=2,
    )
    if is_frame:
        return pd.DataFrame(out, index=r.index, columns=r.columns)
    return out


# --------------------------------------------------------------------------- core


def _polychoric_core(values, names, *, correct, global_thresholds, std_err):
    """Correlations, thresholds and counts of all pairs of the columns of values."""
    if correct < 0:
        raise DataError(f"correct must be 0 or positive; found {correct!r}")
    codes, n_cat = _encode(values, names)
    p = codes.shape[1]
    rows, cols = np.triu_indices(p, k=1)
    tables, item_counts = _pair_tables(codes, n_cat, rows, cols)
    k_max = tables.shape[1]

    # Every pair needs respondents who answered both items.
    n_pair = tables.sum(axis=(1, 2))
    empty = np.flatnonzero(n_pair == 0)
    if empty.size:
        shown = ", ".join(
            f"{names[rows[e]]!s} with {names[cols[e]]!s}" for e in empty[:5]
        )
        more = f" and {empty.size - 5} more" if empty.size > 5 else ""
        raise DataError(
            f"no respondent answered both items of {empty.size} pair(s): "
            f"{shown}{more}; their correlation cannot be estimated"
        )

    thresholds = [_marginal_thresholds(c) for c in item_counts]
    binary = (n_cat[rows] == 2) & (n_cat[cols] == 2)
    if global_thresholds:
        # Each item's thresholds come from all its answers; pairs of two binary items
        # get psych::tetrachoric's correction of empty cells.
        cuts = np.array([_cuts(t, k_max) for t in thresholds])
        cuts_x, cuts_y = cuts[rows], cuts[cols]
        fix = binary[:, None, None] & (tables == 0) & (correct > 0)
        fix[:, 2:, :] = False
        fix[:, :, 2:] = False
        fix &= (n_pair > 1)[:, None, None]
        tables = np.where(fix, correct, tables)
        fixed = fix.sum(axis=(1, 2))
    else:
        tables, cuts_x, cuts_y, fixed = _local_cuts(tables, correct, binary)
        too_few = np.flatnonzero(
            ~binary
            & (
                (np.isfinite(cuts_x[:, 1:-1]).sum(axis=1) < 1)
                | (np.isfinite(cuts_y[:, 1:-1]).sum(axis=1) < 1)
            )
        )
        if too_few.size:
            shown = ", ".join(
                f"{names[rows[e]]!s} with {names[cols[e]]!s}" for e in too_few[:5]
            )
            raise DataError(
                f"among the respondents who answered both items, one item has a "
                f"single category in {too_few.size} pair(s): {shown}; use "
                f"global_thresholds=True"
            )

    if fixed.sum() > 0:
        pairs = np.flatnonzero(fixed)
        shown = ", ".join(
            f"{names[rows[e]]!s} with {names[cols[e]]!s}" for e in pairs[:5]
        )
        warnings.warn(
            f"{int(fixed.sum())} empty cell(s) in the tables of {pairs.size} item "
            f"pair(s) ({shown}{', ...' if pairs.size > 5 else ''}) were set to "
            f"{correct} respondents (continuity correction); examine these items",
            DataQualityWarning,
            stacklevel=3,
        )

    rho, se, stuck = _estimate(tables, cuts_x, cuts_y, std_err)
    if stuck.size:
        shown = ", ".join(
            f"{names[rows[e]]!s} with {names[cols[e]]!s}" for e in stuck[:5]
        )
        warnings.warn(
            f"the correlation of {stuck.size} pair(s) did not converge in "
            f"{_MAX_ITER} iterations: {shown}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return rho, se, thresholds, n_pair, rows, cols, item_counts


# ------------------------------------------------------------------------- public


def _as_series(values):
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values).ravel())


def _pair_names(x, y):
    name_x = x.name if isinstance(x, pd.Series) and x.name is not None else "x"
    name_y = y.name if isinstance(y, pd.Series) and y.name is not None else "y"
    return str(name_x), str(name_y)


def polychoric(x, y, *, correct=0.5, std_err=False, global_thresholds=True):
    r"""Polychoric correlation of two ordinal items.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Answer codes of the two items for the same respondents (matched by
        position, not by index), NaN for missing. Only the order of the codes
        matters; an ordered categorical gives the order of its categories.
    correct : float, default=0.5
        Continuity correction: the number of respondents put in empty cells of a
        2 x 2 table (binary items) or, with ``global_thresholds=False``, of the
        pair's table. 0 turns it off.
    std_err : bool, default=False
        Also return the standard error of the correlation.
    global_thresholds : bool, default=True
        Thresholds from each item's own answers (psych's default); False takes them
        from the respondents who answered both items.

    Returns
    -------
    PolychoricPair
        ``rho``, ``thresholds_x``, ``thresholds_y``, ``n`` and ``se``.

    Raises
    ------
    DataError
        If the items differ in length, hold non-numeric codes, have a single observed
        category, or no respondent answered both.

    Notes
    -----
    With thresholds :math:`a_i` of x and :math:`b_j` of y (:math:`\Phi^{-1}` of the
    cumulative shares of the answers), the correlation maximises
    :math:`\sum_{ij} n_{ij} \log P_{ij}(\rho)` with
    :math:`P_{ij} = \Phi_2(a_i, b_j; \rho) - \Phi_2(a_{i-1}, b_j; \rho)
    - \Phi_2(a_i, b_{j-1}; \rho) + \Phi_2(a_{i-1}, b_{j-1}; \rho)`. The standard
    error is :math:`1 / \sqrt{-\partial^2 \log L / \partial \rho^2}` at the
    estimate, thresholds fixed (as polycor's two-step ``polychor``). Validated
    against psych 2.2.9 ``polychoric`` and polycor 0.8.1 ``polychor`` on bfi (see
    ``docs/polychoric.md``).

    Examples
    --------
    >>> x = [1, 1, 2, 2, 3, 3, 1, 2, 3, 3, 1, 2]
    >>> y = [1, 2, 2, 2, 3, 3, 1, 1, 3, 2, 1, 3]
    >>> res = polychoric(x, y)
    >>> round(res.rho, 3), res.n
    (0.859, 12)
    """
    names = _pair_names(x, y)
    x_series, y_series = _as_series(x), _as_series(y)
    if len(x_series) != len(y_series):
        raise DataError(
            f"x and y must hold the answers of the same respondents; found "
            f"{len(x_series)} and {len(y_series)} values"
        )
    values = _as_float_columns([x_series, y_series], names)
    rho, se, thresholds, n_pair, *_ = _polychoric_core(
        values,
        names,
        correct=correct,
        global_thresholds=global_thresholds,
        std_err=std_err,
    )
    return PolychoricPair(
        rho=float(rho[0]),
        thresholds_x=thresholds[0],
        thresholds_y=thresholds[1],
        n=int(n_pair[0]),
        se=float(se[0]) if std_err else None,
    )


def tetrachoric(x, y, *, correct=0.5, std_err=False, global_thresholds=True):
    """Tetrachoric correlation of two binary items.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Two-valued answer codes (for example 0/1), NaN for missing.
    correct : float, default=0.5
        Respondents put in each empty cell of the 2 x 2 table (psych's default).
    std_err : bool, default=False
        Also return the standard error.
    global_thresholds : bool, default=True
        Thresholds from each item's own answers (psych's default).

    Returns
    -------
    PolychoricPair
        As :func:`polychoric`.

    Raises
    ------
    DataError
        If an item has more or fewer than two observed values, or as
        :func:`polychoric`.

    Notes
    -----
    The polychoric correlation of a 2 x 2 table; as ``psych::tetrachoric`` (psych
    2.2.9), an empty cell is set to ``correct`` respondents before the likelihood
    is maximised, the thresholds staying those of the margins. Validated against
    ``tetrachoric`` on psychTools' ability items and dichotomised bfi items.

    Examples
    --------
    >>> x = [0, 0, 0, 1, 1, 1, 0, 1, 1, 0]
    >>> y = [0, 0, 1, 1, 1, 1, 0, 0, 1, 0]
    >>> round(tetrachoric(x, y).rho, 3)
    0.809
    """
    for name, values in zip(_pair_names(x, y), (x, y), strict=True):
        observed = _as_series(values).dropna()
        if observed.nunique() != 2:
            raise DataError(
                f"item {name!r} must have exactly two observed values for a "
                f"tetrachoric correlation; found {observed.nunique()}"
            )
    return polychoric(
        x, y, correct=correct, std_err=std_err, global_thresholds=global_thresholds
    )


def polychoric_matrix(
    data, *, correct=0.5, smooth=True, std_err=False, global_thresholds=True
):
    """Polychoric correlation matrix of the columns of a data frame.

    Parameters
    ----------
    data : pandas.DataFrame
        One column per item, one row per respondent; numeric answer codes, NaN for
        missing. Only the order of each item's codes matters.
    correct : float, default=0.5
        Continuity correction for empty cells (see :func:`polychoric`).
    smooth : bool, default=True
        Smooth the matrix as ``psych::cor.smooth`` if it is not positive definite
        (with a :class:`NotPositiveDefiniteWarning`).
    std_err : bool, default=False
        Also return the standard errors of the correlations.
    global_thresholds : bool, default=True
        Thresholds from each item's whole marginal (psych's default); False takes
        each pair's thresholds from its own table, with ``correct`` in its empty
        cells (psych's ``global = FALSE``).

    Returns
    -------
    PolychoricResult
        ``correlation``, ``thresholds``, ``n_obs``, ``smoothed`` and ``std_err``.

    Raises
    ------
    DataError
        If a column is not numeric, an item has a single observed category or more
        than ``MAX_CATEGORIES``, or a pair of items has no respondent in common.

    Warns
    -----
    NotPositiveDefiniteWarning
        When the matrix was smoothed.
    DataQualityWarning
        When the matrix is not positive definite and ``smooth=False``, or when empty
        cells were corrected.

    Notes
    -----
    Pairwise use of missing answers: each pair's table counts the respondents who
    answered both items, while (with global thresholds) each item's thresholds use
    all its answers. Pairs of two binary items are tetrachoric correlations with
    psych's correction of empty cells. All pairs are estimated at once (bracketed
    Newton iterations on a vectorised bivariate normal distribution function).
    Validated against psych 2.2.9 ``polychoric`` on bfi, complete cases and all
    rows, to 1e-3 (observed differences below 1e-4); see ``docs/polychoric.md``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 1, 2, 3, 2, 3],
    ...                    "b": [1, 2, 3, 2, 2, 3, 1, 3],
    ...                    "c": [2, 1, 1, 3, 2, 2, 3, 1]})
    >>> res = polychoric_matrix(df)
    >>> res.correlation.round(2)
          a     b     c
    a  1.00  0.90 -0.69
    b  0.90  1.00 -0.69
    c -0.69 -0.69  1.00
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"data must be a pandas DataFrame with one column per item; found "
            f"{type(data).__name__}"
        )
    if data.shape[1] < 2:
        raise DataError(
            f"data must hold at least two items; found {data.shape[1]} column(s)"
        )
    duplicated = data.columns[data.columns.duplicated()].unique()
    if len(duplicated):
        raise DataError(
            f"item names must be unique; found duplicates {list(duplicated)}"
        )

    names = [str(c) for c in data.columns]
    values = _as_float_columns([data[c] for c in data.columns], names)
    rho, se, thresholds, n_pair, rows, cols, item_counts = _polychoric_core(
        values,
        names,
        correct=correct,
        global_thresholds=global_thresholds,
        std_err=std_err,
    )

    # Assemble the symmetric matrices.
    p = len(names)
    matrix = np.eye(p)
    matrix[rows, cols] = rho
    matrix[cols, rows] = rho
    counts = np.diag([int(c.sum()) for c in item_counts]).astype(np.int64)
    counts[rows, cols] = n_pair
    counts[cols, rows] = n_pair

    # Positive definiteness: smooth only with a warning.
    smoothed_matrix, raised, change, smoothed, smallest = _smooth(matrix, 1e-12)
    if smoothed:
        where = _largest_change_at(matrix, smoothed_matrix, names)
        if smooth:
            warnings.warn(
                _smooth_message(raised, change, smallest, where),
                NotPositiveDefiniteWarning,
                stacklevel=2,
            )
            matrix = smoothed_matrix
        else:
            warnings.warn(
                f"the polychoric correlation matrix is not positive definite "
                f"(smallest eigenvalue {smallest:.3g}) and was left as it is "
                f"(smooth=False)",
                DataQualityWarning,
                stacklevel=2,
            )
            smoothed = False

    width = max(t.size for t in thresholds)
    tau = np.full((p, width), np.nan)
    for j, t in enumerate(thresholds):
        tau[j, : t.size] = t

    std = None
    if std_err:
        std_values = np.zeros((p, p))
        std_values[rows, cols] = se
        std_values[cols, rows] = se
        std = pd.DataFrame(std_values, index=data.columns, columns=data.columns)

    return PolychoricResult(
        correlation=pd.DataFrame(matrix, index=data.columns, columns=data.columns),
        thresholds=pd.DataFrame(
            tau, index=data.columns, columns=[f"t{i + 1}" for i in range(width)]
        ),
        n_obs=pd.DataFrame(counts, index=data.columns, columns=data.columns),
        smoothed=smoothed,
        std_err=std,
    )


def tetrachoric_matrix(
    data, *, correct=0.5, smooth=True, std_err=False, global_thresholds=True
):
    """Tetrachoric correlation matrix of binary items.

    Parameters
    ----------
    data : pandas.DataFrame
        One two-valued column per item (for example 0/1), NaN for missing.
    correct : float, default=0.5
        Respondents put in each empty cell of a 2 x 2 table.
    smooth : bool, default=True
        Smooth a matrix that is not positive definite (with a warning).
    std_err : bool, default=False
        Also return standard errors.
    global_thresholds : bool, default=True
        Thresholds from each item's whole marginal (psych's default).

    Returns
    -------
    PolychoricResult
        As :func:`polychoric_matrix`.

    Raises
    ------
    DataError
        If a column does not have exactly two observed values, or as
        :func:`polychoric_matrix`.

    Notes
    -----
    :func:`polychoric_matrix` restricted to binary items; validated against psych
    2.2.9 ``tetrachoric`` on psychTools' ability items to 1e-3.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [0, 0, 0, 1, 1, 1, 0, 1, 1, 0],
    ...                    "b": [0, 0, 1, 1, 1, 1, 0, 0, 1, 0]})
    >>> round(float(tetrachoric_matrix(df).correlation.loc["a", "b"]), 3)
    0.809
    """
    if isinstance(data, pd.DataFrame):
        counts = data.nunique(dropna=True)
        wrong = counts[counts != 2]
        if len(wrong):
            raise DataError(
                f"tetrachoric correlations need items with exactly two observed "
                f"values; {', '.join(map(str, wrong.index))} have "
                f"{', '.join(map(str, wrong.to_numpy()))}"
            )
    return polychoric_matrix(
        data,
        correct=correct,
        smooth=smooth,
        std_err=std_err,
        global_thresholds=global_thresholds,
    )
