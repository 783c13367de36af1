"""Chapter 5's side-by-side comparison: our PPMI-SVD, our SGNS, gensim's Word2Vec and the
pretrained vectors, on one corpus with one tokenisation and one set of hyperparameters.

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch05_compare --threads 1

(the stored run; ``--part sgns`` alone). Two further parts add to the stored file without
re-running the others (each records its own command):

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch05_compare --threads 1 --part cbow
    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch05_compare --threads 1 --part gap

``cbow``: our CBOW and gensim's (``sg=0, cbow_mean=1``), the same settings but word2vec's CBOW
rate 0.05, with the same seeds and epochs. ``gap``: the code of the chapter's solution to
exercise ``ex-ch05-gap`` (gensim trained harder), read from the notebook and run exactly as the
reader sees it; a minute of training, too long to repeat at every build.

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

CBOW_LR = 0.05                       # word2vec's default rate for CBOW
NOTEBOOK = ROOT / "notebooks" / "05_word_embeddings.ipynb"
GAP_NAMES = ("Word2Vec", "E", "sentences", "ws353", "simlex")   # what ex-ch05-gap's code may use
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


def cbow_runs(E, Word2Vec, st, sentences, hp, a, ws, sl, an, common, command) -> dict:
    """Our CBOW and gensim's, seed by seed, with the SGNS settings but the CBOW rate 0.05."""
    ours, theirs = [], []
    t0 = time.perf_counter()
    for seed in a.seeds:
        r = E.train_cbow(st, dim=hp["dim"], window=hp["window"], negative=hp["negative"],
                         sample=hp["sample"], epochs=hp["epochs"], lr=CBOW_LR, min_lr=hp["min_lr"],
                         seed=seed, threads=a.threads, progress=False)
        emb = E.Embeddings(st.words, r.W_in)
        ours.append({"seed": seed, "scores": scores(E, emb, ws, sl, an),
                     "scores_common": scores(E, emb, ws, sl, an, common),
                     "examples_per_epoch": r.pairs / hp["epochs"],
                     "loss_first_last": [r.loss[0], r.loss[-1]]})
        print("cbow ours", seed, ours[-1]["scores"])
        m = Word2Vec(sentences=sentences, sg=0, cbow_mean=1, vector_size=hp["dim"],
                     window=hp["window"], negative=hp["negative"], sample=hp["sample"],
                     epochs=hp["epochs"], alpha=CBOW_LR, min_alpha=hp["min_lr"],
                     min_count=hp["min_count"], workers=a.threads, seed=seed)
        emb = E.Embeddings.from_keyed_vectors(m.wv)
        theirs.append({"seed": seed, "scores": scores(E, emb, ws, sl, an),
                       "scores_common": scores(E, emb, ws, sl, an, common)})
        print("cbow gensim", seed, theirs[-1]["scores"])
    extra = {"command": command, "lr": CBOW_LR, "epochs": hp["epochs"], "seeds": a.seeds,
             "seconds": round(time.perf_counter() - t0, 1)}
    return {"cbow_ours": {"runs": ours, **extra}, "cbow_gensim": {"runs": theirs, **extra}}


def gap_run(E, Word2Vec, sentences, ws353, simlex, command) -> dict:
    """Run the chapter's solution to ``ex-ch05-gap`` as printed; return its ``gap_scores``."""
    from helpers.source import solution_blocks

    code = dict(solution_blocks(NOTEBOOK))["ex-ch05-gap"]
    ns = dict(zip(GAP_NAMES, (Word2Vec, E, sentences, ws353, simlex)))   # the page's names
    t0 = time.perf_counter()
    exec(compile(code, "<solution ex-ch05-gap>", "exec"), ns)
    return {"command": command, "code": code, "seconds": round(time.perf_counter() - t0, 1),
            "scores": {str(alpha): {"wordsim353": float(v[0]), "simlex999": float(v[1])}
                       for alpha, v in ns["gap_scores"].items()}}


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
    p.add_argument("--part", choices=("all", "sgns", "cbow", "gap"), default="all",
                   help="sgns: PPMI-SVD, both SGNS and the pretrained vectors (writes the file); "
                        "cbow, gap: added to the stored file; all: the three")
    p.add_argument("--out", default=str(ROOT / "results" / "ch05_compare.json"))
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    command = (f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} "
               ".venv/bin/python -m scripts.ch05_compare "
               + " ".join(sys.argv[1:] if argv is None else argv))
    hp = dict(dim=100, window=5, negative=5, sample=1e-3, epochs=a.epochs, lr=0.025, min_lr=1e-4,
              min_count=5, alpha=0.75, eig=0.5)

    t0 = time.perf_counter()
    sentences = data.load_corpus("wiki").train + data.load_corpus("shakespeare").train
    st = E.build_stream(sentences, hp["min_count"])
    ws, sl, an = E.load_word_pairs("wordsim353"), E.load_word_pairs("simlex999"), E.load_analogies()
    pre = E.load_pretrained()
    common = set(st.words) & set(pre.words)
    print(f"corpus: {len(st)} tokens, V = {st.V}, loaded in {time.perf_counter() - t0:.1f} s")

    if a.part in ("cbow", "gap"):
        out = json.loads(pathlib.Path(a.out).read_text())
        if a.part == "cbow":
            out["models"].update(cbow_runs(E, Word2Vec, st, sentences, hp, a, ws, sl, an, common,
                                           command))
        else:
            out["models"]["gap"] = gap_run(E, Word2Vec, sentences, ws, sl, command)
        pathlib.Path(a.out).write_text(json.dumps(out, indent=1, default=float))
        print("added", a.part, "to", a.out)
        return 0

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

    if a.part == "all":
        models.update(cbow_runs(E, Word2Vec, st, sentences, hp, a, ws, sl, an, common, command))
        models["gap"] = gap_run(E, Word2Vec, sentences, ws, sl, command)
    out = {
        "command": command,
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
