"""Tests of commercie_analysis.rotation."""

import numpy as np
import pytest

from commercie_analysis.rotation import rotate, sort_and_sign

# Perfect simple structure: two factors, three items each.
SIMPLE = np.array(
    [[0.8, 0.0], [0.7, 0.0], [0.6, 0.0], [0.0, 0.7], [0.0, 0.6], [0.0, 0.5]]
)


def _rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


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
    A = SIMPLE @ _rotation(np.pi / 6)
    res = rotate(A, method, **options)
    L, phi, _, _ = sort_and_sign(res.loadings, res.phi)
    np.testing.assert_allclose(L, SIMPLE, atol=1e-4)
    np.testing.assert_allclose(phi, np.eye(2), atol=1e-4)


def test_sort_and_sign_keeps_structure_consistent():
    rng = np.random.default_rng(1)
    L = rng.normal(size=(8, 3))
    phi = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    new_L, new_phi, order, signs = sort_and_sign(L, phi)
    np.testing.assert_allclose(new_L @ new_phi, (L @ phi)[:, order] * signs)
    np.testing.assert_allclose(new_L @ new_phi @ new_L.T, L @ phi @ L.T)
    assert np.all(new_L.sum(axis=0) >= 0)
