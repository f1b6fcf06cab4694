"""Benchmark: the whole validation of the bfi key, against the same R psych calls.

Our side is one call of :func:`commercie_analysis.pipeline.validate` on
``data/raw/bfi.csv`` (cleaning, item statistics, alpha with intervals, KMO, Bartlett,
parallel analysis with 100 random data sets, MAP, a five-factor minres/oblimin
solution aligned to the key, omega, and 200 bootstrap samples), followed by
writing every output (tables, figures, report). R's side, when ``Rscript`` is on
PATH, is the equivalent psych 2.2.9 sequence on the same complete cases, timed inside
R with ``system.time``: ``alpha`` per scale, ``KMO``, ``cortest.bartlett``,
``fa.parallel(n.iter = 100)``, ``VSS`` (MAP), ``fa(5, n.iter = 200)`` (the bootstrap
of the loadings) and ``omega(5)``. R writes no report.

Each side runs in its own process, so that peak memory (maximum resident set size)
is that process's alone. CPU seconds are reported next to wall-clock seconds because
the machine may be shared. Usage::

    .venv/bin/python benchmarks/bench_validation.py [--bootstrap 200] [--jobs 1]
        [--no-r] [--json benchmarks/results/validation.json]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BFI = ROOT / "data" / "raw" / "bfi.csv"

OURS = """
import json, resource, sys, time, warnings
from commercie_analysis.pipeline import validate
warnings.simplefilter("ignore")
start, cpu = time.perf_counter(), time.process_time()
result = validate("bfi", sys.argv[1], n_iter=100, bootstrap=int(sys.argv[3]),
                  n_jobs=int(sys.argv[4]), seed=1)
analysed = time.perf_counter() - start
result.write(sys.argv[2])
total = time.perf_counter() - start
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "analysis_s": analysed, "with_outputs_s": total,
    "cpu_s": time.process_time() - cpu + children.ru_utime + children.ru_stime,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "peak_rss_children_mb": children.ru_maxrss / 1024,
}))
"""

R_SCRIPT = """
suppressPackageStartupMessages({library(psych); library(GPArotation)})
args <- commandArgs(trailingOnly = TRUE)
bfi <- read.csv(args[1])
items <- bfi[, 2:26]
cc <- items[complete.cases(items), ]
keys <- list(agree = c("-A1", "A2", "A3", "A4", "A5"),
             conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
             extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
             neuroticism = c("N1", "N2", "N3", "N4", "N5"),
             openness = c("O1", "-O2", "O3", "O4", "-O5"))
set.seed(1)
tm <- system.time({
  for (k in keys) {
    its <- sub("-", "", k)
    a <- alpha(cc[, its], keys = its[startsWith(k, "-")], warnings = FALSE)
  }
  r <- cor(cc)
  k <- KMO(r)
  b <- cortest.bartlett(r, n = nrow(cc))
  p <- fa.parallel(cc, fm = "minres", fa = "both", n.iter = 100, plot = FALSE)
  v <- VSS(cc, n = 8, plot = FALSE)
  f <- fa(cc, 5, fm = "minres", rotate = "oblimin", n.iter = as.integer(args[2]))
  o <- omega(cc, 5, plot = FALSE)
})
cpu <- sum(tm[c("user.self", "sys.self", "user.child", "sys.child")], na.rm = TRUE)
cat(sprintf("RESULT %.3f %.3f %s %s\\n", tm[["elapsed"]], cpu, R.version.string,
            as.character(packageVersion("psych"))))
"""


def _machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
    }


def run_ours(bootstrap: int, jobs: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        outcome = subprocess.run(
            [
                sys.executable,
                "-c",
                OURS,
                str(BFI),
                f"{folder}/out",
                str(bootstrap),
                str(jobs),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(outcome.stdout.strip().splitlines()[-1])


def run_r(bootstrap: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as script:
        script.write(R_SCRIPT)
    try:
        outcome = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "%M",
                "Rscript",
                script.name,
                str(BFI),
                str(bootstrap),
            ]
            if Path("/usr/bin/time").exists()
            else ["Rscript", script.name, str(BFI), str(bootstrap)],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(
        text for text in outcome.stdout.splitlines() if text.startswith("RESULT ")
    )
    _, elapsed, cpu, *version = line.split()
    result = {
        "analysis_s": float(elapsed),
        "cpu_s": float(cpu),
        "version": " ".join(version),
    }
    last = outcome.stderr.strip().splitlines()[-1] if outcome.stderr.strip() else ""
    if last.isdigit():
        result["peak_rss_mb"] = int(last) / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    machine = _machine()
    ours = run_ours(args.bootstrap, args.jobs)
    theirs = None if args.no_r else run_r(args.bootstrap)

    lines = [
        f"machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, load {machine['load_average'][0]:.2f}",
        "",
        "| | analysis (s) | with outputs (s) | CPU (s) | peak RSS (MB) |",
        "|---|---|---|---|---|",
        f"| commercie_analysis | {ours['analysis_s']:.1f} | "
        f"{ours['with_outputs_s']:.1f} | {ours['cpu_s']:.1f} | "
        f"{ours['peak_rss_mb']:.0f} (workers {ours['peak_rss_children_mb']:.0f}) |",
    ]
    if theirs is not None:
        rss = theirs.get("peak_rss_mb")
        lines.append(
            f"| R psych ({theirs['version']}) | {theirs['analysis_s']:.1f} | - | "
            f"{theirs['cpu_s']:.1f} | {'-' if rss is None else f'{rss:.0f}'} |"
        )
    print("\n".join(lines))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "ours": ours,
                    "r_psych": theirs,
                    "bootstrap": args.bootstrap,
                    "jobs": args.jobs,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
