"""Benchmark: recovery of the four seller types from simulated answers.

For each of ``--replications`` seeds (1, 2, ...) the script draws ``--n`` respondents
to the ``commercial_profile`` draft from the default population model (drawn once,
seed 0: loadings 0.45..0.75, factor correlations 0.10..0.40, thresholds shifted
towards agreement, reverse-keyed items answered in reverse), extracts four minres
factors from the Pearson correlations, rotates them by oblimin and matches them to
the key (:func:`commercie_analysis.simulate.structure_recovery`).

A replication recovers the structure when every item has its largest absolute
loading on its own type with the keyed sign, and Tucker's congruence of each
recovered factor with the population loadings of its type is at least 0.95. The
target is a rate of at least 95 of 100. The script also reports the smallest
congruence with the +1/-1/0 key columns, which is lower because unit weights differ
from the unequal population loadings. Usage::

    .venv/bin/python benchmarks/bench_recovery.py [--replications 100] [--n 400]
        [--json benchmarks/results/recovery.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from commercie_analysis.instruments import load_instrument
from commercie_analysis.simulate import default_population_model, structure_recovery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    instrument = load_instrument("commercial_profile")
    model = default_population_model(instrument, 0)
    results = []
    start = time.perf_counter()
    for seed in range(1, args.replications + 1):
        results.append(structure_recovery(instrument, args.n, seed, model))
    seconds = time.perf_counter() - start

    recovered = sum(r["recovered"] for r in results)
    misplaced = [r for r in results if r["misplaced"]]
    congruence = np.array([min(r["congruence"].values()) for r in results])
    key_congruence = np.array([min(r["key_congruence"].values()) for r in results])
    summary = {
        "instrument": instrument.id,
        "n": args.n,
        "replications": args.replications,
        "recovered": int(recovered),
        "rate": recovered / args.replications,
        "replications_with_a_misplaced_item": len(misplaced),
        "min_population_congruence": {
            "min": float(congruence.min()),
            "median": float(np.median(congruence)),
        },
        "min_key_congruence": {
            "min": float(key_congruence.min()),
            "median": float(np.median(key_congruence)),
            "share_at_least_0.95": float((key_congruence >= 0.95).mean()),
        },
        "seconds_per_replication": seconds / args.replications,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }

    print(f"| recovered | {recovered} of {args.replications} ({summary['rate']:.0%}) |")
    print(f"| replications with a misplaced item | {len(misplaced)} |")
    print(
        f"| smallest population congruence | min {congruence.min():.3f}, "
        f"median {np.median(congruence):.3f} |"
    )
    print(
        f"| smallest key congruence | min {key_congruence.min():.3f}, "
        f"median {np.median(key_congruence):.3f}, "
        f">= 0.95 in {(key_congruence >= 0.95).mean():.0%} |"
    )
    print(f"| time per replication | {summary['seconds_per_replication']:.2f} s |")
    print(f"| machine | {summary['machine']} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
