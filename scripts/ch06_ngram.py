"""Chapter 6's stored numbers: modified Kneser-Ney perplexity per order on KJV, fit and scoring
times, and the check that KenLM reads our ARPA files to the same log-probabilities.

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch06_ngram

Corpus, vocabulary and splits: ``helpers.data.load_corpus("kjv")`` (``min_count=1``; see
``helpers/ngram.py``). Every word and every ``</s>`` of a split is predicted, ``<s>`` is context
only (KenLM's convention), ``<unk>`` is a vocabulary word. Chapter 7 reads
``results/ch06_ngram.json`` to put its neural models beside these numbers. Times are the median
of ``--repeats`` runs of "count + fit" and of "score the test split", from scratch, one thread.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-order", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "results" / "ch06_ngram.json"))
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy as np
    from helpers import ngram
    from helpers.data import load_corpus

    corpus = load_corpus("kjv", min_count=ngram.VOCAB_MIN_COUNT)
    train, valid, test = corpus.train, corpus.valid, corpus.test
    n_pred = {k: corpus.n_tokens(k) + len(corpus.split(k)) for k in ("train", "valid", "test")}

    out: dict = {
        "command": " ".join(["OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch06_ngram",
                             *(argv if argv is not None else sys.argv[1:])]),
        "description": "Interpolated modified Kneser-Ney (Chen & Goodman discounts from the "
                       "counts-of-counts of each order) on the KJV splits of "
                       "helpers.data.load_corpus('kjv'); perplexity = exp(-mean ln p) over every "
                       "word and every </s> (<s> is context only, <unk> is a vocabulary word, "
                       "contexts never reach past the verse's <s>: KenLM's convention).",
        "corpus": {"name": "kjv", "loader": "helpers.data.load_corpus('kjv', min_count=1)",
                   "vocab_ids": len(corpus.vocab), "V_predicted": len(corpus.vocab) - 1,
                   "predicted_tokens": n_pred,
                   "oov_rate": {k: corpus.oov_rate(k) for k in ("valid", "test")}},
        "uniform_perplexity": len(corpus.vocab) - 1,
        "modified_kneser_ney": {},
        "seed": None,
    }

    load_start = [round(x, 2) for x in os.getloadavg()]
    counts = ngram.count_ngrams(train, args.max_order, vocab=corpus.vocab)
    for n in range(1, args.max_order + 1):
        m = ngram.fit(n=n, counts=counts, method="modified_kneser_ney")
        out["modified_kneser_ney"][str(n)] = {
            "test_perplexity": m.perplexity(test),
            "valid_perplexity": m.perplexity(valid),
            "train_perplexity": m.perplexity(train),
            "n_ngrams": m.n_ngrams(),
            "discounts_D1_D2_D3plus": m.discounts.tolist(),
        }
        print(n, out["modified_kneser_ney"][str(n)]["test_perplexity"], flush=True)

    timing = {}
    for n in (3, 5):
        fit_s, score_s, fit_cpu, score_cpu = [], [], [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            m = ngram.fit(train, n=n, method="modified_kneser_ney", vocab=corpus.vocab)
            t1, c1 = time.perf_counter(), time.process_time()
            pp = m.perplexity(test)
            t2, c2 = time.perf_counter(), time.process_time()
            fit_s.append(t1 - t0)
            score_s.append(t2 - t1)
            fit_cpu.append(c1 - c0)
            score_cpu.append(c2 - c1)
        timing[str(n)] = {"count_and_fit_s": float(np.median(fit_s)),
                          "score_test_s": float(np.median(score_s)),
                          "count_and_fit_cpu_s": float(np.median(fit_cpu)),
                          "score_test_cpu_s": float(np.median(score_cpu)),
                          "all_count_and_fit_s": fit_s, "all_score_test_s": score_s,
                          "test_perplexity": pp}
        # KenLM reads our ARPA: same per-token log10 probabilities and the same OOV count.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, f"kjv{n}.arpa")
            t0 = time.perf_counter()
            m.to_arpa(path)
            t_arpa = time.perf_counter() - t0
            size = os.path.getsize(path)
            theirs, lengths, oov = ngram.kenlm_scores(path, test)
        ours = m.log_probs(test) / np.log(10)
        ours_unk = sum(1 for s in test for t in s if t not in corpus.vocab.stoi)
        timing[str(n)]["arpa_write_s"] = t_arpa
        timing[str(n)]["arpa_bytes"] = size
        out.setdefault("kenlm_reads_our_arpa", {})[str(n)] = {
            "max_abs_log10_diff": float(np.abs(ours - theirs).max()),
            "kenlm_test_perplexity": float(10 ** (-theirs.mean())),
            "our_test_perplexity": float(10 ** (-ours.mean())),
            "kenlm_oov_count": int(oov), "our_unk_count": int(ours_unk),
            "matched_ngram_lengths_agree": float((lengths == m.matched_order(test)).mean()),
        }
        print(n, timing[str(n)]["count_and_fit_s"], timing[str(n)]["score_test_s"],
              out["kenlm_reads_our_arpa"][str(n)], flush=True)
    out["timing"] = timing
    out["timing_note"] = (
        f"median wall seconds (and process CPU seconds, *_cpu_s), one thread, on {os.cpu_count()} "
        f"cores with a 1-min load average of {load_start[0]} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end; the comparison with KenLM's estimator lmplz "
        "belongs to the benchmark suite (benchmarks/ngram_kn.py)")
    out["versions"] = {"python": platform.python_version(), "numpy": np.__version__,
                       "kenlm_python_module": importlib.metadata.version("kenlm")}
    out["machine"] = {"platform": platform.platform(), "cpu_count": os.cpu_count()}
    out["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
    print("wrote", args.out)
    return out


if __name__ == "__main__":
    main()
