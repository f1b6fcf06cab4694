import numpy as np
import pytest
from helpers import bfi_items_complete, load_reference

from commercie_analysis.exceptions import DataError, LowFactorabilityWarning
from commercie_analysis.factorability import bartlett_sphericity, kmo

# R psych 2.2.9 KMO() and cortest.bartlett(): tests/reference/r/psych_bfi.R.
REF = load_reference("psych_bfi")


@pytest.fixture(scope="module")
def bfi_r():
    items = bfi_items_complete()
    return items.corr(), len(items)


def test_kmo_matches_psych(bfi_r):
    r, _ = bfi_r
    result = kmo(r)
    assert result["overall"] == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    for item, value in REF["kmo"]["per_item"].items():
        assert result["per_item"][item] == pytest.approx(value, abs=1e-6)


def test_bartlett_matches_psych(bfi_r):
    r, n = bfi_r
    result = bartlett_sphericity(r, n)
    assert result["chi_square"] == pytest.approx(
        REF["bartlett"]["chi_square"], rel=1e-6
    )
    assert result["df"] == REF["bartlett"]["df"] == 300
    assert result["p_value"] == pytest.approx(0.0, abs=1e-300)


def test_bartlett_hand_worked():
    # det R for the 3x3 matrix below = 1 - .36 - .25 - .16 + 2 * .6 * .5 * .4 = 0.47;
    # chi2 = -(100 - 1 - 11/6) * ln(0.47) = 97.1667 * 0.755023 = 73.3627.
    r = np.array([[1, 0.6, 0.5], [0.6, 1, 0.4], [0.5, 0.4, 1]])
    result = bartlett_sphericity(r, 100)
    assert result["chi_square"] == pytest.approx(
        -(99 - 11 / 6) * np.log(0.47), rel=1e-12
    )
    assert result["df"] == 3


def test_low_kmo_is_warned():
    # Each item pair shares little beyond what the others explain: partial
    # correlations exceed the correlations and KMO = 0.204.
    r = np.array(
        [[1, 0.5, 0.4, 0], [0.5, 1, 0, 0.4], [0.4, 0, 1, 0.5], [0, 0.4, 0.5, 1]]
    )
    with pytest.warns(LowFactorabilityWarning, match="KMO"):
        kmo(r)


def test_singular_matrix_is_refused():
    r = np.ones((3, 3))
    with pytest.raises(DataError, match="singular"):
        kmo(r)
    with pytest.raises(DataError, match="positive definite"):
        bartlett_sphericity(r, 50)


def test_bad_n_obs_is_named():
    with pytest.raises(DataError, match="n_obs"):
        bartlett_sphericity(np.eye(3), 1)
