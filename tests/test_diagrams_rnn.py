"""Chapter 1's RNN diagrams: the unrolled network carries one set of weight labels per step (the
parameters are shared), and the configurations figure draws each configuration's inputs and
outputs where RNN_CONFIGURATIONS says."""
import pytest
from matplotlib.figure import Figure

from helpers.diagrams import (MAX_UNROLLED_STEPS, RNN_CONFIGURATIONS, rnn_configurations_diagram,
                              rnn_unrolled_diagram)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("steps", [2, 4, MAX_UNROLLED_STEPS])
def test_unrolled_diagram_shares_one_set_of_weights(steps):
    fig = rnn_unrolled_diagram(steps=steps)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    texts = _texts(fig.axes[0])
    # the folded cell once, and every unrolled step once more: the same three labels
    for w in ("$W_{ih}$", "$W_{hh}$", "$W_{out}$"):
        assert texts.count(w) == steps + 1, (w, texts.count(w))
    for t in range(1, steps + 1):
        for v in ("x", "h", "y"):
            assert f"${v}_{t}$" in texts
        assert f"step {t}" in texts
    assert f"${'x'}_{steps + 1}$" not in texts
    assert "$h_0$" in texts and "folded" in texts and "unroll" in texts


def test_unrolled_diagram_uses_figsize():
    fig = rnn_unrolled_diagram(3, figsize=(6, 3))
    assert tuple(fig.get_size_inches()) == (6.0, 3.0)


def test_configurations_diagram_draws_inputs_and_outputs_where_the_table_says():
    fig = rnn_configurations_diagram()
    assert len(fig.axes) == len(RNN_CONFIGURATIONS) == 4
    for ax, (title, (ins, outs, feedback, example, chapter)) in zip(fig.axes,
                                                                    RNN_CONFIGURATIONS.items()):
        assert ax.get_title() == f"{title}\n{example} ({chapter})"
        texts = _texts(ax)
        assert texts.count("$x$") == ins.count("1") and texts.count("$y$") == outs.count("1")
        assert len(ins) == len(outs)
        # boxes: one state per step plus the inputs and outputs; arrows: state to state, input
        # to state, state to output, and (one-to-many) each output fed back to the next step
        n = len(ins)
        boxes = [p for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
        arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
        assert len(boxes) == n + ins.count("1") + outs.count("1")
        assert len(arrows) == (n - 1) + ins.count("1") + outs.count("1") + feedback * (n - 1)
    titles = " ".join(ax.get_title() for ax in fig.axes)
    for key in ("one-to-many", "many-to-one", "aligned", "encoder–decoder", "ch. 3", "ch. 7",
                "ch. 8"):
        assert key in titles


def test_configurations_diagram_uses_figsize():
    fig = rnn_configurations_diagram(figsize=(7, 4))
    assert tuple(fig.get_size_inches()) == (7.0, 4.0)


# (function, kwargs, exception, the argument the message must name)
BAD = [
    (rnn_unrolled_diagram, {"steps": 1}, ValueError, "steps"),
    (rnn_unrolled_diagram, {"steps": 0}, ValueError, "steps"),
    (rnn_unrolled_diagram, {"steps": MAX_UNROLLED_STEPS + 1}, ValueError, "steps"),
    (rnn_unrolled_diagram, {"steps": 2.5}, TypeError, "steps"),
    (rnn_unrolled_diagram, {"steps": "4"}, TypeError, "steps"),
    (rnn_unrolled_diagram, {"steps": True}, TypeError, "steps"),
    (rnn_unrolled_diagram, {"figsize": (0, 3)}, ValueError, "figsize"),
    (rnn_unrolled_diagram, {"figsize": "wide"}, TypeError, "figsize"),
    (rnn_configurations_diagram, {"figsize": (0, 4)}, ValueError, "figsize"),
    (rnn_configurations_diagram, {"figsize": (7, float("nan"))}, ValueError, "figsize"),
    (rnn_configurations_diagram, {"figsize": (7, float("inf"))}, ValueError, "figsize"),
    (rnn_configurations_diagram, {"figsize": (7,)}, TypeError, "figsize"),
    (rnn_configurations_diagram, {"figsize": "big"}, TypeError, "figsize"),
    (rnn_configurations_diagram, {"figsize": None}, TypeError, "figsize"),
    (rnn_configurations_diagram, {"figsize": (7, 4, 1)}, TypeError, "figsize"),
]


@pytest.mark.parametrize("fn,kwargs,exc,name", BAD,
                         ids=[f"{i}-{b[0].__name__}-{b[3]}" for i, b in enumerate(BAD)])
def test_bad_input(fn, kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b") as info:
        fn(**kwargs)
    assert "got" in str(info.value)
