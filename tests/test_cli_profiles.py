"""The simulate, profile and match commands."""

from __future__ import annotations

import json
import shlex

import pandas as pd
import pytest
from click.testing import CliRunner

from commercie_analysis.cli import main
from commercie_analysis.paths import RAW_DIR

BUNDLED = {
    "commercial_profile": "--n 400 --seed 20261203 --careless-share 0.03 "
    "--missing-share 0.01",
    "market_profile": "--n 300 --seed 20261204 --careless-share 0.02 "
    "--missing-share 0.01",
    "adoption_ladder": "--n 500 --seed 20261205 --missing-share 0.02",
}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    # Each run writes a folder of its own; the files are gathered in one.
    folder = tmp_path_factory.mktemp("simulated")
    runner = CliRunner()
    for k, args in enumerate(
        (
            "--instrument commercial_profile --n 60 --seed 3",
            "--instrument market_profile --n 90 --seed 4",
        )
    ):
        run_folder = folder / f"run{k}"
        result = runner.invoke(
            main, ["simulate", *shlex.split(args), "--out", run_folder]
        )
        assert result.exit_code == 0, result.output
        for path in run_folder.glob("simulated_*"):
            path.rename(folder / path.name)
    return folder


@pytest.mark.parametrize("name", list(BUNDLED))
def test_bundled_simulated_data_are_reproduced_by_their_command(runner, tmp_path, name):
    # the command recorded in data/raw/README.md remakes the bundled file exactly
    args = ["simulate", "--instrument", name, *shlex.split(BUNDLED[name])]
    result = runner.invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output

    made = (tmp_path / f"simulated_{name}.csv").read_bytes()
    assert made == (RAW_DIR / f"simulated_{name}.csv").read_bytes()
    readme = (RAW_DIR / "README.md").read_text(encoding="utf-8")
    assert f"commercie simulate --instrument {name} {BUNDLED[name]}" in readme


def test_simulate_writes_the_population_model(simulated):
    manifest = json.loads(
        (simulated / "simulated_market_profile.manifest.json").read_text()
    )
    assert manifest["simulated"] is True
    assert manifest["seed"] == 4 and manifest["n"] == 90
    model = manifest["population_model"]
    assert len(model["items"]) == 30
    assert len(model["classes"]["means"]) == 8
    truth = pd.read_csv(simulated / "simulated_market_profile.truth.csv")
    assert len(truth) == 90 and "latent_class" in truth


def test_simulate_refuses_data_raw(runner):
    result = runner.invoke(
        main,
        ["simulate", "--instrument", "bfi", "--n", "5", "--out", str(RAW_DIR / "x")],
    )
    assert result.exit_code == 2
    assert "data/raw" in result.output
    assert not (RAW_DIR / "x").exists()


def test_profile_market(runner, simulated, tmp_path):
    out = tmp_path / "market"
    result = runner.invoke(
        main,
        [
            "profile",
            "--instrument",
            "market_profile",
            "--data",
            str(simulated / "simulated_market_profile.csv"),
            "--classes",
            "3",
            "--bootstrap",
            "3",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("profiles.csv", "companies.csv", "class_numbers.csv", "crosstab.csv"):
        assert (out / name).exists(), name
    assert (out / "class_numbers.png").exists() and (out / "report.html").exists()
    profiles = pd.read_csv(out / "profiles.csv")
    assert len(profiles) == 90
    assert (
        profiles["profile"]
        .str.rsplit("_", n=1)
        .str[1]
        .isin(["ontwikkeling", "acquisitie"])
        .all()
    )
    summary = json.loads((out / "summary.json").read_text())
    assert 1 <= summary["best_bic_classes"] <= 3


def test_profile_sellers(runner, simulated, tmp_path):
    out = tmp_path / "sellers"
    result = runner.invoke(
        main,
        [
            "profile",
            "--instrument",
            "commercial_profile",
            "--data",
            str(simulated / "simulated_commercial_profile.csv"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    profiles = pd.read_csv(out / "profiles.csv", index_col=0)
    assert profiles["dominant"].notna().all()
    assert (out / "team.png").exists()


def test_match(runner, simulated, tmp_path):
    out = tmp_path / "match"
    result = runner.invoke(
        main,
        [
            "match",
            "--sellers",
            str(simulated / "simulated_commercial_profile.csv"),
            "--market",
            str(simulated / "simulated_market_profile.csv"),
            "--market-company",
            "C01",
            "--by",
            "cattell_rp",
            "--charts",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    ranking = pd.read_csv(out / "ranking.csv", index_col=0)
    assert len(ranking) == 60
    assert ranking["cattell_rp"].is_monotonic_decreasing
    assert sorted(p.name for p in out.glob("seller_*.png")) == [
        "seller_001.png",
        "seller_002.png",
    ]
    coverage = pd.read_csv(out / "coverage.csv", index_col=0)
    assert coverage.index.tolist() == [
        "adviseur",
        "ervaringsdeskundige",
        "relatiebouwer",
        "afsluiter",
    ]


def test_match_errors_are_one_line(runner, simulated, tmp_path):
    result = runner.invoke(
        main,
        [
            "match",
            "--sellers",
            str(simulated / "simulated_commercial_profile.csv"),
            "--market",
            str(simulated / "simulated_market_profile.csv"),
            "--market-company",
            "NOPE",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert result.exit_code == 2
    assert "--market-company NOPE: no manager of that company" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()

    result = runner.invoke(
        main,
        [
            "profile",
            "--instrument",
            "market_profile",
            "--data",
            str(tmp_path / "missing.csv"),
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert result.exit_code == 2
    assert "--data" in result.output and "file not found" in result.output


def test_manifest_records_the_command(simulated):
    manifest = json.loads(
        (simulated / "simulated_commercial_profile.manifest.json").read_text()
    )
    assert manifest["command"] == (
        f"commercie simulate --instrument commercial_profile --n 60 --seed 3 "
        f"--out {simulated / 'run0'}"
    )


def test_match_charts_capped_at_the_sellers_and_closed(runner, simulated, tmp_path):
    import warnings

    import matplotlib.pyplot as plt

    out = tmp_path / "match"
    args = [
        "match",
        "--sellers",
        str(simulated / "simulated_commercial_profile.csv"),
        "--market",
        str(simulated / "simulated_market_profile.csv"),
        "--charts",
        "100000",
        "--out",
        str(out),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "More than 20 figures"
        result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "--charts 100000: lowered to the 60 sellers ranked" in result.output
    assert len(list(out.glob("seller_*.png"))) == 60
    assert plt.get_fignums() == []


def test_profile_classes_capped_with_the_counts(runner, simulated, tmp_path):
    result = runner.invoke(
        main,
        [
            "profile",
            "--instrument",
            "market_profile",
            "--data",
            str(simulated / "simulated_market_profile.csv"),
            "--classes",
            "400",
            "--bootstrap",
            "0",
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "max_classes=400 lowered to 9: the 90 rows hold 90 distinct" in (
        result.output
    )
    table = pd.read_csv(tmp_path / "p" / "class_numbers.csv")
    assert table["n_classes"].max() == 9


def test_profile_split_off_the_scale(runner, simulated, tmp_path):
    result = runner.invoke(
        main,
        [
            "profile",
            "--instrument",
            "market_profile",
            "--data",
            str(simulated / "simulated_market_profile.csv"),
            "--split",
            "1e9",
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert result.exit_code == 2
    assert "split (--split) 1000000000.0: outside the score scale" in result.output
    assert not (tmp_path / "p").exists()
