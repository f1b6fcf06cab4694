"""Seller and market profiles: scores, dominant type, gap, the eight market profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.exceptions import DataError, InstrumentError
from commercie_analysis.instruments import load_instrument
from commercie_analysis.profiles import (
    company_market_profiles,
    construct_scores,
    market_profiles,
    seller_profiles,
)
from commercie_analysis.simulate import simulate_responses

CP = load_instrument("commercial_profile")
MP = load_instrument("market_profile")


def neutral(spec, **answers):
    row = {item: 3 for item in spec.item_ids}
    row.update(answers)
    return row


def test_unit_weighted_scores_by_hand():
    # adviseur: cp_adv1..5 keyed, cp_adv6..7 reversed (6 - x)
    row = neutral(CP, cp_adv1=5, cp_adv2=4, cp_adv6=1, cp_adv7=9)
    scores = construct_scores(pd.DataFrame([row], index=["s"]), CP)

    # answers 5, 4, 3, 3, 3, reversed 5 and the 9 ("don't know") left out:
    # (5 + 4 + 3 + 3 + 3 + 5) / 6 = 23 / 6
    assert scores.loc["s", "adviseur"] == pytest.approx(23 / 6)
    assert scores.loc["s", "afsluiter"] == 3.0
    assert scores.attrs["scale"] == (1, 5)


def test_too_few_answered_items_give_no_score():
    row = neutral(CP, **{item: 9 for item in CP.items_of("afsluiter")[:4]})
    scores = construct_scores(pd.DataFrame([row]), CP)
    assert np.isnan(scores.loc[0, "afsluiter"])  # 3 of 7 answered < half

    relaxed = construct_scores(pd.DataFrame([row]), CP, min_answered=0.4)
    assert relaxed.loc[0, "afsluiter"] == 3.0


def test_respondent_id_column_becomes_the_index():
    frame = pd.DataFrame([neutral(CP), neutral(CP)]).assign(respondent_id=["a", "b"])
    assert list(construct_scores(frame, CP).index) == ["a", "b"]

    frame["respondent_id"] = ["a", "a"]
    with pytest.raises(DataError, match="1 duplicated id"):
        construct_scores(frame, CP)


def test_bad_answers_are_named():
    with pytest.raises(DataError, match="outside the scale 1..5"):
        construct_scores(pd.DataFrame([neutral(CP, cp_rel3=7)]), CP)
    with pytest.raises(DataError, match="lack 1 item"):
        construct_scores(pd.DataFrame([neutral(CP)]).drop(columns="cp_afs7"), CP)
    with pytest.raises(DataError, match="cp_adv1"):
        construct_scores(pd.DataFrame([neutral(CP, cp_adv1="often")]), CP)


def test_seller_profile_dominant_gap_and_mixed():
    closer = neutral(CP, cp_afs1=5, cp_afs2=5, cp_afs6=1, cp_afs7=1)  # afs 29/7
    twin = neutral(CP, cp_adv1=4, cp_rel1=4)  # adv and rel both 22/7
    frame = pd.DataFrame([closer, twin], index=["closer", "twin"])
    out = seller_profiles(frame)

    assert out.loc["closer", "dominant"] == "afsluiter"
    assert out.loc["closer", "gap"] == pytest.approx(29 / 7 - 3)
    assert not out.loc["closer", "mixed"]
    # a tie: the first in the spec's order dominates, gap 0, mixed
    assert out.loc["twin", "dominant"] == "adviseur"
    assert out.loc["twin", "second"] == "relatiebouwer"
    assert out.loc["twin", "gap"] == 0.0
    assert out.loc["twin", "mixed"]
    assert out.attrs["mixed_band"] == 0.25


def test_seller_profile_needs_type_constructs():
    with pytest.raises(InstrumentError, match="construct_kind: type"):
        seller_profiles(pd.DataFrame([neutral(load_instrument("bfi"))]), "bfi")


class DoublingModel:
    """A stand-in scoring model: twice the unit-weighted mean."""

    method = "demo"
    profile = {"band": 0.5}

    def score(self, frame):
        return construct_scores(frame, CP) * 2


def test_scoring_model_seam():
    frame = pd.DataFrame([neutral(CP, cp_afs1=5)])
    out = seller_profiles(frame, CP, DoublingModel())

    assert out.loc[0, "afsluiter"] == pytest.approx(2 * 23 / 7)
    assert out.attrs["scale"] == "demo"
    assert out.attrs["mixed_band"] == 0.5
    # gap 2 x (23/7 - 3) = 4/7 = 0.571, not below the model's band of 0.5
    assert out.loc[0, "gap"] == pytest.approx(4 / 7)
    assert not out.loc[0, "mixed"]


def test_scoring_model_seam_mixed_flag_uses_the_band():
    frame = pd.DataFrame([neutral(CP, cp_afs1=4)])
    out = seller_profiles(frame, CP, DoublingModel())
    assert out.loc[0, "gap"] == pytest.approx(2 / 7)
    assert out.loc[0, "mixed"]


def test_scoring_model_without_a_construct():
    class Partial:
        def score(self, frame):
            return construct_scores(frame, CP).drop(columns="afsluiter")

    with pytest.raises(DataError, match=r"no score for construct\(s\) \['afsluiter'\]"):
        construct_scores(pd.DataFrame([neutral(CP)]), CP, Partial())


def test_market_profile_assignment_by_hand():
    rows = [
        neutral(MP, mp_rel1=5, mp_rel2=5, mp_kf1=5, mp_kf2=5),  # rel, split 3.67
        neutral(MP, mp_erv1=5, mp_kf5=5, mp_kf6=5),  # erv, split 2.33
        neutral(MP, mp_afs1=5),  # afs, split 3.00
    ]
    out = market_profiles(pd.DataFrame(rows, index=["a", "b", "c"]))

    assert out.attrs["split_cut"] == 3.0  # the median of 3.67, 2.33, 3.00
    assert out["category"].tolist() == [
        "relatiebouwer",
        "ervaringsdeskundige",
        "afsluiter",
    ]
    assert out["pole"].tolist() == ["high", "low", "high"]  # at the cut: high
    assert out["profile"].tolist() == [
        "relatiebouwer_acquisitie",
        "ervaringsdeskundige_ontwikkeling",
        "afsluiter_acquisitie",
    ]
    fixed = market_profiles(pd.DataFrame(rows), split=3.5)
    assert fixed["pole"].tolist() == ["high", "low", "low"]


def test_market_profile_needs_profiles():
    with pytest.raises(InstrumentError, match="no profiles section"):
        market_profiles(pd.DataFrame([neutral(CP)]), CP)
    with pytest.raises(DataError, match="split must be"):
        market_profiles(pd.DataFrame([neutral(MP)]), split="mean")


@pytest.mark.parametrize("split", [1e9, 0.5, 5.01, float("inf")])
def test_split_off_the_answer_scale_is_refused(split):
    scale = rf"{MP.scale.min}\.\.{MP.scale.max}"
    message = "finite" if split == float("inf") else f"outside the score scale {scale}"
    with pytest.raises(DataError, match=message):
        market_profiles(pd.DataFrame([neutral(MP)]), split=split)
    # the ends of the scale are cuts
    market_profiles(pd.DataFrame([neutral(MP)]), split=MP.scale.max)


def test_company_aggregation_rule():
    rows = [
        neutral(MP, company="X", mp_rel1=5, mp_rel2=5, mp_kf1=5),
        neutral(MP, company="X", mp_adv1=5, mp_kf1=5),
        neutral(MP, company="Y", mp_afs1=5, mp_kf5=5),
    ]
    each = market_profiles(pd.DataFrame(rows), split="midpoint")
    companies = company_market_profiles(each)

    # X: relatiebouwer mean (22/6 + 3) / 2 = 3.333 beats adviseur (3 + 20/6) / 2
    assert companies.loc["X", "relatiebouwer"] == pytest.approx((22 / 6 + 3) / 2)
    assert companies.loc["X", "adviseur"] == pytest.approx((3 + 20 / 6) / 2)
    assert companies.loc["X", "profile"] == "relatiebouwer_acquisitie"
    assert companies.loc["X", "agreement"] == 0.5
    assert companies.loc["Y", "profile"] == "afsluiter_ontwikkeling"
    assert companies["n_respondents"].tolist() == [2, 1]


def test_companies_are_classified_better_than_single_managers():
    # simulated markets: every manager of a company answers about the same market,
    # so pooling a company's managers should recover its profile more often
    sim = simulate_responses("market_profile", 600, seed=2)
    each = market_profiles(sim.responses)
    companies = company_market_profiles(each)
    truth = sim.truth.assign(company=sim.responses["company"])
    true_company = truth.groupby("company")["latent_class"].first()

    single = (each["profile"].to_numpy() == sim.truth["latent_class"].to_numpy()).mean()
    pooled = (companies["profile"] == true_company).mean()
    assert single > 0.45
    assert pooled > single + 0.1


def test_scoring_model_from_the_scoring_package_gives_the_same_profiles():
    from commercie_analysis.scoring import ScoringModel

    sim = simulate_responses(CP, 100, seed=1, missing_share=0.02)
    items = sim.responses.set_index("respondent_id")[CP.item_ids].astype(float)
    model = ScoringModel.unit_weighted(CP, items, n_reference=0)

    unit = seller_profiles(sim.responses, CP)
    scored = seller_profiles(sim.responses, CP, model)
    pd.testing.assert_frame_equal(
        scored[CP.construct_ids], unit[CP.construct_ids], atol=1e-12
    )
    # equal scores summed in another order still tie
    assert (scored["dominant"] == unit["dominant"]).all()
    assert scored.attrs["scale"] == (1, 5)  # the model's method is unit_mean
