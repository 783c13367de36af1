"""Bias in word embeddings (chapter 5): the Word Embedding Association Test (WEAT) of
Caliskan, Bryson & Narayanan (2017), with its effect size and a seeded permutation p-value.

With target word sets X, Y (e.g. flowers, insects) and attribute word sets A, B (pleasant,
unpleasant), each word's association is

    s(w, A, B) = mean_{a in A} cos(w, a) - mean_{b in B} cos(w, b),

the test statistic is s(X, Y, A, B) = sum_{x in X} s(x, A, B) - sum_{y in Y} s(y, A, B), and

    effect size d = (mean_{x in X} s(x) - mean_{y in Y} s(y)) / std_{w in X u Y} s(w)

(population standard deviation, as in ``wefe``; the tests check equality with ``wefe``'s own
code). The p-value is the share of re-partitions of X u Y into sets of sizes |X|, |Y| whose
difference of mean associations is at least the observed one (one-sided): exact when there are
few partitions, otherwise from ``n_permutations`` seeded random partitions.

The standard word sets are read from the file ``wefe`` ships (``WEAT.json``), without importing
``wefe`` (its imports need packages this book does not install). Nothing happens on import.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
import math
import os
from typing import Sequence

import numpy as np

from helpers.checks import check_array, check_int, describe

__all__ = ["load_weat_sets", "weat_vectors", "association", "weat_effect_size", "WEATResult",
           "weat"]


def load_weat_sets(names: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The word sets of Caliskan et al. (2017) as shipped by ``wefe==1.0.1``
    (``wefe/datasets/data/WEAT.json``): ``{name: [word, ...]}``, all of them or the ``names``
    asked for (a list of set names, e.g. ``["flowers", "insects"]``)."""
    spec = importlib.util.find_spec("wefe")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("package 'wefe' is not installed; install wefe==1.0.1 --no-deps")
    path = os.path.join(list(spec.submodule_search_locations)[0], "datasets", "data", "WEAT.json")
    with open(path, encoding="utf-8") as f:
        sets = json.load(f)
    if names is None:
        return sets
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a list of word-set names, got {describe(names)}")
    if len(names) == 0:
        raise ValueError("names must name at least one word set, got an empty list")
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"names must hold strings, got {describe(n)}")
        if n not in sets:
            raise ValueError(f"names must be WEAT word sets, one of {sorted(sets)}, got {n!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"names must be distinct, got {list(names)}")
    return {n: list(sets[n]) for n in names}


def weat_vectors(emb, words: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The words of ``words`` that ``emb`` (a :class:`helpers.embeddings.Embeddings`) knows, and
    their vectors, shape (n_found, d). Raises ValueError if it knows none of them."""
    from helpers.embeddings import Embeddings

    if not isinstance(emb, Embeddings):
        raise TypeError(f"emb must be a helpers.embeddings.Embeddings, got {describe(emb)}")
    if isinstance(words, (str, bytes)) or not isinstance(words, Sequence):
        raise TypeError(f"words must be a list of words, got {describe(words)}")
    if len(words) == 0:
        raise ValueError("words must hold at least one word, got an empty list")
    for w in words:
        if not isinstance(w, str):
            raise TypeError(f"words must hold strings, got {describe(w)}")
    found = [w for w in words if w in emb]
    if not found:
        raise ValueError(f"words: none of the {len(words)} words is in the vocabulary "
                         f"(first: {words[0]!r})")
    return found, np.stack([emb.vector(w) for w in found])


def _check_set(name: str, M, d: int | None = None) -> np.ndarray:
    """A non-empty (n, d) float64 matrix of finite, non-zero word vectors."""
    M = check_array(name, M, ndim=2, finite=True, dtype=np.float64, min_size=1)
    if d is not None and M.shape[1] != d:
        raise ValueError(f"{name} must have vectors of dimension {d} like X, got shape {M.shape}")
    if (np.linalg.norm(M, axis=1) == 0).any():
        raise ValueError(f"{name} must not hold a zero vector (its cosine is undefined)")
    return M


def _unit(M: np.ndarray) -> np.ndarray:
    return M / np.linalg.norm(M, axis=1, keepdims=True)


def association(W, A, B) -> np.ndarray:
    """s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b) for every row w of ``W``.

    ``W``: (n, d) word vectors; ``A``: (n_A, d), ``B``: (n_B, d) attribute vectors.
    Returns shape (n,)."""
    W = _check_set("W", W)
    d = W.shape[1]
    A, B = _check_set("A", A, d), _check_set("B", B, d)
    W, A, B = _unit(W), _unit(A), _unit(B)
    return (W @ A.T).mean(axis=1) - (W @ B.T).mean(axis=1)      # (n,)


def _effect(s_X: np.ndarray, s_Y: np.ndarray) -> float:
    sd = np.concatenate([s_X, s_Y]).std()
    if sd == 0:
        raise ValueError("X and Y: every target word has the same association, so the effect "
                         "size (a ratio to their standard deviation) is undefined")
    return float((s_X.mean() - s_Y.mean()) / sd)


def weat_effect_size(X, Y, A, B) -> float:
    """Caliskan et al.'s effect size d = (mean_X s - mean_Y s) / std_{X u Y} s (population
    standard deviation, as ``wefe``). ``X``: (n_X, d), ``Y``: (n_Y, d) target vectors; ``A``,
    ``B``: attribute vectors (n_A, d), (n_B, d). d lies in [-2, 2]."""
    X = _check_set("X", X)
    Y = _check_set("Y", Y, X.shape[1])
    return _effect(association(X, A, B), association(Y, A, B))


@dataclasses.dataclass(frozen=True)
class WEATResult:
    """One WEAT: ``statistic`` = sum_X s - sum_Y s, ``effect_size`` d, the one-sided
    ``p_value``, the number of partitions it used and whether they were all of them."""
    statistic: float
    effect_size: float
    p_value: float
    n_partitions: int
    exact: bool


def weat(X, Y, A, B, n_permutations: int = 10_000, seed: int = 0) -> WEATResult:
    """The WEAT of target vectors ``X`` (n_X, d), ``Y`` (n_Y, d) and attribute vectors ``A``
    (n_A, d), ``B`` (n_B, d), with a one-sided permutation p-value.

    The permutation statistic is the difference of the mean associations of the two parts
    (for |X| = |Y| it orders partitions exactly as the sum statistic does). If the number of
    partitions of X u Y into sizes (n_X, n_Y) is at most ``n_permutations``, all are enumerated
    and p = share with a statistic >= the observed one (the observed partition included);
    otherwise ``n_permutations`` random partitions (``seed``) give p = (1 + hits) / (1 + n)."""
    X = _check_set("X", X)
    Y = _check_set("Y", Y, X.shape[1])
    n_permutations = check_int("n_permutations", n_permutations, low=1)
    seed = check_int("seed", seed, low=0)
    s_X, s_Y = association(X, A, B), association(Y, A, B)      # (n_X,), (n_Y,)
    s = np.concatenate([s_X, s_Y])                               # (n,)
    n, n_X = len(s), len(s_X)
    observed = s_X.mean() - s_Y.mean()
    total = s.sum()
    tol = 1e-12 * max(1.0, abs(observed))
    n_all = math.comb(n, n_X)
    if n_all <= n_permutations:
        idx = np.array(list(itertools.combinations(range(n), n_X)))        # (n_all, n_X)
        sum_X = s[idx].sum(axis=1)
        diff = sum_X / n_X - (total - sum_X) / (n - n_X)
        p, used, exact = float(np.mean(diff >= observed - tol)), n_all, True
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(np.arange(n), (n_permutations, 1)), axis=1)
        sum_X = s[perms[:, :n_X]].sum(axis=1)                               # (n_permutations,)
        diff = sum_X / n_X - (total - sum_X) / (n - n_X)
        hits = int(np.sum(diff >= observed - tol))
        p, used, exact = (1 + hits) / (1 + n_permutations), n_permutations, False
    return WEATResult(statistic=float(s_X.sum() - s_Y.sum()), effect_size=_effect(s_X, s_Y),
                      p_value=p, n_partitions=used, exact=exact)
