"""Factor-score weights against R psych factor.scores, and calibrated factor models."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.datasets import load_bfi
from commercie_analysis.exceptions import ModelError
from commercie_analysis.scoring import ScoringModel, calibrate, factor_score_weights

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "scoring.json").read_text()
)
# psych's method names -> ours
METHODS = {"Thurstone": "regression", "Bartlett": "bartlett", "tenBerge": "tenberge"}


def frame(block):
    return pd.DataFrame(block["values"], index=block["rows"], columns=block["cols"])


@pytest.fixture(scope="module")
def complete():
    return load_bfi().iloc[:, :25].dropna()


@pytest.mark.parametrize("psych_name", list(METHODS))
def test_small_case_weights_equal_psych(psych_name):
    # R psych 2.2.9 factor.scores(R2, L2, Phi = Phi2, method)$weights on a hand-made
    # two-factor model (tests/reference/r/scoring.R).
    ref = REFERENCE["factor_scores_small"]
    found = factor_score_weights(
        frame(ref["correlation"]),
        frame(ref["loadings"]),
        frame(ref["phi"]),
        method=METHODS[psych_name],
    )
    expected = frame(ref["weights"][psych_name])
    np.testing.assert_allclose(found.to_numpy(), expected.to_numpy(), atol=1e-10)
    assert list(found.columns) == ["F1", "F2"]


@pytest.mark.parametrize("psych_name", list(METHODS))
def test_bfi_weights_equal_psych(psych_name, complete):
    # R psych 2.2.9 factor.scores(cor(cc), L, Phi, method)$weights with L and Phi
    # of fa(cc, 5, fm = "minres", rotate = "oblimin") on the bfi complete cases.
    ref = REFERENCE["factor_scores_bfi"]
    loadings, phi = frame(ref["loadings"]), frame(ref["phi"])
    found = factor_score_weights(
        complete.corr(), loadings, phi, method=METHODS[psych_name]
    )
    expected = frame(ref["weights"][psych_name])
    np.testing.assert_allclose(found.to_numpy(), expected.to_numpy(), atol=1e-10)


@pytest.mark.parametrize("psych_name", list(METHODS))
def test_bfi_factor_scores_equal_psych(psych_name, complete):
    # R: factor.scores(cc, L, Phi, method)$scores for the first 20 complete cases;
    # the model standardises with the calibration means and SDs (scale(x) in R).
    ref = REFERENCE["factor_scores_bfi"]
    loadings, phi = frame(ref["loadings"]), frame(ref["phi"])
    w = factor_score_weights(complete.corr(), loadings, phi, method=METHODS[psych_name])
    model = ScoringModel.from_factor_weights(
        "bfi", complete, w, method=METHODS[psych_name], factor_correlations=phi
    )
    expected = frame(ref["scores_first_20"][psych_name])
    found = model.score(complete.iloc[:20])
    assert [str(i) for i in found.index] == expected.index.tolist()
    np.testing.assert_allclose(
        found[expected.columns].to_numpy(), expected.to_numpy(), atol=1e-9
    )


def test_ten_berge_scores_correlate_as_phi():
    # ten Berge weights reproduce the factor correlations in the population:
    # W' R W = Phi (the property that defines the method).
    ref = REFERENCE["factor_scores_small"]
    r, phi = frame(ref["correlation"]), frame(ref["phi"])
    w = factor_score_weights(r, frame(ref["loadings"]), phi, method="tenberge")
    np.testing.assert_allclose(w.T @ r @ w, phi, atol=1e-12)


def test_bartlett_is_conditionally_unbiased():
    # Bartlett weights satisfy W' L = I.
    ref = REFERENCE["factor_scores_small"]
    loadings = frame(ref["loadings"])
    w = factor_score_weights(
        frame(ref["correlation"]), loadings, frame(ref["phi"]), method="bartlett"
    )
    np.testing.assert_allclose(w.T @ loadings, np.eye(2), atol=1e-12)


def test_bad_input_is_named():
    r = np.eye(3)
    with pytest.raises(ModelError, match=r"correlation: expected shape \(2, 2\)"):
        factor_score_weights(r, np.ones((2, 1)))
    with pytest.raises(ModelError, match="method: expected one of"):
        factor_score_weights(r, np.ones((3, 1)), method="anderson")
    with pytest.raises(ModelError, match=r"items \[0\] have communality >= 1"):
        factor_score_weights(r, np.array([[1.0], [0.5], [0.5]]), method="bartlett")
    with pytest.raises(ModelError, match="singular"):
        factor_score_weights(np.ones((3, 3)), np.ones((3, 1)) * 0.5)


@pytest.mark.parametrize("method", ["regression", "bartlett", "tenberge"])
def test_calibrate_factor_model(method, complete):
    # The package's own minres/oblimin solution (FactorAnalysis) reproduces psych's
    # loadings to 1e-4; the calibrated weights then match psych's weights to 1e-5
    # (largest difference seen: 4e-6).
    model = calibrate("bfi", load_bfi(), weights=method, date="2026-01-01")
    assert model.method == method
    assert model.provenance["n"] == 2436
    assert model.score_ids == load_bfi_constructs()

    ref = REFERENCE["factor_scores_bfi"]
    expected = frame(ref["weights"][{v: k for k, v in METHODS.items()}[method]])
    found = model.weight_matrix().mul(
        pd.Series({it.id: it.sd for it in model.items}), axis=0
    )
    # match R's factors to the constructs by their largest weights
    for construct in found.columns:
        best = max(
            expected.columns,
            key=lambda c: abs(np.corrcoef(found[construct], expected[c])[0, 1]),
        )
        sign = np.sign(np.corrcoef(found[construct], expected[best])[0, 1])
        np.testing.assert_allclose(found[construct], sign * expected[best], atol=1e-5)

    # phi is the model's, not the correlations of the estimated scores
    phi = pd.DataFrame(model.factor_correlations["values"])
    scores_r = model.score(complete).corr().to_numpy()
    assert np.allclose(np.diag(phi), 1.0)
    if method != "tenberge":
        assert not np.allclose(phi.to_numpy(), scores_r, atol=1e-3)


def load_bfi_constructs():
    from commercie_analysis import load_instrument

    return load_instrument("bfi").construct_ids


def test_calibrate_with_target_rotation():
    model = calibrate("bfi", load_bfi(), weights="regression", rotation="target")
    assert model.provenance["calibration"]["rotation"] == "target"
    w = model.weight_matrix()
    # each construct's largest weight (in absolute value) falls on one of its items
    for construct in w.columns:
        assert w[construct].abs().idxmax()[0] == construct[0].upper()
