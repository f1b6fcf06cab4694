"""Run every benchmark in this folder, one after the other, in a fresh process each.

Each ``bench_*.py`` prints its own table and writes its results as JSON to
``benchmarks/results/<name>.json`` when it accepts ``--json``. A benchmark that fails
is reported and the others still run; the exit code is non-zero if any failed.
Usage::

    .venv/bin/python benchmarks/run_all.py [NAME ...]

with names such as ``polychoric`` or ``validation`` to run only those.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"\n## {name}\n", flush=True)
        command = [sys.executable, str(script)]
        if "--json" in script.read_text(encoding="utf-8"):
            command += ["--json", str(HERE / "results" / f"{name}.json")]
        if subprocess.run(command).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
