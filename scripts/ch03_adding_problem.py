"""Train a tanh RNN, an LSTM and a GRU on the adding problem at several lags (chapters 3 and 4).

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch03_adding_problem

Writes ``results/ch03_adding_problem.json`` (rewritten after every run, so a partial file is
usable): for each lag T and model, the final test MSE, the fraction of test sequences with
absolute error < 0.04, whether that fraction reached 0.99 ("solved"), the loss curves, the steps
and seconds used; plus the command, seed, settings, library versions and date. Uses the
Le et al. (2015) variant of the task (see ``helpers.tasks``); one seed per (lag, model).
"""
from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import platform
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

OUT = ROOT / "results" / "ch03_adding_problem.json"


def main(argv=None) -> int:
    import numpy as np
    import torch
    import tqdm

    from helpers.tasks import train_adding_torch, trivial_mse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lags", type=int, nargs="+", default=[10, 20, 50, 100, 200, 400])
    p.add_argument("--models", nargs="+", default=["rnn", "lstm", "gru"])
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=240.0, help="seconds per (lag, model)")
    p.add_argument("--total-limit", type=float, default=2700.0, help="seconds for the whole run")
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    record = {
        "command": "OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch03_adding_problem "
                   + " ".join(sys.argv[1:] if argv is None else argv),
        "description": __doc__.strip().splitlines()[0],
        "variant": "le2015", "success_tol": 0.04, "solved_at": 0.99,
        "trivial_mse": trivial_mse("le2015"),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "seed": args.seed,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "torch": torch.__version__, "tqdm": tqdm.__version__},
        "machine": {"platform": platform.platform(), "torch_threads": torch.get_num_threads()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "complete": False,
        "runs": [],
        "skipped": [],
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for T in args.lags:
        for kind in args.models:
            left = args.total_limit - (time.perf_counter() - t0)
            if left < 30:
                record["skipped"].append({"T": T, "kind": kind, "reason": "total time limit"})
                continue
            res = train_adding_torch(kind, T, hidden_size=args.hidden, steps=args.steps,
                                     batch=args.batch, lr=args.lr, seed=args.seed,
                                     time_limit=min(args.time_limit, left))
            res["hit_time_limit"] = bool(res["steps_run"] < args.steps and not res["solved"])
            record["runs"].append(res)
            print(f"T={T:4d} {kind:4s} mse={res['final_mse']:.4f} "
                  f"ok={res['final_success']:.3f} solved={res['solved']} "
                  f"steps={res['steps_run']} {res['seconds']:.0f}s", flush=True)
            record["total_seconds"] = time.perf_counter() - t0
            out.write_text(json.dumps(record, indent=1))
    record["complete"] = True
    record["total_seconds"] = time.perf_counter() - t0
    out.write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
