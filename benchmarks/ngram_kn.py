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


def _kenlm_model(arpa: str):
    import kenlm

    config = kenlm.Config()
    config.show_progress = False
    config.arpa_complain = kenlm.ARPALoadComplain.NONE
    return kenlm.Model(arpa, config)


def _lmplz(lmplz: pathlib.Path, text: str, arpa: str, n: int, tmp: str, fallback: bool):
    cmd = [str(lmplz), "-o", str(n), "-S", "20%", "-T", tmp, "--text", text, "--arpa", arpa]
    if fallback:
        cmd.append("--discount_fallback")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"lmplz exited {p.returncode}: {p.stderr.strip().splitlines()[-1:]}")


def kenlm_rows(train, test, vocab, n_pred, quick, repeats, shared) -> list[dict]:
    import numpy as np

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
                holder["ours"] = ngram.fit(train, n=n, method="modified_kneser_ney", vocab=vocab)

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
                               holder["peer_ppl"], target="|ratio - 1| <= 0.005",
                               status=verdict(abs(rp - 1) <= 0.005) if not quick else "n/a",
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
    rows += nltk_rows(corpus.train, corpus.test, quick, 3)
    return rows
