"""Time the numpy GRU (forward + backward) against torch.nn.GRU on CPU (chapter 4).

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch04_benchmark

Sizes of a small word-level language model (Zaremba et al. 2014, "small"): hidden 200, input
200, batch 20, length 35, float32. Both sides do one forward pass and one backward pass of
sum(dh * h) for a fixed random dh; the three are timed interleaved (one call of each per repeat)
and the median of ``--repeats`` runs after warm-up is stored in ``results/ch04_benchmark.json``. Threads: BLAS and torch are limited to ``--threads`` (default 1)
so the comparison is like for like. This is a measurement, never a test.
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


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=200)
    ap.add_argument("--input", type=int, default=200)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--length", type=int, default=35)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "results" / "ch04_benchmark.json"))
    args = ap.parse_args(argv)
    load_at_start = round(os.getloadavg()[0], 2)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before numpy/torch start their thread pools
    import numpy as np
    import torch

    from helpers.gru import backward, forward, init_params, to_torch

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    H, D, B, T = args.hidden, args.input, args.batch, args.length
    params = init_params(input_size=D, hidden_size=H, rng=rng, dtype=np.float32)
    x = rng.normal(size=(T, B, D)).astype(np.float32)
    h0 = np.zeros((1, B, H), dtype=np.float32)
    dh = rng.normal(size=(T, B, H)).astype(np.float32)
    module = to_torch(params)
    xt, dht = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(dh)

    def numpy_step(formulation):
        def run():
            _, _, cache = forward(params, x, h0, formulation=formulation)
            backward(cache, dh)
        return run

    def torch_step():
        module.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = module(xt)
        (out * dht).sum().backward()

    def timed_interleaved(fns):
        """Median wall ms per function; one call of each in turn per repeat, so the functions
        share whatever load the machine has at the time."""
        for fn in fns.values():
            for _ in range(3):
                fn()
        times = {name: [] for name in fns}
        for _ in range(args.repeats):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1e3)
        return {name: (float(np.median(t)), [round(v, 3) for v in t]) for name, t in times.items()}

    # agreement at float32 first, so the timed code is the code that is right
    h_np, _, cache = forward(params, x, h0)
    out, _ = module(xt)
    max_diff = float(np.abs(h_np - out.detach().numpy()).max())

    res = timed_interleaved({"torch": torch_step, "numpy_pytorch": numpy_step("pytorch"),
                             "numpy_cho": numpy_step("cho")})
    result = {
        "command": "OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch04_benchmark "
                   + " ".join(argv if argv is not None else sys.argv[1:]),
        "description": "numpy GRU forward + backward vs torch.nn.GRU (CPU), median wall time",
        "sizes": {"hidden": H, "input": D, "batch": B, "length": T, "dtype": "float32"},
        "threads": args.threads, "repeats": args.repeats, "seed": args.seed,
        "median_ms": {k: v[0] for k, v in res.items()},
        "ratio_numpy_over_torch": {k: res[k][0] / res["torch"][0]
                                   for k in ("numpy_pytorch", "numpy_cho")},
        "max_abs_output_diff_float32": max_diff,
        "all_ms": {k: v[1] for k, v in res.items()},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "torch": torch.__version__},
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "load_average_1min_at_start": load_at_start,
                    "note": "measured while other jobs shared the 2 cores; ratios are steadier "
                            "than absolute times"},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    out_path = pathlib.Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("median_ms", "ratio_numpy_over_torch",
                                              "max_abs_output_diff_float32")}, indent=1))
    return result


if __name__ == "__main__":
    main()
