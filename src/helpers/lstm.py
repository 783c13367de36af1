"""A long short-term memory (LSTM) layer in numpy, with hand-written backpropagation through time
(chapter 3).

One step, for a batch of B sequences (rows), hidden size H, input size D:

    z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        (B, 4H): all four blocks in one product
    i_t = sigmoid(z_t[:, 0:H])        input gate        (the notes' 输入门)
    f_t = sigmoid(z_t[:, H:2H])       forget gate       (遗忘门)
    g_t = tanh(z_t[:, 2H:3H])         candidate         (候选, the notes' C'(t)) -- not a gate
    o_t = sigmoid(z_t[:, 3H:4H])      output gate       (输出门)
    c_t = f_t * c_{t-1} + i_t * g_t   cell state        (记忆单元状态, the notes' C(t))
    h_t = o_t * tanh(c_t)             hidden state      (the notes' S(t))

The block order i, f, g, o and the two bias vectors are those of ``torch.nn.LSTM``
(``weight_ih_l0`` is ``W_ih`` (4H, D), ``weight_hh_l0`` is ``W_hh`` (4H, H), ``bias_ih_l0`` and
``bias_hh_l0`` are ``b_ih`` and ``b_hh`` (4H,)); :func:`from_torch` and :func:`to_torch` copy them
across. Sequences are time-major, ``x`` of shape (T, B, D), as ``torch.nn.LSTM`` without
``batch_first``. Arithmetic is done in the dtype of the parameters (float64 or float32).

:func:`lstm_peephole_forward` is the peephole variant (Gers & Schmidhuber 2000; Gers, Schraudolph
& Schmidhuber 2002), in which the cell state does enter the gates.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from helpers.gradients import rnn_jacobian_norms

GATES = ("i", "f", "g", "o")  # PyTorch's block order


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function, computed without overflow for large negative ``a``."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _sigmoid_inplace(a: np.ndarray) -> None:
    """``a <- sigmoid(a)`` in place, through tanh (no overflow, no temporaries)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


@dataclasses.dataclass(frozen=True)
class LSTMParams:
    """Weights of one LSTM layer: ``W_ih`` (4H, D), ``W_hh`` (4H, H), ``b_ih`` (4H,), ``b_hh`` (4H,).

    Rows come in blocks of H in the order i, f, g, o. All four arrays share one float dtype.
    """

    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray

    def __post_init__(self):
        arrays = {}
        for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
            a = np.asarray(getattr(self, name))
            if not np.issubdtype(a.dtype, np.floating):
                a = a.astype(np.float64)
            arrays[name] = a
        W_ih, W_hh = arrays["W_ih"], arrays["W_hh"]
        if W_hh.ndim != 2 or W_hh.shape[0] != 4 * W_hh.shape[1] or W_hh.shape[1] == 0:
            raise ValueError(f"W_hh must have shape (4H, H) with H >= 1, got {W_hh.shape}")
        H = W_hh.shape[1]
        if W_ih.ndim != 2 or W_ih.shape[0] != 4 * H or W_ih.shape[1] == 0:
            raise ValueError(f"W_ih must have shape (4H, D) = (4*{H}, D) = ({4 * H}, D) with "
                             f"D >= 1 (H = {H} from W_hh), got {W_ih.shape}")
        for name in ("b_ih", "b_hh"):
            if arrays[name].shape != (4 * H,):
                raise ValueError(f"{name} must have shape (4H,) = ({4 * H},) (H = {H} from W_hh), "
                                 f"got {arrays[name].shape}")
        dtype = np.result_type(*arrays.values())
        for name, a in arrays.items():
            object.__setattr__(self, name, a.astype(dtype, copy=False))

    @property
    def hidden_size(self) -> int:
        return self.W_hh.shape[1]

    @property
    def input_size(self) -> int:
        return self.W_ih.shape[1]

    @property
    def dtype(self):
        return self.W_hh.dtype

    def block(self, name: str, gate: str) -> np.ndarray:
        """The rows of ``W_ih``, ``W_hh``, ``b_ih`` or ``b_hh`` that belong to gate ``gate``
        (one of ``"i", "f", "g", "o"``): shape (H, D), (H, H) or (H,)."""
        if gate not in GATES:
            raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
        if name not in ("W_ih", "W_hh", "b_ih", "b_hh"):
            raise ValueError(f"name must be one of W_ih, W_hh, b_ih, b_hh, got {name!r}")
        k, H = GATES.index(gate), self.hidden_size
        return getattr(self, name)[k * H:(k + 1) * H]

    def astype(self, dtype) -> "LSTMParams":
        return LSTMParams(*(getattr(self, n).astype(dtype) for n in ("W_ih", "W_hh", "b_ih", "b_hh")))

    def n_params(self) -> int:
        return sum(getattr(self, n).size for n in ("W_ih", "W_hh", "b_ih", "b_hh"))


def init_params(input_size: int, hidden_size: int, rng: np.random.Generator, *,
                forget_bias: float | None = None, dtype=np.float64) -> LSTMParams:
    """Parameters drawn like ``torch.nn.LSTM``: every entry U(-1/sqrt(H), 1/sqrt(H)).

    ``forget_bias``: if given, the forget block of ``b_ih`` is set to it and that of ``b_hh``
    to 0, so the forget gate starts at sigmoid(forget_bias) on average (Gers et al. 2000;
    Jozefowicz et al. 2015 recommend 1).
    """
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
    H, k = hidden_size, 1.0 / np.sqrt(hidden_size)
    W_ih = rng.uniform(-k, k, (4 * H, input_size))
    W_hh = rng.uniform(-k, k, (4 * H, H))
    b_ih = rng.uniform(-k, k, 4 * H)
    b_hh = rng.uniform(-k, k, 4 * H)
    if forget_bias is not None:
        b_ih[H:2 * H] = forget_bias
        b_hh[H:2 * H] = 0.0
    return LSTMParams(W_ih, W_hh, b_ih, b_hh).astype(dtype)


def _check_inputs(x, h0, c0, params: LSTMParams):
    if not isinstance(params, LSTMParams):
        raise ValueError(f"params must be an LSTMParams, got {type(params).__name__}")
    D, H, dtype = params.input_size, params.hidden_size, params.dtype
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (T, B, D) = (T, B, {D}), got shape {x.shape}")
    T, B, Dx = x.shape
    if T == 0 or B == 0:
        raise ValueError(f"x must hold T >= 1 steps and B >= 1 sequences, got shape {x.shape}")
    if Dx != D:
        raise ValueError(f"x has input width {Dx}, but params expect input size D = {D}: "
                         f"x must have shape (T, B, {D})")
    states = []
    for name, s in (("h0", h0), ("c0", c0)):
        if s is None:
            s = np.zeros((B, H), dtype=dtype)
        else:
            s = np.asarray(s)
            if s.shape != (B, H):
                raise ValueError(f"{name} must have shape (B, H) = ({B}, {H}) to match x "
                                 f"(B = {B}) and params (H = {H}), got {s.shape}")
        states.append(s.astype(dtype, copy=False))
    return x.astype(dtype, copy=False), states[0], states[1]


def lstm_step(x_t, h_prev, c_prev, params: LSTMParams) -> dict[str, np.ndarray]:
    """One step: ``x_t`` (B, D), ``h_prev`` and ``c_prev`` (B, H). Returns a dict with the gates
    ``i, f, g, o``, the new ``c`` and ``h`` (each (B, H)), and the pre-activations ``z`` (B, 4H)."""
    x, h_prev, c_prev = _check_inputs(np.asarray(x_t)[None], h_prev, c_prev, params)
    x = x[0]
    H = params.hidden_size
    z = x @ params.W_ih.T + params.b_ih + h_prev @ params.W_hh.T + params.b_hh  # (B, 4H)
    i, f = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H])
    g, o = np.tanh(z[:, 2 * H:3 * H]), sigmoid(z[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return {"z": z, "i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def lstm_forward(x, params: LSTMParams, h0=None, c0=None):
    """Run the layer over a batch of sequences.

    x : (T, B, D); h0, c0 : (B, H) initial states (zeros if None).

    Returns ``(hs, (h_T, c_T), cache)``: ``hs`` (T, B, H) the hidden states h_1..h_T, the final
    states (B, H) each, and the cache for :func:`lstm_backward`. The cache holds the gate
    activations ``gates`` (T, B, 4H) in the order i, f, g, o, the cell states ``c`` (T+1, B, H)
    (``c[0] = c0``), the hidden states ``h`` (T+1, B, H), and ``tanh_c`` (T, B, H).
    """
    x, h, c = _check_inputs(x, h0, c0, params)
    T, B, _ = x.shape
    H = params.hidden_size
    dtype = params.dtype
    xw = (x.reshape(T * B, -1) @ params.W_ih.T).reshape(T, B, 4 * H)  # (T, B, 4H), one product
    xw += params.b_ih + params.b_hh
    W_hhT = np.ascontiguousarray(params.W_hh.T)  # (H, 4H)
    gates = np.empty((T, B, 4 * H), dtype=dtype)
    cs = np.empty((T + 1, B, H), dtype=dtype)
    hs = np.empty((T + 1, B, H), dtype=dtype)
    tanh_c = np.empty((T, B, H), dtype=dtype)
    cs[0], hs[0] = c, h
    ig = np.empty((B, H), dtype=dtype)
    for t in range(T):
        z = gates[t]
        np.matmul(hs[t], W_hhT, out=z)
        z += xw[t]  # (B, 4H): all four blocks at once
        _sigmoid_inplace(z[:, :2 * H])  # i, f
        np.tanh(z[:, 2 * H:3 * H], out=z[:, 2 * H:3 * H])  # g
        _sigmoid_inplace(z[:, 3 * H:])  # o
        i, f, g, o = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
        np.multiply(f, cs[t], out=cs[t + 1])  # c_t = f * c_{t-1} + i * g
        np.multiply(i, g, out=ig)
        cs[t + 1] += ig
        np.tanh(cs[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])  # h_t = o * tanh(c_t)
    cache = {"x": x, "gates": gates, "c": cs, "h": hs, "tanh_c": tanh_c, "params": params}
    return hs[1:], (hs[T].copy(), cs[T].copy()), cache


def lstm_backward(dhs, cache: dict, dh_T=None, dc_T=None, return_state_grads: bool = False):
    """Backpropagation through time for :func:`lstm_forward`.

    dhs : (T, B, H) dLoss/dh_t for t = 1..T (zeros where the loss does not read h_t), or None.
    dh_T, dc_T : (B, H) dLoss/d of the final states, if the loss reads them directly.

    Returns a dict of gradients with the shapes of what they differentiate: ``W_ih`` (4H, D),
    ``W_hh`` (4H, H), ``b_ih`` and ``b_hh`` (4H,) (equal to each other: both biases enter the
    same sum), ``x`` (T, B, D), ``h0`` and ``c0`` (B, H). With ``return_state_grads`` it also
    holds ``dc`` (T+1, B, H), the total gradient dLoss/dc_t for t = 0..T, and ``dh`` likewise.
    """
    p: LSTMParams = cache["params"]
    gates, cs, hs, tanh_c, x = cache["gates"], cache["c"], cache["h"], cache["tanh_c"], cache["x"]
    T, B, _ = gates.shape
    H = p.hidden_size
    dtype = p.dtype
    if dhs is None:
        dhs = np.zeros((T, B, H), dtype=dtype)
    dhs = np.asarray(dhs)
    if dhs.shape != (T, B, H):
        raise ValueError(f"dhs must have shape (T, B, H) = {(T, B, H)}, got {dhs.shape}")
    dh = np.zeros((B, H), dtype=dtype) if dh_T is None else np.array(dh_T, dtype=dtype)
    dc = np.zeros((B, H), dtype=dtype) if dc_T is None else np.array(dc_T, dtype=dtype)
    for name, s in (("dh_T", dh), ("dc_T", dc)):
        if s.shape != (B, H):
            raise ValueError(f"{name} must have shape (B, H) = {(B, H)}, got {s.shape}")
    dz = np.empty((T, B, 4 * H), dtype=dtype)  # dLoss/dz_t, all four blocks
    W_hh = p.W_hh
    if return_state_grads:
        dc_all = np.empty((T + 1, B, H), dtype=dtype)
        dh_all = np.empty((T + 1, B, H), dtype=dtype)
    tmp = np.empty((B, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        i, f, g, o = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
        d = dz[t]
        d_i, d_f, d_g, d_o = (d[:, k * H:(k + 1) * H] for k in range(4))
        dh += dhs[t]  # dLoss/dh_{t+1}: from the loss and from step t+2
        if return_state_grads:
            dh_all[t + 1] = dh
        # h = o * tanh(c): the cell receives dh * o * (1 - tanh(c)^2), plus dc from step t+2
        np.multiply(tanh_c[t], tanh_c[t], out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        tmp *= o
        tmp *= dh
        dc += tmp
        if return_state_grads:
            dc_all[t + 1] = dc
        # dz_o = dh * tanh(c) * o * (1 - o)
        np.subtract(1.0, o, out=d_o)
        d_o *= o
        d_o *= tanh_c[t]
        d_o *= dh
        # dz_i = dc * g * i * (1 - i)
        np.subtract(1.0, i, out=d_i)
        d_i *= i
        d_i *= g
        d_i *= dc
        # dz_f = dc * c_{t-1} * f * (1 - f)
        np.subtract(1.0, f, out=d_f)
        d_f *= f
        d_f *= cs[t]
        d_f *= dc
        # dz_g = dc * i * (1 - g^2)
        np.multiply(g, g, out=d_g)
        np.subtract(1.0, d_g, out=d_g)
        d_g *= i
        d_g *= dc
        dc *= f  # the cell path: c_t = f_t * c_{t-1} + ...
        np.matmul(d, W_hh, out=dh)  # (B, H): back through the recurrent product
    if return_state_grads:
        dc_all[0], dh_all[0] = dc, dh
    dz2 = dz.reshape(T * B, 4 * H)
    db = dz2.sum(axis=0)
    grads = {
        "W_ih": dz2.T @ x.reshape(T * B, -1),
        "W_hh": dz2.T @ hs[:T].reshape(T * B, H),
        "b_ih": db,
        "b_hh": db.copy(),
        "x": (dz2 @ p.W_ih).reshape(T, B, -1),
        "h0": dh,
        "c0": dc,
    }
    if return_state_grads:
        grads["dc"], grads["dh"] = dc_all, dh_all
    return grads


# -- peepholes (Q7) ---------------------------------------------------------------------------

def lstm_peephole_forward(x, params: LSTMParams, p_i, p_f, p_o, h0=None, c0=None):
    """Forward pass of the peephole LSTM (Gers & Schmidhuber 2000): the gates also see the cell.

        i_t = sigmoid(z_i + p_i * c_{t-1}),   f_t = sigmoid(z_f + p_f * c_{t-1}),
        g_t = tanh(z_g),  c_t = f_t * c_{t-1} + i_t * g_t,
        o_t = sigmoid(z_o + p_o * c_t),       h_t = o_t * tanh(c_t)

    with ``z`` as in :func:`lstm_forward` and diagonal peephole weights ``p_i, p_f, p_o`` (H,).
    x : (T, B, D). Returns ``(hs (T, B, H), (h_T, c_T), gates (T, B, 4H), cs (T+1, B, H))``.
    With ``p_i = p_f = p_o = 0`` it equals :func:`lstm_forward`.
    """
    x, h, c = _check_inputs(x, h0, c0, params)
    H = params.hidden_size
    peep = []
    for name, v in (("p_i", p_i), ("p_f", p_f), ("p_o", p_o)):
        v = np.asarray(v, dtype=params.dtype)
        if v.shape != (H,):
            raise ValueError(f"{name} must have shape (H,) = ({H},), got {v.shape}")
        peep.append(v)
    p_i, p_f, p_o = peep
    T, B, _ = x.shape
    hs = np.empty((T, B, H), dtype=params.dtype)
    gates = np.empty((T, B, 4 * H), dtype=params.dtype)
    cs = np.empty((T + 1, B, H), dtype=params.dtype)
    cs[0] = c
    for t in range(T):
        z = x[t] @ params.W_ih.T + params.b_ih + h @ params.W_hh.T + params.b_hh  # (B, 4H)
        i = sigmoid(z[:, :H] + p_i * c)
        f = sigmoid(z[:, H:2 * H] + p_f * c)
        g = np.tanh(z[:, 2 * H:3 * H])
        c = f * c + i * g
        o = sigmoid(z[:, 3 * H:] + p_o * c)
        h = o * np.tanh(c)
        hs[t], cs[t + 1] = h, c
        gates[t] = np.concatenate([i, f, g, o], axis=1)
    return hs, (h, c), gates, cs


# -- PyTorch ----------------------------------------------------------------------------------

def _check_module(module, hidden_size=None, input_size=None):
    import torch

    if not isinstance(module, torch.nn.LSTM):
        raise ValueError(f"module must be a torch.nn.LSTM, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or not module.bias or module.proj_size:
        raise ValueError("module must be a one-layer, unidirectional torch.nn.LSTM with biases "
                         f"and proj_size=0, got num_layers={module.num_layers}, "
                         f"bidirectional={module.bidirectional}, bias={module.bias}, "
                         f"proj_size={module.proj_size}")
    if hidden_size is not None and module.hidden_size != hidden_size:
        raise ValueError(f"module has hidden_size {module.hidden_size}, expected hidden_size "
                         f"{hidden_size}")
    if input_size is not None and module.input_size != input_size:
        raise ValueError(f"module has input_size {module.input_size}, expected input_size "
                         f"{input_size}")


def from_torch(module, hidden_size: int | None = None, input_size: int | None = None,
               dtype=np.float64) -> LSTMParams:
    """Copy a one-layer ``torch.nn.LSTM``'s weights into :class:`LSTMParams` (as ``dtype``).

    ``hidden_size``/``input_size``: if given, the module must have these sizes (ValueError
    otherwise), a guard against loading weights meant for another model.
    """
    _check_module(module, hidden_size, input_size)

    def arr(t):
        return t.detach().cpu().numpy().astype(dtype)

    return LSTMParams(arr(module.weight_ih_l0), arr(module.weight_hh_l0),
                      arr(module.bias_ih_l0), arr(module.bias_hh_l0))


def to_torch(params: LSTMParams, module=None):
    """Copy :class:`LSTMParams` into ``module`` (a one-layer ``torch.nn.LSTM`` of the same sizes),
    or into a new float64 one if ``module`` is None. Returns the module."""
    import torch

    if not isinstance(params, LSTMParams):
        raise ValueError(f"params must be an LSTMParams, got {type(params).__name__}")
    if module is None:
        module = torch.nn.LSTM(params.input_size, params.hidden_size, dtype=torch.float64)
    _check_module(module, params.hidden_size, params.input_size)
    with torch.no_grad():
        for name, tname in (("W_ih", "weight_ih_l0"), ("W_hh", "weight_hh_l0"),
                            ("b_ih", "bias_ih_l0"), ("b_hh", "bias_hh_l0")):
            dest = getattr(module, tname)
            dest.copy_(torch.from_numpy(np.ascontiguousarray(getattr(params, name))).to(dest.dtype))
    return module


# -- the controlled self-loop (Q4) ----------------------------------------------------------

def cell_jacobian_norms(x, params: LSTMParams, h0=None, c0=None) -> np.ndarray:
    """Spectral norms ``||dc_T / dc_t||_2`` for t = 0..T, for one sequence ``x`` (T, D).

    The full Jacobian (every path: the cell's own path and the paths through h and the gates),
    obtained with H backward passes at once: the sequence is copied H times along the batch and
    the k-th copy starts the backward pass from ``dc_T = e_k``. Returns shape (T+1,); entry T is 1.
    h0, c0: (H,) or None.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be one sequence of shape (T, D), got {x.shape}")
    H = params.hidden_size
    xb = np.repeat(x[:, None, :], H, axis=1)  # (T, H, D)
    hb = None if h0 is None else np.repeat(np.asarray(h0).reshape(1, H), H, axis=0)
    cb = None if c0 is None else np.repeat(np.asarray(c0).reshape(1, H), H, axis=0)
    _, _, cache = lstm_forward(xb, params, hb, cb)
    grads = lstm_backward(None, cache, dc_T=np.eye(H, dtype=params.dtype),
                          return_state_grads=True)
    J = grads["dc"]  # (T+1, H, H): row k of J[t] is d c_T[k] / d c_t
    return np.linalg.norm(J, ord=2, axis=(1, 2))


def controlled_self_loop(forget_bias: float, input_bias: float, T: int = 100, H: int = 16,
                         D: int = 4, w_scale: float = 0.5, seed: int = 0) -> dict[str, np.ndarray]:
    """The data behind chapter 3's self-loop explorer (a pure function of its arguments).

    An LSTM with random weights U(-w_scale/sqrt(H), w_scale/sqrt(H)) and gate biases set so the
    forget gate sits near sigmoid(``forget_bias``) and the input gate near sigmoid(``input_bias``),
    reads T steps of N(0, 1) inputs (D wide). Beside it, a tanh RNN with the same hidden size and
    recurrent weights N(0, 1/H) (spectral radius about 1) reads the same inputs.

    Returns a dict with ``t`` (T+1,), ``c`` (T+1, H) the cell states, ``f_mean`` and ``i_mean``
    (T,) the mean gate levels, ``lstm_norm`` (T+1,) ``||dc_T/dc_t||``, ``cell_path`` (T+1,)
    the norm of the cell path alone ``||prod_{s>t} diag(f_s)||`` = max_k prod f_s[k],
    and ``rnn_norm`` (T+1,) ``||dh_T/dh_t||`` of the tanh RNN.
    """
    for name, v in (("T", T), ("H", H), ("D", D)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    W_ih, W_hh, x, rnn_norm = _self_loop_draws(int(T), int(H), int(D), float(w_scale), int(seed))
    b_ih = np.zeros(4 * H)
    b_ih[:H] = input_bias
    b_ih[H:2 * H] = forget_bias
    params = LSTMParams(W_ih, W_hh, b_ih, np.zeros(4 * H))
    _, _, cache = lstm_forward(x[:, None, :], params)
    gates = cache["gates"][:, 0]  # (T, 4H)
    f = gates[:, H:2 * H]
    cell_path = np.ones(T + 1)
    cell_path[:T] = np.cumprod(f[::-1], axis=0)[::-1].max(axis=1)
    return {
        "t": np.arange(T + 1), "c": cache["c"][:, 0], "f_mean": f.mean(axis=1),
        "i_mean": gates[:, :H].mean(axis=1), "lstm_norm": cell_jacobian_norms(x, params),
        "cell_path": cell_path, "rnn_norm": rnn_norm.copy(),
    }


@functools.lru_cache(maxsize=16)
def _self_loop_draws(T, H, D, w_scale, seed):
    """The random parts of :func:`controlled_self_loop` (they do not depend on the biases), and
    the tanh RNN's ``||dh_T/dh_t||`` (T+1,), computed once per argument set."""
    rng = np.random.default_rng(seed)
    k = w_scale / np.sqrt(H)
    W_ih = rng.uniform(-k, k, (4 * H, D))
    W_hh = rng.uniform(-k, k, (4 * H, H))
    x = rng.standard_normal((T, D))
    # the vanilla RNN: h_t = tanh(W x_t + U h_{t-1}); chapter 2's helper gives ||dh_T/dh_t||
    U = rng.standard_normal((H, H)) / np.sqrt(H)
    W = rng.standard_normal((H, D)) / np.sqrt(D)
    rnn = [{"W_ih": W, "W_hh": U, "b_ih": np.zeros(H), "b_hh": np.zeros(H)}]
    rnn_norm = rnn_jacobian_norms(rnn, x)[::-1].copy()  # indexed by t, not by steps back
    for a in (W_ih, W_hh, x, rnn_norm):
        a.setflags(write=False)
    return W_ih, W_hh, x, rnn_norm
