"""``validate`` end to end on bfi; ``commercie validate`` with good and bad input."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import BFI_CSV, ROOT, aligned, as_frame, load_reference

from commercie_analysis.cli import main
from commercie_analysis.exceptions import DataQualityWarning, ReliabilityWarning
from commercie_analysis.pipeline import validate

REF = load_reference("psych_bfi")

EXPECTED_FILES = {
    ".commercie-output",
    "cleaning_log.csv",
    "cleaning_manifest.json",
    "item_statistics.csv",
    "reliability.csv",
    "factorability.json",
    "n_factors.json",
    "correlations.csv",
    "loadings.csv",
    "factor_correlations.csv",
    "congruence.csv",
    "item_mapping.csv",
    "construct_verdicts.csv",
    "omega.json",
    "manifest.json",
    "scoring_model.json",
    "report.html",
    "scree.png",
    "loadings_heatmap.png",
}


@pytest.fixture(scope="module")
def bfi_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("validate") / "bfi"
    # The published key scores neuroticism, which loads against the general factor
    # of the other four: omega names those items.
    with pytest.warns(ReliabilityWarning, match="N1, N2, N3, N4, N5"):
        result = validate("bfi", BFI_CSV, n_iter=10, seed=1)
    result.write(out)
    return result, out


def test_all_outputs_are_written(bfi_run):
    _, out = bfi_run
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert not list(out.parent.glob(".bfi.*")), "a staging folder was left behind"


def test_rows_read_equal_kept_plus_left_out(bfi_run):
    # bfi.csv: 2800 rows, 2436 complete on the 25 items (R: complete.cases).
    result, out = bfi_run
    log = pd.read_csv(out / "cleaning_log.csv")
    excluded = log[log["action"] == "excluded"]
    assert result.n_read == 2800 == result.n_used + excluded["respondent_id"].nunique()
    assert result.n_used == 2436
    assert excluded["reason"].str.startswith("missing answers").all()


def test_tables_have_the_documented_columns(bfi_run):
    _, out = bfi_run
    columns = {
        "item_statistics.csv": [
            "item",
            "construct",
            "reverse_keyed",
            "n",
            "mean",
            "sd",
            "item_rest_r",
            "alpha_if_dropped",
        ],
        "reliability.csv": [
            "construct",
            "n_items",
            "n_respondents",
            "alpha",
            "std_alpha",
            "average_r",
            "alpha_ci_lower",
            "alpha_ci_upper",
            "alpha_se",
        ],
        "item_mapping.csv": [
            "item",
            "intended_construct",
            "primary_construct",
            "intended_loading",
            "max_cross_loading",
            "gap",
            "communality",
            "verdict",
        ],
    }
    for name, expected in columns.items():
        assert pd.read_csv(out / name).columns.tolist() == expected


def test_written_numbers_match_psych(bfi_run):
    _, out = bfi_run
    reliability = pd.read_csv(out / "reliability.csv").set_index("construct")
    for construct, ref in REF["alpha_by_scale"].items():
        assert reliability.loc[construct, "alpha"] == pytest.approx(
            ref["raw_alpha"], abs=1e-6
        )
    factorability = json.loads((out / "factorability.json").read_text())
    assert factorability["kmo"]["overall"] == pytest.approx(
        REF["kmo"]["overall"], abs=1e-6
    )
    assert factorability["bartlett"]["chi_square"] == pytest.approx(
        REF["bartlett"]["chi_square"], rel=1e-6
    )
    loadings = pd.read_csv(out / "loadings.csv", index_col="item")
    expected = as_frame(REF["fa_minres_oblimin_5"]["loadings"])
    ours = loadings.loc[expected.index].to_numpy()
    np.testing.assert_allclose(
        aligned(ours, expected.to_numpy()), expected.to_numpy(), atol=1e-4
    )


def test_factors_are_named_after_constructs_and_agree_with_the_key(bfi_run):
    _, out = bfi_run
    loadings = pd.read_csv(out / "loadings.csv", index_col="item")
    assert loadings.columns.tolist() == [
        "agreeableness",
        "conscientiousness",
        "extraversion",
        "neuroticism",
        "openness",
    ]
    congruence = pd.read_csv(out / "congruence.csv", index_col="construct")
    assert (np.diag(congruence) > 0.8).all()
    assert loadings.loc["C4", "conscientiousness"] < 0  # reverse keyed


def test_n_factors_json(bfi_run):
    _, out = bfi_run
    content = json.loads((out / "n_factors.json").read_text())
    assert content["map"]["suggestion"] == 5
    assert content["parallel_analysis"]["seed"] == 1
    assert len(content["parallel_analysis"]["observed_factor"]) == 25


def test_score_with_the_written_model(bfi_run, tmp_path):
    # The unit-weighted model scores the mean of the keyed items.
    _, out = bfi_run
    scores = tmp_path / "scores.csv"
    runner = CliRunner()
    outcome = runner.invoke(
        main,
        [
            "score",
            "--model",
            str(out / "scoring_model.json"),
            "--data",
            str(BFI_CSV),
            "--out",
            str(scores),
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    table = pd.read_csv(scores).set_index("respondent_id")
    answers = pd.read_csv(BFI_CSV, index_col="respondent_id")
    first = answers.dropna(subset=["C1", "C2", "C3", "C4", "C5"]).iloc[0]
    expected = (first.C1 + first.C2 + first.C3 + (7 - first.C4) + (7 - first.C5)) / 5
    assert table.loc[first.name, "conscientiousness"] == pytest.approx(expected)


# -- the command line ------------------------------------------------------------


def _run(args):
    return CliRunner().invoke(main, ["validate", *args])


def _run_bfi(out, *options):
    """``commercie validate`` on the bundled bfi data into ``out``."""
    return _run(
        ["--instrument", "bfi", "--data", str(BFI_CSV), "--out", str(out), *options]
    )


def test_help_lists_every_command_with_one_line():
    outcome = CliRunner().invoke(main, ["--help"])
    assert outcome.exit_code == 0
    for command in ("validate", "clean", "calibrate", "export", "score"):
        assert command in outcome.output


def _write(tmp_path, frame, name="answers.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def bfi_frame():
    return pd.read_csv(BFI_CSV).head(300)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["A3", "O5"]), "A3, O5"),
        (
            lambda f: f.assign(C2=f["C2"].astype(object).where(f.index != 4, "vaak")),
            "C2",
        ),
        (lambda f: f.assign(E1=f["E1"].where(f.index > 2, 8)), "E1"),
    ],
    ids=["missing items", "text answers", "outside the scale"],
)
def test_bad_data_gives_one_message_and_writes_nothing(
    tmp_path, bfi_frame, change, message
):
    data = _write(tmp_path, change(bfi_frame.copy()))
    out = tmp_path / "out"
    outcome = _run(["--instrument", "bfi", "--data", str(data), "--out", str(out)])
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert "Traceback" not in outcome.output
    assert not out.exists()


def test_missing_file_and_unknown_instrument(tmp_path):
    outcome = _run(
        [
            "--instrument",
            "bfi",
            "--data",
            str(tmp_path / "nope.csv"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert outcome.exit_code == 2 and "nope.csv" in outcome.output
    outcome = _run(
        ["--instrument", "big6", "--data", str(BFI_CSV), "--out", str(tmp_path / "o")]
    )
    assert outcome.exit_code == 2 and "unknown instrument 'big6'" in outcome.output


def test_output_into_data_raw_is_refused(tmp_path):
    before = sorted(p.name for p in (ROOT / "data" / "raw").iterdir())
    outcome = _run_bfi(str(ROOT / "data" / "raw" / "results"), "--n-iter", "2")
    assert outcome.exit_code == 2 and "data/raw" in outcome.output
    assert sorted(p.name for p in (ROOT / "data" / "raw").iterdir()) == before


def test_failed_run_leaves_an_existing_folder_as_it_was(tmp_path, bfi_frame):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("keep me")
    data = _write(tmp_path, bfi_frame.drop(columns=["N1"]))
    outcome = _run(["--instrument", "bfi", "--data", str(data), "--out", str(out)])
    assert outcome.exit_code == 2
    assert [p.name for p in out.iterdir()] == ["earlier.txt"]


def test_installed_command_runs_without_traceback(tmp_path):
    # The console script, as a user calls it.
    command = [
        sys.executable,
        "-m",
        "commercie_analysis.cli",
        "validate",
        "--instrument",
        "bfi",
        "--data",
        str(tmp_path / "x.csv"),
        "--out",
        str(tmp_path / "o"),
    ]
    outcome = subprocess.run(command, capture_output=True, text=True)
    assert outcome.returncode == 2
    assert outcome.stderr.startswith("error:") and "Traceback" not in outcome.stderr


def test_omega_json_matches_psych_with_the_key(bfi_run):
    # psych 2.2.9 omega(cc, nfactors = 5, key = <signs of bfi.keys>): the case
    # "five_scoring_keys" of tests/reference/omega.json (r/omega.R made it).
    expected = load_reference("omega")["cases"]["five_scoring_keys"]
    _, out = bfi_run
    content = json.loads((out / "omega.json").read_text())
    assert content["n_obs"] == 2436
    assert content["omega_hierarchical"] == pytest.approx(expected["omega_h"], abs=1e-3)
    assert content["omega_total"] == pytest.approx(expected["omega_total"], abs=1e-3)


def test_target_rotation_and_bootstrap_through_the_command(tmp_path):
    out = tmp_path / "target"
    outcome = _run_bfi(
        str(out),
        "--rotation",
        "target",
        "--bootstrap",
        "4",
        "--n-iter",
        "3",
        "--seed",
        "7",
    )
    assert outcome.exit_code == 0, outcome.output
    verdicts = pd.read_csv(out / "construct_verdicts.csv")
    assert {"congruence_lower", "congruence_upper"} <= set(verdicts.columns)
    inside = verdicts["congruence_lower"] <= verdicts["congruence_upper"]
    assert inside.all()
    intervals = pd.read_csv(out / "bootstrap_loadings.csv")
    assert len(intervals) == 25 * 5
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["bootstrap"]["samples"] == 4
    assert manifest["settings"]["rotation"] == "target"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(A1=3), "A1 have a single observed answer"),
        (lambda f: f.assign(A2=f["A1"]), "A1-A2 correlate perfectly"),
    ],
    ids=["constant item", "identical items"],
)
def test_unanalysable_items_are_named(tmp_path, bfi_frame, change, message):
    data = _write(tmp_path, change(bfi_frame.dropna().copy()))
    arguments = ["--instrument", "bfi", "--data", str(data)]
    outcome = _run([*arguments, "--out", str(tmp_path / "o"), "--n-iter", "2"])
    assert outcome.exit_code == 2, outcome.output
    assert message in outcome.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed"),
        (["--bootstrap", "1"], "--bootstrap"),
        (["--bootstrap", "2", "--jobs", "0"], "n_jobs"),
        (["--factors", "1", "--rotation", "target"], "one factor per construct"),
        (["--full-target"], "full_target: applies to rotation 'target'"),
    ],
)
def test_bad_settings_are_refused_before_any_work(tmp_path, args, message):
    outcome = _run_bfi(str(tmp_path / "o"), *args)
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert not (tmp_path / "o").exists()


def test_pairwise_analysis_does_not_need_complete_rows(tmp_path):
    # Blank 30% of the answers at random: hardly any respondent answered every
    # item, but every pair of items still has hundreds of joint answers.
    frame = pd.read_csv(BFI_CSV).dropna().head(600).reset_index(drop=True)
    rng = np.random.default_rng(3)
    items = [c for c in frame.columns if c[0] in "ACENO" and c[1:].isdigit()]
    holes = rng.random((len(frame), len(items))) < 0.3
    frame[items] = frame[items].mask(holes)
    data = _write(tmp_path, frame)
    with pytest.warns(ReliabilityWarning):
        result = validate("bfi", data, missing="pairwise", n_iter=2, bootstrap=2)
    assert result.n_used == 600
    assert result.omega.n_obs == result.factorability["n_obs"] > 100


def test_rerun_into_the_same_folder_leaves_no_stale_files(tmp_path):
    out = tmp_path / "o"
    common = [
        "--instrument",
        "bfi",
        "--data",
        str(BFI_CSV),
        "--out",
        str(out),
        "--n-iter",
        "2",
    ]
    assert _run([*common, "--bootstrap", "2"]).exit_code == 0
    assert (out / "bootstrap_loadings.csv").exists()
    assert _run(common).exit_code == 0
    assert not (out / "bootstrap_loadings.csv").exists()


def test_folder_with_other_files_is_not_mixed_with_results(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    outcome = _run_bfi(str(out), "--n-iter", "2")
    assert outcome.exit_code == 2 and "new or empty folder" in outcome.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_heavy_listwise_losses_are_warned():
    # The bundled simulated sellers: 1% missing answers spread over 28 items leave
    # out 104 of 400 respondents listwise (26%).
    from helpers import ROOT

    data = ROOT / "data" / "raw" / "simulated_commercial_profile.csv"
    with pytest.warns(DataQualityWarning, match="left out 104 of 400"):
        validate("commercial_profile", data, n_iter=2)
