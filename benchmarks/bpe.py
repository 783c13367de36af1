"""bpe: chapter 8's byte-pair encoding from scratch (``helpers.bpe``) vs Hugging Face
``tokenizers`` (the pinned reference), on the KJV training words (chapter 6's split).

Rows: seconds to learn the merges (median of interleaved runs, one thread), tokens per test word
(target: within 1 %), and the number of leading merges that are identical (the two break ties
between pairs of equal count differently, so the lists part at the first tie).
"""
from __future__ import annotations

from benchmarks.common import interleaved, median, record, verdict


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    from helpers import bpe
    from helpers.data import load_corpus

    try:
        import tokenizers  # noqa: F401
    except ImportError as err:
        return [record("bpe", "helpers.bpe", "tokenizers", "tokens per word", None, None,
                       status=f"peer unavailable: {err}")]
    C = load_corpus("kjv")
    train = [w for s in (C.train[:3000] if quick else C.train) for w in s]
    test = [w for s in (C.test[:500] if quick else C.test) for w in s]
    n = 200 if quick else 2000
    times = interleaved({"ours": lambda: bpe.learn(train, n),
                         "peer": lambda: bpe.reference_merges(train, n)},
                        repeats=1 if quick else 3, warmup=0)
    ours, (ref, tok) = bpe.learn(train, n), bpe.reference_merges(train, n)
    tpw = ours.tokens_per_word(test)
    tpw_ref = sum(len(e.tokens) for e in tok.encode_batch(test)) / len(test)
    same = next((k for k, (a, b) in enumerate(zip(ours.merges, ref)) if a != tuple(b)), n)
    ok = None if quick else abs(tpw / tpw_ref - 1) <= 0.01
    peer = "tokenizers 0.23.3 BpeTrainer"
    return [
        record("bpe", "helpers.bpe.learn", peer, f"seconds to learn {n} merges",
               median(times["ours"]), median(times["peer"]), note=f"{len(train):,} words"),
        record("bpe", "helpers.bpe", peer, "tokens per test word", tpw, tpw_ref,
               target="within 1 %", status=verdict(ok), note=f"{len(test):,} test words"),
        record("bpe", "helpers.bpe", peer, "identical leading merges", float(same), float(n),
               note="the lists part at the first tie in pair counts"),
    ]
