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
"""
from __future__ import annotations

import dataclasses

import numpy as np

FORMULATIONS = ("pytorch", "cho")


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function, computed without overflow for large negative ``a``."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _check_formulation(formulation: str) -> None:
    if formulation not in FORMULATIONS:
        raise ValueError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")


@dataclasses.dataclass(frozen=True)
class GRUParams:
    """Weights of one GRU layer in PyTorch's layout (blocks r, z, n stacked along axis 0).

    W_ih : (3H, D)   W_hh : (3H, H)   b_ih : (3H,)   b_hh : (3H,)
    """

    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray

    def __post_init__(self):
        arrays = {}
        for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
            a = np.asarray(getattr(self, name))
            if a.dtype not in (np.float32, np.float64):
                raise ValueError(f"{name} must be float32 or float64, got dtype {a.dtype}")
            arrays[name] = a
        W_hh = arrays["W_hh"]
        if W_hh.ndim != 2 or W_hh.shape[0] != 3 * W_hh.shape[1] or W_hh.shape[1] == 0:
            raise ValueError(f"W_hh must have shape (3H, H) with H >= 1, got {W_hh.shape}")
        H = W_hh.shape[1]
        W_ih = arrays["W_ih"]
        if W_ih.ndim != 2 or W_ih.shape[0] != 3 * H or W_ih.shape[1] == 0:
            raise ValueError(f"W_ih must have shape (3H, D) = ({3 * H}, D) with D >= 1 "
                             f"(H = {H} from W_hh), got {W_ih.shape}")
        for name in ("b_ih", "b_hh"):
            if arrays[name].shape != (3 * H,):
                raise ValueError(f"{name} must have shape (3H,) = ({3 * H},) (H = {H} from W_hh), "
                                 f"got {arrays[name].shape}")
        dtypes = {a.dtype for a in arrays.values()}
        if len(dtypes) != 1:
            raise ValueError(f"W_ih, W_hh, b_ih, b_hh must share one dtype, got "
                             f"{ {k: str(a.dtype) for k, a in arrays.items()} }")
        for name, a in arrays.items():
            object.__setattr__(self, name, a)

    @property
    def hidden_size(self) -> int:
        return self.W_hh.shape[1]

    @property
    def input_size(self) -> int:
        return self.W_ih.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.W_hh.dtype

    def astype(self, dtype) -> "GRUParams":
        """A copy in another float dtype."""
        return GRUParams(*(np.asarray(a, dtype=dtype).copy() for a in dataclasses.astuple(self)))

    def blocks(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The r, z, n blocks of one parameter, e.g. ``W_hr, W_hz, W_hn = p.blocks("W_hh")``."""
        if name not in ("W_ih", "W_hh", "b_ih", "b_hh"):
            raise ValueError(f"name must be one of W_ih, W_hh, b_ih, b_hh, got {name!r}")
        H = self.hidden_size
        a = getattr(self, name)
        return a[:H], a[H:2 * H], a[2 * H:]

    @property
    def n_parameters(self) -> int:
        return sum(a.size for a in dataclasses.astuple(self))


def init_gru_params(input_size: int, hidden_size: int, rng: np.random.Generator,
                    scale: float | None = None, dtype=np.float64) -> GRUParams:
    """PyTorch's default initialisation: every entry uniform in (-k, k), k = 1/sqrt(H)
    (or ``scale`` if given)."""
    if int(input_size) < 1 or int(hidden_size) < 1:
        raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size} and "
                         f"{hidden_size}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
    H, D = int(hidden_size), int(input_size)
    k = 1.0 / np.sqrt(H) if scale is None else float(scale)
    u = lambda *shape: rng.uniform(-k, k, size=shape).astype(dtype)  # noqa: E731
    return GRUParams(W_ih=u(3 * H, D), W_hh=u(3 * H, H), b_ih=u(3 * H), b_hh=u(3 * H))


def _check_inputs(x: np.ndarray, h0: np.ndarray | None, params: GRUParams):
    if not isinstance(params, GRUParams):
        raise ValueError(f"params must be a GRUParams, got {type(params).__name__}")
    x = np.asarray(x)
    D, H = params.input_size, params.hidden_size
    if x.ndim != 3 or x.shape[2] != D or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (T, B, input_size) = (T, B, {D}) with T, B >= 1, "
                         f"got {x.shape}")
    B = x.shape[1]
    if h0 is None:
        h0 = np.zeros((B, H), dtype=params.dtype)
    h0 = np.asarray(h0)
    if h0.shape != (B, H):
        raise ValueError(f"h0 must have shape (B, hidden_size) = ({B}, {H}), got {h0.shape}")
    return x.astype(params.dtype, copy=False), h0.astype(params.dtype, copy=False)


def gru_cell(x: np.ndarray, h: np.ndarray, params: GRUParams,
             formulation: str = "pytorch") -> dict[str, np.ndarray]:
    """One GRU step for teaching: ``x`` (B, D) or (D,), ``h`` (B, H) or (H,).

    Returns a dict of the step's pieces: ``r``, ``z``, ``n``, ``h`` (the new state) and
    ``hn`` (what the candidate sees of the old state: ``r * (W_hn h + b_hn)`` for "pytorch",
    ``W_hn (r * h) + b_hn`` for "cho"), each shaped like ``h``.
    """
    _check_formulation(formulation)
    squeeze = np.ndim(x) == 1
    x2 = np.atleast_2d(x)
    h2 = np.atleast_2d(h)
    x3, h2 = _check_inputs(x2[None], h2, params)
    out = _forward(x3, h2, params, formulation)
    pieces = {"r": out["r"][0], "z": out["z"][0], "n": out["n"][0], "h": out["h"][0],
              "hn": out["hn"][0]}
    return {k: v[0] for k, v in pieces.items()} if squeeze else pieces


def _forward(x, h0, p: GRUParams, formulation: str):
    T, B, _ = x.shape
    H = p.hidden_size
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
            a_rz = gx[t, :, :2 * H] + gh[:, :2 * H]
            rz = sigmoid(a_rz)
            r[t], z[t] = rz[:, :H], rz[:, H:]
            mh[t] = gh[:, 2 * H:]                             # W_hn h + b_hn
            hn[t] = r[t] * mh[t]
            h_in[t] = h
        else:
            rz = sigmoid(gx[t, :, :2 * H] + h @ W_hrz.T + b_hrz)
            r[t], z[t] = rz[:, :H], rz[:, H:]
            h_in[t] = r[t] * h
            mh[t] = h_in[t] @ W_hn.T + b_hn                   # W_hn (r*h) + b_hn
            hn[t] = mh[t]
        n[t] = np.tanh(gx[t, :, 2 * H:] + hn[t])
        hs[t + 1] = (1.0 - z[t]) * n[t] + z[t] * h
    return {"h": hs[1:], "hs": hs, "r": r, "z": z, "n": n, "hn": hn, "mh": mh, "h_in": h_in, "x": x,
            "params": p, "formulation": formulation}


def gru_forward(x: np.ndarray, h0: np.ndarray | None, params: GRUParams,
                formulation: str = "pytorch") -> tuple[np.ndarray, dict]:
    """Run the GRU over a sequence.

    x : (T, B, D) inputs; h0 : (B, H) initial state (``None`` means zeros).
    Returns ``(h, cache)``: ``h`` (T, B, H) the states after each step (``h[-1]`` is the final
    state, as ``torch.nn.GRU`` returns it), and the ``cache`` :func:`gru_backward` needs (it also
    holds the gates ``r``, ``z``, ``n``, each (T, B, H)).
    """
    _check_formulation(formulation)
    x, h0 = _check_inputs(x, h0, params)
    cache = _forward(x, h0, params, formulation)
    return cache["h"], cache


def gru_backward(dh: np.ndarray, cache: dict) -> dict[str, np.ndarray]:
    """Backpropagation through time for :func:`gru_forward`.

    dh : (T, B, H), the gradient of the loss with respect to every output state ``h[t]``
    (put the gradient with respect to the final state into ``dh[-1]``).
    Returns gradients ``dx`` (T, B, D), ``dh0`` (B, H), ``dW_ih``, ``dW_hh``, ``db_ih``,
    ``db_hh`` (shaped like the parameters).
    """
    p: GRUParams = cache["params"]
    hs, r, z, n, mh, h_in, x = (cache[k] for k in ("hs", "r", "z", "n", "mh", "h_in", "x"))
    T, B, H = r.shape
    dh = np.asarray(dh)
    if dh.shape != (T, B, H):
        raise ValueError(f"dh must have shape (T, B, H) = ({T}, {B}, {H}), got {dh.shape}")
    dh = dh.astype(p.dtype, copy=False)
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
    return {
        "dx": (dgx2 @ p.W_ih).reshape(T, B, D),
        "dh0": dh_next,
        "dW_ih": dgx2.T @ x.reshape(T * B, D),
        "dW_hh": dW_hh,
        "db_ih": dgx2.sum(axis=0),
        "db_hh": dgh2.sum(axis=0),
    }


def gru_state_jacobians(cache: dict) -> np.ndarray:
    """The one-step Jacobians ``J[t] = d h[t] / d h[t-1]`` of a run of :func:`gru_forward`.

    Returns (T, B, H, H), ``J[t, b, i, j] = d h_i[t] / d h_j[t-1]`` for sequence ``b``. With
    ``s = sigma'``: ``J = diag(z) + diag((h - n) z (1 - z)) W_hz + diag((1 - z)(1 - n^2)) dA_n``,
    where ``dA_n = diag(r) W_hn + diag(W_hn h + b_hn) diag(r (1 - r)) W_hr`` ("pytorch") or
    ``W_hn (diag(r) + diag(h) diag(r (1 - r)) W_hr)`` ("cho"). The first term, ``diag(z)``, is the
    update gate's direct path.
    """
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
    J = np.asarray(J)
    if J.ndim != 3 or J.shape[1] != J.shape[2]:
        raise ValueError(f"J must have shape (T, H, H), got {J.shape}")
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
    if T < 1 or H < 1 or D < 1:
        raise ValueError(f"T, H and D must be >= 1, got {T}, {H}, {D}")
    if not np.isfinite(z_bias) or not (np.isfinite(w_scale) and w_scale >= 0):
        raise ValueError(f"z_bias must be finite and w_scale finite and >= 0, got {z_bias}, "
                         f"{w_scale}")
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, w_scale / np.sqrt(H), size=(H, H))
    U = rng.normal(0.0, 1.0 / np.sqrt(D), size=(H, D))
    x = rng.normal(size=(T, 1, D))
    W_ih = np.concatenate([rng.normal(0.0, 1.0 / np.sqrt(D), size=(2 * H, D)), U])
    W_hh = np.concatenate([rng.normal(0.0, w_scale / np.sqrt(H), size=(2 * H, H)), W])
    b_ih = np.zeros(3 * H)
    b_ih[H:2 * H] = z_bias
    params = GRUParams(W_ih, W_hh, b_ih, np.zeros(3 * H))
    _, cache = gru_forward(x, None, params, formulation)
    gru = norms_to_end(gru_state_jacobians(cache)[:, 0])
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
def from_torch(module, input_size: int | None = None, hidden_size: int | None = None,
               dtype=None) -> GRUParams:
    """Copy a one-layer, one-direction ``torch.nn.GRU``'s weights into :class:`GRUParams`.

    ``input_size`` / ``hidden_size``, if given, are what the caller expects the module to have.
    ``dtype`` (default: the module's) sets the numpy dtype. A module without biases gives zeros.
    """
    import torch

    if not isinstance(module, torch.nn.GRU):
        raise ValueError(f"module must be a torch.nn.GRU, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional:
        raise ValueError(f"module must have num_layers=1 and bidirectional=False, got "
                         f"num_layers={module.num_layers}, bidirectional={module.bidirectional}")
    for name, want in (("input_size", input_size), ("hidden_size", hidden_size)):
        got = getattr(module, name)
        if want is not None and got != want:
            raise ValueError(f"module must have {name}={want}, got {name}={got}")
    get = lambda a: a.detach().cpu().numpy().astype(dtype or a.detach().numpy().dtype)  # noqa: E731
    W_ih, W_hh = get(module.weight_ih_l0), get(module.weight_hh_l0)
    if module.bias:
        b_ih, b_hh = get(module.bias_ih_l0), get(module.bias_hh_l0)
    else:
        b_ih = b_hh = np.zeros(W_hh.shape[0], dtype=W_hh.dtype)
    return GRUParams(W_ih, W_hh, b_ih, b_hh)


def to_torch(params: GRUParams, module=None):
    """Load ``params`` into ``module`` (a one-layer ``torch.nn.GRU`` of the same sizes, with
    biases) or, if ``module`` is None, into a new one of the params' dtype. Returns the module."""
    import torch

    if not isinstance(params, GRUParams):
        raise ValueError(f"params must be a GRUParams, got {type(params).__name__}")
    D, H = params.input_size, params.hidden_size
    if module is None:
        tdtype = torch.float64 if params.dtype == np.float64 else torch.float32
        module = torch.nn.GRU(D, H, dtype=tdtype)
    if not isinstance(module, torch.nn.GRU):
        raise ValueError(f"module must be a torch.nn.GRU, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or not module.bias:
        raise ValueError("module must have num_layers=1, bidirectional=False and bias=True")
    if module.input_size != D or module.hidden_size != H:
        raise ValueError(f"module must have input_size={D} and hidden_size={H} (the params'), "
                         f"got input_size={module.input_size}, hidden_size={module.hidden_size}")
    with torch.no_grad():
        for name, a in (("weight_ih_l0", params.W_ih), ("weight_hh_l0", params.W_hh),
                        ("bias_ih_l0", params.b_ih), ("bias_hh_l0", params.b_hh)):
            p = getattr(module, name)
            p.copy_(torch.from_numpy(np.ascontiguousarray(a)).to(p.dtype))
    return module


# -- the chapter's explorer -------------------------------------------------------------------
Z_BIASES = (-4.0, -2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
W_SCALES = (0.5, 1.0, 1.5, 2.0, 3.0)


def draw_update_gate_flow(data: dict, z_bias=None, w_scale=None, **_):
    """Frame for :func:`update_gate_flow`: ``||d h_T / d h_t||`` against t on a log axis for the
    GRU and the tanh RNN, the direct path's product of mean update gates, and the 1e-3 floor."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    from helpers.gradients import norm_status
    from helpers.plotting import PALETTE, label, new_figure

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

    return Explorer(
        lambda z_bias, w_scale: update_gate_flow(z_bias, w_scale, T=T),
        draw_update_gate_flow,
        [Control("z_bias", Z_BIASES, 2.0, "update-gate bias b_z", fmt=lambda v: f"{v:+g}"),
         Control("w_scale", W_SCALES, 1.0, "recurrent weight scale", fmt=lambda v: f"{v:g}")],
        static=("z_bias", "w_scale"))
