"""Tests for helpers.bias: WEAT association, effect size and permutation p-value against hand
computations, against wefe's own code, and a table of bad inputs."""
import importlib.util
import itertools
import math
import os
import sys
import types

import numpy as np
import pytest

from helpers import bias as B
from helpers import embeddings as E

# A tiny 2-d example worked by hand: unit attribute vectors on the axes.
A2 = np.array([[1.0, 0.0]])
B2 = np.array([[0.0, 1.0]])
X2 = np.array([[1.0, 0.0], [3.0, 4.0]])     # s = 1 - 0 = 1 ; 0.6 - 0.8 = -0.2
Y2 = np.array([[0.0, 2.0], [4.0, 3.0]])     # s = 0 - 1 = -1 ; 0.8 - 0.6 = 0.2


def test_association_by_hand():
    np.testing.assert_allclose(B.association(X2, A2, B2), [1.0, -0.2])
    np.testing.assert_allclose(B.association(Y2, A2, B2), [-1.0, 0.2])


def test_effect_size_by_hand():
    s = np.array([1.0, -0.2, -1.0, 0.2])
    want = (0.4 - (-0.4)) / math.sqrt(np.mean((s - s.mean()) ** 2))
    assert B.weat_effect_size(X2, Y2, A2, B2) == pytest.approx(want, abs=1e-12)
    # swapping the targets flips the sign; swapping the attributes too
    assert B.weat_effect_size(Y2, X2, A2, B2) == pytest.approx(-want, abs=1e-12)
    assert B.weat_effect_size(X2, Y2, B2, A2) == pytest.approx(-want, abs=1e-12)


def test_exact_p_value_by_hand():
    # s = (1, -0.2 | -1, 0.2): of the 6 partitions into two pairs, the observed {1, -0.2}
    # (mean difference 0.8) and {1, 0.2} (1.2) reach 0.8: p = 2/6.
    r = B.weat(X2, Y2, A2, B2)
    assert r.exact and r.n_partitions == 6
    assert r.statistic == pytest.approx(0.8 - (-0.8))
    s = np.array([1.0, -0.2, -1.0, 0.2])
    diffs = [s[list(c)].mean() - np.delete(s, list(c)).mean()
             for c in itertools.combinations(range(4), 2)]
    assert r.p_value == pytest.approx(np.mean(np.array(diffs) >= 0.8 - 1e-12))
    assert r.p_value == pytest.approx(1 / 3)


def test_sampled_p_value_is_seeded_and_close_to_exact():
    rng = np.random.default_rng(3)
    X, Y, A, Bm = (rng.standard_normal((n, 5)) for n in (6, 6, 4, 4))
    exact = B.weat(X, Y, A, Bm, n_permutations=10_000)        # C(12, 6) = 924 partitions
    assert exact.exact and exact.n_partitions == 924
    r1 = B.weat(X, Y, A, Bm, n_permutations=500, seed=1)
    r2 = B.weat(X, Y, A, Bm, n_permutations=500, seed=1)
    assert not r1.exact and r1 == r2
    assert abs(r1.p_value - exact.p_value) < 0.07               # 500 draws: sd <= 0.023
    assert 1 / 501 <= r1.p_value <= 1


def test_strong_separation_gives_small_p():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 8)) + 3 * np.eye(8)[0]
    Bm = rng.standard_normal((5, 8)) - 3 * np.eye(8)[0]
    X = rng.standard_normal((10, 8)) + 3 * np.eye(8)[0]
    Y = rng.standard_normal((10, 8)) - 3 * np.eye(8)[0]
    r = B.weat(X, Y, A, Bm, n_permutations=2000, seed=0)
    assert r.effect_size > 1.5 and r.p_value < 0.01
    assert -2 <= r.effect_size <= 2


def _wefe_weat():
    """wefe's WEAT class, loaded from its file with stand-ins for the imports this environment
    lacks (sklearn's cosine_similarity is replaced by the same formula in numpy)."""
    spec = importlib.util.find_spec("wefe")
    path = os.path.join(list(spec.submodule_search_locations)[0], "metrics", "WEAT.py")

    def cosine_similarity(P, Q):
        P, Q = np.asarray(P, float), np.asarray(Q, float)
        return (P / np.linalg.norm(P, axis=1, keepdims=True)) @ \
            (Q / np.linalg.norm(Q, axis=1, keepdims=True)).T

    stubs = {
        "sklearn": {}, "sklearn.metrics": {},
        "sklearn.metrics.pairwise": {"cosine_similarity": cosine_similarity},
        "wefe": {}, "wefe.metrics": {}, "wefe.metrics.base_metric": {"BaseMetric": object},
        "wefe.preprocessing": {"get_embeddings_from_query": None},
        "wefe.query": {"Query": object},
        "wefe.word_embedding_model": {"EmbeddingDict": dict, "WordEmbeddingModel": object},
    }
    saved = {k: sys.modules.get(k) for k in stubs}
    try:
        for name, attrs in stubs.items():
            mod = types.ModuleType(name)
            mod.__dict__.update(attrs)
            sys.modules[name] = mod
        mspec = importlib.util.spec_from_file_location("_wefe_weat_under_test", path)
        module = importlib.util.module_from_spec(mspec)
        mspec.loader.exec_module(module)
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    return module.WEAT()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_wefe(seed):
    wefe = _wefe_weat()
    rng = np.random.default_rng(seed)
    X, Y, A, Bm = (rng.standard_normal((n, 7)) for n in (5, 6, 4, 3))
    assert B.weat_effect_size(X, Y, A, Bm) == pytest.approx(
        float(wefe._calc_effect_size(X, Y, A, Bm)), abs=1e-12)
    assert B.weat(X, Y, A, Bm, n_permutations=10).statistic == pytest.approx(
        float(wefe._calc_weat(X, Y, A, Bm)), abs=1e-12)


def test_word_sets_and_vectors():
    sets = B.load_weat_sets()
    assert len(sets["flowers"]) == len(sets["insects"]) == 25
    assert B.load_weat_sets(["career", "family"]) == {k: sets[k] for k in ("career", "family")}
    emb = E.Embeddings(["rose", "ant", "love"], np.eye(3))
    found, W = B.weat_vectors(emb, ["ant", "tulip", "rose"])
    assert found == ["ant", "rose"]
    np.testing.assert_array_equal(W, [[0, 1, 0], [1, 0, 0]])


_EMB = E.Embeddings(["rose", "ant", "love"], np.eye(3))
_NAN = np.array([[np.nan, 1.0]])

BAD = [
    (B.load_weat_sets, ("flowers",), TypeError, "names"),
    (B.load_weat_sets, ([],), ValueError, "names"),
    (B.load_weat_sets, (["roses"],), ValueError, "names"),
    (B.load_weat_sets, ([3],), TypeError, "names"),
    (B.load_weat_sets, (["flowers", "flowers"],), ValueError, "names"),
    (B.load_weat_sets, (7,), TypeError, "names"),
    (B.weat_vectors, ("emb", ["ant"]), TypeError, "emb"),
    (B.weat_vectors, (_EMB, "ant"), TypeError, "words"),
    (B.weat_vectors, (_EMB, []), ValueError, "words"),
    (B.weat_vectors, (_EMB, [1, 2]), TypeError, "words"),
    (B.weat_vectors, (_EMB, ["tulip"]), ValueError, "words"),
    (B.association, (_NAN, A2, B2), ValueError, "W"),
    (B.association, (X2, np.ones((1, 3)), B2), ValueError, "A"),
    (B.association, (X2, A2, np.zeros((1, 2))), ValueError, "B"),
    (B.association, ("X", A2, B2), TypeError, "W"),
    (B.association, (np.ones(2), A2, B2), ValueError, "W"),
    (B.association, (X2, A2, np.empty((0, 2))), ValueError, "B"),
    (B.weat_effect_size, (X2, np.ones((2, 3)), A2, B2), ValueError, "Y"),
    (B.weat_effect_size, (_NAN, Y2, A2, B2), ValueError, "X"),
    (B.weat_effect_size, (X2, Y2, None, B2), TypeError, "A"),
    (B.weat_effect_size, (X2, Y2, A2, [[np.inf, 0]]), ValueError, "B"),
    (B.weat_effect_size, (np.ones((2, 2)), np.ones((2, 2)), A2, B2), ValueError, "X and Y"),
    (B.weat_effect_size, (X2, [["a", "b"]], A2, B2), TypeError, "Y"),
    (B.weat, (X2, Y2, A2, B2, 0), ValueError, "n_permutations"),
    (B.weat, (X2, Y2, A2, B2, 2.5), TypeError, "n_permutations"),
    (B.weat, (X2, Y2, A2, B2, "10"), TypeError, "n_permutations"),
    (B.weat, (X2, Y2, A2, B2, 10, -1), ValueError, "seed"),
    (B.weat, (X2, Y2, A2, B2, 10, 1.5), TypeError, "seed"),
    (B.weat, (np.zeros((2, 2)), Y2, A2, B2), ValueError, "X"),
    (B.weat, (X2, Y2[:, :1], A2, B2), ValueError, "Y"),
]


@pytest.mark.parametrize("fn,args,exc,match", BAD,
                         ids=[f"{i}-{b[0].__name__}-{b[3]}" for i, b in enumerate(BAD)])
def test_bad_inputs(fn, args, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args)
