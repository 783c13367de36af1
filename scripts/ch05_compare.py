"""Chapter 5's side-by-side comparison: our PPMI-SVD, our SGNS, gensim's Word2Vec and the
pretrained vectors, on one corpus with one tokenisation and one set of hyperparameters.

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch05_compare --threads 1

(the stored run).

Corpus: the training splits of ``wiki`` and ``shakespeare`` (``helpers.data``), words seen at
least 5 times. Hyperparameters: 100 dimensions, window 5 (dynamic for SGNS; the matching
distance weights for PPMI), 5 negatives, subsampling 1e-3, 5 epochs, learning rate 0.025 -> 1e-4,
context-distribution smoothing 0.75, SVD weighting S^0.5. SGNS (ours and gensim's) is trained
with several seeds. Writes ``results/ch05_compare.json`` with the command, seeds, versions and
date. Quality only: the speed of both SGNS trainers and of the SVD is measured by ``make bench``
(``benchmarks/sgns.py``, ``benchmarks/ppmi_svd.py``), whose records the chapter reads.
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
    p.add_argument("--threads", type=int, default=1)
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

    # PPMI-SVD
    C = E.cooccurrence(st, hp["window"], dynamic=True)
    M = E.ppmi(C, alpha=hp["alpha"])
    W = E.svd_embeddings(M, hp["dim"], eig=hp["eig"], seed=0)
    ppmi_emb = E.Embeddings(st.words, W)
    models = {"ppmi_svd": {"scores": scores(E, ppmi_emb, ws, sl, an),
                           "scores_common": scores(E, ppmi_emb, ws, sl, an, common),
                           "neighbours": neighbours(ppmi_emb), "nnz": int(M.nnz)}}
    print("ppmi-svd", models["ppmi_svd"]["scores"])

    ours, theirs = [], []
    for seed in a.seeds:
        r = E.train_sgns(st, dim=hp["dim"], window=hp["window"], negative=hp["negative"],
                         sample=hp["sample"], epochs=hp["epochs"], lr=hp["lr"], min_lr=hp["min_lr"],
                         seed=seed, threads=a.threads, progress=False)
        emb = E.Embeddings(st.words, r.W_in)
        ours.append({"seed": seed, "scores": scores(E, emb, ws, sl, an),
                     "scores_common": scores(E, emb, ws, sl, an, common),
                     "neighbours": neighbours(emb), "loss_first_last": [r.loss[0], r.loss[-1]]})
        print("ours", seed, ours[-1]["scores"])
        m = Word2Vec(sentences=sentences, sg=1, vector_size=hp["dim"], window=hp["window"],
                     negative=hp["negative"], sample=hp["sample"], epochs=hp["epochs"],
                     alpha=hp["lr"], min_alpha=hp["min_lr"], min_count=hp["min_count"],
                     workers=a.threads, seed=seed)
        emb = E.Embeddings.from_keyed_vectors(m.wv)
        theirs.append({"seed": seed, "scores": scores(E, emb, ws, sl, an),
                       "scores_common": scores(E, emb, ws, sl, an, common),
                       "neighbours": neighbours(emb)})
        print("gensim", seed, theirs[-1]["scores"])
    models["sgns_ours"] = {"runs": ours}
    models["word2vec_gensim"] = {"runs": theirs}
    models["pretrained"] = {"scores": scores(E, pre, ws, sl, an),
                            "scores_common": scores(E, pre, ws, sl, an, common),
                            "neighbours": neighbours(pre), "V": len(pre), "dim": pre.W.shape[1]}

    out = {
        "command": f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} "
                   ".venv/bin/python -m scripts.ch05_compare "
                   + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seeds": a.seeds, "threads": a.threads, "hyperparameters": hp,
        "corpus": {"names": ["wiki", "shakespeare"], "split": "train", "tokens": len(st),
                   "V": st.V, "common_vocab": len(common)},
        "words": WORDS, "models": models,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "torch": torch.__version__,
                     "gensim": gensim.__version__},
    }
    pathlib.Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(a.out).write_text(json.dumps(out, indent=1, default=float))
    print("wrote", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
