"""Decoding: how text is produced from a language model (chapter 8).

Any model that gives a next-token distribution can be decoded. The protocol is one method:

    ``model.next_log_probs(prefix) -> np.ndarray`` of shape (V,): natural-log probabilities of
    every token id after ``prefix`` (a tuple of ids), ``-inf`` for impossible tokens;

plus the attributes ``vocab_size`` (V) and ``eos_id`` (the id that ends a sequence, or None).
Adapters bring the book's models to it: :class:`NGramModel` (chapter 6's ``NGramLM``),
:class:`TorchModel` (chapter 7-8's ``helpers.lm`` models, any ``device``), :class:`TableModel`
(a function of the prefix, for tiny test models).

Decoders (each returns the generated ids, without the prompt, ending with ``eos_id`` if drawn):
:func:`greedy`, :func:`beam_search`, :func:`exhaustive_search` (exact, for tiny models),
:func:`sample` (temperature, top-k and nucleus / top-p through :func:`filter_probs`).
Measures: :func:`sequence_log_prob`, :func:`distinct_n`, :func:`repetition`,
:func:`copy_rate`. Reader checks: :func:`check_top_p`, :func:`check_beam_search`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from helpers.checks import check_choice, check_int, check_number, check_rng, describe

__all__ = ["NGramModel", "TorchModel", "TableModel", "filter_probs", "greedy", "beam_search",
           "exhaustive_search", "sample", "decode", "METHODS", "sequence_log_prob",
           "distinct_n", "repetition", "copy_rate", "ngram_set", "random_table_model",
           "check_top_p", "check_beam_search", "samples_explorer", "compare_methods"]


# ---------------------------------------------------------------------------------------------
# The protocol and its adapters
# ---------------------------------------------------------------------------------------------

def _check_model(model):
    ok = (callable(getattr(model, "next_log_probs", None))
          and isinstance(getattr(model, "vocab_size", None), int))
    if not ok:
        raise TypeError(f"model must have next_log_probs(prefix) and an int vocab_size "
                        f"(wrap it in NGramModel, TorchModel or TableModel), got "
                        f"{describe(model)}")
    return model


def _check_prefix(name: str, prefix, vocab_size: int) -> tuple[int, ...]:
    if isinstance(prefix, (str, bytes)) or not isinstance(prefix, Iterable):
        raise TypeError(f"{name} must be a sequence of token ids, got {describe(prefix)}")
    out = tuple(prefix)
    for t in out:
        check_int(f"{name} (each id)", t, low=0, high=vocab_size - 1)
    return tuple(int(t) for t in out)


class TableModel:
    """A model given by a function ``fn(prefix) -> probabilities`` (V,) (they are normalised
    and logged here). For tiny worked examples and tests."""

    def __init__(self, fn: Callable, vocab_size: int, eos_id: int | None = None):
        if not callable(fn):
            raise TypeError(f"fn must be a function of the prefix, got {describe(fn)}")
        self.fn = fn
        self.vocab_size = check_int("vocab_size", vocab_size, low=1)
        self.eos_id = None if eos_id is None else check_int("eos_id", eos_id, low=0,
                                                            high=vocab_size - 1)

    def next_log_probs(self, prefix) -> np.ndarray:
        prefix = _check_prefix("prefix", prefix, self.vocab_size)
        p = np.asarray(self.fn(prefix), dtype=float)
        if p.shape != (self.vocab_size,) or not np.all(np.isfinite(p)) or p.min() < 0 \
                or p.sum() <= 0:
            raise ValueError(f"fn must return {self.vocab_size} finite non-negative numbers "
                             f"with a positive sum, got {describe(p)}")
        with np.errstate(divide="ignore"):
            return np.log(p / p.sum())


class NGramModel:
    """Chapter 6's :class:`helpers.ngram.NGramLM` under the protocol: ids are the model's
    ``itos`` indices; the context starts with ``<s>``; ``eos_id`` is ``</s>``."""

    def __init__(self, model):
        from helpers.ngram import NGramLM

        if not isinstance(model, NGramLM):
            raise TypeError(f"model must be a helpers.ngram.NGramLM, got {describe(model)}")
        self.model, self.itos = model, model.itos
        self.vocab_size, self.eos_id = len(model.itos), model.eos_id

    def next_log_probs(self, prefix) -> np.ndarray:
        prefix = _check_prefix("prefix", prefix, self.vocab_size)
        p = self.model.distribution(["<s>", *(self.itos[i] for i in prefix)])
        with np.errstate(divide="ignore"):
            return np.log(p)


class TorchModel:
    """A ``helpers.lm`` model (``forward(x, state) -> (logits, state)``, ``init_state``) under
    the protocol. ``start``: ids fed before any prefix (default ``(eos_id,)``, the start of a
    verse or line for the book's models); ``device``: where the model runs (``"cpu"``,
    ``"cuda"``, ...; one code path for all). States are cached by prefix, so extending a prefix
    by one token costs one step."""

    def __init__(self, model, eos_id: int | None = 1, start: Sequence[int] | None = None,
                 device: str = "cpu", ban: Sequence[int] = ()):
        import torch

        if not (isinstance(model, torch.nn.Module) and hasattr(model, "init_state")):
            raise TypeError(f"model must be a helpers.lm model (an nn.Module with init_state), "
                            f"got {describe(model)}")
        if not isinstance(device, (str, torch.device)):
            raise TypeError(f"device must be a str such as 'cpu' or 'cuda', got "
                            f"{describe(device)}")
        self.device = torch.device(device)
        self.vocab_size = check_int("vocab_size (of the model)", model.vocab_size, low=1)
        self.eos_id = None if eos_id is None else check_int("eos_id", eos_id, low=0,
                                                            high=self.vocab_size - 1)
        start = (self.eos_id,) if start is None else start
        self.start = _check_prefix("start", start, self.vocab_size)
        if not self.start:
            raise ValueError("start must hold at least one id (the model needs an input)")
        self.ban = _check_prefix("ban", ban, self.vocab_size)
        self.model = model.to(self.device).eval()
        self._cache: dict[tuple[int, ...], tuple] = {}

    def _move(self, state):
        if isinstance(state, tuple):
            return tuple(s.to(self.device) for s in state)
        return state.to(self.device)

    def next_log_probs(self, prefix) -> np.ndarray:
        import torch

        prefix = _check_prefix("prefix", prefix, self.vocab_size)
        hit = self._cache.get(prefix)
        if hit is not None:
            return hit[0]
        with torch.no_grad():
            if prefix and prefix[:-1] in self._cache:
                state, feed = self._cache[prefix[:-1]][1], prefix[-1:]
            else:
                state, feed = self._move(self.model.init_state(1)), self.start + prefix
            x = torch.tensor([feed], dtype=torch.long, device=self.device)
            logits, state = self.model(x, state)
            lp = torch.log_softmax(logits[0, -1].double(), dim=-1).cpu().numpy()
        if self.ban:
            lp = lp.copy()
            lp[list(self.ban)] = -np.inf
            lp -= np.logaddexp.reduce(lp)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[prefix] = (lp, state)
        return lp


def random_table_model(vocab_size: int = 4, eos_id: int = 0, seed: int = 0,
                       concentration: float = 1.0) -> TableModel:
    """A tiny random model: the next-token distribution after each prefix is a Dirichlet draw
    (``concentration``), fixed by a hash of (seed, prefix). For beam vs exhaustive tests."""
    V = check_int("vocab_size", vocab_size, low=2)
    eos_id = check_int("eos_id", eos_id, low=0, high=V - 1)
    seed = check_int("seed", seed, low=0)
    a = check_number("concentration", concentration, low=0, low_open=True)

    def fn(prefix):
        r = np.random.default_rng([seed, len(prefix), *prefix])
        return r.dirichlet(np.full(V, a))

    return TableModel(fn, V, eos_id)


# ---------------------------------------------------------------------------------------------
# Truncation and decoders
# ---------------------------------------------------------------------------------------------

def filter_probs(log_probs, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None) -> np.ndarray:
    """The distribution a sampler draws from, shape (V,), summing to 1:

    ``p_T(w) ∝ exp(log p(w) / T)``; then ``top_k`` keeps the k most probable tokens; ``top_p``
    keeps the smallest set of most probable tokens whose probability reaches ``p`` (the
    nucleus, Holtzman et al. 2020); the rest get 0 and the kept ones are renormalised. Ties at
    the boundary are broken by the lower id."""
    lp = check_array_1d("log_probs", log_probs)
    T = check_number("temperature", temperature, low=0, low_open=True)
    if top_k is not None:
        top_k = check_int("top_k", top_k, low=1, high=lp.size)
    if top_p is not None:
        top_p = check_number("top_p", top_p, low=0, high=1, low_open=True)
    z = lp / T
    z = z - z.max()
    p = np.exp(z)
    p /= p.sum()
    order = np.lexsort((np.arange(p.size), -p))                        # falling p, then id
    keep = np.ones(p.size, bool)
    if top_k is not None:
        keep[order[top_k:]] = False
    if top_p is not None:
        cum = np.cumsum(p[order])
        n = int(np.searchsorted(cum, top_p * (1 - 1e-12))) + 1        # smallest reaching p
        keep[order[n:]] = False
    p = np.where(keep, p, 0.0)
    return p / p.sum()


def check_array_1d(name: str, value) -> np.ndarray:
    """``value`` as a float (V,) array of log-probabilities: no NaN, no +inf, one finite entry."""
    from helpers.checks import check_array

    arr = check_array(name, value, ndim=1, dtype=float, min_size=1)
    if np.any(np.isnan(arr)) or np.any(arr == np.inf) or not np.any(np.isfinite(arr)):
        raise ValueError(f"{name} must be log-probabilities (no NaN or +inf, at least one "
                         f"finite), got {describe(arr)}")
    return arr


def _check_common(model, prompt, max_len):
    model = _check_model(model)
    prompt = _check_prefix("prompt", prompt, model.vocab_size)
    max_len = check_int("max_len", max_len, low=1, high=10_000)
    return model, prompt, max_len


def greedy(model, prompt: Sequence[int] = (), max_len: int = 50) -> list[int]:
    """The most probable next token at every step (lowest id on a tie), until ``eos_id`` or
    ``max_len`` generated tokens."""
    model, prompt, max_len = _check_common(model, prompt, max_len)
    out: list[int] = []
    for _ in range(max_len):
        w = int(np.argmax(model.next_log_probs(prompt + tuple(out))))
        out.append(w)
        if w == model.eos_id:
            break
    return out


def beam_search(model, prompt: Sequence[int] = (), beam_width: int = 5, max_len: int = 50,
                length_penalty: float = 0.0) -> list[int]:
    """Beam search: keep the ``beam_width`` best hypotheses by total log-probability.

    At each step every live hypothesis is extended by every token; the ``beam_width`` best of
    all extensions are kept, and those that end with ``eos_id`` (or reach ``max_len``) leave the
    beam as finished. Search stops when no hypothesis is live, or when the best finished score
    beats every live one (a log-probability can only fall as a hypothesis grows). Returns the
    finished hypothesis with the best score ``log p / len ** length_penalty`` (0: the plain
    log-probability; width 1 is greedy decoding; a width of V ** max_len is exact search)."""
    model, prompt, max_len = _check_common(model, prompt, max_len)
    B = check_int("beam_width", beam_width, low=1)
    alpha = check_number("length_penalty", length_penalty, low=0, high=5)
    live = [((), 0.0)]
    finished: list[tuple[tuple[int, ...], float]] = []

    def score(seq, lp):
        return lp / (len(seq) ** alpha) if alpha else lp

    while live:
        cand = []
        for seq, lp in live:
            nl = model.next_log_probs(prompt + seq)
            ok = np.flatnonzero(np.isfinite(nl))
            if ok.size > B:                    # only a hypothesis's B best can make the top B
                ok = ok[np.lexsort((ok, -nl[ok]))[:B]]
            for w in ok:
                cand.append((seq + (int(w),), lp + float(nl[w])))
        cand.sort(key=lambda c: (-c[1], c[0]))                          # stable: ties by ids
        live = []
        for seq, lp in cand[:B]:
            if seq[-1] == model.eos_id or len(seq) >= max_len:
                finished.append((seq, lp))
            else:
                live.append((seq, lp))
        if finished and live and alpha == 0 and max(lp for _, lp in finished) >= live[0][1]:
            break
    best = max(finished, key=lambda c: (score(*c), [-t for t in c[0]]))
    return list(best[0])


def exhaustive_search(model, prompt: Sequence[int] = (), max_len: int = 5) -> list[int]:
    """The exact most probable sequence of at most ``max_len`` tokens (ending with ``eos_id``
    or at ``max_len``), by enumerating every sequence. Only for tiny models (V ** max_len
    sequences, at most 200,000)."""
    model, prompt, max_len = _check_common(model, prompt, max_len)
    if model.vocab_size ** max_len > 200_000:
        raise ValueError(f"max_len must keep vocab_size ** max_len <= 200000 for an exhaustive "
                         f"search, got {model.vocab_size} ** {max_len}")
    best, best_lp = None, -np.inf
    stack = [((), 0.0)]
    while stack:
        seq, lp = stack.pop()
        if seq and (seq[-1] == model.eos_id or len(seq) >= max_len):
            if lp > best_lp or (lp == best_lp and list(seq) < list(best)):
                best, best_lp = seq, lp
            continue
        nl = model.next_log_probs(prompt + seq)
        for w in np.flatnonzero(np.isfinite(nl)):
            stack.append((seq + (int(w),), lp + float(nl[w])))
    return list(best)


def sample(model, rng: np.random.Generator, prompt: Sequence[int] = (), max_len: int = 50,
           temperature: float = 1.0, top_k: int | None = None,
           top_p: float | None = None) -> list[int]:
    """Ancestral sampling: each token drawn from :func:`filter_probs` of the model's next-token
    distribution (temperature, then top-k and/or top-p), until ``eos_id`` or ``max_len``."""
    model, prompt, max_len = _check_common(model, prompt, max_len)
    rng = check_rng("rng", rng)
    T = check_number("temperature", temperature, low=0, low_open=True)
    out: list[int] = []
    for _ in range(max_len):
        p = filter_probs(model.next_log_probs(prompt + tuple(out)), T, top_k, top_p)
        w = int(rng.choice(p.size, p=p))
        out.append(w)
        if w == model.eos_id:
            break
    return out


METHODS = ("greedy", "beam", "temperature", "top_k", "top_p")
"""The methods :func:`decode` knows, each with one parameter (beam width, T, k, p)."""


def decode(model, method: str, param=None, prompt: Sequence[int] = (), max_len: int = 50,
           rng: np.random.Generator | None = None) -> list[int]:
    """One entry point: ``method`` in :data:`METHODS` with its parameter (``"greedy"``: none;
    ``"beam"``: the width; ``"temperature"``: T; ``"top_k"``: k; ``"top_p"``: p). The
    sampling methods need ``rng``."""
    method = check_choice("method", method, METHODS)
    if method == "greedy":
        return greedy(model, prompt, max_len)
    if method == "beam":
        return beam_search(model, prompt, beam_width=param, max_len=max_len)
    if rng is None:
        raise ValueError(f"rng must be a numpy Generator for method={method!r}, got None")
    kw = {"temperature": {"temperature": param}, "top_k": {"top_k": param},
          "top_p": {"top_p": param}}[method]
    return sample(model, rng, prompt, max_len, **kw)


# ---------------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------------

def sequence_log_prob(model, seq: Sequence[int], prompt: Sequence[int] = ()) -> float:
    """``sum_t log p(seq_t | prompt, seq_<t)`` (natural log) of a generated sequence."""
    model = _check_model(model)
    seq = _check_prefix("seq", seq, model.vocab_size)
    prompt = _check_prefix("prompt", prompt, model.vocab_size)
    return float(sum(model.next_log_probs(prompt + seq[:t])[w] for t, w in enumerate(seq)))


def _check_seqs(name: str, seqs) -> list[tuple]:
    if isinstance(seqs, (str, bytes)) or not isinstance(seqs, Iterable):
        raise TypeError(f"{name} must be a list of token sequences, got {describe(seqs)}")
    seqs = [tuple(s) if isinstance(s, (list, tuple)) else s for s in seqs]
    if not all(isinstance(s, tuple) for s in seqs):
        bad = next(s for s in seqs if not isinstance(s, tuple))
        raise TypeError(f"{name} must hold token sequences (lists or tuples), got "
                        f"{describe(bad)}")
    return seqs


def _ngrams(seq, n):
    return [tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)]


def distinct_n(seqs, n: int = 2) -> float:
    """Distinct n-grams over all n-grams in ``seqs`` (a list of sequences of tokens): 1 when no
    n-gram repeats, near 0 when the text loops (Li et al. 2016). 0 if there are no n-grams."""
    seqs = _check_seqs("seqs", seqs)
    n = check_int("n", n, low=1)
    grams = [g for s in seqs for g in _ngrams(s, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def repetition(seq, n: int = 3) -> float:
    """Fraction of the n-grams of one sequence that already occurred earlier in it."""
    (seq,) = _check_seqs("seq", [seq])
    n = check_int("n", n, low=1)
    grams = _ngrams(seq, n)
    seen, rep = set(), 0
    for g in grams:
        rep += g in seen
        seen.add(g)
    return rep / len(grams) if grams else 0.0


def ngram_set(seqs, n: int = 4) -> set:
    """Every n-gram of the (training) sequences ``seqs``, for :func:`copy_rate`."""
    seqs = _check_seqs("seqs", seqs)
    n = check_int("n", n, low=1)
    return {g for s in seqs for g in _ngrams(s, n)}


def copy_rate(seq, train_ngrams: set, n: int = 4) -> float:
    """Fraction of the n-grams of ``seq`` that occur in the training set (``train_ngrams`` from
    :func:`ngram_set` with the same ``n``): 1 means every n words were copied."""
    (seq,) = _check_seqs("seq", [seq])
    if not isinstance(train_ngrams, (set, frozenset)):
        raise TypeError(f"train_ngrams must be a set from ngram_set(), got "
                        f"{describe(train_ngrams)}")
    n = check_int("n", n, low=1)
    grams = _ngrams(seq, n)
    return sum(g in train_ngrams for g in grams) / len(grams) if grams else 0.0


def compare_methods(model, prompts: Sequence[Sequence[int]], settings: Sequence[tuple],
                    max_len: int = 40, seed: int = 1234, train_ngrams: set | None = None,
                    n: int = 4) -> dict:
    """Decode every prompt with every ``(method, param)`` of ``settings`` and measure it.

    Returns ``{(method, param): {"seqs": [...], "log_prob": mean total log-prob, "length":
    mean length, "distinct_2": ..., "repetition": mean rep-3, "copy": mean copy rate (if
    train_ngrams)}}``. Sampling uses one ``np.random.default_rng(seed)`` per setting."""
    model = _check_model(model)
    if isinstance(prompts, (str, bytes)) or not isinstance(prompts, Sequence) or not prompts:
        raise TypeError(f"prompts must be a non-empty list of id sequences, got "
                        f"{describe(prompts)}")
    prompts = [_check_prefix("prompts (each prompt)", p, model.vocab_size) for p in prompts]
    if isinstance(settings, (str, bytes)) or not isinstance(settings, Sequence) or not settings:
        raise TypeError(f"settings must be a non-empty list of (method, param) pairs, got "
                        f"{describe(settings)}")
    max_len = check_int("max_len", max_len, low=1)
    seed = check_int("seed", seed, low=0)
    out = {}
    for setting in settings:
        if not (isinstance(setting, tuple) and len(setting) == 2):
            raise TypeError(f"settings must hold (method, param) pairs, got {describe(setting)}")
        method, param = setting
        rng = np.random.default_rng(seed)
        seqs = [decode(model, method, param, p, max_len, rng) for p in prompts]
        row = {"seqs": seqs,
               "log_prob": float(np.mean([sequence_log_prob(model, s, p)
                                          for s, p in zip(seqs, prompts)])),
               "length": float(np.mean([len(s) for s in seqs])),
               "distinct_2": distinct_n(seqs, 2),
               "repetition": float(np.mean([repetition(s, 3) for s in seqs]))}
        if train_ngrams is not None:
            row["copy"] = float(np.mean([copy_rate(p[-(n - 1):] + tuple(s), train_ngrams, n)
                                         for s, p in zip(seqs, prompts)]))
        out[setting] = row
    return out


# ---------------------------------------------------------------------------------------------
# The explorer over method and parameter (precomputed text, shown as text)
# ---------------------------------------------------------------------------------------------

def _draw_text(data, setting):
    """An explorer frame: the decoded texts of one setting as text, not a picture of text (a
    :class:`helpers.widgets.TextFrame`, numbered items under a title that says the setting and
    its statistics; the title is also the frame's accessible name). Line breaks in a text are
    shown as " / "."""
    from helpers.widgets import TextFrame

    texts, stats = data
    return TextFrame(f"{setting}: {stats}", tuple(t.replace("\n", " / ") for t in texts))


def samples_explorer(samples: dict):
    """An :class:`helpers.widgets.Explorer` over precomputed samples, one frame per setting.

    ``samples``: ``{setting label (str): (list of texts, one-line summary str)}``, e.g. from
    :func:`compare_methods`; the control (toggle buttons) runs over the labels in order, and
    every frame is precomputed for the page without a kernel. A frame is text (a
    :class:`helpers.widgets.TextFrame` titled "setting: summary"), as in chapter 7's
    :func:`helpers.lm.generation_explorer`."""
    from helpers.widgets import Control, Explorer

    if not isinstance(samples, dict) or not samples:
        raise TypeError(f"samples must be a non-empty dict {{label: (texts, summary)}}, got "
                        f"{describe(samples)}")
    for k, v in samples.items():
        if not isinstance(k, str):
            raise TypeError(f"samples' keys must be str labels, got {describe(k)}")
        if not (isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str)
                and isinstance(v[0], (list, tuple)) and all(isinstance(t, str) for t in v[0])):
            raise TypeError(f"samples[{k!r}] must be (list of str texts, str summary), got "
                            f"{describe(v)}")
    labels = tuple(samples)

    def compute(setting):
        return samples[setting]

    return Explorer(compute, _draw_text, [Control("setting", labels, labels[0], "method")],
                    static=("setting",))


# ---------------------------------------------------------------------------------------------
# Checks for the reader's implementations
# ---------------------------------------------------------------------------------------------

def check_top_p(fn: Callable, n_cases: int = 200, seed: int = 0) -> bool:
    """Check a reader's ``fn(probs, p) -> probs`` (nucleus truncation of a probability vector,
    renormalised) against :func:`filter_probs` on random distributions. Prints the first case
    that differs (or that all agree) and returns True when all ``n_cases`` agree to 1e-9."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(probs, p), got {describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        V = int(rng.integers(2, 12))
        probs = rng.dirichlet(np.full(V, 0.5))
        p = float(rng.choice([0.1, 0.5, 0.8, 0.9, 0.95, 1.0, rng.uniform(0.05, 1.0)]))
        want = filter_probs(np.log(probs), top_p=p)
        got = np.asarray(fn(probs.copy(), p), dtype=float)
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-9):
            print(f"case {k}: probs={np.round(probs, 4)}, p={p:.3f}\n  expected "
                  f"{np.round(want, 4)}\n  got      {np.round(got, 4)}")
            return False
    print(f"all {n_cases} cases agree with helpers.decoding.filter_probs(top_p=...)")
    return True


def check_beam_search(fn: Callable, n_cases: int = 30, seed: int = 0) -> bool:
    """Check a reader's ``fn(model, beam_width, max_len) -> list of ids`` against
    :func:`beam_search` on random tiny models (widths 1-4). Prints the first difference."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(model, beam_width, max_len), got "
                        f"{describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    seed = check_int("seed", seed, low=0)
    for k in range(n_cases):
        m = random_table_model(vocab_size=3 + k % 3, eos_id=0, seed=seed + k)
        B, L = 1 + k % 4, 3 + k % 3
        want = beam_search(m, beam_width=B, max_len=L)
        got = list(fn(m, B, L))
        if got != want:
            print(f"case {k}: V={m.vocab_size}, beam_width={B}, max_len={L}: expected {want} "
                  f"(log p {sequence_log_prob(m, want):.4f}), got {got}")
            return False
    print(f"all {n_cases} cases agree with helpers.decoding.beam_search")
    return True

