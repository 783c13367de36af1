"""The widget machinery: pure rendering, live and static (kernel-free) renderings."""
import json
import re

import ipywidgets as w
import numpy as np
import pytest

from helpers import plotting
from helpers.widgets import STATIC_ENV, Control, Explorer, TextFrame


def compute(a, kind):
    if a == 2.0:
        raise OverflowError("overflowed at step 3")
    return a ** np.arange(10) * (1 if kind == "up" else -1)


def draw(data, a, kind):
    fig, ax = plotting.new_figure(layout=None)
    ax.plot(data)
    return fig


@pytest.fixture
def explorer():
    return Explorer(compute, draw, [Control("a", (0.5, 0.9, 2.0), 0.9),
                                    Control("kind", ("up", "down"), "up")])


def test_every_position_renders_and_arithmetic_errors_become_messages(explorer):
    grid = list(explorer.grid())
    assert len(grid) == 6
    for params in grid:
        fig = explorer.render(**params)
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any("OverflowError" in t for t in texts) == (params["a"] == 2.0)
    assert explorer.png().startswith(b"\x89PNG")
    page = explorer.frame_html(a=0.5)
    assert page.startswith('<img class="reader-frame" alt="Plot') and "data:image/png;base64," in page


def test_static_links_every_frame_in_the_browser(explorer):
    box = explorer.static()
    slider, toggles, outer = box.children[:3]
    assert isinstance(slider, w.SelectionSlider) and isinstance(toggles, w.ToggleButtons)
    assert isinstance(outer, w.Stack) and len(outer.children) == 3
    assert all(len(s.children) == 2 for s in outer.children)
    assert outer.selected_index == 1 and slider.index == 1
    # one jslink for the outer stack, one per inner stack
    assert len(box._links) == 1 + 3
    frames = {s.children[j].value for s in outer.children for j in range(2)}
    assert len(frames) == 6  # distinct pictures
    assert all(isinstance(s.children[j], w.HTML) and ' alt="Plot' in s.children[j].value
               for s in outer.children for j in range(2))  # each frame has alt text


def test_live_recomputes_on_change(explorer):
    box = explorer.live()
    slider, frame = box.children[0], box.children[-1]
    before = frame.value
    slider.value = 0.5
    assert frame.value != before


def test_show_chooses_by_environment(explorer, monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    assert isinstance(explorer.show().children[2], w.Stack)
    monkeypatch.setenv(STATIC_ENV, "0")
    assert isinstance(explorer.show().children[-1], w.HTML)


def test_update_times(explorer):
    t = explorer.update_times_ms(repeats=3)
    assert t.shape == (3,) and np.all(t > 0)


def test_grid_over_named_controls():
    ex = Explorer(compute, draw, [Control("a", (0.5, 0.9, 2.0), 0.9),
                                  Control("kind", ("up", "down"), "up")])
    assert [p["a"] for p in ex.grid(["a"])] == [0.5, 0.9, 2.0]
    assert all(p["kind"] == "up" for p in ex.grid(["a"]))


def C(name="a", values=(1, 2), default=1, **kw):
    return Control(name, values, default, **kw)


def EX(**kw):
    args = {"compute": compute, "draw": draw,
            "controls": [Control("a", (0.5, 0.9), 0.9), Control("kind", ("up", "down"), "up")]}
    args.update(kw)
    return Explorer(**args)


# (call, exception, the argument the message must name)
BAD = [
    (lambda: C(name="a b"), ValueError, "name"),
    (lambda: C(name=""), ValueError, "name"),
    (lambda: C(name="1a"), ValueError, "name"),
    (lambda: C(name=3), TypeError, "name"),
    (lambda: C(name=None), TypeError, "name"),
    (lambda: C(values=()), ValueError, "values"),
    (lambda: C(values=(1, 1)), ValueError, "values"),
    (lambda: C(values=(1.0, float("nan")), default=1.0), ValueError, "values"),
    (lambda: C(values=(1.0, float("inf")), default=1.0), ValueError, "values"),
    (lambda: C(values="ab", default="a"), TypeError, "values"),
    (lambda: C(values={1, 2}), TypeError, "values"),
    (lambda: C(values=5, default=5), TypeError, "values"),
    (lambda: C(default=3), ValueError, "default"),
    (lambda: C(default=None), ValueError, "default"),
    (lambda: C(default="1"), ValueError, "default"),
    (lambda: C(default=(1,)), ValueError, "default"),
    (lambda: C(default=1.5), ValueError, "default"),
    (lambda: C(description=3), TypeError, "description"),
    (lambda: C(description=None), TypeError, "description"),
    (lambda: C(fmt="{:g}"), TypeError, "fmt"),
    (lambda: C(fmt=None), TypeError, "fmt"),
    (lambda: EX(compute=1), TypeError, "compute"),
    (lambda: EX(compute=None), TypeError, "compute"),
    (lambda: EX(draw="draw"), TypeError, "draw"),
    (lambda: EX(draw=None), TypeError, "draw"),
    (lambda: EX(controls=[]), ValueError, "controls"),
    (lambda: EX(controls=Control("a", (1,), 1)), TypeError, "controls"),
    (lambda: EX(controls=["a"]), TypeError, "controls"),
    (lambda: EX(controls=None), TypeError, "controls"),
    (lambda: EX(controls=[Control("a", (1,), 1), Control("a", (2,), 2)]), ValueError, "controls"),
    (lambda: EX(static=("b",)), ValueError, "static"),
    (lambda: EX(static=()), ValueError, "static"),
    (lambda: EX(static=("a", "a")), ValueError, "static"),
    (lambda: EX(static=("a", "kind", "a")), ValueError, "static"),
    (lambda: EX(static="a"), TypeError, "static"),
    (lambda: EX(static=1), TypeError, "static"),
    (lambda: EX(dpi=10), ValueError, "dpi"),
    (lambda: EX(dpi=1000), ValueError, "dpi"),
    (lambda: EX(dpi=80.0), TypeError, "dpi"),
    (lambda: EX(dpi="80"), TypeError, "dpi"),
    (lambda: EX(dpi=None), TypeError, "dpi"),
    (lambda: EX().render(b=1), TypeError, "b"),
    (lambda: EX().render(A=0.5), TypeError, "A"),
    (lambda: EX().render(a_=0.5), TypeError, "a_"),
    (lambda: EX().render(pattern="up"), TypeError, "pattern"),
    (lambda: EX().render(compute=0.5), TypeError, "compute"),
    (lambda: EX().figure(b=1), TypeError, "b"),
    (lambda: EX().figure(A=0.5), TypeError, "A"),
    (lambda: EX().figure(kinds="up"), TypeError, "kinds"),
    (lambda: EX().figure(draw=1), TypeError, "draw"),
    (lambda: EX().figure(x=None), TypeError, "x"),
    (lambda: EX().png(b=1), TypeError, "b"),
    (lambda: EX().png(A=0.5), TypeError, "A"),
    (lambda: EX().png(kinds="up"), TypeError, "kinds"),
    (lambda: EX().png(dpi=100), TypeError, "dpi"),
    (lambda: EX().png(x=None), TypeError, "x"),
    (lambda: EX(plot=1), TypeError, "plot"),
    (lambda: EX(plot="draw"), TypeError, "plot"),
    (lambda: EX().plot_data(), TypeError, "plot"),
    (lambda: TextFrame(1, ("a",)), TypeError, "title"),
    (lambda: TextFrame("t", "abc"), TypeError, "items"),
    (lambda: TextFrame("t", (1,)), TypeError, "items"),
    (lambda: TextFrame(None, ("a",)), TypeError, "title"),
    (lambda: TextFrame("t", None), TypeError, "items"),
    (lambda: EX(plot=[len]), TypeError, "plot"),
    (lambda: list(EX().grid(["b"])), ValueError, "names"),
    (lambda: list(EX().grid(["a", "a"])), ValueError, "names"),
    (lambda: list(EX().grid("a")), TypeError, "names"),
    (lambda: list(EX().grid(3)), TypeError, "names"),
    (lambda: list(EX().grid({"a"})), TypeError, "names"),
    (lambda: EX().update_times_ms(0), ValueError, "repeats"),
    (lambda: EX().update_times_ms(-3), ValueError, "repeats"),
    (lambda: EX().update_times_ms(10**6), ValueError, "repeats"),
    (lambda: EX().update_times_ms(2.5), TypeError, "repeats"),
    (lambda: EX().update_times_ms("5"), TypeError, "repeats"),
]


@pytest.mark.parametrize("call,exc,name", BAD, ids=[f"{b[2]}-{k}" for k, b in enumerate(BAD)])
def test_bad_input(call, exc, name):
    with pytest.raises(exc, match=rf"^{re.escape(name)}(?!\w)") as info:
        call()
    assert "got" in str(info.value)


def test_slider_fits_a_phone_column(explorer):
    slider = explorer.controls[0].make_widget()
    assert slider.layout.width == "100%" and slider.layout.max_width == "420px"


def test_text_frames_are_text():
    ex = Explorer(lambda n: [f"line {i} <b>" for i in range(n)],
                  lambda data, n: TextFrame(f"{n} lines", data),
                  [Control("n", (1, 2, 3), 2)])
    page = ex.frame_html(n=3)
    assert "<img" not in page and page.count("<li>") == 3 and "&lt;b&gt;" in page
    assert str(ex.render()) == "2 lines\n1. line 0 <b>\n2. line 1 <b>"
    with pytest.raises(TypeError, match="png"):
        ex.png()
    stack = ex.static().children[1]
    assert len({f.value for f in stack.children}) == 3


def _plot(data, a, kind):
    return plotting.plot_spec(f"a = {a}", "k", "value", [{"y": np.abs(data) + 1e-9,
                                                           "colour": "#000000"}],
                              ylim=(1e-3, 10.0), ylog=True, note=kind)


def test_plot_explorer_precomputes_every_combination_of_every_control():
    ex = Explorer(lambda a, kind, n: compute(a, kind) * n, lambda data, **p: draw(data, p["a"], p["kind"]),
                  [Control("a", (0.5, 0.9, 2.0), 0.9), Control("kind", ("up", "down"), "up"),
                   Control("n", (1, 2), 1)],
                  plot=lambda data, a, kind, n: _plot(data, a, kind))
    frames = ex.plot_frames()
    assert set(frames) == {f"{a}|{k}|{n}" for a in (0.5, 0.9, 2.0) for k in ("up", "down")
                           for n in (1, 2)}
    assert frames["2.0|up|1"]["title"] == "cannot compute"   # the overflow, as a message
    box = ex.static()
    assert [type(c) for c in box.children] == [w.SelectionSlider, w.ToggleButtons,
                                               w.SelectionSlider, w.HTML]
    page = box.children[-1].value
    payload = json.loads(re.search(r'<script type="application/json">(.*)</script>', page)
                         .group(1).replace("<\\/", "</"))
    assert len(payload["frames"]) == 12 and payload["base"]["ylog"] is True
    assert 'data-initial="0.9|up|1"' in page


def test_plot_spec_thins_and_takes_logs():
    spec = plotting.plot_spec("t", "x", "y", [{"y": 10.0 ** -np.arange(501), "colour": "#000",
                                               "points": 11}],
                              ylim=(1e-20, 1e20), ylog=True, decimals=1)
    line = spec["lines"][0]
    assert line["s"] == 50 and line["n"] == 500 and len(line["y"]) == 11
    assert line["y"][:3] == [0, -230, -230] and spec["yscale"] == 10  # clipped 1e3 below the axis
    assert spec["ylim"] == [-20, 20]
