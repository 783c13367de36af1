"""Chapter 8: words, BPE subwords or characters? Three LSTM LMs of the same size on the same
KJV split, compared by perplexity per word.

Same corpus and splits as chapters 6-7 (``load_corpus("kjv")``). The three streams spell the same
verses: word ids (the chapter-7 vocabulary, unseen words -> ``<unk>``); BPE symbols
(:func:`helpers.bpe.learn` on the training words, ``--merges`` merges); characters (the words
joined by single spaces). Every verse ends with ``</s>``. Each model: one LSTM layer of
``--hidden`` units, embeddings of ``--emb``, trained ``--epochs`` epochs with the same settings.

Fair comparison: every model's total log-probability of the test split is divided by the same
count, the number of words plus the number of ``</s>`` (perplexity per word). Each unit's
log-probability is the sum over the symbols that spell it (a word's characters and the space
after it; a word's BPE symbols). "with <unk>": every unit, the word model scoring an unseen word
as the single token ``<unk>``; "without <unk>": only the units whose word the word model knows.

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch08_units --threads 1 --epochs 1 --hidden 128 --emb 64

On a GPU: add ``--device cuda`` (or ``cuda:N``) to the command above, or run ``make experiments
ONLY=ch08_units DEVICE=cuda``; what that does and does not change is in :mod:`scripts.ch07_train`'s
docstring.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from helpers import bpe, lm
from helpers.data import Vocab, load_corpus
from scripts.ch07_train import add_device_argument, check_device_argument, meta, write_json

SEED = 1234


def units_streams(C, B):
    """The three streams of each split, and for each stream the unit (word or </s>) index of
    every symbol; plus which units are in the word vocabulary."""
    out = {}
    bpe_sents = {k: [list(B.encode(s)) for s in C.split(k)] for k in ("train", "valid", "test")}
    char_sents = {k: [list(" ".join(s)) for s in C.split(k)] for k in ("train", "valid", "test")}
    vb = Vocab.build(bpe_sents["train"])
    vc = Vocab.build(char_sents["train"])
    for k in ("train", "valid", "test"):
        w_ids, b_ids, c_ids, b_unit, c_unit, known = [], [], [], [], [], []
        u = 0
        for s, bs, cs in zip(C.split(k), bpe_sents[k], char_sents[k]):
            w_ids.extend(C.vocab.encode(s).tolist() + [C.vocab.eos_id])
            b_ids.extend(vb.encode(bs).tolist() + [vb.eos_id])
            c_ids.extend(vc.encode(cs).tolist() + [vc.eos_id])
            for j, w in enumerate(s):
                b_unit.extend([u + j] * len(B.encode_word(w)))
                c_unit.extend([u + j] * (len(w) + (j < len(s) - 1)))
                known.append(w in C.vocab.stoi)
            b_unit.append(u + len(s))
            c_unit.append(u + len(s))
            known.append(True)                                          # </s>
            u += len(s) + 1
        out[k] = {"word": np.array(w_ids), "bpe": np.array(b_ids), "char": np.array(c_ids),
                  "unit": {"word": np.arange(u), "bpe": np.array(b_unit),
                           "char": np.array(c_unit)},
                  "known": np.array(known), "n_units": u}
        assert len(b_unit) == len(b_ids) and len(c_unit) == len(c_ids)
    return out, {"word": C.vocab, "bpe": vb, "char": vc}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--merges", type=int, default=2000)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--emb", type=int, default=128)
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--threads", type=int, default=1)
    add_device_argument(p)
    args = p.parse_args(argv)
    check_device_argument(p, args)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    C = load_corpus("kjv")
    B = bpe.learn([w for s in C.train for w in s], args.merges)
    S, vocabs = units_streams(C, B)
    test = S["test"]
    rec = {"description": __doc__.split("\n\n")[1].strip(), "merges": args.merges,
           "n_test_units": int(test["n_units"]), "n_test_words": int(test["n_units"]
                                                                    - len(C.test)),
           "test_oov_rate": C.oov_rate("test"), "models": {}}
    for unit in ("word", "bpe", "char"):
        V = len(vocabs[unit])
        torch.manual_seed(SEED)
        cutoffs = (2000, 6000) if unit == "word" else None
        model = lm.LSTMLM(V, d_emb=args.emb, d_hidden=args.hidden, n_layers=1, cutoffs=cutoffs)
        steps = (len(S["train"][unit]) // 32 - 1) // 35 + 1
        cfg = lm.TrainConfig(device=args.device,
                             batch_size=32, bptt=35, lr=2e-3, clip=0.25, max_epochs=args.epochs,
                             eval_every=steps // 2, plateau_patience=0,
                             early_stop_patience=None, seed=SEED, progress=False,
                             unk_rate=0.5 if unit == "word" else 0.0)
        ts = time.time()
        hist = lm.train(model, S["train"][unit], S["valid"][unit], cfg)
        ev = lm.evaluate(model, test[unit], return_logprobs=True)
        per_unit = np.bincount(test["unit"][unit], weights=ev["logprobs"].astype(float),
                               minlength=test["n_units"])
        known = test["known"]
        rec["models"][unit] = {
            "vocab_size": V, "parameters": lm.n_parameters(model),
            "train_symbols": int(len(S["train"][unit])), "test_symbols": int(len(test[unit])),
            "symbols_per_word": len(test[unit]) / test["n_units"],
            "epochs": args.epochs, "train_seconds": round(time.time() - ts, 1),
            "best_valid_ppl_per_symbol": hist.best_valid_ppl,
            "test_ppl_per_symbol": ev["ppl"],
            "ppl_per_word_with_unk": math.exp(-per_unit.sum() / test["n_units"]),
            "ppl_per_word_known_only": math.exp(-per_unit[known].sum() / known.sum()),
            "mean_logprob_unseen_words": (float(per_unit[~known].mean()) if (~known).any()
                                          else None),
        }
        rec["meta"] = meta(args, t0, "ch08_units")
        write_json("ch08_units.json", rec)
        print(unit, rec["models"][unit], flush=True)


if __name__ == "__main__":
    main()
