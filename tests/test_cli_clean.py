"""The ``commercie clean`` command: output, messages, exit codes."""

import json

import pytest
from click.testing import CliRunner

from commercie_analysis.cli import main
from commercie_analysis.paths import PROJECT_ROOT

EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports"
DEMO = str(EXPORTS / "demo.yaml")


def run(*args, env=None):
    return CliRunner().invoke(main, ["clean", *map(str, args)], env=env)


def test_listed_in_help():
    result = CliRunner().invoke(main, ["--help"])
    assert "clean" in result.output


def test_cleans_a_qualtrics_export(tmp_path):
    out = tmp_path / "clean"
    result = run(
        "--instrument",
        DEMO,
        "--data",
        EXPORTS / "qualtrics.csv",
        "--out",
        out,
        "--careless",
        "off",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "read 8 respondents: kept 5, left out 3 (read = kept + left out), flagged 1"
    )
    assert "personal columns removed: IPAddress" in result.output
    log = (out / "cleaning_log.csv").read_text().splitlines()
    assert log[0] == "respondent_id,row,action,step,reason"
    assert (
        log[1] == "R_3qXzT8vLmN3,3,excluded,missing,missing answers: w2 (1 of 4 items)"
    )
    assert len(log) == 5
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input"]["format"] == "qualtrics"
    assert manifest["policy"]["careless"]["mahalanobis"] == "off"
    assert manifest["counts"]["read"] == 8


def test_rerun_gives_identical_bytes(tmp_path):
    args = [
        "--instrument",
        DEMO,
        "--data",
        EXPORTS / "limesurvey.csv",
        "--pseudonymise",
        "--salt",
        "0123456789abcdef",
    ]
    assert run(*args, "--out", tmp_path / "a").exit_code == 0
    assert run(*args, "--out", tmp_path / "b").exit_code == 0
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


def test_salt_from_environment(tmp_path):
    result = run(
        "--instrument",
        DEMO,
        "--data",
        EXPORTS / "plain.csv",
        "--out",
        tmp_path / "o",
        "--pseudonymise",
        env={"COMMERCIE_SALT": "from-the-environment"},
    )
    assert result.exit_code == 0, result.output
    assert "personal columns pseudonymised: naam, email" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--data", "nowhere.csv"], "error: --data nowhere.csv: file not found"),
        (
            ["--data", EXPORTS / "responses.xlsx", "--sheet", "Nope"],
            "error: responses.xlsx: --sheet 'Nope' does not exist",
        ),
        (
            ["--data", EXPORTS / "plain.csv", "--careless-index", "irv=drop"],
            "error: --careless-index 'irv=drop': expected NAME=ACTION",
        ),
        (
            ["--data", EXPORTS / "plain.csv", "--pseudonymise"],
            "error: --salt: pseudonymising needs a secret salt",
        ),
        (
            ["--data", EXPORTS / "plain.csv", "--speed-fraction", "2"],
            "error: speed_fraction: expected a share between 0 and 1, found 2.0",
        ),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, extra, message):
    out = tmp_path / "out"
    result = run("--instrument", DEMO, "--out", out, *extra, env={"COMMERCIE_SALT": ""})
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_out_of_range_error_then_exclude(tmp_path):
    data = tmp_path / "answers.csv"
    data.write_text(
        "id,w1,w2,p1,p2,let_op\n1,4,2,5,1,4\n2,6,2,5,1,4\n3,4,2,5,0,4\n4,4,2,4,1,4\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(
        "--instrument", DEMO, "--data", data, "--out", out, "--careless", "off"
    )
    assert result.exit_code == 2
    assert (
        "answers.csv: 2 answer(s) outside the scale 1..5 (or not whole numbers), "
        "per item: w1: 1 (6 in data row 2 (line 3 of the file)); p2: 1 (0 in data "
        "row 3 (line 4 of the file)). Set the policy out_of_range (--out-of-range): "
        "exclude"
    ) in " ".join(result.output.split())
    assert not out.exists()
    result = run(
        "--instrument",
        DEMO,
        "--data",
        data,
        "--out",
        out,
        "--careless",
        "off",
        "--out-of-range",
        "exclude",
    )
    assert result.exit_code == 0, result.output
    assert "kept 2, left out 2" in result.output


def test_refuses_data_raw():
    result = run(
        "--instrument",
        "bfi",
        "--data",
        PROJECT_ROOT / "data/raw/bfi.csv",
        "--out",
        PROJECT_ROOT / "data/raw/clean",
    )
    assert result.exit_code == 2
    assert "data/raw holds the original exports and is never written" in result.output
    assert not (PROJECT_ROOT / "data/raw/clean").exists()
