"""The widget machinery: pure rendering, live and static (kernel-free) renderings."""
import numpy as np
import pytest
import ipywidgets as w

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


BAD = [
    (lambda: Control("a b", (1,), 1), "identifier"),
    (lambda: Control("a", (), 1), "must not be empty"),
    (lambda: Control("a", (1, 1), 1), "distinct"),
    (lambda: Control("a", (1, 2), 3), "default"),
    (lambda: Explorer(compute, draw, []), "at least one"),
    (lambda: Explorer(compute, draw, [Control("a", (1,), 1)], static=("b",)), "static must"),
    (lambda: Explorer(compute, draw, [Control("a", (1,), 1), Control("a", (2,), 2)]), "distinct"),
    (lambda: Explorer(1, draw, [Control("a", (1,), 1)]), "callables"),
    (lambda: Explorer(compute, draw, [Control("a", (0.5,), 0.5), Control("kind", ("up",), "up")]
                      ).render(b=1), "unknown control"),
]


@pytest.mark.parametrize("call,match", BAD, ids=[str(k) for k in range(len(BAD))])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_plotting_bad_input():
    with pytest.raises(ValueError, match="layout"):
        plotting.new_figure(layout="grid")
    with pytest.raises(ValueError, match="nrows"):
        plotting.new_figure(0, 1)


def test_show_source():
    from helpers.source import show_source
    from helpers.memory import half_life
    assert "def half_life" in show_source(half_life).data
    with pytest.raises(ValueError, match="obj must be"):
        show_source(3)
