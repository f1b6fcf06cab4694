"""Omega reliability: Schmid-Leiman transformation, omega total and hierarchical.

:func:`schmid_leiman` turns an oblique factor solution into a bifactor-like solution
with one general factor (a second-order factor of the factor correlations) and group
factors orthogonal to it, as ``psych::schmid`` does. :func:`omega` runs the whole
chain of ``psych::omega`` on responses or a correlation matrix: extraction, varimax,
oblique rotation, Schmid-Leiman, then omega hierarchical, omega total and the
per-group table.

Item reversal is never automatic here: the keys of the instrument say which items
are reversed (``keys``). ``psych::omega`` reverses, by default, every item whose
general loading is negative (``flip = TRUE``); ``flip=True`` reproduces that on
request and reports the items it reversed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._threads import with_one_blas_thread
from .exceptions import DataError, ModelError, ReliabilityWarning
from .factoring import FactorAnalysis, pearson_complete_cases
from .rotation import OBLIQUE_ROTATIONS, rotate

__all__ = ["SchmidLeiman", "OmegaResult", "schmid_leiman", "omega"]

_TWO_FACTOR_OPTIONS = ("equal", "first", "second")


@dataclass(frozen=True)
class SchmidLeiman:
    """A Schmid-Leiman solution.

    Attributes
    ----------
    general : ndarray of shape (n_items,)
        Loadings on the general factor, ``pattern @ second_order``.
    group : ndarray of shape (n_items, n_factors)
        Loadings on the group factors, orthogonal to the general factor.
    communality : ndarray of shape (n_items,)
        ``h2``, the common variance of each item, ``diag(P Phi P')``.
    uniqueness : ndarray of shape (n_items,)
        ``u2 = 1 - h2``.
    p2 : ndarray of shape (n_items,)
        Share of the common variance due to the general factor, ``general^2 / h2``.
    second_order : ndarray of shape (n_factors,)
        Loadings of the first-order factors on the general factor.
    pattern : ndarray of shape (n_items, n_factors)
        The oblique pattern matrix the transformation started from.
    phi : ndarray of shape (n_factors, n_factors)
        Its factor correlations.
    """

    general: np.ndarray
    group: np.ndarray
    communality: np.ndarray
    uniqueness: np.ndarray
    p2: np.ndarray
    second_order: np.ndarray
    pattern: np.ndarray
    phi: np.ndarray


@dataclass(frozen=True)
class OmegaResult:
    """Omega coefficients of a set of items.

    Attributes
    ----------
    omega_hierarchical : float
        ``(sum g)^2 / V``, the share of total score variance due to the general
        factor (``V`` the sum of the item correlation matrix, keyed items reversed).
    omega_total : float
        ``(V - sum u2) / V``, the share due to all common factors.
    omega_limit : float
        ``(sum g)^2 / (V - sum u2)``, psych's ``omega.lim`` (omega hierarchical of
        an infinitely long test).
    alpha : float
        Standardised coefficient alpha on the same correlations.
    g6 : float
        Guttman's lambda 6.
    ecv : float
        Explained common variance of the general factor.
    n_obs : int or None
        Respondents used (complete cases), when responses were given.
    n_factors : int
        Number of group factors.
    loadings : DataFrame
        Items x (``g``, ``F1*`` ... ``Fk*``, ``h2``, ``u2``, ``p2``), psych's
        ``schmid$sl``.
    omega_group : DataFrame
        psych's ``omega.group``: for the general factor and each group factor
        (items assigned to the group factor they load most on), columns
        ``total``, ``general`` and ``group``.
    omega_subscales : DataFrame or None
        With a key matrix: the same three columns for each construct of the key
        over the items keyed on it, plus ``n_items`` and ``group_factor`` (the
        group factor those items load most on).
    item_signs : Series
        +1 or -1 per item: how each item entered the analysis.
    flipped_items : tuple of str
        Items reversed because of ``flip=True`` (psych's automatic reversal).
    schmid : SchmidLeiman
        The Schmid-Leiman solution behind the coefficients (after any reversal).
    """

    omega_hierarchical: float
    omega_total: float
    omega_limit: float
    alpha: float
    g6: float
    ecv: float
    n_obs: int | None
    n_factors: int
    loadings: pd.DataFrame
    omega_group: pd.DataFrame
    omega_subscales: pd.DataFrame | None
    item_signs: pd.Series
    flipped_items: tuple[str, ...]
    schmid: SchmidLeiman


# --------------------------------------------------------------------------
# Schmid-Leiman
# --------------------------------------------------------------------------


def _second_order(phi: np.ndarray, method: str, option: str) -> np.ndarray:
    k = phi.shape[0]
    if k == 1:
        return np.ones(1)
    if k == 2:
        # Two factors cannot identify a second-order factor: psych's options.
        r = phi[0, 1]
        if option == "equal":
            return np.array([np.sqrt(abs(r)), np.sign(r) * np.sqrt(abs(r))])
        if option == "first":
            return np.array([1.0, r])
        return np.array([r, 1.0])
    fa = FactorAnalysis(1, method=method, rotation="none").fit(correlation=phi)
    return fa.loadings_.to_numpy()[:, 0]


def schmid_leiman(
    loadings: object, phi: object, *, method: str = "minres", option: str = "equal"
) -> SchmidLeiman:
    """Schmid-Leiman transformation of an oblique factor solution.

    Parameters
    ----------
    loadings : array-like of shape (n_items, n_factors)
        Oblique pattern matrix ``P``.
    phi : array-like of shape (n_factors, n_factors)
        Factor correlations.
    method : {"minres", "ml", "pa"}, default="minres"
        Extraction method of the second-order factor (three factors or more).
    option : {"equal", "first", "second"}, default="equal"
        With two factors the second-order loadings are not identified: "equal"
        sets both to ``sqrt(|phi_12|)`` (the second with the sign of ``phi_12``),
        "first" sets the first to 1, "second" the second to 1 (psych's options).

    Returns
    -------
    SchmidLeiman

    Notes
    -----
    With ``gamma`` the second-order loadings (a one-factor ``method`` fit of
    ``phi`` for three factors or more), the general loadings are ``g = P gamma``
    and the group loadings ``sign(P) sqrt(max(P^2 (1 - gamma^2), 0))``
    column by column; ``h2 = diag(P Phi P')``, ``u2 = 1 - h2``. This is
    ``psych::schmid(P, Phi = phi)`` (psych 2.2.9), validated on bfi with five
    factors to 1e-4.

    Examples
    --------
    >>> P = np.array([[0.7, 0.0, 0.0], [0.6, 0.0, 0.0], [0.0, 0.7, 0.0],
    ...               [0.0, 0.6, 0.0], [0.0, 0.0, 0.7], [0.0, 0.0, 0.6]])
    >>> phi = np.array([[1.0, 0.48, 0.42], [0.48, 1.0, 0.56], [0.42, 0.56, 1.0]])
    >>> sl = schmid_leiman(P, phi)
    >>> np.round(sl.second_order, 3).tolist()
    [0.6, 0.8, 0.7]
    >>> np.round(sl.general[:2], 3).tolist()
    [0.42, 0.36]
    """
    P = np.array(loadings, dtype=float, copy=True)
    if P.ndim != 2 or not np.all(np.isfinite(P)):
        raise DataError(
            f"loadings: expected a finite 2-D items x factors matrix, found shape "
            f"{P.shape}."
        )
    k = P.shape[1]
    Phi = np.array(phi, dtype=float, copy=True)
    if Phi.shape != (k, k) or not np.allclose(Phi, Phi.T, atol=1e-8):
        raise DataError(
            f"phi: expected a symmetric {k} x {k} matrix to match the loadings, "
            f"found shape {Phi.shape}."
        )
    if option not in _TWO_FACTOR_OPTIONS:
        raise ModelError(
            f"option: expected one of {', '.join(_TWO_FACTOR_OPTIONS)}; found "
            f"{option!r}."
        )

    # The general factor: second-order loadings carried down to the items.
    gamma = _second_order((Phi + Phi.T) / 2, method, option)
    general = P @ gamma

    # Group factors: what is left of each first-order factor.
    residual = P**2 - (P * gamma) ** 2
    group = np.sign(P) * np.sqrt(np.clip(residual, 0.0, None))

    communality = np.sum((P @ Phi) * P, axis=1)
    return SchmidLeiman(
        general=general,
        group=group,
        communality=communality,
        uniqueness=1.0 - communality,
        p2=general**2 / communality,
        second_order=gamma,
        pattern=P,
        phi=Phi,
    )


# --------------------------------------------------------------------------
# Omega
# --------------------------------------------------------------------------


def _correlation_input(
    data_or_corr: object, n_obs: int | None
) -> tuple[np.ndarray, list[str], int | None]:
    frame = pd.DataFrame(data_or_corr)
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    square = values.shape[0] == values.shape[1]
    if (
        square
        and np.all(np.isfinite(values))
        and np.allclose(values, values.T, atol=1e-10)
        and np.allclose(np.diag(values), 1.0)
    ):
        names = [str(c) for c in frame.columns]
        return values, names, n_obs

    # Responses: Pearson correlations on complete cases, one set of respondents.
    return pearson_complete_cases(frame, "data_or_corr")


def _item_signs(
    keys: object, names: list[str]
) -> tuple[np.ndarray, pd.DataFrame | None]:
    p = len(names)
    if keys is None:
        return np.ones(p), None

    if isinstance(keys, pd.DataFrame | pd.Series):
        missing = [n for n in names if n not in keys.index]
        if missing:
            raise DataError(
                f"keys: no key for item(s) {', '.join(missing)}; give a row for "
                "every item analysed."
            )
        keys = keys.loc[names]
    K = keys if isinstance(keys, pd.DataFrame) else np.asarray(keys, dtype=float)
    K_values = np.asarray(K, dtype=float)
    if K_values.shape[0] != p or K_values.ndim not in (1, 2):
        raise DataError(
            f"keys: expected {p} item signs or a {p} x constructs key matrix, found "
            f"shape {K_values.shape}."
        )
    if not np.all(np.isin(K_values, (-1.0, 0.0, 1.0))):
        raise DataError("keys: expected only -1, 0 and +1.")

    if K_values.ndim == 1:
        if np.any(K_values == 0):
            raise DataError("keys: an item sign must be +1 or -1, found 0.")
        return K_values, None

    # A key matrix: an item takes the sign of its keyed entries.
    conflicting = [
        names[i]
        for i in range(p)
        if np.any(K_values[i] > 0) and np.any(K_values[i] < 0)
    ]
    if conflicting:
        raise DataError(
            f"keys: item(s) {', '.join(conflicting)} are keyed positively on one "
            "construct and in reverse on another; give item signs instead."
        )
    signs = np.where(np.any(K_values < 0, axis=1), -1.0, 1.0)
    if not isinstance(K, pd.DataFrame):
        K = pd.DataFrame(
            K_values, index=names, columns=[f"C{j + 1}" for j in range(K.shape[1])]
        )
    return signs, K


def _omega_by_group(
    r: np.ndarray, general: np.ndarray, group: np.ndarray, members: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    # psych's omega.group formulas, for the item sets in `members` (one per group).
    total, gen, grp = (np.full(len(members), np.nan) for _ in range(3))
    squares = 0.0
    for j, items in enumerate(members):
        if len(items) == 0:
            continue
        v = r[np.ix_(items, items)].sum()
        gr = group[items, j].sum()
        gg = general[items].sum()
        squares += gr**2
        total[j] = (gr**2 + gg**2) / v
        gen[j] = gg**2 / v
        grp[j] = gr**2 / v
    return total, gen, grp, squares


@with_one_blas_thread
def omega(
    data_or_corr: object,
    n_factors: int = 3,
    *,
    keys: object = None,
    flip: bool = False,
    method: str = "minres",
    rotation: str = "oblimin",
    option: str = "equal",
    n_obs: int | None = None,
) -> OmegaResult:
    """Omega hierarchical and omega total, as ``psych::omega`` computes them.

    Parameters
    ----------
    data_or_corr : DataFrame or array-like
        Responses (respondents x items; Pearson correlations on the complete
        cases) or an item correlation matrix (Pearson, polychoric, ...).
    n_factors : int, default=3
        Number of group factors (psych's default is 3).
    keys : DataFrame, Series or array-like, optional
        The instrument's key: item signs (+1 / -1 per item) or a key matrix
        (items x constructs of +1, -1 and 0, as ``Instrument.key_matrix()``
        gives). Reverse-keyed items are reversed before the analysis; with a key
        matrix, ``omega_subscales`` is filled per construct.
    flip : bool, default=False
        Reverse every item whose general loading is negative, as
        ``psych::omega`` does by default; the reversed items are reported in
        ``flipped_items``. Cannot be combined with ``keys``.
    method : {"minres", "ml", "pa"}, default="minres"
        Extraction method (of the first- and second-order factors).
    rotation : str, default="oblimin"
        Oblique rotation applied to the varimax solution (one of
        :data:`~commercie_analysis.rotation.OBLIQUE_ROTATIONS` but ``"target"``).
    option : {"equal", "first", "second"}, default="equal"
        Second-order loadings with two factors, see :func:`schmid_leiman`.
    n_obs : int, optional
        Respondents behind a correlation matrix (reported only).

    Returns
    -------
    OmegaResult

    Warns
    -----
    ReliabilityWarning
        If items keep a negative general loading (they lower omega hierarchical;
        the message names them), or with a single factor, where omega
        hierarchical is not meaningful.

    Notes
    -----
    The chain of ``psych::omega(m, nfactors, fm = method, rotate = rotation)``
    (psych 2.2.9): correlations ``R`` (reversed items negated, ``D R D``), a
    ``method`` extraction rotated by varimax (psych ``fa(rotate = "varimax")``),
    the oblique rotation of those varimax loadings from the identity, and
    :func:`schmid_leiman`. With ``V = sum(R)``,
    ``omega_h = (sum g)^2 / V``, ``omega_t = (V - sum u2) / V``,
    ``alpha = (V - p) / V * p / (p - 1)`` and
    ``G6 = (V + sum smc - p) / V``.

    Validated against psych 2.2.9 on bfi (25 items, 2436 complete cases) with 3
    and 5 factors, minres and ml, with ``key`` and with psych's default
    ``flip = TRUE``: coefficients to 1e-3 and loadings to 1e-3.

    Differences from psych: items are reversed only through ``keys`` (or
    ``flip=True`` on request), never silently; responses are correlated on
    complete cases (psych uses pairwise deletion), so that every coefficient
    rests on the same respondents; covariance matrices are not supported.

    Examples
    --------
    Three factors of three items each, correlated through a second-order factor
    with loadings 0.6, 0.8 and 0.7; by hand, ``omega_t = (V - sum u2) / V =
    0.771`` and ``omega_h = (sum g)^2 / V = 0.574`` with ``g = P (0.6, 0.8, 0.7)``.

    >>> P = np.kron(np.eye(3), [[0.7], [0.6], [0.5]])
    >>> phi = np.array([[1.0, 0.48, 0.42], [0.48, 1.0, 0.56], [0.42, 0.56, 1.0]])
    >>> R = P @ phi @ P.T
    >>> np.fill_diagonal(R, 1.0)
    >>> res = omega(R, n_factors=3)
    >>> round(res.omega_total, 3), round(res.omega_hierarchical, 3)
    (0.771, 0.574)
    """
    # Check the settings.
    if isinstance(n_factors, bool) or not isinstance(n_factors, int | np.integer):
        raise DataError(f"n_factors: expected a whole number >= 1, found {n_factors!r}")
    if rotation not in OBLIQUE_ROTATIONS or rotation == "target":
        allowed = [m for m in OBLIQUE_ROTATIONS if m != "target"]
        raise ModelError(
            f"rotation: the Schmid-Leiman transformation needs an oblique rotation, "
            f"one of {', '.join(allowed)}; found {rotation!r}."
        )
    if keys is not None and flip:
        raise ModelError(
            "flip: give either keys (the instrument's reversed items) or flip=True "
            "(reverse items by the sign of their general loading), not both."
        )

    # Correlations, with the reverse-keyed items reversed.
    r, names, n_obs = _correlation_input(data_or_corr, n_obs)
    signs, key_matrix = _item_signs(keys, names)
    r = r * np.outer(signs, signs)

    # Extraction, varimax, then the oblique rotation of the varimax loadings.
    fa = FactorAnalysis(n_factors, method=method, rotation="varimax").fit(
        correlation=pd.DataFrame(r, index=names, columns=names), n_obs=n_obs
    )
    oblique = rotate(fa.loadings_.to_numpy(), rotation)
    sl = schmid_leiman(oblique.loadings, oblique.phi, method=method, option=option)
    if n_factors == 1:
        warnings.warn(
            "omega with one factor: omega hierarchical equals omega total and says "
            "nothing about a general factor; use three factors or more.",
            ReliabilityWarning,
            stacklevel=2,
        )

    # psych's automatic reversal, on request only.
    flipped: tuple[str, ...] = ()
    if flip:
        turn = np.where(sl.general < 0, -1.0, 1.0)
        flipped = tuple(n for n, t in zip(names, turn, strict=True) if t < 0)
        r = r * np.outer(turn, turn)
        signs = signs * turn
        sl = SchmidLeiman(
            general=sl.general * turn,
            group=sl.group * turn[:, None],
            communality=sl.communality,
            uniqueness=sl.uniqueness,
            p2=sl.p2,
            second_order=sl.second_order,
            pattern=sl.pattern * turn[:, None],
            phi=sl.phi,
        )
    negative = [n for n, g in zip(names, sl.general, strict=True) if g < 0]
    if negative:
        warnings.warn(
            f"item(s) {', '.join(negative)} load negatively on the general factor "
            "and lower omega hierarchical. That is expected when a construct is "
            "scored in the opposite direction to the others (neuroticism next to "
            "the other Big Five traits, say); otherwise check their keying (the "
            "keys argument, or the instrument's reverse keys).",
            ReliabilityWarning,
            stacklevel=2,
        )

    # The coefficients.
    p = len(names)
    v_total = r.sum()
    unique = sl.uniqueness.sum()
    g_squared = sl.general.sum() ** 2
    smc = 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    ev_general = np.sum(sl.general**2)

    # psych's omega.group: items assigned to the group factor they load most on.
    assigned = np.argmax(np.abs(sl.group), axis=1)
    members = [np.flatnonzero(assigned == j) for j in range(n_factors)]
    total, gen, grp, squares = _omega_by_group(r, sl.general, sl.group, members)
    factors = [f"F{j + 1}*" for j in range(n_factors)]
    omega_group = pd.DataFrame(
        {
            "total": [(v_total - unique) / v_total, *total],
            "general": [g_squared / v_total, *gen],
            "group": [squares / v_total, *grp],
        },
        index=["g", *factors],
    )

    # The same per construct of the key.
    subscales = None
    if key_matrix is not None:
        subscales = _subscales(r, sl, key_matrix, factors)

    loadings = pd.DataFrame(sl.group, index=names, columns=factors)
    loadings.insert(0, "g", sl.general)
    loadings["h2"] = sl.communality
    loadings["u2"] = sl.uniqueness
    loadings["p2"] = sl.p2
    return OmegaResult(
        omega_hierarchical=float(g_squared / v_total),
        omega_total=float((v_total - unique) / v_total),
        omega_limit=float(g_squared / (v_total - unique)),
        alpha=float((v_total - p) / v_total * p / (p - 1)),
        g6=float((v_total + smc.sum() - p) / v_total),
        ecv=float(ev_general / (ev_general + np.sum(sl.group**2))),
        n_obs=n_obs,
        n_factors=int(n_factors),
        loadings=loadings,
        omega_group=omega_group,
        omega_subscales=subscales,
        item_signs=pd.Series(signs, index=names, name="sign"),
        flipped_items=flipped,
        schmid=sl,
    )


def _subscales(
    r: np.ndarray, sl: SchmidLeiman, key_matrix: pd.DataFrame, factors: list[str]
) -> pd.DataFrame:
    rows = []
    for construct in key_matrix.columns:
        items = np.flatnonzero(key_matrix[construct].to_numpy(dtype=float) != 0)
        if len(items) == 0:
            continue
        j = int(np.argmax(np.sum(sl.group[items] ** 2, axis=0)))
        group = np.zeros_like(sl.group)
        group[:, 0] = sl.group[:, j]
        total, gen, grp, _ = _omega_by_group(r, sl.general, group, [items])
        rows.append(
            {
                "construct": str(construct),
                "n_items": len(items),
                "group_factor": factors[j],
                "total": total[0],
                "general": gen[0],
                "group": grp[0],
            }
        )
    return pd.DataFrame(rows).set_index("construct")
