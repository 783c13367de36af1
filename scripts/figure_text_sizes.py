"""Print, for every figure a chapter notebook draws, its rendered width at the book's 100 dpi
(bbox tight) and its smallest text in px at the 1280 px layout (content column about 760 px):
px = fontsize_pt * 100/72 * min(1, 760 / width_px) (issue 14 asks for >= 9 px).

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.figure_text_sizes notebooks/03_lstm_gates.ipynb

Runs the notebook's code cells (not the hidden remove-cell ones) in one namespace with the Agg
backend, so it takes about as long as the chapter; figures are numbered as the book numbers them
(cells with a ``mystnb: figure`` name), other drawn figures are listed as unnumbered.
"""
import io
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import IPython.display
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image


def measure(fig, where, rows):
    """Append (where, rendered width px, smallest font pt, smallest px at 1280) to rows."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    w = Image.open(io.BytesIO(buf.getvalue())).size[0]
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    small = min(sizes)
    px = small * 100 / 72 * min(1.0, 760 / w)
    rows.append((where, w, small, px))


def main(argv):
    """Run the notebook argv[0] and print the table."""
    path = os.path.abspath(argv[0])
    nb = json.load(open(path))
    os.chdir(os.path.dirname(path))
    IPython.display.display = lambda *a, **k: None   # tables and widgets: not figures
    ns = {"__name__": "__main__"}
    rows = []
    n_fig = 0
    for c in nb["cells"]:
        if c["cell_type"] != "code" or "remove-cell" in c["metadata"].get("tags", []):
            continue
        code = "".join(c["source"])
        before = set(plt.get_fignums())
        lines = code.rstrip().split("\n")
        try:
            last = compile(lines[-1], "last", "eval")
            exec(compile("\n".join(lines[:-1]), c["id"], "exec"), ns)
            value = eval(last, ns)
        except SyntaxError:
            exec(compile(code, c["id"], "exec"), ns)
            value = None
        figs = [plt.figure(n) for n in plt.get_fignums() if n not in before]
        if isinstance(value, Figure) and value not in figs:
            figs.append(value)
        name = c["metadata"].get("mystnb", {}).get("figure", {}).get("name")
        for fig in figs:
            if name:
                n_fig += 1
            measure(fig, rows=rows, where=f"{'Fig ' + str(n_fig) if name else 'unnumbered'} {name or c['id']}")
        plt.close("all")
    print(f"{'figure':40} {'width px':>8} {'smallest pt':>11} {'smallest px at 1280':>20}")
    for where, w, small, px in rows:
        print(f"{where:40} {w:8d} {small:11.1f} {px:20.1f}{'' if px >= 9 else '   < 9 px'}")


if __name__ == "__main__":
    main(sys.argv[1:])
