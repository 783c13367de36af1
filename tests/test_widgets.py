"""The widget machinery: pure rendering, live and static (kernel-free) renderings."""
import re

import ipywidgets as w
import numpy as np
import pytest

from helpers import plotting
from helpers.widgets import STATIC_ENV, Control, Explorer


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


def test_live_recomputes_on_change(explorer):
    box = explorer.live()
    slider, image = box.children[0], box.children[-1]
    before = image.value
    slider.value = 0.5
    assert image.value != before


def test_show_chooses_by_environment(explorer, monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    assert isinstance(explorer.show().children[2], w.Stack)
    monkeypatch.setenv(STATIC_ENV, "0")
    assert isinstance(explorer.show().children[-1], w.Image)


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
