"""The validation of an instrument's key, end to end.

:func:`validate` reads and cleans the answers, then runs every check of the key in
order — item statistics, reliability, factorability, number of factors, an
exploratory solution aligned to the key, congruence and verdicts — and returns a
:class:`ValidationResult` whose :meth:`~ValidationResult.write` puts all tables,
figures, the report and a unit-weighted scoring model into one folder, all or nothing.

Examples
--------
The published bfi key scores neuroticism, whose items load against the general
factor of the other four traits; omega says so in a warning.

>>> import warnings
>>> from commercie_analysis.paths import RAW_DIR
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     result = validate("bfi", RAW_DIR / "bfi.csv", n_iter=10)
>>> [str(w.message)[:30] for w in caught]
['item(s) N1, N2, N3, N4, N5, O4']
>>> result.n_read, result.n_used
(2800, 2436)
>>> result.construct_verdicts[["construct", "verdict"]].head(2)
           construct verdict
0      agreeableness    fair
1  conscientiousness    good
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from ._threads import with_one_blas_thread
from .bootstrap import BootstrapResult, bootstrap_solution
from .cleaning import CleaningPolicy, CleanResult, clean
from .exceptions import DataError, DataQualityWarning
from .factorability import bartlett_sphericity, kmo
from .factoring import EXTRACTION_METHODS, FactorAnalysis
from .instruments import Instrument, load_instrument
from .nfactors import (
    ParallelAnalysis,
    n_factors_summary,
    parallel_analysis,
    velicer_map,
)
from .omega import OmegaResult, omega
from .outputs import output_folder
from .reliability import alpha_from_correlation, item_statistics, reliability_table
from .rotation import target_from_key
from .validation import (
    VerdictThresholds,
    align_to_key,
    construct_verdicts,
    item_verdicts,
)

__all__ = ["ValidationSettings", "ValidationResult", "validate", "CORRELATIONS"]

CORRELATIONS = ("pearson", "polychoric")


@dataclass(frozen=True)
class ValidationSettings:
    """How a validation is run; every field is written to the results' manifest.

    Parameters
    ----------
    missing : {"listwise", "pairwise"}, default="listwise"
        Leave out respondents with any missing answer, or use every answered pair.
    correlation : {"pearson", "polychoric"}, default="pearson"
        Correlations the factor analysis and the factorability checks rest on.
    method : {"minres", "ml", "pa"}, default="minres"
        Factor extraction.
    rotation : str, default="oblimin"
        Rotation (see :func:`commercie_analysis.rotation.rotate`).
    n_factors : int, optional
        Number of factors; by default as many as the key has constructs.
    n_iter : int, default=100
        Random data sets of the parallel analysis.
    seed : int, default=0
        Seed of every random step.
    bootstrap : int, default=0
        Bootstrap samples for intervals of the loadings and congruences; 0 skips
        the bootstrap.
    n_jobs : int, optional
        Processes for the bootstrap (None: one; -1: every core).
    n_starts : int, default=1
        Starts of the iterative rotations; from 2 on, random orthogonal starts are
        added and the best criterion value is kept.
    full_target : bool, default=False
        With ``rotation="target"``: rotate towards the fully specified key (keyed
        loadings +1 / -1) instead of only the zeros of the cross-loadings.
    thresholds : VerdictThresholds
        Thresholds of the item and construct verdicts.
    """

    missing: str = "listwise"
    correlation: str = "pearson"
    method: str = "minres"
    rotation: str = "oblimin"
    n_factors: int | None = None
    n_iter: int = 100
    seed: int = 0
    bootstrap: int = 0
    n_jobs: int | None = None
    n_starts: int = 1
    full_target: bool = False
    thresholds: VerdictThresholds = field(default_factory=VerdictThresholds)

    def check(self) -> None:
        """Raise a DataError naming the first setting that is not allowed."""
        choices = {
            "missing": ("listwise", "pairwise"),
            "correlation": CORRELATIONS,
            "method": EXTRACTION_METHODS,
        }
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value not in allowed:
                raise DataError(
                    f"{name}: expected one of {list(allowed)}, found {value!r}"
                )
        if self.bootstrap == 1 or self.bootstrap < 0:
            raise DataError(
                f"bootstrap: expected 0 (none) or at least 2 samples, found "
                f"{self.bootstrap}"
            )
        if self.n_starts < 1:
            raise DataError(f"n_starts: expected at least 1, found {self.n_starts}")
        if self.n_jobs == 0:
            raise DataError(
                "n_jobs: expected a number of processes (1, 2, ...) or -1 for every "
                "core, found 0"
            )
        if self.seed < 0:
            raise DataError(f"seed: expected a whole number >= 0, found {self.seed}")
        if self.full_target and self.rotation not in ("target", "target_orthogonal"):
            raise DataError(
                f"full_target: applies to rotation 'target' or 'target_orthogonal', "
                f"not {self.rotation!r}"
            )

    def rotation_options(self, key: pd.DataFrame) -> dict:
        """Options for :func:`~commercie_analysis.rotation.rotate` given the key."""
        options = {}
        if self.rotation in ("target", "target_orthogonal"):
            options["target"] = target_from_key(key.to_numpy(), full=self.full_target)
            options["full_target"] = self.full_target
        if self.n_starts > 1:
            options.update(n_starts=self.n_starts, random_state=self.seed)
        return options


@dataclass
class ValidationResult:
    """Everything a validation found; see :func:`validate`."""

    instrument: Instrument
    settings: ValidationSettings
    cleaning: CleanResult
    n_used: int
    correlation: pd.DataFrame
    thresholds: pd.DataFrame | None
    item_statistics: pd.DataFrame
    reliability: pd.DataFrame
    factorability: dict
    parallel: ParallelAnalysis
    map: dict
    n_factors: pd.DataFrame
    factor_analysis: FactorAnalysis
    loadings: pd.DataFrame
    phi: pd.DataFrame
    congruence: pd.DataFrame
    item_mapping: pd.DataFrame
    construct_verdicts: pd.DataFrame
    omega: OmegaResult | None = None
    bootstrap: BootstrapResult | None = None

    @property
    def n_read(self) -> int:
        """Rows read from the data."""
        return self.cleaning.n_read

    @property
    def responses(self) -> pd.DataFrame:
        """The clean item answers the analysis used."""
        return self.cleaning.responses[self.instrument.item_ids]

    def summary(self) -> str:
        """A few lines for the command line and the notebook."""
        c = self.cleaning
        verdicts = self.item_mapping["verdict"].value_counts()
        constructs = ", ".join(
            f"{row.construct} {row.verdict} ({row.congruence:.3f})"
            for row in self.construct_verdicts.itertuples()
        )
        basis = f"analysed: {self.n_used}"
        if self.settings.missing == "pairwise":
            basis += (
                f"; each correlation rests on at least "
                f"{self.factorability['n_obs']} of them"
            )
        suggestions = ", ".join(
            f"{row.criterion}: {row.suggestion}" for row in self.n_factors.itertuples()
        )
        return "\n".join(
            [
                f"instrument {self.instrument.id} {self.instrument.version}: "
                f"{self.instrument.n_items} items, "
                f"{len(self.instrument.constructs)} constructs",
                f"rows read {c.n_read} = kept {c.n_kept} + left out {c.n_excluded}"
                f" (missing: {self.settings.missing}; {basis})",
                f"KMO {self.factorability['kmo']['overall']:.3f}; Bartlett chi2 "
                f"{self.factorability['bartlett']['chi_square']:.1f} on "
                f"{self.factorability['bartlett']['df']} df",
                f"number of factors: {suggestions}; "
                f"key: {len(self.instrument.constructs)}",
                f"constructs (congruence): {constructs}",
                "items: "
                + ", ".join(
                    f"{count} {verdict}" for verdict, count in verdicts.items()
                ),
            ]
        )

    def write(self, folder: str | Path) -> Path:
        """Write every table, figure, the report and the scoring model to ``folder``.

        The files are staged and moved into place only when all were written.

        Returns
        -------
        Path
            The folder.
        """
        from .scoring.model import ScoringModel

        tables = {
            "item_statistics.csv": self.item_statistics,
            "reliability.csv": self.reliability,
            "item_mapping.csv": self.item_mapping,
            "construct_verdicts.csv": self.construct_verdicts,
        }
        matrices = {
            "correlations.csv": (self.correlation, "item"),
            "thresholds.csv": (self.thresholds, "item"),
            "loadings.csv": (self.loadings, "item"),
            "factor_correlations.csv": (self.phi, "factor"),
            "congruence.csv": (self.congruence, "construct"),
        }
        with output_folder(folder) as stage:
            self.cleaning.log.to_csv(stage / "cleaning_log.csv", index=False)
            _write_json(stage / "cleaning_manifest.json", self.cleaning.manifest)
            for name, table in tables.items():
                table.to_csv(stage / name, index=False)
            for name, (matrix, label) in matrices.items():
                if matrix is not None:
                    matrix.to_csv(stage / name, index_label=label)
            _write_json(stage / "factorability.json", self.factorability)
            _write_json(stage / "n_factors.json", self._n_factors_dict())
            if self.omega is not None:
                _write_json(stage / "omega.json", self._omega_dict())
            if self.bootstrap is not None:
                self._write_bootstrap(stage)
            _write_json(stage / "manifest.json", self._manifest())

            model = ScoringModel.unit_weighted(
                self.instrument,
                self.responses,
                data_sha256=self.cleaning.manifest.get("input", {}).get("sha256"),
            )
            model.save(stage / "scoring_model.json")
            self._report().write(stage)
        return Path(folder)

    # -- helpers of write -----------------------------------------------------------

    def _n_factors_dict(self) -> dict:
        return {
            "parallel_analysis": self.parallel.to_dict(),
            "map": self.map,
            "summary": self.n_factors.to_dict(orient="records"),
            "key_constructs": len(self.instrument.constructs),
        }

    def _omega_dict(self) -> dict:
        result = self.omega
        subscales = result.omega_subscales
        return {
            "n_obs": result.n_obs,
            "n_factors": result.n_factors,
            "omega_total": result.omega_total,
            "omega_hierarchical": result.omega_hierarchical,
            "omega_limit": result.omega_limit,
            "alpha": result.alpha,
            "ecv": result.ecv,
            "subscales": subscales.reset_index().to_dict(orient="records"),
        }

    def _write_bootstrap(self, stage: Path) -> None:
        boot = self.bootstrap
        lower = boot.loadings_lower.stack().rename("lower")
        upper = boot.loadings_upper.stack().rename("upper")
        intervals = pd.concat([lower, upper], axis=1)
        intervals.index.names = ["item", "factor"]
        intervals.to_csv(stage / "bootstrap_loadings.csv")
        boot.congruence.to_csv(stage / "bootstrap_congruence.csv", index_label="sample")

    def _manifest(self) -> dict:
        fa = self.factor_analysis
        settings = asdict(self.settings)
        return {
            "package_version": __version__,
            "instrument": {
                "id": self.instrument.id,
                "version": self.instrument.version,
            },
            "settings": settings,
            "n_read": self.cleaning.n_read,
            "n_kept": self.cleaning.n_kept,
            "n_excluded": self.cleaning.n_excluded,
            "n_analysed": self.n_used,
            "factor_solution": {
                "n_factors": int(fa.loadings_.shape[1]),
                "converged": fa.converged_,
                "iterations": fa.n_iter_,
                "objective": _finite(fa.objective_),
                "chi_square": _finite(fa.chi_square_),
                "dof": fa.dof_,
                "rmsea": _finite(fa.rmsea_),
                "tli": _finite(fa.tli_),
                "bic": _finite(fa.bic_),
            },
            "bootstrap": None
            if self.bootstrap is None
            else {
                "samples": self.bootstrap.n_boot,
                "failed": self.bootstrap.n_failed,
                "level": self.bootstrap.level,
                "seed": self.bootstrap.seed,
            },
        }

    def _report(self):
        from .plots.validation import loadings_heatmap, scree_plot
        from .report import Report

        instrument = self.instrument
        key = instrument.key_matrix()
        t = self.settings.thresholds
        report = Report(
            f"Validation of {instrument.name_in('en')} ({instrument.id} "
            f"{instrument.version})",
            f"{self.n_used} respondents analysed; {self.settings.correlation} "
            f"correlations, {self.settings.method} extraction, "
            f"{self.settings.rotation} rotation.",
        )
        report.add_text("Summary", self.summary(), preformatted=True)
        report.add_figure(
            "Number of factors",
            scree_plot(self.parallel, len(instrument.constructs)),
            "scree",
            note="Observed eigenvalues above those of random data suggest a factor.",
        )
        report.add_table(
            "What each criterion suggests", self.n_factors.set_index("criterion")
        )
        report.add_figure(
            "Loadings against the key",
            loadings_heatmap(self.loadings, key),
            "loadings_heatmap",
        )
        boot_note = (
            ""
            if self.bootstrap is None
            else f" Intervals: {self.bootstrap.level:.0%} percentile bootstrap over "
            f"{self.bootstrap.n_boot} samples (seed {self.bootstrap.seed})."
        )
        report.add_table(
            "Constructs",
            self.construct_verdicts.set_index("construct"),
            note=f"Congruence good from {t.good_congruence}, fair from "
            f"{t.fair_congruence}.{boot_note}",
        )
        report.add_table(
            "Items",
            self.item_mapping.set_index("item"),
            note=f"Salient loading from {t.salient}, weak below {t.weak}, smallest "
            f"gap to a cross-loading {t.min_gap}.{boot_note}",
        )
        report.add_table("Reliability", self.reliability.set_index("construct"))
        if self.omega is not None:
            o = self.omega
            report.add_table(
                "Omega",
                o.omega_subscales,
                note=f"All items: omega total {o.omega_total:.3f}, omega hierarchical "
                f"{o.omega_hierarchical:.3f} (Schmid-Leiman, {o.n_factors} group "
                f"factors, {o.n_obs} respondents).",
            )
        else:
            report.add_text(
                "Omega",
                "Not computed: omega needs at least two constructs and, on average, "
                "three items per construct.",
            )
        report.add_table("Item statistics", self.item_statistics.set_index("item"))
        report.add_table("Factor correlations", self.phi)
        return report


def _finite(value) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def _write_json(path: Path, content) -> None:
    path.write_text(
        json.dumps(content, indent=2, sort_keys=True, default=_json_default) + "\n",
        encoding="utf-8",
    )


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _correlations(items: pd.DataFrame, settings: ValidationSettings):
    if settings.correlation == "polychoric":
        from .polychoric import polychoric_matrix

        result = polychoric_matrix(items)
        return result.correlation, result.thresholds, result.n_obs
    pairwise_n = items.notna().astype(int).T @ items.notna().astype(int)
    return items.corr(), None, pairwise_n


@with_one_blas_thread
def validate(
    instrument: str | Path | Instrument,
    data,
    *,
    missing: str = "listwise",
    correlation: str = "pearson",
    method: str = "minres",
    rotation: str = "oblimin",
    n_factors: int | None = None,
    n_iter: int = 100,
    seed: int = 0,
    bootstrap: int = 0,
    n_jobs: int | None = None,
    n_starts: int = 1,
    full_target: bool = False,
    thresholds: VerdictThresholds | None = None,
    policy: CleaningPolicy | None = None,
    progress: Callable[[int], None] | None = None,
    **read_options,
) -> ValidationResult:
    """Validate an instrument's key on answers to it.

    Parameters
    ----------
    instrument : str, Path or Instrument
        A packaged instrument name, a spec path or a loaded instrument.
    data : str, Path or DataFrame
        The answers: a survey export (any format
        :func:`commercie_analysis.cleaning.clean` reads) or a DataFrame.
    missing, correlation, method, rotation, n_factors, n_iter, seed
        See :class:`ValidationSettings`.
    bootstrap, n_jobs, n_starts, full_target, thresholds
        See :class:`ValidationSettings`.
    policy : CleaningPolicy, optional
        The cleaning policy; its ``missing`` is set from ``missing``.
    progress : callable, optional
        Called with the number of finished bootstrap samples, e.g. to move a
        progress bar.
    **read_options
        Passed to :func:`~commercie_analysis.cleaning.clean` (``format``,
        ``sheet``, ``mapping``, ``pseudonymise``, ``salt``).

    Returns
    -------
    ValidationResult

    Notes
    -----
    With ``missing="pairwise"`` every statistic uses all answered pairs; the
    number of respondents behind a correlation matrix (for Bartlett's test, the
    parallel analysis and the fit statistics) is then the smallest pairwise count,
    a conservative choice. Omega uses the same matrix, and the bootstrap computes
    pairwise correlations in each sample.
    """
    settings = ValidationSettings(
        missing=missing,
        correlation=correlation,
        method=method,
        rotation=rotation,
        n_factors=n_factors,
        n_iter=n_iter,
        seed=seed,
        bootstrap=bootstrap,
        n_jobs=n_jobs,
        n_starts=n_starts,
        full_target=full_target,
        thresholds=thresholds or VerdictThresholds(),
    )
    settings.check()
    instrument = load_instrument(instrument)
    key = instrument.key_matrix()
    m = n_factors or len(instrument.constructs)
    if rotation in ("target", "target_orthogonal") and m != key.shape[1]:
        raise DataError(
            f"n_factors: rotation towards the key needs one factor per construct "
            f"({key.shape[1]}), found {m}"
        )

    # Read and clean.
    policy = replace(policy or CleaningPolicy(), missing=missing)
    cleaned = clean(data, instrument, policy=policy, **read_options)
    items = cleaned.responses[instrument.item_ids].astype(float)
    _check_items(items)
    lost = cleaned.steps.get("missing", {}).get("excluded", 0)
    if missing == "listwise" and lost > 0.2 * cleaned.n_read:
        warnings.warn(
            f"listwise deletion left out {lost} of {cleaned.n_read} respondents "
            f"({lost / cleaned.n_read:.0%}) for a missing answer; consider "
            "missing='pairwise' (--missing pairwise)",
            DataQualityWarning,
            stacklevel=2,
        )
    if missing == "listwise":
        items = items.dropna()
    if len(items) <= instrument.n_items:
        raise DataError(
            f"data: {len(items)} usable respondents for {instrument.n_items} items; "
            "a factor analysis needs many more respondents than items"
        )

    # Correlations first: a pair of items without joint answers, or a perfect
    # correlation, is named here before any statistic fails on it.
    r, thresholds_table, pairwise_n = _correlations(items, settings)
    n_obs = int(np.asarray(pairwise_n).min())
    _check_correlations(r, pairwise_n)

    # Item analysis on the observed answers.
    stats = item_statistics(items, instrument)
    reliability = reliability_table(items, instrument)

    # Factorability, number of factors.
    if correlation == "polychoric":
        keyed_r = _keyed(r, instrument)
        reliability["ordinal_alpha"] = [
            alpha_from_correlation(keyed_r.loc[its, its])
            for its in map(instrument.items_of, reliability["construct"])
        ]
    factorability = {
        "correlation": correlation,
        "n_obs": n_obs,
        "kmo": kmo(r),
        "bartlett": bartlett_sphericity(r, n_obs),
    }
    parallel = parallel_analysis(r, n_obs, n_iter=n_iter, seed=seed)
    map_result = velicer_map(r)
    summary = n_factors_summary(parallel, map_result, len(instrument.constructs))

    # The exploratory solution, aligned to the key.
    fit_options = {
        "n_factors": m,
        "method": method,
        "rotation": rotation,
        "rotation_options": settings.rotation_options(key),
    }
    fa = FactorAnalysis(**fit_options).fit(correlation=r, n_obs=n_obs)
    loadings, phi, congruence = align_to_key(fa.loadings_, key, fa.phi_)
    items_table = item_verdicts(loadings, key, fa.communalities_, settings.thresholds)
    constructs_table = construct_verdicts(congruence, items_table, settings.thresholds)

    # Omega and the bootstrap, on the same respondents and correlations.
    omega_result = _omega(r, n_obs, instrument, settings)
    boot = None
    if bootstrap:
        boot = bootstrap_solution(
            items,
            key,
            n_boot=bootstrap,
            correlate=_sample_correlation(correlation, missing),
            level=0.95,
            seed=seed,
            n_jobs=n_jobs,
            progress=progress,
            **fit_options,
        )
        items_table = items_table.merge(
            boot.item_table(key).drop(columns="intended_construct"), on="item"
        )
        constructs_table = constructs_table.merge(
            boot.congruence_interval[["lower", "upper"]]
            .add_prefix("congruence_")
            .reset_index(),
            on="construct",
            how="left",
        )

    return ValidationResult(
        instrument=instrument,
        settings=settings,
        cleaning=cleaned,
        n_used=len(items),
        correlation=r,
        thresholds=thresholds_table,
        item_statistics=stats,
        reliability=reliability,
        factorability=factorability,
        parallel=parallel,
        map=map_result,
        n_factors=summary,
        factor_analysis=fa,
        loadings=loadings,
        phi=phi,
        congruence=congruence,
        item_mapping=items_table,
        construct_verdicts=constructs_table,
        omega=omega_result,
        bootstrap=boot,
    )


def _omega(r, n_obs, instrument, settings) -> OmegaResult | None:
    # Omega needs at least two group factors and three items per factor to speak
    # of a general factor; below that only alpha is reported.
    k = len(instrument.constructs)
    if k < 2 or instrument.n_items < 3 * k:
        return None
    return omega(
        r,
        k,
        keys=instrument.key_matrix(),
        method=settings.method,
        n_obs=n_obs,
    )


def _sample_correlation(correlation: str, missing: str):
    if correlation == "polychoric":
        from .polychoric import polychoric_matrix

        def polychoric_of_sample(sample: pd.DataFrame) -> pd.DataFrame:
            return polychoric_matrix(sample).correlation

        return polychoric_of_sample
    if missing == "pairwise":
        return lambda sample: sample.corr()
    return None


def _check_items(items: pd.DataFrame) -> None:
    # Items answered all alike cannot be analysed; name them before any statistic
    # fails on them. (Cleaning already refuses items nobody answered, and a
    # result with nobody left.)
    constant = [str(c) for c in items.columns if items[c].nunique() < 2]
    if constant:
        raise DataError(
            f"data: item(s) {', '.join(constant)} have a single observed answer "
            "(no variance) and cannot be analysed"
        )


def _check_correlations(r: pd.DataFrame, pairwise_n) -> None:
    counts = np.asarray(pairwise_n)
    sparse = np.triu(counts < 3, k=1)
    if sparse.any():
        pairs = [
            f"{r.index[i]}-{r.columns[j]} ({counts[i, j]})"
            for i, j in zip(*np.nonzero(sparse), strict=True)
        ]
        raise DataError(
            f"data: {len(pairs)} pair(s) of items were answered together by fewer "
            f"than 3 respondents, too few to correlate: {', '.join(pairs[:8])}"
            + (", ..." if len(pairs) > 8 else "")
        )
    values = r.to_numpy()
    if not np.isfinite(values).all():
        rows, cols = np.nonzero(~np.isfinite(values))
        pairs = sorted(
            {
                tuple(sorted((r.index[i], r.index[j])))
                for i, j in zip(rows, cols, strict=True)
            }
        )
        raise DataError(
            "data: no correlation for the item pair(s) "
            + ", ".join(f"{a}-{b}" for a, b in pairs[:10])
            + " (no joint answers, or no variance among them)"
        )
    upper = np.triu(np.abs(values) > 0.9999, k=1)
    if upper.any():
        pairs = [
            f"{r.index[i]}-{r.columns[j]}"
            for i, j in zip(*np.nonzero(upper), strict=True)
        ]
        raise DataError(
            f"data: item pair(s) {', '.join(pairs[:10])} correlate perfectly "
            "(identical or mirrored items); drop one of each pair"
        )


def _keyed(r: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    sign = pd.Series(1.0, index=instrument.item_ids)
    sign[instrument.reverse_keyed] = -1.0
    return r.loc[sign.index, sign.index] * np.outer(sign, sign)
