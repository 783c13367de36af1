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

The three cells of the book (``helpers.rnn``, ``helpers.lstm``, ``helpers.gru``) share one
interface, learnt once:

* ``init_params(*, input_size, hidden_size, rng, ...)`` draws parameters like PyTorch;
* ``forward(params, x, state=None) -> (out, final_state, cache)``: ``x`` (T, B, D) time first,
  ``out`` (T, B, H) the top layer's states, states shaped like PyTorch's, (L, B, H) (for the
  LSTM the pair ``(h, c)``);
* ``backward(cache, d_out, d_final_state=None) -> (grads, dx, d_state)``: ``grads`` keyed by
  the parameter names (``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``), shaped like the parameters;
* ``to_torch(params, module=None)`` and ``from_torch(module, *, input_size=None,
  hidden_size=None, dtype=None)``.

What is genuinely different about a cell is an extra keyword (here ``num_layers`` and
``activation``). :func:`check_weights`, :func:`check_sequence` and :func:`check_state` are the
argument checks all three cells use.

:func:`backward` sends the error both ways the reader's notes describe (Q12): back through
time, ``dh_{t-1} += W_hh^T (f'(a_t) * dh_t)``, and down through the stack ("space"),
``dx_t = W_ih^T (f'(a_t) * dh_t)``, which is the error arriving at the layer below.

The module also holds a small numpy training loop around the same forward/backward code,
:func:`train_adding_numpy`, on the adding problem of ``helpers.tasks`` (a long-memory task shared
with chapters 3 and 4, whose PyTorch trainer is ``helpers.tasks.train_adding_torch``).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, ClassVar, Sequence

import numpy as np
from scipy.special import expit

from helpers.checks import (check_array, check_bool, check_choice, check_int, check_number,
                            check_rng, describe)

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")
OPTIMIZERS = ("sgd", "adam")
ON_DIVERGENCE = ("raise", "return")
WEIGHT_NAMES = ("W_ih", "W_hh", "b_ih", "b_hh")
_KEYS = WEIGHT_NAMES
_TORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


# --------------------------------------------------------------------------------------------
# activations
def _activate(a: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        return np.tanh(a)
    if activation == "sigmoid":
        return expit(a)  # the package's one sigmoid: no overflow warnings for large -a
    if activation == "relu":
        return np.maximum(a, 0.0)
    return np.array(a, dtype=np.float64, copy=True)


def _activation_derivative(a: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        return 1.0 - np.tanh(a) ** 2
    if activation == "sigmoid":
        s = expit(a)
        return s * (1.0 - s)
    if activation == "relu":
        return (a > 0).astype(np.float64)
    return np.ones_like(a, dtype=np.float64)


def activate(a: np.ndarray, activation: str) -> np.ndarray:
    """``f(a)`` elementwise for the named activation (one of :data:`ACTIVATIONS`); the sigmoid
    is ``scipy.special.expit``. NaN in ``a`` propagates."""
    check_choice("activation", activation, ACTIVATIONS)
    return _activate(check_array("a", a), activation)


def activation_derivative(a: np.ndarray, activation: str) -> np.ndarray:
    """``f'(a)`` elementwise. Its maximum is 1 for tanh, relu and linear, 1/4 for sigmoid."""
    check_choice("activation", activation, ACTIVATIONS)
    return _activation_derivative(check_array("a", a), activation)


MAX_DERIVATIVE = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}


# --------------------------------------------------------------------------------------------
# the checks the three cells share
def check_weights(W_ih, W_hh, b_ih, b_hh, *, blocks: int, prefix: str = ""):
    """Validate one layer's weights in PyTorch's layout, with ``blocks`` stacked blocks (1 for
    the RNN, 3 for the GRU, 4 for the LSTM): ``W_ih`` (blocks*H, D), ``W_hh`` (blocks*H, H),
    ``b_ih`` and ``b_hh`` (blocks*H,), with H, D >= 1; every entry finite.

    Integer (and boolean) arrays are converted to float64; other dtypes than float32/float64 are
    refused. Returns the four arrays in one common dtype (float64 if any is float64). ``prefix``
    names the arguments in messages (``"params[1]"`` gives ``params[1]['W_hh']``).
    """
    blocks = check_int("blocks", blocks, low=1)
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, got {describe(prefix)}")
    names = {k: (f"{prefix}['{k}']" if prefix else k) for k in WEIGHT_NAMES}
    arrays = {}
    for key, value in zip(WEIGHT_NAMES, (W_ih, W_hh, b_ih, b_hh)):
        a = check_array(names[key], value, finite=True)
        if np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_:  # as float64
            a = a.astype(np.float64)
        elif a.dtype not in (np.float32, np.float64):
            raise TypeError(f"{names[key]} must be float32 or float64 (or integers), "
                            f"got dtype {a.dtype}")
        arrays[key] = a
    gh = f"{blocks}H" if blocks > 1 else "H"
    W_hh = arrays["W_hh"]
    if W_hh.ndim != 2 or W_hh.shape[1] < 1 or W_hh.shape[0] != blocks * W_hh.shape[1]:
        raise ValueError(f"{names['W_hh']} must have shape ({gh}, H) with H >= 1, "
                         f"got {W_hh.shape}")
    H = W_hh.shape[1]
    W_ih = arrays["W_ih"]
    if W_ih.ndim != 2 or W_ih.shape[0] != blocks * H or W_ih.shape[1] < 1:
        raise ValueError(f"{names['W_ih']} must have shape ({gh}, D) = ({blocks * H}, D) with "
                         f"D >= 1 (H = {H} from W_hh), got {W_ih.shape}")
    for key in ("b_ih", "b_hh"):
        if arrays[key].shape != (blocks * H,):
            raise ValueError(f"{names[key]} must have shape ({gh},) = ({blocks * H},) "
                             f"(H = {H} from W_hh), got {arrays[key].shape}")
    dtype = np.result_type(*arrays.values())
    return tuple(a.astype(dtype, copy=False) for a in arrays.values())


def _check_sequence(x, input_size: int, dtype) -> np.ndarray:
    """``x`` (T, B, D) with T, B >= 1 and D = ``input_size``, as ``dtype``. NaN and infinity
    pass through (they propagate, as in PyTorch)."""
    x = check_array("x", x, ndim=3)
    T, B, D = x.shape
    if T < 1 or B < 1:
        raise ValueError(f"x must hold T >= 1 steps and B >= 1 sequences (shape (T, B, D)), "
                         f"got shape {x.shape}")
    if D != input_size:
        raise ValueError(f"x must have shape (T, B, {input_size}) (input size D = {input_size} "
                         f"from the parameters), got {x.shape}")
    return x.astype(dtype, copy=False)


def _check_state(name: str, value, shape: tuple, dtype) -> np.ndarray:
    """A state (or a state's gradient) of the given shape as ``dtype``; zeros if None."""
    if value is None:
        return np.zeros(shape, dtype=dtype)
    return check_array(name, value, shape=shape).astype(dtype, copy=True)


def _check_dtype(dtype):
    """float64 for None; float32 or float64 otherwise."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {describe(dtype)}") from err
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be np.float32 or np.float64, got {dt}")
    return dt


def _check_module(module, kind: str, *, input_size=None, hidden_size=None, num_layers=None,
                  need_bias: bool = False):
    """``module`` must be a unidirectional ``torch.nn.RNN``/``LSTM``/``GRU`` (``kind``) without
    projection, with the sizes given (None: any)."""
    import torch

    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    if not isinstance(module, cls):
        raise TypeError(f"module must be a torch.nn.{cls.__name__}, got {describe(module)}")
    if module.bidirectional or module.proj_size:
        raise ValueError(f"module must be unidirectional without projection, got "
                         f"bidirectional={module.bidirectional}, proj_size={module.proj_size}")
    if need_bias and not module.bias:
        raise ValueError("module must have biases (bias=True) to receive b_ih and b_hh")
    for name, want in (("input_size", input_size), ("hidden_size", hidden_size),
                       ("num_layers", num_layers)):
        if want is not None:
            check_int(name, want, low=1)
            got = getattr(module, name)
            if got != want:
                raise ValueError(f"module must have {name}={want}, got {name}={got}")


@dataclasses.dataclass(frozen=True)
class _GatedParams:
    """Weights of one gated layer in PyTorch's layout: ``W_ih`` (G*H, D), ``W_hh`` (G*H, H),
    ``b_ih`` and ``b_hh`` (G*H,), the G blocks stacked in the order of ``GATES``. The base of
    ``helpers.lstm.LSTMParams`` and ``helpers.gru.GRUParams`` (validated by
    :func:`check_weights`; integer arrays become float64; one common float dtype)."""

    GATES: ClassVar[tuple] = ()
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray

    def __post_init__(self):
        arrays = check_weights(self.W_ih, self.W_hh, self.b_ih, self.b_hh,
                               blocks=len(self.GATES))
        for name, a in zip(WEIGHT_NAMES, arrays):
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

    @property
    def n_parameters(self) -> int:
        """The number of parameters (as ``sum(p.numel() for p in module.parameters())``)."""
        return sum(getattr(self, n).size for n in WEIGHT_NAMES)

    def astype(self, dtype):
        """A copy in another float dtype (np.float32 or np.float64)."""
        dt = _check_dtype(dtype)
        return type(self)(*(getattr(self, n).astype(dt) for n in WEIGHT_NAMES))

    def blocks(self, name: str) -> tuple:
        """The per-gate blocks of one parameter, in the order of ``GATES``: e.g. for the GRU
        ``W_hr, W_hz, W_hn = p.blocks("W_hh")``; shapes (H, D), (H, H) or (H,)."""
        check_choice("name", name, WEIGHT_NAMES)
        H, a = self.hidden_size, getattr(self, name)
        return tuple(a[k * H:(k + 1) * H] for k in range(len(self.GATES)))

    def block(self, name: str, gate: str) -> np.ndarray:
        """The rows of ``name`` (``W_ih``, ``W_hh``, ``b_ih`` or ``b_hh``) that belong to
        ``gate`` (one of ``GATES``)."""
        check_choice("gate", gate, self.GATES)
        return self.blocks(name)[self.GATES.index(gate)]


def _gated_from_torch(module, kind: str, cls, *, input_size, hidden_size, dtype):
    """The one-layer ``torch.nn.LSTM``/``GRU`` (``kind``) ``module``'s weights as ``cls``
    (``LSTMParams``/``GRUParams``) in ``dtype`` (float64 for None); zeros for missing biases."""
    _check_module(module, kind, input_size=input_size, hidden_size=hidden_size, num_layers=1)
    dt = _check_dtype(dtype)
    rows = len(cls.GATES) * module.hidden_size

    def arr(name):
        t = getattr(module, name, None)
        if t is None:
            return np.zeros(rows, dtype=dt)
        return t.detach().cpu().double().numpy().astype(dt)

    return cls(*(arr(n) for n in _TORCH_NAMES))


def _gated_to_torch(params, module, kind: str):
    """Copy one gated layer's ``params`` into ``module`` (or a new ``torch.nn.LSTM``/``GRU`` of
    the params' dtype if None), after checking its kind and sizes. Returns the module."""
    import torch

    if module is None:
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
        tdtype = torch.float64 if params.dtype == np.float64 else torch.float32
        module = cls(params.input_size, params.hidden_size, dtype=tdtype)
    _check_module(module, kind, input_size=params.input_size, hidden_size=params.hidden_size,
                  num_layers=1, need_bias=True)
    with torch.no_grad():
        for name, tname in zip(WEIGHT_NAMES, _TORCH_NAMES):
            dest = getattr(module, tname)
            dest.copy_(torch.from_numpy(np.ascontiguousarray(getattr(params, name))).to(dest.dtype))
    return module


def _check_instance(params, cls):
    if not isinstance(params, cls):
        raise TypeError(f"params must be a {cls.__name__} (see init_params), got "
                        f"{describe(params)}")
    return params


# --------------------------------------------------------------------------------------------
# parameters
def init_params(*, input_size: int, hidden_size: int, rng: np.random.Generator,
                num_layers: int = 1) -> list[dict[str, np.ndarray]]:
    """Parameters of a stacked RNN, drawn like ``torch.nn.RNN``: U(-1/sqrt(H), 1/sqrt(H)).

    Returns a list of ``num_layers`` dicts with ``W_ih`` (H, D) for layer 0 and (H, H) above it,
    ``W_hh`` (H, H), ``b_ih`` (H,), ``b_hh`` (H,).
    """
    input_size = check_int("input_size", input_size, low=1)
    hidden_size = check_int("hidden_size", hidden_size, low=1)
    num_layers = check_int("num_layers", num_layers, low=1)
    check_rng("rng", rng)
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
    """Validate a parameter list (see :func:`check_weights`); return ``(input_size,
    hidden_size, num_layers)``."""
    if not isinstance(params, (list, tuple)):
        raise TypeError(f"params must be a non-empty list of layer dicts with keys {_KEYS}, "
                        f"got {describe(params)}")
    if len(params) == 0:
        raise ValueError(f"params must be a non-empty list of layer dicts with keys {_KEYS}, "
                         "got an empty list")
    hidden = input_size = None
    for layer, p in enumerate(params):
        if not isinstance(p, dict) or set(p) != set(_KEYS):
            got = sorted(p) if isinstance(p, dict) else describe(p)
            raise ValueError(f"params[{layer}] must be a dict with keys {_KEYS}, got {got}")
        W_ih, W_hh, _, _ = check_weights(*(p[k] for k in _KEYS), blocks=1,
                                         prefix=f"params[{layer}]")
        H = W_hh.shape[0]
        if hidden is None:
            hidden, input_size = H, W_ih.shape[1]
        elif H != hidden:
            raise ValueError(f"params[{layer}]['W_hh'] has hidden size {H}, expected {hidden} "
                             "(every layer of the stack has the same hidden size)")
        elif W_ih.shape[1] != H:
            raise ValueError(f"params[{layer}]['W_ih'] must have shape ({H}, {H}) above layer 0 "
                             f"(its input is the hidden state below), got {W_ih.shape}")
    return input_size, hidden, len(params)


# --------------------------------------------------------------------------------------------
# forward and backward
def forward(params, x, state=None, *, activation: str = "tanh"):
    """Run the stack over a batch of sequences.

    params : list of layer dicts (:func:`init_params`).
    x : (T, B, D) inputs, time first (as ``torch.nn.RNN`` without ``batch_first``).
    state : (L, B, H) initial states h_0 of the L layers, zeros if None.

    Returns ``(out, final_state, cache)``: ``out`` (T, B, H) the top layer's states h_1..h_T,
    ``final_state`` (L, B, H) each layer's last state, and the cache for :func:`backward` (a
    dict with, per layer, ``inputs`` (T, B, D_l), pre-activations ``a`` and states ``h``
    (T, B, H); and ``h0`` (L, B, H)). Computes in float64. NaN or infinity in ``x`` or
    ``state`` propagate into the outputs, as in PyTorch.
    """
    D, H, L = check_params(params)
    check_choice("activation", activation, ACTIVATIONS)
    x = _check_sequence(x, D, np.float64)
    T, B, _ = x.shape
    h0 = _check_state("state", state, (L, B, H), np.float64)
    params = [{k: np.asarray(p[k], dtype=np.float64) for k in _KEYS} for p in params]
    cache = {"params": params, "activation": activation, "inputs": [], "a": [], "h": [],
             "h0": h0}
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
            h = _activate(a[t], activation)
            hs[t] = h
        cache["inputs"].append(inp)
        cache["a"].append(a)
        cache["h"].append(hs)
        h_n[layer] = h
        inp = hs  # the layer above reads these states
    return inp, h_n, cache


def _check_cache(cache, keys, module: str) -> None:
    if not isinstance(cache, dict) or not set(keys) <= set(cache):
        raise TypeError(f"cache must be the cache dict returned by {module}.forward, "
                        f"got {describe(cache)}")


def backward(cache, d_out, d_final_state=None):
    """Backpropagation through time and through the stack.

    cache : from :func:`forward`. d_out : (T, B, H) dLoss/d out (the top layer's states), or
    None for zeros. d_final_state : (L, B, H) dLoss/d final_state, or None.

    Returns ``(grads, dx, d_state)``: ``grads`` a list like ``params`` (one dict per layer with
    the keys ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh`` and their shapes), ``dx`` (T, B, D) and
    ``d_state`` (L, B, H), the gradient of the initial state.
    """
    _check_cache(cache, ("params", "activation", "inputs", "a", "h", "h0"), "rnn")
    params = cache["params"]
    L = len(params)
    T, B, H = cache["h"][-1].shape
    d_out = _check_state("d_out", d_out, (T, B, H), np.float64)
    d_hn = _check_state("d_final_state", d_final_state, (L, B, H), np.float64)
    grads = [None] * L
    dh0 = np.empty((L, B, H))
    d_states = d_out  # error arriving at this layer's states from above ("space")
    for layer in reversed(range(L)):
        p = params[layer]
        inp, a, hs = cache["inputs"][layer], cache["a"][layer], cache["h"][layer]
        fprime = _activation_derivative(a, cache["activation"])  # (T, B, H)
        da = np.empty((T, B, H))
        dh_next = d_hn[layer].copy()  # error arriving from step t+1 ("time")
        for t in reversed(range(T)):
            dh = d_states[t] + dh_next  # both directions meet at h_t
            da[t] = fprime[t] * dh
            dh_next = da[t] @ p["W_hh"]  # to h_{t-1}
        h_prev = np.concatenate([cache["h0"][layer][None], hs[:-1]], axis=0)  # (T, B, H)
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
def to_torch(params, module=None, *, activation: str = "tanh"):
    """Copy ``params`` into ``module`` (a ``torch.nn.RNN`` of the same sizes, number of layers
    and nonlinearity, with biases) or, if ``module`` is None, into a new float64 one. Returns
    the module. ``torch.nn.RNN`` has only the activations ``"tanh"`` and ``"relu"``."""
    import torch

    D, H, L = check_params(params)
    check_choice("activation", activation, ("tanh", "relu"))
    if module is None:
        module = torch.nn.RNN(D, H, num_layers=L, nonlinearity=activation, dtype=torch.float64)
    _check_module(module, "rnn", input_size=D, hidden_size=H, num_layers=L, need_bias=True)
    if module.nonlinearity != activation:
        raise ValueError(f"module must have nonlinearity={activation!r} (the activation), got "
                         f"{module.nonlinearity!r}")
    with torch.no_grad():
        for k, p in enumerate(params):
            for ours, theirs in zip(_KEYS, ("weight_ih", "weight_hh", "bias_ih", "bias_hh")):
                dest = getattr(module, f"{theirs}_l{k}")
                dest.copy_(torch.as_tensor(np.asarray(p[ours], dtype=np.float64)).to(dest.dtype))
    return module


def from_torch(module, *, input_size: int | None = None, hidden_size: int | None = None,
               dtype=None) -> list[dict[str, np.ndarray]]:
    """Copy a unidirectional ``torch.nn.RNN``'s parameters into the list-of-dicts form.

    ``input_size`` / ``hidden_size``, if given, are what the caller expects the module to have
    (a guard against loading weights meant for another model). ``dtype``: float64 (None) or
    float32 (the RNN computes in float64 either way). A module without biases gives zeros.
    """
    _check_module(module, "rnn", input_size=input_size, hidden_size=hidden_size)
    dt = _check_dtype(dtype)
    H = module.hidden_size
    params = []
    for k in range(module.num_layers):
        p = {}
        for ours, theirs in zip(_KEYS, ("weight_ih", "weight_hh", "bias_ih", "bias_hh")):
            t = getattr(module, f"{theirs}_l{k}", None)
            p[ours] = (np.zeros(H, dtype=dt) if t is None
                       else t.detach().cpu().double().numpy().astype(dt))
        params.append(p)
    return params


# --------------------------------------------------------------------------------------------
# a long-memory task and training
def adding_batch(T: int, batch_size: int, *, rng: np.random.Generator):
    """A batch of the adding problem, time first for :func:`forward`.

    The task itself is ``helpers.tasks.adding_problem`` (Le et al. 2015 variant, shared with
    chapters 3 and 4): two of ``T`` values in U(0, 1) are marked, one in each half; the target is
    their sum; predicting 1 scores MSE 1/6. Returns ``x`` (T, B, 2) float64 and ``y`` (B,).
    """
    from helpers.tasks import adding_problem

    T = check_int("T", T, low=2)
    batch_size = check_int("batch_size", batch_size, low=1)
    check_rng("rng", rng)
    x, y = adding_problem(batch_size, T, rng, dtype=np.float64)
    return np.ascontiguousarray(x.transpose(1, 0, 2)), y


def readout_loss(params, W_hy, b_y, x, y, *, activation: str = "tanh"):
    """Mean squared error of a linear readout ``y_hat = W_hy h_T + b_y`` of the top layer's last
    state, and the gradients of every parameter.

    W_hy : (H,), b_y : float, x : (T, B, D), y : (B,).
    Returns ``(loss, grads, dW_hy, db_y)`` with ``grads`` shaped like ``params``.
    """
    D, H, L = check_params(params)
    W_hy = check_array("W_hy", W_hy, shape=(H,), dtype=np.float64, finite=True)
    b_y = check_number("b_y", b_y)
    x = _check_sequence(x, D, np.float64)
    y = check_array("y", y, shape=(x.shape[1],), dtype=np.float64, finite=True)
    out, _, cache = forward(params, x, activation=activation)
    h_T = out[-1]  # (B, H)
    y_hat = h_T @ W_hy + b_y
    err = y_hat - y
    loss = float(np.mean(err ** 2))
    d_yhat = 2.0 * err / len(y)  # (B,)
    d_out = np.zeros_like(out)
    d_out[-1] = np.outer(d_yhat, W_hy)
    grads, _, _ = backward(cache, d_out)
    return loss, grads, h_T.T @ d_yhat, float(d_yhat.sum())


def train_adding_numpy(T: int, *, hidden_size: int = 32, steps: int = 400, batch_size: int = 32,
                       lr: float = 1e-2, optimizer: str = "adam", activation: str = "tanh",
                       W_hh: np.ndarray | None = None, b_zero: bool = False,
                       clip: Callable[[list], tuple] | None = None, eval_size: int = 500,
                       on_divergence: str = "raise", rng: np.random.Generator) -> dict:
    """Train a one-layer numpy RNN (this module's :func:`forward` and :func:`backward`) with a
    linear readout on :func:`adding_batch` of length ``T``.

    W_hh : optional (H, H) initial recurrent matrix (e.g. orthogonal or identity); otherwise
        :func:`init_params`. ``b_zero`` zeroes the biases (as in IRNN).
    clip : optional ``clip(grads) -> (clipped_grads, norm_before)`` applied to the flat list of
        gradient arrays each step (see ``helpers.gradients.clip_by_norm``).
    on_divergence : what to do when the loss, a gradient or a parameter becomes NaN or
        infinite: ``"raise"`` a ``FloatingPointError`` naming the step, or ``"return"`` the
        curves so far with ``diverged_at`` set (chapter 2 shows such a run).

    Returns a dict with ``loss`` (per step), ``grad_norm`` (global norm before clipping, per
    step), ``diverged_at`` (step index or None), on ``eval_size`` fresh sequences ``test_mse``
    and ``success`` (the fraction with absolute error < 0.04, Hochreiter & Schmidhuber's
    criterion; both NaN if diverged), ``baseline_mse`` = 1/6, and the trained ``params``,
    ``W_hy``, ``b_y``. (PyTorch's trainer for all three cells is
    ``helpers.tasks.train_adding_torch``.)
    """
    T = check_int("T", T, low=2)
    hidden_size = check_int("hidden_size", hidden_size, low=1)
    steps = check_int("steps", steps, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    lr = check_number("lr", lr, low=0.0, low_open=True)
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_choice("activation", activation, ACTIVATIONS)
    b_zero = check_bool("b_zero", b_zero)
    if clip is not None and not callable(clip):
        raise TypeError(f"clip must be None or a function clip(grads) -> (clipped, norm), "
                        f"got {describe(clip)}")
    eval_size = check_int("eval_size", eval_size, low=1)
    check_choice("on_divergence", on_divergence, ON_DIVERGENCE)
    check_rng("rng", rng)
    if W_hh is not None:
        W_hh = check_array("W_hh", W_hh, shape=(hidden_size, hidden_size), dtype=np.float64,
                           finite=True)
    params = init_params(input_size=2, hidden_size=hidden_size, rng=rng)
    if W_hh is not None:
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
            loss, grads, dW_hy, db_y = readout_loss(params, W_hy, b_y[0], x, y,
                                                    activation=activation)
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
            if not all(np.all(np.isfinite(p)) for p in arrays):
                diverged_at = step
                break
        if diverged_at is not None and on_divergence == "raise":
            raise FloatingPointError(
                f"training diverged at step {diverged_at}: loss {losses[diverged_at]:.3g}, "
                f"gradient norm {norms[diverged_at]:.3g} (or a parameter) is not finite; lower "
                f"lr, clip the gradients, or pass on_divergence='return' to get the curves")
        if diverged_at is None:
            x, y = adding_batch(T, eval_size, rng=rng)
            out, _, _ = forward(params, x, activation=activation)
            err = out[-1] @ W_hy + b_y[0] - y
            test_mse = float(np.mean(err ** 2))
            success = float(np.mean(np.abs(err) < 0.04))
        else:
            test_mse = success = float("nan")
    return {"loss": losses, "grad_norm": norms, "diverged_at": diverged_at,
            "test_mse": test_mse, "success": success, "baseline_mse": 1.0 / 6.0, "params": params,
            "W_hy": W_hy, "b_y": float(b_y[0])}


def flat_grads(grads: Sequence[dict]) -> list[np.ndarray]:
    """The gradient arrays of a ``grads`` list (as from :func:`backward`), layer by layer."""
    if not isinstance(grads, (list, tuple)) or len(grads) == 0:
        raise TypeError(f"grads must be a non-empty list of layer dicts with keys {_KEYS}, "
                        f"got {describe(grads)}")
    for layer, g in enumerate(grads):
        if not isinstance(g, dict) or not set(_KEYS) <= set(g):
            raise ValueError(f"grads[{layer}] must be a dict with keys {_KEYS}, got "
                             f"{sorted(g) if isinstance(g, dict) else describe(g)}")
    return [g[k] for g in grads for k in _KEYS]
