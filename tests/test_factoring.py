import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import aligned, as_frame, bfi_items_complete, load_reference

from commercie_analysis.exceptions import (
    ConvergenceWarning,
    DataError,
    ImproperSolutionWarning,
)
from commercie_analysis.factoring import (
    FactorAnalysis,
    degrees_of_freedom,
    max_factors,
    smc,
)

# R psych 2.2.9 fa() on the bfi complete cases: tests/reference/r/psych_bfi.R.
REF = load_reference("psych_bfi")
N = REF["meta"]["n_complete"]
LOADING_TOL = 1e-4  # loadings and factor correlations, after aligning order and sign
FIT_REL = 1e-4  # chi-square, RMSEA, TLI, BIC (relative)

CASES = {
    "fa_minres_oblimin_5": dict(n_factors=5, method="minres", rotation="oblimin"),
    "fa_ml_varimax_5": dict(n_factors=5, method="ml", rotation="varimax"),
    "fa_pa_oblimin_5": dict(n_factors=5, method="pa", rotation="oblimin"),
    "fa_minres_none_5": dict(n_factors=5, method="minres", rotation="none"),
    "fa_minres_oblimin_3": dict(n_factors=3, method="minres", rotation="oblimin"),
}


@pytest.fixture(scope="module")
def bfi_r():
    return bfi_items_complete().corr()


@pytest.fixture(scope="module")
def solutions(bfi_r):
    return {
        name: FactorAnalysis(**settings).fit(correlation=bfi_r, n_obs=N)
        for name, settings in CASES.items()
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_loadings_match_psych(solutions, case):
    fa = solutions[case]
    expected = as_frame(REF[case]["loadings"])
    ours = fa.loadings_.loc[expected.index].to_numpy()
    np.testing.assert_allclose(
        aligned(ours, expected.to_numpy()), expected.to_numpy(), atol=LOADING_TOL
    )
    np.testing.assert_allclose(
        fa.communalities_.to_numpy(), REF[case]["communality"], atol=LOADING_TOL
    )


@pytest.mark.parametrize("case", ["fa_minres_oblimin_5", "fa_pa_oblimin_5"])
def test_factor_correlations_match_psych(solutions, case):
    fa = solutions[case]
    expected = as_frame(REF[case]["loadings"]).to_numpy()
    ref_phi = as_frame(REF[case]["phi"]).to_numpy()
    from helpers import match_factors

    order, signs = match_factors(fa.loadings_.to_numpy(), expected)
    phi = fa.phi_.to_numpy()[np.ix_(order, order)] * np.outer(signs, signs)
    np.testing.assert_allclose(phi, ref_phi, atol=LOADING_TOL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_factor_order_and_signs_follow_psych(solutions, case):
    # psych orders factors by variance accounted for and makes column sums positive,
    # so after sorting ours should line up without any permutation or flip.
    fa = solutions[case]
    expected = as_frame(REF[case]["loadings"])
    ours = fa.loadings_.loc[expected.index].to_numpy()
    np.testing.assert_allclose(ours, expected.to_numpy(), atol=LOADING_TOL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_statistics_match_psych(solutions, case):
    fa, ref = solutions[case], REF[case]
    assert fa.dof_ == ref["dof"]
    assert fa.objective_ == pytest.approx(ref["objective"], rel=FIT_REL)
    assert fa.chi_square_ == pytest.approx(ref["chi_square"], rel=FIT_REL)
    assert fa.rmsea_ == pytest.approx(ref["rmsea"], rel=FIT_REL)
    assert fa.tli_ == pytest.approx(ref["tli"], rel=FIT_REL)
    assert fa.bic_ == pytest.approx(ref["bic"], rel=FIT_REL)


def test_structure_is_pattern_times_phi(solutions):
    fa = solutions["fa_minres_oblimin_5"]
    np.testing.assert_allclose(fa.structure_, fa.loadings_ @ fa.phi_, atol=1e-12)


def test_fit_from_data_equals_fit_from_correlation(bfi_r, solutions):
    fa = FactorAnalysis(5).fit(bfi_items_complete())
    np.testing.assert_allclose(
        fa.loadings_, solutions["fa_minres_oblimin_5"].loadings_, atol=1e-8
    )
    assert fa.n_obs_ == N


def test_eigenvalues_are_psych_values(bfi_r):
    # fa.parallel's observed factor eigenvalues: R with one-factor communalities.
    fa = FactorAnalysis(1, rotation="none").fit(correlation=bfi_r)
    np.testing.assert_allclose(fa.eigenvalues_, REF["factor_eigenvalues"], atol=1e-6)


def test_degrees_of_freedom_and_largest_number_of_factors():
    # p = 25, m = 5: (20^2 - 30) / 2 = 185; m = 18: (49 - 43) / 2 = 3; m = 19: -3.
    assert degrees_of_freedom(25, 5) == 185
    assert degrees_of_freedom(25, 18) == 3
    assert degrees_of_freedom(25, 19) < 0
    assert max_factors(25) == 18


def test_too_many_factors_names_the_largest_allowed(bfi_r):
    with pytest.raises(DataError, match="at most 18 factors"):
        FactorAnalysis(19).fit(correlation=bfi_r)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(n_factors=0), "n_factors"),
        (dict(n_factors=2.5), "n_factors"),
        (dict(method="pca"), "method"),
    ],
)
def test_bad_settings_are_named(bfi_r, settings, message):
    with pytest.raises(DataError, match=message):
        FactorAnalysis(**settings).fit(correlation=bfi_r)


def test_input_must_be_one_of_data_or_correlation(bfi_r):
    with pytest.raises(DataError, match="either X or correlation"):
        FactorAnalysis(2).fit()
    with pytest.raises(DataError, match="symmetric"):
        FactorAnalysis(1).fit(correlation=np.array([[1, 0.2], [0.3, 1]]))


def test_constant_item_is_named():
    x = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5], "c": [3, 3, 3, 3, 3]}, dtype=float
    )
    with pytest.raises(DataError, match="without variance: c"):
        FactorAnalysis(1).fit(x)


@pytest.mark.parametrize("method", ["minres", "ml", "pa"])
def test_heywood_case_is_warned_with_the_item(method):
    # One factor, three items: l_a l_b = .8, l_a l_c = .8, l_b l_c = .5 gives
    # l_a^2 = .8 * .8 / .5 = 1.28, a communality above 1 for item a alone.
    r = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]],
        index=list("abc"),
        columns=list("abc"),
    )
    with pytest.warns(ImproperSolutionWarning, match=r"Heywood.* a \("):
        FactorAnalysis(1, method=method, rotation="none").fit(correlation=r)


def test_non_convergence_reports_the_iterations(bfi_r):
    with pytest.warns(ConvergenceWarning, match="after 2 iterations"):
        FactorAnalysis(5, method="pa", max_iter=2, rotation="none").fit(
            correlation=bfi_r
        )


def test_one_factor_solution_is_positive(bfi_r):
    neuroticism = bfi_r.loc[
        ["N1", "N2", "N3", "N4", "N5"], ["N1", "N2", "N3", "N4", "N5"]
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fa = FactorAnalysis(1, rotation="oblimin").fit(correlation=neuroticism)
    assert (fa.loadings_["F1"] > 0).all()


def test_smc_of_two_items():
    # With two items the squared multiple correlation is r^2.
    np.testing.assert_allclose(smc(np.array([[1, 0.6], [0.6, 1]])), [0.36, 0.36])


def test_factor_analyzer_still_works_with_the_installed_scikit_learn(bfi_r):
    # factor-analyzer 0.5.1 calls scikit-learn's check_array with an argument
    # removed in scikit-learn 1.8; the pinned combination must keep working, and
    # its minres solution must agree with ours (communalities to 1e-4).
    from factor_analyzer import FactorAnalyzer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = FactorAnalyzer(5, rotation=None, method="minres").fit(
            bfi_items_complete().to_numpy()
        )
    ours = FactorAnalysis(5, rotation="none").fit(correlation=bfi_r)
    np.testing.assert_allclose(
        theirs.get_communalities(), ours.communalities_, atol=1e-4
    )


def test_loadings_from_the_polychoric_matrix_match_psych():
    # fa(polychoric(cc)$rho, 5, n.obs = 2436, fm = "minres", rotate = "oblimin"),
    # psych 2.2.9 (tests/reference/r/polychoric.R): loadings and factor correlations
    # to 1e-3, the tolerance promised for the ordinal analysis.
    from commercie_analysis.polychoric import polychoric_matrix

    ref = load_reference("polychoric")["fa_minres_oblimin_5_on_bfi_complete_polychoric"]
    r = polychoric_matrix(bfi_items_complete()).correlation
    fa = FactorAnalysis(5).fit(correlation=r, n_obs=N)
    expected = as_frame(ref["loadings"])
    np.testing.assert_allclose(
        fa.loadings_.loc[expected.index].to_numpy(), expected.to_numpy(), atol=1e-3
    )
    np.testing.assert_allclose(fa.phi_.to_numpy(), as_frame(ref["phi"]), atol=1e-3)
    np.testing.assert_allclose(fa.communalities_, ref["communalities"], atol=1e-3)
