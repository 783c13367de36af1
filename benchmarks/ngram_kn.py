"""ngram_kn: ``helpers.ngram`` interpolated modified Kneser-Ney (3- and 5-gram) vs KenLM's
``lmplz``, and ``helpers.ngram`` interpolated Kneser-Ney vs NLTK's ``KneserNeyInterpolated``.

Corpus and conventions as chapter 6 (``helpers.data.load_corpus("kjv")``, every word and every
``</s>`` predicted, ``<s>`` context only, ``<unk>`` a vocabulary word; see ``helpers/ngram.py``).

* KenLM: *build* = ``lmplz -o n`` on the training text (one verse a line; a subprocess that
  writes an ARPA file) + loading that ARPA with the ``kenlm`` Python module; *score* = the
  module's ``Model.score`` over every test verse (with ``<s>``/``</s>``). Ours: *build* =
  ``ngram.fit`` from the token lists (counting included); *score* = ``NGramLM.perplexity`` of the
  test split. Perplexity = ``exp(-mean ln p)`` over the same tokens on both sides. Ours runs on
  one thread; ``lmplz`` has no thread option and sorts with several threads (it may use both
  cores), which favours it.
* NLTK is pure Python and slow, so it gets a sample: order 3, the first 2,000 training verses,
  the first 40 test verses. Its scoring is ``sum(lm.logscore(w, context))`` over the test
  tokens; ours is interpolated KN (``method="kneser_ney"``, one discount per order, the same
  family) fitted to the same sample and scoring the same verses. Only times are compared
  (NLTK pads with ``n-1`` ``<s>`` and has its own ``<UNK>`` handling, so perplexities differ).
* Small data (:func:`small_corpus_rows`, tested in ``tests/test_benchmarks.py``): on the first
  200 and the first 50 training sentences of two corpora (:data:`SMALL_CORPORA`), orders 2-5,
  ``lmplz`` and ``ngram.fit`` estimate the same model. The corpora are chosen to reach KenLM's
  edge cases: ``wiki`` has orders whose count-of-counts ``n_4`` is 0 (``D_3+ = 3``, no fallback
  needed), ``shakespeare`` has orders with ``n_3 = 0``, where ``lmplz`` refuses without
  ``--discount_fallback``; ours must then refuse too, and both are re-run with the fallback.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import tempfile
import time

from benchmarks import peers
from benchmarks.common import interleaved, median, record, unavailable, verdict

ORDERS = (3, 5)
SMALL_CORPORA = (("wiki", 200), ("wiki", 50), ("shakespeare", 200), ("shakespeare", 50))
SMALL_ORDERS = (2, 3, 4, 5)
SMALL_TEST = 200  # test sentences scored for the small-data comparison


def _kenlm_model(arpa: str):
    import kenlm

    config = kenlm.Config()
    config.show_progress = False
    config.arpa_complain = kenlm.ARPALoadComplain.NONE
    return kenlm.Model(arpa, config)


def _lmplz(lmplz: pathlib.Path, text: str, arpa: str, n: int, tmp: str, fallback: bool,
           memory: str = "20%") -> str:
    """Run ``lmplz -o n``; its stderr on success, ``RuntimeError`` (with the message) if not."""
    cmd = [str(lmplz), "-o", str(n), "-S", memory, "-T", tmp, "--text", text, "--arpa", arpa]
    if fallback:
        cmd.append("--discount_fallback")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"lmplz exited {p.returncode}: {p.stderr.strip().splitlines()[-1:]}")
    return p.stderr


def lmplz_discounts(stderr: str, n: int):
    """The discounts ``lmplz`` used, parsed from its ``Statistics`` lines
    (``k <count> D1=.. D2=.. D3+=..``): float64 (n, 3). It prints six significant digits."""
    import re

    import numpy as np

    found = {}
    for m in re.finditer(r"^(\d+) \d+ D1=(\S+) D2=(\S+) D3\+=(\S+)$", stderr, re.M):
        found[int(m.group(1))] = [float(m.group(j)) for j in (2, 3, 4)]
    if sorted(found) != list(range(1, n + 1)):
        raise RuntimeError(f"lmplz printed discounts for orders {sorted(found)}, expected 1..{n}")
    return np.array([found[k] for k in range(1, n + 1)])


def compare_small(lmplz: pathlib.Path, train, test, n: int) -> dict:
    """Estimate the order-``n`` modified Kneser-Ney model of ``train`` with ``lmplz`` and with
    ``ngram.fit`` and score ``test`` with both (``lmplz``'s ARPA read by the ``kenlm`` module).

    First without the fallback: if ``lmplz`` refuses, ``refused`` records whether ours refused
    too, and both are re-run with ``--discount_fallback`` / ``discount_fallback=True``.
    Returns ``{"fallback", "lmplz_refused", "ours_refused", "ours_ppl", "peer_ppl",
    "ours_discounts", "peer_discounts"}`` (discounts float64 (n, 3))."""
    from helpers import ngram
    from helpers.data import Vocab

    vocab = Vocab.build(train)
    out = {"fallback": False, "lmplz_refused": False, "ours_refused": False}
    with tempfile.TemporaryDirectory(prefix="ltr-bench-kn-small-") as tmp:
        text, arpa = os.path.join(tmp, "train.txt"), os.path.join(tmp, "m.arpa")
        with open(text, "w") as f:
            f.writelines(" ".join(s) + "\n" for s in train)
        try:
            stderr = _lmplz(lmplz, text, arpa, n, tmp, fallback=False, memory="10%")
        except RuntimeError:
            out["lmplz_refused"] = out["fallback"] = True
            stderr = _lmplz(lmplz, text, arpa, n, tmp, fallback=True, memory="10%")
        try:
            ours = ngram.fit(train, n=n, vocab=vocab)
        except ValueError:
            out["ours_refused"] = True
            ours = ngram.fit(train, n=n, vocab=vocab, discount_fallback=True)
        log10, _, _ = ngram.kenlm_scores(arpa, test)
    out["peer_ppl"] = float(10 ** -log10.mean())
    out["ours_ppl"] = ours.perplexity(test)
    out["peer_discounts"] = lmplz_discounts(stderr, n)
    out["ours_discounts"] = ours.discounts
    return out


def small_corpus(name: str, size: int):
    """The first ``size`` training sentences of corpus ``name`` and its first
    :data:`SMALL_TEST` test sentences."""
    from helpers.data import load_corpus

    c = load_corpus(name)
    return c.train[:size], c.test[:SMALL_TEST]


def _ours_small(train, test, n: int) -> float:
    """Our test perplexity alone (no ``lmplz``): the fallback only where the estimate fails."""
    from helpers import ngram
    from helpers.data import Vocab

    vocab = Vocab.build(train)
    try:
        model = ngram.fit(train, n=n, vocab=vocab)
    except ValueError:
        model = ngram.fit(train, n=n, vocab=vocab, discount_fallback=True)
    return model.perplexity(test)


def small_corpus_rows(lmplz, reason: str | None, quick: bool) -> list[dict]:
    """One "test perplexity" row per small corpus and order (see :func:`compare_small`)."""
    rows = []
    cases = SMALL_CORPORA[1::2] if quick else SMALL_CORPORA
    for name, size in cases:
        train, test = small_corpus(name, size)
        for n in ((3,) if quick else SMALL_ORDERS):
            ours = f"helpers.ngram {n}-gram modified KN, {name} {size} sentences"
            peer = f"KenLM lmplz -o {n}"
            if not lmplz:
                rows.append(unavailable("ngram_kn", ours, peer, "test perplexity (small data)",
                                        reason, _ours_small(train, test, n)))
                continue
            r = compare_small(lmplz, train, test, n)
            agree = abs(r["ours_ppl"] / r["peer_ppl"] - 1) <= 1e-4 and \
                r["ours_refused"] == r["lmplz_refused"]
            rows.append(record(
                "ngram_kn", ours, peer + (" --discount_fallback" if r["fallback"] else ""),
                "test perplexity (small data)", r["ours_ppl"], r["peer_ppl"],
                target="|ratio - 1| <= 1e-4, refusals agree",
                status=verdict(agree) if not quick else "n/a",
                note=(f"first {len(test)} test sentences; without the fallback lmplz "
                      f"{'refused' if r['lmplz_refused'] else 'estimated'}, ours "
                      f"{'refused' if r['ours_refused'] else 'estimated'}")))
    return rows


def kenlm_rows(train, test, vocab, n_pred, quick, repeats, shared) -> list[dict]:

    from helpers import ngram

    rows = []
    lmplz = peers.lmplz_path()
    reason = None if lmplz else (shared or {}).get("lmplz_reason") or "lmplz is not built"
    with tempfile.TemporaryDirectory(prefix="ltr-bench-kn-") as tmp:
        text = os.path.join(tmp, "train.txt")
        with open(text, "w") as f:
            f.writelines(" ".join(s) + "\n" for s in train)
        lines = [" ".join(s) for s in test]
        for n in ORDERS:
            arpa = os.path.join(tmp, f"kjv{n}.arpa")
            holder = {}

            def ours_build():
                holder["ours"] = ngram.fit(train, n=n, method="modified_kneser_ney", vocab=vocab,
                                           discount_fallback=quick)

            def peer_build():
                t0 = time.perf_counter()
                _lmplz(lmplz, text, arpa, n, tmp, fallback=quick)
                t1 = time.perf_counter()
                holder["peer"] = _kenlm_model(arpa)
                holder.setdefault("lmplz_s", []).append(t1 - t0)
                holder.setdefault("load_s", []).append(time.perf_counter() - t1)

            def ours_score():
                holder["ours_ppl"] = holder["ours"].perplexity(test)

            def peer_score():
                m = holder["peer"]
                total = sum(m.score(s, bos=True, eos=True) for s in lines)  # log10
                holder["peer_ppl"] = float(10 ** (-total / n_pred))

            fns = {"ours": ours_build}
            if lmplz:
                fns["peer"] = peer_build
            try:
                tb = interleaved(fns, repeats=repeats, warmup=1)
                ts = interleaved({"ours": ours_score, **({"peer": peer_score} if lmplz else {})},
                                 repeats=max(repeats, 5), warmup=1)
            except RuntimeError as e:  # lmplz failed on this machine: ours alone
                lmplz, reason = None, str(e)
                tb = interleaved({"ours": ours_build}, repeats=repeats, warmup=1)
                ts = interleaved({"ours": ours_score}, repeats=max(repeats, 5), warmup=1)
            ob, os_ = median(tb["ours"]), median(ts["ours"])
            shared.setdefault("kn_test_ppl", {})[f"helpers.ngram {n}-gram MKN"] = holder["ours_ppl"]
            shared.setdefault("kn_tokens_per_s", {})[f"helpers.ngram {n}-gram MKN"] = n_pred / os_
            ours = f"helpers.ngram {n}-gram modified KN"
            peer = f"KenLM lmplz -o {n} (+ kenlm module)"
            if not lmplz:
                for metric, v in (("build seconds", ob), ("score test seconds", os_),
                                  ("build + score seconds", ob + os_),
                                  ("test perplexity", holder["ours_ppl"])):
                    rows.append(unavailable("ngram_kn", ours, peer, metric, reason, v))
                continue
            pb, ps = median(tb["peer"]), median(ts["peer"])
            shared["kn_test_ppl"][f"KenLM lmplz {n}-gram"] = holder["peer_ppl"]
            shared.setdefault("kn_tokens_per_s", {})[f"KenLM lmplz {n}-gram"] = n_pred / ps
            note = f"median of {len(tb['ours'])} interleaved builds, {len(ts['ours'])} scorings"
            rows.append(record("ngram_kn", ours, peer, "build seconds", ob, pb, note=note + (
                f"; KenLM = lmplz {median(holder['lmplz_s']):.2f} s + ARPA load "
                f"{median(holder['load_s']):.2f} s")))
            rows.append(record("ngram_kn", ours, peer, "score test seconds", os_, ps,
                               note=f"{n_pred} predicted test tokens"))
            r = (ob + os_) / (pb + ps)
            rows.append(record("ngram_kn", ours, peer, "build + score seconds", ob + os_, pb + ps,
                               target="ratio <= 10", status=verdict(r <= 10) if not quick else "n/a"))
            rp = holder["ours_ppl"] / holder["peer_ppl"]
            rows.append(record("ngram_kn", ours, peer, "test perplexity", holder["ours_ppl"],
                               holder["peer_ppl"], target="|ratio - 1| <= 1e-4",
                               status=verdict(abs(rp - 1) <= 1e-4) if not quick else "n/a",
                               note="KJV test split; lmplz's own discounts and <unk> estimate"))
    return rows


def nltk_rows(train, test, quick, repeats) -> list[dict]:
    from helpers import ngram

    ours, peer = "helpers.ngram 3-gram KN (sample)", "NLTK KneserNeyInterpolated 3-gram"
    n_train, n_test = (100, 10) if quick else (2000, 40)
    tr, te = train[:n_train], test[:n_test]
    n_tok = sum(len(s) + 1 for s in te)       # ours: every word and </s>
    n_tok_nltk = sum(len(s) + 2 for s in te)  # NLTK's trigrams of <s> <s> s </s> </s>
    peers.python_peers()
    try:
        from nltk.lm import KneserNeyInterpolated
        from nltk.lm.preprocessing import padded_everygram_pipeline, pad_both_ends
        from nltk.util import ngrams
    except Exception as e:  # noqa: BLE001 - any import failure makes the peer unavailable
        return [unavailable("ngram_kn", ours, peer, "score seconds per test token",
                            f"cannot import nltk ({type(e).__name__}: {e})")]
    holder = {}

    def nltk_fit():
        grams, vocab_text = padded_everygram_pipeline(3, tr)
        m = KneserNeyInterpolated(3)
        m.fit(grams, vocab_text)
        holder["nltk"] = m

    def nltk_score():
        m = holder["nltk"]
        total = 0.0
        for s in te:
            for g in ngrams(pad_both_ends(s, n=3), 3):
                total += m.logscore(g[-1], g[:-1])
        holder["nltk_total"] = total

    def ours_fit():
        holder["ours"] = ngram.fit(tr, n=3, method="kneser_ney",
                                   vocab=__import__("helpers.data", fromlist=["Vocab"]).Vocab.build(tr))

    def ours_score():
        holder["ours_lp"] = holder["ours"].log_probs(te)

    tf = interleaved({"ours": ours_fit, "peer": nltk_fit}, repeats=1 if quick else 3, warmup=0)
    ts = interleaved({"ours": ours_score, "peer": nltk_score}, repeats=1 if quick else 3, warmup=0)
    note = (f"{len(tr)} training verses, {len(te)} test verses ({n_tok} predicted tokens; "
            f"NLTK's padding scores {n_tok_nltk})")
    rows = [record("ngram_kn", ours, peer, "build seconds", median(tf["ours"]),
                   median(tf["peer"]), note=note)]
    o, p = median(ts["ours"]) / n_tok * 1e6, median(ts["peer"]) / n_tok_nltk * 1e6
    rows.append(record("ngram_kn", ours, peer, "score microseconds per test token", o, p,
                       target="ratio <= 0.001 (>= 1000x faster)",
                       status=verdict(o / p <= 1e-3) if not quick else "n/a",
                       note=f"speed-up {p / o:,.0f}x; " + note))
    return rows


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    from helpers.data import Vocab, load_corpus
    from helpers import ngram

    shared = {} if shared is None else shared
    corpus = load_corpus("kjv", min_count=ngram.VOCAB_MIN_COUNT)
    train, test = corpus.train, corpus.test
    vocab = corpus.vocab
    if quick:
        train, test = train[:300], test[:30]
        vocab = Vocab.build(train)
    n_pred = sum(len(s) + 1 for s in test)
    rows = kenlm_rows(train, test, vocab, n_pred, quick, 1 if quick else 5, shared)
    lmplz = peers.lmplz_path()
    rows += small_corpus_rows(lmplz, None if lmplz else (shared.get("lmplz_reason")
                                                          or "lmplz is not built"), quick)
    rows += nltk_rows(corpus.train, corpus.test, quick, 3)
    return rows
