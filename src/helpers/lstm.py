"""A long short-term memory (LSTM) layer in numpy, with hand-written backpropagation through time
(chapter 3).

One step, for a batch of B sequences (rows), hidden size H, input size D:

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        (B, 4H): all four blocks in one product
    i_t = sigmoid(a_t[:, 0:H])        input gate        (the notes' 输入门)
    f_t = sigmoid(a_t[:, H:2H])       forget gate       (遗忘门)
    g_t = tanh(a_t[:, 2H:3H])         candidate         (候选, the notes' C'(t)) -- not a gate
    o_t = sigmoid(a_t[:, 3H:4H])      output gate       (输出门)
    c_t = f_t * c_{t-1} + i_t * g_t   cell state        (记忆单元状态, the notes' C(t))
    h_t = o_t * tanh(c_t)             hidden state      (the notes' S(t))

The block order i, f, g, o and the two bias vectors are those of ``torch.nn.LSTM``
(``weight_ih_l0`` is ``W_ih`` (4H, D), ``weight_hh_l0`` is ``W_hh`` (4H, H), ``bias_ih_l0`` and
``bias_hh_l0`` are ``b_ih`` and ``b_hh`` (4H,)); :func:`from_torch` and :func:`to_torch` copy them
across. The interface is that of ``helpers.rnn`` and ``helpers.gru``: :func:`init_params`,
:func:`forward` ``(params, x, state) -> (out, final_state, cache)`` with ``x`` (T, B, D) time
first and the state the pair ``(h, c)`` of (1, B, H) arrays, as ``torch.nn.LSTM``;
:func:`backward` ``(cache, d_out, d_final_state) -> (grads, dx, d_state)`` with ``grads`` keyed
``W_ih, W_hh, b_ih, b_hh``. Arithmetic is done in the dtype of the parameters (float64 or
float32). The sigmoid is ``scipy.special.expit``.

:func:`peephole_forward` is the peephole variant (Gers & Schmidhuber 2000; Gers, Schraudolph
& Schmidhuber 2002), in which the cell state does enter the gates.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
from scipy.special import expit

from helpers.checks import check_array, check_int, check_number, check_rng, describe
from helpers.gradients import rnn_jacobian_norms
from helpers.rnn import (_GatedParams, _check_cache, _check_dtype, _check_instance,
                         _check_sequence, _check_state, _gated_from_torch, _gated_to_torch)

GATES = ("i", "f", "g", "o")  # PyTorch's block order


@dataclasses.dataclass(frozen=True)
class LSTMParams(_GatedParams):
    """Weights of one LSTM layer: ``W_ih`` (4H, D), ``W_hh`` (4H, H), ``b_ih`` (4H,), ``b_hh`` (4H,).

    Rows come in blocks of H in the order i, f, g, o (``p.block("b_ih", "f")`` is the forget
    block). Validated by ``helpers.rnn.check_weights`` (finite; integers become float64; all
    four arrays share one float dtype).
    """

    GATES = GATES


def _check_params(params) -> LSTMParams:
    return _check_instance(params, LSTMParams)


def init_params(*, input_size: int, hidden_size: int, rng: np.random.Generator,
                forget_bias: float | None = None, dtype=np.float64) -> LSTMParams:
    """Parameters drawn like ``torch.nn.LSTM``: every entry U(-1/sqrt(H), 1/sqrt(H)).

    ``forget_bias``: if given, the forget block of ``b_ih`` is set to it and that of ``b_hh``
    to 0, so the forget gate starts at sigmoid(forget_bias) on average (Gers et al. 2000;
    Jozefowicz et al. 2015 recommend 1).
    """
    input_size = check_int("input_size", input_size, low=1)
    H = check_int("hidden_size", hidden_size, low=1)
    check_rng("rng", rng)
    if forget_bias is not None:
        forget_bias = check_number("forget_bias", forget_bias)
    dt = _check_dtype(dtype)
    k = 1.0 / np.sqrt(H)
    W_ih = rng.uniform(-k, k, (4 * H, input_size))
    W_hh = rng.uniform(-k, k, (4 * H, H))
    b_ih = rng.uniform(-k, k, 4 * H)
    b_hh = rng.uniform(-k, k, 4 * H)
    if forget_bias is not None:
        b_ih[H:2 * H] = forget_bias
        b_hh[H:2 * H] = 0.0
    return LSTMParams(W_ih, W_hh, b_ih, b_hh).astype(dt)


def _initial_state(state, B: int, H: int, dtype, *, layer_axis: bool = True):
    """``state`` = None or a pair ``(h, c)`` of (1, B, H) arrays (of (B, H) arrays without
    ``layer_axis``) -> two (B, H) arrays."""
    shape = (1, B, H) if layer_axis else (B, H)
    if state is None:
        return np.zeros((B, H), dtype=dtype), np.zeros((B, H), dtype=dtype)
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError(f"state must be None or a pair (h, c) of arrays of shape {shape}, "
                        f"got {describe(state)}")
    h = _check_state("state[0] (h)", state[0], shape, dtype)
    c = _check_state("state[1] (c)", state[1], shape, dtype)
    return (h[0], c[0]) if layer_axis else (h, c)


def step(params: LSTMParams, x_t, state=None) -> dict[str, np.ndarray]:
    """One step for teaching, as ``torch.nn.LSTMCell``: ``x_t`` (B, D) or (D,), ``state`` the
    pair ``(h_prev, c_prev)``, each (B, H) (or (H,) with an unbatched ``x_t``), zeros if None.

    Returns a dict with the gates ``i, f, g, o``, the new ``c`` and ``h`` (each shaped like the
    state) and the pre-activations ``a`` (B, 4H) or (4H,).
    """
    params = _check_params(params)
    x_t = check_array("x_t", x_t, ndim=(1, 2))
    squeeze = x_t.ndim == 1
    x = _check_sequence(x_t[None, None] if squeeze else x_t[None], params.input_size,
                        params.dtype)[0]
    B, H = x.shape[0], params.hidden_size
    if squeeze and state is not None:
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"state must be None or a pair (h, c) of arrays of shape ({H},), "
                            f"got {describe(state)}")
        state = tuple(None if s is None else np.asarray(s)[None] for s in state)
    h_prev, c_prev = _initial_state(state, B, H, params.dtype, layer_axis=False)
    a = x @ params.W_ih.T + params.b_ih + h_prev @ params.W_hh.T + params.b_hh  # (B, 4H)
    i, f = expit(a[:, :H]), expit(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), expit(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    out = {"a": a, "i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
    return {k: v[0] for k, v in out.items()} if squeeze else out


def forward(params: LSTMParams, x, state=None):
    """Run the layer over a batch of sequences.

    x : (T, B, D); state : the pair ``(h_0, c_0)`` of (1, B, H) arrays (zeros if None), as
    ``torch.nn.LSTM``.

    Returns ``(out, final_state, cache)``: ``out`` (T, B, H) the hidden states h_1..h_T, the
    final state ``(h_T, c_T)`` (1, B, H) each, and the cache for :func:`backward`. The cache
    holds the gate activations ``gates`` (T, B, 4H) in the order i, f, g, o, the cell states
    ``c`` (T+1, B, H) (``c[0] = c_0``), the hidden states ``h`` (T+1, B, H), and ``tanh_c``
    (T, B, H). NaN or infinity in ``x`` or ``state`` propagate, as in PyTorch.
    """
    params = _check_params(params)
    x = _check_sequence(x, params.input_size, params.dtype)
    T, B, _ = x.shape
    H = params.hidden_size
    h, c = _initial_state(state, B, H, params.dtype)
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
        a = gates[t]
        np.matmul(hs[t], W_hhT, out=a)
        a += xw[t]  # (B, 4H): all four blocks at once
        expit(a[:, :2 * H], out=a[:, :2 * H])  # i, f
        np.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])  # g
        expit(a[:, 3 * H:], out=a[:, 3 * H:])  # o
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        np.multiply(f, cs[t], out=cs[t + 1])  # c_t = f * c_{t-1} + i * g
        np.multiply(i, g, out=ig)
        cs[t + 1] += ig
        np.tanh(cs[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])  # h_t = o * tanh(c_t)
    cache = {"x": x, "gates": gates, "c": cs, "h": hs, "tanh_c": tanh_c, "params": params}
    return hs[1:], (hs[T][None].copy(), cs[T][None].copy()), cache


def backward(cache: dict, d_out, d_final_state=None):
    """Backpropagation through time for :func:`forward`.

    d_out : (T, B, H) dLoss/dh_t for t = 1..T (zeros where the loss does not read h_t), or None.
    d_final_state : None or the pair ``(dLoss/dh_T, dLoss/dc_T)``, (1, B, H) each (None for
        either means zeros), if the loss reads the final state directly.

    Returns ``(grads, dx, d_state)``: ``grads`` a dict with the shapes of the parameters,
    ``W_ih`` (4H, D), ``W_hh`` (4H, H), ``b_ih`` and ``b_hh`` (4H,) (equal to each other: both
    biases enter the same sum); ``dx`` (T, B, D); ``d_state`` the pair ``(dh_0, dc_0)``,
    (1, B, H) each.
    """
    grads, dx, dh0, dc0, _, _ = _backward(cache, d_out, d_final_state)
    return grads, dx, (dh0[None], dc0[None])


def _backward(cache, d_out, d_final_state, keep_states: bool = False):
    """:func:`backward`, returning ``(grads, dx, dh0, dc0, dc_all, dh_all)`` with the total
    gradients dLoss/dc_t and dLoss/dh_t for t = 0..T, (T+1, B, H), if ``keep_states``."""
    _check_cache(cache, ("params", "gates", "c", "h", "tanh_c", "x"), "lstm")
    p: LSTMParams = cache["params"]
    gates, cs, hs, tanh_c, x = cache["gates"], cache["c"], cache["h"], cache["tanh_c"], cache["x"]
    T, B, _ = gates.shape
    H = p.hidden_size
    dtype = p.dtype
    dhs = _check_state("d_out", d_out, (T, B, H), dtype)
    if d_final_state is None:
        d_final_state = (None, None)
    if not isinstance(d_final_state, (tuple, list)) or len(d_final_state) != 2:
        raise TypeError(f"d_final_state must be None or a pair (dh_T, dc_T) of arrays of shape "
                        f"(1, {B}, {H}), got {describe(d_final_state)}")
    dh = _check_state("d_final_state[0] (dh_T)", d_final_state[0], (1, B, H), dtype)[0]
    dc = _check_state("d_final_state[1] (dc_T)", d_final_state[1], (1, B, H), dtype)[0]
    da = np.empty((T, B, 4 * H), dtype=dtype)  # dLoss/da_t, all four blocks
    W_hh = p.W_hh
    dc_all = dh_all = None
    if keep_states:
        dc_all = np.empty((T + 1, B, H), dtype=dtype)
        dh_all = np.empty((T + 1, B, H), dtype=dtype)
    tmp = np.empty((B, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        i, f, g, o = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
        d = da[t]
        d_i, d_f, d_g, d_o = (d[:, k * H:(k + 1) * H] for k in range(4))
        dh += dhs[t]  # dLoss/dh_{t+1}: from the loss and from step t+2
        if keep_states:
            dh_all[t + 1] = dh
        # h = o * tanh(c): the cell receives dh * o * (1 - tanh(c)^2), plus dc from step t+2
        np.multiply(tanh_c[t], tanh_c[t], out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        tmp *= o
        tmp *= dh
        dc += tmp
        if keep_states:
            dc_all[t + 1] = dc
        # da_o = dh * tanh(c) * o * (1 - o)
        np.subtract(1.0, o, out=d_o)
        d_o *= o
        d_o *= tanh_c[t]
        d_o *= dh
        # da_i = dc * g * i * (1 - i)
        np.subtract(1.0, i, out=d_i)
        d_i *= i
        d_i *= g
        d_i *= dc
        # da_f = dc * c_{t-1} * f * (1 - f)
        np.subtract(1.0, f, out=d_f)
        d_f *= f
        d_f *= cs[t]
        d_f *= dc
        # da_g = dc * i * (1 - g^2)
        np.multiply(g, g, out=d_g)
        np.subtract(1.0, d_g, out=d_g)
        d_g *= i
        d_g *= dc
        dc *= f  # the cell path: c_t = f_t * c_{t-1} + ...
        np.matmul(d, W_hh, out=dh)  # (B, H): back through the recurrent product
    if keep_states:
        dc_all[0], dh_all[0] = dc, dh
    da2 = da.reshape(T * B, 4 * H)
    db = da2.sum(axis=0)
    grads = {
        "W_ih": da2.T @ x.reshape(T * B, -1),
        "W_hh": da2.T @ hs[:T].reshape(T * B, H),
        "b_ih": db,
        "b_hh": db.copy(),
    }
    dx = (da2 @ p.W_ih).reshape(T, B, -1)
    return grads, dx, dh, dc, dc_all, dh_all


# -- peepholes (Q7) ---------------------------------------------------------------------------

def peephole_forward(params: LSTMParams, x, state=None, *, p_i, p_f, p_o):
    """Forward pass of the peephole LSTM (Gers & Schmidhuber 2000): the gates also see the cell.

        i_t = sigmoid(a_i + p_i * c_{t-1}),   f_t = sigmoid(a_f + p_f * c_{t-1}),
        g_t = tanh(a_g),  c_t = f_t * c_{t-1} + i_t * g_t,
        o_t = sigmoid(a_o + p_o * c_t),       h_t = o_t * tanh(c_t)

    with ``a`` as in :func:`forward` and diagonal peephole weights ``p_i, p_f, p_o`` (H,).
    x : (T, B, D); state as in :func:`forward`. Returns ``(out (T, B, H), (h_T, c_T) (1, B, H)
    each, cache)`` with ``cache["gates"]`` (T, B, 4H) and ``cache["c"]`` (T+1, B, H). With
    ``p_i = p_f = p_o = 0`` it equals :func:`forward`.
    """
    params = _check_params(params)
    x = _check_sequence(x, params.input_size, params.dtype)
    H = params.hidden_size
    T, B, _ = x.shape
    h, c = _initial_state(state, B, H, params.dtype)
    p_i, p_f, p_o = (check_array(name, v, shape=(H,), finite=True).astype(params.dtype)
                     for name, v in (("p_i", p_i), ("p_f", p_f), ("p_o", p_o)))
    hs = np.empty((T, B, H), dtype=params.dtype)
    gates = np.empty((T, B, 4 * H), dtype=params.dtype)
    cs = np.empty((T + 1, B, H), dtype=params.dtype)
    cs[0] = c
    for t in range(T):
        a = x[t] @ params.W_ih.T + params.b_ih + h @ params.W_hh.T + params.b_hh  # (B, 4H)
        i = expit(a[:, :H] + p_i * c)
        f = expit(a[:, H:2 * H] + p_f * c)
        g = np.tanh(a[:, 2 * H:3 * H])
        c = f * c + i * g
        o = expit(a[:, 3 * H:] + p_o * c)
        h = o * np.tanh(c)
        hs[t], cs[t + 1] = h, c
        gates[t] = np.concatenate([i, f, g, o], axis=1)
    return hs, (h[None].copy(), c[None].copy()), {"gates": gates, "c": cs}


# -- PyTorch ----------------------------------------------------------------------------------

def from_torch(module, *, input_size: int | None = None, hidden_size: int | None = None,
               dtype=None) -> LSTMParams:
    """Copy a one-layer, unidirectional ``torch.nn.LSTM``'s weights into :class:`LSTMParams`.

    ``input_size`` / ``hidden_size``, if given, are what the caller expects the module to have
    (a guard against loading weights meant for another model). ``dtype``: np.float64 (None) or
    np.float32. A module without biases gives zeros.
    """
    return _gated_from_torch(module, "lstm", LSTMParams, input_size=input_size,
                             hidden_size=hidden_size, dtype=dtype)


def to_torch(params: LSTMParams, module=None):
    """Copy :class:`LSTMParams` into ``module`` (a one-layer ``torch.nn.LSTM`` of the same sizes,
    with biases), or into a new one of the params' dtype if ``module`` is None. Returns the
    module."""
    return _gated_to_torch(_check_params(params), module, "lstm")


# -- the controlled self-loop (Q4) ----------------------------------------------------------

def cell_jacobian_norms(params: LSTMParams, x, state=None) -> np.ndarray:
    """Spectral norms ``||dc_T / dc_t||_2`` for t = 0..T, for one sequence ``x`` (T, D).

    The full Jacobian (every path: the cell's own path and the paths through h and the gates),
    obtained with H backward passes at once: the sequence is copied H times along the batch and
    the k-th copy starts the backward pass from ``dc_T = e_k``. Returns shape (T+1,); entry T is 1.
    state: None or the pair ``(h_0, c_0)``, (H,) each.
    """
    params = _check_params(params)
    x = check_array("x", x, ndim=2)
    H = params.hidden_size
    xb = np.repeat(x[:, None, :], H, axis=1)  # (T, H, D)
    if isinstance(state, (tuple, list)):  # (H,) each -> (1, H), one sequence
        state = tuple(None if s is None else np.asarray(s)[None] for s in state)
    h0, c0 = _initial_state(state, 1, H, params.dtype, layer_axis=False)  # (1, H) each
    sb = (np.repeat(h0, H, axis=0)[None], np.repeat(c0, H, axis=0)[None])  # (1, H, H) each
    _, _, cache = forward(params, xb, sb)
    _, _, _, _, J, _ = _backward(cache, None, (None, np.eye(H, dtype=params.dtype)[None]),
                                 keep_states=True)
    # J: (T+1, H, H), row k of J[t] is d c_T[k] / d c_t
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
    forget_bias = check_number("forget_bias", forget_bias)
    input_bias = check_number("input_bias", input_bias)
    T = check_int("T", T, low=1)
    H = check_int("H", H, low=1)
    D = check_int("D", D, low=1)
    w_scale = check_number("w_scale", w_scale, low=0.0)
    seed = check_int("seed", seed, low=0)
    W_ih, W_hh, x, rnn_norm = _self_loop_draws(T, H, D, w_scale, seed)
    b_ih = np.zeros(4 * H)
    b_ih[:H] = input_bias
    b_ih[H:2 * H] = forget_bias
    params = LSTMParams(W_ih, W_hh, b_ih, np.zeros(4 * H))
    _, _, cache = forward(params, x[:, None, :])
    gates = cache["gates"][:, 0]  # (T, 4H)
    f = gates[:, H:2 * H]
    cell_path = np.ones(T + 1)
    cell_path[:T] = np.cumprod(f[::-1], axis=0)[::-1].max(axis=1)
    return {
        "t": np.arange(T + 1), "c": cache["c"][:, 0], "f_mean": f.mean(axis=1),
        "i_mean": gates[:, :H].mean(axis=1), "lstm_norm": cell_jacobian_norms(params, x),
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


# -- the chapter's explorer -------------------------------------------------------------------
FORGET_BIASES = (-2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
INPUT_BIASES = (-4.0, 0.0, 2.0)


def draw_self_loop(data: dict, forget_bias=None, input_bias=None, **_):
    """Frame for :func:`controlled_self_loop`: six cell states against t (left); the LSTM's
    ``||dc_T/dc_t||``, the cell path alone and the tanh RNN's ``||dh_T/dh_t||`` on a log axis
    (right)."""
    from helpers.plotting import PALETTE, label, new_figure

    if not isinstance(data, dict) or not {"t", "c", "f_mean", "i_mean", "lstm_norm",
                                           "cell_path", "rnn_norm"} <= set(data):
        raise TypeError(f"data must be the dict controlled_self_loop returns, got "
                        f"{describe(data)}")
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(7.4, 3.3), layout=None)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.16, top=0.88, wspace=0.34)
    ax1.plot(data["t"], data["c"][:, :6], lw=1.2)
    label(ax1, "step t", "cell state $c_t$ (6 of %d cells)" % data["c"].shape[1],
          f"f ≈ {data['f_mean'].mean():.2f}, i ≈ {data['i_mean'].mean():.2f}")
    ax2.semilogy(data["t"], data["lstm_norm"], color=PALETTE["blue"], lw=2,
                 label=r"LSTM $\|\partial c_T/\partial c_t\|$")
    ax2.semilogy(data["t"], data["cell_path"], color=PALETTE["sky"], ls="--",
                 label=r"belt only, $\prod f$")
    ax2.semilogy(data["t"], data["rnn_norm"], color=PALETTE["vermillion"], lw=2,
                 label=r"tanh RNN $\|\partial h_T/\partial h_t\|$")
    ax2.set_ylim(1e-40, 1e4)
    title = (f"forget bias {forget_bias}, input {input_bias}"
             if forget_bias is not None else None)
    label(ax2, f"step t (T = {data['t'][-1]})", "gradient norm (log)", title)
    ax2.legend(loc="lower right", fontsize=9)
    return fig


def self_loop_explorer(T: int = 100, hidden_size: int = 16, seed: int = 0):
    """Chapter 3's explorer: forget-gate and input-gate biases -> :func:`controlled_self_loop`
    drawn by :func:`draw_self_loop` (both controls precomputed for the kernel-free page)."""
    from helpers.widgets import Control, Explorer

    T = check_int("T", T, low=1)
    hidden_size = check_int("hidden_size", hidden_size, low=1)
    seed = check_int("seed", seed, low=0)
    return Explorer(
        lambda forget_bias, input_bias: controlled_self_loop(forget_bias, input_bias, T=T,
                                                             H=hidden_size, seed=seed),
        draw_self_loop,
        [Control("forget_bias", FORGET_BIASES, 1.0, "forget-gate bias"),
         Control("input_bias", INPUT_BIASES, 0.0, "input-gate bias")])


# -- implement it: one step (the chapter's exercise) --------------------------------------------

def check_step(fn, n_cases: int = 20, seed: int = 0) -> bool:
    """Check a reader's ``fn(params, x_t, h_prev, c_prev) -> (h_t, c_t, (i, f, g, o))`` (one
    LSTM step for one sequence: ``x_t`` (D,), ``h_prev`` and ``c_prev`` (H,), ``params`` an
    :class:`LSTMParams`; every output (H,)) against :func:`step` on random cells (D, H in 1..5).
    Prints the first case that differs (or that all agree) and returns True when all
    ``n_cases`` agree to 1e-9."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(params, x_t, h_prev, c_prev), got "
                        f"{describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        D, H = (int(v) for v in rng.integers(1, 6, size=2))
        params = init_params(input_size=D, hidden_size=H, rng=rng,
                             forget_bias=float(rng.uniform(-2, 3)))
        x_t, h_prev, c_prev = rng.standard_normal(D) * 2, rng.uniform(-1, 1, H), \
            rng.standard_normal(H) * 2
        want = step(params, x_t, (h_prev, c_prev))
        try:
            h, c, gates = fn(params, x_t.copy(), h_prev.copy(), c_prev.copy())
            got = {"h": h, "c": c, **dict(zip("ifgo", gates))}
            if len(gates) != 4:
                raise ValueError("gates must be the four arrays (i, f, g, o)")
            got = {key: np.asarray(v, dtype=float) for key, v in got.items()}
        except (TypeError, ValueError) as err:
            print(f"case {k}: D={D}, H={H}: fn must return (h_t, c_t, (i, f, g, o)); "
                  f"it raised or returned something else: {err}")
            return False
        for key in ("i", "f", "g", "o", "c", "h"):
            if got[key].shape != want[key].shape or not np.allclose(got[key], want[key],
                                                                     atol=1e-9):
                print(f"case {k}: D={D}, H={H}, x_t={np.round(x_t, 3)}, "
                      f"h_prev={np.round(h_prev, 3)}, c_prev={np.round(c_prev, 3)}\n"
                      f"  {key}: expected {np.round(want[key], 4)}\n"
                      f"  {key}: got      {np.round(got[key], 4)}")
                return False
    print(f"all {n_cases} cases agree with helpers.lstm.step")
    return True


# -- a trained, stacked LSTM: every layer's gates and cells (chapters 3 and 8) -----------------

def layers_from_torch(module, dtype=None) -> list[LSTMParams]:
    """Every layer of a unidirectional ``torch.nn.LSTM`` with biases (any ``num_layers``) as a
    list of :class:`LSTMParams`, bottom layer first. ``dtype``: np.float64 (None) or np.float32."""
    from helpers.rnn import _check_module

    _check_module(module, "lstm", need_bias=True)
    dt = _check_dtype(dtype)

    def arr(name, k):
        return getattr(module, f"{name}_l{k}").detach().cpu().double().numpy().astype(dt)

    return [LSTMParams(*(arr(n, k) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
            for k in range(module.num_layers)]


def stacked_forward(layers, x):
    """Run stacked layers over ``x`` (T, B, D), each layer's hidden states the next one's input,
    from zero states. ``layers``: a non-empty list of :class:`LSTMParams` whose sizes chain.
    Returns ``(out, caches)``: the top layer's hidden states (T, B, H_top) and one
    :func:`forward` cache per layer (``gates`` (T, B, 4H), ``c`` (T+1, B, H), ...)."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(f"layers must be a non-empty list of LSTMParams, got {describe(layers)}")
    for k, p in enumerate(layers):
        if not isinstance(p, LSTMParams):
            raise TypeError(f"layers[{k}] must be LSTMParams, got {describe(p)}")
        if k and p.input_size != layers[k - 1].hidden_size:
            raise ValueError(f"layers[{k}] must have input size {layers[k - 1].hidden_size} "
                             f"(the hidden size below it), got {p.input_size}")
    caches = []
    for p in layers:
        x, _, cache = forward(p, x)
        caches.append(cache)
    return x, caches


def cell_correlations(states, feature) -> np.ndarray:
    """Pearson correlation of every column of ``states`` (T, N), e.g. every cell's c_t over T
    steps, with ``feature`` (T,), e.g. the position in the line. Returns (N,); a constant
    column gets 0. T >= 3; the feature must not be constant. (The search of Karpathy et al.
    2015's interpretable cells: take the cell with the largest |r|.)"""
    states = check_array("states", states, ndim=2, finite=True)
    feature = check_array("feature", feature, ndim=1, finite=True)
    T = states.shape[0]
    if T < 3:
        raise ValueError(f"states must have at least 3 rows (steps), got {T}")
    if len(feature) != T:
        raise ValueError(f"feature must have one value per row of states ({T}), got "
                         f"{len(feature)}")
    f = feature.astype(float) - feature.mean()
    if not np.any(f):
        raise ValueError("feature must not be constant, got the same value at every step")
    s = states.astype(float) - states.mean(axis=0)
    norm = np.linalg.norm(s, axis=0) * np.linalg.norm(f)
    r = np.zeros(states.shape[1])
    ok = norm > 0
    r[ok] = (s[:, ok].T @ f) / norm[ok]
    return r
