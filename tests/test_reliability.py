import numpy as np
import pandas as pd
import pytest
from helpers import bfi_items_complete, load_reference

from commercie_analysis.exceptions import DataError, ReliabilityWarning
from commercie_analysis.instruments import load_instrument
from commercie_analysis.reliability import (
    alpha_from_correlation,
    cronbach_alpha,
    item_statistics,
    keyed_answers,
    reliability_table,
)

# R psych 2.2.9 alpha() on the bfi complete cases: tests/reference/r/psych_bfi.R.
REF = load_reference("psych_bfi")["alpha_by_scale"]
TOL = 1e-6  # reliability coefficients and item-rest correlations


@pytest.fixture(scope="module")
def bfi_stats():
    items, bfi = bfi_items_complete(), load_instrument("bfi")
    return (
        reliability_table(items, bfi).set_index("construct"),
        item_statistics(items, bfi).set_index("item"),
    )


@pytest.mark.parametrize("construct", sorted(REF))
def test_alpha_matches_psych(bfi_stats, construct):
    table, _ = bfi_stats
    ref = REF[construct]
    assert table.loc[construct, "alpha"] == pytest.approx(ref["raw_alpha"], abs=TOL)
    assert table.loc[construct, "std_alpha"] == pytest.approx(ref["std_alpha"], abs=TOL)
    assert table.loc[construct, "average_r"] == pytest.approx(ref["average_r"], abs=TOL)
    assert table.loc[construct, "n_respondents"] == 2436


@pytest.mark.parametrize("construct", sorted(REF))
def test_alpha_interval_and_standard_error_match_psych(bfi_stats, construct):
    table, _ = bfi_stats
    ref = REF[construct]
    assert table.loc[construct, "alpha_ci_lower"] == pytest.approx(
        ref["feldt_lower"], abs=1e-9
    )
    assert table.loc[construct, "alpha_ci_upper"] == pytest.approx(
        ref["feldt_upper"], abs=1e-9
    )
    assert table.loc[construct, "alpha_se"] == pytest.approx(ref["ase"], abs=1e-9)


@pytest.mark.parametrize("construct", sorted(REF))
def test_item_rest_and_alpha_if_dropped_match_psych(bfi_stats, construct):
    _, stats = bfi_stats
    for item, value in REF[construct]["r_drop"].items():
        assert stats.loc[item, "item_rest_r"] == pytest.approx(value, abs=TOL)
    for item, value in REF[construct]["alpha_if_dropped"].items():
        assert stats.loc[item, "alpha_if_dropped"] == pytest.approx(value, abs=TOL)


def test_item_means_are_of_keyed_answers(bfi_stats):
    # psych reports the mean of the reversed item (7 - answer for a 1..6 scale).
    _, stats = bfi_stats
    for construct in REF:
        for item, value in REF[construct]["mean"].items():
            assert stats.loc[item, "mean"] == pytest.approx(value, abs=1e-9)
            assert stats.loc[item, "sd"] == pytest.approx(
                REF[construct]["sd"][item], abs=1e-9
            )


def test_hand_worked_alpha():
    # Items a, b, c: variances 5/3, 4/3, 8/3 (sum 17/3); the sum score 4, 7, 10, 13
    # has variance 15. alpha = 3/2 * (1 - (17/3) / 15) = 3/2 * 28/45 = 14/15.
    x = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [1, 3, 3, 5]})
    assert cronbach_alpha(x)["alpha"] == pytest.approx(14 / 15, abs=1e-12)


def test_standardised_alpha_formula():
    # k = 4, mean r = 0.3: 4 * .3 / (1 + 3 * .3) = 1.2 / 1.9.
    r = np.full((4, 4), 0.3)
    np.fill_diagonal(r, 1)
    assert alpha_from_correlation(r) == pytest.approx(1.2 / 1.9, abs=1e-12)


def test_reverse_keying_uses_the_scale():
    bfi = load_instrument("bfi")
    answers = pd.DataFrame({item: [1.0, 4.0] for item in bfi.item_ids})
    keyed = keyed_answers(answers, bfi)
    assert keyed["A1"].tolist() == [6.0, 3.0]  # 1 + 6 - answer
    assert keyed["A2"].tolist() == [1.0, 4.0]


def test_missing_items_are_named():
    bfi = load_instrument("bfi")
    answers = pd.DataFrame({item: [1.0] for item in bfi.item_ids[:-2]})
    with pytest.raises(DataError, match="O4, O5"):
        keyed_answers(answers, bfi)


def test_miskeyed_item_is_named_in_a_warning():
    # Reverse O1's answers: it now works against the openness key.
    items, bfi = bfi_items_complete(), load_instrument("bfi")
    items = items.assign(O1=7 - items["O1"])
    with pytest.warns(ReliabilityWarning, match="O1"):
        reliability_table(items, bfi)
