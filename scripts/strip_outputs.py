"""Remove outputs and execution counts from notebooks, in place.

    .venv/bin/python -m scripts.strip_outputs notebooks/*.ipynb
"""
from __future__ import annotations

import sys

import nbformat


def strip(path: str) -> bool:
    """Strip one notebook; return True if it changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell["outputs"] = []
            cell["execution_count"] = None
    if "widgets" in nb.metadata:
        del nb.metadata["widgets"]
        changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    for p in sys.argv[1:]:
        if strip(p):
            print(f"stripped {p}")
