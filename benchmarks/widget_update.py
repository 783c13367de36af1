"""widget_update: the time of one live update (compute + redraw + PNG) of every chapter widget.

Every ``helpers.widgets.Explorer`` the chapters show is timed with its own
``Explorer.update_times_ms`` (cycling through the values of its first static control, after a
warm-up), reported as the median in ms; the target is <= 100 ms.

Where the Explorers come from:

* the explorer factories that live in ``helpers``, listed in :data:`HELPER_EXPLORERS` and
  imported from there (e.g. ``helpers.gru.update_gate_explorer``), called with their defaults.
  A ``*_explorer`` function in ``helpers`` that the list lacks gives a ``not measured`` row, so
  a newly moved explorer is not silently left out;
* (transitional) Explorers still built inside a chapter notebook, found by a regular expression
  in the notebook's code cells: the notebook's first code cell (imports) and the cell that
  builds the Explorer are executed here (IPython ``%`` lines dropped, output discarded, working
  directory ``notebooks/``). When that cell needs a name an earlier cell defines (chapter 6's
  fitted ``models``), the latest earlier cell assigning that name is run first, recursively.
  Once every explorer lives in ``helpers``, delete the section marked TRANSITIONAL below and its
  one call in :func:`run`.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pkgutil
import re
import signal
import sys

from benchmarks.common import ROOT, record, verdict

TARGET_MS = 100.0


# Every explorer factory that lives in helpers: (helpers module, factory), in chapter order.
# Add a line here when a chapter's explorer moves from its notebook into its concept module.
HELPER_EXPLORERS = (
    ("memory", "leaky_explorer"),                # chapter 1
    ("gradients", "gradient_decay_explorer"),    # chapter 2
    ("gru", "update_gate_explorer"),             # chapter 4
)


def helper_explorers() -> tuple[dict, dict]:
    """({"helpers.mod.fn()": Explorer} for every factory in :data:`HELPER_EXPLORERS`,
    {name: reason it could not be built})."""
    from helpers.widgets import Explorer

    out, failed = {}, {}
    for module, factory in HELPER_EXPLORERS:
        name = f"helpers.{module}.{factory}()"
        try:
            ex = getattr(importlib.import_module(f"helpers.{module}"), factory)()
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

    listed = {f"helpers.{m}.{f}" for m, f in HELPER_EXPLORERS}
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


# -- TRANSITIONAL: Explorers still built in notebook cells (delete once all live in helpers, with
# the imports contextlib, io, json, re, signal and sys that only this section uses) -------------
MAX_CELLS = 8  # dependency cells per notebook explorer
NOTEBOOK_TIMEOUT_S = 300  # building one notebook's explorers (its cells) may take at most this


def _timeout(signum, frame):
    raise TimeoutError(f"building the explorer ran its notebook's cells for more than "
                       f"{NOTEBOOK_TIMEOUT_S} s")


def notebooks_with_explorers() -> list[str]:
    """Stems of the notebooks whose code cells still construct an ``Explorer(...)``."""
    return [path.stem for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
            if any(re.search(r"\bExplorer\(", s) for s in _code_cells(path))]


def _code_cells(path) -> list[str]:
    nb = json.loads(path.read_text())
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            src = "".join(c["source"])
            cells.append("\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return cells


def notebook_explorers(stem_filter=None) -> tuple[dict, dict]:
    """({"notebook:name": Explorer}, {"notebook": reason it could not be built})."""
    from helpers.widgets import Explorer

    found, failed = {}, {}
    nb_dir = ROOT / "notebooks"
    for path in sorted(nb_dir.glob("*.ipynb")):
        if stem_filter is not None and path.stem not in stem_filter:
            continue
        cells = _code_cells(path)
        targets = [i for i, s in enumerate(cells) if re.search(r"\bExplorer\(", s)]
        if not targets:
            continue
        ns: dict = {"__name__": f"ltr_bench_{path.stem}"}
        cwd = os.getcwd()
        os.chdir(nb_dir)
        old_handler = signal.signal(signal.SIGALRM, _timeout)
        signal.alarm(NOTEBOOK_TIMEOUT_S)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cells[0], f"{path.name}[0]", "exec"), ns)
                done = {0}
                for i in targets:
                    _exec_with_deps(cells, i, ns, done, path.name)
                # render each Explorer once: a compute/draw function may use a name that only
                # an earlier cell defines (chapter 6's ``models``), found only when it runs
                for val in list(ns.values()):
                    if isinstance(val, Explorer):
                        _call_with_deps(val.render, cells, max(targets), ns, done, path.name)
        except Exception as e:  # noqa: BLE001
            failed[path.stem] = f"{type(e).__name__}: {e}"
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old_handler)
            os.chdir(cwd)
            import matplotlib.pyplot as plt
            plt.close("all")
        for name, val in ns.items():
            if isinstance(val, Explorer):
                found[f"{path.stem}:{name}"] = val
    return found, failed


def _defining_cell(cells, i, missing, done):
    """The latest cell before ``i`` (not run yet) that assigns, imports or defines ``missing``."""
    m = re.escape(missing)
    pat = re.compile(rf"^(?:{m}\s*(?:,[^=]*)?=|[^=\n]*,\s*{m}\s*(?:,[^=]*)?=|"
                     rf"(?:from\s+\S+\s+)?import\s+.*\b{m}\b|def\s+{m}\b|class\s+{m}\b)", re.M)
    return next((j for j in range(i - 1, -1, -1) if j not in done and pat.search(cells[j])), None)


def _missing_name(e: NameError) -> str:
    return getattr(e, "name", None) or str(e).split("'")[1]


def _call_with_deps(fn, cells, i, ns, done, fname):
    for _ in range(MAX_CELLS):
        try:
            return fn()
        except NameError as e:
            dep = _defining_cell(cells, i + 1, _missing_name(e), done)
            if dep is None:
                raise
            _exec_with_deps(cells, dep, ns, done, fname)
    return fn()


def _exec_with_deps(cells, i, ns, done, fname, depth=0):
    for _ in range(MAX_CELLS):
        try:
            if os.environ.get("LTR_BENCH_DEBUG"):
                print(f"[widget_update] {fname}: code cell {i}", file=sys.stderr, flush=True)
            exec(compile(cells[i], f"{fname}[{i}]", "exec"), ns)
            done.add(i)
            return
        except NameError as e:
            dep = _defining_cell(cells, i, _missing_name(e), done)
            if dep is None or depth > MAX_CELLS:
                raise
            _exec_with_deps(cells, dep, ns, done, fname, depth + 1)


# -- end of TRANSITIONAL ------------------------------------------------------------------------


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    import numpy as np

    os.environ.setdefault("MPLBACKEND", "Agg")
    repeats = 2 if quick else 15
    explorers, failed = helper_explorers()
    for qual in unlisted_helper_explorers():
        failed[f"{qual}()"] = "not listed in benchmarks/widget_update.py HELPER_EXPLORERS"
    # TRANSITIONAL: the explorers still built in notebooks (quick: the first such notebook only)
    stems = notebooks_with_explorers()
    found, nb_failed = notebook_explorers(set(stems[:1]) if quick else set(stems))
    failed.update(nb_failed)
    rows = []
    if quick:  # the smoke test: one helper-built and (while any remain) one notebook-built
        explorers = dict(list(explorers.items())[:1])
        found = dict(list(found.items())[:1])
    explorers.update(found)
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
