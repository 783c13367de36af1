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

Every public class and method checks its arguments first and raises ``TypeError`` or
``ValueError`` naming the argument.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import os
import time
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from helpers.checks import check_int, describe
from helpers.plotting import figure_png, message, new_figure

STATIC_ENV = "LTR_STATIC_WIDGETS"


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
                                     layout=w.Layout(width="420px"))
        return w.ToggleButtons(options=options, index=self.index, description=label,
                               style={"description_width": "initial", "button_width": "auto"})


class Explorer:
    """A figure driven by controls; see the module docstring.

    Parameters
    ----------
    compute : pure function ``compute(**params) -> data``.
    draw : ``draw(data, **params) -> matplotlib Figure``.
    controls : the controls (:class:`Control`, distinct names), in display order.
    static : names of the (one or two) controls whose every value is precomputed for the
        kernel-free page; the other controls stay at their defaults there. Defaults to the first
        two controls.
    dpi : resolution of the PNG frames, an integer in [20, 300].
    """

    def __init__(self, compute: Callable[..., Any], draw: Callable[..., Any],
                 controls: Sequence[Control], static: Sequence[str] | None = None, dpi: int = 80):
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
        """The figure for the given control values as PNG bytes at the explorer's dpi."""
        return figure_png(self.render(**overrides), dpi=self.dpi)

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
        """Wall time (ms) of ``repeats`` live updates (compute + draw + PNG), cycling through
        neighbouring values of the first static control; shape (repeats,)."""
        repeats = check_int("repeats", repeats, low=1, high=1000)
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
