"""How many factors? Parallel analysis, Velicer's MAP and the scree.

Each criterion answers the question on its own terms; :func:`n_factors_summary` puts
their suggestions side by side with the number of constructs in the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._threads import with_one_blas_thread
from .exceptions import DataError
from .factoring import extract_loadings

__all__ = [
    "ParallelAnalysis",
    "parallel_analysis",
    "velicer_map",
    "n_factors_summary",
]

BASES = ("factor", "component")


@dataclass(frozen=True)
class ParallelAnalysis:
    """Result of a parallel analysis.

    Attributes
    ----------
    eigenvalues : DataFrame
        One row per position (1..p) with ``observed_<basis>`` and
        ``simulated_<basis>`` for each basis analysed: the observed eigenvalues and
        the mean or quantile of those of random data of the same size.
    suggestion : dict of str to int
        Per basis, the number of observed eigenvalues that exceed the simulated ones
        before the first that does not.
    n_iter, n_obs : int
        Random data sets drawn, and respondents in each.
    quantile : float or None
        The quantile of the random eigenvalues compared with, or None for the mean.
    seed : int or None
        Seed of the random draws.
    """

    eigenvalues: pd.DataFrame
    suggestion: dict[str, int]
    n_iter: int
    n_obs: int
    quantile: float | None
    seed: int | None
    bases: tuple[str, ...] = field(default=BASES)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary of the result."""
        return {
            "n_iter": self.n_iter,
            "n_obs": self.n_obs,
            "threshold": "mean" if self.quantile is None else f"q{self.quantile:g}",
            "seed": self.seed,
            "suggestion": dict(self.suggestion),
            **{
                column: [float(v) for v in self.eigenvalues[column]]
                for column in self.eigenvalues.columns
            },
        }


def _factor_eigenvalues(r: np.ndarray) -> np.ndarray:
    # psych fa.parallel: eigenvalues of R with the communalities of a one-factor
    # minres solution on the diagonal. Random data often give an improper
    # one-factor solution; as in psych (warnings = FALSE), that is no concern here.
    loadings, _, _ = extract_loadings(r, 1, "minres")
    reduced = r.copy()
    np.fill_diagonal(reduced, np.sum(loadings**2, axis=1))
    return np.sort(np.linalg.eigvalsh(reduced))[::-1]


def _eigenvalues(r: np.ndarray, basis: str) -> np.ndarray:
    if basis == "component":
        return np.sort(np.linalg.eigvalsh(r))[::-1]
    return _factor_eigenvalues(r)


def _first_not_exceeding(observed: np.ndarray, simulated: np.ndarray) -> int:
    below = np.flatnonzero(~(observed > simulated))
    return int(below[0]) if below.size else len(observed)


@with_one_blas_thread
def parallel_analysis(
    correlation,
    n_obs: int,
    *,
    n_iter: int = 100,
    basis: str = "both",
    quantile: float | None = 0.95,
    seed: int | None = 0,
    correlate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ParallelAnalysis:
    """Horn's parallel analysis against random normal data of the same size.

    Parameters
    ----------
    correlation : DataFrame or array of shape (p, p)
        The observed item correlations (Pearson or polychoric).
    n_obs : int
        Respondents behind ``correlation``; each random data set has as many.
    n_iter : int, default=100
        Number of random data sets.
    basis : {"both", "factor", "component"}, default="both"
        Compare factor eigenvalues (reduced matrix) with factor eigenvalues of the
        random data, component eigenvalues (full matrix) with component eigenvalues,
        or both, each like with like.
    quantile : float or None, default=0.95
        Compare with this quantile of the random eigenvalues; None compares with
        their mean.
    seed : int or None, default=0
        Seed of the random number generator.
    correlate : callable, optional
        Turns a random data matrix (n_obs x p) into a correlation matrix; Pearson by
        default. Pass a polychoric routine applied to data cut at the observed
        thresholds to mirror an ordinal analysis.

    Returns
    -------
    ParallelAnalysis

    Notes
    -----
    Factor eigenvalues are those of the correlation matrix with the communalities
    of a one-factor minres solution on the diagonal, as R psych ``fa.parallel``
    computes them (psych 2.2.9, ``fa = "both"``, ``sim = TRUE``). The suggestion
    counts the leading observed eigenvalues larger than the random ones, as psych
    does. The random draws differ from R's, so simulated eigenvalues agree with
    psych's only up to simulation error (about 0.01 for bfi with 100 draws).

    Examples
    --------
    >>> from commercie_analysis.datasets import load_bfi
    >>> items = load_bfi().iloc[:, :25].dropna()
    >>> pa = parallel_analysis(items.corr(), len(items), n_iter=20, seed=1)
    >>> pa.suggestion
    {'factor': 6, 'component': 5}
    """
    if basis not in (*BASES, "both"):
        raise DataError(
            f"basis: expected 'both', 'factor' or 'component', found {basis!r}"
        )
    if quantile is not None and not 0 < quantile < 1:
        raise DataError(
            f"quantile: expected None or a value in (0, 1), found {quantile}"
        )
    if not isinstance(n_iter, int) or n_iter < 1:
        raise DataError(f"n_iter: expected a whole number >= 1, found {n_iter!r}")
    r = np.asarray(correlation, dtype=float)
    p = r.shape[0]
    if n_obs <= p:
        raise DataError(
            f"n_obs: parallel analysis needs more respondents ({n_obs}) than "
            f"items ({p})"
        )
    bases = BASES if basis == "both" else (basis,)
    correlate = correlate or (lambda x: np.corrcoef(x, rowvar=False))

    # Eigenvalues of random normal data of the observed size.
    rng = np.random.default_rng(seed)
    simulated = {b: np.empty((n_iter, p)) for b in bases}
    for i in range(n_iter):
        random_r = correlate(rng.standard_normal((n_obs, p)))
        for b in bases:
            simulated[b][i] = _eigenvalues(random_r, b)

    # Compare like with like.
    table = {"position": np.arange(1, p + 1)}
    suggestion = {}
    for b in bases:
        observed = _eigenvalues(r, b)
        if quantile is None:
            reference = simulated[b].mean(axis=0)
        else:
            reference = np.quantile(simulated[b], quantile, axis=0)
        table[f"observed_{b}"] = observed
        table[f"simulated_{b}"] = reference
        suggestion[b] = _first_not_exceeding(observed, reference)

    return ParallelAnalysis(
        eigenvalues=pd.DataFrame(table).set_index("position"),
        suggestion=suggestion,
        n_iter=n_iter,
        n_obs=int(n_obs),
        quantile=quantile,
        seed=seed,
        bases=bases,
    )


@with_one_blas_thread
def velicer_map(correlation, *, max_components: int | None = None) -> dict:
    """Velicer's minimum average partial (MAP) criterion.

    Parameters
    ----------
    correlation : DataFrame or array of shape (p, p)
        The item correlations.
    max_components : int, optional
        Largest number of components to partial out; by default ``p - 2``.

    Returns
    -------
    dict
        ``values``: the average squared partial correlation after removing
        0, 1, 2, ... principal components (``values[0]`` is the average squared
        correlation itself); ``suggestion``: the number of components at the
        minimum.

    Notes
    -----
    For m components with loadings ``A_m`` the partial covariance is
    ``C = R - A_m A_m'`` and the partial correlations ``C_ij / sqrt(C_ii C_jj)``;
    MAP(m) is the mean of their squares over i != j (Velicer, 1976, the original
    squared version). The values for m >= 1 equal R psych ``VSS(...)$map``
    (psych 2.2.9) to 1e-10 on bfi.

    Examples
    --------
    >>> from commercie_analysis.datasets import load_bfi
    >>> items = load_bfi().iloc[:, :25].dropna()
    >>> velicer_map(items.corr())["suggestion"]
    5
    """
    r = np.asarray(correlation, dtype=float)
    p = r.shape[0]
    largest = p - 2 if max_components is None else min(max_components, p - 2)
    values_, vectors = np.linalg.eigh(r)
    order = np.argsort(values_)[::-1]
    values_, vectors = values_[order], vectors[:, order]
    loadings = vectors * np.sqrt(np.maximum(values_, 0.0))

    off = ~np.eye(p, dtype=bool)
    averages = [float(np.mean(r[off] ** 2))]
    for m in range(1, largest + 1):
        partial = r - loadings[:, :m] @ loadings[:, :m].T
        d = np.sqrt(np.diag(partial))
        partial = partial / np.outer(d, d)
        averages.append(float(np.mean(partial[off] ** 2)))
    return {"values": averages, "suggestion": int(np.argmin(averages))}


def n_factors_summary(
    parallel: ParallelAnalysis, map_result: dict, n_constructs: int
) -> pd.DataFrame:
    """What each criterion suggests, next to the number of constructs in the key.

    Parameters
    ----------
    parallel : ParallelAnalysis
    map_result : dict
        From :func:`velicer_map`.
    n_constructs : int
        Constructs in the instrument's key.

    Returns
    -------
    DataFrame
        Columns ``criterion, suggestion, key_constructs, agrees``.
    """
    rows = [
        {"criterion": f"parallel analysis ({b} eigenvalues)", "suggestion": n}
        for b, n in parallel.suggestion.items()
    ]
    rows.append({"criterion": "Velicer's MAP", "suggestion": map_result["suggestion"]})
    table = pd.DataFrame(rows)
    table["key_constructs"] = n_constructs
    table["agrees"] = table["suggestion"] == n_constructs
    return table
