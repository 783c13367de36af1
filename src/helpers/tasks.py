"""Long-lag benchmark tasks and a small training loop (chapters 3 and 4).

The adding problem
------------------
Each input sequence is ``T`` steps of pairs ``(value, marker)``; exactly two steps carry marker 1,
and the target, read only at the last step, is a function of the two marked values. A model must
hold the first marked value across a lag of up to ``T`` steps while ignoring everything else.

Two variants (``variant=``):

* ``"le2015"`` (default; Le, Jaitly & Hinton 2015, also Arjovsky et al. 2016): values uniform in
  [0, 1], one marker uniformly in the first half, one in the second half, target = their *sum*
  (range [0, 2]). Predicting the constant 1 gives MSE = Var(U1 + U2) = 2/12 = 0.1667: the
  baseline every model must beat.
* ``"hochreiter1997"`` (Hochreiter & Schmidhuber 1997, experiment 4): values uniform in [-1, 1];
  the first marker is one of the first 10 steps, the second one of the first T/2 - 1 steps not
  already marked; the first and last step carry marker -1; target = 0.5 + (X1 + X2) / 4 (range
  [0, 1]); X1 = 0 if step 0 is marked. Deviation from the paper: every sequence has length exactly
  ``T`` (the paper draws lengths between T and T + T/10), so sequences batch without padding.

A prediction is *correct* when its absolute error is below ``tol = 0.04`` (the paper's criterion).
Note the two target ranges differ by a factor of 2, so ``tol = 0.04`` is twice as strict, relative
to the target range, in the ``"le2015"`` variant.

Sum since the last marker (chapter 4)
------------------------------------
Each sequence is ``T`` steps of pairs ``(value, marker)``; each step is a marker with
probability ``marker_prob`` (value 0, marker 1), otherwise it carries a value uniform in
[-1, 1] (marker 0). The target at *every* step is the sum of the values since the last marker
(the start of the sequence counts as one; 0 at a marker step). A model must add while no marker
comes and throw its running sum away when one does: the job of the GRU's reset gate.

* :func:`marker_sum` ``(n, T, rng, marker_prob) -> (x (n, T, 2), y (n, T))``
* :func:`train_marker_sum` ``(reset, ...) -> dict``: trains ``helpers.gru.tagger`` with the
  reset gate learned or pinned at 1.

Training API (shared by chapters 3 and 4 and ``scripts/ch03_adding_problem.py``)
------------------------------------------------------------------------------
* :func:`adding_problem` ``(n, T, rng, variant) -> (x (n, T, 2), y (n,))``
* :func:`trivial_mse` ``(variant)``: MSE of the best constant predictor, in closed form.
* :func:`success_fraction` ``(pred, target, tol=0.04)``: fraction with ``|pred - target| < tol``.
* :func:`sequence_regressor` ``(kind, hidden_size, input_size=2)``: ``nn.RNN`` (tanh) /
  ``nn.LSTM`` (forget-gate bias initialised to 1) / ``nn.GRU``, then a linear read-out of the
  last hidden state.
* :func:`train_adding_torch` ``(kind, T, ...) -> dict``: trains one such PyTorch model with Adam
  and gradient-norm clipping on freshly drawn batches, evaluates on a fixed test set, stops early
  once solved (``success_fraction >= solved_at``) or when a time limit is hit, and returns the
  curves; it stops with a ``FloatingPointError`` if the loss or a parameter turns non-finite.
  (Chapter 2's numpy trainer, with the book's own BPTT, is ``helpers.rnn.train_adding_numpy``.)
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from helpers.checks import (check_array, check_bool, check_choice, check_int, check_number,
                            check_rng)

VARIANTS = ("le2015", "hochreiter1997")
KINDS = ("rnn", "lstm", "gru")
TOL = 0.04


def _check_T(T, variant) -> int:
    return check_int("T", T, low=24 if variant == "hochreiter1997" else 2)


def _check_float_dtype(dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be a numpy float dtype, got {dtype!r}") from err
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a float dtype (np.float32 or np.float64), got {dtype}")
    return dtype


def adding_problem(n: int, T: int, rng: np.random.Generator, variant: str = "le2015",
                   dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` adding-problem sequences of length ``T``.

    Returns ``x`` of shape (n, T, 2) (channel 0: values, channel 1: markers) and targets ``y`` of
    shape (n,). See the module docstring for the two variants.
    """
    check_choice("variant", variant, VARIANTS)
    n = check_int("n", n, low=1)
    T = _check_T(T, variant)
    check_rng("rng", rng)
    dtype = _check_float_dtype(dtype)
    rows = np.arange(n)
    x = np.zeros((n, T, 2), dtype=np.float64)
    if variant == "le2015":
        x[:, :, 0] = rng.uniform(0.0, 1.0, size=(n, T))
        half = T // 2
        first = rng.integers(0, half, size=n)
        second = rng.integers(half, T, size=n)
        x[rows, first, 1] = 1.0
        x[rows, second, 1] = 1.0
        y = x[rows, first, 0] + x[rows, second, 0]
    else:
        x[:, :, 0] = rng.uniform(-1.0, 1.0, size=(n, T))
        first = rng.integers(0, 10, size=n)
        # second: uniform over the first T/2 - 1 positions other than `first`
        second = rng.integers(0, T // 2 - 2, size=n)
        second = second + (second >= first)
        x[:, 0, 1] = -1.0
        x[:, T - 1, 1] = -1.0
        x[rows, first, 1] = 1.0
        x[rows, second, 1] = 1.0
        x[rows[first == 0], 0, 0] = 0.0  # the paper: X1 = 0 when the first pair is marked
        y = 0.5 + (x[rows, first, 0] + x[rows, second, 0]) / 4.0
    return x.astype(dtype), y.astype(dtype)


def trivial_mse(variant: str = "le2015") -> float:
    """MSE of the best constant prediction (the target's mean), in closed form.

    ``"le2015"``: Var(U1 + U2) with U ~ U[0, 1] is 2/12 = 0.1667. ``"hochreiter1997"``: the target
    is 0.5 + (X1 + X2)/4 with X ~ U[-1, 1] (variance 1/3), except that X1 = 0 when step 0 is marked
    (probability 1/10), so the MSE is (0.9 * 1/3 + 1/3) / 16 = 0.0396.
    """
    check_choice("variant", variant, VARIANTS)
    if variant == "le2015":
        return 2.0 / 12.0
    return (0.9 / 3.0 + 1.0 / 3.0) / 16.0


def success_fraction(pred, target, tol: float = TOL) -> float:
    """Fraction of predictions with ``|pred - target| < tol``; ``pred``, ``target`` shape (n,)."""
    pred = check_array("pred", pred, ndim=1, dtype=np.float64, min_size=1)
    target = check_array("target", target, ndim=1, dtype=np.float64, finite=True, min_size=1)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same length, got {pred.shape} and "
                         f"{target.shape}")
    tol = check_number("tol", tol, low=0.0, low_open=True)
    return float(np.mean(np.abs(pred - target) < tol))


def _torch():
    import torch  # imported lazily: importing this module stays cheap

    return torch


def _clipped_step(model, opt, loss, clip: float, step: int) -> None:
    """One optimiser step on ``loss`` with gradient-norm clipping at ``clip``; raises
    ``FloatingPointError`` naming ``step`` if the loss or a parameter is not finite."""
    torch = _torch()
    if not torch.isfinite(loss):
        raise FloatingPointError(f"training diverged at step {step}: the loss is "
                                 f"{loss.item()} (lower lr or clip)")
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        raise FloatingPointError(f"training diverged at step {step}: a parameter is not "
                                 f"finite (lower lr or clip)")


def sequence_regressor(kind: str, hidden_size: int, input_size: int = 2,
                       forget_bias: float = 1.0):
    """A one-layer PyTorch recurrent net reading a (B, T, input_size) batch, then
    ``Linear(hidden_size, 1)`` on the last hidden state; its forward returns shape (B,).

    ``kind``: ``"rnn"`` (``nn.RNN``, tanh), ``"lstm"`` (``nn.LSTM``; its forget-gate bias, summed
    over PyTorch's two bias vectors, is set to ``forget_bias``), or ``"gru"`` (``nn.GRU``).
    PyTorch's default initialisation otherwise; seed torch before calling for reproducibility.
    """
    torch = _torch()
    nn = torch.nn
    check_choice("kind", kind, KINDS)
    hidden_size = check_int("hidden_size", hidden_size, low=1)
    input_size = check_int("input_size", input_size, low=1)
    forget_bias = check_number("forget_bias", forget_bias)

    class _Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            extra = {"nonlinearity": "tanh"} if kind == "rnn" else {}
            self.kind = kind
            self.rnn = cls(input_size, hidden_size, batch_first=True, **extra)
            self.out = nn.Linear(hidden_size, 1)
            if kind == "lstm":
                H = hidden_size
                with torch.no_grad():  # gate order i, f, g, o: rows H:2H are the forget gate
                    self.rnn.bias_ih_l0[H:2 * H].fill_(forget_bias)
                    self.rnn.bias_hh_l0[H:2 * H].fill_(0.0)

        def forward(self, x):  # x: (B, T, input_size)
            hs, _ = self.rnn(x)  # (B, T, H)
            return self.out(hs[:, -1]).squeeze(-1)  # (B,)

    return _Regressor()


def train_adding_torch(kind: str, T: int, *, hidden_size: int = 64, steps: int = 2000,
                       batch: int = 50, lr: float = 1e-3, clip: float = 1.0, seed: int = 0,
                       variant: str = "le2015", n_test: int = 1000, eval_every: int = 100,
                       solved_at: float = 0.99, time_limit: float | None = None,
                       progress: bool = True) -> dict[str, Any]:
    """Train ``sequence_regressor(kind, hidden_size)`` (PyTorch) on the adding problem with lag
    ``T``.

    Adam (``lr``), gradient-norm clipping at ``clip``, ``batch`` fresh sequences per step drawn
    from ``np.random.default_rng(seed)``; torch is seeded with ``seed`` for the initial weights.
    Every ``eval_every`` steps the model is evaluated on one fixed test set of ``n_test`` sequences
    (drawn from ``default_rng(seed + 1)``). Training stops after ``steps`` steps, when the test
    success fraction (|error| < 0.04) reaches ``solved_at``, or once ``time_limit`` seconds pass.

    Returns a dict: ``kind, T, hidden, variant, seed, steps_run, seconds, final_mse,
    final_success, solved`` (bool: final success fraction >= ``solved_at``), ``trivial_mse``, and
    the curves ``curve_step, curve_test_mse, curve_success`` (lists, one entry per evaluation,
    step 0 included), ``train_loss`` (mean training MSE over each evaluation interval), and
    ``final_abs_error`` (n_test,) the last evaluation's absolute errors (for other tolerances).
    (The result keeps the key ``hidden`` for the hidden size, as the stored results have it.)

    Raises ``FloatingPointError`` naming the step if the training loss or a parameter becomes
    NaN or infinite (divergence: lower ``lr`` or ``clip``).
    """
    torch = _torch()
    from tqdm import tqdm

    check_choice("kind", kind, KINDS)
    check_choice("variant", variant, VARIANTS)
    T = _check_T(T, variant)
    hidden = check_int("hidden_size", hidden_size, low=1)
    steps = check_int("steps", steps, low=1)
    batch = check_int("batch", batch, low=1)
    n_test = check_int("n_test", n_test, low=1)
    eval_every = check_int("eval_every", eval_every, low=1)
    lr = check_number("lr", lr, low=0.0, low_open=True)
    clip = check_number("clip", clip, low=0.0, low_open=True)
    seed = check_int("seed", seed, low=0)
    solved_at = check_number("solved_at", solved_at, low=0.0, high=1.0, low_open=True)
    if time_limit is not None:
        time_limit = check_number("time_limit", time_limit, low=0.0, low_open=True)
    progress = check_bool("progress", progress)

    torch.manual_seed(seed)
    model = sequence_regressor(kind, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    x_test, y_test = adding_problem(n_test, T, np.random.default_rng(seed + 1), variant)
    x_test, y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)

    last = {}

    def evaluate():
        model.eval()
        with torch.no_grad():
            pred = model(x_test)
        model.train()
        last["abs_error"] = np.abs(pred.numpy() - y_test.numpy())
        return (float(torch.mean((pred - y_test) ** 2)),
                success_fraction(pred.numpy(), y_test.numpy()))

    mse, succ = evaluate()
    curve_step, curve_mse, curve_succ, train_loss = [0], [mse], [succ], [float("nan")]
    t0 = time.perf_counter()
    running, count, step = 0.0, 0, 0
    bar = tqdm(range(1, steps + 1), desc=f"{kind} T={T}", disable=not progress,
               mininterval=10.0, ncols=80)
    for step in bar:
        x, y = adding_problem(batch, T, rng, variant)
        loss = torch.mean((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2)
        try:
            _clipped_step(model, opt, loss, clip, step)
        except FloatingPointError:
            bar.close()
            raise
        running += loss.item()
        count += 1
        out_of_time = time_limit is not None and time.perf_counter() - t0 > time_limit
        if step % eval_every == 0 or step == steps or out_of_time:
            mse, succ = evaluate()
            curve_step.append(step)
            curve_mse.append(mse)
            curve_succ.append(succ)
            train_loss.append(running / count)
            running, count = 0.0, 0
            bar.set_postfix(mse=f"{mse:.4f}", ok=f"{succ:.2f}", refresh=False)
            if succ >= solved_at or out_of_time:
                break
    bar.close()
    return {
        "kind": kind, "T": int(T), "hidden": int(hidden), "variant": variant, "seed": int(seed),
        "batch": int(batch), "lr": lr, "clip": clip, "steps_run": int(curve_step[-1]),
        "seconds": time.perf_counter() - t0, "final_mse": curve_mse[-1],
        "final_success": curve_succ[-1], "solved": bool(curve_succ[-1] >= solved_at),
        "solved_at": solved_at, "trivial_mse": trivial_mse(variant),
        "n_parameters": int(sum(p.numel() for p in model.parameters())),
        "curve_step": curve_step, "curve_test_mse": curve_mse, "curve_success": curve_succ,
        "train_loss": train_loss,
        "final_abs_error": [round(float(e), 5) for e in last["abs_error"]],
    }


# -- sum since the last marker (chapter 4: what the reset gate is for) --------------------------
def marker_sum(n: int, T: int, rng: np.random.Generator, marker_prob: float = 0.05,
               dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` "sum since the last marker" sequences of length ``T``.

    Returns ``x`` (n, T, 2) (channel 0: values, uniform in [-1, 1] and 0 at markers; channel 1:
    1 at markers, else 0) and ``y`` (n, T), ``y[:, t]`` the sum of the values after the last
    marker up to and including step t (the sequence start counts as a marker). Each step is a
    marker independently with probability ``marker_prob`` in (0, 1), so the spans between
    markers have mean length about ``1 / marker_prob``.
    """
    n = check_int("n", n, low=1)
    T = check_int("T", T, low=1)
    check_rng("rng", rng)
    marker_prob = check_number("marker_prob", marker_prob, low=0.0, high=1.0, low_open=True,
                               high_open=True)
    dtype = _check_float_dtype(dtype)
    marks = rng.random((n, T)) < marker_prob                  # (n, T)
    values = np.where(marks, 0.0, rng.uniform(-1.0, 1.0, size=(n, T)))
    y = np.empty((n, T))
    total = np.zeros(n)
    for t in range(T):
        total = np.where(marks[:, t], 0.0, total + values[:, t])
        y[:, t] = total
    x = np.stack([values, marks.astype(np.float64)], axis=-1)
    return x.astype(dtype), y.astype(dtype)


def train_marker_sum(reset: str, *, T: int = 50, hidden_size: int = 16, steps: int = 300,
                     batch: int = 32, lr: float = 1e-2, clip: float = 1.0, seed: int = 0,
                     marker_prob: float = 0.05, n_test: int = 500,
                     eval_every: int = 25) -> dict[str, Any]:
    """Train ``helpers.gru.tagger(hidden_size, reset=reset)`` on :func:`marker_sum`.

    ``reset``: ``"learned"`` or ``"pinned"`` (r = 1 throughout). Adam (``lr``), gradient-norm
    clipping at ``clip``, ``batch`` fresh sequences per step from ``default_rng(seed)``; torch
    seeded with ``seed`` (so both settings start from the same z and n blocks and see the same
    batches); the per-step MSE over all steps of all sequences. Every ``eval_every`` steps the
    MSE on one test set of ``n_test`` sequences, drawn from ``default_rng([seed, 1])`` (a stream
    apart from the training batches), is recorded.

    Returns a dict: ``reset, T, hidden, seed, steps, seconds, n_trainable``; the curves
    ``curve_step`` and ``curve_test_mse`` (step 0 included); ``final_mse``; ``zero_mse`` (the
    test MSE of predicting 0, the baseline); ``r_marker`` and ``r_other``, the mean reset gate
    over units on the test set at marker steps and at all other steps; and ``model`` (the trained
    module) and ``x_test``, ``y_test`` for further analysis. Raises ``FloatingPointError`` on
    divergence.
    """
    torch = _torch()
    from helpers import gru

    reset = check_choice("reset", reset, gru.RESETS)
    T = check_int("T", T, low=1)
    hidden = check_int("hidden_size", hidden_size, low=1)
    steps = check_int("steps", steps, low=1)
    batch = check_int("batch", batch, low=1)
    lr = check_number("lr", lr, low=0.0, low_open=True)
    clip = check_number("clip", clip, low=0.0, low_open=True)
    seed = check_int("seed", seed, low=0)
    marker_prob = check_number("marker_prob", marker_prob, low=0.0, high=1.0, low_open=True,
                               high_open=True)
    n_test = check_int("n_test", n_test, low=1)
    eval_every = check_int("eval_every", eval_every, low=1)

    torch.manual_seed(seed)
    model = gru.tagger(hidden, reset=reset)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    x_test, y_test = marker_sum(n_test, T, np.random.default_rng([seed, 1]), marker_prob)
    xt, yt = torch.from_numpy(x_test), torch.from_numpy(y_test)

    def evaluate() -> float:
        with torch.no_grad():
            return float(torch.mean((model(xt) - yt) ** 2))

    curve_step, curve_mse = [0], [evaluate()]
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        x, y = marker_sum(batch, T, rng, marker_prob)
        loss = torch.mean((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2)
        _clipped_step(model, opt, loss, clip, step)
        if step % eval_every == 0 or step == steps:
            curve_step.append(step)
            curve_mse.append(evaluate())
    seconds = time.perf_counter() - t0
    r = gru.reset_gates(model, x_test).mean(axis=2)          # (n_test, T), mean over units
    marks = x_test[:, :, 1] == 1
    return {
        "reset": reset, "T": int(T), "hidden": int(hidden), "seed": int(seed),
        "steps": int(steps), "seconds": seconds, "n_trainable": int(model.n_trainable),
        "curve_step": curve_step, "curve_test_mse": curve_mse, "final_mse": curve_mse[-1],
        "zero_mse": float(np.mean(y_test.astype(np.float64) ** 2)),
        "r_marker": float(r[marks].mean()), "r_other": float(r[~marks].mean()),
        "model": model, "x_test": x_test, "y_test": y_test,
    }
