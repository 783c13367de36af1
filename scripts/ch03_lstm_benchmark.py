"""Time the numpy LSTM (forward + backward) against torch.nn.LSTM on CPU (chapter 3).

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch03_lstm_benchmark

Hidden 200, input 200, batch 20, length 35, float32 (the issue's target: numpy within 2x of torch).
Both sides use one thread. Writes ``results/ch03_lstm_benchmark.json`` with the median and
quartiles of the repeats, the ratio, and the command, seed, versions and date. A benchmark, not a
test: the numbers depend on the machine and on whatever else it is running.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

# This machine kind sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for older OpenBLAS builds; they push
# the current numpy's OpenBLAS onto a slower kernel (numpy LSTM 2.3x torch with them, 1.5x
# without). A benchmark of numpy against torch unsets both before numpy loads (never in tests).
OPENBLAS_UNSET = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if os.environ.pop(v, None)]


def main(argv=None) -> int:
    import numpy as np
    import torch

    from helpers.lstm import backward, forward, from_torch

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--input", type=int, default=200)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--length", type=int, default=35)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(ROOT / "results" / "ch03_lstm_benchmark.json"))
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    m = torch.nn.LSTM(a.input, a.hidden)  # float32
    params = from_torch(m, dtype=np.float32)
    rng = np.random.default_rng(a.seed)
    x = rng.standard_normal((a.length, a.batch, a.input)).astype(np.float32)
    dhs = rng.standard_normal((a.length, a.batch, a.hidden)).astype(np.float32)
    xt, dht = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(dhs)

    def run_numpy():
        hs, _, cache = forward(params, x)
        return backward(cache, dhs)[0]

    def run_torch():
        m.zero_grad()
        xt.grad = None
        out, _ = m(xt)
        (out * dht).sum().backward()

    def timeit(fn):
        for _ in range(3):
            fn()
        ts = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
        return ts

    # interleave the two so that background load hits both alike
    t_np, t_torch = [], []
    for _ in range(3):
        t_np += timeit(run_numpy)
        t_torch += timeit(run_torch)
    # the two agree (float32)
    g = run_numpy()
    run_torch()
    max_diff = float(np.abs(g["W_hh"] - m.weight_hh_l0.grad.numpy()).max())
    def q(ts):
        return [float(v) for v in np.percentile(ts, [25, 50, 75])]
    rec = {
        "command": "OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch03_lstm_benchmark "
                   + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": {k: v for k, v in vars(a).items() if k != "out"}, "seed": a.seed,
        "dtype": "float32", "threads": 1,
        "numpy_ms_q25_median_q75": q(t_np), "torch_ms_q25_median_q75": q(t_torch),
        "ratio_median": float(np.median(t_np) / np.median(t_torch)),
        "max_abs_diff_dW_hh": max_diff,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "torch": torch.__version__},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_1min": os.getloadavg()[0],
                    "openblas_env_unset": OPENBLAS_UNSET},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    out = pathlib.Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rec, indent=1))
    print(json.dumps({k: rec[k] for k in ("numpy_ms_q25_median_q75", "torch_ms_q25_median_q75",
                                           "ratio_median", "max_abs_diff_dW_hh")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
