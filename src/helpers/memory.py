"""Memory and forgetting in the simplest recurrent units (chapter 1).

The leaky unit (Mozer 1992; Goodfellow et al. 2016, section 10.9.2)

    u_t = a_t * u_{t-1} + (1 - a_t) * v_t,        t = 1, ..., T            (leaky)

is an exponential moving average of its input ``v``. With a constant ``a`` in (0, 1) it forgets
geometrically: one input's weight after ``k`` steps is ``(1 - a) a^k``. Letting ``a_t`` depend on
the step (a gate) lets one unit keep a value for as long as it wants and overwrite it on demand.

Shapes: ``T`` steps, ``N`` independent units (or trials). Arrays are float64.
"""
from __future__ import annotations

import math

import numpy as np

PATTERNS = ("pulse", "two pulses", "step", "noise")


def _check_a_scalar(a: float, name: str = "a", closed: bool = False) -> float:
    try:
        a = float(a)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a number in (0, 1), got {a!r}") from err
    ok = (0.0 <= a <= 1.0) if closed else (0.0 < a < 1.0)
    if not ok or math.isnan(a):
        interval = "[0, 1]" if closed else "(0, 1)"
        raise ValueError(f"{name} must lie in {interval}, got {a}")
    return a


def leaky_integrate(v, a, u0=0.0) -> np.ndarray:
    """Run the leaky unit ``u_t = a_t u_{t-1} + (1 - a_t) v_t`` over the inputs ``v``.

    Parameters
    ----------
    v : array, shape (T,) or (T, N) -- inputs, one row per step.
    a : number or array broadcastable to ``v`` -- retention in [0, 1]: a scalar (one time
        constant), shape (N,) (one per unit) or (T,) / (T, N) (a different value each step,
        i.e. a gate).
    u0 : number or array of shape (N,) -- the state before step 1.

    Returns
    -------
    u : array, same shape as ``v`` -- the states u_1, ..., u_T.
    """
    v = np.asarray(v, dtype=np.float64)
    if v.ndim not in (1, 2):
        raise ValueError(f"v must have shape (T,) or (T, N), got shape {v.shape}")
    if v.shape[0] == 0:
        raise ValueError("v must hold at least one step, got T = 0")
    if not np.all(np.isfinite(v)):
        raise ValueError("v must be finite (no NaN or inf)")
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1 and v.ndim == 2 and a.shape[0] == v.shape[0] and a.shape[0] != v.shape[1]:
        a = a[:, None]  # one value per step, shared by all units
    try:
        a_full = np.broadcast_to(a, v.shape)
    except ValueError as err:
        raise ValueError(f"a must be a scalar or broadcastable to v's shape {v.shape}, "
                         f"got shape {a.shape}") from err
    if np.any(np.isnan(a_full)) or np.any(a_full < 0) or np.any(a_full > 1):
        raise ValueError("a must lie in [0, 1] everywhere")
    u_prev = np.asarray(u0, dtype=np.float64)
    try:
        u_prev = np.broadcast_to(u_prev, v.shape[1:]).copy()
    except ValueError as err:
        raise ValueError(f"u0 must be a scalar or have shape {v.shape[1:]}, got shape "
                         f"{u_prev.shape}") from err
    u = np.empty_like(v)
    for t in range(v.shape[0]):
        u_prev = a_full[t] * u_prev + (1.0 - a_full[t]) * v[t]
        u[t] = u_prev
    return u


def impulse_response(a: float, T: int) -> np.ndarray:
    """Closed form of the leaky unit's answer to a unit pulse at step 1: ``(1 - a) a^k`` for
    ``k = 0, ..., T-1``; shape (T,)."""
    a = _check_a_scalar(a)
    if not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be an integer >= 1, got {T!r}")
    return (1.0 - a) * a ** np.arange(T)


def half_life(a: float) -> float:
    """Steps after which one input's weight has halved: ``ln 0.5 / ln a``."""
    a = _check_a_scalar(a)
    return math.log(0.5) / math.log(a)


def time_constant(a: float) -> float:
    """Steps after which one input's weight has shrunk by a factor e: ``-1 / ln a``."""
    a = _check_a_scalar(a)
    return -1.0 / math.log(a)


def steps_to_fraction(a: float, fraction: float) -> int:
    """Fewest whole steps ``k`` with ``a**k < fraction``: ``floor(ln fraction / ln a) + 1``."""
    a = _check_a_scalar(a)
    fraction = _check_a_scalar(fraction, name="fraction")
    k = math.floor(math.log(fraction) / math.log(a)) + 1
    # guard the floor against rounding when ln fraction / ln a is (nearly) an integer
    while k > 0 and a ** (k - 1) < fraction:
        k -= 1
    while a ** k >= fraction:
        k += 1
    return k


def input_pattern(kind: str, T: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """A test input of ``T`` steps, shape (T,).

    ``"pulse"``: 1 at step 10, else 0. ``"two pulses"``: 1 at steps 10 and T//2.
    ``"step"``: 0 before step 10, 1 from then on. ``"noise"``: standard normal (needs ``rng``).
    """
    if kind not in PATTERNS:
        raise ValueError(f"kind must be one of {PATTERNS}, got {kind!r}")
    if not isinstance(T, (int, np.integer)) or T < 20:
        raise ValueError(f"T must be an integer >= 20, got {T!r}")
    v = np.zeros(T)
    if kind == "pulse":
        v[10] = 1.0
    elif kind == "two pulses":
        v[10] = 1.0
        v[T // 2] = 1.0
    elif kind == "step":
        v[10:] = 1.0
    else:
        if rng is None:
            raise ValueError("rng must be a numpy Generator for kind='noise'")
        v = rng.standard_normal(T)
    return v


def tanh_rnn_trace(x, w: float, u: float = 1.0, h0: float = 0.0) -> np.ndarray:
    """A one-unit tanh RNN ``h_t = tanh(w h_{t-1} + u x_t)`` over inputs ``x`` of shape (T,)
    or (T, N); returns ``h`` of the same shape. Its memory of a pulse fades roughly like
    ``w^k`` when ``|w| < 1`` and latches near +-1 when ``w > 1``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"x must have shape (T,) or (T, N) with T >= 1, got shape {x.shape}")
    for name, val in (("w", w), ("u", u), ("h0", h0)):
        if not np.isfinite(val):
            raise ValueError(f"{name} must be a finite number, got {val!r}")
    h = np.empty_like(x)
    h_prev = np.full(x.shape[1:], float(h0))
    for t in range(x.shape[0]):
        h_prev = np.tanh(w * h_prev + u * x[t])
        h[t] = h_prev
    return h


def flagged_recall_task(T: int, n_trials: int, rng: np.random.Generator):
    """The 'remember the flagged value' task.

    Each trial is ``T`` steps of standard-normal inputs ``v``; one step ``t*`` (uniform over the
    first half) is flagged. The target is ``v[t*]``, to be read out at the last step.

    Returns ``v`` of shape (T, n_trials), ``flag`` (bool, same shape, one True per column) and
    ``target`` of shape (n_trials,).
    """
    if not isinstance(T, (int, np.integer)) or T < 4:
        raise ValueError(f"T must be an integer >= 4, got {T!r}")
    if not isinstance(n_trials, (int, np.integer)) or n_trials < 2:
        raise ValueError(f"n_trials must be an integer >= 2, got {n_trials!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    v = rng.standard_normal((T, n_trials))
    t_star = rng.integers(0, T // 2, size=n_trials)
    flag = np.zeros((T, n_trials), dtype=bool)
    flag[t_star, np.arange(n_trials)] = True
    return v, flag, v[t_star, np.arange(n_trials)]


def readout_r2(u_T, target) -> float:
    """Fraction of ``target``'s variance explained by the best affine read-out
    ``alpha * u_T + beta`` (least squares); inputs of shape (N,). 1 = perfect recall, 0 = none."""
    u_T = np.asarray(u_T, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if u_T.ndim != 1 or u_T.shape != target.shape or u_T.size < 2:
        raise ValueError(f"u_T and target must be 1-D of equal length >= 2, got shapes "
                         f"{u_T.shape} and {target.shape}")
    var_t = target.var()
    if var_t == 0:
        raise ValueError("target must vary (its variance is 0)")
    if u_T.var() == 0:
        return 0.0
    r = np.corrcoef(u_T, target)[0, 1]
    return float(r * r)


def gate_from_flags(flag) -> np.ndarray:
    """The gate a unit needs for flagged recall: ``a_t = 0`` (overwrite) where flagged, ``1``
    (hold) elsewhere; same shape as ``flag``."""
    flag = np.asarray(flag)
    if flag.dtype != bool:
        raise ValueError(f"flag must be a boolean array, got dtype {flag.dtype}")
    return np.where(flag, 0.0, 1.0)
