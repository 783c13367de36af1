"""A bidirectional layer over the chapter 3-4 cells (chapter 8), Schuster & Paliwal (1997).

Two independent layers of the same cell (``"lstm"``: :mod:`helpers.lstm`, ``"gru"``:
:mod:`helpers.gru`) read the sequence in opposite directions; the output at step t joins them:

    h→_t = cell(x_t, h→_{t-1})          left to right  (sees x_1..x_t)
    h←_t = cell(x_t, h←_{t+1})          right to left  (sees x_t..x_T)
    y_t  = [h→_t ; h←_t]                (B, 2H)

so y_t depends on the whole sequence: it cannot be a language model's state (to predict x_{t+1}
from y_t would be to read the answer, which h←_t has already seen).

The interface is the cells' own: :func:`init_params`, :func:`forward` ``(params, x, state) ->
(out, final_state, cache)``, :func:`backward` ``(cache, d_out, d_final_state) -> (grads, dx,
d_state)``, :func:`to_torch` / :func:`from_torch`. Layout as ``torch.nn.LSTM/GRU(...,
bidirectional=True)`` (time first): ``x`` (T, B, D), ``out`` (T, B, 2H) with the forward half
first, states with a leading direction axis of 2 (index 0 forward, 1 backward): (2, B, H) for
the GRU, the pair (h, c) of (2, B, H) for the LSTM. ``grads`` is ``{"forward": {...},
"backward": {...}}``, each keyed ``W_ih, W_hh, b_ih, b_hh``.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from helpers import gru, lstm
from helpers.checks import check_choice, check_rng, describe

CELLS = {"lstm": lstm, "gru": gru}
_PARAMS = {"lstm": lstm.LSTMParams, "gru": gru.GRUParams}
_TORCH = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


@dataclasses.dataclass(frozen=True)
class BiParams:
    """The two directions' weights: ``cell`` ("lstm" or "gru"), ``forward`` and ``backward``
    (each the cell's params, of the same sizes and dtype)."""

    cell: str
    forward: object
    backward: object

    def __post_init__(self):
        check_choice("cell", self.cell, tuple(CELLS))
        cls = _PARAMS[self.cell]
        for name in ("forward", "backward"):
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"{name} must be a {cls.__name__} for cell={self.cell!r}, got "
                                f"{describe(getattr(self, name))}")
        f, b = self.forward, self.backward
        if (f.input_size, f.hidden_size, f.dtype) != (b.input_size, b.hidden_size, b.dtype):
            raise ValueError(f"backward must have the sizes and dtype of forward, got "
                             f"{(b.input_size, b.hidden_size, b.dtype)} vs "
                             f"{(f.input_size, f.hidden_size, f.dtype)}")

    @property
    def hidden_size(self) -> int:
        return self.forward.hidden_size

    @property
    def input_size(self) -> int:
        return self.forward.input_size


def _check_params(params) -> BiParams:
    if not isinstance(params, BiParams):
        raise TypeError(f"params must be a BiParams (see init_params), got {describe(params)}")
    return params


def init_params(cell: str, *, input_size: int, hidden_size: int,
                rng: np.random.Generator) -> BiParams:
    """Two independent draws of the cell's ``init_params`` (forward first, then backward)."""
    cell = check_choice("cell", cell, tuple(CELLS))
    rng = check_rng("rng", rng)
    mod = CELLS[cell]
    return BiParams(cell, mod.init_params(input_size=input_size, hidden_size=hidden_size, rng=rng),
                    mod.init_params(input_size=input_size, hidden_size=hidden_size, rng=rng))


def _split_state(p: BiParams, state, B: int):
    """The (2, B, H) state (a pair of them for the LSTM) -> (forward state, backward state),
    each in the cell's own (1, B, H) layout; (None, None) for None."""
    if state is None:
        return None, None
    H = p.hidden_size
    from helpers.rnn import _check_state

    if p.cell == "lstm":
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"state must be None or a pair (h, c) of arrays of shape "
                            f"(2, {B}, {H}), got {describe(state)}")
        h = _check_state("state[0] (h)", state[0], (2, B, H), p.forward.dtype)
        c = _check_state("state[1] (c)", state[1], (2, B, H), p.forward.dtype)
        return (h[:1], c[:1]), (h[1:], c[1:])
    s = _check_state("state", state, (2, B, H), p.forward.dtype)
    return s[:1], s[1:]


def _join_state(cell: str, f, b):
    if cell == "lstm":
        return (np.concatenate([f[0], b[0]]), np.concatenate([f[1], b[1]]))
    return np.concatenate([f, b])


def forward(params: BiParams, x, state=None):
    """Run both directions over ``x`` (T, B, D). Returns ``(out, final_state, cache)``: ``out``
    (T, B, 2H) = [forward states ; backward states] at each step, ``final_state`` in
    PyTorch's layout (the backward direction's final state is the one after reading x_1)."""
    p = _check_params(params)
    from helpers.rnn import _check_sequence

    x = _check_sequence(x, p.input_size, p.forward.dtype)
    mod = CELLS[p.cell]
    s_f, s_b = _split_state(p, state, x.shape[1])
    out_f, fin_f, cache_f = mod.forward(p.forward, x, s_f)
    out_b, fin_b, cache_b = mod.forward(p.backward, x[::-1], s_b)      # read right to left
    out = np.concatenate([out_f, out_b[::-1]], axis=2)                 # (T, B, 2H)
    cache = {"cell": p.cell, "forward": cache_f, "backward": cache_b, "H": p.hidden_size,
             "shape": x.shape, "params": p}
    return out, _join_state(p.cell, fin_f, fin_b), cache


def backward(cache: dict, d_out, d_final_state=None):
    """Backpropagation through both directions. ``d_out`` (T, B, 2H) or None; ``d_final_state``
    shaped like ``final_state`` or None. Returns ``(grads, dx, d_state)``: ``grads``
    ``{"forward": ..., "backward": ...}``, ``dx`` (T, B, D) (the sum of both directions'),
    ``d_state`` shaped like the initial state."""
    if not isinstance(cache, dict) or not {"cell", "forward", "backward", "H", "shape",
                                           "params"} <= set(cache):
        raise TypeError(f"cache must be the cache returned by bidirectional.forward, got "
                        f"{describe(cache)}")
    p, H = cache["params"], cache["H"]
    T, B, _ = cache["shape"]
    from helpers.rnn import _check_state

    d_out = _check_state("d_out", d_out, (T, B, 2 * H), p.forward.dtype)
    d_f, d_b = _split_state(p, d_final_state, B)
    mod = CELLS[p.cell]
    g_f, dx_f, ds_f = mod.backward(cache["forward"], d_out[:, :, :H], d_f)
    g_b, dx_b, ds_b = mod.backward(cache["backward"], d_out[::-1, :, H:], d_b)
    return ({"forward": g_f, "backward": g_b}, dx_f + dx_b[::-1],
            _join_state(p.cell, ds_f, ds_b))


def to_torch(params: BiParams, module=None):
    """Copy into ``module`` (a one-layer bidirectional ``torch.nn.LSTM``/``GRU`` of the same
    sizes, with biases) or a new one in the params' dtype. Returns the module."""
    import torch

    p = _check_params(params)
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[p.cell]
    if module is None:
        dt = torch.float64 if p.forward.dtype == np.float64 else torch.float32
        module = cls(p.input_size, p.hidden_size, bidirectional=True, dtype=dt)
    _check_module(module, cls, p.input_size, p.hidden_size)
    with torch.no_grad():
        for direction, suffix in ((p.forward, ""), (p.backward, "_reverse")):
            for name, tname in zip(("W_ih", "W_hh", "b_ih", "b_hh"), _TORCH):
                dest = getattr(module, tname + suffix)
                dest.copy_(torch.from_numpy(np.ascontiguousarray(getattr(direction, name))))
    return module


def _check_module(module, cls, input_size=None, hidden_size=None):
    if not isinstance(module, cls):
        raise TypeError(f"module must be a torch.nn.{cls.__name__}, got {describe(module)}")
    if not module.bidirectional or module.num_layers != 1 or not module.bias \
            or getattr(module, "proj_size", 0):
        raise ValueError(f"module must be one bidirectional layer with biases and no "
                         f"projection, got bidirectional={module.bidirectional}, "
                         f"num_layers={module.num_layers}, bias={module.bias}")
    for name, want in (("input_size", input_size), ("hidden_size", hidden_size)):
        if want is not None and getattr(module, name) != want:
            raise ValueError(f"module must have {name}={want}, got {getattr(module, name)}")


def from_torch(module) -> BiParams:
    """The weights of a one-layer bidirectional ``torch.nn.LSTM`` or ``GRU`` as float64
    :class:`BiParams`."""
    import torch

    if isinstance(module, torch.nn.LSTM):
        cell = "lstm"
    elif isinstance(module, torch.nn.GRU):
        cell = "gru"
    else:
        raise TypeError(f"module must be a torch.nn.LSTM or torch.nn.GRU, got "
                        f"{describe(module)}")
    _check_module(module, type(module))

    def arrays(suffix):
        return [getattr(module, t + suffix).detach().cpu().double().numpy().copy() for t in _TORCH]

    return BiParams(cell, _PARAMS[cell](*arrays("")), _PARAMS[cell](*arrays("_reverse")))


# ---------------------------------------------------------------------------------------------
# A task where the right context matters: fill in a masked word of a verse
# ---------------------------------------------------------------------------------------------

def masked_batch(verses, batch_size: int, rng: np.random.Generator, mask_id: int,
                 pad_id: int, max_len: int = 40):
    """A batch for the masked-word task: ``batch_size`` verses drawn from ``verses`` (a list of
    int id arrays, each of length >= 2), cut to ``max_len`` ids, padded with ``pad_id``; one
    position per verse, uniform over its words, replaced by ``mask_id``. Returns numpy arrays
    ``x`` (B, L) int64, ``pos`` (B,) and ``y`` (B,) (the hidden word ids)."""
    if isinstance(verses, (str, bytes)) or not isinstance(verses, (list, tuple)) or not verses:
        raise TypeError(f"verses must be a non-empty list of id arrays, got {describe(verses)}")
    from helpers.checks import check_int

    batch_size = check_int("batch_size", batch_size, low=1)
    rng = check_rng("rng", rng)
    mask_id = check_int("mask_id", mask_id, low=0)
    pad_id = check_int("pad_id", pad_id, low=0)
    max_len = check_int("max_len", max_len, low=2)
    pick = rng.integers(0, len(verses), size=batch_size)
    x = np.full((batch_size, max_len), pad_id, dtype=np.int64)
    pos, y = np.empty(batch_size, np.int64), np.empty(batch_size, np.int64)
    for b, k in enumerate(pick):
        v = np.asarray(verses[k], dtype=np.int64)[:max_len]
        if v.size < 2:
            raise ValueError(f"verses must hold at least 2 ids each, got one of length {v.size}")
        x[b, :v.size] = v
        pos[b] = rng.integers(0, v.size)
        y[b] = v[pos[b]]
        x[b, pos[b]] = mask_id
    return x, pos, y


def _masked_model_class():
    import torch
    from torch import nn

    class MaskedWordModel(nn.Module):
        """Embedding -> one LSTM layer -> softmax over the vocabulary at the masked position.

        ``bidirectional=False``: a left-to-right LSTM of ``2 * d_hidden`` units (its output at
        the mask has read only the words before it and the mask); ``True``: ``d_hidden`` units
        each way (the output joins both sides). The same state width either way."""

        def __init__(self, vocab_size, d_emb, d_hidden, bidirectional):
            super().__init__()
            self.bidirectional = bool(bidirectional)
            self.C = nn.Embedding(vocab_size, d_emb)
            H = d_hidden if bidirectional else 2 * d_hidden
            self.lstm = nn.LSTM(d_emb, H, batch_first=True, bidirectional=bidirectional)
            self.W_out = nn.Linear(2 * d_hidden, vocab_size)

        def forward(self, x, pos):
            out, _ = self.lstm(self.C(x))                              # (B, L, 2H)
            return self.W_out(out[torch.arange(x.shape[0], device=x.device), pos])  # (B, V)

    return MaskedWordModel


def masked_word_model(vocab_size: int, d_emb: int = 64, d_hidden: int = 64,
                      bidirectional: bool = True, seed: int = 1234):
    """The masked-word model (see ``_masked_model_class``), initialised from ``seed``."""
    import torch

    from helpers.checks import check_bool, check_int

    vocab_size = check_int("vocab_size", vocab_size, low=2)
    d_emb = check_int("d_emb", d_emb, low=1)
    d_hidden = check_int("d_hidden", d_hidden, low=1)
    bidirectional = check_bool("bidirectional", bidirectional)
    torch.manual_seed(check_int("seed", seed, low=0))
    return _masked_model_class()(vocab_size, d_emb, d_hidden, bidirectional)


def _check_masked_model(model):
    import torch

    if not (isinstance(model, torch.nn.Module) and hasattr(model, "bidirectional")
            and hasattr(model, "W_out")):
        raise TypeError(f"model must come from masked_word_model(), got {describe(model)}")
    return model


def train_masked(model, verses, steps: int, *, mask_id: int, pad_id: int, batch_size: int = 64,
                 lr: float = 3e-3, seed: int = 0, device: str = "cpu") -> list[float]:
    """Train ``model`` (from :func:`masked_word_model`) for ``steps`` Adam steps on
    :func:`masked_batch` draws; returns the loss (nats) of every step. ``device``: where the
    model and batches live (``"cpu"``, ``"cuda"``, ...); one code path for all."""
    import torch

    from helpers.checks import check_int, check_number

    model = _check_masked_model(model)
    steps = check_int("steps", steps, low=1)
    lr = check_number("lr", lr, low=0, low_open=True)
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a str such as 'cpu' or 'cuda', got {describe(device)}")
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    dev = torch.device(device)
    model.to(dev).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        x, pos, y = masked_batch(verses, batch_size, rng, mask_id, pad_id)
        x, pos, y = (torch.as_tensor(a, device=dev) for a in (x, pos, y))
        loss = torch.nn.functional.cross_entropy(model(x, pos), y)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training diverged: the loss became {loss.item()}; "
                                     f"lower lr (got {lr})")
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    model.eval()
    return losses


def masked_accuracy(model, verses, *, mask_id: int, pad_id: int, n: int = 2000, seed: int = 1,
                    device: str = "cpu") -> dict:
    """Accuracy and mean log-probability of the hidden word on ``n`` masked verses (one fixed
    draw for a given ``seed``, so two models are scored on the same positions)."""
    import torch

    from helpers.checks import check_int

    model = _check_masked_model(model)
    n = check_int("n", n, low=1)
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a str such as 'cpu' or 'cuda', got {describe(device)}")
    x, pos, y = masked_batch(verses, n, np.random.default_rng(check_int("seed", seed, low=0)),
                             mask_id, pad_id)
    dev = torch.device(device)
    model.to(dev).eval()
    with torch.no_grad():
        lp = torch.log_softmax(model(torch.as_tensor(x, device=dev),
                                     torch.as_tensor(pos, device=dev)), dim=-1).cpu()
    yt = torch.as_tensor(y)
    return {"accuracy": float((lp.argmax(-1) == yt).float().mean()),
            "mean_log_prob": float(lp[torch.arange(n), yt].mean()), "n": n}
