"""book_build: seconds of ``make book``'s build, cold (no cache) and warm (nothing changed), and
each chapter's execution time in the cold build.

The build runs on a temporary copy of the book as ``make book`` would see it (the working tree
without ``.git``, ``_build``, ``.venv`` and caches; ``LTR_BENCH_BOOK_SOURCE=head`` builds
``git archive HEAD`` instead), never on the repository's ``_build/``, with
``make book``'s command and environment: ``env -u MPLBACKEND LTR_STATIC_WIDGETS=1
PYTHONHASHSEED=0 .venv/bin/jupyter-book build <copy> --builder html``. Cold = the first build
of the fresh copy (no ``_build/``, so no execution cache); warm = the same command again with
nothing changed. Per chapter: the notebook execution time myst-nb records in the build
environment (``env.nb_metadata[doc]["exec_data"]["runtime"]``).
"""
from __future__ import annotations

import os
import pathlib
import pickle
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks.chapter_times import BUDGETS
from benchmarks.common import ROOT, build_env, record, verdict

COLD_TARGET_S, WARM_TARGET_S = 600.0, 30.0

TINY_CONFIG = """title: tiny
execute:
  execute_notebooks: cache
"""
TINY_TOC = """format: jb-book
root: intro
chapters:
  - file: tiny
"""


def _tiny_book(dest: pathlib.Path) -> None:
    """A two-page book with one executed notebook (the smoke test's input)."""
    import nbformat

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "_config.yml").write_text(TINY_CONFIG)
    (dest / "_toc.yml").write_text(TINY_TOC)
    (dest / "intro.md").write_text("# Tiny\n\nA page.\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny notebook"),
                nbformat.v4.new_code_cell("print(sum(range(10)))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, dest / "tiny.ipynb")


IGNORE = shutil.ignore_patterns(".git", "_build", ".venv", ".peers", ".tools", ".ruff_cache",
                                "__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints",
                                "*.egg-info")


def _copy_book(dest: pathlib.Path, source: str) -> str:
    """Copy the book to ``dest``: ``"worktree"`` (what ``make book`` builds: the files as they
    are now, without build outputs and caches) or ``"head"`` (``git archive HEAD``). Returns a
    description of what was copied."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip() or "?"
    if source == "head":
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        if (ROOT / "_vendor_js").is_dir():
            shutil.copytree(ROOT / "_vendor_js", dest / "_vendor_js")
        return f"committed book at {head}"
    if source != "worktree":
        raise ValueError(f"source must be 'worktree' or 'head', got {source!r}")
    shutil.copytree(ROOT, dest, ignore=IGNORE, symlinks=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                           capture_output=True, text=True).stdout.strip()
    return f"working tree at {head}" + (" with uncommitted changes" if dirty else "")


def _build(book: pathlib.Path) -> tuple[float, subprocess.CompletedProcess]:
    env = build_env()
    jb = pathlib.Path(sys.executable).with_name("jupyter-book")
    t0 = time.perf_counter()
    p = subprocess.run([str(jb), "build", str(book), "--builder", "html"], env=env,
                       capture_output=True, text=True)
    return time.perf_counter() - t0, p


def _exec_times(book: pathlib.Path) -> dict[str, float]:
    path = book / "_build" / ".doctrees" / "environment.pickle"
    if not path.exists():
        return {}
    with open(path, "rb") as f:
        env = pickle.load(f)
    out = {}
    for doc, meta in sorted(getattr(env, "nb_metadata", {}).items()):
        ex = meta.get("exec_data")
        if ex and ex.get("runtime") is not None:
            out[doc] = float(ex["runtime"])
    return out


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="ltr-bench-book-") as tmp:
        book = pathlib.Path(tmp) / "book"
        if quick:
            _tiny_book(book)
            what = "tiny two-page book (smoke test)"
        else:
            what = _copy_book(book, os.environ.get("LTR_BENCH_BOOK_SOURCE", "worktree"))
        cold, p1 = _build(book)
        per_chapter = _exec_times(book)
        warm, p2 = _build(book)
        failed = [p for p in (p1, p2) if p.returncode != 0]
        status_fail = None
        if failed:
            tail = (failed[0].stderr or failed[0].stdout).strip().splitlines()[-3:]
            status_fail = f"build failed (exit {failed[0].returncode}): {' | '.join(tail)[:300]}"
    ours = "make book (jupyter-book build, static widgets)"
    rows = [
        record("book_build", ours + ", cold", "—", "seconds (no cache)", cold, None, None,
               target="<= 600 s", status=status_fail or (verdict(cold <= COLD_TARGET_S)
                                                        if not quick else "n/a"),
               note=f"{what}; chapters executed: {len(per_chapter)}, "
                    f"execution total {sum(per_chapter.values()):.0f} s"),
        record("book_build", ours + ", warm", "—", "seconds (nothing changed)", warm, None, None,
               target="<= 30 s", status=status_fail or (verdict(warm <= WARM_TARGET_S)
                                                       if not quick else "n/a"),
               note=what),
    ]
    for doc, secs in per_chapter.items():
        budget = BUDGETS.get(pathlib.Path(doc).name)
        rows.append(record("book_build", f"{doc} (cold execution)", "—", "seconds", secs, None,
                           None, target=f"<= {budget} s" if budget else "",
                           status=verdict(None if quick or not budget else secs <= budget),
                           note="myst-nb exec_data runtime; budget from chapter_times.BUDGETS"))
    return rows
