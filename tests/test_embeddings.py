"""Tests for helpers.embeddings: brute-force PPMI, the SGNS gradient by hand and by autograd,
the samplers' distributions, agreement with gensim's evaluations, and a table of bad inputs."""
from __future__ import annotations

import collections
import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy import stats

from helpers import embeddings as E

TINY = [
    "the cat sat on the mat".split(),
    "the dog sat on the log".split(),
    "a cat and a dog".split(),
    "the mat and the log".split(),
]


def brute_cooccurrence(sentences, words, window, dynamic):
    idx = {w: i for i, w in enumerate(words)}
    C = np.zeros((len(words), len(words)))
    for s in sentences:
        s = [t for t in s if t in idx]
        for i, w in enumerate(s):
            for j, c in enumerate(s):
                d = abs(i - j)
                if 1 <= d <= window:
                    C[idx[w], idx[c]] += (window - d + 1) / window if dynamic else 1.0
    return C


def brute_ppmi(C, alpha, shift=1.0):
    D = C.sum()
    n_c_alpha = C.sum(0) ** alpha
    out = np.zeros_like(C)
    for w in range(C.shape[0]):
        for c in range(C.shape[1]):
            if C[w, c] > 0:
                p_wc = C[w, c] / D
                p_w = C[w].sum() / D
                p_c = n_c_alpha[c] / n_c_alpha.sum()
                out[w, c] = max(math.log(p_wc / (p_w * p_c)) - math.log(shift), 0.0)
    return out


# ---------------------------------------------------------------------------------------------
# Count-based
# ---------------------------------------------------------------------------------------------

def test_build_stream_drops_rare_words_and_keeps_sentences():
    st = E.build_stream(TINY, min_count=2)
    assert st.words[:1] == ("the",) and "sat" in st.words and "a" in st.words
    assert "on" in st.words and "and" in st.words
    assert all(st.counts[i] >= 2 for i in range(st.V))
    # "cat" (2) kept, nothing seen once is kept; ids decode back to the filtered sentences
    kept = [[t for t in s if t in st.index] for s in TINY]
    assert [st.words[i] for i in st.ids] == [t for s in kept for t in s]
    assert list(st.sent) == [k for k, s in enumerate(kept) for _ in s]


@pytest.mark.parametrize("window", [1, 2, 3, 6])
@pytest.mark.parametrize("dynamic", [False, True])
def test_cooccurrence_equals_brute_force(window, dynamic):
    st = E.build_stream(TINY, min_count=1)
    C = E.cooccurrence(st, window, dynamic=dynamic)
    assert sp.issparse(C) and C.shape == (st.V, st.V)
    np.testing.assert_allclose(C.toarray(), brute_cooccurrence(TINY, st.words, window, dynamic))
    np.testing.assert_allclose(C.toarray(), C.toarray().T)  # symmetric window


@pytest.mark.parametrize("alpha,shift", [(0.75, 1.0), (1.0, 1.0), (0.5, 2.0)])
def test_ppmi_equals_brute_force(alpha, shift):
    st = E.build_stream(TINY, min_count=1)
    C = E.cooccurrence(st, 2)
    M = E.ppmi(C, alpha=alpha, shift=shift)
    np.testing.assert_allclose(M.toarray(), brute_ppmi(C.toarray(), alpha, shift), atol=1e-12)
    assert (M.data > 0).all()


def test_ppmi_known_value():
    # two words, counts [[0, 2], [2, 0]] -> P(w,c) = 1/2, P(w) = P_alpha(c) = 1/2 -> log 2
    C = sp.csr_matrix(np.array([[0.0, 2.0], [2.0, 0.0]]))
    np.testing.assert_allclose(E.ppmi(C).toarray(), [[0, math.log(2)], [math.log(2), 0]])


def test_randomized_svd_matches_numpy():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((60, 8)) @ np.diag([10, 8, 6, 5, 4, 3, 2, 1]) @ rng.standard_normal((8, 50))
    A += 0.01 * rng.standard_normal(A.shape)
    U, s, Vt = E.randomized_svd(sp.csr_matrix(A), 5, np.random.default_rng(1))
    s_ref = np.linalg.svd(A, compute_uv=False)[:5]
    np.testing.assert_allclose(s, s_ref, rtol=1e-6)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-10)
    # the rank-5 reconstruction is the best one (Eckart-Young): same error as numpy's
    Uf, sf, Vtf = np.linalg.svd(A, full_matrices=False)
    best = (Uf[:, :5] * sf[:5]) @ Vtf[:5]
    np.testing.assert_allclose(np.linalg.norm(A - (U * s) @ Vt), np.linalg.norm(A - best), rtol=1e-6)


def test_svd_embeddings_shape_and_weighting():
    st = E.build_stream(TINY, min_count=1)
    M = E.ppmi(E.cooccurrence(st, 2))
    W1 = E.svd_embeddings(M, 3, eig=1.0, seed=0)
    W0 = E.svd_embeddings(M, 3, eig=0.0, seed=0)
    assert W1.shape == (st.V, 3) and W1.dtype == np.float32
    # eig = 0 gives orthonormal columns; eig = 1 scales column j by the j-th singular value
    np.testing.assert_allclose(W0.T @ W0, np.eye(3), atol=1e-5)
    s = np.linalg.svd(M.toarray(), compute_uv=False)[:3]
    np.testing.assert_allclose(np.linalg.norm(W1, axis=0), s, rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# Skip-gram with negative sampling
# ---------------------------------------------------------------------------------------------

def test_sgns_loss_and_grads_by_hand():
    # d = 2, one observed context and one negative: s_o = u_o . v = 0.5, s_n = u_n . v = -1
    v = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    u = torch.tensor([[[0.5, 1.0], [-1.0, 2.0]]], dtype=torch.float64)
    loss, gv, gu = E.sgns_loss_and_grads(v, u)
    def sig(x):
        return 1 / (1 + math.exp(-x))
    assert float(loss) == pytest.approx(-math.log(sig(0.5)) - math.log(sig(1.0)), abs=1e-12)
    assert float(loss) == pytest.approx(0.787339, abs=1e-6)
    g0, g1 = sig(0.5) - 1, sig(-1.0)          # -0.377541, 0.268941
    np.testing.assert_allclose(gv.numpy(), [[g0 * 0.5 + g1 * -1.0, g0 * 1.0 + g1 * 2.0]], atol=1e-12)
    np.testing.assert_allclose(gv.numpy(), [[-0.457712, 0.160342]], atol=1e-6)
    np.testing.assert_allclose(gu.numpy(), [[[g0, 0.0], [g1, 0.0]]], atol=1e-12)


def test_sgns_grads_match_autograd():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(7, 4, generator=g, dtype=torch.float64, requires_grad=True)
    u = torch.randn(7, 6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    loss, gv, gu = E.sgns_loss_and_grads(v.detach(), u.detach())
    s = torch.einsum("bkd,bd->bk", u, v)
    ref = -(torch.nn.functional.logsigmoid(s[:, 0]).sum() + torch.nn.functional.logsigmoid(-s[:, 1:]).sum())
    ref.backward()
    assert float(loss) == pytest.approx(float(ref.detach()), rel=1e-12)
    torch.testing.assert_close(gv, v.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gu, u.grad, rtol=1e-10, atol=1e-12)
    assert E.sgns_loss_and_grads(v.detach(), u.detach(), with_loss=False)[0] is None


def test_noise_sampler_distribution_chi_square():
    counts = np.array([1000, 300, 100, 30, 10, 5, 1], dtype=float)
    sampler = E.NoiseSampler(counts, power=0.75, seed=123)
    p = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(sampler.probs, p)
    np.testing.assert_allclose(sampler.table_probs, p, atol=1e-6)
    draws = sampler.sample((200_000,)).numpy()
    observed = np.bincount(draws, minlength=len(counts))
    chi2, pval = stats.chisquare(observed, 200_000 * sampler.table_probs)
    assert pval > 1e-3, (chi2, pval)
    # and it is not the raw unigram distribution
    chi2_raw, p_raw = stats.chisquare(observed, 200_000 * counts / counts.sum())
    assert p_raw < 1e-10
    # same seed, same draws
    again = E.NoiseSampler(counts, seed=123).sample((200_000,)).numpy()
    np.testing.assert_array_equal(draws, again)


def test_keep_probabilities_formula():
    counts = np.array([10_000, 1_000, 10, 1])
    keep = E.keep_probabilities(counts, sample=1e-3)
    t = 1e-3 * counts.sum()
    assert keep[0] == pytest.approx((math.sqrt(10_000 / t) + 1) * t / 10_000)
    assert keep[0] < keep[1] < 1 and keep[2] == keep[3] == 1
    np.testing.assert_array_equal(E.keep_probabilities(counts, 0), 1)
    # subsampling keeps each token with its probability
    st = E.TokenStream(words=("a", "b"), counts=np.array([50_000, 50_000]),
                       ids=np.repeat([0, 1], 50_000), sent=np.zeros(100_000, dtype=np.int64))
    ids, _ = E.subsample(st, np.array([0.3, 1.0]), np.random.default_rng(0))
    assert (ids == 0).sum() / 50_000 == pytest.approx(0.3, abs=0.01) and (ids == 1).sum() == 50_000


def test_skipgram_pairs_full_window_equals_brute_force():
    st = E.build_stream(TINY, min_count=1)
    c, o = E.skipgram_pairs(st.ids, st.sent, 2, rng=None)
    got = collections.Counter(zip(c.tolist(), o.tolist()))
    C = brute_cooccurrence(TINY, st.words, 2, dynamic=False)
    want = collections.Counter({(i, j): int(C[i, j]) for i, j in zip(*np.nonzero(C))})
    assert got == want


def test_dynamic_window_matches_weighted_cooccurrence_on_average():
    # word2vec's random window b ~ U{1..w} gives distance d with weight (w - d + 1) / w
    st = E.build_stream(TINY, min_count=1)
    rng = np.random.default_rng(7)
    total = np.zeros((st.V, st.V))
    n = 3000
    for _ in range(n):
        c, o = E.skipgram_pairs(st.ids, st.sent, 3, rng)
        np.add.at(total, (c, o), 1)
    expected = E.cooccurrence(st, 3, dynamic=True).toarray()
    np.testing.assert_allclose(total / n, expected, atol=0.06)


def test_train_sgns_learns_shared_contexts_and_is_seeded():
    # "x" and "y" occur in the same contexts, "z" elsewhere
    rng = np.random.default_rng(0)
    sents = []
    for _ in range(400):
        w = "x" if rng.random() < 0.5 else "y"
        sents.append(["p", "q", w, "r", "s"])
        sents.append(["k", "l", "z", "m", "n"])
    st = E.build_stream(sents, min_count=1)
    kw = dict(dim=8, window=2, negative=3, sample=0, epochs=5, batch_size=64, progress=False)
    r = E.train_sgns(st, seed=3, **kw)
    emb = E.Embeddings(st.words, r.W_in)
    assert emb.similarity("x", "y") > emb.similarity("x", "z") + 0.3
    assert r.loss[-1] < r.loss[0]
    r2 = E.train_sgns(st, seed=3, **kw)
    np.testing.assert_array_equal(r.W_in, r2.W_in)
    assert r.words_per_second > 0 and r.pairs > 0


def test_cbow_loss_and_grads_equal_autograd_and_finite_differences():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(7, 4, generator=g, dtype=torch.float64, requires_grad=True)   # (P, d)
    u = torch.randn(3, 4, 4, generator=g, dtype=torch.float64, requires_grad=True)  # (B, 1+k, d)
    bag = torch.tensor([0, 0, 1, 2, 2, 2, 0])
    n = torch.bincount(bag).double()[:, None]
    h = torch.zeros(3, 4, dtype=torch.float64).index_add(0, bag, v) / n
    s = (u * h[:, None, :]).sum(2)
    ref = -(torch.nn.functional.logsigmoid(s[:, 0]).sum()
            + torch.nn.functional.logsigmoid(-s[:, 1:]).sum())
    ref.backward()
    loss, gv, gu = E.cbow_loss_and_grads(v.detach(), bag, u.detach())
    assert float(loss) == pytest.approx(float(ref.detach()), abs=1e-12)
    torch.testing.assert_close(gv, v.grad, atol=1e-12, rtol=0)
    torch.testing.assert_close(gu, u.grad, atol=1e-12, rtol=0)
    eps, vd = 1e-6, v.detach()
    for p in range(7):
        for j in range(4):
            d = torch.zeros_like(vd)
            d[p, j] = eps
            num = (E.cbow_loss_and_grads(vd + d, bag, u.detach())[0]
                   - E.cbow_loss_and_grads(vd - d, bag, u.detach())[0]) / (2 * eps)
            assert float(num) == pytest.approx(float(gv[p, j]), abs=1e-7)


def test_cbow_with_one_context_each_is_skipgram():
    g = torch.Generator().manual_seed(1)
    v, u = torch.randn(5, 3, generator=g), torch.randn(5, 3, 3, generator=g)
    a = E.cbow_loss_and_grads(v, torch.arange(5), u)
    b = E.sgns_loss_and_grads(v, u)
    for x, y in zip(a, b):
        torch.testing.assert_close(x, y)


def test_train_cbow_learns_shared_contexts_and_is_seeded():
    rng = np.random.default_rng(0)
    sents = []
    for _ in range(400):
        w = "x" if rng.random() < 0.5 else "y"
        sents.append(["p", "q", w, "r", "s"])
        sents.append(["k", "l", "z", "m", "n"])
    st = E.build_stream(sents, min_count=1)
    kw = dict(dim=8, window=2, negative=3, sample=0, epochs=5, batch_size=64, progress=False,
              log_every=5)
    r = E.train_cbow(st, seed=3, **kw)
    # the mean of a bag's input vectors scores the center words seen with that bag high and
    # the others low: x (and y) after p q _ r s, z after k l _ m n
    h_x = r.W_in[[st.id(w) for w in "pqrs"]].mean(0)
    h_z = r.W_in[[st.id(w) for w in "klmn"]].mean(0)
    u = {w: r.W_out[st.id(w)] for w in "xyz"}
    for w in "xy":
        assert u[w] @ h_x > u["z"] @ h_x + 2 and u["z"] @ h_z > u[w] @ h_z + 2
    assert r.loss[-1] < r.loss[0]
    np.testing.assert_array_equal(r.W_in, E.train_cbow(st, seed=3, **kw).W_in)
    # one example per center token that has a context: every token here
    assert r.pairs == len(st) * 5


# ---------------------------------------------------------------------------------------------
# Evaluation: agreement with gensim on the same vectors
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pretrained():
    return E.load_pretrained()



@pytest.mark.parametrize("name", ["wordsim353", "simlex999"])
def test_word_pairs_agree_with_gensim(pretrained, name):
    from gensim.test.utils import datapath

    ours = E.evaluate_word_pairs(pretrained, E.load_word_pairs(name))
    kv = pretrained.to_keyed_vectors()
    path = datapath({"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}[name])
    _, (rho, _), oov_pct = kv.evaluate_word_pairs(path)
    assert ours.spearman == pytest.approx(rho, abs=1e-6)
    assert 100 * (1 - ours.coverage) == pytest.approx(oov_pct, abs=1e-9)
    assert 0 < ours.coverage < 1 and ours.total == {"wordsim353": 353, "simlex999": 999}[name]


def test_analogies_agree_with_gensim(pretrained, tmp_path):
    # two sections keep the test fast
    from gensim.test.utils import datapath

    keep = {"capital-common-countries", "family"}
    lines, on = [], False
    for line in open(datapath("questions-words.txt"), encoding="utf-8"):
        if line.startswith(":"):
            on = line[1:].strip() in keep
        if on:
            lines.append(line)
    path = tmp_path / "subset.txt"
    path.write_text("".join(lines), encoding="utf-8")
    ours = E.evaluate_analogies(pretrained, E.load_analogies(str(path)))
    kv = pretrained.to_keyed_vectors()
    acc, sections = kv.evaluate_word_analogies(str(path))
    total = sections[-1]
    assert ours.n == len(total["correct"]) + len(total["incorrect"])
    assert ours.accuracy == pytest.approx(acc, abs=1e-12)
    for sec in sections[:-1]:
        got, n = ours.sections.get(sec["section"], (0, 0))
        assert (got, n) == (len(sec["correct"]), len(sec["correct"]) + len(sec["incorrect"]))
    assert ours.accuracy > 0.5  # real vectors: this is a meaningful agreement, not 0 == 0


def test_nearest_and_analogy_agree_with_gensim(pretrained):
    kv = pretrained.to_keyed_vectors()
    ours = pretrained.nearest("king", 5)
    ref = kv.most_similar("king", topn=5)
    assert [w for w, _ in ours] == [w for w, _ in ref]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in ref], atol=1e-5)
    top = pretrained.analogy("man", "king", "woman", 3)
    ref = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert [w for w, _ in top] == [w for w, _ in ref]
    assert top[0][0] == "queen"
    assert pretrained.similarity("king", "queen") == pytest.approx(float(kv.similarity("king", "queen")), abs=1e-6)


def test_one_hot_vectors_are_orthogonal():
    emb = E.Embeddings(["a", "b", "c"], np.eye(3))
    assert emb.similarity("a", "b") == 0.0 and emb.similarity("a", "a") == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

def test_unknown_word_names_it_and_suggests_spellings():
    emb = E.Embeddings(["king", "queen", "kingdom", "man"], np.eye(4))
    with pytest.raises(KeyError, match=r"'kingg'.*did you mean 'king'"):
        emb.similarity("kingg", "queen")
    with pytest.raises(KeyError, match=r"'qeen'.*'queen'"):
        emb.nearest("qeen")
    with pytest.raises(KeyError, match=r"'zzz'.*no known word"):
        emb.analogy("man", "king", "zzz")
    st = E.build_stream(TINY, min_count=1)
    with pytest.raises(KeyError, match=r"'dgo'.*'dog'"):
        st.id("dgo")


def _reader_ppmi(C, alpha):
    """The exercise's solution, written densely as a reader would."""
    D = C.sum()
    P_wc = C / D
    P_w = C.sum(axis=1, keepdims=True) / D
    n_c = C.sum(axis=0, keepdims=True) ** alpha
    with np.errstate(divide="ignore"):
        pmi = np.log(P_wc / (P_w * n_c / n_c.sum()))
    return np.maximum(pmi, 0.0)


def test_check_ppmi(capsys):
    assert E.check_ppmi(_reader_ppmi)
    assert E.check_ppmi(lambda C, a: sp.csr_matrix(_reader_ppmi(C, a)), n_cases=5)
    assert "agree" in capsys.readouterr().out

    def unsmoothed(C, alpha):                       # ignores alpha: plain PPMI
        return _reader_ppmi(C, 1.0)

    def pmi_not_positive(C, alpha):                 # keeps the negative values
        out = _reader_ppmi(C, alpha)
        with np.errstate(divide="ignore"):
            full = np.log(C / C.sum() / (C.sum(1, keepdims=True) / C.sum()
                                         * (C.sum(0, keepdims=True) ** alpha
                                            / (C.sum(0) ** alpha).sum())))
        return np.where(np.isfinite(full), full, out)

    def transposed(C, alpha):                       # rows and columns swapped
        return _reader_ppmi(C.T, alpha).T

    for wrong in (unsmoothed, pmi_not_positive, transposed):
        assert not E.check_ppmi(wrong)
        out = capsys.readouterr().out
        assert "expected" in out and "got" in out


_ST = E.build_stream(TINY, min_count=1)
_C = E.cooccurrence(_ST, 2)
_M = E.ppmi(_C)
_EMPTY = E.TokenStream(("a", "b"), np.array([1, 1]), np.array([], dtype=np.int64),
                       np.array([], dtype=np.int64))
_EMB = E.Embeddings(["king", "queen", "man", "woman", "cat"],
                    np.random.default_rng(0).standard_normal((5, 3)))
_NS = E.NoiseSampler(np.array([3.0, 2.0, 1.0]), table_size=100)
_V = torch.zeros(2, 3)
_U = torch.zeros(2, 4, 3)
_IDS = np.array([0, 1, 2, 1])
_SENT = np.array([0, 0, 1, 1])
_RNG = np.random.default_rng(0)
_PAIRS = [("king", "queen", 8.0), ("man", "woman", 7.0), ("cat", "king", 1.0)]
_QUESTIONS = [("family", ("man", "king", "woman", "queen"))]


def _nan_counts():
    C = _C.copy()
    C.data[0] = np.nan
    return C


def _negative_counts():
    C = _C.copy()
    C.data[0] = -1.0
    return C


# {public function: [(call, exception type, text the message must contain), ...]}; each message
# names the argument (issue 13). At least five bad inputs per public function.
BAD = {
    "TokenStream": [
        (lambda: E.TokenStream("ab", np.array([1, 1]), _IDS[:0], _SENT[:0]), TypeError, "words"),
        (lambda: E.TokenStream(("a", "a"), np.array([1, 1]), _IDS[:0], _SENT[:0]), ValueError,
         "words must be distinct"),
        (lambda: E.TokenStream(("a", "b"), np.array([1]), _IDS[:0], _SENT[:0]), ValueError,
         "counts"),
        (lambda: E.TokenStream(("a", "b"), np.array([1, -1]), _IDS[:0], _SENT[:0]), ValueError,
         "counts"),
        (lambda: E.TokenStream(("a", "b"), np.array([1.5, 2]), _IDS[:0], _SENT[:0]), ValueError,
         "counts must hold integers"),
        (lambda: E.TokenStream(("a", "b"), np.array([1, 1]), np.array([0, 2]), np.array([0, 0])),
         ValueError, "ids must be < the vocabulary size"),
        (lambda: E.TokenStream(("a", "b"), np.array([1, 1]), np.array([0, 1]), np.array([0])),
         ValueError, "sent"),
        (lambda: E.TokenStream(("a", "b"), np.array([1, 1]), np.array([0.5, 1]),
                               np.array([0, 0])), TypeError, "ids"),
        (lambda: E.TokenStream(("a", "b"), np.array([1, 1]), np.array([0, 1]),
                               np.array([1, 0])), ValueError, "sent must be non-decreasing"),
    ],
    "TokenStream.id": [
        (lambda: _ST.id(3), TypeError, "word"),
        (lambda: _ST.id(None), TypeError, "word"),
        (lambda: _ST.id(b"cat"), TypeError, "word"),
        (lambda: _ST.id(["cat"]), TypeError, "word"),
        (lambda: _ST.id(np.int64(0)), TypeError, "word"),
    ],
    "build_stream": [
        (lambda: E.build_stream([]), ValueError, "empty"),
        (lambda: E.build_stream([[], []]), ValueError, "empty"),
        (lambda: E.build_stream("the cat sat"), TypeError, "sentences"),
        (lambda: E.build_stream(["the cat", "a dog"]), TypeError, "sentences"),
        (lambda: E.build_stream([[1, 2, 3]]), TypeError, "sentences"),
        (lambda: E.build_stream(TINY, min_count=0), ValueError, "min_count"),
        (lambda: E.build_stream(TINY, min_count=2.5), TypeError, "min_count"),
        (lambda: E.build_stream(TINY, min_count=100), ValueError, "min_count"),
    ],
    "cooccurrence": [
        (lambda: E.cooccurrence(_ST, 0), ValueError, "window"),
        (lambda: E.cooccurrence(_ST, -2), ValueError, "window"),
        (lambda: E.cooccurrence(_ST, 1.5), TypeError, "window"),
        (lambda: E.cooccurrence(_ST, True), TypeError, "window"),
        (lambda: E.cooccurrence(_EMPTY, 2), ValueError, "empty"),
        (lambda: E.cooccurrence(TINY, 2), TypeError, "stream"),
        (lambda: E.cooccurrence(_ST, 2, dynamic="yes"), TypeError, "dynamic"),
    ],
    "ppmi": [
        (lambda: E.ppmi(_M.toarray()), TypeError, "C must be a scipy.sparse"),
        (lambda: E.ppmi(sp.csr_matrix(np.ones((2, 3)))), ValueError, "C must be a square"),
        (lambda: E.ppmi(_C, alpha=0), ValueError, "alpha"),
        (lambda: E.ppmi(_C, alpha=1.5), ValueError, "alpha"),
        (lambda: E.ppmi(_C, alpha=float("nan")), ValueError, "alpha"),
        (lambda: E.ppmi(_C, shift=0), ValueError, "shift"),
        (lambda: E.ppmi(_C, shift=float("nan")), ValueError, "shift"),
        (lambda: E.ppmi(_C, shift=float("inf")), ValueError, "shift"),
        (lambda: E.ppmi(_C, shift="1"), TypeError, "shift"),
        (lambda: E.ppmi(sp.csr_matrix((3, 3))), ValueError, "C has no positive counts"),
        (lambda: E.ppmi(_negative_counts()), ValueError, "C must hold counts >= 0"),
        (lambda: E.ppmi(_nan_counts()), ValueError, "C must hold finite"),
    ],
    "check_ppmi": [
        (lambda: E.check_ppmi(None), TypeError, "fn"),
        (lambda: E.check_ppmi("ppmi"), TypeError, "fn"),
        (lambda: E.check_ppmi(_reader_ppmi, 0), ValueError, "n_cases"),
        (lambda: E.check_ppmi(_reader_ppmi, 2.5), TypeError, "n_cases"),
        (lambda: E.check_ppmi(_reader_ppmi, "3"), TypeError, "n_cases"),
        (lambda: E.check_ppmi(_reader_ppmi, 3, -1), ValueError, "seed"),
        (lambda: E.check_ppmi(_reader_ppmi, 3, 0.5), TypeError, "seed"),
    ],
    "randomized_svd": [
        (lambda: E.randomized_svd(_M, 0, np.random.default_rng(0)), ValueError, "k"),
        (lambda: E.randomized_svd(_M, _ST.V + 1, np.random.default_rng(0)), ValueError, "k"),
        (lambda: E.randomized_svd(_M, 2.0, np.random.default_rng(0)), TypeError, "k"),
        (lambda: E.randomized_svd(_M, 2, 0), TypeError, "rng"),
        (lambda: E.randomized_svd(_M, 2, np.random.default_rng(0), n_iter=-1), ValueError,
         "n_iter"),
        (lambda: E.randomized_svd(_M, 2, np.random.default_rng(0), n_oversample=-1), ValueError,
         "n_oversample"),
        (lambda: E.randomized_svd(np.full((3, 3), np.nan), 2, np.random.default_rng(0)),
         ValueError, "M must hold finite"),
        (lambda: E.randomized_svd("M", 2, np.random.default_rng(0)), TypeError, "M"),
        (lambda: E.randomized_svd(np.ones(4), 2, np.random.default_rng(0)), ValueError, "M"),
    ],
    "svd_embeddings": [
        (lambda: E.svd_embeddings(_M, _ST.V + 1), ValueError,
         "dim must not exceed the vocabulary size"),
        (lambda: E.svd_embeddings(_M, 0), ValueError, "dim"),
        (lambda: E.svd_embeddings(_M, 2.5), TypeError, "dim"),
        (lambda: E.svd_embeddings(_M, 2, eig=float("nan")), ValueError, "eig"),
        (lambda: E.svd_embeddings(_M, 2, seed=-1), ValueError, "seed"),
        (lambda: E.svd_embeddings(_M, 2, n_iter=-1), ValueError, "n_iter"),
        (lambda: E.svd_embeddings(_M, 2, dtype=np.int32), ValueError, "dtype"),
        (lambda: E.svd_embeddings([[1, 2], [3, np.inf]], 1), ValueError, "M must hold finite"),
    ],
    "keep_probabilities": [
        (lambda: E.keep_probabilities(np.array([3, 4]), -1e-3), ValueError, "sample"),
        (lambda: E.keep_probabilities(np.array([3, 4]), float("nan")), ValueError, "sample"),
        (lambda: E.keep_probabilities(np.array([3, 4]), float("inf")), ValueError, "sample"),
        (lambda: E.keep_probabilities(np.array([3, 4]), "1e-3"), TypeError, "sample"),
        (lambda: E.keep_probabilities(np.array([3, -4]), 1e-3), ValueError, "counts"),
        (lambda: E.keep_probabilities(np.array([3, np.nan]), 1e-3), ValueError, "counts"),
        (lambda: E.keep_probabilities(np.array([]), 1e-3), ValueError, "counts"),
        (lambda: E.keep_probabilities(np.array([0, 0]), 1e-3), ValueError, "counts"),
    ],
    "subsample": [
        (lambda: E.subsample(_ST, np.ones(_ST.V), 0), TypeError, "rng"),
        (lambda: E.subsample(_ST, np.ones(_ST.V + 1), _RNG), ValueError, "keep"),
        (lambda: E.subsample(_ST, np.full(_ST.V, 1.5), _RNG), ValueError, "keep"),
        (lambda: E.subsample(_ST, np.full(_ST.V, np.nan), _RNG), ValueError, "keep"),
        (lambda: E.subsample(TINY, np.ones(_ST.V), _RNG), TypeError, "stream"),
        (lambda: E.subsample(_ST, "all", _RNG), TypeError, "keep"),
    ],
    "skipgram_pairs": [
        (lambda: E.skipgram_pairs(_IDS, _SENT, 0, None), ValueError, "window"),
        (lambda: E.skipgram_pairs(_IDS, _SENT, 2.0, None), TypeError, "window"),
        (lambda: E.skipgram_pairs(_IDS, _SENT[:3], 2, None), ValueError, "sent"),
        (lambda: E.skipgram_pairs(_IDS - 1, _SENT, 2, None), ValueError, "ids"),
        (lambda: E.skipgram_pairs(_IDS * 0.5, _SENT, 2, None), TypeError, "ids"),
        (lambda: E.skipgram_pairs(_IDS, _SENT[::-1], 2, None), ValueError, "sent"),
        (lambda: E.skipgram_pairs(_IDS, _SENT, 2, 0), TypeError, "rng"),
    ],
    "NoiseSampler": [
        (lambda: E.NoiseSampler(np.array([])), ValueError, "counts"),
        (lambda: E.NoiseSampler(np.array([1.0, -1.0])), ValueError, "counts"),
        (lambda: E.NoiseSampler(np.array([1.0, np.nan])), ValueError, "counts"),
        (lambda: E.NoiseSampler(np.ones((2, 2))), ValueError, "counts"),
        (lambda: E.NoiseSampler(np.array([1.0, 2.0]), power=float("nan")), ValueError, "power"),
        (lambda: E.NoiseSampler(np.array([1.0, 2.0]), seed=-1), ValueError, "seed"),
        (lambda: E.NoiseSampler(np.array([1.0, 2.0]), table_size=1), ValueError, "table_size"),
        (lambda: E.NoiseSampler(np.array([1.0, 2.0]), table_size=10.0), TypeError,
         "table_size"),
    ],
    "NoiseSampler.sample": [
        (lambda: _NS.sample((-1, 2)), ValueError, "shape"),
        (lambda: _NS.sample((2.5,)), TypeError, "shape"),
        (lambda: _NS.sample("3"), TypeError, "shape"),
        (lambda: _NS.sample(None), TypeError, "shape"),
        (lambda: _NS.sample((2, "k")), TypeError, "shape"),
    ],
    "sgns_loss_and_grads": [
        (lambda: E.sgns_loss_and_grads(_V.numpy(), _U), TypeError, "v"),
        (lambda: E.sgns_loss_and_grads(_V, _U.long()), TypeError, "u"),
        (lambda: E.sgns_loss_and_grads(_V[0], _U), ValueError, "v"),
        (lambda: E.sgns_loss_and_grads(_V, _U[0]), ValueError, "u"),
        (lambda: E.sgns_loss_and_grads(_V, _U[:, :, :2]), ValueError, "u must have shape"),
        (lambda: E.sgns_loss_and_grads(_V, _U[:1]), ValueError, "u must have shape"),
        (lambda: E.sgns_loss_and_grads(_V, _U.double()), TypeError, "u"),
        (lambda: E.sgns_loss_and_grads(_V, _U, with_loss="yes"), TypeError, "with_loss"),
    ],
    "train_sgns": [
        (lambda: E.train_sgns(_ST, dim=_ST.V + 1, progress=False), ValueError,
         "dim must not exceed"),
        (lambda: E.train_sgns(_ST, dim=2, window=0, progress=False), ValueError, "window"),
        (lambda: E.train_sgns(_ST, dim=2, negative=0, progress=False), ValueError, "negative"),
        (lambda: E.train_sgns(_ST, dim=2, lr=0, progress=False), ValueError, "lr"),
        (lambda: E.train_sgns(_ST, dim=2, lr=float("nan"), progress=False), ValueError, "lr"),
        (lambda: E.train_sgns(_ST, dim=2, min_lr=1.0, progress=False), ValueError, "min_lr"),
        (lambda: E.train_sgns(_ST, dim=2, sample=float("nan"), progress=False), ValueError,
         "sample"),
        (lambda: E.train_sgns(_ST, dim=2, epochs=1.5, progress=False), TypeError, "epochs"),
        (lambda: E.train_sgns(_ST, dim=2, batch_size=0, progress=False), ValueError,
         "batch_size"),
        (lambda: E.train_sgns(_ST, dim=2, threads=0, progress=False), ValueError, "threads"),
        (lambda: E.train_sgns(_ST, dim=2, seed=-1, progress=False), ValueError, "seed"),
        (lambda: E.train_sgns(_EMPTY, dim=1, progress=False), ValueError, "empty"),
        (lambda: E.train_sgns(TINY, dim=2, progress=False), TypeError, "stream"),
        (lambda: E.train_sgns(_ST, dim=2, lr=1e30, epochs=3, progress=False),
         FloatingPointError, "lr"),
    ],
    "cbow_loss_and_grads": [
        (lambda: E.cbow_loss_and_grads(_V.numpy(), torch.arange(2), _U), TypeError, "v"),
        (lambda: E.cbow_loss_and_grads(_V, torch.arange(2).double(), _U), TypeError, "bag"),
        (lambda: E.cbow_loss_and_grads(_V, [0, 1], _U), TypeError, "bag"),
        (lambda: E.cbow_loss_and_grads(_V, torch.arange(3), _U), ValueError, "bag"),
        (lambda: E.cbow_loss_and_grads(_V, torch.tensor([0, 5]), _U), ValueError, "bag"),
        (lambda: E.cbow_loss_and_grads(_V, torch.tensor([0, 0]), _U), ValueError,
         "bag must give every example"),
        (lambda: E.cbow_loss_and_grads(_V, torch.arange(2), _U[0]), TypeError, "u"),
        (lambda: E.cbow_loss_and_grads(_V, torch.arange(2), _U[:, :, :2]), ValueError, "u"),
    ],
    "train_cbow": [
        (lambda: E.train_cbow(_ST, dim=_ST.V + 1, progress=False), ValueError,
         "dim must not exceed"),
        (lambda: E.train_cbow(_ST, dim=2, window=0, progress=False), ValueError, "window"),
        (lambda: E.train_cbow(_ST, dim=2, negative=0, progress=False), ValueError, "negative"),
        (lambda: E.train_cbow(_ST, dim=2, lr=-1, progress=False), ValueError, "lr"),
        (lambda: E.train_cbow(_ST, dim=2, epochs=0, progress=False), ValueError, "epochs"),
        (lambda: E.train_cbow(_ST, dim=2, batch_size=2.5, progress=False), TypeError,
         "batch_size"),
        (lambda: E.train_cbow(_EMPTY, dim=1, progress=False), ValueError, "empty"),
        (lambda: E.train_cbow(TINY, dim=2, progress=False), TypeError, "stream"),
        (lambda: E.train_cbow(_ST, dim=2, lr=1e30, epochs=3, progress=False),
         FloatingPointError, "train_cbow diverged.*lr"),
    ],
    "Embeddings": [
        (lambda: E.Embeddings(["a", "b"], np.zeros((3, 2))), ValueError, "W must have shape"),
        (lambda: E.Embeddings(["a", "a"], np.zeros((2, 2))), ValueError, "words must be distinct"),
        (lambda: E.Embeddings("ab", np.zeros((2, 2))), TypeError, "words"),
        (lambda: E.Embeddings([1, 2], np.zeros((2, 2))), TypeError, "words"),
        (lambda: E.Embeddings(["a", "b"], np.array([[0.0, np.nan], [1, 1]])), ValueError, "W"),
        (lambda: E.Embeddings(["a", "b"], np.zeros(2)), ValueError, "W"),
        (lambda: E.Embeddings([], np.zeros((0, 2))), ValueError, "words"),
        (lambda: E.Embeddings(["a", "b"], [["x", "y"], ["z", "w"]]), TypeError, "W"),
    ],
    "Embeddings.from_keyed_vectors": [
        (lambda: E.Embeddings.from_keyed_vectors(None), TypeError, "kv"),
        (lambda: E.Embeddings.from_keyed_vectors(np.eye(2)), TypeError, "kv"),
        (lambda: E.Embeddings.from_keyed_vectors({"a": [1.0]}), TypeError, "kv"),
        (lambda: E.Embeddings.from_keyed_vectors("model.kv"), TypeError, "kv"),
        (lambda: E.Embeddings.from_keyed_vectors(_EMB), TypeError, "kv"),
    ],
    "Embeddings.id": [
        (lambda: _EMB.id(0), TypeError, "word"),
        (lambda: _EMB.id(None), TypeError, "word"),
        (lambda: _EMB.id(b"king"), TypeError, "word"),
        (lambda: _EMB.id(("king",)), TypeError, "word"),
        (lambda: _EMB.id(1.0), TypeError, "word"),
    ],
    "Embeddings.vector": [
        (lambda: _EMB.vector(0), TypeError, "word"),
        (lambda: _EMB.vector(None), TypeError, "word"),
        (lambda: _EMB.vector(b"king"), TypeError, "word"),
        (lambda: _EMB.vector(["king"]), TypeError, "word"),
        (lambda: _EMB.vector(np.int64(2)), TypeError, "word"),
    ],
    "Embeddings.similarity": [
        (lambda: _EMB.similarity(0, "king"), TypeError, "w1"),
        (lambda: _EMB.similarity("king", 1), TypeError, "w2"),
        (lambda: _EMB.similarity(None, "king"), TypeError, "w1"),
        (lambda: _EMB.similarity("king", b"queen"), TypeError, "w2"),
        (lambda: _EMB.similarity(["king"], "queen"), TypeError, "w1"),
    ],
    "Embeddings.nearest": [
        (lambda: _EMB.nearest("king", k=-1), ValueError, "k"),
        (lambda: _EMB.nearest("king", k=0), ValueError, "k"),
        (lambda: _EMB.nearest("king", k=2.5), TypeError, "k"),
        (lambda: _EMB.nearest(np.array([np.nan, 0, 0])), ValueError, "query"),
        (lambda: _EMB.nearest(np.zeros(3)), ValueError, "query"),
        (lambda: _EMB.nearest(np.ones(4)), ValueError, "query"),
        (lambda: _EMB.nearest(None), TypeError, "query"),
        (lambda: _EMB.nearest("king", exclude="queen"), TypeError, "exclude"),
    ],
    "Embeddings.analogy": [
        (lambda: _EMB.analogy(0, "king", "woman"), TypeError, "a"),
        (lambda: _EMB.analogy("man", None, "woman"), TypeError, "b"),
        (lambda: _EMB.analogy("man", "king", 3), TypeError, "c"),
        (lambda: _EMB.analogy("man", "king", "woman", k=0), ValueError, "k"),
        (lambda: _EMB.analogy("man", "king", "woman", k=-1), ValueError, "k"),
        (lambda: _EMB.analogy("man", "king", "woman", k="1"), TypeError, "k"),
    ],
    "load_word_pairs": [
        (lambda: E.load_word_pairs(353), TypeError, "name_or_path"),
        (lambda: E.load_word_pairs(None), TypeError, "name_or_path"),
        (lambda: E.load_word_pairs("wordsim-353"), FileNotFoundError, "name_or_path"),
        (lambda: E.load_word_pairs("/nonexistent/pairs.tsv"), FileNotFoundError,
         "name_or_path"),
        (lambda: E.load_word_pairs(_write("a\tb\n")), ValueError, "name_or_path: line 1"),
        (lambda: E.load_word_pairs(_write("a\tb\thigh\n")), ValueError, "name_or_path: line 1"),
        (lambda: E.load_word_pairs(_write("a\tb\tnan\n")), ValueError, "name_or_path"),
        (lambda: E.load_word_pairs(_write("# only a comment\n")), ValueError, "name_or_path"),
    ],
    "load_analogies": [
        (lambda: E.load_analogies(1), TypeError, "path"),
        (lambda: E.load_analogies(["questions-words.txt"]), TypeError, "path"),
        (lambda: E.load_analogies("/nonexistent/questions.txt"), FileNotFoundError, "path"),
        (lambda: E.load_analogies(_write(": family\nman king woman\n")), ValueError, "path"),
        (lambda: E.load_analogies(_write("")), ValueError, "path"),
    ],
    "evaluate_word_pairs": [
        (lambda: E.evaluate_word_pairs(_EMB, []), ValueError, "pairs"),
        (lambda: E.evaluate_word_pairs(_EMB.W, _PAIRS), TypeError, "emb"),
        (lambda: E.evaluate_word_pairs(_EMB, "king queen 8"), TypeError, "pairs"),
        (lambda: E.evaluate_word_pairs(_EMB, [("king", "queen")]), TypeError, "pairs"),
        (lambda: E.evaluate_word_pairs(_EMB, [(0, 1, 8.0)]), TypeError, "pairs"),
        (lambda: E.evaluate_word_pairs(_EMB, [("king", "queen", float("nan"))]), ValueError,
         "pairs"),
        (lambda: E.evaluate_word_pairs(_EMB, _PAIRS, restrict="king"), TypeError, "restrict"),
        (lambda: E.evaluate_word_pairs(_EMB, _PAIRS, restrict={1, 2}), TypeError, "restrict"),
    ],
    "evaluate_analogies": [
        (lambda: E.evaluate_analogies(_EMB, []), ValueError, "questions"),
        (lambda: E.evaluate_analogies(None, _QUESTIONS), TypeError, "emb"),
        (lambda: E.evaluate_analogies(_EMB, [("man", "king", "woman", "queen")]), TypeError,
         "questions"),
        (lambda: E.evaluate_analogies(_EMB, [("s", ("man", "king", "woman"))]), TypeError,
         "questions"),
        (lambda: E.evaluate_analogies(_EMB, "man king woman queen"), TypeError, "questions"),
        (lambda: E.evaluate_analogies(_EMB, _QUESTIONS, batch=0), ValueError, "batch"),
        (lambda: E.evaluate_analogies(_EMB, _QUESTIONS, restrict="man"), TypeError, "restrict"),
    ],
    "load_pretrained": [
        (lambda: E.load_pretrained(lowercase="yes"), TypeError, "lowercase"),
        (lambda: E.load_pretrained(lowercase=1), TypeError, "lowercase"),
        (lambda: E.load_pretrained(lowercase=None), TypeError, "lowercase"),
        (lambda: E.load_pretrained(lowercase="false"), TypeError, "lowercase"),
        (lambda: E.load_pretrained(lowercase=[True]), TypeError, "lowercase"),
    ],
    "neighbourhood": [
        (lambda: E.neighbourhood(_EMB, "king", 0), ValueError, "k"),
        (lambda: E.neighbourhood(_EMB, "king", len(_EMB)), ValueError, "k"),
        (lambda: E.neighbourhood(_EMB, "king", 2.0), TypeError, "k"),
        (lambda: E.neighbourhood(_EMB, 0, 2), TypeError, "word"),
        (lambda: E.neighbourhood(_EMB.W, "king", 2), TypeError, "emb"),
        (lambda: E.neighbourhood(E.Embeddings(["a"], np.ones((1, 2))), "a", 1), ValueError,
         "emb"),
    ],
}


def _write(text: str) -> str:
    import tempfile

    f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8")
    f.write(text)
    f.close()
    return f.name


@pytest.mark.parametrize("call,exc,match", [row for rows in BAD.values() for row in rows],
                         ids=[f"{name}-{i}" for name, rows in BAD.items()
                              for i in range(len(rows))])
def test_bad_inputs_raise_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_every_public_callable_has_five_bad_inputs():
    import inspect

    records = {"SGNSResult", "PairScore", "AnalogyScore"}   # result records, built by the module
    public = {n for n in E.__all__ if callable(getattr(E, n)) and n not in records}
    for cls in (E.TokenStream, E.Embeddings, E.NoiseSampler):
        methods = {m for m, f in vars(cls).items() if not m.startswith("_")
                   and (inspect.isfunction(f) or isinstance(f, classmethod))}
        # a method that takes arguments (beyond self / cls) needs its own table
        public |= {f"{cls.__name__}.{m}" for m in methods
                   if inspect.signature(getattr(cls, m)).parameters.keys() - {"self", "cls"}}
    table = {**BAD, **BAD_EXPLORERS}
    missing = {n: len(table.get(n, [])) for n in public if len(table.get(n, [])) < 5}
    assert not missing, f"fewer than five bad inputs: {missing}"


def test_long_window_is_capped_at_the_longest_sentence():
    # a window far longer than any sentence counts the same pairs, at once (it used to loop
    # over every distance up to the window)
    for dynamic in (False, True):
        C = E.cooccurrence(_ST, 10**9, dynamic=dynamic)
        np.testing.assert_allclose(C.toarray(),
                                   brute_cooccurrence(TINY, _ST.words, 10**9, dynamic))
    c, o = E.skipgram_pairs(_ST.ids, _ST.sent, 10**9, None)
    c6, o6 = E.skipgram_pairs(_ST.ids, _ST.sent, 6, None)   # the longest sentence: 6 tokens
    np.testing.assert_array_equal(c, c6)
    np.testing.assert_array_equal(o, o6)
    empty = E.skipgram_pairs(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 3, None)
    assert empty[0].shape == empty[1].shape == (0,)
    one_word = E.TokenStream(("a", "b"), np.array([1, 1]), np.array([0, 1]), np.array([0, 1]))
    assert E.cooccurrence(one_word, 5).nnz == 0


def test_train_sgns_stops_on_divergence_naming_lr():
    with pytest.raises(FloatingPointError, match=r"diverged.*lr \(got 1e\+30\)"):
        E.train_sgns(_ST, dim=2, lr=1e30, epochs=3, progress=False, log_every=1)


def test_nearest_returns_at_most_what_remains():
    assert len(_EMB.nearest("king", k=100)) == len(_EMB) - 1
    assert len(_EMB.nearest("king", k=100, exclude=["queen"])) == len(_EMB) - 2


# ---------------------------------------------------------------------------------------------
# The chapter's explorers: every control position renders
# ---------------------------------------------------------------------------------------------

_SYN_WORDS = [f"w{i}" for i in range(12)]
_SYN = {name: E.Embeddings(_SYN_WORDS, np.random.default_rng(seed).standard_normal((12, 4)))
        for seed, name in enumerate(("model A", "model B"))}


@pytest.mark.parametrize("word", E.EXPLORER_WORDS)
def test_neighbourhood_sweeps_explorer_words(pretrained, word):
    out = E.neighbourhood(pretrained, word, 10)
    assert out["words"][0] == word and len(out["words"]) == 11 and out["xy"].shape == (11, 2)
    assert np.isfinite(out["xy"]).all() and out["sims"][0] == 1.0
    assert (np.diff(out["sims"][1:]) <= 1e-7).all()
    # the projection is PCA of the unit vectors: centred, axes uncorrelated
    np.testing.assert_allclose(out["xy"].mean(0), 0, atol=1e-9)
    assert abs(out["xy"][:, 0] @ out["xy"][:, 1]) < 1e-8


@pytest.mark.parametrize("a,b,c", E.EXPLORER_ANALOGIES)
def test_explorer_analogies_are_answerable(pretrained, a, b, c):
    top = pretrained.analogy(a, b, c, 5)
    assert len(top) == 5 and not {a, b, c} & {w for w, _ in top}


def test_neighbourhood_unknown_word(pretrained):
    with pytest.raises(KeyError, match="'kingz'"):
        E.neighbourhood(pretrained, "kingz", 5)


def test_neighbourhood_explorer_renders_every_static_frame():
    ex = E.neighbourhood_explorer(_SYN, words=_SYN_WORDS[:5], k=6)
    assert ex.static_names == ("word", "model")
    n = 0
    for params in ex.grid(ex.static_names):
        data = ex.compute(**params)
        assert data["words"][0] == params["word"] and len(data["words"]) == 7
        fig = ex.render(**params)
        assert len(fig.axes) == 2
        n += 1
    assert n == 5 * 2
    assert ex.defaults == {"word": "w0", "model": "model A"}
    assert len(ex.png(word="w3", model="model B")) > 1000


def test_analogy_explorer_renders_every_static_frame():
    questions = [("w0", "w1", "w2"), ("w3", "w4", "w5"), ("w6", "w7", "w8")]
    ex = E.analogy_explorer(_SYN, questions, k=4)
    n = 0
    for params in ex.grid(ex.static_names):
        top = ex.compute(**params)
        a, b, c = params["question"].replace(" ::", " :").split(" : ")
        assert len(top) == 4 and not {a, b, c} & {w for w, _ in top}
        assert top == _SYN[params["model"]].analogy(a, b, c, k=4)
        assert ex.render(**params).axes
        n += 1
    assert n == 3 * 2


def test_chapter_explorers_render_with_the_pretrained_vectors(pretrained):
    ex = E.neighbourhood_explorer({"pretrained": pretrained})
    for params in ex.grid(ex.static_names):
        assert ex.render(**params).axes
    ex = E.analogy_explorer({"pretrained": pretrained})
    for params in ex.grid(ex.static_names):
        assert ex.render(**params).axes
    # the pretrained vectors answer the classic question
    assert ex.compute(question="man : king :: woman", model="pretrained")[0][0] == "queen"


BAD_EXPLORERS = {
    "neighbourhood_explorer": [
        (lambda: E.neighbourhood_explorer({}), ValueError, "models"),
        (lambda: E.neighbourhood_explorer([_SYN["model A"]]), TypeError, "models"),
        (lambda: E.neighbourhood_explorer({"A": np.eye(3)}), TypeError, "models"),
        (lambda: E.neighbourhood_explorer(_SYN, words=["w0", "zz"]), ValueError, "words"),
        (lambda: E.neighbourhood_explorer(_SYN, words="w0"), TypeError, "words"),
        (lambda: E.neighbourhood_explorer(_SYN, words=[]), ValueError, "words"),
        (lambda: E.neighbourhood_explorer(_SYN, words=["w0"], k=0), ValueError, "k"),
        (lambda: E.neighbourhood_explorer(_SYN, words=["w0"], k=12), ValueError, "k"),
    ],
    "analogy_explorer": [
        (lambda: E.analogy_explorer({}), ValueError, "models"),
        (lambda: E.analogy_explorer({1: _SYN["model A"]}), TypeError, "models"),
        (lambda: E.analogy_explorer(_SYN, [("w0", "w1")]), TypeError, "questions"),
        (lambda: E.analogy_explorer(_SYN, [("w0", "w1", "zz")]), ValueError, "questions"),
        (lambda: E.analogy_explorer(_SYN, []), ValueError, "questions"),
        (lambda: E.analogy_explorer(_SYN, "w0 w1 w2"), TypeError, "questions"),
        (lambda: E.analogy_explorer(_SYN, [("w0", "w1", "w2")], k=0), ValueError, "k"),
        (lambda: E.analogy_explorer(_SYN, [("w0", "w1", "w2")] * 2), ValueError, "questions"),
    ],
}


@pytest.mark.parametrize("call,exc,match", [r for rows in BAD_EXPLORERS.values() for r in rows],
                         ids=[f"{n}-{i}" for n, rows in BAD_EXPLORERS.items()
                              for i in range(len(rows))])
def test_explorer_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_explorer_words_are_in_the_chapter_corpus():
    # the chapter's explorer offers these words for every model; they must all be known
    from helpers import data

    sentences = data.load_corpus("wiki").train + data.load_corpus("shakespeare").train
    st = E.build_stream(sentences, min_count=5)
    words = set(E.EXPLORER_WORDS) | {w for q in E.EXPLORER_ANALOGIES for w in q}
    assert words <= set(st.words), words - set(st.words)
