"""The calibrate, export and score commands, end to end."""

import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commercie_analysis.cli import main
from commercie_analysis.datasets import load_bfi
from commercie_analysis.paths import RAW_DIR
from commercie_analysis.scoring import ScoringModel

BFI_CSV = str(RAW_DIR / "bfi.csv")


@pytest.fixture()
def runner():
    return CliRunner()


def run(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def unit_model(tmp_path_factory):
    """A unit-weighted bfi model calibrated once through the command."""
    path = tmp_path_factory.mktemp("model") / "model.json"
    result = run(
        CliRunner(),
        "calibrate",
        "--instrument",
        "bfi",
        "--data",
        BFI_CSV,
        "--out",
        str(path),
    )
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("weights", ["unit", "bartlett"])
def test_calibrate_export_score_round_trip(runner, tmp_path, weights):
    model_path = tmp_path / "model.json"
    result = run(
        runner,
        "calibrate",
        "--instrument",
        "bfi",
        "--data",
        BFI_CSV,
        "--weights",
        weights,
        "--norm-group",
        "education",
        "--out",
        str(model_path),
    )
    assert result.exit_code == 0, result.output
    assert "scoring model written to" in result.output
    # cleaned listwise (the default): 2436 of the 2800 respondents answered every item
    assert "read 2800 respondents, kept 2436 after cleaning (listwise)" in result.output

    model = ScoringModel.load(model_path, instrument="bfi")
    assert model.provenance["n"] == 2436
    assert model.provenance["data_hash_of"] == "data file"
    import hashlib

    assert (
        model.provenance["data_sha256"]
        == hashlib.sha256((RAW_DIR / "bfi.csv").read_bytes()).hexdigest()
    )
    assert sorted(model.norms["groups"]) == ["1", "2", "3", "4", "5"]

    # score the same file through the command
    scores_path = tmp_path / "scores.csv"
    result = run(
        runner,
        "score",
        "--model",
        str(model_path),
        "--data",
        BFI_CSV,
        "--out",
        str(scores_path),
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    assert "read 2800 respondents" in result.output
    scores = pd.read_csv(scores_path, index_col="respondent_id")
    bfi = load_bfi()
    expected = model.score(bfi)
    np.testing.assert_allclose(
        scores.to_numpy(), expected.to_numpy(), atol=1e-12, equal_nan=True
    )

    # the exported SQL gives the same scores in DuckDB
    sql_path = tmp_path / "model.sql"
    result = run(
        runner,
        "export",
        "--model",
        str(model_path),
        "--format",
        "sql",
        "--out",
        str(sql_path),
    )
    assert result.exit_code == 0, result.output
    answers = bfi.reset_index()  # noqa: F841 (read by DuckDB by name)
    sql = sql_path.read_text().replace('FROM "answers"', "FROM answers")
    from_sql = duckdb.sql(sql).df().set_index("respondent_id")
    np.testing.assert_allclose(
        from_sql[model.score_ids].to_numpy(),
        expected.to_numpy(),
        atol=1e-9,
        equal_nan=True,
    )

    csv_path = tmp_path / "weights.csv"
    result = run(
        runner,
        "export",
        "--model",
        str(model_path),
        "--format",
        "csv",
        "--out",
        str(csv_path),
    )
    assert result.exit_code == 0
    assert len(pd.read_csv(csv_path)) == (25 if weights == "unit" else 125)


def test_score_refuses_a_tampered_model(runner, tmp_path, unit_model):
    model_path = tmp_path / "model.json"
    shutil.copy(unit_model, model_path)
    doc = json.loads(model_path.read_text())
    doc["items"][0]["reverse"] = False
    model_path.write_text(json.dumps(doc))
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        main,
        ["score", "--model", str(model_path), "--data", BFI_CSV, "--out", str(out)],
    )
    assert result.exit_code == 2
    assert "checksum check failed" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_score_names_rows_with_out_of_range_answers(runner, tmp_path, unit_model):
    model_path = unit_model
    bad = load_bfi()
    bad.loc[61623, "O2"] = 0
    data = tmp_path / "bad.csv"
    bad.to_csv(data)
    result = runner.invoke(
        main,
        [
            "score",
            "--model",
            str(model_path),
            "--data",
            str(data),
            "--out",
            str(tmp_path / "s.csv"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 2
    assert "61623 (O2=0)" in result.output
    assert not (tmp_path / "s.csv").exists()


def test_calibrate_bad_input(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "calibrate",
            "--instrument",
            "bfi",
            "--data",
            str(tmp_path / "none.csv"),
            "--out",
            str(tmp_path / "m.json"),
        ],
    )
    assert result.exit_code == 2 and "none.csv: file not found" in result.output
    result = runner.invoke(
        main,
        [
            "calibrate",
            "--instrument",
            "bfi",
            "--data",
            BFI_CSV,
            "--norm-group",
            "country",
            "--out",
            str(tmp_path / "m.json"),
        ],
    )
    assert result.exit_code == 2 and "column 'country' not in the responses" in (
        result.output
    )
    result = runner.invoke(
        main,
        [
            "calibrate",
            "--instrument",
            "bfi",
            "--data",
            BFI_CSV,
            "--out",
            str(RAW_DIR / "m.json"),
        ],
    )
    assert result.exit_code == 2 and "data/raw" in result.output
    assert not (RAW_DIR / "m.json").exists()


def test_calibrate_pairwise_keeps_partial_respondents(runner, tmp_path):
    model_path = tmp_path / "model.json"
    result = run(
        runner,
        "calibrate",
        "--instrument",
        "bfi",
        "--data",
        BFI_CSV,
        "--missing",
        "pairwise",
        "--out",
        str(model_path),
    )
    assert result.exit_code == 0, result.output
    model = ScoringModel.load(model_path)
    assert model.provenance["n"] == 2800
    # prorated unit scores: 2797 of 2800 have an agreeableness score (3 answered
    # fewer than 3 of its 5 items)
    assert model.standardisation["agreeableness"]["n"] == 2797


def test_clean_output_scores_from_parquet_and_csv(runner, tmp_path):
    data = tmp_path / "answers.csv"
    load_bfi().dropna().iloc[:300].to_csv(data)
    clean_out, model_path = tmp_path / "clean", tmp_path / "m.json"
    assert (
        run(
            runner,
            "clean",
            "--instrument",
            "bfi",
            "--data",
            str(data),
            "--out",
            str(clean_out),
        ).exit_code
        == 0
    )
    assert (
        run(
            runner,
            "calibrate",
            "--instrument",
            "bfi",
            "--data",
            str(data),
            "--out",
            str(model_path),
        ).exit_code
        == 0
    )
    model = ScoringModel.load(model_path)
    scores = {}
    for name in ("responses.parquet", "responses.csv"):
        out = tmp_path / f"{name}.scores.csv"
        result = run(
            runner,
            "score",
            "--model",
            str(model_path),
            "--data",
            str(clean_out / name),
            "--out",
            str(out),
            "--no-progress",
        )
        assert result.exit_code == 0, result.output
        scores[name] = pd.read_csv(out, index_col="respondent_id")
    expected = model.score(load_bfi().dropna().iloc[:300])
    for table in scores.values():
        assert table.index.tolist() == expected.index.tolist()
        np.testing.assert_allclose(
            table[model.score_ids].to_numpy(), expected.to_numpy(), atol=1e-12
        )


def test_output_over_an_input_is_refused(runner, tmp_path):
    data = tmp_path / "answers.csv"
    load_bfi().iloc[:100].to_csv(data)
    model_path = tmp_path / "m.json"
    ScoringModel.unit_weighted("bfi", load_bfi()).save(model_path)
    before = {p: p.read_bytes() for p in (data, model_path)}
    for command, out, option in [
        (["score", "--data", str(data)], data, "--data"),
        (["score", "--data", str(data)], model_path, "--model"),
        (["export", "--format", "csv"], model_path, "--model"),
    ]:
        result = runner.invoke(
            main, [*command, "--model", str(model_path), "--out", str(out)]
        )
        assert result.exit_code == 2
        assert f"is the {option} file; writing it would overwrite" in result.output
        assert "Traceback" not in result.output
    assert before == {p: p.read_bytes() for p in (data, model_path)}


def test_calibrate_rotation_is_a_choice(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "calibrate",
            "--instrument",
            "bfi",
            "--data",
            BFI_CSV,
            "--rotation",
            "foo",
            "--out",
            str(tmp_path / "m.json"),
        ],
    )
    assert result.exit_code == 2
    assert "Invalid value for '--rotation': 'foo' is not one of 'none'" in (
        result.output
    )
    assert not (tmp_path / "m.json").exists()
