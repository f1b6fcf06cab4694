r"""Respondents from a stated population model.

Real answers to the commercial questionnaires are not public, so the analysis path is
built and shown on simulated answers. The population model is explicit and returned
with the data, so every simulated file says exactly how it was made.

The model is the common factor model for ordinal items. Respondent ``r`` has factor
scores ``f_r`` (one per construct, multivariate normal with correlations ``Phi``, or
a mixture of such normals when the instrument names profiles). Item ``i`` keyed on
construct ``c`` has the latent response

.. math:: y^*_{ri} = \lambda_i f_{rc} + \sqrt{1 - \lambda_i^2}\, e_{ri},
   \qquad e_{ri} \sim N(0, 1)

cut into the answer categories by the item's thresholds ``tau_i``. A reverse-keyed
item is answered in reverse: its answer is ``min + max`` minus the category of
``y*``, so its loading on the raw answers is ``-lambda_i``. Careless responders
answer every item uniformly at random; missing answers are missing completely at
random and recorded with the instrument's first missing code (or left empty).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import DataError, ModelError
from .instruments import Instrument, load_instrument

__all__ = [
    "PopulationModel",
    "Simulation",
    "default_population_model",
    "simulate_responses",
    "structure_recovery",
]

#: Roles that answer each kind of instrument, used for the ``role`` group column.
DEFAULT_ROLES = {
    "market_profile": ["sales manager", "commercial director", "managing director"],
    "commercial_profile": ["account manager", "field sales", "inside sales"],
    "adoption_ladder": ["customer", "account manager"],
}


@dataclass(frozen=True)
class PopulationModel:
    """The population a simulated sample is drawn from.

    Attributes
    ----------
    instrument : str
        Id of the instrument the model belongs to.
    loadings : DataFrame
        Items x constructs. Each item loads on its keyed construct only; the sign is
        the one on the raw answers (negative for reverse-keyed items).
    factor_correlations : DataFrame
        Constructs x constructs, the correlations of the factor scores within a
        class (``Phi``).
    thresholds : DataFrame
        Items x ``n_categories - 1`` cut points on the latent response scale, in the
        keyed direction (before reverse-keyed answers are turned round).
    class_means : DataFrame or None
        Classes x constructs: the factor means of each latent profile, or None for a
        single normal population.
    class_weights : Series or None
        The share of each class.
    class_level : str
        ``"company"`` (all respondents of a company share its class) or
        ``"respondent"``.
    careless_share, missing_share : float
        Share of careless responders and of missing answers.
    roles : dict of str to float
        Role of the respondent and its share.
    languages : dict of str to float
        Questionnaire language and its share.
    respondents_per_company : float
        Mean number of respondents per company.
    """

    instrument: str
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    thresholds: pd.DataFrame
    class_means: pd.DataFrame | None = None
    class_weights: pd.Series | None = None
    class_level: str = "company"
    careless_share: float = 0.0
    missing_share: float = 0.0
    roles: dict[str, float] = field(default_factory=lambda: {"respondent": 1.0})
    languages: dict[str, float] = field(default_factory=lambda: {"en": 1.0})
    respondents_per_company: float = 10.0

    def with_shares(
        self, careless_share: float | None = None, missing_share: float | None = None
    ) -> PopulationModel:
        """Return a copy with other shares of careless responders or missing answers."""
        changes = {}
        if careless_share is not None:
            changes["careless_share"] = _share(careless_share, "careless_share")
        if missing_share is not None:
            changes["missing_share"] = _share(missing_share, "missing_share")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the model as plain JSON-ready data (see :meth:`from_dict`)."""
        keyed = self.loadings.abs().idxmax(axis=1)
        out: dict[str, Any] = {
            "instrument": self.instrument,
            "model": "ordinal common factor model (normal latent responses)",
            "items": {
                item: {
                    "construct": str(keyed[item]),
                    "loading": round(float(self.loadings.loc[item, keyed[item]]), 6),
                    "thresholds": [
                        round(float(t), 6) for t in self.thresholds.loc[item]
                    ],
                }
                for item in self.loadings.index
            },
            "factor_correlations": {
                row: {
                    col: round(float(self.factor_correlations.loc[row, col]), 6)
                    for col in self.factor_correlations.columns
                }
                for row in self.factor_correlations.index
            },
            "careless_share": self.careless_share,
            "missing_share": self.missing_share,
            "roles": self.roles,
            "languages": self.languages,
            "respondents_per_company": self.respondents_per_company,
        }
        if self.class_means is not None:
            out["classes"] = {
                "level": self.class_level,
                "weights": {
                    k: round(float(v), 6) for k, v in self.class_weights.items()
                },
                "means": {
                    k: {c: round(float(v), 6) for c, v in row.items()}
                    for k, row in self.class_means.iterrows()
                },
            }
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PopulationModel:
        """Rebuild a model written by :meth:`to_dict` (for example from YAML).

        Raises
        ------
        ModelError
            Naming the field that is missing or malformed.
        """
        try:
            items = data["items"]
            constructs = list(data["factor_correlations"])
            loadings = pd.DataFrame(0.0, index=list(items), columns=constructs)
            thresholds = []
            for item, spec in items.items():
                loadings.loc[item, spec["construct"]] = float(spec["loading"])
                thresholds.append([float(t) for t in spec["thresholds"]])
            phi = pd.DataFrame(data["factor_correlations"]).loc[constructs, constructs]
            classes = data.get("classes")
            means = weights = None
            if classes:
                means = pd.DataFrame(classes["means"]).T[constructs].astype(float)
                weights = pd.Series(classes["weights"], dtype=float)[means.index]
            model = cls(
                instrument=str(data["instrument"]),
                loadings=loadings,
                factor_correlations=phi.astype(float),
                thresholds=pd.DataFrame(thresholds, index=list(items)),
                class_means=means,
                class_weights=weights,
                class_level=(classes or {}).get("level", "company"),
                careless_share=float(data.get("careless_share", 0.0)),
                missing_share=float(data.get("missing_share", 0.0)),
                roles=dict(data.get("roles", {"respondent": 1.0})),
                languages=dict(data.get("languages", {"en": 1.0})),
                respondents_per_company=float(data.get("respondents_per_company", 10)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"population model: missing or malformed field ({exc!r}); expected "
                "the layout written by PopulationModel.to_dict"
            ) from None
        model.check()
        return model

    def check(self) -> None:
        """Raise ModelError if the model cannot generate data."""
        bad = self.loadings.abs().max(axis=1)
        bad = bad[(bad <= 0) | (bad >= 1)]
        if len(bad):
            raise ModelError(
                f"population model: loadings must lie strictly between 0 and 1 in "
                f"absolute value; {len(bad)} item(s) do not: {list(bad.index)}"
            )
        if not (np.diff(self.thresholds.to_numpy(), axis=1) > 0).all():
            raise ModelError("population model: thresholds must increase within items")
        phi = self.factor_correlations.to_numpy()
        if np.linalg.eigvalsh(phi).min() <= 0:
            raise ModelError(
                "population model: factor_correlations is not positive definite"
            )
        _share(self.careless_share, "careless_share")
        _share(self.missing_share, "missing_share")


@dataclass(frozen=True)
class Simulation:
    """A simulated sample and the truth behind it.

    Attributes
    ----------
    responses : DataFrame
        ``respondent_id``, ``company``, ``role``, ``language`` and one column per
        item (whole numbers; missing answers as the missing code or NA).
    truth : DataFrame
        Per respondent: the factor scores, the latent class (if any) and whether
        the respondent answered carelessly.
    model : PopulationModel
        The population model the sample was drawn from.
    seed : int or None
        The seed used.
    """

    responses: pd.DataFrame
    truth: pd.DataFrame
    model: PopulationModel
    seed: int | None

    def manifest(self, n: int) -> dict[str, Any]:
        """Describe what the sample is and how it was made, for the output manifest."""
        return {
            "kind": "simulated responses",
            "simulated": True,
            "instrument": self.model.instrument,
            "n": n,
            "seed": self.seed,
            "population_model": self.model.to_dict(),
        }


def _share(value: float, name: str) -> float:
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise DataError(f"{name} must lie in [0, 1), found {value}")
    return value


def default_population_model(
    instrument: Instrument | str,
    seed: int | None = 0,
    *,
    loading_range: tuple[float, float] = (0.45, 0.75),
    correlation_range: tuple[float, float] = (0.10, 0.40),
    threshold_shift: tuple[float, float] = (0.20, 0.60),
    careless_share: float = 0.0,
    missing_share: float = 0.0,
    profile_separation: float = 1.0,
    split_separation: float = 0.8,
) -> PopulationModel:
    """Draw a realistic population model for ``instrument``, reproducibly.

    Parameters
    ----------
    instrument : Instrument or str
        The instrument (or its packaged name / path).
    seed : int or None, default=0
        Seed of the draws of loadings, correlations and thresholds.
    loading_range : (float, float), default=(0.45, 0.75)
        Each item's loading is drawn uniformly from this range.
    correlation_range : (float, float), default=(0.10, 0.40)
        Each factor correlation is drawn uniformly from this range (redrawn until
        the matrix is positive definite).
    threshold_shift : (float, float), default=(0.20, 0.60)
        Thresholds start at the normal quantiles that fill the categories equally
        and are shifted down by a draw from this range, so answers lean towards
        agreement in the keyed direction, as self-descriptions usually do.
    careless_share, missing_share : float, default=0
        Share of careless responders and of missing answers.
    profile_separation, split_separation : float, default=1.0 and 0.8
        Only for instruments with profiles (the market profile): the factor mean of
        a class on its own category (the other categories get ``-1/3`` of it, so
        the means average to zero) and on the split construct (``+`` for the high
        pole, ``-`` for the low one). The within-class variances are shrunk so that
        each factor keeps unit variance overall.

    Returns
    -------
    PopulationModel

    Examples
    --------
    >>> model = default_population_model("commercial_profile", seed=1)
    >>> model.loadings.shape
    (28, 4)
    >>> bool(model.loadings.loc["cp_adv6", "adviseur"] < 0)
    True
    >>> model.thresholds.shape
    (28, 4)
    """
    instrument = load_instrument(instrument)
    rng = np.random.default_rng(seed)
    constructs = instrument.construct_ids
    k = instrument.scale.n_categories

    # loadings: one per item on its keyed construct, signed as on the raw answers
    key = instrument.key_matrix()
    size = rng.uniform(*loading_range, size=len(key))
    loadings = key.mul(size, axis=0)

    # factor correlations, positive definite
    m = len(constructs)
    for _ in range(1000):
        phi = np.eye(m)
        upper = np.triu_indices(m, 1)
        phi[upper] = rng.uniform(*correlation_range, size=len(upper[0]))
        phi = np.triu(phi) + np.triu(phi, 1).T
        if np.linalg.eigvalsh(phi).min() > 1e-6:
            break
    else:  # pragma: no cover - needs a pathological range
        raise ModelError(
            f"correlation_range {correlation_range}: no positive definite matrix "
            "found in 1000 draws"
        )
    phi = pd.DataFrame(phi, index=constructs, columns=constructs)

    # skewed thresholds
    base = stats.norm.ppf(np.arange(1, k) / k)
    shift = rng.uniform(*threshold_shift, size=(len(key), 1))
    thresholds = pd.DataFrame(base[None, :] - shift, index=key.index)
    thresholds.columns = [f"tau{j}" for j in range(1, k)]

    # latent profiles for instruments that name them
    means = weights = None
    if instrument.profiles is not None:
        means, weights = _profile_means(
            instrument, profile_separation, split_separation
        )

    roles = DEFAULT_ROLES.get(instrument.id, ["respondent"])
    shares = {"nl": 0.7, "en": 0.3}
    languages = {lang: shares.get(lang, 1.0) for lang in instrument.languages}
    total = sum(languages.values())
    per_company = 3.0 if instrument.profiles is not None else 10.0
    model = PopulationModel(
        instrument=instrument.id,
        loadings=loadings,
        factor_correlations=phi,
        thresholds=thresholds,
        class_means=means,
        class_weights=weights,
        careless_share=_share(careless_share, "careless_share"),
        missing_share=_share(missing_share, "missing_share"),
        roles={role: round(1 / len(roles), 6) for role in roles},
        languages={lang: round(v / total, 6) for lang, v in languages.items()},
        respondents_per_company=per_company,
    )
    model.check()
    return model


def _profile_means(instrument, separation, split_separation):
    profiles = instrument.profiles
    categories = list(dict.fromkeys(p.construct for p in profiles.profiles))
    means = pd.DataFrame(
        0.0, index=[p.id for p in profiles.profiles], columns=instrument.construct_ids
    )
    for profile in profiles.profiles:
        means.loc[profile.id, categories] = -separation / (len(categories) - 1)
        means.loc[profile.id, profile.construct] = separation
        sign = 1.0 if profile.pole == "high" else -1.0
        means.loc[profile.id, profiles.split_construct] = sign * split_separation
    weights = pd.Series(1.0 / len(means), index=means.index)
    between = (means**2).mul(weights, axis=0).sum() - means.mul(
        weights, axis=0
    ).sum() ** 2
    if (between >= 0.95).any():
        raise ModelError(
            "profile_separation / split_separation too large: the class means alone "
            f"would carry {between.max():.2f} of a factor's unit variance (max 0.95)"
        )
    return means, weights


def simulate_responses(
    instrument: Instrument | str,
    n: int,
    seed: int | None = None,
    model: PopulationModel | None = None,
    *,
    careless_share: float | None = None,
    missing_share: float | None = None,
    missing_as: str = "code",
) -> Simulation:
    """Draw ``n`` respondents from a population model.

    Parameters
    ----------
    instrument : Instrument or str
        The instrument answered.
    n : int
        Number of respondents (at least 1).
    seed : int or None, default=None
        Seed of the sample. The default model (when ``model`` is None) is drawn with
        the same seed.
    model : PopulationModel, optional
        The population model; :func:`default_population_model` when omitted.
    careless_share, missing_share : float, optional
        Override the model's shares.
    missing_as : {"code", "na"}, default="code"
        Record a missing answer as the instrument's first missing code (as survey
        exports do, e.g. 9 for "don't know") or as NA.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> sim = simulate_responses("commercial_profile", n=5, seed=3)
    >>> list(sim.responses.columns[:5])
    ['respondent_id', 'company', 'role', 'language', 'cp_adv1']
    >>> int(sim.responses["cp_adv1"].between(1, 5).sum())
    5
    """
    instrument = load_instrument(instrument)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"n must be a whole number of at least 1, found {n!r}")
    if missing_as not in ("code", "na"):
        raise DataError(f"missing_as must be 'code' or 'na', found {missing_as!r}")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
    ):
        raise DataError(f"seed must be a whole number >= 0 or None, found {seed!r}")
    _check_size(n, instrument)
    if model is None:
        model = default_population_model(instrument, seed)
    model = model.with_shares(careless_share, missing_share)
    _check_model_fits(model, instrument)
    rng = np.random.default_rng(None if seed is None else [seed, 1])
    items = instrument.item_ids
    constructs = instrument.construct_ids
    scale = instrument.scale

    # groups: companies of about `respondents_per_company` respondents each
    n_companies = max(1, round(n / model.respondents_per_company))
    width = len(str(n_companies))
    company_of = rng.integers(0, n_companies, size=n)
    company_of[: min(n, n_companies)] = np.arange(min(n, n_companies))
    companies = np.array([f"C{c + 1:0{width}d}" for c in range(n_companies)])
    roles = rng.choice(list(model.roles), size=n, p=_probabilities(model.roles))
    languages = rng.choice(
        list(model.languages), size=n, p=_probabilities(model.languages)
    )

    # factor scores: one normal population, or a mixture of latent profiles
    phi = model.factor_correlations.loc[constructs, constructs].to_numpy()
    classes = None
    means = np.zeros((n, len(constructs)))
    if model.class_means is not None:
        class_ids = model.class_means.index.to_numpy()
        p = model.class_weights[class_ids].to_numpy()
        p = p / p.sum()
        if model.class_level == "company":
            classes = class_ids[rng.choice(len(class_ids), size=n_companies, p=p)]
            classes = classes[company_of]
        else:
            classes = class_ids[rng.choice(len(class_ids), size=n, p=p)]
        class_means = model.class_means.loc[:, constructs]
        means = class_means.loc[classes].to_numpy()
        weights = model.class_weights[class_ids] / model.class_weights.sum()
        between = (class_means**2).mul(weights, axis=0).sum() - (
            class_means.mul(weights, axis=0).sum() ** 2
        )
        sd = np.sqrt(1.0 - between.to_numpy())
        phi = phi * np.outer(sd, sd)
    factors = (
        means + rng.standard_normal((n, len(constructs))) @ np.linalg.cholesky(phi).T
    )

    # latent responses in the keyed direction, cut into categories
    loadings = model.loadings.loc[items, constructs].to_numpy()
    size = np.abs(loadings).sum(axis=1)
    keyed_on = np.abs(loadings).argmax(axis=1)
    latent = factors[:, keyed_on] * size + np.sqrt(1 - size**2) * rng.standard_normal(
        (n, len(items))
    )
    tau = model.thresholds.loc[items].to_numpy()
    category = (latent[:, :, None] > tau[None, :, :]).sum(axis=2)
    answers = scale.min + category
    reverse = np.array([instrument.item(i).reverse for i in items])
    answers[:, reverse] = scale.min + scale.max - answers[:, reverse]

    # careless responders answer at random
    careless = rng.random(n) < model.careless_share
    answers[careless] = rng.integers(
        scale.min, scale.max + 1, size=(int(careless.sum()), len(items))
    )

    # missing answers, completely at random
    frame = pd.DataFrame(answers, columns=items)
    missing = rng.random((n, len(items))) < model.missing_share
    if missing.any():
        if missing_as == "code" and scale.missing_codes:
            frame = frame.mask(missing, scale.missing_codes[0])
        else:
            frame = frame.astype("Int64").mask(missing, pd.NA)

    width = len(str(n))
    ids = [f"R{r + 1:0{width}d}" for r in range(n)]
    groups = pd.DataFrame(
        {
            "respondent_id": ids,
            "company": companies[company_of],
            "role": roles,
            "language": languages,
        }
    )
    responses = pd.concat([groups, frame], axis=1)
    truth = pd.DataFrame(factors, columns=constructs)
    truth.insert(0, "respondent_id", ids)
    truth["latent_class"] = classes if classes is not None else pd.NA
    truth["careless"] = careless
    return Simulation(responses, truth, model, seed)


def _probabilities(shares: dict[str, float]) -> np.ndarray:
    p = np.array([float(v) for v in shares.values()])
    if (p < 0).any() or p.sum() <= 0:
        raise ModelError(
            f"population model: shares must be non-negative, found {shares}"
        )
    return p / p.sum()


#: Working copies of the answer matrix a simulation holds at its peak, an upper
#: estimate: the factor scores and noise, the answers, the table and its CSV text.
_COPIES = 6


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _check_size(n: int, instrument: Instrument) -> None:
    """Refuse an ``n`` whose answers would not fit in half the machine's memory.

    The estimate is ``n`` x (items + constructs + 8 other columns) x 8 bytes x
    :data:`_COPIES` working copies.
    """
    memory = _physical_memory()
    if memory is None:
        return
    limit = memory // 2
    columns = instrument.n_items + len(instrument.construct_ids) + 8
    needed = int(n) * columns * 8 * _COPIES
    if needed > limit:
        largest = limit // (columns * 8 * _COPIES)
        raise DataError(
            f"n {n}: the simulated answers would need about {needed / 2**30:,.1f} "
            f"GiB of memory, more than the limit of half this machine's memory "
            f"({limit / 2**30:,.1f} GiB); at most {largest:,} respondents of "
            f"{instrument.id!r} fit; simulate in several runs with other seeds"
        )


def _check_model_fits(model: PopulationModel, instrument: Instrument) -> None:
    missing = sorted(set(instrument.item_ids) - set(model.loadings.index))
    if missing:
        raise ModelError(
            f"population model for {model.instrument!r} lacks {len(missing)} item(s) "
            f"of instrument {instrument.id!r}: {missing[:5]}"
        )
    k = instrument.scale.n_categories
    if model.thresholds.shape[1] != k - 1:
        raise ModelError(
            f"population model has {model.thresholds.shape[1]} thresholds per item; "
            f"the {k}-point scale of {instrument.id!r} needs {k - 1}"
        )


def structure_recovery(
    instrument: Instrument | str,
    n: int = 400,
    seed: int | None = 0,
    model: PopulationModel | None = None,
    *,
    min_congruence: float = 0.95,
) -> dict[str, Any]:
    """Check whether a factor analysis recovers the key from one simulated sample.

    The sample is analysed as real answers would be: minres extraction of as many
    factors as constructs from the Pearson correlations, oblimin rotation, factors
    matched to the constructs and signed by the key
    (:func:`commercie_analysis.validation.align_to_key`).

    Parameters
    ----------
    instrument : Instrument or str
    n : int, default=400
    seed : int or None, default=0
        Seed of the sample.
    model : PopulationModel, optional
        Default: :func:`default_population_model` with seed 0, the same for every
        replication.
    min_congruence : float, default=0.95

    Returns
    -------
    dict
        ``seed``; ``misplaced``, the items whose largest absolute loading is not on
        their keyed construct or has the wrong sign; ``congruence``, Tucker's
        congruence of each recovered factor with the population loadings of its
        construct; ``key_congruence``, the same with the key's +1/-1/0 column; and
        ``recovered``: no item misplaced and every population congruence at least
        ``min_congruence``.

    Examples
    --------
    >>> result = structure_recovery("commercial_profile", n=400, seed=1)
    >>> result["misplaced"], result["recovered"]
    ([], True)
    """
    from .factoring import FactorAnalysis
    from .validation import align_to_key, tucker_congruence

    instrument = load_instrument(instrument)
    model = model or default_population_model(instrument, 0)
    sample = simulate_responses(instrument, n, seed, model, missing_as="na")
    answers = sample.responses[instrument.item_ids].astype(float)
    key = instrument.key_matrix()
    fa = FactorAnalysis(len(instrument.construct_ids)).fit(answers)
    loadings, _, key_congruence = align_to_key(fa.loadings_, key, fa.phi_)
    loadings = loadings[instrument.construct_ids]

    largest = loadings.abs().idxmax(axis=1)
    misplaced = [
        item.id
        for item in instrument.items
        if largest[item.id] != item.construct
        or np.sign(loadings.loc[item.id, item.construct])
        != key.loc[item.id, item.construct]
    ]
    population = model.loadings.loc[instrument.item_ids, instrument.construct_ids]
    congruence = tucker_congruence(loadings, population)
    own = {c: float(congruence.loc[c, c]) for c in instrument.construct_ids}
    own_key = {c: float(key_congruence.loc[c, c]) for c in instrument.construct_ids}
    return {
        "seed": seed,
        "misplaced": misplaced,
        "congruence": own,
        "key_congruence": own_key,
        "recovered": not misplaced and min(own.values()) >= min_congruence,
    }
