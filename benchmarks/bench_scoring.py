"""Benchmark: scoring 10 million respondents x 40 items.

Three ways of scoring the same answers with the same model:

1. in memory: ``ScoringModel.score_array`` against a bare numpy matrix product
   ``X @ B`` on the same array (best of three runs each);
2. from Parquet through DuckDB, running the model's exported SQL
   (``COPY (SELECT ...) TO 'scores.parquet'``);
3. from Parquet through ``commercie score`` (chunks of 100 000 rows).

Paths 2 and 3 run in child processes so that their peak memory (maximum resident
set size) is their own. Usage::

    .venv/bin/python benchmarks/bench_scoring.py [--n 10000000] [--workdir DIR]

Prints a Markdown table of the results and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from commercie_analysis.instruments import Instrument
from commercie_analysis.scoring import ScoringModel, to_sql

N_ITEMS, N_TYPES = 40, 4
ROOT = Path(__file__).resolve().parent.parent


def instrument() -> Instrument:
    """A 40-item instrument of four types, ten items each, three reversed per type."""
    types = ["adviseur", "ervaringsdeskundige", "relatiebouwer", "afsluiter"]
    items = []
    for t, name in enumerate(types):
        for k in range(10):
            items.append(
                {
                    "id": f"q{t * 10 + k + 1:02d}",
                    "text": f"Item {k + 1} of {name}",
                    "construct": name,
                    "reverse": k >= 7,
                }
            )
    spec = {
        "id": "bench40",
        "name": "Benchmark instrument, 40 items",
        "version": "1.0",
        "languages": ["en"],
        "construct_kind": "type",
        "scale": {"min": 1, "max": 5},
        "constructs": [{"id": t} for t in types],
        "items": items,
    }
    return Instrument.from_dict(spec)


def answers(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, N_ITEMS), dtype=np.float64)
    step = 1_000_000
    for start in range(0, n, step):
        stop = min(n, start + step)
        out[start:stop] = rng.integers(1, 6, size=(stop - start, N_ITEMS))
    return out


def best_of(fn, repeat=3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def in_memory(model: ScoringModel, X: np.ndarray) -> tuple[float, float]:
    """Best-of-three seconds of ``X @ B`` and of ``model.score_array(X)``."""
    B = model.weight_matrix().to_numpy()
    bare = best_of(lambda: X @ B)
    ours = best_of(lambda: model.score_array(X))

    # Same numbers as keyed answers times the weights.
    reverse = [i for i, it in enumerate(model.items) if it.reverse]
    keyed = X[:1000].copy()
    keyed[:, reverse] = 6.0 - keyed[:, reverse]
    np.testing.assert_allclose(model.score_array(X[:1000]), keyed @ B, atol=1e-12)
    return bare, ours


def child(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return wall seconds and its peak RSS in MB."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0


def machine() -> dict[str, str]:
    info = {"python": platform.python_version(), "numpy": np.__version__}
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core"):
                info[key.strip()] = value.strip()
    except OSError:
        pass
    with open("/proc/meminfo") as handle:
        total_kb = int(handle.readline().split()[1])
    info["RAM"] = f"{total_kb / 1024**2:.1f} GiB"
    import duckdb

    info["duckdb"] = duckdb.__version__
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_scoring_"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.n

    spec = instrument()
    calibration = pd.DataFrame(answers(10_000, seed=1), columns=spec.item_ids)
    model = ScoringModel.unit_weighted(spec, calibration, date="2026-01-01")
    model_path = model.save(work / "model.json")
    results: dict[str, dict] = {}

    # 1. In memory.
    X = answers(n)
    bare, ours = in_memory(model, X)
    results["in memory, numpy X @ B"] = {"seconds": bare}
    results["in memory, ScoringModel.score_array"] = {"seconds": ours}

    # 2. and 3. From Parquet.
    data = work / "answers.parquet"
    frame = pd.DataFrame(X, columns=spec.item_ids)
    del X
    frame.insert(0, "respondent_id", np.arange(n, dtype=np.int64))
    frame.to_parquet(data, row_group_size=1_000_000)
    del frame
    size_mb = data.stat().st_size / 1024**2

    sql = (
        to_sql(model, "answers")
        .replace('FROM "answers"', f"FROM read_parquet('{data}')")
        .rstrip()
        .rstrip(";")
    )
    sql_file = work / "score.sql"
    sql_file.write_text(sql)
    duck = (
        "import duckdb, sys; con = duckdb.connect(); "
        'con.execute("SET threads TO 2"); '
        "q = open(sys.argv[1]).read(); "
        "con.execute(f\"COPY ({q}) TO '{sys.argv[2]}' (FORMAT PARQUET)\")"
    )
    wall, rss = child(
        [sys.executable, "-c", duck, str(sql_file), str(work / "duckdb_scores.parquet")]
    )
    results["Parquet -> DuckDB SQL -> Parquet"] = {"seconds": wall, "peak_mb": rss}

    commercie = str(Path(sys.executable).with_name("commercie"))
    wall, rss = child(
        [
            commercie,
            "score",
            "--model",
            str(model_path),
            "--data",
            str(data),
            "--out",
            str(work / "cli_scores.parquet"),
            "--no-progress",
        ]
    )
    results["Parquet -> commercie score -> Parquet"] = {"seconds": wall, "peak_mb": rss}

    # The two routes agree.
    a = pd.read_parquet(work / "duckdb_scores.parquet").iloc[:100_000]
    b = pd.read_parquet(work / "cli_scores.parquet").iloc[:100_000]
    a = a.sort_values("respondent_id").reset_index(drop=True)
    b = b.sort_values("respondent_id").reset_index(drop=True)
    diff = np.abs(a[model.score_ids].to_numpy() - b[model.score_ids].to_numpy()).max()

    print(f"## Scoring {n:,} respondents x {N_ITEMS} items ({N_TYPES} scores)\n")
    print(
        f"Parquet input: {size_mb:,.0f} MB; DuckDB vs commercie score: max "
        f"difference {diff:.1e} on the first 100 000 rows\n"
    )
    print("| route | seconds | respondents / s | peak RSS (MB) |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        peak = f"{r['peak_mb']:,.0f}" if "peak_mb" in r else "-"
        print(f"| {name} | {r['seconds']:.2f} | {n / r['seconds']:,.0f} | {peak} |")
    print(f"\nscore_array / numpy: {ours / bare:.2f}x\n")
    print("Machine: " + json.dumps(machine()))
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
