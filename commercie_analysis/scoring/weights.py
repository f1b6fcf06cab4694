"""Factor-score weights: regression (Thurstone), Bartlett and ten Berge.

Each method turns a factor solution (item correlations ``R``, pattern loadings ``L``
with one factor per construct, factor correlations ``Phi``) into weights ``W`` such
that the factor scores are ``Z @ W`` with ``Z`` the standardised items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ModelError

__all__ = ["factor_score_weights", "FACTOR_SCORE_METHODS"]

FACTOR_SCORE_METHODS = ("regression", "bartlett", "tenberge")
_EPS = np.finfo(float).eps


def factor_score_weights(
    correlation,
    loadings,
    phi=None,
    method: str = "regression",
) -> pd.DataFrame:
    """Weights that turn standardised item answers into factor scores.

    Parameters
    ----------
    correlation : DataFrame or array of shape (p, p)
        The items' correlation matrix.
    loadings : DataFrame or array of shape (p, m)
        Pattern loadings, one factor per construct.
    phi : DataFrame or array of shape (m, m), optional
        Factor correlations; identity (orthogonal factors) if not given.
    method : {"regression", "bartlett", "tenberge"}, default="regression"
        ``regression`` is Thurstone's; ``tenberge`` keeps the scores' correlations
        equal to ``phi``; ``bartlett`` gives unbiased (conditionally) scores.

    Returns
    -------
    DataFrame of shape (p, m)
        Items x factors, named after ``loadings`` when it is a DataFrame.

    Raises
    ------
    ModelError
        For shapes that do not fit, a singular matrix, or an unknown method.

    Notes
    -----
    With ``S = L Phi`` (structure) and ``U2 = 1 - diag(L Phi L')``:

    * regression: ``W = R^-1 S``;
    * Bartlett: ``W = U2^-1 L (L' U2^-1 L)^-1``;
    * ten Berge: ``W = R^-1/2 C Phi^1/2`` with ``L* = L Phi^1/2`` and
      ``C = R^-1/2 L* (L*' R^-1 L*)^-1/2``.

    Matrix square roots are taken by eigen decomposition with psych's guards
    (negative eigenvalues set to machine epsilon for ``Phi^1/2``, eigenvalues below
    epsilon set to 100 epsilon for inverse roots). Validated against R psych 2.2.9
    ``factor.scores(R, f, Phi, method = "Thurstone" | "Bartlett" | "tenBerge")$weights``
    on the bfi complete cases (5-factor minres oblimin solution) and on a
    hand-made two-factor case, to 1e-10 (``tests/reference/scoring.json``).

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.48], [0.48, 1.0]])
    >>> L = np.array([[0.8], [0.6]])
    >>> factor_score_weights(R, L).round(4)  # R^-1 L, worked by hand: .512/.7696
           F1
    0  0.6653
    1  0.2807
    """
    if method not in FACTOR_SCORE_METHODS:
        raise ModelError(
            f"method: expected one of {list(FACTOR_SCORE_METHODS)}, found {method!r}"
        )
    r, lam, ph, rows, cols = _check(correlation, loadings, phi)

    if method == "regression":
        weights = _solve(r, lam @ ph, "correlation")
    elif method == "bartlett":
        uniqueness = 1.0 - np.einsum("ij,jk,ik->i", lam, ph, lam)
        if np.any(uniqueness <= 0):
            bad = [rows[i] for i in np.flatnonzero(uniqueness <= 0)]
            raise ModelError(
                f"loadings: Bartlett weights need unique variances above 0; items "
                f"{bad} have communality >= 1 (an improper solution)"
            )
        scaled = lam / uniqueness[:, None]
        weights = scaled @ _solve(lam.T @ scaled, np.eye(lam.shape[1]), "L' U2^-1 L")
    else:
        root_phi = _sqrtm(ph)
        lstar = lam @ root_phi
        r_inv_root = _inv_sqrtm(r)
        inner = lstar.T @ _solve(r, lstar, "correlation")
        c = r_inv_root @ lstar @ _inv_sqrtm(inner)
        weights = r_inv_root @ c @ root_phi

    return pd.DataFrame(weights, index=rows, columns=cols)


def _check(correlation, loadings, phi):
    rows = list(getattr(loadings, "index", range(np.shape(loadings)[0])))
    if isinstance(loadings, pd.DataFrame):
        cols = [str(c) for c in loadings.columns]
    else:
        cols = [f"F{j + 1}" for j in range(np.shape(loadings)[1])]
    if isinstance(correlation, pd.DataFrame) and isinstance(loadings, pd.DataFrame):
        missing = [i for i in loadings.index if i not in correlation.index]
        if missing:
            raise ModelError(f"correlation: no row for item(s) {missing}")
        correlation = correlation.loc[loadings.index, loadings.index]
    r = np.asarray(correlation, dtype=np.float64)
    lam = np.asarray(loadings, dtype=np.float64)
    if lam.ndim != 2:
        raise ModelError(f"loadings: expected a 2-d matrix, found shape {lam.shape}")
    p, m = lam.shape
    if r.shape != (p, p):
        raise ModelError(
            f"correlation: expected shape ({p}, {p}) to match the loadings, found "
            f"{r.shape}"
        )
    if phi is None:
        ph = np.eye(m)
    else:
        if isinstance(phi, pd.DataFrame) and isinstance(loadings, pd.DataFrame):
            phi = phi.loc[loadings.columns, loadings.columns]
        ph = np.asarray(phi, dtype=np.float64)
        if ph.shape != (m, m):
            raise ModelError(f"phi: expected shape ({m}, {m}), found {ph.shape}")
    for name, value in (("correlation", r), ("loadings", lam), ("phi", ph)):
        if not np.isfinite(value).all():
            raise ModelError(f"{name}: contains NaN or infinite values")
    return r, lam, ph, rows, cols


def _solve(a, b, name):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise ModelError(
            f"{name}: the matrix is singular and cannot be inverted"
        ) from None


def _sqrtm(x):
    values, vectors = np.linalg.eigh(x)
    values = np.where(values < 0, _EPS, values)
    return (vectors * np.sqrt(values)) @ vectors.T


def _inv_sqrtm(x):
    values, vectors = np.linalg.eigh(x)
    values = np.where(values < _EPS, 100 * _EPS, values)
    return (vectors / np.sqrt(values)) @ vectors.T
