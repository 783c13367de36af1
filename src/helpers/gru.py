"""A gated recurrent unit (GRU) in numpy: forward, hand-written BPTT backward, two formulations.

Shapes: ``T`` time steps, ``B`` batch, ``D`` input width, ``H`` hidden units. Parameters use
PyTorch's layout so that they copy straight into ``torch.nn.GRU``: the three blocks are stacked
in the order r (reset), z (update), n (candidate), and there are two bias vectors::

    W_ih (3H, D)   W_hh (3H, H)   b_ih (3H,)   b_hh (3H,)

With ``W_ir, W_iz, W_in = split(W_ih)`` and so on, one step is

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)                       reset gate
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)                       update gate
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))                    "pytorch" (cuDNN)
    n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)                    "cho" (Cho et al. 2014)
    h' = (1 - z) * n + z * h

The two formulations differ only in where the reset gate acts: after the matrix product
(PyTorch/cuDNN, which lets all three recurrent blocks share one matrix multiply) or on ``h``
before it (Cho et al. 2014).

The interface is that of ``helpers.rnn`` and ``helpers.lstm``: :func:`init_params`,
:func:`forward` ``(params, x, state) -> (out, final_state, cache)`` with ``x`` (T, B, D) time
first and the state (1, B, H) as ``torch.nn.GRU``; :func:`backward` ``(cache, d_out,
d_final_state) -> (grads, dx, d_state)`` with ``grads`` keyed ``W_ih, W_hh, b_ih, b_hh``; the
formulation is a keyword of :func:`forward`. The sigmoid is ``scipy.special.expit``.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit

from helpers.checks import check_array, check_choice, check_int, check_number, check_rng, describe
from helpers.rnn import (_GatedParams, _check_cache, _check_dtype, _check_instance,
                         _check_sequence, _check_state, _gated_from_torch, _gated_to_torch)

FORMULATIONS = ("pytorch", "cho")
GATES = ("r", "z", "n")  # PyTorch's block order


@dataclasses.dataclass(frozen=True)
class GRUParams(_GatedParams):
    """Weights of one GRU layer in PyTorch's layout (blocks r, z, n stacked along axis 0).

    W_ih : (3H, D)   W_hh : (3H, H)   b_ih : (3H,)   b_hh : (3H,)

    ``W_hr, W_hz, W_hn = p.blocks("W_hh")``. Validated by ``helpers.rnn.check_weights``
    (finite; integers become float64; all four arrays share one float dtype).
    """

    GATES = GATES


def _check_params(params) -> GRUParams:
    return _check_instance(params, GRUParams)


def init_params(*, input_size: int, hidden_size: int, rng: np.random.Generator,
                scale: float | None = None, dtype=np.float64) -> GRUParams:
    """PyTorch's default initialisation: every entry uniform in (-k, k), k = 1/sqrt(H)
    (or ``scale`` if given)."""
    D = check_int("input_size", input_size, low=1)
    H = check_int("hidden_size", hidden_size, low=1)
    check_rng("rng", rng)
    k = 1.0 / np.sqrt(H) if scale is None else check_number("scale", scale, low=0.0)
    dt = _check_dtype(dtype)
    u = lambda *shape: rng.uniform(-k, k, size=shape).astype(dt)  # noqa: E731
    return GRUParams(W_ih=u(3 * H, D), W_hh=u(3 * H, H), b_ih=u(3 * H), b_hh=u(3 * H))


def step(params: GRUParams, x_t, state=None, *, formulation: str = "pytorch"
         ) -> dict[str, np.ndarray]:
    """One GRU step for teaching, as ``torch.nn.GRUCell``: ``x_t`` (B, D) or (D,), ``state``
    the previous ``h``, (B, H) (or (H,) with an unbatched ``x_t``), zeros if None.

    Returns a dict of the step's pieces: ``r``, ``z``, ``n``, ``h`` (the new state) and
    ``hn`` (what the candidate sees of the old state: ``r * (W_hn h + b_hn)`` for "pytorch",
    ``W_hn (r * h) + b_hn`` for "cho"), each shaped like the state.
    """
    params = _check_params(params)
    check_choice("formulation", formulation, FORMULATIONS)
    x_t = check_array("x_t", x_t, ndim=(1, 2))
    squeeze = x_t.ndim == 1
    x = x_t[None, None] if squeeze else x_t[None]  # (1, B, D)
    B, H = x.shape[1], params.hidden_size
    if state is not None:
        state = check_array("state", state, shape=(H,) if squeeze else (B, H))[None]
        if squeeze:
            state = state[None]
    _, _, cache = forward(params, x, state, formulation=formulation)
    pieces = {k: cache[k][0] for k in ("r", "z", "n", "h", "hn")}
    return {k: v[0] for k, v in pieces.items()} if squeeze else pieces


def forward(params: GRUParams, x, state=None, *, formulation: str = "pytorch"):
    """Run the GRU over a batch of sequences.

    x : (T, B, D) inputs; state : (1, B, H) initial state, zeros if None (as ``torch.nn.GRU``).
    Returns ``(out, final_state, cache)``: ``out`` (T, B, H) the states after each step,
    ``final_state`` (1, B, H) (``out[-1]``), and the cache :func:`backward` needs (it also holds
    the gates ``r``, ``z``, ``n``, each (T, B, H), and ``hs`` (T+1, B, H) with ``hs[0] = h_0``).
    NaN or infinity in ``x`` or ``state`` propagate, as in PyTorch.
    """
    p = _check_params(params)
    check_choice("formulation", formulation, FORMULATIONS)
    x = _check_sequence(x, p.input_size, p.dtype)
    T, B, _ = x.shape
    H = p.hidden_size
    h0 = _check_state("state", state, (1, B, H), p.dtype)[0]
    gx = (x.reshape(T * B, -1) @ p.W_ih.T + p.b_ih).reshape(T, B, 3 * H)  # (T, B, 3H), all steps
    W_hrz, W_hn = p.W_hh[:2 * H], p.W_hh[2 * H:]
    b_hrz, b_hn = p.b_hh[:2 * H], p.b_hh[2 * H:]
    hs = np.empty((T + 1, B, H), dtype=p.dtype)
    hs[0] = h0
    r, z, n = (np.empty((T, B, H), dtype=p.dtype) for _ in range(3))
    hn = np.empty((T, B, H), dtype=p.dtype)    # the recurrent term inside the candidate
    mh = np.empty((T, B, H), dtype=p.dtype)    # the matrix product W_hn h_in + b_hn
    h_in = np.empty((T, B, H), dtype=p.dtype)  # what W_hn multiplies: h ("pytorch") or r*h ("cho")
    for t in range(T):
        h = hs[t]
        if formulation == "pytorch":
            gh = h @ p.W_hh.T + p.b_hh                        # (B, 3H), one matrix multiply
            rz = expit(gx[t, :, :2 * H] + gh[:, :2 * H])
            r[t], z[t] = rz[:, :H], rz[:, H:]
            mh[t] = gh[:, 2 * H:]                             # W_hn h + b_hn
            hn[t] = r[t] * mh[t]
            h_in[t] = h
        else:
            rz = expit(gx[t, :, :2 * H] + h @ W_hrz.T + b_hrz)
            r[t], z[t] = rz[:, :H], rz[:, H:]
            h_in[t] = r[t] * h
            mh[t] = h_in[t] @ W_hn.T + b_hn                   # W_hn (r*h) + b_hn
            hn[t] = mh[t]
        n[t] = np.tanh(gx[t, :, 2 * H:] + hn[t])
        hs[t + 1] = (1.0 - z[t]) * n[t] + z[t] * h
    cache = {"h": hs[1:], "hs": hs, "r": r, "z": z, "n": n, "hn": hn, "mh": mh, "h_in": h_in,
             "x": x, "params": p, "formulation": formulation}
    return hs[1:], hs[T][None].copy(), cache


def backward(cache: dict, d_out, d_final_state=None):
    """Backpropagation through time for :func:`forward`.

    d_out : (T, B, H), dLoss/d of every output state (or None for zeros); d_final_state :
    (1, B, H), dLoss/d final_state, or None.
    Returns ``(grads, dx, d_state)``: ``grads`` a dict shaped like the parameters, with keys
    ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``; ``dx`` (T, B, D); ``d_state`` (1, B, H), the gradient
    of the initial state.
    """
    _check_cache(cache, ("params", "hs", "r", "z", "n", "mh", "h_in", "x", "formulation"), "gru")
    p: GRUParams = cache["params"]
    hs, r, z, n, mh, h_in, x = (cache[k] for k in ("hs", "r", "z", "n", "mh", "h_in", "x"))
    T, B, H = r.shape
    dh = _check_state("d_out", d_out, (T, B, H), p.dtype)
    dh[-1] += _check_state("d_final_state", d_final_state, (1, B, H), p.dtype)[0]
    cho = cache["formulation"] == "cho"
    W_hrz, W_hn = p.W_hh[:2 * H], p.W_hh[2 * H:]
    dgx = np.empty((T, B, 3 * H), dtype=p.dtype)  # gradient w.r.t. W_ih x + b_ih, all steps
    dgh = np.empty((T, B, 3 * H), dtype=p.dtype)  # gradient w.r.t. the recurrent pre-activations
    dh_next = np.zeros((B, H), dtype=p.dtype)
    for t in reversed(range(T)):
        g = dh[t] + dh_next                       # total gradient reaching h[t]
        h = hs[t]
        da_n = g * (1.0 - z[t]) * (1.0 - n[t] ** 2)
        da_z = g * (h - n[t]) * z[t] * (1.0 - z[t])
        dgx[t, :, 2 * H:] = da_n
        dgx[t, :, H:2 * H] = da_z
        dgh[t, :, H:2 * H] = da_z
        if cho:
            dgh[t, :, 2 * H:] = da_n              # w.r.t. W_hn (r*h) + b_hn
            d_rh = da_n @ W_hn                    # (B, H), w.r.t. r*h
            da_r = d_rh * h * r[t] * (1.0 - r[t])
            dgx[t, :, :H] = da_r
            dgh[t, :, :H] = da_r
            dh_next = g * z[t] + d_rh * r[t] + dgh[t, :, :2 * H] @ W_hrz
        else:
            dgh[t, :, 2 * H:] = da_n * r[t]       # w.r.t. W_hn h + b_hn
            da_r = da_n * mh[t] * r[t] * (1.0 - r[t])
            dgx[t, :, :H] = da_r
            dgh[t, :, :H] = da_r
            dh_next = g * z[t] + dgh[t] @ p.W_hh
    D = x.shape[2]
    dgx2, dgh2 = dgx.reshape(T * B, 3 * H), dgh.reshape(T * B, 3 * H)
    h_prev = hs[:-1].reshape(T * B, H)
    dW_hh = np.empty_like(p.W_hh)
    dW_hh[:2 * H] = dgh2[:, :2 * H].T @ h_prev
    dW_hh[2 * H:] = dgh2[:, 2 * H:].T @ h_in.reshape(T * B, H)
    grads = {
        "W_ih": dgx2.T @ x.reshape(T * B, D),
        "W_hh": dW_hh,
        "b_ih": dgx2.sum(axis=0),
        "b_hh": dgh2.sum(axis=0),
    }
    return grads, (dgx2 @ p.W_ih).reshape(T, B, D), dh_next[None]


def state_jacobians(cache: dict) -> np.ndarray:
    """The one-step Jacobians ``J[t] = d h[t] / d h[t-1]`` of a run of :func:`forward`.

    Returns (T, B, H, H), ``J[t, b, i, j] = d h_i[t] / d h_j[t-1]`` for sequence ``b``. With
    ``s = sigma'``: ``J = diag(z) + diag((h - n) z (1 - z)) W_hz + diag((1 - z)(1 - n^2)) dA_n``,
    where ``dA_n = diag(r) W_hn + diag(W_hn h + b_hn) diag(r (1 - r)) W_hr`` ("pytorch") or
    ``W_hn (diag(r) + diag(h) diag(r (1 - r)) W_hr)`` ("cho"). The first term, ``diag(z)``, is the
    update gate's direct path.
    """
    _check_cache(cache, ("params", "hs", "r", "z", "n", "mh", "formulation"), "gru")
    p: GRUParams = cache["params"]
    hs, r, z, n, mh = (cache[k] for k in ("hs", "r", "z", "n", "mh"))
    T, B, H = r.shape
    W_hr, W_hz, W_hn = p.blocks("W_hh")
    h = hs[:-1]                                            # (T, B, H), the state each step reads
    dr = (r * (1 - r))[..., None] * W_hr                   # (T, B, H, H)  d r / d h
    dz = (z * (1 - z))[..., None] * W_hz                   # (T, B, H, H)  d z / d h
    if cache["formulation"] == "pytorch":
        da_n = r[..., None] * W_hn + mh[..., None] * dr
    else:
        inner = np.eye(H, dtype=p.dtype) * r[..., None, :] + h[..., None] * dr  # d(r*h)/dh
        da_n = W_hn @ inner
    J = ((h - n)[..., None] * dz + ((1 - z) * (1 - n ** 2))[..., None] * da_n)
    J += np.eye(H, dtype=p.dtype) * z[..., None, :]       # diag(z): the update gate's direct path
    return J


def norms_to_end(J: np.ndarray) -> np.ndarray:
    """Spectral norms ``||d h[T] / d h[t]||_2`` for t = 0..T from one-step Jacobians.

    J : (T, H, H) with ``J[t-1] = d h[t] / d h[t-1]`` (one sequence). Returns (T + 1,), whose last
    entry is 1 (the identity) and whose entry ``t`` is the norm of ``J[T-1] ... J[t]``.
    """
    J = check_array("J", J, ndim=3, finite=True)
    if J.shape[1] != J.shape[2] or J.shape[0] < 1 or J.shape[1] < 1:
        raise ValueError(f"J must have shape (T, H, H) with T, H >= 1, got {J.shape}")
    T, H, _ = J.shape
    out = np.empty(T + 1)
    M = np.eye(H, dtype=J.dtype)
    out[T] = 1.0
    for t in reversed(range(T)):
        M = M @ J[t]
        out[t] = np.linalg.norm(M, ord=2)
    return out


def update_gate_flow(z_bias: float, w_scale: float, T: int = 60, H: int = 32, D: int = 8,
                     seed: int = 0, formulation: str = "pytorch") -> dict[str, np.ndarray]:
    """How far a gradient travels back through a random GRU, beside a tanh RNN.

    Both nets share a random recurrent matrix with entries N(0, w_scale^2 / H) (so its spectral
    radius is about ``w_scale``), input weights N(0, 1/D), standard-normal inputs, zero biases,
    except the GRU's update-gate bias ``b_iz = z_bias`` (which sets how close z sits to 1).
    Returns ``t`` (T+1,), ``gru`` and ``rnn`` (T+1,) the norms ``||d h_T / d h_t||``, ``z_mean``
    (the average update gate), and ``z_product`` (T+1,), the product of the mean gate over
    steps t+1..T: the direct path's share, ``prod z``. The RNN's norms come from chapter 2's
    :func:`helpers.gradients.rnn_jacobian_norms`.
    """
    z_bias = check_number("z_bias", z_bias)
    w_scale = check_number("w_scale", w_scale, low=0.0)
    T = check_int("T", T, low=1)
    H = check_int("H", H, low=1)
    D = check_int("D", D, low=1)
    seed = check_int("seed", seed, low=0)
    check_choice("formulation", formulation, FORMULATIONS)
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, w_scale / np.sqrt(H), size=(H, H))
    U = rng.normal(0.0, 1.0 / np.sqrt(D), size=(H, D))
    x = rng.normal(size=(T, 1, D))
    W_ih = np.concatenate([rng.normal(0.0, 1.0 / np.sqrt(D), size=(2 * H, D)), U])
    W_hh = np.concatenate([rng.normal(0.0, w_scale / np.sqrt(H), size=(2 * H, H)), W])
    b_ih = np.zeros(3 * H)
    b_ih[H:2 * H] = z_bias
    params = GRUParams(W_ih, W_hh, b_ih, np.zeros(3 * H))
    _, _, cache = forward(params, x, formulation=formulation)
    gru = norms_to_end(state_jacobians(cache)[:, 0])
    # the tanh RNN h_t = tanh(U x_t + W h_{t-1}) with the same U, W, through chapter 2's tool
    # (which indexes by steps back, k = T - t; reverse it to index by t)
    from helpers.gradients import rnn_jacobian_norms

    zeros = np.zeros(H)
    rnn = rnn_jacobian_norms([{"W_ih": U, "W_hh": W, "b_ih": zeros, "b_hh": zeros}], x[:, 0],
                             activation="tanh")[::-1]
    z_mean = cache["z"][:, 0].mean(axis=1)                       # (T,)
    z_product = np.append(np.cumprod(z_mean[::-1])[::-1], 1.0)    # prod_{s > t} mean z_s
    return {"t": np.arange(T + 1), "gru": gru, "rnn": rnn, "z_mean": float(z_mean.mean()),
            "z_product": z_product}


# -- PyTorch conversion -------------------------------------------------------------------------
def from_torch(module, *, input_size: int | None = None, hidden_size: int | None = None,
               dtype=None) -> GRUParams:
    """Copy a one-layer, unidirectional ``torch.nn.GRU``'s weights into :class:`GRUParams`.

    ``input_size`` / ``hidden_size``, if given, are what the caller expects the module to have
    (a guard against loading weights meant for another model). ``dtype``: np.float64 (None) or
    np.float32. A module without biases gives zeros.
    """
    return _gated_from_torch(module, "gru", GRUParams, input_size=input_size,
                             hidden_size=hidden_size, dtype=dtype)


def to_torch(params: GRUParams, module=None):
    """Copy :class:`GRUParams` into ``module`` (a one-layer ``torch.nn.GRU`` of the same sizes,
    with biases), or into a new one of the params' dtype if ``module`` is None. Returns the
    module."""
    return _gated_to_torch(_check_params(params), module, "gru")


# -- the chapter's explorer -------------------------------------------------------------------
Z_BIASES = (-4.0, -2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
W_SCALES = (0.5, 1.0, 1.5, 2.0, 3.0)


def draw_update_gate_flow(data: dict, z_bias=None, w_scale=None, **_):
    """Frame for :func:`update_gate_flow`: ``||d h_T / d h_t||`` against t on a log axis for the
    GRU and the tanh RNN, the direct path's product of mean update gates, and the 1e-3 floor."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    from helpers.gradients import norm_status
    from helpers.plotting import PALETTE, label, new_figure

    if not isinstance(data, dict) or not {"t", "gru", "rnn", "z_mean", "z_product"} <= set(data):
        raise TypeError(f"data must be the dict update_gate_flow returns, got {describe(data)}")

    fig, ax = new_figure(figsize=(6.4, 3.6), layout=None)
    t, T = data["t"], data["t"][-1]
    floor, lo, hi = 1e-3, 1e-16, 1e4
    show = lambda v: np.clip(np.nan_to_num(v, nan=lo, posinf=hi), lo, hi)  # noqa: E731
    ax.semilogy(t, show(data["gru"]), color=PALETTE["blue"], lw=2, label="GRU")
    ax.semilogy(t, show(data["rnn"]), color=PALETTE["orange"], lw=2, label="tanh RNN")
    ax.semilogy(t, show(data["z_product"]), color=PALETTE["green"], ls="--",
                label="direct path: product of mean z")
    ax.axhline(floor, color="grey", lw=0.8, ls=":")
    ax.set_ylim(lo, hi)
    # plain-text decade labels: mathtext tick labels would double the frame's drawing time
    ax.yaxis.set_major_locator(LogLocator(numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{round(np.log10(v)):d}"))
    ax.set_xlim(0, T)
    parts = []
    for name in ("gru", "rnn"):
        st = norm_status(data[name][::-1], floor=floor)
        parts.append(f"{'GRU' if name == 'gru' else 'RNN'}: "
                     + (f"below 1e-3 at {st.vanish_step} steps back" if st.vanish_step is not None
                        else "above 1e-3 throughout"))
    title = (f"update-gate bias {z_bias:+g} (mean z = {data['z_mean']:.2f}), "
             f"weight scale {w_scale:g}" if z_bias is not None else None)
    label(ax, "time step t", "‖∂h_T / ∂h_t‖₂  (T = %d)" % T, title)
    ax.text(0.02, 0.96, "; ".join(parts), transform=ax.transAxes, fontsize=8.5, va="top",
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    ax.legend(loc="lower right", fontsize=8.5)
    return fig


def update_gate_explorer(T: int = 60):
    """The chapter's explorer: update-gate bias and recurrent weight scale -> gradient flow."""
    from helpers.widgets import Control, Explorer

    T = check_int("T", T, low=1)
    return Explorer(
        lambda z_bias, w_scale: update_gate_flow(z_bias, w_scale, T=T),
        draw_update_gate_flow,
        [Control("z_bias", Z_BIASES, 2.0, "update-gate bias b_z", fmt=lambda v: f"{v:+g}"),
         Control("w_scale", W_SCALES, 1.0, "recurrent weight scale", fmt=lambda v: f"{v:g}")],
        static=("z_bias", "w_scale"))


# -- what the reset gate is for: a GRU tagger with the reset gate learned or pinned at 1 ---------
RESETS = ("learned", "pinned")
PIN_BIAS = 30.0  # sigmoid(30) = 1 - 9.4e-14: exactly 1.0 in float32


def tagger(hidden_size: int, *, input_size: int = 2, reset: str = "learned"):
    """A one-layer ``torch.nn.GRU`` (batch first) with a linear read-out at every step:
    (B, T, input_size) -> (B, T). PyTorch's default initialisation; seed torch first.

    ``reset="learned"``: a plain ``torch.nn.GRU``. ``reset="pinned"``: the same module with the
    reset block's weights ``W_ir``, ``W_hr`` and bias ``b_hr`` set to 0 and ``b_ir`` to
    :data:`PIN_BIAS`, so that ``r = sigmoid(30) = 1`` at every step (exactly in float32, to
    1e-13 in float64), and hooks that zero the reset block's gradients, so that training never
    moves it. The candidate is then ``tanh(W_in x + b_in + W_hn h + b_hn)``: it always sees the
    whole old state. The z and n blocks start from the same initial values in both cases (the
    pinned model overwrites only the r block), and ``hidden_size`` is the same; the pinned model
    trains H(D + H + 2) fewer parameters (``model.n_trainable``).
    """
    import torch

    hidden_size = check_int("hidden_size", hidden_size, low=1)
    input_size = check_int("input_size", input_size, low=1)
    reset = check_choice("reset", reset, RESETS)
    H = hidden_size

    class GRUTagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.reset = reset
            self.rnn = torch.nn.GRU(input_size, H, batch_first=True)
            self.out = torch.nn.Linear(H, 1)
            self.n_trainable = sum(p.numel() for p in self.parameters())
            if reset == "pinned":
                with torch.no_grad():  # block order r, z, n: rows :H are the reset gate
                    self.rnn.weight_ih_l0[:H].zero_()
                    self.rnn.weight_hh_l0[:H].zero_()
                    self.rnn.bias_ih_l0[:H].fill_(PIN_BIAS)
                    self.rnn.bias_hh_l0[:H].zero_()
                keep = torch.ones(3 * H, 1)
                keep[:H] = 0.0
                for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                    p = getattr(self.rnn, name)
                    mask = keep if p.ndim == 2 else keep[:, 0]
                    p.register_hook(lambda g, m=mask: g * m.to(g.dtype))
                self.n_trainable -= H * (input_size + H + 2)

        def forward(self, x):  # x: (B, T, D)
            hs, _ = self.rnn(x)                       # (B, T, H)
            return self.out(hs).squeeze(-1)           # (B, T)

    return GRUTagger()


def reset_gates(model, x) -> np.ndarray:
    """The reset gate ``r`` of a :func:`tagger`'s GRU on the batch ``x`` (B, T, D): (B, T, H),
    computed by this module's numpy :func:`forward` (float64) from the model's weights."""
    import torch

    if not isinstance(model, torch.nn.Module) or not isinstance(getattr(model, "rnn", None),
                                                                  torch.nn.GRU):
        raise TypeError(f"model must be a module made by tagger(), got {describe(model)}")
    x = check_array("x", x, ndim=3, dtype=np.float64, finite=True, min_size=1)
    params = from_torch(model.rnn, input_size=x.shape[2])
    _, _, cache = forward(params, x.transpose(1, 0, 2))
    return cache["r"].transpose(1, 0, 2)


# -- implement it: one step of the backward pass ------------------------------------------------
def check_step_backward(fn, n_cases: int = 20, seed: int = 0) -> bool:
    """Check a reader's one-step GRU backward (the PyTorch formulation) against :func:`backward`.

    ``fn(params, x, h_prev, d_h) -> (grads, dx, dh_prev)``: ``params`` a :class:`GRUParams`,
    ``x`` (B, D) the input, ``h_prev`` (B, H) the previous state, ``d_h`` (B, H) dLoss/d of the
    new state ``h``; ``grads`` a dict with ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh`` shaped like the
    parameters, ``dx`` (B, D), ``dh_prev`` (B, H). Random sizes and inputs; prints the first
    case that differs (which output, expected vs got) or that all agree to 1e-9; returns
    True/False.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(params, x, h_prev, d_h), got {describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        B, D, H = (int(v) for v in rng.integers(1, 5, size=3))
        params = init_params(input_size=D, hidden_size=H, rng=rng, scale=1.0)
        x, h_prev = rng.normal(size=(B, D)), 0.8 * rng.uniform(-1, 1, size=(B, H))
        d_h = rng.normal(size=(B, H))
        _, _, cache = forward(params, x[None], h_prev[None])
        grads, dx, dh_prev = backward(cache, d_h[None])
        want = {**grads, "dx": dx[0], "dh_prev": dh_prev[0]}
        out = fn(params, x.copy(), h_prev.copy(), d_h.copy())
        if not (isinstance(out, tuple) and len(out) == 3 and isinstance(out[0], dict)):
            print(f"case {k}: fn must return (grads dict, dx, dh_prev), got {describe(out)}")
            return False
        got = {**out[0], "dx": out[1], "dh_prev": out[2]}
        for name, w in want.items():
            g = np.asarray(got.get(name, np.nan), dtype=float)
            if g.shape != w.shape or not np.allclose(g, w, rtol=0, atol=1e-9):
                print(f"case {k} (B={B}, D={D}, H={H}): {name} differs\n  expected "
                      f"{np.round(w, 4).tolist()}\n  got      {np.round(g, 4).tolist()}")
                return False
    print(f"all {n_cases} cases agree with helpers.gru.backward")
    return True
