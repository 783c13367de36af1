"""Shared figure style: a colour-blind-safe palette, labelled axes, and PNG rendering.

Every chapter draws through these functions so that the book's figures look alike. Nothing here
touches pyplot's global state on import; :func:`new_figure` builds a figure that is not registered
with pyplot (so live widgets can redraw without leaking figures).

Every public function checks its arguments first and raises ``TypeError`` or ``ValueError``
naming the argument.
"""
from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import is_color_like
from matplotlib.figure import Figure

from helpers.checks import check_choice, check_int, check_number, describe

# Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]

STYLE = {
    "axes.prop_cycle": matplotlib.cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
}


def use_book_style() -> None:
    """Apply the book's style to pyplot (call once at the top of a chapter). In an IPython
    kernel it also makes every figure the notebook shows carry its smallest text size
    (:func:`record_fonts_in_notebook`), which the browser test of the built book reads."""
    matplotlib.rcParams.update(STYLE)
    record_fonts_in_notebook()


MAX_PANELS = 12  # rows or columns of one figure
MAX_INCHES = 40.0  # width or height of one figure
SUBPLOT_KEYWORDS = ("sharex", "sharey", "subplot_kw", "gridspec_kw", "width_ratios",
                    "height_ratios")


def check_figsize(name: str, figsize) -> tuple[float, float]:
    """``figsize`` as ``(width, height)`` in inches, each a finite number in (0, 40]."""
    if isinstance(figsize, (str, bytes)) or not isinstance(figsize, (tuple, list)) \
            or len(figsize) != 2:
        raise TypeError(f"{name} must be a pair (width, height) in inches, got {describe(figsize)}")
    return tuple(check_number(name, x, low=0.0, low_open=True, high=MAX_INCHES)
                 for x in figsize)


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6.4, 3.6),
               layout: str | None = "constrained", **subplot_kw) -> tuple[Figure, object]:
    """A figure in the book's style, detached from pyplot, and its axes.

    ``nrows``, ``ncols``: integers in [1, 12]; ``figsize``: (width, height) in inches, each in
    (0, 40]; ``subplot_kw``: any of :data:`SUBPLOT_KEYWORDS`, passed to ``Figure.subplots``.
    Returns ``(fig, axes)`` where ``axes`` is one Axes for a 1x1 grid, else an array.
    ``layout=None`` (fixed margins) draws about a third faster than ``"constrained"``: use it in
    a widget's ``draw`` to keep live updates under 100 ms.
    """
    nrows = check_int("nrows", nrows, low=1, high=MAX_PANELS)
    ncols = check_int("ncols", ncols, low=1, high=MAX_PANELS)
    figsize = check_figsize("figsize", figsize)
    layout = check_choice("layout", layout, (None, "constrained", "tight"))
    unknown = sorted(set(subplot_kw) - set(SUBPLOT_KEYWORDS))
    if unknown:
        raise TypeError(f"subplot_kw must use only {', '.join(SUBPLOT_KEYWORDS)}, "
                        f"got {', '.join(unknown)}")
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=figsize, layout=layout)
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
        if layout is None:
            fig.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.9, wspace=0.35)
    return fig, axes


def figure_png(fig: Figure, dpi: int = 80, colours: int | None = None) -> bytes:
    """Render the matplotlib Figure ``fig`` to PNG bytes at ``dpi`` (an integer in [10, 600]);
    ``colours`` (an integer in [2, 256]) makes it a palette PNG of that many colours, about a
    quarter of the bytes for the book's flat-coloured plots."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {describe(fig)}")
    dpi = check_int("dpi", dpi, low=10, high=600)
    if colours is not None:
        colours = check_int("colours", colours, low=2, high=256)
    buf = io.BytesIO()
    record = font_record(fig, dpi)
    # "standard" bbox: a tight bbox would lay the figure out a second time (about twice as slow)
    with matplotlib.rc_context({**STYLE, "savefig.bbox": "standard"}):
        fig.savefig(buf, format="png", dpi=dpi, metadata=record)
    if colours is None:
        return buf.getvalue()
    from PIL import Image, PngImagePlugin

    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT)
    info = PngImagePlugin.PngInfo()
    for key, value in record.items():
        info.add_text(key, value)
    out = io.BytesIO()
    img.save(out, format="png", optimize=True, pnginfo=info)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# the smallest text of a figure, recorded in its PNG (issue 14: >= 9 px at the 1280 px layout)
# ---------------------------------------------------------------------------------------------

FONT_KEY = "min-font-px"  # the PNG text chunk: smallest text in px at the image's natural size
MIN_TEXT_PX = 9.0  # the book's floor for displayed text at 1280 px


def smallest_font_pt(fig: Figure) -> float | None:
    """The smallest font size (points) of the text the Figure ``fig`` shows: every visible,
    non-blank text artist (tick labels, titles, axis labels, legends, annotations, texts,
    table cells), found by walking its artists and skipping what is hidden (an invisible
    artist and all inside it; the axes of an Axes turned off; tick labels switched off).
    ``None`` when the figure shows no text. Mathtext sub- and superscripts count at their
    text's size; a table's automatic font shrinking (done when drawn) is not seen. Cheap (no
    drawing; tick labels are formatted as a draw would), so every saved figure records it."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {describe(fig)}")
    from matplotlib.axis import Axis
    from matplotlib.table import Cell
    from matplotlib.text import Text
    from matplotlib.ticker import NullFormatter

    sizes: list[float] = []

    def walk(artist):
        if not artist.get_visible():
            return
        if isinstance(artist, Text):
            if artist.get_text().strip():
                sizes.append(float(artist.get_fontsize()))
            return
        if isinstance(artist, Axis):  # the labels of the ticks in view, not stale ones
            minor = ([] if isinstance(artist.get_minor_formatter(), NullFormatter)
                     else artist.get_minorticklabels())              # unlabelled by default
            for t in (artist.label, artist.offsetText, *artist.get_majorticklabels(), *minor):
                walk(t)
            return
        if isinstance(artist, Cell):
            walk(artist.get_text())
        for child in artist.get_children():
            if isinstance(child, Axis) and isinstance(artist, Axes) and not artist.axison:
                continue  # ax.set_axis_off(): its axes are not drawn
            walk(child)

    walk(fig)
    return min(sizes) if sizes else None


def font_record(fig: Figure, dpi: float) -> dict[str, str]:
    """The PNG metadata that records the smallest text of the Figure ``fig`` saved at ``dpi``
    (a number in [10, 600]): ``{FONT_KEY: px}`` with px = points * dpi / 72 to two decimals,
    or ``"none"`` when the figure draws no text."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {describe(fig)}")
    dpi = check_number("dpi", dpi, low=10, high=600)
    pt = smallest_font_pt(fig)
    return {FONT_KEY: "none" if pt is None else f"{pt * dpi / 72:.2f}"}


def png_min_font_px(png: bytes) -> float | None:
    """The smallest text (px at natural size) recorded in the PNG bytes ``png`` by
    :func:`font_record`: a float, ``math.inf`` for a figure without text, ``None`` when the
    PNG carries no record."""
    if not isinstance(png, (bytes, bytearray)):
        raise TypeError(f"png must be bytes, got {describe(png)}")
    if not bytes(png[:8]) == b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"png must be PNG bytes (\\x89PNG...), got {bytes(png[:8])!r}")
    from PIL import Image

    with Image.open(io.BytesIO(bytes(png))) as img:
        value = img.text.get(FONT_KEY)
    if value is None:
        return None
    return math.inf if value == "none" else float(value)


def _inline_png(fig: Figure, **kwargs):
    """The notebook's PNG of ``fig`` (IPython's own ``print_figure``, base64) with the font
    record of :func:`font_record` at the figure's dpi, which is what IPython saves it at."""
    from IPython.core.pylabtools import print_figure

    if not fig.axes and not fig.lines:
        return None
    kwargs.setdefault("bbox_inches", "tight")
    return print_figure(fig, fmt="png", base64=True,
                        metadata=font_record(fig, fig.dpi), **kwargs)


def record_fonts_in_notebook(shell=None) -> bool:
    """Make the IPython ``shell`` (by default the running one) show matplotlib Figures as PNGs
    that carry their smallest text size (:data:`FONT_KEY`), for the inline backend, glued
    figures and anything else IPython displays. Returns False (and does nothing) outside
    IPython. The inline backend registers its own PNG formatter when it is first loaded, so it
    is loaded first and this one replaces it; a later ``%matplotlib inline`` would undo it."""
    import sys

    if shell is None:
        if "IPython" not in sys.modules:
            return False
        shell = sys.modules["IPython"].get_ipython()
        if shell is None:
            return False
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not isinstance(formatters, dict) or "image/png" not in formatters:
        raise TypeError(f"shell must be an IPython shell (with display_formatter), got "
                        f"{describe(shell)}")
    if "inline" in str(dict.get(matplotlib.rcParams, "backend")):  # raw value: no resolution
        import matplotlib_inline.backend_inline  # noqa: F401 - registers its formatter once

    formatters["image/png"].for_type(Figure, _inline_png)
    return True


def figure_alt(fig: Figure) -> str:
    """Alt text for the Figure ``fig`` from what it shows: per panel its title, what is plotted
    against what, the legend's entries and any text written in it."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {describe(fig)}")
    parts = []
    if fig._suptitle is not None and fig._suptitle.get_text():
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        bits = []
        title = " ".join(t for t in (ax.get_title(loc="left"), ax.get_title(),
                                     ax.get_title(loc="right")) if t)
        if title:
            bits.append(title)
        x, y = ax.get_xlabel(), ax.get_ylabel()
        if x or y:
            bits.append(f"{y or 'value'} against {x or 'position'}")
        labels = [lab for lab in ax.get_legend_handles_labels()[1] if not lab.startswith("_")]
        if labels:
            bits.append("lines: " + ", ".join(labels))
        texts = [t.get_text().replace("\n", " ") for t in ax.texts if t.get_text().strip()]
        if texts:
            bits.append(" ".join(texts))
        if bits:
            parts.append("; ".join(bits))
    return ("Plot: " + ". ".join(parts)) if parts else "Plot"


def plot_spec(title: str, xlabel: str, ylabel: str, lines, *, ylim: tuple[float, float],
              ylog: bool = False, yticks=(), hlines=(), vlines=(), note: str = "",
              note_colour: str = "#000000", max_points: int = 80, decimals: int = 2) -> dict:
    """A line plot as small JSON-able data that ``_ext/static/reader.js`` draws in the browser
    as SVG (the kernel-free page of :class:`helpers.widgets.Explorer` with ``plot``).

    ``lines``: dicts with ``y`` (1-D array, sampled at x = 0, 1, 2, ...), ``colour``, and
    optionally ``dash`` (bool), ``width``, ``label`` and ``points`` (at most this many points
    are kept, default ``max_points``; a straight line needs 2). ``ylim`` (low, high) and
    ``yticks`` ((value, label) pairs) in data units; with ``ylog`` the values are sent as log10.
    ``hlines``: (y, colour, label) triples; ``vlines``: (x, colour) pairs; ``note``: a sentence
    drawn at the top of the plot in ``note_colour``. Values are rounded to ``decimals`` places
    (of log10 with ``ylog``); non-finite values become gaps (null). A line's kept points are
    x = 0, s, 2s, ... and its last, x = n: it is sent as ``{"y": [...], "s": s, "n": n}`` with
    ``y`` as integers, the values times ``yscale`` = 10**decimals; its style in ``styles``.
    """
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel), ("note", note)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {describe(text)}")
    max_points = check_int("max_points", max_points, low=2, high=10_000)
    decimals = check_int("decimals", decimals, low=0, high=6)
    if isinstance(ylim, (str, bytes)) or not isinstance(ylim, (tuple, list)) or len(ylim) != 2:
        raise TypeError(f"ylim must be a pair (low, high), got {describe(ylim)}")
    lo, hi = (check_number("ylim", v, low=0.0 if ylog else None, low_open=ylog) for v in ylim)
    if not lo < hi:
        raise ValueError(f"ylim must be (low, high) with low < high, got {ylim!r}")

    def tr(v):
        v = float(v)
        if not math.isfinite(v) or (ylog and v <= 0):
            return None
        v = round(math.log10(v) if ylog else v, decimals)
        return int(v) if v == int(v) else v

    out_lines, styles, xmax = [], [], 1
    for k, line in enumerate(lines):
        if not isinstance(line, dict) or "y" not in line or "colour" not in line:
            raise TypeError(f"lines[{k}] must be a dict with 'y' and 'colour', got "
                            f"{describe(line)}")
        y = np.asarray(line["y"], dtype=np.float64).ravel()
        if y.size == 0:
            raise ValueError(f"lines[{k}]['y'] must not be empty, got an empty array")
        points = check_int(f"lines[{k}]['points']", line.get("points", max_points), low=2)
        step = max(1, math.ceil((y.size - 1) / (points - 1)))
        idx = np.arange(0, y.size, step)
        if idx[-1] != y.size - 1:
            idx = np.append(idx, y.size - 1)
        xmax = max(xmax, y.size - 1)
        with np.errstate(invalid="ignore"):
            kept = np.clip(y[idx], lo * 1e-3, hi * 1e3) if ylog else y[idx]
        scaled = [tr(v) for v in kept]
        out_lines.append({"y": [None if v is None else int(round(v * 10 ** decimals))
                                for v in scaled], "s": int(step), "n": int(y.size - 1)})
        styles.append({"c": str(line["colour"]), "d": bool(line.get("dash", False)),
                       "w": float(line.get("width", 2)), "label": str(line.get("label", ""))})
    return {"title": title, "xlabel": xlabel, "ylabel": ylabel, "xlim": [0, xmax],
            "ylim": [tr(lo), tr(hi)], "ylog": bool(ylog),
            "yticks": [[tr(v), str(lab)] for v, lab in yticks],
            "hlines": [{"y": tr(v), "c": str(c), "label": str(lab)} for v, c, lab in hlines],
            "vlines": [{"x": float(x), "c": str(c)} for x, c in vlines],
            "lines": out_lines, "yscale": 10 ** decimals, "styles": styles, "note": note,
            "noteColour": str(note_colour)}


def label(ax, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Label both axes of the Axes ``ax`` (str labels, with units by convention) and
    optionally title the panel (``title``: a str or None)."""
    _check_axes(ax)
    for name, text in (("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {describe(text)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {describe(title)}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


def message(ax, text: str, color: str = PALETTE["vermillion"]) -> None:
    """Write a notice ``text`` (a str, e.g. 'overflowed at step 37') in the middle of the Axes
    ``ax``, in a matplotlib ``color``."""
    _check_axes(ax)
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {describe(text)}")
    if not is_color_like(color):
        raise ValueError(f"color must be a matplotlib colour (e.g. '#D55E00'), got "
                         f"{describe(color)}")
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=color,
            fontsize=11, bbox=dict(boxstyle="round", facecolor="white", edgecolor=color))


def _check_axes(ax) -> None:
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {describe(ax)}")
