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
    sig = lambda x: 1 / (1 + math.exp(-x))
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


_ST = E.build_stream(TINY, min_count=1)
_M = E.ppmi(E.cooccurrence(_ST, 2))


@pytest.mark.parametrize("call,match", [
    (lambda: E.build_stream([]), "empty"),
    (lambda: E.build_stream([[], []]), "empty"),
    (lambda: E.build_stream("the cat sat"), "token lists"),
    (lambda: E.build_stream(TINY, min_count=0), "min_count"),
    (lambda: E.build_stream(TINY, min_count=100), "min_count"),
    (lambda: E.cooccurrence(_ST, 0), "window"),
    (lambda: E.cooccurrence(_ST, -2), "window"),
    (lambda: E.cooccurrence(_ST, 1.5), "window"),
    (lambda: E.cooccurrence(E.TokenStream(("a",), np.array([1]), np.array([], dtype=np.int64),
                                          np.array([], dtype=np.int64)), 2), "empty"),
    (lambda: E.ppmi(_M.toarray()), "sparse"),
    (lambda: E.ppmi(_M, alpha=0), "alpha"),
    (lambda: E.ppmi(_M, shift=0), "shift"),
    (lambda: E.ppmi(sp.csr_matrix((3, 3))), "no positive counts"),
    (lambda: E.svd_embeddings(_M, _ST.V + 1), "dim must not exceed the vocabulary size"),
    (lambda: E.svd_embeddings(_M, 0), "dim"),
    (lambda: E.train_sgns(_ST, dim=_ST.V + 1, progress=False), "dim must not exceed"),
    (lambda: E.train_sgns(_ST, dim=2, window=0, progress=False), "window"),
    (lambda: E.train_sgns(_ST, dim=2, negative=0, progress=False), "negative"),
    (lambda: E.train_sgns(_ST, dim=2, lr=0, progress=False), "lr"),
    (lambda: E.train_sgns(E.TokenStream(("a",), np.array([1]), np.array([], dtype=np.int64),
                                        np.array([], dtype=np.int64)), progress=False), "empty"),
    (lambda: E.skipgram_pairs(_ST.ids, _ST.sent, 0, None), "window"),
    (lambda: E.NoiseSampler(np.array([])), "counts"),
    (lambda: E.NoiseSampler(np.array([1.0, -1.0])), "counts"),
    (lambda: E.keep_probabilities(np.array([3, 4]), -1e-3), "sample"),
    (lambda: E.Embeddings(["a", "b"], np.zeros((3, 2))), "shape"),
    (lambda: E.Embeddings(["a", "a"], np.zeros((2, 2))), "distinct"),
    (lambda: E.evaluate_word_pairs(E.Embeddings(["a"], np.ones((1, 2))), []), "empty"),
    (lambda: E.evaluate_analogies(E.Embeddings(["a"], np.ones((1, 2))), []), "empty"),
])
def test_bad_inputs_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------------------------
# The chapter's explorer: every control position renders
# ---------------------------------------------------------------------------------------------

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


def test_neighbourhood_bad_k(pretrained):
    with pytest.raises(ValueError, match="k must be"):
        E.neighbourhood(pretrained, "king", 0)
    with pytest.raises(KeyError, match="'kingz'"):
        E.neighbourhood(pretrained, "kingz", 5)


def test_explorer_words_are_in_the_chapter_corpus():
    # the chapter's explorer offers these words for every model; they must all be known
    from helpers import data

    sentences = data.load_corpus("wiki").train + data.load_corpus("shakespeare").train
    st = E.build_stream(sentences, min_count=5)
    words = set(E.EXPLORER_WORDS) | {w for q in E.EXPLORER_ANALOGIES for w in q}
    assert words <= set(st.words), words - set(st.words)
