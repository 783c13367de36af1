"""Tests for helpers.gradients: Jacobian norms against torch autograd, bounds, initialisers,
clipping against torch's own, the status reports, and the explorer swept over its controls."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.gradients import (FACTORS, INITS, LENGTHS, RADII, NormStatus, clip_by_norm,
                               clip_by_value, cosine, draw_gradient_decay, draw_power_curve,
                               global_norm, gradient_decay, gradient_decay_explorer,
                               check_rnn_step_backward, init_recurrent, jacobian_bound,
                               largest_singular_value,
                               norm_status, one_unit_rnn, plot_gradient_decay, power_curve,
                               power_explorer,
                               rnn_jacobian_norms, spectral_radius)
from helpers.rnn import ACTIVATIONS, init_params
from badinput import assert_five_per_public_function, run_bad_input

TORCH_F = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
           "linear": lambda a: a}


def _torch_jacobian_norms(params, x, activation, layer=0):
    """||dh_T/dh_t||_2 by torch autograd: rerun the layer from h_t and take the full Jacobian."""
    f = TORCH_F[activation]
    tp = [{k: torch.tensor(v) for k, v in p.items()} for p in params]
    xs = torch.tensor(x)  # (T, D)
    T = xs.shape[0]
    # states of every layer up to `layer`
    inp = xs
    for k in range(layer + 1):
        p = tp[k]
        h, hs = torch.zeros(p["W_hh"].shape[0], dtype=torch.float64), []
        for t in range(T):
            h = f(p["W_ih"] @ inp[t] + p["b_ih"] + p["W_hh"] @ h + p["b_hh"])
            hs.append(h)
        if k < layer:
            inp = torch.stack(hs)
    p = tp[layer]
    states = [torch.zeros_like(hs[0])] + hs  # h_0 .. h_T

    norms = []
    for t in range(T, -1, -1):
        def run(h_t, t=t):
            h = h_t
            for k in range(t, T):
                h = f(p["W_ih"] @ inp[k] + p["b_ih"] + p["W_hh"] @ h + p["b_hh"])
            return h
        J = torch.autograd.functional.jacobian(run, states[t])
        norms.append(torch.linalg.matrix_norm(J, ord=2).item())
    return np.array(norms)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_jacobian_norms_match_torch_autograd(activation):
    rng = np.random.default_rng(0)
    params = init_params(input_size=3, hidden_size=6, rng=rng, num_layers=1)
    params[0]["W_hh"] = init_recurrent(6, "gaussian", 1.2, rng=rng)
    x = rng.normal(size=(12, 3))
    ours = rnn_jacobian_norms(params, x, activation=activation)
    theirs = _torch_jacobian_norms(params, x, activation)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-13)


def test_jacobian_norms_of_an_upper_layer_match_torch_autograd():
    rng = np.random.default_rng(1)
    params = init_params(input_size=2, hidden_size=5, rng=rng, num_layers=2)
    x = rng.normal(size=(8, 2))
    np.testing.assert_allclose(rnn_jacobian_norms(params, x, layer=1),
                               _torch_jacobian_norms(params, x, "tanh", layer=1), rtol=1e-9,
                               atol=1e-13)


def test_gradient_decay_matches_torch_on_the_same_network():
    """The explorer's numbers are those of torch autograd on the network it builds."""
    d = gradient_decay(1.5, "tanh", 20, "orthogonal", hidden_size=8, seed=3)
    rng = np.random.default_rng(3)
    W_hh = init_recurrent(8, "orthogonal", 1.5, rng=rng)
    params = [{"W_ih": rng.normal(0.0, 1.0 / 2.0, (8, 4)), "W_hh": W_hh,
               "b_ih": np.zeros(8), "b_hh": np.zeros(8)}]
    x = rng.normal(size=(20, 4))
    np.testing.assert_allclose(d["norms"], _torch_jacobian_norms(params, x, "tanh"), rtol=1e-9)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("radius", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("init", INITS)
def test_measured_norm_never_exceeds_the_bound(activation, radius, init):
    d = gradient_decay(radius, activation, 60, init, hidden_size=12, seed=1)
    finite = np.isfinite(d["norms"])
    assert np.all(d["norms"][finite] <= d["bound"][finite] * (1 + 1e-9))
    assert d["norms"][0] == pytest.approx(1.0)


def test_sigmoid_vanishes_faster_than_tanh_at_the_same_weights():
    """Q1: max sigmoid' = 1/4, so at radius 1 the sigmoid network's gradient dies sooner."""
    tanh = gradient_decay(1.0, "tanh", 100, "orthogonal")["status"].vanish_step
    sig = gradient_decay(1.0, "sigmoid", 100, "orthogonal")["status"].vanish_step
    assert sig < tanh


def test_linear_orthogonal_network_preserves_the_norm_exactly():
    d = gradient_decay(1.0, "linear", 200, "orthogonal")
    np.testing.assert_allclose(d["norms"], 1.0, rtol=1e-9)


def test_jacobian_bound_known_values_and_overflow():
    W = 2.0 * np.eye(3)
    np.testing.assert_allclose(jacobian_bound(W, "sigmoid", 3), [1, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(jacobian_bound(W, "tanh", 3), [1, 2, 4, 8])
    b = jacobian_bound(10.0 * np.eye(2), "linear", 400)
    assert np.isinf(b[-1]) and np.isfinite(b[300])


def test_overflow_and_nan_are_reported_not_raised():
    d = gradient_decay(5.0, "linear", 500, "gaussian")
    assert d["state_overflow_step"] is not None
    assert d["status"].nan_step is not None or d["status"].overflow_step is not None
    s = norm_status(np.array([1.0, 10.0, 1e5, np.inf, np.nan]))
    assert (s.explode_step, s.overflow_step, s.nan_step, s.vanish_step) == (2, 3, 4, None)
    assert "overflowed at step 3" in s.describe() and "NaN at step 4" in s.describe()
    s = norm_status(np.array([1.0, 0.1, 1e-4]))
    assert s.vanish_step == 2 and s.describe() == "below 1e-03 after 2 steps"
    assert "stays within" in norm_status(np.ones(4)).describe()


@pytest.mark.parametrize("kind", INITS)
@pytest.mark.parametrize("radius", [0.5, 1.0, 3.0])
def test_init_recurrent_has_the_requested_spectral_radius(kind, radius):
    W = init_recurrent(16, kind, radius, rng=np.random.default_rng(0))
    assert spectral_radius(W) == pytest.approx(radius, rel=1e-9)
    if kind != "gaussian":
        np.testing.assert_allclose(W.T @ W, radius ** 2 * np.eye(16), atol=1e-12)
        assert largest_singular_value(W) == pytest.approx(radius)


def test_clip_by_norm_matches_torch_and_keeps_direction():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    clipped, norm = clip_by_norm(grads, 0.5)
    ts = [torch.tensor(g, requires_grad=True) for g in grads]
    for t, g in zip(ts, grads):
        t.grad = torch.tensor(g)
    tnorm = torch.nn.utils.clip_grad_norm_(ts, 0.5)
    assert norm == pytest.approx(tnorm.item())
    for c, t in zip(clipped, ts):
        np.testing.assert_allclose(c, t.grad.numpy(), rtol=1e-5)  # torch adds eps 1e-6
    assert global_norm(clipped) == pytest.approx(0.5)
    assert cosine(clipped, grads) == pytest.approx(1.0)
    same, _ = clip_by_norm(grads, 100.0)
    for s, g in zip(same, grads):
        np.testing.assert_array_equal(s, g)


def test_clip_by_value_matches_torch_and_can_turn_the_direction():
    grads = [np.array([10.0, 0.1]), np.array([[-3.0]])]
    clipped, norm = clip_by_value(grads, 0.5)
    ts = [torch.tensor(g) for g in grads]
    for t in ts:
        t.requires_grad_(True)
        t.grad = t.detach().clone()
    torch.nn.utils.clip_grad_value_(ts, 0.5)
    for c, t in zip(clipped, ts):
        np.testing.assert_array_equal(c, t.grad.numpy())
    assert norm == pytest.approx(math.sqrt(100 + 0.01 + 9))
    assert cosine(clipped, grads) < 0.9  # the direction changed (by about 29 degrees here)


def test_global_norm_survives_huge_and_bad_values():
    assert global_norm([np.array([3e200]), np.array([4e200])]) == pytest.approx(5e200)
    assert global_norm([np.array([np.inf, 1.0])]) == np.inf
    assert np.isnan(global_norm([np.array([np.nan, 1.0])]))
    assert global_norm([np.zeros(3)]) == 0.0
    clipped, norm = clip_by_norm([np.array([np.inf])], 1.0)
    assert norm == np.inf and np.isinf(clipped[0][0])


def test_e1_the_notes_numbers():
    assert 0.99 ** 100 == pytest.approx(0.366, abs=5e-4)
    assert 1.01 ** 100 == pytest.approx(2.705, abs=5e-4)
    assert power_curve(0.99)["below"] == 459
    assert power_curve(0.99, low=1e-3)["below"] == 688
    assert power_curve(1.01)["above"] == 463
    assert power_curve(1.01, high=1e3)["above"] == 695
    assert power_curve(1.0)["below"] is None and power_curve(1.0)["above"] is None


@settings(max_examples=200, deadline=None)
@given(r=st.floats(0.01, 0.9999), low=st.floats(1e-12, 0.999), high=st.floats(1.001, 1e12))
def test_power_curve_crossings_are_the_first(r, low, high):
    k = power_curve(r, low=low)["below"]
    assert r ** k < low and (k == 0 or r ** (k - 1) >= low)
    g = 1 / r
    k = power_curve(g, high=high)["above"]
    assert g ** k > high * (1 - 1e-12) and (k == 0 or g ** (k - 1) <= high * (1 + 1e-12))


def test_power_explorer_renders_every_frame():
    import matplotlib.pyplot as plt

    ex = power_explorer()
    frames = list(ex.grid())
    assert len(frames) == len(FACTORS)
    for values in frames:
        fig = ex.render(**values)
        assert fig.axes[0].get_title().startswith("r**100")
        plt.close(fig)


def test_one_unit_rnn_gradient_matches_torch_and_has_a_cliff():
    w, b = torch.tensor(5.0, dtype=torch.float64, requires_grad=True), \
        torch.tensor(-2.3, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(0.5, dtype=torch.float64)
    for _ in range(50):
        x = w * torch.sigmoid(x) + b
    ((x - 0.7) ** 2).backward()
    loss, dw, db = one_unit_rnn(5.0, -2.3)
    assert float(loss) == pytest.approx(((x - 0.7) ** 2).item(), rel=1e-12)
    assert float(dw) == pytest.approx(w.grad.item(), rel=1e-9)
    assert float(db) == pytest.approx(b.grad.item(), rel=1e-9)
    bs = np.linspace(-3.0, -2.0, 2001)
    L, _, g = one_unit_rnn(5.0, bs)
    assert L.shape == bs.shape
    assert np.max(np.abs(np.diff(L))) > 5.0  # a jump between neighbouring b: the wall
    assert np.max(np.abs(g)) > 100 * np.median(np.abs(g))


@pytest.mark.slow
def test_explorer_compute_sweeps_every_control_position():
    """All 648 control positions (about 15 s on an idle core)."""
    ex = gradient_decay_explorer()
    n = 0
    for params in ex.grid():
        d = ex.compute(**params)
        assert d["norms"].shape == (params["T"] + 1,)
        assert isinstance(d["status"].describe(), str)
        n += 1
    assert n == len(RADII) * len(ACTIVATIONS) * len(LENGTHS) * len(INITS)


def test_explorer_renders_every_static_frame_and_the_overflow_frames():
    import matplotlib.pyplot as plt

    ex = gradient_decay_explorer()
    for params in ex.grid(["radius", "activation"]):
        fig = ex.render(**params)
        assert fig.axes
        plt.close(fig)
    fig = ex.render(radius=5.0, activation="linear", T=500)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "overflowed" in texts
    fig = ex.render(radius=5.0, activation="relu", T=500, init="identity")
    assert len(ex.png(radius=0.25, activation="sigmoid", T=10, init="identity")) > 1000


def test_explorer_page_draws_every_control_in_the_browser():
    """The kernel-free page holds plot data for every combination of all four controls, and
    changing any one control changes what is drawn."""
    ex = gradient_decay_explorer()
    frames = ex.plot_frames()
    assert len(frames) == 9 * 4 * 6 * 3
    default = frames["1|tanh|100|gaussian"]
    for key in ("2|tanh|100|gaussian", "1|relu|100|gaussian", "1|tanh|500|gaussian",
                "1|tanh|100|orthogonal"):
        assert frames[key]["lines"] != default["lines"] or frames[key]["title"] != default["title"]
    # the measured curve is the explorer's own numbers, as log10, thinned
    data = gradient_decay(1.0, "tanh", 100, "gaussian")
    line = default["lines"][1]
    xs = [min(i * line["s"], line["n"]) for i in range(len(line["y"]))]
    assert line["n"] == 100 and len(line["y"]) <= 48 and default["yscale"] == 10
    np.testing.assert_allclose(np.array(line["y"]) / 10, np.round(np.log10(data["norms"][xs]), 1),
                               atol=1e-9)
    over = frames["5|linear|500|orthogonal"]
    assert "overflow" in over["note"] and over["noteColour"] != default["noteColour"]
    assert ex.static().children[-1].value.count('"title"') == len(frames)


# --------------------------------------------------------------------------------------------
# bad input: every public function and class, at least five cases each; the message names the
# argument
RNG = np.random.default_rng
P = lambda: init_params(input_size=2, hidden_size=3, rng=RNG(0))  # noqa: E731
DATA = gradient_decay(1.0, "tanh", 10)
POWER = power_curve(0.9)

def _step_ok(dh, h_prev, x, a, W_ih, W_hh):
    """A correct backward of one tanh step (the chapter's solution)."""
    da = dh * (1.0 - np.tanh(a) ** 2)  # (B, H)
    return da.T @ x, da.T @ h_prev, da.sum(axis=0), da @ W_hh


BAD = [
    ("global_norm", lambda: global_norm([]), ValueError, "grads"),
    ("global_norm", lambda: global_norm(None), TypeError, "grads"),
    ("global_norm", lambda: global_norm(np.ones(3)), TypeError, "grads"),
    ("global_norm", lambda: global_norm(["a"]), TypeError, r"grads\[0\]"),
    ("global_norm", lambda: global_norm([np.ones(2), None]), TypeError, r"grads\[1\]"),
    ("clip_by_norm", lambda: clip_by_norm([np.ones(2)], -1.0), ValueError, "threshold"),
    ("clip_by_norm", lambda: clip_by_norm([np.ones(2)], 0.0), ValueError, "threshold"),
    ("clip_by_norm", lambda: clip_by_norm([np.ones(2)], float("nan")), ValueError, "threshold"),
    ("clip_by_norm", lambda: clip_by_norm([np.ones(2)], "1"), TypeError, "threshold"),
    ("clip_by_norm", lambda: clip_by_norm([], 1.0), ValueError, "grads"),
    ("clip_by_norm", lambda: clip_by_norm("g", 1.0), TypeError, "grads"),
    ("clip_by_value", lambda: clip_by_value([np.ones(2)], -0.5), ValueError, "threshold"),
    ("clip_by_value", lambda: clip_by_value([np.ones(2)], float("nan")), ValueError, "threshold"),
    ("clip_by_value", lambda: clip_by_value([np.ones(2)], float("inf")), ValueError, "threshold"),
    ("clip_by_value", lambda: clip_by_value([np.ones(2)], None), TypeError, "threshold"),
    ("clip_by_value", lambda: clip_by_value([], 1.0), ValueError, "grads"),
    ("cosine", lambda: cosine([np.ones(2)], [np.ones(3)]), ValueError, "u and v"),
    ("cosine", lambda: cosine([np.zeros(2)], [np.ones(2)]), ValueError, "u and v must be non-zero"),
    ("cosine", lambda: cosine([np.array([np.nan, 1.0])], [np.ones(2)]), ValueError, "u must hold finite"),
    ("cosine", lambda: cosine([], [np.ones(2)]), ValueError, "u"),
    ("cosine", lambda: cosine([np.ones(2)], "v"), TypeError, "v"),
    ("NormStatus", lambda: NormStatus(None, None, None, None, 0.0, 1.0, 5), ValueError, "floor"),
    ("NormStatus", lambda: NormStatus(None, None, None, None, 1e-3, 1e-4, 5), ValueError, "ceiling"),
    ("NormStatus", lambda: NormStatus(None, None, None, None, 1e-3, 1e3, 0), ValueError, "length"),
    ("NormStatus", lambda: NormStatus(7, None, None, None, 1e-3, 1e3, 5), ValueError, "vanish_step"),
    ("NormStatus", lambda: NormStatus(None, 1.5, None, None, 1e-3, 1e3, 5), TypeError, "explode_step"),
    ("NormStatus", lambda: NormStatus(None, None, None, -1, 1e-3, 1e3, 5), ValueError, "nan_step"),
    ("norm_status", lambda: norm_status(np.array([])), ValueError, "norms"),
    ("norm_status", lambda: norm_status(np.ones((2, 2))), ValueError, "norms"),
    ("norm_status", lambda: norm_status("norms"), TypeError, "norms"),
    ("norm_status", lambda: norm_status(np.ones(3), floor=1.0, ceiling=0.5), ValueError, "ceiling"),
    ("norm_status", lambda: norm_status(np.ones(3), floor=float("nan")), ValueError, "floor"),
    ("norm_status", lambda: norm_status(np.ones(3), ceiling=float("nan")), ValueError, "ceiling"),
    ("spectral_radius", lambda: spectral_radius(np.ones(3)), ValueError, "W"),
    ("spectral_radius", lambda: spectral_radius(np.ones((2, 3))), ValueError, "W"),
    ("spectral_radius", lambda: spectral_radius(np.zeros((0, 0))), ValueError, "W"),
    ("spectral_radius", lambda: spectral_radius(np.full((2, 2), np.nan)), ValueError, "W"),
    ("spectral_radius", lambda: spectral_radius("W"), TypeError, "W"),
    ("largest_singular_value", lambda: largest_singular_value(np.ones(3)), ValueError, "W"),
    ("largest_singular_value", lambda: largest_singular_value(np.ones((3, 2))), ValueError, "W"),
    ("largest_singular_value", lambda: largest_singular_value(np.full((2, 2), np.inf)), ValueError, "W"),
    ("largest_singular_value", lambda: largest_singular_value(None), TypeError, "W"),
    ("largest_singular_value", lambda: largest_singular_value(np.ones((2, 2, 2))), ValueError, "W"),
    ("init_recurrent", lambda: init_recurrent(0, "gaussian", 1.0, rng=RNG(0)), ValueError, "hidden_size"),
    ("init_recurrent", lambda: init_recurrent(2.7, "gaussian", 1.0, rng=RNG(0)), TypeError, "hidden_size"),
    ("init_recurrent", lambda: init_recurrent(4, "xavier", 1.0, rng=RNG(0)), ValueError, "kind"),
    ("init_recurrent", lambda: init_recurrent(4, "gaussian", -1.0, rng=RNG(0)), ValueError, "radius"),
    ("init_recurrent", lambda: init_recurrent(4, "gaussian", float("nan"), rng=RNG(0)), ValueError, "radius"),
    ("init_recurrent", lambda: init_recurrent(4, "gaussian", 1.0), TypeError, "rng"),
    ("jacobian_bound", lambda: jacobian_bound(np.ones((2, 3)), "tanh", 5), ValueError, "W_hh"),
    ("jacobian_bound", lambda: jacobian_bound(np.eye(2), "swish", 5), ValueError, "activation"),
    ("jacobian_bound", lambda: jacobian_bound(np.eye(2), "tanh", 0), ValueError, "T"),
    ("jacobian_bound", lambda: jacobian_bound(np.eye(2), "tanh", 5.0), TypeError, "T"),
    ("jacobian_bound", lambda: jacobian_bound(np.eye(2) * np.nan, "tanh", 5), ValueError, "W_hh"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms(P(), np.zeros((0, 2))), ValueError, "T >= 1"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms(P(), np.zeros((4, 2, 2))), ValueError, "one sequence"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms(P(), np.zeros((4, 2)), h0=np.zeros(4)), ValueError, "h0"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms(P(), np.zeros((4, 2)), layer=1), ValueError, "layer"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms(P(), np.zeros((4, 2)), activation="elu"), ValueError, "activation"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms(P(), np.zeros((4, 2)), ord="max"), ValueError, "ord"),
    ("rnn_jacobian_norms", lambda: rnn_jacobian_norms([{"W_ih": np.zeros((3, 2)), "W_hh": np.zeros((3, 2)), "b_ih": np.zeros(3), "b_hh": np.zeros(3)}], np.zeros((4, 2))), ValueError, r"params\[0\]\['W_hh'\]"),
    ("gradient_decay", lambda: gradient_decay(1.0, "tanh", 0), ValueError, "T"),
    ("gradient_decay", lambda: gradient_decay(1.0, "softsign", 10), ValueError, "activation"),
    ("gradient_decay", lambda: gradient_decay(1.0, "tanh", 10, "he"), ValueError, "init"),
    ("gradient_decay", lambda: gradient_decay(float("nan"), "tanh", 10), ValueError, "radius"),
    ("gradient_decay", lambda: gradient_decay(1.0, "tanh", 10, hidden_size=0), ValueError, "hidden_size"),
    ("gradient_decay", lambda: gradient_decay(1.0, "tanh", 10, input_scale=float("inf")), ValueError, "input_scale"),
    ("gradient_decay", lambda: gradient_decay(1.0, "tanh", 10, floor=0.0), ValueError, "floor"),
    ("gradient_decay", lambda: gradient_decay(1.0, "tanh", 10, seed=1.5), TypeError, "seed"),
    ("draw_gradient_decay", lambda: draw_gradient_decay(None), TypeError, "data"),
    ("draw_gradient_decay", lambda: draw_gradient_decay({}), TypeError, "data"),
    ("draw_gradient_decay", lambda: draw_gradient_decay({"norms": 1}), TypeError, "data"),
    ("draw_gradient_decay", lambda: draw_gradient_decay(POWER), TypeError, "data"),
    ("draw_gradient_decay", lambda: draw_gradient_decay([DATA]), TypeError, "data"),
    ("plot_gradient_decay", lambda: plot_gradient_decay(None), TypeError, "data"),
    ("plot_gradient_decay", lambda: plot_gradient_decay({}), TypeError, "data"),
    ("plot_gradient_decay", lambda: plot_gradient_decay({"norms": 1}), TypeError, "data"),
    ("plot_gradient_decay", lambda: plot_gradient_decay(POWER), TypeError, "data"),
    ("plot_gradient_decay", lambda: plot_gradient_decay([DATA]), TypeError, "data"),
    ("one_unit_rnn", lambda: one_unit_rnn(5.0, 1.0, T=0), ValueError, "T"),
    ("one_unit_rnn", lambda: one_unit_rnn(float("nan"), 1.0), ValueError, "w"),
    ("one_unit_rnn", lambda: one_unit_rnn(5.0, "b"), TypeError, "b"),
    ("one_unit_rnn", lambda: one_unit_rnn(np.ones(3), np.ones(2)), ValueError, "w and b must broadcast"),
    ("one_unit_rnn", lambda: one_unit_rnn(5.0, 1.0, x0=float("inf")), ValueError, "x0"),
    ("one_unit_rnn", lambda: one_unit_rnn(5.0, 1.0, target=None), TypeError, "target"),
    ("gradient_decay_explorer", lambda: gradient_decay_explorer(hidden_size=0), ValueError, "hidden_size"),
    ("gradient_decay_explorer", lambda: gradient_decay_explorer(hidden_size=2.5), TypeError, "hidden_size"),
    ("gradient_decay_explorer", lambda: gradient_decay_explorer(hidden_size="32"), TypeError, "hidden_size"),
    ("gradient_decay_explorer", lambda: gradient_decay_explorer(seed=-1), ValueError, "seed"),
    ("gradient_decay_explorer", lambda: gradient_decay_explorer(seed=None), TypeError, "seed"),
    ("power_curve", lambda: power_curve(0.0), ValueError, "r"),
    ("power_curve", lambda: power_curve(float("nan")), ValueError, "r"),
    ("power_curve", lambda: power_curve("0.9"), TypeError, "r"),
    ("power_curve", lambda: power_curve(0.9, K=0), ValueError, "K"),
    ("power_curve", lambda: power_curve(0.9, low=1.5), ValueError, "low"),
    ("power_curve", lambda: power_curve(1.1, high=0.5), ValueError, "high"),
    ("draw_power_curve", lambda: draw_power_curve(None), TypeError, "data"),
    ("draw_power_curve", lambda: draw_power_curve({}), TypeError, "data"),
    ("draw_power_curve", lambda: draw_power_curve(DATA), TypeError, "data"),
    ("draw_power_curve", lambda: draw_power_curve({"r": 0.9}), TypeError, "data"),
    ("draw_power_curve", lambda: draw_power_curve("frame"), TypeError, "data"),
    ("power_explorer", lambda: power_explorer(K=0), ValueError, "K"),
    ("power_explorer", lambda: power_explorer(K=50), ValueError, "K"),
    ("power_explorer", lambda: power_explorer(K=1000.0), TypeError, "K"),
    ("power_explorer", lambda: power_explorer(K="1000"), TypeError, "K"),
    ("power_explorer", lambda: power_explorer(K=None), TypeError, "K"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward(None), TypeError, "fn"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward("step"), TypeError, "fn"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward(_step_ok, n_cases=0), ValueError,
     "n_cases"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward(_step_ok, n_cases=2.5), TypeError,
     "n_cases"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward(_step_ok, n_cases="3"), TypeError,
     "n_cases"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward(_step_ok, seed=-1), ValueError,
     "seed"),
    ("check_rnn_step_backward", lambda: check_rnn_step_backward(_step_ok, seed=None), TypeError,
     "seed"),
]


@pytest.mark.parametrize("name, call, exc, match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(name, call, exc, match):
    run_bad_input(call, exc, match)


def test_every_public_function_has_five_bad_inputs():
    import helpers.gradients as module

    assert_five_per_public_function(module, BAD)


# --------------------------------------------------------------------------------------------
# the implement-it check: a correct step passes, plausible mistakes fail and are printed
def _torch_step(dh, h_prev, x, a, W_ih, W_hh):
    """The same step differentiated by torch autograd (an independent reference)."""
    t = {k: torch.tensor(v, requires_grad=True) for k, v in
         (("h_prev", h_prev), ("x", x), ("W_ih", W_ih), ("W_hh", W_hh))}
    b_total = torch.tensor(a - x @ W_ih.T - h_prev @ W_hh.T, requires_grad=True)  # (B, H)
    h = torch.tanh(t["x"] @ t["W_ih"].T + t["h_prev"] @ t["W_hh"].T + b_total)
    (h * torch.tensor(dh)).sum().backward()
    return (t["W_ih"].grad.numpy(), t["W_hh"].grad.numpy(), b_total.grad.numpy().sum(axis=0),
            t["h_prev"].grad.numpy())


def test_check_rnn_step_backward_accepts_correct_steps(capsys):
    assert check_rnn_step_backward(_step_ok, n_cases=30, seed=3)
    assert check_rnn_step_backward(_torch_step, n_cases=10)
    assert "all 10 cases agree" in capsys.readouterr().out


def _da(dh, a):
    return dh * (1.0 - np.tanh(a) ** 2)


WRONG_STEPS = {  # each a mistake a reader could make
    "no f'": lambda dh, h_prev, x, a, W_ih, W_hh: (dh.T @ x, dh.T @ h_prev, dh.sum(axis=0),
                                                   dh @ W_hh),
    "W_hh not transposed": lambda dh, h_prev, x, a, W_ih, W_hh: (
        _da(dh, a).T @ x, _da(dh, a).T @ h_prev, _da(dh, a).sum(axis=0), _da(dh, a) @ W_hh.T),
    "dW_hh transposed": lambda dh, h_prev, x, a, W_ih, W_hh: (
        _da(dh, a).T @ x, h_prev.T @ _da(dh, a), _da(dh, a).sum(axis=0), _da(dh, a) @ W_hh),
    "f' evaluated at h = tanh(a) instead of a": lambda dh, h_prev, x, a, W_ih, W_hh: _step_ok(
        dh, h_prev, x, np.tanh(a), W_ih, W_hh),
    "bias of the first row only": lambda dh, h_prev, x, a, W_ih, W_hh: (
        _da(dh, a).T @ x, _da(dh, a).T @ h_prev, _da(dh, a)[0], _da(dh, a) @ W_hh),
    "three outputs": lambda dh, h_prev, x, a, W_ih, W_hh: _step_ok(dh, h_prev, x, a, W_ih,
                                                                    W_hh)[:3],
}


@pytest.mark.parametrize("name", list(WRONG_STEPS))
def test_check_rnn_step_backward_rejects_plausible_mistakes(name, capsys):
    assert not check_rnn_step_backward(WRONG_STEPS[name], n_cases=30)
    out = capsys.readouterr().out
    assert out.startswith("case ") and ("expected" in out)
