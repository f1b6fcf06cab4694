"""How sure is a verdict? Bootstrap intervals for loadings and congruences.

Respondents are resampled with replacement; in each sample the correlations are
computed again, the factors extracted and rotated as in the original analysis, and the
solution is aligned to the key (:func:`commercie_analysis.validation.align_to_key`), so
that factor labels and signs mean the same in every sample. Percentile intervals of the
aligned loadings and of each construct's congruence follow, together with the share of
samples in which each item kept its largest loading on its intended construct.

The samples are drawn from independent random streams spawned from one seed, so the
result does not depend on how many processes share the work.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ._threads import with_one_blas_thread
from .exceptions import CommercieWarning, DataError
from .factoring import FactorAnalysis
from .validation import align_to_key

__all__ = ["BootstrapResult", "bootstrap_solution"]


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap intervals of an exploratory solution aligned to a key.

    Attributes
    ----------
    loadings_lower, loadings_upper : DataFrame
        Items x constructs: percentile bounds of the aligned loadings.
    congruence : DataFrame
        One row per successful sample, one column per construct: the Tucker
        congruence of the construct's factor with its key.
    congruence_interval : DataFrame
        Per construct: ``lower``, ``median``, ``upper`` of the congruences.
    primary_share : Series
        Per item: the share of samples in which its largest absolute loading is on
        its intended construct.
    n_boot, n_failed : int
        Samples drawn, and samples in which the extraction failed (left out).
    level : float
        Coverage of the intervals.
    seed : int or None
        Seed of the resampling.
    """

    loadings_lower: pd.DataFrame
    loadings_upper: pd.DataFrame
    congruence: pd.DataFrame
    congruence_interval: pd.DataFrame
    primary_share: pd.Series
    n_boot: int
    n_failed: int
    level: float
    seed: int | None

    def item_table(self, key: pd.DataFrame) -> pd.DataFrame:
        """Per item: interval of its intended loading (signed by the key), share.

        Parameters
        ----------
        key : DataFrame
            Items x constructs (+1, -1, 0).

        Returns
        -------
        DataFrame
            Columns ``item, intended_construct, loading_lower, loading_upper,
            primary_share``.
        """
        rows = []
        for item in key.index:
            construct = key.columns[key.loc[item] != 0][0]
            sign = float(np.sign(key.loc[item, construct]))
            bounds = sorted(
                [
                    sign * self.loadings_lower.loc[item, construct],
                    sign * self.loadings_upper.loc[item, construct],
                ]
            )
            rows.append(
                {
                    "item": item,
                    "intended_construct": construct,
                    "loading_lower": bounds[0],
                    "loading_upper": bounds[1],
                    "primary_share": float(self.primary_share[item]),
                }
            )
        return pd.DataFrame(rows)


def _one_sample(
    data: np.ndarray,
    names: list[str],
    key: pd.DataFrame,
    fit_options: dict,
    correlate: Callable[[pd.DataFrame], pd.DataFrame] | None,
    seed_sequence: np.random.SeedSequence,
):
    rng = np.random.default_rng(seed_sequence)
    rows = rng.integers(0, data.shape[0], size=data.shape[0])
    sample = data[rows]
    try:
        with warnings.catch_warnings():
            # A resample may be improper or slow to converge; such samples still
            # count, as in psych's fa(n.iter = ...), and the original analysis
            # already warned about the data themselves.
            warnings.simplefilter("ignore", CommercieWarning)
            if correlate is None:
                if np.any(sample.std(axis=0) == 0):
                    return None
                r = pd.DataFrame(
                    np.corrcoef(sample, rowvar=False), index=names, columns=names
                )
            else:
                r = correlate(pd.DataFrame(sample, columns=names))
            fa = FactorAnalysis(**fit_options).fit(correlation=r, n_obs=len(sample))
    except (DataError, np.linalg.LinAlgError, ValueError):
        return None
    loadings, _, congruence = align_to_key(fa.loadings_, key, fa.phi_)
    constructs = [c for c in key.columns if c in loadings.columns]
    return (
        loadings.loc[key.index, constructs].to_numpy(),
        np.array([congruence.loc[c, c] for c in constructs]),
        constructs,
    )


@with_one_blas_thread
def _some_samples(data, names, key, fit_options, correlate, streams):
    # A batch of samples per task keeps the cost of sending the data and of
    # limiting the threads small next to the work.
    return [
        _one_sample(data, names, key, fit_options, correlate, stream)
        for stream in streams
    ]


def bootstrap_solution(
    items: pd.DataFrame,
    key: pd.DataFrame,
    *,
    n_boot: int = 200,
    n_factors: int | None = None,
    method: str = "minres",
    rotation: str = "oblimin",
    rotation_options: dict | None = None,
    correlate: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    level: float = 0.95,
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> BootstrapResult:
    """Bootstrap the exploratory solution of ``items`` aligned to ``key``.

    Parameters
    ----------
    items : DataFrame
        Answers, respondents x items (the respondents of the original analysis).
        Without ``correlate`` only complete rows are used.
    key : DataFrame
        Items x constructs (+1, -1, 0), e.g. ``Instrument.key_matrix()``.
    n_boot : int, default=200
        Number of bootstrap samples.
    n_factors : int, optional
        Number of factors; by default the number of constructs in ``key``.
    method, rotation, rotation_options
        As for :class:`~commercie_analysis.factoring.FactorAnalysis`.
    correlate : callable, optional
        Correlations of a sample (a DataFrame of answers to a DataFrame of
        correlations), e.g. a polychoric routine; Pearson when None.
    level : float, default=0.95
        Coverage of the percentile intervals.
    seed : int or None, default=0
        Seed of the resampling.
    n_jobs : int, optional
        Processes sharing the samples (joblib's convention: None is one, -1 all
        cores).
    progress : callable, optional
        Called with the number of finished samples after each one, e.g. to move a
        progress bar.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    Percentile intervals (Efron and Tibshirani, 1993) of the loadings after each
    sample was aligned to the key; psych ``fa(n.iter = ...)`` instead aligns the
    samples to the original solution, so its intervals agree with these when that
    solution matches the key one-to-one (on bfi, for example) and may differ when
    a factor matches no construct.

    Examples
    --------
    >>> from commercie_analysis.datasets import load_bfi
    >>> from commercie_analysis.instruments import load_instrument
    >>> bfi = load_instrument("bfi")
    >>> items = load_bfi()[bfi.item_ids].dropna().iloc[:500]
    >>> boot = bootstrap_solution(items, bfi.key_matrix(), n_boot=5, seed=1)
    >>> boot.congruence.shape
    (5, 5)
    """
    if not isinstance(n_boot, int) or n_boot < 2:
        raise DataError(f"n_boot: expected a whole number >= 2, found {n_boot!r}")
    if not 0 < level < 1:
        raise DataError(f"level: expected a value in (0, 1), found {level}")
    # Pearson correlations of a sample need complete answers; a ``correlate``
    # routine (polychoric, pairwise) takes the rows as they are.
    complete = items[list(key.index)]
    if correlate is None:
        complete = complete.dropna()
    if len(complete) < len(key.index) + 2:
        raise DataError(
            f"items: {len(complete)} respondents are too few to bootstrap "
            f"{len(key.index)} items"
        )

    fit_options = {
        "n_factors": n_factors or key.shape[1],
        "method": method,
        "rotation": rotation,
        "rotation_options": rotation_options,
    }
    streams = np.random.SeedSequence(seed).spawn(n_boot)
    names = [str(c) for c in complete.columns]
    data = complete.to_numpy(float)
    batch = max(1, min(10, n_boot // 20))
    tasks = (
        delayed(_some_samples)(
            data, names, key, fit_options, correlate, streams[i : i + batch]
        )
        for i in range(0, n_boot, batch)
    )
    outcomes = []
    for results in Parallel(n_jobs=n_jobs, return_as="generator")(tasks):
        outcomes.extend(results)
        if progress is not None:
            progress(len(outcomes))
    return _summarise(outcomes, key, n_boot, level, seed)


def _summarise(outcomes, key, n_boot, level, seed) -> BootstrapResult:
    good = [o for o in outcomes if o is not None]
    if len(good) < 2:
        raise DataError(
            f"bootstrap: only {len(good)} of {n_boot} samples gave a solution"
        )
    constructs = good[0][2]
    good = [o for o in good if o[2] == constructs]
    loadings = np.stack([o[0] for o in good])
    congruence = pd.DataFrame([o[1] for o in good], columns=constructs)

    tail = (1 - level) / 2
    lower = pd.DataFrame(
        np.quantile(loadings, tail, axis=0), index=key.index, columns=constructs
    )
    upper = pd.DataFrame(
        np.quantile(loadings, 1 - tail, axis=0), index=key.index, columns=constructs
    )
    interval = pd.DataFrame(
        {
            "lower": congruence.quantile(tail),
            "median": congruence.quantile(0.5),
            "upper": congruence.quantile(1 - tail),
        }
    )
    interval.index.name = "construct"

    intended = [
        constructs.index(key.columns[key.loc[item] != 0][0])
        if key.columns[key.loc[item] != 0][0] in constructs
        else -1
        for item in key.index
    ]
    primary = np.abs(loadings).argmax(axis=2)
    share = pd.Series(
        (primary == np.array(intended)[None, :]).mean(axis=0),
        index=key.index,
        name="primary_share",
    )
    return BootstrapResult(
        loadings_lower=lower,
        loadings_upper=upper,
        congruence=congruence,
        congruence_interval=interval,
        primary_share=share,
        n_boot=n_boot,
        n_failed=n_boot - len(good),
        level=level,
        seed=seed,
    )
