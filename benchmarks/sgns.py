"""sgns: ``helpers.embeddings.train_sgns`` vs gensim's ``Word2Vec`` (skip-gram, negative
sampling), same settings: chapter 5's corpus (wiki + shakespeare training splits, min_count 5),
100 dimensions, dynamic window 5, 5 negatives, subsampling 1e-3, learning rate 0.025 -> 1e-4,
one thread each.

* words/s: one-epoch trainings, ours and gensim's interleaved (gensim's vocabulary is built
  outside the timed part), median of the repeats; words = in-vocabulary corpus tokens, on both
  sides, divided by the wall time of the training call.
* quality: 5-epoch trainings with seeds 0, 1, 2 on each side, the mean Spearman's rho of cosine similarity with the
  human scores of WordSim-353 and SimLex-999 (pairs with an unknown word are skipped; coverage
  in the note).
"""
from __future__ import annotations

import time

from benchmarks._embedding_corpus import corpus
from benchmarks.common import median, record, verdict

SEEDS = (0, 1, 2)
HP = dict(dim=100, window=5, negative=5, sample=1e-3, lr=0.025, min_lr=1e-4)


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    import numpy as np
    import torch
    from gensim.models import Word2Vec

    from helpers import embeddings as E

    torch.set_num_threads(1)
    sentences, st = corpus(quick)
    hp = dict(HP, dim=10) if quick else HP
    min_count = 2 if quick else 5
    epochs = 1 if quick else 5
    repeats = 1 if quick else 3

    def gensim_model(seed, epochs_):
        return Word2Vec(sg=1, vector_size=hp["dim"], window=hp["window"], negative=hp["negative"],
                        sample=hp["sample"], alpha=hp["lr"], min_alpha=hp["min_lr"],
                        min_count=min_count, workers=1, seed=seed, epochs=epochs_)

    def ours_train(seed, epochs_):
        return E.train_sgns(st, dim=hp["dim"], window=hp["window"], negative=hp["negative"],
                            sample=hp["sample"], epochs=epochs_, lr=hp["lr"], min_lr=hp["min_lr"],
                            seed=seed, threads=1, progress=False)

    # speed: interleaved one-epoch runs (rotating which goes first)
    t_ours, t_gensim = [], []
    for rep in range(repeats):
        for who in (("ours", "gensim") if rep % 2 == 0 else ("gensim", "ours")):
            if who == "ours":
                t0 = time.perf_counter()
                ours_train(rep, 1)
                t_ours.append(time.perf_counter() - t0)
            else:
                m = gensim_model(rep, 1)
                m.build_vocab(sentences)
                t0 = time.perf_counter()
                m.train(sentences, total_examples=len(sentences), epochs=1)
                t_gensim.append(time.perf_counter() - t0)
    wps_o, wps_g = len(st) / median(t_ours), len(st) / median(t_gensim)
    rows = [record("sgns", "helpers.embeddings SGNS (torch, batched)", "gensim Word2Vec sg=1",
                   "words/s (1 epoch, 1 thread)", wps_o, wps_g, target="ratio >= 0.5",
                   status=verdict(wps_o / wps_g >= 0.5) if not quick else "n/a",
                   note=f"{len(st):,} tokens, V = {st.V:,}; median of {repeats} interleaved "
                        f"one-epoch runs")]

    # quality: full trainings, ours and gensim's, with the same seeds
    seeds = (0,) if quick else SEEDS
    scores = {"ours": {"wordsim353": [], "simlex999": []},
              "gensim": {"wordsim353": [], "simlex999": []}}
    cover = {}
    pairs = {name: E.load_word_pairs(name) for name in ("wordsim353", "simlex999")}
    for seed in seeds:
        res = ours_train(seed, epochs)
        g = gensim_model(seed, epochs)
        g.build_vocab(sentences)
        g.train(sentences, total_examples=len(sentences), epochs=epochs)
        for who, emb in (("ours", E.Embeddings(st.words, res.W_in)),
                         ("gensim", E.Embeddings.from_keyed_vectors(g.wv))):
            for name, ps in pairs.items():
                sc = E.evaluate_word_pairs(emb, ps)
                scores[who][name].append(sc.spearman)
                cover[who, name] = f"{sc.n}/{sc.total}"
    for name, label in (("wordsim353", "WordSim-353"), ("simlex999", "SimLex-999")):
        so, sg = np.array(scores["ours"][name]), np.array(scores["gensim"][name])
        diff = float(so.mean() - sg.mean())
        targeted = name == "wordsim353" and not quick and np.isfinite(diff)
        rows.append(record(
            "sgns", "helpers.embeddings SGNS (torch, batched)", "gensim Word2Vec sg=1",
            f"{label} Spearman ({epochs} epochs, mean of {len(seeds)} seeds)",
            float(so.mean()), float(sg.mean()),
            target="|ours - peer| <= 0.03" if name == "wordsim353" else "",
            status=verdict(abs(diff) <= 0.03) if targeted else "n/a",
            note=f"difference {diff:+.3f} ({'ours higher' if diff > 0 else 'ours lower'}); "
                 f"per seed ours {np.round(so, 3).tolist()}, gensim {np.round(sg, 3).tolist()}; "
                 f"pairs covered {cover['ours', name]} (ours), {cover['gensim', name]} (gensim)"))
    return rows
