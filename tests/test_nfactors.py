import numpy as np
import pytest
from helpers import bfi_items_complete, load_reference

from commercie_analysis.exceptions import DataError
from commercie_analysis.nfactors import (
    n_factors_summary,
    parallel_analysis,
    velicer_map,
)

# R psych 2.2.9 on the bfi complete cases: tests/reference/r/psych_bfi.R.
REF = load_reference("psych_bfi")


@pytest.fixture(scope="module")
def bfi():
    items = bfi_items_complete()
    return items.corr(), len(items)


def test_map_matches_psych_vss(bfi):
    # VSS(...)$map lists MAP for 1..10 components; our values[0] is m = 0.
    r, _ = bfi
    result = velicer_map(r)
    np.testing.assert_allclose(result["values"][1:11], REF["map"], atol=1e-10)
    assert result["suggestion"] == 5  # the minimum of psych's list is at 5


def test_map_at_zero_is_mean_squared_correlation():
    r = np.array([[1, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1]])
    result = velicer_map(r)
    assert result["values"][0] == pytest.approx((0.25 + 0.09 + 0.04) / 3)


def test_observed_eigenvalues_match_fa_parallel(bfi):
    r, n = bfi
    pa = parallel_analysis(r, n, n_iter=5, seed=3)
    np.testing.assert_allclose(
        pa.eigenvalues["observed_factor"], REF["factor_eigenvalues"], atol=1e-6
    )
    np.testing.assert_allclose(
        pa.eigenvalues["observed_component"], REF["component_eigenvalues"], atol=1e-10
    )


def test_parallel_analysis_suggestion_agrees_with_psych(bfi):
    # set.seed(1); fa.parallel(cc, fm = "minres", fa = "both", n.iter = 100) in
    # psych 2.2.9 suggests 6 factors and 5 components. The random draws differ
    # from R's, but the decision is far from the margin on bfi.
    r, n = bfi
    pa = parallel_analysis(r, n, n_iter=30, seed=11)
    assert pa.suggestion == {"factor": 6, "component": 5}


def test_random_eigenvalues_of_unit_correlations_are_near_one(bfi):
    # Components of random normal data: eigenvalues straddle 1 (Marchenko-Pastur:
    # largest about (1 + sqrt(p/n))^2 = 1.21 for p = 25, n = 2436).
    r, n = bfi
    pa = parallel_analysis(r, n, n_iter=20, basis="component", quantile=None, seed=0)
    simulated = pa.eigenvalues["simulated_component"]
    assert simulated.iloc[0] == pytest.approx((1 + np.sqrt(25 / n)) ** 2, abs=0.03)
    assert simulated.mean() == pytest.approx(1.0, abs=1e-9)  # trace is p


def test_seed_makes_it_repeatable_and_quantile_exceeds_mean(bfi):
    r, n = bfi
    a = parallel_analysis(r, n, n_iter=10, seed=5, basis="component")
    b = parallel_analysis(r, n, n_iter=10, seed=5, basis="component")
    mean = parallel_analysis(r, n, n_iter=10, seed=5, basis="component", quantile=None)
    assert a.eigenvalues.equals(b.eigenvalues)
    first = a.eigenvalues["simulated_component"].iloc[0]
    assert first > mean.eigenvalues["simulated_component"].iloc[0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(basis="pc"), "basis"),
        (dict(quantile=1.5), "quantile"),
        (dict(n_iter=0), "n_iter"),
    ],
)
def test_bad_options_are_named(bfi, options, message):
    r, n = bfi
    with pytest.raises(DataError, match=message):
        parallel_analysis(r, n, **options)


def test_too_few_respondents_is_refused(bfi):
    r, _ = bfi
    with pytest.raises(DataError, match="more respondents"):
        parallel_analysis(r, 20)


def test_summary_table(bfi):
    r, n = bfi
    table = n_factors_summary(
        parallel_analysis(r, n, n_iter=5, seed=1), velicer_map(r), 5
    )
    assert table.columns.tolist() == [
        "criterion",
        "suggestion",
        "key_constructs",
        "agrees",
    ]
    assert table.set_index("criterion").loc["Velicer's MAP", "agrees"]
