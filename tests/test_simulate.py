"""Simulated respondents follow the stated population model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.exceptions import DataError, ModelError
from commercie_analysis.instruments import load_instrument
from commercie_analysis.simulate import (
    PopulationModel,
    default_population_model,
    simulate_responses,
    structure_recovery,
)

CP = load_instrument("commercial_profile")


@pytest.fixture(scope="module")
def large():
    # 20000 respondents: sampling error of a share about 0.003, of a correlation
    # about 0.007, so the tolerances below are 4-5 standard errors
    return simulate_responses(
        CP, 20000, seed=11, careless_share=0.1, missing_share=0.05
    )


def test_default_model_lies_in_the_stated_ranges():
    model = default_population_model(CP, seed=4)

    size = model.loadings.abs().max(axis=1)
    assert size.between(0.45, 0.75).all()
    assert (model.loadings != 0).sum(axis=1).eq(1).all()
    key = CP.key_matrix()
    assert (np.sign(model.loadings) == key).all().all()

    phi = model.factor_correlations.to_numpy()
    off = phi[np.triu_indices(4, 1)]
    assert np.all((off >= 0.10) & (off <= 0.40))
    assert np.allclose(np.diag(phi), 1.0)

    tau = model.thresholds.to_numpy()
    assert tau.shape == (28, 4)
    assert (np.diff(tau, axis=1) > 0).all()
    # thresholds shifted down from the equal-share quantiles by 0.2 .. 0.6
    base = np.array([-0.8416, -0.2533, 0.2533, 0.8416])
    shift = base - tau
    assert np.all((shift > 0.2 - 1e-3) & (shift < 0.6 + 1e-3))


def test_columns_scale_and_reproducibility():
    a = simulate_responses(CP, 50, seed=3)
    b = simulate_responses(CP, 50, seed=3)
    c = simulate_responses(CP, 50, seed=4)

    assert list(a.responses.columns) == [
        "respondent_id",
        "company",
        "role",
        "language",
        *CP.item_ids,
    ]
    pd.testing.assert_frame_equal(a.responses, b.responses)
    assert not a.responses[CP.item_ids].equals(c.responses[CP.item_ids])
    assert a.responses[CP.item_ids].isin(range(1, 6)).all().all()
    assert set(a.responses["language"]) <= {"nl", "en"}
    assert a.responses["respondent_id"].is_unique


def test_shares_of_careless_and_missing(large):
    answers = large.responses[CP.item_ids]
    careless = large.truth["careless"].to_numpy()

    assert careless.mean() == pytest.approx(0.10, abs=0.012)
    assert (answers == 9).to_numpy().mean() == pytest.approx(0.05, abs=0.003)
    # careless responders answer uniformly: mean 3, each category about 1/5
    random_part = answers[careless].where(answers[careless] != 9)
    assert np.nanmean(random_part.to_numpy()) == pytest.approx(3.0, abs=0.03)


def test_answers_follow_loadings_and_keys(large):
    keep = ~large.truth["careless"].to_numpy()
    answers = large.responses.loc[keep, CP.item_ids].astype(float)
    answers = answers.where(answers != 9)
    r = answers.corr()

    # items of one construct correlate positively; a reverse-keyed item negatively
    assert r.loc["cp_adv1", "cp_adv2"] > 0.2
    assert r.loc["cp_adv1", "cp_adv6"] < -0.2
    assert r.loc["cp_adv6", "cp_adv7"] > 0.2
    # answers lean towards agreement in the keyed direction (skewed thresholds)
    assert answers[CP.items_of("adviseur")[:5]].mean().gt(3.2).all()
    assert answers[["cp_adv6", "cp_adv7"]].mean().lt(2.8).all()

    # factor scores have the stated correlations
    phi = large.model.factor_correlations
    truth = large.truth[CP.construct_ids].corr()
    assert np.abs(truth.to_numpy() - phi.to_numpy()).max() < 0.035


def test_missing_as_na():
    sim = simulate_responses(CP, 200, seed=1, missing_share=0.1, missing_as="na")
    answers = sim.responses[CP.item_ids]

    assert answers.isna().to_numpy().mean() == pytest.approx(0.1, abs=0.02)
    assert not (answers == 9).any().any()


def test_market_profiles_are_shared_within_a_company():
    sim = simulate_responses("market_profile", 300, seed=2)
    classes = sim.truth.assign(company=sim.responses["company"])

    assert classes.groupby("company")["latent_class"].nunique().eq(1).all()
    assert classes["latent_class"].nunique() == 8
    # about 3 managers per company
    assert sim.responses["company"].nunique() == 100
    # overall each factor keeps unit variance: within-class variance + class means
    model = sim.model
    between = (model.class_means**2).mean() - model.class_means.mean() ** 2
    assert between["adviseur"] == pytest.approx(1 / 3)
    assert between["klantfocus"] == pytest.approx(0.64)


def test_model_round_trip_gives_the_same_sample():
    sim = simulate_responses("market_profile", 60, seed=8)
    again = PopulationModel.from_dict(sim.model.to_dict())
    resim = simulate_responses("market_profile", 60, seed=8, model=again)

    pd.testing.assert_frame_equal(sim.responses, resim.responses)
    manifest = sim.manifest(60)
    assert manifest["simulated"] is True
    assert manifest["population_model"]["items"]["mp_adv5"]["loading"] < 0


def test_bad_input_messages():
    with pytest.raises(DataError, match="n must be a whole number of at least 1"):
        simulate_responses(CP, 0)
    with pytest.raises(DataError, match="careless_share must lie in"):
        simulate_responses(CP, 10, careless_share=1.0)
    model = default_population_model("bfi")
    with pytest.raises(ModelError, match="lacks 28 item"):
        simulate_responses(CP, 10, model=model)
    broken = replace(
        default_population_model(CP), loadings=default_population_model(CP).loadings * 2
    )
    with pytest.raises(ModelError, match="strictly between 0 and 1"):
        broken.check()
    data = default_population_model(CP).to_dict()
    del data["factor_correlations"]
    with pytest.raises(ModelError, match="factor_correlations"):
        PopulationModel.from_dict(data)


@pytest.mark.parametrize("seed", [101, 102, 103])
def test_recovery_of_the_four_seller_types(seed):
    # the short version of the recovery benchmark (benchmarks/bench_recovery.py):
    # n = 400, default model; every item on its type, each congruence >= 0.95
    result = structure_recovery(CP, n=400, seed=seed)

    assert result["misplaced"] == []
    assert min(result["congruence"].values()) >= 0.95
    assert result["recovered"]


def test_n_too_large_for_memory_and_negative_seed_are_refused():
    with pytest.raises(DataError, match=r"n 100000000000: .* GiB of memory, more than"):
        simulate_responses("bfi", n=100_000_000_000, seed=1)
    with pytest.raises(DataError, match="seed must be a whole number >= 0"):
        simulate_responses("bfi", n=5, seed=-3)


def test_cli_refuses_negative_seed_and_huge_n(tmp_path):
    from click.testing import CliRunner

    from commercie_analysis.cli import main

    out = tmp_path / "sim"
    base = ["simulate", "--instrument", "bfi", "--out", str(out)]
    result = CliRunner().invoke(main, [*base, "--n", "10", "--seed", "-3"])
    assert result.exit_code == 2 and "-3 is not in the range x>=0" in result.output
    result = CliRunner().invoke(main, [*base, "--n", "100000000000"])
    assert result.exit_code == 2 and "GiB of memory" in result.output
    assert "Traceback" not in result.output and not out.exists()
