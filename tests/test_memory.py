"""Chapter 1 helpers: the leaky unit, its time scales, the plain tanh unit, flagged recall."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import memory as m


def test_leaky_by_hand():
    # u1 = 0.5*0 + 0.5*1 = 0.5; u2 = 0.5*0.5 + 0.5*0 = 0.25; u3 = 0.125 + 0.5*2 = 1.125
    np.testing.assert_allclose(m.leaky_integrate([1.0, 0.0, 2.0], 0.5), [0.5, 0.25, 1.125])


@given(a=st.floats(0.01, 0.99), T=st.integers(1, 60))
@settings(max_examples=50, deadline=None)
def test_pulse_equals_closed_form_impulse_response(a, T):
    v = np.zeros(T)
    v[0] = 1.0
    np.testing.assert_allclose(m.leaky_integrate(v, a), m.impulse_response(a, T), rtol=1e-12,
                               atol=1e-300)


@given(a=st.floats(0.0, 1.0), c=st.floats(-5, 5))
@settings(max_examples=50, deadline=None)
def test_constant_input_is_a_fixed_point(a, c):
    # started at the input's value, an average of a constant stays there
    u = m.leaky_integrate(np.full(30, c), a, u0=c)
    np.testing.assert_allclose(u, c, atol=1e-12)


def test_impulse_response_sums_to_one():
    assert m.impulse_response(0.9, 2000).sum() == pytest.approx(1.0, abs=1e-12)


def test_per_unit_and_per_step_retention():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((40, 3))
    a_units = np.array([0.2, 0.5, 0.9])
    u = m.leaky_integrate(v, a_units)
    for n in range(3):
        np.testing.assert_allclose(u[:, n], m.leaky_integrate(v[:, n], a_units[n]))
    a_steps = rng.uniform(0, 1, size=40)  # one value per step, shared by the units
    u = m.leaky_integrate(v, a_steps)
    ref = np.zeros(3)
    for t in range(40):
        ref = a_steps[t] * ref + (1 - a_steps[t]) * v[t]
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


@given(a=st.floats(0.01, 0.999), frac=st.floats(1e-6, 0.99))
@settings(max_examples=100, deadline=None)
def test_steps_to_fraction_is_the_first_crossing(a, frac):
    k = m.steps_to_fraction(a, frac)
    assert a ** k < frac
    assert k == 0 or a ** (k - 1) >= frac


def test_tanh_unit_forgets_below_one_and_latches_above():
    x = np.zeros(100)
    x[0] = 1.0
    h_small = m.tanh_rnn_trace(x, w=0.5)
    assert abs(h_small[-1]) < 1e-20
    h_big = m.tanh_rnn_trace(x, w=2.0)
    assert h_big[-1] > 0.95  # latched: a memory it cannot easily overwrite


def test_flagged_recall_fixed_vs_gated():
    rng = np.random.default_rng(1234)
    v, flag, target = m.flagged_recall_task(50, 3000, rng)
    assert flag.sum(axis=0).tolist() == [1] * 3000
    best_fixed = max(m.readout_r2(m.leaky_integrate(v, a)[-1], target)
                     for a in (0.5, 0.9, 0.99, 0.999))
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


BAD = [
    (m.leaky_integrate, ([],), {"a": 0.5}, "at least one step"),
    (m.leaky_integrate, (np.zeros((2, 2, 2)),), {"a": 0.5}, "shape"),
    (m.leaky_integrate, ([1.0, np.nan],), {"a": 0.5}, "finite"),
    (m.leaky_integrate, ([1.0, 2.0],), {"a": 1.5}, r"\[0, 1\]"),
    (m.leaky_integrate, ([1.0, 2.0],), {"a": -0.1}, r"\[0, 1\]"),
    (m.leaky_integrate, (np.zeros((4, 3)),), {"a": np.ones(2) * 0.5}, "broadcastable"),
    (m.leaky_integrate, (np.zeros((4, 3)),), {"a": 0.5, "u0": np.zeros(2)}, "u0"),
    (m.half_life, (1.0,), {}, r"\(0, 1\)"),
    (m.half_life, (0.0,), {}, r"\(0, 1\)"),
    (m.half_life, ("x",), {}, "number"),
    (m.time_constant, (float("nan"),), {}, "a must"),
    (m.impulse_response, (0.5, 0), {}, "T must"),
    (m.steps_to_fraction, (0.5, 1.0), {}, "fraction"),
    (m.input_pattern, ("sine", 50), {}, "kind must be one of"),
    (m.input_pattern, ("pulse", 5), {}, "T must"),
    (m.input_pattern, ("noise", 50), {}, "rng"),
    (m.tanh_rnn_trace, (np.zeros(0),), {"w": 1.0}, "T >= 1"),
    (m.tanh_rnn_trace, (np.zeros(5),), {"w": float("inf")}, "w must"),
    (m.flagged_recall_task, (2, 10, np.random.default_rng(0)), {}, "T must"),
    (m.flagged_recall_task, (10, 1, np.random.default_rng(0)), {}, "n_trials"),
    (m.flagged_recall_task, (10, 10, 0), {}, "rng must"),
    (m.readout_r2, (np.ones(3), np.ones(4)), {}, "equal length"),
    (m.readout_r2, (np.arange(3.0), np.ones(3)), {}, "target must vary"),
    (m.gate_from_flags, (np.array([0, 1]),), {}, "boolean"),
]


@pytest.mark.parametrize("fn,args,kwargs,match", BAD,
                         ids=[f"{b[0].__name__}-{k}" for k, b in enumerate(BAD)])
def test_bad_input(fn, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)
