"""Benchmark: scoring 10 million respondents x 40 items.

Three ways of scoring the same answers with the same model:

1. in memory: ``ScoringModel.score_array`` against a bare numpy matrix product
   ``X @ B`` on the same array (best of three runs each);
2. from Parquet through DuckDB, running the model's exported SQL
   (``COPY (SELECT ...) TO 'scores.parquet'``);
3. from Parquet through ``commercie score`` (chunks of 100 000 rows).

Paths 2 and 3 run in child processes so that their peak memory (high-water mark
of the resident set, ``VmHWM``) is their own. Usage::

    .venv/bin/python benchmarks/bench_scoring.py [--n 10000000] [--workdir DIR]

Prints a Markdown table of the results and the machine.
"""

from __future__ import annotations

import argparse
import json
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


def write_parquet(path: Path, n: int, item_ids: list[str]) -> None:
    """The answers of :func:`answers` as Parquet, in row groups of a million rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    step = 1_000_000
    X = answers(n)
    for start in range(0, n, step):
        block = pd.DataFrame(X[start : start + step], columns=item_ids)
        block.insert(0, "respondent_id", np.arange(start, start + len(block)))
        table = pa.Table.from_pandas(block, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def in_memory(model: ScoringModel, X: np.ndarray) -> tuple[float, float, float]:
    """Best-of-three seconds of ``X @ B`` (all and one BLAS thread) and ours."""
    from threadpoolctl import threadpool_limits

    B = model.weight_matrix().to_numpy()
    bare = best_of(lambda: X @ B)
    with threadpool_limits(limits=1, user_api="blas"):
        bare_one = best_of(lambda: X @ B)
    ours = best_of(lambda: model.score_array(X))

    # Same numbers as keyed answers times the weights.
    reverse = [i for i, it in enumerate(model.items) if it.reverse]
    keyed = X[:1000].copy()
    keyed[:, reverse] = 6.0 - keyed[:, reverse]
    np.testing.assert_allclose(model.score_array(X[:1000]), keyed @ B, atol=1e-12)
    return bare, bare_one, ours


def child(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return wall seconds and its peak resident memory in MB.

    The peak is the child's ``VmHWM`` (high-water mark of its own address space after
    ``exec``), read every 50 ms; ``ru_maxrss`` would also count what the child
    inherited from this process at fork.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    status = Path(f"/proc/{proc.pid}/status")
    peak_kb = 0
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, peak_kb / 1024.0


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

    # The Parquet routes first, then the in-memory one.
    data = work / "answers.parquet"
    write_parquet(data, n, spec.item_ids)
    size_mb = data.stat().st_size / 1024**2

    sql = to_sql(model, "answers").replace(
        'FROM "answers"', f"FROM read_parquet('{data}')"
    )
    sql_file = work / "score.sql"
    sql_file.write_text(sql.rstrip().rstrip(";"))
    duck = (
        "import duckdb, sys; con = duckdb.connect(); "
        'con.execute("SET threads TO 2"); '
        "q = open(sys.argv[1]).read(); "
        "con.execute(f\"COPY ({q}) TO '{sys.argv[2]}' (FORMAT PARQUET)\")"
    )
    duck_out = work / "duckdb_scores.parquet"
    wall, rss = child([sys.executable, "-c", duck, str(sql_file), str(duck_out)])
    results["Parquet -> DuckDB SQL -> Parquet"] = {"seconds": wall, "peak_mb": rss}

    commercie = str(Path(sys.executable).with_name("commercie"))
    cli_out = work / "cli_scores.parquet"
    command = [commercie, "score", "--model", str(model_path), "--data", str(data)]
    wall, rss = child([*command, "--out", str(cli_out), "--no-progress"])
    results["Parquet -> commercie score -> Parquet"] = {"seconds": wall, "peak_mb": rss}

    # The two file routes agree.
    a = pd.read_parquet(duck_out).iloc[:100_000]
    b = pd.read_parquet(cli_out).iloc[:100_000]
    a = a.sort_values("respondent_id").reset_index(drop=True)
    b = b.sort_values("respondent_id").reset_index(drop=True)
    diff = np.abs(a[model.score_ids].to_numpy() - b[model.score_ids].to_numpy()).max()

    # In memory, on the same answers.
    X = answers(n)
    bare, bare_one, ours = in_memory(model, X)
    del X
    results["in memory, numpy X @ B"] = {"seconds": bare}
    results["in memory, numpy X @ B, one BLAS thread"] = {"seconds": bare_one}
    results["in memory, ScoringModel.score_array"] = {"seconds": ours}

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
    print(
        f"\nscore_array / numpy: {ours / bare:.2f}x "
        f"({ours / bare_one:.2f}x against one BLAS thread)\n"
    )
    print("Machine: " + json.dumps(machine()))
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
