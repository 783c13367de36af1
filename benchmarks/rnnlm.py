"""rnnlm: chapter 7's LSTM language model (``helpers.lm.LSTMLM``) vs the best Kneser-Ney n-gram
model (ours from ``helpers.ngram`` and KenLM's ``lmplz``), on the KJV test split.

* test perplexity: the LSTM LM's, recomputed here from the committed model
  ``results/ch07_lstm_model.pt`` (float16 weights, written by ``scripts/ch07_train.py --part
  main``; ``LTR_CH07_CKPT`` names another checkpoint); only while that file does not exist, the
  number the script stored in ``results/ch07_lstm.json``. The peer is our 5-gram modified KN with the
  same open-vocabulary treatment as the LSTM: ``<unk>`` learnt from the training singletons
  (``helpers.lm.unk_from_singletons``, chapter 7), computed here. The n-gram perplexities of
  the ``ngram_kn`` benchmark (ours and KenLM's, ``<unk>`` at the uniform floor) are listed in
  the note for reference only: they give ``<unk>`` a handicap the LSTM does not have. Same
  tokens on both sides (every word and every ``</s>`` of the test split; chapter 7 follows
  chapter 6's conventions).
* tokens/s: scoring the test split (the first 20,000 tokens for the LSTM), one thread, median
  of interleaved runs. The LSTM's speed does not depend on its weights, so a freshly
  initialised model of the stored configuration is timed when no checkpoint exists.
"""
from __future__ import annotations

import json
import os
import time

import numpy as np

from benchmarks.common import ROOT, interleaved, median, record, verdict

CKPT = os.environ.get("LTR_CH07_CKPT", str(ROOT / "results" / "ch07_lstm_model.pt"))
RESULT = ROOT / "results" / "ch07_lstm.json"
RUN = "lstm_2x256"  # the one run scripts/ch07_train.py --part main stores
EVAL_TOKENS = 20_000


def training_status() -> str:
    """The status chapter 7's script recorded for the main run ("done", "running", "missing")."""
    if not RESULT.exists():
        return "missing"
    return json.loads(RESULT.read_text()).get("runs", {}).get(RUN, {}).get("status", "?")


def stored_lstm() -> tuple[float | None, dict, str]:
    """(test perplexity or None, model config, where it came from)."""
    if not RESULT.exists():
        return None, {}, f"{RESULT.relative_to(ROOT)} not written yet"
    run = json.loads(RESULT.read_text()).get("runs", {}).get(RUN, {})
    ppl = (run.get("final") or {}).get("test_ppl")
    where = f"{RESULT.relative_to(ROOT)} ({run.get('status', '?')}, trained at " \
            f"{run.get('tokens_per_second', '?')} tokens/s)"
    return ppl, run.get("config") or {}, where


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    import torch

    from helpers import lm, ngram
    from helpers.data import Vocab, load_corpus

    shared = {} if shared is None else shared
    torch.set_num_threads(1)
    corpus = load_corpus("kjv", min_count=ngram.VOCAB_MIN_COUNT)
    test_ids = corpus.stream("test")
    V = len(corpus.vocab)
    n_test = len(test_ids)
    ours = "helpers.lm LSTMLM (chapter 7)"

    # the LSTM's test perplexity
    ppl, config, where = stored_lstm()
    model = None
    if os.path.exists(CKPT) and not quick:
        model, _ = lm.load_checkpoint(CKPT)
        where = os.path.relpath(CKPT, ROOT) if os.path.abspath(CKPT).startswith(str(ROOT)) else CKPT
        ppl, where = lm.perplexity(model, test_ids), f"model {where}, evaluated now"
        config = getattr(model, "config", config)
    if model is None:
        cfg = dict(d_emb=256, d_hidden=256, n_layers=2, tie=True)
        cfg.update({k: v for k, v in config.items() if k in ("d_emb", "d_hidden", "n_layers", "tie",
                                                               "cutoffs")})
        if quick:
            cfg = dict(d_emb=16, d_hidden=16, n_layers=1, tie=True)
        model = lm.LSTMLM(V, **cfg, seed=0)

    # the n-gram side: the peer has <unk> from the training singletons, like the LSTM
    train = corpus.train[:300] if quick else corpus.train
    full = ngram.fit(train, n=5, method="modified_kneser_ney", vocab=corpus.vocab,
                     discount_fallback=quick)
    t0 = time.perf_counter()
    floor_ppl = full.perplexity(corpus.test)
    floor_speed = n_test / (time.perf_counter() - t0)
    open_model = ngram.fit(train, n=5, method="modified_kneser_ney",
                           vocab=Vocab.build(train, min_count=2), discount_fallback=True)
    fair_ppl = float(np.exp(-lm.unk_from_singletons(full, open_model, corpus.test).mean()))
    peer = "helpers.ngram 5-gram MKN, <unk> from training singletons (lm.unk_from_singletons)"
    floor = dict(shared.get("kn_test_ppl", {})) or {"helpers.ngram 5-gram MKN": floor_ppl}
    kn_speed = dict(shared.get("kn_tokens_per_s", {})) or {"helpers.ngram 5-gram MKN": floor_speed}
    kn_source = "from the ngram_kn run" if shared.get("kn_tokens_per_s") else "computed here"
    rows = []
    if ppl is None:
        rows.append(record("rnnlm", ours, peer, "test perplexity", None, fair_ppl,
                           target="ratio <= 0.8", status=f"ours unavailable: {where}"))
    else:
        r = ppl / fair_ppl
        status = verdict(r <= 0.8) if not quick else "n/a"
        training = training_status()
        if training != "done" and not quick:
            status += f" (provisional: chapter 7's training is {training}; checkpoint so far)"
        rows.append(record("rnnlm", ours, peer, "test perplexity", ppl, fair_ppl,
                           target="ratio <= 0.8 (>= 20% lower)", status=status,
                           note=f"LSTM {ppl:.3f} ({where}); the same <unk> treatment on both "
                                f"sides. For reference, KN with <unk> at the uniform floor "
                                f"(a handicap the LSTM does not have): "
                                + ", ".join(f"{k} {v:.2f}" for k, v in floor.items())))

    # scoring speed
    n_eval = min(n_test, 500 if quick else EVAL_TOKENS)
    t = interleaved({"lstm": lambda: lm.evaluate(model, test_ids, max_tokens=n_eval)},
                    repeats=1 if quick else 3)
    lstm_tps = n_eval / median(t["lstm"])
    for name, tps in kn_speed.items():
        rows.append(record("rnnlm", ours + " scoring", name + " scoring",
                           "test tokens/s (1 thread)", lstm_tps, tps,
                           note=f"LSTM {model.config.get('n_layers')}x{model.config.get('d_hidden')}"
                                f", V = {V:,}, {n_eval:,} tokens, batch 8; n-gram: whole test "
                                f"split, {kn_source}"))
    return rows
