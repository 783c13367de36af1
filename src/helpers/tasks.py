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

Training API (shared by chapters 3 and 4 and ``scripts/ch03_adding_problem.py``)
------------------------------------------------------------------------------
* :func:`adding_problem` ``(n, T, rng, variant) -> (x (n, T, 2), y (n,))``
* :func:`trivial_mse` ``(variant)``: MSE of the best constant predictor, in closed form.
* :func:`success_fraction` ``(pred, target, tol=0.04)``: fraction with ``|pred - target| < tol``.
* :class:`SequenceRegressor` ``(kind, hidden, n_in=2)``: ``nn.RNN`` (tanh) / ``nn.LSTM``
  (forget-gate bias initialised to 1) / ``nn.GRU``, then a linear read-out of the last hidden state.
* :func:`train_adding` ``(kind, T, ...) -> dict``: trains one model with Adam and gradient-norm
  clipping on freshly drawn batches, evaluates on a fixed test set, stops early once solved
  (``success_fraction >= solved_at``) or when a time limit is hit, and returns the curves.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

VARIANTS = ("le2015", "hochreiter1997")
KINDS = ("rnn", "lstm", "gru")
TOL = 0.04


def _check_T(T, variant):
    minimum = 24 if variant == "hochreiter1997" else 2
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or T < minimum:
        raise ValueError(f"T must be an int >= {minimum} for variant {variant!r}, got {T!r}")


def adding_problem(n: int, T: int, rng: np.random.Generator, variant: str = "le2015",
                   dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` adding-problem sequences of length ``T``.

    Returns ``x`` of shape (n, T, 2) (channel 0: values, channel 1: markers) and targets ``y`` of
    shape (n,). See the module docstring for the two variants.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    _check_T(T, variant)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
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
    if variant == "le2015":
        return 2.0 / 12.0
    if variant == "hochreiter1997":
        return (0.9 / 3.0 + 1.0 / 3.0) / 16.0
    raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")


def success_fraction(pred, target, tol: float = TOL) -> float:
    """Fraction of predictions with ``|pred - target| < tol``; ``pred``, ``target`` shape (n,)."""
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    target = np.asarray(target, dtype=np.float64).reshape(-1)
    if pred.shape != target.shape or pred.size == 0:
        raise ValueError(f"pred and target must have the same non-zero length, got "
                         f"{pred.shape} and {target.shape}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    return float(np.mean(np.abs(pred - target) < tol))


def _torch():
    import torch  # imported lazily: importing this module stays cheap

    return torch


def SequenceRegressor(kind: str, hidden: int, n_in: int = 2, forget_bias: float = 1.0):
    """A one-layer recurrent net reading a (B, T, n_in) batch, then ``Linear(hidden, 1)`` on the
    last hidden state; forward returns shape (B,).

    ``kind``: ``"rnn"`` (``nn.RNN``, tanh), ``"lstm"`` (``nn.LSTM``; its forget-gate bias, summed
    over PyTorch's two bias vectors, is set to ``forget_bias``), or ``"gru"`` (``nn.GRU``).
    PyTorch's default initialisation otherwise; seed torch before calling for reproducibility.
    """
    torch = _torch()
    nn = torch.nn
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(hidden, (int, np.integer)) or hidden < 1:
        raise ValueError(f"hidden must be an int >= 1, got {hidden!r}")

    class _Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            extra = {"nonlinearity": "tanh"} if kind == "rnn" else {}
            self.kind = kind
            self.rnn = cls(n_in, hidden, batch_first=True, **extra)
            self.out = nn.Linear(hidden, 1)
            if kind == "lstm":
                H = hidden
                with torch.no_grad():  # gate order i, f, g, o: rows H:2H are the forget gate
                    self.rnn.bias_ih_l0[H:2 * H].fill_(forget_bias)
                    self.rnn.bias_hh_l0[H:2 * H].fill_(0.0)

        def forward(self, x):  # x: (B, T, n_in)
            hs, _ = self.rnn(x)  # (B, T, H)
            return self.out(hs[:, -1]).squeeze(-1)  # (B,)

    return _Regressor()


def train_adding(kind: str, T: int, *, hidden: int = 64, steps: int = 2000, batch: int = 50,
                 lr: float = 1e-3, clip: float = 1.0, seed: int = 0, variant: str = "le2015",
                 n_test: int = 1000, eval_every: int = 100, solved_at: float = 0.99,
                 time_limit: float | None = None, progress: bool = True) -> dict[str, Any]:
    """Train ``SequenceRegressor(kind, hidden)`` on the adding problem with lag ``T``.

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
    """
    torch = _torch()
    from tqdm import tqdm

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for name, val in (("steps", steps), ("batch", batch), ("n_test", n_test),
                      ("eval_every", eval_every), ("hidden", hidden)):
        if not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name} must be an int >= 1, got {val!r}")
    _check_T(T, variant)
    if not 0 < solved_at <= 1:
        raise ValueError(f"solved_at must be in (0, 1], got {solved_at!r}")

    torch.manual_seed(seed)
    model = SequenceRegressor(kind, hidden)
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
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
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
        "n_params": int(sum(p.numel() for p in model.parameters())),
        "curve_step": curve_step, "curve_test_mse": curve_mse, "curve_success": curve_succ,
        "train_loss": train_loss,
        "final_abs_error": [round(float(e), 5) for e in last["abs_error"]],
    }
