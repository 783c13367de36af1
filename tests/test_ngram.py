"""n-gram language models (chapter 6): hand-worked values, invariants, KenLM, bad inputs."""
import collections
import io
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ngram

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
    ("jelinek_mercer", {"lam": 0.7}), ("add_k", {"k": 0.1}), ("uniform", {}),
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
# Bad inputs
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n \\(the model order\\)"),
    ({"n": 2.5}, "n \\(the model order\\)"),
    ({"n": True}, "n \\(the model order\\)"),
    ({"sentences": []}, "empty"),
    ({"sentences": "a b"}, "str"),
    ({"sentences": ["a", "b"]}, "list of str"),
    ({"method": "witten_bell"}, "method must be one of"),
    ({"method": "absolute", "discount": 1.0}, "discount must lie in \\[0, 1\\)"),
    ({"method": "absolute", "discount": -0.1}, "discount must lie in \\[0, 1\\)"),
    ({"method": "kneser_ney", "discount": 1.5}, "discount must lie in \\[0, 1\\)"),
    ({"method": "absolute"}, "needs discount"),
    ({"method": "modified_kneser_ney", "discounts": (0.5, 2.5, 1.0)}, "0 <= D_j <= j"),
    ({"method": "modified_kneser_ney", "discounts": (0.5, 1.0)}, "shape"),
    ({"method": "kneser_ney", "discounts": (0.5, 1.0, 1.5)}, "modified_kneser_ney"),
    ({"method": "add_k", "k": 0.0}, "k > 0"),
    ({"method": "add_k"}, "k > 0"),
    ({"method": "jelinek_mercer", "lam": 1.5}, "0 <= lam <= 1"),
    ({"method": "modified_kneser_ney"}, "discount_fallback"),  # too few n-grams to estimate
])
def test_bad_fit_inputs(kwargs, match):
    args = {"sentences": TINY, "n": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        ngram.fit(**args)


def test_bad_use_inputs():
    m = ngram.fit(TINY, n=2, method="kneser_ney", discount=0.5)     # closed: no <unk>
    with pytest.raises(KeyError, match="'zzz' is not in the vocabulary"):
        m.perplexity([["a", "zzz"]])
    with pytest.raises(KeyError, match="'zzz' is not in the vocabulary"):
        m.distribution(["zzz"])
    with pytest.raises(ValueError, match="temperature"):
        m.sample(np.random.default_rng(0), temperature=0)
    with pytest.raises(ValueError, match="rng"):
        m.sample(None)
    with pytest.raises(ValueError, match="counts go up to order 2"):
        ngram.fit(n=3, counts=ngram.count_ngrams(TINY, 2))
    with pytest.raises(ValueError, match="n must be one of the fitted orders"):
        ngram.sample_texts({2: m}, 3, 1.0)


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
