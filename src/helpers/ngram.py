"""n-gram language models by counting (chapter 6): maximum likelihood, add-k, Jelinek-Mercer
interpolation, absolute discounting, interpolated Kneser-Ney and interpolated *modified*
Kneser-Ney (both in Chen & Goodman's interpolated form), and Katz back-off with Good-Turing
discounts, with scoring, sampling and ARPA export.

Conventions (chapter 7 compares its neural models against these numbers)
------------------------------------------------------------------------
* Corpus and vocabulary: ``helpers.data.load_corpus("kjv")`` (``min_count=1``, no ``max_size``;
  see :data:`VOCAB_MIN_COUNT`): the fixed KJV splits, vocabulary = every word of the training
  split, so ``<unk>`` has training count 0 and stands for the validation/test words never seen
  in training (``len(vocab) == 11799`` ids). This is also what KenLM's ``lmplz`` builds from the
  raw training text, so the two compare like for like.
* A sentence (a verse) is scored as ``<s> w_1 ... w_m </s>``: every word and every ``</s>`` is
  predicted; ``<s>`` is context only and has probability 0 (KenLM's convention). ``<unk>`` is an
  ordinary word of the vocabulary. The *predicted vocabulary* is every id except ``<s>``, of size
  ``V = len(vocab) - 1`` (11,798 on KJV); a uniform model scores perplexity exactly ``V``.
* Contexts are not padded: the context of ``w_1`` is ``<s>`` alone at every order, and no context
  reaches back past its sentence's ``<s>`` (KenLM does the same).
* Perplexity is ``exp(-mean ln p)`` over every predicted token (words and ``</s>``).

Data structure
--------------
Every model here has the interpolated form (orders ``k = 1..n``, ``p_0`` uniform over ``V``;
``u`` is an n-gram's context, ``c(.)`` a training count, as in chapter 6)::

    p_k(w | u) = alpha_k(u, w) + gamma_k(u) * p_{k-1}(w | u')        (u' = u without its first word)

with ``alpha_k(u, w) = 0`` for an n-gram ``u w`` never seen in training and ``gamma_k(u) = 1`` for a
context never seen. Katz back-off (``method="katz"``, :data:`BACKOFF_METHODS`) stores the same two
arrays but *replaces* instead of adding: ``p_k(w | u) = alpha_k(u, w)`` for an n-gram seen in
training, ``gamma_k(u) * p_{k-1}(w | u')`` for one never seen (the ARPA rule). The distinct k-grams of the training text are stored as a sorted int64 array
of keys ``key = index_of_context_in_order_(k-1) * |vocab| + w`` (a trie flattened into arrays),
so counting is ``np.unique`` and lookup is ``np.searchsorted``; no Python dict of tuples is used.
"""
from __future__ import annotations

import dataclasses
import io
import math
import os
from collections.abc import Iterable
from typing import Sequence

import numpy as np

from helpers.checks import (check_array, check_bool, check_choice, check_int, check_number,
                            check_rng, describe)
from helpers.data import BOS, EOS, UNK  # the vocabulary's special tokens, defined once

VOCAB_MIN_COUNT = 1  # the vocabulary convention shared with chapter 7: load_corpus("kjv")

METHODS = ("uniform", "mle", "add_k", "jelinek_mercer", "absolute", "kneser_ney",
           "modified_kneser_ney", "katz")
BACKOFF_METHODS = ("katz",)  # p = alpha where the n-gram was seen, else gamma * lower order
KENLM_FALLBACK = (0.5, 1.0, 1.5)  # KenLM's --discount_fallback values for D1, D2, D3+


# ---------------------------------------------------------------------------------------------
# Argument checks: tokens are words (str) everywhere; ids never stand in for words
# ---------------------------------------------------------------------------------------------

def _not_a_word(name: str, t) -> TypeError:
    hint = ("; tokens are words, not ids: map ids to words with model.itos[i] first"
            if isinstance(t, (int, np.integer)) and not isinstance(t, bool) else "")
    return TypeError(f"{name} must be a word (str), got {describe(t)}{hint}")


def _check_words(name: str, tokens) -> list:
    """``tokens`` as a list of str words (one sentence, a context or a prefix)."""
    if isinstance(tokens, str):
        raise TypeError(f"{name} must be a list of words (str), got a str {tokens[:30]!r}; "
                        f"split it into words first")
    if not isinstance(tokens, (list, tuple)):
        raise TypeError(f"{name} must be a list of words (str), got {describe(tokens)}")
    for j, t in enumerate(tokens):
        if not isinstance(t, str):
            raise _not_a_word(f"{name}[{j}]", t)
    return list(tokens)


def _check_sentences(sentences, name: str = "sentences") -> list:
    """``sentences`` as a non-empty list of sentences, each a list of str words (may be empty)."""
    if isinstance(sentences, str):
        raise TypeError(f"{name} must be a list of token lists (list[list[str]]), got a str; "
                        f"tokenize it first")
    if isinstance(sentences, np.ndarray) or not isinstance(sentences, Iterable):
        raise TypeError(f"{name} must be a list of token lists (list[list[str]]), got "
                        f"{describe(sentences)}")
    sentences = list(sentences)
    if len(sentences) == 0:
        raise ValueError(f"{name} is empty: an n-gram model needs at least one sentence")
    for i, s in enumerate(sentences):
        if not isinstance(s, (list, tuple)):
            raise TypeError(f"{name}[{i}] must be a list of words (list[str]), got "
                            f"{describe(s)}" + ("; sentences must be a list of token lists, "
                                                "not a list of str" if isinstance(s, str) else ""))
    if not all(type(t) is str for s in sentences for t in s):      # fast path; find the culprit
        for i, s in enumerate(sentences):
            for j, t in enumerate(s):
                if not isinstance(t, str):
                    raise _not_a_word(f"{name}[{i}][{j}]", t)
    return sentences


def _check_model(name: str, model) -> "NGramLM":
    if not isinstance(model, NGramLM):
        raise TypeError(f"{name} must be an NGramLM (from ngram.fit), got {describe(model)}")
    return model


def _check_counts(name: str, counts) -> "NGramCounts":
    if not isinstance(counts, NGramCounts):
        raise TypeError(f"{name} must be an NGramCounts (from ngram.count_ngrams), got "
                        f"{describe(counts)}")
    return counts


# ---------------------------------------------------------------------------------------------
# Vocabulary and the id stream
# ---------------------------------------------------------------------------------------------

def _vocab_itos(vocab, sentences) -> tuple[str, ...]:
    """The id -> word table: from a ``helpers.data.Vocab`` (its ``itos``), a sequence of words,
    or (``vocab=None``) a closed vocabulary of the training words with no ``<unk>``."""
    if vocab is None:
        words = sorted({t for s in sentences for t in s} - {UNK, EOS, BOS})
        return (EOS, BOS, *words)
    if isinstance(vocab, (str, bytes)) or isinstance(vocab, dict):
        raise TypeError(f"vocab must be a helpers.data.Vocab or a list of words, got "
                        f"{describe(vocab)}")
    raw = getattr(vocab, "itos", vocab)
    if not isinstance(raw, Iterable):
        raise TypeError(f"vocab must be a helpers.data.Vocab or a list of words, got "
                        f"{describe(vocab)}")
    itos = tuple(raw)
    for i, w in enumerate(itos):
        if not isinstance(w, str):
            raise _not_a_word(f"vocab[{i}]", w)
    if len(set(itos)) != len(itos):
        dup = next(w for w in itos if itos.count(w) > 1)
        raise ValueError(f"vocab must not contain duplicate words, got {dup!r} twice")
    if not set(itos) - {EOS, BOS}:
        raise ValueError(f"vocab must hold at least one word besides {EOS!r} and {BOS!r}, got "
                         f"{list(itos)}")
    extra = tuple(s for s in (EOS, BOS) if s not in itos)
    return itos + extra


def encode_sentences(sentences: Sequence[Sequence[str]], stoi: dict,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Sentences -> the id stream ``<s> w_1 .. w_m </s> <s> ...`` and each token's position in
    its sentence (``<s>`` at 0). ``stoi``: word -> id, holding ``<s>`` and ``</s>``.
    Out-of-vocabulary words map to ``<unk>``, or raise ``ValueError`` when the vocabulary has
    none. Returns ``(ids, pos)``, both int64 of shape (N,)."""
    sentences = _check_sentences(sentences)
    if not isinstance(stoi, dict):
        raise TypeError(f"stoi must be a dict word -> id, got {describe(stoi)}")
    for special in (BOS, EOS):
        if special not in stoi:
            raise ValueError(f"stoi must contain {special!r}, got {len(stoi)} words without it")
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) and i >= 0
               for i in stoi.values()):
        raise TypeError("stoi must map words to integer ids >= 0")
    unk = stoi.get(UNK)
    bos, eos = stoi[BOS], stoi[EOS]
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    flat = [t for s in sentences for t in s]
    get = stoi.get
    words = np.fromiter((get(t, -1) for t in flat), dtype=np.int64, count=len(flat))
    missing = words < 0
    if missing.any():
        if unk is None:
            bad = flat[int(np.argmax(missing))]
            raise ValueError(f"sentences contain the word {bad!r}, which is not in the "
                             f"vocabulary, and the vocabulary has no {UNK!r} to map it to")
        words[missing] = unk
    L = lengths + 2                                   # (S,) sentence lengths with <s> and </s>
    N = int(L.sum())
    starts = np.cumsum(L) - L                         # (S,) index of each <s>
    pos = np.arange(N, dtype=np.int64) - np.repeat(starts, L)
    ids = np.empty(N, dtype=np.int64)
    is_word = (pos > 0) & (pos < np.repeat(L - 1, L))
    ids[is_word] = words
    ids[starts] = bos
    ids[starts + L - 1] = eos
    return ids, pos


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False)
class NGramCounts:
    """Distinct n-grams of a training text, orders 1..``n``, as sorted integer keys.

    For order ``k`` (list index ``k - 1``), with ``G_k`` distinct k-grams and ``M = len(itos)``:

    * ``keys[k-1]``: int64 (G_k,), sorted; ``key = context_index * M + w`` where
      ``context_index`` indexes order ``k - 1`` (0 for unigrams, whose keys are just ``0..M-1``:
      every vocabulary word has a unigram row, even with count 0);
    * ``counts[k-1]``: int64 (G_k,), raw training counts (``<s>`` is never counted as a token);
    * ``suffix[k-1]``: int64 (G_k,), index in order ``k - 1`` of the k-gram without its first
      word (``w_2 .. w_k``; 0 for unigrams);
    * ``bos_start[k-1]``: bool (G_k,), the k-gram begins with ``<s>``.
    """

    n: int
    itos: tuple[str, ...]
    keys: tuple[np.ndarray, ...]
    counts: tuple[np.ndarray, ...]
    suffix: tuple[np.ndarray, ...]
    bos_start: tuple[np.ndarray, ...]
    n_tokens: int  # predicted tokens in the training text (words + </s>)

    def __post_init__(self):
        check_int("n", self.n, low=1)
        if not isinstance(self.itos, tuple) or not all(isinstance(w, str) for w in self.itos):
            raise TypeError(f"itos must be a tuple of str words, got {describe(self.itos)}")
        if BOS not in self.itos or EOS not in self.itos:
            raise ValueError(f"itos must contain {BOS!r} and {EOS!r}")
        for field in ("keys", "counts", "suffix", "bos_start"):
            value = getattr(self, field)
            if not isinstance(value, tuple) or len(value) != self.n:
                raise ValueError(f"{field} must be a tuple of {self.n} arrays (one per order), "
                                 f"got {describe(value)}")
            for k, arr in enumerate(value, start=1):
                if not isinstance(arr, np.ndarray) or arr.shape != self.keys[k - 1].shape:
                    raise ValueError(f"{field}[{k - 1}] must be an array of shape "
                                     f"{getattr(self.keys[k - 1], 'shape', '?')} (the order-{k} "
                                     f"keys), got {describe(arr)}")
        if len(self.keys[0]) != len(self.itos):
            raise ValueError(f"keys[0] must hold one unigram per word ({len(self.itos)}), got "
                             f"{len(self.keys[0])}")
        check_int("n_tokens", self.n_tokens, low=0)

    @property
    def M(self) -> int:
        return len(self.itos)

    @property
    def stoi(self) -> dict:
        return {w: i for i, w in enumerate(self.itos)}

    def words(self, k: int) -> np.ndarray:
        """Word ids of every k-gram, int64 of shape (G_k, k), rows in key order."""
        k = check_int("k", k, low=1, high=self.n)
        W = (self.keys[0] % self.M)[:, None]
        for j in range(2, k + 1):
            ctx, last = np.divmod(self.keys[j - 1], self.M)
            W = np.hstack([W[ctx], last[:, None]])
        return W

    def lookup(self, k: int, ctx_index: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Index in order ``k`` of the k-grams (context ``ctx_index`` in order k-1, word ``w``),
        or -1 where absent (or where ``ctx_index`` is -1). Shapes broadcast; int64 out."""
        k = check_int("k", k, low=1, high=self.n)
        ctx_index = check_array("ctx_index", ctx_index, dtype=np.int64)
        w = check_array("w", w, dtype=np.int64)
        n_ctx = 1 if k == 1 else len(self.keys[k - 2])
        if ctx_index.size and (ctx_index.min() < -1 or ctx_index.max() >= n_ctx):
            raise ValueError(f"ctx_index must lie in [-1, {n_ctx}) (order {k - 1} contexts; -1 "
                             f"for none), got values in [{ctx_index.min()}, {ctx_index.max()}]")
        if w.size and (w.min() < 0 or w.max() >= self.M):
            raise ValueError(f"w must be word ids in [0, {self.M}), got values in "
                             f"[{w.min()}, {w.max()}]")
        try:
            ctx_index, w = np.broadcast_arrays(ctx_index, w)
        except ValueError as err:
            raise ValueError(f"ctx_index and w must broadcast, got shapes {ctx_index.shape} and "
                             f"{w.shape}") from err
        keys = self.keys[k - 1]
        if len(keys) == 0:
            return np.full(ctx_index.shape, -1, dtype=np.int64)
        q = ctx_index * self.M + w
        j = np.searchsorted(keys, q)
        jc = np.minimum(j, len(keys) - 1)
        found = (ctx_index >= 0) & (keys[jc] == q)
        return np.where(found, jc, -1)


def _gather(values: np.ndarray, index: np.ndarray, default: float) -> np.ndarray:
    """``values[index]`` where ``index >= 0``, else ``default``; shape of ``index``."""
    out = np.full(index.shape, default, dtype=float)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def _index_stream(counts: NGramCounts, ids: np.ndarray, pos: np.ndarray, n: int) -> list:
    """``h[k-1][i]``: index in order k of the k-gram ending at position ``i`` of the stream, or
    -1 if it was not seen in training or would reach back past its sentence's ``<s>``.
    Returns n arrays of shape (N,)."""
    h = [ids.copy()]                                  # unigram index = word id
    for k in range(2, n + 1):
        prev = np.full_like(ids, -1)
        prev[1:] = h[-1][:-1]                          # (k-1)-gram ending at i-1
        prev[pos < k - 1] = -1                         # would cross the sentence start
        h.append(counts.lookup(k, prev, ids))
    return h


def count_ngrams(sentences: Sequence[Sequence[str]], n: int, vocab=None) -> NGramCounts:
    """Count every k-gram (k = 1..n) of ``sentences`` (each a list of str tokens), sentences
    wrapped as ``<s> ... </s>``. Vectorised: each order is one ``np.unique`` over int64 keys.

    ``vocab``: a ``helpers.data.Vocab``, a sequence of words, or None for the closed vocabulary
    of the training words (then no ``<unk>`` exists and unseen words raise ``ValueError``).
    ``n`` is refused when it exceeds the longest wrapped sentence (``len + 2`` tokens): no
    n-gram of that order exists in the data."""
    n = check_int("n", n, low=1)
    sentences = _check_sentences(sentences)
    longest = max(len(s) for s in sentences) + 2
    if n > longest:
        raise ValueError(f"n must be <= {longest}, the longest sentence with <s> and </s>: no "
                         f"{n}-gram exists in the data, got n = {n}")
    itos = _vocab_itos(vocab, sentences)
    stoi = {w: i for i, w in enumerate(itos)}
    M, bos = len(itos), stoi[BOS]
    ids, pos = encode_sentences(sentences, stoi)      # (N,), (N,)
    is_tok = ids != bos
    keys = [np.arange(M, dtype=np.int64)]
    counts = [np.bincount(ids[is_tok], minlength=M).astype(np.int64)]
    suffix = [np.zeros(M, dtype=np.int64)]
    bos_start = [np.arange(M) == bos]
    h = ids.copy()                                    # index of the (k-1)-gram ending at i
    for k in range(2, n + 1):
        end = np.nonzero(pos >= k - 1)[0]             # (E,) positions where a k-gram ends
        if len(keys[-1]) * M >= 2 ** 62:
            raise ValueError(f"too many distinct {k - 1}-grams to pack keys into int64")
        q = h[end - 1] * M + ids[end]                 # (E,) context index * M + word
        uniq, first, inv, cnt = np.unique(q, return_index=True, return_inverse=True,
                                          return_counts=True)
        keys.append(uniq)
        counts.append(cnt.astype(np.int64))
        suffix.append(h[end[first]])                  # (k-1)-gram ending at the same position
        bos_start.append(ids[end[first] - (k - 1)] == bos)
        h_new = np.full_like(ids, -1)
        h_new[end] = inv
        h = h_new
    return NGramCounts(n=n, itos=itos, keys=tuple(keys), counts=tuple(counts),
                       suffix=tuple(suffix), bos_start=tuple(bos_start),
                       n_tokens=int(is_tok.sum()))


def adjusted_counts(counts: NGramCounts, k: int, n: int) -> np.ndarray:
    """Kneser-Ney's counts for order ``k`` of an order-``n`` model, int64 (G_k,): the raw count
    at the highest order and for k-grams that begin with ``<s>``; otherwise the number of
    distinct words seen to the left, ``N1+(. w_1..w_k)`` (the *continuation count*).
    ``counts``: from :func:`count_ngrams`; ``1 <= k <= n <= counts.n``."""
    counts = _check_counts("counts", counts)
    n = check_int("n", n, low=1, high=counts.n)
    k = check_int("k", k, low=1, high=n)
    if k == n:
        return counts.counts[k - 1]
    cont = np.bincount(counts.suffix[k], minlength=len(counts.keys[k - 1])).astype(np.int64)
    return np.where(counts.bos_start[k - 1], counts.counts[k - 1], cont)


def counts_of_counts(a: np.ndarray, upto: int = 4) -> np.ndarray:
    """``n_j`` = how many n-grams have count exactly ``j``, for j = 1..upto; int64 (upto,).
    ``a``: counts, integers >= 0 of shape (G,)."""
    upto = check_int("upto", upto, low=1)
    a = check_array("a", a, ndim=1, dtype=np.int64)
    if a.size and a.min() < 0:
        raise ValueError(f"a (counts) must be >= 0, got a minimum of {a.min()}")
    return np.bincount(np.minimum(a, upto + 1), minlength=upto + 2)[1:upto + 1].astype(np.int64)


def modified_kn_discounts(n_j: Sequence[int], fallback=None) -> np.ndarray:
    """Chen & Goodman's discounts (their eq. 26) from the counts-of-counts ``n_j = (n_1, .., n_4)``
    of one order, by KenLM's rule (``lmplz``, ``lm/builder/adjust_counts.cc``)::

        Y = n1 / (n1 + 2 n2),    D_j = j - (j + 1) Y n_{j+1} / n_j    (j = 1, 2, 3)

    ``D_3`` serves every count >= 3. The arithmetic is float32, as in KenLM, so boundary cases
    agree with ``lmplz`` bit for bit. The estimate needs ``n1, n2, n3 > 0``; ``n4 = 0`` is allowed
    and gives ``D_3 = 3``. It *fails* when one of ``n1, n2, n3`` is 0 or a ``D_j`` falls outside
    ``[0, j]``; then ``fallback`` (three numbers, e.g. :data:`KENLM_FALLBACK`, what ``lmplz
    --discount_fallback`` substitutes for the whole order) is returned, or, with
    ``fallback=None``, ``ValueError`` is raised (what ``lmplz`` does without the flag).
    Returns float64 (3,): ``D_1, D_2, D_3+``."""
    n_j = check_array("n_j", n_j, ndim=1, dtype=np.int64, min_size=4)
    if np.any(n_j < 0):
        raise ValueError(f"n_j (counts-of-counts) must be >= 0, got {n_j.tolist()}")
    if fallback is not None:
        fallback = check_array("fallback", fallback, shape=(3,), finite=True, dtype=float)
        if np.any(fallback < 0) or np.any(fallback > np.arange(1, 4)):
            raise ValueError(f"fallback discounts must satisfy 0 <= D_j <= j, got "
                             f"{fallback.tolist()}")
    n = n_j[:4].astype(np.float32)
    if np.any(n[:3] == 0):
        j = int(np.argmax(n[:3] == 0)) + 1
        problem = (f"n_{j} = 0 (no n-gram with count {j}), so D_{j} cannot be estimated "
                   f"from n_j = {n_j[:4].tolist()}")
    else:
        f32 = np.float32
        Y = n[0] / f32(float(n[0]) + 2.0 * float(n[1]))        # float32, as KenLM
        D = np.array([f32(j) - f32(j + 1) * Y * n[j] / n[j - 1] for j in (1, 2, 3)],
                     dtype=np.float32)
        bad = (D < 0) | (D > np.arange(1, 4))
        if not bad.any():
            return D.astype(np.float64)
        problem = (f"the estimated discounts {np.round(D.astype(float), 4).tolist()} from "
                   f"n_j = {n_j[:4].tolist()} fall outside 0 <= D_j <= j")
    if fallback is None:
        raise ValueError(f"modified Kneser-Ney discounts: {problem}; pass discounts= or "
                         f"discount_fallback=True (lmplz --discount_fallback)")
    return fallback.copy()


def kn_discount(n_j: Sequence[int]) -> float:
    """Ney et al.'s single discount ``D = n1 / (n1 + 2 n2)``; ``ValueError`` if it is not in
    ``[0, 1)``. ``n_j``: counts-of-counts (n_1, n_2, ...), integers >= 0."""
    n_j = check_array("n_j", n_j, ndim=1, dtype=np.int64, min_size=2)
    if np.any(n_j < 0):
        raise ValueError(f"n_j (counts-of-counts) must be >= 0, got {n_j.tolist()}")
    n1, n2 = float(n_j[0]), float(n_j[1])
    if n1 <= 0 or n2 <= 0:
        raise ValueError(f"counts-of-counts n_j = {n_j.tolist()}: n_1 and n_2 must be positive "
                         f"to estimate the Kneser-Ney discount; pass discount= or "
                         f"discount_fallback=True")
    return n1 / (n1 + 2 * n2)


def _check_gt_max(gt_max) -> int:
    """Katz's threshold ``K``: an integer >= 2 (with ``K = 1`` the renormalised discount of a
    count 1 is always 0)."""
    gt_max = check_int("gt_max", gt_max, low=1)
    if gt_max < 2:
        raise ValueError("gt_max must be >= 2: with K = 1 Katz's renormalised discount d_1 = "
                         "(2 n_2 / n_1 - 2 n_2 / n_1) / (1 - 2 n_2 / n_1) is always 0, got 1")
    return gt_max


def katz_discounts(n_r: Sequence[int], gt_max: int = 5) -> np.ndarray:
    """Katz's Good-Turing discount ratios ``d_r`` for counts ``r = 1..gt_max`` (Katz 1987, as
    Chen & Goodman describe it), from the counts-of-counts ``n_r = (n_1, n_2, ...)`` of one order
    (at least ``gt_max + 1`` of them)::

        r* = (r + 1) n_{r+1} / n_r,     m = (K + 1) n_{K+1} / n_1      (K = gt_max)
        d_r = (r* / r - m) / (1 - m)    for 1 <= r <= K;   d_r = 1 for r > K

    The renormalisation by ``m`` makes the mass taken from counts ``1..K`` equal the Good-Turing
    estimate of the unseen mass, ``n_1 / N``. Where the estimate is unusable the count is not
    discounted (``d_r = 1``): for every ``r`` when ``n_1 = 0`` or ``m >= 1``, and for one ``r``
    when ``n_r = 0`` (``r*`` undefined) or ``d_r`` falls outside ``(0, 1]`` (e.g. ``n_{r+1} = 0``
    gives ``r* = 0``). SRILM's ``GoodTuring::estimate`` (``Discount.cc``) has the same fallback
    and in addition lowers ``K`` while ``n_{K+1} = 0``; here ``K`` stays as given. ``gt_max`` >= 2. Returns float64 (gt_max,): ``d_1 .. d_K``."""
    gt_max = _check_gt_max(gt_max)
    n_r = check_array("n_r", n_r, ndim=1, dtype=np.int64, min_size=gt_max + 1)
    if np.any(n_r < 0):
        raise ValueError(f"n_r (counts-of-counts) must be >= 0, got {n_r.tolist()}")
    n = n_r[:gt_max + 1].astype(float)                       # n[r - 1] = n_r, r = 1..K+1
    d = np.ones(gt_max)
    m = (gt_max + 1) * n[gt_max] / n[0] if n[0] > 0 else math.inf
    if not m < 1:
        return d
    r = np.arange(1, gt_max + 1, dtype=float)
    ok = n[:gt_max] > 0
    r_star = np.where(ok, (r + 1) * n[1:] / np.where(ok, n[:gt_max], 1.0), 0.0)
    est = (r_star / r - m) / (1 - m)
    good = ok & (est > 0) & (est <= 1)
    d[good] = est[good]
    return d


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

class NGramLM:
    """An n-gram language model in the interpolated form, or for Katz the back-off form (see the
    module docstring; ``backoff`` says which).

    Build it with :func:`fit`. Every method takes *words* (str), never integer ids: an id and a
    word could be confused (is ``5`` the word "5" or id 5?), so ids are refused with a
    ``TypeError``; map them with ``model.itos[i]``. Attributes: ``n``, ``method``, ``itos``,
    ``V`` (size of the predicted vocabulary = ``len(itos) - 1``), ``alpha[k-1]`` (G_k,),
    ``gamma[k-1]`` (G_{k-1},) with ``G_0 = 1`` (the empty context of the unigram level),
    ``discounts`` (per order, or None), ``backoff`` (True for :data:`BACKOFF_METHODS`).
    """

    def __init__(self, counts: NGramCounts, n: int, method: str, alpha, gamma, discounts=None,
                 hyper=None):
        counts = _check_counts("counts", counts)
        n = check_int("n", n, low=1, high=counts.n)
        method = check_choice("method", method, METHODS)
        alpha, gamma = tuple(alpha), tuple(gamma)
        for name, arrays, sizes in (
                ("alpha", alpha, [len(counts.keys[k]) for k in range(n)]),
                ("gamma", gamma, [1] + [len(counts.keys[k]) for k in range(n - 1)])):
            if len(arrays) != n:
                raise ValueError(f"{name} must hold one array per order ({n}), got {len(arrays)}")
            for k, (arr, G) in enumerate(zip(arrays, sizes), start=1):
                arr = check_array(f"{name}[{k - 1}]", arr, shape=(G,), finite=True)
                if arr.size and arr.min() < 0:
                    raise ValueError(f"{name}[{k - 1}] must be >= 0, got a minimum of {arr.min()}")
        if hyper is not None and not isinstance(hyper, dict):
            raise TypeError(f"hyper must be a dict or None, got {describe(hyper)}")
        self.counts, self.n, self.method = counts, n, method
        self.backoff = method in BACKOFF_METHODS
        self.alpha = tuple(np.asarray(a, dtype=float) for a in alpha)
        self.gamma = tuple(np.asarray(g, dtype=float) for g in gamma)
        self.discounts, self.hyper = discounts, dict(hyper or {})
        self.itos = counts.itos
        self.stoi = counts.stoi
        self.M = len(self.itos)
        self.bos_id, self.eos_id = self.stoi[BOS], self.stoi[EOS]
        self.unk_id = self.stoi.get(UNK)
        self.V = self.M - 1
        self._p0 = np.full(self.M, 1.0 / self.V)
        self._p0[self.bos_id] = 0.0

    # -- sizes ----------------------------------------------------------------------------------
    def n_ngrams(self) -> list[int]:
        """Number of distinct k-grams stored, k = 1..n (unigrams: the vocabulary)."""
        return [len(self.counts.keys[k]) for k in range(self.n)]

    # -- scoring ---------------------------------------------------------------------------------
    def _stream_probs(self, ids, pos):
        h = _index_stream(self.counts, ids, pos, self.n)
        p = self._p0[ids]                                          # (N,) level 0: uniform
        for k in range(1, self.n + 1):
            if k == 1:
                ctx = np.zeros_like(ids)
            else:
                ctx = np.full_like(ids, -1)
                ctx[1:] = h[k - 2][:-1]
                ctx[pos < k - 1] = -1
            g = _gather(self.gamma[k - 1], ctx, 1.0)              # unseen context: gamma = 1
            a = _gather(self.alpha[k - 1], h[k - 1], 0.0)          # unseen n-gram: alpha = 0
            if self.backoff:                                       # seen: alpha replaces
                p = np.where(_gather(self.counts.counts[k - 1], h[k - 1], 0.0) > 0, a, g * p)
            else:
                p = a + g * p
        return p, h

    def log_probs(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Natural-log probability of every predicted token (each word and each ``</s>``, in
        order), float64 of shape (number of words + number of sentences,). ``-inf`` marks a
        zero probability (maximum likelihood on an unseen n-gram)."""
        ids, pos = encode_sentences(sentences, self.stoi)
        p, _ = self._stream_probs(ids, pos)
        keep = ids != self.bos_id
        with np.errstate(divide="ignore"):
            return np.log(p[keep])

    def perplexity(self, sentences: Sequence[Sequence[str]]) -> float:
        """``exp(-mean ln p)`` over every predicted token; ``inf`` if any probability is 0."""
        lp = self.log_probs(sentences)
        return float(np.exp(-lp.mean()))

    def matched_order(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Length of the longest training n-gram (<= n) that ends at each predicted token, int64
        of shape (N_predicted,); KenLM's ``ngram_length`` (every vocabulary word, ``<unk>`` too, has
        a unigram row, so the length is at least 1)."""
        ids, pos = encode_sentences(sentences, self.stoi)
        h = _index_stream(self.counts, ids, pos, self.n)
        seen = np.stack([hk >= 0 for hk in h], axis=1)             # (N, n); column 0 all True
        order = self.n - np.argmax(seen[:, ::-1], axis=1)          # last order still seen
        return order[ids != self.bos_id]

    def context_seen(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Whether the full ``n - 1``-word context of each predicted token occurs in training
        (without reaching past ``<s>``); bool of shape (N_predicted,). Where it is False,
        ``gamma_n = 1`` and the model predicts with its order ``n - 1`` level."""
        ids, pos = encode_sentences(sentences, self.stoi)
        if self.n == 1:
            return np.ones(int((ids != self.bos_id).sum()), dtype=bool)
        h = _index_stream(self.counts, ids, pos, self.n - 1)
        ctx = np.full_like(ids, -1)
        ctx[1:] = h[self.n - 2][:-1]
        ctx[pos < self.n - 1] = -1
        return (ctx >= 0)[ids != self.bos_id]

    # -- one context at a time --------------------------------------------------------------------
    def _ids(self, name: str, tokens) -> list[int]:
        """Word ids of ``tokens`` (a list of str words; ids are refused: see the class doc)."""
        out = []
        for t in _check_words(name, tokens):
            if t in self.stoi:
                out.append(self.stoi[t])
            elif self.unk_id is not None:
                out.append(self.unk_id)
            else:
                raise ValueError(f"{name} contains the word {t!r}, which is not in the "
                                 f"vocabulary, and the vocabulary has no {UNK!r} to map it to")
        return out

    def distribution(self, context: Sequence[str] = ()) -> np.ndarray:
        """``p(w | context)`` for every id ``w``, float64 (len(itos),), summing to 1 with 0 at
        ``<s>``. ``context``: a list of words (str; like every method here it refuses integer
        ids, which could be mistaken for words: pass ``[model.itos[i] for i in ids]``). It is cut
        at its last ``<s>``; a context shorter than ``n - 1`` that does not start with ``<s>``
        uses only what it has."""
        return self._distribution(self._ids("context", context))

    def _distribution(self, c: list[int]) -> np.ndarray:
        """:meth:`distribution` of a context given as word ids."""
        if self.bos_id in c:
            c = c[len(c) - 1 - c[::-1].index(self.bos_id):]
        c = c[max(0, len(c) - (self.n - 1)):] if self.n > 1 else []
        p = self._p0.copy()
        M = self.M
        for k in range(1, self.n + 1):
            if k == 1:
                ctx = 0
            else:
                if len(c) < k - 1:
                    continue                                       # context not available
                ctx = self._context_index(c[len(c) - (k - 1):])
                if ctx < 0:
                    continue                                       # unseen context: gamma = 1
            keys = self.counts.keys[k - 1]
            lo, hi = np.searchsorted(keys, [ctx * M, ctx * M + M])
            p = self.gamma[k - 1][ctx] * p
            if self.backoff:                                       # seen: alpha replaces
                seen = self.counts.counts[k - 1][lo:hi] > 0
                p[keys[lo:hi][seen] - ctx * M] = self.alpha[k - 1][lo:hi][seen]
            else:
                p[keys[lo:hi] - ctx * M] += self.alpha[k - 1][lo:hi]
        return p

    def _context_index(self, c: Sequence[int]) -> int:
        """Index in order len(c) of the n-gram ``c`` (word ids), or -1 if unseen."""
        idx = c[0]
        for j, w in enumerate(c[1:], start=2):
            idx = int(self.counts.lookup(j, idx, w))
            if idx < 0:
                return -1
        return idx

    def sample(self, rng: np.random.Generator, temperature: float = 1.0, max_len: int = 40,
               prefix: Sequence[str] = ()) -> list[str]:
        """Draw one sentence (a list of words, without ``<s>``/``</s>``) word by word from
        ``p(w | context) ** (1 / temperature)`` renormalised; stops at ``</s>`` or ``max_len``
        words. ``rng``: a ``numpy.random.Generator``; ``temperature`` > 0 (finite);
        ``prefix``: words (str) the sentence starts with, returned as its first words."""
        rng = check_rng("rng", rng)
        temperature = check_number("temperature", temperature, low=0, low_open=True)
        max_len = check_int("max_len", max_len, low=1)
        ctx = [self.bos_id, *self._ids("prefix", prefix)]
        if self.bos_id in ctx[1:] or self.eos_id in ctx[1:]:
            raise ValueError(f"prefix must not contain {BOS!r} or {EOS!r}, got {list(prefix)}")
        out = list(prefix)
        for _ in range(max_len):
            p = self._distribution(ctx)
            if temperature != 1.0:
                with np.errstate(divide="ignore"):
                    logp = np.log(p)
                logp = (logp - logp.max()) / temperature            # max at 0: any T > 0 is safe
                p = np.exp(logp)
            cdf = np.cumsum(p)
            w = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
            w = min(w, self.M - 1)
            if w == self.eos_id:
                break
            out.append(self.itos[w])
            ctx.append(w)
        return out

    # -- ARPA ----------------------------------------------------------------------------------
    def full_probs(self) -> list[np.ndarray]:
        """``p_k(w | u)`` of every stored k-gram ``u w``, float64 (G_k,) per order: the numbers an
        ARPA file lists."""
        cnt = self.counts
        probs = [self._p0]
        for k in range(1, self.n + 1):
            ctx = cnt.keys[k - 1] // self.M
            below = self.gamma[k - 1][ctx] * probs[-1][cnt.suffix[k - 1] if k > 1 else
                                                       slice(None)]
            probs.append(np.where(cnt.counts[k - 1] > 0, self.alpha[k - 1], below)
                         if self.backoff else self.alpha[k - 1] + below)
        return probs[1:]

    def to_arpa(self, path: str | os.PathLike | io.TextIOBase) -> None:
        """Write the model in the standard ARPA back-off format (log10 probabilities and back-off
        weights), loadable by ``kenlm.Model``. This is exact: an unseen n-gram ``u w`` gets
        ``gamma(u) * p(w | u')``, which is the ARPA back-off rule (for Katz, the model's own rule;
        for an interpolated model, the interpolation's value where nothing was seen).
        ``path``: a file name or an open text stream (``io.StringIO``)."""
        if not isinstance(path, (str, os.PathLike, io.TextIOBase)):
            raise TypeError(f"path must be a file name (str or os.PathLike) or a text stream, "
                            f"got {describe(path)}")
        if isinstance(path, str) and not path:
            raise ValueError("path must be a file name, got the empty string")
        if not isinstance(path, io.TextIOBase) and os.path.isdir(path):
            raise ValueError(f"path must name a file, got the directory {str(path)!r}")
        probs = self.full_probs()
        if (any(np.any(p[self._predictable(k)] <= 0) for k, p in enumerate(probs, start=1))
                or any(np.any(g <= 0) for g in self.gamma)):
            raise ValueError(f"method {self.method!r} gives some n-grams probability 0, which "
                             f"ARPA (log10) cannot store; export a smoothed model")
        cnt = self.counts
        itos = np.array(self.itos, dtype=object)
        names = itos.copy()                                        # (G_1,) strings
        out = []
        out.append("\n\\data\\\n")
        for k in range(1, self.n + 1):
            out.append(f"ngram {k}={len(cnt.keys[k - 1])}\n")
        for k in range(1, self.n + 1):
            if k > 1:
                ctx, last = np.divmod(cnt.keys[k - 1], self.M)
                names = names[ctx] + " " + itos[last]
            with np.errstate(divide="ignore"):
                lp = np.log10(probs[k - 1])
            if k == 1:
                lp[self.bos_id] = -99.0
            out.append(f"\n\\{k}-grams:\n")
            if k < self.n:
                with np.errstate(divide="ignore"):
                    bo = np.maximum(np.log10(self.gamma[k]), -99.0)
                lines = [f"{a:.7f}\t{s}\t{b:.7f}\n" if b != 0.0 else f"{a:.7f}\t{s}\n"
                         for a, s, b in zip(lp.tolist(), names.tolist(), bo.tolist())]
            else:
                lines = [f"{a:.7f}\t{s}\n" for a, s in zip(lp.tolist(), names.tolist())]
            out.append("".join(lines))
        out.append("\n\\end\\\n")
        text = "".join(out)
        if isinstance(path, io.TextIOBase):
            path.write(text)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

    def _predictable(self, k: int) -> np.ndarray:
        """Mask of order-k n-grams that end in a predictable word (not ``<s>``)."""
        return (self.counts.keys[k - 1] % self.M) != self.bos_id


# ---------------------------------------------------------------------------------------------
# Fitting: each method sets alpha and gamma per order
# ---------------------------------------------------------------------------------------------

def _discount_levels(counts: NGramCounts, n: int, a_levels, method, discount, discounts,
                     discount_fallback):
    """Per-order discount tables: float64 (4,) giving D for counts 0, 1, 2, >= 3."""
    out = []
    for k in range(1, n + 1):
        a = a_levels[k - 1]
        n_j = counts_of_counts(a[a > 0] if k > 1 else np.delete(a, counts.stoi[BOS]))
        if method == "modified_kneser_ney":
            if discounts is not None:
                D = discounts[k - 1] if discounts.ndim == 2 else discounts
            else:
                D = modified_kn_discounts(n_j, KENLM_FALLBACK if discount_fallback else None)
            out.append(np.array([0.0, *D]))
        else:  # absolute, kneser_ney: one discount per order
            if discount is not None:
                d = float(discount[k - 1] if discount.ndim == 1 else discount)
            else:
                try:
                    d = kn_discount(n_j)
                except ValueError:
                    if not discount_fallback:
                        raise
                    d = 0.75
            out.append(np.array([0.0, d, d, d]))
    return out


def _check_discounts(method, discount, discounts, n):
    """``discount`` (one per order or one for all) and ``discounts`` (D1, D2, D3+) as arrays."""
    if discount is not None:
        if method not in ("absolute", "kneser_ney"):
            raise ValueError(f"discount= (one discount per order) is for method='absolute' or "
                             f"'kneser_ney', got method={method!r}" + (
                                 "; use discounts= (D1, D2, D3+)"
                                 if method == "modified_kneser_ney" else ""))
        d = check_array("discount", discount, ndim=(0, 1), finite=True, dtype=float)
        if d.ndim == 1 and d.size != n:
            raise ValueError(f"discount must be a number or one number per order ({n}), "
                             f"got {d.size} numbers")
        if np.any(d < 0) or np.any(d >= 1):
            raise ValueError(f"discount must lie in [0, 1), got {d.tolist()}")
        discount = d
    if discounts is not None:
        if method != "modified_kneser_ney":
            raise ValueError("discounts= (three per order) is for method='modified_kneser_ney'; "
                             "use discount= for absolute discounting and Kneser-Ney")
        D = check_array("discounts", discounts, ndim=(1, 2), finite=True, dtype=float)
        if D.shape not in ((3,), (n, 3)):
            raise ValueError(f"discounts must have shape (3,) or ({n}, 3): D1, D2, D3+ per "
                             f"order, got shape {D.shape}")
        if np.any(D < 0) or np.any(D > np.arange(1, 4)):
            raise ValueError(f"discounts (D1, D2, D3+) must satisfy 0 <= D_j <= j, got "
                             f"{D.tolist()}")
        discounts = D
    return discount, discounts


def _fit_katz(counts: NGramCounts, n: int, gt_max: int, ctx_of: list, n_ctx: list):
    """Katz back-off, order by order from the uniform ``p_0``: ``alpha[k-1]`` (G_k,) holds
    ``p_k(w | u)`` of every seen k-gram (0 where unseen), ``gamma[k-1]`` (G_{k-1},) the back-off
    weights, ``discounts`` (n, gt_max) the ``d_r`` of each order. See :func:`fit`."""
    M, V = counts.M, counts.M - 1
    bos = counts.stoi[BOS]
    alpha, gamma, used = [], [], []
    for k in range(1, n + 1):
        c = counts.counts[k - 1]                                  # (G_k,) raw; <s> has 0
        ctx, G = ctx_of[k - 1], n_ctx[k - 1]
        seen = c > 0
        d = katz_discounts(counts_of_counts(c[seen], gt_max + 1), gt_max)
        dr = np.concatenate([[0.0], d, [1.0]])[np.minimum(c, gt_max + 1)]     # (G_k,) d_r
        tot = np.bincount(ctx, weights=c, minlength=G)                        # (G,) c(u .)
        safe = np.where(tot > 0, tot, 1.0)
        n_seen = np.bincount(ctx, weights=seen, minlength=G)     # N1+(u .)
        left = np.bincount(ctx, weights=(1 - dr) * c, minlength=G)          # freed counts
        none = (tot > 0) & (left <= 0)                            # every count above gt_max
        left = np.where(none, n_seen, left) / (safe + np.where(none, n_seen, 0.0))
        a = dr * c / (safe + np.where(none, n_seen, 0.0))[ctx]    # discounted p of seen k-grams
        if k == 1:
            lower = np.full(M, 1.0 / V)                           # p_0, uniform
            lower[bos] = 0.0
        else:
            lower = alpha[k - 2][counts.suffix[k - 1]]            # p_{k-1}(w | u'): u' w is seen
        lower_seen = np.bincount(ctx, weights=np.where(seen, lower, 0.0), minlength=G)
        stuck = (n_seen >= V) | (1.0 - lower_seen <= 1e-12)     # nothing below to receive it
        g = np.where(stuck, 0.0, left / np.where(stuck, 1.0, 1.0 - lower_seen))
        a = np.where(stuck[ctx], a / (1.0 - left)[ctx], a)       # renormalised where stuck
        alpha.append(a)
        gamma.append(np.where(tot > 0, g, 1.0))                   # unseen context: p_{k-1}
        used.append(d)
    return alpha, gamma, np.array(used)


def fit(sentences: Sequence[Sequence[str]] | None = None, n: int = 3,
        method: str = "modified_kneser_ney", *, vocab=None, counts: NGramCounts | None = None,
        k: float | None = None, lam: float | None = None, discount=None, discounts=None,
        discount_fallback: bool = False, gt_max: int | None = None) -> NGramLM:
    """Fit an order-``n`` model to ``sentences`` (list of str-token lists) with ``method``:

    * ``"uniform"``: ``p = 1 / V`` (the baseline; perplexity exactly ``V``);
    * ``"mle"``: ``c(u w) / c(u .)`` (an unseen context falls back to the lower order);
    * ``"add_k"``: ``(c(u w) + k) / (c(u .) + k V)``, ``k > 0``;
    * ``"jelinek_mercer"``: ``lam * p_ML(w | u) + (1 - lam) p_{k-1}(w | u')``, ``0 <= lam <= 1``;
    * ``"absolute"``: ``max(c(u w) - D, 0) / c(u .)`` plus the freed mass times the lower order
      (raw counts at every order), ``0 <= discount < 1``;
    * ``"kneser_ney"``: absolute discounting with continuation counts at the lower orders
      (:func:`adjusted_counts`); one discount per order, by default ``n1 / (n1 + 2 n2)``;
    * ``"modified_kneser_ney"``: three discounts per order (counts 1, 2, >= 3) from the
      counts-of-counts (:func:`modified_kn_discounts`), or ``discounts=`` of shape (3,) or (n, 3);
    * ``"katz"``: Katz back-off with Good-Turing discounts (raw counts at every order): a seen
      n-gram keeps ``d_r r / c(u .)`` with ``d_r`` from :func:`katz_discounts` for counts
      ``r <= gt_max`` (default 5) and ``d_r = 1`` above; an unseen one gets
      ``gamma(u) p_{k-1}(w | u')``, ``gamma(u)`` normalising. Two documented rules keep every
      probability positive where Katz's formula cannot: a seen context whose counts are all
      above ``gt_max`` (nothing discounted, so nothing left for unseen words) gets Witten-Bell's
      estimate of its unseen mass, dividing its counts by ``c(u .) + N1+(u .)`` instead of
      ``c(u .)``; a context after which every word that could receive the left-over mass was
      seen (the lower order gives the unseen words probability 0) renormalises its discounted
      probabilities and has ``gamma = 0``.

    Pass ``counts`` (from :func:`count_ngrams`, of order >= n) to reuse one counting pass for
    several models; ``vocab`` as in :func:`count_ngrams`.
    """
    method = check_choice("method", method, METHODS)
    n = check_int("n", n, low=1)
    discount_fallback = check_bool("discount_fallback", discount_fallback)
    if counts is None:
        if sentences is None:
            raise ValueError("sentences must be given (a list of token lists) unless counts is")
        counts = count_ngrams(sentences, n, vocab=vocab)
    else:
        counts = _check_counts("counts", counts)
        if sentences is not None or vocab is not None:
            raise ValueError("counts was given, so sentences and vocab must be None (the counts "
                             "already fix both)")
        if counts.n < n:
            raise ValueError(f"n must be <= {counts.n}: counts go up to order {counts.n}, got "
                             f"n = {n}; count with n >= {n}")
    discount, discounts = _check_discounts(method, discount, discounts, n)
    if method == "add_k":
        if k is None:
            raise ValueError("k must be given for add_k (a number > 0; k = 0 is maximum "
                             "likelihood)")
        k = check_number("k", k, low=0, low_open=True)
    elif k is not None:
        raise ValueError(f"k is only used by method='add_k', got k={k!r} with method={method!r}")
    if method == "jelinek_mercer":
        if lam is None:
            raise ValueError("lam must be given for jelinek_mercer (0 <= lam <= 1)")
        lam = check_number("lam", lam, low=0, high=1)
    elif lam is not None:
        raise ValueError(f"lam is only used by method='jelinek_mercer', got lam={lam!r} with "
                         f"method={method!r}")
    if method == "absolute" and discount is None:
        raise ValueError("discount must be given for absolute discounting (a number in [0, 1))")
    if method == "katz":
        gt_max = 5 if gt_max is None else _check_gt_max(gt_max)
    elif gt_max is not None:
        raise ValueError(f"gt_max is only used by method='katz', got gt_max={gt_max!r} with "
                         f"method={method!r}")
    if discount_fallback and method not in ("kneser_ney", "modified_kneser_ney"):
        raise ValueError(f"discount_fallback is for method='kneser_ney' or "
                         f"'modified_kneser_ney', got method={method!r}")

    M = counts.M
    V = M - 1
    n_ctx = [1] + [len(counts.keys[j]) for j in range(n - 1)]       # contexts of order k: G_{k-1}
    ctx_of = [np.zeros(M, np.int64)] + [counts.keys[j] // M for j in range(1, n)]
    alpha, gamma = [], []
    hyper = {"k": k, "lam": lam, "gt_max": gt_max}
    used_discounts = None

    def totals(kk, a):
        return np.bincount(ctx_of[kk - 1], weights=a, minlength=n_ctx[kk - 1])

    if method in ("uniform", "add_k"):
        for kk in range(1, n + 1):
            G = len(counts.keys[kk - 1])
            alpha.append(np.zeros(G))
            gamma.append(np.ones(n_ctx[kk - 1]))
        if method == "add_k":
            c = counts.counts[n - 1].astype(float)
            tot = totals(n, c)
            alpha[-1] = c / (tot[ctx_of[n - 1]] + k * V)
            gamma[-1] = (k * V) / (tot + k * V)
    elif method in ("mle", "jelinek_mercer"):
        w = 1.0 if method == "mle" else float(lam)
        for kk in range(1, n + 1):
            c = counts.counts[kk - 1].astype(float)
            tot = totals(kk, c)
            seen = tot > 0
            safe = np.where(seen, tot, 1.0)
            alpha.append(w * c / safe[ctx_of[kk - 1]])
            gamma.append(np.where(seen, 1.0 - w, 1.0))
    elif method == "katz":
        alpha, gamma, used_discounts = _fit_katz(counts, n, gt_max, ctx_of, n_ctx)
    else:  # absolute, kneser_ney, modified_kneser_ney: interpolated discounting
        if method == "absolute":
            a_levels = [counts.counts[kk - 1] for kk in range(1, n + 1)]
        else:
            a_levels = [adjusted_counts(counts, kk, n) for kk in range(1, n + 1)]
        a_levels[0] = a_levels[0].copy()
        a_levels[0][counts.stoi[BOS]] = 0                          # <s> is never predicted
        Dtab = _discount_levels(counts, n, a_levels, method, discount, discounts,
                                discount_fallback)
        for kk in range(1, n + 1):
            a = a_levels[kk - 1]
            D = Dtab[kk - 1][np.minimum(a, 3)]                     # (G_k,) discount of each
            tot = totals(kk, a.astype(float))
            seen = tot > 0
            safe = np.where(seen, tot, 1.0)
            alpha.append((a - D) / safe[ctx_of[kk - 1]])
            freed = np.bincount(ctx_of[kk - 1], weights=D, minlength=n_ctx[kk - 1])
            gamma.append(np.where(seen, freed / safe, 1.0))
        used_discounts = np.array([d[1:] for d in Dtab])           # (n, 3)
    return NGramLM(counts, n, method, alpha, gamma, discounts=used_discounts, hyper=hyper)


def check_katz(fn, n_cases: int = 40, seed: int = 0) -> bool:
    """Check a reader's Katz back-off bigram ``fn(C, p_lower, gt_max) -> P`` against
    ``fit(method="katz", n=2)`` on random small corpora. ``C``: int64 (M, M), ``C[u, w]`` the
    training count of the bigram ``u w`` (ids of the model's ``itos``); ``p_lower``: float64 (M,),
    the model's unigram level ``p_1``; ``gt_max``: Katz's ``K``. ``fn`` returns ``P`` (M, M) with
    ``P[u, w] = p(w | u)`` for every context ``u`` (a row never seen as a context is ``p_lower``).
    Cases are drawn so that every seen context discounts some count (``d_r < 1``) and leaves some
    word with ``p_lower > 0`` unseen (the two rules of :func:`fit` for the other cases are not
    asked for). Prints the first case that differs (or that all agree); True when all
    ``n_cases`` agree to 1e-9."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(C, p_lower, gt_max), got {describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    k = 0
    while k < n_cases:
        words = [f"w{i}" for i in range(int(rng.integers(6, 14)))]
        used = words[: int(rng.integers(3, len(words)))]               # the rest stay unseen
        zipf = 1.0 / np.arange(1, len(used) + 1)
        sents = [list(rng.choice(used, size=int(rng.integers(1, 7)), p=zipf / zipf.sum()))
                 for _ in range(int(rng.integers(5, 80)))]
        K = int(rng.integers(2, 6))
        model = fit(sents, n=2, method="katz", gt_max=K, vocab=[UNK, *words])
        cnt = model.counts
        C = np.zeros((cnt.M, cnt.M), dtype=np.int64)
        W = cnt.words(2)                                             # (G_2, 2)
        C[W[:, 0], W[:, 1]] = cnt.counts[1]
        p_lower = model._distribution([])                            # (M,) the unigram level
        row = C.sum(axis=1) > 0
        d_r = np.concatenate([[1.0], model.discounts[1], [1.0]])[np.minimum(C[row], K + 1)]
        if not (np.all((d_r < 1).any(axis=1))                         # something is discounted
                and np.all(((C[row] == 0) & (p_lower > 0)).any(axis=1))):
            continue                                                 # a case for fit's rules
        want = np.stack([model._distribution([u]) for u in range(cnt.M)])
        got = np.asarray(fn(C.copy(), p_lower.copy(), K), dtype=float)
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-9, atol=1e-12):
            if got.shape != want.shape:
                print(f"case {k}: expected P of shape {want.shape}, got {got.shape}")
            else:
                u = int(np.argmax(np.abs(got - want).max(axis=1)))
                print(f"case {k}: gt_max={K}, context {cnt.itos[u]!r} (counts C[u] = "
                      f"{C[u].tolist()}, p_lower = {np.round(p_lower, 4).tolist()})\n"
                      f"  expected {np.round(want[u], 4).tolist()}\n"
                      f"  got      {np.round(got[u], 4).tolist()}")
            return False
        k += 1
    print(f"all {n_cases} cases agree with helpers.ngram.fit(method='katz', n=2)")
    return True


def sample_texts(models: dict, n: int, temperature: float, seed: int = 0, k: int = 3,
                 max_len: int = 24) -> list[str]:
    """``k`` sentences drawn from ``models[n]`` at ``temperature`` with
    ``np.random.default_rng(seed)``, each joined into one string (a cut at ``max_len`` words is
    marked with an ellipsis). Pure given its arguments: the generation widget's ``compute``.
    ``models``: {order: NGramLM}; ``seed``, ``k``, ``max_len``: integers (>= 0, >= 1, >= 1)."""
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models must be a non-empty dict {{order: NGramLM}}, got "
                        f"{describe(models)}")
    for order, model in models.items():
        _check_model(f"models[{order!r}]", model)
    n = check_int("n", n, low=1)
    if n not in models:
        raise ValueError(f"n must be one of the fitted orders {sorted(models)}, got {n!r}")
    temperature = check_number("temperature", temperature, low=0, low_open=True)
    seed = check_int("seed", seed, low=0)
    k = check_int("k", k, low=1)
    max_len = check_int("max_len", max_len, low=1)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(k):
        words = models[n].sample(rng, temperature=temperature, max_len=max_len)
        text = " ".join(words) if words else "(empty sentence: </s> first)"
        out.append(text + (" …" if len(words) >= max_len else ""))
    return out


TEMPERATURES = (0.5, 0.7, 1.0, 1.5)  # the generation explorer's temperature control


def _draw_samples(texts: Sequence[str], n: int, temperature: float):
    """The generation explorer's frame: the sampled ``texts``, numbered, under a title, as
    text (a :class:`helpers.widgets.TextFrame`), not a picture of text."""
    from helpers.widgets import TextFrame

    return TextFrame(f"{n}-gram, modified Kneser-Ney, temperature {temperature}", tuple(texts))


def sample_explorer(models: dict | None = None, temperatures: Sequence[float] = TEMPERATURES,
                    seed: int = 2024, k: int = 3, max_len: int = 24):
    """Chapter 6's generation explorer: ``k`` sentences from ``models[n]`` at a temperature
    (:func:`sample_texts` with a fixed ``seed``, so every frame is reproducible), with controls
    for the order ``n`` (the keys of ``models``) and the temperature (``temperatures``, each a
    finite number > 0; default 1.0 if listed). Both controls are precomputed for the page
    without a kernel.

    ``models``: {order: NGramLM}; ``None`` fits the chapter's models (modified Kneser-Ney,
    orders 1-5, on the KJV training split; a few seconds), which the benchmarks use."""
    from helpers.widgets import Control, Explorer

    if models is None:
        from helpers.data import load_corpus

        corpus = load_corpus("kjv", min_count=VOCAB_MIN_COUNT)
        counts = count_ngrams(corpus.train, 5, vocab=corpus.vocab)
        models = {n: fit(n=n, counts=counts) for n in range(1, 6)}
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models must be a non-empty dict {{order: NGramLM}}, got "
                        f"{describe(models)}")
    for order, model in models.items():
        check_int("models' keys (orders)", order, low=1)
        if _check_model(f"models[{order}]", model).n != order:
            raise ValueError(f"models[{order}] must be an order-{order} model, got order "
                             f"{model.n}")
    if isinstance(temperatures, (str, bytes)) or not isinstance(temperatures, Iterable):
        raise TypeError(f"temperatures must be a list of numbers > 0, got "
                        f"{describe(temperatures)}")
    temperatures = tuple(check_number("temperatures", t, low=0, low_open=True)
                         for t in temperatures)
    if not temperatures or len(set(temperatures)) != len(temperatures):
        raise ValueError(f"temperatures must hold at least one temperature and no duplicate, "
                         f"got {list(temperatures)}")
    seed = check_int("seed", seed, low=0)
    k = check_int("k", k, low=1)
    max_len = check_int("max_len", max_len, low=1)
    orders = tuple(sorted(models))

    def generate(n, temperature):
        return sample_texts(models, n, temperature, seed=seed, k=k, max_len=max_len)

    return Explorer(
        generate, _draw_samples,
        [Control("n", orders, 3 if 3 in orders else orders[0], "order n"),
         Control("temperature", temperatures, 1.0 if 1.0 in temperatures else temperatures[0],
                 "temperature T")],
        static=("n", "temperature"))


def kenlm_scores(arpa_path: str | os.PathLike, sentences: Sequence[Sequence[str]]):
    """Load an ARPA file with the ``kenlm`` module (quietly) and score ``sentences`` with it.

    Returns ``(log10_probs, ngram_lengths, n_oov)``: float64 and int64 arrays of shape
    (number of words + number of sentences,) in the order of :meth:`NGramLM.log_probs`, and how
    many words KenLM mapped to its ``<unk>``. The reference our ARPA export is checked against."""
    if not isinstance(arpa_path, (str, os.PathLike)):
        raise TypeError(f"arpa_path must be a file name (str or os.PathLike), got "
                        f"{describe(arpa_path)}")
    if not os.path.isfile(arpa_path):
        raise ValueError(f"arpa_path must name an existing ARPA file, got {str(arpa_path)!r}")
    sentences = _check_sentences(sentences)
    import kenlm  # deferred: an optional reference, not needed to fit or score

    config = kenlm.Config()
    config.show_progress = False
    config.arpa_complain = kenlm.ARPALoadComplain.NONE
    model = kenlm.Model(str(arpa_path), config)
    lp, lengths, oov = [], [], 0
    for s in sentences:
        for logp, length, is_oov in model.full_scores(" ".join(s)):
            lp.append(logp)
            lengths.append(length)
            oov += bool(is_oov)
    return np.array(lp, dtype=float), np.array(lengths, dtype=np.int64), oov
