"""Tests of commercie_analysis.omega.

Reference values: tests/reference/omega.json, made by tests/reference/r/omega.R
(R 4.2.2, psych 2.2.9, GPArotation 2022.10.2) with psych::omega on bfi (25 items,
2436 complete cases). Tolerance: coefficients and loadings 1e-4 (the project promises
1e-3; the agreement found is about 1e-5).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commercie_analysis import load_instrument
from commercie_analysis.datasets import load_bfi
from commercie_analysis.exceptions import DataError, ModelError, ReliabilityWarning
from commercie_analysis.omega import omega, schmid_leiman

REF = json.loads(
    (Path(__file__).parent / "reference" / "omega.json").read_text(encoding="utf-8")
)
KEYING = np.array(REF["keying"], dtype=float)
TOL = 1e-4


@pytest.fixture(scope="module")
def items():
    data = load_bfi()[REF["items"]].dropna()
    assert len(data) == REF["n_obs"]
    return data


def _check(res, case):
    assert res.omega_hierarchical == pytest.approx(case["omega_h"], abs=TOL)
    assert res.omega_total == pytest.approx(case["omega_total"], abs=TOL)
    assert res.omega_limit == pytest.approx(case["omega_limit"], abs=TOL)
    assert res.alpha == pytest.approx(case["alpha"], abs=1e-10)
    assert res.g6 == pytest.approx(case["g6"], abs=1e-10)
    assert res.ecv == pytest.approx(case["ecv"], abs=TOL)
    np.testing.assert_allclose(res.loadings.to_numpy(), case["sl"], atol=TOL)
    np.testing.assert_allclose(res.schmid.second_order, case["gloading"], atol=TOL)
    np.testing.assert_allclose(
        res.omega_group.to_numpy(),
        np.array(case["omega_group"], dtype=float),
        atol=TOL,
    )
    np.testing.assert_array_equal(res.item_signs.to_numpy(), case["key"])


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("five_key", {"n_factors": 5, "keys": KEYING}),
        ("three_key", {"keys": KEYING}),
        ("five_ml", {"n_factors": 5, "method": "ml", "keys": KEYING}),
        ("five_flip", {"n_factors": 5, "flip": True}),
        ("three_flip", {"flip": True}),
    ],
)
def test_matches_psych_omega(items, name, options):
    case = REF["cases"][name]
    if "keys" in options:
        # With the key, O4 keeps a negative general loading (psych too): named.
        with pytest.warns(ReliabilityWarning, match=r"item\(s\) O4 load negatively"):
            res = omega(items, **options)
    else:
        res = omega(items, **options)
    _check(res, case)
    assert res.n_obs == REF["n_obs"]


def test_flip_reports_the_items_psych_reverses(items):
    res = omega(items, n_factors=5, flip=True)
    psych_flipped = [
        n
        for n, k in zip(REF["items"], REF["cases"]["five_flip"]["key"], strict=True)
        if k < 0
    ]
    assert list(res.flipped_items) == psych_flipped
    assert "N1" in res.flipped_items  # reversed by sign, not by the key


def test_no_silent_reversal_warns_and_matches_psych_flip_false(items):
    with pytest.warns(ReliabilityWarning, match=r"A1, C4, C5, E1, E2, N1") as record:
        res = omega(items, n_factors=5)
    assert "keys" in str(record[0].message)
    _check(res, REF["cases"]["five_noflip"])
    assert res.flipped_items == ()
    assert (res.item_signs == 1).all()


def test_two_factors_with_equal_second_order_loadings(items):
    case = REF["cases"]["two_equal"]
    res = omega(items.iloc[:, :10], n_factors=2, keys=KEYING[:10])
    _check(res, case)


def test_key_matrix_of_the_instrument_gives_subscales(items):
    # The instrument keys bfi as bfi.keys does (neuroticism not reversed), so the
    # neuroticism items load negatively on the general factor: named, not flipped.
    key = load_instrument("bfi").key_matrix()
    np.testing.assert_array_equal(
        key.min(axis=1) + key.max(axis=1), REF["scoring_sign"]
    )
    with pytest.warns(ReliabilityWarning, match="N1, N2, N3, N4, N5"):
        res = omega(items, n_factors=5, keys=key)
    case = REF["cases"]["five_scoring_keys"]
    _check(res, case)

    # Where psych assigns exactly the construct's items to one group factor, the
    # construct's row equals psych's omega.group row for that factor.
    groups = np.array(case["group_of_item"])
    table = np.array(case["omega_group"], dtype=float)
    compared = 0
    for construct, row in res.omega_subscales.iterrows():
        members = key[construct].to_numpy() != 0
        j = int(groups[members][0])
        if np.array_equal(groups == j, members):
            assert row["group_factor"] == f"F{j}*"
            np.testing.assert_allclose(
                row[["total", "general", "group"]].to_numpy(dtype=float),
                table[j],
                atol=TOL,
            )
            compared += 1
    assert compared == 5
    assert res.omega_subscales["n_items"].tolist() == [5, 5, 5, 5, 5]


def test_item_signs_as_a_series_or_a_key_matrix_agree(items):
    # The dictionary's keying (neuroticism reversed) as a Series and as a key matrix
    # of constructs A, C, E, N, O: both are psych's omega(key = keying).
    signs = pd.Series(KEYING, index=REF["items"])
    matrix = pd.DataFrame(
        {c: np.where(signs.index.str[0] == c, KEYING, 0.0) for c in "ACENO"},
        index=REF["items"],
    )
    for keys in (signs, matrix):
        with pytest.warns(ReliabilityWarning, match="O4"):
            res = omega(items, n_factors=5, keys=keys)
        _check(res, REF["cases"]["five_key"])


def test_schmid_leiman_on_a_given_solution():
    ref = REF["schmid_given"]
    sl = schmid_leiman(ref["oblique"], ref["phi"])
    expected = np.array(ref["sl"])
    np.testing.assert_allclose(sl.general, expected[:, 0], atol=TOL)
    np.testing.assert_allclose(sl.group, expected[:, 1:6], atol=TOL)
    np.testing.assert_allclose(sl.communality, expected[:, 6], atol=1e-10)
    np.testing.assert_allclose(sl.uniqueness, expected[:, 7], atol=1e-10)
    np.testing.assert_allclose(sl.p2, expected[:, 8], atol=TOL)
    np.testing.assert_allclose(sl.second_order, ref["gloading"], atol=TOL)


def test_hand_worked_second_order_structure():
    # Three factors of three items; phi_ij = gamma_i gamma_j with gamma = (.6, .8,
    # .7), so the second-order loadings are gamma exactly (three factors: a
    # just-identified one-factor model) and g = P gamma.
    P = np.kron(np.eye(3), [[0.7], [0.6], [0.5]])
    gamma = np.array([0.6, 0.8, 0.7])
    phi = np.outer(gamma, gamma)
    np.fill_diagonal(phi, 1.0)
    sl = schmid_leiman(P, phi)
    np.testing.assert_allclose(sl.second_order, gamma, atol=1e-4)
    np.testing.assert_allclose(sl.general, P @ gamma, atol=1e-4)
    np.testing.assert_allclose(sl.group, P * np.sqrt(1 - gamma**2), atol=1e-4)
    np.testing.assert_allclose(
        sl.general**2 + np.sum(sl.group**2, axis=1), np.sum(P**2, axis=1), atol=1e-4
    )

    R = P @ phi @ P.T
    np.fill_diagonal(R, 1.0)
    res = omega(pd.DataFrame(R), n_factors=3)
    V = R.sum()
    assert res.omega_total == pytest.approx(
        (V - np.sum(1 - np.sum(P**2, 1))) / V, abs=1e-6
    )
    assert res.omega_hierarchical == pytest.approx((P @ gamma).sum() ** 2 / V, abs=1e-4)
    assert res.n_obs is None


def test_one_factor_warns():
    P = np.full((6, 1), 0.6)
    R = P @ P.T
    np.fill_diagonal(R, 1.0)
    with pytest.warns(ReliabilityWarning, match="one factor"):
        res = omega(R, n_factors=1)
    assert res.omega_hierarchical == pytest.approx(res.omega_total, abs=1e-6)


def test_bad_settings_are_named(items):
    with pytest.raises(ModelError, match="not both"):
        omega(items, keys=KEYING, flip=True)
    with pytest.raises(ModelError, match="rotation: .* oblique"):
        omega(items, rotation="varimax")
    with pytest.raises(DataError, match="keys: expected 25"):
        omega(items, keys=KEYING[:10])
    with pytest.raises(DataError, match="must be \\+1 or -1"):
        omega(items, keys=np.zeros(25))
    conflicting = load_instrument("bfi").key_matrix()
    conflicting.loc["A2", "openness"] = -1.0
    with pytest.raises(DataError, match="A2 are keyed positively"):
        omega(items, keys=conflicting)
    with pytest.raises(DataError, match="no key for item"):
        omega(items, keys=conflicting.drop(index="O5"))
