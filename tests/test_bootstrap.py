import pandas as pd
import pytest
from helpers import bfi_items_complete

from commercie_analysis.bootstrap import bootstrap_solution
from commercie_analysis.exceptions import DataError
from commercie_analysis.factoring import FactorAnalysis
from commercie_analysis.instruments import load_instrument
from commercie_analysis.validation import align_to_key

BFI = load_instrument("bfi")
KEY = BFI.key_matrix()


@pytest.fixture(scope="module")
def sample():
    return bfi_items_complete().iloc[:800]


@pytest.fixture(scope="module")
def boot(sample):
    return bootstrap_solution(sample, KEY, n_boot=12, seed=4)


def test_same_seed_same_result_whatever_the_number_of_processes(sample, boot):
    again = bootstrap_solution(sample, KEY, n_boot=12, seed=4, n_jobs=2)
    pd.testing.assert_frame_equal(boot.congruence, again.congruence)
    pd.testing.assert_frame_equal(boot.loadings_lower, again.loadings_lower)


def test_other_seed_other_samples(sample, boot):
    other = bootstrap_solution(sample, KEY, n_boot=12, seed=5)
    assert not boot.congruence.equals(other.congruence)


def test_intervals_bracket_the_full_sample_solution_for_strong_items(sample, boot):
    fa = FactorAnalysis(5).fit(sample)
    loadings, _, _ = align_to_key(fa.loadings_, KEY, fa.phi_)
    # Items whose loading exceeds .6 are estimated within a narrow band; the
    # full-sample loading must lie inside the 95% interval.
    for item in ["A2", "A3", "C2", "N1", "N2", "N3", "O3"]:
        construct = BFI.item(item).construct
        value = loadings.loc[item, construct]
        low = boot.loadings_lower.loc[item, construct]
        high = boot.loadings_upper.loc[item, construct]
        assert low <= value <= high, (item, low, value, high)


def test_shapes_and_shares(boot):
    assert boot.congruence.shape == (12, 5)
    assert boot.n_failed == 0
    assert (boot.loadings_lower <= boot.loadings_upper).all().all()
    interval = boot.congruence_interval
    assert (interval["lower"] <= interval["median"]).all()
    assert (interval["median"] <= interval["upper"]).all()
    # N1 is the clearest marker of neuroticism in every sample.
    assert boot.primary_share["N1"] == 1.0
    assert boot.primary_share.between(0, 1).all()


def test_item_table_signs_reverse_keyed_items(boot):
    table = boot.item_table(KEY).set_index("item")
    # C4 is reverse keyed and loads negatively: its keyed interval is positive.
    assert table.loc["C4", "loading_lower"] > 0
    assert (table["loading_lower"] <= table["loading_upper"]).all()


def test_progress_is_reported_for_every_sample(sample):
    seen = []
    bootstrap_solution(sample, KEY, n_boot=3, seed=0, progress=seen.append)
    assert seen == [1, 2, 3]


@pytest.mark.parametrize(
    ("options", "message"),
    [(dict(n_boot=1), "n_boot"), (dict(level=1.2), "level")],
)
def test_bad_options_are_named(sample, options, message):
    with pytest.raises(DataError, match=message):
        bootstrap_solution(sample, KEY, **options)


def test_too_few_respondents(sample):
    with pytest.raises(DataError, match="too few"):
        bootstrap_solution(sample.iloc[:10], KEY, n_boot=2)
