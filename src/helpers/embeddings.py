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
  unigram^0.75 noise (:class:`NoiseSampler`), dynamic windows (:func:`skipgram_pairs`).
* Evaluation on :class:`Embeddings`: cosine similarity, nearest neighbours, Spearman on
  word-pair sets with coverage (:func:`evaluate_word_pairs`), 3CosAdd analogy accuracy
  (:func:`evaluate_analogies`); both agree with gensim's ``KeyedVectors`` methods.

Randomness is always passed in (``seed`` / ``rng``); nothing happens on import.
"""
from __future__ import annotations

import collections
import dataclasses
import difflib
import math
import time
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
import torch

__all__ = [
    "TokenStream", "build_stream", "cooccurrence", "ppmi", "randomized_svd", "svd_embeddings",
    "keep_probabilities", "subsample", "skipgram_pairs", "NoiseSampler", "sgns_loss_and_grads",
    "SGNSResult", "train_sgns", "Embeddings", "load_word_pairs", "load_analogies",
    "evaluate_word_pairs", "evaluate_analogies", "PairScore", "AnalogyScore", "load_pretrained",
    "neighbourhood", "EXPLORER_WORDS", "EXPLORER_ANALOGIES",
]


def _unknown_word(word: str, known: Iterable[str]) -> KeyError:
    """A ``KeyError`` naming ``word`` and suggesting the nearest known spellings (difflib)."""
    close = difflib.get_close_matches(str(word), [str(w) for w in known], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(w) for w in close)}?" if close else \
        "; no known word is spelled like it"
    return KeyError(f"word {word!r} is not in the vocabulary{hint}")


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
        object.__setattr__(self, "index", {w: i for i, w in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def V(self) -> int:
        return len(self.words)

    def id(self, word: str) -> int:
        """Id of ``word``; ``KeyError`` with spelling suggestions if it is not in the vocabulary."""
        try:
            return self.index[word]
        except KeyError:
            raise _unknown_word(word, self.words) from None


def build_stream(sentences: Sequence[Sequence[str]], min_count: int = 5) -> TokenStream:
    """Vocabulary of the words seen at least ``min_count`` times and the corpus as id arrays.

    ``sentences``: list of token lists. Out-of-vocabulary tokens are dropped (as in gensim)."""
    if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences[:1]):
        raise ValueError("sentences must be a list of token lists, got a str")
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
    counter = collections.Counter()
    for s in sentences:
        counter.update(s)
    if not counter:
        raise ValueError("sentences is empty: the corpus has no tokens")
    words = sorted((w for w, c in counter.items() if c >= min_count), key=lambda w: (-counter[w], w))
    if len(words) < 2:
        raise ValueError(f"fewer than 2 words occur >= min_count={min_count} times; "
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


def _check_window(window) -> None:
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")


# ---------------------------------------------------------------------------------------------
# Count-based: co-occurrence -> PPMI -> truncated SVD
# ---------------------------------------------------------------------------------------------

def cooccurrence(stream: TokenStream, window: int = 5, dynamic: bool = False) -> sp.csr_matrix:
    """Symmetric word-context counts within ``window`` tokens either side; shape (V, V).

    ``C[w, c]`` counts (token of w, token of c) at distance 1..window in the same sentence.
    ``dynamic=True`` weights distance ``d`` by ``(window - d + 1) / window``: the expected weight
    of word2vec's dynamic window (its effective window is uniform on 1..window).
    """
    _check_window(window)
    if len(stream) == 0:
        raise ValueError("stream is empty: no tokens to count")
    ids, sent, V = stream.ids, stream.sent, stream.V
    N = len(ids)
    pos = np.arange(N)
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        p = pos[:-d][sent[:-d] == sent[d:]]       # positions with a partner d to the right
        wgt = (window - d + 1) / window if dynamic else 1.0
        rows += [p, p + d]
        cols += [ids[p + d], ids[p]]
        vals.append(np.full(2 * len(p), wgt))
    # K[t, c]: weight of context word c around token t, shape (N, V); A[w, t] = [ids[t] == w],
    # shape (V, N). Then C = A @ K sums each word's contexts (a sparse product, no sorting).
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
    if not sp.issparse(C) or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must be a square scipy.sparse matrix, got {type(C).__name__} "
                         f"{getattr(C, 'shape', None)}")
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must lie in (0, 1], got {alpha}")
    if shift <= 0:
        raise ValueError(f"shift must be > 0, got {shift}")
    C = sp.csr_matrix(C, dtype=np.float64)
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


def randomized_svd(M, k: int, rng: np.random.Generator, n_oversample: int = 10,
                   n_iter: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-``k`` singular triplets of ``M`` (V x V', sparse or dense) by randomised range finding
    (Halko, Martinsson & Tropp 2011) with ``n_iter`` power iterations.

    Returns ``U`` (V, k), ``s`` (k,), ``Vt`` (k, V'), with ``s`` falling."""
    m, n = M.shape
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= min(m, n):
        raise ValueError(f"k (the dimension) must be an integer in [1, {min(m, n)}] "
                         f"(the vocabulary size), got {k!r}")
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
    if not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    if dim > min(M.shape):
        raise ValueError(f"dim must not exceed the vocabulary size {min(M.shape)}, got {dim}")
    U, s, _ = randomized_svd(M.astype(dtype), dim, np.random.default_rng(seed), n_iter=n_iter)
    return (U * s ** eig).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Predictive: skip-gram with negative sampling
# ---------------------------------------------------------------------------------------------

def keep_probabilities(counts: np.ndarray, sample: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of a word (word2vec's subsampling); shape (V,).

    ``keep(w) = (sqrt(f / (sample * N)) + 1) * sample * N / f`` with ``f`` the word's count and
    ``N`` the total, clipped to 1 (the word2vec C code and gensim; Mikolov et al. 2013b write the
    discard probability as ``1 - sqrt(t / freq)``). ``sample = 0`` keeps everything."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample < 0:
        raise ValueError(f"sample must be >= 0, got {sample}")
    if sample == 0:
        return np.ones_like(counts)
    t = sample * counts.sum()
    return np.minimum((np.sqrt(counts / t) + 1.0) * t / counts, 1.0)


def subsample(stream: TokenStream, keep: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Drop each token independently with probability ``1 - keep[id]``; returns (ids, sent)."""
    mask = rng.random(len(stream.ids)) < keep[stream.ids]
    return stream.ids[mask], stream.sent[mask]


def skipgram_pairs(ids: np.ndarray, sent: np.ndarray, window: int,
                   rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """All (center, context) id pairs of a token array, vectorised; each shape (P,).

    Every token draws its effective window ``b`` uniformly from 1..window (word2vec's dynamic
    window; ``rng=None`` uses the full window) and pairs with the tokens at distance <= b on
    either side in the same sentence."""
    _check_window(window)
    n = len(ids)
    b = np.full(n, window) if rng is None else rng.integers(1, window + 1, size=n)
    centers, contexts = [], []
    for d in range(1, window + 1):
        if d >= n:
            break
        same = sent[:-d] == sent[d:]
        left = same & (b[:-d] >= d)     # center i, context i + d
        right = same & (b[d:] >= d)     # center i + d, context i
        centers += [ids[:-d][left], ids[d:][right]]
        contexts += [ids[d:][left], ids[:-d][right]]
    return np.concatenate(centers), np.concatenate(contexts)


class NoiseSampler:
    """Draws negative words from the unigram distribution raised to ``power`` (0.75).

    ``probs``: the exact noise distribution, shape (V,). Like word2vec, sampling reads a table
    of ``table_size`` word ids in which word ``w`` fills ``round(probs[w] * table_size)``
    slots (at least one), at uniformly random positions from a seeded ``torch.Generator``;
    ``table_probs`` is the distribution this realises (within 1 / table_size of ``probs``)."""

    def __init__(self, counts: np.ndarray, power: float = 0.75, seed: int = 0,
                 table_size: int = 10_000_000):
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 1 or len(counts) == 0 or (counts < 0).any() or counts.sum() <= 0:
            raise ValueError("counts must be a non-empty 1-d array of non-negative counts "
                             "with a positive sum")
        if not isinstance(table_size, (int, np.integer)) or table_size < len(counts):
            raise ValueError(f"table_size must be an integer >= the vocabulary size "
                             f"{len(counts)}, got {table_size!r}")
        p = counts ** power
        self.probs = p / p.sum()
        slots = np.maximum(np.round(self.probs * table_size).astype(np.int64), counts > 0)
        self.table_probs = slots / slots.sum()
        self.table = torch.from_numpy(np.repeat(np.arange(len(counts), dtype=np.int64), slots))
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self, shape: tuple[int, ...]) -> torch.Tensor:
        """int64 tensor of word ids of the given shape."""
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
    ``with_loss`` (training skips it between logged steps)."""
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


def train_sgns(stream: TokenStream, dim: int = 100, window: int = 5, negative: int = 5,
               sample: float = 1e-3, epochs: int = 5, lr: float = 0.025, min_lr: float = 1e-4,
               batch_size: int = 512, seed: int = 0, threads: int | None = None,
               progress: bool = True, log_every: int = 50) -> SGNSResult:
    """Skip-gram with negative sampling trained by batched SGD with a linearly decaying rate.

    Each epoch: subsample frequent words, form dynamic-window (center, context) pairs,
    shuffle them, and for each batch of ``batch_size`` pairs draw ``negative`` noise words per
    pair from unigram^0.75 and apply the hand-written gradient of :func:`sgns_loss_and_grads`
    with ``scatter_add_`` (repeated rows add up, as in the sequential algorithm). Initialisation
    as word2vec: ``W_in ~ U(-0.5/d, 0.5/d)``, ``W_out = 0``."""
    if len(stream) == 0:
        raise ValueError("stream is empty: no tokens to train on")
    _check_window(window)
    if not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    if dim > stream.V:
        raise ValueError(f"dim must not exceed the vocabulary size {stream.V}, got {dim}")
    for name, val in (("negative", negative), ("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {val!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
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
    # expected number of pairs, for the linear learning-rate schedule
    est_tokens = keep[stream.ids].sum()
    est_pairs = max(1.0, est_tokens * (window + 1) * epochs)
    done, losses, n_pairs = 0, [], 0
    t0 = time.perf_counter()
    bar = tqdm(total=epochs, desc="SGNS epochs", disable=not progress, leave=False)
    try:
        for _ in range(epochs):
            ids, sent = subsample(stream, keep, rng)
            c, o = skipgram_pairs(ids, sent, window, rng)
            perm = torch.from_numpy(rng.permutation(len(c)))
            c_t, o_t = torch.from_numpy(c)[perm], torch.from_numpy(o)[perm]
            n_pairs += len(c)
            negs = sampler.sample((len(c), negative))                  # (P, k) for the epoch
            for step, start in enumerate(range(0, len(c), batch_size)):
                stop = start + batch_size
                cb = c_t[start:stop]                                     # (B,)
                ctx = torch.cat([o_t[start:stop, None], negs[start:stop]], 1)  # (B, 1+k)
                alpha = max(min_lr, lr * (1.0 - done / est_pairs))
                log = step % log_every == 0
                loss, grad_v, grad_u = sgns_loss_and_grads(
                    W_in.index_select(0, cb),
                    W_out.index_select(0, ctx.reshape(-1)).reshape(len(cb), negative + 1, d),
                    with_loss=log)
                # W[i] -= alpha * grad for every row i of the batch; repeated rows add up.
                # scatter_add_ is the same sum as index_add_ and ~2.5x faster on CPU here.
                flat = ctx.reshape(-1, 1)                                   # (B(1+k), 1)
                W_in.scatter_add_(0, cb[:, None].expand(-1, d), grad_v.mul_(-alpha))
                W_out.scatter_add_(0, flat.expand(-1, d), grad_u.reshape(-1, d).mul_(-alpha))
                done += len(cb)
                if log:
                    losses.append(float(loss) / len(cb))
            bar.update(1)
    finally:
        bar.close()
        torch.set_num_threads(old_threads)
    seconds = time.perf_counter() - t0
    return SGNSResult(W_in=W_in.numpy(), W_out=W_out.numpy(), loss=losses, seconds=seconds,
                      words_per_second=len(stream) * epochs / seconds, pairs=n_pairs)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

class Embeddings:
    """Word vectors with lookup by word: ``words`` (V,) and ``W`` (V, d).

    Unknown words raise ``KeyError`` naming the word and suggesting close spellings."""

    def __init__(self, words: Sequence[str], W: np.ndarray):
        W = np.asarray(W, dtype=np.float32)
        if W.ndim != 2 or W.shape[0] != len(words):
            raise ValueError(f"W must have shape (len(words), d) = ({len(words)}, d), got {W.shape}")
        self.words = tuple(str(w) for w in words)
        self.W = W
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("words must be distinct")
        norms = np.linalg.norm(W, axis=1, keepdims=True)
        self.W_hat = W / np.where(norms > 0, norms, 1.0)     # unit rows, (V, d)

    @classmethod
    def from_keyed_vectors(cls, kv) -> "Embeddings":
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
        try:
            return self.index[word]
        except KeyError:
            raise _unknown_word(word, self.words) from None

    def vector(self, word: str) -> np.ndarray:
        return self.W[self.id(word)]

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        return float(self.W_hat[self.id(w1)] @ self.W_hat[self.id(w2)])

    def nearest(self, query, k: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words of highest cosine with ``query`` (a word or a vector), best first;
        a query word and the words in ``exclude`` are left out."""
        if isinstance(query, str):
            q, skip = self.W_hat[self.id(query)], {self.id(query)}
        else:
            q = np.asarray(query, dtype=np.float32)
            q = q / (np.linalg.norm(q) or 1.0)
            skip = set()
        skip |= {self.id(w) for w in exclude}
        sims = self.W_hat @ q
        order = np.argsort(-sims, kind="stable")
        return [(self.words[i], float(sims[i])) for i in order[: k + len(skip)]
                if i not in skip][:k]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """3CosAdd: words x maximising cos(x, b) - cos(x, a) + cos(x, c) ("a is to b as c is to
        x", e.g. man : king :: woman : queen), leaving out a, b and c."""
        q = self.W_hat[self.id(b)] - self.W_hat[self.id(a)] + self.W_hat[self.id(c)]
        return self.nearest(q, k, exclude=(a, b, c))


def load_word_pairs(name_or_path: str) -> list[tuple[str, str, float]]:
    """Word pairs and human scores: ``"wordsim353"``, ``"simlex999"`` (gensim's test data) or
    a tab-separated file path. Comment lines (``#``) are skipped; words lower-cased."""
    from gensim.test.utils import datapath

    path = {"wordsim353": datapath("wordsim353.tsv"),
            "simlex999": datapath("simlex999.txt")}.get(name_or_path, name_or_path)
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            a, b, s = line.rstrip("\n").split("\t")[:3]
            out.append((a.lower(), b.lower(), float(s)))
    return out


def load_analogies(path: str | None = None) -> list[tuple[str, tuple[str, str, str, str]]]:
    """The Google analogy questions (gensim's ``questions-words.txt``) as
    ``(section, (a, b, c, d))`` with words lower-cased: a is to b as c is to d."""
    from gensim.test.utils import datapath

    path = path or datapath("questions-words.txt")
    out, section = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            parts = line.lower().split()
            if len(parts) == 4:
                out.append((section, tuple(parts)))
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


def evaluate_word_pairs(emb: Embeddings, pairs: Sequence[tuple[str, str, float]],
                        restrict: set | None = None) -> PairScore:
    """Spearman correlation of cosine similarity with human scores on the pairs whose words are
    both known (and, if ``restrict`` is given, both in it); out-of-vocabulary pairs are skipped
    and counted in the coverage, as gensim's ``evaluate_word_pairs`` does."""
    from scipy.stats import spearmanr

    if len(pairs) == 0:
        raise ValueError("pairs is empty")
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
    ``evaluate_word_analogies`` scores it. Vectorised in batches of questions."""
    if len(questions) == 0:
        raise ValueError("questions is empty")
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
# The chapter's explorer
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
    if not isinstance(k, (int, np.integer)) or not 1 <= k < len(emb):
        raise ValueError(f"k must be an integer in [1, {len(emb) - 1}], got {k!r}")
    near = emb.nearest(word, k)
    words = [word] + [w for w, _ in near]
    sims = np.array([1.0] + [s for _, s in near])
    X = emb.W_hat[[emb.index[w] for w in words]].astype(np.float64)   # (k+1, d)
    X = X - X.mean(0)
    U, s, _ = np.linalg.svd(X, full_matrices=False)
    xy = U[:, :2] * s[:2]                                                # (k+1, 2)
    xy *= np.sign(xy[np.abs(xy).argmax(0), [0, 1]])
    return {"words": words, "sims": sims, "xy": xy}
