"""Exploratory factor analysis: minres, maximum likelihood or principal axis extraction.

:class:`FactorAnalysis` follows the scikit-learn estimator contract: the constructor
stores the settings, :meth:`FactorAnalysis.fit` validates the input, extracts and
rotates the factors and returns the estimator, and the fitted results are attributes
ending in ``_`` (DataFrames labelled by item and factor).

The extraction methods reproduce R psych ``fa`` (psych 2.2.9):

* ``minres`` minimises the sum of squared off-diagonal residuals over the unique
  variances (psych ``fit.residuals`` with ``fm = "minres"``).
* ``ml`` maximises the normal-theory likelihood (psych ``FAfn``).
* ``pa`` is iterated principal axis factoring (psych ``fm = "pa"``): communalities
  start at the squared multiple correlations and are replaced by those of the
  solution until their sum changes by less than ``tol``. This is not principal
  components.

Rotation and the ordering and signs of the factors are delegated to
:mod:`commercie_analysis.rotation`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ._threads import with_one_blas_thread
from .exceptions import ConvergenceWarning, DataError, ImproperSolutionWarning
from .rotation import rotate, sort_and_sign

__all__ = [
    "FactorAnalysis",
    "EXTRACTION_METHODS",
    "degrees_of_freedom",
    "max_factors",
    "smc",
    "extract_loadings",
    "pearson_complete_cases",
]

EXTRACTION_METHODS = ("minres", "ml", "pa")

# Lower and upper bounds of the unique variances in the minres and ml optimisers, as in
# psych: a unique variance at the lower bound is a Heywood case held at the boundary.
_PSI_BOUNDS = (0.005, 1.0)

# A communality at or above this value marks an improper (Heywood) solution: it is
# what a unique variance held at the optimiser's lower bound produces.
_IMPROPER_COMMUNALITY = 1.0 - _PSI_BOUNDS[0] - 1e-8


def _is_target(rotation: str) -> bool:
    return "target" in rotation.lower() or rotation in ("pstQ", "pstT")


def degrees_of_freedom(n_items: int, n_factors: int) -> int:
    """Degrees of freedom of an exploratory factor model.

    Notes
    -----
    ``df = p (p - 1) / 2 - p m + m (m - 1) / 2 = ((p - m)^2 - (p + m)) / 2`` for p
    items and m factors, as R psych ``fa`` reports ``dof``.

    Examples
    --------
    >>> degrees_of_freedom(25, 5)
    185
    """
    p, m = n_items, n_factors
    return ((p - m) ** 2 - (p + m)) // 2


def max_factors(n_items: int) -> int:
    """The largest number of factors that leaves non-negative degrees of freedom.

    Examples
    --------
    >>> max_factors(25), max_factors(6), max_factors(3)
    (18, 3, 1)
    """
    m = 0
    while m + 1 < n_items and degrees_of_freedom(n_items, m + 1) >= 0:
        m += 1
    return m


def smc(correlation: np.ndarray) -> np.ndarray:
    """Squared multiple correlation of each item with all others.

    Notes
    -----
    ``smc_j = 1 - 1 / (R^-1)_jj``. A singular matrix falls back to the pseudo-inverse.

    Examples
    --------
    >>> smc(np.array([[1.0, 0.5], [0.5, 1.0]]))
    array([0.25, 0.25])
    """
    try:
        inverse = np.linalg.inv(correlation)
    except np.linalg.LinAlgError:
        inverse = np.linalg.pinv(correlation)
    return 1.0 - 1.0 / np.diag(inverse)


def _top_eigen(matrix: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(matrix)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order[:m]]


def _loadings_from_reduced(reduced: np.ndarray, m: int) -> np.ndarray:
    values, vectors = _top_eigen(reduced, m)
    return vectors * np.sqrt(np.maximum(values[:m], 0.0))


# -- minres ---------------------------------------------------------------------------


def _minres_objective(psi, r, m):
    reduced = r.copy()
    np.fill_diagonal(reduced, 1.0 - psi)
    loadings = _loadings_from_reduced(reduced, m)
    residual = r - loadings @ loadings.T
    lower = np.tril_indices_from(r, k=-1)
    return float(np.sum(residual[lower] ** 2))


def _minres_gradient(psi, r, m):
    loadings = _loadings_from_reduced(r - np.diag(psi), m)
    return np.diag(loadings @ loadings.T + np.diag(psi) - r).copy()


def _minres_loadings(psi, r, m):
    return _loadings_from_reduced(r - np.diag(psi), m)


# -- maximum likelihood ------------------------------------------------------------


def _ml_objective(psi, r, m):
    scale = 1.0 / np.sqrt(psi)
    values = np.linalg.eigvalsh(r * np.outer(scale, scale))[::-1][m:]
    return float(-(np.sum(np.log(values) - values) - m + r.shape[0]))


def _ml_loadings(psi, r, m):
    scale = 1.0 / np.sqrt(psi)
    values, vectors = _top_eigen(r * np.outer(scale, scale), m)
    unscaled = vectors * np.sqrt(np.maximum(values[:m] - 1.0, 0.0))
    return unscaled * np.sqrt(psi)[:, None]


def _ml_gradient(psi, r, m):
    loadings = _ml_loadings(psi, r, m)
    g = loadings @ loadings.T + np.diag(psi) - r
    return np.diag(g) / psi**2


def _optimise_uniquenesses(r, m, objective, gradient, max_iter):
    start = 1.0 - smc(r)
    start = np.clip(start, *_PSI_BOUNDS)
    result = optimize.minimize(
        objective,
        start,
        args=(r, m),
        jac=gradient,
        method="L-BFGS-B",
        bounds=[_PSI_BOUNDS] * r.shape[0],
        options={"maxiter": max_iter, "ftol": 1e-14, "gtol": 1e-10},
    )
    return result.x, bool(result.success), int(result.nit)


# -- principal axis --------------------------------------------------------------


def _principal_axis(r, m, tol, max_iter):
    reduced = r.copy()
    np.fill_diagonal(reduced, smc(r))
    total = np.trace(reduced)
    for iteration in range(1, max_iter + 1):
        loadings = _loadings_from_reduced(reduced, m)
        communalities = np.sum(loadings**2, axis=1)
        new_total = communalities.sum()
        np.fill_diagonal(reduced, communalities)
        change = abs(total - new_total)
        total = new_total
        if change < tol:
            return loadings, True, iteration
    return loadings, False, max_iter


def pearson_complete_cases(
    data, parameter: str = "X"
) -> tuple[np.ndarray, list[str], int]:
    """Pearson correlations of the respondents who answered every item.

    Parameters
    ----------
    data : DataFrame or array-like
        Respondents x items; NaN is a missing answer.
    parameter : str, default="X"
        Name of the argument ``data`` came from, for error messages.

    Returns
    -------
    r : ndarray of shape (p, p)
    names : list of str
        Item names.
    n_obs : int
        Respondents used.

    Raises
    ------
    DataError
        With fewer than 3 complete respondents, or an item without variance
        (named).

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2, 3, np.nan], "b": [2, 1, 3, 5]})
    >>> r, names, n = pearson_complete_cases(frame)
    >>> round(float(r[0, 1]), 3), names, n
    (0.5, ['a', 'b'], 3)
    """
    frame = pd.DataFrame(data)
    complete = frame.dropna()
    if len(complete) < 3:
        raise DataError(
            f"{parameter}: {len(complete)} respondents answered every item; a "
            "factor analysis needs many more"
        )
    constant = [str(c) for c in complete.columns if complete[c].std() == 0]
    if constant:
        raise DataError(f"{parameter}: item(s) without variance: {', '.join(constant)}")
    r = np.corrcoef(complete.to_numpy(dtype=float), rowvar=False)
    return r, [str(c) for c in frame.columns], len(complete)


def extract_loadings(
    r: np.ndarray,
    n_factors: int,
    method: str = "minres",
    *,
    max_iter: int = 1000,
    tol: float = 0.001,
) -> tuple[np.ndarray, bool, int]:
    """Unrotated loadings of a correlation matrix, without checks or warnings.

    The building block of :class:`FactorAnalysis`, for callers that fit many
    matrices (parallel analysis, bootstrap) and judge convergence themselves.

    Parameters
    ----------
    r : ndarray of shape (p, p)
        Correlation matrix.
    n_factors : int
        Number of factors.
    method : {"minres", "ml", "pa"}, default="minres"
    max_iter : int, default=1000
        Optimiser iterations; principal axis uses at most 50, as psych does.
    tol : float, default=0.001
        Principal axis stopping rule (change in the sum of communalities).

    Returns
    -------
    loadings : ndarray of shape (p, n_factors)
    converged : bool
    n_iter : int
    """
    if method == "pa":
        return _principal_axis(r, n_factors, tol, min(max_iter, 50))
    objective, gradient, loadings_of = {
        "minres": (_minres_objective, _minres_gradient, _minres_loadings),
        "ml": (_ml_objective, _ml_gradient, _ml_loadings),
    }[method]
    psi, converged, n_iter = _optimise_uniquenesses(
        r, n_factors, objective, gradient, max_iter
    )
    return loadings_of(psi, r, n_factors), converged, n_iter


class FactorAnalysis:
    """Exploratory factor analysis with psych-compatible extraction and rotation.

    Parameters
    ----------
    n_factors : int, default=1
        Number of factors to extract. Must leave non-negative degrees of freedom;
        the error names the largest number allowed.
    method : {"minres", "ml", "pa"}, default="minres"
        Extraction method (see the module docstring).
    rotation : str, default="oblimin"
        Any rotation accepted by :func:`commercie_analysis.rotation.rotate`, or
        ``"none"``.
    rotation_options : dict, optional
        Passed on to :func:`~commercie_analysis.rotation.rotate` (for example
        ``{"gamma": 0.5}`` or ``{"target": key, "n_starts": 10}``).
    max_iter : int, default=1000
        Iterations of the minres and ml optimisers; for ``pa`` psych's default of 50
        applies unless a smaller number is given.
    tol : float, default=0.001
        Stopping rule of principal axis iterations: change in the sum of
        communalities (psych's ``min.err``).

    Attributes
    ----------
    correlation_ : DataFrame
        The correlation matrix analysed.
    n_obs_ : int or None
        Number of respondents, when known; fit statistics need it.
    unrotated_loadings_ : DataFrame
        Items x factors before rotation.
    loadings_ : DataFrame
        Pattern matrix after rotation, factors ordered and signed as psych does
        (after a target rotation the factors keep the target's order).
    phi_ : DataFrame
        Factor correlations (identity for orthogonal rotations).
    structure_ : DataFrame
        Structure matrix, ``loadings_ @ phi_``.
    communalities_, uniquenesses_ : Series
        Per item; from the unrotated solution, so independent of the rotation.
    eigenvalues_ : ndarray
        Eigenvalues of the reduced correlation matrix (communalities on the
        diagonal), psych's ``values``.
    converged_ : bool
        Whether extraction and rotation met their criteria.
    n_iter_ : int
        Iterations used by the extraction.
    rotation_result_ : RotationResult
        Everything the rotation returned.
    objective_, chi_square_, dof_, p_value_, rmsea_, tli_, bic_ : float
        Fit statistics as psych ``fa`` reports them (``chi_square_`` and the others
        need ``n_obs``; otherwise NaN).

    Notes
    -----
    The fit statistics follow psych ``fa.stats`` (psych 2.2.9). With ``M`` the model
    correlation matrix (``L Phi L'`` with the observed diagonal),
    ``F = tr(M^-1 R) - ln det(M^-1 R) - p``,
    ``chi2 = F (n - 1 - (2p + 5) / 6 - 2m / 3)``,
    ``RMSEA = sqrt(max(chi2 / (df n) - 1 / (n - 1), 0))``,
    ``TLI = (F0/df0 - F/df) / (F0/df0 - 1/nm)`` with ``F0 = -ln det R``,
    ``df0 = p (p - 1) / 2`` and ``nm`` the chi-square multiplier, and
    ``BIC = chi2 - df ln n``.

    Validated on the bfi complete cases (2436 respondents, 25 items, 5 factors)
    against psych 2.2.9: minres with oblimin loadings and factor correlations to
    1e-4, ml with varimax loadings to 1e-4 and chi-square, RMSEA, TLI and BIC to
    1e-4 relative.

    A communality of 0.995 or more (a unique variance at the optimiser's lower
    bound, or beyond 1 for principal axis) is an improper solution and raises an
    :class:`ImproperSolutionWarning` naming the items.

    Examples
    --------
    >>> from commercie_analysis.datasets import load_bfi
    >>> items = load_bfi().iloc[:, :25].dropna()
    >>> fa = FactorAnalysis(n_factors=5).fit(items)
    >>> fa.loadings_.shape
    (25, 5)
    >>> round(float(fa.communalities_["N1"]), 3)
    0.681
    """

    def __init__(
        self,
        n_factors: int = 1,
        *,
        method: str = "minres",
        rotation: str = "oblimin",
        rotation_options: dict | None = None,
        max_iter: int = 1000,
        tol: float = 0.001,
    ):
        self.n_factors = n_factors
        self.method = method
        self.rotation = rotation
        self.rotation_options = rotation_options
        self.max_iter = max_iter
        self.tol = tol

    @with_one_blas_thread
    def fit(self, X=None, *, correlation=None, n_obs: int | None = None):
        """Extract and rotate the factors.

        Parameters
        ----------
        X : DataFrame, optional
            Respondents x items. Pearson correlations are computed from complete
            cases; give ``correlation`` instead for any other matrix.
        correlation : DataFrame or array, optional
            An item correlation matrix (Pearson, polychoric, ...). Exactly one of
            ``X`` and ``correlation`` must be given.
        n_obs : int, optional
            Number of respondents behind ``correlation``; needed for the chi-square
            based fit statistics. Taken from ``X`` when ``X`` is given.

        Returns
        -------
        self : FactorAnalysis
        """
        r, names, n_obs = self._validate_input(X, correlation, n_obs)
        m = self._validate_settings(len(names))

        loadings, converged, n_iter = self._extract(r, m)
        communalities = np.sum(loadings**2, axis=1)
        self._warn_if_improper(communalities, names)

        rotated = rotate(loadings, self.rotation, **(self.rotation_options or {}))
        if _is_target(self.rotation):
            # A target fixes the factor order; only make each factor's sum positive.
            signs = np.where(rotated.loadings.sum(axis=0) < 0, -1.0, 1.0)
            pattern = rotated.loadings * signs
            phi = rotated.phi * np.outer(signs, signs)
        else:
            pattern, phi, _, _ = sort_and_sign(rotated.loadings, rotated.phi)

        factors = [f"F{j + 1}" for j in range(m)]
        self.correlation_ = pd.DataFrame(r, index=names, columns=names)
        self.n_obs_ = n_obs
        self.unrotated_loadings_ = pd.DataFrame(loadings, index=names, columns=factors)
        self.loadings_ = pd.DataFrame(pattern, index=names, columns=factors)
        self.phi_ = pd.DataFrame(phi, index=factors, columns=factors)
        self.structure_ = self.loadings_ @ self.phi_
        self.communalities_ = pd.Series(communalities, index=names, name="communality")
        self.uniquenesses_ = pd.Series(
            1.0 - communalities, index=names, name="uniqueness"
        )
        reduced = r.copy()
        np.fill_diagonal(reduced, communalities)
        self.eigenvalues_ = np.sort(np.linalg.eigvalsh(reduced))[::-1]
        self.rotation_result_ = rotated
        self.converged_ = bool(converged and rotated.converged)
        self.n_iter_ = n_iter
        self._fit_statistics(r, pattern, phi, m, n_obs)
        return self

    # -- steps ----------------------------------------------------------------

    def _validate_input(self, X, correlation, n_obs):
        if (X is None) == (correlation is None):
            raise DataError(
                "FactorAnalysis.fit: give either X or correlation, not both"
            )
        if X is not None:
            r, names, n_obs = pearson_complete_cases(X, "X")
        else:
            if isinstance(correlation, pd.DataFrame):
                names = [str(c) for c in correlation.columns]
            else:
                names = [f"V{j + 1}" for j in range(np.shape(correlation)[0])]
            r = np.asarray(correlation, dtype=float)
            if r.ndim != 2 or r.shape[0] != r.shape[1]:
                raise DataError(
                    f"correlation: expected a square matrix, found shape {r.shape}"
                )
            if not np.isfinite(r).all() or not np.allclose(r, r.T, atol=1e-10):
                raise DataError(
                    "correlation: expected a finite symmetric matrix; this one is not"
                )
        if n_obs is not None and (not isinstance(n_obs, int | np.integer) or n_obs < 2):
            raise DataError(f"n_obs: expected a whole number >= 2, found {n_obs!r}")
        return r, names, None if n_obs is None else int(n_obs)

    def _validate_settings(self, p: int) -> int:
        if self.method not in EXTRACTION_METHODS:
            raise DataError(
                f"method: expected one of {list(EXTRACTION_METHODS)}, "
                f"found {self.method!r}"
            )
        m = self.n_factors
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
            raise DataError(f"n_factors: expected a whole number >= 1, found {m!r}")
        largest = max_factors(p)
        if m > largest:
            raise DataError(
                f"n_factors: {m} factors for {p} items leave "
                f"{degrees_of_freedom(p, m)} degrees of freedom; at most {largest} "
                "factors can be extracted"
            )
        return int(m)

    def _extract(self, r, m):
        loadings, converged, n_iter = extract_loadings(
            r, m, self.method, max_iter=self.max_iter, tol=self.tol
        )
        if not converged:
            criterion = (
                f"the sum of communalities changing by less than {self.tol}"
                if self.method == "pa"
                else "meeting the optimiser's convergence criterion"
            )
            warnings.warn(
                f"{self.method} extraction stopped after {n_iter} iterations "
                f"without {criterion}",
                ConvergenceWarning,
                stacklevel=3,
            )
        return loadings, converged, n_iter

    def _warn_if_improper(self, communalities, names):
        improper = [
            f"{name} ({h:.3f})"
            for name, h in zip(names, communalities, strict=True)
            if h >= _IMPROPER_COMMUNALITY
        ]
        if improper:
            warnings.warn(
                f"improper solution (Heywood case) with {self.n_factors} factors: "
                f"communality of 1 or more or a unique variance at its bound for "
                f"{', '.join(improper)}; consider fewer factors or dropping the items",
                ImproperSolutionWarning,
                stacklevel=3,
            )

    def _fit_statistics(self, r, pattern, phi, m, n_obs):
        p = r.shape[0]
        model = pattern @ phi @ pattern.T
        np.fill_diagonal(model, np.diag(r))
        ratio = np.linalg.solve(model, r)
        sign, log_det = np.linalg.slogdet(ratio)
        objective = np.trace(ratio) - log_det - p if sign > 0 else np.nan
        dof = degrees_of_freedom(p, m)

        self.objective_ = float(objective)
        self.dof_ = int(dof)
        self.chi_square_ = self.p_value_ = self.rmsea_ = self.tli_ = np.nan
        self.bic_ = np.nan
        if n_obs is None:
            return

        multiplier = (n_obs - 1) - (2 * p + 5) / 6 - 2 * m / 3
        chi_square = max(objective * multiplier, 0.0)
        null_objective = -np.linalg.slogdet(r)[1]
        null_dof = p * (p - 1) / 2
        self.chi_square_ = float(chi_square)
        if dof > 0:
            self.p_value_ = float(stats.chi2.sf(chi_square, dof))
            self.rmsea_ = float(
                np.sqrt(max(chi_square / (dof * n_obs) - 1 / (n_obs - 1), 0.0))
            )
            self.tli_ = float(
                (null_objective / null_dof - objective / dof)
                / (null_objective / null_dof - 1 / multiplier)
            )
        self.bic_ = float(chi_square - dof * np.log(n_obs))
