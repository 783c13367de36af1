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
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

UNK_ID, EOS_ID = 0, 1  # helpers.data.Vocab: 0 <unk>, 1 </s>, 2 <s>

__all__ = [
    "FeedForwardLM", "RNNLM", "LSTMLM", "MODELS", "batchify", "bptt_batches", "detach_state",
    "check_ids", "rare_to_unk", "evaluate", "perplexity", "TrainConfig", "History", "train", "save_checkpoint",
    "load_checkpoint", "sample", "n_parameters",
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
                 dropout: float = 0.0, direct: bool = False, cutoffs: tuple | None = None):
        super().__init__()
        _check_sizes(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden)
        if not isinstance(n, int) or n < 2:
            raise ValueError(f"n must be an integer >= 2 (window of n-1 words), got {n!r}")
        _check_dropout(dropout)
        if direct and cutoffs:
            raise ValueError("direct=True needs the full softmax (cutoffs=None)")
        self.config = dict(vocab_size=vocab_size, n=n, d_emb=d_emb, d_hidden=d_hidden,
                           dropout=dropout, direct=direct, cutoffs=cutoffs)
        self.vocab_size, self.n = vocab_size, n
        self.C = nn.Embedding(vocab_size, d_emb)                       # shared word features
        self.W_ih = nn.Linear((n - 1) * d_emb, d_hidden)               # window -> hidden (+ b)
        self.W_out = _output_layer(d_hidden, vocab_size, cutoffs)      # hidden -> scores
        self.W_direct = nn.Linear((n - 1) * d_emb, vocab_size, bias=False) if direct else None
        self.drop = nn.Dropout(dropout)

    def init_state(self, batch_size: int) -> torch.Tensor:
        """Window before the first token: ``n - 1`` copies of ``</s>`` (a sentence just ended)."""
        return torch.full((batch_size, self.n - 1), EOS_ID, dtype=torch.long)

    def forward(self, x: torch.Tensor, state: torch.Tensor):
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
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state
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
                 dropout: float = 0.0, cutoffs: tuple | None = None):
        super().__init__()
        _check_sizes(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden)
        _check_dropout(dropout)
        self.config = dict(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden, dropout=dropout,
                           cutoffs=cutoffs)
        self.vocab_size, self.d_hidden = vocab_size, d_hidden
        self.C = nn.Embedding(vocab_size, d_emb)
        self.rnn = nn.RNN(d_emb, d_hidden, nonlinearity="tanh", batch_first=True)
        self.W_out = _output_layer(d_hidden, vocab_size, cutoffs)
        self.drop = nn.Dropout(dropout)

    def init_state(self, batch_size: int) -> torch.Tensor:
        return torch.zeros(1, batch_size, self.d_hidden)

    def forward(self, x: torch.Tensor, h: torch.Tensor):
        out, h = self.rnn(self.drop(self.C(x)), h)                     # (B, T, H)
        return _scores(self.W_out, self.drop(out)), h

    def loss(self, x: torch.Tensor, y: torch.Tensor, h: torch.Tensor):
        """Training loss (mean cross-entropy of y (B, T)) and the new state, by the cheapest path."""
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
                 dropout: float = 0.0, tie: bool = False, cutoffs: tuple | None = None):
        super().__init__()
        _check_sizes(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden)
        _check_dropout(dropout)
        if not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f"n_layers must be an integer >= 1, got {n_layers!r}")
        if tie and d_emb != d_hidden:
            raise ValueError(f"tie=True needs d_emb == d_hidden, got {d_emb} and {d_hidden}")
        if tie and cutoffs:
            raise ValueError("tie=True needs the full softmax (cutoffs=None)")
        self.config = dict(vocab_size=vocab_size, d_emb=d_emb, d_hidden=d_hidden,
                           n_layers=n_layers, dropout=dropout, tie=tie, cutoffs=cutoffs)
        self.vocab_size, self.d_hidden, self.n_layers = vocab_size, d_hidden, n_layers
        self.C = nn.Embedding(vocab_size, d_emb)
        self.lstm = nn.LSTM(d_emb, d_hidden, n_layers, batch_first=True,
                            dropout=dropout if n_layers > 1 else 0.0)  # between layers only
        self.W_out = _output_layer(d_hidden, vocab_size, cutoffs)
        self.drop = nn.Dropout(dropout)
        nn.init.uniform_(self.C.weight, -0.1, 0.1)
        if not cutoffs:
            nn.init.uniform_(self.W_out.weight, -0.1, 0.1)
            nn.init.zeros_(self.W_out.bias)
        if tie:
            self.W_out.weight = self.C.weight                          # one (V, H) matrix

    def init_state(self, batch_size: int):
        z = torch.zeros(self.n_layers, batch_size, self.d_hidden)
        return (z, z.clone())

    def forward(self, x: torch.Tensor, state):
        out, state = self.lstm(self.drop(self.C(x)), state)            # (B, T, H)
        return _scores(self.W_out, self.drop(out)), state

    def loss(self, x: torch.Tensor, y: torch.Tensor, state):
        """Training loss (mean cross-entropy of y (B, T)) and the new state, by the cheapest path."""
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
    cutoffs = [int(c) for c in cutoffs]
    if cutoffs != sorted(set(cutoffs)) or cutoffs[0] < 1 or cutoffs[-1] >= vocab_size:
        raise ValueError(f"cutoffs must increase strictly within (0, {vocab_size}), got {cutoffs}")
    return nn.AdaptiveLogSoftmaxWithLoss(d_hidden, vocab_size, cutoffs=cutoffs, div_value=4.0)


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


def _check_sizes(**sizes):
    for k, v in sizes.items():
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{k} must be a positive integer, got {v!r}")


def _check_dropout(p):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {p!r}")


def n_parameters(model: nn.Module) -> int:
    """Number of distinct trainable parameters (a tied matrix counts once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---------------------------------------------------------------------------------------------
# Batching and truncated BPTT
# ---------------------------------------------------------------------------------------------

def check_ids(ids, vocab_size: int, name: str = "ids") -> torch.Tensor:
    """Return ``ids`` as a 1-D int64 tensor, or raise ``ValueError`` for a wrong shape, dtype or
    an id outside ``[0, vocab_size)``."""
    t = torch.as_tensor(np.asarray(ids) if not isinstance(ids, torch.Tensor) else ids)
    if t.dim() != 1:
        raise ValueError(f"{name} must be a 1-D id sequence, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        return t.long()
    if t.dtype.is_floating_point or t.dtype == torch.bool:
        raise ValueError(f"{name} must hold integer ids, got dtype {t.dtype}")
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
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    t = check_ids(ids, vocab_size if vocab_size is not None else 2**62)
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
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p!r}")
    if not isinstance(max_count, (int, np.integer)) or max_count < 1:
        raise ValueError(f"max_count must be a positive integer, got {max_count!r}")
    if not isinstance(unk_id, (int, np.integer)) or unk_id < 0:
        raise ValueError(f"unk_id must be a non-negative integer id, got {unk_id!r}")
    if t.numel() == 0 or p == 0.0:
        return t.clone()
    counts = torch.bincount(t)
    rare = counts[t] <= max_count                                      # (N,) bool
    draw = torch.rand(t.shape, generator=generator) < p
    return torch.where(rare & draw, torch.full_like(t, unk_id), t)


def bptt_batches(data: torch.Tensor, bptt: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive windows of a (B, L) batchified stream: (x, y), each (B, T) with T <= bptt and
    ``y[:, t] = x[:, t+1]`` continued into the next window."""
    if not isinstance(bptt, (int, np.integer)) or bptt < 1:
        raise ValueError(f"bptt must be a positive integer, got {bptt!r}")
    L = data.shape[1]
    for s in range(0, L - 1, bptt):
        T = min(bptt, L - 1 - s)
        yield data[:, s:s + T], data[:, s + 1:s + 1 + T]


def detach_state(state):
    """Cut the graph behind a carried state (truncated BPTT): same values, no history."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


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
    interpolation with another model). Puts the model in eval mode (no dropout).
    """
    ids = check_ids(ids, model.vocab_size)
    if max_tokens is not None:
        ids = ids[:max_tokens]
    if ids.numel() == 0:
        raise ValueError("ids is empty: nothing to evaluate")
    if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= ids.numel():
        raise ValueError(f"batch_size must be an integer in [1, {ids.numel()}], got {batch_size!r}")
    was_training = model.training
    model.eval()
    x, y = _eval_columns(ids, batch_size)
    state = model.init_state(x.shape[0])
    total, n, lps = 0.0, 0, []
    for s in range(0, x.shape[1], bptt):
        logits, state = model(x[:, s:s + bptt], state)
        yy = y[:, s:s + bptt]
        if return_logprobs:
            lp = torch.log_softmax(logits.float(), dim=-1)
            lps.append(lp.gather(-1, yy.clamp(min=0).unsqueeze(-1)).squeeze(-1))
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yy.reshape(-1),
                                 ignore_index=-100, reduction="sum").item()
        n += int((yy != -100).sum())
    model.train(was_training)
    nll = total / n
    out = {"nll": nll, "ppl": math.exp(nll), "n": n}
    if return_logprobs:
        mask = y != -100
        out["logprobs"] = torch.cat(lps, dim=1)[mask].numpy()  # rows in stream order
    return out


def perplexity(model: nn.Module, ids, **kw) -> float:
    """Perplexity ``exp(-(1/N) sum_t log P(w_t | history))`` of ``model`` on ``ids``."""
    return evaluate(model, ids, **kw)["ppl"]


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class TrainConfig:
    """Settings of :func:`train`. ``eval_every`` is in optimizer steps (None: once per epoch)."""

    batch_size: int = 32
    bptt: int = 35
    lr: float = 2e-3
    optimizer: str = "adam"          # "adam" or "sgd"
    clip: float = 0.25               # max global gradient norm (chapter 2); 0 or None: no clip
    weight_decay: float = 0.0        # L2 penalty coefficient (added to the gradient)
    max_epochs: float = 10.0
    max_seconds: float | None = None
    eval_every: int | None = None
    plateau_factor: float = 0.5      # lr *= factor when validation does not improve
    plateau_patience: int = 0        # evaluations without improvement before the lr drops
    early_stop_patience: int | None = 3   # evaluations without improvement before stopping
    min_lr: float = 1e-5
    restore_best: bool = True        # end with the weights of the best validation evaluation
    train_eval_tokens: int | None = None  # score this many training ids in eval mode (the gap)
    eval_batch_size: int = 8
    seed: int = 1234
    progress: bool = True
    checkpoint: str | None = None    # path: best model saved here at every improvement
    unk_rate: float = 0.0            # rare_to_unk's p, redrawn every epoch (0: raw stream)
    unk_max_count: int = 1           # rare_to_unk's max_count

    def __post_init__(self):
        for k in ("batch_size", "bptt"):
            v = getattr(self, k)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{k} must be a positive integer, got {v!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if not 0 < self.plateau_factor <= 1:
            raise ValueError(f"plateau_factor must lie in (0, 1], got {self.plateau_factor!r}")
        if not 0.0 <= self.unk_rate <= 1.0:
            raise ValueError(f"unk_rate must lie in [0, 1], got {self.unk_rate!r}")
        if not isinstance(self.unk_max_count, (int, np.integer)) or self.unk_max_count < 1:
            raise ValueError(f"unk_max_count must be a positive integer, got {self.unk_max_count!r}")


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

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def train(model: nn.Module, train_ids, valid_ids, config: TrainConfig | None = None,
          callback: Callable[[History, nn.Module], None] | None = None) -> History:
    """Train ``model`` on a stream with truncated BPTT; return its :class:`History`.

    The stream is cut into ``batch_size`` rows (:func:`batchify`); windows of ``bptt`` steps are
    fed in order and the state is carried from one window to the next, detached (truncated BPTT).
    Each step clips the global gradient norm to ``clip``. After every evaluation on
    ``valid_ids``: the best model is kept (and saved to ``checkpoint``), the learning rate is
    multiplied by ``plateau_factor`` after ``plateau_patience`` evaluations without improvement,
    and training stops early after ``early_stop_patience`` such evaluations. ``callback(history,
    model)`` is called after each evaluation (e.g. to write results incrementally). With
    ``unk_rate > 0`` each epoch trains on a fresh :func:`rare_to_unk` copy of the stream.
    """
    from tqdm.auto import tqdm

    cfg = config or TrainConfig()
    torch.manual_seed(cfg.seed)
    data = batchify(train_ids, cfg.batch_size, model.vocab_size)        # (B, L)
    unk_gen = torch.Generator().manual_seed(cfg.seed + 1)              # leaves dropout's draws alone
    valid = check_ids(valid_ids, model.vocab_size, "valid_ids")
    train_sub = check_ids(train_ids, model.vocab_size)[: cfg.train_eval_tokens] \
        if cfg.train_eval_tokens else None
    params = [p for p in model.parameters() if p.requires_grad]
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil((data.shape[1] - 1) / cfg.bptt)
    eval_every = cfg.eval_every or steps_per_epoch
    max_steps = int(cfg.max_epochs * steps_per_epoch)
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
        state = model.init_state(cfg.batch_size)
        for x, y in bptt_batches(data, cfg.bptt):
            ts = time.perf_counter()
            state = detach_state(state)                                # truncated BPTT
            if hasattr(model, "loss"):                                 # fast path if any
                loss, state = model.loss(x, y, state)
            else:
                logits, state = model(x, state)
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.clip)
            opt.step()
            train_seconds += time.perf_counter() - ts
            step += 1
            tokens += y.numel()
            run_loss += loss.item() * y.numel()
            run_n += y.numel()
            bar.update(1)
            out_of_time = cfg.max_seconds is not None and time.perf_counter() - t0 > cfg.max_seconds
            if step % eval_every == 0 or step >= max_steps or out_of_time:
                v = evaluate(model, valid, batch_size=cfg.eval_batch_size)["ppl"]
                tr = (evaluate(model, train_sub, batch_size=cfg.eval_batch_size)["ppl"]
                      if train_sub is not None else float("nan"))
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
                    bad += 1
                    if bad > cfg.plateau_patience:
                        for g in opt.param_groups:
                            g["lr"] = max(g["lr"] * cfg.plateau_factor, cfg.min_lr)
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

def save_checkpoint(path: str, model: nn.Module, extra: dict | None = None) -> None:
    """Write the model's class, constructor arguments and weights (and ``extra``) to ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save({"class": type(model).__name__, "config": model.config,
                "state_dict": model.state_dict(), "extra": extra or {}}, tmp)
    os.replace(tmp, path)                                              # never a half-written file


def load_checkpoint(path: str) -> tuple[nn.Module, dict]:
    """Rebuild the model saved by :func:`save_checkpoint`; returns (model in eval mode, extra)."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    if ck.get("class") not in MODELS:
        raise ValueError(f"{path} is not a checkpoint of one of {sorted(MODELS)}")
    model = MODELS[ck["class"]](**ck["config"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    return model, ck["extra"]


@torch.no_grad()
def sample(model: nn.Module, n_tokens: int, temperature: float = 1.0, prompt=None,
           generator: torch.Generator | None = None, stop_at_eos: int | None = None) -> list[int]:
    """Draw ``n_tokens`` ids from ``model``, each from ``softmax(logits / temperature)``.

    ``prompt``: ids to condition on (default: a single ``</s>``, i.e. the start of a verse).
    ``stop_at_eos``: stop after this many ``</s>`` have been drawn. Returns the drawn ids
    (without the prompt). ``temperature`` -> 0 approaches greedy decoding; 1 samples the model.
    """
    if not (isinstance(temperature, (int, float)) and temperature > 0):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    if not isinstance(n_tokens, (int, np.integer)) or n_tokens < 0:
        raise ValueError(f"n_tokens must be an integer >= 0, got {n_tokens!r}")
    prompt = check_ids([EOS_ID] if prompt is None else prompt, model.vocab_size, "prompt")
    if prompt.numel() == 0:
        raise ValueError("prompt must hold at least one id")
    was_training = model.training
    model.eval()
    state = model.init_state(1)
    logits, state = model(prompt.view(1, -1), state)
    out, n_eos = [], 0
    for _ in range(n_tokens):
        p = torch.softmax(logits[0, -1].double() / temperature, dim=-1)
        w = int(torch.multinomial(p, 1, generator=generator))
        out.append(w)
        n_eos += w == EOS_ID
        if stop_at_eos is not None and n_eos >= stop_at_eos:
            break
        logits, state = model(torch.tensor([[w]]), state)
    model.train(was_training)
    return out
