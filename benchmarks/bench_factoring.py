"""Benchmark: one exploratory factor analysis of bfi against factor-analyzer and R.

Data: the 25 bfi items of ``data/raw/bfi.csv``, complete cases (2436 respondents).
For minres with oblimin and ml with varimax (five factors), the script times

- ``commercie_analysis.factoring.FactorAnalysis(...).fit(items)``;
- ``factor_analyzer.FactorAnalyzer(...).fit(items)`` (version 0.5.1), the Python
  anchor;
- R psych ``fa(cc, 5, fm, rotate)`` when ``Rscript`` is on PATH, timed inside R with
  ``system.time`` over the same number of repetitions;

as the median of ``--repeat`` runs after a warm-up, and reports the largest
difference between our loadings and psych's stored reference values
(``tests/reference/psych_bfi.json``, after aligning order and sign). Usage::

    .venv/bin/python benchmarks/bench_factoring.py [--repeat 20] [--no-r]
        [--json benchmarks/results/factoring.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from commercie_analysis.factoring import FactorAnalysis

ROOT = Path(__file__).resolve().parent.parent
BFI = ROOT / "data" / "raw" / "bfi.csv"
sys.path.insert(0, str(ROOT / "tests"))

CASES = {
    "minres, oblimin": ("minres", "oblimin", "fa_minres_oblimin_5"),
    "ml, varimax": ("ml", "varimax", "fa_ml_varimax_5"),
}

R_SCRIPT = """
suppressPackageStartupMessages({library(psych); library(GPArotation)})
args <- commandArgs(trailingOnly = TRUE)
cc <- read.csv(args[1])
n <- as.integer(args[2])
for (case in list(c("minres", "oblimin"), c("ml", "varimax"))) {
  f <- fa(cc, 5, fm = case[1], rotate = case[2])
  tm <- system.time(for (i in seq_len(n)) f <- fa(cc, 5, fm = case[1],
                                                   rotate = case[2]))
  cat(sprintf("RESULT %s %.6f\\n", case[1], tm[["elapsed"]] / n))
}
"""


def _median_time(function, repeat: int) -> float:
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _r_times(items: pd.DataFrame, repeat: int) -> dict[str, float]:
    if shutil.which("Rscript") is None:
        return {}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "cc.csv"
        script = Path(folder) / "fa.R"
        items.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        outcome = subprocess.run(
            ["Rscript", str(script), str(data), str(repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
    times = {}
    for line in outcome.stdout.splitlines():
        if line.startswith("RESULT "):
            _, method, seconds = line.split()
            times[method] = float(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from factor_analyzer import FactorAnalyzer
    from helpers import aligned, as_frame, load_reference

    items = pd.read_csv(BFI, index_col="respondent_id").iloc[:, :25].dropna()
    reference = load_reference("psych_bfi")
    r_times = {} if args.no_r else _r_times(items, args.repeat)

    rows = []
    for label, (method, rotation, key) in CASES.items():
        options = {"method": method, "rotation": rotation}
        ours = _median_time(
            lambda options=options: FactorAnalysis(5, **options).fit(items),
            args.repeat,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = _median_time(
                lambda options=options: FactorAnalyzer(5, **options).fit(
                    items.to_numpy()
                ),
                args.repeat,
            )
        fitted = FactorAnalysis(5, method=method, rotation=rotation).fit(items)
        expected = as_frame(reference[key]["loadings"])
        ours_l = fitted.loadings_.loc[expected.index].to_numpy()
        gap = np.abs(aligned(ours_l, expected.to_numpy()) - expected.to_numpy()).max()
        rows.append(
            {
                "case": label,
                "ours_s": ours,
                "factor_analyzer_s": theirs,
                "r_psych_s": r_times.get(method),
                "max_loading_difference_to_psych": float(gap),
            }
        )

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print("| case | ours (s) | factor-analyzer (s) | R psych fa (s) | max diff |")
    print("|---|---|---|---|---|")
    for row in rows:
        r = row["r_psych_s"]
        print(
            f"| {row['case']} | {row['ours_s']:.3f} | {row['factor_analyzer_s']:.3f} "
            f"| {'-' if r is None else f'{r:.3f}'} | "
            f"{row['max_loading_difference_to_psych']:.1e} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
