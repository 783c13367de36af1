"""Train vanilla RNNs on the adding problem as the lag grows (chapter 2, stored results).

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch02_lag_sweep

Writes ``results/ch02_lag_sweep.json`` (rewritten after every run, so a partial file is usable):
for each model, lag T and seed, the test MSE on 500 fresh sequences, the fraction of them with
absolute error < 0.04, the training-loss curve (every 50 steps), whether training diverged, and
the seconds used; plus the command, settings, seeds, library versions and date.

The three models share everything (one tanh/ReLU layer of 32 units, a linear read-out of h_T,
Adam, learning rate 3e-3, gradient-norm clipping at 1, batches of 32) except the recurrent
weights and the activation:

* ``tanh``: tanh with torch.nn.RNN's default uniform initialisation (the plain RNN);
* ``orthogonal``: tanh with an orthogonal W_hh (spectral radius 1);
* ``irnn``: ReLU with W_hh = I and zero biases (Le, Jaitly & Hinton 2015).

Training uses the book's own numpy forward pass and hand-written BPTT (``helpers.rnn``).
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

OUT = ROOT / "results" / "ch02_lag_sweep.json"
MODELS = ("tanh", "orthogonal", "irnn")


def run_one(model: str, T: int, seed: int, *, steps: int, hidden: int, lr: float, batch: int,
            clip: float) -> dict:
    import numpy as np

    from helpers.gradients import clip_by_norm, init_recurrent
    from helpers.rnn import train_adding_numpy

    rng = np.random.default_rng(seed)
    W_hh = None
    if model == "orthogonal":
        W_hh = init_recurrent(hidden, "orthogonal", 1.0, rng=rng)
    elif model == "irnn":
        W_hh = init_recurrent(hidden, "identity", 1.0)
    t0 = time.perf_counter()
    r = train_adding_numpy(T, hidden_size=hidden, steps=steps, batch_size=batch, lr=lr,
                           optimizer="adam", activation="relu" if model == "irnn" else "tanh",
                           W_hh=W_hh, b_zero=model == "irnn",
                           clip=lambda g: clip_by_norm(g, clip), on_divergence="return",
                           rng=rng)
    loss = r["loss"]
    every = 50
    curve = [float(np.mean(loss[i:i + every])) for i in range(0, steps, every)]
    return {"model": model, "T": int(T), "seed": int(seed),
            "test_mse": r["test_mse"], "success": r["success"],
            "diverged_at": r["diverged_at"], "seconds": round(time.perf_counter() - t0, 2),
            "loss_every_50": [round(c, 6) for c in curve],
            "median_grad_norm": float(np.nanmedian(r["grad_norm"]))}


def main(argv=None) -> int:
    import numpy as np
    import torch

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 30, 50, 75, 100, 150])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    record = {
        "command": "OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch02_lag_sweep "
                   + " ".join(sys.argv[1:] if argv is None else argv),
        "description": __doc__.strip().splitlines()[0],
        "task": "adding problem, Le et al. (2015) variant (helpers.tasks.adding_problem)",
        "baseline_mse": 1.0 / 6.0, "success_tol": 0.04,
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "seeds": args.seeds,
        "versions": {"python": platform.python_version(), "numpy": np.__version__},
        "machine": {"platform": platform.platform()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "complete": False, "runs": [],
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for T in args.lags:
        for model in args.models:
            for seed in args.seeds:
                run = run_one(model, T, seed, steps=args.steps, hidden=args.hidden, lr=args.lr,
                              batch=args.batch, clip=args.clip)
                record["runs"].append(run)
                record["seconds_total"] = round(time.perf_counter() - t0, 1)
                out.write_text(json.dumps(record, indent=1))
                print(f"T={T:4d} {model:10s} seed {seed}: test MSE {run['test_mse']:.4f} "
                      f"success {run['success']:.2f} ({run['seconds']:.0f} s)", flush=True)
    record["complete"] = True
    out.write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
