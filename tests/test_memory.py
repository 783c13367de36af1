"""Chapter 1 helpers: the leaky unit, its time scales, the plain tanh unit, flagged recall,
the chapter's explorer, and a table of bad inputs for every public function."""
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import memory as m


def test_leaky_by_hand():
    # u1 = 0.5*0 + 0.5*1 = 0.5; u2 = 0.5*0.5 + 0.5*0 = 0.25; u3 = 0.125 + 0.5*2 = 1.125
    np.testing.assert_allclose(m.leaky_integrate([1.0, 0.0, 2.0], 0.5), [0.5, 0.25, 1.125])


@given(beta=st.floats(0.01, 0.99), T=st.integers(1, 60))
@settings(max_examples=50, deadline=None)
def test_pulse_equals_closed_form_impulse_response(beta, T):
    v = np.zeros(T)
    v[0] = 1.0
    np.testing.assert_allclose(m.leaky_integrate(v, beta), m.impulse_response(beta, T), rtol=1e-12,
                               atol=1e-300)


@given(beta=st.floats(0.0, 1.0), c=st.floats(-5, 5))
@settings(max_examples=50, deadline=None)
def test_constant_input_is_a_fixed_point(beta, c):
    # started at the input's value, an average of a constant stays there
    u = m.leaky_integrate(np.full(30, c), beta, u0=c)
    np.testing.assert_allclose(u, c, atol=1e-12)


def test_impulse_response_sums_to_one():
    assert m.impulse_response(0.9, 2000).sum() == pytest.approx(1.0, abs=1e-12)


def test_per_unit_and_per_step_retention():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((40, 3))
    beta_units = np.array([0.2, 0.5, 0.9])
    u = m.leaky_integrate(v, beta_units)
    for n in range(3):
        np.testing.assert_allclose(u[:, n], m.leaky_integrate(v[:, n], beta_units[n]))
    beta_steps = rng.uniform(0, 1, size=40)  # one value per step, shared by the units
    u = m.leaky_integrate(v, beta_steps)
    ref = np.zeros(3)
    for t in range(40):
        ref = beta_steps[t] * ref + (1 - beta_steps[t]) * v[t]
    np.testing.assert_allclose(u[-1], ref)


def test_gate_holds_and_overwrites():
    v = np.array([3.0, -1.0, 7.0, 2.0, 5.0])
    flag = np.array([False, True, False, False, False])
    u = m.leaky_integrate(v, m.gate_from_flags(flag), u0=0.0)
    np.testing.assert_array_equal(u, [0.0, -1.0, -1.0, -1.0, -1.0])


def test_time_scales_known_values():
    assert m.half_life(0.5) == pytest.approx(1.0)
    assert m.half_life(0.9) == pytest.approx(6.5788, abs=1e-4)
    assert m.time_constant(math.exp(-1 / 10)) == pytest.approx(10.0)
    assert m.half_life(0.8) == pytest.approx(m.time_constant(0.8) * math.log(2))
    assert m.steps_to_fraction(0.99, 0.01) == 459  # reader's notes E1: "~460 steps"
    assert m.steps_to_fraction(0.5, 0.25) == 3     # 0.5**2 == 0.25 is not < 0.25


def test_steps_to_fraction_grows_too():
    # the same count for a growing product (chapters 2 and 4: exploding gradients)
    assert m.steps_to_fraction(1.01, 100.0) == 463
    assert m.steps_to_fraction(2.0, 4.0) == 3      # 2**2 == 4 is not > 4
    assert m.steps_to_fraction(0.99, 1e-3) == 688
    assert m.steps_to_fraction(1e300, 1e307) == 2  # 1e600 overflows: it has crossed


@given(factor=st.floats(0.01, 0.999), frac=st.floats(1e-6, 0.99))
@settings(max_examples=100, deadline=None)
def test_steps_to_fraction_is_the_first_crossing(factor, frac):
    k = m.steps_to_fraction(factor, frac)
    assert factor ** k < frac
    assert k == 1 or factor ** (k - 1) >= frac


@given(factor=st.floats(1.001, 50.0), level=st.floats(1.01, 1e200))
@settings(max_examples=100, deadline=None)
def test_steps_to_fraction_is_the_first_crossing_upwards(factor, level):
    k = m.steps_to_fraction(factor, level)
    assert factor ** k > level
    assert k == 1 or factor ** (k - 1) <= level


def test_tanh_unit_forgets_below_one_and_latches_above():
    x = np.zeros(100)
    x[0] = 1.0
    h_small = m.tanh_rnn_trace(x, w=0.5)
    assert abs(h_small[-1]) < 1e-20
    h_big = m.tanh_rnn_trace(x, w=2.0)
    assert h_big[-1] > 0.95  # latched: a memory it cannot easily overwrite
    # by hand: h1 = tanh(0.5 * 1) ; h2 = tanh(2 * h1 + 0.5 * 0)
    h = m.tanh_rnn_trace([1.0, 0.0], w=2.0, w_x=0.5)
    np.testing.assert_allclose(h, [np.tanh(0.5), np.tanh(2 * np.tanh(0.5))])


def test_flagged_recall_fixed_vs_gated():
    rng = np.random.default_rng(1234)
    v, flag, target = m.flagged_recall_task(50, 3000, rng)
    assert flag.sum(axis=0).tolist() == [1] * 3000
    best_fixed = max(m.readout_r2(m.leaky_integrate(v, beta)[-1], target)
                     for beta in (0.5, 0.9, 0.99, 0.999))
    gated = m.readout_r2(m.leaky_integrate(v, m.gate_from_flags(flag))[-1], target)
    assert best_fixed < 0.1
    assert gated == pytest.approx(1.0)


def test_readout_r2_known_values():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    assert m.readout_r2(2 * t + 1, t) == pytest.approx(1.0)
    assert m.readout_r2(np.ones(4), t) == 0.0


def test_input_patterns():
    rng = np.random.default_rng(0)
    assert m.input_pattern("pulse", 50).sum() == 1
    assert m.input_pattern("two pulses", 50).sum() == 2
    assert m.input_pattern("step", 50).sum() == 40
    assert m.input_pattern("noise", 50, rng).shape == (50,)


def test_input_pattern_positions():
    v = m.input_pattern("two pulses", m.MIN_PATTERN_T)
    assert np.flatnonzero(v).tolist() == [m.ONSET, m.MIN_PATTERN_T // 2]  # two distinct pulses
    assert np.flatnonzero(m.input_pattern("step", 30))[0] == m.ONSET


def test_leaky_response_is_the_leaky_unit_on_the_pattern():
    data = m.leaky_response(0.9, "step", T=40)
    np.testing.assert_array_equal(data["v"], m.input_pattern("step", 40))
    np.testing.assert_allclose(data["u"][m.ONSET:], 1 - 0.9 ** np.arange(1, 31))
    assert data["half_life"] == m.half_life(0.9)
    # the noise frame is the same on every call (its own seeded generator)
    np.testing.assert_array_equal(m.leaky_response(0.5, "noise")["v"],
                                  np.random.default_rng(7).standard_normal(120))


def test_explorer_renders_every_static_frame():
    ex = m.leaky_explorer()
    assert ex.static_names == ("beta", "pattern")
    grid = list(ex.grid(ex.static_names))
    assert len(grid) == len(m.RETENTIONS) * len(m.PATTERNS)
    for params in grid:
        fig = ex.render(**params)
        ax = fig.axes[0]
        texts = [t.get_text() for t in ax.texts]
        assert not any("cannot compute" in t for t in texts), params  # no error frame
        assert f"β = {params['beta']:g}" in ax.get_title()
        state = ax.lines[1].get_ydata()
        np.testing.assert_allclose(state, m.leaky_response(**params)["u"])
        assert ex.png(**params).startswith(b"\x89PNG")


# -- the implement-it exercise: the leaky update, checked against leaky_integrate ---------------
def _leaky_loop(v, beta):
    """The exercise's solution: a plain loop over (leaky), from u_0 = 0."""
    beta = np.broadcast_to(beta, np.shape(v))
    u, u_prev = np.empty(len(v)), 0.0
    for t in range(len(v)):
        u_prev = beta[t] * u_prev + (1 - beta[t]) * v[t]
        u[t] = u_prev
    return u


def _leaky_swapped(v, beta):
    """A plausible slip: the weights of the past and of the input swapped."""
    return _leaky_loop(v, 1 - np.asarray(beta))


def _leaky_late(v, beta):
    """Another: reads the previous step's input (v_{t-1}) instead of v_t."""
    return _leaky_loop(np.r_[0.0, np.asarray(v)[:-1]], beta)


def _leaky_scalar_only(v, beta):
    """Another: treats a per-step gate as if it were its first value."""
    return _leaky_loop(v, float(np.ravel(beta)[0]))


def test_check_leaky_update_accepts_correct_implementations(capsys):
    assert m.check_leaky_update(_leaky_loop)
    assert m.check_leaky_update(lambda v, beta: m.leaky_integrate(v, beta), n_cases=20, seed=3)
    assert "all 100 cases agree" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [_leaky_swapped, _leaky_late, _leaky_scalar_only,
                                   lambda v, beta: list(v), lambda v, beta: None,
                                   lambda v, beta: _leaky_loop(v, beta)[:-1]])
def test_check_leaky_update_rejects_wrong_ones_and_prints_the_case(wrong, capsys):
    assert not m.check_leaky_update(wrong)
    out = capsys.readouterr().out
    assert out.startswith("case ") and "expected u" in out and "got" in out


def _nan():
    return float("nan")


RNG = np.random.default_rng(0)
GOOD_DATA = m.leaky_response(0.9, "pulse")

# (function, args, kwargs, exception, the argument the message must name)
BAD = [
    (m.leaky_integrate, ([],), {"beta": 0.5}, ValueError, "v"),
    (m.leaky_integrate, (np.zeros((2, 2, 2)),), {"beta": 0.5}, ValueError, "v"),
    (m.leaky_integrate, ([1.0, np.nan],), {"beta": 0.5}, ValueError, "v"),
    (m.leaky_integrate, ("abc",), {"beta": 0.5}, TypeError, "v"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": 1.5}, ValueError, "beta"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": -0.1}, ValueError, "beta"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": _nan()}, ValueError, "beta"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": np.array([True, False])}, TypeError, "beta"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": "0.5"}, TypeError, "beta"),
    (m.leaky_integrate, (np.zeros((4, 3)),), {"beta": np.ones(2) * 0.5}, ValueError, "beta"),
    (m.leaky_integrate, (np.zeros((4, 3)),), {"beta": 0.5, "u0": np.zeros(2)}, ValueError, "u0"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": 0.5, "u0": np.inf}, ValueError, "u0"),
    (m.leaky_integrate, ([1.0, 2.0],), {"beta": 0.5, "u0": None}, TypeError, "u0"),
    (m.impulse_response, (0.5, 0), {}, ValueError, "T"),
    (m.impulse_response, (0.5, 2.5), {}, TypeError, "T"),
    (m.impulse_response, (0.5, "10"), {}, TypeError, "T"),
    (m.impulse_response, (1.0, 10), {}, ValueError, "beta"),
    (m.impulse_response, (_nan(), 10), {}, ValueError, "beta"),
    (m.impulse_response, (None, 10), {}, TypeError, "beta"),
    (m.half_life, (1.0,), {}, ValueError, "beta"),
    (m.half_life, (0.0,), {}, ValueError, "beta"),
    (m.half_life, ("x",), {}, TypeError, "beta"),
    (m.half_life, (_nan(),), {}, ValueError, "beta"),
    (m.half_life, (-0.5,), {}, ValueError, "beta"),
    (m.half_life, (True,), {}, TypeError, "beta"),
    (m.time_constant, (_nan(),), {}, ValueError, "beta"),
    (m.time_constant, (1.0,), {}, ValueError, "beta"),
    (m.time_constant, (0.0,), {}, ValueError, "beta"),
    (m.time_constant, (2.0,), {}, ValueError, "beta"),
    (m.time_constant, ([0.5],), {}, TypeError, "beta"),
    (m.steps_to_fraction, (0.5, 1.0), {}, ValueError, "fraction"),
    (m.steps_to_fraction, (1.5, 0.5), {}, ValueError, "fraction"),
    (m.steps_to_fraction, (0.5, 0.0), {}, ValueError, "fraction"),
    (m.steps_to_fraction, (0.5, _nan()), {}, ValueError, "fraction"),
    (m.steps_to_fraction, (1.5, np.inf), {}, ValueError, "fraction"),
    (m.steps_to_fraction, (1.0, 0.5), {}, ValueError, "factor"),
    (m.steps_to_fraction, (0.0, 0.5), {}, ValueError, "factor"),
    (m.steps_to_fraction, (-0.5, 0.5), {}, ValueError, "factor"),
    (m.steps_to_fraction, (_nan(), 0.5), {}, ValueError, "factor"),
    (m.steps_to_fraction, ("0.9", 0.5), {}, TypeError, "factor"),
    (m.input_pattern, ("sine", 50), {}, ValueError, "kind"),
    (m.input_pattern, (None, 50), {}, ValueError, "kind"),
    (m.input_pattern, ("pulse", 5), {}, ValueError, "T"),
    (m.input_pattern, ("two pulses", 21), {}, ValueError, "T"),  # both pulses at index 10
    (m.input_pattern, ("pulse", 50.0), {}, TypeError, "T"),
    (m.input_pattern, ("noise", 50), {}, TypeError, "rng"),
    (m.input_pattern, ("noise", 50, 1234), {}, TypeError, "rng"),
    (m.tanh_rnn_trace, (np.zeros(0),), {"w": 1.0}, ValueError, "x"),
    (m.tanh_rnn_trace, ([0.0, np.nan],), {"w": 1.0}, ValueError, "x"),
    (m.tanh_rnn_trace, (np.zeros((2, 2, 2)),), {"w": 1.0}, ValueError, "x"),
    (m.tanh_rnn_trace, (np.zeros(5),), {"w": float("inf")}, ValueError, "w"),
    (m.tanh_rnn_trace, (np.zeros(5),), {"w": "1"}, TypeError, "w"),
    (m.tanh_rnn_trace, (np.zeros(5),), {"w": 1.0, "w_x": _nan()}, ValueError, "w_x"),
    (m.tanh_rnn_trace, (np.zeros(5),), {"w": 1.0, "h0": None}, TypeError, "h0"),
    (m.flagged_recall_task, (2, 10, RNG), {}, ValueError, "T"),
    (m.flagged_recall_task, (10.0, 10, RNG), {}, TypeError, "T"),
    (m.flagged_recall_task, (10, 1, RNG), {}, ValueError, "n_trials"),
    (m.flagged_recall_task, (10, "100", RNG), {}, TypeError, "n_trials"),
    (m.flagged_recall_task, (10, 10, 0), {}, TypeError, "rng"),
    (m.flagged_recall_task, (10, 10, None), {}, TypeError, "rng"),
    (m.readout_r2, (np.ones(3), np.arange(4.0)), {}, ValueError, "target"),
    (m.readout_r2, (np.arange(3.0), np.ones(3)), {}, ValueError, "target"),
    (m.readout_r2, (np.arange(3.0), [0.0, np.nan, 1.0]), {}, ValueError, "target"),
    (m.readout_r2, ([1.0], [2.0]), {}, ValueError, "u_T"),
    (m.readout_r2, (np.ones((3, 2)), np.arange(3.0)), {}, ValueError, "u_T"),
    (m.readout_r2, ([np.inf, 1.0, 2.0], np.arange(3.0)), {}, ValueError, "u_T"),
    (m.readout_r2, ("abc", np.arange(3.0)), {}, TypeError, "u_T"),
    (m.gate_from_flags, (np.array([0, 1]),), {}, TypeError, "flag"),
    (m.gate_from_flags, (np.array([], dtype=bool),), {}, ValueError, "flag"),
    (m.gate_from_flags, (np.zeros((2, 2, 2), dtype=bool),), {}, ValueError, "flag"),
    (m.gate_from_flags, ("TFT",), {}, TypeError, "flag"),
    (m.gate_from_flags, (None,), {}, TypeError, "flag"),
    (m.leaky_response, (1.0, "pulse"), {}, ValueError, "beta"),
    (m.leaky_response, (_nan(), "pulse"), {}, ValueError, "beta"),
    (m.leaky_response, (0.9, "sine"), {}, ValueError, "pattern"),
    (m.leaky_response, (0.9, "pulse"), {"T": 10}, ValueError, "T"),
    (m.leaky_response, (0.9, "noise"), {"seed": -1}, ValueError, "seed"),
    (m.leaky_response, (0.9, "noise"), {"seed": 1.5}, TypeError, "seed"),
    (m.draw_leaky_response, ({"v": [1.0]},), {"beta": 0.9, "pattern": "pulse"}, TypeError, "data"),
    (m.draw_leaky_response, (None,), {"beta": 0.9, "pattern": "pulse"}, TypeError, "data"),
    (m.draw_leaky_response, ({**GOOD_DATA, "u": GOOD_DATA["u"][:5]},),
     {"beta": 0.9, "pattern": "pulse"}, ValueError, "data['u']"),
    (m.draw_leaky_response, ({**GOOD_DATA, "half_life": _nan()},),
     {"beta": 0.9, "pattern": "pulse"}, ValueError, "data['half_life']"),
    (m.draw_leaky_response, (GOOD_DATA,), {"beta": 1.5, "pattern": "pulse"}, ValueError, "beta"),
    (m.draw_leaky_response, (GOOD_DATA,), {"beta": 0.9, "pattern": "sine"}, ValueError, "pattern"),
    (m.leaky_explorer, (), {"T": 5}, ValueError, "T"),
    (m.leaky_explorer, (), {"T": 120.0}, TypeError, "T"),
    (m.leaky_explorer, (), {"T": "120"}, TypeError, "T"),
    (m.leaky_explorer, (), {"seed": -7}, ValueError, "seed"),
    (m.leaky_explorer, (), {"seed": None}, TypeError, "seed"),
    (m.check_leaky_update, (None,), {}, TypeError, "fn"),
    (m.check_leaky_update, ("leaky",), {}, TypeError, "fn"),
    (m.check_leaky_update, (m.leaky_integrate, 0), {}, ValueError, "n_cases"),
    (m.check_leaky_update, (m.leaky_integrate, 2.5), {}, TypeError, "n_cases"),
    (m.check_leaky_update, (m.leaky_integrate, "3"), {}, TypeError, "n_cases"),
    (m.check_leaky_update, (m.leaky_integrate, 3, -1), {}, ValueError, "seed"),
    (m.check_leaky_update, (m.leaky_integrate, 3, 0.5), {}, TypeError, "seed"),
]


@pytest.mark.parametrize("fn,args,kwargs,exc,name", BAD,
                         ids=[f"{b[0].__name__}-{b[4]}-{k}" for k, b in enumerate(BAD)])
def test_bad_input(fn, args, kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{re.escape(name)}(?!\w)") as info:
        fn(*args, **kwargs)
    assert "got" in str(info.value)  # says what was given


def test_every_public_function_has_five_bad_inputs():
    public = [f for n, f in vars(m).items() if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", None) == m.__name__]
    counts = {f.__name__: sum(b[0] is f for b in BAD) for f in public}
    assert all(c >= 5 for c in counts.values()), counts
