"""Chapter 2's BPTT grid: one Jacobian on every edge (time edges W_hh, layer edges W_ih, each
with the step and layer of its pre-activation), its size fits the book's column, bad inputs."""
import io
import re

import pytest
from matplotlib.text import Text
from PIL import Image

from helpers.diagrams import bptt_grid_diagram


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("layers,steps", [(1, 2), (2, 4), (3, 3), (4, 6)])
def test_every_edge_carries_its_jacobian(layers, steps):
    texts = _texts(bptt_grid_diagram(layers=layers, steps=steps))
    time_edges = [t for t in texts if "W_{hh}" in t]
    space_edges = [t for t in texts if "W_{ih}" in t]
    # one time edge per state (the one from h_1 ends at h_0), one layer edge per state
    assert len(time_edges) == layers * steps and len(space_edges) == layers * steps
    for kind in (time_edges, space_edges):
        pairs = {re.search(r"a_\{(\d+)\}\^\{\((\d+)\)\}", t).groups() for t in kind}
        assert pairs == {(str(t), str(k)) for t in range(1, steps + 1)
                         for k in range(1, layers + 1)}
    for t in time_edges + space_edges:  # the pre-activation's layer is the weight's layer
        a_layer = re.search(r"a_\{\d+\}\^\{\((\d+)\)\}", t).group(1)
        w_layer = re.search(r"W_\{(?:hh|ih)\}\^\{\((\d+)\)\}", t).group(1)
        assert a_layer == w_layer, t
    for t in range(1, steps + 1):
        assert f"$x_{{{t}}}$" in texts and f"$L_{{{t}}}$" in texts
    for k in range(1, layers + 1):
        assert f"$h_0^{{({k})}}$" in texts
    assert any("back in time" in t for t in texts) and any("layer below" in t for t in texts)


def test_default_fits_the_column_with_text_of_at_least_9_px():
    fig = bptt_grid_diagram()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    width = Image.open(buf).size[0]
    smallest = min(t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip())
    assert width <= 760
    assert smallest * 100 / 72 * min(1.0, 760 / width) >= 9.0


def test_figsize_is_used():
    fig = bptt_grid_diagram(figsize=(5, 4))
    assert tuple(fig.get_size_inches()) == (5.0, 4.0)


# (kwargs, exception, the argument the message must name)
BAD = [
    ({"layers": 0}, ValueError, "layers"),
    ({"layers": 5}, ValueError, "layers"),
    ({"layers": 2.0}, TypeError, "layers"),
    ({"layers": "2"}, TypeError, "layers"),
    ({"layers": True}, TypeError, "layers"),
    ({"steps": 1}, ValueError, "steps"),
    ({"steps": 7}, ValueError, "steps"),
    ({"steps": 4.5}, TypeError, "steps"),
    ({"steps": None}, TypeError, "steps"),
    ({"steps": -3}, ValueError, "steps"),
    ({"figsize": (0, 5)}, ValueError, "figsize"),
    ({"figsize": (float("inf"), 5)}, ValueError, "figsize"),
    ({"figsize": (5,)}, TypeError, "figsize"),
    ({"figsize": "wide"}, TypeError, "figsize"),
    ({"figsize": (5, 41)}, ValueError, "figsize"),
]


@pytest.mark.parametrize("kwargs,exc,name", BAD, ids=[str(k) for k in range(len(BAD))])
def test_bad_input(kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b") as info:
        bptt_grid_diagram(**kwargs)
    assert "got" in str(info.value)
