"""Interactive figures that still teach without a kernel.

An :class:`Explorer` ties together

* ``compute(**params) -> data``: a pure function of the control values (tested on its own), and
* ``draw(data, **params) -> Figure``: draws that data (use :func:`helpers.plotting.new_figure`).

and renders the same definition two ways:

* **live** (:meth:`Explorer.live`): ipywidgets controls that recompute and redraw on every change,
  for a reader running the notebook;
* **static** (:meth:`Explorer.static`): one PNG frame precomputed for every value of up to two
  controls, placed in nested ``ipywidgets.Stack`` s whose ``selected_index`` is linked to the
  controls *in the browser* (``ipywidgets.jslink``), so the built HTML page switches frames with
  no kernel.

:meth:`Explorer.show` picks static when the environment variable ``LTR_STATIC_WIDGETS=1`` is set
(``make book`` sets it) and live otherwise. :meth:`Explorer.figure` returns the figure at the
default values, so every widget also leaves a plain static figure in the page.

Arithmetic trouble inside ``compute`` (overflow, division by zero, a NaN it raises about) is
drawn as a message in the frame rather than raised, so every control position renders.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import time
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from helpers.plotting import figure_png, message, new_figure

STATIC_ENV = "LTR_STATIC_WIDGETS"


@dataclasses.dataclass(frozen=True)
class Control:
    """One control: its parameter ``name``, the ``values`` it can take, and its ``default``.

    Numeric values give a slider; string values give toggle buttons. ``fmt`` formats a value for
    the slider's read-out; ``description`` is the label shown beside the control.
    """

    name: str
    values: tuple
    default: Any
    description: str = ""
    fmt: Callable[[Any], str] = str

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"name must be a Python identifier, got {self.name!r}")
        values = tuple(self.values)
        if len(values) == 0:
            raise ValueError(f"values of control {self.name!r} must not be empty")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"values of control {self.name!r} must be distinct, got {values!r}")
        object.__setattr__(self, "values", values)
        if self.default not in values:
            raise ValueError(
                f"default of control {self.name!r} must be one of its values {values!r}, "
                f"got {self.default!r}")

    @property
    def is_numeric(self) -> bool:
        return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                   for v in self.values)

    @property
    def index(self) -> int:
        return self.values.index(self.default)

    def make_widget(self):
        import ipywidgets as w

        options = [(self.fmt(v), v) for v in self.values]
        label = self.description or self.name
        if self.is_numeric:
            return w.SelectionSlider(options=options, index=self.index, description=label,
                                     continuous_update=True,
                                     style={"description_width": "initial"},
                                     layout=w.Layout(width="420px"))
        return w.ToggleButtons(options=options, index=self.index, description=label,
                               style={"description_width": "initial", "button_width": "auto"})


class Explorer:
    """A figure driven by controls; see the module docstring.

    Parameters
    ----------
    compute : pure function ``compute(**params) -> data``.
    draw : ``draw(data, **params) -> matplotlib Figure``.
    controls : the controls, in display order.
    static : names of the (at most two) controls whose every value is precomputed for the
        kernel-free page; the other controls stay at their defaults there. Defaults to the first
        two controls.
    dpi : resolution of the PNG frames.
    """

    def __init__(self, compute: Callable[..., Any], draw: Callable[..., Any],
                 controls: Sequence[Control], static: Sequence[str] | None = None, dpi: int = 80):
        if not callable(compute) or not callable(draw):
            raise ValueError("compute and draw must be callables")
        controls = tuple(controls)
        if not controls:
            raise ValueError("controls must name at least one Control")
        if not all(isinstance(c, Control) for c in controls):
            raise ValueError("controls must be Control instances")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be distinct, got {names}")
        static = tuple(names[:2] if static is None else static)
        if not 1 <= len(static) <= 2 or any(s not in names for s in static):
            raise ValueError(f"static must name one or two of the controls {names}, got {static!r}")
        if dpi < 20:
            raise ValueError(f"dpi must be >= 20, got {dpi}")
        self.compute, self.draw, self.controls = compute, draw, controls
        self.static_names, self.dpi = static, dpi

    # -- pure rendering ---------------------------------------------------------------------
    @property
    def defaults(self) -> dict[str, Any]:
        return {c.name: c.default for c in self.controls}

    def _params(self, overrides: dict[str, Any]) -> dict[str, Any]:
        params = self.defaults
        for k, v in overrides.items():
            if k not in params:
                raise ValueError(f"unknown control {k!r}; the controls are {list(params)}")
            params[k] = v
        return params

    def render(self, **overrides):
        """Figure for the given control values (defaults for the rest).

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
        return figure_png(self.render(**overrides), dpi=self.dpi)

    def grid(self, names: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every combination of the named controls' values (all controls by default), each as a
        full parameter dict; the others at their defaults. Tests sweep this."""
        names = [c.name for c in self.controls] if names is None else list(names)
        by_name = {c.name: c for c in self.controls}
        for combo in itertools.product(*(by_name[n].values for n in names)):
            yield self._params(dict(zip(names, combo)))

    def update_times_ms(self, repeats: int = 15) -> np.ndarray:
        """Wall time (ms) of ``repeats`` live updates (compute + draw + PNG), cycling through
        neighbouring values of the first static control; shape (repeats,)."""
        if repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {repeats}")
        ctrl = next(c for c in self.controls if c.name == self.static_names[0])
        self.png()  # warm-up
        times = np.empty(repeats)
        for k in range(repeats):
            value = ctrl.values[(ctrl.index + k + 1) % len(ctrl.values)]
            t0 = time.perf_counter()
            self.png(**{ctrl.name: value})
            times[k] = (time.perf_counter() - t0) * 1e3
        return times

    # -- widgets ------------------------------------------------------------------------------
    def live(self):
        """Controls that recompute on change, and the frame they drive (needs a kernel)."""
        import ipywidgets as w

        widgets = {c.name: c.make_widget() for c in self.controls}
        image = w.Image(value=self.png(), format="png")

        def update(_change=None):
            image.value = self.png(**{n: wd.value for n, wd in widgets.items()})

        for wd in widgets.values():
            wd.observe(update, names="value")
        return w.VBox([*widgets.values(), image])

    def static(self):
        """Precomputed frames for every value of the static controls, switched in the browser."""
        import ipywidgets as w

        by_name = {c.name: c for c in self.controls}
        outer = by_name[self.static_names[0]]
        inner = by_name[self.static_names[1]] if len(self.static_names) == 2 else None
        links = []
        ctrl_outer = outer.make_widget()

        def frame(**values):
            return w.Image(value=self.png(**values), format="png")

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

    def show(self):
        """The static widget when ``LTR_STATIC_WIDGETS=1`` (the book build), else the live one."""
        return self.static() if os.environ.get(STATIC_ENV) == "1" else self.live()
