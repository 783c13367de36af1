"""How gradients shrink or grow on their way back through time (chapter 2; reused by 3 and 4).

Three layers, from general to specific:

* **Norm bookkeeping for any model**: :func:`global_norm`, :func:`clip_by_norm`,
  :func:`clip_by_value`, :func:`norm_status` (the first step at which a sequence of gradient norms
  falls below a floor, overflows or turns NaN, reported as such, never raised), and
  :func:`steps_to_reach` (how many factors ``r`` it takes for ``r**k`` to cross a level, E1).
  The LSTM and GRU chapters feed their own cell-path norms to the same functions.
* **Recurrent weights**: :func:`init_recurrent` (Gaussian scaled to a spectral radius,
  orthogonal, identity), :func:`spectral_radius`, :func:`largest_singular_value`.
* **The vanilla RNN's Jacobian product** (:func:`rnn_jacobian_norms`):

      dh_T/dh_t = prod_{k=T}^{t+1} diag(f'(a_k)) W_hh,

  its norm for every ``t`` on an actual network, beside the bound
  ``(sigma_max(W_hh) * max f')**(T - t)`` (:func:`jacobian_bound`), and
  :func:`gradient_decay`, the pure function behind the chapter's gradient-decay explorer.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

from helpers.rnn import MAX_DERIVATIVE, ACTIVATIONS, activation_derivative, check_params, rnn_forward

INITS = ("gaussian", "orthogonal", "identity")
FLOAT_MAX = np.finfo(np.float64).max


# --------------------------------------------------------------------------------------------
# norms and clipping (model-agnostic)
def global_norm(grads: Sequence[np.ndarray]) -> float:
    """Euclidean norm of all arrays in ``grads`` taken together (inf on overflow, NaN on NaN)."""
    grads = list(grads)
    if not grads:
        raise ValueError("grads must be a non-empty sequence of arrays")
    with np.errstate(over="ignore", invalid="ignore"):
        scale = max(float(np.max(np.abs(g))) if np.size(g) else 0.0 for g in grads)
        if not np.isfinite(scale):
            return scale if not any(np.isnan(np.asarray(g)).any() for g in grads) else float("nan")
        if scale == 0.0:
            return 0.0
        # scale first so that squaring cannot overflow
        return scale * math.sqrt(sum(float(np.sum((np.asarray(g) / scale) ** 2)) for g in grads))


def _check_threshold(threshold) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    if not threshold > 0 or not np.isfinite(threshold):
        raise ValueError(f"threshold must be a positive finite number, got {threshold!r}")
    return float(threshold)


def clip_by_norm(grads: Sequence[np.ndarray], threshold: float):
    """Rescale all gradients together so their global norm is at most ``threshold``
    (Pascanu et al. 2013, algorithm 1). The direction is kept.

    Returns ``(clipped, norm_before)``; a non-finite norm leaves the gradients unchanged
    (the caller should skip the step and report it).
    """
    threshold = _check_threshold(threshold)
    norm = global_norm(grads)
    if np.isfinite(norm) and norm > threshold:
        return [np.asarray(g) * (threshold / norm) for g in grads], norm
    return [np.asarray(g) for g in grads], norm


def clip_by_value(grads: Sequence[np.ndarray], threshold: float):
    """Clip every gradient entry into ``[-threshold, threshold]``. The direction can change.

    Returns ``(clipped, norm_before)``."""
    threshold = _check_threshold(threshold)
    norm = global_norm(grads)
    return [np.clip(np.asarray(g), -threshold, threshold) for g in grads], norm


def cosine(u: Sequence[np.ndarray], v: Sequence[np.ndarray]) -> float:
    """Cosine of the angle between two gradient lists (flattened together)."""
    a = np.concatenate([np.ravel(x) for x in u])
    b = np.concatenate([np.ravel(x) for x in v])
    if a.shape != b.shape:
        raise ValueError(f"u and v must hold the same number of entries, got {a.size} and {b.size}")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        raise ValueError("u and v must be non-zero")
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
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size == 0:
        raise ValueError(f"norms must be a non-empty 1-d array, got shape {norms.shape}")
    floor = _check_threshold(floor)
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


def steps_to_reach(factor: float, level: float) -> int | None:
    """Smallest k >= 0 with ``factor**k`` below ``level`` (if factor < 1) or above it (factor > 1);
    None if it never gets there (factor == 1, or already-crossed conditions cannot be met).

    E1: ``steps_to_reach(0.99, 0.01) == 459``; ``0.99**100 = 0.366``, not "almost 0".
    """
    factor = _check_threshold(factor)
    level = _check_threshold(level)
    if factor == 1.0:
        return 0 if level == 1.0 else None
    if factor < 1.0:
        if level >= 1.0:
            return 0
        k = math.ceil(math.log(level) / math.log(factor))
        while factor ** k >= level:  # guard the rounding of the logarithms
            k += 1
        while k > 0 and factor ** (k - 1) < level:
            k -= 1
        return k
    if level <= 1.0:
        return 0
    k = math.ceil(math.log(level) / math.log(factor))
    while factor ** k <= level:
        k += 1
    while k > 0 and factor ** (k - 1) > level:
        k -= 1
    return k


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
    W = np.asarray(W, dtype=np.float64)
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
    if isinstance(hidden_size, bool) or not isinstance(hidden_size, (int, np.integer)) or hidden_size < 1:
        raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
    if kind not in INITS:
        raise ValueError(f"kind must be one of {INITS}, got {kind!r}")
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)) \
            or not np.isfinite(radius) or radius < 0:
        raise ValueError(f"radius must be a finite number >= 0, got {radius!r}")
    if kind == "identity":
        return float(radius) * np.eye(hidden_size)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator for kind={kind!r}, got {rng!r}")
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
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    _check_length(T)
    gamma = largest_singular_value(W_hh) * MAX_DERIVATIVE[activation]
    with np.errstate(over="ignore", divide="ignore"):
        k = np.arange(T + 1, dtype=np.float64)
        if gamma == 0:
            return np.where(k == 0, 1.0, 0.0)
        log10 = k * math.log10(gamma)
        return np.where(log10 > math.log10(FLOAT_MAX), np.inf, 10.0 ** np.minimum(log10, 308.0))


def _check_length(T):
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T (sequence length) must be an integer >= 1, got {T!r}")


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
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3 or x.shape[1] != 1:
        raise ValueError(f"x must have shape (T, D) or (T, 1, D) (one sequence), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one time step (sequence length T >= 1), got T = 0")
    if not 0 <= layer < L:
        raise ValueError(f"layer must be in [0, {L}), got {layer!r}")
    if h0 is not None:
        h0 = np.asarray(h0, dtype=np.float64)
        if h0.shape != (H,):
            raise ValueError(f"h0 must have shape (H,) = ({H},), got {h0.shape}")
        h0 = np.broadcast_to(h0, (L, 1, H))
    T = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        _, _, cache = rnn_forward(params, x, h0, activation)
        a = cache.a[layer][:, 0, :]  # (T, H)
        # where the forward pass produced NaN (inf - inf), f'(a) is undefined: NaN, reported as such
        fprime = np.where(np.isnan(a), np.nan, activation_derivative(a, activation))
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
    _check_length(T)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    rng = np.random.default_rng(seed)
    D = 4
    W_hh = init_recurrent(hidden_size, init, radius, rng=rng)
    params = [{"W_ih": rng.normal(0.0, input_scale / math.sqrt(D), (hidden_size, D)),
               "W_hh": W_hh, "b_ih": np.zeros(hidden_size), "b_hh": np.zeros(hidden_size)}]
    x = rng.normal(size=(T, D))
    norms = rnn_jacobian_norms(params, x, activation=activation)
    with np.errstate(over="ignore", invalid="ignore"):
        out, _, _ = rnn_forward(params, x[:, None, :], activation=activation)
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
        ax.text(k[-1], level * 1.6, f"{level:.0e}", ha="right", va="bottom", fontsize=8)
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
    text = status.describe()
    if data["state_overflow_step"] is not None:
        text += (f"\nthe hidden state itself overflowed at step t = {data['state_overflow_step']}"
                 " of the forward pass")
    bad = status.overflow_step is not None or status.nan_step is not None
    message(ax, text, color=PALETTE["vermillion"] if bad else PALETTE["black"])
    ax.texts[-1].set_position((0.5, 0.88))
    ax.texts[-1].set_fontsize(9)
    ax.legend(loc="lower left", fontsize=8)
    return fig


# --------------------------------------------------------------------------------------------
# the loss cliff (Pascanu, Mikolov & Bengio 2013, section 3)
def one_unit_rnn(w, b, T: int = 50, x0: float = 0.5, target: float = 0.7):
    """The one-neuron RNN of Pascanu et al. (2013): ``x_t = w * sigmoid(x_{t-1}) + b`` for
    t = 1..T, loss ``(x_T - target)**2``, with its gradient by backpropagation through time.

    ``w`` and ``b`` may be arrays (broadcast together, any shape S) so a whole loss surface is one
    call. Returns ``(loss, dL/dw, dL/db)``, each of shape S. Near a bifurcation of the map the
    loss jumps (the "cliff") and the gradient there is huge.
    """
    _check_length(T)
    with np.errstate(over="ignore", invalid="ignore"):
        w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
        xs = [np.full(w.shape, float(x0))]
        for _ in range(T):
            xs.append(w * (0.5 * (1.0 + np.tanh(0.5 * xs[-1]))) + b)
        err = xs[-1] - target
        loss = err ** 2
        dx = 2.0 * err  # dL/dx_T
        dw = np.zeros(w.shape)
        db = np.zeros(w.shape)
        for t in range(T, 0, -1):
            s = 0.5 * (1.0 + np.tanh(0.5 * xs[t - 1]))
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
    and initialisation over :func:`gradient_decay` / :func:`draw_gradient_decay`. The first two
    (radius x activation) are precomputed for the kernel-free page."""
    from helpers.widgets import Control, Explorer

    def compute(radius, activation, T, init):
        return gradient_decay(radius, activation, T, init, hidden_size=hidden_size, seed=seed)

    controls = [
        Control("radius", RADII, 1.0, "spectral radius of W_hh", fmt=lambda v: f"{v:g}"),
        Control("activation", ACTIVATIONS, "tanh", "activation f"),
        Control("T", LENGTHS, 100, "sequence length T"),
        Control("init", INITS, "gaussian", "initialisation"),
    ]
    return Explorer(compute, draw_gradient_decay, controls, static=("radius", "activation"))
