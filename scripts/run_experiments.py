"""Re-run every longer experiment whose stored results the chapters show (`make experiments`).

    .venv/bin/python -m scripts.run_experiments            # all of them, one after another
    .venv/bin/python -m scripts.run_experiments ch03 ch07  # only those whose name starts so
    .venv/bin/python -m scripts.run_experiments --device cuda ch07 ch08   # the LMs on a GPU

``--device`` (``make experiments DEVICE=cuda``; default ``cpu``) is passed on as ``--device`` to
the runs that train neural language models (:data:`ON_DEVICE`: chapter 7's and chapter 8's
``lm.train`` runs, whose ``TrainConfig(device=...)`` moves the model and every batch there, the
same code as on the CPU); the other runs are numpy or n-gram counting and stay on the CPU.
"cuda" is refused up front, with the reason, where torch sees no GPU.

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
    ("ch05_compare", ["-m", "scripts.ch05_compare", "--threads", "1"], {"OMP_NUM_THREADS": "1"}),
    ("ch06_ngram", ["-m", "scripts.ch06_ngram"], {"OMP_NUM_THREADS": "1"}),
    ("ch07_main", ["-m", "scripts.ch07_train", "--part", "main", "--threads", "1"],
     {"OMP_NUM_THREADS": "1"}),
    ("ch07_main_nodropout", ["-m", "scripts.ch07_train", "--part", "main", "--threads", "1",
                             "--dropout", "0", "--name", "nodropout"], {"OMP_NUM_THREADS": "1"}),
    ("ch07_ladder", ["-m", "scripts.ch07_train", "--part", "ladder", "--threads", "2"],
     {"OMP_NUM_THREADS": "2"}),
    ("ch07_ablations", ["-m", "scripts.ch07_train", "--part", "ablations"], {"OMP_NUM_THREADS": "1"}),
    ("ch08_char_lstm", ["-m", "scripts.ch08_char_lstm", "--part", "lstm", "--threads", "2"],
     {"OMP_NUM_THREADS": "2"}),
    ("ch08_char_lstm_b128_d02", ["-m", "scripts.ch08_char_lstm", "--part", "lstm", "--threads", "2",
                                 "--batch", "128", "--dropout", "0.2", "--epochs", "8",
                                 "--out", "ch08_char_lstm_b128_d02", "--no-weights"],
     {"OMP_NUM_THREADS": "2"}),
    ("ch08_char_lstm_b128_d04", ["-m", "scripts.ch08_char_lstm", "--part", "lstm", "--threads", "2",
                                 "--batch", "128", "--dropout", "0.4", "--epochs", "8",
                                 "--out", "ch08_char_lstm_b128_d04", "--no-weights"],
     {"OMP_NUM_THREADS": "2"}),
    ("ch08_char_kn", ["-m", "scripts.ch08_char_lstm", "--part", "kn"], {"OMP_NUM_THREADS": "1"}),
    ("ch08_units", ["-m", "scripts.ch08_units", "--epochs", "1", "--hidden", "128", "--emb", "64"],
     {"OMP_NUM_THREADS": "1"}),
]


# the runs that train with helpers.lm.train and take --device
ON_DEVICE = ("ch07_main", "ch07_main_nodropout", "ch07_ladder", "ch07_ablations",
             "ch08_char_lstm", "ch08_char_lstm_b128_d02",
             "ch08_char_lstm_b128_d04", "ch08_units")


def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="run only the experiments whose name starts so")
    p.add_argument("--device", default="cpu",
                   help="cpu (default), cuda or cuda:N: where the language models train")
    args = p.parse_args(argv)
    from helpers.lm import check_device

    try:
        device = str(check_device("--device", args.device))
    except (TypeError, ValueError) as err:
        p.error(str(err))
    argv = args.names
    chosen = [e for e in EXPERIMENTS if not argv or any(e[0].startswith(a) for a in argv)]
    if not chosen:
        print(f"no experiment matches {argv}; names: {[e[0] for e in EXPERIMENTS]}")
        return 2
    failed = []
    for name, args, env in chosen:
        cmd = [sys.executable, *args, *(["--device", device] if name in ON_DEVICE else [])]
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
