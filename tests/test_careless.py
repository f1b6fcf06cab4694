"""Careless-responding indices against values worked out by hand.

Each expected value below is computed in the comments from the definitions in
``commercie_analysis.careless``. The R package careless, whose definitions are
followed, is not installed here; Mahalanobis distance, IRV and longstring are also
checked on bfi against base R (tests/reference/r/careless.R, R 4.2.2).
"""

import math

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.careless import (
    even_odd,
    irv,
    longstring,
    mahalanobis,
    psychometric_synonyms,
    synonym_pairs,
)
from commercie_analysis.exceptions import DataError

NAN = np.nan
ANSWERS = pd.DataFrame(
    [
        [3, 3, 3, 3, 3, 3],  # r1
        [1, 2, 3, 4, 5, 1],  # r2
        [2, 2, NAN, 2, 4, 4],  # r3
        [NAN] * 6,  # r4
        [5, 5, 5, 1, 1, 2],  # r5
    ],
    columns=["i1", "i2", "i3", "i4", "i5", "i6"],
    index=["r1", "r2", "r3", "r4", "r5"],
)


def test_longstring():
    # r1: one run of 6                       -> longest 6, mean 6
    # r2: six runs of 1                      -> longest 1, mean 1
    # r3: 2 2 | (missing) | 2 | 4 4: runs 2, 1, 2 -> longest 2, mean 5/3
    # r4: no answers                         -> NaN
    # r5: 5 5 5 | 1 1 | 2: runs 3, 2, 1      -> longest 3, mean 2
    result = longstring(ANSWERS)
    assert result.index.tolist() == ANSWERS.index.tolist()
    np.testing.assert_array_equal(result["longstring"], [6, 1, 2, NAN, 3])
    np.testing.assert_allclose(
        result["longstring_mean"], [6, 1, 5 / 3, NAN, 2], rtol=1e-12
    )


def test_irv():
    # r1: all 3 -> SD 0
    # r2: mean 16/6; squared deviations sum to 13 1/3; / (6 - 1) = 8/3;
    #     sqrt(8/3) = 1.632993
    # r3: answered 2, 2, 2, 4, 4: mean 2.8; 3 x 0.64 + 2 x 1.44 = 4.8; / 4 = 1.2;
    #     sqrt(1.2) = 1.095445
    # r4: NaN
    # r5: mean 19/6; squared deviations 3 x (11/6)^2 + 2 x (13/6)^2 + (7/6)^2
    #     = (363 + 338 + 49) / 36 = 750/36; / 5 = 25/6; sqrt = 2.041241
    result = irv(ANSWERS)
    expected = [0, math.sqrt(8 / 3), math.sqrt(1.2), NAN, math.sqrt(25 / 6)]
    np.testing.assert_allclose(result, expected, rtol=1e-12)
    assert result.name == "irv"


def test_mahalanobis_complete_and_partial():
    # Complete rows (1,2) (2,1) (3,3) (2,2) (4,4): mean (2.4, 2.4);
    # deviations x: -1.4 -0.4 0.6 -0.4 1.6, y: -0.4 -1.4 0.6 -0.4 1.6;
    # S = [[5.2, 4.2], [4.2, 5.2]] / 4 = [[1.3, 1.05], [1.05, 1.3]],
    # det = 1.69 - 1.1025 = 0.5875.
    # Row 1: d = (-1.4, -0.4): (1.3 * 1.96 + 1.3 * 0.16 - 2 * 1.05 * 0.56) / 0.5875
    #        = 1.58 / 0.5875 = 2.689362; df 2; p = exp(-D2 / 2).
    # Row 3: d = (0.6, 0.6): (2 * 1.3 * 0.36 - 2 * 1.05 * 0.36) / 0.5875
    #        = 0.18 / 0.5875 = 0.306383.
    # Row 6 answered x only: (5 - 2.4)^2 / 1.3 = 5.2; df 1;
    #        p = erfc(sqrt(5.2 / 2)).
    x = [[1, 2], [2, 1], [3, 3], [2, 2], [4, 4], [5, NAN], [NAN, NAN]]
    result = mahalanobis(x)
    d2 = [1.58 / 0.5875, 1.58 / 0.5875, 0.18 / 0.5875, NAN, NAN, 5.2, NAN]
    np.testing.assert_allclose(
        result["mahalanobis"].iloc[[0, 1, 2, 5]],
        [d2[i] for i in (0, 1, 2, 5)],
        rtol=1e-12,
    )
    # Row 4: d = (-0.4, -0.4): 0.08 / 0.5875; row 5: d = (1.6, 1.6): 1.28 / 0.5875.
    np.testing.assert_allclose(
        result["mahalanobis"].iloc[[3, 4]], [0.08 / 0.5875, 1.28 / 0.5875], rtol=1e-12
    )
    np.testing.assert_array_equal(result["mahalanobis_df"], [2, 2, 2, 2, 2, 1, NAN])
    assert result["mahalanobis_p"].iloc[0] == pytest.approx(
        math.exp(-1.58 / 0.5875 / 2), rel=1e-12
    )
    assert result["mahalanobis_p"].iloc[5] == pytest.approx(
        math.erfc(math.sqrt(5.2 / 2)), rel=1e-12
    )
    assert np.isnan(result["mahalanobis"].iloc[6])


def test_mahalanobis_needs_enough_complete_rows():
    with pytest.raises(
        DataError, match="2 respondent.s. answered every item; at least 3 are needed"
    ):
        mahalanobis([[1, 2], [2, 1], [NAN, 1]])
    with pytest.raises(DataError, match="singular"):
        mahalanobis([[1, 2], [2, 4], [3, 6], [4, 8]])


SCALES = {"p": ["a", "b"], "q": ["c", "d"], "r": ["e", "f"]}


def test_even_odd():
    # Row 1: halves odd (a, c, e) = (1, 4, 6), even (b, d, f) = (2, 4, 5);
    #   means 11/3 and 11/3; deviations (-8, 1, 7)/3 and (-5, 1, 4)/3;
    #   r = (40 + 1 + 28) / sqrt((64 + 1 + 49)(25 + 1 + 16)) = 69 / sqrt(4788)
    #     = 0.997176; Spearman-Brown 2r / (1 + r) = 0.998586.
    # Row 2: odd (5, 3, 1), even (1, 3, 5): r = -1, Spearman-Brown undefined.
    # Row 3: scale p lacks its even half -> 2 scales left < 3 -> NaN.
    x = pd.DataFrame(
        [[1, 2, 4, 4, 6, 5], [5, 1, 3, 3, 1, 5], [1, NAN, 4, 4, 6, 5]],
        columns=list("abcdef"),
    )
    result = even_odd(x, SCALES)
    r = 69 / math.sqrt(4788)
    np.testing.assert_allclose(result["even_odd"], [r, -1, NAN], rtol=1e-12)
    np.testing.assert_allclose(
        result["even_odd_sb"], [2 * r / (1 + r), NAN, NAN], rtol=1e-12
    )


def test_even_odd_three_item_scale_halves():
    # Scale p has three items: odd half = mean(a, c), even half = b.
    # Row: a=1, b=2, c=3 -> halves 2 and 2; q: 4, 4; r: 5, 6 ->
    # odd (2, 4, 5), even (2, 4, 6): means 11/3, 4; deviations (-5, 1, 4)/3 and
    # (-2, 0, 2); r = (10 + 0 + 8)/3 / sqrt((25 + 1 + 16)/9 * 8) = 6 / sqrt(37.333)
    x = pd.DataFrame([[1, 2, 3, 4, 4, 5, 6]], columns=list("abcdefg"))
    result = even_odd(
        x, {"p": ["a", "b", "c"], "q": ["d", "e"], "r": ["f", "g"], "single": []}
    )
    assert result["even_odd"].iloc[0] == pytest.approx(6 / math.sqrt(42 / 9 * 8))


def test_synonym_pairs():
    # r(a, b): deviations a (-2, -1, 0, 1, 2), b (-1.8, -0.8, 0.2, 1.2, 1.2):
    #   8 / sqrt(10 * 6.8) = 0.970143 > 0.60.
    # r(a, c) = -3 / 10 = -0.3; r(b, c) = -4 / sqrt(68) = -0.485: not pairs.
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 4], "c": [5, 3, 1, 2, 4]})
    pairs = synonym_pairs(x, 0.60)
    assert [p[:2] for p in pairs] == [("a", "b")]
    assert pairs[0][2] == pytest.approx(8 / math.sqrt(68), rel=1e-12)


def test_psychometric_synonyms():
    # Pairs (a, b), (c, d), (e, f).
    # Row 1: first (1, 4, 2), second (2, 4, 1): deviations (-4, 5, -1)/3 and
    #   (-1, 5, -4)/3: r = (4 + 25 + 4) / (16 + 25 + 1) = 33 / 42.
    # Row 2: (5, 1, 4) vs (5, 2, 4): deviations (5, -7, 2)/3, (4, -5, 1)/3:
    #   r = (20 + 35 + 2) / sqrt(78 * 42) = 57 / sqrt(3276).
    # Row 3: (2, 3, 5) vs (2, 3, 5): r = 1.
    # Row 4: c missing -> 2 pairs left < 3 -> NaN.
    # Row 5: first side (3, 3, 3) has no variance -> NaN.
    x = pd.DataFrame(
        {
            "a": [1, 5, 2, 1, 3],
            "b": [2, 5, 2, 2, 1],
            "c": [4, 1, 3, NAN, 3],
            "d": [4, 2, 3, 4, 4],
            "e": [2, 4, 5, 2, 3],
            "f": [1, 4, 5, 1, 5],
        }
    )
    pairs = [("a", "b"), ("c", "d"), ("e", "f")]
    result = psychometric_synonyms(x, pairs=pairs)
    np.testing.assert_allclose(
        result, [33 / 42, 57 / math.sqrt(3276), 1, NAN, NAN], rtol=1e-12
    )
    # Fewer than three pairs in the sample: NaN for everyone.
    assert psychometric_synonyms(x, pairs=pairs[:2]).isna().all()


def test_array_input_and_shape_error():
    assert longstring(np.array([[1, 1, 2]]))["longstring"].tolist() == [2.0]
    with pytest.raises(DataError, match="expected a respondents x items matrix"):
        irv([1, 2, 3])


# -- bfi against base R (tests/reference/r/careless.R, R 4.2.2) -------------------


@pytest.fixture(scope="module")
def bfi_reference():
    import json

    from commercie_analysis.paths import PROJECT_ROOT

    reference = json.loads(
        (PROJECT_ROOT / "tests" / "reference" / "careless.json").read_text()
    )
    answers = pd.read_csv(
        PROJECT_ROOT / "data" / "raw" / "bfi.csv", dtype={"respondent_id": str}
    ).set_index("respondent_id")
    items = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
    return reference, answers[items].astype(float)


def test_bfi_mahalanobis_equals_r(bfi_reference):
    # stats::mahalanobis(xc, colMeans(xc), cov(xc)) on the 2436 complete cases;
    # to 1e-8 relative. The sum of D2 over the sample is p (n - 1) = 25 x 2435.
    reference, answers = bfi_reference
    result = mahalanobis(answers)
    ids = reference["complete_ids"]
    np.testing.assert_allclose(
        result.loc[ids, "mahalanobis"], reference["mahalanobis"], rtol=1e-8
    )
    np.testing.assert_allclose(
        result.loc[ids, "mahalanobis_p"], reference["mahalanobis_p"], rtol=1e-8
    )
    complete = answers.notna().all(axis=1)
    assert complete.sum() == reference["n_complete"]
    assert result.loc[complete, "mahalanobis"].sum() == pytest.approx(
        reference["mahalanobis_sum"], rel=1e-10
    )
    assert (result.loc[complete, "mahalanobis_p"] < 0.001).sum() == reference[
        "mahalanobis_n_p_below_0.001"
    ]


def test_bfi_irv_and_longstring_equal_r(bfi_reference):
    # apply(x, 1, sd, na.rm = TRUE) and rle() runs split at missing answers.
    reference, answers = bfi_reference
    first = answers.loc[reference["ids"]]
    np.testing.assert_allclose(irv(first), reference["irv"], rtol=1e-12)
    runs = longstring(first)
    np.testing.assert_array_equal(runs["longstring"], reference["longstring"])
    np.testing.assert_allclose(
        runs["longstring_mean"], reference["longstring_mean"], rtol=1e-12
    )
    assert longstring(answers)["longstring"].max() == reference["longstring_max_all"]
    assert (irv(answers) == 0).sum() == reference["irv_n_zero_all"]
