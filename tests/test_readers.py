"""Reading exports: every format, detection, encodings and every kind of bad file."""

import pandas as pd
import pytest

from commercie_analysis.exceptions import DataError
from commercie_analysis.io import read_responses
from commercie_analysis.io.readers import decode_bytes, detect_format, read_table
from commercie_analysis.paths import PROJECT_ROOT

EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports"
DEMO = EXPORTS / "demo.yaml"

# The answers of the eight invented respondents (make_fixtures.py), in row order;
# None where respondent 3 left w2 unanswered (9 = "weet niet" in coded files).
W1 = [4, 5, 3, 2, 4, 3, 5, 5]
W2 = [2, 1, None, 4, 2, 3, 1, 1]
P1 = [5, 4, 4, 2, 4, 3, 4, 5]
P2 = [1, 2, 2, 4, 2, 3, 2, 1]
CHECK = [4, 4, 4, 2, 4, 4, 4, 4]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain.csv", "csv"),
        ("dutch.csv", "csv"),
        ("responses.xlsx", "xlsx"),
        ("responses.sav", "spss"),
        ("qualtrics.csv", "qualtrics"),
        ("limesurvey.csv", "limesurvey"),
        ("surveymonkey.csv", "surveymonkey"),
    ],
)
def test_detect_format(name, expected):
    assert detect_format(EXPORTS / name) == expected


@pytest.mark.parametrize(
    ("name", "options", "missing_code"),
    [
        ("plain.csv", {}, 9.0),
        ("dutch.csv", {"missing_labels": ["Weet niet"]}, None),
        ("responses.xlsx", {"sheet": "Antwoorden"}, None),
        ("responses.xlsx", {"sheet": 2}, None),
        ("responses.sav", {}, 9.0),
        ("responses.sav", {"mapping": EXPORTS / "mapping.csv"}, 9.0),
        ("qualtrics.csv", {}, None),
        ("limesurvey.csv", {}, None),
        ("surveymonkey.csv", {}, None),
    ],
)
def test_every_format_gives_the_same_answers(name, options, missing_code):
    raw = read_responses(EXPORTS / name, DEMO, **options)
    assert raw.frame.index.tolist() == list(range(1, 9))
    assert raw.frame.index.name == "row"
    assert raw.frame["w1"].tolist() == W1
    w2 = [missing_code if v is None else v for v in W2]
    assert raw.frame["w2"].fillna(-1).tolist() == [-1 if v is None else v for v in w2]
    assert raw.frame["p1"].tolist() == P1
    assert raw.frame["p2"].tolist() == P2
    assert raw.frame["let_op"].tolist() == CHECK
    assert raw.mapping.missing_items == ()


def test_mapping_ways_per_format():
    how = {
        name: set(read_responses(EXPORTS / name, DEMO, **opts).mapping.how.values())
        for name, opts in [
            ("plain.csv", {}),
            ("qualtrics.csv", {}),
            ("surveymonkey.csv", {}),
            ("responses.sav", {"mapping": EXPORTS / "mapping.csv"}),
        ]
    }
    assert how["plain.csv"] == {"id"}
    assert how["qualtrics.csv"] == {"text"}
    assert how["surveymonkey.csv"] == {"text"}
    assert how["responses.sav"] == {"mapping", "id"}


def test_windows_1252_semicolon_decimal_comma_and_quoted_line_break():
    table = read_table(EXPORTS / "dutch.csv")
    assert table.details == {"encoding": "cp1252", "separator": ";", "decimal": ","}
    assert table.frame.loc[3, "voornaam"] == "Chloë"
    assert (
        table.frame.loc[3, "opmerking"] == "Vraag 2 vond ik lastig;\nik wist het niet."
    )
    raw = read_responses(EXPORTS / "dutch.csv", DEMO, missing_labels=["weet niet"])
    # "6,5" with a decimal comma: 6 + 1/2, 6 + 2/2, ... (make_fixtures.py)
    assert raw.frame["cijfer"].tolist() == [6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 7.0, 10.0]


def test_utf8_with_and_without_bom_and_utf16(tmp_path):
    text = "id\tw1\tnaam\nr1\t4\tJosé Ñúñez\n"
    for encoding in ("utf-8", "utf-8-sig", "utf-16"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        table = read_table(path)
        assert list(table.frame.columns) == ["id", "w1", "naam"]
        assert table.frame.loc[1, "naam"] == "José Ñúñez"
        assert table.details["separator"] == "\t"
        assert table.details["encoding"] == encoding


def test_decode_prefers_utf8_then_cp1252():
    assert decode_bytes("één".encode(), "x") == ("één", "utf-8")
    assert decode_bytes("één €5".encode("cp1252"), "x") == ("één €5", "cp1252")


def test_spss_value_labels_translate_stored_codes():
    table = read_table(EXPORTS / "responses.sav")
    assert table.value_labels["v1"][0.0] == "Helemaal oneens"
    assert table.texts["v1"] == "Ik help collega's graag."
    # Stored 3 means "Eens", code 4 of the instrument.
    assert table.frame.loc[1, "v1"] == 3.0


# -- bad input: one DataError naming the problem and where it is ------------------


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", r"empty\.csv: the file is empty"),
        ("blank.csv", b"\n  \n", r"blank\.csv: the file is empty"),
        ("header.csv", "id,w1,w2\n", r"header\.csv: has a header but no data rows"),
        (
            "long.csv",
            "id,w1,w2\n1,2,3\n2,3,4,5\n",
            r"long\.csv: ragged rows: data row 2 \(line 3 of the file\) has 4 "
            r"field\(s\), the header has 3",
        ),
        (
            "short.csv",
            "id,w1,w2\n1,2,3\n2,3\n",
            r"short\.csv: ragged rows: data row 2 \(line 3 of the file\) has 2 "
            r"field\(s\), the header has 3",
        ),
        (
            "dup.csv",
            "id,w1,w1\n1,2,3\n",
            r"dup\.csv: duplicated column 'w1' \(columns 2 and 3 of header row 1\)",
        ),
        (
            "noname.csv",
            "id,,w2\n1,2,3\n",
            r"noname\.csv: header row 1 has no name for column\(s\) 2",
        ),
        (
            "binary.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            r"binary\.csv: binary content \(NUL byte at offset 8\)",
        ),
        (
            "zip.csv",
            b"PK\x03\x04garbage",
            r"zip\.csv: not a readable \.xlsx workbook",
        ),
        (
            "bad.csv",
            b"id,w1\n1,caf\xc3\xa9\n2,\x81\x8d\n",
            r"bad\.csv: cannot decode the text at line 3 \(byte offset 16, byte 0x81\)",
        ),
        (
            "fake.xlsx",
            "id,w1\n1,2\n",
            r"fake\.xlsx: not a readable \.xlsx workbook",
        ),
        ("fake.sav", "id,w1\n1,2\n", r"fake\.sav: not a readable SPSS \.sav file"),
    ],
)
def test_bad_files(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match=r"--data .*nowhere\.csv: file not found"):
        read_table(tmp_path / "nowhere.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_table(tmp_path)


def test_unknown_format_and_sheet_options():
    with pytest.raises(DataError, match=r"--format 'json': unknown format"):
        read_table(EXPORTS / "plain.csv", format="json")
    with pytest.raises(
        DataError,
        match=r"responses\.xlsx: --sheet 'Sheet9' does not exist; "
        r"sheets: 'Uitleg', 'Antwoorden'",
    ):
        read_table(EXPORTS / "responses.xlsx", sheet="Sheet9")
    with pytest.raises(DataError, match=r"--sheet 3: the workbook has 2 sheet"):
        read_table(EXPORTS / "responses.xlsx", sheet=3)
    with pytest.raises(DataError, match="only an Excel workbook has sheets"):
        read_table(EXPORTS / "plain.csv", sheet="x")


def test_wrong_format_asked_for():
    with pytest.raises(
        DataError,
        match=r"expects a text export but the file is an "
        r"Excel workbook",
    ):
        read_table(EXPORTS / "responses.xlsx", format="csv")
    with pytest.raises(DataError, match=r"plain\.csv: not a Qualtrics export"):
        read_table(EXPORTS / "plain.csv", format="qualtrics")
    with pytest.raises(DataError, match=r"plain\.csv: not a SurveyMonkey export"):
        read_table(EXPORTS / "plain.csv", format="surveymonkey")


def test_first_sheet_holds_only_a_note():
    with pytest.raises(
        DataError,
        match=r"responses\.xlsx \[sheet 'Uitleg'\]: has a header but no data rows; "
        r"the workbook's sheets are 'Uitleg', 'Antwoorden' \(choose one with --sheet\)",
    ):
        read_responses(EXPORTS / "responses.xlsx", DEMO)


def test_missing_items_are_all_named(tmp_path):
    path = write(tmp_path, "part.csv", "id,w1,p2,age\n1,2,3,40\n")
    with pytest.raises(
        DataError,
        match=r"part\.csv: no column found for 2 of the 4 items of 'demo_export': "
        r"w2, p1 and attention check\(s\) let_op\. Columns that map to nothing: "
        r"id, age",
    ):
        read_responses(path, DEMO)


def test_text_answers_name_column_examples_and_rows(tmp_path):
    path = write(
        tmp_path,
        "text.csv",
        "id,w1,w2,p1,p2,let_op\n1,4,2,5,1,4\n2,vier,2,eens,1,4\n3,4,2,soms,1,4\n",
    )
    with pytest.raises(DataError) as info:
        read_responses(path, DEMO)
    message = str(info.value)
    assert message.startswith("text.csv: answers that are not numbers: ")
    assert (
        "column 'w1' (item w1): 1 answer(s) neither a number nor a label of the "
        "scale: 'vier' (data row 2 (line 3 of the file))" in message
    )
    assert (
        "column 'p1' (item p1): 1 answer(s) neither a number nor a label of the "
        "scale: 'soms' (data row 3 (line 4 of the file)); labels found in the "
        "column: 'eens', 'soms'" in message
    )
    assert "--missing-label TEXT" in message
    assert "Expected codes 1..5 or the labels (nl: 1=Helemaal oneens" in message


def test_dataframe_source_keeps_row_numbers():
    cells = pd.DataFrame(
        {"w1": [1, 2], "w2": [3, 4], "p1": [5, 5], "p2": [1, 1], "let_op": [4, 4]},
        index=[10, 20],
    )
    raw = read_responses(cells, DEMO)
    assert raw.frame.index.tolist() == [1, 2]
    assert raw.id_column is None
    assert raw.sha256 is None


def test_clean_responses_in_parquet_read_back_the_same(tmp_path):
    # The clean responses this toolkit writes are themselves a valid input.
    from commercie_analysis.cleaning import clean

    first = clean(EXPORTS / "plain.csv", DEMO)
    folder = first.write(tmp_path / "clean")
    assert read_table(folder / "responses.parquet").format == "parquet"
    again = clean(folder / "responses.parquet", DEMO)
    pd.testing.assert_frame_equal(
        again.responses[first.responses.columns].reset_index(drop=True),
        first.responses.reset_index(drop=True),
        check_dtype=False,
    )
