"""Chapter 7's long runs: the LSTM LM, the NNLM and RNN LM rungs, and the regularisation ablations.

Same corpus, vocabulary, ``<unk>`` mapping and splits as chapter 6: ``load_corpus("kjv")``
(min_count=1: every training word is in the vocabulary; unseen words map to ``<unk>``), the
streams of :meth:`Corpus.stream` (every verse followed by ``</s>``, which is predicted too).

Three parts (``make experiments ONLY=ch07`` runs the commands below; the machine's load is
recorded in every result file, since it sets the seconds)::

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch07_train --part main --threads 1   # results/ch07_lstm.json, ch07_lstm_logprobs.npz, ch07_lstm_model.pt
    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch07_train --part main --threads 1 --dropout 0 --name nodropout  # results/ch07_lstm_nodropout.json
    OMP_NUM_THREADS=2 .venv/bin/python -m scripts.ch07_train --part ladder --threads 2  # results/ch07_ladder.json, 2 x 13 min
    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.ch07_train --part ablations           # results/ch07_ablations.json

The main run (and its no-dropout twin) trains for a fixed number of epochs (``--main-epochs``,
35), so its result does not depend on the machine's speed, only its time does (on one idle
thread about 2 minutes an epoch, so ~70 minutes); a wall-clock cut-off is an explicit opt-in
(``--main-minutes``). The stored ``results/ch07_lstm.json`` and ``ch07_lstm_nodropout.json``
came from the first two commands above, run side by side on this 2-core machine (each on one
thread; other work shared the machine, so their minutes are longer than on an idle one: the load is
recorded). The
ladder's rungs ran under a wall-clock budget; of the ablations, the six Adam runs had a
5-minute cap (``--ablation-minutes 5``; one stopped at 38.8 of 40 epochs) and the three
``adamw_*`` runs were added later with ``--ablations adamw_1e-4 adamw_0.1 adamw_1`` (the full
40 epochs, no cap). ``--part all`` runs the three parts one after the other. Every model is built
with ``seed=SEED`` and trained with ``TrainConfig(seed=SEED)``. Two notes on what older stored
runs did: the ladder's runs were made when ``lm.train``'s plateau count was not reset by a
halving (it now uses ``ReduceLROnPlateau``); replaying their validation records through both
rules (chapter 7) gives the same learning rates, so the fix changes none of them. The ablations'
``weight_decay`` runs use ``torch.optim.Adam``'s coupled L2 penalty (added to the gradient); the
``adamw_*`` runs use AdamW's decoupled decay. Results are written after every evaluation, so a
run that is stopped keeps what it measured. Full-precision checkpoints of the best weights so
far go to ``--ckpt-dir`` (default ``/tmp/ch07_ckpt``; ~20 MB, not committed); the main run's
final model is committed in float16 as ``results/ch07_lstm_model.pt``.

On a GPU: add ``--device cuda`` (or ``cuda:N``) to any command above, or run ``make experiments
ONLY=ch07 DEVICE=cuda``. ``lm.TrainConfig(device=...)`` moves the model and every batch there and
runs the same training code as on the CPU; "cuda" is refused with the reason where torch sees no
GPU (a CPU-only torch build: install a CUDA build of torch first). The device is recorded in each
result file's ``meta``; a GPU's kernels round differently, so its numbers differ from a CPU run's
in the last digits, and its seconds are not comparable with the stored CPU times.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time

import numpy as np
import torch

from helpers import lm
from helpers.data import load_corpus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234
RESULTS = os.path.join(ROOT, "results")
# Adaptive softmax (Grave et al. 2017) for the full-vocabulary models: a head over the 2,000 most
# frequent ids (+2 cluster entries), tails 2,000-5,999 and 6,000-11,798 with 4x / 16x smaller
# projections. An exact distribution over all 11,799 ids; about 4x cheaper to train on a CPU.
CUTOFFS = (2000, 6000)
# Every training word is in the vocabulary, so <unk> never occurs in the training stream; each
# epoch, every occurrence of a training singleton is shown as <unk> with this probability
# (lm.rare_to_unk), so the full-vocabulary models learn where an unseen word is likely.
UNK_RATE = 0.5
MODEL_FILE = "ch07_lstm_model.pt"    # the committed best model (float16 weights)


def meta(args, t_start: float, script: str = "ch07_train") -> dict:
    """Command (of ``scripts.<script>``), seed, device, versions, date, machine load and CPU time,
    recorded with every result file (chapters 7 and 8's scripts)."""
    return {
        "command": (f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} "
                    f".venv/bin/python -m scripts.{script} " + " ".join(sys.argv[1:])),
        "seed": SEED,
        "device": str(getattr(args, "device", "cpu")),
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds_so_far": round(time.time() - t_start, 1),
        "cpu_seconds_so_far": round(time.process_time(), 1),
        "load_average_1_5_15": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "note": ("load_average_1_5_15 shows how busy the machine was when the file was written "
                 "(near torch_threads: the run had the cores to itself; higher: shared, so it "
                 "ran slower than on an idle machine); cpu_seconds_so_far is the process's CPU "
                 "time summed over its threads, the cost on an idle machine being about "
                 "cpu_seconds / torch_threads of wall time"),
    }


def write_json(name: str, obj: dict) -> None:
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(path + ".tmp", path)


def add_device_argument(p: argparse.ArgumentParser) -> None:
    """``--device``: where the models train (one option for every long-run script)."""
    p.add_argument("--device", default="cpu",
                   help="where to train: cpu (default), cuda or cuda:N (a GPU; needs a CUDA "
                        "build of torch). The same code runs on both (lm.TrainConfig(device=))")


def check_device_argument(p: argparse.ArgumentParser, args) -> None:
    """Refuse an unknown ``--device``, or ``cuda`` where there is no GPU, with a clear message."""
    try:
        args.device = str(lm.check_device("--device", args.device))
    except (TypeError, ValueError) as err:
        p.error(str(err))


def fit(name, model, corpus, cfg, out_file, record, extra_eval=True, store_logprobs=None):
    """Train, writing ``record`` (with curves) to ``out_file`` after every evaluation."""
    train_ids = corpus["train"]
    t_start = time.time()
    entry = {"model": type(model).__name__, "config": model.config,
             "parameters": lm.n_parameters(model), "train_config": vars(cfg).copy()}
    record["runs"][name] = entry

    def cb(hist, _model):
        entry["history"] = hist.as_dict()
        entry.setdefault("load_average_1min", []).append(round(os.getloadavg()[0], 2))
        print(f"{name}: epoch {hist.epoch[-1]:.2f} after {hist.seconds[-1]:.0f} s, valid ppl "
              f"{hist.valid_ppl[-1]:.2f}, train ppl {hist.train_ppl[-1]:.2f}, lr "
              f"{hist.lr[-1]:.2g}, load {os.getloadavg()[0]:.1f}", flush=True)
        entry["status"] = "running"
        record["meta"] = meta(ARGS, T0)
        write_json(out_file, record)

    hist = lm.train(model, train_ids, corpus["valid"], cfg, callback=cb)
    entry["history"] = hist.as_dict()
    entry["train_seconds"] = round(time.time() - t_start, 1)
    entry["tokens_per_second"] = round(hist.tokens_per_second, 1)
    if extra_eval:
        ev = {k: lm.evaluate(model, corpus[k], return_logprobs=store_logprobs is not None)
              for k in ("valid", "test")}
        entry["final"] = {f"{k}_ppl": ev[k]["ppl"] for k in ev}
        entry["final"]["n_test_tokens"] = ev["test"]["n"]
        if store_logprobs is not None:
            np.savez_compressed(os.path.join(RESULTS, store_logprobs),
                                valid=ev["valid"]["logprobs"].astype(np.float32),
                                test=ev["test"]["logprobs"].astype(np.float32))
    entry["status"] = "done"
    record["meta"] = meta(ARGS, T0)
    write_json(out_file, record)
    return model, hist


def part_main(C, streams, args):
    """The chapter's best LSTM, for a fixed number of epochs (``--main-epochs``), or its twin.

    Without ``--name``: writes ``results/ch07_lstm.json``, ``ch07_lstm_logprobs.npz`` and the
    committed model ``ch07_lstm_model.pt`` (float16 weights + constructor arguments, ~10 MB;
    :func:`lm.load_checkpoint` reads it). With ``--name NAME`` (e.g. ``--dropout 0 --name
    nodropout``): writes only ``results/ch07_lstm_NAME.json`` (curves and final perplexities).
    """
    V = len(C.vocab)
    suffix = f"_{args.name}" if args.name else ""
    budget = (f"for {args.main_epochs:g} epochs" if args.main_minutes is None else
              f"for at most {args.main_epochs:g} epochs and {args.main_minutes:g} minutes")
    rec = {"description": f"LSTM LM of chapter 7 (2 layers of 256, dropout {args.dropout:g} on "
                          "the non-recurrent connections, adaptive softmax, training singletons "
                          f"shown as <unk> half the time), trained {budget} (early stopping after "
                          "6 half-epoch evaluations without improvement; the best validation "
                          "weights are kept)",
           "runs": {}}
    model = lm.LSTMLM(V, d_emb=256, d_hidden=256, n_layers=2, dropout=args.dropout,
                      cutoffs=CUTOFFS, seed=SEED)
    steps_per_epoch = (len(streams["train"]) // 32 - 1) // 35 + 1
    cfg = lm.TrainConfig(device=args.device,
                         batch_size=32, bptt=35, lr=2e-3, optimizer="adam", clip=0.25,
                         max_epochs=args.main_epochs,
                         max_seconds=None if args.main_minutes is None else args.main_minutes * 60,
                         eval_every=steps_per_epoch // 2, plateau_factor=0.5, plateau_patience=2,
                         early_stop_patience=6, train_eval_tokens=20_000, seed=SEED,
                         unk_rate=UNK_RATE, progress=args.progress,
                         checkpoint=os.path.join(args.ckpt_dir, f"ch07_lstm{suffix}.pt"))
    out = f"ch07_lstm{suffix}.json"
    model, hist = fit(f"lstm_2x256{suffix}", model, streams, cfg, out, rec,
                      store_logprobs=None if args.name else "ch07_lstm_logprobs.npz")
    if not args.name:
        rec["samples"] = lm.sample_verses(model, C.vocab, seed=SEED)
        entry = rec["runs"]["lstm_2x256"]
        path = os.path.join(RESULTS, MODEL_FILE)
        lm.save_checkpoint(path, model, dtype="float16", extra={
            "corpus": "kjv", "seed": SEED, "train_config": vars(cfg).copy(),
            "epochs": hist.epoch[-1], "best_step": hist.best_step,
            "train_seconds": entry["train_seconds"], "final_float32": entry["final"]})
        rec["model_file"] = {"path": f"results/{MODEL_FILE}", "dtype": "float16",
                             "bytes": os.path.getsize(path)}
    rec["meta"] = meta(args, T0)
    write_json(out, rec)


def part_ladder(C, streams, args):
    V = len(C.vocab)
    # --- the ladder's middle rungs, each under a wall-clock budget --------------------------
    rec = {"description": "NNLM and Elman RNN LM rungs of the ladder (full training split)",
           "runs": {}}
    steps_per_epoch = (len(streams["train"]) // 32 - 1) // 35 + 1
    for name, make in [("nnlm_5gram", lambda: lm.FeedForwardLM(V, n=5, d_emb=128, d_hidden=256,
                                                                dropout=0.2, cutoffs=CUTOFFS, seed=SEED)),
                       ("rnn_256", lambda: lm.RNNLM(V, d_emb=256, d_hidden=256, dropout=0.2,
                                                    cutoffs=CUTOFFS, seed=SEED))]:
        model = make()
        cfg = lm.TrainConfig(device=args.device,
                             batch_size=32, bptt=35, lr=2e-3, optimizer="adam", clip=0.25,
                             max_epochs=60, max_seconds=args.rung_minutes * 60,
                             eval_every=steps_per_epoch // 2, plateau_patience=2,
                             early_stop_patience=6, train_eval_tokens=20_000, seed=SEED,
                             unk_rate=UNK_RATE, progress=args.progress)
        fit(name, model, streams, cfg, "ch07_ladder.json", rec)
        rec.setdefault("samples", {})[name] = lm.sample_verses(model, C.vocab, seed=SEED)
        write_json("ch07_ladder.json", rec)


def part_ablations(C, streams, args):
    """Regularisation ablations, small enough to overfit within minutes.

    To make overfitting (and so the effect of each regulariser on the train/validation gap)
    visible within the time budget, these runs use the same KJV splits with a smaller
    vocabulary (the ``--ablation-vocab`` most frequent ids, the rest ``<unk>``) and a short slice
    of the training stream. Their perplexities are therefore not comparable with the ladder's.
    """
    Cs = load_corpus("kjv", max_size=args.ablation_vocab)
    V = len(Cs.vocab)
    d = args.ablation_d
    train = Cs.stream("train")[: args.ablation_tokens]
    valid = Cs.stream("valid")[: args.ablation_eval_tokens]
    abl = {"description": (f"Regularisation ablations: 1-layer LSTM LM, {d} units, vocabulary of "
                           f"the {V} most frequent training ids (the rest <unk>), trained on the "
                           f"first {args.ablation_tokens} training tokens for "
                           f"{args.ablation_epochs} epochs with no early stopping, so that it "
                           f"overfits; train perplexity in eval mode on the first "
                           f"{args.ablation_eval_tokens} training tokens, validation on the first "
                           f"{args.ablation_eval_tokens} validation tokens"),
           "vocab_size": V, "runs": {}}
    if args.ablations:                                                 # keep the stored others
        with open(os.path.join(RESULTS, "ch07_ablations.json")) as f:
            before = json.load(f)
        abl["runs"] = before["runs"]
        abl["meta_of_earlier_runs"] = before.get("meta_of_earlier_runs", before.get("meta"))
        for name in args.ablations:
            abl["runs"].pop(name, None)
    # "adam": torch.optim.Adam's weight_decay, an L2 term wd * w added to the gradient before
    # Adam normalises it (coupled); "adamw": w shrinks by lr * wd * w beside Adam's step
    # (decoupled, Loshchilov & Hutter 2019), so the same wd is a far weaker pull at lr = 3e-3.
    variants = {
        "none": dict(dropout=0.0, tie=False, wd=0.0, opt="adam"),
        "weight_decay_1e-5": dict(dropout=0.0, tie=False, wd=1e-5, opt="adam"),
        "weight_decay_1e-4": dict(dropout=0.0, tie=False, wd=1e-4, opt="adam"),
        "adamw_1e-4": dict(dropout=0.0, tie=False, wd=1e-4, opt="adamw"),
        "adamw_0.1": dict(dropout=0.0, tie=False, wd=0.1, opt="adamw"),
        "adamw_1": dict(dropout=0.0, tie=False, wd=1.0, opt="adamw"),
        "dropout_0.5": dict(dropout=0.5, tie=False, wd=0.0, opt="adam"),
        "tying": dict(dropout=0.0, tie=True, wd=0.0, opt="adam"),
        "dropout_tying": dict(dropout=0.5, tie=True, wd=0.0, opt="adam"),
    }
    unknown = sorted(set(args.ablations or ()) - set(variants))
    if unknown:
        raise SystemExit(f"--ablations must name some of {list(variants)}, got {unknown}")
    steps = (len(train) // 32 - 1) // 35 + 1
    for name, v in variants.items():
        if args.ablations and name not in args.ablations:
            continue
        model = lm.LSTMLM(V, d, d, n_layers=1, dropout=v["dropout"], tie=v["tie"], seed=SEED)
        cfg = lm.TrainConfig(device=args.device,
                             batch_size=32, bptt=35, lr=3e-3, optimizer=v["opt"], clip=0.25,
                             weight_decay=v["wd"], max_epochs=args.ablation_epochs,
                             max_seconds=(None if args.ablation_minutes is None
                                          else args.ablation_minutes * 60),
                             eval_every=steps, plateau_factor=1.0,
                             early_stop_patience=None, restore_best=False,
                             train_eval_tokens=args.ablation_eval_tokens, seed=SEED,
                             progress=args.progress)
        fit(name, model, {"train": train, "valid": valid}, cfg, "ch07_ablations.json",
            abl, extra_eval=False)
        abl["runs"][name]["settings"] = v
        write_json("ch07_ablations.json", abl)


def main(argv=None):
    global ARGS, T0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=("main", "ladder", "ablations", "others", "all"),
                   default="all", help="others = ladder + ablations; all = everything")
    p.add_argument("--main-epochs", type=float, default=35.0,
                   help="fixed number of training epochs of the main run (and its twin)")
    p.add_argument("--main-minutes", type=float, default=None,
                   help="opt-in wall-clock cut-off of the training loop (default: none)")
    p.add_argument("--dropout", type=float, default=0.5, help="dropout of the main run")
    p.add_argument("--name", default=None,
                   help="a twin of the main run: writes only results/ch07_lstm_NAME.json")
    p.add_argument("--rung-minutes", type=float, default=13.0)
    p.add_argument("--ablation-tokens", type=int, default=15_000)
    p.add_argument("--ablation-eval-tokens", type=int, default=10_000)
    p.add_argument("--ablation-vocab", type=int, default=2_000)
    p.add_argument("--ablation-epochs", type=float, default=40.0)
    p.add_argument("--ablation-minutes", type=float, default=None,
                   help="opt-in wall-clock cut-off of each ablation (default: none)")
    p.add_argument("--ablations", nargs="*", default=None,
                   help="run only these ablations (default: all), kept beside the stored ones")
    p.add_argument("--ablation-d", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ckpt-dir", default="/tmp/ch07_ckpt")
    p.add_argument("--progress", action="store_true", help="tqdm bars (off for log files)")
    add_device_argument(p)
    ARGS = p.parse_args(argv)
    check_device_argument(p, ARGS)
    if ARGS.name is not None and (ARGS.part != "main" or not ARGS.name.isidentifier()):
        p.error(f"--name needs --part main and a plain name (letters, digits, _), got "
                f"{ARGS.name!r} with --part {ARGS.part}")
    if not 0.0 <= ARGS.dropout < 1.0:
        p.error(f"--dropout must be in [0, 1), got {ARGS.dropout}")
    T0 = time.time()
    torch.set_num_threads(ARGS.threads)
    C = load_corpus("kjv")
    streams = {k: C.stream(k) for k in ("train", "valid", "test")}
    if ARGS.part in ("main", "all"):
        part_main(C, streams, ARGS)
    if ARGS.part in ("ladder", "others", "all"):
        part_ladder(C, streams, ARGS)
    if ARGS.part in ("ablations", "others", "all"):
        part_ablations(C, streams, ARGS)


ARGS = None
T0 = 0.0

if __name__ == "__main__":
    main()
