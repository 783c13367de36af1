"""Word embeddings (chapter 5): count-based PPMI-SVD and predictive skip-gram with negative
sampling (SGNS), both from scratch, and the evaluations that compare them.

Pipeline, with the names used in the chapter:

* :func:`build_stream` turns tokenised sentences into a :class:`TokenStream` (vocabulary by
  falling count with a ``min_count``, one flat id array, and each token's sentence index).
  Out-of-vocabulary tokens are dropped before any window is taken, as gensim does.
* Count-based: :func:`cooccurrence` (sparse, vectorised, ``window`` words either side) ->
  :func:`ppmi` (context-distribution smoothing ``alpha = 0.75``) -> :func:`svd_embeddings`
  (randomised truncated SVD, ``W = U_d S_d^p``), as in Levy, Goldberg & Dagan (2015).
* Predictive: :func:`train_sgns` (Mikolov et al. 2013b) in torch with a hand-written gradient
  (:func:`sgns_loss_and_grads`), frequent-word subsampling (:func:`keep_probabilities`),
  unigram^0.75 noise (:class:`NoiseSampler`), dynamic windows (:func:`skipgram_pairs`); and
  :func:`train_cbow` (CBOW, the mean of the context vectors predicting the center word,
  :func:`cbow_loss_and_grads`) on the same trainer.
* The chapter's "implement it" check :func:`check_ppmi` (a reader's PPMI against :func:`ppmi`).
* Evaluation on :class:`Embeddings`: cosine similarity, nearest neighbours, Spearman on
  word-pair sets with coverage (:func:`evaluate_word_pairs`), 3CosAdd analogy accuracy
  (:func:`evaluate_analogies`); both agree with gensim's ``KeyedVectors`` methods.
* The chapter's explorers: :func:`neighbourhood_explorer` (a word's nearest neighbours and a
  2-D view, :func:`neighbourhood`) and :func:`analogy_explorer` (3CosAdd answers).

Every public function checks its arguments and raises ``TypeError``/``ValueError`` naming the
bad one; unknown words raise ``KeyError`` with spelling suggestions.

Randomness is always passed in (``seed`` / ``rng``); nothing happens on import.
"""
from __future__ import annotations

import collections
import collections.abc
import dataclasses
import difflib
import math
import time
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from helpers.checks import (check_array, check_bool, check_choice, check_int, check_number,
                            check_rng, describe)

__all__ = [
    "TokenStream", "build_stream", "cooccurrence", "ppmi", "randomized_svd", "svd_embeddings",
    "keep_probabilities", "subsample", "skipgram_pairs", "NoiseSampler", "sgns_loss_and_grads",
    "cbow_loss_and_grads", "SGNSResult", "train_sgns", "train_cbow", "Embeddings", "load_word_pairs", "load_analogies",
    "evaluate_word_pairs", "evaluate_analogies", "PairScore", "AnalogyScore", "load_pretrained",
    "neighbourhood", "EXPLORER_WORDS", "EXPLORER_ANALOGIES", "neighbourhood_explorer",
    "analogy_explorer", "check_ppmi",
]


def _unknown_word(word: str, known: Iterable[str]) -> KeyError:
    """A ``KeyError`` naming ``word`` and suggesting the nearest known spellings (difflib)."""
    close = difflib.get_close_matches(str(word), [str(w) for w in known], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(w) for w in close)}?" if close else \
        "; no known word is spelled like it"
    return KeyError(f"word {word!r} is not in the vocabulary{hint}")


def _check_word(name: str, word) -> str:
    """``word`` if it is a ``str`` (a token, not an integer id)."""
    if not isinstance(word, str):
        raise TypeError(f"{name} must be a word (str), got {describe(word)}")
    return word


def _check_words(name: str, words) -> tuple[str, ...]:
    """``words`` as a tuple of ``str``; a single ``str`` (a sequence of characters) is refused."""
    if isinstance(words, (str, bytes)) or not isinstance(words, collections.abc.Iterable):
        raise TypeError(f"{name} must be a sequence of words (str), got {describe(words)}")
    words = tuple(words)
    for w in words:
        if not isinstance(w, str):
            raise TypeError(f"{name} must hold words (str), got an element {describe(w)}")
    return words


def _check_stream(name: str, stream) -> "TokenStream":
    if not isinstance(stream, TokenStream):
        raise TypeError(f"{name} must be a TokenStream (from build_stream), got {describe(stream)}")
    return stream


def _check_ids_sent(ids, sent, V: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and sentence indices: 1-d integer arrays of one length, sentences
    non-decreasing (each sentence contiguous), ids in ``[0, V)`` if ``V`` is given."""
    ids = check_array("ids", ids, ndim=1)
    sent = check_array("sent", sent, ndim=1)
    for name, a in (("ids", ids), ("sent", sent)):
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"{name} must hold integers, got dtype {a.dtype}")
    ids, sent = ids.astype(np.int64, copy=False), sent.astype(np.int64, copy=False)
    if ids.shape != sent.shape:
        raise ValueError(f"sent must have the shape of ids {ids.shape}, got {sent.shape}")
    if ids.size and ids.min() < 0:
        raise ValueError(f"ids must be >= 0, got a minimum of {ids.min()}")
    if V is not None and ids.size and ids.max() >= V:
        raise ValueError(f"ids must be < the vocabulary size {V}, got a maximum of {ids.max()}")
    if sent.size and (np.diff(sent) < 0).any():
        raise ValueError("sent must be non-decreasing (each sentence's tokens contiguous)")
    return ids, sent


def _longest_sentence(sent: np.ndarray) -> int:
    """Number of tokens in the longest sentence (0 for no tokens)."""
    if len(sent) == 0:
        return 0
    return int(np.unique(sent, return_counts=True)[1].max())


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TokenStream:
    """A corpus as flat arrays over a vocabulary.

    ``words``: the vocabulary, by falling count (ties alphabetical), shape (V,).
    ``counts``: each word's count in the corpus, int64, shape (V,).
    ``ids``: the in-vocabulary tokens in order, int64, shape (N,).
    ``sent``: the sentence index of each token, int64, shape (N,) (windows never cross it).
    """

    words: tuple[str, ...]
    counts: np.ndarray
    ids: np.ndarray
    sent: np.ndarray

    def __post_init__(self):
        words = _check_words("words", self.words)
        if len(set(words)) != len(words):
            raise ValueError("words must be distinct")
        counts = check_array("counts", self.counts, shape=(len(words),), dtype=np.int64)
        if counts.size and (counts < 0).any():
            raise ValueError("counts must be >= 0, got a negative count")
        ids, sent = _check_ids_sent(self.ids, self.sent, len(words))
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "counts", counts.astype(np.int64, copy=False))
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "sent", sent)
        object.__setattr__(self, "index", {w: i for i, w in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def V(self) -> int:
        return len(self.words)

    def id(self, word: str) -> int:
        """Id of ``word``; ``KeyError`` with spelling suggestions if it is not in the vocabulary."""
        _check_word("word", word)
        try:
            return self.index[word]
        except KeyError:
            raise _unknown_word(word, self.words) from None


def build_stream(sentences: Sequence[Sequence[str]], min_count: int = 5) -> TokenStream:
    """Vocabulary of the words seen at least ``min_count`` times and the corpus as id arrays.

    ``sentences``: list of token lists. Out-of-vocabulary tokens are dropped (as in gensim)."""
    if isinstance(sentences, (str, bytes)) or not isinstance(sentences, collections.abc.Sequence):
        raise TypeError(f"sentences must be a list of token lists, got {describe(sentences)}")
    min_count = check_int("min_count", min_count, low=1)
    counter = collections.Counter()
    for k, s in enumerate(sentences):
        if isinstance(s, (str, bytes)) or not isinstance(s, collections.abc.Sequence):
            raise TypeError(f"sentences must be a list of token lists, got sentences[{k}] = "
                            f"{describe(s)}")
        for t in s:
            if not isinstance(t, str):
                raise TypeError(f"sentences must hold tokens (str), got {describe(t)} in "
                                f"sentences[{k}]")
        counter.update(s)
    if not counter:
        raise ValueError("sentences is empty: the corpus has no tokens")
    words = sorted((w for w, c in counter.items() if c >= min_count), key=lambda w: (-counter[w], w))
    if len(words) < 2:
        raise ValueError(f"min_count={min_count} leaves fewer than 2 words in the vocabulary; "
                         f"lower min_count or give a larger corpus")
    index = {w: i for i, w in enumerate(words)}
    get = index.get
    flat = [get(t, -1) for s in sentences for t in s]
    sent = np.repeat(np.arange(len(sentences), dtype=np.int64),
                     [len(s) for s in sentences])
    ids = np.asarray(flat, dtype=np.int64)
    keep = ids >= 0
    counts = np.array([counter[w] for w in words], dtype=np.int64)
    return TokenStream(words=tuple(words), counts=counts, ids=ids[keep], sent=sent[keep])


def _check_window(window) -> int:
    return check_int("window", window, low=1)


# ---------------------------------------------------------------------------------------------
# Count-based: co-occurrence -> PPMI -> truncated SVD
# ---------------------------------------------------------------------------------------------

def cooccurrence(stream: TokenStream, window: int = 5, dynamic: bool = False) -> sp.csr_matrix:
    """Symmetric word-context counts within ``window`` tokens either side; shape (V, V).

    ``C[w, c]`` counts (token of w, token of c) at distance 1..window in the same sentence.
    ``dynamic=True`` weights distance ``d`` by ``(window - d + 1) / window``: the expected weight
    of word2vec's dynamic window (its effective window is uniform on 1..window).
    A window longer than the longest sentence counts the same pairs as one that just spans it
    (the distances it adds have no pairs), so the loop stops there.
    """
    _check_stream("stream", stream)
    window = _check_window(window)
    dynamic = check_bool("dynamic", dynamic)
    if len(stream) == 0:
        raise ValueError("stream is empty: no tokens to count")
    ids, sent, V = stream.ids, stream.sent, stream.V
    N = len(ids)
    pos = np.arange(N)
    rows, cols, vals = [], [], []
    for d in range(1, min(window, _longest_sentence(sent) - 1) + 1):
        p = pos[:-d][sent[:-d] == sent[d:]]       # positions with a partner d to the right
        wgt = (window - d + 1) / window if dynamic else 1.0
        rows += [p, p + d]
        cols += [ids[p + d], ids[p]]
        vals.append(np.full(2 * len(p), wgt))
    # K[t, c]: weight of context word c around token t, shape (N, V); A[w, t] = [ids[t] == w],
    # shape (V, N). Then C = A @ K sums each word's contexts (a sparse product, no sorting).
    if not vals:  # every sentence has one token: no pairs
        return sp.csr_matrix((V, V), dtype=np.float64)
    K = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(N, V))
    A = sp.csr_matrix((np.ones(N), (ids, pos)), shape=(V, N))
    C = (A @ K).tocsr()
    C.sort_indices()
    return C


def ppmi(C: sp.spmatrix, alpha: float = 0.75, shift: float = 1.0) -> sp.csr_matrix:
    """Positive pointwise mutual information with context-distribution smoothing; shape (V, V).

        PPMI(w, c) = max(log[ #(w,c) * sum_c' #(c')^alpha / (#(w) * #(c)^alpha * k) ], 0)

    with ``#(w)`` the row sums, ``#(c)`` the column sums of ``C`` and ``k = shift`` (shifted
    PPMI; ``k = 1`` is plain PPMI). ``alpha = 1`` turns smoothing off. Zero counts stay zero.
    """
    if not sp.issparse(C):
        raise TypeError(f"C must be a scipy.sparse matrix of counts, got {describe(C)}")
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must be a square matrix (V, V), got shape {C.shape}")
    if not (np.issubdtype(C.dtype, np.number) or C.dtype == np.bool_):
        raise TypeError(f"C must hold numbers, got dtype {C.dtype}")
    alpha = check_number("alpha", alpha, low=0, high=1, low_open=True)
    shift = check_number("shift", shift, low=0, low_open=True)
    C = sp.csr_matrix(C, dtype=np.float64)
    if not np.isfinite(C.data).all():
        raise ValueError("C must hold finite counts, got NaN or infinity")
    if (C.data < 0).any():
        raise ValueError(f"C must hold counts >= 0, got a minimum of {C.data.min()}")
    C.eliminate_zeros()
    D = C.sum()
    if D <= 0:
        raise ValueError("C has no positive counts")
    n_w = np.asarray(C.sum(axis=1)).ravel()          # (V,) #(w)
    n_c = np.asarray(C.sum(axis=0)).ravel() ** alpha  # (V,) #(c)^alpha
    P_c = n_c / n_c.sum()                             # smoothed context distribution
    P_w = n_w / D
    row = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    pmi = np.log(C.data / D) - np.log(P_w[row]) - np.log(P_c[C.indices]) - math.log(shift)
    M = sp.csr_matrix((np.maximum(pmi, 0.0), C.indices.copy(), C.indptr.copy()), shape=C.shape)
    M.eliminate_zeros()
    return M


def check_ppmi(fn: Callable, n_cases: int = 50, seed: int = 0) -> bool:
    """Check a reader's ``fn(C, alpha) -> M`` (dense PPMI of a dense (V, V) count matrix ``C``,
    context-distribution smoothing ``alpha``, equation (eq-ch05-ppmi)) against :func:`ppmi` on
    random count matrices (V from 2 to 8, many zero cells, no empty row or column; alpha 1,
    0.75 or random in (0, 1]). Prints the first case that differs (or that all agree) and
    returns True when all ``n_cases`` agree to 1e-9."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(C, alpha), got {describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        V = int(rng.integers(2, 9))
        C = rng.poisson(rng.uniform(0.3, 3.0), size=(V, V)).astype(np.float64)   # (V, V)
        C[np.arange(V), rng.permutation(V)] += 1     # every row and column has a count
        alpha = float(rng.choice([1.0, 0.75, rng.uniform(0.1, 1.0)]))
        want = ppmi(sp.csr_matrix(C), alpha=alpha).toarray()
        with np.errstate(divide="ignore", invalid="ignore"):
            got = fn(C.copy(), alpha)
        got = np.asarray(got.toarray() if sp.issparse(got) else got, dtype=float)
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-9, rtol=0):
            print(f"case {k}: alpha={alpha:.3f}, C=\n{C.astype(int)}\n  expected\n"
                  f"{np.round(want, 4)}\n  got\n{np.round(got, 4)}")
            return False
    print(f"all {n_cases} cases agree with helpers.embeddings.ppmi")
    return True


def _check_matrix(name: str, M):
    """A 2-d numeric matrix, sparse or dense, with finite entries (dense becomes an ndarray)."""
    if sp.issparse(M):
        if M.ndim != 2:
            raise ValueError(f"{name} must be a 2-d matrix, got shape {M.shape}")
        if not np.issubdtype(M.dtype, np.number):
            raise TypeError(f"{name} must hold numbers, got dtype {M.dtype}")
        if not np.isfinite(M.data).all():
            raise ValueError(f"{name} must hold finite values, got NaN or infinity")
    else:
        M = check_array(name, M, ndim=2, finite=True)
    if min(M.shape) < 1:
        raise ValueError(f"{name} must not be empty, got shape {M.shape}")
    return M


def randomized_svd(M, k: int, rng: np.random.Generator, n_oversample: int = 10,
                   n_iter: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-``k`` singular triplets of ``M`` (V x V', sparse or dense) by randomised range finding
    (Halko, Martinsson & Tropp 2011) with ``n_iter`` power iterations.

    Returns ``U`` (V, k), ``s`` (k,), ``Vt`` (k, V'), with ``s`` falling."""
    M = _check_matrix("M", M)
    m, n = M.shape
    k = check_int("k", k, low=1, high=min(m, n))
    rng = check_rng("rng", rng)
    n_oversample = check_int("n_oversample", n_oversample, low=0)
    n_iter = check_int("n_iter", n_iter, low=0)
    ell = min(k + n_oversample, min(m, n))
    dtype = np.float32 if M.dtype == np.float32 else np.float64
    Mt = M.T.tocsr() if sp.issparse(M) else M.T
    Q = M @ rng.standard_normal((n, ell), dtype=dtype)   # (m, ell)
    Q, _ = np.linalg.qr(Q)
    for _ in range(n_iter):
        Z, _ = np.linalg.qr(Mt @ Q)                  # (n, ell)
        Q, _ = np.linalg.qr(M @ Z)                   # (m, ell)
    B = np.asarray((Mt @ Q).T)                       # (ell, n) = Q^T M
    Ub, s, Vt = np.linalg.svd(B, full_matrices=False)
    U = Q @ Ub
    return U[:, :k], s[:k], Vt[:k]


def svd_embeddings(M, dim: int = 100, eig: float = 0.5, seed: int = 0,
                   n_iter: int = 2, dtype=np.float32) -> np.ndarray:
    """LSA word vectors ``W = U_d S_d^eig`` of a (PPMI) matrix ``M``; shape (V, dim), float32.

    ``eig = 0.5`` is Levy et al.'s symmetric weighting; ``eig = 1`` is classic LSA. The SVD
    runs in ``dtype`` (float32 halves the memory traffic of the sparse products)."""
    M = _check_matrix("M", M)
    dim = check_int("dim", dim, low=1)
    if dim > min(M.shape):
        raise ValueError(f"dim must not exceed the vocabulary size {min(M.shape)}, got {dim}")
    eig = check_number("eig", eig)
    seed = check_int("seed", seed, low=0)
    n_iter = check_int("n_iter", n_iter, low=0)
    try:
        dtype = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, got {describe(dtype)}") from err
    check_choice("dtype", dtype, (np.dtype(np.float32), np.dtype(np.float64)))
    U, s, _ = randomized_svd(M.astype(dtype), dim, np.random.default_rng(seed), n_iter=n_iter)
    return (U * s ** eig).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Predictive: skip-gram with negative sampling
# ---------------------------------------------------------------------------------------------

def _check_counts(name: str, counts) -> np.ndarray:
    """Word counts: a non-empty 1-d array of finite numbers >= 0 with a positive sum, float64."""
    counts = check_array(name, counts, ndim=1, finite=True, min_size=1).astype(np.float64)
    if (counts < 0).any():
        raise ValueError(f"{name} must be >= 0, got a minimum of {counts.min()}")
    if counts.sum() <= 0:
        raise ValueError(f"{name} must have a positive sum, got all zeros")
    return counts


def keep_probabilities(counts: np.ndarray, sample: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of a word (word2vec's subsampling); shape (V,).

    ``keep(w) = (sqrt(f / (sample * N)) + 1) * sample * N / f`` with ``f`` the word's count and
    ``N`` the total, clipped to 1 (the word2vec C code and gensim; Mikolov et al. 2013b write the
    discard probability as ``1 - sqrt(t / freq)``). ``sample = 0`` keeps everything; a word of
    count 0 has nothing to drop (keep 1)."""
    counts = _check_counts("counts", counts)
    sample = check_number("sample", sample, low=0)
    if sample == 0:
        return np.ones_like(counts)
    t = sample * counts.sum()
    f = np.where(counts > 0, counts, 1.0)
    return np.where(counts > 0, np.minimum((np.sqrt(f / t) + 1.0) * t / f, 1.0), 1.0)


def subsample(stream: TokenStream, keep: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Drop each token independently with probability ``1 - keep[id]``; returns (ids, sent).

    ``keep``: keep probability per word, shape (V,), from :func:`keep_probabilities`."""
    _check_stream("stream", stream)
    keep = check_array("keep", keep, shape=(stream.V,), finite=True).astype(np.float64)
    if ((keep < 0) | (keep > 1)).any():
        raise ValueError("keep must hold probabilities in [0, 1], got values outside")
    rng = check_rng("rng", rng)
    mask = rng.random(len(stream.ids)) < keep[stream.ids]
    return stream.ids[mask], stream.sent[mask]


def _window_positions(ids: np.ndarray, sent: np.ndarray, window: int,
                      rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """(center position, context position) of every dynamic-window pair, each shape (P,);
    the positions behind :func:`skipgram_pairs` (pairs) and :func:`train_cbow` (bags)."""
    ids, sent = _check_ids_sent(ids, sent)
    window = _check_window(window)
    if rng is not None:
        rng = check_rng("rng", rng)
    n = len(ids)
    b = np.full(n, window) if rng is None else rng.integers(1, window + 1, size=n)
    pos = np.arange(n)
    centers = [np.zeros(0, dtype=np.int64)]
    contexts = [np.zeros(0, dtype=np.int64)]
    for d in range(1, min(window, _longest_sentence(sent) - 1) + 1):
        same = sent[:-d] == sent[d:]
        left = same & (b[:-d] >= d)     # center i, context i + d
        right = same & (b[d:] >= d)     # center i + d, context i
        centers += [pos[:-d][left], pos[d:][right]]
        contexts += [pos[d:][left], pos[:-d][right]]
    return np.concatenate(centers), np.concatenate(contexts)


def skipgram_pairs(ids: np.ndarray, sent: np.ndarray, window: int,
                   rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """All (center, context) id pairs of a token array, vectorised; each shape (P,).

    Every token draws its effective window ``b`` uniformly from 1..window (word2vec's dynamic
    window; ``rng=None`` uses the full window) and pairs with the tokens at distance <= b on
    either side in the same sentence. ``ids``, ``sent``: shape (N,), as in :class:`TokenStream`.
    A window longer than the longest sentence gives the pairs of one that just spans it."""
    ids, sent = _check_ids_sent(ids, sent)
    c, o = _window_positions(ids, sent, window, rng)
    return ids[c], ids[o]


class NoiseSampler:
    """Draws negative words from the unigram distribution raised to ``power`` (0.75).

    ``probs``: the exact noise distribution, shape (V,). Like word2vec, sampling reads a table
    of ``table_size`` word ids in which word ``w`` fills ``round(probs[w] * table_size)``
    slots (at least one), at uniformly random positions from a seeded ``torch.Generator``;
    ``table_probs`` is the distribution this realises (within 1 / table_size of ``probs``)."""

    def __init__(self, counts: np.ndarray, power: float = 0.75, seed: int = 0,
                 table_size: int = 10_000_000):
        counts = _check_counts("counts", counts)
        power = check_number("power", power, low=0)
        seed = check_int("seed", seed, low=0)
        table_size = check_int("table_size", table_size, low=len(counts), high=10**9)
        p = counts ** power
        self.probs = p / p.sum()
        slots = np.maximum(np.round(self.probs * table_size).astype(np.int64), counts > 0)
        self.table_probs = slots / slots.sum()
        self.table = torch.from_numpy(np.repeat(np.arange(len(counts), dtype=np.int64), slots))
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self, shape: tuple[int, ...]) -> torch.Tensor:
        """int64 tensor of word ids of the given shape (a tuple of sizes >= 0)."""
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (shape,)
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"shape must be a tuple of sizes, got {describe(shape)}")
        shape = tuple(check_int("shape", n, low=0) for n in shape)
        pos = torch.randint(0, len(self.table), shape, generator=self.generator)
        return self.table[pos]


def sgns_loss_and_grads(v: torch.Tensor, u: torch.Tensor, with_loss: bool = True):
    """Negative-sampling loss of a batch and its gradient, by hand.

    ``v``: center vectors, shape (B, d). ``u``: context vectors, shape (B, 1 + k, d); column 0 is
    the observed context, columns 1..k the negatives. With scores ``s = u . v``:

        L = -sum_b [ log sigma(s_b0) + sum_j log sigma(-s_bj) ]
        dL/ds_b0 = sigma(s_b0) - 1,  dL/ds_bj = sigma(s_bj)
        dL/dv_b = sum_j dL/ds_bj u_bj,  dL/du_bj = dL/ds_bj v_b

    Returns ``(L, grad_v (B, d), grad_u (B, 1 + k, d))``; ``L`` is ``None`` if not
    ``with_loss`` (training skips it between logged steps). The shapes are checked; values are
    not (NaN propagates as in torch; :func:`train_sgns` checks the loss and the vectors)."""
    for name, t, nd in (("v", v, 2), ("u", u, 3)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {describe(t)}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got dtype {t.dtype}")
        if t.dim() != nd:
            raise ValueError(f"{name} must have {nd} dimensions, got shape {tuple(t.shape)}")
    B, d = v.shape
    if u.shape[0] != B or u.shape[2] != d or u.shape[1] < 1:
        raise ValueError(f"u must have shape (B, 1 + k, d) = ({B}, 1 + k, {d}), "
                         f"got {tuple(u.shape)}")
    if u.dtype != v.dtype:
        raise TypeError(f"u must have the dtype of v ({v.dtype}), got {u.dtype}")
    with_loss = check_bool("with_loss", with_loss)
    s = (u * v.unsqueeze(1)).sum(2)                       # (B, 1+k); faster than bmm here
    g = torch.sigmoid(s)
    loss = None
    if with_loss:
        loss = -(torch.nn.functional.logsigmoid(s[:, 0]).sum()
                 + torch.nn.functional.logsigmoid(-s[:, 1:]).sum())
    g[:, 0] -= 1.0                                        # dL/ds
    grad_v = torch.bmm(g.unsqueeze(1), u).squeeze(1)      # (B, d)
    grad_u = g.unsqueeze(2) * v.unsqueeze(1)              # (B, 1+k, d)
    return loss, grad_v, grad_u


def cbow_loss_and_grads(v: torch.Tensor, bag: torch.Tensor, u: torch.Tensor,
                        with_loss: bool = True):
    """CBOW negative-sampling loss of a batch and its gradient, by hand.

    ``v``: the context-word vectors of all examples, flat, shape (P, d); ``bag``: int64 (P,),
    the example (0..B-1) each row of ``v`` belongs to, every example with at least one;
    ``u``: (B, 1 + k, d), column 0 the center word's output vector, 1..k the negatives. Each
    example's input is the mean of its context vectors, h_b = mean_{bag = b} v, scored like
    skip-gram's center vector, so with n_b the size of bag b:

        L, dL/dh, dL/du = sgns_loss_and_grads(h, u),   dL/dv_p = dL/dh_{bag_p} / n_{bag_p}

    Returns ``(L, grad_v (P, d), grad_u (B, 1 + k, d))``."""
    if not isinstance(v, torch.Tensor) or not v.is_floating_point() or v.dim() != 2:
        raise TypeError(f"v must be a floating-point torch.Tensor of shape (P, d), got "
                        f"{describe(v) if not isinstance(v, torch.Tensor) else tuple(v.shape)}")
    if not isinstance(bag, torch.Tensor) or bag.dtype != torch.int64 or bag.dim() != 1:
        raise TypeError(f"bag must be an int64 torch.Tensor of shape (P,), got "
                        f"{describe(bag) if not isinstance(bag, torch.Tensor) else bag.dtype}")
    if not isinstance(u, torch.Tensor) or u.dim() != 3:
        raise TypeError(f"u must be a torch.Tensor of shape (B, 1 + k, d), got {describe(u)}")
    if len(bag) != len(v):
        raise ValueError(f"bag must have one entry per row of v ({len(v)}), got {len(bag)}")
    B = u.shape[0]
    n = torch.bincount(bag, minlength=B) if len(bag) else torch.zeros(B, dtype=torch.int64)
    if len(bag) and (int(bag.min()) < 0 or int(bag.max()) >= B):
        raise ValueError(f"bag must hold example indices in 0..{B - 1}, got values outside")
    if len(n) != B or (n == 0).any():
        raise ValueError("bag must give every example of u at least one context vector")
    n = n.to(v.dtype)[:, None]                                         # (B, 1)
    h = torch.zeros(B, v.shape[1], dtype=v.dtype).index_add_(0, bag, v) / n   # (B, d)
    loss, grad_h, grad_u = sgns_loss_and_grads(h, u, with_loss=with_loss)
    return loss, (grad_h / n)[bag], grad_u                            # (P, d) via the bags


@dataclasses.dataclass
class SGNSResult:
    """Trained SGNS vectors and the run's record.

    ``W_in`` (V, d): word (center) vectors; ``W_out`` (V, d): context vectors;
    ``loss`` per logged step (mean per pair); ``seconds`` of training (pair generation included);
    ``words_per_second`` = raw corpus tokens x epochs / seconds (gensim's convention)."""

    W_in: np.ndarray
    W_out: np.ndarray
    loss: list
    seconds: float
    words_per_second: float
    pairs: int


def _train_negative_sampling(arch: str, stream: TokenStream, dim: int, window: int,
                             negative: int, sample: float, epochs: int, lr: float,
                             min_lr: float, batch_size: int, seed: int, threads: int | None,
                             progress: bool, log_every: int) -> SGNSResult:
    """The machinery skip-gram and CBOW share: argument checks, word2vec's initialisation,
    subsampling, dynamic windows, unigram^0.75 noise, the linear learning rate, batched SGD
    with ``scatter_add_`` and the divergence checks. ``arch`` chooses what one example is:
    ``"skipgram"`` a (center, context) pair, the center's vector predicting the context word;
    ``"cbow"`` one center position, the mean of its context words' vectors predicting it."""
    name = f"train_{'sgns' if arch == 'skipgram' else arch}"
    _check_stream("stream", stream)
    if len(stream) == 0:
        raise ValueError("stream is empty: no tokens to train on")
    window = _check_window(window)
    dim = check_int("dim", dim, low=1)
    if dim > stream.V:
        raise ValueError(f"dim must not exceed the vocabulary size {stream.V}, got {dim}")
    negative = check_int("negative", negative, low=1, high=stream.V)
    sample = check_number("sample", sample, low=0)
    epochs = check_int("epochs", epochs, low=1)
    lr = check_number("lr", lr, low=0, low_open=True)
    min_lr = check_number("min_lr", min_lr, low=0, high=lr)
    batch_size = check_int("batch_size", batch_size, low=1)
    seed = check_int("seed", seed, low=0)
    if threads is not None:
        threads = check_int("threads", threads, low=1)
    progress = check_bool("progress", progress)
    log_every = check_int("log_every", log_every, low=1)
    from tqdm.auto import tqdm

    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    sampler = NoiseSampler(stream.counts, 0.75, seed=seed + 1)
    keep = keep_probabilities(stream.counts, sample)
    V, d = stream.V, dim
    W_in = (torch.rand(V, d, generator=gen) - 0.5) / d
    W_out = torch.zeros(V, d)
    # expected number of examples, for the linear learning-rate schedule
    est_tokens = keep[stream.ids].sum()
    est = max(1.0, est_tokens * ((window + 1) if arch == "skipgram" else 1) * epochs)
    done, losses, n_examples = 0, [], 0
    t0 = time.perf_counter()
    bar = tqdm(total=epochs, desc=f"{arch} epochs", disable=not progress, leave=False)
    try:
        for epoch in range(epochs):
            ids, sent = subsample(stream, keep, rng)
            if arch == "skipgram":
                c, o = skipgram_pairs(ids, sent, window, rng)
                perm = torch.from_numpy(rng.permutation(len(c)))
                inputs, targets = torch.from_numpy(c)[perm], torch.from_numpy(o)[perm]
            else:
                cpos, opos = _window_positions(ids, sent, window, rng)
                order = np.argsort(cpos, kind="stable")                   # pairs by center
                cpos, ctx_ids = cpos[order], torch.from_numpy(ids[opos[order]])
                centers, first, n_ctx = np.unique(cpos, return_index=True, return_counts=True)
                perm = rng.permutation(len(centers))
                targets = torch.from_numpy(ids[centers][perm])            # (E,) center words
                first, n_ctx = first[perm], n_ctx[perm]
            n = len(targets)
            n_examples += n
            negs = sampler.sample((n, negative))                          # (E, k) for the epoch
            for step, start in enumerate(range(0, n, batch_size)):
                stop = start + batch_size
                ctx = torch.cat([targets[start:stop, None], negs[start:stop]], 1)  # (B, 1+k)
                B = len(ctx)
                alpha = max(min_lr, lr * (1.0 - done / est))
                log = step % log_every == 0
                u = W_out.index_select(0, ctx.reshape(-1)).reshape(B, negative + 1, d)
                if arch == "skipgram":
                    rows = inputs[start:stop]                                  # (B,)
                    loss, grad_v, grad_u = sgns_loss_and_grads(
                        W_in.index_select(0, rows), u, with_loss=log)
                else:
                    nb = n_ctx[start:stop]
                    bag_np = np.repeat(np.arange(B), nb)                       # (P_b,)
                    within = np.arange(len(bag_np)) - np.repeat(np.cumsum(nb) - nb, nb)
                    rows = ctx_ids[np.repeat(first[start:stop], nb) + within]  # (P_b,)
                    loss, grad_v, grad_u = cbow_loss_and_grads(
                        W_in.index_select(0, rows), torch.from_numpy(bag_np), u, with_loss=log)
                    # word2vec's update: every context vector gets the whole dL/dh, not the
                    # 1/n_b share of the exact gradient (as word2vec.c and gensim do)
                    grad_v.mul_(torch.from_numpy(np.repeat(nb, nb)).to(grad_v.dtype)[:, None])
                # W[i] -= alpha * grad for every row i of the batch; repeated rows add up.
                # scatter_add_ is the same sum as index_add_ and ~2.5x faster on CPU here.
                flat = ctx.reshape(-1, 1)                                   # (B(1+k), 1)
                W_in.scatter_add_(0, rows[:, None].expand(-1, d), grad_v.mul_(-alpha))
                W_out.scatter_add_(0, flat.expand(-1, d), grad_u.reshape(-1, d).mul_(-alpha))
                done += B
                if log:
                    losses.append(float(loss) / B)
                    if not math.isfinite(losses[-1]):
                        raise FloatingPointError(
                            f"{name} diverged: the loss is {losses[-1]} at epoch {epoch + 1}, "
                            f"step {step}; lower the learning rate lr (got {lr:g})")
            if not (torch.isfinite(W_in).all() and torch.isfinite(W_out).all()):
                raise FloatingPointError(
                    f"{name} diverged: the vectors hold NaN or infinity after epoch "
                    f"{epoch + 1}; lower the learning rate lr (got {lr:g})")
            bar.update(1)
    finally:
        bar.close()
        torch.set_num_threads(old_threads)
    seconds = time.perf_counter() - t0
    return SGNSResult(W_in=W_in.numpy(), W_out=W_out.numpy(), loss=losses, seconds=seconds,
                      words_per_second=len(stream) * epochs / seconds, pairs=n_examples)


def train_sgns(stream: TokenStream, dim: int = 100, window: int = 5, negative: int = 5,
               sample: float = 1e-3, epochs: int = 5, lr: float = 0.025, min_lr: float = 1e-4,
               batch_size: int = 512, seed: int = 0, threads: int | None = None,
               progress: bool = True, log_every: int = 50) -> SGNSResult:
    """Skip-gram with negative sampling trained by batched SGD with a linearly decaying rate.

    Each epoch: subsample frequent words, form dynamic-window (center, context) pairs,
    shuffle them, and for each batch of ``batch_size`` pairs draw ``negative`` noise words per
    pair from unigram^0.75 and apply the hand-written gradient of :func:`sgns_loss_and_grads`
    with ``scatter_add_`` (repeated rows add up, as in the sequential algorithm). Initialisation
    as word2vec: ``W_in ~ U(-0.5/d, 0.5/d)``, ``W_out = 0``.

    Divergence stops training: a non-finite logged loss, or non-finite vectors at the end of an
    epoch, raise ``FloatingPointError`` naming the learning rate ``lr`` (too large a rate is
    the usual cause). The machinery is shared with :func:`train_cbow`."""
    return _train_negative_sampling("skipgram", stream, dim, window, negative, sample, epochs,
                                    lr, min_lr, batch_size, seed, threads, progress, log_every)


def train_cbow(stream: TokenStream, dim: int = 100, window: int = 5, negative: int = 5,
               sample: float = 1e-3, epochs: int = 5, lr: float = 0.05, min_lr: float = 1e-4,
               batch_size: int = 512, seed: int = 0, threads: int | None = None,
               progress: bool = True, log_every: int = 50) -> SGNSResult:
    """Continuous bag of words (Mikolov et al. 2013a) with negative sampling: the mean of the
    context words' vectors (``W_in`` rows, dynamic window) predicts the center word (``W_out``
    row) against ``negative`` noise words, by :func:`cbow_loss_and_grads`. Everything else
    (subsampling, noise, learning-rate schedule, batches, checks) is :func:`train_sgns`'s;
    one example per center token, so ``pairs`` in the result counts examples. The default
    rate 0.05 is word2vec's for CBOW. As in word2vec's C code and gensim, every context vector
    is moved by the whole gradient with respect to the mean h, n_b times its exact share
    (:func:`cbow_loss_and_grads` returns the exact gradient): a larger step for the input
    vectors, without which they learn several times slower than the output vectors."""
    return _train_negative_sampling("cbow", stream, dim, window, negative, sample, epochs,
                                    lr, min_lr, batch_size, seed, threads, progress, log_every)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

class Embeddings:
    """Word vectors with lookup by word: ``words`` (V,) and ``W`` (V, d).

    Unknown words raise ``KeyError`` naming the word and suggesting close spellings."""

    def __init__(self, words: Sequence[str], W: np.ndarray):
        words = _check_words("words", words)
        if not words:
            raise ValueError("words must not be empty")
        W = check_array("W", W, ndim=2, finite=True)
        if W.shape[0] != len(words) or W.shape[1] < 1:
            raise ValueError(f"W must have shape (len(words), d) = ({len(words)}, d >= 1), "
                             f"got {W.shape}")
        self.words = words
        self.W = W.astype(np.float32)
        W = self.W
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("words must be distinct")
        norms = np.linalg.norm(W, axis=1, keepdims=True)
        self.W_hat = W / np.where(norms > 0, norms, 1.0)     # unit rows, (V, d)

    @classmethod
    def from_keyed_vectors(cls, kv) -> "Embeddings":
        """The vectors of a gensim ``KeyedVectors`` (``kv.index_to_key``, ``kv.vectors``)."""
        if not (hasattr(kv, "index_to_key") and hasattr(kv, "vectors")):
            raise TypeError(f"kv must be a gensim KeyedVectors, got {describe(kv)}")
        return cls(list(kv.index_to_key), kv.vectors)

    def to_keyed_vectors(self):
        """The same vectors as a gensim ``KeyedVectors``."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.W.shape[1])
        kv.add_vectors(list(self.words), self.W)
        return kv

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def id(self, word: str) -> int:
        """Row of ``word``; ``KeyError`` with spelling suggestions if it is unknown."""
        _check_word("word", word)
        try:
            return self.index[word]
        except KeyError:
            raise _unknown_word(word, self.words) from None

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``, shape (d,)."""
        return self.W[self.id(word)]

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        _check_word("w1", w1)
        _check_word("w2", w2)
        return float(self.W_hat[self.id(w1)] @ self.W_hat[self.id(w2)])

    def nearest(self, query, k: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words of highest cosine with ``query`` (a word or a vector), best first;
        a query word and the words in ``exclude`` are left out. A vector query has shape (d,),
        finite; the zero vector has no direction and is refused. Fewer than ``k`` words come
        back only if fewer remain."""
        d = self.W.shape[1]
        if isinstance(query, str):
            q, skip = self.W_hat[self.id(query)], {self.id(query)}
        else:
            if isinstance(query, (bytes, bool)) or query is None:
                raise TypeError(f"query must be a word (str) or a vector of shape ({d},), "
                                f"got {describe(query)}")
            q = check_array("query", query, shape=(d,), finite=True).astype(np.float32)
            norm = np.linalg.norm(q)
            if norm == 0:
                raise ValueError("query must be a non-zero vector (the zero vector has no "
                                 "cosine with anything)")
            q = q / norm
            skip = set()
        k = check_int("k", k, low=1)
        skip |= {self.id(w) for w in _check_words("exclude", exclude)}
        sims = self.W_hat @ q
        order = np.argsort(-sims, kind="stable")
        return [(self.words[i], float(sims[i])) for i in order[: k + len(skip)]
                if i not in skip][:k]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """3CosAdd: words x maximising cos(x, b) - cos(x, a) + cos(x, c) ("a is to b as c is to
        x", e.g. man : king :: woman : queen), leaving out a, b and c."""
        for name, w in (("a", a), ("b", b), ("c", c)):
            _check_word(name, w)
        k = check_int("k", k, low=1)
        q = self.W_hat[self.id(b)] - self.W_hat[self.id(a)] + self.W_hat[self.id(c)]
        return self.nearest(q, k, exclude=(a, b, c))


def load_word_pairs(name_or_path: str) -> list[tuple[str, str, float]]:
    """Word pairs and human scores: ``"wordsim353"``, ``"simlex999"`` (gensim's test data) or
    a tab-separated file path (word, word, score). Comment lines (``#``) are skipped; words
    lower-cased. A missing file raises ``FileNotFoundError``; a malformed line ``ValueError``
    naming the file and line."""
    import os

    from gensim.test.utils import datapath

    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be 'wordsim353', 'simlex999' or a file path, got "
                        f"{describe(name_or_path)}")
    path = {"wordsim353": datapath("wordsim353.tsv"),
            "simlex999": datapath("simlex999.txt")}.get(name_or_path, name_or_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"name_or_path: no such word-pair file {str(path)!r} (the "
                                f"built-in sets are 'wordsim353' and 'simlex999')")
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            try:
                a, b, s = parts[0], parts[1], float(parts[2])
            except (IndexError, ValueError):
                raise ValueError(f"name_or_path: line {n} of {str(path)!r} is not "
                                 f"'word<TAB>word<TAB>score': {line.strip()[:60]!r}") from None
            if not math.isfinite(s):
                raise ValueError(f"name_or_path: line {n} of {str(path)!r} has a non-finite "
                                 f"score {s}")
            out.append((a.lower(), b.lower(), s))
    if not out:
        raise ValueError(f"name_or_path: {str(path)!r} holds no word pairs")
    return out


def load_analogies(path: str | None = None) -> list[tuple[str, tuple[str, str, str, str]]]:
    """The Google analogy questions (gensim's ``questions-words.txt``) as
    ``(section, (a, b, c, d))`` with words lower-cased: a is to b as c is to d. ``path``: another
    file in the same format (``: section`` lines, then four words a line)."""
    import os

    from gensim.test.utils import datapath

    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path or None, got {describe(path)}")
    path = datapath("questions-words.txt") if path is None else path
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path: no such analogy file {str(path)!r}")
    out, section = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            parts = line.lower().split()
            if len(parts) == 4:
                out.append((section, tuple(parts)))
    if not out:
        raise ValueError(f"path: {str(path)!r} holds no analogy questions (four words a line)")
    return out


@dataclasses.dataclass(frozen=True)
class PairScore:
    """Spearman's rho between cosine and human scores on the ``n`` covered pairs of ``total``."""

    spearman: float
    n: int
    total: int

    @property
    def coverage(self) -> float:
        return self.n / self.total


def _check_emb(name: str, emb) -> "Embeddings":
    if not isinstance(emb, Embeddings):
        raise TypeError(f"{name} must be an Embeddings, got {describe(emb)}")
    return emb


def _check_restrict(restrict) -> set | None:
    if restrict is None:
        return None
    return set(_check_words("restrict", restrict))


def evaluate_word_pairs(emb: Embeddings, pairs: Sequence[tuple[str, str, float]],
                        restrict: set | None = None) -> PairScore:
    """Spearman correlation of cosine similarity with human scores on the pairs whose words are
    both known (and, if ``restrict`` is given, both in it); out-of-vocabulary pairs are skipped
    and counted in the coverage, as gensim's ``evaluate_word_pairs`` does. With fewer than two
    covered pairs the correlation is undefined: ``spearman`` is NaN and ``n`` says why."""
    from scipy.stats import spearmanr

    _check_emb("emb", emb)
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, collections.abc.Sequence):
        raise TypeError(f"pairs must be a list of (word, word, score), got {describe(pairs)}")
    if len(pairs) == 0:
        raise ValueError("pairs is empty")
    for p in pairs:
        if not (isinstance(p, (tuple, list)) and len(p) == 3 and isinstance(p[0], str)
                and isinstance(p[1], str)):
            raise TypeError(f"pairs must hold (word, word, score) triples, got {describe(p)}")
        check_number("pairs (a score)", p[2])
    restrict = _check_restrict(restrict)
    ok = [(a, b, s) for a, b, s in pairs if a in emb.index and b in emb.index
          and (restrict is None or (a in restrict and b in restrict))]
    if len(ok) < 2:
        return PairScore(float("nan"), len(ok), len(pairs))
    ia = np.array([emb.index[a] for a, _, _ in ok])
    ib = np.array([emb.index[b] for _, b, _ in ok])
    cos = np.einsum("ij,ij->i", emb.W_hat[ia], emb.W_hat[ib])
    rho = spearmanr([s for _, _, s in ok], cos).statistic
    return PairScore(float(rho), len(ok), len(pairs))


@dataclasses.dataclass(frozen=True)
class AnalogyScore:
    """3CosAdd accuracy on the ``n`` covered questions of ``total``; ``sections`` maps each
    section to (correct, covered)."""

    accuracy: float
    n: int
    total: int
    sections: dict

    @property
    def coverage(self) -> float:
        return self.n / self.total


def evaluate_analogies(emb: Embeddings, questions, restrict: set | None = None,
                       batch: int = 512) -> AnalogyScore:
    """Accuracy of 3CosAdd over the questions whose four words are known (and in ``restrict``
    if given): the answer is the best word other than a, b, c — as gensim's
    ``evaluate_word_analogies`` scores it. Vectorised in batches of questions. With no covered
    question the accuracy is undefined: ``accuracy`` is NaN and ``n`` is 0."""
    _check_emb("emb", emb)
    if isinstance(questions, (str, bytes)) or not isinstance(questions,
                                                             collections.abc.Sequence):
        raise TypeError(f"questions must be a list of (section, (a, b, c, d)), "
                        f"got {describe(questions)}")
    if len(questions) == 0:
        raise ValueError("questions is empty")
    for q in questions:
        if not (isinstance(q, (tuple, list)) and len(q) == 2 and isinstance(q[1], (tuple, list))
                and len(q[1]) == 4 and all(isinstance(w, str) for w in q[1])):
            raise TypeError(f"questions must hold (section, (a, b, c, d)) with four words, "
                            f"got {describe(q)}")
    restrict = _check_restrict(restrict)
    batch = check_int("batch", batch, low=1)
    idx = emb.index
    ok = [(sec, q) for sec, q in questions if all(w in idx for w in q)
          and (restrict is None or all(w in restrict for w in q))]
    sections: dict = {}
    correct = 0
    if ok:
        Q = np.array([[idx[w] for w in q] for _, q in ok])       # (n, 4)
        W = emb.W_hat
        for s in range(0, len(Q), batch):
            a, b, c, d = Q[s:s + batch].T
            target = W[b] - W[a] + W[c]                           # (B, dim)
            scores = target @ W.T                                 # (B, V)
            rows = np.arange(len(a))
            scores[rows, a] = scores[rows, b] = scores[rows, c] = -np.inf
            hit = scores.argmax(1) == d
            correct += int(hit.sum())
            for (sec, _), h in zip(ok[s:s + batch], hit):
                got, n = sections.get(sec, (0, 0))
                sections[sec] = (got + int(h), n + 1)
    acc = correct / len(ok) if ok else float("nan")
    return AnalogyScore(acc, len(ok), len(questions), sections)


def load_pretrained(lowercase: bool = True) -> Embeddings:
    """The small real word2vec model shipped in ``wefe==1.0.1`` (13,013 words x 300 d, a subset of
    the GoogleNews vectors trained on ~100 billion words), read from the installed package's
    files without importing ``wefe``. ``lowercase=True`` keeps the words that are already
    lower-case ASCII (first occurrence), to match this book's lower-cased tokens."""
    import importlib.util
    import os

    from gensim.models import KeyedVectors

    lowercase = check_bool("lowercase", lowercase)
    spec = importlib.util.find_spec("wefe")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("package 'wefe' is not installed; install wefe==1.0.1 --no-deps")
    path = os.path.join(list(spec.submodule_search_locations)[0], "datasets", "data",
                        "test_model.kv")
    kv = KeyedVectors.load(path)
    if not lowercase:
        return Embeddings.from_keyed_vectors(kv)
    seen, words, rows = set(), [], []
    for i, w in enumerate(kv.index_to_key):
        if w == w.lower() and w.isascii() and w not in seen:
            seen.add(w)
            words.append(w)
            rows.append(i)
    return Embeddings(words, kv.vectors[rows])


# ---------------------------------------------------------------------------------------------
# The chapter's explorers
# ---------------------------------------------------------------------------------------------

EXPLORER_WORDS = ("king", "love", "war", "water", "horse", "music", "church", "gold")
EXPLORER_ANALOGIES = (("man", "king", "woman"), ("he", "his", "she"), ("good", "better", "bad"),
                      ("brother", "sister", "son"), ("go", "went", "come"),
                      ("day", "days", "year"))


def neighbourhood(emb: Embeddings, word: str, k: int = 10) -> dict:
    """A word, its ``k`` nearest neighbours and a 2-D view of them, for the explorer.

    Returns ``words`` (k + 1,) with ``word`` first, ``sims`` (k + 1,) cosines with ``word``, and
    ``xy`` (k + 1, 2): the unit vectors projected on their first two principal axes (signs fixed
    so that the largest coordinate on each axis is positive). Unknown word -> ``KeyError``."""
    _check_emb("emb", emb)
    _check_word("word", word)
    if len(emb) < 2:
        raise ValueError(f"emb must hold at least 2 words, got {len(emb)}")
    k = check_int("k", k, low=1, high=len(emb) - 1)
    near = emb.nearest(word, k)
    words = [word] + [w for w, _ in near]
    sims = np.array([1.0] + [s for _, s in near])
    X = emb.W_hat[[emb.index[w] for w in words]].astype(np.float64)   # (k+1, d)
    X = X - X.mean(0)
    U, s, _ = np.linalg.svd(X, full_matrices=False)
    xy = U[:, :2] * s[:2]                                                # (k+1, 2)
    xy *= np.sign(xy[np.abs(xy).argmax(0), [0, 1]])
    return {"words": words, "sims": sims, "xy": xy}


def _check_models(models) -> dict:
    """{name: Embeddings}, at least one, names ``str``."""
    if not isinstance(models, collections.abc.Mapping):
        raise TypeError(f"models must be a dict {{name: Embeddings}}, got {describe(models)}")
    if not models:
        raise ValueError("models must name at least one set of vectors, got an empty dict")
    for name, emb in models.items():
        if not isinstance(name, str):
            raise TypeError(f"models must have str names, got {describe(name)}")
        if not isinstance(emb, Embeddings):
            raise TypeError(f"models[{name!r}] must be an Embeddings, got {describe(emb)}")
    return dict(models)


def _unknown_in(models: dict, words) -> list[str]:
    """'word (model)' for every word some model does not know."""
    return [f"{w!r} ({name})" for w in words for name, emb in models.items() if w not in emb]


def _draw_neighbourhood(data, word, model):
    """Left: the neighbours' cosines with ``word``; right: the 2-D projection."""
    from helpers.plotting import PALETTE, label, new_figure

    fig, (ax1, ax2) = new_figure(1, 2, figsize=(8.0, 3.4), layout=None)
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.14, top=0.88, wspace=0.35)
    words_, sims = data["words"][1:], data["sims"][1:]
    y = np.arange(len(words_))[::-1]
    ax1.barh(y, sims, color=PALETTE["blue"])
    ax1.set_yticks(y, words_)
    ax1.set_xlim(min(0.0, float(np.min(sims))), 1)
    ax1.grid(axis="y", visible=False)
    label(ax1, "cosine with " + repr(word), "", f"{model}: nearest to '{word}'")
    xy = data["xy"]
    ax2.scatter(xy[1:, 0], xy[1:, 1], color=PALETTE["sky"], s=18)
    ax2.scatter(xy[:1, 0], xy[:1, 1], color=PALETTE["vermillion"], s=40)
    for (x, y_), w in zip(xy, data["words"]):
        ax2.annotate(w, (x, y_), fontsize=9, xytext=(3, 2), textcoords="offset points",
                     color=PALETTE["vermillion"] if w == word else "black")
    pad = 0.15 * (np.ptp(xy, axis=0) + 1e-9)
    ax2.set_xlim(xy[:, 0].min() - pad[0], xy[:, 0].max() + 3 * pad[0])
    ax2.set_ylim(xy[:, 1].min() - pad[1], xy[:, 1].max() + pad[1])
    label(ax2, "principal axis 1", "principal axis 2", "2-D projection")
    return fig


def neighbourhood_explorer(models: dict | None = None, words: Sequence[str] = EXPLORER_WORDS,
                           k: int = 10):
    """The chapter's neighbourhood explorer: choose a word and a set of vectors; the frame shows
    its ``k`` nearest neighbours by cosine and a 2-D view (:func:`neighbourhood`).

    ``models``: {name: Embeddings}, shown in this order, the first the default (``None``: only
    the pretrained vectors of :func:`load_pretrained`). ``words``: the word choices, each known
    to every model; the first is the default. Both controls are precomputed for the static page."""
    from helpers.widgets import Control, Explorer

    models = _check_models({"pretrained": load_pretrained()} if models is None else models)
    words = _check_words("words", words)
    if not words:
        raise ValueError("words must offer at least one word")
    if len(set(words)) != len(words):
        raise ValueError(f"words must be distinct, got {words}")
    if unknown := _unknown_in(models, words):
        raise ValueError(f"words must be known to every model; unknown: {', '.join(unknown)}")
    k = check_int("k", k, low=1, high=min(len(e) for e in models.values()) - 1)

    def compute(word, model):
        return neighbourhood(models[model], word, k)

    return Explorer(compute, _draw_neighbourhood,
                    [Control("word", words, words[0], "word"),
                     Control("model", tuple(models), next(iter(models)), "vectors")])


def _draw_analogy(top, question, model):
    """The ``k`` best 3CosAdd answers and their scores, the first highlighted."""
    from helpers.plotting import PALETTE, label, new_figure

    fig, ax = new_figure(figsize=(6.0, 2.8), layout=None)
    fig.subplots_adjust(left=0.2, right=0.97, bottom=0.17, top=0.86)
    y = np.arange(len(top))[::-1]
    scores = [s for _, s in top]
    ax.barh(y, scores, color=[PALETTE["green"]] + [PALETTE["sky"]] * (len(top) - 1))
    ax.set_yticks(y, [w for w, _ in top])
    ax.set_xlim(min([0.0] + scores), 1)
    ax.grid(axis="y", visible=False)
    label(ax, "cosine with b - a + c (unit vectors)", "", f"{model}: {question} : ?")
    return fig


def analogy_explorer(models: dict | None = None,
                     questions: Sequence[tuple[str, str, str]] = EXPLORER_ANALOGIES, k: int = 5):
    """The chapter's analogy explorer: the ``k`` best answers to *a* : *b* :: *c* : ? by
    3CosAdd (:meth:`Embeddings.analogy`) for a choice of questions and sets of vectors.

    ``models`` as in :func:`neighbourhood_explorer`; ``questions``: (a, b, c) triples whose
    words every model knows, the first the default. Both controls are precomputed."""
    from helpers.widgets import Control, Explorer

    models = _check_models({"pretrained": load_pretrained()} if models is None else models)
    if isinstance(questions, (str, bytes)) or not isinstance(questions,
                                                             collections.abc.Sequence):
        raise TypeError(f"questions must be a list of (a, b, c) word triples, "
                        f"got {describe(questions)}")
    if not questions:
        raise ValueError("questions must offer at least one (a, b, c) triple")
    for q in questions:
        if not (isinstance(q, (tuple, list)) and len(q) == 3
                and all(isinstance(w, str) for w in q)):
            raise TypeError(f"questions must hold (a, b, c) word triples, got {describe(q)}")
    if unknown := _unknown_in(models, sorted({w for q in questions for w in q})):
        raise ValueError(f"questions must use words known to every model; unknown: "
                         f"{', '.join(unknown)}")
    k = check_int("k", k, low=1, high=min(len(e) for e in models.values()) - 3)
    labels = {f"{a} : {b} :: {c}": (a, b, c) for a, b, c in questions}
    if len(labels) != len(questions):
        raise ValueError("questions must be distinct")

    def compute(question, model):
        return models[model].analogy(*labels[question], k=k)

    return Explorer(compute, _draw_analogy,
                    [Control("question", tuple(labels), next(iter(labels)), "question"),
                     Control("model", tuple(models), next(iter(models)), "vectors")])
