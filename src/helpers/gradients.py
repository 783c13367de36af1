"""How gradients shrink or grow on their way back through time (chapter 2; reused by 3 and 4).

Three layers, from general to specific:

* **Norm bookkeeping for any model**: :func:`global_norm`, :func:`clip_by_norm`,
  :func:`clip_by_value`, :func:`norm_status` (the first step at which a sequence of gradient norms
  falls below a floor, overflows or turns NaN, reported as such, never raised). How many
  factors ``r`` it takes for ``r**k`` to cross a level (E1) is ``helpers.memory.steps_to_fraction``;
  :func:`power_curve` and :func:`power_explorer` draw it. The LSTM and GRU chapters feed their own
  cell-path norms to the same functions.
* **Recurrent weights**: :func:`init_recurrent` (Gaussian scaled to a spectral radius,
  orthogonal, identity), :func:`spectral_radius`, :func:`largest_singular_value`.
* **The vanilla RNN's Jacobian product** (:func:`rnn_jacobian_norms`):

      dh_T/dh_t = prod_{k=T}^{t+1} diag(f'(a_k)) W_hh,

  its norm for every ``t`` on an actual network, beside the bound
  ``(sigma_max(W_hh) * max f')**(T - t)`` (:func:`jacobian_bound`), and
  :func:`gradient_decay`, the pure function behind the chapter's gradient-decay explorer.
* **Implement it**: :func:`check_rnn_step_backward` checks a reader's backward of one tanh RNN
  step against ``helpers.rnn.backward``.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np

from scipy.special import expit

from helpers.checks import (check_array, check_choice, check_int, check_number, check_rng,
                            describe)
from helpers.rnn import (ACTIVATIONS, MAX_DERIVATIVE, _activation_derivative, backward,
                         check_params, forward)

INITS = ("gaussian", "orthogonal", "identity")
FLOAT_MAX = np.finfo(np.float64).max


# --------------------------------------------------------------------------------------------
# norms and clipping (model-agnostic)
def _check_grads(name: str, grads) -> list[np.ndarray]:
    """A non-empty list or tuple of numeric arrays (NaN and inf allowed: they are reported)."""
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError(f"{name} must be a list of arrays, got {describe(grads)}")
    if len(grads) == 0:
        raise ValueError(f"{name} must be a non-empty list of arrays, got an empty list")
    return [check_array(f"{name}[{k}]", g) for k, g in enumerate(grads)]


def global_norm(grads: Sequence[np.ndarray]) -> float:
    """Euclidean norm of all arrays in ``grads`` taken together (inf on overflow, NaN on NaN)."""
    grads = _check_grads("grads", grads)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = max(float(np.max(np.abs(g))) if np.size(g) else 0.0 for g in grads)
        if not np.isfinite(scale):
            return scale if not any(np.isnan(np.asarray(g)).any() for g in grads) else float("nan")
        if scale == 0.0:
            return 0.0
        # scale first so that squaring cannot overflow
        return scale * math.sqrt(sum(float(np.sum((np.asarray(g) / scale) ** 2)) for g in grads))


def _check_threshold(threshold, name: str = "threshold") -> float:
    return check_number(name, threshold, low=0.0, low_open=True)


def clip_by_norm(grads: Sequence[np.ndarray], threshold: float):
    """Rescale all gradients together so their global norm is at most ``threshold``
    (Pascanu et al. 2013, algorithm 1). The direction is kept.

    Returns ``(clipped, norm_before)``; a non-finite norm leaves the gradients unchanged
    (the caller should skip the step and report it).
    """
    threshold = _check_threshold(threshold)
    grads = _check_grads("grads", grads)
    norm = global_norm(grads)
    if np.isfinite(norm) and norm > threshold:
        return [np.asarray(g) * (threshold / norm) for g in grads], norm
    return [np.asarray(g) for g in grads], norm


def clip_by_value(grads: Sequence[np.ndarray], threshold: float):
    """Clip every gradient entry into ``[-threshold, threshold]``. The direction can change.

    Returns ``(clipped, norm_before)``."""
    threshold = _check_threshold(threshold)
    grads = _check_grads("grads", grads)
    norm = global_norm(grads)
    return [np.clip(np.asarray(g), -threshold, threshold) for g in grads], norm


def cosine(u: Sequence[np.ndarray], v: Sequence[np.ndarray]) -> float:
    """Cosine of the angle between two gradient lists (flattened together)."""
    a = np.concatenate([np.ravel(x) for x in _check_grads("u", u)]).astype(np.float64)
    b = np.concatenate([np.ravel(x) for x in _check_grads("v", v)]).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"u and v must hold the same number of entries, got {a.size} and {b.size}")
    for name, arr in (("u", a), ("v", b)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold finite values, got NaN or infinity")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        raise ValueError(f"u and v must be non-zero, got norms {na} and {nb}")
    return float(a @ b / (na * nb))


@dataclasses.dataclass(frozen=True)
class NormStatus:
    """Where a sequence of norms (index k = steps back) first vanishes, explodes, overflows or
    turns NaN.

    ``vanish_step``: first k with norm < ``floor``; ``explode_step``: first k with norm >
    ``ceiling`` (finite); ``overflow_step``: first k where the float64 range is exceeded (inf);
    ``nan_step``: first k with NaN. Each is None if it never happens. :meth:`describe` gives the
    sentence the explorer prints.
    """

    vanish_step: int | None
    explode_step: int | None
    overflow_step: int | None
    nan_step: int | None
    floor: float
    ceiling: float
    length: int

    def __post_init__(self):
        length = check_int("length", self.length, low=1)
        for name in ("vanish_step", "explode_step", "overflow_step", "nan_step"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), low=0, high=length - 1)
        floor = _check_threshold(self.floor, "floor")
        ceiling = check_number("ceiling", self.ceiling, finite=False)
        if not ceiling > floor:
            raise ValueError(f"ceiling must be greater than floor={floor}, got {ceiling!r}")

    def describe(self) -> str:
        parts = []
        if self.vanish_step is not None:
            parts.append(f"below {self.floor:.0e} after {self.vanish_step} steps")
        if self.explode_step is not None:
            parts.append(f"above {self.ceiling:.0e} after {self.explode_step} steps")
        if self.overflow_step is not None:
            parts.append(f"overflowed at step {self.overflow_step}")
        if self.nan_step is not None:
            parts.append(f"NaN at step {self.nan_step}")
        if not parts:
            parts.append(f"stays within [{self.floor:.0e}, {self.ceiling:.0e}] "
                         f"for all {self.length - 1} steps")
        return "; ".join(parts)


def norm_status(norms, floor: float = 1e-3, ceiling: float = 1e3) -> NormStatus:
    """Scan ``norms`` (shape (K,), index = steps back) for vanishing (< floor), exploding
    (> ceiling), overflow (inf) and NaN.

    Never raises on inf/NaN entries: that is what it reports."""
    norms = check_array("norms", norms, ndim=1, dtype=np.float64, min_size=1)
    floor = _check_threshold(floor, "floor")
    ceiling = check_number("ceiling", ceiling, finite=False)
    if not (ceiling > floor):
        raise ValueError(f"ceiling must be greater than floor={floor}, got {ceiling!r}")

    def first(mask):
        idx = np.flatnonzero(mask)
        return int(idx[0]) if idx.size else None

    nan = np.isnan(norms)
    with np.errstate(invalid="ignore"):
        over = ~nan & np.isinf(norms)
        big = ~nan & (norms > ceiling)
        below = ~nan & (norms < floor)
    return NormStatus(first(below), first(big), first(over), first(nan), floor, float(ceiling),
                      norms.size)


# --------------------------------------------------------------------------------------------
# recurrent weights
def spectral_radius(W: np.ndarray) -> float:
    """max |eigenvalue| of a square matrix."""
    W = _square(W, "W")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W: np.ndarray) -> float:
    """sigma_max(W) = ||W||_2, which bounds how much one step can stretch a vector."""
    W = _square(W, "W")
    return float(np.linalg.norm(W, 2))


def _square(W, name) -> np.ndarray:
    W = check_array(name, W, dtype=np.float64, finite=True)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix (H, H), got shape {W.shape}")
    return W


def init_recurrent(hidden_size: int, kind: str = "gaussian", radius: float = 1.0, *,
                   rng: np.random.Generator | None = None) -> np.ndarray:
    """A recurrent matrix W_hh (H, H) of the given spectral radius.

    * ``"gaussian"``: i.i.d. N(0, 1) entries, rescaled so max |eigenvalue| = ``radius``;
    * ``"orthogonal"``: ``radius`` times a random orthogonal matrix (QR of a Gaussian, signs
      fixed so it is Haar-distributed); every singular value equals ``radius``;
    * ``"identity"``: ``radius`` times I (IRNN, Le et al. 2015, uses radius 1 with ReLU).
    """
    hidden_size = check_int("hidden_size", hidden_size, low=1)
    check_choice("kind", kind, INITS)
    radius = check_number("radius", radius, low=0.0)
    if kind == "identity":
        if rng is not None:
            check_rng("rng", rng)
        return float(radius) * np.eye(hidden_size)
    check_rng("rng", rng)
    G = rng.normal(size=(hidden_size, hidden_size))
    if kind == "gaussian":
        return G * (float(radius) / spectral_radius(G))
    Q, R = np.linalg.qr(G)
    Q = Q * np.sign(np.diag(R))  # Haar measure
    return float(radius) * Q


# --------------------------------------------------------------------------------------------
# the vanilla RNN's Jacobian product
def jacobian_bound(W_hh: np.ndarray, activation: str, T: int) -> np.ndarray:
    """``(sigma_max(W_hh) * max f')**k`` for k = 0..T steps back; shape (T + 1,).

    Values above the float64 range are returned as inf."""
    W_hh = _square(W_hh, "W_hh")
    check_choice("activation", activation, ACTIVATIONS)
    T = _check_length(T)
    gamma = largest_singular_value(W_hh) * MAX_DERIVATIVE[activation]
    with np.errstate(over="ignore", divide="ignore"):
        k = np.arange(T + 1, dtype=np.float64)
        if gamma == 0:
            return np.where(k == 0, 1.0, 0.0)
        log10 = k * math.log10(gamma)
        return np.where(log10 > math.log10(FLOAT_MAX), np.inf, 10.0 ** np.minimum(log10, 308.0))


def _check_length(T) -> int:
    return check_int("T", T, low=1)


def rnn_jacobian_norms(params, x, h0=None, activation: str = "tanh", layer: int = 0,
                       ord=2) -> np.ndarray:
    """Norms of dh_T/dh_t for one sequence, for t = T, T-1, ..., 0 (index k = T - t steps back).

    params : a one-or-more-layer parameter list (see :mod:`helpers.rnn`); the Jacobian is that of
        layer ``layer`` with respect to its own earlier states.
    x : (T, D) one input sequence (or (T, 1, D)); h0 : (H,) or None.
    ord : matrix norm (2 = largest singular value, "fro" = Frobenius).

    Returns shape (T + 1,): entry 0 is ||I|| (1 for the 2-norm). Overflow gives inf and
    inf - inf gives NaN; both are returned, not raised (see :func:`norm_status`).
    """
    D, H, L = check_params(params)
    x = check_array("x", x, ndim=(2, 3), dtype=np.float64)
    if x.ndim == 2:
        x = x[:, None, :]
    if x.shape[1] != 1:
        raise ValueError(f"x must have shape (T, D) or (T, 1, D) (one sequence), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one time step (sequence length T >= 1), got T = 0")
    check_choice("activation", activation, ACTIVATIONS)
    layer = check_int("layer", layer, low=0, high=L - 1)
    check_choice("ord", ord, (2, "fro", 1, np.inf, -2, -1, -np.inf, "nuc"))
    if h0 is not None:
        h0 = check_array("h0", h0, shape=(H,), dtype=np.float64)
        h0 = np.broadcast_to(h0, (L, 1, H))
    T = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        _, _, cache = forward(params, x, h0, activation=activation)
        a = cache["a"][layer][:, 0, :]  # (T, H)
        # where the forward pass produced NaN (inf - inf), f'(a) is undefined: NaN, reported as such
        fprime = np.where(np.isnan(a), np.nan, _activation_derivative(a, activation))
        W_hh = params[layer]["W_hh"]
        norms = np.empty(T + 1)
        J = np.eye(H)
        norms[0] = np.linalg.norm(J, ord)
        for k in range(1, T + 1):
            t = T - k  # J becomes dh_T/dh_t: multiply by dh_{t+1}/dh_t on the right
            J = J @ (fprime[t][:, None] * W_hh)
            if not np.all(np.isfinite(J)):
                norms[k:] = np.nan if np.isnan(J).any() else np.inf
                break
            norms[k] = np.linalg.norm(J, ord)
    return norms


def gradient_decay(radius: float = 1.0, activation: str = "tanh", T: int = 100,
                   init: str = "gaussian", hidden_size: int = 32, input_scale: float = 1.0,
                   floor: float = 1e-3, seed: int = 0) -> dict:
    """The gradient-decay explorer's data: one random network and one random input sequence.

    W_hh from :func:`init_recurrent` (``init``, ``radius``); W_ih ~ N(0, input_scale**2 / D) with
    D = 4 inputs x_t ~ N(0, 1); zero biases; h0 = 0.

    Returns a dict: ``norms`` (T + 1,) of ||dh_T/dh_t||_2 with index k = T - t, ``bound``
    (T + 1,), ``status`` (:class:`NormStatus`), ``sigma_max``, ``radius_actual``, ``h_max``
    (largest |h_T|; inf/NaN if the states themselves overflowed), ``state_overflow_step`` (first
    time step t at which h_t left the float64 range in the forward pass, or None).
    """
    radius = check_number("radius", radius, low=0.0)
    check_choice("activation", activation, ACTIVATIONS)
    T = _check_length(T)
    check_choice("init", init, INITS)
    hidden_size = check_int("hidden_size", hidden_size, low=1)
    input_scale = check_number("input_scale", input_scale, low=0.0)
    floor = _check_threshold(floor, "floor")
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    D = 4
    W_hh = init_recurrent(hidden_size, init, radius, rng=rng)
    params = [{"W_ih": rng.normal(0.0, input_scale / math.sqrt(D), (hidden_size, D)),
               "W_hh": W_hh, "b_ih": np.zeros(hidden_size), "b_hh": np.zeros(hidden_size)}]
    x = rng.normal(size=(T, D))
    norms = rnn_jacobian_norms(params, x, activation=activation)
    with np.errstate(over="ignore", invalid="ignore"):
        out, _, _ = forward(params, x[:, None, :], activation=activation)
        finite = np.all(np.isfinite(out[:, 0, :]), axis=1)  # (T,)
        h_max = float(np.max(np.abs(out[-1])))
    bad = np.flatnonzero(~finite)
    return {"state_overflow_step": int(bad[0]) + 1 if bad.size else None,
            "norms": norms, "bound": jacobian_bound(W_hh, activation, T),
            "status": norm_status(norms, floor=floor), "sigma_max": largest_singular_value(W_hh),
            "radius_actual": spectral_radius(W_hh), "h_max": h_max, "T": T}


def draw_gradient_decay(data: dict, radius=None, activation=None, T=None, init=None, **_):
    """The explorer's frame: ||dh_T/dh_t|| against steps back on a log axis, with the bound,
    the 1e-3 floor, and the status sentence (vanished / overflowed / NaN) written in the frame."""
    from matplotlib.ticker import NullLocator

    from helpers.plotting import PALETTE, label, message, new_figure

    if not isinstance(data, dict) or not {"norms", "bound", "status", "sigma_max",
                                           "state_overflow_step"} <= set(data):
        raise TypeError(f"data must be the dict gradient_decay returns, got {describe(data)}")
    fig, ax = new_figure(figsize=(6.4, 3.6), layout=None)
    norms, bound, status = data["norms"], data["bound"], data["status"]
    k = np.arange(norms.size)
    lo, hi = 1e-20, 1e20
    with np.errstate(invalid="ignore"):
        shown = np.where(np.isfinite(norms), np.clip(norms, lo * 1e-3, hi * 1e3), np.nan)
        bshown = np.clip(bound, lo * 1e-3, hi * 1e3)
    # plain-text labels: mathtext and log-axis minor ticks would triple the drawing time
    ax.semilogy(k, bshown, color=PALETTE["orange"], ls="--", lw=1.5,
                label="bound (σmax · max f')^(T−t)")
    ax.semilogy(k, shown, color=PALETTE["blue"], lw=2, label="measured ‖∂h_T/∂h_t‖₂")
    for level in (status.floor, status.ceiling):
        ax.axhline(level, color=PALETTE["black"], lw=0.8, ls=":")
        ax.text(k[-1], level * 1.6, f"{level:.0e}", ha="right", va="bottom", fontsize=9)
    ax.set_ylim(lo, hi)
    ticks = 10.0 ** np.arange(-20, 21, 5)
    ax.set_yticks(ticks, [f"1e{e:+d}" if e else "1" for e in range(-20, 21, 5)])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlim(0, max(k[-1], 1))
    label(ax, "steps back through time, T - t", "norm of Jacobian")
    title = []
    if radius is not None:
        title.append(f"radius {radius:g}")
    if activation is not None:
        title.append(activation)
    if init is not None:
        title.append(init)
    title.append(f"T = {norms.size - 1}, σmax = {data['sigma_max']:.2f}")
    ax.set_title(", ".join(title), fontsize=10)
    for key, colour in (("vanish_step", PALETTE["green"]), ("explode_step", PALETTE["orange"]),
                        ("overflow_step", PALETTE["vermillion"]),
                        ("nan_step", PALETTE["purple"])):
        step = getattr(status, key)
        if step is not None:
            ax.axvline(step, color=colour, lw=1, ls="-.")
    text, bad = _decay_text(data)
    message(ax, text.replace("; the hidden state", "\nthe hidden state"), color=PALETTE["vermillion"] if bad else PALETTE["black"])
    ax.texts[-1].set_position((0.5, 0.88))
    ax.texts[-1].set_fontsize(9)
    ax.legend(loc="lower left", fontsize=9)
    return fig


def _decay_text(data: dict) -> tuple[str, bool]:
    status = data["status"]
    text = status.describe()
    if data["state_overflow_step"] is not None:
        text += (f"; the hidden state itself overflowed at step t = {data['state_overflow_step']}"
                 " of the forward pass")
    return text, status.overflow_step is not None or status.nan_step is not None


def plot_gradient_decay(data: dict, radius=None, activation=None, T=None, init=None, **_) -> dict:
    """The explorer's frame as data the page draws in the browser (:func:`helpers.plotting.
    plot_spec`): the same curves, levels, markers and status sentence as
    :func:`draw_gradient_decay`, at a few hundred bytes, so that every combination of the four
    controls fits in the page."""
    from helpers.plotting import PALETTE, plot_spec

    if not isinstance(data, dict) or not {"norms", "bound", "status", "sigma_max",
                                           "state_overflow_step"} <= set(data):
        raise TypeError(f"data must be the dict gradient_decay returns, got {describe(data)}")
    norms, status = data["norms"], data["status"]
    title = [f"radius {radius:g}" if radius is not None else "", activation or "", init or "",
             f"T = {norms.size - 1}, σmax = {data['sigma_max']:.2f}"]
    text, bad = _decay_text(data)
    marks = [(getattr(status, key), colour) for key, colour in (
        ("vanish_step", PALETTE["green"]), ("explode_step", PALETTE["orange"]),
        ("overflow_step", PALETTE["vermillion"]), ("nan_step", PALETTE["purple"]))]
    return plot_spec(
        ", ".join(t for t in title if t), "steps back through time, T − t", "norm of Jacobian",
        [{"y": data["bound"], "colour": PALETTE["orange"], "dash": True, "width": 1.5,
          "label": "bound (σmax · max f′)^(T−t)", "points": 11},  # straight on the log axis
         {"y": norms, "colour": PALETTE["blue"], "width": 2, "label": "measured ‖∂h_T/∂h_t‖₂"}],
        ylim=(1e-20, 1e20), ylog=True, max_points=48, decimals=1,
        yticks=[(10.0 ** e, f"1e{e:+d}" if e else "1") for e in range(-20, 21, 5)],
        hlines=[(status.floor, PALETTE["black"], f"{status.floor:.0e}"),
                (status.ceiling, PALETTE["black"], f"{status.ceiling:.0e}")],
        vlines=[(step, colour) for step, colour in marks if step is not None],
        note=text, note_colour=PALETTE["vermillion"] if bad else PALETTE["black"])


# --------------------------------------------------------------------------------------------
# the loss cliff (Pascanu, Mikolov & Bengio 2013, section 3)
def one_unit_rnn(w, b, T: int = 50, x0: float = 0.5, target: float = 0.7):
    """The one-neuron RNN of Pascanu et al. (2013): ``x_t = w * sigmoid(x_{t-1}) + b`` for
    t = 1..T, loss ``(x_T - target)**2``, with its gradient by backpropagation through time.

    ``w`` and ``b`` may be arrays (broadcast together, any shape S) so a whole loss surface is one
    call. Returns ``(loss, dL/dw, dL/db)``, each of shape S. Near a bifurcation of the map the
    loss jumps (the "cliff") and the gradient there is huge.
    """
    T = _check_length(T)
    x0 = check_number("x0", x0)
    target = check_number("target", target)
    w = check_array("w", w, dtype=np.float64, finite=True)
    b = check_array("b", b, dtype=np.float64, finite=True)
    try:
        w, b = np.broadcast_arrays(w, b)
    except ValueError as err:
        raise ValueError(f"w and b must broadcast together, got shapes {w.shape} and "
                         f"{b.shape}") from err
    with np.errstate(over="ignore", invalid="ignore"):
        xs = [np.full(w.shape, float(x0))]
        for _ in range(T):
            xs.append(w * expit(xs[-1]) + b)
        err = xs[-1] - target
        loss = err ** 2
        dx = 2.0 * err  # dL/dx_T
        dw = np.zeros(w.shape)
        db = np.zeros(w.shape)
        for t in range(T, 0, -1):
            s = expit(xs[t - 1])
            dw += dx * s
            db += dx
            dx = dx * w * s * (1.0 - s)  # to x_{t-1}
    return loss, dw, db


# --------------------------------------------------------------------------------------------
# the chapter's explorer
RADII = (0.25, 0.5, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0, 5.0)
LENGTHS = (10, 25, 50, 100, 200, 500)


def gradient_decay_explorer(hidden_size: int = 32, seed: int = 0):
    """The gradient-decay explorer: controls for spectral radius, activation, sequence length
    and initialisation over :func:`gradient_decay` / :func:`draw_gradient_decay`. Every
    combination of all four controls is precomputed for the kernel-free page as
    :func:`plot_gradient_decay` data, drawn there in the browser."""
    from helpers.widgets import Control, Explorer

    hidden_size = check_int("hidden_size", hidden_size, low=1)
    seed = check_int("seed", seed, low=0)

    def compute(radius, activation, T, init):
        return gradient_decay(radius, activation, T, init, hidden_size=hidden_size, seed=seed)

    controls = [
        Control("radius", RADII, 1.0, "spectral radius of W_hh", fmt=lambda v: f"{v:g}"),
        Control("activation", ACTIVATIONS, "tanh", "activation f"),
        Control("T", LENGTHS, 100, "sequence length T"),
        Control("init", INITS, "gaussian", "initialisation"),
    ]
    return Explorer(compute, draw_gradient_decay, controls, static=("radius", "activation"),
                    plot=plot_gradient_decay)


# --------------------------------------------------------------------------------------------
# how fast is exponential? (E1)
FACTORS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.001, 1.005, 1.01, 1.02)


def power_curve(r: float, K: int = 1000, low: float = 0.01, high: float = 100.0) -> dict:
    """``r**k`` for k = 0..K, and the first k at which it falls below ``low`` (if r < 1) or
    rises above ``high`` (if r > 1), from ``helpers.memory.steps_to_fraction`` (r**k > high is
    (1/r)**k < 1/high). Returns a dict with ``r``, ``k`` (K+1,), ``curve`` (K+1,; inf where it
    overflows), ``below`` and ``above`` (int or None), ``low``, ``high``."""
    from helpers.memory import steps_to_fraction

    r = check_number("r", r, low=0.0, low_open=True)
    K = check_int("K", K, low=1)
    low = check_number("low", low, low=0.0, high=1.0, low_open=True, high_open=True)
    high = check_number("high", high, low=1.0, low_open=True)
    k = np.arange(K + 1)
    with np.errstate(over="ignore"):
        curve = r ** k.astype(np.float64)
    return {"r": r, "k": k, "curve": curve, "low": low, "high": high,
            "below": steps_to_fraction(r, low) if r < 1 else None,
            "above": steps_to_fraction(1.0 / r, 1.0 / high) if r > 1 else None}


def draw_power_curve(data: dict, r=None, **_):
    """Frame for :func:`power_curve`: ``r**k`` on a log axis, the notes' k = 100 (dot), the two
    levels (dashed) and where the curve crosses them (green)."""
    from helpers.plotting import PALETTE, label, new_figure

    if not isinstance(data, dict) or not {"r", "k", "curve", "below", "above", "low",
                                           "high"} <= set(data):
        raise TypeError(f"data must be the dict power_curve returns, got {describe(data)}")
    r, k = data["r"], data["k"]
    fig, ax = new_figure(figsize=(6.4, 3.0), layout=None)
    ax.semilogy(k, np.clip(data["curve"], 1e-9, 1e9), color=PALETTE["blue"], lw=2)
    ax.axvline(100, color=PALETTE["black"], lw=0.8, ls=":")
    ax.plot([100], [r ** 100], "o", color=PALETTE["vermillion"])
    for level in (data["low"], data["high"]):
        ax.axhline(level, color=PALETTE["black"], lw=0.6, ls="--")
    for cross in (data["below"], data["above"]):
        if cross is not None and cross <= k[-1]:
            ax.axvline(cross, color=PALETTE["green"], lw=1.2)
    ax.set_ylim(1e-6, 1e6)
    ax.set_yticks([1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6],
                  ["1e-6", "1e-4", "0.01", "1", "100", "1e4", "1e6"])
    ax.minorticks_off()  # plain tick labels: quicker to draw than mathtext
    text = f"r**100 = {r ** 100:.3g}"
    if data["below"] is not None:
        text += f"; below {data['low']:g} after {data['below']} steps"
    if data["above"] is not None:
        text += f"; above {data['high']:g} after {data['above']} steps"
    ax.set_title(text, fontsize=10)
    label(ax, "number of factors k", "r**k")
    return fig


def power_explorer(K: int = 1000):
    """Chapter 2's E1 explorer: the per-step factor r -> :func:`power_curve` over K steps,
    drawn by :func:`draw_power_curve` (every value precomputed for the kernel-free page)."""
    from helpers.widgets import Control, Explorer

    K = check_int("K", K, low=100)
    return Explorer(lambda r: power_curve(r, K=K), draw_power_curve,
                    [Control("r", FACTORS, 0.99, "per-step factor r", fmt=lambda v: f"{v:g}")])


# --------------------------------------------------------------------------------------------
# implement it: BPTT for one step
STEP_BACKWARD_OUTPUTS = ("dW_ih", "dW_hh", "db", "dh_prev")


def check_rnn_step_backward(fn: Callable, n_cases: int = 50, seed: int = 0) -> bool:
    """Check a reader's backward of one tanh RNN step,
    ``fn(dh, h_prev, x, a, W_ih, W_hh) -> (dW_ih, dW_hh, db, dh_prev)``, against
    ``helpers.rnn.backward`` on random one-step problems.

    The step is ``a = x W_ih^T + h_prev W_hh^T + b``, ``h = tanh(a)`` for a batch of rows:
    ``dh`` (B, H) = dL/dh, ``h_prev`` (B, H), ``x`` (B, D), ``a`` (B, H), ``W_ih`` (H, D),
    ``W_hh`` (H, H). The answers: ``dW_ih`` (H, D), ``dW_hh`` (H, H), ``db`` (H,) (the
    gradient of either bias, ``b_ih`` or ``b_hh``) and ``dh_prev`` (B, H), summed over the
    batch. Prints the first case that differs (which output, expected and got) or that all
    agree; returns True when all ``n_cases`` agree to 1e-9.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(dh, h_prev, x, a, W_ih, W_hh), got "
                        f"{describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        B, D, H = (int(v) for v in rng.integers(1, 5, size=3))
        p = {"W_ih": rng.normal(0.0, 0.7, (H, D)), "W_hh": rng.normal(0.0, 0.7, (H, H)),
             "b_ih": rng.normal(0.0, 0.3, H), "b_hh": rng.normal(0.0, 0.3, H)}
        x, h_prev, dh = rng.normal(size=(B, D)), np.tanh(rng.normal(size=(B, H))), \
            rng.normal(size=(B, H))
        _, _, cache = forward([p], x[None], h_prev[None])  # one step: T = 1
        grads, _, d_state = backward(cache, dh[None])
        want = (grads[0]["W_ih"], grads[0]["W_hh"], grads[0]["b_ih"], d_state[0])
        args = [v.copy() for v in (dh, h_prev, x, cache["a"][0][0], p["W_ih"], p["W_hh"])]
        got = fn(*args)
        case = f"case {k}: B={B}, D={D}, H={H}"
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            print(f"{case}: expected a tuple of 4 arrays {STEP_BACKWARD_OUTPUTS}, got "
                  f"{describe(got)}")
            return False
        for name, w, g in zip(STEP_BACKWARD_OUTPUTS, want, got):
            g = np.asarray(g, dtype=float)
            if g.shape != w.shape or not np.allclose(g, w, rtol=0.0, atol=1e-9):
                print(f"{case}: {name} differs\n  expected shape {w.shape}: "
                      f"{np.round(w, 4).ravel()[:8]}\n  got      shape {g.shape}: "
                      f"{np.round(g, 4).ravel()[:8]}")
                return False
    print(f"all {n_cases} cases agree with helpers.rnn.backward (one tanh step)")
    return True
