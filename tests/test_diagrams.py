"""The chapter 3 cell diagram: it draws, carries every label, and refuses Chinese without a font."""
import pytest

from helpers.diagrams import LSTM_LABELS, cjk_font, lstm_cell_diagram


def test_cell_diagram_draws_every_block_label():
    fig = lstm_cell_diagram(chinese=False)
    assert len(fig.axes) == 1
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for key in "figo":
        sym, eng, _, notes = LSTM_LABELS[key]
        assert eng in texts and notes in texts, key
    assert "conveyor belt" in texts and "layer above" in texts and "step t+1" in texts


def test_chinese_labels_need_a_cjk_font():
    if cjk_font() is None:
        with pytest.raises(ValueError, match="CJK"):
            lstm_cell_diagram(chinese=True)
    else:
        fig = lstm_cell_diagram(chinese=True)
        texts = " ".join(t.get_text() for t in fig.axes[0].texts)
        assert "遗忘门" in texts


def test_figsize_is_used():
    fig = lstm_cell_diagram(chinese=False, figsize=(6, 4))
    assert tuple(fig.get_size_inches()) == (6.0, 4.0)


# (kwargs, exception, the argument the message must name)
BAD = [
    ({"chinese": "yes"}, TypeError, "chinese"),
    ({"chinese": 1}, TypeError, "chinese"),
    ({"chinese": "zh"}, TypeError, "chinese"),
    ({"chinese": 0.0}, TypeError, "chinese"),
    ({"chinese": [True]}, TypeError, "chinese"),
    ({"figsize": (0, 5)}, ValueError, "figsize"),
    ({"figsize": (float("nan"), 5)}, ValueError, "figsize"),
    ({"figsize": (5,)}, TypeError, "figsize"),
    ({"figsize": "big"}, TypeError, "figsize"),
    ({"figsize": None}, TypeError, "figsize"),
]


@pytest.mark.parametrize("kwargs,exc,name", BAD, ids=[str(k) for k in range(len(BAD))])
def test_bad_input(kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b") as info:
        lstm_cell_diagram(**kwargs)
    assert "got" in str(info.value)


# -- the gates one at a time (highlight, compact, lstm_gate_figure) and draw_tokens -------------
import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402

from helpers.diagrams import (CELL_PARTS, GATE_EQUATIONS, _GREY, draw_tokens,  # noqa: E402
                              lstm_gate_figure)
from helpers.plotting import new_figure  # noqa: E402


def _colours(ax):
    """Face and edge colours of every patch (boxes, circles, arrows), lower-case hex."""
    return [mcolors.to_hex(c) for p in ax.patches for c in (p.get_facecolor(), p.get_edgecolor())]


@pytest.mark.parametrize("part", list(CELL_PARTS))
def test_highlight_greys_the_rest(part):
    full = lstm_cell_diagram(chinese=False)
    lit = lstm_cell_diagram(chinese=False, highlight=part)
    n_grey_full = sum(c == _GREY.lower() for c in _colours(full.axes[0]))
    n_grey = sum(c == _GREY.lower() for c in _colours(lit.axes[0]))
    assert n_grey_full == 0 and n_grey >= 1     # some boxes are grey, none are in the full cell
    others = {_GREY.lower(), "#ffffff", "#f4f4f4", "#999999", "#000000", "#444444"}
    assert [c for c in _colours(lit.axes[0]) if c not in others]   # something is in colour


def test_each_highlight_is_different():
    drawn = {p: _colours(lstm_cell_diagram(chinese=False, highlight=p).axes[0]) for p in CELL_PARTS}
    assert len({tuple(v) for v in drawn.values()}) == len(CELL_PARTS)


def test_compact_has_symbols_not_names_and_draws_into_an_axes():
    fig, ax = new_figure(figsize=(4, 3))
    out = lstm_cell_diagram(chinese=False, compact=True, ax=ax)
    assert out is fig
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "$f_t$" in texts and "forget gate" not in texts and "conveyor belt" not in texts


@pytest.mark.parametrize("part", list(CELL_PARTS))
def test_gate_figure_writes_its_equations(part):
    fig = lstm_gate_figure(part, chinese=False)
    assert len(fig.axes) == 2
    texts = [t.get_text() for t in fig.axes[1].texts]
    title, equations, _ = GATE_EQUATIONS[part]
    assert texts[0] == title and all(eq in texts for eq in equations)


def test_gate_figure_is_narrow_enough_for_the_book():
    # issue 14: at 100 dpi the figure is at most 760 px wide and its smallest text >= 9 px
    fig = lstm_gate_figure("f", chinese=False)
    assert fig.get_size_inches()[0] * 100 <= 760
    small = min(t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")
                                                      and getattr(a, "get_text", lambda: "")()))
    assert small * 100 / 72 >= 9


def test_draw_tokens_colours_by_value_and_wraps():
    fig, ax = new_figure(figsize=(6, 2))
    words = ["the", "sons", "of", "noah", "</s>", "and", "ham"]
    values = np.array([-1.0, 0.0, 1.0, 0.5, -0.5, 0.2, 0.0])
    n = draw_tokens(ax, words, values, width=20, rows=5, breaks=("</s>",))
    assert n == len(words)
    fc = [mcolors.to_rgb(t.get_bbox_patch().get_facecolor()) for t in ax.texts]
    assert fc[0][2] > fc[0][0] and fc[2][0] > fc[2][2]      # -1 blue, +1 red (coolwarm)
    ys = [t.get_position()[1] for t in ax.texts]
    assert ys[5] < ys[4]                                     # a new line after </s>
    chars = ["a"] * 30
    fig, ax = new_figure(figsize=(6, 2))
    assert draw_tokens(ax, chars, np.zeros(30), width=10, rows=2, sep="") == 20   # two rows of 10


def test_draw_tokens_shown_and_limits():
    fig, ax = new_figure(figsize=(6, 2))
    draw_tokens(ax, ["a", " ", "\n", "b"], [0.0, 0.0, 0.0, 10.0], sep="", shown={" ": "·", "\n": "↵"},
                limits=(0.0, 1.0))
    assert [t.get_text() for t in ax.texts] == ["a", "·", "↵", "b"]
    top = mcolors.to_hex(ax.texts[3].get_bbox_patch().get_facecolor())
    assert top == mcolors.to_hex(__import__("matplotlib").colormaps["coolwarm"](1.0))  # clipped


_AX = new_figure(figsize=(3, 2))[1]
BAD_NEW = [
    (lambda: lstm_cell_diagram(highlight="x"), ValueError, "highlight"),
    (lambda: lstm_cell_diagram(highlight=1), ValueError, "highlight"),
    (lambda: lstm_cell_diagram(compact="yes"), TypeError, "compact"),
    (lambda: lstm_cell_diagram(ax="axes"), TypeError, "ax"),
    (lambda: lstm_cell_diagram(ax=3), TypeError, "ax"),
    (lambda: lstm_gate_figure("g"), ValueError, "part"),
    (lambda: lstm_gate_figure(None), ValueError, "part"),
    (lambda: lstm_gate_figure("f", chinese="no"), TypeError, "chinese"),
    (lambda: lstm_gate_figure("f", figsize=(0, 2)), ValueError, "figsize"),
    (lambda: lstm_gate_figure("f", figsize="wide"), TypeError, "figsize"),
    (lambda: draw_tokens(None, ["a"], [0.0]), TypeError, "ax"),
    (lambda: draw_tokens(_AX, "abc", [0.0]), TypeError, "tokens"),
    (lambda: draw_tokens(_AX, [], []), TypeError, "tokens"),
    (lambda: draw_tokens(_AX, ["a", "b"], [0.0]), ValueError, "values"),
    (lambda: draw_tokens(_AX, ["a"], [np.nan]), ValueError, "values"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], width=5), ValueError, "width"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], rows=2.5), TypeError, "rows"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], limits=(1.0, 0.0)), ValueError, "limits"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], limits="wide"), TypeError, "limits"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], shown={" ": 1}), TypeError, "shown"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], fontsize=3), ValueError, "fontsize"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], sep=None), TypeError, "sep"),
    (lambda: draw_tokens(_AX, ["a"], [0.0], cmap="nope"), ValueError, "cmap"),
]


@pytest.mark.parametrize("call,exc,name", BAD_NEW, ids=[str(k) for k in range(len(BAD_NEW))])
def test_bad_input_new(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
