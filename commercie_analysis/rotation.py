"""Factor rotations: orthogonal and oblique, as R psych and GPArotation compute them.

A rotation turns an unrotated loading matrix ``A`` (items x factors) into a loading
matrix that is easier to read, without changing the fit of the factor model.
Orthogonal rotations give ``L = A @ T`` with ``T`` orthogonal; oblique rotations give
the pattern matrix ``L = A @ inv(T).T`` and the factor correlations
``phi = T.T @ T`` (``T`` has columns of unit length), the conventions of
GPArotation.

The iterative rotations use the gradient projection algorithms of Bernaards and
Jennrich (2005) in the form of GPArotation's ``GPForth`` / ``GPFoblq``; varimax and
promax follow ``stats::varimax`` and psych's ``kaiser`` / ``Promax``, which is what
``psych::fa`` calls for ``rotate = "varimax"`` and ``rotate = "promax"``.

Factor order and signs follow ``psych::fa`` (see :func:`sort_and_sign`): loadings,
factor correlations and rotation matrix are always permuted and sign-flipped
together.

References
----------
Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and
software for arbitrary rotation criteria in factor analysis. Educational and
Psychological Measurement, 65, 676-696.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .exceptions import ConvergenceWarning, DataError, ModelError

__all__ = [
    "ROTATIONS",
    "ALIASES",
    "ORTHOGONAL_ROTATIONS",
    "OBLIQUE_ROTATIONS",
    "RotationResult",
    "rotate",
    "sort_and_sign",
    "target_from_key",
]

ORTHOGONAL_ROTATIONS: tuple[str, ...] = (
    "none",
    "varimax",
    "quartimax",
    "equamax",
    "geomin_t",
    "target_orthogonal",
    "bentler_t",
)
OBLIQUE_ROTATIONS: tuple[str, ...] = (
    "promax",
    "oblimin",
    "quartimin",
    "geomin",
    "target",
    "bentler",
)
ROTATIONS: tuple[str, ...] = ORTHOGONAL_ROTATIONS + OBLIQUE_ROTATIONS

# GPArotation / psych names accepted as well: name -> (method, fully specified target).
ALIASES: dict[str, tuple[str, bool]] = {
    "geominQ": ("geomin", False),
    "geominT": ("geomin_t", False),
    "bentlerQ": ("bentler", False),
    "bentlerT": ("bentler_t", False),
    "pstQ": ("target", False),
    "pstT": ("target_orthogonal", False),
    "targetQ": ("target", True),
    "targetT": ("target_orthogonal", True),
}

# A criterion maps a loading matrix L to (value, gradient dQ/dL).
Criterion = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class RotationResult:
    """The result of a rotation.

    Attributes
    ----------
    loadings : ndarray of shape (n_items, n_factors)
        Rotated loadings (the pattern matrix for oblique rotations).
    phi : ndarray of shape (n_factors, n_factors)
        Factor correlations; the identity for orthogonal rotations.
    rotation_matrix : ndarray of shape (n_factors, n_factors)
        ``T`` as GPArotation defines it: ``loadings = A @ T`` for orthogonal
        rotations and ``loadings = A @ inv(T).T``, ``phi = T.T @ T`` for oblique
        ones, ``A`` being the unrotated loadings.
    criterion : float
        Value of the rotation criterion at the solution (GPArotation's ``f``,
        computed on the Kaiser-normalised loadings when ``normalize`` is on); NaN
        for ``"none"`` and ``"promax"``, which minimise no criterion.
    converged : bool
        Whether the best start met the convergence criterion.
    n_iter : int
        Iterations used by the best start.
    orthogonal : bool
        True for orthogonal rotations.
    method : str
        Name of the rotation, one of :data:`ROTATIONS`.
    start_criteria : ndarray of shape (n_starts,)
        Criterion value reached from each start (the first start is the
        identity). A spread between them reveals local optima.
    """

    loadings: np.ndarray
    phi: np.ndarray
    rotation_matrix: np.ndarray
    criterion: float
    converged: bool
    n_iter: int
    orthogonal: bool
    method: str
    start_criteria: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def structure(self) -> np.ndarray:
        """Structure matrix ``loadings @ phi`` (item-factor correlations)."""
        return self.loadings @ self.phi

    def sorted(self) -> RotationResult:
        """Return the result with factors ordered and signed as ``psych::fa`` does.

        Loadings, ``phi`` and ``rotation_matrix`` are permuted and sign-flipped
        together, so every identity in the class description still holds.

        Returns
        -------
        RotationResult
            A new result; this one is left unchanged.
        """
        loadings, phi, order, signs = sort_and_sign(self.loadings, self.phi)
        rotation_matrix = self.rotation_matrix[:, order] * signs
        return replace(
            self, loadings=loadings, phi=phi, rotation_matrix=rotation_matrix
        )


# --------------------------------------------------------------------------
# Rotation criteria, as GPArotation's vgQ.* functions define them.
# --------------------------------------------------------------------------


def _oblimin(gamma: float) -> Criterion:
    def criterion(L: np.ndarray) -> tuple[float, np.ndarray]:
        L2 = L**2
        X = L2.sum(axis=1, keepdims=True) - L2  # L^2 %*% (1 - I)
        if gamma != 0:
            X = X - gamma * X.mean(axis=0, keepdims=True)
        return float(np.sum(L2 * X) / 4), L * X

    return criterion


def _quartimax(L: np.ndarray) -> tuple[float, np.ndarray]:
    L2 = L**2
    return float(-np.sum(L2**2) / 4), -(L**3)


def _varimax(L: np.ndarray) -> tuple[float, np.ndarray]:
    QL = L**2 - np.mean(L**2, axis=0)
    return float(-np.sum(QL**2) / 4), -L * QL


def _crawford_ferguson(kappa: float) -> Criterion:
    def criterion(L: np.ndarray) -> tuple[float, np.ndarray]:
        L2 = L**2
        row = L2.sum(axis=1, keepdims=True) - L2  # L2 %*% N
        col = L2.sum(axis=0, keepdims=True) - L2  # M %*% L2
        f1 = (1 - kappa) * np.sum(L2 * row) / 4
        f2 = kappa * np.sum(L2 * col) / 4
        return float(f1 + f2), (1 - kappa) * L * row + kappa * L * col

    return criterion


def _geomin(delta: float) -> Criterion:
    def criterion(L: np.ndarray) -> tuple[float, np.ndarray]:
        k = L.shape[1]
        L2 = L**2 + delta
        pro = np.exp(np.log(L2).sum(axis=1) / k)
        return float(pro.sum()), (2 / k) * (L / L2) * pro[:, None]

    return criterion


def _partial_target(weights: np.ndarray, target: np.ndarray) -> Criterion:
    b_tilde = weights * target

    def criterion(L: np.ndarray) -> tuple[float, np.ndarray]:
        diff = weights * L - b_tilde
        return float(np.sum(diff**2)), 2 * diff

    return criterion


def _full_target(target: np.ndarray) -> Criterion:
    def criterion(L: np.ndarray) -> tuple[float, np.ndarray]:
        diff = L - target
        return float(np.sum(diff**2)), 2 * diff

    return criterion


def _bentler(L: np.ndarray) -> tuple[float, np.ndarray]:
    L2 = L**2
    M = L2.T @ L2
    d = np.diag(M)
    _, logdet = np.linalg.slogdet(M)
    gradient = -L * (L2 @ (np.linalg.inv(M) - np.diag(1 / d)))
    return float(-(logdet - np.sum(np.log(d))) / 4), gradient


# --------------------------------------------------------------------------
# Gradient projection algorithms (GPArotation's GPForth and GPFoblq).
# --------------------------------------------------------------------------


def _gpf_orthogonal(
    A: np.ndarray, T: np.ndarray, criterion: Criterion, eps: float, max_iter: int
) -> tuple[np.ndarray, float, bool, int]:
    alpha = 1.0
    L = A @ T
    f, Gq = criterion(L)
    G = A.T @ Gq
    s = np.inf
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 - the count is returned
        # Project the gradient onto the tangent space of the orthogonal group.
        M = T.T @ G
        Gp = G - T @ ((M + M.T) / 2)
        s = np.sqrt(np.sum(Gp**2))
        if s < eps:
            break

        # Step-halving line search along the projected gradient.
        alpha *= 2
        for _ in range(11):
            U, _, Vt = np.linalg.svd(T - alpha * Gp)
            T_new = U @ Vt
            L = A @ T_new
            f_new, Gq = criterion(L)
            if f_new < f - 0.5 * s**2 * alpha:
                break
            alpha /= 2
        T = T_new
        f = f_new
        G = A.T @ Gq
    return T, f, bool(s < eps), it


def _gpf_oblique(
    A: np.ndarray, T: np.ndarray, criterion: Criterion, eps: float, max_iter: int
) -> tuple[np.ndarray, float, bool, int]:
    alpha = 1.0
    T_inv = np.linalg.inv(T)
    L = A @ T_inv.T
    f, Gq = criterion(L)
    G = -(L.T @ Gq @ T_inv).T
    s = np.inf
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 - the count is returned
        # Project the gradient onto the manifold of unit-length columns.
        Gp = G - T * np.sum(T * G, axis=0)
        s = np.sqrt(np.sum(Gp**2))
        if s < eps:
            break

        # Step-halving line search along the projected gradient.
        alpha *= 2
        for _ in range(11):
            X = T - alpha * Gp
            T_new = X / np.sqrt(np.sum(X**2, axis=0))
            T_new_inv = np.linalg.inv(T_new)
            L = A @ T_new_inv.T
            f_new, Gq = criterion(L)
            if f - f_new > 0.5 * s**2 * alpha:
                break
            alpha /= 2
        T = T_new
        f = f_new
        G = -(L.T @ Gq @ T_new_inv).T
    return T, f, bool(s < eps), it


def _stats_varimax(
    A: np.ndarray, T: np.ndarray, eps: float, max_iter: int
) -> tuple[np.ndarray, float, bool, int]:
    # The algorithm of R's stats::varimax (SVD updates, relative stopping rule).
    p = A.shape[0]
    d = 0.0
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        z = A @ T
        B = A.T @ (z**3 - z * (np.sum(z**2, axis=0) / p))
        U, sv, Vt = np.linalg.svd(B)
        T = U @ Vt
        d_past = d
        d = float(np.sum(sv))
        if d < d_past * (1 + eps):
            converged = True
            break
    f, _ = _varimax(A @ T)
    return T, f, converged, it


# --------------------------------------------------------------------------
# Public functions.
# --------------------------------------------------------------------------


def _as_loadings(loadings: object) -> np.ndarray:
    A = np.array(loadings, dtype=float, copy=True)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or A.shape[0] < 2 or A.shape[1] < 1:
        raise DataError(
            "loadings: expected a 2-D matrix of items x factors with at least two "
            f"items and one factor, found shape {np.shape(loadings)}."
        )
    if not np.all(np.isfinite(A)):
        raise DataError("loadings: expected finite numbers, found NaN or infinity.")
    return A


def _as_matrix(name: str, value: object, shape: tuple[int, int]) -> np.ndarray:
    M = np.array(value, dtype=float, copy=True)
    if M.shape != shape:
        raise ModelError(
            f"{name}: expected a matrix of shape {shape} (items x factors, like the "
            f"loadings), found shape {M.shape}."
        )
    return M


def _random_orthogonal(k: int, rng: np.random.Generator) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((k, k)))
    return Q * np.sign(np.diag(R))


def _check_options(
    method: str,
    gamma: float,
    kappa: float | None,
    delta: float,
    target: object,
    weights: object,
    full_target: bool,
) -> None:
    # An option that the method would ignore is a mistake worth naming.
    given = {
        "gamma": (gamma != 0.0, ("oblimin",)),
        "kappa": (kappa is not None, ("equamax",)),
        "delta": (delta != 0.01, ("geomin", "geomin_t")),
        "target": (target is not None, ("target", "target_orthogonal")),
        "weights": (weights is not None, ("target", "target_orthogonal")),
        "full_target": (full_target, ("target", "target_orthogonal")),
    }
    for name, (is_set, methods) in given.items():
        if is_set and method not in methods:
            raise ModelError(
                f"{name}: only used by rotation {' / '.join(map(repr, methods))}, "
                f"not by {method!r}; leave it out or choose that rotation."
            )


def _criterion_for(
    method: str,
    A: np.ndarray,
    gamma: float,
    kappa: float | None,
    delta: float,
    target: object,
    weights: object,
    full_target: bool,
) -> Criterion:
    p, k = A.shape
    if method == "oblimin":
        return _oblimin(float(gamma))
    if method == "quartimin":
        return _oblimin(0.0)
    if method == "quartimax":
        return _quartimax
    if method == "equamax":
        return _crawford_ferguson(k / (2 * p) if kappa is None else float(kappa))
    if method in ("geomin", "geomin_t"):
        return _geomin(float(delta))
    if method in ("bentler", "bentler_t"):
        return _bentler
    if method in ("target", "target_orthogonal"):
        if target is None:
            raise ModelError(
                f"target: rotation {method!r} needs a target matrix (items x "
                "factors; NaN marks a loading left free), found None."
            )
        B = _as_matrix("target", target, A.shape)
        free = np.isnan(B)
        if full_target:
            if free.any() or weights is not None:
                raise ModelError(
                    "target: a fully specified target (full_target=True) needs a "
                    f"value in every cell and no weights; found {int(free.sum())} "
                    "NaN cells" + (" and weights." if weights is not None else ".")
                )
            return _full_target(B)
        if weights is None:
            W = (~free).astype(float)
        else:
            W = _as_matrix("weights", weights, A.shape)
            if not np.all(np.isfinite(W)):
                raise ModelError("weights: expected finite numbers, found NaN.")
        return _partial_target(W, np.where(free, 0.0, B))
    raise ModelError(  # pragma: no cover - guarded by rotate()
        f"method: unknown rotation {method!r}."
    )


def rotate(
    loadings: object,
    method: str = "oblimin",
    *,
    gamma: float = 0.0,
    kappa: float | None = None,
    power: int = 4,
    delta: float = 0.01,
    target: object = None,
    weights: object = None,
    full_target: bool = False,
    normalize: bool | None = None,
    n_starts: int = 1,
    random_state: int | np.random.Generator | None = None,
    max_iter: int = 1000,
    tol: float = 1e-5,
) -> RotationResult:
    """Rotate a loading matrix as ``psych::fa`` / GPArotation would.

    Parameters
    ----------
    loadings : array-like of shape (n_items, n_factors)
        Unrotated loadings ``A``.
    method : str, default="oblimin"
        One of :data:`ROTATIONS`. Orthogonal: ``"none"``, ``"varimax"``,
        ``"quartimax"``, ``"equamax"``, ``"geomin_t"``, ``"target_orthogonal"``,
        ``"bentler_t"``. Oblique: ``"promax"``, ``"oblimin"``, ``"quartimin"``,
        ``"geomin"``, ``"target"``, ``"bentler"``. The GPArotation names in
        :data:`ALIASES` (``"geominQ"``, ``"pstQ"``, ``"targetQ"``, ...) are
        accepted too; ``result.method`` gives the name above.
    gamma : float, default=0.0
        Oblimin's gamma (0 quartimin, 0.5 biquartimin, 1 covarimin).
    kappa : float, optional
        Crawford-Ferguson kappa for ``"equamax"``; by default
        ``n_factors / (2 * n_items)``, the value that defines equamax.
    power : int, default=4
        Promax power ``m``.
    delta : float, default=0.01
        Geomin's delta.
    target : array-like of shape (n_items, n_factors), optional
        Target for ``"target"`` / ``"target_orthogonal"``. By default the target
        is partially specified (GPArotation's ``pstQ`` / ``pstT``): NaN cells are
        left free and the others are pulled towards their value. See
        :func:`target_from_key`.
    weights : array-like of shape (n_items, n_factors), optional
        Explicit ``pst`` weights ``W`` (default: 0 for NaN target cells, 1
        elsewhere).
    full_target : bool, default=False
        Fully specified target (GPArotation's ``targetQ`` / ``targetT``): every
        cell of ``target`` is a value to approach.
    normalize : bool, optional
        Kaiser normalisation (rows scaled to unit length during the rotation).
        By default on for ``"varimax"`` and ``"promax"`` and off for the others,
        which is what ``psych::fa`` does.
    n_starts : int, default=1
        Number of starts; the first is the identity, the others random
        orthogonal matrices drawn with ``random_state``. The solution with the
        lowest criterion is kept.
    random_state : int or numpy.random.Generator, optional
        Seed of the random starts.
    max_iter : int, default=1000
        Maximum number of iterations per start.
    tol : float, default=1e-5
        Convergence tolerance (GPArotation's ``eps``; the relative tolerance of
        ``stats::varimax`` for varimax).

    Returns
    -------
    RotationResult
        Loadings, factor correlations, rotation matrix and criterion, in the
        factor order of the algorithm; call :meth:`RotationResult.sorted` (or
        :func:`sort_and_sign`) for psych's order and signs.

    Raises
    ------
    ModelError
        For an unknown method, an option the method does not use (``gamma``
        without oblimin, ``target`` without a target rotation, ...), a missing or
        misshapen target, or bad iteration settings.
    DataError
        For loadings that are not a finite items x factors matrix, or an item
        with all loadings 0 under Kaiser normalisation.

    Warns
    -----
    ConvergenceWarning
        If the best start did not converge within ``max_iter`` iterations.

    Notes
    -----
    Each method reproduces the call ``psych::fa`` (psych 2.2.9, GPArotation
    2022.10.2) makes:

    - ``"varimax"``: ``stats::varimax(A)`` (Kaiser normalisation, ``eps=1e-5``);
      the criterion reported is GPArotation's varimax ``f`` on the normalised
      rotated loadings, ``-sum((L^2 - colmeans(L^2))^2) / 4``.
    - ``"promax"``: ``psych::kaiser(A, rotate="Promax")``: rows normalised,
      varimax, target ``Q = L * |L|^(m-1)``, least-squares ``U`` rescaled so
      that ``diag(inv(U'U)) = 1``, rows de-normalised. ``normalize=False`` gives
      psych's ``"Promax"`` (no outer normalisation).
    - ``"quartimax"``, ``"geomin_t"``, ``"bentler_t"``: GPArotation's
      ``quartimax``, ``geominT`` and ``bentlerT``.
    - ``"equamax"``: ``psych::equamax``, that is GPArotation's ``cfT`` with
      ``kappa = m / (2p)``.
    - ``"oblimin"``, ``"quartimin"``, ``"geomin"``, ``"bentler"``: GPArotation's
      ``oblimin(gam=gamma)``, ``quartimin``, ``geominQ(delta=0.01)`` and
      ``bentlerQ``.
    - ``"target"`` / ``"target_orthogonal"``: ``pstQ`` / ``pstT`` with
      ``W = !is.na(target)``, or ``targetQ`` / ``targetT`` with
      ``full_target=True``.

    Validated against those R calls on the minres loadings of bfi (25 items,
    complete cases, 5 factors) and on small matrices of known rotation; see
    ``docs/rotation.md``. A single factor is returned unrotated (GPArotation
    refuses it and ``psych::fa`` skips the rotation).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, -0.7], [0.4, -0.6]])
    >>> res = rotate(A, "varimax")
    >>> bool(np.allclose(res.loadings @ res.loadings.T, A @ A.T))
    True
    >>> ob = rotate(A, "oblimin")
    >>> bool(np.allclose(ob.loadings @ ob.phi @ ob.loadings.T, A @ A.T))
    True
    """
    # Check the arguments.
    A = _as_loadings(loadings)
    if method in ALIASES:
        method, full = ALIASES[method]
        full_target = full_target or full
    if method not in ROTATIONS:
        raise ModelError(
            f"method: expected one of {', '.join(ROTATIONS)} (or the R names "
            f"{', '.join(ALIASES)}); found {method!r}."
        )
    _check_options(method, gamma, kappa, delta, target, weights, full_target)
    if not isinstance(n_starts, int | np.integer) or n_starts < 1:
        raise ModelError(f"n_starts: expected an integer >= 1, found {n_starts!r}.")
    if not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ModelError(f"max_iter: expected an integer >= 1, found {max_iter!r}.")
    if not tol > 0:
        raise ModelError(f"tol: expected a positive number, found {tol!r}.")
    if method == "promax" and not power > 1:
        raise ModelError(f"power: expected a number > 1 for promax, found {power!r}.")
    p, k = A.shape
    orthogonal = method in ORTHOGONAL_ROTATIONS
    if normalize is None:
        normalize = method in ("varimax", "promax")

    # No rotation, or nothing to rotate.
    criterion_fn = None
    if method not in ("none", "varimax", "promax"):
        criterion_fn = _criterion_for(
            method, A, gamma, kappa, delta, target, weights, full_target
        )
    if method == "none" or k == 1:
        criterion = np.nan if criterion_fn is None else criterion_fn(A)[0]
        return RotationResult(
            loadings=A,
            phi=np.eye(k),
            rotation_matrix=np.eye(k),
            criterion=float(criterion),
            converged=True,
            n_iter=0,
            orthogonal=orthogonal,
            method=method,
            start_criteria=np.array([criterion], dtype=float),
        )

    # Kaiser normalisation: rotate rows of unit length, scale back at the end.
    weights_rows = np.sqrt(np.sum(A**2, axis=1)) if normalize else np.ones(p)
    if np.any(weights_rows == 0):
        raise DataError(
            "loadings: Kaiser normalisation needs every item to have a non-zero "
            f"loading; rows {np.flatnonzero(weights_rows == 0).tolist()} are all 0."
        )
    An = A / weights_rows[:, None]

    # Run every start and keep the lowest criterion.
    rng = np.random.default_rng(random_state)
    starts = [np.eye(k)] + [_random_orthogonal(k, rng) for _ in range(n_starts - 1)]
    runs = []
    for T0 in starts:
        if method == "varimax":
            runs.append(_stats_varimax(An, T0, tol, max_iter))
        elif method == "promax":
            # psych's Promax calls stats::varimax, which always normalises rows.
            rows = np.sqrt(np.sum(A**2, axis=1))[:, None]
            runs.append(_stats_varimax(A / rows, T0, tol, max_iter))
        elif orthogonal:
            runs.append(_gpf_orthogonal(An, T0, criterion_fn, tol, max_iter))
        else:
            runs.append(_gpf_oblique(An, T0, criterion_fn, tol, max_iter))
    start_criteria = np.array([run[1] for run in runs])
    best = int(np.argmin(start_criteria))
    T, criterion, converged, n_iter = runs[best]
    if not converged:
        warnings.warn(
            f"rotation {method!r} did not converge: {n_iter} iterations used "
            f"(max_iter={max_iter}, tol={tol}).",
            ConvergenceWarning,
            stacklevel=2,
        )

    # Rotated loadings and factor correlations.
    if method == "promax":
        T, L = _promax_step(A, An if normalize else A, T, power)
        criterion = np.nan
    elif orthogonal:
        L = An @ T * weights_rows[:, None]
    else:
        L = An @ np.linalg.inv(T).T * weights_rows[:, None]
    phi = np.eye(k) if orthogonal else T.T @ T
    return RotationResult(
        loadings=L,
        phi=phi,
        rotation_matrix=T,
        criterion=float(criterion),
        converged=converged,
        n_iter=int(n_iter),
        orthogonal=orthogonal,
        method=method,
        start_criteria=start_criteria,
    )


def _promax_step(
    A: np.ndarray, X: np.ndarray, T_varimax: np.ndarray, power: int
) -> tuple[np.ndarray, np.ndarray]:
    # psych::Promax after its varimax: least-squares fit of X @ T_varimax to the
    # powered target, columns rescaled so that the factors have unit variance.
    V = X @ T_varimax
    Q = V * np.abs(V) ** (power - 1)
    U = np.linalg.lstsq(V, Q, rcond=None)[0]
    U = U * np.sqrt(np.diag(np.linalg.inv(U.T @ U)))
    U = T_varimax @ U
    L = A @ U
    return np.linalg.inv(U).T, L


def sort_and_sign(
    loadings: object, phi: object = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Order and sign factors as ``psych::fa`` does after a rotation.

    Each factor is flipped so that its loadings sum to a non-negative number;
    factors are then ordered by decreasing ``diag(phi @ L.T @ L)`` (the sum of
    squared loadings for orthogonal solutions, the sum over items of pattern
    times structure for oblique ones). ``phi`` is permuted and sign-flipped with
    the loadings, so the structure matrix ``L @ phi`` follows them.

    Parameters
    ----------
    loadings : array-like of shape (n_items, n_factors)
        Loadings (pattern matrix).
    phi : array-like of shape (n_factors, n_factors), optional
        Factor correlations; the identity when omitted.

    Returns
    -------
    loadings : ndarray
        Reordered and sign-flipped loadings.
    phi : ndarray
        ``phi`` reordered and sign-flipped alike.
    order : ndarray of int
        ``order[j]`` is the original column of new factor ``j``.
    signs : ndarray of float
        Sign (+1 or -1) applied to each new factor.

    Notes
    -----
    Taken from ``psych:::fac`` (psych 2.2.9): ``signed <- sign(colSums(L))``
    (0 counted as +1), then ``order(diag(Phi %*% t(L) %*% L), decreasing =
    TRUE)``. Ties keep the original order, as R's ``order`` does. A single
    factor is only flipped so that positive loadings dominate.

    Examples
    --------
    >>> L = np.array([[-0.1, 0.2], [-0.2, 0.7], [-0.1, 0.6]])
    >>> new, phi, order, signs = sort_and_sign(L)
    >>> order.tolist(), signs.tolist()
    ([1, 0], [1.0, -1.0])
    """
    L = _as_loadings(loadings)
    k = L.shape[1]
    P = np.eye(k) if phi is None else np.array(phi, dtype=float, copy=True)
    if P.shape != (k, k):
        raise DataError(
            f"phi: expected a {k} x {k} matrix to match the loadings, found shape "
            f"{P.shape}."
        )

    # Flip each factor so that its loadings sum to a non-negative number.
    signs = np.sign(L.sum(axis=0))
    signs[signs == 0] = 1.0
    L = L * signs
    P = P * np.outer(signs, signs)

    # Order by decreasing variance accounted for.
    explained = np.diag(P @ L.T @ L)
    order = np.argsort(-explained, kind="stable")
    return L[:, order], P[np.ix_(order, order)], order, signs[order]


def target_from_key(key: object, *, full: bool = False) -> np.ndarray:
    """Build a rotation target from a key matrix.

    Parameters
    ----------
    key : array-like of shape (n_items, n_constructs)
        Key of the instrument: +1 / -1 where an item is keyed (positively /
        negatively) on a construct, 0 elsewhere (as
        ``Instrument.key_matrix()`` gives it).
    full : bool, default=False
        False gives the partially specified target: keyed cells NaN (free),
        cross-loadings 0. True gives a fully specified target: the key itself
        (keyed cells +1 / -1, cross-loadings 0), to use with
        ``full_target=True``.

    Returns
    -------
    ndarray of shape (n_items, n_constructs)
        The target.

    Examples
    --------
    >>> target_from_key([[1, 0], [-1, 0], [0, 1]])
    array([[nan,  0.],
           [nan,  0.],
           [ 0., nan]])
    """
    K = np.array(key, dtype=float, copy=True)
    if K.ndim != 2 or not np.all(np.isfinite(K)):
        raise DataError(
            f"key: expected a finite 2-D matrix of items x constructs, found shape "
            f"{K.shape}."
        )
    if full:
        return K
    return np.where(K != 0, np.nan, 0.0)
