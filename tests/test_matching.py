"""Matching indices, ranking, team coverage and the same-scale check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commercie_analysis.exceptions import DataError
from commercie_analysis.matching import (
    check_same_scale,
    match_sellers,
    profile_similarity,
    team_coverage,
)
from commercie_analysis.profiles import market_profiles, seller_profiles
from commercie_analysis.simulate import simulate_responses

TYPES = ["adviseur", "ervaringsdeskundige", "relatiebouwer", "afsluiter"]


def series(values, name=None):
    return pd.Series(dict(zip(TYPES, values, strict=True)), name=name, dtype=float)


def test_indices_by_hand():
    seller, market = series([4, 2, 3, 5]), series([5, 1, 3, 4])
    result = profile_similarity(seller, market, scale=(1, 5))

    # distance sqrt(1 + 1 + 0 + 1); correlation 5.5 / sqrt(5 x 8.75);
    # cosine from the midpoint 3: (1*2 + -1*-2 + 0*0 + 2*1) / (sqrt 6 * sqrt 9)
    assert result["euclidean"] == pytest.approx(np.sqrt(3))
    assert result["correlation"] == pytest.approx(5.5 / np.sqrt(5 * 8.75))
    assert result["correlation"] == pytest.approx(np.corrcoef(seller, market)[0, 1])
    assert result["cosine"] == pytest.approx(6 / np.sqrt(54))
    # Cattell's rp with k = chi-square median for 4 df (3.3567)
    k = stats.chi2.median(4)
    assert k == pytest.approx(3.3567, abs=1e-4)
    assert result["cattell_rp"] == pytest.approx((2 * k - 3) / (2 * k + 3))


def test_cattell_rp_uses_the_standard_deviations():
    seller, market = series([4, 2, 3, 5]), series([5, 1, 3, 4])
    result = profile_similarity(seller, market, sd=2.0, scale=(1, 5))
    k = stats.chi2.median(4)
    assert result["cattell_rp"] == pytest.approx((2 * k - 0.75) / (2 * k + 0.75))
    # identical profiles: rp = 1, distance 0
    same = profile_similarity(seller, seller, scale=(1, 5))
    assert same["cattell_rp"] == 1.0 and same["euclidean"] == 0.0


def test_shape_versus_elevation():
    market = series([4, 2, 4, 2])
    lower = series([3, 1, 3, 1])  # same shape, one point lower everywhere
    result = profile_similarity(lower, market, scale=(1, 5))
    assert result["correlation"] == pytest.approx(1.0)
    assert result["euclidean"] == pytest.approx(2.0)

    flat = profile_similarity(series([3, 3, 3, 3]), market, scale=(1, 5))
    assert np.isnan(flat["correlation"]) and np.isnan(flat["cosine"])


def test_same_scale_check():
    sellers = pd.DataFrame([[4.0, 2, 3, 5]], columns=TYPES)
    market = series([5, 1, 3, 4])
    with pytest.raises(DataError, match="scale of the profiles is unknown"):
        check_same_scale(sellers, market)

    sellers.attrs["scale"] = (1, 5)
    market.attrs["scale"] = "regression"
    with pytest.raises(
        DataError,
        match=r"on scale \(1, 5\) and the market profile on "
        "regression",
    ):
        check_same_scale(sellers, market)

    z_market = series([1.2, -0.4, 0.3, -1.1])
    with pytest.raises(DataError, match="3 market score.*outside the answer scale"):
        check_same_scale(sellers, z_market)

    with pytest.raises(
        DataError, match=r"lacks the seller categor\(ies\) \['afsluiter'\]"
    ):
        check_same_scale(sellers, series([5, 1, 3, 4]).drop("afsluiter"))


def test_ranking_by_each_index():
    sellers = pd.DataFrame(
        [[5, 1, 3, 4], [4, 2, 3, 5], [3, 3, 3, 3.5]],
        columns=TYPES,
        index=["exact", "close", "flat"],
    )
    sellers.attrs["scale"] = (1, 5)
    market = series([5, 1, 3, 4])

    by_distance = match_sellers(sellers, market)
    assert by_distance.index.tolist() == ["exact", "close", "flat"]
    assert by_distance["rank"].tolist() == [1, 2, 3]
    by_rp = match_sellers(sellers, market, by="cattell_rp")
    assert by_rp.index[0] == "exact"
    with pytest.raises(DataError, match="by must be one of"):
        match_sellers(sellers, market, by="manhattan")


def test_team_coverage_by_hand():
    team = pd.DataFrame(
        {
            "adviseur": [4.0, 3.0],
            "ervaringsdeskundige": [2.0, 2.5],
            "relatiebouwer": [3.0, 4.5],
            "afsluiter": [3.5, 2.0],
            "dominant": ["adviseur", "relatiebouwer"],
        },
        index=["s1", "s2"],
    )
    market = series([3.5, 4.0, 3.0, 3.0])
    out = team_coverage(team, market, scale=(1, 5))

    assert out["team_best"].tolist() == [4.0, 2.5, 4.5, 3.5]
    assert out["best_seller"].tolist() == ["s1", "s2", "s2", "s1"]
    assert out["n_meeting"].tolist() == [1, 0, 2, 1]
    assert out["n_dominant"].tolist() == [1, 0, 1, 0]
    assert out["gap"].tolist() == [0.0, 1.5, 0.0, 0.0]
    assert out["covered"].tolist() == [True, False, True, True]


def test_matching_real_pipeline_profiles():
    sellers = seller_profiles(
        simulate_responses("commercial_profile", 40, seed=1).responses
    )
    managers = market_profiles(
        simulate_responses("market_profile", 30, seed=2).responses
    )
    market = managers[TYPES + ["klantfocus"]].mean()
    market.attrs["scale"] = managers.attrs["scale"]

    ranking = match_sellers(sellers, market)
    assert len(ranking) == 40
    assert ranking["euclidean"].is_monotonic_increasing
    assert {"dominant", "company"} <= set(ranking.columns)
