"""Byte-pair encoding from scratch (chapter 8): learn merges, encode, decode (Sennrich et al. 2016).

A word is spelled as its characters, the last one marked with :data:`EOW` (``"e</w>"``), so a
token knows whether it ends a word and decoding is unambiguous. Learning repeats one
**merge step**: count every adjacent symbol pair over the word types (weighted by the word's
count), and replace the most frequent pair ``(a, b)`` by the new symbol ``a + b`` everywhere.
Ties between pairs of equal count are broken by the pair itself (the smaller pair of strings
first), so the merges are deterministic. Encoding a new word applies the learned merges in the
order they were learned (lowest rank first), which is what Hugging Face ``tokenizers`` does too
(:func:`reference_merges` trains it on the same words, for the tests and the bench).

Shapes: words are ``str`` without spaces; a segmentation is a ``tuple`` of ``str`` symbols.
"""
from __future__ import annotations

import collections
import dataclasses
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from helpers.checks import check_int, check_rng, describe

EOW = "</w>"
"""End-of-word marker appended to the last character of every word."""
UNK = "<unk>"
"""The token of a character never seen in training."""

__all__ = ["EOW", "UNK", "BPE", "word_counts", "spell", "pair_counts", "merge_word",
           "merge_step", "learn", "reference_merges", "check_merge_word"]


def _check_word(name: str, w) -> str:
    if not isinstance(w, str):
        raise TypeError(f"{name} must be a str word, got {describe(w)}")
    if not w or any(c.isspace() for c in w):
        raise ValueError(f"{name} must be a non-empty word without white space, got {w!r}")
    return w


def _check_words(name: str, words) -> list[str]:
    if isinstance(words, (str, bytes)) or not isinstance(words, Iterable):
        raise TypeError(f"{name} must be a list of str words, got {describe(words)}")
    words = list(words)
    try:
        distinct = set(words)
    except TypeError:                                                  # unhashable items
        distinct = words
    for w in distinct:                                                 # each type once
        _check_word(f"{name} (each word)", w)
    return words


def _check_symbols(name: str, symbols) -> tuple[str, ...]:
    if isinstance(symbols, (str, bytes)) or not isinstance(symbols, Sequence):
        raise TypeError(f"{name} must be a tuple of str symbols, got {describe(symbols)}")
    if not all(isinstance(s, str) and s for s in symbols):
        raise TypeError(f"{name} must hold non-empty str symbols, got {list(symbols)!r}")
    return tuple(symbols)


def _check_pair(name: str, pair) -> tuple[str, str]:
    if not (isinstance(pair, tuple) and len(pair) == 2
            and all(isinstance(s, str) and s for s in pair)):
        raise TypeError(f"{name} must be a tuple of two non-empty str symbols, got "
                        f"{describe(pair)}")
    return pair


def word_counts(words) -> dict[str, int]:
    """Count of every word type in ``words`` (a list of str words without spaces)."""
    return dict(collections.Counter(_check_words("words", words)))


def spell(word: str) -> tuple[str, ...]:
    """A word as its characters, the last one marked: ``spell("the") == ("t", "h", "e</w>")``."""
    word = _check_word("word", word)
    return (*word[:-1], word[-1] + EOW)


def _check_segmented(name: str, segmented) -> dict[tuple[str, ...], int]:
    if not isinstance(segmented, Mapping):
        raise TypeError(f"{name} must be a dict {{tuple of symbols: count}}, got "
                        f"{describe(segmented)}")
    out = {}
    for k, c in segmented.items():
        k = _check_symbols(f"{name} (each key)", k)
        out[k] = check_int(f"{name} (each count)", c, low=1)
    return out


def pair_counts(segmented: Mapping[tuple[str, ...], int]) -> collections.Counter:
    """Count of every adjacent symbol pair, each word weighted by its count.

    ``segmented``: ``{symbols (tuple of str): count (int >= 1)}``."""
    counts: collections.Counter = collections.Counter()
    for syms, c in _check_segmented("segmented", segmented).items():
        for pair in zip(syms[:-1], syms[1:]):
            counts[pair] += c
    return counts


def merge_word(symbols: Sequence[str], pair: tuple[str, str]) -> tuple[str, ...]:
    """Replace every occurrence of ``pair`` in ``symbols``, left to right, by one symbol.

    ``merge_word(("a", "a", "a</w>"), ("a", "a")) == ("aa", "a</w>")``."""
    return _merge(_check_symbols("symbols", symbols), *_check_pair("pair", pair))


def _merge(symbols: Sequence[str], a: str, b: str) -> tuple[str, ...]:
    """:func:`merge_word` without the argument checks (the inner loop of :func:`learn`)."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def merge_step(segmented: Mapping[tuple[str, ...], int]):
    """One step of BPE learning: the most frequent pair (ties: the smallest pair) and the
    segmentation with it merged. Returns ``(pair, count, new_segmented)``; ``pair`` is None when
    no word has two symbols left. The slow, readable version of what :func:`learn` does."""
    counts = pair_counts(segmented)
    if not counts:
        return None, 0, dict(segmented)
    pair = min(counts, key=lambda p: (-counts[p], p))
    new: dict[tuple[str, ...], int] = collections.defaultdict(int)
    for syms, c in segmented.items():
        new[merge_word(syms, pair)] += c
    return pair, counts[pair], dict(new)


@dataclasses.dataclass(frozen=True)
class BPE:
    """A learned byte-pair encoding: ``merges`` in the order learned, ``alphabet`` the training
    symbols before any merge (characters, with and without :data:`EOW`), ``counts`` the pair
    count of each merge when it was made. Build one with :func:`learn`."""

    merges: tuple[tuple[str, str], ...]
    alphabet: tuple[str, ...]
    counts: tuple[int, ...] = ()

    def __post_init__(self):
        merges = tuple(_check_pair("merges (each merge)", tuple(m)) for m in self.merges)
        object.__setattr__(self, "merges", merges)
        object.__setattr__(self, "alphabet", _check_symbols("alphabet", self.alphabet))
        object.__setattr__(self, "_rank", {m: r for r, m in enumerate(merges)})
        object.__setattr__(self, "_cache", {})

    @property
    def vocab(self) -> tuple[str, ...]:
        """Every symbol the encoding can output: ``<unk>``, the alphabet, then each merge."""
        return (UNK, *self.alphabet, *(a + b for a, b in self.merges))

    def encode_word(self, word: str) -> tuple[str, ...]:
        """Symbols of one word: its spelling, then merges applied lowest rank first; a
        character outside the training alphabet becomes :data:`UNK`."""
        word = _check_word("word", word)
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        known = set(self.alphabet)
        syms = [s if s in known else UNK for s in spell(word)]
        rank = self._rank
        while len(syms) > 1:
            ranks = [rank.get((a, b), np.inf) for a, b in zip(syms[:-1], syms[1:])]
            r = min(ranks)
            if r == np.inf:
                break
            syms = list(_merge(syms, *self.merges[int(r)]))
        out = tuple(syms)
        self._cache[word] = out
        return out

    def encode(self, words) -> list[str]:
        """Symbols of a list of words, concatenated (shape: one list, >= len(words) symbols)."""
        return [s for w in _check_words("words", words) for s in self.encode_word(w)]

    def decode(self, symbols) -> list[str]:
        """Words from symbols: concatenate, and end a word at every :data:`EOW`."""
        if isinstance(symbols, (str, bytes)) or not isinstance(symbols, Iterable):
            raise TypeError(f"symbols must be a list of str symbols, got {describe(symbols)}")
        symbols = list(symbols)
        if not all(isinstance(s, str) for s in symbols):
            raise TypeError("symbols must hold str symbols, got another type")
        text = "".join(symbols)
        words = text.split(EOW)
        if words[-1]:
            raise ValueError(f"symbols must end a word with {EOW!r}, got a trailing "
                             f"{words[-1]!r}")
        return words[:-1]

    def tokens_per_word(self, words) -> float:
        """Mean number of symbols per word over ``words`` (a non-empty list of words)."""
        words = _check_words("words", words)
        if not words:
            raise ValueError("words must hold at least one word, got none")
        return len(self.encode(words)) / len(words)


def learn(words, n_merges: int) -> BPE:
    """Learn ``n_merges`` merges from ``words`` (a list of words, or a dict ``{word: count}``).

    Incremental: the pair counts are updated only for the word types a merge touches, and the
    best pair comes from a heap (ties: the smallest pair), so the result equals repeating
    :func:`merge_step` but runs in seconds on a 12,000-word vocabulary. Stops early when no
    pair is left."""
    if isinstance(words, Mapping):
        wc = {_check_word("words (each word)", w): check_int("words (each count)", c, low=1)
              for w, c in words.items()}
    else:
        wc = word_counts(words)
    if not wc:
        raise ValueError("words must hold at least one word, got none")
    n_merges = check_int("n_merges", n_merges, low=0)
    segs = [list(spell(w)) for w in wc]
    freq = list(wc.values())
    alphabet = sorted({s for syms in segs for s in syms})
    counts: collections.Counter = collections.Counter()
    where: dict[tuple[str, str], set[int]] = collections.defaultdict(set)
    for i, syms in enumerate(segs):
        for pair in zip(syms[:-1], syms[1:]):
            counts[pair] += freq[i]
            where[pair].add(i)
    heap = [(-c, p) for p, c in counts.items()]
    heapq.heapify(heap)
    merges, made = [], []
    while len(merges) < n_merges and heap:
        negc, pair = heapq.heappop(heap)
        if counts.get(pair, 0) != -negc or -negc <= 0:
            continue                                                   # stale heap entry
        merges.append(pair)
        made.append(-negc)
        changed: set[tuple[str, str]] = set()
        for i in list(where[pair]):
            old = segs[i]
            new = _merge(old, *pair)
            for p in zip(old[:-1], old[1:]):
                counts[p] -= freq[i]
                changed.add(p)
            for p in zip(new[:-1], new[1:]):
                counts[p] += freq[i]
                where[p].add(i)
                changed.add(p)
            segs[i] = new
        for p in changed:
            if counts[p] > 0:
                heapq.heappush(heap, (-counts[p], p))
            else:
                counts.pop(p, None)
        where.pop(pair, None)
    return BPE(merges=tuple(merges), alphabet=tuple(alphabet), counts=tuple(made))


def reference_merges(words, n_merges: int):
    """Merges learned by Hugging Face ``tokenizers`` (the pinned reference) on the same words.

    A ``BpeTrainer`` with the same end-of-word suffix, no special tokens and no frequency
    floor, on words already split (``WhitespaceSplit``). Returns ``(merges, tokenizer)``:
    the list of ``(a, b)`` merges in order and the trained ``tokenizers.Tokenizer``."""
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    wc = word_counts(words)
    if not wc:
        raise ValueError("words must hold at least one word, got none")
    n_merges = check_int("n_merges", n_merges, low=0)
    n_alpha = len({s for w in wc for s in spell(w)})
    tok = Tokenizer(models.BPE(end_of_word_suffix=EOW, unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=n_alpha + n_merges, min_frequency=0,
                                  special_tokens=[], end_of_word_suffix=EOW,
                                  show_progress=False)
    tok.train_from_iterator([w for w, c in wc.items() for _ in range(c)], trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges]
    return merges, tok


def check_merge_word(fn: Callable, n_cases: int = 200, seed: int = 0) -> bool:
    """Check a reader's ``fn(symbols, pair) -> tuple`` against :func:`merge_word` on random
    words over a small alphabet (so pairs repeat and overlap). Prints the first case that
    differs, or that all agree; returns True when all ``n_cases`` agree."""
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(symbols, pair), got {describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = check_rng("rng", np.random.default_rng(check_int("seed", seed, low=0)))
    for k in range(n_cases):
        L = int(rng.integers(1, 9))
        syms = tuple(str(rng.choice(["a", "b", "ab", "c"])) for _ in range(L))
        syms = (*syms[:-1], syms[-1] + EOW)
        pair = (str(rng.choice(["a", "b", "ab"])), str(rng.choice(["a", "b", "ab", "a" + EOW,
                                                                     "b" + EOW])))
        want = merge_word(syms, pair)
        got = fn(syms, pair)
        if tuple(got) != want:
            print(f"case {k}: symbols={syms}, pair={pair}: expected {want}, got {tuple(got)}")
            return False
    print(f"all {n_cases} cases agree with helpers.bpe.merge_word")
    return True
