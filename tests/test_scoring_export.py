"""SQL and CSV exports: DuckDB gives the same scores as Python, to 1e-9."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from commercie_analysis.datasets import load_bfi
from commercie_analysis.instruments import Instrument
from commercie_analysis.scoring import ScoringModel, calibrate, to_sql, weights_table
from commercie_analysis.scoring.export import quote_identifier


@pytest.fixture(scope="module")
def bfi():
    return load_bfi()


def duckdb_scores(model, answers, id_column="respondent_id"):
    con = duckdb.connect()
    con.register("answers_df", answers.reset_index())
    con.execute('CREATE TABLE "answers" AS SELECT * FROM answers_df')
    result = con.execute(to_sql(model, "answers", id_column=id_column)).df()
    con.close()
    return result


def assert_same_scores(model, answers):
    python = model.score(answers)
    sql = duckdb_scores(model, answers).set_index("respondent_id")
    sql.index = python.index
    np.testing.assert_array_equal(
        sql[model.score_ids].isna().to_numpy(), python.isna().to_numpy()
    )
    np.testing.assert_allclose(
        sql[model.score_ids].to_numpy(),
        python.to_numpy(),
        rtol=0,
        atol=1e-9,
        equal_nan=True,
    )
    assert (sql["invalid_answers"] == 0).all()


def test_unit_model_sql_equals_python_on_bfi_with_missing_answers(bfi):
    model = ScoringModel.unit_weighted("bfi", bfi)
    assert bfi.iloc[:, :25].isna().any(axis=1).sum() == 364  # rows with a gap
    assert_same_scores(model, bfi)


@pytest.mark.parametrize("method", ["regression", "tenberge"])
def test_factor_model_sql_equals_python(bfi, method):
    model = calibrate("bfi", bfi, weights=method)
    assert_same_scores(model, bfi)


def test_sum_model_with_missing_codes_and_odd_names():
    spec = {
        "id": "odd",
        "name": "Odd names",
        "version": "1",
        "languages": ["en"],
        "scale": {"min": 0, "max": 4, "missing_codes": [8, 9]},
        "constructs": [{"id": 'my "score"'}, {"id": "select"}],
        "items": [
            {"id": 'q "1"', "text": "1", "construct": 'my "score"'},
            {"id": "q 2", "text": "2", "construct": 'my "score"', "reverse": True},
            {"id": "from", "text": "3", "construct": 'my "score"'},
            {"id": "where", "text": "4", "construct": "select", "reverse": True},
        ],
    }
    instrument = Instrument.from_dict(spec)
    answers = pd.DataFrame(
        {
            'q "1"': [0.0, 4.0, 9.0, 1.0, np.nan],
            "q 2": [4.0, 8.0, 2.0, 1.0, np.nan],
            "from": [2.0, 1.0, 3.0, 3.0, 1.0],
            "where": [1.0, 9.0, 0.0, 4.0, 2.0],
        },
        index=pd.Index([10, 11, 12, 13, 14], name="respondent_id"),
    )
    model = ScoringModel.unit_weighted(instrument, answers, kind="sum")
    python = model.score(answers)
    # By hand: respondent 11 answered q"1"=4 and from=1 (q 2 = 8 is a missing code):
    # sum 5 over 2 of 3 items, prorated to 7.5; "where" (9) is missing -> no score.
    assert python.loc[11, 'my "score"'] == pytest.approx(7.5)
    assert np.isnan(python.loc[11, "select"])
    assert python.loc[10, 'my "score"'] == pytest.approx(0 + 0 + 2)
    assert_same_scores(model, answers)
    assert '"my ""score"""' in to_sql(model)


def test_sql_flags_out_of_range_answers(bfi):
    model = ScoringModel.unit_weighted("bfi", bfi)
    answers = bfi.iloc[:3].copy()
    answers.iloc[1, 0] = 7.0
    sql = duckdb_scores(model, answers)
    assert sql["invalid_answers"].tolist() == [0, 1, 0]
    assert np.isnan(sql.loc[1, "agreeableness"])
    assert not np.isnan(sql.loc[1, "conscientiousness"])


def test_quote_identifier():
    assert quote_identifier("A1") == '"A1"'
    assert quote_identifier('a"b') == '"a""b"'


def test_weights_table_matches_the_model(bfi):
    model = calibrate("bfi", bfi, weights="bartlett")
    table = weights_table(model)
    assert len(table) == 25 * 5
    wide = table.pivot(index="item", columns="score", values="weight")
    pd.testing.assert_frame_equal(
        wide.loc[model.item_ids, model.score_ids],
        model.weight_matrix(),
        check_names=False,
    )
    assert not table["apply_reverse_key"].any()
    unit = weights_table(ScoringModel.unit_weighted("bfi", bfi))
    assert unit.loc[unit["item"] == "A1", "apply_reverse_key"].item()
    assert set(unit["weight"]) == {0.2}


def test_the_same_sql_runs_in_sqlite(bfi):
    # The dialect uses CASE, COALESCE, NULLIF and CAST only: SQLite (Python's
    # sqlite3) gives the same scores as well.
    import sqlite3

    for model in (
        ScoringModel.unit_weighted("bfi", bfi),
        calibrate("bfi", bfi, weights="bartlett"),
    ):
        con = sqlite3.connect(":memory:")
        bfi.reset_index().to_sql("answers", con, index=False)
        found = pd.read_sql_query(to_sql(model), con).set_index("respondent_id")
        con.close()
        expected = model.score(bfi)
        np.testing.assert_allclose(
            found[model.score_ids].to_numpy(),
            expected.to_numpy(),
            rtol=0,
            atol=1e-9,
            equal_nan=True,
        )
        assert found[model.score_ids].isna().sum().tolist() == (
            expected.isna().sum().tolist()
        )
