"""Memory and forgetting in the simplest recurrent units (chapter 1).

The leaky unit (Mozer 1992; Goodfellow et al. 2016, section 10.9.2)

    u_t = beta_t * u_{t-1} + (1 - beta_t) * v_t,        t = 1, ..., T            (leaky)

is an exponential moving average of its input ``v`` with retention ``beta`` (the book's beta,
the role Adam's beta plays for its moving averages). With a constant ``beta`` in (0, 1) it forgets
geometrically: one input's weight after ``k`` steps is ``(1 - beta) beta^k``. Letting ``beta_t``
depend on the step (a gate) lets one unit keep a value for as long as it wants and overwrite it
on demand.

Shapes: ``T`` steps, ``N`` independent units (or trials). Arrays are float64.

Every function checks its arguments first (:mod:`helpers.checks`) and raises ``TypeError`` or
``ValueError`` naming the argument; NaN and infinity are refused in inputs, retentions and
weights (a leaky unit fed NaN would only carry the NaN forward).
"""
from __future__ import annotations

import math

import numpy as np

from helpers.checks import (check_array, check_choice, check_int, check_number, check_rng,
                            describe)

PATTERNS = ("pulse", "two pulses", "step", "noise")
ONSET = 10  # index of the first input of the "pulse", "two pulses" and "step" patterns (step 11)
MIN_PATTERN_T = 2 * ONSET + 2  # the second pulse, at index T // 2, must come after the first


def _check_retention(name: str, beta) -> float:
    """A scalar retention in the open interval (0, 1), where ``ln beta`` is finite and negative."""
    return check_number(name, beta, low=0.0, high=1.0, low_open=True, high_open=True)


def leaky_integrate(v, beta, u0=0.0) -> np.ndarray:
    """Run the leaky unit ``u_t = beta_t u_{t-1} + (1 - beta_t) v_t`` over the inputs ``v``.

    Parameters
    ----------
    v : array, shape (T,) or (T, N), T >= 1 -- finite inputs, one row per step.
    beta : number or array broadcastable to ``v`` -- retention in [0, 1]: a scalar (one time
        constant), shape (N,) (one per unit) or (T,) / (T, N) (a different value each step,
        i.e. a gate). A boolean array is refused: build the gate of a flag with
        :func:`gate_from_flags` (``True`` means *overwrite*, i.e. ``beta_t = 0``).
    u0 : finite number or array of shape (N,) -- the state before step 1.

    Returns
    -------
    u : array, same shape as ``v`` -- the states u_1, ..., u_T.
    """
    v = check_array("v", v, ndim=(1, 2), dtype=np.float64, finite=True, min_size=1)
    beta = check_array("beta", beta, ndim=(0, 1, 2))
    if beta.dtype == np.bool_:
        raise TypeError("beta must hold retentions in [0, 1], got a boolean array; "
                        "use gate_from_flags(flag) to turn flags into a gate")
    beta = beta.astype(np.float64)
    if (beta.ndim == 1 and v.ndim == 2 and beta.shape[0] == v.shape[0]
            and beta.shape[0] != v.shape[1]):
        beta = beta[:, None]  # one value per step, shared by all units
    try:
        beta_full = np.broadcast_to(beta, v.shape)
    except ValueError as err:
        raise ValueError(f"beta must be a scalar or broadcastable to v's shape {v.shape}, "
                         f"got shape {beta.shape}") from err
    if np.any(np.isnan(beta_full)) or np.any(beta_full < 0) or np.any(beta_full > 1):
        raise ValueError("beta must lie in [0, 1] everywhere, got values outside it (or NaN)")
    u_prev = check_array("u0", u0, finite=True)
    try:
        u_prev = np.broadcast_to(u_prev.astype(np.float64), v.shape[1:]).copy()
    except ValueError as err:
        raise ValueError(f"u0 must be a scalar or have shape {v.shape[1:]}, got shape "
                         f"{u_prev.shape}") from err
    u = np.empty_like(v)
    for t in range(v.shape[0]):
        u_prev = beta_full[t] * u_prev + (1.0 - beta_full[t]) * v[t]
        u[t] = u_prev
    return u


def impulse_response(beta: float, T: int) -> np.ndarray:
    """Closed form of the leaky unit's answer to a unit pulse at step 1: ``(1 - beta) beta^k``
    for ``k = 0, ..., T-1``; ``beta`` in (0, 1), ``T >= 1``; shape (T,)."""
    beta = _check_retention("beta", beta)
    T = check_int("T", T, low=1)
    return (1.0 - beta) * beta ** np.arange(T)


def half_life(beta: float) -> float:
    """Steps after which one input's weight has halved: ``ln 0.5 / ln beta``, for ``beta`` in
    (0, 1)."""
    beta = _check_retention("beta", beta)
    return math.log(0.5) / math.log(beta)


def time_constant(beta: float) -> float:
    """Steps after which one input's weight has shrunk by a factor e: ``-1 / ln beta``, for
    ``beta`` in (0, 1)."""
    beta = _check_retention("beta", beta)
    return -1.0 / math.log(beta)


def _power(factor: float, k: int) -> float:
    """``factor ** k`` for a float ``factor > 0`` and an int ``k >= 0``; inf where it overflows."""
    try:
        return factor ** k
    except OverflowError:
        return math.inf


def steps_to_fraction(factor: float, fraction: float) -> int:
    """Fewest whole steps ``k`` after which a product of ``k`` per-step factors ``factor`` has
    crossed ``fraction`` of its start: ``factor**k < fraction`` for a decay (``factor < 1``),
    ``factor**k > fraction`` for a growth (``factor > 1``).

    This is how long a memory (chapter 1) or a gradient (chapters 2 and 4) that is multiplied by
    ``factor`` at every step takes to fall below (or grow above) a level. The logarithms give
    ``k = floor(ln fraction / ln factor) + 1``; the answer is then checked against ``factor**k``
    itself, so that a level hit exactly (``0.5**2 == 0.25``) is not counted as crossed.

    Parameters
    ----------
    factor : finite number > 0 and != 1 -- the factor applied at every step (chapter 1's
        retention beta, chapter 2's per-step factor r, chapter 4's update gate z).
    fraction : finite number > 0 -- the level, relative to the start; below 1 when
        ``factor < 1``, above 1 when ``factor > 1`` (a decay never rises above its start, a growth
        never falls).

    Returns
    -------
    k : int >= 1.

    Examples
    --------
    >>> steps_to_fraction(0.99, 0.01)   # the notes' E1: 0.99**100 = 0.366 is far from 0
    459
    >>> steps_to_fraction(1.01, 100.0)
    463
    """
    factor = check_number("factor", factor, low=0.0, low_open=True)
    fraction = check_number("fraction", fraction, low=0.0, low_open=True)
    if factor == 1.0:
        raise ValueError("factor must differ from 1 (factor**k = 1 never crosses a level), "
                         "got 1.0")
    if factor < 1.0 and not fraction < 1.0:
        raise ValueError(f"fraction must be < 1 when factor < 1 (a decay starts at 1 and only "
                         f"falls), got {fraction}")
    if factor > 1.0 and not fraction > 1.0:
        raise ValueError(f"fraction must be > 1 when factor > 1 (a growth starts at 1 and only "
                         f"rises), got {fraction}")
    crossed = (lambda k: _power(factor, k) < fraction) if factor < 1.0 else \
        (lambda k: _power(factor, k) > fraction)
    k = max(1, math.floor(math.log(fraction) / math.log(factor)) + 1)
    # guard the floor against rounding when ln fraction / ln factor is (nearly) an integer
    while k > 1 and crossed(k - 1):
        k -= 1
    while not crossed(k):
        k += 1
    return k


def input_pattern(kind: str, T: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """A test input of ``T`` steps, shape (T,).

    ``"pulse"``: 1 at index ``ONSET`` = 10 (step 11 counting from 1), else 0.
    ``"two pulses"``: 1 at indices 10 and ``T // 2``. ``"step"``: 0 before index 10, 1 from
    then on. ``"noise"``: standard normal, drawn from ``rng`` (required for this kind only).
    ``T`` must be at least 22, so that the second pulse comes after the first.
    """
    kind = check_choice("kind", kind, PATTERNS)
    T = check_int("T", T, low=MIN_PATTERN_T)
    if rng is not None:
        check_rng("rng", rng)
    v = np.zeros(T)
    if kind == "pulse":
        v[ONSET] = 1.0
    elif kind == "two pulses":
        v[ONSET] = 1.0
        v[T // 2] = 1.0
    elif kind == "step":
        v[ONSET:] = 1.0
    else:
        if rng is None:
            raise TypeError("rng must be a numpy Generator (np.random.default_rng(seed)) for "
                            "kind='noise', got None")
        v = rng.standard_normal(T)
    return v


def tanh_rnn_trace(x, w: float, w_x: float = 1.0, h0: float = 0.0) -> np.ndarray:
    """A one-unit tanh RNN ``h_t = tanh(w h_{t-1} + w_x x_t)`` over finite inputs ``x`` of shape
    (T,) or (T, N), T >= 1; returns ``h`` of the same shape. ``w`` (the weight on the unit's own
    past), ``w_x`` (the weight on the input) and ``h0`` (the state before step 1) are finite
    numbers. Its memory of a pulse fades roughly like ``w^k`` when ``|w| < 1`` and latches near
    +-1 when ``w > 1``."""
    x = check_array("x", x, ndim=(1, 2), dtype=np.float64, finite=True, min_size=1)
    w = check_number("w", w)
    w_x = check_number("w_x", w_x)
    h0 = check_number("h0", h0)
    h = np.empty_like(x)
    h_prev = np.full(x.shape[1:], h0)
    for t in range(x.shape[0]):
        h_prev = np.tanh(w * h_prev + w_x * x[t])
        h[t] = h_prev
    return h


def flagged_recall_task(T: int, n_trials: int, rng: np.random.Generator):
    """The 'remember the flagged value' task.

    Each trial is ``T`` (>= 4) steps of standard-normal inputs ``v``; one step ``t*`` (uniform
    over the first half) is flagged. The target is ``v[t*]``, to be read out at the last step.
    ``n_trials`` >= 2 (a read-out's R^2 needs two trials).

    Returns ``v`` of shape (T, n_trials), ``flag`` (bool, same shape, one True per column) and
    ``target`` of shape (n_trials,).
    """
    T = check_int("T", T, low=4)
    n_trials = check_int("n_trials", n_trials, low=2)
    rng = check_rng("rng", rng)
    v = rng.standard_normal((T, n_trials))
    t_star = rng.integers(0, T // 2, size=n_trials)
    flag = np.zeros((T, n_trials), dtype=bool)
    flag[t_star, np.arange(n_trials)] = True
    return v, flag, v[t_star, np.arange(n_trials)]


def readout_r2(u_T, target) -> float:
    """Fraction of ``target``'s variance explained by the best affine read-out
    ``c_1 u_T + c_0`` (least squares); finite inputs of shape (N,), N >= 2, with a
    ``target`` that varies. 1 = perfect recall, 0 = none (also when ``u_T`` is constant)."""
    u_T = check_array("u_T", u_T, ndim=1, dtype=np.float64, finite=True, min_size=2)
    target = check_array("target", target, ndim=1, dtype=np.float64, finite=True, min_size=2)
    if u_T.shape != target.shape:
        raise ValueError(f"target must have the shape of u_T {u_T.shape}, got {target.shape}")
    if target.var() == 0:
        raise ValueError(f"target must vary (R^2 is undefined), got {target.size} equal values "
                         f"({target[0]:g})")
    if u_T.var() == 0:
        return 0.0
    r = np.corrcoef(u_T, target)[0, 1]
    return float(r * r)


def gate_from_flags(flag) -> np.ndarray:
    """The gate a unit needs for flagged recall: ``beta_t = 0`` (overwrite) where flagged, ``1``
    (hold) elsewhere; ``flag`` is a boolean array of shape (T,) or (T, N), returned shape."""
    flag = check_array("flag", flag, ndim=(1, 2), min_size=1)
    if flag.dtype != np.bool_:
        raise TypeError(f"flag must be a boolean array (True where the unit overwrites), "
                        f"got dtype {flag.dtype}")
    return np.where(flag, 0.0, 1.0)


def check_leaky_update(fn, n_cases: int = 100, seed: int = 0) -> bool:
    """Check a reader's ``fn(v, beta) -> u``, the leaky unit (leaky) run from ``u_0 = 0``
    over inputs ``v`` of shape (T,), against :func:`leaky_integrate` on random cases: ``T``
    from 1 to 30, standard-normal inputs, and ``beta`` either one retention in [0, 1) (a float)
    or one per step, shape (T,) (a gate: zeros, ones and values in between). ``fn`` gets copies,
    so it cannot change the cases.

    Prints the first case whose ``u`` differs (beyond 1e-9) with the expected and the returned
    states, or that all ``n_cases`` (an integer >= 1) agree; returns True when they all agree.
    ``seed``: an integer >= 0 for the cases' generator.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(v, beta) returning the states u, got "
                        f"{describe(fn)}")
    n_cases = check_int("n_cases", n_cases, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for k in range(n_cases):
        T = int(rng.integers(1, 31))
        v = rng.standard_normal(T)
        if k % 2 == 0:
            beta = float(rng.choice([0.0, 0.5, 0.9, rng.uniform(0.0, 1.0)]))
        else:                                  # a gate: hold, overwrite, or something between
            beta = rng.choice([0.0, 1.0, 0.5], size=T)
            beta[rng.random(T) < 0.3] = rng.uniform(0.0, 1.0)
        want = leaky_integrate(v, beta)
        returned = fn(v.copy(), beta.copy() if isinstance(beta, np.ndarray) else beta)
        try:
            got = np.asarray(returned, dtype=np.float64)
        except (TypeError, ValueError):
            got = None
        if got is None or got.shape != want.shape or not np.allclose(got, want, rtol=0.0,
                                                                      atol=1e-9):
            with np.printoptions(precision=4, suppress=True, linewidth=100):
                print(f"case {k}: T={T}, v={v}, beta={beta}\n  expected u = {want}\n"
                      f"  got        {got if got is not None else describe(returned)}")
            return False
    print(f"all {n_cases} cases agree with helpers.memory.leaky_integrate")
    return True


# -- the chapter's explorer -------------------------------------------------------------------
RETENTIONS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99)


def leaky_response(beta: float, pattern: str, T: int = 120, seed: int = 7) -> dict:
    """What the explorer draws: the leaky unit with retention ``beta`` (in (0, 1)) driven by
    ``input_pattern(pattern, T)``; the noise pattern is drawn from ``default_rng(seed)``, so a
    frame is the same every time.

    Returns ``{"v": (T,) input, "u": (T,) states, "half_life": steps}``.
    """
    beta = _check_retention("beta", beta)
    pattern = check_choice("pattern", pattern, PATTERNS)
    T = check_int("T", T, low=MIN_PATTERN_T)
    seed = check_int("seed", seed, low=0)
    v = input_pattern(pattern, T, np.random.default_rng(seed))
    return {"v": v, "u": leaky_integrate(v, beta), "half_life": half_life(beta)}


def draw_leaky_response(data: dict, beta: float, pattern: str):
    """Frame for :func:`leaky_response`: input and state against the step, and (for the
    deterministic patterns) a dashed line one half-life after the first input. Returns the
    Figure."""
    from helpers.plotting import PALETTE, label, new_figure

    if not isinstance(data, dict) or not {"v", "u", "half_life"} <= data.keys():
        raise TypeError(f"data must be the dict leaky_response returns (keys v, u, half_life), "
                        f"got {describe(data)}")
    v = check_array("data['v']", data["v"], ndim=1, finite=True, min_size=1)
    u = check_array("data['u']", data["u"], shape=v.shape, finite=True)
    t_half = check_number("data['half_life']", data["half_life"], low=0.0, low_open=True)
    beta = _check_retention("beta", beta)
    pattern = check_choice("pattern", pattern, PATTERNS)
    fig, ax = new_figure(figsize=(6.4, 3.2), layout=None)
    t = np.arange(1, v.size + 1)
    ax.plot(t, v, color=PALETTE["sky"], lw=1, label="input $v_t$")
    ax.plot(t, u, color=PALETTE["blue"], lw=2, label="state $u_t$")
    if pattern != "noise":
        ax.axvline(ONSET + 1 + t_half, color=PALETTE["orange"], ls="--",
                   label=f"half-life after the first input: {t_half:.1f} steps")
    label(ax, "step t", "value", f"leaky unit, β = {beta:g}")
    ax.legend(loc="upper right", fontsize=9)
    return fig


def leaky_explorer(T: int = 120, seed: int = 7):
    """The chapter's explorer: retention ``beta`` (one of :data:`RETENTIONS`) x input pattern over
    :func:`leaky_response` / :func:`draw_leaky_response`; both controls are precomputed for the
    kernel-free page (8 x 4 frames)."""
    from helpers.widgets import Control, Explorer

    T = check_int("T", T, low=MIN_PATTERN_T)
    seed = check_int("seed", seed, low=0)

    def compute(beta, pattern):
        return leaky_response(beta, pattern, T=T, seed=seed)

    return Explorer(compute, draw_leaky_response,
                    [Control("beta", RETENTIONS, 0.9, "retention β", fmt=lambda x: f"{x:g}"),
                     Control("pattern", PATTERNS, "two pulses", "input")],
                    static=("beta", "pattern"))
