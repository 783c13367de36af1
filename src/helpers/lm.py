"""Neural language models on an id stream (chapter 7): feed-forward NNLM, Elman RNN LM, LSTM LM.

Every model has the same interface so that one training loop, one evaluation and one sampler
serve all three::

    state = model.init_state(B)                  # what is carried from one batch to the next
    logits, state = model(x, state)              # x: (B, T) int64 ids -> logits (B, T, V)

* :class:`FeedForwardLM` (Bengio et al. 2003): the state is the last ``n - 1`` ids, so a
  fixed window slides across batch boundaries.
* :class:`RNNLM` (Mikolov et al. 2010): an Elman network, ``h_t = tanh(W_ih e_t + W_hh h_{t-1} + b)``;
  the state is ``h`` (layers, B, H).
* :class:`LSTMLM` (Zaremba et al. 2014): ``n_layers`` LSTM layers, dropout on the non-recurrent
  connections only (embedding -> layer 1, between layers, last layer -> softmax), optional weight
  tying (Press & Wolf 2017); the state is ``(h, c)``.

The stream is the output of :meth:`helpers.data.Corpus.stream` (every sentence followed by
``</s>``). Evaluation predicts every token of the stream, the first from the context "after a
``</s>``", exactly the tokens the n-gram models of chapter 6 predict, so perplexities compare.
:func:`unk_from_singletons` gives an n-gram model the same learnt ``<unk>`` as the neural models
(trained with :func:`rare_to_unk`), so that the comparison is fair.

Randomness is passed in: ``seed=`` on a model's constructor draws its initial weights, and
``TrainConfig.seed`` its dropout masks and ``<unk>`` draws, both without touching torch's global
generator, so the same seeds give the same trained model in any process. Every public function
checks its arguments (``TypeError``/``ValueError`` naming the argument), and :func:`train` stops
with ``FloatingPointError`` on divergence.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import pickle
import time
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.checks import check_bool, check_choice, check_int, check_number, describe
from helpers.data import BOS, EOS, UNK, Vocab

# The special tokens and their ids, from helpers.data (one source): every Vocab numbers them alike.
_SPECIALS = Vocab(itos=(UNK, EOS, BOS), counts=(0, 0, 0))
UNK_ID, EOS_ID, BOS_ID = _SPECIALS.unk_id, _SPECIALS.eos_id, _SPECIALS.bos_id

__all__ = [
    "UNK", "EOS", "BOS", "UNK_ID", "EOS_ID", "BOS_ID", "FeedForwardLM", "RNNLM", "LSTMLM", "MODELS", "batchify", "bptt_batches", "detach_state",
    "check_ids", "rare_to_unk", "evaluate", "perplexity", "TrainConfig", "History", "train", "save_checkpoint",
    "load_checkpoint", "sample", "sample_verses", "n_parameters", "unk_from_singletons", "generation_explorer",
    "DEVICE_TYPES", "check_device", "to_device", "model_device",
]


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

class FeedForwardLM(nn.Module):
    """Bengio et al. (2003) neural probabilistic language model.

    ``P(w_t | w_{t-n+1..t-1}) = softmax(b_out + W_out tanh(b + W_ih [e_{t-n+1}; ...; e_{t-1}])
    (+ W_direct [e..]))``: one shared embedding table ``C`` (V, d_emb), a fixed window of
    ``n - 1`` previous words, a tanh hidden layer, a softmax over the vocabulary.

    ``forward(x, state)``: x (B, T) ids; state (B, n-1) ids preceding x[:, 0] ->
    logits (B, T, V), new state (B, n-1) (the last n-1 ids seen). ``logits[:, t]`` scores the
    word after ``x[:, t]`` from the window ``(..., x[:, t-1], x[:, t])`` of ``n - 1`` ids.
    """

    def __init__(self, vocab_size: int, n: int = 5, d_emb: int = 128, d_hidden: int = 256,
                 dropout: float = 0.0, direct: bool = False, cutoffs: tuple | None = None, *,
                 seed: int | None = None):
        super().__init__()
        vocab_size, d_emb, d_hidden = _check_sizes(vocab_size=vocab_size, d_emb=d_emb,
                                                   d_hidden=d_hidden)
        n = check_int("n", n, low=2)                                   # window of n - 1 words
        dropout = _check_dropout(dropout)
        direct = check_bool("direct", direct)
        cutoffs = _check_cutoffs(cutoffs, vocab_size)
        if direct and cutoffs:
            raise ValueError("direct=True needs the full softmax (cutoffs=None), got "
                             f"cutoffs={cutoffs!r}")
        self.config = dict(vocab_size=vocab_size, n=n, d_emb=d_emb, d_hidden=d_hidden,
                           dropout=dropout, direct=direct, cutoffs=cutoffs)
        self.vocab_size, self.n = vocab_size, n
        with _seeded(seed):
            self.C = nn.Embedding(vocab_size, d_emb)                   # shared word features
            self.W_ih = nn.Linear((n - 1) * d_emb, d_hidden)           # window -> hidden (+ b)
            self.W_out = _output_layer(d_hidden, vocab_size, cutoffs)  # hidden -> scores
            self.W_direct = (nn.Linear((n - 1) * d_emb, vocab_size, bias=False) if direct
                             else None)
        self.drop = nn.Dropout(dropout)

    def init_state(self, batch_size: int) -> torch.Tensor:
        """Window before the first token: ``n - 1`` copies of ``</s>`` (a sentence just ended)."""
        batch_size = check_int("batch_size", batch_size, low=1)
        return torch.full((batch_size, self.n - 1), EOS_ID, dtype=torch.long)

    def _check_state(self, x, state):
        if not isinstance(state, torch.Tensor) or state.shape != (x.shape[0], self.n - 1) \
                or state.is_floating_point():
            raise ValueError(f"state must be an integer tensor of shape ({x.shape[0]}, "
                             f"{self.n - 1}) (the last n-1 ids; model.init_state(B)), got "
                             f"{_describe_state(state)}")

    def forward(self, x: torch.Tensor, state: torch.Tensor):
        _check_x(x, self.vocab_size)
        self._check_state(x, state)
        B, T = x.shape
        full = torch.cat([state.to(x.device), x], dim=1)               # (B, n-1+T)
        win = full.unfold(1, self.n - 1, 1)[:, 1:]                     # (B, T, n-1): ends at x_t
        e = self.drop(self.C(win).reshape(B, T, -1))                   # (B, T, (n-1) d_emb)
        a = torch.tanh(self.W_ih(e))                                   # (B, T, H)
        logits = _scores(self.W_out, self.drop(a))                     # (B, T, V)
        if self.W_direct is not None:
            logits = logits + self.W_direct(e)
        return logits, full[:, -(self.n - 1):]

    def loss(self, x: torch.Tensor, y: torch.Tensor, state: torch.Tensor):
        """Training loss (mean cross-entropy of y (B, T)) and the new state, by the cheapest path."""
        if self.W_direct is not None:
            logits, state = self(x, state)
            _check_y(y, x, self.vocab_size)
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state
        _check_x(x, self.vocab_size)
        _check_y(y, x, self.vocab_size)
        self._check_state(x, state)
        B, T = x.shape
        full = torch.cat([state.to(x.device), x], dim=1)
        e = self.drop(self.C(full.unfold(1, self.n - 1, 1)[:, 1:]).reshape(B, T, -1))
        a = torch.tanh(self.W_ih(e))
        return _hidden_loss(self.W_out, self.drop(a), y), full[:, -(self.n - 1):]


class RNNLM(nn.Module):
    """Elman recurrent language model (Mikolov et al. 2010).

    ``e_t = C[w_t]``, ``h_t = tanh(W_ih e_t + W_hh h_{t-1} + b)``, ``y_t = softmax(W_out h_t + b_out)``.
    ``forward(x, h)``: x (B, T), h (1, B, H) -> logits (B, T, V), h (1, B, H).
    """

    def __init__(self, vocab_size: int, d_emb: int = 256, d_hidden: int = 256,
                 dropout: float = 0.0, cutoffs: tuple | None = None, *, seed: int | None = None):
        super().__init__()
        vocab_size, d_emb, d_hidden = _check_sizes(vocab_size=vocab_size, d_emb=d_emb,
                                                   d_hidden=d_hidden)
        dropout = _check_dropout(dropout)
        cutoffs = _check_cutoffs(cutoffs, vocab_size)
        self.config = dict(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden, dropout=dropout,
                           cutoffs=cutoffs)
        self.vocab_size, self.d_hidden = vocab_size, d_hidden
        with _seeded(seed):
            self.C = nn.Embedding(vocab_size, d_emb)
            self.rnn = nn.RNN(d_emb, d_hidden, nonlinearity="tanh", batch_first=True)
            self.W_out = _output_layer(d_hidden, vocab_size, cutoffs)
        self.drop = nn.Dropout(dropout)

    def init_state(self, batch_size: int) -> torch.Tensor:
        batch_size = check_int("batch_size", batch_size, low=1)
        return torch.zeros(1, batch_size, self.d_hidden)

    def forward(self, x: torch.Tensor, h: torch.Tensor):
        _check_x(x, self.vocab_size)
        _check_hidden("h", h, (1, x.shape[0], self.d_hidden))
        out, h = self.rnn(self.drop(self.C(x)), h)                     # (B, T, H)
        return _scores(self.W_out, self.drop(out)), h

    def loss(self, x: torch.Tensor, y: torch.Tensor, h: torch.Tensor):
        """Training loss (mean cross-entropy of y (B, T)) and the new state, by the cheapest path."""
        _check_x(x, self.vocab_size)
        _check_y(y, x, self.vocab_size)
        _check_hidden("h", h, (1, x.shape[0], self.d_hidden))
        out, h = self.rnn(self.drop(self.C(x)), h)
        return _hidden_loss(self.W_out, self.drop(out), y), h


class LSTMLM(nn.Module):
    """LSTM language model with dropout on non-recurrent connections (Zaremba et al. 2014).

    ``n_layers`` stacked LSTM layers of ``d_hidden`` units; dropout ``p`` on the embedding output,
    between layers and before the softmax, never on ``h_{t-1} -> h_t``. ``tie=True`` shares the
    input embedding with the output matrix (Press & Wolf 2017; needs ``d_emb == d_hidden``).
    ``forward(x, (h, c))``: x (B, T), h and c (n_layers, B, H) -> logits (B, T, V), (h, c).
    ``cutoffs`` (all three models): an adaptive softmax instead of the full one (see
    :func:`_output_layer`); the scores are then log-probabilities.
    """

    def __init__(self, vocab_size: int, d_emb: int = 256, d_hidden: int = 256, n_layers: int = 2,
                 dropout: float = 0.0, tie: bool = False, cutoffs: tuple | None = None, *,
                 seed: int | None = None):
        super().__init__()
        vocab_size, d_emb, d_hidden = _check_sizes(vocab_size=vocab_size, d_emb=d_emb,
                                                   d_hidden=d_hidden)
        dropout = _check_dropout(dropout)
        n_layers = check_int("n_layers", n_layers, low=1)
        tie = check_bool("tie", tie)
        cutoffs = _check_cutoffs(cutoffs, vocab_size)
        if tie and d_emb != d_hidden:
            raise ValueError(f"tie=True needs d_emb == d_hidden, got {d_emb} and {d_hidden}")
        if tie and cutoffs:
            raise ValueError(f"tie=True needs the full softmax (cutoffs=None), got "
                             f"cutoffs={cutoffs!r}")
        self.config = dict(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden,
                           n_layers=n_layers, dropout=dropout, tie=tie, cutoffs=cutoffs)
        self.vocab_size, self.d_hidden, self.n_layers = vocab_size, d_hidden, n_layers
        with _seeded(seed):
            self.C = nn.Embedding(vocab_size, d_emb)
            self.lstm = nn.LSTM(d_emb, d_hidden, n_layers, batch_first=True,
                                dropout=dropout if n_layers > 1 else 0.0)  # between layers only
            self.W_out = _output_layer(d_hidden, vocab_size, cutoffs)
            nn.init.uniform_(self.C.weight, -0.1, 0.1)
            if not cutoffs:
                nn.init.uniform_(self.W_out.weight, -0.1, 0.1)
                nn.init.zeros_(self.W_out.bias)
        self.drop = nn.Dropout(dropout)
        if tie:
            self.W_out.weight = self.C.weight                          # one (V, H) matrix

    def init_state(self, batch_size: int):
        batch_size = check_int("batch_size", batch_size, low=1)
        z = torch.zeros(self.n_layers, batch_size, self.d_hidden)
        return (z, z.clone())

    def _check_state(self, x, state):
        shape = (self.n_layers, x.shape[0], self.d_hidden)
        if not isinstance(state, tuple) or len(state) != 2:
            raise ValueError(f"state must be a tuple (h, c) of two tensors of shape {shape} "
                             f"(model.init_state(B)), got {_describe_state(state)}")
        _check_hidden("state", state[0], shape)
        _check_hidden("state", state[1], shape)

    def forward(self, x: torch.Tensor, state):
        _check_x(x, self.vocab_size)
        self._check_state(x, state)
        out, state = self.lstm(self.drop(self.C(x)), state)            # (B, T, H)
        return _scores(self.W_out, self.drop(out)), state

    def loss(self, x: torch.Tensor, y: torch.Tensor, state):
        """Training loss (mean cross-entropy of y (B, T)) and the new state, by the cheapest path."""
        _check_x(x, self.vocab_size)
        _check_y(y, x, self.vocab_size)
        self._check_state(x, state)
        out, state = self.lstm(self.drop(self.C(x)), state)
        return _hidden_loss(self.W_out, self.drop(out), y), state


MODELS = {"FeedForwardLM": FeedForwardLM, "RNNLM": RNNLM, "LSTMLM": LSTMLM}


def _output_layer(d_hidden: int, vocab_size: int, cutoffs) -> nn.Module:
    """The softmax layer: ``nn.Linear`` (full softmax over V), or with ``cutoffs`` an adaptive
    softmax (Grave et al. 2017): a head over the ``cutoffs[0]`` most frequent ids plus one entry
    per tail cluster, and smaller projections for the rarer clusters. It is still an exact,
    normalised distribution over all V ids; it only costs less (ids must be sorted by falling
    frequency, as :class:`helpers.data.Vocab` sorts them)."""
    if not cutoffs:
        return nn.Linear(d_hidden, vocab_size)
    return nn.AdaptiveLogSoftmaxWithLoss(d_hidden, vocab_size, cutoffs=list(cutoffs),
                                         div_value=4.0)


def _hidden_loss(W_out: nn.Module, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of targets ``y`` (B, T) from the last hidden layer ``h`` (B, T, H).

    For the adaptive softmax this is its fast training path, which scores only the head and the
    one tail cluster each target falls in; the value equals ``F.cross_entropy`` of the full
    log-probabilities (tested)."""
    if isinstance(W_out, nn.AdaptiveLogSoftmaxWithLoss):
        return W_out(h.reshape(-1, h.shape[-1]), y.reshape(-1)).loss
    logits = W_out(h)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def _scores(W_out: nn.Module, h: torch.Tensor) -> torch.Tensor:
    """(B, T, H) -> (B, T, V) scores: logits of the full softmax, or the adaptive softmax's
    log-probabilities (already normalised, so ``log_softmax`` leaves them unchanged)."""
    if isinstance(W_out, nn.AdaptiveLogSoftmaxWithLoss):
        B, T, H = h.shape
        return W_out.log_prob(h.reshape(B * T, H)).view(B, T, -1)
    return W_out(h)


def _check_sizes(vocab_size, **sizes) -> list[int]:
    """``vocab_size`` >= 2 (ids 0 ``<unk>`` and 1 ``</s>`` are always there), the others >= 1."""
    return [check_int("vocab_size", vocab_size, low=max(UNK_ID, EOS_ID) + 1)] + \
        [check_int(k, v, low=1) for k, v in sizes.items()]


def _check_dropout(p) -> float:
    return check_number("dropout", p, low=0.0, high=1.0, high_open=True)


def _check_cutoffs(cutoffs, vocab_size: int) -> tuple | None:
    """``None`` (or empty) for the full softmax, else a strictly increasing tuple in (0, V)."""
    if cutoffs is None or (isinstance(cutoffs, (tuple, list)) and len(cutoffs) == 0):
        return None
    if not isinstance(cutoffs, (tuple, list)):
        raise TypeError(f"cutoffs must be None or a tuple of integers, got {describe(cutoffs)}")
    cutoffs = tuple(check_int("cutoffs", c) for c in cutoffs)
    if list(cutoffs) != sorted(set(cutoffs)) or cutoffs[0] < 1 or cutoffs[-1] >= vocab_size:
        raise ValueError(f"cutoffs must increase strictly within (0, {vocab_size}), "
                         f"got {cutoffs}")
    return cutoffs


def _check_x(x, vocab_size: int, name: str = "x") -> None:
    """A (B, T) integer tensor of ids in [0, vocab_size), B, T >= 1."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a (B, T) int64 tensor of ids, got {describe(x)}")
    if x.dim() != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"{name} must have shape (B, T) with B, T >= 1, got {tuple(x.shape)}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer ids, got dtype {x.dtype}")
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi >= vocab_size:
        raise ValueError(f"{name} must hold ids in [0, {vocab_size}), got ids in [{lo}, {hi}]")


def _check_y(y, x, vocab_size: int) -> None:
    """Targets: like ``x`` and of the same shape."""
    _check_x(y, vocab_size, "y")
    if y.shape != x.shape:
        raise ValueError(f"y must have the shape of x {tuple(x.shape)}, got {tuple(y.shape)}")


def _describe_state(state) -> str:
    if isinstance(state, torch.Tensor):
        return f"a tensor of shape {tuple(state.shape)} and dtype {state.dtype}"
    if isinstance(state, tuple):
        return "a tuple of " + ", ".join(_describe_state(s) for s in state)
    return describe(state)


def _check_hidden(name: str, h, shape: tuple) -> None:
    if not isinstance(h, torch.Tensor) or tuple(h.shape) != shape or not h.is_floating_point():
        raise ValueError(f"{name} must hold float tensors of shape {shape} (model.init_state(B)), "
                         f"got {_describe_state(h)}")


@contextlib.contextmanager
def _seeded(seed):
    """Draw the parameters created inside from ``torch.manual_seed(seed)`` without touching the
    caller's global generator (``seed=None``: from the global generator, as torch does)."""
    if seed is None:
        yield
        return
    seed = check_int("seed", seed, low=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def n_parameters(model: nn.Module) -> int:
    """Number of distinct trainable parameters (a tied matrix counts once)."""
    _check_model(model, need_vocab=False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_model(model, need_vocab: bool = True) -> None:
    """A ``torch.nn.Module``; with ``need_vocab`` one of this module's interface (an integer
    ``vocab_size`` and ``init_state``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    if need_vocab and not (isinstance(getattr(model, "vocab_size", None), int)
                           and callable(getattr(model, "init_state", None))):
        raise TypeError(f"model must be a language model with an integer vocab_size and "
                        f"init_state(B) (FeedForwardLM, RNNLM, LSTMLM), got "
                        f"{type(model).__name__}")


# ---------------------------------------------------------------------------------------------
# Batching and truncated BPTT
# ---------------------------------------------------------------------------------------------

def check_ids(ids, vocab_size: int, name: str = "ids") -> torch.Tensor:
    """Return ``ids`` as a 1-D int64 tensor (N,), or raise ``TypeError`` for a value that is not
    an integer sequence and ``ValueError`` for a wrong shape or an id outside
    ``[0, vocab_size)``. An empty sequence is returned empty (callers decide if that is
    allowed)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {describe(name)}")
    vocab_size = check_int("vocab_size", vocab_size, low=1)
    if isinstance(ids, torch.Tensor):
        t = ids.detach().cpu()
    else:
        if isinstance(ids, (str, bytes, dict, set)) or ids is None:
            raise TypeError(f"{name} must be a 1-D sequence of integer ids, got {describe(ids)}")
        try:
            arr = np.asarray(ids)
        except (TypeError, ValueError) as err:                       # ragged nested lists
            raise TypeError(f"{name} must be a 1-D sequence of integer ids, got "
                            f"{describe(ids)}") from err
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                       or arr.dtype == np.bool_):
            raise TypeError(f"{name} must hold integer ids, got an array of dtype {arr.dtype}")
        t = torch.as_tensor(arr)
    if t.dim() != 1:
        raise ValueError(f"{name} must be a 1-D id sequence, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        return t.long()
    if t.dtype.is_floating_point or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer ids, got dtype {t.dtype}")
    t = t.long()
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= vocab_size):
        raise ValueError(f"{name} must lie in [0, {vocab_size}) (the vocabulary), got ids in "
                         f"[{int(t.min())}, {int(t.max())}]")
    return t


def batchify(ids, batch_size: int, vocab_size: int | None = None) -> torch.Tensor:
    """Cut a stream of N ids into ``batch_size`` contiguous rows: shape (B, N // B).

    Row b holds ids[b*L : (b+1)*L]; the tail that does not fill a row is dropped. Reading the
    columns left to right, each row is a continuous piece of text, so a hidden state carried from
    one (B, T) window to the next continues the same text.
    """
    batch_size = check_int("batch_size", batch_size, low=1)
    vocab_size = 2**62 if vocab_size is None else check_int("vocab_size", vocab_size, low=1)
    t = check_ids(ids, vocab_size)
    if batch_size * 2 > t.numel():
        raise ValueError(f"batch_size={batch_size} is too large for {t.numel()} ids: each row "
                         f"needs at least 2 ids (an input and its next-token target)")
    L = t.numel() // batch_size
    return t[: L * batch_size].view(batch_size, L)


def rare_to_unk(ids, p: float, max_count: int = 1, unk_id: int = UNK_ID,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Teach a model ``<unk>``: replace each occurrence of a rare id by ``unk_id`` with probability ``p``.

    ``ids`` (N,) is a training stream; an id is *rare* if it occurs at most ``max_count`` times
    in it. With a vocabulary of every training word, ``<unk>`` never occurs in training, so a
    model trained on the raw stream gives it almost no probability, although validation and
    test words never seen in training are all mapped to it. Seeing some rare words as ``<unk>``
    (fresh draws each epoch, so every rare word is still seen as itself too) makes the model
    predict ``<unk>`` where a rare word is likely — the Good-Turing idea that words seen once
    stand in for words not seen at all. Returns a new (N,) int64 tensor.
    """
    t = check_ids(ids, 2**62)
    p = check_number("p", p, low=0.0, high=1.0)
    max_count = check_int("max_count", max_count, low=1)
    unk_id = check_int("unk_id", unk_id, low=0)
    _check_generator(generator)
    if t.numel() == 0 or p == 0.0:
        return t.clone()
    counts = torch.bincount(t)
    rare = counts[t] <= max_count                                      # (N,) bool
    draw = torch.rand(t.shape, generator=generator) < p
    return torch.where(rare & draw, torch.full_like(t, unk_id), t)


def bptt_batches(data: torch.Tensor, bptt: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive windows of a (B, L) batchified stream: (x, y), each (B, T) with T <= bptt and
    ``y[:, t] = x[:, t+1]`` continued into the next window."""
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"data must be a (B, L) id tensor from batchify, got {describe(data)}")
    if data.dim() != 2 or data.shape[1] < 2:
        raise ValueError(f"data must have shape (B, L) with L >= 2 (batchify's output), got "
                         f"{tuple(data.shape)}")
    if data.is_floating_point() or data.is_complex() or data.dtype == torch.bool:
        raise TypeError(f"data must hold integer ids, got dtype {data.dtype}")
    bptt = check_int("bptt", bptt, low=1)
    L = data.shape[1]
    for s in range(0, L - 1, bptt):
        T = min(bptt, L - 1 - s)
        yield data[:, s:s + T], data[:, s + 1:s + 1 + T]


def detach_state(state):
    """Cut the graph behind a carried state (truncated BPTT): same values, no history.
    ``state``: a tensor or a tuple of tensors (an LSTM's ``(h, c)``)."""
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, tuple) and state and all(isinstance(s, torch.Tensor) for s in state):
        return tuple(s.detach() for s in state)
    raise TypeError(f"state must be a tensor or a non-empty tuple of tensors, got "
                    f"{_describe_state(state)}")


def _check_generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be None or a torch.Generator "
                        f"(torch.Generator().manual_seed(seed)), got {describe(generator)}")


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

def _eval_columns(ids: torch.Tensor, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets for scoring every id of a stream with ``batch_size`` parallel rows.

    The stream is cut into ``batch_size`` pieces at sentence boundaries (just after a ``</s>``);
    each piece is predicted from a fresh state whose input is ``</s>``, exactly as the first
    token of the stream. Short rows are padded (target -100, ignored).
    Returns x, y: (B, L) each."""
    N = ids.numel()
    eos_pos = torch.nonzero(ids == EOS_ID).flatten().tolist()
    cuts = [0]
    for b in range(1, batch_size):
        target = b * N // batch_size
        after = [p + 1 for p in eos_pos if p + 1 >= target and p + 1 < N]
        c = after[0] if after else N
        if c > cuts[-1]:
            cuts.append(c)
    cuts.append(N)
    pieces = [ids[a:b] for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    L = max(p.numel() for p in pieces)
    x = torch.full((len(pieces), L), EOS_ID, dtype=torch.long)
    y = torch.full((len(pieces), L), -100, dtype=torch.long)
    for r, p in enumerate(pieces):
        y[r, :p.numel()] = p
        x[r, 0] = EOS_ID
        x[r, 1:p.numel()] = p[:-1]
    return x, y


@torch.no_grad()
def evaluate(model: nn.Module, ids, batch_size: int = 8, bptt: int = 256,
             max_tokens: int | None = None, return_logprobs: bool = False) -> dict:
    """Mean negative log-likelihood (nats) and perplexity of ``model`` on a stream of ids.

    Every id is predicted, the first from the input ``</s>`` (as after a sentence end), so the
    predicted tokens are exactly those the chapter-6 n-gram models score. Returns
    ``{"nll": float, "ppl": float, "n": int}`` and, with ``return_logprobs``, ``"logprobs"``:
    the natural log-probability of every id in stream order, shape (N,) float32 (for
    interpolation with another model). Evaluates in eval mode (no dropout) and restores the
    model's mode afterwards; it runs on the device of the model's parameters. ``bptt``: the
    window length of the forward passes (any value gives the same numbers; it only bounds
    memory).
    """
    _check_model(model)
    ids = check_ids(ids, model.vocab_size)
    bptt = check_int("bptt", bptt, low=1)
    return_logprobs = check_bool("return_logprobs", return_logprobs)
    if max_tokens is not None:
        ids = ids[:check_int("max_tokens", max_tokens, low=1)]
    if ids.numel() == 0:
        raise ValueError("ids is empty: nothing to evaluate")
    batch_size = check_int("batch_size", batch_size, low=1, high=ids.numel())
    was_training = model.training
    model.eval()
    device = model_device(model)                                       # evaluate where it is
    x, y = _eval_columns(ids, batch_size)
    state = to_device(model.init_state(x.shape[0]), device)
    total, n, lps = 0.0, 0, []
    for s in range(0, x.shape[1], bptt):
        logits, state = model(to_device(x[:, s:s + bptt], device), state)
        yy = to_device(y[:, s:s + bptt], device)
        if return_logprobs:
            lp = torch.log_softmax(logits.float(), dim=-1)
            lps.append(lp.gather(-1, yy.clamp(min=0).unsqueeze(-1)).squeeze(-1).cpu())
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yy.reshape(-1),
                                 ignore_index=-100, reduction="sum").item()
        n += int((yy != -100).sum())
    model.train(was_training)
    nll = total / n
    out = {"nll": nll, "ppl": math.exp(nll) if nll < 709.0 else math.inf, "n": n}
    if return_logprobs:
        mask = y != -100
        out["logprobs"] = torch.cat(lps, dim=1)[mask].numpy()  # rows in stream order
    return out


def perplexity(model: nn.Module, ids, **kw) -> float:
    """Perplexity ``exp(-(1/N) sum_t log P(w_t | history))`` of ``model`` on ``ids``; ``kw`` as
    in :func:`evaluate` (``batch_size``, ``bptt``, ``max_tokens``)."""
    unknown = set(kw) - {"batch_size", "bptt", "max_tokens"}
    if unknown:
        raise TypeError(f"kw must name arguments of evaluate (batch_size, bptt, max_tokens), got "
                        f"{sorted(unknown)}")
    return evaluate(model, ids, **kw)["ppl"]


# ---------------------------------------------------------------------------------------------
# Devices: one code path for CPU and GPU (only tensors move)
# ---------------------------------------------------------------------------------------------

DEVICE_TYPES = ("cpu", "cuda")


def check_device(name: str, device) -> torch.device:
    """``device`` as a ``torch.device``: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or a
    ``torch.device`` of those. ``"cuda"`` is refused (``ValueError`` naming ``name``) where
    ``torch.cuda.is_available()`` is False, and ``"cuda:N"`` when there is no GPU ``N``."""
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{name} must be a device name ('cpu', 'cuda', 'cuda:0') or a "
                        f"torch.device, got {describe(device)}")
    try:
        dev = torch.device(device) if isinstance(device, str) else device
    except RuntimeError as err:
        raise ValueError(f"{name} must be 'cpu', 'cuda' or 'cuda:N', got {device!r}") from err
    if dev.type not in DEVICE_TYPES:
        raise ValueError(f"{name} must be 'cpu', 'cuda' or 'cuda:N', got {device!r} "
                         f"(device type {dev.type!r})")
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise ValueError(f"{name} must be 'cpu' (one CPU device), got {device!r}")
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"{name} is {device!r} but torch.cuda.is_available() is False (no "
                         f"CUDA GPU here, or a CPU-only torch build): use device='cpu'")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"{name} must name an existing GPU (torch.cuda.device_count() = "
                         f"{torch.cuda.device_count()}), got {device!r}")
    return dev


def to_device(x, device: torch.device):
    """A tensor, or a tuple of tensors (an LSTM's ``(h, c)``), moved to ``device``: the one
    place where the training and evaluation loops move data (a no-op when it is there)."""
    if isinstance(x, torch.Tensor):
        return x.to(device)
    if isinstance(x, tuple) and x and all(isinstance(t, torch.Tensor) for t in x):
        return tuple(t.to(device) for t in x)
    raise TypeError(f"x must be a tensor or a non-empty tuple of tensors, got {describe(x)}")


def model_device(model: nn.Module) -> torch.device:
    """The device of ``model``'s parameters (CPU for a model without parameters)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    p = next(model.parameters(), None)
    return torch.device("cpu") if p is None else p.device


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class TrainConfig:
    """Settings of :func:`train`. ``eval_every`` is in optimizer steps (None: once per epoch).
    ``device``: where to train ("cpu", "cuda", "cuda:N" or a ``torch.device``; checked by
    :func:`check_device`, kept as its name so the config stays plain data)."""

    batch_size: int = 32
    bptt: int = 35
    lr: float = 2e-3
    optimizer: str = "adam"          # "adam", "adamw" or "sgd"
    clip: float = 0.25               # max global gradient norm (chapter 2); 0 or None: no clip
    weight_decay: float = 0.0        # "adam"/"sgd": L2 added to the gradient (coupled);
    #                                  "adamw": w -= lr * weight_decay * w apart from Adam's step
    max_epochs: float = 10.0
    max_seconds: float | None = None
    eval_every: int | None = None
    plateau_factor: float = 0.5      # lr *= factor on a validation plateau (1: constant lr)
    plateau_patience: int = 0        # lr drops after patience + 1 evaluations without improvement
    early_stop_patience: int | None = 3   # evaluations without improvement before stopping
    min_lr: float = 1e-5
    restore_best: bool = True        # end with the weights of the best validation evaluation
    train_eval_tokens: int | None = None  # score this many training ids in eval mode (the gap)
    eval_batch_size: int = 8
    seed: int = 1234                 # dropout masks and <unk> draws (weights: the model's seed=)
    progress: bool = True
    checkpoint: str | None = None    # path: best model saved here at every improvement
    unk_rate: float = 0.0            # rare_to_unk's p, redrawn every epoch (0: raw stream)
    unk_max_count: int = 1           # rare_to_unk's max_count
    device: str = "cpu"              # "cpu", "cuda", "cuda:N" (model and batches move there)
    lr_schedule: str = "plateau"     # "plateau" (the rule above) or "cosine": every step,
    #                                  lr_t = min_lr + (lr - min_lr) (1 + cos(pi t / max_steps)) / 2
    autocast: str | None = None      # None (float32) or "bfloat16": the training forward pass
    #                                  under torch.autocast (weights, optimizer and evaluation stay float32)

    def __post_init__(self):
        """Check every field (``TypeError``/``ValueError`` naming it); a negative ``clip`` would
        turn descent into ascent, NaN or infinity would train nothing."""
        for k in ("batch_size", "bptt", "eval_batch_size", "unk_max_count"):
            setattr(self, k, check_int(k, getattr(self, k), low=1))
        for k in ("eval_every", "early_stop_patience", "train_eval_tokens"):
            if getattr(self, k) is not None:
                setattr(self, k, check_int(k, getattr(self, k), low=1))
        self.plateau_patience = check_int("plateau_patience", self.plateau_patience, low=0)
        self.seed = check_int("seed", self.seed, low=0)
        self.lr = check_number("lr", self.lr, low=0.0, low_open=True)
        self.optimizer = check_choice("optimizer", self.optimizer, ("adam", "adamw", "sgd"))
        if self.clip is not None:                                      # 0 or None: no clipping
            self.clip = check_number("clip", self.clip, low=0.0)
        self.weight_decay = check_number("weight_decay", self.weight_decay, low=0.0)
        self.max_epochs = check_number("max_epochs", self.max_epochs, low=0.0, low_open=True)
        if self.max_seconds is not None:
            self.max_seconds = check_number("max_seconds", self.max_seconds, low=0.0,
                                            low_open=True)
        self.plateau_factor = check_number("plateau_factor", self.plateau_factor, low=0.0,
                                           high=1.0, low_open=True)
        self.min_lr = check_number("min_lr", self.min_lr, low=0.0)
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr must be <= lr = {self.lr}, got {self.min_lr}")
        self.restore_best = check_bool("restore_best", self.restore_best)
        self.progress = check_bool("progress", self.progress)
        if self.checkpoint is not None:
            if not isinstance(self.checkpoint, (str, os.PathLike)) or not os.fspath(self.checkpoint):
                raise TypeError(f"checkpoint must be None or a file path, got "
                                f"{describe(self.checkpoint)}")
            self.checkpoint = os.fspath(self.checkpoint)
        self.unk_rate = check_number("unk_rate", self.unk_rate, low=0.0, high=1.0)
        self.device = str(check_device("device", self.device))
        self.lr_schedule = check_choice("lr_schedule", self.lr_schedule, ("plateau", "cosine"))
        if self.autocast is not None:
            self.autocast = check_choice("autocast", self.autocast, ("bfloat16",))


@dataclasses.dataclass
class History:
    """What :func:`train` measured. Lists run over evaluations (``step``, ``epoch``, ...)."""

    step: list = dataclasses.field(default_factory=list)
    epoch: list = dataclasses.field(default_factory=list)
    tokens: list = dataclasses.field(default_factory=list)
    seconds: list = dataclasses.field(default_factory=list)
    lr: list = dataclasses.field(default_factory=list)
    train_ppl_running: list = dataclasses.field(default_factory=list)  # with dropout, on the fly
    train_ppl: list = dataclasses.field(default_factory=list)          # eval mode, fixed subset
    valid_ppl: list = dataclasses.field(default_factory=list)
    best_valid_ppl: float = float("inf")
    best_step: int = -1
    stopped: str = ""
    tokens_per_second: float = 0.0

    def __post_init__(self):
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.type == "list" and not isinstance(v, list):
                raise TypeError(f"{f.name} must be a list (one entry per evaluation), got "
                                f"{describe(v)}")
        self.best_valid_ppl = check_number("best_valid_ppl", self.best_valid_ppl, low=1.0,
                                           finite=False)
        self.best_step = check_int("best_step", self.best_step, low=-1)
        if not isinstance(self.stopped, str):
            raise TypeError(f"stopped must be a str, got {describe(self.stopped)}")
        self.tokens_per_second = check_number("tokens_per_second", self.tokens_per_second,
                                              low=0.0)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def train(model: nn.Module, train_ids, valid_ids, config: TrainConfig | None = None,
          callback: Callable[[History, nn.Module], None] | None = None) -> History:
    """Train ``model`` on a stream with truncated BPTT; return its :class:`History`.

    The stream is cut into ``batch_size`` rows (:func:`batchify`); windows of ``bptt`` steps are
    fed in order and the state is carried from one window to the next, detached (truncated BPTT).
    Each step clips the global gradient norm to ``clip``. After every evaluation on
    ``valid_ids``: the best model is kept (and saved to ``checkpoint``); the learning rate is
    multiplied by ``plateau_factor`` (not below ``min_lr``) once ``plateau_patience + 1``
    evaluations in a row have not improved on the best, and that count then starts again
    (``torch.optim.lr_scheduler.ReduceLROnPlateau`` with ``threshold=0``); training stops early
    after ``early_stop_patience`` evaluations in a row without improvement. ``callback(history,
    model)`` is called after each evaluation (e.g. to write results incrementally). With
    ``unk_rate > 0`` each epoch trains on a fresh :func:`rare_to_unk` copy of the stream.
    ``lr_schedule="cosine"`` replaces the plateau rule by a rate set before every step, from
    ``lr`` at the first to ``min_lr`` after ``max_epochs`` (half a cosine). ``autocast="bfloat16"``
    runs each training forward pass and loss under ``torch.autocast`` (matrix products in
    bfloat16; the weights, their gradients, the optimizer, the carried state and every evaluation
    stay float32).

    The model is moved to ``config.device`` (it stays there) and every window of the stream and
    the carried state are moved there by :func:`to_device`: CPU and GPU run the same code.
    Dropout masks and ``<unk>`` draws come from ``config.seed`` (torch's global CPU generator
    is restored afterwards; on a GPU, ``torch.manual_seed`` also seeds its generator). Divergence stops training with ``FloatingPointError`` (a non-finite loss or gradient norm at
    a step, or non-finite parameters at an evaluation); the model keeps the weights it had then.
    """
    _check_model(model)
    cfg = TrainConfig() if config is None else config
    if not isinstance(cfg, TrainConfig):
        raise TypeError(f"config must be None or a TrainConfig, got {describe(cfg)}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be None or a callable(history, model), got "
                        f"{describe(callback)}")
    with torch.random.fork_rng(devices=[]):                            # leave the caller's RNG
        torch.manual_seed(cfg.seed)                                    # dropout's draws
        return _train(model, train_ids, valid_ids, cfg, callback)


def _float32_state(state):
    """The carried state in float32 (under autocast an LSTM may return bfloat16 states)."""
    if isinstance(state, torch.Tensor):
        return state.float() if state.is_floating_point() else state
    return type(state)(_float32_state(s) for s in state)


def _diverged(what: str, step: int, value) -> FloatingPointError:
    return FloatingPointError(f"training diverged: {what} at step {step} is {value} (lower lr, "
                              f"or clip the gradient norm with TrainConfig.clip)")


def _train(model, train_ids, valid_ids, cfg, callback) -> History:
    from tqdm.auto import tqdm

    train_ids = check_ids(train_ids, model.vocab_size, "train_ids")
    device = torch.device(cfg.device)
    model.to(device)                                                   # parameters, in place
    data = batchify(train_ids, cfg.batch_size, model.vocab_size)        # (B, L)
    unk_gen = torch.Generator().manual_seed(cfg.seed + 1)              # leaves dropout's draws alone
    valid = check_ids(valid_ids, model.vocab_size, "valid_ids")
    if valid.numel() < cfg.eval_batch_size:
        raise ValueError(f"valid_ids must hold at least eval_batch_size = {cfg.eval_batch_size} "
                         f"ids, got {valid.numel()}")
    train_sub = check_ids(train_ids, model.vocab_size, "train_ids")[: cfg.train_eval_tokens] \
        if cfg.train_eval_tokens else None
    if train_sub is not None and train_sub.numel() < cfg.eval_batch_size:
        raise ValueError(f"train_eval_tokens must be >= eval_batch_size = {cfg.eval_batch_size}, "
                         f"got {cfg.train_eval_tokens}")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model must have trainable parameters, got none with requires_grad")
    params = [p for p in model.parameters() if p.requires_grad]
    if cfg.optimizer == "adam":                                        # coupled L2 (in the moments)
        opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "adamw":                                     # decoupled decay
        opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = None
    if cfg.lr_schedule == "plateau" and cfg.plateau_factor < 1.0:      # 1.0: a constant rate
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=cfg.plateau_factor, patience=cfg.plateau_patience,
            threshold=0.0, min_lr=cfg.min_lr)
    steps_per_epoch = math.ceil((data.shape[1] - 1) / cfg.bptt)
    eval_every = cfg.eval_every or steps_per_epoch
    max_steps = int(cfg.max_epochs * steps_per_epoch)
    amp = (torch.autocast(device.type, dtype=torch.bfloat16) if cfg.autocast
           else contextlib.nullcontext())
    hist = History()
    best_state, bad, step, tokens, run_loss, run_n = None, 0, 0, 0, 0.0, 0
    t0 = time.perf_counter()
    train_seconds = 0.0
    bar = tqdm(total=max_steps, disable=not cfg.progress, desc=type(model).__name__, unit="step")
    done = False
    while not done:
        if cfg.unk_rate > 0:                                           # this epoch's <unk> draws
            data = batchify(rare_to_unk(train_ids, cfg.unk_rate, cfg.unk_max_count,
                                        generator=unk_gen), cfg.batch_size, model.vocab_size)
        model.train()
        state = to_device(model.init_state(cfg.batch_size), device)
        for x, y in bptt_batches(data, cfg.bptt):
            ts = time.perf_counter()
            x, y = to_device(x, device), to_device(y, device)          # (B, T) each
            state = detach_state(state)                                # truncated BPTT
            if cfg.lr_schedule == "cosine":                            # this step's rate
                for g in opt.param_groups:
                    g["lr"] = cfg.min_lr + (cfg.lr - cfg.min_lr) * 0.5 * (
                        1.0 + math.cos(math.pi * step / max(max_steps, 1)))
            with amp:
                if hasattr(model, "loss"):                             # fast path if any
                    loss, state = model.loss(x, y, state)
                else:
                    logits, state = model(x, state)
                    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(),
                                           y.reshape(-1))
            state = _float32_state(state)                              # carried in float32
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise _diverged("the training loss", step + 1, loss_value)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip:
                norm = float(torch.nn.utils.clip_grad_norm_(params, cfg.clip))
                if not math.isfinite(norm):
                    raise _diverged("the gradient norm", step + 1, norm)
            opt.step()
            train_seconds += time.perf_counter() - ts
            step += 1
            tokens += y.numel()
            run_loss += loss_value * y.numel()
            run_n += y.numel()
            bar.update(1)
            out_of_time = cfg.max_seconds is not None and time.perf_counter() - t0 > cfg.max_seconds
            if step % eval_every == 0 or step >= max_steps or out_of_time:
                if not all(bool(torch.isfinite(p).all()) for p in params):
                    raise _diverged("a parameter", step, "not finite")
                v = evaluate(model, valid, batch_size=cfg.eval_batch_size)["ppl"]
                tr = (evaluate(model, train_sub, batch_size=cfg.eval_batch_size)["ppl"]
                      if train_sub is not None else float("nan"))
                if not math.isfinite(v):
                    raise _diverged("the validation perplexity", step, v)
                hist.step.append(step)
                hist.epoch.append(step / steps_per_epoch)
                hist.tokens.append(tokens)
                hist.seconds.append(time.perf_counter() - t0)
                hist.lr.append(opt.param_groups[0]["lr"])
                hist.train_ppl_running.append(math.exp(run_loss / max(run_n, 1)))
                hist.train_ppl.append(tr)
                hist.valid_ppl.append(v)
                hist.tokens_per_second = tokens / max(train_seconds, 1e-9)
                run_loss, run_n = 0.0, 0
                bar.set_postfix(valid_ppl=f"{v:.1f}", lr=f"{opt.param_groups[0]['lr']:.2g}")
                if v < hist.best_valid_ppl:
                    hist.best_valid_ppl, hist.best_step, bad = v, step, 0
                    best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
                    if cfg.checkpoint:
                        save_checkpoint(cfg.checkpoint, model, extra={"history": hist.as_dict()})
                else:
                    bad += 1                                           # for early stopping
                if scheduler is not None:
                    scheduler.step(v)                                  # its own count, reset
                if callback is not None:
                    callback(hist, model)
                if cfg.early_stop_patience is not None and bad >= cfg.early_stop_patience:
                    hist.stopped = "early stopping"
                elif step >= max_steps:
                    hist.stopped = "max_epochs"
                elif out_of_time:
                    hist.stopped = "max_seconds"
                if hist.stopped:
                    done = True
                    break
                model.train()
    bar.close()
    if cfg.restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist


# ---------------------------------------------------------------------------------------------
# Checkpoints and sampling
# ---------------------------------------------------------------------------------------------

def save_checkpoint(path: str, model: nn.Module, extra: dict | None = None,
                    dtype: str = "float32") -> None:
    """Write the model's class, constructor arguments and weights (and ``extra``) to ``path``.
    ``extra``: a dict of plain values (numbers, strings, lists, dicts, tensors). ``dtype``:
    ``"float32"`` (exact) or ``"float16"`` (half the size, for a committed model; floating
    weights rounded to 11 significant bits, :func:`load_checkpoint` casts them back to the
    model's float32)."""
    path = _check_path(path)
    if not isinstance(model, tuple(MODELS.values())):
        raise TypeError(f"model must be one of {sorted(MODELS)}, got {describe(model)}")
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be None or a dict, got {describe(extra)}")
    dtype = check_choice("dtype", dtype, ("float32", "float16"))
    state = {k: (t.detach().cpu().to(getattr(torch, dtype)) if t.is_floating_point()
                 else t.detach().cpu()) for k, t in model.state_dict().items()}  # on the CPU
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    try:
        torch.save({"class": type(model).__name__, "config": model.config,
                    "state_dict": state, "extra": extra or {}}, tmp)
    except (AttributeError, TypeError, pickle.PicklingError) as err:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise TypeError(f"extra must hold plain values (numbers, strings, lists, dicts, "
                        f"tensors), got one that cannot be saved: {err}") from err
    os.replace(tmp, path)                                              # never a half-written file


def load_checkpoint(path: str) -> tuple[nn.Module, dict]:
    """Rebuild the model saved by :func:`save_checkpoint`; returns (model in eval mode, extra).
    Only plain data is unpickled (``torch.load(weights_only=True)``)."""
    path = _check_path(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path must name an existing checkpoint file, got {path!r}")
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch.load fails in many ways on a file it did not write
        raise ValueError(f"path {path!r} is not a checkpoint written by save_checkpoint "
                         f"({type(err).__name__})") from err
    if not isinstance(ck, dict) or ck.get("class") not in MODELS \
            or not isinstance(ck.get("config"), dict) or not isinstance(ck.get("state_dict"), dict):
        raise ValueError(f"path {path!r} is not a checkpoint of one of {sorted(MODELS)}")
    model = MODELS[ck["class"]](**ck["config"])
    model.load_state_dict(ck["state_dict"])                            # copy_ casts float16 back
    model.eval()
    return model, ck.get("extra", {})


def _check_path(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike), got {describe(path)}")
    path = os.fspath(path)
    if not path or os.path.isdir(path):
        raise ValueError(f"path must name a file, got {path!r}")
    return path


@torch.no_grad()
def sample(model: nn.Module, n_tokens: int, temperature: float = 1.0, prompt=None,
           generator: torch.Generator | None = None, stop_at_eos: int | None = None) -> list[int]:
    """Draw ``n_tokens`` ids from ``model``, each from ``softmax(logits / temperature)``.

    ``prompt``: ids to condition on (default: a single ``</s>``, i.e. the start of a verse).
    ``stop_at_eos``: stop after this many ``</s>`` have been drawn. Returns the drawn ids
    (without the prompt). ``temperature`` -> 0 approaches greedy decoding; 1 samples the model.
    Runs on the device of the model's parameters; ``generator`` is a CPU generator.
    """
    _check_model(model)
    n_tokens = check_int("n_tokens", n_tokens, low=0)
    temperature = check_number("temperature", temperature, low=0.0, low_open=True)
    _check_generator(generator)
    if stop_at_eos is not None:
        stop_at_eos = check_int("stop_at_eos", stop_at_eos, low=1)
    prompt = check_ids([EOS_ID] if prompt is None else prompt, model.vocab_size, "prompt")
    if prompt.numel() == 0:
        raise ValueError("prompt must hold at least one id")
    was_training = model.training
    model.eval()
    device = model_device(model)                                       # sample where it is
    state = to_device(model.init_state(1), device)
    logits, state = model(to_device(prompt.view(1, -1), device), state)
    out, n_eos = [], 0
    for _ in range(n_tokens):
        z = logits[0, -1].double()
        p = torch.softmax((z - z.max()) / temperature, dim=-1).cpu()   # no inf - inf at small T
        w = int(torch.multinomial(p, 1, generator=generator))
        out.append(w)
        n_eos += w == EOS_ID
        if stop_at_eos is not None and n_eos >= stop_at_eos:
            break
        logits, state = model(to_device(torch.tensor([[w]]), device), state)
    model.train(was_training)
    return out


SAMPLE_TEMPERATURES = (0.5, 0.7, 0.85, 1.0, 1.2)


def sample_verses(model: nn.Module, vocab: Vocab, temperatures=SAMPLE_TEMPERATURES, *,
                  seed: int = 1234, n_verses: int = 3, max_tokens: int = 120) -> dict:
    """``{str(T): text}``: up to ``n_verses`` verses drawn by :func:`sample` at each temperature
    ``T`` (at most ``max_tokens`` ids each), a fresh ``torch.Generator().manual_seed(seed)`` per
    temperature; every verse ends with ``</s>`` and a line break (the last one may be cut at
    ``max_tokens``). The format :func:`generation_explorer` reads."""
    _check_model(model)
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a helpers.data.Vocab, got {describe(vocab)}")
    if len(vocab) != model.vocab_size:
        raise ValueError(f"vocab must have the model's {model.vocab_size} ids, got {len(vocab)}")
    if isinstance(temperatures, (str, bytes)) or not hasattr(temperatures, "__iter__"):
        raise TypeError(f"temperatures must be a sequence of numbers > 0, got "
                        f"{describe(temperatures)}")
    temperatures = [check_number("temperatures", T, low=0.0, low_open=True) for T in temperatures]
    if not temperatures:
        raise ValueError("temperatures must hold at least one temperature, got none")
    seed = check_int("seed", seed, low=0)
    n_verses = check_int("n_verses", n_verses, low=1)
    max_tokens = check_int("max_tokens", max_tokens, low=1)
    out = {}
    for T in temperatures:
        g = torch.Generator().manual_seed(seed)
        ids = sample(model, max_tokens, temperature=T, generator=g, stop_at_eos=n_verses)
        out[str(T)] = " ".join(vocab.decode(ids)).replace(f" {EOS}", f" {EOS}\n").strip()
    return out


# ---------------------------------------------------------------------------------------------
# A fair n-gram baseline: <unk> estimated from singletons, as the neural models learn it
# ---------------------------------------------------------------------------------------------

def unk_from_singletons(full, open_model, sentences) -> np.ndarray:
    """Natural-log probability of every predicted token of ``sentences`` under the n-gram model
    ``full`` with its ``<unk>`` probability taken from ``open_model``; float64 (N,), the tokens
    and order of ``full.log_probs(sentences)`` (every word and every ``</s>``).

    ``full`` (an ``helpers.ngram.NGramLM``) has every training word in its vocabulary, so
    ``<unk>`` has training count 0 and gets only the uniform floor, while the neural models of
    chapter 7 learn ``<unk>`` from training singletons (:func:`rare_to_unk`). ``open_model`` is
    the same kind of model fitted with the training singletons mapped to ``<unk>`` (a
    vocabulary of the words seen at least twice), the standard open-vocabulary n-gram. With
    ``q(c) = P_open(<unk> | c)`` and ``u(c) = P_full(<unk> | c)`` at each token's context ``c``::

        P(<unk> | c) = q(c),    P(w | c) = P_full(w | c) (1 - q(c)) / (1 - u(c))   (w != <unk>)

    a normalised distribution over the full vocabulary that keeps ``full``'s distribution
    over the known words and gives ``<unk>`` the Good-Turing estimate. Both models must share
    their order ``n``.
    """
    for name, m in (("full", full), ("open_model", open_model)):
        if not all(hasattr(m, a) for a in ("log_probs", "n", "stoi", "unk_id")):
            raise TypeError(f"{name} must be a helpers.ngram.NGramLM, got {describe(m)}")
        if m.unk_id is None:
            raise ValueError(f"{name} must have {UNK!r} in its vocabulary, got a closed "
                             f"vocabulary")
    if full.n != open_model.n:
        raise ValueError(f"open_model must have the order of full (n = {full.n}), got "
                         f"n = {open_model.n}")
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)):
        raise TypeError(f"sentences must be a list of token lists, got {describe(sentences)}")
    if not sentences or not all(isinstance(x, (list, tuple)) and
                                all(isinstance(w, str) for w in x) for x in sentences):
        raise ValueError("sentences must be a non-empty list of lists of str tokens")
    k = full.n - 1                                                     # context length
    probes = [list(sent[max(0, t - k):t]) + [UNK] for sent in sentences
              for t in range(len(sent) + 1)]                          # one per predicted token
    at = np.cumsum([len(p) + 1 for p in probes]) - 2                   # the <unk> of each probe
    u = np.exp(full.log_probs(probes)[at])                             # (N,) P_full(<unk> | c)
    q = np.exp(open_model.log_probs(probes)[at])                       # (N,) P_open(<unk> | c)
    lp = full.log_probs(sentences)                                     # (N,)
    is_unk = np.array([w == UNK or w not in full.stoi for sent in sentences
                       for w in [*sent, EOS]])
    return np.where(is_unk, np.log(q), lp + np.log1p(-q) - np.log1p(-u))


# ---------------------------------------------------------------------------------------------
# The chapter's generation explorer
# ---------------------------------------------------------------------------------------------

def generation_explorer(lstm_samples: dict, ngram_models: dict, n: int = 5, *, seed: int = 1234,
                        k: int = 3, max_len: int = 30):
    """Chapter 7's explorer: model ("LSTM LM" or "KN n-gram") x sampling temperature -> ``k``
    verses drawn at that temperature.

    ``lstm_samples``: ``{str(temperature): text}`` with verses ended by ``</s>``, as
    ``scripts/ch07_train.py`` stores them (``results/ch07_lstm.json``, ``"samples"``); its
    temperatures are the slider's values. ``ngram_models``: ``{order: helpers.ngram.NGramLM}``;
    the n-gram's verses are drawn live from ``ngram_models[n]`` with
    ``helpers.ngram.sample_texts`` (``np.random.default_rng(seed)``, at most ``max_len`` words).
    Returns a :class:`helpers.widgets.Explorer`.
    """
    from helpers.ngram import sample_texts
    from helpers.widgets import Control, Explorer

    if not isinstance(lstm_samples, dict) or not lstm_samples:
        raise TypeError(f"lstm_samples must be a non-empty dict {{str(temperature): text}}, got "
                        f"{describe(lstm_samples)}")
    by_temperature = {}
    for key, text in lstm_samples.items():
        try:
            T = float(key)
        except (TypeError, ValueError) as err:
            raise ValueError(f"lstm_samples keys must be temperatures (numbers), got "
                             f"{key!r}") from err
        if not (math.isfinite(T) and T > 0):
            raise ValueError(f"lstm_samples keys must be temperatures > 0, got {key!r}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"lstm_samples values must be non-empty texts, got "
                             f"{describe(text)} at {key!r}")
        by_temperature[T] = text
    if not isinstance(ngram_models, dict):
        raise TypeError(f"ngram_models must be a dict {{order: NGramLM}}, got "
                        f"{describe(ngram_models)}")
    n = check_int("n", n, low=1)
    if n not in ngram_models:
        raise ValueError(f"n must be one of the orders of ngram_models {sorted(ngram_models)}, "
                         f"got {n}")
    seed = check_int("seed", seed, low=0)
    k = check_int("k", k, low=1)
    max_len = check_int("max_len", max_len, low=1)
    temps = tuple(sorted(by_temperature))
    kn_name = f"KN {n}-gram"

    def compute(model, temperature):
        if model == "LSTM LM":
            verses = [v.strip() for v in by_temperature[temperature].split(EOS) if v.strip()]
            return verses[:k]
        return sample_texts(ngram_models, n, temperature, seed=seed, k=k, max_len=max_len)

    return Explorer(compute, _draw_generation,
                    [Control("model", ("LSTM LM", kn_name), "LSTM LM", "model"),
                     Control("temperature", temps, 1.0 if 1.0 in temps else temps[0], "τ")])


def _draw_generation(verses, model, temperature):
    """Frame of :func:`generation_explorer`: the numbered verses under a title, as text (a
    :class:`helpers.widgets.TextFrame`), not a picture of text."""
    from helpers.widgets import TextFrame

    return TextFrame(f"{model}, τ = {temperature}", tuple(verses))


# ---------------------------------------------------------------------------------------------
# Implement it: the adaptive softmax's log-probabilities (chapter 7 exercise)
# ---------------------------------------------------------------------------------------------

__all__ += ["adaptive_log_probs", "check_adaptive_softmax"]

def adaptive_log_probs(W_out: nn.AdaptiveLogSoftmaxWithLoss, h: torch.Tensor):
    """The pieces of an adaptive softmax at one hidden vector ``h`` (H,): the head's scores
    ``z_head`` (cutoffs[0] + K,), one score vector per tail cluster ``z_tails[i]``
    (cutoffs[i+1] - cutoffs[i],) with ``cutoffs`` ending in V, and the log-probabilities of all V
    ids (V,) as ``W_out.log_prob`` computes them. Returns ``(z_head, z_tails, cutoffs, log_p)``."""
    if not isinstance(W_out, nn.AdaptiveLogSoftmaxWithLoss):
        raise TypeError(f"W_out must be a torch.nn.AdaptiveLogSoftmaxWithLoss, got {describe(W_out)}")
    if not isinstance(h, torch.Tensor) or h.shape != (W_out.in_features,) or not h.is_floating_point():
        raise ValueError(f"h must be a float tensor of shape ({W_out.in_features},), got "
                         f"{_describe_state(h)}")
    if not bool(torch.isfinite(h).all()):
        raise ValueError("h must be finite, got NaN or infinity")
    h = h.to(W_out.head.weight.dtype)
    with torch.no_grad():
        z_head = W_out.head(h)
        z_tails = [tail(h) for tail in W_out.tail]
        log_p = W_out.log_prob(h.unsqueeze(0))[0]
    return z_head, z_tails, tuple(int(c) for c in W_out.cutoffs), log_p


def check_adaptive_softmax(fn: Callable, n_cases: int = 50, seed: int = 0) -> bool:
    """Check a reader's ``fn(z_head, z_tails, cutoffs) -> log_p`` (the log-probabilities (V,) of
    every id under an adaptive softmax, from the head's scores and each tail cluster's scores; see
    :func:`adaptive_log_probs`) against ``torch.nn.AdaptiveLogSoftmaxWithLoss.log_prob`` on
    random layers (float64, 1 to 3 tail clusters). Prints the first case that differs, with the
    expected and the returned log-probabilities, or that all agree; returns True when all
    ``n_cases`` agree to 1e-9."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(z_head, z_tails, cutoffs), got {describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        n_tails = int(rng.integers(1, 4))
        sizes = rng.integers(1, 6, size=n_tails + 1)                 # head words, then each cluster
        cutoffs = [int(c) for c in np.cumsum(sizes)]                  # ..., V
        H = int(rng.integers(8, 13))                                  # every projection >= 1 wide
        with _seeded(int(rng.integers(0, 2**31))):
            layer = nn.AdaptiveLogSoftmaxWithLoss(H, cutoffs[-1], cutoffs=cutoffs[:-1],
                                                  div_value=float(rng.choice([1.0, 2.0])),
                                                  head_bias=bool(rng.integers(0, 2))).double()
        h = torch.as_tensor(rng.normal(scale=2.0, size=H))
        z_head, z_tails, cuts, want = adaptive_log_probs(layer, h)
        got = fn(z_head.clone(), [z.clone() for z in z_tails], cuts)
        got = torch.as_tensor(np.asarray(got.detach() if isinstance(got, torch.Tensor) else got,
                                         dtype=np.float64))
        if got.shape != want.shape or not torch.allclose(got, want, atol=1e-9, rtol=0):
            print(f"case {k}: cutoffs={cuts}, z_head={np.round(z_head.numpy(), 3)}, "
                  f"z_tails={[np.round(z.numpy(), 3).tolist() for z in z_tails]}\n"
                  f"  expected {np.round(want.numpy(), 4)}\n  got      {np.round(got.numpy(), 4)}")
            return False
    print(f"all {n_cases} cases agree with torch.nn.AdaptiveLogSoftmaxWithLoss.log_prob")
    return True
