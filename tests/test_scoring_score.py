"""Scoring files in chunks (CSV and Parquet) and type profiles."""

import numpy as np
import pandas as pd
import pytest

from commercie_analysis import load_instrument
from commercie_analysis.datasets import load_bfi
from commercie_analysis.exceptions import DataError
from commercie_analysis.scoring import ScoringModel, score_file, type_profile


@pytest.fixture(scope="module")
def bfi():
    return load_bfi()


@pytest.fixture(scope="module")
def model(bfi):
    return ScoringModel.unit_weighted("bfi", bfi, norm_group="gender")


def profile_answers(n=200, seed=3):
    instrument = load_instrument("commercial_profile")
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 6, size=(n, instrument.n_items)).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan
    index = pd.Index([f"s{i:03d}" for i in range(n)], name="respondent_id")
    return instrument, pd.DataFrame(values, columns=instrument.item_ids, index=index)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_file_scores_equal_in_memory_scores(model, bfi, tmp_path, suffix):
    data = tmp_path / f"new{suffix}"
    if suffix == ".csv":
        bfi.to_csv(data)
    else:
        bfi.reset_index().to_parquet(data)
    out = tmp_path / f"scores{suffix}"
    calls = []
    summary = score_file(model, data, out, chunksize=333, progress=calls.append)

    assert sum(calls) == 2800 and len(calls) == 9 and max(calls) == 333
    written = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(written.columns) == ["respondent_id", *model.score_ids]
    expected = model.score(bfi)
    np.testing.assert_array_equal(written["respondent_id"], bfi.index)
    np.testing.assert_allclose(
        written[model.score_ids].to_numpy(),
        expected.to_numpy(),
        rtol=0,
        atol=1e-12,
        equal_nan=True,
    )
    assert summary.rows_read == 2800
    assert summary.rows_scored == int(expected.notna().all(axis=1).sum()) == 2796
    assert summary.no_score == expected.isna().sum().to_dict()


def test_norm_columns_per_group(model, bfi, tmp_path):
    data = tmp_path / "new.csv"
    bfi.to_csv(data)
    out = tmp_path / "scores.csv"
    score_file(model, data, out, norms=True, group_column="gender", chunksize=1000)
    written = pd.read_csv(out, index_col="respondent_id")
    expected = model.normed(model.score(bfi), bfi["gender"])
    np.testing.assert_allclose(
        written["agreeableness_percentile"],
        expected["agreeableness_percentile"],
        equal_nan=True,
    )
    assert set(written["norm_group"].astype(str)) == {"1", "2"}


def test_out_of_range_answer_names_the_respondent_and_writes_nothing(
    model, bfi, tmp_path
):
    bad = bfi.copy()
    bad.loc[bad.index[2500], "N3"] = 8.0
    data = tmp_path / "bad.csv"
    bad.to_csv(data)
    out = tmp_path / "scores.csv"
    with pytest.raises(DataError, match=rf"1 row\(s\): {bad.index[2500]} \(N3=8\)"):
        score_file(model, data, out, chunksize=1000)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [data]


def test_without_an_id_column_rows_are_numbered(model, bfi, tmp_path):
    data = tmp_path / "noid.csv"
    bfi.iloc[:5, :25].to_csv(data, index=False)
    out = tmp_path / "scores.csv"
    score_file(model, data, out, chunksize=2)
    assert pd.read_csv(out)["row"].tolist() == [1, 2, 3, 4, 5]


def test_file_problems_are_named(model, bfi, tmp_path):
    with pytest.raises(DataError, match="no such file"):
        score_file(model, tmp_path / "none.csv", tmp_path / "o.csv")
    with pytest.raises(DataError, match="expected a .csv or .parquet file"):
        score_file(model, tmp_path / "x.xlsx", tmp_path / "o.csv")
    data = tmp_path / "short.csv"
    bfi.drop(columns=["E2"]).to_csv(data)
    with pytest.raises(DataError, match=r"1 item column\(s\) missing: \['E2'\]"):
        score_file(model, data, tmp_path / "o.csv")
    empty = tmp_path / "empty.csv"
    bfi.iloc[:0].to_csv(empty)
    with pytest.raises(DataError, match="has a header but no data rows"):
        score_file(model, empty, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
    (tmp_path / "nothing.csv").write_bytes(b"")
    with pytest.raises(DataError, match="the file is empty"):
        score_file(model, tmp_path / "nothing.csv", tmp_path / "o.csv")


def test_ragged_rows_are_refused(model, bfi, tmp_path):
    lines = bfi.iloc[:10].to_csv().splitlines()
    long, short = list(lines), list(lines)
    long[4] += ",7"
    short[6] = short[6].rsplit(",", 2)[0]
    for name, content, message in [
        ("long.csv", long, r"data row 4 \(line 5 of the file\) has 30 field\(s\)"),
        ("short.csv", short, r"data row 6 \(line 7 of the file\) has 27 field\(s\)"),
    ]:
        path = tmp_path / name
        path.write_text("\n".join(content) + "\n", encoding="utf-8")
        with pytest.raises(DataError, match=r"ragged rows: " + message):
            score_file(model, path, tmp_path / "o.csv", chunksize=3)
        assert not (tmp_path / "o.csv").exists()


def test_tab_separated_file_and_missing_markers(model, bfi, tmp_path):
    part = bfi.iloc[:20].copy()
    data = tmp_path / "tab.csv"
    text = part.to_csv(sep="\t").replace("\t\t", "\tNA\t")
    data.write_text(text, encoding="utf-8")
    out = tmp_path / "scores.csv"
    score_file(model, data, out, chunksize=7)
    written = pd.read_csv(out)
    np.testing.assert_allclose(
        written[model.score_ids].to_numpy(),
        model.score(part).to_numpy(),
        atol=1e-12,
        equal_nan=True,
    )


def test_output_that_is_the_input_is_refused(model, bfi, tmp_path):
    data = tmp_path / "answers.csv"
    bfi.iloc[:5].to_csv(data)
    before = data.read_bytes()
    with pytest.raises(DataError, match="is the --data file"):
        score_file(model, data, tmp_path / "." / "answers.csv")
    assert data.read_bytes() == before


def test_parquet_with_the_id_as_index(model, bfi, tmp_path):
    data = tmp_path / "indexed.parquet"
    bfi.iloc[:50].to_parquet(data, index=True)
    out = tmp_path / "scores.csv"
    score_file(model, data, out, chunksize=20)
    written = pd.read_csv(out)
    assert written["respondent_id"].tolist() == bfi.index[:50].tolist()


def test_type_profile_by_hand():
    scores = pd.DataFrame(
        {
            "a": [3.0, 4.0, 2.0, np.nan],
            "b": [4.5, 3.8, 2.0, 1.0],
            "c": [1.0, 3.0, 1.0, 1.0],
        }
    )
    out = type_profile(scores, band=0.25)
    assert out["dominant"].tolist()[:3] == ["b", "a", "a"]
    assert out["second"].tolist()[:3] == ["a", "b", "b"]
    assert out[["dominant", "second"]].iloc[3].isna().all()
    np.testing.assert_allclose(out["gap"], [1.5, 0.2, 0.0, np.nan])
    assert out["mixed"].tolist() == [False, True, True, False]


def test_commercial_profile_scores_with_profile(tmp_path):
    instrument, answers = profile_answers()
    model = ScoringModel.unit_weighted(instrument, answers, profile_band=0.3)
    assert model.profile == {"band": 0.3, "scale": "score"}
    data = tmp_path / "sellers.parquet"
    answers.reset_index().to_parquet(data)
    out = tmp_path / "profiles.csv"
    score_file(model, data, out, chunksize=64)
    written = pd.read_csv(
        out, index_col="respondent_id", keep_default_na=False, na_values={"gap": [""]}
    )
    assert list(written.columns) == [
        *instrument.construct_ids,
        "dominant",
        "second",
        "gap",
        "mixed",
    ]
    scores = model.score(answers)
    expected = type_profile(scores, band=0.3)
    assert written["dominant"].tolist() == expected["dominant"].tolist()
    assert written["mixed"].tolist() == expected["mixed"].tolist()
    complete = scores.notna().all(axis=1)
    top2 = np.sort(scores[complete].to_numpy(), axis=1)[:, -2:]
    np.testing.assert_allclose(
        written.loc[complete, "gap"], top2[:, 1] - top2[:, 0], atol=1e-9
    )


def test_text_answer_is_named_with_its_row(model, bfi, tmp_path):
    lines = bfi.iloc[:6].to_csv().splitlines()
    fields = lines[3].split(",")
    fields[1] = "vier"  # A1 of data row 3
    lines[3] = ",".join(fields)
    data = tmp_path / "text.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"column 'A1': 1 answer\(s\) are not numbers, the first "
        r"'vier' in data row 3",
    ):
        score_file(model, data, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
