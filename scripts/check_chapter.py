"""Build one chapter strictly, on its own, the way the book build does.

    .venv/bin/python -m scripts.check_chapter notebooks/02_vanishing_and_exploding_gradients.ipynb

Makes a throw-away book in /tmp/ltr-check/<stem>/ holding the real `_config.yml`, `book/`, the
chapter and one-line stand-ins for the other chapters (which the glossary links to), builds it with `-n -W --keep-going` and static widgets, and prints the warnings and the
chapter's execution time. Several chapters can be checked at once (each has its own folder).
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].endswith(".ipynb"):
        print(__doc__)
        return 2
    nb = (ROOT / argv[0]).resolve()
    if not nb.exists():
        raise SystemExit(f"notebook not found: {nb}")
    work = pathlib.Path("/tmp/ltr-check") / nb.stem
    shutil.rmtree(work, ignore_errors=True)
    (work / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", work / "_config.yml")
    shutil.copytree(ROOT / "book", work / "book")
    # questions.md links every chapter's callouts: keep only the rows this chapter answers
    cells = json.loads(nb.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    labels = set(re.findall(r"^\(rn-([a-z0-9]+)\)=", text, flags=re.M))
    q = work / "book" / "questions.md"
    q.write_text("\n".join(ln for ln in q.read_text().splitlines()
                           if not (m := re.search(r"<rn-([a-z0-9]+)>", ln)) or m.group(1) in labels))
    (work / "_ext").symlink_to(ROOT / "_ext")  # the book's local Sphinx extension
    (work / "_vendor_js").symlink_to(ROOT / "_vendor_js") if (ROOT / "_vendor_js").exists() else None
    shutil.copy(nb, work / "notebooks" / nb.name)
    for extra in ("data", "results"):  # stored results a chapter may read
        if (ROOT / extra).exists():
            (work / extra).symlink_to(ROOT / extra)
    # the other chapters, which book/glossary.md and book/intro.md link to, as one-line pages
    # (their titles only: nothing of theirs is executed or checked here)
    stubs = ""
    for other in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if other.stem != nb.stem:
            (work / "notebooks" / f"{other.stem}.md").write_text(
                f"# {other.stem}\n\nNot built by check_chapter.\n")
            stubs += f"  - file: notebooks/{other.stem}\n"
    (work / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        f"  - file: notebooks/{nb.stem}\n  - file: book/glossary\n  - file: book/references\n"
        "  - file: book/notation\n  - file: book/questions\n" + stubs)
    env = dict(os.environ, LTR_STATIC_WIDGETS="1", PYTHONHASHSEED="0")
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend so plt.show() makes output
    cmd = [str(ROOT / ".venv/bin/jupyter-book"), "build", str(work), "--builder", "html",
           "-n", "-W", "--keep-going"]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    lines = [ln for ln in out.splitlines() if "WARNING" in ln or "ERROR" in ln or "Error" in ln
             or "Executing" in ln or "Executed" in ln or "execution" in ln.lower()]
    print("\n".join(lines[-80:]))
    (work / "build.log").write_text(out)
    print(f"\nexit {proc.returncode}; full log {work/'build.log'}; "
          f"page {work/'_build/html/notebooks'/(nb.stem + '.html')}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
