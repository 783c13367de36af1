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
