"""Re-run every longer experiment whose stored results the chapters show (`make experiments`).

    .venv/bin/python -m scripts.run_experiments            # all of them, one after another
    .venv/bin/python -m scripts.run_experiments ch03 ch07  # only those whose name starts so

Each run writes its own JSON under ``results/`` with the exact command, seed, library versions
and date. CI does not run this (hours of CPU in all); the chapters read the stored files.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

EXPERIMENTS = [
    ("ch02_lag_sweep", ["-m", "scripts.ch02_lag_sweep"], {"OMP_NUM_THREADS": "1"}),
    ("ch03_adding_problem", ["-m", "scripts.ch03_adding_problem"], {"OMP_NUM_THREADS": "1"}),
    ("ch05_compare", ["-m", "scripts.ch05_compare"], {"OMP_NUM_THREADS": "1"}),
    ("ch06_ngram", ["-m", "scripts.ch06_ngram"], {"OMP_NUM_THREADS": "1"}),
    ("ch07_main", ["-m", "scripts.ch07_train", "--part", "main", "--threads", "2"],
     {"OMP_NUM_THREADS": "2"}),
    ("ch07_ladder", ["-m", "scripts.ch07_train", "--part", "ladder", "--threads", "2"],
     {"OMP_NUM_THREADS": "2"}),
    ("ch07_ablations", ["-m", "scripts.ch07_train", "--part", "ablations"], {"OMP_NUM_THREADS": "1"}),
]


def main(argv: list[str]) -> int:
    chosen = [e for e in EXPERIMENTS if not argv or any(e[0].startswith(a) for a in argv)]
    if not chosen:
        print(f"no experiment matches {argv}; names: {[e[0] for e in EXPERIMENTS]}")
        return 2
    failed = []
    for name, args, env in chosen:
        cmd = [sys.executable, *args]
        print(f"== {name}: {' '.join(f'{k}={v}' for k, v in env.items())} {' '.join(cmd)}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, env={**os.environ, **env}).returncode
        print(f"== {name}: exit {rc} after {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
