"""Latent profile analysis: Gaussian mixtures, the number of classes, stability.

A latent profile analysis is a Gaussian mixture over continuous scores (here the
construct scores of a profile instrument). This module fits mixtures with
scikit-learn's :class:`~sklearn.mixture.GaussianMixture`, compares 1..12 classes by
BIC, entropy and class sizes, cross-tables found classes against hypothesised ones
(adjusted Rand index), and measures how stable a chosen solution is under bootstrap
resampling, with the labels of each bootstrap solution aligned to the reference by
the Hungarian method.

Guards: more classes than distinct answer patterns (or than respondents) are
refused; empty and duplicated classes are reported; degenerate covariances (a class
sitting on a point or a plane) are caught and reported with the counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from .exceptions import ConvergenceWarning, DataError, DataQualityWarning, ModelError

__all__ = [
    "MIN_ROWS_PER_CLASS",
    "MixtureFit",
    "Stability",
    "fit_mixture",
    "compare_class_numbers",
    "relative_entropy",
    "class_crosstab",
    "align_labels",
    "bootstrap_stability",
]

COVARIANCE_TYPES = ("diag", "full", "tied", "spherical")

#: Fewest rows per class that :func:`compare_class_numbers` asks of the data: it
#: fits at most ``n // MIN_ROWS_PER_CLASS`` classes.
MIN_ROWS_PER_CLASS = 10


@dataclass(frozen=True)
class MixtureFit:
    """A fitted Gaussian mixture with the summaries used to judge it.

    Attributes
    ----------
    n_classes : int
    model : sklearn.mixture.GaussianMixture
    labels : ndarray of int
        Most likely class per row, numbered 0..k-1 by decreasing size.
    probabilities : ndarray
        Rows x classes posterior probabilities, columns in the same order.
    means : DataFrame
        Classes x variables.
    sizes : ndarray of int
        Rows assigned to each class.
    bic, aic, log_likelihood : float
        ``log_likelihood`` is the total (not the mean per row).
    entropy : float
        Relative entropy, see :func:`relative_entropy`.
    """

    n_classes: int
    model: GaussianMixture
    labels: np.ndarray
    probabilities: np.ndarray
    means: pd.DataFrame
    sizes: np.ndarray
    bic: float
    aic: float
    log_likelihood: float
    entropy: float


@dataclass(frozen=True)
class Stability:
    """Bootstrap stability of a mixture solution.

    Attributes
    ----------
    replications : DataFrame
        Per bootstrap sample: ``ari`` against the reference solution and
        ``agreement``, the share of rows with the same (aligned) label.
    classes : DataFrame
        Per reference class: ``size``, ``mean_jaccard`` over the replications and
        ``share_recovered``, the share of replications with a Jaccard index of at
        least 0.5 (Hennig's criterion for a dissolved class is below 0.5).
    """

    replications: pd.DataFrame
    classes: pd.DataFrame


def _matrix(X) -> tuple[np.ndarray, list[str]]:
    if isinstance(X, pd.DataFrame):
        columns = [str(c) for c in X.columns]
        try:
            values = X.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError(
                f"scores must be numbers; columns {columns} hold something else"
            ) from None
    else:
        values = np.asarray(X, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        columns = [f"x{j}" for j in range(values.shape[1])]
    if values.ndim != 2 or values.shape[0] == 0:
        raise DataError(f"scores must be a non-empty 2-D table, found {values.shape}")
    incomplete = int(np.isnan(values).any(axis=1).sum())
    if incomplete:
        raise DataError(
            f"{incomplete} of {values.shape[0]} rows have a missing score; drop or "
            "impute them before a latent profile analysis"
        )
    return values, columns


def relative_entropy(probabilities: np.ndarray) -> float:
    r"""Relative entropy of a classification (1 = perfectly separated classes).

    Parameters
    ----------
    probabilities : array of shape (n, k)
        Posterior class probabilities.

    Returns
    -------
    float
        NaN for a single class.

    Notes
    -----
    :math:`E_k = 1 - \sum_i \sum_c -p_{ic} \ln p_{ic} / (n \ln k)` (Ramaswamy et
    al., 1993), as reported by Mplus and R tidyLPA.

    Examples
    --------
    >>> relative_entropy(np.array([[1.0, 0.0], [0.0, 1.0]]))
    1.0
    >>> relative_entropy(np.full((4, 2), 0.5))
    0.0
    """
    p = np.asarray(probabilities, dtype=float)
    n, k = p.shape
    if k < 2:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    return float(1.0 - terms.sum() / (n * np.log(k)))


def _distinct(values: np.ndarray) -> int:
    return int(np.unique(values, axis=0).shape[0])


def fit_mixture(
    X,
    n_classes: int,
    *,
    covariance_type: str = "diag",
    n_init: int = 5,
    reg_covar: float = 1e-6,
    max_iter: int = 2000,
    tol: float = 1e-7,
    random_state: int | None = 0,
) -> MixtureFit:
    """Fit a Gaussian mixture (latent profile model) with ``n_classes`` classes.

    Parameters
    ----------
    X : DataFrame or array of shape (n, p)
        Scores, complete (no missing values).
    n_classes : int
    covariance_type : {"diag", "full", "tied", "spherical"}, default="diag"
        ``"diag"``: class-specific variances, no covariances within a class (local
        independence, the usual latent profile model; mclust's VVI).
    n_init : int, default=5
        Random starts; the best log-likelihood is kept.
    reg_covar : float, default=1e-6
        Added to the covariance diagonals, as in scikit-learn.
    max_iter : int, default=2000
    tol : float, default=1e-7
        EM stops when the mean log-likelihood per row changes by less. (The
        scikit-learn default, 1e-3, stops visibly short of the maximum.)
    random_state : int or None, default=0

    Returns
    -------
    MixtureFit

    Raises
    ------
    DataError
        If ``n_classes`` exceeds the number of rows or of distinct rows.
    ModelError
        If a class's covariance is degenerate (the message gives the counts).

    Warns
    -----
    DataQualityWarning
        When a class is empty or two classes are duplicates.
    ConvergenceWarning
        When EM did not converge within ``max_iter``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (50, 2)), rng.normal(6, 1, (30, 2))])
    >>> fit = fit_mixture(X, 2)
    >>> fit.sizes.tolist(), round(fit.entropy, 2)
    ([50, 30], 1.0)
    """
    values, columns = _matrix(X)
    n = values.shape[0]
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer):
        raise DataError(f"n_classes must be a whole number, found {n_classes!r}")
    if n_classes < 1:
        raise DataError(f"n_classes must be at least 1, found {n_classes}")
    if covariance_type not in COVARIANCE_TYPES:
        raise DataError(
            f"covariance_type must be one of {list(COVARIANCE_TYPES)}, found "
            f"{covariance_type!r}"
        )
    distinct = _distinct(values)
    if n_classes > distinct:
        raise DataError(
            f"n_classes={n_classes} exceeds the {distinct} distinct score patterns "
            f"among the {n} rows; at most {distinct} classes can be told apart"
        )

    model = GaussianMixture(
        n_components=n_classes,
        covariance_type=covariance_type,
        n_init=n_init,
        reg_covar=reg_covar,
        max_iter=max_iter,
        tol=tol,
        random_state=random_state,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SklearnConvergenceWarning)
        try:
            # small problems: one thread (BLAS, OpenMP) is fastest and never
            # oversubscribes the cores
            with threadpool_limits(limits=1):
                model.fit(values)
        except ValueError as exc:
            if "covariance" not in str(exc):
                raise
            raise ModelError(
                f"n_classes={n_classes}: a class has a degenerate covariance (it "
                f"collapsed onto too few points: {n} rows, {distinct} distinct "
                f"patterns, {values.shape[1]} variables, reg_covar={reg_covar}); "
                "use fewer classes or a larger reg_covar"
            ) from None
    if any(issubclass(w.category, SklearnConvergenceWarning) for w in caught):
        warnings.warn(
            f"n_classes={n_classes}: EM did not converge in {max_iter} iterations "
            f"for any of {n_init} starts",
            ConvergenceWarning,
            stacklevel=2,
        )

    # order classes by decreasing size so that labels are reproducible
    probabilities = model.predict_proba(values)
    raw_labels = probabilities.argmax(axis=1)
    raw_sizes = np.bincount(raw_labels, minlength=n_classes)
    order = np.argsort(-raw_sizes, kind="stable")
    rank = np.empty(n_classes, dtype=int)
    rank[order] = np.arange(n_classes)
    labels = rank[raw_labels]
    probabilities = probabilities[:, order]
    sizes = raw_sizes[order]
    means = pd.DataFrame(model.means_[order], columns=columns)

    _check_classes(model, sizes, means, values, n_classes)
    log_likelihood = float(model.score(values) * n)
    return MixtureFit(
        n_classes=n_classes,
        model=model,
        labels=labels,
        probabilities=probabilities,
        means=means,
        sizes=sizes,
        bic=float(model.bic(values)),
        aic=float(model.aic(values)),
        log_likelihood=log_likelihood,
        entropy=relative_entropy(probabilities),
    )


def _check_classes(model, sizes, means, values, k):
    empty = int((sizes == 0).sum())
    if empty:
        warnings.warn(
            f"n_classes={k}: {empty} of {k} classes are empty (no row is most likely "
            f"in them); class sizes {sizes.tolist()}",
            DataQualityWarning,
            stacklevel=3,
        )
    spread = values.std(axis=0)
    spread[spread == 0] = 1.0
    scaled = means.to_numpy() / spread
    duplicated = [
        (a, b)
        for a in range(k)
        for b in range(a + 1, k)
        if np.abs(scaled[a] - scaled[b]).max() < 1e-3
    ]
    if duplicated:
        warnings.warn(
            f"n_classes={k}: {len(duplicated)} pair(s) of classes have the same means "
            f"(within 0.001 SD): {duplicated}; class sizes {sizes.tolist()}",
            DataQualityWarning,
            stacklevel=3,
        )


def compare_class_numbers(
    X,
    max_classes: int = 12,
    *,
    min_classes: int = 1,
    covariance_type: str = "diag",
    n_init: int = 5,
    random_state: int | None = 0,
    hypothesised=None,
) -> pd.DataFrame:
    """Fit 1..``max_classes`` classes and tabulate BIC, entropy and class sizes.

    Parameters
    ----------
    X : DataFrame or array
        Complete scores.
    max_classes : int, default=12
        Capped at the number of distinct rows and at ``n //``
        :data:`MIN_ROWS_PER_CLASS` (with a DataQualityWarning that gives the
        counts): a class needs rows to estimate its means and variances.
    min_classes : int, default=1
    covariance_type, n_init, random_state
        See :func:`fit_mixture`.
    hypothesised : array-like, optional
        Hypothesised class per row (for example the eight market profiles); adds
        the adjusted Rand index of each solution against it.

    Returns
    -------
    DataFrame
        One row per number of classes: ``n_classes``, ``log_likelihood``,
        ``n_parameters``, ``aic``, ``bic``, ``entropy``, ``smallest_class``,
        ``smallest_share``, ``sizes`` (text), ``ari`` (with ``hypothesised``),
        ``best_bic`` (True on the lowest BIC) and ``problem`` (empty, or why the
        solution is missing or suspect).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(5, 1, (60, 2))])
    >>> table = compare_class_numbers(X, 4)
    >>> int(table.loc[table["best_bic"], "n_classes"].iloc[0])
    2
    """
    values, columns = _matrix(X)
    n = values.shape[0]
    distinct = _distinct(values)
    supported = max(1, min(distinct, n // MIN_ROWS_PER_CLASS))
    if max_classes > supported:
        warnings.warn(
            f"max_classes={max_classes} lowered to {supported}: the {n} rows hold "
            f"{distinct} distinct score patterns, and {n} rows support at most "
            f"{n // MIN_ROWS_PER_CLASS} classes of {MIN_ROWS_PER_CLASS} rows each",
            DataQualityWarning,
            stacklevel=2,
        )
        max_classes = supported
    if hypothesised is not None:
        hypothesised = np.asarray(hypothesised)
        if len(hypothesised) != n:
            raise DataError(
                f"hypothesised has {len(hypothesised)} labels for {n} rows of scores"
            )

    rows = []
    for k in range(min_classes, max_classes + 1):
        row = {"n_classes": k, "problem": ""}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataQualityWarning)
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                fit = fit_mixture(
                    pd.DataFrame(values, columns=columns),
                    k,
                    covariance_type=covariance_type,
                    n_init=n_init,
                    random_state=random_state,
                )
            except ModelError as exc:
                row["problem"] = str(exc)
                fit = None
        row["problem"] = "; ".join(
            [row["problem"], *(str(w.message) for w in caught)]
        ).strip("; ")
        if fit is not None:
            row.update(
                log_likelihood=fit.log_likelihood,
                n_parameters=int(fit.model._n_parameters()),
                aic=fit.aic,
                bic=fit.bic,
                entropy=fit.entropy,
                smallest_class=int(fit.sizes.min()),
                smallest_share=float(fit.sizes.min() / n),
                sizes=" ".join(str(s) for s in fit.sizes),
            )
            if hypothesised is not None:
                row["ari"] = float(adjusted_rand_score(hypothesised, fit.labels))
        rows.append(row)

    table = pd.DataFrame(rows)
    for column in ("log_likelihood", "aic", "bic", "entropy", "smallest_share"):
        if column not in table:
            table[column] = np.nan
    table["best_bic"] = table["bic"] == table["bic"].min()
    problems = table.loc[table["problem"] != "", ["n_classes", "problem"]]
    if len(problems):
        warnings.warn(
            f"{len(problems)} solution(s) missing or suspect: "
            + "; ".join(f"k={k}: {p}" for k, p in problems.itertuples(index=False)),
            DataQualityWarning,
            stacklevel=2,
        )
    first = ["n_classes", "log_likelihood", "n_parameters", "aic", "bic", "entropy"]
    rest = [c for c in table.columns if c not in first]
    return table[[c for c in first if c in table] + rest]


def class_crosstab(found, hypothesised) -> pd.DataFrame:
    """Cross-table of found classes (rows) against hypothesised ones (columns).

    Examples
    --------
    >>> class_crosstab([0, 0, 1], ["a", "a", "b"])
    hypothesised  a  b
    found
    0             2  0
    1             0  1
    """
    found = pd.Series(np.asarray(found), name="found")
    hypothesised = pd.Series(np.asarray(hypothesised), name="hypothesised")
    if len(found) != len(hypothesised):
        raise DataError(
            f"found has {len(found)} labels, hypothesised {len(hypothesised)}"
        )
    return pd.crosstab(found, hypothesised)


def align_labels(reference, labels, n_classes: int | None = None) -> np.ndarray:
    """Relabel ``labels`` to agree as much as possible with ``reference``.

    The Hungarian method (:func:`scipy.optimize.linear_sum_assignment`) picks the
    one-to-one mapping of labels that maximises the number of rows on which the two
    labelings agree.

    Parameters
    ----------
    reference, labels : array-like of int
        Labels 0..k-1 for the same rows.
    n_classes : int, optional
        Number of labels (default: the largest label + 1 in either).

    Returns
    -------
    ndarray of int
        ``labels`` renamed.

    Examples
    --------
    >>> align_labels([0, 0, 1, 2], [2, 2, 0, 1]).tolist()
    [0, 0, 1, 2]
    """
    reference = np.asarray(reference, dtype=int)
    labels = np.asarray(labels, dtype=int)
    k = n_classes or int(max(reference.max(), labels.max())) + 1
    table = np.zeros((k, k))
    np.add.at(table, (labels, reference), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    mapping = np.arange(k)
    mapping[rows] = cols
    return mapping[labels]


def bootstrap_stability(
    X,
    n_classes: int,
    *,
    n_boot: int = 50,
    covariance_type: str = "diag",
    n_init: int = 2,
    random_state: int | None = 0,
) -> Stability:
    """Stability of a ``n_classes`` solution under bootstrap resampling.

    Each bootstrap sample (rows drawn with replacement) is fitted anew; its model
    classifies all rows, its labels are aligned to the reference solution (fitted on
    all rows) by :func:`align_labels`, and the agreement is recorded.

    Parameters
    ----------
    X : DataFrame or array
    n_classes : int
    n_boot : int, default=50
    covariance_type, n_init, random_state
        See :func:`fit_mixture`.

    Returns
    -------
    Stability

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(6, 1, (40, 2))])
    >>> result = bootstrap_stability(X, 2, n_boot=5)
    >>> float(result.replications["agreement"].min())
    1.0
    """
    values, columns = _matrix(X)
    n = values.shape[0]
    reference = fit_mixture(
        pd.DataFrame(values, columns=columns),
        n_classes,
        covariance_type=covariance_type,
        random_state=random_state,
    )
    rng = np.random.default_rng(random_state)
    records, jaccards = [], []
    for b in range(n_boot):
        rows = rng.integers(0, n, size=n)
        sample = values[rows]
        if _distinct(sample) < n_classes:
            records.append({"replication": b, "ari": np.nan, "agreement": np.nan})
            continue
        model = GaussianMixture(
            n_components=n_classes,
            covariance_type=covariance_type,
            n_init=n_init,
            random_state=int(rng.integers(2**31)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SklearnConvergenceWarning)
            try:
                with threadpool_limits(limits=1):
                    model.fit(sample)
            except ValueError:
                records.append({"replication": b, "ari": np.nan, "agreement": np.nan})
                continue
        labels = align_labels(reference.labels, model.predict(values), n_classes)
        records.append(
            {
                "replication": b,
                "ari": float(adjusted_rand_score(reference.labels, labels)),
                "agreement": float((labels == reference.labels).mean()),
            }
        )
        jaccards.append(
            [_jaccard(reference.labels == c, labels == c) for c in range(n_classes)]
        )
    replications = pd.DataFrame(records)
    failed = int(replications["ari"].isna().sum())
    if failed:
        warnings.warn(
            f"{failed} of {n_boot} bootstrap samples could not be fitted with "
            f"{n_classes} classes (too few distinct rows or degenerate covariances)",
            DataQualityWarning,
            stacklevel=2,
        )
    jaccards = np.array(jaccards).reshape(-1, n_classes)
    classes = pd.DataFrame(
        {
            "class": np.arange(n_classes),
            "size": reference.sizes,
            "mean_jaccard": jaccards.mean(axis=0) if len(jaccards) else np.nan,
            "share_recovered": (jaccards >= 0.5).mean(axis=0)
            if len(jaccards)
            else np.nan,
        }
    )
    return Stability(replications, classes)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
