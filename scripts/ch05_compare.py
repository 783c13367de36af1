"""Chapter 5's side-by-side comparison: our PPMI-SVD, our SGNS, gensim's Word2Vec and the
pretrained vectors, on one corpus with one tokenisation and one set of hyperparameters.

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch05_compare --threads 1

(the stored run; ``--threads 2`` trains and times with two threads, best on an idle machine).

Corpus: the training splits of ``wiki`` and ``shakespeare`` (``helpers.data``), words seen at
least 5 times. Hyperparameters: 100 dimensions, window 5 (dynamic for SGNS; the matching
distance weights for PPMI), 5 negatives, subsampling 1e-3, 5 epochs, learning rate 0.025 -> 1e-4,
context-distribution smoothing 0.75, SVD weighting S^0.5. SGNS (ours and gensim's) is trained
with several seeds. Also times PPMI-SVD and both SGNS trainers' words/second (interleaved
one-epoch runs, so both see the same machine load). Writes ``results/ch05_compare.json`` with
the command, seeds, versions, date and the load average. A benchmark, not a test: the times
depend on the machine and on whatever else it is running.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

WORDS = ["king", "love", "war", "music", "water", "france", "computer", "horse"]


def scores(E, emb, ws, sl, an, restrict=None):
    out = {}
    for name, pairs in (("wordsim353", ws), ("simlex999", sl)):
        s = E.evaluate_word_pairs(emb, pairs, restrict)
        out[name] = {"spearman": s.spearman, "n": s.n, "total": s.total}
    a = E.evaluate_analogies(emb, an, restrict)
    out["analogy"] = {"accuracy": a.accuracy, "n": a.n, "total": a.total}
    return out


def neighbours(emb, k=8):
    return {w: [x for x, _ in emb.nearest(w, k)] if w in emb else None for w in WORDS}


def main(argv=None) -> int:
    import gensim
    import numpy as np
    import scipy
    import torch
    from gensim.models import Word2Vec

    from helpers import data
    from helpers import embeddings as E

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--speed-repeats", type=int, default=3)
    p.add_argument("--speed-only", action="store_true",
                   help="only the interleaved words/second measurement (1 and --threads threads)")
    p.add_argument("--out", default=str(ROOT / "results" / "ch05_compare.json"))
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    hp = dict(dim=100, window=5, negative=5, sample=1e-3, epochs=a.epochs, lr=0.025, min_lr=1e-4,
              min_count=5, alpha=0.75, eig=0.5)

    t0 = time.perf_counter()
    sentences = data.load_corpus("wiki").train + data.load_corpus("shakespeare").train
    st = E.build_stream(sentences, hp["min_count"])
    ws, sl, an = E.load_word_pairs("wordsim353"), E.load_word_pairs("simlex999"), E.load_analogies()
    pre = E.load_pretrained()
    common = set(st.words) & set(pre.words)
    print(f"corpus: {len(st)} tokens, V = {st.V}, loaded in {time.perf_counter() - t0:.1f} s")

    models = {}
    if not a.speed_only:  # the quality comparison (skipped by --speed-only)
        # PPMI-SVD: timed three times
        times = []
        for r in range(3):
            t = time.perf_counter()
            C = E.cooccurrence(st, hp["window"], dynamic=True)
            t1 = time.perf_counter()
            M = E.ppmi(C, alpha=hp["alpha"])
            t2 = time.perf_counter()
            W = E.svd_embeddings(M, hp["dim"], eig=hp["eig"], seed=0)
            t3 = time.perf_counter()
            times.append({"cooccurrence": t1 - t, "ppmi": t2 - t1, "svd": t3 - t2, "total": t3 - t})
        ppmi_emb = E.Embeddings(st.words, W)
        models = {"ppmi_svd": {"scores": scores(E, ppmi_emb, ws, sl, an),
                               "scores_common": scores(E, ppmi_emb, ws, sl, an, common),
                               "neighbours": neighbours(ppmi_emb), "times": times,
                               "nnz": int(M.nnz)}}
        print("ppmi-svd", models["ppmi_svd"]["scores"], min(t["total"] for t in times))

        ours, theirs = [], []
        for seed in a.seeds:
            r = E.train_sgns(st, dim=hp["dim"], window=hp["window"], negative=hp["negative"],
                             sample=hp["sample"], epochs=hp["epochs"], lr=hp["lr"], min_lr=hp["min_lr"],
                             seed=seed, threads=a.threads, progress=False)
            emb = E.Embeddings(st.words, r.W_in)
            ours.append({"seed": seed, "seconds": r.seconds, "words_per_second": r.words_per_second,
                         "scores": scores(E, emb, ws, sl, an),
                         "scores_common": scores(E, emb, ws, sl, an, common),
                         "neighbours": neighbours(emb), "loss_first_last": [r.loss[0], r.loss[-1]]})
            print("ours", seed, ours[-1]["scores"], r.seconds)
            t = time.perf_counter()
            m = Word2Vec(sentences=sentences, sg=1, vector_size=hp["dim"], window=hp["window"],
                         negative=hp["negative"], sample=hp["sample"], epochs=hp["epochs"],
                         alpha=hp["lr"], min_alpha=hp["min_lr"], min_count=hp["min_count"],
                         workers=a.threads, seed=seed)
            secs = time.perf_counter() - t
            emb = E.Embeddings.from_keyed_vectors(m.wv)
            theirs.append({"seed": seed, "seconds_with_vocab": secs,
                           "scores": scores(E, emb, ws, sl, an),
                           "scores_common": scores(E, emb, ws, sl, an, common),
                           "neighbours": neighbours(emb)})
            print("gensim", seed, theirs[-1]["scores"], secs)
        models["sgns_ours"] = {"runs": ours}
        models["word2vec_gensim"] = {"runs": theirs}
        models["pretrained"] = {"scores": scores(E, pre, ws, sl, an),
                                "scores_common": scores(E, pre, ws, sl, an, common),
                                "neighbours": neighbours(pre), "V": len(pre), "dim": pre.W.shape[1]}

    # speed: one epoch each, interleaved, for 1 and 2 threads
    speed = []
    for threads in sorted({1, a.threads}):
        for rep in range(a.speed_repeats):
            m = Word2Vec(sg=1, vector_size=hp["dim"], window=hp["window"], negative=hp["negative"],
                         sample=hp["sample"], min_count=hp["min_count"], workers=threads, seed=rep)
            m.build_vocab(sentences)
            t = time.perf_counter()
            m.train(sentences, total_examples=len(sentences), epochs=1)
            g = time.perf_counter() - t
            r = E.train_sgns(st, dim=hp["dim"], window=hp["window"], negative=hp["negative"],
                             sample=hp["sample"], epochs=1, seed=rep, threads=threads,
                             progress=False)
            speed.append({"threads": threads, "repeat": rep, "gensim_seconds": g,
                          "gensim_words_per_second": len(st) / g,
                          "ours_seconds": r.seconds, "ours_words_per_second": r.words_per_second,
                          "ratio": r.words_per_second / (len(st) / g),
                          "loadavg": os.getloadavg()})
            print(speed[-1])
    torch.set_num_threads(a.threads)

    out = {
        "command": f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} "
                   ".venv/bin/python -m scripts.ch05_compare "
                   + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seeds": a.seeds, "threads": a.threads, "hyperparameters": hp,
        "corpus": {"names": ["wiki", "shakespeare"], "split": "train", "tokens": len(st),
                   "V": st.V, "common_vocab": len(common)},
        "words": WORDS, "models": models, "speed": speed, "speed_only": a.speed_only,
        "loadavg_end": os.getloadavg(), "cpu_count": os.cpu_count(),
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "torch": torch.__version__,
                     "gensim": gensim.__version__},
        "note": "Timings were taken on a shared machine; loadavg records the contention.",
    }
    pathlib.Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(a.out).write_text(json.dumps(out, indent=1, default=float))
    print("wrote", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
