"""Diagrams drawn by code: the RNN folded and unrolled and its input/output configurations
(chapter 1), the (layer x step) grid that BPTT sweeps (chapter 2), the LSTM cell with the book's
symbols beside the reader's notes' names, one gate at a time, and values drawn over a text
(chapter 3, also chapter 8).

Chinese labels need a font with CJK glyphs. :func:`cjk_font` looks for one among the fonts
matplotlib knows; when there is none, :func:`lstm_cell_diagram` writes the notes' Latin names
(S, C, C', X) and the chapter gives the Chinese names in a table beside the figure.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from helpers.checks import check_bool, check_choice, check_int, describe
from helpers.plotting import PALETTE, check_figsize, new_figure

# gate / block -> (book symbol, English name, the notes' Chinese name, the notes' symbol)
LSTM_LABELS = {
    "f": ("$f_t$", "forget gate", "遗忘门", "f(t)"),
    "i": ("$i_t$", "input gate", "输入门", "i(t)"),
    "g": ("$g_t$", "candidate", "候选(门)", "C'(t)"),
    "o": ("$o_t$", "output gate", "输出门", "O(t)"),
    "c": ("$c_t$", "cell state", "记忆单元状态", "C(t)"),
    "h": ("$h_t$", "hidden state", "输出值", "S(t)"),
    "x": ("$x_t$", "input", "输入", "X(t)"),
}


def cjk_font() -> str | None:
    """Name of an installed font that covers Chinese, or None."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        name = entry.name.lower()
        if any(k in name for k in ("cjk", "wenquanyi", "wqy", "hei", "song", "ming", "kai",
                                   "droid sans fallback", "source han", "ukai", "uming")):
            return entry.name
    return None


def _arrow(ax, xy0, xy1, color="black", lw=1.6, style="-|>", ls="-"):
    ax.add_patch(FancyArrowPatch(xy0, xy1, arrowstyle=style, mutation_scale=12, color=color,
                                 lw=lw, linestyle=ls, shrinkA=0, shrinkB=0))


def _line(ax, xs, ys, color="black", lw=1.6):
    ax.plot(xs, ys, color=color, lw=lw, solid_capstyle="round")


def _op(ax, xy, text, color="black"):
    ax.add_patch(Circle(xy, 0.3, facecolor="white", edgecolor=color, lw=1.6, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=13, zorder=4, color=color)


def _box(ax, xy, text, color, fontsize=11):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - 0.42, y - 0.3), 0.84, 0.6, boxstyle="round,pad=0.05",
                                facecolor=color, edgecolor="black", lw=1.2, zorder=3, alpha=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4, color="white",
            fontweight="bold")


# the parts of the cell :func:`lstm_cell_diagram` can highlight (the rest is drawn in grey)
CELL_PARTS = {
    "f": "the forget gate",
    "i": "the input gate and the candidate",
    "c": "the cell update",
    "o": "the output gate",
}
_GREY = "#C4C4C4"


def lstm_cell_diagram(chinese: bool | None = None, figsize=(7.4, 4.9), *,
                      highlight: str | None = None, compact: bool = False, ax=None):
    """The LSTM cell: the conveyor belt c_{t-1} -> c_t on top, the three gates and the candidate
    below, and h_t leaving twice (to the next step and to the layer above, Q9).

    ``chinese``: write the notes' Chinese names (True; needs a CJK font), the notes' Latin
    names (False), or None = Chinese when a CJK font is installed. ``figsize``: (width, height)
    in inches. ``highlight``: None (everything in colour) or one of :data:`CELL_PARTS`
    (``"f"``, ``"i"``, ``"c"``, ``"o"``): that part in colour, the rest in grey. ``compact``:
    symbols only (no names, no notes), for small panels. ``ax``: draw into this Axes instead of
    a new figure (``figsize`` is then ignored). Returns the Figure.
    """
    from matplotlib.axes import Axes

    if chinese is not None:
        chinese = check_bool("chinese", chinese)
    figsize = check_figsize("figsize", figsize)
    if highlight is not None:
        highlight = check_choice("highlight", highlight, tuple(CELL_PARTS))
    compact = check_bool("compact", compact)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be None or a matplotlib Axes, got {describe(ax)}")
    font = cjk_font()
    if chinese is None:
        chinese = font is not None
    if chinese and font is None:
        raise ValueError("chinese=True needs a font with CJK glyphs, got none installed "
                         "(see fc-list :lang=zh); pass chinese=False or None")
    if ax is None:
        fig, ax = new_figure(figsize=figsize, layout=None)
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    fig = ax.figure
    ax.set_axis_off()
    ax.set_xlim(*((-1.3, 11.3) if compact else (-1.6, 12.4)))
    ax.set_ylim(*((-1.75, 6.3) if compact else (-2.0, 7.4)))
    ax.set_aspect("equal")
    kw = {"fontfamily": [font, "DejaVu Sans"]} if chinese else {}
    # which drawn pieces belong to the highlighted part
    lit = {None: {"f", "f_arrow", "fmul", "belt_in", "i", "g", "igmul", "ig_arrow", "add",
                  "belt_out", "o", "tanh_c", "omul", "h_out"},
           "f": {"f", "f_arrow", "fmul", "belt_in"},
           "i": {"i", "g", "igmul", "ig_arrow"},
           "c": {"belt_in", "f_arrow", "fmul", "ig_arrow", "add", "belt_out"},
           "o": {"belt_out", "tanh_c", "o", "omul", "h_out"}}[highlight]

    def col(piece, color):
        return color if piece in lit else _GREY

    def name(key):
        sym, eng, zh, notes = LSTM_LABELS[key]
        if compact:
            return sym
        return f"{eng}\n{sym}\nnotes {zh if chinese else notes}"

    small = 9 if compact else 8.5  # the smallest text (issue 14: >= 9 px at the book's width)
    # the cell body
    ax.add_patch(FancyBboxPatch((0.3, -0.2), 9.4, 6.2, boxstyle="round,pad=0.1",
                                facecolor="#F4F4F4", edgecolor="#999999", lw=1.2, zorder=0))
    belt_y, gate_y, bus_y = 5.2, 2.4, 0.6
    blue = PALETTE["blue"]
    # conveyor belt (cell state)
    _line(ax, [-1.0, 2.0 - 0.28], [belt_y, belt_y], col("belt_in", blue), lw=3.5)
    _line(ax, [2.28, 5.0 - 0.28], [belt_y, belt_y], col("fmul", blue), lw=3.5)
    _arrow(ax, (5.28, belt_y), (10.1, belt_y), col("belt_out", blue), lw=3.5)
    ax.text(-1.0, belt_y + 0.35, "$c_{t-1}$" if compact else "$c_{t-1}$ (notes C(t-1))",
            fontsize=10, color=col("belt_in", blue))
    ax.text(9.0, belt_y + 0.35, "$c_t$" if compact else "$c_t$ (C(t))", fontsize=10,
            color=col("belt_out", blue))
    if not compact:
        ax.text(4.0, belt_y + 0.8,
                "conveyor belt (notes §2.6" + (", 传送带" if chinese else "")
                + "):\none multiply, one add", ha="center", fontsize=small,
                color=col("belt_out", blue), style="italic", **kw)
    _op(ax, (2.0, belt_y), "×", col("fmul", "black"))
    _op(ax, (5.0, belt_y), "+", col("add", "black"))
    # the input bus: h_{t-1} and x_t feed every block
    _line(ax, [-1.0, 7.0], [bus_y, bus_y], "#444444")
    ax.text(-1.0, bus_y - 0.5, "$h_{t-1}$" if compact else "$h_{t-1}$ (S(t-1))", fontsize=10)
    _arrow(ax, (0.9, -1.4), (0.9, bus_y), "#444444")
    ax.text(1.05, -1.35, "$x_t$" if compact else "$x_t$ (X(t))", fontsize=10)
    cols = {"f": 2.0, "i": 3.4, "g": 5.2, "o": 7.0}
    colors = {"f": PALETTE["vermillion"], "i": PALETTE["green"], "g": PALETTE["purple"],
              "o": PALETTE["orange"]}
    for key, x in cols.items():
        _line(ax, [x, x], [bus_y, gate_y - 0.35], col(key, "#444444"))
        _box(ax, (x, gate_y), "tanh" if key == "g" else "σ", col(key, colors[key]),
                 fontsize=(8 if key == "g" else 10) if compact else 11)
        ax.text(x, gate_y - (0.85 if compact else 1.15), name(key), ha="center", va="center",
                fontsize=10 if compact else small, color=col(key, colors[key]), zorder=5,
                linespacing=1.1, bbox=dict(boxstyle="round,pad=0.1", facecolor="white",
                                           edgecolor="none"), **kw)
    # forget gate multiplies the belt
    _arrow(ax, (2.0, gate_y + 0.35), (2.0, belt_y - 0.28), col("f_arrow", colors["f"]))
    # input gate times candidate, added to the belt
    _op(ax, (4.3, 3.9), "×", col("igmul", "black"))
    _line(ax, [3.4, 3.4, 4.3 - 0.3], [gate_y + 0.35, 3.9, 3.9], col("i", colors["i"]))
    _line(ax, [5.2, 5.2, 4.3 + 0.3], [gate_y + 0.35, 3.9, 3.9], col("g", colors["g"]))
    _arrow(ax, (4.3, 3.9 + 0.28), (5.0 - 0.2, belt_y - 0.2), col("ig_arrow", "black"))
    # output: tanh(c_t) times o_t
    _line(ax, [8.3, 8.3], [belt_y, 3.9 + 0.3], col("tanh_c", blue))
    ax.add_patch(FancyBboxPatch((8.3 - 0.42, 3.9 - 0.25), 0.84, 0.5, boxstyle="round,pad=0.05",
                                facecolor="white", edgecolor=col("tanh_c", blue), lw=1.4,
                                zorder=3))
    ax.text(8.3, 3.9, "tanh", ha="center", va="center", fontsize=9 if compact else 10,
            zorder=4, color=col("tanh_c", "black"))
    _op(ax, (8.3, gate_y), "×", col("omul", "black"))
    _line(ax, [8.3, 8.3], [3.9 - 0.3, gate_y + 0.28], col("tanh_c", "black"))
    _line(ax, [7.0 + 0.42, 8.3 - 0.28], [gate_y, gate_y], col("o", colors["o"]))
    # h_t leaves twice: to the next step (right) and to the layer above (up)
    h_col = col("h_out", "black")
    _line(ax, [8.3, 8.3], [gate_y - 0.28, bus_y], h_col)
    _arrow(ax, (8.3, bus_y), (11.0, bus_y), h_col, lw=2.2)
    _arrow(ax, (10.4, bus_y), (10.4, 6.4 if compact else 7.2), h_col, lw=2.2)
    if compact:
        ax.text(9.2, bus_y - 0.55, "$h_t$", fontsize=10, color=h_col)
    else:
        ax.text(8.6, bus_y - 0.7, "$h_t$ (S(t))\nto step t+1", fontsize=small, color=h_col,
                va="center")
        ax.text(10.55, 7.1, "$h_t$ to the\nlayer above\n(or the output\nlayer)",
                fontsize=small, va="top", color=h_col)
        ax.text(8.85, 3.9, "Q10: squash\nthe unbounded\n$c_t$", fontsize=small,
                va="center", color=col("tanh_c", blue))
    return fig


# --------------------------------------------------------------------------------------------
# chapter 2: the (layer x step) grid that backpropagation through time sweeps
BPTT_MAX_LAYERS = 4
BPTT_MAX_STEPS = 6


def bptt_grid_diagram(layers: int = 2, steps: int = 4, figsize=None):
    """The unrolled stacked RNN as a grid of states ``h_t^(l)`` (``layers`` rows, ``steps``
    columns) with the error of backpropagation through time drawn on it: it enters every top
    state from its step's loss ``L_t``, flows **left** (back in time, to ``h_{t-1}^(l)`` and
    finally ``h_0^(l)``) and **down** (to the layer below, and from layer 1 to the input
    ``x_t``). Every edge carries the Jacobian of the forward map along it (chapter 2's
    equations): ``diag(f'(a_t^(l))) W_hh^(l)`` on a time edge, ``diag(f'(a_t^(l+1)))
    W_ih^(l+1)`` on a layer edge; the error crossing an edge is multiplied by its transpose.

    ``layers``: integer in [1, 4]; ``steps``: integer in [2, 6]; ``figsize``: (width, height)
    in inches or None (0.86 inch per unit of the drawing: 6.3 inches wide at 4 steps, so that
    the 9 pt labels keep their size in the book's 760 px column; 6 steps are 9.1 wide).
    Returns the Figure.
    """
    layers = check_int("layers", layers, low=1, high=BPTT_MAX_LAYERS)
    steps = check_int("steps", steps, low=2, high=BPTT_MAX_STEPS)
    if figsize is None:
        figsize = (0.86 * (0.95 + 1.6 * steps), 0.86 * (2.9 + 1.45 * layers))
    figsize = check_figsize("figsize", figsize)
    fig, ax = new_figure(figsize=figsize, layout=None)
    fig.subplots_adjust(left=0.0, right=1.0, bottom=0.0, top=1.0)
    ax.set_axis_off()
    dx, dy, r = 1.6, 1.45, 0.26  # column and row spacing, node radius
    time_c, space_c, loss_c = PALETTE["blue"], PALETTE["vermillion"], PALETTE["black"]
    x_of = {t: 0.35 + dx * t for t in range(steps + 1)}  # column of step t (t = 0: h_0)
    y_of = {layer: dy * layer for layer in range(layers + 1)}  # row 0: the inputs x_t
    top = y_of[layers]
    ax.set_xlim(-0.3, x_of[steps] + 0.3)
    ax.set_ylim(-1.6, top + 1.2)
    fs = 9  # every label; at most 7.4 inches wide, so 9 pt stays above 9 px in the column
    # nodes: the states h_t^(l), the initial states h_0^(l), the inputs x_t, the losses L_t
    for layer in range(1, layers + 1):
        y = y_of[layer]
        ax.text(x_of[0], y, f"$h_0^{{({layer})}}$", ha="center", va="center", fontsize=fs,
                color="#555555")
        for t in range(1, steps + 1):
            ax.add_patch(Circle((x_of[t], y), r, facecolor="#F4F4F4", edgecolor="black",
                                lw=1.2, zorder=3))
            ax.text(x_of[t], y, f"$h_{{{t}}}^{{({layer})}}$", ha="center", va="center",
                    fontsize=fs + 1, zorder=4)
    for t in range(1, steps + 1):
        ax.text(x_of[t], y_of[0], f"$x_{{{t}}}$", ha="center", va="center", fontsize=fs + 1,
                bbox=dict(boxstyle="round,pad=0.25", facecolor="white", edgecolor="#777777"))
        ax.text(x_of[t], top + 0.95, f"$L_{{{t}}}$", ha="center", va="center",
                fontsize=fs + 1, bbox=dict(boxstyle="round,pad=0.25", facecolor="white",
                                           edgecolor=loss_c))
        _arrow(ax, (x_of[t], top + 0.78), (x_of[t], top + r), loss_c, lw=1.2)
    # time edges: error from h_t^(l) to h_{t-1}^(l) (to h_0 for t = 1)
    for layer in range(1, layers + 1):
        y = y_of[layer]
        for t in range(1, steps + 1):
            x0 = x_of[t] - r
            x1 = x_of[t - 1] + (0.22 if t == 1 else r)
            _arrow(ax, (x0, y), (x1, y), time_c, lw=1.8)
            ax.text((x0 + x1) / 2, y + r + 0.05,  # above the nodes: free to be wide
                    rf"$\mathrm{{diag}}(f'(a_{{{t}}}^{{({layer})}}))W_{{hh}}^{{({layer})}}$",
                    ha="center", va="bottom", fontsize=fs - 0.5, color=time_c)
    # space edges: error from h_t^(l+1) down to h_t^(l), and from h_t^(1) to the input x_t
    for layer in range(1, layers + 1):
        for t in range(1, steps + 1):
            y0 = y_of[layer] - r
            y1 = y_of[layer - 1] + (0.2 if layer == 1 else r)
            _arrow(ax, (x_of[t], y0), (x_of[t], y1), space_c, lw=1.8)
            ax.text(x_of[t] + 0.06, (y0 + y1) / 2,
                    rf"$\mathrm{{diag}}(f'(a_{{{t}}}^{{({layer})}}))W_{{ih}}^{{({layer})}}$",
                    ha="left", va="center", fontsize=fs - 0.5, color=space_c,
                    bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none"))
    # what the colours mean, under the inputs
    for k, (text, colour) in enumerate((("black: the error enters from each step's loss $L_t$",
                                         loss_c),
                                        ("blue: it flows left, back in time", time_c),
                                        ("vermillion: it flows down, to the layer below (space)",
                                         space_c))):
        ax.text(x_of[0] - 0.2, y_of[0] - 0.6 - 0.32 * k, text, ha="left", va="center",
                fontsize=fs, color=colour)
    return fig


# -- chapter 1: the RNN folded and unrolled, and its input/output configurations ---------------
# One block: rnn_unrolled_diagram, RNN_CONFIGURATIONS, rnn_configurations_diagram.
MAX_UNROLLED_STEPS = 6  # more columns than this no longer fit the book's column legibly

_RNN_COLORS = {"x": PALETTE["sky"], "h": "#666666", "y": PALETTE["orange"]}


def _node(ax, xy, text, kind, w=0.9, h=0.52, fontsize=10.5):
    """A rounded box at ``xy`` for an input (``kind='x'``), a state ('h') or an output ('y')."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                facecolor=_RNN_COLORS[kind], edgecolor="black", lw=1.1,
                                zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4,
            color="black" if kind != "h" else "white")


def _weight(ax, xy, text, color="black", ha="left"):
    ax.text(*xy, text, ha=ha, va="center", fontsize=9, color=color, zorder=5,
            bbox=dict(boxstyle="round,pad=0.08", facecolor="white", edgecolor="none",
                      alpha=0.85))


def rnn_unrolled_diagram(steps: int = 4, figsize=(7.4, 3.3)):
    """A recurrent network drawn folded (left: one cell ``h`` with a self-loop) and unrolled over
    ``steps`` time steps (right: ``x_t -> h_t -> y_t`` for t = 1..steps, ``h_{t-1} -> h_t``).
    Every unrolled step carries the same weight labels ``W_ih``, ``W_hh``, ``W_out``: one set of
    parameters shared by all steps.

    ``steps``: an integer in [2, 6]. ``figsize``: (width, height) in inches. Returns the Figure.
    """
    from matplotlib.path import Path

    from helpers.checks import check_int

    steps = check_int("steps", steps, low=2, high=MAX_UNROLLED_STEPS)
    figsize = check_figsize("figsize", figsize)
    fig, ax = new_figure(figsize=figsize, layout=None)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    ax.set_axis_off()
    dx, x0 = 1.75, 3.3                       # column spacing, first unrolled column
    x_last = x0 + dx * (steps - 1)
    ax.set_xlim(-1.2, x_last + 0.9)
    ax.set_ylim(-0.55, 3.45)
    ax.set_aspect("equal")
    yx, yh, yy = 0.0, 1.45, 2.9              # rows: input, state, output
    # folded: one cell with a self-loop
    _node(ax, (0.0, yx), "$x_t$", "x")
    _node(ax, (0.0, yh), "$h_t$", "h")
    _node(ax, (0.0, yy), "$y_t$", "y")
    _arrow(ax, (0.0, yx + 0.26), (0.0, yh - 0.26))
    _arrow(ax, (0.0, yh + 0.26), (0.0, yy - 0.26))
    _weight(ax, (0.1, (yx + yh) / 2), "$W_{ih}$")
    _weight(ax, (0.1, (yh + yy) / 2), "$W_{out}$")
    # the self-loop: out of the cell's left side, round, and back in (the recurrence W_hh)
    loop = Path([(-0.45, yh + 0.12), (-1.3, yh + 0.75), (-1.3, yh - 0.75), (-0.45, yh - 0.12)],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    ax.add_patch(FancyArrowPatch(path=loop, arrowstyle="-|>", mutation_scale=12,
                                 color=PALETTE["blue"], lw=1.8, zorder=2))
    _weight(ax, (-0.95, yh + 0.62), "$W_{hh}$", PALETTE["blue"], ha="center")
    ax.text(0.0, -0.5, "folded", ha="center", va="center", fontsize=9.5, style="italic")
    # "unroll" arrow
    _arrow(ax, (0.8, yh), (x0 - 1.55, yh), "#888888", lw=2.4, style="-|>")
    ax.text((0.8 + x0 - 1.55) / 2, yh + 0.22, "unroll", ha="center", fontsize=9.5,
            style="italic", color="#555555")
    # unrolled
    ax.text(x0 - 1.1, yh, "$h_0$", ha="center", va="center", fontsize=10.5)
    for k in range(steps):
        xc, t = x0 + dx * k, k + 1
        _node(ax, (xc, yx), f"$x_{t}$", "x")
        _node(ax, (xc, yh), f"$h_{t}$", "h")
        _node(ax, (xc, yy), f"$y_{t}$", "y")
        _arrow(ax, (xc, yx + 0.26), (xc, yh - 0.26))
        _arrow(ax, (xc, yh + 0.26), (xc, yy - 0.26))
        _weight(ax, (xc + 0.08, (yx + yh) / 2), "$W_{ih}$")
        _weight(ax, (xc + 0.08, (yh + yy) / 2), "$W_{out}$")
        x_from = xc - dx + 0.45 if k else x0 - 0.9
        _arrow(ax, (x_from, yh), (xc - 0.45, yh), PALETTE["blue"], lw=1.8)
        _weight(ax, ((x_from + xc - 0.45) / 2, yh + 0.24), "$W_{hh}$", PALETTE["blue"],
                ha="center")
        ax.text(xc, -0.5, f"step {t}", ha="center", va="center", fontsize=9)
    _arrow(ax, (x_last + 0.45, yh), (x_last + 0.85, yh), PALETTE["blue"], lw=1.8)
    ax.text((x0 + x_last) / 2, 3.38, "unrolled: the same $W_{ih}$, $W_{hh}$, $W_{out}$ "
            "at every step", ha="center", va="center", fontsize=9.5, style="italic")
    return fig


# panel title -> (steps that take an input, steps that give an output, whether each output is
# fed back as the next step's input, example, chapter)
RNN_CONFIGURATIONS = {
    "one-to-many": ("1000", "1111", True, "a verse generated from a start token", "ch. 7–8"),
    "many-to-one": ("1111", "0001", False, "the adding problem: one sum at the end", "ch. 3"),
    "many-to-many, aligned": ("1111", "1111", False, "a language model: the next word at each step",
                              "ch. 7"),
    "many-to-many, encoder–decoder": ("111000", "000111", False,
                                      "translation: read the source, then write", "ch. 8"),
}


def rnn_configurations_diagram(figsize=(7.4, 4.8)):
    """Four small unrolled networks, one per input/output configuration of
    :data:`RNN_CONFIGURATIONS` (inputs at the bottom, states in the middle, outputs on top), each
    with an example and the chapter of the book where it appears. In the one-to-many panel a
    dashed arrow feeds each output back in at the next step; in the encoder–decoder panel the
    decoder's states are drawn lighter. ``figsize``: (width, height) in inches. Returns the
    Figure."""
    figsize = check_figsize("figsize", figsize)
    fig, axes = new_figure(2, 2, figsize=figsize, layout=None)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.08, hspace=0.45)
    for ax, (title, (ins, outs, feedback, example, chapter)) in zip(axes.ravel(),
                                                                    RNN_CONFIGURATIONS.items()):
        n = len(ins)
        ax.set_axis_off()
        ax.set_xlim(-0.5, 5.25)
        ax.set_ylim(-0.45, 2.55)
        ax.set_title(f"{title}\n{example} ({chapter})", fontsize=9)
        dx = 4.75 / (n - 1)
        for k in range(n):
            xc = k * dx
            decoder = n == 6 and k >= 3
            _node(ax, (xc, 1.05), "", "h", w=0.5, h=0.42)
            if decoder:
                ax.patches[-1].set_facecolor("#AAAAAA")
            if k:
                _arrow(ax, (xc - dx + 0.27, 1.05), (xc - 0.27, 1.05), PALETTE["blue"], lw=1.5)
            if ins[k] == "1":
                _node(ax, (xc, 0.0), "$x$", "x", w=0.5, h=0.42, fontsize=9.5)
                _arrow(ax, (xc, 0.23), (xc, 1.05 - 0.23))
            if outs[k] == "1":
                _node(ax, (xc, 2.1), "$y$", "y", w=0.5, h=0.42, fontsize=9.5)
                _arrow(ax, (xc, 1.05 + 0.23), (xc, 2.1 - 0.23))
            if feedback and k < n - 1:
                ax.add_patch(FancyArrowPatch((xc + 0.27, 2.1), (xc + dx - 0.27, 1.2),
                                             arrowstyle="-|>", mutation_scale=10, lw=1.1,
                                             color="#777777", linestyle="--",
                                             connectionstyle="arc3,rad=-0.25"))
    return fig


# -- chapter 3: the gates one at a time, and values drawn over a text -------------------------

# part -> (title, equations in mathtext, what it does) for :func:`lstm_gate_figure`
GATE_EQUATIONS = {
    "f": ("forget gate $f_t$",
          [r"$f_t = \sigma(W_{if}\,x_t + W_{hf}\,h_{t-1} + b_f)$"],
          "how much of each cell of $c_{t-1}$\nto keep: 1 keeps, 0 wipes"),
    "i": ("input gate $i_t$ and candidate $g_t$",
          [r"$i_t = \sigma(W_{ii}\,x_t + W_{hi}\,h_{t-1} + b_i)$",
           r"$g_t = \tanh(W_{ig}\,x_t + W_{hg}\,h_{t-1} + b_g)$"],
          "$g_t$: new content in $(-1, 1)$;\n$i_t$: how much of it to write"),
    "c": ("cell update $c_t$",
          [r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$"],
          "keep a share of the old memory,\nadd a share of the new content"),
    "o": ("output gate $o_t$ and hidden state $h_t$",
          [r"$o_t = \sigma(W_{io}\,x_t + W_{ho}\,h_{t-1} + b_o)$",
           r"$h_t = o_t \odot \tanh(c_t)$"],
          "how much of the squashed memory\nto show, now, to the next step\nand to the layer above"),
}


def lstm_gate_figure(part: str, chinese: bool | None = None, figsize=(7.4, 2.5)):
    """One part of the LSTM cell in colour on the grey cell (left, :func:`lstm_cell_diagram`
    with ``highlight=part, compact=True``) and its equations and job beside it (right).

    ``part``: one of :data:`CELL_PARTS` (``"f"``, ``"i"``, ``"c"``, ``"o"``); ``chinese`` as for
    :func:`lstm_cell_diagram`; ``figsize``: (width, height) in inches. Returns the Figure.
    """
    part = check_choice("part", part, tuple(CELL_PARTS))
    if chinese is not None:
        chinese = check_bool("chinese", chinese)
    figsize = check_figsize("figsize", figsize)
    fig, (ax_cell, ax_eq) = new_figure(1, 2, figsize=figsize, layout=None,
                                       width_ratios=(1.25, 1.0))
    fig.subplots_adjust(left=0.0, right=1.0, bottom=0.02, top=0.98, wspace=0.02)
    lstm_cell_diagram(chinese, highlight=part, compact=True, ax=ax_cell)
    title, equations, job = GATE_EQUATIONS[part]
    ax_eq.set_axis_off()
    ax_eq.text(0.0, 0.95, title, fontsize=11, fontweight="bold", va="top",
               transform=ax_eq.transAxes)
    y = 0.72
    for eq in equations:
        ax_eq.text(0.0, y, eq, fontsize=10.5, va="center", transform=ax_eq.transAxes)
        y -= 0.17
    ax_eq.text(0.0, y - 0.02, job, fontsize=10, va="top", color="#333333", linespacing=1.25,
               transform=ax_eq.transAxes)
    return fig


def _check_tokens(name, tokens) -> list[str]:
    if isinstance(tokens, (str, bytes)) or not isinstance(tokens, (list, tuple)) or not tokens \
            or not all(isinstance(t, str) for t in tokens):
        raise TypeError(f"{name} must be a non-empty list of str, got {describe(tokens)}")
    return list(tokens)


def draw_tokens(ax, tokens, values, *, limits=None, width: int = 80, rows: int = 9,
                sep: str = " ", breaks=("\n",), shown=None, fontsize: float = 9.0,
                cmap: str = "coolwarm") -> int:
    """Draw ``tokens`` (characters or words) as a text, each on a background coloured by its
    value (Karpathy et al. 2015's pictures of single LSTM cells).

    ``tokens``: list of str, T of them; ``values``: (T,) finite numbers; ``limits``: (low, high)
    mapped to the two ends of ``cmap`` (default symmetric about 0: (-m, m), m = max |value|);
    ``width``: characters per line (an integer >= 10); ``rows``: lines at most (>= 1);
    ``sep``: put between tokens ("" for characters); ``breaks``: tokens after which a new line
    starts; ``shown``: dict token -> what to print for it (e.g. {" ": "·", "\\n": "↵"});
    ``fontsize``: points, >= 6. Monospaced. Returns how many tokens were drawn.
    """
    import matplotlib as mpl
    from matplotlib.axes import Axes

    from helpers.checks import check_array, check_int, check_number

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {describe(ax)}")
    tokens = _check_tokens("tokens", tokens)
    values = check_array("values", values, ndim=1)
    if len(values) != len(tokens):
        raise ValueError(f"values must have one number per token ({len(tokens)}), got "
                         f"{len(values)}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite, got NaN or infinity")
    if limits is None:
        m = float(np.abs(values).max()) or 1.0
        limits = (-m, m)
    if isinstance(limits, (str, bytes)) or not isinstance(limits, (tuple, list)) \
            or len(limits) != 2:
        raise TypeError(f"limits must be None or a pair (low, high), got {describe(limits)}")
    lo, hi = (check_number("limits", v) for v in limits)
    if not hi > lo:
        raise ValueError(f"limits must have low < high, got {limits!r}")
    width = check_int("width", width, low=10)
    rows = check_int("rows", rows, low=1)
    if not isinstance(sep, str):
        raise TypeError(f"sep must be a str, got {describe(sep)}")
    breaks = set(_check_tokens("breaks", breaks)) if breaks else set()
    shown = {} if shown is None else shown
    if not isinstance(shown, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in shown.items()):
        raise TypeError(f"shown must be None or a dict str -> str, got {describe(shown)}")
    fontsize = check_number("fontsize", fontsize, low=6.0, high=40.0)
    colormap = mpl.colormaps[check_choice("cmap", cmap, tuple(mpl.colormaps))]
    x = y = 0
    drawn = 0
    for tok, v in zip(tokens, values):
        text = shown.get(tok, tok)
        if x > 0 and x + len(text) > width:
            x, y = 0, y + 1
        if y >= rows:
            break
        ax.text(x, -y, text, fontsize=fontsize, family="monospace", va="top",
                bbox=dict(boxstyle="square,pad=0.05", ec="none",
                          fc=colormap(float(np.clip((v - lo) / (hi - lo), 0.0, 1.0)))))
        drawn += 1
        x += len(text) + len(sep)
        if tok in breaks:
            x, y = 0, y + 1
    ax.set_xlim(-1, width + 1)
    ax.set_ylim(-rows - 0.2, 1)
    ax.set_axis_off()
    return drawn
