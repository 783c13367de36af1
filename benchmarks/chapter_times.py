"""chapter_times: each chapter's execution time (fresh kernel) against its budget, with the load.

Timing belongs here, not in the tests: a shared or slower machine is slower, and a timed test
fails at random there. ``make test`` only checks that the build executed every chapter
(``tests/test_book.py``) and that every chapter of ``_toc.yml`` has a budget here
(``tests/test_repository.py``).

Where the times come from, per chapter:

* the build's execution cache (``_build/.jupyter_cache``, written by ``make book`` or
  ``make strict-book``): the seconds jupyter-cache recorded when it executed the notebook as it
  is now (a record of an older version of the notebook does not match and is not used);
  the load average around that build is the one ``make`` wrote to ``_build/.build-load``;
* otherwise (or with ``LTR_BENCH_CHAPTERS=execute``) the chapter is executed now, on a fresh
  kernel, with the build's environment (static widgets, ``PYTHONHASHSEED=0``, the caller's
  thread settings), and the load average is read right after it.

``quick`` (the smoke test) never executes a chapter: a chapter without a cache record gives a
``not measured`` row, and no row claims pass or MISS.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time

from benchmarks.common import ROOT, build_env, record, verdict

# Seconds each chapter may take to execute on 2 cores, on a fresh kernel (from the chapter
# issues). The one place the budgets live.
BUDGETS = {
    "01_memory_and_forgetting": 30,
    "02_vanishing_and_exploding_gradients": 90,
    "03_lstm_gates": 150,
    "04_gru": 90,
    "05_word_embeddings": 120,
    "06_ngram_language_models": 60,
    "07_neural_language_models": 180,
    "08_generating_text": 180,
}
NOTEBOOKS = ROOT / "notebooks"
CACHE = ROOT / "_build" / ".jupyter_cache"
BUILD_LOAD = ROOT / "_build" / ".build-load"


def chapters(notebooks: pathlib.Path | None = None) -> list[str]:
    """Stems of the chapter notebooks ``notebooks/NN_*.ipynb``, in order (each is in
    ``_toc.yml``: ``tests/test_repository.py`` checks it)."""
    return [p.stem for p in sorted((notebooks or NOTEBOOKS).glob("[0-9][0-9]_*.ipynb"))]


def cached_seconds(cache_dir: pathlib.Path | None = None,
                   notebooks: pathlib.Path | None = None) -> dict[str, float]:
    """{chapter stem: execution seconds} from the build's execution cache, for the notebooks
    whose current code matches a cached execution. Empty if there is no cache."""
    cache_dir, notebooks = cache_dir or CACHE, notebooks or NOTEBOOKS
    if not cache_dir.is_dir():
        return {}
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    out = {}
    for nb in sorted(notebooks.glob("*.ipynb")):
        try:
            rec = cache.match_cache_file(str(nb))
        except KeyError:  # no execution of this version of the notebook
            continue
        secs = (rec.data or {}).get("execution_seconds")
        if secs is not None:
            out[nb.stem] = float(secs)
    return out


def build_load(path: pathlib.Path | None = None) -> str:
    """The load averages ``make`` wrote at the start and end of the last build ("" if none)."""
    path = path or BUILD_LOAD
    if not path.exists():
        return ""
    lines = path.read_text().split("\n")
    return "; ".join(ln for ln in lines if ln.strip())[-300:]


def execute_seconds(notebook: pathlib.Path) -> float:
    """Execute one notebook now on a fresh kernel (cwd: its folder, as the build does) and
    return the wall seconds, kernel start included."""
    with tempfile.TemporaryDirectory(prefix="ltr-bench-chapter-") as tmp:
        out = pathlib.Path(tmp) / notebook.name
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
               "--ExecutePreprocessor.timeout=1800", f"--output={out}", str(notebook)]
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=notebook.parent, env=build_env(), check=True,
                       capture_output=True, text=True)
        return time.perf_counter() - t0


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    source = os.environ.get("LTR_BENCH_CHAPTERS", "cache")
    if source not in ("cache", "execute"):
        raise ValueError(f"LTR_BENCH_CHAPTERS must be 'cache' or 'execute', got {source!r}")
    cached = cached_seconds() if source == "cache" else {}
    built = build_load()
    rows = []
    for stem in chapters():
        budget = BUDGETS.get(stem)
        target = f"<= {budget} s" if budget is not None else "no budget"
        if stem in cached:
            secs, how = cached[stem], "from the build's execution cache"
            note = how + (f"; load average (1/5/15 min) around that build: {built}" if built
                          else "; load during that build not recorded")
            load = None
        elif quick:
            rows.append(record("chapter_times", stem, "—", "seconds (fresh kernel)", None, None,
                               None, target=target,
                               status="not measured: no execution record of this version "
                                      "(run make book first)"))
            continue
        else:
            secs = execute_seconds(NOTEBOOKS / f"{stem}.ipynb")
            load = _load()
            note = f"executed now; load average (1/5/15 min) right after: {load}"
        ok = None if (quick or budget is None) else secs <= budget
        rows.append(record("chapter_times", stem, "—", "seconds (fresh kernel)", secs, None, None,
                           target=target, status=verdict(ok), note=note,
                           load_average_now=_load(), load_average_run=load,
                           budget_seconds=budget))
    return rows
