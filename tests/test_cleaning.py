"""Cleaning: policies, steps, the log, the counts and the written files."""

import json

import numpy as np
import pandas as pd
import pytest

from commercie_analysis.cleaning import CarelessPolicy, CleaningPolicy, clean
from commercie_analysis.exceptions import DataError
from commercie_analysis.instruments import Instrument
from commercie_analysis.paths import RAW_DIR

BFI = RAW_DIR / "bfi.csv"


def small_instrument(**extra):
    spec = {
        "id": "demo",
        "name": "Demo",
        "version": "1.0",
        "languages": ["nl", "en"],
        "scale": {
            "min": 1,
            "max": 5,
            "labels": {
                "nl": {1: "Helemaal oneens", 3: "Neutraal", 5: "Helemaal eens"},
                "en": {1: "Strongly disagree", 3: "Neutral", 5: "Strongly agree"},
            },
            "missing_codes": [9],
        },
        "constructs": [{"id": "warm"}, {"id": "koel"}],
        "items": [
            {
                "id": "w1",
                "text": {"nl": "Ik hou van mensen.", "en": "I like people."},
                "construct": "warm",
            },
            {
                "id": "w2",
                "text": {"nl": "Ik blijf op mezelf.", "en": "I keep apart."},
                "construct": "warm",
                "reverse": True,
            },
            {
                "id": "k1",
                "text": {"nl": "Ik plan alles.", "en": "I plan it all."},
                "construct": "koel",
            },
            {
                "id": "k2",
                "text": {"nl": "Ik ben slordig.", "en": "I am sloppy."},
                "construct": "koel",
                "reverse": True,
            },
        ],
    }
    spec.update(extra)
    return Instrument.from_dict(spec)


QUIET = CleaningPolicy(careless="off")


def frame(rows, columns=("respondent_id", "w1", "w2", "k1", "k2")):
    return pd.DataFrame(rows, columns=list(columns))


@pytest.fixture(scope="module")
def bfi_result():
    return clean(BFI, "bfi")


class TestBfi:
    """The bundled bfi data: 2800 read, 364 with a missing answer, 2436 kept."""

    @pytest.fixture
    def result(self, bfi_result):
        return bfi_result

    def test_counts(self, result):
        assert (result.n_read, result.n_kept, result.n_excluded) == (2800, 2436, 364)
        assert result.n_read == result.n_kept + result.n_excluded
        assert result.steps["missing"]["excluded"] == 364

    def test_excluded_reasons_name_the_missing_items(self, result):
        excluded = result.log[result.log.action == "excluded"]
        assert excluded.respondent_id.nunique() == 364
        assert set(excluded.step) == {"missing"}
        raw = pd.read_csv(BFI, dtype={"respondent_id": str}).set_index("respondent_id")
        for _, line in excluded.head(50).iterrows():
            lacking = raw.loc[line.respondent_id, "A1":"O5"]
            named = line.reason.split(": ")[1].split(" (")[0].split(", ")
            assert named == list(lacking[lacking.isna()].index)

    def test_responses(self, result):
        responses = result.responses
        assert responses.index.name == "respondent_id"
        assert responses.index[0] == "61617"
        assert responses.shape == (2436, 28)
        assert not responses[[c for c in responses if len(c) == 2]].isna().any().any()
        assert list(responses.columns[-3:]) == ["gender", "education", "age"]
        assert all(dtype == np.float64 for dtype in responses.dtypes.iloc[:25])

    def test_pairwise_keeps_everyone(self):
        result = clean(
            BFI, "bfi", policy=CleaningPolicy(missing="pairwise", careless="off")
        )
        assert (result.n_read, result.n_kept, result.n_excluded) == (2800, 2800, 0)
        assert result.log.empty


def test_missing_codes_then_listwise():
    # 9 is the spec's "weet niet" code, 99 a further one given by the caller.
    data = frame([["a", 1, 2, 3, 4], ["b", 9, 2, 3, 4], ["c", 5, 99, 3, 4]])
    result = clean(
        data,
        small_instrument(),
        policy=CleaningPolicy(missing_codes=(99,), careless="off"),
    )
    assert (result.n_read, result.n_kept, result.n_excluded) == (3, 1, 2)
    assert result.steps["missing_codes"]["answers"] == 2
    assert result.log.to_dict("list") == {
        "respondent_id": ["b", "c"],
        "row": [2, 3],
        "action": ["excluded", "excluded"],
        "step": ["missing", "missing"],
        "reason": [
            "missing answers: w1 (1 of 4 items)",
            "missing answers: w2 (1 of 4 items)",
        ],
    }


def test_out_of_range_error_counts_per_item():
    data = frame([["a", 1, 7, 3, 4], ["b", 0, 6, 3, 4], ["c", 5, 2.5, 3, 4]])
    with pytest.raises(DataError) as info:
        clean(data, small_instrument(), policy=QUIET)
    message = str(info.value)
    assert "4 answer(s) outside the scale 1..5" in message
    assert "w1: 1 (0 in data row 2)" in message
    assert "w2: 3 (7 in data row 1, 6 in data row 2, 2.5 in data row 3)" in message


@pytest.mark.parametrize(
    ("policy", "kept", "action"),
    [("exclude", ["a", "c"], "excluded"), ("missing", ["a", "b", "c"], "flagged")],
)
def test_out_of_range_policies(policy, kept, action):
    data = frame([["a", 1, 2, 3, 4], ["b", 1, 8, 3, 4], ["c", 1, 2, 3, 5]])
    result = clean(
        data,
        small_instrument(),
        policy=CleaningPolicy(
            out_of_range=policy, missing="pairwise", careless="off", duplicates="off"
        ),
    )
    assert result.log[["respondent_id", "action", "step"]].values.tolist() == [
        ["b", action, "out_of_range"]
    ]
    verb = "set missing" if policy == "missing" else "found"
    assert result.log.reason.iloc[0] == f"answers outside the scale 1..5 {verb}: w2=8"
    assert list(result.responses.index) == kept
    if policy == "missing":
        assert np.isnan(result.responses.loc["b", "w2"])
        assert result.responses.loc["b", "w1"] == 1.0


def test_rows_read_equal_kept_plus_excluded_under_every_policy():
    rng = np.random.default_rng(7)
    answers = rng.integers(1, 6, size=(60, 4)).astype(float)
    answers[rng.random(answers.shape) < 0.1] = np.nan
    answers[3] = answers[2]
    data = frame([[f"r{i}", *row] for i, row in enumerate(answers)])
    data.loc[10, "respondent_id"] = "r5"
    for missing in ("listwise", "pairwise"):
        for duplicates in ("exclude", "flag", "off"):
            result = clean(
                data,
                small_instrument(),
                policy=CleaningPolicy(
                    missing=missing,
                    duplicates=duplicates,
                    careless="flag",
                    min_answered=0.5,
                ),
            )
            assert result.n_read == 60
            assert result.n_kept + result.n_excluded == result.n_read
            assert len(result.responses) == result.n_kept
            excluded = result.log[result.log.action == "excluded"]
            assert excluded.row.nunique() == result.n_excluded


def test_write_is_byte_identical(tmp_path):
    data = frame([["a", 1, 2, 3, 4], ["b", 9, 2, 3, 4], ["c", 5, 4, 3, 2]])
    first = clean(data, small_instrument(), policy=QUIET).write(tmp_path / "one")
    second = clean(data, small_instrument(), policy=QUIET).write(tmp_path / "two")
    names = sorted(p.name for p in first.iterdir() if not p.name.startswith("."))
    assert names == [
        "careless_indices.csv",
        "cleaning_log.csv",
        "manifest.json",
        "responses.csv",
        "responses.parquet",
    ]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["counts"] == {
        "read": 3,
        "kept": 2,
        "excluded": 1,
        "flagged_respondents": 0,
    }
    assert manifest["instrument"] == {"id": "demo", "version": "1.0"}


def test_careless_policy_mapping_and_string():
    assert CleaningPolicy(careless="off").careless == CarelessPolicy.all("off")
    assert CleaningPolicy(careless={"irv": "exclude"}).careless.irv == "exclude"
    with pytest.raises(DataError, match="careless.irv: expected one of"):
        CleaningPolicy(careless={"irv": "drop"})
    with pytest.raises(DataError, match="missing: expected one of"):
        CleaningPolicy(missing="mean")


# -- the export fixtures, cleaned: results worked out by hand -------------------
#
# make_fixtures.py lists the eight invented respondents. With the default policy
# (careless indices off to keep the expectations short):
#   row 3  w2 unanswered                      -> excluded, step missing
#   row 4  attention check answered 2, not 4  -> excluded, step attention
#   row 5  60 s < 0.5 x median 285 s          -> flagged, step speeders
#   row 7  repeat of row 2 (other id, time)   -> excluded, step duplicates
# so 8 read = 5 kept (rows 1, 2, 5, 6, 8) + 3 excluded. SurveyMonkey exports have
# no duration, so nobody is a speeder there.

EXPORTS = RAW_DIR.parent.parent / "tests" / "fixtures" / "exports"
DEMO = EXPORTS / "demo.yaml"
EXPECTED_LOG = [
    (3, "excluded", "missing", "missing answers: w2 (1 of 4 items)"),
    (4, "excluded", "attention", "attention check let_op: 2, expected 4"),
    (5, "flagged", "speeders", "duration 60 s < 0.5 x median 285 s"),
    (7, "excluded", "duplicates", "same answers and details as data row 2"),
]


@pytest.mark.parametrize(
    ("name", "options", "ids"),
    [
        ("plain.csv", {}, ["R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08"]),
        ("dutch.csv", {}, ["R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08"]),
        ("responses.xlsx", {"sheet": "Antwoorden"}, [str(i) for i in range(1, 9)]),
        ("responses.sav", {"id_column": "respnr"}, [str(i) for i in range(1, 9)]),
        ("qualtrics.csv", {}, [f"R_{i}qXzT8vLmN{i}" for i in range(1, 9)]),
        ("limesurvey.csv", {}, [str(i) for i in range(1, 9)]),
        ("surveymonkey.csv", {}, [f"11422798{1640 + i}" for i in range(1, 9)]),
    ],
)
def test_fixture_cleaned_as_worked_out(name, options, ids):
    policy = CleaningPolicy(careless="off", missing_labels=("weet niet",))
    result = clean(EXPORTS / name, DEMO, policy=policy, **options)
    expected = [
        line
        for line in EXPECTED_LOG
        if not (name == "surveymonkey.csv" and line[2] == "speeders")
    ]
    assert result.log.to_dict("split")["data"] == [
        [ids[row - 1], row, action, step, reason]
        for row, action, step, reason in expected
    ]
    assert (result.n_read, result.n_kept, result.n_excluded) == (8, 5, 3)
    assert list(result.responses.index) == [ids[i] for i in (0, 1, 4, 5, 7)]
    # Kept answers: rows 1, 2, 5, 6, 8 of make_fixtures.py.
    assert result.responses[["w1", "w2", "p1", "p2"]].values.tolist() == [
        [4, 2, 5, 1],
        [5, 1, 4, 2],
        [4, 2, 4, 2],
        [3, 3, 3, 3],
        [5, 1, 5, 1],
    ]
    assert result.manifest["input"]["file"] == name
    assert len(result.manifest["input"]["sha256"]) == 64


def test_careless_flags_reach_the_log():
    # Four items, so the longstring threshold is 4 // 2 = 2: respondent "s"
    # (3, 3, 3, 3) has a run of 4 > 2 and an IRV of 0 <= 0: flagged twice;
    # with irv="exclude" the IRV line becomes an exclusion.
    data = frame([["a", 1, 2, 3, 4], ["s", 3, 3, 3, 3], ["c", 5, 4, 3, 2]])
    policy = CleaningPolicy(
        careless={
            "mahalanobis": "off",
            "even_odd": "off",
            "synonyms": "off",
            "irv": "exclude",
        }
    )
    result = clean(data, small_instrument(), policy=policy)
    assert result.log[
        ["respondent_id", "action", "step", "reason"]
    ].values.tolist() == [
        ["s", "flagged", "longstring", "longest run of identical answers 4 > 2"],
        ["s", "excluded", "irv", "IRV 0.000 <= 0"],
    ]
    assert (result.n_kept, result.n_excluded, result.n_flagged) == (2, 1, 1)
    assert result.indices.loc["s", "longstring"] == 4
    assert result.indices["row"].tolist() == [1, 2, 3]


def test_duplicate_ids_and_min_answered():
    data = frame([["a", 1, 2, 3, 4], ["a", 2, 2, 3, 4], ["b", 1, None, None, None]])
    result = clean(
        data,
        small_instrument(),
        policy=CleaningPolicy(careless="off", missing="pairwise", min_answered=0.5),
    )
    assert result.log[["row", "step", "reason"]].values.tolist() == [
        [2, "duplicate_ids", "respondent id 'a' also in data row 1"],
        [3, "min_answered", "1 of 4 items answered, fewer than 2"],
    ]
    with pytest.raises(
        DataError,
        match=r"id column 'respondent_id': 1 repeated "
        r"respondent id\(s\): 'a' \(data row 2\)",
    ):
        clean(
            data,
            small_instrument(),
            policy=CleaningPolicy(careless="off", duplicate_ids="error"),
        )


def test_speeders_attention_without_answer_and_raw_input():
    # Durations 100, 300, 320, 20 s, sorted 20, 100, 300, 320: median
    # (100 + 300) / 2 = 200, threshold 0.4 x 200 = 80 s: only the 20 s row.
    cells = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "w1": [1, 2, 3, 4],
            "w2": [2, 2, 3, 1],
            "p1": [3, 2, 3, 4],
            "p2": [4, 2, 1, 4],
            "let_op": [4, None, 4, 4],
            "duration": [100, 300, 320, 20],
        }
    )
    from commercie_analysis.io import read_responses

    raw = read_responses(cells, DEMO)
    policy = CleaningPolicy(careless="off", speed_fraction=0.4, attention="flag")
    result = clean(raw, DEMO, policy=policy)
    assert result.log[["respondent_id", "step", "reason"]].values.tolist() == [
        ["b", "attention", "attention check let_op: no answer, expected 4"],
        ["d", "speeders", "duration 20 s < 0.4 x median 200 s"],
    ]
    assert result.manifest["input"]["file"] == "<DataFrame>"
    assert result.manifest["mapping"]["how"]["w1"] == "id"

    cells["duration"] = ["100", "5 min", "320", "20"]
    with pytest.raises(
        DataError,
        match=r"duration column 'duration': 1 value\(s\) are not seconds: "
        r"'5 min' \(data row 2\)",
    ):
        clean(cells, DEMO, policy=policy)


def test_personal_field_must_be_a_column_and_not_an_item():
    data = frame([["a", 1, 2, 3, 4], ["b", 5, 4, 3, 2]])
    with pytest.raises(DataError) as info:
        clean(data, small_instrument(), policy=CleaningPolicy(personal_fields=["x"]))
    assert "personal_fields (--personal-field): no column 'x'" in str(info.value)
    assert "besides the items are respondent_id" in str(info.value)
    with pytest.raises(DataError, match="'w1' is an item or attention-check"):
        clean(data, small_instrument(), policy=CleaningPolicy(personal_fields=["w1"]))


def test_missing_code_inside_the_scale_is_refused():
    data = frame([["a", 1, 2, 3, 4], ["b", 5, 4, 3, 2]])
    with pytest.raises(
        DataError,
        match=r"--missing-code\): code\(s\) \[3\] lie inside the answer scale 1\.\.5",
    ):
        clean(data, small_instrument(), policy=CleaningPolicy(missing_codes=[3]))


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_item_without_any_answer_is_named(missing):
    data = frame([["a", 1, None, 3, 4], ["b", 5, None, 3, 2]])
    policy = CleaningPolicy(careless="off", missing=missing)
    with pytest.raises(DataError, match=r"item\(s\) w2 have no answer from any of"):
        clean(data, small_instrument(), policy=policy)


def test_min_answered_above_the_items_is_refused():
    data = frame([["a", 1, 2, 3, 4], ["b", 5, 4, 3, 2]])
    policy = CleaningPolicy(careless="off", min_answered=5)
    with pytest.raises(DataError, match="5 items required but the instrument has 4"):
        clean(data, small_instrument(), policy=policy)


def test_nobody_kept_is_an_error_with_counts_per_step():
    # Each respondent lacks another item: listwise leaves all three out.
    data = frame([["a", None, 2, 3, 4], ["b", 5, None, 3, 2], ["c", 5, 4, None, 2]])
    with pytest.raises(DataError) as info:
        clean(data, small_instrument(), policy=QUIET)
    message = str(info.value)
    assert "no respondent is left: all 3 were left out" in message
    assert "Left out per step (a respondent can count under several): missing 3" in (
        message
    )


def test_huge_number_is_out_of_range_not_text(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(
        "respondent_id,w1,w2,k1,k2\na,1,2,3,4\nb,1e+300,2,3,4\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        clean(path, small_instrument(), policy=QUIET)
    message = str(info.value)
    assert message.startswith("huge.csv: 1 answer(s) outside the scale 1..5")
    assert "w1: 1 (1e+300 in data row 2 (line 3 of the file))" in message
    assert "out_of_range (--out-of-range): exclude" in message


def test_common_missing_markers_are_no_answer(tmp_path):
    path = tmp_path / "markers.csv"
    path.write_text(
        "respondent_id,w1,w2,k1,k2\na,1,NA,3,4\nb,nan,2,3,N/A\nc,NULL,NaN,null,4\n"
        "d,5,4,3,2\n",
        encoding="utf-8",
    )
    policy = CleaningPolicy(careless="off", missing="pairwise")
    result = clean(path, small_instrument(), policy=policy)
    assert result.responses[["w1", "w2", "k1", "k2"]].isna().sum().tolist() == [
        2,
        2,
        1,
        1,
    ]


def test_id_column_that_is_an_item():
    data = frame([["a", 1, 2, 3, 4], ["b", 5, 4, 3, 2]])
    with pytest.raises(DataError, match="'w1': is an item column"):
        clean(data, small_instrument(), id_column="w1", policy=QUIET)


def test_parquet_keeps_the_id_as_a_column(tmp_path):
    data = frame([["a", 1, 2, 3, 4], ["b", 5, 4, 3, 2]])
    folder = clean(data, small_instrument(), policy=QUIET).write(tmp_path / "out")
    stored = pd.read_parquet(folder / "responses.parquet")
    assert stored.columns[0] == "respondent_id"
    assert stored["respondent_id"].tolist() == ["a", "b"]
