"""Latent profile analysis: fits, guards, class numbers, label alignment, stability."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from commercie_analysis.exceptions import DataError, DataQualityWarning, ModelError
from commercie_analysis.profiles import market_profiles
from commercie_analysis.segmentation import (
    _check_classes,
    align_labels,
    bootstrap_stability,
    class_crosstab,
    compare_class_numbers,
    fit_mixture,
    relative_entropy,
)
from commercie_analysis.simulate import default_population_model, simulate_responses


def blobs(seed=0, sizes=(60, 40, 30), centres=((0, 0), (10, 0), (0, 10))):
    rng = np.random.default_rng(seed)
    X = np.vstack(
        [rng.normal(c, 1.0, (n, 2)) for n, c in zip(sizes, centres, strict=True)]
    )
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return pd.DataFrame(X, columns=["a", "b"]), truth


def test_relative_entropy_by_hand():
    # two rows, p = (0.9, 0.1): E = 1 - 2 (-0.9 ln 0.9 - 0.1 ln 0.1) / (2 ln 2)
    p = np.array([[0.9, 0.1], [0.1, 0.9]])
    expected = 1 - (-0.9 * np.log(0.9) - 0.1 * np.log(0.1)) / np.log(2)
    assert relative_entropy(p) == pytest.approx(expected)
    assert np.isnan(relative_entropy(np.ones((3, 1))))


def test_separated_classes_are_found_and_ordered_by_size():
    X, truth = blobs()
    fit = fit_mixture(X, 3)

    assert fit.sizes.tolist() == [60, 40, 30]
    assert adjusted_rand_score(truth, fit.labels) == 1.0
    assert fit.entropy > 0.99
    # sklearn's BIC: -2 log L + p ln n, p = 3 x 2 means + 3 x 2 variances + 2 weights
    assert fit.bic == pytest.approx(-2 * fit.log_likelihood + 14 * np.log(130))
    assert fit.means.loc[1].to_numpy() == pytest.approx([10, 0], abs=0.5)


def test_guard_more_classes_than_distinct_patterns():
    X = pd.DataFrame({"a": [1.0, 1.0, 2.0, 2.0, 3.0] * 4, "b": [1.0] * 20})
    with pytest.raises(
        DataError,
        match="n_classes=4 exceeds the 3 distinct score patterns among the 20 rows",
    ):
        fit_mixture(X, 4)

    # 3 distinct patterns, but 20 rows support 2 classes of 10 rows
    with pytest.warns(
        DataQualityWarning,
        match="max_classes=5 lowered to 2: the 20 rows hold 3 distinct score "
        "patterns, and 20 rows support at most 2 classes of 10 rows each",
    ):
        table = compare_class_numbers(X + np.arange(20)[:, None] * 0, 5, n_init=1)
    assert table["n_classes"].max() == 2


def test_classes_capped_at_what_the_rows_support():
    # 60 distinct rows support 60 // MIN_ROWS_PER_CLASS = 6 classes, not 400
    X = np.random.default_rng(5).normal(size=(60, 3))
    with pytest.warns(DataQualityWarning, match="max_classes=400 lowered to 6"):
        table = compare_class_numbers(X, 400, n_init=1)
    assert table["n_classes"].tolist() == [1, 2, 3, 4, 5, 6]


def test_guard_degenerate_covariance_gives_counts():
    # three points repeated: each class sits on one point, variance 0
    X = np.repeat([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]], 10, axis=0)
    with pytest.raises(ModelError, match=r"degenerate covariance.*30 rows, 3 distinct"):
        fit_mixture(X, 3, reg_covar=0.0, n_init=1)


def test_guard_missing_scores():
    X, _ = blobs()
    X.iloc[[3, 7], 0] = np.nan
    with pytest.raises(DataError, match="2 of 130 rows have a missing score"):
        fit_mixture(X, 2)


def test_empty_and_duplicated_classes_are_reported():
    X, _ = blobs()
    fit = fit_mixture(X, 3)
    means = pd.DataFrame([[0.0, 0.0], [0.0, 0.0], [6.0, 0.0]])
    with pytest.warns(
        DataQualityWarning, match=r"1 pair\(s\) of classes .* \[\(0, 1\)\]"
    ):
        _check_classes(fit.model, np.array([60, 40, 30]), means, X.to_numpy(), 3)
    with pytest.warns(
        DataQualityWarning, match=r"1 of 3 classes are empty.*\[70, 60, 0\]"
    ):
        _check_classes(fit.model, np.array([70, 60, 0]), fit.means, X.to_numpy(), 3)


def test_compare_class_numbers_picks_the_true_number():
    X, truth = blobs(seed=3)
    table = compare_class_numbers(X, 5, n_init=2, hypothesised=truth)

    assert table["n_classes"].tolist() == [1, 2, 3, 4, 5]
    assert table.loc[table["best_bic"], "n_classes"].tolist() == [3]
    assert table.loc[2, "ari"] == 1.0
    assert table.loc[2, "sizes"] == "60 40 30"
    assert (table["problem"] == "").all()


def test_crosstab_and_alignment():
    table = class_crosstab([0, 0, 1, 1, 1], ["x", "x", "y", "y", "x"])
    assert table.loc[1, "y"] == 2 and table.loc[1, "x"] == 1

    reference = np.array([0, 0, 1, 1, 2, 2, 2])
    permuted = np.array([2, 2, 0, 0, 1, 1, 0])  # one row disagrees
    aligned = align_labels(reference, permuted)
    assert aligned.tolist() == [0, 0, 1, 1, 2, 2, 1]


def test_bootstrap_stability_separates_real_from_spurious_classes():
    X, _ = blobs(seed=4)
    stable = bootstrap_stability(X, 3, n_boot=8)
    assert stable.replications["agreement"].min() == 1.0
    assert stable.classes["share_recovered"].tolist() == [1.0, 1.0, 1.0]

    # one round blob cut into three: the cuts wander from sample to sample
    rng = np.random.default_rng(5)
    blob = rng.normal(size=(150, 2))
    spurious = bootstrap_stability(blob, 3, n_boot=8)
    assert spurious.replications["ari"].mean() < 0.9


def test_eight_simulated_market_profiles_are_nearly_recovered():
    # markets drawn from eight well-separated profiles (respondent level): the
    # class-number comparison should land near eight and agree with the truth
    model = default_population_model(
        "market_profile", 0, profile_separation=1.6, split_separation=0.95
    )
    model = replace(model, class_level="respondent")
    sim = simulate_responses("market_profile", 800, seed=5, model=model)
    scores = market_profiles(sim.responses).iloc[:, 3:8]
    assert list(scores.columns)[-1] == "klantfocus"

    table = compare_class_numbers(
        scores, 9, min_classes=6, n_init=2, hypothesised=sim.truth["latent_class"]
    )
    best = int(table.loc[table["best_bic"], "n_classes"].iloc[0])
    assert 7 <= best <= 8
    assert table.set_index("n_classes").loc[8, "ari"] > 0.75


# -- against R mclust 6.0.0 (tests/reference/r/segmentation.R) ----------------------

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "segmentation.json").read_text()
)
SCORES = pd.read_csv(
    Path(__file__).parent / "fixtures" / "lpa_market_scores.csv", index_col=0
)
COVARIANCE = {"VVI": "diag", "VVV": "full"}


def test_reference_provenance():
    assert REFERENCE["provenance"]["mclust"] == "6.0.0"


@pytest.mark.parametrize(
    "case",
    [f for f in REFERENCE["fits"] if f["n_classes"] == 1],
    ids=lambda f: f["call"],
)
def test_one_class_matches_mclust(case):
    fit = fit_mixture(
        SCORES.iloc[:, :5], 1, covariance_type=COVARIANCE[case["model"]], n_init=1
    )
    assert fit.log_likelihood == pytest.approx(case["log_likelihood"], rel=1e-9)
    # mclust's BIC is 2 log L - df ln n, the negative of scikit-learn's
    assert fit.bic == pytest.approx(-case["bic_mclust"], rel=1e-9)
    assert fit.model._n_parameters() == case["df"]


@pytest.mark.parametrize(
    "case",
    [f for f in REFERENCE["from_start"] if (f["model"], f["n_classes"]) != ("VVV", 3)],
    ids=lambda f: f"{f['model']}-{f['n_classes']}",
)
def test_mixture_estimates_match_mclust_em(case):
    # the same maximum: R's EM was started from the classification found here
    # (tests/fixtures/lpa_market_starts.csv) and both run to a tight tolerance;
    # log L to 1e-6, entropy to 1e-4, class means to 1e-3, class sizes exactly.
    # (For VVV with 3 classes the tight run here finds a higher maximum than the
    # one R was started near; the next test covers it.)
    fit = fit_mixture(
        SCORES.iloc[:, :5],
        case["n_classes"],
        covariance_type=COVARIANCE[case["model"]],
        n_init=10,
        tol=1e-10,
        reg_covar=1e-12,
        max_iter=100000,
    )
    assert fit.log_likelihood == pytest.approx(case["log_likelihood"], abs=1e-6)
    assert fit.entropy == pytest.approx(case["entropy"], abs=1e-4)
    assert fit.sizes.tolist() == case["sizes"]
    ours = np.sort(fit.means.to_numpy(), axis=0)
    theirs = np.sort(np.array(case["means"]), axis=0)
    assert np.abs(ours - theirs).max() < 1e-3


@pytest.mark.parametrize(
    "case",
    [f for f in REFERENCE["fits"] if f["n_classes"] > 1],
    ids=lambda f: f["call"],
)
def test_multiple_starts_reach_at_least_mclusts_likelihood(case):
    # mclust starts once from hierarchical clustering; five random starts (at the
    # default tolerance) end at the same or a higher maximum
    fit = fit_mixture(
        SCORES.iloc[:, :5],
        case["n_classes"],
        covariance_type=COVARIANCE[case["model"]],
        n_init=5,
    )
    assert fit.log_likelihood >= case["log_likelihood"] - 1e-3


def test_adjusted_rand_index_matches_mclust():
    toy = REFERENCE["toy"]
    assert adjusted_rand_score(toy["a"], toy["b"]) == pytest.approx(
        toy["ari"], abs=1e-12
    )
