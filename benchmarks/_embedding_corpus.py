"""The corpus both embedding benchmarks use: chapter 5's (``scripts/ch05_compare.py``), the
training splits of ``wiki`` and ``shakespeare``, words seen at least 5 times."""
from __future__ import annotations

import functools

MIN_COUNT = 5


@functools.lru_cache(maxsize=2)
def corpus(quick: bool = False):
    """(sentences, TokenStream); ``quick``: the first 400 sentences, words seen twice."""
    from helpers import data
    from helpers import embeddings as E

    sentences = data.load_corpus("wiki").train + data.load_corpus("shakespeare").train
    if quick:
        sentences = sentences[:400]
    return sentences, E.build_stream(sentences, 2 if quick else MIN_COUNT)
