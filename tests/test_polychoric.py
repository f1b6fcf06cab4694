"""Tests of commercie_analysis.polychoric (and its bivariate normal helper).

Reference values: tests/reference/polychoric.json, made by
tests/reference/r/polychoric.R with R 4.2.2, psych 2.2.9, psychTools 2.2.9,
polycor 0.8.1 (every entry stores its R call).

Tolerances: the requirement is 1e-3 for correlations and thresholds. psych's
``optimize`` stops at a tolerance of about 1.2e-4 in rho, so correlations are
compared to 1e-4 (observed differences are about 2e-5); thresholds are closed-form
and compared to 1e-9.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import ndtr

from commercie_analysis._bvn import bvn_cdf, bvn_pdf, bvn_pdf_drho
from commercie_analysis.exceptions import (
    DataError,
    DataQualityWarning,
    NotPositiveDefiniteWarning,
)
from commercie_analysis.polychoric import (
    PolychoricResult,
    polychoric,
    polychoric_matrix,
    smooth_correlation,
    tetrachoric,
    tetrachoric_matrix,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = json.loads(
    (ROOT / "tests" / "reference" / "polychoric.json").read_text(encoding="utf-8")
)
RHO_TOL = 1e-4
TAU_TOL = 1e-9
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]


def frame(entry):
    return pd.DataFrame(entry["values"], index=entry["rows"], columns=entry["cols"])


@pytest.fixture(scope="module")
def bfi_items():
    data = pd.read_csv(ROOT / "data" / "raw" / "bfi.csv")
    return data[ITEMS]


@pytest.fixture(scope="module")
def bfi_complete(bfi_items):
    complete = bfi_items.dropna().reset_index(drop=True)
    assert len(complete) == 2436
    return complete


@pytest.fixture(scope="module")
def ability():
    return pd.read_csv(ROOT / "tests" / "fixtures" / "ability.csv")


# ------------------------------------------------------------- bivariate normal


def _bvn_by_quadrature(h, k, r):
    """P(X <= h, Y <= k) as a one-dimensional integral, for checking."""
    s = np.sqrt(1.0 - r * r)
    return integrate.quad(
        lambda x: stats.norm.pdf(x) * ndtr((k - r * x) / s),
        -np.inf,
        h,
        epsabs=1e-14,
        epsrel=1e-12,
        limit=200,
    )[0]


@pytest.mark.parametrize("r", [-0.999, -0.95, -0.6, -0.1, 0.0, 0.3, 0.8, 0.93, 0.9999])
def test_bvn_cdf_matches_quadrature(r):
    points = [(-1.3, 0.4), (0.2, 0.25), (1.7, -2.1), (2.5, 2.2), (-0.8, -1.9)]
    got = bvn_cdf([p[0] for p in points], [p[1] for p in points], r)
    want = [_bvn_by_quadrature(h, k, r) for h, k in points]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-11)


def test_bvn_cdf_limits():
    # Infinite limits give the margins; r = +-1 gives the degenerate distribution.
    got = bvn_cdf(
        [np.inf, 0.3, -np.inf, 0.5, 0.5],
        [0.3, np.inf, 1.0, 0.2, 0.2],
        [0.4, 0.4, 0.4, 1.0, -1.0],
    )
    want = [ndtr(0.3), ndtr(0.3), 0.0, ndtr(0.2), ndtr(0.5) - ndtr(-0.2)]
    np.testing.assert_allclose(got, want, atol=1e-15)


def test_bvn_density_derivatives_match_finite_differences():
    h, k, r, eps = 0.7, -0.4, 0.35, 1e-6
    d_cdf = (bvn_cdf(h, k, r + eps) - bvn_cdf(h, k, r - eps)) / (2 * eps)
    assert bvn_pdf(h, k, r) == pytest.approx(d_cdf, abs=1e-8)
    d_pdf = (bvn_pdf(h, k, r + eps) - bvn_pdf(h, k, r - eps)) / (2 * eps)
    assert bvn_pdf_drho(h, k, r) == pytest.approx(d_pdf, abs=1e-8)


# ------------------------------------------------------------ agreement with R


def test_bfi_complete_matches_psych(bfi_complete):
    ref = REFERENCE["bfi_complete"]  # polychoric(cc)
    res = polychoric_matrix(bfi_complete)
    assert isinstance(res, PolychoricResult)
    assert not res.smoothed

    np.testing.assert_allclose(res.correlation, frame(ref["rho"]), atol=RHO_TOL)
    np.testing.assert_allclose(res.thresholds, frame(ref["tau"]), atol=TAU_TOL)
    assert list(res.thresholds.columns) == ["t1", "t2", "t3", "t4", "t5"]
    assert (res.n_obs.to_numpy() == 2436).all()


def test_bfi_all_rows_pairwise_matches_psych(bfi_items):
    ref = REFERENCE["bfi_all_rows"]  # polychoric(x), 2800 rows with missing answers
    res = polychoric_matrix(bfi_items)

    np.testing.assert_allclose(res.correlation, frame(ref["rho"]), atol=RHO_TOL)
    np.testing.assert_allclose(res.thresholds, frame(ref["tau"]), atol=TAU_TOL)

    answered = bfi_items.notna().astype(int)
    np.testing.assert_array_equal(res.n_obs, answered.T @ answered)


def test_pair_function_uses_each_items_margin(bfi_items):
    # The pair's thresholds use all answers of each item, as the matrix does.
    ref = frame(REFERENCE["bfi_all_rows"]["rho"])
    taus = frame(REFERENCE["bfi_all_rows"]["tau"])
    pair = polychoric(bfi_items["A1"], bfi_items["O4"])
    assert pair.rho == pytest.approx(ref.loc["A1", "O4"], abs=RHO_TOL)
    np.testing.assert_allclose(pair.thresholds_x, taus.loc["A1"], atol=TAU_TOL)
    np.testing.assert_allclose(pair.thresholds_y, taus.loc["O4"], atol=TAU_TOL)
    assert pair.n == int((bfi_items["A1"].notna() & bfi_items["O4"].notna()).sum())
    assert pair.se is None


def test_local_thresholds_with_correction_match_psych(bfi_complete):
    # polychoric(cc[1:200, c("A1", "A2", "C1", "N1", "O2")], global = FALSE)
    ref = REFERENCE["bfi_small_local"]
    small = bfi_complete.loc[:199, ["A1", "A2", "C1", "N1", "O2"]]
    with pytest.warns(DataQualityWarning, match="empty cell"):
        res = polychoric_matrix(small, global_thresholds=False)
    np.testing.assert_allclose(res.correlation, frame(ref["rho"]), atol=RHO_TOL)


def test_local_thresholds_without_empty_cells_match_psych(bfi_complete):
    ref = REFERENCE["bfi_complete_local"]  # polychoric(cc[, 1:10], global = FALSE)
    res = polychoric_matrix(bfi_complete.iloc[:, :10], global_thresholds=False)
    np.testing.assert_allclose(res.correlation, frame(ref["rho"]), atol=RHO_TOL)


def test_tetrachoric_ability_matches_psych(ability):
    ref = REFERENCE["ability"]  # tetrachoric(ability), with missing answers
    res = tetrachoric_matrix(ability)
    np.testing.assert_allclose(res.correlation, frame(ref["rho"]), atol=RHO_TOL)
    np.testing.assert_allclose(res.thresholds["t1"], ref["tau"], atol=TAU_TOL)
    assert list(res.thresholds.columns) == ["t1"]


def test_tetrachoric_dichotomised_bfi_matches_psych(bfi_complete):
    ref = REFERENCE["bfi_dichotomised"]  # tetrachoric((cc[, 1:10] >= 4) * 1)
    binary = (bfi_complete.iloc[:, :10] >= 4).astype(int)
    res = polychoric_matrix(binary)
    np.testing.assert_allclose(res.correlation, frame(ref["rho"]), atol=RHO_TOL)
    np.testing.assert_allclose(res.thresholds["t1"], ref["tau"], atol=TAU_TOL)


def test_tetrachoric_empty_cell_gets_continuity_correction():
    ref = REFERENCE["tetrachoric_empty_cell"]
    with pytest.warns(DataQualityWarning, match="1 empty cell"):
        pair = tetrachoric(ref["x"], ref["y"])
    assert pair.rho == pytest.approx(ref["rho"], abs=RHO_TOL)
    np.testing.assert_allclose(
        [pair.thresholds_x[0], pair.thresholds_y[0]], ref["tau"], atol=TAU_TOL
    )


@pytest.mark.parametrize(
    "entry", REFERENCE["polycor_two_step"], ids=lambda e: e["call"]
)
def test_standard_errors_match_polycor(bfi_complete, entry):
    pair = polychoric(bfi_complete[entry["x"]], bfi_complete[entry["y"]], std_err=True)
    # polycor optimises with optim (BFGS) and a numerical Hessian: agreement to
    # 1e-5 in rho and 1e-3 relative in the standard error.
    assert pair.rho == pytest.approx(entry["rho"], abs=1e-5)
    assert pair.se == pytest.approx(entry["se"], rel=1e-3)
    np.testing.assert_allclose(pair.thresholds_x, entry["thresholds_x"], atol=TAU_TOL)
    np.testing.assert_allclose(pair.thresholds_y, entry["thresholds_y"], atol=TAU_TOL)


def test_matrix_standard_errors_equal_pair_standard_errors(bfi_complete):
    res = polychoric_matrix(bfi_complete.iloc[:, :6], std_err=True)
    se = res.std_err
    np.testing.assert_allclose(se, se.T)
    assert (np.diag(se) == 0).all()
    pair = polychoric(bfi_complete["A2"], bfi_complete["C1"], std_err=True)
    assert se.loc["A2", "C1"] == pytest.approx(pair.se, rel=1e-8)


def test_cor_smooth_matches_psych():
    ref = REFERENCE["cor_smooth"]  # cor.smooth(bad)
    with pytest.warns(NotPositiveDefiniteWarning) as record:
        out = smooth_correlation(frame(ref["input"]))
    np.testing.assert_allclose(out, frame(ref["smoothed"]), atol=1e-10)
    message = str(record[0].message)
    assert "1 eigenvalue(s) raised" in message
    assert "largest change in a correlation is 0.1324 (b with c)" in message
    assert isinstance(out, pd.DataFrame)

    # ndarray in, ndarray out; a positive definite matrix is returned unchanged.
    with pytest.warns(NotPositiveDefiniteWarning):
        arr = smooth_correlation(frame(ref["input"]).to_numpy())
    assert isinstance(arr, np.ndarray)
    good = np.array([[1.0, 0.3], [0.3, 1.0]])
    np.testing.assert_array_equal(smooth_correlation(good), good)


def test_stored_factor_loadings_are_complete():
    # The integration of factor analysis on this matrix is tested against these.
    key = "fa_minres_oblimin_5_on_bfi_complete_polychoric"
    loadings = frame(REFERENCE[key]["loadings"])
    assert loadings.shape == (25, 5)
    assert list(loadings.index) == ITEMS
    assert np.isfinite(loadings.to_numpy()).all()


# ------------------------------------------------------------------- properties


def test_non_consecutive_and_unused_codes_do_not_change_result(bfi_complete):
    data = bfi_complete.iloc[:, :6].copy()
    base = polychoric_matrix(data)
    recoded = data.copy()
    recoded["A1"] = recoded["A1"].map({1: -3, 2: 0, 3: 2.5, 4: 7, 5: 8, 6: 20})
    recoded["C1"] = recoded["C1"] * 10
    other = polychoric_matrix(recoded)
    np.testing.assert_allclose(other.correlation, base.correlation, atol=1e-12)
    np.testing.assert_allclose(other.thresholds, base.thresholds, atol=1e-12)


def test_ordered_categorical_uses_the_order_of_its_categories(bfi_complete):
    data = bfi_complete[["O1", "O2"]].copy()
    base = polychoric_matrix(data).correlation
    labels = ["never", "rarely", "sometimes", "often", "mostly", "always", "unused"]
    data["O1"] = pd.Categorical(
        data["O1"].map(lambda v: labels[int(v) - 1]), categories=labels, ordered=True
    )
    data.loc[3, "O1"] = np.nan
    with_missing = bfi_complete[["O1", "O2"]].copy()
    with_missing.loc[3, "O1"] = np.nan
    got = polychoric_matrix(data).correlation
    np.testing.assert_allclose(got, polychoric_matrix(with_missing).correlation)
    assert abs(got.loc["O1", "O2"] - base.loc["O1", "O2"]) < 1e-3
    with pytest.raises(DataError, match="'O1'.*numeric"):
        polychoric_matrix(
            data.astype({"O1": "category"}).assign(
                O1=lambda d: d["O1"].cat.as_unordered()
            )
        )


def test_reversing_an_item_flips_the_sign(bfi_complete):
    forward = polychoric(bfi_complete["E1"], bfi_complete["E3"])
    reversed_ = polychoric(7 - bfi_complete["E1"], bfi_complete["E3"])
    assert reversed_.rho == pytest.approx(-forward.rho, abs=1e-8)


def test_identical_items_correlate_one(bfi_complete):
    pair = polychoric(bfi_complete["N1"], bfi_complete["N1"].to_numpy())
    assert pair.rho == pytest.approx(1.0, abs=1e-6)


def test_items_with_fewer_categories_are_padded(bfi_complete):
    data = bfi_complete.iloc[:, :4].copy()
    data["A1"] = (data["A1"] >= 4).astype(int)
    res = polychoric_matrix(data)
    assert res.thresholds.loc["A1"].isna().sum() == 4
    pair = polychoric(data["A1"], data["A3"])
    assert res.correlation.loc["A1", "A3"] == pytest.approx(pair.rho, abs=1e-12)


def _inconsistent_items(seed=0, n=400):
    """Three items whose pairs are seen on different respondents only.

    a-b and b-c correlate at about 0.9, a-c at about -0.9: no positive definite
    matrix has these three correlations.
    """
    rng = np.random.default_rng(seed)
    blocks = []
    for rho, cols in ((0.9, "ab"), (0.9, "bc"), (-0.9, "ac")):
        latent = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
        block = pd.DataFrame(np.nan, index=range(n), columns=list("abc"))
        block[cols[0]] = np.digitize(latent[:, 0], [-1, 0, 1])
        block[cols[1]] = np.digitize(latent[:, 1], [-1, 0, 1])
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)


def test_not_positive_definite_matrix_is_smoothed_with_a_warning():
    data = _inconsistent_items()
    with pytest.warns(NotPositiveDefiniteWarning, match="eigenvalue"):
        res = polychoric_matrix(data)
    assert res.smoothed
    assert np.linalg.eigvalsh(res.correlation).min() > 0
    np.testing.assert_allclose(np.diag(res.correlation), 1.0)

    with pytest.warns(DataQualityWarning, match="not positive definite"):
        raw = polychoric_matrix(data, smooth=False)
    assert not raw.smoothed
    assert np.linalg.eigvalsh(raw.correlation).min() < 0
    assert raw.n_obs.loc["a", "b"] == 400


# ------------------------------------------------------------------------ errors


def test_pair_without_joint_answers_is_an_error():
    data = pd.DataFrame(
        {
            "q1": [1, 2, 3, 1, np.nan, np.nan, np.nan],
            "q2": [np.nan, np.nan, np.nan, np.nan, 1, 2, 3],
            "q3": [1, 2, 3, 2, 1, 2, 3],
        }
    )
    with pytest.raises(DataError, match="q1 with q2"):
        polychoric_matrix(data)


def test_item_with_one_category_is_an_error():
    data = pd.DataFrame(
        {"q1": [1, 2, 3, 2], "q2": [4, 4, 4, np.nan], "q3": [1, 2, 1, 2]}
    )
    with pytest.raises(DataError, match="'q2'"):
        polychoric_matrix(data)
    with pytest.raises(DataError, match="'x'"):
        polychoric([3, 3, 3], [1, 2, 3])


def test_bad_input_is_an_error():
    with pytest.raises(DataError, match="'q2'.*numeric.*'often'"):
        polychoric_matrix(pd.DataFrame({"q1": [1, 2, 3], "q2": ["1", "often", "3"]}))
    with pytest.raises(DataError, match="same respondents"):
        polychoric([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match="DataFrame"):
        polychoric_matrix(np.ones((3, 3)))
    with pytest.raises(DataError, match="at least two items"):
        polychoric_matrix(pd.DataFrame({"q1": [1, 2]}))
    with pytest.raises(DataError, match="distinct answers"):
        polychoric(np.arange(50.0), np.arange(50.0) % 3)
    with pytest.raises(DataError, match="exactly two"):
        tetrachoric([1, 2, 3, 1], [0, 1, 0, 1])
    with pytest.raises(DataError, match="q1 have 3"):
        tetrachoric_matrix(pd.DataFrame({"q1": [1, 2, 3, 1], "q2": [0, 1, 0, 1]}))
    with pytest.raises(DataError, match="correct"):
        polychoric([1, 2, 1, 2], [1, 2, 2, 1], correct=-1)
    with pytest.raises(DataError, match="symmetric"):
        smooth_correlation(np.array([[1.0, 0.2], [0.3, 1.0]]))
