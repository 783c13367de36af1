"""widget_update: the time of one live update (compute + redraw + PNG) of every chapter widget.

Every ``helpers.widgets.Explorer`` the chapters show is built by its factory in ``helpers``
(listed in :data:`HELPER_EXPLORERS`, called as the chapter calls it) and timed with its own
``Explorer.update_times_ms`` (cycling through the values of its first static control, after a
warm-up), reported as the median in ms; the target is <= 100 ms. A ``*_explorer`` function in
``helpers`` that the list lacks gives a ``not measured`` row, so a new explorer is not silently
left out.
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil

from benchmarks.common import ROOT, record, verdict

TARGET_MS = 100.0


# Every explorer factory that lives in helpers: (helpers module, factory), in chapter order.
# Add a line here when a chapter's explorer moves from its notebook into its concept module.
def _ch07_generation_args() -> dict:
    """What chapter 7 passes to ``lm.generation_explorer``: the stored LSTM samples and the
    KJV 5-gram fitted live."""
    from helpers import ngram
    from helpers.data import load_corpus

    corpus = load_corpus("kjv")
    stored = json.loads((ROOT / "results" / "ch07_lstm.json").read_text())
    return {"lstm_samples": stored["samples"],
            "ngram_models": {5: ngram.fit(corpus.train, n=5, vocab=corpus.vocab)}, "n": 5}


HELPER_EXPLORERS = (
    ("memory", "leaky_explorer", None),                 # chapter 1
    ("gradients", "power_explorer", None),              # chapter 2
    ("gradients", "gradient_decay_explorer", None),     # chapter 2
    ("lstm", "self_loop_explorer", None),               # chapter 3
    ("gru", "update_gate_explorer", None),              # chapter 4
    ("embeddings", "neighbourhood_explorer", None),     # chapter 5 (pretrained vectors)
    ("embeddings", "analogy_explorer", None),           # chapter 5 (pretrained vectors)
    ("ngram", "sample_explorer", None),                 # chapter 6
    ("lm", "generation_explorer", _ch07_generation_args),  # chapter 7
)


def helper_explorers(limit: int | None = None) -> tuple[dict, dict]:
    """({"helpers.mod.fn()": Explorer} for every factory in :data:`HELPER_EXPLORERS`,
    {name: reason it could not be built})."""
    from helpers.widgets import Explorer

    out, failed = {}, {}
    for module, factory, args in HELPER_EXPLORERS[:limit]:
        name = f"helpers.{module}.{factory}()"
        try:
            kwargs = args() if args is not None else {}
            ex = getattr(importlib.import_module(f"helpers.{module}"), factory)(**kwargs)
        except Exception as e:  # noqa: BLE001 - one broken factory must not hide the others
            failed[name] = f"{type(e).__name__}: {e}"
            continue
        if isinstance(ex, Explorer):
            out[name] = ex
        else:
            failed[name] = f"returned {type(ex).__name__}, not an Explorer"
    return out, failed


def unlisted_helper_explorers() -> list[str]:
    """``*_explorer`` functions defined in ``helpers`` modules but missing from
    :data:`HELPER_EXPLORERS` (a module that fails to import is reported by its own tests)."""
    import helpers

    listed = {f"helpers.{m}.{f}" for m, f, _ in HELPER_EXPLORERS}
    found = []
    for mod in pkgutil.iter_modules(helpers.__path__):
        try:
            m = importlib.import_module(f"helpers.{mod.name}")
        except Exception:  # noqa: BLE001 - see the docstring
            continue
        for name, fn in vars(m).items():
            qual = f"{m.__name__}.{name}"
            if name.endswith("_explorer") and callable(fn) and \
                    getattr(fn, "__module__", "") == m.__name__ and qual not in listed:
                found.append(qual)
    return sorted(found)




def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    import numpy as np

    os.environ.setdefault("MPLBACKEND", "Agg")
    repeats = 2 if quick else 15
    explorers, failed = helper_explorers(limit=1 if quick else None)
    for qual in unlisted_helper_explorers():
        failed[f"{qual}()"] = "not listed in benchmarks/widget_update.py HELPER_EXPLORERS"
    rows = []
    for name, ex in explorers.items():
        try:
            t = ex.update_times_ms(repeats)
        except Exception as e:  # noqa: BLE001 - one broken widget must not hide the others
            failed[name] = f"{type(e).__name__}: {e}"
            continue
        med = float(np.median(t))
        rows.append(record("widget_update", name, "—", "median ms per update (compute + draw + PNG)",
                           med, None, None, target="<= 100 ms",
                           status=verdict(med <= TARGET_MS) if not quick else "n/a",
                           note=f"{repeats} updates over control '{ex.static_names[0]}'; "
                                f"max {t.max():.0f} ms"))
    for stem, reason in failed.items():
        rows.append(record("widget_update", stem, "—", "median ms per update", None, None, None,
                           target="<= 100 ms", status=f"not measured: {reason}"))
    return rows
