import numpy as np
import pandas as pd
import pytest
from helpers import as_frame, bfi_items_complete, load_reference

from commercie_analysis.exceptions import DataError
from commercie_analysis.factoring import FactorAnalysis
from commercie_analysis.instruments import load_instrument
from commercie_analysis.validation import (
    VerdictThresholds,
    align_to_key,
    construct_verdicts,
    item_verdicts,
    tucker_congruence,
)


def test_congruence_hand_worked():
    # x = (1, 1, 0), y = (.8, .6, 0): (1.4) / sqrt(2 * 1) = 0.98995.
    loadings = pd.DataFrame({"F1": [0.8, 0.6, 0.0]}, index=list("abc"))
    key = pd.DataFrame({"x": [1, 1, 0]}, index=list("abc"))
    assert tucker_congruence(loadings, key).iat[0, 0] == pytest.approx(1.4 / np.sqrt(2))


def test_congruence_of_a_factor_with_itself_is_one():
    loadings = pd.DataFrame({"F1": [0.3, -0.7, 0.5]}, index=list("abc"))
    key = loadings.rename(columns={"F1": "x"})
    assert tucker_congruence(loadings, key).iat[0, 0] == pytest.approx(1.0)


def test_alignment_permutes_and_flips_phi_with_loadings():
    loadings = pd.DataFrame(
        {"F1": [0.0, 0.1, -0.9, -0.8], "F2": [0.8, 0.7, 0.1, 0.0]}, index=list("abcd")
    )
    phi = pd.DataFrame([[1, 0.3], [0.3, 1]], index=["F1", "F2"], columns=["F1", "F2"])
    key = pd.DataFrame({"x": [1, 1, 0, 0], "y": [0, 0, 1, 1]}, index=list("abcd"))
    new_loadings, new_phi, congruence = align_to_key(loadings, key, phi)
    assert new_loadings.columns.tolist() == ["x", "y"]
    assert new_loadings["y"].tolist() == [0.0, -0.1, 0.9, 0.8]
    # F1 was flipped, so its correlation with F2 changes sign.
    assert new_phi.loc["x", "y"] == pytest.approx(-0.3)
    assert (np.diag(congruence) > 0.99).all()
    # The structure matrix is consistent before and after.
    before = (loadings @ phi).abs().to_numpy()[:, ::-1]
    after = (new_loadings @ new_phi).abs().to_numpy()
    np.testing.assert_allclose(before, after)


def test_alignment_with_more_factors_than_constructs_keeps_extra_factors():
    loadings = pd.DataFrame(
        {"F1": [0.8, 0.7, 0.0], "F2": [0.0, 0.1, 0.6], "F3": [0.2, 0.1, 0.1]},
        index=list("abc"),
    )
    key = pd.DataFrame({"x": [1, 1, 1]}, index=list("abc"))
    new_loadings, _, _ = align_to_key(loadings, key)
    assert new_loadings.columns.tolist()[0] == "x"
    assert len(new_loadings.columns) == 3


@pytest.mark.parametrize(
    ("row", "keyed", "expected"),
    [
        ({"x": 0.70, "y": 0.10}, 1, "ok"),
        ({"x": -0.70, "y": 0.10}, -1, "ok"),  # reverse keyed, loads negatively
        ({"x": -0.50, "y": 0.10}, 1, "wrong sign"),
        ({"x": 0.10, "y": 0.60}, 1, "wrong construct"),
        ({"x": 0.20, "y": 0.25}, 1, "weak"),
        ({"x": 0.50, "y": 0.45}, 1, "cross-loading"),
        ({"x": 0.35, "y": 0.05}, 1, "weak"),
    ],
)
def test_item_verdict_rules(row, keyed, expected):
    loadings = pd.DataFrame([row], index=["i"])
    key = pd.DataFrame({"x": [keyed], "y": [0]}, index=["i"])
    table = item_verdicts(loadings, key, pd.Series({"i": 0.5}))
    assert table.loc[0, "verdict"] == expected


def test_item_keyed_twice_is_refused():
    loadings = pd.DataFrame({"x": [0.5], "y": [0.5]}, index=["i"])
    key = pd.DataFrame({"x": [1], "y": [1]}, index=["i"])
    with pytest.raises(DataError, match="exactly one construct"):
        item_verdicts(loadings, key, pd.Series({"i": 0.5}))


def test_bfi_solution_recovers_the_big_five():
    bfi = load_instrument("bfi")
    fa = FactorAnalysis(5).fit(bfi_items_complete())
    key = bfi.key_matrix()
    loadings, phi, congruence = align_to_key(fa.loadings_, key, fa.phi_)
    items = item_verdicts(loadings, key, fa.communalities_)
    constructs = construct_verdicts(congruence, items).set_index("construct")

    # Every bfi item has its largest loading on its own construct.
    assert (items["primary_construct"] == items["intended_construct"]).all()
    assert constructs.loc["conscientiousness", "verdict"] == "good"
    assert phi.loc["neuroticism", "neuroticism"] == 1

    # The same congruences from psych's own loadings (fa(cc, 5), psych 2.2.9).
    psych = as_frame(load_reference("psych_bfi")["fa_minres_oblimin_5"]["loadings"])
    _, _, expected = align_to_key(psych, key)
    np.testing.assert_allclose(
        np.diag(congruence), np.diag(expected.loc[key.columns, key.columns]), atol=1e-4
    )


def test_thresholds_change_the_verdicts():
    loadings = pd.DataFrame({"x": [0.45], "y": [0.05]}, index=["i"])
    key = pd.DataFrame({"x": [1], "y": [0]}, index=["i"])
    strict = VerdictThresholds(salient=0.5)
    h = pd.Series({"i": 0.2})
    assert item_verdicts(loadings, key, h)["verdict"].item() == "ok"
    assert item_verdicts(loadings, key, h, strict)["verdict"].item() == "weak"
