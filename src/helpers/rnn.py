"""A vanilla (Elman) recurrent network in numpy float64, with hand-written backpropagation
through time (chapter 2).

One layer ``l`` of a stack runs, for ``t = 1 .. T``,

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh          (pre-activation, shape (B, H))
    h_t = f(a_t)

where ``x_t`` is the input of the layer (the data for layer 0, the hidden states of layer
``l - 1`` above it) and ``f`` is one of :data:`ACTIVATIONS`. The parameter names and shapes are
those of ``torch.nn.RNN`` (``weight_ih_l{k}`` is ``W_ih``, ``weight_hh_l{k}`` is ``W_hh``,
``bias_ih_l{k}`` is ``b_ih``, ``bias_hh_l{k}`` is ``b_hh``); :func:`to_torch` and
:func:`from_torch` copy them across.

:func:`rnn_backward` sends the error both ways the reader's notes describe (Q12): back through
time, ``dh_{t-1} += W_hh^T (f'(a_t) * dh_t)``, and down through the stack ("space"),
``dx_t = W_ih^T (f'(a_t) * dh_t)``, which is the error arriving at the layer below.

The module also holds a small training loop around the same forward/backward code, on the
adding problem of ``helpers.tasks`` (a long-memory task shared with chapters 3 and 4).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")
OPTIMIZERS = ("sgd", "adam")
_KEYS = ("W_ih", "W_hh", "b_ih", "b_hh")


# --------------------------------------------------------------------------------------------
# activations
def _check_activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def activate(a: np.ndarray, activation: str) -> np.ndarray:
    """``f(a)`` elementwise for the named activation."""
    _check_activation(activation)
    if activation == "tanh":
        return np.tanh(a)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1 / (1 + e^-a), without overflow warnings
    if activation == "relu":
        return np.maximum(a, 0.0)
    return np.array(a, dtype=np.float64, copy=True)


def activation_derivative(a: np.ndarray, activation: str) -> np.ndarray:
    """``f'(a)`` elementwise. Its maximum is 1 for tanh, relu and linear, 1/4 for sigmoid."""
    _check_activation(activation)
    if activation == "tanh":
        return 1.0 - np.tanh(a) ** 2
    if activation == "sigmoid":
        s = activate(a, "sigmoid")
        return s * (1.0 - s)
    if activation == "relu":
        return (a > 0).astype(np.float64)
    return np.ones_like(a, dtype=np.float64)


MAX_DERIVATIVE = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}


# --------------------------------------------------------------------------------------------
# parameters
def init_params(input_size: int, hidden_size: int, num_layers: int = 1, *,
                rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    """Parameters of a stacked RNN, drawn like ``torch.nn.RNN``: U(-1/sqrt(H), 1/sqrt(H)).

    Returns a list of ``num_layers`` dicts with ``W_ih`` (H, D) for layer 0 and (H, H) above it,
    ``W_hh`` (H, H), ``b_ih`` (H,), ``b_hh`` (H,).
    """
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size),
                    ("num_layers", num_layers)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
    k = 1.0 / np.sqrt(hidden_size)
    params = []
    for layer in range(num_layers):
        d = input_size if layer == 0 else hidden_size
        params.append({
            "W_ih": rng.uniform(-k, k, (hidden_size, d)),
            "W_hh": rng.uniform(-k, k, (hidden_size, hidden_size)),
            "b_ih": rng.uniform(-k, k, hidden_size),
            "b_hh": rng.uniform(-k, k, hidden_size),
        })
    return params


def check_params(params) -> tuple[int, int, int]:
    """Validate a parameter list; return ``(input_size, hidden_size, num_layers)``."""
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise ValueError("params must be a non-empty list of layer dicts "
                         f"with keys {_KEYS}, got {type(params).__name__}")
    hidden = None
    input_size = None
    for layer, p in enumerate(params):
        if not isinstance(p, dict) or set(p) != set(_KEYS):
            got = sorted(p) if isinstance(p, dict) else type(p).__name__
            raise ValueError(f"params[{layer}] must be a dict with keys {_KEYS}, got {got}")
        W_hh = np.asarray(p["W_hh"])
        if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
            raise ValueError(f"params[{layer}]['W_hh'] must be square (H, H), got shape {W_hh.shape}")
        H = W_hh.shape[0]
        if hidden is None:
            hidden = H
        elif H != hidden:
            raise ValueError(f"params[{layer}]['W_hh'] has hidden size {H}, expected {hidden} "
                             "(every layer of the stack has the same hidden size)")
        W_ih = np.asarray(p["W_ih"])
        if W_ih.ndim != 2 or W_ih.shape[0] != H:
            raise ValueError(f"params[{layer}]['W_ih'] must have shape (H={H}, D), got {W_ih.shape}")
        if layer == 0:
            input_size = W_ih.shape[1]
        elif W_ih.shape[1] != H:
            raise ValueError(f"params[{layer}]['W_ih'] must have shape ({H}, {H}) above layer 0 "
                             f"(its input is the hidden state below), got {W_ih.shape}")
        for b in ("b_ih", "b_hh"):
            if np.asarray(p[b]).shape != (H,):
                raise ValueError(f"params[{layer}]['{b}'] must have shape ({H},), "
                                 f"got {np.asarray(p[b]).shape}")
    return input_size, hidden, len(params)


# --------------------------------------------------------------------------------------------
# forward and backward
@dataclasses.dataclass
class Cache:
    """What the backward pass needs: per layer its inputs (T, B, D_l), pre-activations a
    (T, B, H), states h (T, B, H) and initial state (B, H)."""

    activation: str
    inputs: list
    a: list
    h: list
    h0: np.ndarray  # (L, B, H)


def rnn_forward(params, x, h0=None, activation: str = "tanh"):
    """Run the stack over a sequence.

    x : (T, B, D) inputs (time first, as ``torch.nn.RNN`` without ``batch_first``).
    h0 : (L, B, H) initial states, zeros if None.

    Returns ``(out, h_n, cache)``: ``out`` (T, B, H) the top layer's states h_1..h_T,
    ``h_n`` (L, B, H) each layer's last state, and the :class:`Cache` for :func:`rnn_backward`.
    """
    D, H, L = check_params(params)
    _check_activation(activation)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (T, B, D), got {x.shape}")
    T, B, Dx = x.shape
    if T == 0:
        raise ValueError("x must hold at least one time step (sequence length T >= 1), got T = 0")
    if B == 0:
        raise ValueError("x must hold at least one sequence (batch size B >= 1), got B = 0")
    if Dx != D:
        raise ValueError(f"x has input size {Dx}, but params expect D = {D}")
    if h0 is None:
        h0 = np.zeros((L, B, H))
    else:
        h0 = np.asarray(h0, dtype=np.float64)
        if h0.shape != (L, B, H):
            raise ValueError(f"h0 must have shape (L, B, H) = {(L, B, H)}, got {h0.shape}")
    cache = Cache(activation, [], [], [], h0)
    inp = x
    h_n = np.empty((L, B, H))
    for layer, p in enumerate(params):
        W_ih, W_hh = p["W_ih"], p["W_hh"]
        b = p["b_ih"] + p["b_hh"]
        xw = inp @ W_ih.T + b  # (T, B, H): the input part of every step at once
        a = np.empty((T, B, H))
        hs = np.empty((T, B, H))
        h = h0[layer]
        for t in range(T):
            a[t] = xw[t] + h @ W_hh.T
            h = activate(a[t], activation)
            hs[t] = h
        cache.inputs.append(inp)
        cache.a.append(a)
        cache.h.append(hs)
        h_n[layer] = h
        inp = hs  # the layer above reads these states
    return inp, h_n, cache


def rnn_backward(params, cache: Cache, d_out, d_hn=None):
    """Backpropagation through time and through the stack.

    d_out : (T, B, H) dLoss/d out (the top layer's states); d_hn : (L, B, H) dLoss/d h_n or None.

    Returns ``(grads, dx, dh0)``: ``grads`` a list like ``params`` (same keys and shapes),
    ``dx`` (T, B, D) and ``dh0`` (L, B, H).
    """
    D, H, L = check_params(params)
    T, B, _ = cache.h[-1].shape
    d_out = np.asarray(d_out, dtype=np.float64)
    if d_out.shape != (T, B, H):
        raise ValueError(f"d_out must have shape (T, B, H) = {(T, B, H)}, got {d_out.shape}")
    if d_hn is None:
        d_hn = np.zeros((L, B, H))
    else:
        d_hn = np.asarray(d_hn, dtype=np.float64)
        if d_hn.shape != (L, B, H):
            raise ValueError(f"d_hn must have shape (L, B, H) = {(L, B, H)}, got {d_hn.shape}")
    grads = [None] * L
    dh0 = np.empty((L, B, H))
    d_states = d_out  # error arriving at this layer's states from above ("space")
    for layer in reversed(range(L)):
        p = params[layer]
        inp, a, hs = cache.inputs[layer], cache.a[layer], cache.h[layer]
        fprime = activation_derivative(a, cache.activation)  # (T, B, H)
        da = np.empty((T, B, H))
        dh_next = d_hn[layer].copy()  # error arriving from step t+1 ("time")
        for t in reversed(range(T)):
            dh = d_states[t] + dh_next  # both directions meet at h_t
            da[t] = fprime[t] * dh
            dh_next = da[t] @ p["W_hh"]  # to h_{t-1}
        h_prev = np.concatenate([cache.h0[layer][None], hs[:-1]], axis=0)  # (T, B, H)
        grads[layer] = {
            "W_ih": np.einsum("tbh,tbd->hd", da, inp),
            "W_hh": np.einsum("tbh,tbk->hk", da, h_prev),
            "b_ih": da.sum(axis=(0, 1)),
            "b_hh": da.sum(axis=(0, 1)),
        }
        dh0[layer] = dh_next
        d_states = da @ p["W_ih"]  # (T, B, D_l): error sent down to the layer below
    return grads, d_states, dh0


# --------------------------------------------------------------------------------------------
# torch conversion
def to_torch(params, activation: str = "tanh"):
    """A float64 ``torch.nn.RNN`` holding copies of ``params`` (tanh or relu only)."""
    import torch

    D, H, L = check_params(params)
    _check_activation(activation)
    if activation not in ("tanh", "relu"):
        raise ValueError(f"torch.nn.RNN supports activation 'tanh' or 'relu', got {activation!r}")
    module = torch.nn.RNN(D, H, num_layers=L, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        for k, p in enumerate(params):
            for ours, theirs in (("W_ih", "weight_ih"), ("W_hh", "weight_hh"),
                                 ("b_ih", "bias_ih"), ("b_hh", "bias_hh")):
                getattr(module, f"{theirs}_l{k}").copy_(torch.as_tensor(np.asarray(p[ours])))
    return module


def from_torch(module) -> list[dict[str, np.ndarray]]:
    """Copy a ``torch.nn.RNN``'s parameters into the list-of-dicts form (float64 numpy)."""
    import torch

    if not isinstance(module, torch.nn.RNN):
        raise ValueError(f"module must be a torch.nn.RNN, got {type(module).__name__}")
    if module.bidirectional or module.batch_first or not module.bias or module.proj_size:
        raise ValueError("module must be unidirectional, time-first, with biases and no projection")
    params = []
    for k in range(module.num_layers):
        params.append({ours: getattr(module, f"{theirs}_l{k}").detach().double().numpy().copy()
                       for ours, theirs in (("W_ih", "weight_ih"), ("W_hh", "weight_hh"),
                                            ("b_ih", "bias_ih"), ("b_hh", "bias_hh"))})
    return params


# --------------------------------------------------------------------------------------------
# a long-memory task and training
def adding_batch(T: int, batch_size: int, *, rng: np.random.Generator):
    """A batch of the adding problem, time first for :func:`rnn_forward`.

    The task itself is ``helpers.tasks.adding_problem`` (Le et al. 2015 variant, shared with
    chapters 3 and 4): two of ``T`` values in U(0, 1) are marked, one in each half; the target is
    their sum; predicting 1 scores MSE 1/6. Returns ``x`` (T, B, 2) float64 and ``y`` (B,).
    """
    from helpers.tasks import adding_problem

    x, y = adding_problem(batch_size, T, rng, dtype=np.float64)
    return np.ascontiguousarray(x.transpose(1, 0, 2)), y


def readout_loss(params, W_hy, b_y, x, y, activation="tanh"):
    """Mean squared error of a linear readout ``y_hat = W_hy h_T + b_y`` of the top layer's last
    state, and the gradients of every parameter.

    W_hy : (H,), b_y : float, x : (T, B, D), y : (B,).
    Returns ``(loss, grads, dW_hy, db_y)`` with ``grads`` shaped like ``params``.
    """
    out, _, cache = rnn_forward(params, x, activation=activation)
    h_T = out[-1]  # (B, H)
    y_hat = h_T @ W_hy + b_y
    err = y_hat - y
    loss = float(np.mean(err ** 2))
    d_yhat = 2.0 * err / len(y)  # (B,)
    d_out = np.zeros_like(out)
    d_out[-1] = np.outer(d_yhat, W_hy)
    grads, _, _ = rnn_backward(params, cache, d_out)
    return loss, grads, h_T.T @ d_yhat, float(d_yhat.sum())


def train_adding(T: int, *, hidden_size: int = 32, steps: int = 400, batch_size: int = 32,
                 lr: float = 1e-2, optimizer: str = "adam", activation: str = "tanh",
                 W_hh: np.ndarray | None = None, b_zero: bool = False,
                 clip: Callable[[list], tuple] | None = None, eval_size: int = 500,
                 rng: np.random.Generator) -> dict:
    """Train a one-layer RNN with a linear readout on :func:`adding_batch` of length ``T``.

    W_hh : optional (H, H) initial recurrent matrix (e.g. orthogonal or identity); otherwise
        :func:`init_params`. ``b_zero`` zeroes the biases (as in IRNN).
    clip : optional ``clip(grads) -> (clipped_grads, norm_before)`` applied to the flat list of
        gradient arrays each step (see ``helpers.gradients.clip_by_norm``).

    Training stops early if the loss or a gradient becomes NaN or infinite. Returns a dict with
    ``loss`` (per step), ``grad_norm`` (global norm before clipping, per step), ``diverged_at``
    (step index or None), on ``eval_size`` fresh sequences ``test_mse`` and ``success`` (the
    fraction with absolute error < 0.04, Hochreiter & Schmidhuber's criterion; both NaN if
    diverged), ``baseline_mse`` = 1/6, and the trained ``params``, ``W_hy``, ``b_y``.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    _check_activation(activation)
    params = init_params(2, hidden_size, 1, rng=rng)
    if W_hh is not None:
        W_hh = np.asarray(W_hh, dtype=np.float64)
        if W_hh.shape != (hidden_size, hidden_size):
            raise ValueError(f"W_hh must have shape (hidden_size, hidden_size) = "
                             f"{(hidden_size, hidden_size)}, got {W_hh.shape}")
        params[0]["W_hh"] = W_hh.copy()
    if b_zero:
        params[0]["b_ih"][:] = 0.0
        params[0]["b_hh"][:] = 0.0
    W_hy = rng.normal(0.0, 1.0 / np.sqrt(hidden_size), hidden_size)
    b_y = np.zeros(1)
    arrays = [params[0][k] for k in _KEYS] + [W_hy, b_y]
    m = [np.zeros_like(p) for p in arrays]
    v = [np.zeros_like(p) for p in arrays]
    losses, norms = np.full(steps, np.nan), np.full(steps, np.nan)
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            x, y = adding_batch(T, batch_size, rng=rng)
            loss, grads, dW_hy, db_y = readout_loss(params, W_hy, b_y[0], x, y, activation)
            g = [grads[0][k] for k in _KEYS] + [dW_hy, np.array([db_y])]
            norm = float(np.sqrt(sum(float(np.sum(gi * gi)) for gi in g)))
            losses[step], norms[step] = loss, norm
            if not (np.isfinite(loss) and np.isfinite(norm)):
                diverged_at = step
                break
            if clip is not None:
                g, _ = clip(g)
            if optimizer == "sgd":
                for p, gi in zip(arrays, g):
                    p -= lr * gi
            else:
                for p, gi, mi, vi in zip(arrays, g, m, v):
                    mi *= 0.9
                    mi += 0.1 * gi
                    vi *= 0.999
                    vi += 0.001 * gi * gi
                    p -= lr * (mi / (1 - 0.9 ** (step + 1))) / (
                        np.sqrt(vi / (1 - 0.999 ** (step + 1))) + 1e-8)
        if diverged_at is None:
            x, y = adding_batch(T, eval_size, rng=rng)
            out, _, _ = rnn_forward(params, x, activation=activation)
            err = out[-1] @ W_hy + b_y[0] - y
            test_mse = float(np.mean(err ** 2))
            success = float(np.mean(np.abs(err) < 0.04))
        else:
            test_mse = success = float("nan")
    return {"loss": losses, "grad_norm": norms, "diverged_at": diverged_at,
            "test_mse": test_mse, "success": success, "baseline_mse": 1.0 / 6.0, "params": params,
            "W_hy": W_hy, "b_y": float(b_y[0])}


def flat_grads(grads: Sequence[dict]) -> list[np.ndarray]:
    """The gradient arrays of a ``grads`` list (as from :func:`rnn_backward`), layer by layer."""
    return [g[k] for g in grads for k in _KEYS]
