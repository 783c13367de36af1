"""Interactive figures that still teach without a kernel.

An :class:`Explorer` ties together

* ``compute(**params) -> data``: a pure function of the control values (tested on its own), and
* ``draw(data, **params) -> Figure``: draws that data (use :func:`helpers.plotting.new_figure`).

and renders the same definition two ways:

* **live** (:meth:`Explorer.live`): ipywidgets controls that recompute and redraw on every change,
  for a reader running the notebook;
* **static** (:meth:`Explorer.static`): one frame precomputed for every value of up to two
  controls, placed in nested ``ipywidgets.Stack`` s whose ``selected_index`` is linked to the
  controls *in the browser* (``ipywidgets.jslink``), so the built HTML page switches frames with
  no kernel. An explorer given ``plot`` (data -> a small JSON line-plot description) instead
  precomputes that description for *every* combination of *all* its controls and the page
  draws the chosen one as SVG in the browser (``_ext/static/reader.js``): every control works
  without a kernel at a few hundred bytes per frame.

A frame is HTML: a figure becomes a PNG (a 32-colour palette, a quarter of the bytes of a
full-colour one) with alt text that says what it shows (:func:`helpers.plotting.figure_alt`);
a ``draw`` that returns a :class:`TextFrame` (generated sentences) is shown as text.

:meth:`Explorer.show` picks static when the environment variable ``LTR_STATIC_WIDGETS=1`` is set
(``make book`` sets it) and live otherwise. :meth:`Explorer.figure` returns the figure at the
default values, so every widget also leaves a plain static figure in the page.

Arithmetic trouble inside ``compute`` (overflow, division by zero, a NaN it raises about) is
drawn as a message in the frame rather than raised, so every control position renders.

Every public class and method checks its arguments first and raises ``TypeError`` or
``ValueError`` naming the argument.
"""
from __future__ import annotations

import base64
import dataclasses
import html
import itertools
import json
import math
import numbers
import os
import time
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from helpers.checks import check_int, describe
from helpers.plotting import figure_alt, figure_png, message, new_figure

STATIC_ENV = "LTR_STATIC_WIDGETS"
FRAME_COLOURS = 32  # palette of a PNG frame
MAX_PLOT_FRAMES = 5000  # combinations precomputed for an explorer drawn in the browser


@dataclasses.dataclass(frozen=True)
class TextFrame:
    """A frame that is text, not a picture: a ``title`` (str) over numbered ``items``
    (a sequence of str, e.g. generated sentences). Shown as HTML text in the page and in a
    notebook; ``str()`` gives the plain text."""

    title: str
    items: tuple

    def __post_init__(self):
        if not isinstance(self.title, str):
            raise TypeError(f"title must be a str, got {describe(self.title)}")
        if isinstance(self.items, (str, bytes)) or not isinstance(self.items, Sequence):
            raise TypeError(f"items must be a sequence of str, got {describe(self.items)}")
        items = tuple(self.items)
        bad = [x for x in items if not isinstance(x, str)]
        if bad:
            raise TypeError(f"items must hold str, got {describe(bad[0])}")
        object.__setattr__(self, "items", items)

    def html(self) -> str:
        lis = "".join(f"<li>{html.escape(x)}</li>" for x in self.items)
        return (f'<div class="reader-text-frame" role="figure" aria-label="{html.escape(self.title)}">'
                f'<p class="reader-frame-title">{html.escape(self.title)}</p><ol>{lis}</ol></div>')

    def _repr_html_(self) -> str:
        return self.html()

    def __str__(self) -> str:
        return self.title + "\n" + "\n".join(f"{j}. {x}" for j, x in enumerate(self.items, 1))

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


@dataclasses.dataclass(frozen=True)
class Control:
    """One control: its parameter ``name``, the ``values`` it can take, and its ``default``.

    ``name`` is a Python identifier (the keyword ``compute`` and ``draw`` receive); ``values``
    a non-empty sequence of distinct values (finite numbers give a slider; strings give toggle
    buttons); ``default`` one of them. ``fmt`` (a callable) formats a value for the slider's
    read-out; ``description`` (a str) is the label shown beside the control.
    """

    name: str
    values: tuple
    default: Any
    description: str = ""
    fmt: Callable[[Any], str] = str

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str (a Python identifier), got {describe(self.name)}")
        if not self.name.isidentifier():
            raise ValueError(f"name must be a Python identifier, got {self.name!r}")
        if isinstance(self.values, (str, bytes, dict, set, frozenset)) \
                or not isinstance(self.values, (Sequence, np.ndarray)):
            raise TypeError(f"values of control {self.name!r} must be a sequence (tuple or list), "
                            f"got {describe(self.values)}")
        values = tuple(v.item() if isinstance(v, np.generic) else v for v in self.values)
        if len(values) == 0:
            raise ValueError(f"values of control {self.name!r} must not be empty, got ()")
        if any(isinstance(v, numbers.Real) and not isinstance(v, bool) and not math.isfinite(v)
               for v in values):
            raise ValueError(f"values of control {self.name!r} must be finite, got {values!r}")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"values of control {self.name!r} must be distinct, got {values!r}")
        object.__setattr__(self, "values", values)
        if self.default not in values:
            raise ValueError(
                f"default of control {self.name!r} must be one of its values {values!r}, "
                f"got {self.default!r}")
        if not isinstance(self.description, str):
            raise TypeError(f"description of control {self.name!r} must be a str, "
                            f"got {describe(self.description)}")
        if not callable(self.fmt):
            raise TypeError(f"fmt of control {self.name!r} must be a callable (value -> str), "
                            f"got {describe(self.fmt)}")

    @property
    def is_numeric(self) -> bool:
        return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                   for v in self.values)

    @property
    def index(self) -> int:
        """Position of ``default`` in ``values``."""
        return self.values.index(self.default)

    def make_widget(self):
        import ipywidgets as w

        options = [(self.fmt(v), v) for v in self.values]
        label = self.description or self.name
        if self.is_numeric:
            return w.SelectionSlider(options=options, index=self.index, description=label,
                                     continuous_update=True,
                                     style={"description_width": "initial"},
                                     layout=w.Layout(width="100%", max_width="420px"))
        return w.ToggleButtons(options=options, index=self.index, description=label,
                               style={"description_width": "initial", "button_width": "auto"},
                               layout=w.Layout(max_width="100%"))


class Explorer:
    """A figure driven by controls; see the module docstring.

    Parameters
    ----------
    compute : pure function ``compute(**params) -> data``.
    draw : ``draw(data, **params) -> matplotlib Figure``.
    controls : the controls (:class:`Control`, distinct names), in display order.
    static : names of the (one or two) controls whose every value is precomputed for the
        kernel-free page; the other controls stay at their defaults there. Defaults to the first
        two controls. Not used with ``plot``.
    dpi : resolution of the PNG frames, an integer in [20, 300].
    plot : optional ``plot(data, **params) -> dict``, a JSON-able line plot (see
        :func:`helpers.plotting.plot_spec`) that the kernel-free page draws in the browser; with
        it every combination of every control is precomputed (at most 5000).
    """

    def __init__(self, compute: Callable[..., Any], draw: Callable[..., Any],
                 controls: Sequence[Control], static: Sequence[str] | None = None, dpi: int = 80,
                 plot: Callable[..., dict] | None = None):
        for name, fn in (("compute", compute), ("draw", draw)):
            if not callable(fn):
                raise TypeError(f"{name} must be a callable, got {describe(fn)}")
        if isinstance(controls, Control) or not isinstance(controls, (Sequence, Iterator)) \
                or isinstance(controls, str):
            raise TypeError(f"controls must be a sequence of Control, got {describe(controls)}")
        controls = tuple(controls)
        if not controls:
            raise ValueError("controls must hold at least one Control, got none")
        bad = [c for c in controls if not isinstance(c, Control)]
        if bad:
            raise TypeError(f"controls must hold Control instances, got {describe(bad[0])}")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls must have distinct names, got {names}")
        if static is not None and (isinstance(static, str) or not isinstance(static, Sequence)):
            raise TypeError(f"static must be a sequence of control names (e.g. ('a',)), "
                            f"got {describe(static)}")
        static = tuple(names[:2] if static is None else static)
        if not 1 <= len(static) <= 2 or len(set(static)) != len(static) \
                or any(s not in names for s in static):
            raise ValueError(f"static must name one or two of the controls {names}, got {static!r}")
        dpi = check_int("dpi", dpi, low=20, high=300)
        if plot is not None and not callable(plot):
            raise TypeError(f"plot must be a callable (data, **params) -> dict or None, "
                            f"got {describe(plot)}")
        if plot is not None and math.prod(len(c.values) for c in controls) > MAX_PLOT_FRAMES:
            raise ValueError(f"plot: the controls have {math.prod(len(c.values) for c in controls)}"
                             f" combinations, more than the {MAX_PLOT_FRAMES} a page can hold")
        self.compute, self.draw, self.controls = compute, draw, controls
        self.static_names, self.dpi, self.plot = static, dpi, plot

    # -- pure rendering ---------------------------------------------------------------------
    @property
    def defaults(self) -> dict[str, Any]:
        return {c.name: c.default for c in self.controls}

    def _params(self, overrides: dict[str, Any]) -> dict[str, Any]:
        params = self.defaults
        for k, v in overrides.items():
            if k not in params:
                raise TypeError(f"{k} is not a control of this explorer (got {k}={v!r}); "
                                f"the controls are {list(params)}")
            params[k] = v
        return params

    def render(self, **overrides):
        """Figure for the given control values (defaults for the rest); a keyword that is not
        a control's name raises ``TypeError`` naming it.

        Arithmetic errors raised by ``compute`` become a message drawn in the frame."""
        params = self._params(overrides)
        try:
            data = self.compute(**params)
        except ArithmeticError as err:
            fig, ax = new_figure()
            ax.set_axis_off()
            message(ax, f"cannot compute at {params}:\n{type(err).__name__}: {err}")
            return fig
        return self.draw(data, **params)

    def figure(self, **overrides):
        """The figure at the default control values (or ``overrides``)."""
        return self.render(**overrides)

    def png(self, **overrides) -> bytes:
        """The figure for the given control values as PNG bytes at the explorer's dpi
        (``TypeError`` if ``draw`` returns a :class:`TextFrame`: there is no picture)."""
        frame = self.render(**overrides)
        if isinstance(frame, TextFrame):
            raise TypeError("png: this explorer draws text (a TextFrame), not a figure; "
                            "use frame_html")
        return figure_png(frame, dpi=self.dpi, colours=FRAME_COLOURS)

    def frame_html(self, **overrides) -> str:
        """The frame for the given control values as HTML: the text of a :class:`TextFrame`,
        or an ``<img>`` of the figure (palette PNG) with alt text saying what it shows."""
        params = self._params(overrides)
        frame = self.render(**params)
        if isinstance(frame, TextFrame):
            return frame.html()
        alt = figure_alt(frame)
        data = base64.b64encode(figure_png(frame, dpi=self.dpi, colours=FRAME_COLOURS)).decode()
        return (f'<img class="reader-frame" alt="{html.escape(alt)}" '
                f'src="data:image/png;base64,{data}">')

    def plot_data(self, **overrides) -> dict:
        """``plot(compute(**params), **params)``: what the page draws in the browser for these
        control values (needs ``plot``)."""
        if self.plot is None:
            raise TypeError("plot must be given to the Explorer for plot_data, got None")
        params = self._params(overrides)
        try:
            data = self.compute(**params)
        except ArithmeticError as err:
            return {"title": "cannot compute", "note": f"{type(err).__name__}: {err}",
                    "lines": [], "vlines": [], "error": True}
        return self.plot(data, **params)

    def grid(self, names: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every combination of the named controls' values (all controls by default), each as a
        full parameter dict; the others at their defaults. Tests sweep this."""
        by_name = {c.name: c for c in self.controls}
        if names is None:
            names = list(by_name)
        elif isinstance(names, str) or not isinstance(names, Sequence):
            raise TypeError(f"names must be a sequence of control names, got {describe(names)}")
        else:
            names = list(names)
            unknown = [n for n in names if n not in by_name]
            if unknown or len(set(names)) != len(names):
                raise ValueError(f"names must be distinct controls of this explorer "
                                 f"{list(by_name)}, got {names}")
        for combo in itertools.product(*(by_name[n].values for n in names)):
            yield self._params(dict(zip(names, combo)))

    def update_times_ms(self, repeats: int = 15) -> np.ndarray:
        """Wall time (ms) of ``repeats`` live updates (compute + draw + HTML), cycling through
        neighbouring values of the first static control; shape (repeats,)."""
        repeats = check_int("repeats", repeats, low=1, high=1000)
        ctrl = next(c for c in self.controls if c.name == self.static_names[0])
        self.frame_html()  # warm-up
        times = np.empty(repeats)
        for k in range(repeats):
            value = ctrl.values[(ctrl.index + k + 1) % len(ctrl.values)]
            t0 = time.perf_counter()
            self.frame_html(**{ctrl.name: value})
            times[k] = (time.perf_counter() - t0) * 1e3
        return times

    # -- widgets ------------------------------------------------------------------------------
    def live(self):
        """Controls that recompute on change, and the frame they drive (needs a kernel)."""
        import ipywidgets as w

        widgets = {c.name: c.make_widget() for c in self.controls}
        image = w.HTML(value=self.frame_html())

        def update(_change=None):
            image.value = self.frame_html(**{n: wd.value for n, wd in widgets.items()})

        for wd in widgets.values():
            wd.observe(update, names="value")
        return w.VBox([*widgets.values(), image])

    def static(self):
        """Precomputed frames for every value of the static controls, switched in the browser
        (with ``plot``: every control, drawn in the browser)."""
        import ipywidgets as w

        if self.plot is not None:
            return self._static_plot()
        by_name = {c.name: c for c in self.controls}
        outer = by_name[self.static_names[0]]
        inner = by_name[self.static_names[1]] if len(self.static_names) == 2 else None
        links = []
        ctrl_outer = outer.make_widget()

        def frame(**values):
            return w.HTML(value=self.frame_html(**values))

        if inner is None:
            stack = w.Stack([frame(**{outer.name: v}) for v in outer.values],
                            selected_index=outer.index)
            links.append(w.jslink((ctrl_outer, "index"), (stack, "selected_index")))
            ctrls = [ctrl_outer]
        else:
            ctrl_inner = inner.make_widget()
            inner_stacks = []
            for v in outer.values:
                s = w.Stack([frame(**{outer.name: v, inner.name: u}) for u in inner.values],
                            selected_index=inner.index)
                links.append(w.jslink((ctrl_inner, "index"), (s, "selected_index")))
                inner_stacks.append(s)
            stack = w.Stack(inner_stacks, selected_index=outer.index)
            links.append(w.jslink((ctrl_outer, "index"), (stack, "selected_index")))
            ctrls = [ctrl_outer, ctrl_inner]
        fixed = [c for c in self.controls if c.name not in self.static_names]
        parts = [*ctrls, stack]
        if fixed:
            note = ", ".join(f"{c.description or c.name} = {c.fmt(c.default)}" for c in fixed)
            parts.append(w.HTML(f"<small>Precomputed frames; fixed here: {note}. "
                                f"Run the notebook for every control.</small>"))
        box = w.VBox(parts)
        box._links = links  # keep the Link widgets alive with the box
        return box

    def plot_frames(self) -> dict:
        """{key: plot data} for every combination of the controls; the key joins the controls'
        read-out labels (``Control.fmt``) with ``|`` in control order, as the page reads them."""
        return {"|".join(c.fmt(p[c.name]) for c in self.controls): self.plot_data(**p)
                for p in self.grid()}

    def _static_plot(self):
        import ipywidgets as w

        ctrls = [c.make_widget() for c in self.controls]
        frames = self.plot_frames()
        # what every frame shares is sent once
        drawn = [f for f in frames.values() if not f.get("error")] or list(frames.values())
        base = {k: v for k, v in drawn[0].items() if all(k in f and f[k] == v for f in drawn)}
        frames = {key: {k: v for k, v in f.items() if k not in base or f.get("error")}
                  for key, f in frames.items()}
        payload = json.dumps({"controls": [c.description or c.name for c in self.controls],
                              "base": base, "frames": frames}, separators=(",", ":"),
                             allow_nan=False).replace("</", "<\\/")  # stays in its <script>
        key = "|".join(c.fmt(c.default) for c in self.controls)
        holder = w.HTML(value=f'<div class="reader-plot" data-initial="{html.escape(key)}">'
                              f'<script type="application/json">{payload}'
                              f'</script></div>')
        return w.VBox([*ctrls, holder])

    def show(self):
        """The static widget when ``LTR_STATIC_WIDGETS=1`` (the book build), else the live one."""
        return self.static() if os.environ.get(STATIC_ENV) == "1" else self.live()
