"""Norms: percentile ranks, T-scores and stanines, overall and per group."""

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.datasets import load_bfi
from commercie_analysis.exceptions import DataQualityWarning, ModelError
from commercie_analysis.scoring import (
    ScoringModel,
    apply_norms,
    build_norms,
    norm_table,
)
from commercie_analysis.scoring.norms import percentile_rank, stanine, t_score


def test_norm_table_mid_ranks_by_hand():
    # 10 scores; mid-rank percentile = 100 * (below + equal / 2) / n
    x = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]
    table = norm_table(np.array(x, dtype=float))
    assert table["n"] == 10
    assert table["points"]["score"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert table["points"]["percentile"] == [5.0, 20.0, 45.0, 70.0, 85.0, 95.0]
    assert table["mean"] == pytest.approx(3.3)
    assert table["sd"] == pytest.approx(np.std(x, ddof=1))
    np.testing.assert_allclose(
        percentile_rank([0.5, 2.5, 3.0, 5.5, 7.0, np.nan], table),
        [0.0, 32.5, 45.0, 90.0, 100.0, np.nan],
    )


def test_continuous_scores_use_quantile_points():
    rng = np.random.default_rng(1)
    x = rng.normal(size=5000)
    table = norm_table(x)
    assert len(table["points"]["score"]) == 201
    # the percentile rank of the median is 50, of the 2.5 % quantile 2.5
    assert percentile_rank(np.median(x), table) == pytest.approx(50.0, abs=0.05)
    assert percentile_rank(np.quantile(x, 0.025), table) == pytest.approx(2.5, abs=0.05)


def test_t_score_and_stanine():
    table = norm_table(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    # mean 3, sd sqrt(2.5)
    assert t_score(4.0, table) == pytest.approx(50 + 10 / np.sqrt(2.5))
    assert stanine(
        [0.0, 3.9, 4.0, 10.9, 11.0, 39.9, 40.0, 59.9, 60.0, 95.9, 96.0, 100.0]
    ).tolist() == [1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 9, 9]


def test_group_norms_and_fallback_to_overall():
    scores = pd.DataFrame({"s": np.r_[np.arange(40.0), np.arange(40.0) + 10, [5.0]]})
    groups = pd.Series(["a"] * 40 + ["b"] * 40 + [np.nan], index=scores.index)
    norms = build_norms(scores, groups, group_column="team")
    assert sorted(norms["groups"]) == ["a", "b"]
    assert norms["groups"]["a"]["s"]["n"] == 40
    assert norms["overall"]["s"]["n"] == 81

    new = pd.DataFrame({"s": [20.0, 20.0, 20.0]})
    out = apply_norms(new, norms, pd.Series(["a", "b", "zz"]))
    assert out["norm_group"].tolist() == ["a", "b", "overall"]
    # 20 in group a (0..39): 20 below, 1 equal -> 100 * 20.5 / 40 = 51.25;
    # in group b (10..49): 10 below, 1 equal -> 26.25
    np.testing.assert_allclose(out["s_percentile"].iloc[:2], [51.25, 26.25])


def test_small_groups_get_no_norms_and_a_warning():
    scores = pd.DataFrame({"s": np.arange(50.0)})
    groups = pd.Series(["big"] * 40 + ["small"] * 10)
    with pytest.warns(
        DataQualityWarning, match=r"no norms for group\(s\) small \(n=10\)"
    ):
        norms = build_norms(scores, groups, group_column="size")
    assert list(norms["groups"]) == ["big"]


def test_norm_table_needs_two_scores():
    with pytest.raises(ModelError, match="at least 2 scores"):
        norm_table([1.0, np.nan])


def test_bfi_norms_per_gender_in_the_model():
    bfi = load_bfi()
    model = ScoringModel.unit_weighted("bfi", bfi, norm_group="gender")
    assert model.norms["group_column"] == "gender"
    assert sorted(model.norms["groups"]) == ["1", "2"]
    scores = model.score(bfi)
    normed = model.normed(scores, bfi["gender"])
    # in each gender group the mean T-score of that group is 50
    for g in (1, 2):
        rows = bfi["gender"] == g
        assert normed.loc[rows, "neuroticism_t"].mean() == pytest.approx(50.0)
    stanines = normed["openness_stanine"].dropna()
    assert stanines.between(1, 9).all() and len(stanines) == scores["openness"].count()
    assert set(normed["norm_group"]) == {"1", "2"}
