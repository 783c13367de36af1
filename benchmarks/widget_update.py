"""widget_update: the time of one live update (compute + redraw + PNG) of every chapter widget.

Every ``helpers.widgets.Explorer`` the chapters show is timed with its own
``Explorer.update_times_ms`` (cycling through the values of its first static control, after a
warm-up), reported as the median in ms; the target is <= 100 ms.

Where the Explorers come from:

* helper functions named ``*_explorer`` in ``helpers`` (e.g. ``gru.update_gate_explorer``),
  called with their defaults;
* Explorers built inside a chapter notebook: the notebook's first code cell (imports) and the
  cell that builds the Explorer are executed here (IPython ``%`` lines dropped, output
  discarded, working directory ``notebooks/``). When that cell needs a name an earlier cell
  defines (chapter 6's fitted ``models``), the latest earlier cell assigning that name is run
  first, recursively. So the timed compute and draw functions are the chapter's own.
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
MAX_CELLS = 8  # dependency cells per notebook explorer
NOTEBOOK_TIMEOUT_S = 300  # building one notebook's explorers (its cells) may take at most this


def _timeout(signum, frame):
    raise TimeoutError(f"building the explorer ran its notebook's cells for more than "
                       f"{NOTEBOOK_TIMEOUT_S} s")


def helper_explorers() -> dict:
    """{"helpers.mod.fn()": Explorer} for every ``*_explorer`` function in ``helpers``."""
    import helpers
    from helpers.widgets import Explorer

    out = {}
    for mod in pkgutil.iter_modules(helpers.__path__):
        if mod.name == "widgets":
            continue
        try:
            m = importlib.import_module(f"helpers.{mod.name}")
        except Exception:  # noqa: BLE001 - a module that fails to import has no explorer here
            continue
        for name in dir(m):
            fn = getattr(m, name)
            if name.endswith("_explorer") and callable(fn) and getattr(fn, "__module__", "") == m.__name__:
                ex = fn()
                if isinstance(ex, Explorer):
                    out[f"helpers.{mod.name}.{name}()"] = ex
    return out


def _code_cells(path) -> list[str]:
    nb = json.loads(path.read_text())
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            src = "".join(c["source"])
            cells.append("\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("%", "!"))))
    return cells


def notebook_explorers(stem_filter=None) -> tuple[dict, dict]:
    """({"notebook:name": Explorer}, {"notebook": reason it could not be built})."""
    from helpers.widgets import Explorer

    found, failed = {}, {}
    nb_dir = ROOT / "notebooks"
    for path in sorted(nb_dir.glob("*.ipynb")):
        if stem_filter and path.stem not in stem_filter:
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


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    import numpy as np

    os.environ.setdefault("MPLBACKEND", "Agg")
    repeats = 2 if quick else 15
    explorers = helper_explorers()
    found, failed = notebook_explorers({"01_memory_and_forgetting"} if quick else None)
    explorers.update(found)
    rows = []
    if quick:  # the smoke test: one helper-built and one notebook-built explorer
        explorers = dict(list(explorers.items())[:1] + list(found.items())[:1])
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
