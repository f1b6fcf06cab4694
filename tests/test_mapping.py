"""Export columns to items, answer labels to codes."""

import pandas as pd
import pytest

from commercie_analysis.exceptions import DataError
from commercie_analysis.instruments import Instrument, load_instrument
from commercie_analysis.io.mapping import (
    label_codes,
    map_columns,
    read_mapping_file,
    to_codes,
)
from commercie_analysis.paths import PROJECT_ROOT

DEMO = load_instrument(PROJECT_ROOT / "tests" / "fixtures" / "exports" / "demo.yaml")


def test_by_id_ignoring_case_and_limesurvey_brackets():
    report = map_columns(["ID", " W1 ", "demo[w2]", "P1", "x[p2]", "age"], DEMO)
    assert report.columns == {"w1": " W1 ", "w2": "demo[w2]", "p1": "P1", "p2": "x[p2]"}
    assert set(report.how.values()) == {"id"}
    assert report.unmapped_columns == ("ID", "age")
    assert report.missing_items == ()


def test_by_text_in_either_language_and_after_a_stem():
    texts = {
        "Q1": "ik help collega's graag",  # Dutch, no final full stop, lower case
        "Q2": "Stem? - I keep my distance from customers.",  # English statement
        "Q3": "Something else",
    }
    report = map_columns(["Q1", "Q2", "Q3", "I plan my week ahead."], DEMO, texts=texts)
    assert report.columns == {"w1": "Q1", "w2": "Q2", "p1": "I plan my week ahead."}
    assert report.how == {"w1": "text", "w2": "text", "p1": "text"}
    assert report.missing_items == ("p2",)
    assert report.unmapped_columns == ("Q3",)


def test_mapping_wins_and_attention_checks_map_like_items():
    report = map_columns(
        ["w1", "v1", "check"],
        DEMO,
        mapping={"v1": "w1", "check": "let_op"},
        extra_ids={"let_op": {"nl": "Kies hier 'Eens'."}},
    )
    assert report.columns == {"w1": "v1", "let_op": "check"}
    assert report.how == {"w1": "mapping", "let_op": "mapping"}
    assert report.unmapped_columns == ("w1",)


def test_mapping_errors():
    with pytest.raises(
        DataError,
        match=r"--mapping: column 'v9' is not in the "
        r"export; its columns are w1, v1",
    ):
        map_columns(["w1", "v1"], DEMO, mapping={"v9": "w1"})
    with pytest.raises(
        DataError,
        match=r"--mapping: 'v1' -> 'zz', but instrument "
        r"'demo_export' has no item 'zz'",
    ):
        map_columns(["w1", "v1"], DEMO, mapping={"v1": "zz"})
    with pytest.raises(
        DataError,
        match=r"item 'w1' matches two export columns, "
        r"'v1' and 'v2'",
    ):
        map_columns(["v1", "v2"], DEMO, mapping={"v1": "w1", "v2": "w1"})


def test_mapping_files(tmp_path):
    csv_file = tmp_path / "m.csv"
    csv_file.write_text("column;item\nv1;w1\nv2;w2\n", encoding="utf-8")
    assert read_mapping_file(csv_file) == {"v1": "w1", "v2": "w2"}
    yaml_file = tmp_path / "m.yaml"
    yaml_file.write_text("v1: w1\nv2: w2\n", encoding="utf-8")
    assert read_mapping_file(yaml_file) == {"v1": "w1", "v2": "w2"}
    bad = tmp_path / "bad.csv"
    bad.write_text("from,to\nv1,w1\n", encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"expected a CSV file with the columns "
        r"'column' and 'item', found \['from', 'to'\]",
    ):
        read_mapping_file(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("column,item\nv1,w1\nv1,w2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 3: column 'v1' twice"):
        read_mapping_file(twice)
    with pytest.raises(DataError, match="file not found"):
        read_mapping_file(tmp_path / "none.csv")


def test_label_codes_all_languages():
    table = label_codes(DEMO)
    assert table["helemaal eens"] == 5 and table["strongly agree"] == 5
    assert table["neither agree nor disagree"] == 3
    assert len(table) == 10


def test_conflicting_labels_are_refused():
    spec = {
        "id": "x",
        "name": "X",
        "version": "1",
        "languages": ["nl", "en"],
        "scale": {
            "min": 1,
            "max": 2,
            "labels": {"nl": {1: "nee", 2: "ja"}, "en": {1: "ja", 2: "yes"}},
        },
        "constructs": [{"id": "c"}],
        "items": [{"id": "i", "text": {"nl": "t", "en": "t"}, "construct": "c"}],
    }
    with pytest.raises(DataError, match=r"label 'ja' \(en\) means code 1 and code 2"):
        label_codes(Instrument.from_dict(spec))


def test_to_codes_numbers_labels_decimal_comma_and_missing_labels():
    cells = pd.DataFrame(
        {"a": ["4", " eens ", "STRONGLY AGREE", "", "Weet niet", "2,0", "3.0"]},
        index=range(1, 8),
    )
    codes = to_codes(
        cells, {"w1": "a"}, DEMO, missing_labels=["weet niet"], decimal=","
    )
    assert codes["w1"].fillna(-1).tolist() == [4, 4, 5, -1, -1, 2, 3]


def test_decimal_comma_is_not_read_in_a_comma_separated_file():
    cells = pd.DataFrame({"a": ["2,5"]}, index=[1])
    with pytest.raises(DataError, match=r"'2,5' \(data row 1\)"):
        to_codes(cells, {"w1": "a"}, DEMO, decimal=".")


def test_spss_labels_must_all_name_the_scale():
    cells = pd.DataFrame({"v": [0.0, 1.0]}, index=[1, 2])
    good = {"v": {0.0: "Oneens", 1.0: "Eens", 9.0: "Weet niet"}}
    assert to_codes(cells, {"w1": "v"}, DEMO, value_labels=good)["w1"].tolist() == [
        2.0,
        4.0,
    ]
    mixed = {"v": {0.0: "Oneens", 1.0: "Soms"}}
    with pytest.raises(
        DataError,
        match=r"column 'v': SPSS value labels 1.0='Soms' "
        r"are not labels of the instrument's scale",
    ):
        to_codes(cells, {"w1": "v"}, DEMO, value_labels=mixed)
    unrelated = {"v": {0.0: "laag", 1.0: "hoog"}}
    assert to_codes(cells, {"w1": "v"}, DEMO, value_labels=unrelated)[
        "w1"
    ].tolist() == [0.0, 1.0]
