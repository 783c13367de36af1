"""The shared figure style: figures detached from pyplot, PNG rendering, labels and notices,
and a table of bad inputs for every public function."""
import re

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import plotting


def test_new_figure_is_detached_and_styled():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, ax = plotting.new_figure(figsize=(4, 2), layout=None)
    assert isinstance(fig, Figure) and plt.get_fignums() == before  # not registered
    assert tuple(fig.get_size_inches()) == (4.0, 2.0)
    assert not ax.spines["top"].get_visible()  # the book's style
    fig, axes = plotting.new_figure(2, 3, sharex=True)
    assert axes.shape == (2, 3)


def test_png_label_and_message():
    fig, ax = plotting.new_figure(figsize=(2, 1.5))
    plotting.label(ax, "step t", "value", "title")
    plotting.message(ax, "overflowed at step 37")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("step t", "value", "title")
    assert ax.texts[0].get_text() == "overflowed at step 37"
    png = plotting.figure_png(fig, dpi=50)
    assert png.startswith(b"\x89PNG")
    width, height = np.frombuffer(png[16:24], dtype=">u4")  # the PNG header's size
    assert (width, height) == (100, 75)


def test_use_book_style_sets_the_palette():
    with matplotlib.rc_context():
        plotting.use_book_style()
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == plotting.CYCLE


def test_check_figsize_returns_floats():
    assert plotting.check_figsize("figsize", [6, 3.5]) == (6.0, 3.5)


FIG, AX = plotting.new_figure(figsize=(2, 1.5))

# (call, exception, the argument the message must name)
BAD = [
    (lambda: plotting.new_figure(0, 1), ValueError, "nrows"),
    (lambda: plotting.new_figure(1.5, 1), TypeError, "nrows"),
    (lambda: plotting.new_figure(100, 1), ValueError, "nrows"),
    (lambda: plotting.new_figure(1, -1), ValueError, "ncols"),
    (lambda: plotting.new_figure(1, "2"), TypeError, "ncols"),
    (lambda: plotting.new_figure(figsize=(0, 3)), ValueError, "figsize"),
    (lambda: plotting.new_figure(figsize=(float("nan"), 3)), ValueError, "figsize"),
    (lambda: plotting.new_figure(figsize=(6,)), TypeError, "figsize"),
    (lambda: plotting.new_figure(figsize="big"), TypeError, "figsize"),
    (lambda: plotting.new_figure(figsize=(1e5, 3)), ValueError, "figsize"),
    (lambda: plotting.new_figure(layout="grid"), ValueError, "layout"),
    (lambda: plotting.new_figure(layout=True), ValueError, "layout"),
    (lambda: plotting.new_figure(sharez=True), TypeError, "subplot_kw"),
    (lambda: plotting.new_figure(projection="polar"), TypeError, "subplot_kw"),
    (lambda: plotting.check_figsize("figsize", None), TypeError, "figsize"),
    (lambda: plotting.check_figsize("figsize", (1, 2, 3)), TypeError, "figsize"),
    (lambda: plotting.check_figsize("figsize", (-1, 2)), ValueError, "figsize"),
    (lambda: plotting.check_figsize("figsize", (1, float("inf"))), ValueError, "figsize"),
    (lambda: plotting.check_figsize("figsize", ("6", "3")), TypeError, "figsize"),
    (lambda: plotting.figure_png(None), TypeError, "fig"),
    (lambda: plotting.figure_png(AX), TypeError, "fig"),
    (lambda: plotting.figure_png("figure.png"), TypeError, "fig"),
    (lambda: plotting.figure_png(FIG, dpi=0), ValueError, "dpi"),
    (lambda: plotting.figure_png(FIG, dpi=80.0), TypeError, "dpi"),
    (lambda: plotting.figure_png(FIG, dpi=10_000), ValueError, "dpi"),
    (lambda: plotting.figure_png(FIG, colours=1), ValueError, "colours"),
    (lambda: plotting.figure_png(FIG, colours=1000), ValueError, "colours"),
    (lambda: plotting.figure_png(FIG, colours=32.0), TypeError, "colours"),
    (lambda: plotting.figure_alt(None), TypeError, "fig"),
    (lambda: plotting.figure_alt(AX), TypeError, "fig"),
    (lambda: plotting.figure_alt("figure.png"), TypeError, "fig"),
    (lambda: plotting.figure_alt([FIG]), TypeError, "fig"),
    (lambda: plotting.figure_alt(b"png"), TypeError, "fig"),
    (lambda: plotting.plot_spec(1, "x", "y", [], ylim=(0, 1)), TypeError, "title"),
    (lambda: plotting.plot_spec("t", None, "y", [], ylim=(0, 1)), TypeError, "xlabel"),
    (lambda: plotting.plot_spec("t", "x", "y", [], ylim=(1, 0)), ValueError, "ylim"),
    (lambda: plotting.plot_spec("t", "x", "y", [], ylim=(0, 1), ylog=True), ValueError, "ylim"),
    (lambda: plotting.plot_spec("t", "x", "y", [], ylim="01"), TypeError, "ylim"),
    (lambda: plotting.plot_spec("t", "x", "y", [[1, 2]], ylim=(0, 1)), TypeError, "lines[0]"),
    (lambda: plotting.plot_spec("t", "x", "y", [{"y": [], "colour": "k"}], ylim=(0, 1)),
     ValueError, "lines[0]"),
    (lambda: plotting.plot_spec("t", "x", "y", [], ylim=(0, 1), max_points=1), ValueError,
     "max_points"),
    (lambda: plotting.plot_spec("t", "x", "y", [], ylim=(0, 1), decimals=9), ValueError,
     "decimals"),
    (lambda: plotting.label(FIG, "x", "y"), TypeError, "ax"),
    (lambda: plotting.label(None, "x", "y"), TypeError, "ax"),
    (lambda: plotting.label(AX, 3, "y"), TypeError, "xlabel"),
    (lambda: plotting.label(AX, "x", None), TypeError, "ylabel"),
    (lambda: plotting.label(AX, "x", "y", title=5), TypeError, "title"),
    (lambda: plotting.message(FIG, "text"), TypeError, "ax"),
    (lambda: plotting.message(np.zeros(2), "text"), TypeError, "ax"),
    (lambda: plotting.message(AX, 42), TypeError, "text"),
    (lambda: plotting.message(AX, None), TypeError, "text"),
    (lambda: plotting.message(AX, "text", color="not a colour"), ValueError, "color"),
    (lambda: plotting.message(AX, "text", color=None), ValueError, "color"),
    (lambda: plotting.smallest_font_pt(None), TypeError, "fig"),
    (lambda: plotting.smallest_font_pt(AX), TypeError, "fig"),
    (lambda: plotting.smallest_font_pt("figure.png"), TypeError, "fig"),
    (lambda: plotting.smallest_font_pt([FIG]), TypeError, "fig"),
    (lambda: plotting.smallest_font_pt(b"png"), TypeError, "fig"),
    (lambda: plotting.font_record(None, 80), TypeError, "fig"),
    (lambda: plotting.font_record(FIG, 0), ValueError, "dpi"),
    (lambda: plotting.font_record(FIG, float("nan")), ValueError, "dpi"),
    (lambda: plotting.font_record(FIG, "80"), TypeError, "dpi"),
    (lambda: plotting.font_record(FIG, 1e6), ValueError, "dpi"),
    (lambda: plotting.png_min_font_px("image.png"), TypeError, "png"),
    (lambda: plotting.png_min_font_px(None), TypeError, "png"),
    (lambda: plotting.png_min_font_px(b"GIF89a" + bytes(20)), ValueError, "png"),
    (lambda: plotting.png_min_font_px(b""), ValueError, "png"),
    (lambda: plotting.png_min_font_px(np.zeros(8, np.uint8)), TypeError, "png"),
    (lambda: plotting.record_fonts_in_notebook(shell=object()), TypeError, "shell"),
    (lambda: plotting.record_fonts_in_notebook(shell=5), TypeError, "shell"),
    (lambda: plotting.record_fonts_in_notebook(shell="ipython"), TypeError, "shell"),
    (lambda: plotting.record_fonts_in_notebook(shell=FIG), TypeError, "shell"),
    (lambda: plotting.record_fonts_in_notebook(shell={"image/png": None}), TypeError, "shell"),
]


@pytest.mark.parametrize("call,exc,name", BAD, ids=[f"{b[2]}-{k}" for k, b in enumerate(BAD)])
def test_bad_input(call, exc, name):
    with pytest.raises(exc, match=rf"^{re.escape(name)}(?!\w)") as info:
        call()
    assert "got" in str(info.value)


def test_figure_alt_says_what_the_figure_shows():
    fig, ax = plotting.new_figure()
    ax.plot([0, 1], [1, 0], label="decay")
    ax.legend()
    plotting.label(ax, "step t", "norm", "a title")
    ax.text(0.5, 0.5, "vanished after 3 steps")
    alt = plotting.figure_alt(fig)
    assert alt == "Plot: a title; norm against step t; lines: decay; vanished after 3 steps"


def test_palette_png_is_smaller():
    fig, ax = plotting.new_figure()
    ax.plot(np.arange(100) ** 0.5)
    full, pal = plotting.figure_png(fig, dpi=80), plotting.figure_png(fig, dpi=80, colours=32)
    assert pal.startswith(b"\x89PNG") and len(pal) < len(full)


def _text_figure():
    """Title 11 pt, axis and tick labels 10 pt (the book's style), a legend at 8 pt."""
    fig, ax = plotting.new_figure(figsize=(4, 3))
    ax.plot([0, 1], [1, 0], label="decay")
    ax.legend(fontsize=8)
    plotting.label(ax, "step t", "norm", "a title")
    return fig, ax


def test_smallest_font_counts_every_kind_of_visible_text():
    fig, ax = _text_figure()
    assert plotting.smallest_font_pt(fig) == 8.0  # the legend
    ax.annotate("peak", (0.5, 0.5), fontsize=6.5)
    assert plotting.smallest_font_pt(fig) == 6.5  # an annotation
    ax.texts[-1].set_visible(False)
    ax.text(0.2, 0.2, "   ", fontsize=3)  # blank: draws nothing
    assert plotting.smallest_font_pt(fig) == 8.0
    ax.tick_params(axis="y", labelsize=5)
    assert plotting.smallest_font_pt(fig) == 5.0  # tick labels (set only when drawn)
    ax.yaxis.set_visible(False)  # hidden axis: its tick labels draw nothing
    assert plotting.smallest_font_pt(fig) == 8.0
    fig.suptitle("small suptitle", fontsize=4)
    assert plotting.smallest_font_pt(fig) == 4.0
    empty, ax2 = plotting.new_figure()
    ax2.set_axis_off()
    assert plotting.smallest_font_pt(empty) is None


def test_png_carries_the_smallest_text_in_pixels():
    fig, _ = _text_figure()
    for dpi, colours in ((80, None), (80, 32), (144, None)):
        png = plotting.figure_png(fig, dpi=dpi, colours=colours)
        assert plotting.png_min_font_px(png) == pytest.approx(8.0 * dpi / 72, abs=0.005)
    assert plotting.font_record(fig, 72) == {plotting.FONT_KEY: "8.00"}
    empty, ax = plotting.new_figure()
    ax.set_axis_off()
    assert plotting.png_min_font_px(plotting.figure_png(empty)) == float("inf")
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="png")
    assert plotting.png_min_font_px(buf.getvalue()) is None  # no record


def test_notebook_figures_carry_the_record():
    import base64

    from IPython.core.formatters import DisplayFormatter

    class Shell:  # what record_fonts_in_notebook needs of an IPython shell
        display_formatter = DisplayFormatter()

    shell = Shell()
    fig, _ = _text_figure()
    assert plotting.record_fonts_in_notebook(shell) is True
    bundle, _ = shell.display_formatter.format(fig)
    png = base64.b64decode(bundle["image/png"])
    assert plotting.png_min_font_px(png) == pytest.approx(8.0 * fig.dpi / 72, abs=0.005)


def _drawn_font_sizes(fig):
    """Reference: the font sizes matplotlib actually draws, recorded by a renderer whose
    draw_text / draw_tex only record (everything else is a no-op)."""
    from matplotlib.backend_bases import RendererBase
    from matplotlib.backends.backend_agg import RendererAgg

    renderer = RendererAgg(int(fig.bbox.width), int(fig.bbox.height), fig.dpi)
    sizes = []

    def record(gc, x, y, s, prop, *args, **kwargs):
        if str(s).strip():
            sizes.append(float(prop.get_size_in_points()))

    for name in dir(RendererBase):
        if name.startswith("draw_"):
            setattr(renderer, name, lambda *a, **k: None)
    renderer.draw_text = renderer.draw_tex = record
    fig.draw(renderer)
    return sizes


def _busy_figures():
    """Figures with every kind of text, some of it hidden, each with a different smallest size."""
    figs = []
    fig, axes = plotting.new_figure(2, 2, figsize=(6, 5), sharex=True, sharey=True)
    for k, ax in enumerate(axes.ravel()):
        ax.plot(np.arange(1, 50), np.arange(1, 50) ** 2, label=f"line {k}")
        ax.set_yscale("log")
        ax.tick_params(labelsize=7.5 + k / 10)
        ax.label_outer()                                   # hides inner tick labels
    axes[0, 0].legend(fontsize=8.5)
    fig.suptitle("four panels", fontsize=12)
    figs.append(fig)
    fig, ax = plotting.new_figure(figsize=(5, 4))
    im = ax.imshow(np.arange(12).reshape(3, 4))
    cb = fig.colorbar(im, ax=ax)
    cb.ax.tick_params(labelsize=6.5)                       # a colorbar's own axes
    ax.annotate("peak", (1, 1), (2, 2), fontsize=9, arrowprops={"arrowstyle": "->"})
    ax.text(0, 0, "hidden", fontsize=4).set_visible(False)
    figs.append(fig)
    fig, (a1, a2) = plotting.new_figure(1, 2, figsize=(6, 3))
    a1.set_axis_off()                                      # its tick labels are not drawn
    a1.tick_params(labelsize=3)
    table = a1.table(cellText=[["a", "b"], ["c", "d"]], loc="center")
    table.auto_set_font_size(False)                        # else drawing shrinks it to fit
    table.set_fontsize(7)
    a2.plot([0, 1])
    a2.twinx().tick_params(labelsize=8.2)                   # a twin axes' labels
    a2.tick_params(axis="y", labelleft=False, labelsize=2)  # switched off: not drawn
    figs.append(fig)
    return figs


def test_smallest_font_equals_what_matplotlib_draws():
    """The artist walk finds the same smallest size as a renderer recording every text that
    matplotlib draws, on figures with shared, log, colorbar, twin, table and hidden text."""
    for fig in _busy_figures():
        drawn = _drawn_font_sizes(fig)
        assert plotting.smallest_font_pt(fig) == pytest.approx(min(drawn))
    assert [plotting.smallest_font_pt(f) for f in _busy_figures()] == \
        pytest.approx([7.5, 6.5, 7.0])
