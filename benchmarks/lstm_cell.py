"""lstm_cell: ``helpers.lstm`` numpy forward + backward vs ``torch.nn.LSTM`` on CPU.

Sizes of the issue (a small word-level LM layer): hidden 200, input 200, batch 20, length 35,
in float32 and float64. Both sides do one forward pass over the sequence and one backward pass
of ``sum(dh * h)`` for a fixed random ``dh``, with one thread (the runner sets the BLAS and torch
thread counts to 1 before numpy starts). Medians of interleaved runs after a warm-up. Before
timing, the two sides are checked to agree on the gradient of ``W_hh``.

Chapters 3 and 4 quote the stored rows of this benchmark and of :mod:`benchmarks.gru_cell`
(``benchmarks/results.json``); they time nothing themselves.
"""
from __future__ import annotations

from benchmarks.common import interleaved, median, record, verdict

SIZES = {"hidden": 200, "input": 200, "batch": 20, "length": 35}
QUICK = {"hidden": 8, "input": 5, "batch": 2, "length": 3}
TARGET = 2.0  # numpy <= 2x torch (float32)


def cell_functions(kind: str, dtype_name: str, sizes: dict, seed: int = 0):
    """(numpy step, torch step, max |dW_hh| difference) for ``kind`` in {"lstm", "gru"}."""
    import importlib

    import numpy as np
    import torch

    dtype = {"float32": np.float32, "float64": np.float64}[dtype_name]
    H, D, B, T = sizes["hidden"], sizes["input"], sizes["batch"], sizes["length"]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    dh = rng.standard_normal((T, B, H)).astype(dtype)
    if kind not in ("lstm", "gru"):
        raise ValueError(f"kind must be 'lstm' or 'gru', got {kind!r}")
    # the two cells share one interface: init_params, forward, backward, to_torch
    cell = importlib.import_module(f"helpers.{kind}")
    params = cell.init_params(input_size=D, hidden_size=H, rng=rng, dtype=dtype)
    module = cell.to_torch(params)

    def run_numpy():
        _, _, cache = cell.forward(params, x)
        return cell.backward(cache, dh)[0]

    xt = torch.from_numpy(x).requires_grad_(True)
    dht = torch.from_numpy(dh)

    def run_torch():
        module.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = module(xt)
        (out * dht).sum().backward()

    grads = run_numpy()
    run_torch()
    diff = float(np.abs(grads["W_hh"] - module.weight_hh_l0.grad.numpy()).max())
    return run_numpy, run_torch, diff


def run_cells(kind: str, quick: bool = False, repeats: int | None = None) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    sizes = QUICK if quick else SIZES
    repeats = repeats or (2 if quick else 25)
    name = {"lstm": "lstm_cell", "gru": "gru_cell"}[kind]
    ours = {"lstm": "helpers.lstm numpy fwd+bwd", "gru": "helpers.gru numpy fwd+bwd (PyTorch form)"}[kind]
    peer = {"lstm": "torch.nn.LSTM CPU", "gru": "torch.nn.GRU CPU"}[kind]
    size_txt = "H={hidden} D={input} B={batch} T={length}".format(**sizes)
    rows = []
    for dtype_name in ("float32", "float64"):
        run_numpy, run_torch, diff = cell_functions(kind, dtype_name, sizes)
        t = interleaved({"ours": run_numpy, "peer": run_torch}, repeats=repeats, warmup=2)
        o, p = median(t["ours"]) * 1e3, median(t["peer"]) * 1e3
        targeted = dtype_name == "float32"
        rows.append(record(
            name, ours, peer, f"ms/batch fwd+bwd, {dtype_name}", o, p,
            target="ratio <= 2" if targeted else "",
            status=verdict(o / p <= TARGET) if targeted and not quick else "n/a",
            note=f"{size_txt}, 1 thread, median of {repeats} interleaved runs; "
                 f"max |dW_hh ours - torch| = {diff:.1e}"))
    return rows


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    return run_cells("lstm", quick)
