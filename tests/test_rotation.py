"""Tests of commercie_analysis.rotation.

Reference values: tests/reference/rotation.json, made by tests/reference/r/rotation.R
(R 4.2.2, psych 2.2.9, GPArotation 2022.10.2) from the unrotated minres loadings of
bfi (25 items, 2436 complete cases, 5 factors). Tolerances: loadings and factor
correlations 1e-4, criterion 1e-6 relative.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commercie_analysis import rotation as rot
from commercie_analysis.exceptions import ConvergenceWarning, DataError, ModelError
from commercie_analysis.rotation import (
    ROTATIONS,
    rotate,
    sort_and_sign,
    target_from_key,
)

REF = json.loads(
    (Path(__file__).parent / "reference" / "rotation.json").read_text(encoding="utf-8")
)
A = np.array(REF["input"])
KEY = np.array(REF["key"], dtype=float)
CASES = {case["name"]: case for case in REF["cases"]}

# Perfect simple structure: two factors, three items each.
SIMPLE = np.array(
    [[0.8, 0.0], [0.7, 0.0], [0.6, 0.0], [0.0, 0.7], [0.0, 0.6], [0.0, 0.5]]
)


def _turn(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def _options(case):
    options = dict(case["options"])
    target = options.pop("target", None)
    if target == "partial":
        options["target"] = target_from_key(KEY)
    elif target == "full":
        options["target"] = target_from_key(KEY, full=True)
    return options


# -- agreement with R -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_gparotation_and_psych(name):
    case = CASES[name]
    res = rotate(A, case["method"], **_options(case))

    # Loadings and factor correlations, after psych's order and signs on both sides.
    ours_l, ours_phi, _, _ = sort_and_sign(res.loadings, res.phi)
    r_l, r_phi, _, _ = sort_and_sign(case["loadings"], case["phi"])
    np.testing.assert_allclose(ours_l, r_l, atol=1e-4)
    np.testing.assert_allclose(ours_phi, r_phi, atol=1e-4)

    # Same starting point and algorithm: the raw output agrees too, T included.
    np.testing.assert_allclose(res.loadings, case["loadings"], atol=1e-4)
    np.testing.assert_allclose(res.rotation_matrix, case["rotation_matrix"], atol=1e-4)
    if "criterion" in case:
        assert res.criterion == pytest.approx(case["criterion"], rel=1e-6)
    if "n_iter" in case:
        assert res.n_iter == case["n_iter"]
        assert res.converged is case["converged"]


@pytest.mark.parametrize("entry", REF["psych_fa"], ids=lambda e: e["method"])
def test_sorted_result_matches_psych_fa(entry):
    # psych::fa(cc, 5, rotate = ...) rotates the same unrotated loadings, then signs
    # and orders the factors: the whole chain must agree, phi included.
    res = rotate(A, entry["method"]).sorted()
    np.testing.assert_allclose(res.loadings, entry["loadings"], atol=1e-4)
    np.testing.assert_allclose(res.phi, entry["phi"], atol=1e-4)


def test_harman8_matches_r():
    small = REF["harman8"]
    A8 = np.array(small["input"])
    ob = rotate(A8, "oblimin")
    np.testing.assert_allclose(ob.loadings, small["oblimin"]["loadings"], atol=1e-4)
    np.testing.assert_allclose(ob.phi, small["oblimin"]["phi"], atol=1e-4)
    assert ob.criterion == pytest.approx(small["oblimin"]["criterion"], rel=1e-6)
    geo = rotate(A8, "geomin")
    np.testing.assert_allclose(geo.loadings, small["geomin"]["loadings"], atol=1e-4)
    np.testing.assert_allclose(
        rotate(A8, "varimax").loadings, small["varimax"]["loadings"], atol=1e-4
    )
    pro = rotate(A8, "promax")
    np.testing.assert_allclose(pro.loadings, small["promax"]["loadings"], atol=1e-4)
    np.testing.assert_allclose(pro.phi, small["promax"]["phi"], atol=1e-4)


# -- known answers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("varimax", {"normalize": False, "tol": 1e-12}),
        ("quartimax", {"tol": 1e-8}),
        ("equamax", {"tol": 1e-8}),
        ("oblimin", {"tol": 1e-8}),
        ("quartimin", {"tol": 1e-8}),
    ],
)
def test_recovers_simple_structure_rotated_by_known_angle(method, options):
    # A simple-structure matrix turned by 30 degrees comes back (up to order and
    # sign): it is the optimum of every one of these criteria.
    res = rotate(SIMPLE @ _turn(np.pi / 6), method, **options)
    loadings, phi, _, _ = sort_and_sign(res.loadings, res.phi)
    np.testing.assert_allclose(loadings, SIMPLE, atol=1e-4)
    np.testing.assert_allclose(phi, np.eye(2), atol=1e-4)


def test_quartimin_recovers_correlated_simple_structure():
    # A = L0 chol(Phi0) has the same common part as L0 with correlations Phi0;
    # quartimin reaches its minimum 0 at L0 exactly, so it returns L0 and Phi0.
    phi0 = np.array([[1.0, 0.4], [0.4, 1.0]])
    A0 = SIMPLE @ np.linalg.cholesky(phi0)
    res = rotate(A0, "quartimin", tol=1e-8)
    loadings, phi, _, _ = sort_and_sign(res.loadings, res.phi)
    np.testing.assert_allclose(loadings, SIMPLE, atol=1e-6)
    np.testing.assert_allclose(phi, phi0, atol=1e-6)
    assert res.criterion == pytest.approx(0.0, abs=1e-12)


def test_stats_varimax_stops_at_a_stationary_start_like_r():
    # With Kaiser normalisation every row of this matrix points in one of two
    # directions and stats::varimax stops after two iterations at its start (R
    # 4.2.2 gives loadings[1, ] = 0.751754, -0.273616); kept deliberately.
    S = np.vstack([SIMPLE[:3], [[0.5, 0.0]], SIMPLE[3:]])
    res = rotate(S @ _turn(np.pi / 9), "varimax")
    np.testing.assert_allclose(res.loadings[0], [0.7517541, -0.2736161], atol=1e-6)


@pytest.mark.parametrize("method", [m for m in ROTATIONS if m not in ("none",)])
def test_identities_of_the_rotation_matrix(method):
    options = {"target": target_from_key(KEY)} if method.startswith("target") else {}
    res = rotate(A, method, **options)
    T = res.rotation_matrix
    if res.orthogonal:
        np.testing.assert_allclose(T.T @ T, np.eye(5), atol=1e-10)
        np.testing.assert_allclose(res.loadings, A @ T, atol=1e-10)
    else:
        np.testing.assert_allclose(res.loadings, A @ np.linalg.inv(T).T, atol=1e-10)
        np.testing.assert_allclose(res.phi, T.T @ T, atol=1e-10)
    # The common part of the model is untouched by any rotation.
    np.testing.assert_allclose(
        res.loadings @ res.phi @ res.loadings.T, A @ A.T, atol=1e-10
    )
    s = res.sorted()
    np.testing.assert_allclose(
        s.loadings,
        A @ (s.rotation_matrix if s.orthogonal else np.linalg.inv(s.rotation_matrix).T),
        atol=1e-10,
    )
    np.testing.assert_allclose(s.structure, s.loadings @ s.phi)


@pytest.mark.parametrize(
    "criterion",
    [
        rot._oblimin(0.0),
        rot._oblimin(0.5),
        rot._quartimax,
        rot._varimax,
        rot._crawford_ferguson(0.1),
        rot._geomin(0.01),
        rot._bentler,
        rot._full_target(np.linspace(-1, 1, 12).reshape(6, 2)),
    ],
    ids=[
        "quartimin",
        "oblimin0.5",
        "quartimax",
        "varimax",
        "cf",
        "geomin",
        "bentler",
        "target",
    ],
)
def test_criterion_gradients_match_finite_differences(criterion):
    L = SIMPLE @ _turn(0.3) + 0.05
    _, gradient = criterion(L)
    numeric = np.zeros_like(L)
    h = 1e-6
    for idx in np.ndindex(L.shape):
        step = np.zeros_like(L)
        step[idx] = h
        numeric[idx] = (criterion(L + step)[0] - criterion(L - step)[0]) / (2 * h)
    np.testing.assert_allclose(gradient, numeric, atol=1e-6)


# -- the faults of factor-analyzer 0.5.1 do not reach our results -------------


def test_equamax_uses_kappa_m_over_2p():
    # factor-analyzer 0.5.1 defaults equamax's kappa to 0 (quartimax's). Ours is
    # m / (2p) = 5 / 50, matches psych::equamax (checked above) and differs from
    # the Crawford-Ferguson rotation with kappa = 0.
    default = rotate(A, "equamax")
    explicit = rotate(A, "equamax", kappa=5 / 50)
    kappa_zero = rotate(A, "equamax", kappa=0.0)
    np.testing.assert_allclose(default.loadings, explicit.loadings)
    assert np.abs(default.loadings - kappa_zero.loadings).max() > 0.05


def test_oblimin_gamma_is_used():
    # factor-analyzer 0.5.1 replaces the oblimin criterion by a constant when
    # gamma != 0; ours gives GPArotation's oblimin(gam = 0.5) (checked above) and a
    # solution different from quartimin.
    half = rotate(A, "oblimin", gamma=0.5)
    zero = rotate(A, "oblimin")
    np.testing.assert_allclose(
        half.loadings, CASES["oblimin_gamma_0.5"]["loadings"], atol=1e-4
    )
    assert np.abs(half.phi - zero.phi).max() > 0.05


def test_single_factor_is_signed_positive():
    # factor-analyzer 0.5.1 signs factors only when there are several; psych flips a
    # single factor too. N1..N5 on one factor: psych reports positive loadings.
    psych_one = np.array(REF["one_factor"]["loadings"])
    loadings, phi, order, signs = sort_and_sign(-psych_one)
    np.testing.assert_allclose(loadings, psych_one)
    assert signs.tolist() == [-1.0]
    assert order.tolist() == [0]
    res = rotate(-psych_one, "oblimin").sorted()
    np.testing.assert_allclose(res.loadings, psych_one)
    assert res.n_iter == 0


def test_phi_follows_the_loadings_when_factors_are_reordered():
    # factor-analyzer 0.5.1 reorders the loadings but not phi. Scramble psych's
    # sorted oblimin solution: sorting must restore loadings and phi together.
    entry = next(e for e in REF["psych_fa"] if e["method"] == "oblimin")
    L, phi = np.array(entry["loadings"]), np.array(entry["phi"])
    perm, flip = np.array([3, 0, 4, 2, 1]), np.array([1, -1, -1, 1, -1])
    new_l, new_phi, order, signs = sort_and_sign(
        L[:, perm] * flip, phi[np.ix_(perm, perm)] * np.outer(flip, flip)
    )
    np.testing.assert_allclose(new_l, L, atol=1e-12)
    np.testing.assert_allclose(new_phi, phi, atol=1e-12)
    np.testing.assert_allclose(new_l @ new_phi, L @ phi, atol=1e-12)
    assert perm[order].tolist() == [0, 1, 2, 3, 4]


def test_sort_and_sign_keeps_structure_consistent():
    rng = np.random.default_rng(1)
    L = rng.normal(size=(8, 3))
    phi = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    new_l, new_phi, order, signs = sort_and_sign(L, phi)
    np.testing.assert_allclose(new_l @ new_phi, (L @ phi)[:, order] * signs)
    np.testing.assert_allclose(new_l @ new_phi @ new_l.T, L @ phi @ L.T)
    assert np.all(new_l.sum(axis=0) >= 0)
    explained = np.diag(new_phi @ new_l.T @ new_l)
    assert np.all(np.diff(explained) <= 0)


# -- random starts, convergence, input checks --------------------------------


def test_random_starts_keep_the_best_and_report_the_spread():
    # geominT on bfi has a second, worse optimum (0.9621 against 0.9169) that
    # some random starts reach: the spread shows it, the best is kept.
    res = rotate(A, "geomin_t", n_starts=20, random_state=0)
    single = rotate(A, "geomin_t")
    assert res.start_criteria.shape == (20,)
    assert res.start_criteria[0] == pytest.approx(single.criterion, rel=1e-12)
    assert res.criterion == pytest.approx(CASES["geomin_t"]["criterion"], rel=1e-6)
    assert res.criterion == pytest.approx(res.start_criteria.min(), rel=1e-12)
    assert np.ptp(res.start_criteria) > 0.04
    again = rotate(A, "geomin_t", n_starts=20, random_state=0)
    np.testing.assert_array_equal(again.start_criteria, res.start_criteria)
    np.testing.assert_array_equal(again.loadings, res.loadings)


def test_random_starts_escape_a_local_optimum_of_a_full_target():
    # With the key's first two constructs swapped, targetT from the identity stops
    # at a local optimum (criterion 13.83). Permuting target columns permutes the
    # solution, so the global optimum is R's targetT solution with the original
    # key (criterion 6.662999802), its columns swapped: random starts find it.
    perm = [1, 0, 2, 3, 4]
    res = rotate(
        A,
        "target_orthogonal",
        target=KEY[:, perm],
        full_target=True,
        n_starts=10,
        random_state=0,
    )
    r_case = CASES["target_orthogonal_full"]
    assert res.start_criteria[0] > r_case["criterion"] + 5
    assert res.criterion == pytest.approx(r_case["criterion"], rel=1e-6)
    np.testing.assert_allclose(
        res.loadings, np.array(r_case["loadings"])[:, perm], atol=1e-4
    )


def test_non_convergence_warns_with_the_iterations_used():
    with pytest.warns(ConvergenceWarning, match=r"'oblimin'.*3 iterations"):
        res = rotate(A, "oblimin", max_iter=3)
    assert res.converged is False
    assert res.n_iter == 3
    with pytest.warns(ConvergenceWarning, match=r"'varimax'.*2 iterations"):
        rotate(A, "varimax", max_iter=2)


def test_accepts_a_dataframe_and_returns_arrays():
    frame = pd.DataFrame(A, index=REF["items"])
    res = rotate(frame, "oblimin")
    assert isinstance(res.loadings, np.ndarray)
    np.testing.assert_allclose(res.loadings, CASES["oblimin"]["loadings"], atol=1e-12)


def test_none_leaves_the_loadings_alone():
    res = rotate(A, "none")
    np.testing.assert_array_equal(res.loadings, A)
    np.testing.assert_array_equal(res.phi, np.eye(5))
    assert np.isnan(res.criterion)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "oblimax"}, ModelError, "method: expected one of"),
        ({"method": "target"}, ModelError, "target: rotation 'target' needs"),
        ({"method": "target", "target": np.zeros((3, 5))}, ModelError, "shape"),
        (
            {"method": "target", "target": target_from_key(KEY), "full_target": True},
            ModelError,
            "fully specified target",
        ),
        ({"method": "varimax", "gamma": 0.5}, ModelError, "gamma: only used by"),
        ({"method": "quartimax", "kappa": 0.1}, ModelError, "kappa: only used by"),
        ({"method": "oblimin", "target": KEY}, ModelError, "target: only used by"),
        ({"method": "geomin", "full_target": True}, ModelError, "full_target"),
        ({"n_starts": 0}, ModelError, "n_starts"),
        ({"max_iter": 0}, ModelError, "max_iter"),
        ({"tol": 0}, ModelError, "tol"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        rotate(A, **kwargs)


def test_bad_loadings_are_named():
    bad = A.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="loadings: expected finite"):
        rotate(bad)
    with pytest.raises(DataError, match="loadings: expected a 2-D"):
        rotate(np.zeros((1, 2)))
    zero_row = A.copy()
    zero_row[2] = 0
    with pytest.raises(DataError, match=r"rows \[2\]"):
        rotate(zero_row, "varimax")


def test_target_from_key():
    key = [[1, 0], [-1, 0], [0, 1]]
    partial = target_from_key(key)
    assert np.isnan(partial[0, 0]) and partial[0, 1] == 0
    np.testing.assert_array_equal(target_from_key(key, full=True), key)
    with pytest.raises(DataError, match="key"):
        target_from_key([1, 0, 1])


@pytest.mark.parametrize(
    ("alias", "method", "options"),
    [
        ("geominQ", "geomin", {}),
        ("geominT", "geomin_t", {}),
        ("bentlerQ", "bentler", {}),
        ("pstQ", "target", {"target": target_from_key(KEY)}),
        ("targetT", "target_orthogonal", {"target": KEY}),
    ],
)
def test_gparotation_names_are_accepted(alias, method, options):
    res = rotate(A, alias, **options)
    assert res.method == method
    full = alias.startswith("target")
    expected = rotate(A, method, full_target=full, **options)
    np.testing.assert_array_equal(res.loadings, expected.loadings)
