"""Benchmark: the full polychoric correlation matrix of bfi and spi, against R psych.

Data:

- bfi: the 25 items A1..O5 of ``data/raw/bfi.csv``, complete cases (2436 rows);
- spi: the 135 items q_* of ``data/raw/spi.csv`` (4000 rows); skipped with a message
  when the file is not there.

For each data set the script times ``polychoric_matrix`` (defaults: global
thresholds, smoothing if needed) after one warm-up run, as the best and the median of
several runs; measures peak memory in a child process that loads the data and
computes the matrix once (maximum resident set size, and the tracemalloc peak of the
computation itself); and, when ``Rscript`` is on PATH, runs ``psych::polychoric`` on
the same data in the same run, timed inside R with ``system.time``, and compares the
two matrices. CPU seconds are reported next to wall-clock seconds because the machine
may be shared (R's include those of its forked workers that R accounts for); the load
average is printed with the machine. Usage::

    .venv/bin/python benchmarks/bench_polychoric.py [--repeat 5] [--no-r]
        [--data bfi spi]
        [--json benchmarks/results/polychoric.json]

Prints a Markdown table of the results and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from commercie_analysis.outputs import output_file
from commercie_analysis.polychoric import polychoric_matrix

ROOT = Path(__file__).resolve().parent.parent
BFI = ROOT / "data" / "raw" / "bfi.csv"
SPI = ROOT / "data" / "raw" / "spi.csv"
BFI_ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]

R_SCRIPT = """
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
options(mc.cores = parallel::detectCores())
tm <- system.time(p <- suppressMessages(suppressWarnings(polychoric(x))))
write.csv(p$rho, args[2])
cpu <- sum(tm[c("user.self", "sys.self", "user.child", "sys.child")], na.rm = TRUE)
cat(sprintf("%.3f %.3f %s %s %d\\n", tm[["elapsed"]], cpu, R.version.string,
            as.character(packageVersion("psych")), getOption("mc.cores")))
"""


def load(name: str) -> pd.DataFrame | None:
    """The item data of one data set, or None when it is not available."""
    if name == "bfi":
        return pd.read_csv(BFI)[BFI_ITEMS].dropna().reset_index(drop=True)
    if not SPI.exists():
        return None
    spi = pd.read_csv(SPI)
    return spi[[c for c in spi.columns if c.startswith("q_")]]


def child(name: str) -> None:
    """Peak memory of one computation, printed as JSON (run in a child process)."""
    data = load(name)
    tracemalloc.start()
    polychoric_matrix(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"max_rss_mb": rss_kb / 1024, "traced_peak_mb": peak / 2**20}))


def time_python(
    data: pd.DataFrame, repeat: int
) -> tuple[float, float, float, pd.DataFrame]:
    """Best and median wall-clock seconds, median CPU seconds, and the matrix."""
    result = polychoric_matrix(data)  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = polychoric_matrix(data)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return (
        min(times),
        float(np.median(times)),
        float(np.median(cpu)),
        result.correlation,
    )


def memory(name: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_r(data: pd.DataFrame) -> dict | None:
    """psych::polychoric on the same data, timed inside R; None without Rscript."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data_csv = Path(tmp) / "items.csv"
        rho_csv = Path(tmp) / "rho.csv"
        script = Path(tmp) / "bench.R"
        data.to_csv(data_csv, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        run = subprocess.run(
            [rscript, str(script), str(data_csv), str(rho_csv)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            print(f"R failed: {run.stderr.strip()[-500:]}", file=sys.stderr)
            return None
        elapsed, cpu, *rest = run.stdout.strip().splitlines()[-1].split(" ")
        cores = int(rest[-1])
        psych_version = rest[-2]
        r_version = " ".join(rest[:-2])
        rho = pd.read_csv(rho_csv, index_col=0)
    return {
        "seconds": float(elapsed),
        "cpu_seconds": float(cpu),
        "rho": rho,
        "r_version": r_version,
        "psych": psych_version,
        "mc_cores": cores,
    }


def machine() -> dict:
    model = platform.processor() or "unknown"
    lscpu = shutil.which("lscpu")
    if lscpu:
        for line in subprocess.run(
            [lscpu], capture_output=True, text=True
        ).stdout.split("\n"):
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    ram_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        ram_gb = round(int(first[1]) / 2**20, 1)
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-r", action="store_true", help="do not run R psych")
    parser.add_argument(
        "--data", choices=["bfi", "spi"], nargs="+", default=["bfi", "spi"]
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=["bfi", "spi"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    load_before = [round(v, 2) for v in os.getloadavg()]
    rows = []
    for name in args.data:
        data = load(name)
        if data is None:
            print(f"{name}: {SPI} not found, skipped")
            continue
        best, median, cpu, ours = time_python(data, args.repeat)
        mem = memory(name)
        row = {
            "data": name,
            "rows": len(data),
            "items": data.shape[1],
            "python_best_s": round(best, 3),
            "python_median_s": round(median, 3),
            "python_cpu_s": round(cpu, 3),
            "max_rss_mb": round(mem["max_rss_mb"]),
            "traced_peak_mb": round(mem["traced_peak_mb"]),
        }
        r = None if args.no_r else time_r(data)
        if r is not None:
            diff = np.abs(ours.to_numpy() - r["rho"].to_numpy()).max()
            row.update(
                r_psych_s=r["seconds"],
                r_cpu_s=r["cpu_seconds"],
                speedup=round(r["seconds"] / median, 1),
                max_abs_diff=float(f"{diff:.2g}"),
                r=f"{r['r_version']}, psych {r['psych']}, mc.cores {r['mc_cores']}",
            )
        rows.append(row)

    info = machine()
    info["load_average_at_start"] = load_before
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; "
        f"Python {info['python']}, numpy {info['numpy']}, pandas {info['pandas']}; "
        f"load average (1, 5, 15 min) {load_before} at start, "
        f"{info['load_average_1_5_15_min']} at end"
    )
    header = [
        "data", "rows", "items", "python_best_s", "python_median_s", "python_cpu_s",
        "max_rss_mb", "traced_peak_mb", "r_psych_s", "r_cpu_s", "speedup",
        "max_abs_diff",
    ]  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row.get(h, "-")) for h in header) + " |")
    for row in rows:
        if "r" in row:
            print(f"R for {row['data']}: {row['r']}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with output_file(args.json, "json") as staged:
            staged.write_text(
                json.dumps({"machine": info, "results": rows}, indent=2) + "\n",
                encoding="utf-8",
            )
        print(f"written to {args.json}")


if __name__ == "__main__":
    main()
