"""n-gram language models (chapter 6): hand-worked values, invariants, KenLM, bad inputs."""
import collections
import dataclasses
import functools
import html
import inspect
import io
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ngram
from helpers.widgets import TextFrame

# The chapter's worked example: two sentences, closed vocabulary {</s>, <s>, a, b} (V = 3).
TINY = [["a", "b"], ["b"]]


def sentence_prob(model, sentence):
    return math.exp(model.log_probs([sentence]).sum())


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------

def naive_counts(sentences, n):
    """Reference: Python Counter of every k-gram of <s> s </s> (k-grams never start past <s>)."""
    out = collections.Counter()
    for s in sentences:
        toks = ["<s>", *s, "</s>"]
        for k in range(1, n + 1):
            for i in range(len(toks) - k + 1):
                g = tuple(toks[i:i + k])
                if g != ("<s>",):
                    out[g] += 1
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counts_match_a_python_counter(n):
    rng = np.random.default_rng(0)
    words = list("abcde")
    sents = [list(rng.choice(words, size=rng.integers(0, 7))) for _ in range(30)]
    C = ngram.count_ngrams(sents, n)
    got = {}
    for k in range(1, n + 1):
        for row, c in zip(C.words(k), C.counts[k - 1]):
            if c > 0:
                got[tuple(C.itos[i] for i in row)] = int(c)
    assert got == dict(naive_counts(sents, n))
    assert C.n_tokens == sum(len(s) + 1 for s in sents)


def test_adjusted_counts_and_discounts_known_values():
    C = ngram.count_ngrams(TINY, 2)
    a1 = ngram.adjusted_counts(C, 1, 2)
    s = C.stoi
    # continuation counts: a after {<s>}, b after {a, <s>}, </s> after {b}
    assert (a1[s["a"]], a1[s["b"]], a1[s["</s>"]]) == (1, 2, 1)
    np.testing.assert_array_equal(ngram.adjusted_counts(C, 2, 2), C.counts[1])
    np.testing.assert_array_equal(ngram.counts_of_counts(np.array([1, 1, 2, 3, 5, 9, 4])),
                                  [2, 1, 1, 1])      # exactly j; 5 and 9 fall outside
    # n = (4, 3, 2, 1): Y = 0.4, D1 = 1 - 2 Y 3/4, D2 = 2 - 3 Y 2/3, D3 = 3 - 4 Y 1/2
    np.testing.assert_allclose(ngram.modified_kn_discounts([4, 3, 2, 1]), [0.4, 1.2, 2.2])
    assert ngram.kn_discount([4, 3]) == pytest.approx(0.4)


@pytest.mark.parametrize("n_j, expected", [
    ((4, 3, 2, 1), (0.4, 1.2, 2.2)),          # Y = 0.4
    ((4, 3, 2, 0), (0.4, 1.2, 3.0)),          # n4 = 0: KenLM estimates, D3+ = 3 - 0 = 3
    ((2, 4, 1, 1), (0.2, 1.85, 2.2)),         # Y = 0.2: D2 = 2 - 3 (0.2)(1/4), D3 = 3 - 4 (0.2)
    ((2, 2, 2, 0), (1 / 3, 1.0, 3.0)),        # Y = 1/3
])
def test_modified_kn_discounts_kenlm_rule(n_j, expected):
    np.testing.assert_allclose(ngram.modified_kn_discounts(n_j), expected, rtol=1e-6)  # float32
    np.testing.assert_allclose(ngram.modified_kn_discounts(n_j, ngram.KENLM_FALLBACK), expected,
                               rtol=1e-6)     # a valid estimate ignores the fallback


@pytest.mark.parametrize("n_j, why", [
    ((4, 3, 0, 1), "n_3 = 0"),                # no count 3: D3 has no estimate
    ((4, 0, 2, 1), "n_2 = 0"),
    ((0, 3, 2, 1), "n_1 = 0"),
    ((1, 1, 5, 1), "outside"),                # Y = 1/3, D2 = 2 - 3 (1/3) 5 = -3 < 0
    ((10, 1, 1, 1), "outside"),               # Y = 5/6, D2 = 2 - 3 (5/6) = -0.5 < 0
])
def test_modified_kn_discounts_fallback_rule(n_j, why):
    with pytest.raises(ValueError, match=why):
        ngram.modified_kn_discounts(n_j)
    np.testing.assert_array_equal(ngram.modified_kn_discounts(n_j, ngram.KENLM_FALLBACK),
                                  [0.5, 1.0, 1.5])
    np.testing.assert_array_equal(ngram.modified_kn_discounts(n_j, (0.3, 0.6, 0.9)),
                                  [0.3, 0.6, 0.9])


def test_fallback_replaces_only_the_failing_order():
    # bigrams <s> a, a </s> (3 each), <s> b, b </s> (2 each), <s> c, c </s> (1 each):
    # n = (2, 2, 2, 0) -> (1/3, 1, 3). Unigram continuation counts a, b, c: 1; </s>: 3:
    # n = (3, 0, 1, 0), n_2 = 0 -> KenLM's fallback (0.5, 1, 1.5) for the unigrams only.
    train = [["a"]] * 3 + [["b"]] * 2 + [["c"]]
    with pytest.raises(ValueError, match="n_2 = 0"):
        ngram.fit(train, n=2)
    m = ngram.fit(train, n=2, discount_fallback=True)
    np.testing.assert_allclose(m.discounts, [[0.5, 1.0, 1.5], [1 / 3, 1.0, 3.0]], rtol=1e-6)
    assert m.distribution(["<s>"]).sum() == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# The hand-worked example (chapter 6, section "smoothing one change at a time")
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, kw, expected", [
    ("uniform", {}, (1 / 3) ** 3),
    ("mle", {}, 1 / 2 * 1 * 1),
    ("add_k", {"k": 1.0}, 2 / 5 * 1 / 2 * 3 / 5),
    ("jelinek_mercer", {"lam": 0.5}, 23 / 60 * 41 / 60 * 41 / 60),
    ("absolute", {"discount": 0.5}, 0.35 * 0.7 * 0.85),
    ("kneser_ney", {"discount": 0.5}, 3 / 8 * 3 / 4 * 13 / 16),
    ("modified_kneser_ney", {"discounts": (0.5, 1.0, 1.5)}, 19 / 48 * 17 / 24 * 31 / 48),
])
def test_hand_worked_bigram(method, kw, expected):
    m = ngram.fit(TINY, n=2, method=method, **kw)
    assert m.V == 3
    assert sentence_prob(m, ["a", "b"]) == pytest.approx(expected, rel=1e-12)


def test_hand_worked_kneser_ney_pieces():
    m = ngram.fit(TINY, n=2, method="kneser_ney", discount=0.5)
    s = m.stoi
    p1 = m.distribution([])                     # unigram level: continuation counts 1, 2, 1
    np.testing.assert_allclose([p1[s["a"]], p1[s["b"]], p1[s["</s>"]], p1[s["<s>"]]],
                               [1 / 4, 1 / 2, 1 / 4, 0])
    p = m.distribution(["<s>"])
    np.testing.assert_allclose([p[s["a"]], p[s["b"]], p[s["</s>"]]], [3 / 8, 1 / 2, 1 / 8])


def test_mle_gives_zero_and_infinite_perplexity():
    m = ngram.fit(TINY, n=2, method="mle")
    assert m.perplexity([["b", "a"]]) == math.inf
    assert np.isfinite(m.perplexity(TINY))


# ---------------------------------------------------------------------------------------------
# Katz back-off with Good-Turing discounts
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_r, K, expected", [
    ((6, 2, 1), 2, (1 / 3, 1 / 2)),        # m = 3/6: d1 = (4/6 - 1/2)/(1/2), d2 = (3/4 - 1/2)/(1/2)
    ((5, 2, 1), 2, (1 / 2, 3 / 8)),        # m = 3/5: d1 = (4/5 - 3/5)/(2/5), d2 = (3/4 - 3/5)/(2/5)
    ((10, 4, 2, 0), 2, (0.5, 0.375)),      # m = 0.6: d1 = (0.8 - 0.6)/0.4, d2 = (0.75 - 0.6)/0.4
    ((8, 4, 2, 1), 3, (1.0, 0.5, 1 / 3)),  # m = 4/8; r*/r = 1, 0.75, 2/3; d = (r*/r - m)/(1 - m)
])
def test_katz_discounts_known_values(n_r, K, expected):
    np.testing.assert_allclose(ngram.katz_discounts(n_r, K), expected, rtol=1e-12)


@pytest.mark.parametrize("n_r, K, expected, why", [
    ((0, 3, 2), 2, (1, 1), "n_1 = 0: nothing to learn the unseen mass from"),
    ((2, 3, 1), 2, (1, 1), "m = 3/2 >= 1"),
    ((4, 0, 1), 2, (1, 1), "n_2 = 0: r* = 0 for r = 1, n_2 = 0 for r = 2 (both out of range)"),
    ((8, 8, 0), 2, (1, 1), "d1 = 2 > 1 and d2 = 0 (n_3 = 0)"),
    ((10, 6, 3, 1), 3, (1, 0.35 / 0.6, (4 / 9 - 0.4) / 0.6), "m = 0.4, d1 = 0.8/0.6 > 1 only"),
])
def test_katz_discounts_unusable_rule(n_r, K, expected, why):
    np.testing.assert_allclose(ngram.katz_discounts(n_r, K), expected, rtol=1e-12, err_msg=why)


KATZ_TRAIN = [["b", "b", "b"], ["b", "a", "a"], ["a", "b", "b"]]


def test_katz_hand_worked_bigram():
    """Bigram counts <s> a 1, <s> b 2, a a 1, a b 1, a </s> 1, b a 1, b b 3, b </s> 2: n_r =
    (5, 2, 1), so with K = 2: m = 3/5, d_1 = 1/2, d_2 = 3/8 (count 3 > K keeps d = 1).
    Unigrams a 3, b 6, </s> 3 (N = 12), c unseen (V = 4): n_1 = 0, so no discount; every count is
    above K, so Witten-Bell: p*(a, b, </s>) = (3, 6, 3)/15, left 1/5 over c's p_0 = 1/4:
    gamma = (1/5)/(1/4) = 4/5, p_1(c) = 1/5."""
    m = ngram.fit(KATZ_TRAIN, n=2, method="katz", gt_max=2, vocab=["a", "b", "c"])
    s = m.stoi
    np.testing.assert_allclose(m.discounts, [[1, 1], [1 / 2, 3 / 8]], rtol=1e-12)

    def probs(ctx):
        p = m.distribution(ctx)
        return [p[s[w]] for w in ("a", "b", "c", "</s>")]

    np.testing.assert_allclose(probs([]), [1 / 5, 2 / 5, 1 / 5, 1 / 5], rtol=1e-12)
    # after b (6): p*(b) = 3/6, p*(a) = (1/2)(1)/6 = 1/12, p*(</s>) = (3/8)(2)/6 = 1/8; left 7/24
    # goes to c in proportion to p_1(c) among the unseen: gamma = (7/24)/(1/5) = 35/24
    np.testing.assert_allclose(probs(["b"]), [1 / 12, 1 / 2, 7 / 24, 1 / 8], rtol=1e-12)
    # after <s> (3): p*(a) = (1/2)/3 = 1/6, p*(b) = (3/8)(2)/3 = 1/4; left 7/12 over c and </s>
    # (p_1 = 1/5 each): gamma = (7/12)/(2/5) = 35/24, so 7/24 each
    np.testing.assert_allclose(probs(["<s>"]), [1 / 6, 1 / 4, 7 / 24, 7 / 24], rtol=1e-12)
    # after a (3): a, b, </s> once each: 1/6 each, left 1/2 to c: gamma = (1/2)/(1/5) = 5/2
    np.testing.assert_allclose(probs(["a"]), [1 / 6, 1 / 6, 1 / 2, 1 / 6], rtol=1e-12)
    np.testing.assert_allclose(m.gamma[1][[s["<s>"], s["a"], s["b"]]], [35 / 24, 5 / 2, 35 / 24])
    # P(b b) = p(b | <s>) p(b | b) p(</s> | b) = 1/4 * 1/2 * 1/8
    assert sentence_prob(m, ["b", "b"]) == pytest.approx(1 / 64, rel=1e-12)
    # back-off, not interpolation: a seen bigram's probability ignores the lower order
    assert m.backoff and not ngram.fit(KATZ_TRAIN, n=2, method="absolute", discount=0.5).backoff


def test_katz_every_word_seen_renormalises():
    """Closed vocabulary {a, b, </s>}: after a every word was seen, so the discounted
    probabilities (1/6 each) are renormalised and gamma = 0; the unigram level is maximum
    likelihood (no discount, Witten-Bell, then renormalised: nothing unseen)."""
    m = ngram.fit(KATZ_TRAIN, n=2, method="katz", gt_max=2)
    s = m.stoi
    p1 = m.distribution([])
    np.testing.assert_allclose([p1[s["a"]], p1[s["b"]], p1[s["</s>"]]], [1 / 4, 1 / 2, 1 / 4])
    pa = m.distribution(["a"])
    np.testing.assert_allclose([pa[s["a"]], pa[s["b"]], pa[s["</s>"]]], [1 / 3, 1 / 3, 1 / 3])
    assert m.gamma[1][s["a"]] == 0 and m.gamma[1][s["b"]] == 0
    # after <s>: p*(a) = 1/6, p*(b) = 1/4, left 7/12 all to </s> (the only unseen word)
    ps = m.distribution(["<s>"])
    np.testing.assert_allclose([ps[s["a"]], ps[s["b"]], ps[s["</s>"]]], [1 / 6, 1 / 4, 7 / 12])


def katz_reference(sentences, n, K, vocab):
    """Katz back-off by the book in exact fractions, with a Counter of tuples (nothing shared
    with helpers.ngram's arrays). Returns prob(w, history)."""
    from fractions import Fraction as F

    words = [w for w in vocab if w != "<s>"] + ["</s>"]
    V = len(words)
    c = naive_counts(sentences, n)

    def discounts(k):
        n_r = collections.Counter(v for g, v in c.items() if len(g) == k)
        d = {r: F(1) for r in range(1, K + 1)}
        if n_r[1] == 0 or F((K + 1) * n_r[K + 1], n_r[1]) >= 1:
            return d
        m = F((K + 1) * n_r[K + 1], n_r[1])
        for r in range(1, K + 1):
            if n_r[r] > 0:
                est = (F((r + 1) * n_r[r + 1], r * n_r[r]) - m) / (1 - m)
                d[r] = est if 0 < est <= 1 else F(1)
        return d

    D = {k: discounts(k) for k in range(1, n + 1)}

    @functools.lru_cache(maxsize=None)
    def p(w, u):                                     # p_k(w | u), k = len(u) + 1
        k = len(u) + 1
        lower = (lambda v: F(1, V)) if k == 1 else (lambda v: p(v, u[1:]))
        follow = {v: c[u + (v,)] for v in words if c[u + (v,)] > 0}
        total = sum(follow.values())
        if total == 0:
            return lower(w)
        star = {v: (D[k][r] if r <= K else 1) * r for v, r in follow.items()}
        freed, denom = total - sum(star.values()), total
        if freed == 0:                               # no count discounted: Witten-Bell
            freed, denom = len(follow), total + len(follow)
        left = F(freed) / denom
        below = 1 - sum(lower(v) for v in follow)
        if len(follow) == V or below == 0:           # no unseen word can take the mass
            return star[w] / denom / (1 - left) if w in follow else F(0)
        return star[w] / denom if w in follow else left / below * lower(w)

    def prob(w, history):                            # history starts with <s>
        return p(w, tuple(history[max(0, len(history) - (n - 1)):]) if n > 1 else ())
    return prob


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_katz_matches_an_exact_reference(seed, n):
    rng = np.random.default_rng(seed)
    words = ["a", "b", "c", "d", "e", "f"]
    zipf = 1 / np.arange(1, 6)
    train = [list(rng.choice(words[:5], size=rng.integers(1, 7), p=zipf / zipf.sum()))
             for _ in range(int(rng.integers(20, 120)))]
    test = [list(rng.choice(words, size=rng.integers(0, 6))) for _ in range(15)]
    K = int(rng.integers(2, 5))
    m = ngram.fit(train, n=n, method="katz", gt_max=K, vocab=words)
    ref = katz_reference(train, n, K, words)
    want = [float(ref(w, ["<s>", *s][:i + 1])) for s in test
            for i, w in enumerate([*s, "</s>"])]
    np.testing.assert_allclose(np.exp(m.log_probs(test)), want, rtol=1e-10)


def test_katz_on_kjv_has_no_zero_and_beats_add_k(kjv_counts):
    c, C = kjv_counts
    m = ngram.fit(n=3, counts=C, method="katz")
    assert m.hyper["gt_max"] == 5 and m.discounts.shape == (3, 5)
    assert np.all((m.discounts > 0) & (m.discounts < 1))   # the estimate is usable on KJV
    lp = m.log_probs(c.valid)
    assert np.all(np.isfinite(lp))                     # the rules leave no zero
    assert 70 < m.perplexity(c.valid) < 100
    for ctx in (["<s>"], ["<s>", "and"], ["the", "lord"], ["according"], ["zzz", "qqq"]):
        assert m.distribution(ctx).sum() == pytest.approx(1.0, abs=1e-10)


def katz_bigram_solution(C, p_lower, gt_max):
    """The chapter's exercise solution (keep in step with the notebook)."""
    d = ngram.katz_discounts(ngram.counts_of_counts(C[C > 0], gt_max + 1), gt_max)
    d_r = np.concatenate([[0.0], d, [1.0]])[np.minimum(C, gt_max + 1)]
    total = C.sum(axis=1, keepdims=True)
    p_star = d_r * C / np.maximum(total, 1)
    left = 1 - p_star.sum(axis=1, keepdims=True)
    unseen_lower = np.where(C == 0, p_lower, 0.0).sum(axis=1, keepdims=True)
    gamma = np.where(total > 0, left / unseen_lower, 1.0)
    return np.where(C > 0, p_star, gamma * p_lower)


def test_check_katz_accepts_a_correct_implementation(capsys):
    assert ngram.check_katz(katz_bigram_solution, n_cases=15)
    assert "all 15 cases agree" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [
    # plain Good-Turing ratio r*/r without Katz's renormalisation
    lambda C, p, K: katz_bigram_solution(C, p, K) * 0 + _katz_variant(C, p, K, renorm=False),
    # the left-over mass spread over the lower order without normalising by the unseen part
    lambda C, p, K: _katz_variant(C, p, K, normalise=False),
    # interpolation instead of back-off: the seen bigrams also get gamma * p_lower
    lambda C, p, K: _katz_variant(C, p, K, interpolate=True),
    # maximum likelihood: nothing discounted
    lambda C, p, K: np.where(C.sum(1, keepdims=True) > 0, C / np.maximum(C.sum(1, keepdims=True),
                                                                        1), p),
])
def test_check_katz_rejects_wrong_implementations(wrong, capsys):
    assert not ngram.check_katz(wrong, n_cases=15)
    out = capsys.readouterr().out
    assert "expected" in out and "got" in out


def _katz_variant(C, p_lower, K, renorm=True, normalise=True, interpolate=False):
    n_r = ngram.counts_of_counts(C[C > 0], K + 1).astype(float)
    if renorm:
        d = ngram.katz_discounts(n_r.astype(np.int64), K)
    else:
        r = np.arange(1, K + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.nan_to_num((r + 1) * n_r[1:] / (r * n_r[:-1]), nan=1.0)
        d = np.where((d > 0) & (d <= 1), d, 1.0)
    d_r = np.concatenate([[0.0], d, [1.0]])[np.minimum(C, K + 1)]
    total = C.sum(axis=1, keepdims=True)
    p_star = d_r * C / np.maximum(total, 1)
    left = 1 - p_star.sum(axis=1, keepdims=True)
    unseen = np.where(C == 0, p_lower, 0.0).sum(axis=1, keepdims=True) if normalise else 1.0
    gamma = np.where(total > 0, left / unseen, 1.0)
    if interpolate:
        return np.where(total > 0, p_star + left * p_lower, p_lower)
    return np.where(C > 0, p_star, gamma * p_lower)


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------

def method_kwargs(method):
    return {"add_k": {"k": 0.3}, "jelinek_mercer": {"lam": 0.6}, "absolute": {"discount": 0.7},
            "kneser_ney": {"discount_fallback": True},
            "modified_kneser_ney": {"discount_fallback": True}}.get(method, {})


WORDS = ["a", "b", "c", "d", "e"]
sentence = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=st.lists(sentence, min_size=1, max_size=8),
       n=st.integers(1, 4),
       method=st.sampled_from(ngram.METHODS),
       context=st.lists(st.sampled_from(WORDS + ["<s>", "</s>", "zzz"]), max_size=5),
       test=sentence)
def test_every_conditional_sums_to_one(train, n, method, context, test):
    n = min(n, max(map(len, train)) + 2)          # no order beyond the longest sentence
    m = ngram.fit(train, n=n, method=method, vocab=["<unk>", *WORDS], **method_kwargs(method))
    p = m.distribution(context)
    assert p.shape == (len(m.itos),)
    assert np.all(p >= 0) and p[m.bos_id] == 0
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    # the vectorised scorer and the one-context-at-a-time distribution agree
    with np.errstate(divide="ignore"):
        lp = m.log_probs([test])
    toks = ["<s>", *test, "</s>"]
    for i in range(1, len(toks)):
        q = m.distribution(toks[:i])[m.stoi.get(toks[i], m.unk_id)]
        assert math.exp(lp[i - 1]) == pytest.approx(q, rel=1e-9, abs=1e-300)


def test_uniform_perplexity_is_the_vocabulary_size():
    m = ngram.fit(TINY + [["c", "d", "a"]], n=3, method="uniform", vocab=["<unk>", "a", "b",
                                                                          "c", "d"])
    assert m.V == 6                               # 7 ids minus <s>
    assert m.perplexity([["a", "zzz", "b"], []]) == pytest.approx(6.0, rel=1e-12)


def test_shared_counts_give_the_same_model():
    rng = np.random.default_rng(1)
    sents = [list(rng.choice(WORDS, size=rng.integers(1, 8))) for _ in range(200)]
    C = ngram.count_ngrams(sents, 4)
    for n in (2, 3):
        a = ngram.fit(sents, n=n, discount_fallback=True)
        b = ngram.fit(n=n, counts=C, discount_fallback=True)
        np.testing.assert_allclose(a.log_probs(sents[:20]), b.log_probs(sents[:20]), rtol=1e-12)


def test_sampling_is_reproducible_and_temperature_sharpens():
    rng = np.random.default_rng(2)
    sents = [list(rng.choice(WORDS, size=rng.integers(1, 8), p=[.5, .2, .1, .1, .1]))
             for _ in range(300)]
    m = ngram.fit(sents, n=2, method="kneser_ney", discount_fallback=True)
    s1 = m.sample(np.random.default_rng(5), temperature=0.7)
    s2 = m.sample(np.random.default_rng(5), temperature=0.7)
    assert s1 == s2 and all(w in m.stoi for w in s1)
    cold = [w for _ in range(30) for w in m.sample(np.random.default_rng(_), temperature=0.05,
                                                   max_len=10)]
    assert collections.Counter(cold).most_common(1)[0][0] == "a"


def test_sample_texts_over_the_widget_grid():
    rng = np.random.default_rng(3)
    sents = [list(rng.choice(WORDS, size=rng.integers(1, 8))) for _ in range(100)]
    C = ngram.count_ngrams(sents, 5)
    models = {n: ngram.fit(n=n, counts=C, discount_fallback=True) for n in range(1, 6)}
    for n in range(1, 6):
        for t in (0.3, 0.5, 0.7, 1.0, 1.5, 3.0):          # the chapter uses 0.5 .. 1.5
            texts = ngram.sample_texts(models, n, t, seed=0, k=3)
            assert len(texts) == 3 and all(isinstance(x, str) and x for x in texts)


@functools.lru_cache(maxsize=None)
def widget_models():
    rng = np.random.default_rng(3)
    sents = [list(rng.choice(WORDS, size=rng.integers(1, 8))) for _ in range(100)]
    C = ngram.count_ngrams(sents, 5)
    return {n: ngram.fit(n=n, counts=C, discount_fallback=True) for n in range(1, 6)}


def test_sample_explorer_renders_every_frame():
    ex = ngram.sample_explorer(widget_models(), seed=7)
    assert [c.values for c in ex.controls] == [(1, 2, 3, 4, 5), ngram.TEMPERATURES]
    assert ex.defaults == {"n": 3, "temperature": 1.0}
    assert ex.static_names == ("n", "temperature")
    frames = list(ex.grid(ex.static_names))
    assert len(frames) == 5 * len(ngram.TEMPERATURES)
    for params in frames:
        frame = ex.render(**params)      # text, not a picture of text
        assert isinstance(frame, TextFrame)
        assert frame.title == (f"{params['n']}-gram, modified Kneser-Ney, "
                               f"temperature {params['temperature']}")
        texts = ngram.sample_texts(widget_models(), params["n"], params["temperature"], seed=7)
        assert list(frame.items) == texts
        page = ex.frame_html(**params)
        assert "<img" not in page and page.count("<li>") == 3
        assert all(html.escape(t) in page for t in texts)


def test_sample_explorer_defaults_to_the_chapters_models():
    """Without models it fits the chapter's (KJV, modified KN, orders 1-5): what the widget
    benchmark times."""
    ex = ngram.sample_explorer()
    assert ex.defaults == {"n": 3, "temperature": 1.0}
    frame = ex.render()
    assert frame.title.startswith("3-gram") and len(frame.items) == 3


def test_context_seen():
    m = ngram.fit(TINY, n=3, method="kneser_ney", discount=0.5)
    # contexts: <s> | <s> a | a b ; then <s> | <s> b | b a (unseen)
    np.testing.assert_array_equal(m.context_seen([["a", "b"], ["b", "a"]]),
                                  [False, True, True, False, True, False])
    assert ngram.fit(TINY, n=1, method="mle").context_seen([["a"]]).all()


def test_matched_order():
    m = ngram.fit(TINY, n=3, method="kneser_ney", discount=0.5)
    # <s> a b </s>: "<s> a" (2), "<s> a b" (3), "a b </s>" (3); b a: "<s> b", then "b a" unseen
    np.testing.assert_array_equal(m.matched_order([["a", "b"], ["b", "a"]]), [2, 3, 3, 2, 1, 1])


# ---------------------------------------------------------------------------------------------
# KenLM reads our ARPA and returns our log10 probabilities
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kjv_small():
    from helpers.data import load_corpus
    c = load_corpus("kjv")
    return c.train[:3000], c.test[:300], c.vocab


@pytest.mark.parametrize("method, kw", [
    ("modified_kneser_ney", {}), ("kneser_ney", {}), ("absolute", {"discount": 0.8}),
    ("jelinek_mercer", {"lam": 0.7}), ("add_k", {"k": 0.1}), ("uniform", {}), ("katz", {}),
])
@pytest.mark.parametrize("n", [2, 3, 5])                # KenLM loads bigrams and up
def test_kenlm_reads_our_arpa(kjv_small, tmp_path, method, kw, n):
    pytest.importorskip("kenlm")
    train, test, _ = kjv_small
    m = ngram.fit(train, n=n, method=method, **kw)      # closed vocabulary, plus <unk> below
    m = ngram.fit(train, n=n, method=method, vocab=["<unk>", *m.itos], **kw)
    path = tmp_path / "m.arpa"
    m.to_arpa(path)
    theirs, lengths, oov = ngram.kenlm_scores(path, test)
    ours = m.log_probs(test) / math.log(10)
    np.testing.assert_allclose(theirs, ours, atol=2e-6)
    np.testing.assert_array_equal(lengths, m.matched_order(test))
    assert oov == sum(t not in m.stoi for s in test for t in s) > 0


def test_arpa_header_and_mle_refused():
    m = ngram.fit(TINY, n=2, method="kneser_ney", discount=0.5)
    buf = io.StringIO()
    m.to_arpa(buf)
    text = buf.getvalue()
    assert "ngram 1=4\nngram 2=4\n" in text and text.rstrip().endswith("\\end\\")
    assert "-99.0000000\t<s>\t" in text
    with pytest.raises(ValueError, match="probability 0"):
        ngram.fit(TINY, n=2, method="mle").to_arpa(io.StringIO())


# ---------------------------------------------------------------------------------------------
# Bad inputs: one table for every public function, class and method; each row asserts the
# exception type and that the message names the argument
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def closed_model():
    """The worked example's Kneser-Ney bigram, closed vocabulary (no <unk>)."""
    return ngram.fit(TINY, n=2, method="kneser_ney", discount=0.5)


@functools.lru_cache(maxsize=None)
def tiny_counts():
    return ngram.count_ngrams(TINY, 2)


TINY_ITOS = ("</s>", "<s>", "a", "b")
STOI = {"<unk>": 0, "</s>": 1, "<s>": 2, "a": 3, "b": 4}
NAN, INF = float("nan"), float("inf")
BAD_SENTENCES = [                       # shared by every method that scores sentences
    ([], ValueError, "sentences is empty"),
    ("a b", TypeError, "sentences"),
    (["a", "b"], TypeError, r"sentences\[0\]"),
    ([["a", 1]], TypeError, r"sentences\[0\]\[1\].*not ids"),       # an id is not a word
    ([[np.int64(3)]], TypeError, r"sentences\[0\]\[0\]"),
    ([["zzz"]], ValueError, "sentences contain the word 'zzz'"),      # closed vocabulary
    (None, TypeError, "sentences"),
    (np.array([["a", "b"]]), TypeError, "sentences"),
]


def model_call(method, *args, **kw):
    return lambda: getattr(closed_model(), method)(*args, **kw)


def replace_counts(**kw):
    return lambda: dataclasses.replace(tiny_counts(), **kw)


def new_lm(**kw):
    C = tiny_counts()
    m = closed_model()
    args = {"counts": C, "n": 2, "method": "kneser_ney", "alpha": m.alpha, "gamma": m.gamma}
    args.update(kw)
    return lambda: ngram.NGramLM(**args)


def fit_call(**kw):
    args = {"sentences": TINY, "n": 2, **kw}
    return lambda: ngram.fit(**args)


BAD = [
    # encode_sentences
    *[("encode_sentences", lambda s=s: ngram.encode_sentences(s, STOI), e, m)
      for s, e, m in BAD_SENTENCES if "zzz" not in m],
    ("encode_sentences", lambda: ngram.encode_sentences([["a"]], {"a": 0}), ValueError, "stoi"),
    ("encode_sentences", lambda: ngram.encode_sentences([["a"]], [("a", 0)]), TypeError, "stoi"),
    ("encode_sentences", lambda: ngram.encode_sentences(
        [["a"]], {"<s>": 0, "</s>": 1, "a": -1}), TypeError, "stoi"),
    ("encode_sentences", lambda: ngram.encode_sentences([["zzz"]], {"<s>": 0, "</s>": 1}),
     ValueError, "sentences contain the word 'zzz'"),
    # count_ngrams
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 0), ValueError, "n must be"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 2.5), TypeError, "n must be"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, True), TypeError, "n must be"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 5), ValueError,
     "n must be <= 4, the longest sentence"),                       # <s> a b </s>: 4 tokens
    ("count_ngrams", lambda: ngram.count_ngrams([], 2), ValueError, "sentences is empty"),
    ("count_ngrams", lambda: ngram.count_ngrams("a b", 2), TypeError, "sentences"),
    ("count_ngrams", lambda: ngram.count_ngrams([["a", 7]], 2), TypeError, r"sentences\[0\]\[1\]"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 2, vocab="ab"), TypeError, "vocab"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 2, vocab=["a", "a", "b"]), ValueError,
     "vocab must not contain duplicate"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 2, vocab=["a", 3]), TypeError,
     r"vocab\[1\]"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 2, vocab=["<s>", "</s>"]), ValueError,
     "vocab must hold at least one word"),
    ("count_ngrams", lambda: ngram.count_ngrams(TINY, 2, vocab=5), TypeError, "vocab"),
    # NGramCounts (the class) and its methods
    ("NGramCounts", replace_counts(n=0), ValueError, "n must be"),
    ("NGramCounts", replace_counts(n=1.0), TypeError, "n must be"),
    ("NGramCounts", replace_counts(itos=list(TINY_ITOS)), TypeError, "itos"),
    ("NGramCounts", replace_counts(itos=("a", "b", "c", "d")), ValueError, "itos must contain"),
    ("NGramCounts", lambda: dataclasses.replace(tiny_counts(), keys=tiny_counts().keys[:1]),
     ValueError, "keys must be a tuple of 2"),
    ("NGramCounts", lambda: dataclasses.replace(
        tiny_counts(), counts=(tiny_counts().counts[0], tiny_counts().counts[1][:-1])),
     ValueError, r"counts\[1\]"),
    ("NGramCounts", replace_counts(n_tokens=-1), ValueError, "n_tokens"),
    ("NGramCounts.words", lambda: tiny_counts().words(0), ValueError, "k must be"),
    ("NGramCounts.words", lambda: tiny_counts().words(3), ValueError, "k must be"),
    ("NGramCounts.words", lambda: tiny_counts().words(1.5), TypeError, "k must be"),
    ("NGramCounts.words", lambda: tiny_counts().words("1"), TypeError, "k must be"),
    ("NGramCounts.words", lambda: tiny_counts().words(None), TypeError, "k must be"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(0, 0, 1), ValueError, "k must be"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(3, 0, 1), ValueError, "k must be"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(2, "a", 1), TypeError, "ctx_index"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(2, 0, 99), ValueError, "w must be"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(2, -2, 1), ValueError, "ctx_index"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(2, 0, 0.5), ValueError, "w must hold"),
    ("NGramCounts.lookup", lambda: tiny_counts().lookup(2, [0, 1], [0, 1, 2]), ValueError,
     "ctx_index and w must broadcast"),
    # adjusted_counts
    ("adjusted_counts", lambda: ngram.adjusted_counts("counts", 1, 2), TypeError, "counts"),
    ("adjusted_counts", lambda: ngram.adjusted_counts(tiny_counts(), 0, 2), ValueError, "k must"),
    ("adjusted_counts", lambda: ngram.adjusted_counts(tiny_counts(), 2, 1), ValueError, "k must"),
    ("adjusted_counts", lambda: ngram.adjusted_counts(tiny_counts(), 1, 3), ValueError, "n must"),
    ("adjusted_counts", lambda: ngram.adjusted_counts(tiny_counts(), 1, 0), ValueError, "n must"),
    ("adjusted_counts", lambda: ngram.adjusted_counts(tiny_counts(), 1.0, 2), TypeError, "k must"),
    # counts_of_counts
    ("counts_of_counts", lambda: ngram.counts_of_counts([-1, 2]), ValueError, "a .counts. must"),
    ("counts_of_counts", lambda: ngram.counts_of_counts([[1, 2]]), ValueError, "a must have 1"),
    ("counts_of_counts", lambda: ngram.counts_of_counts([1.5]), ValueError, "a must hold integers"),
    ("counts_of_counts", lambda: ngram.counts_of_counts([NAN]), ValueError, "a must hold integers"),
    ("counts_of_counts", lambda: ngram.counts_of_counts("abc"), TypeError, "a must be"),
    ("counts_of_counts", lambda: ngram.counts_of_counts([1, 2], upto=0), ValueError, "upto"),
    ("counts_of_counts", lambda: ngram.counts_of_counts([1, 2], upto=2.0), TypeError, "upto"),
    # modified_kn_discounts
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([1, 2, 3]), ValueError,
     "n_j must hold at least 4"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([-1, 2, 3, 4]), ValueError,
     "n_j"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([1.5, 2, 3, 4]), ValueError,
     "n_j must hold integers"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([NAN, 2, 3, 4]), ValueError,
     "n_j must hold integers"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts("abcd"), TypeError, "n_j"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([0, 1, 1, 1]), ValueError,
     r"n_j = \[0, 1, 1, 1\]"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([4, 3, 2, 1], (0.5, 1)),
     ValueError, "fallback"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([4, 3, 2, 1], (NAN, 1, 1.5)),
     ValueError, "fallback"),
    ("modified_kn_discounts", lambda: ngram.modified_kn_discounts([4, 3, 2, 1], (2, 1, 1.5)),
     ValueError, "fallback"),
    # kn_discount
    ("kn_discount", lambda: ngram.kn_discount([1]), ValueError, "n_j must hold at least 2"),
    ("kn_discount", lambda: ngram.kn_discount([-1, 2]), ValueError, "n_j"),
    ("kn_discount", lambda: ngram.kn_discount([1.5, 2]), ValueError, "n_j must hold integers"),
    ("kn_discount", lambda: ngram.kn_discount("ab"), TypeError, "n_j"),
    ("kn_discount", lambda: ngram.kn_discount([0, 2]), ValueError, r"n_j = \[0, 2\]"),
    ("kn_discount", lambda: ngram.kn_discount([[1, 2]]), ValueError, "n_j must have 1"),
    # katz_discounts
    ("katz_discounts", lambda: ngram.katz_discounts([5, 2], 2), ValueError, "n_r"),   # < K + 1
    ("katz_discounts", lambda: ngram.katz_discounts([5, -2, 1], 2), ValueError, "n_r"),
    ("katz_discounts", lambda: ngram.katz_discounts([5.5, 2, 1], 2), ValueError, "n_r"),
    ("katz_discounts", lambda: ngram.katz_discounts("521", 2), TypeError, "n_r"),
    ("katz_discounts", lambda: ngram.katz_discounts([5, 2, 1], 1), ValueError,
     "gt_max must be >= 2"),
    ("katz_discounts", lambda: ngram.katz_discounts([5, 2, 1], 0), ValueError, "gt_max"),
    ("katz_discounts", lambda: ngram.katz_discounts([5, 2, 1], 2.0), TypeError, "gt_max"),
    ("katz_discounts", lambda: ngram.katz_discounts([5, 2, 1], None), TypeError, "gt_max"),
    # check_katz (the exercise's check)
    ("check_katz", lambda: ngram.check_katz("katz"), TypeError, "fn must be a function"),
    ("check_katz", lambda: ngram.check_katz(None), TypeError, "fn must be a function"),
    ("check_katz", lambda: ngram.check_katz(katz_bigram_solution, n_cases=0), ValueError,
     "n_cases"),
    ("check_katz", lambda: ngram.check_katz(katz_bigram_solution, n_cases=2.5), TypeError,
     "n_cases"),
    ("check_katz", lambda: ngram.check_katz(katz_bigram_solution, n_cases="3"), TypeError,
     "n_cases"),
    ("check_katz", lambda: ngram.check_katz(katz_bigram_solution, seed=-1), ValueError, "seed"),
    ("check_katz", lambda: ngram.check_katz(katz_bigram_solution, seed=NAN), TypeError, "seed"),
    # NGramLM (the class)
    ("NGramLM", new_lm(counts="counts"), TypeError, "counts"),
    ("NGramLM", new_lm(n=3), ValueError, "n must be"),
    ("NGramLM", new_lm(method="witten_bell"), ValueError, "method must be one of"),
    ("NGramLM", lambda: new_lm(alpha=closed_model().alpha[:1])(), ValueError, "alpha must hold"),
    ("NGramLM", lambda: new_lm(alpha=(closed_model().alpha[0] * NAN, closed_model().alpha[1]))(),
     ValueError, r"alpha\[0\]"),
    ("NGramLM", lambda: new_lm(gamma=(closed_model().gamma[0], closed_model().gamma[1][:-1]))(),
     ValueError, r"gamma\[1\]"),
    ("NGramLM", lambda: new_lm(gamma=(-closed_model().gamma[0], closed_model().gamma[1]))(),
     ValueError, r"gamma\[0\]"),
    ("NGramLM", new_lm(hyper="k=1"), TypeError, "hyper"),
    # fit
    ("fit", fit_call(method="katz", gt_max=1), ValueError, "gt_max must be >= 2"),
    ("fit", fit_call(method="katz", gt_max=2.5), TypeError, "gt_max"),
    ("fit", fit_call(method="katz", gt_max=-3), ValueError, "gt_max"),
    ("fit", fit_call(method="kneser_ney", gt_max=5), ValueError, "gt_max is only used"),
    ("fit", fit_call(method="katz", discount_fallback=True), ValueError, "discount_fallback"),
    ("fit", fit_call(method="katz", discount=0.5), ValueError, "discount="),
    ("fit", fit_call(n=0), ValueError, "n must be"),
    ("fit", fit_call(n=2.5), TypeError, "n must be"),
    ("fit", fit_call(n=True), TypeError, "n must be"),
    ("fit", fit_call(n=9), ValueError, "n must be <= 4"),
    ("fit", fit_call(sentences=[]), ValueError, "sentences is empty"),
    ("fit", fit_call(sentences="a b"), TypeError, "sentences"),
    ("fit", fit_call(sentences=["a", "b"]), TypeError, r"sentences\[0\]"),
    ("fit", fit_call(sentences=None), ValueError, "sentences must be given"),
    ("fit", fit_call(method="witten_bell"), ValueError, "method must be one of"),
    ("fit", fit_call(method="absolute", discount=1.0), ValueError,
     r"discount must lie in \[0, 1\)"),
    ("fit", fit_call(method="absolute", discount=-0.1), ValueError, r"discount must lie"),
    ("fit", fit_call(method="absolute", discount=NAN), ValueError, "discount must hold finite"),
    ("fit", fit_call(method="kneser_ney", discount=INF), ValueError, "discount must hold finite"),
    ("fit", fit_call(method="kneser_ney", discount="0.5"), TypeError, "discount must be"),
    ("fit", fit_call(method="kneser_ney", discount=(0.5, 0.5, 0.5)), ValueError,
     "discount must be a number or one number per order"),
    ("fit", fit_call(method="absolute"), ValueError, "discount must be given"),
    ("fit", fit_call(method="modified_kneser_ney", discount=0.5), ValueError, "discount="),
    ("fit", fit_call(discounts=(0.5, 2.5, 1.0)), ValueError, "discounts .* 0 <= D_j <= j"),
    ("fit", fit_call(discounts=(0.5, 1.0)), ValueError, "discounts must have shape"),
    ("fit", fit_call(discounts=(0.5, NAN, 1.0)), ValueError, "discounts must hold finite"),
    ("fit", fit_call(method="kneser_ney", discounts=(0.5, 1.0, 1.5)), ValueError,
     "discounts= .* is for method='modified_kneser_ney'"),
    ("fit", fit_call(method="add_k", k=0.0), ValueError, "k must be"),
    ("fit", fit_call(method="add_k", k=NAN), ValueError, "k must be"),
    ("fit", fit_call(method="add_k", k=INF), ValueError, "k must be"),
    ("fit", fit_call(method="add_k"), ValueError, "k must be given"),
    ("fit", fit_call(method="mle", k=1.0), ValueError, "k is only used"),
    ("fit", fit_call(method="jelinek_mercer", lam=1.5), ValueError, "lam must be"),
    ("fit", fit_call(method="jelinek_mercer", lam=NAN), ValueError, "lam must be"),
    ("fit", fit_call(method="jelinek_mercer"), ValueError, "lam must be given"),
    ("fit", fit_call(method="add_k", k=1.0, lam=0.5), ValueError, "lam is only used"),
    ("fit", fit_call(discount_fallback="yes"), TypeError, "discount_fallback"),
    ("fit", fit_call(method="add_k", k=1.0, discount_fallback=True), ValueError,
     "discount_fallback is for"),
    ("fit", fit_call(), ValueError, "discount_fallback=True"),        # too few n-grams
    ("fit", lambda: ngram.fit(n=3, counts=tiny_counts()), ValueError, "n must be <= 2"),
    ("fit", lambda: ngram.fit(n=2, counts="counts"), TypeError, "counts"),
    ("fit", lambda: ngram.fit(TINY, n=2, counts=tiny_counts()), ValueError,
     "counts was given, so sentences and vocab must be None"),
    # scoring methods: the same bad sentences for each
    *[(f"NGramLM.{meth}", model_call(meth, s), e, m)
      for meth in ("log_probs", "perplexity", "matched_order", "context_seen")
      for s, e, m in BAD_SENTENCES],
    # distribution: words only, ids refused (the ambiguity of issue 13)
    ("NGramLM.distribution", model_call("distribution", "a b"), TypeError, "context"),
    ("NGramLM.distribution", model_call("distribution", [1]), TypeError,
     r"context\[0\].*not ids"),
    ("NGramLM.distribution", model_call("distribution", ["a", np.int64(3)]), TypeError,
     r"context\[1\]"),
    ("NGramLM.distribution", model_call("distribution", ["zzz"]), ValueError,
     "context contains the word 'zzz'"),
    ("NGramLM.distribution", model_call("distribution", None), TypeError, "context"),
    ("NGramLM.distribution", model_call("distribution", [["a"]]), TypeError, r"context\[0\]"),
    # sample
    ("NGramLM.sample", model_call("sample", None), TypeError, "rng"),
    ("NGramLM.sample", model_call("sample", np.random.RandomState(0)), TypeError, "rng"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), temperature=0), ValueError,
     "temperature"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), temperature=NAN),
     ValueError, "temperature"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), temperature=INF),
     ValueError, "temperature"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), temperature="1"),
     TypeError, "temperature"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), max_len=0), ValueError,
     "max_len"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), max_len=2.5), TypeError,
     "max_len"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), prefix="a"), TypeError,
     "prefix"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), prefix=[3]), TypeError,
     r"prefix\[0\]"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), prefix=["</s>"]),
     ValueError, "prefix must not contain"),
    ("NGramLM.sample", model_call("sample", np.random.default_rng(0), prefix=["zzz"]),
     ValueError, "prefix contains the word 'zzz'"),
    # to_arpa
    ("NGramLM.to_arpa", model_call("to_arpa", None), TypeError, "path"),
    ("NGramLM.to_arpa", model_call("to_arpa", 3), TypeError, "path"),
    ("NGramLM.to_arpa", model_call("to_arpa", b"m.arpa"), TypeError, "path"),
    ("NGramLM.to_arpa", model_call("to_arpa", ""), ValueError, "path"),
    ("NGramLM.to_arpa", model_call("to_arpa", "."), ValueError, "path must name a file"),
    ("NGramLM.to_arpa", lambda: ngram.fit(TINY, n=2, method="mle").to_arpa(io.StringIO()),
     ValueError, "method 'mle' gives some n-grams probability 0"),
    # sample_texts
    ("sample_texts", lambda: ngram.sample_texts({}, 2, 1.0), TypeError, "models"),
    ("sample_texts", lambda: ngram.sample_texts([closed_model()], 2, 1.0), TypeError, "models"),
    ("sample_texts", lambda: ngram.sample_texts({2: "model"}, 2, 1.0), TypeError,
     r"models\[2\]"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 3, 1.0), ValueError,
     "n must be one of the fitted orders"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, "2", 1.0), TypeError,
     "n must be"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 2, 0.0), ValueError,
     "temperature"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 2, NAN), ValueError,
     "temperature"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 2, 1.0, seed=-1),
     ValueError, "seed"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 2, 1.0, seed=1.5),
     TypeError, "seed"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 2, 1.0, k=0), ValueError,
     "k must be"),
    ("sample_texts", lambda: ngram.sample_texts({2: closed_model()}, 2, 1.0, max_len=0),
     ValueError, "max_len"),
    # sample_explorer
    ("sample_explorer", lambda: ngram.sample_explorer({}), TypeError, "models"),
    ("sample_explorer", lambda: ngram.sample_explorer([closed_model()]), TypeError, "models"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: "model"}), TypeError, r"models\[2\]"),
    ("sample_explorer", lambda: ngram.sample_explorer({3: closed_model()}), ValueError,
     r"models\[3\] must be an order-3 model"),
    ("sample_explorer", lambda: ngram.sample_explorer({"2": closed_model()}), TypeError,
     "models' keys"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, temperatures=()),
     ValueError, "temperatures"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, temperatures=(1, 1)),
     ValueError, "temperatures"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, temperatures=(0, 1)),
     ValueError, "temperatures"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, temperatures=(NAN,)),
     ValueError, "temperatures"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, temperatures=1.0),
     TypeError, "temperatures"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, seed=-1), ValueError,
     "seed"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, k=0), ValueError,
     "k must be"),
    ("sample_explorer", lambda: ngram.sample_explorer({2: closed_model()}, max_len=1.5),
     TypeError, "max_len"),
    # kenlm_scores (checked before kenlm is imported: runs without it)
    ("kenlm_scores", lambda: ngram.kenlm_scores(None, TINY), TypeError, "arpa_path"),
    ("kenlm_scores", lambda: ngram.kenlm_scores(3, TINY), TypeError, "arpa_path"),
    ("kenlm_scores", lambda: ngram.kenlm_scores("/nonexistent/m.arpa", TINY), ValueError,
     "arpa_path must name an existing"),
    ("kenlm_scores", lambda: ngram.kenlm_scores(".", TINY), ValueError, "arpa_path"),
    ("kenlm_scores", lambda: ngram.kenlm_scores(__file__, []), ValueError, "sentences is empty"),
    ("kenlm_scores", lambda: ngram.kenlm_scores(__file__, "a b"), TypeError, "sentences"),
    ("kenlm_scores", lambda: ngram.kenlm_scores(__file__, [["a", 1]]), TypeError,
     r"sentences\[0\]\[1\]"),
]
@pytest.mark.parametrize("where, call, error, match", BAD,
                         ids=[f"{w}-{i}" for i, (w, *_) in enumerate(BAD)])
def test_bad_input(where, call, error, match):
    with pytest.raises(error, match=match):
        call()


def public_callables():
    """Every public function and class of helpers.ngram, and every public method of its classes
    that takes arguments."""
    out = []
    for name, obj in vars(ngram).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != ngram.__name__:
            continue
        if inspect.isfunction(obj):
            out.append(name)
        elif inspect.isclass(obj):
            out.append(name)
            for meth, f in vars(obj).items():
                if (not meth.startswith("_") and inspect.isfunction(f)
                        and len(inspect.signature(f).parameters) > 1):
                    out.append(f"{name}.{meth}")
    return out


def test_every_public_callable_has_five_bad_inputs():
    tested = collections.Counter(w for w, *_ in BAD)
    missing = {name: tested[name] for name in public_callables() if tested[name] < 5}
    assert not missing, f"fewer than five bad inputs for {missing}"


def test_special_tokens_come_from_data():
    from helpers import data

    assert (ngram.UNK, ngram.EOS, ngram.BOS) == (data.UNK, data.EOS, data.BOS)
    assert ngram.UNK is data.UNK and ngram.EOS is data.EOS and ngram.BOS is data.BOS
    vocab = data.Vocab.build(TINY)
    m = ngram.fit(TINY, n=2, vocab=vocab, method="kneser_ney", discount=0.5)
    assert m.itos == vocab.itos and m.unk_id == vocab.unk_id == vocab.stoi[data.UNK]
    assert (m.eos_id, m.bos_id) == (vocab.stoi[data.EOS], vocab.stoi[data.BOS])


def test_ids_and_words_are_never_confused():
    """Integer ids are refused by every method that takes tokens, so none can silently read an
    id as an unknown word (issue 13); the words give the documented result."""
    m = ngram.fit(TINY, n=2, vocab=["<unk>", "a", "b"], method="kneser_ney", discount=0.5)
    a = m.stoi["a"]
    for call in (lambda: m.perplexity([[a]]), lambda: m.distribution([a]),
                 lambda: m.log_probs([["a", a]]), lambda: m.sample(np.random.default_rng(0),
                                                                    prefix=[a])):
        with pytest.raises(TypeError, match="not ids"):
            call()
    p = m.distribution(["<s>", "a"])
    assert math.exp(m.log_probs([["a", "b"]])[1]) == pytest.approx(p[m.stoi["b"]])


# ---------------------------------------------------------------------------------------------
# The chapter's exercise solutions state these numbers; keep them true
# ---------------------------------------------------------------------------------------------

def test_solution_mle_by_hand():
    m = ngram.fit([s.split() for s in ["the cat sat", "the dog sat", "a cat ran"]], n=2,
                  method="mle")
    assert sentence_prob(m, ["the", "cat", "ran"]) == pytest.approx(1 / 6)
    assert sentence_prob(m, ["the", "dog", "ran"]) == 0.0


def test_solution_arpa_lines():
    buf = io.StringIO()
    ngram.fit(TINY, n=2, method="kneser_ney", discount=0.5).to_arpa(buf)
    lines = buf.getvalue().splitlines()
    assert "-0.4259687\t<s> a" in lines                              # log10(3/8)
    assert "-0.6020600\t</s>" in lines                               # log10(1/4)
    assert any(ln.startswith("-99.0000000\t<s>\t-0.3010300") for ln in lines)  # bo = log10(1/2)
    assert not any(ln.endswith("<s> </s>") for ln in lines)


@pytest.fixture(scope="module")
def kjv_counts():
    from helpers.data import load_corpus
    c = load_corpus("kjv")
    return c, ngram.count_ngrams(c.train, 3, vocab=c.vocab)


def test_solution_kjv_discounts_ranks_and_jm(kjv_counts):
    c, C = kjv_counts
    D = ngram.modified_kn_discounts(ngram.counts_of_counts(C.counts[2]))
    np.testing.assert_allclose(D, [0.77, 1.22, 1.46], atol=0.005)
    np.testing.assert_allclose(ngram.fit(n=3, counts=C).discounts[-1], D)
    raw, cont = C.counts[0], ngram.adjusted_counts(C, 1, 3)
    rank_raw, rank_cont = np.argsort(np.argsort(-raw)) + 1, np.argsort(np.argsort(-cont)) + 1
    lord, land = C.stoi["lord"], C.stoi["land"]
    assert (rank_raw[lord], cont[lord], rank_cont[lord]) == (15, 63, 234)
    top100 = np.argsort(-raw)[:100]
    assert top100[np.argmax(rank_cont[top100] - rank_raw[top100])] == land
    assert (rank_raw[land], rank_cont[land]) == (73, 314)
    lams = np.round(np.arange(0.1, 1.0, 0.1), 1)
    pps = [ngram.fit(n=3, counts=C, method="jelinek_mercer", lam=lam).perplexity(c.valid)
           for lam in lams]
    assert lams[int(np.argmin(pps))] == 0.6 and 90 < min(pps) < 92


def test_solution_katz_exercise_matches_the_test_copy(capsys):
    """The chapter's solution to ex-ch06-katz (read from the notebook) passes the check, and the
    copy used by this file's check_katz tests is the same function."""
    import pathlib

    from helpers.source import solution_blocks

    nb = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "06_ngram_language_models.ipynb"
    blocks = dict(solution_blocks(nb))
    ns = {"np": np, "ngram": ngram}
    exec(compile(blocks["ex-ch06-katz"], "<ex-ch06-katz>", "exec"), ns)
    assert ns["katz_ok"] is True
    rng = np.random.default_rng(4)
    C = rng.integers(0, 4, size=(7, 7)) * (rng.random((7, 7)) < 0.5)
    C[:, 1] = 0                                          # a word nobody follows
    C[3] = 0                                             # a context never seen
    p = rng.dirichlet(np.ones(7))
    np.testing.assert_allclose(ns["katz_bigram"](C, p, 3), katz_bigram_solution(C, p, 3))
