"""The scoring model: unit weights against R psych, the scoring rule, JSON checks."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.datasets import load_bfi
from commercie_analysis.exceptions import DataError, ModelError
from commercie_analysis.instruments import Instrument, load_instrument
from commercie_analysis.scoring import ScoringModel, load_schema
from commercie_analysis.scoring.fileformat import canonical as _canonical
from commercie_analysis.scoring.fileformat import item_text_sha256

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "scoring.json").read_text()
)

SMALL_SPEC = {
    "id": "small",
    "name": "Small",
    "version": "1.0",
    "languages": ["en"],
    "scale": {"min": 1, "max": 5, "missing_codes": [9]},
    "constructs": [{"id": "warmth"}, {"id": "drive"}],
    "items": [
        {"id": "w1", "text": "W1", "construct": "warmth"},
        {"id": "w2", "text": "W2", "construct": "warmth", "reverse": True},
        {"id": "w3", "text": "W3", "construct": "warmth"},
        {"id": "d1", "text": "D1", "construct": "drive"},
        {"id": "d2", "text": "D2", "construct": "drive", "reverse": True},
    ],
}


@pytest.fixture(scope="module")
def bfi():
    return load_bfi()


@pytest.fixture(scope="module")
def bfi_model(bfi):
    return ScoringModel.unit_weighted(
        "bfi", bfi, norm_group="gender", date="2026-01-01"
    )


@pytest.fixture()
def small():
    return Instrument.from_dict(SMALL_SPEC)


def small_answers():
    return pd.DataFrame(
        {
            "w1": [5.0, 1.0, 4.0, np.nan, 9.0, 3.0],
            "w2": [1.0, 5.0, np.nan, np.nan, 2.0, 3.0],
            "w3": [4.0, 2.0, 2.0, 5.0, np.nan, 3.0],
            "d1": [2.0, 3.0, 5.0, 1.0, 4.0, 3.0],
            "d2": [4.0, 1.0, 1.0, 2.0, np.nan, 3.0],
        },
        index=pd.Index(["a", "b", "c", "d", "e", "f"], name="respondent_id"),
    )


def test_unit_weighted_bfi_equals_psych_score_items(bfi, bfi_model):
    # R psych 2.2.9: scoreItems(keys, cc, totals = FALSE, impute = "none")$scores on
    # the 2436 complete cases (tests/reference/r/scoring.R).
    ref = REFERENCE["score_items"]["scores"]
    expected = pd.DataFrame(ref["values"], index=ref["rows"], columns=ref["cols"])
    items = bfi.iloc[:, :25].dropna()
    assert len(items) == REFERENCE["score_items"]["n"] == 2436

    found = bfi_model.score(items)
    assert [str(i) for i in found.index] == expected.index.tolist()
    np.testing.assert_allclose(
        found[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9
    )


def test_scoring_rule_by_hand(small):
    model = ScoringModel.unit_weighted(small, small_answers(), n_reference=0)
    scores = model.score(small_answers())
    # warmth = mean(w1, 6 - w2, w3) over answered items, at least 2 of 3;
    # drive = mean(d1, 6 - d2), at least 1 of 2; 9 is a missing code.
    expected = pd.DataFrame(
        {
            "warmth": [(5 + 5 + 4) / 3, (1 + 1 + 2) / 3, 3.0, np.nan, np.nan, 3.0],
            "drive": [2.0, 4.0, 5.0, 2.5, 4.0, 3.0],
        },
        index=scores.index,
    )
    pd.testing.assert_frame_equal(scores, expected, atol=1e-12, rtol=0)


def test_sum_scores_are_prorated(small):
    model = ScoringModel.unit_weighted(
        small, small_answers(), kind="sum", n_reference=0
    )
    scores = model.score(small_answers())
    # Respondent c answered w1=4 and w3=2 (w2 missing): sum 6 prorated by 3/2 = 9.
    assert scores.loc["c", "warmth"] == pytest.approx(9.0, abs=1e-12)
    assert scores.loc["a", "warmth"] == pytest.approx(14.0, abs=1e-12)

    unprorated = ScoringModel.unit_weighted(
        small, small_answers(), kind="sum", prorate=False, n_reference=0
    )
    assert unprorated.score(small_answers()).loc["c", "warmth"] == pytest.approx(6.0)


def test_min_answered_per_construct(small):
    model = ScoringModel.unit_weighted(
        small, small_answers(), min_answered={"warmth": 3}, n_reference=0
    )
    scores = model.score(small_answers())
    assert scores["warmth"].isna().tolist() == [False, False, True, True, True, False]
    with pytest.raises(ModelError, match="min_answered for 'warmth': expected 1..3"):
        ScoringModel.unit_weighted(small, small_answers(), min_answered=4)


def test_out_of_range_answers_name_the_rows(bfi_model, bfi):
    items = bfi.iloc[:6, :25].copy()
    items.iloc[2, 3] = 7.0
    items.iloc[4, 0] = 0.0
    with pytest.raises(DataError, match=r"2 row\(s\): 61620 \(A4=7\); 61622 \(A1=0\)"):
        bfi_model.score(items)


def test_missing_and_text_columns_are_refused(bfi_model, bfi):
    with pytest.raises(DataError, match=r"2 item column\(s\) missing: \['A1', 'O5'\]"):
        bfi_model.score(bfi.drop(columns=["A1", "O5"]))
    text = bfi.iloc[:5].copy()
    text["C2"] = ["4", "x", "5", "?", "1"]
    with pytest.raises(
        DataError, match=r"column 'C2' .* not numbers, e.g. \['x', '\?'\]"
    ):
        bfi_model.score(text)


def test_score_array_fast_and_slow_paths_agree(bfi_model, bfi):
    values = bfi[bfi_model.item_ids].to_numpy()
    both = bfi_model.score_array(values)
    complete = ~np.isnan(values).any(axis=1)
    alone = bfi_model.score_array(values[complete])
    np.testing.assert_allclose(both[complete], alone, rtol=0, atol=1e-12)
    assert np.isnan(both).any()


def test_json_round_trip(bfi_model, tmp_path):
    path = bfi_model.save(tmp_path / "scoring_model.json")
    loaded = ScoringModel.load(path, instrument="bfi")
    assert loaded.checksum == bfi_model.checksum
    assert loaded.to_dict() == bfi_model.to_dict()
    assert loaded.provenance["n"] == 2800
    assert loaded.norms["group_column"] == "gender"
    bfi = load_bfi()
    pd.testing.assert_frame_equal(loaded.score(bfi), bfi_model.score(bfi))


def test_document_contents(bfi_model):
    doc = bfi_model.to_dict()
    assert doc["schema_version"] == "1.0"
    assert doc["instrument"]["id"] == "bfi" and doc["instrument"]["version"] == "2.2.9"
    assert doc["instrument"]["item_text_sha256"] == item_text_sha256(
        load_instrument("bfi")
    )
    a1 = doc["items"][0]
    assert (a1["id"], a1["reverse"], a1["min"], a1["max"]) == ("A1", True, 1, 6)
    assert doc["missing_policy"]["min_answered"]["agreeableness"] == 3
    assert len(doc["provenance"]["data_sha256"]) == 64
    assert len(doc["reference_respondents"]) == 5
    # the last reference respondent has a missing answer, to test prorating
    last = doc["reference_respondents"][-1]
    assert None in last["answers"].values()
    content = {k: v for k, v in doc.items() if k != "checksum"}
    import hashlib

    assert doc["checksum"]["value"] == hashlib.sha256(_canonical(content)).hexdigest()


def test_schema_is_valid_and_accepts_the_model(bfi_model):
    import jsonschema

    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(bfi_model.to_dict(), schema)


def _write(path, doc):
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _reseal(doc):
    import hashlib

    content = {k: v for k, v in doc.items() if k != "checksum"}
    doc["checksum"]["value"] = hashlib.sha256(_canonical(content)).hexdigest()
    return doc


def test_changed_file_fails_the_checksum(bfi_model, tmp_path):
    doc = bfi_model.to_dict()
    doc["scores"][0]["weights"][0] = 0.3
    with pytest.raises(ModelError, match="checksum check failed"):
        ScoringModel.load(_write(tmp_path / "m.json", doc))


def test_truncated_file_fails_the_json_check(bfi_model, tmp_path):
    text = bfi_model.to_json()
    path = tmp_path / "m.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ModelError, match="json check failed: not valid JSON at line"):
        ScoringModel.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="file check failed: no such file"):
        ScoringModel.load(tmp_path / "none.json")


def test_schema_violation_is_named(bfi_model, tmp_path):
    doc = bfi_model.to_dict()
    del doc["items"][2]["max"]
    with pytest.raises(ModelError, match="schema check failed at items/2: 'max' is"):
        ScoringModel.load(_write(tmp_path / "m.json", doc))


def test_newer_schema_major_version_is_refused(bfi_model, tmp_path):
    doc = bfi_model.to_dict()
    doc["schema_version"] = "2.0"
    with pytest.raises(ModelError, match="schema version check failed: .* 2.0"):
        ScoringModel.load(_write(tmp_path / "m.json", doc))


def test_mismatched_instrument_is_refused(bfi_model, tmp_path, small):
    path = bfi_model.save(tmp_path / "m.json")
    with pytest.raises(
        ModelError, match="instrument check failed: .*id 'bfi' != 'small'"
    ):
        ScoringModel.load(path, instrument=small)

    spec = load_instrument("bfi")
    from dataclasses import replace

    newer = replace(spec, version="3.0")
    with pytest.raises(ModelError, match="instrument version '2.2.9' != '3.0'"):
        ScoringModel.load(path, instrument=newer)

    edited_item = replace(spec.items[0], text={"en": "Am indifferent to others."})
    edited = replace(spec, items=(edited_item, *spec.items[1:]))
    with pytest.raises(ModelError, match="the item texts differ"):
        ScoringModel.load(path, instrument=edited)


def test_resealed_edit_fails_the_reference_respondents(bfi_model, tmp_path):
    # Someone edits a weight and recomputes the checksum: the reference respondents
    # no longer get their expected scores.
    doc = bfi_model.to_dict()
    doc["scores"][1]["weights"][0] = 0.25
    with pytest.raises(
        ModelError, match="reference respondents check failed: .*conscientiousness"
    ):
        ScoringModel.load(_write(tmp_path / "m.json", _reseal(doc)))


def test_inconsistent_model_is_refused(bfi_model, tmp_path):
    doc = bfi_model.to_dict()
    doc["scores"][0]["items"][0] = "Z9"
    with pytest.raises(ModelError, match=r"consistency check failed: .*unknown item"):
        ScoringModel.load(_write(tmp_path / "m.json", _reseal(doc)))


def test_save_refuses_data_raw():
    from commercie_analysis.paths import RAW_DIR

    model = ScoringModel.unit_weighted(
        Instrument.from_dict(SMALL_SPEC), small_answers(), n_reference=0
    )
    with pytest.raises(DataError, match="data/raw"):
        model.save(RAW_DIR / "model.json")
    assert not (RAW_DIR / "model.json").exists()


def test_standardisation_uses_calibration_sample(bfi_model, bfi):
    scores = bfi_model.score(bfi)
    z = bfi_model.standardise(scores)
    np.testing.assert_allclose(z.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(ddof=1), 1.0, atol=1e-12)


def test_type_profile_only_for_types(bfi_model):
    with pytest.raises(ModelError, match="construct_kind 'trait'"):
        bfi_model.type_profile(pd.DataFrame())


def test_bad_provenance_arguments(small):
    with pytest.raises(ModelError, match="data_sha256: expected 64 lowercase hex"):
        ScoringModel.unit_weighted(small, small_answers(), data_sha256="abc")
    with pytest.raises(ModelError, match="date: expected YYYY-MM-DD"):
        ScoringModel.unit_weighted(small, small_answers(), date="3 Dec 2026")
