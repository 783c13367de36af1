"""The numpy LSTM against torch.nn.LSTM (float64), finite differences, a hand-worked step,
and the errors bad input must raise."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from helpers.lstm import (FORGET_BIASES, INPUT_BIASES, LSTMParams, backward,
                          cell_jacobian_norms, controlled_self_loop, draw_self_loop, forward,
                          from_torch, init_params, peephole_forward, self_loop_explorer, step,
                          to_torch)

from gradcheck import numerical_gradient
from badinput import assert_five_per_public_function, run_bad_input

def torch_reference(params, x, h0, c0, dhs, dh_T, dc_T):
    """Outputs and gradients from torch.nn.LSTM (float64) with the same weights and loss."""
    m = to_torch(params)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    c0t = torch.tensor(c0[None], requires_grad=True)
    out, (hT, cT) = m(xt, (h0t, c0t))
    loss = ((out * torch.tensor(dhs)).sum() + (hT[0] * torch.tensor(dh_T)).sum()
            + (cT[0] * torch.tensor(dc_T)).sum())
    loss.backward()
    grads = {"W_ih": m.weight_ih_l0.grad, "W_hh": m.weight_hh_l0.grad, "b_ih": m.bias_ih_l0.grad,
             "b_hh": m.bias_hh_l0.grad, "x": xt.grad, "h0": h0t.grad, "c0": c0t.grad}
    return (out.detach().numpy(), hT[0].detach().numpy(), cT[0].detach().numpy(),
            {k: v.numpy() for k, v in grads.items()})


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 7), B=st.integers(1, 4), D=st.integers(1, 5), H=st.integers(1, 6),
       seed=st.integers(0, 2**31 - 1))
def test_matches_torch_outputs_and_every_gradient(T, B, D, H, seed):
    rng = np.random.default_rng(seed)
    params = init_params(input_size=D, hidden_size=H, rng=rng)
    params = LSTMParams(params.W_ih * 3, params.W_hh * 3, params.b_ih, params.b_hh)  # saturate
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H)) * 2
    dhs, dh_T, dc_T = (rng.standard_normal((T, B, H)), rng.standard_normal((B, H)),
                       rng.standard_normal((B, H)))
    hs, (hT, cT), cache = forward(params, x, (h0[None], c0[None]))
    grads, dx, (dh0, dc0) = backward(cache, dhs, (dh_T[None], dc_T[None]))
    grads = {**grads, "x": dx, "h0": dh0, "c0": dc0}
    ref_hs, ref_hT, ref_cT, ref = torch_reference(params, x, h0, c0, dhs, dh_T, dc_T)
    np.testing.assert_allclose(hs, ref_hs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(hT[0], ref_hT, rtol=0, atol=1e-10)
    np.testing.assert_allclose(cT[0], ref_cT, rtol=0, atol=1e-10)
    assert set(grads) == set(ref)
    for name in ref:
        assert grads[name].shape == ref[name].shape, name
        np.testing.assert_allclose(grads[name], ref[name], rtol=0, atol=1e-10, err_msg=name)


def test_finite_differences():
    rng = np.random.default_rng(7)
    T, B, D, H = 5, 2, 3, 4
    params = init_params(input_size=D, hidden_size=H, rng=rng, forget_bias=1.0)
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((1, B, H)), rng.standard_normal((1, B, H))
    R = rng.standard_normal((T, B, H))
    Rc = rng.standard_normal((1, B, H))

    def loss(p, x, h0, c0):
        hs, (_, cT), _ = forward(p, x, (h0, c0))
        return float((hs * R).sum() + (cT * Rc).sum())

    _, _, cache = forward(params, x, (h0, c0))
    grads, dx, (dh0, dc0) = backward(cache, R, (None, Rc))
    grads = {**grads, "x": dx, "h0": dh0, "c0": dc0}
    names = ("W_ih", "W_hh", "b_ih", "b_hh")
    for name in names:
        def mk(a):
            return LSTMParams(**{n: (a if n == name else getattr(params, n)) for n in names})
        num = numerical_gradient(lambda a: loss(mk(a), x, h0, c0), getattr(params, name))
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)
    for name, arr in (("x", x), ("h0", h0), ("c0", c0)):
        args = {"x": x, "h0": h0, "c0": c0}
        num = numerical_gradient(lambda a: loss(params, **{**args, name: a}), arr)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)


def test_hand_worked_step():
    """The chapter's one step, recomputed with scalars from the math module (H = 1, D = 1)."""
    W_ih = np.array([[0.5], [-0.3], [0.8], [1.2]])
    W_hh = np.array([[0.1], [0.4], [-0.6], [0.2]])
    b = np.array([0.0, 1.0, 0.0, 0.0])
    p = LSTMParams(W_ih, W_hh, b, np.zeros(4))
    x, h, c = 1.0, 0.5, 2.0
    def s(a):
        return 1 / (1 + math.exp(-a))
    i = s(0.5 * x + 0.1 * h)
    f = s(-0.3 * x + 0.4 * h + 1.0)
    g = math.tanh(0.8 * x - 0.6 * h)
    o = s(1.2 * x + 0.2 * h)
    c_new = f * c + i * g
    out = step(p, np.array([[x]]), (np.array([[h]]), np.array([[c]])))
    for name, val in (("i", i), ("f", f), ("g", g), ("o", o), ("c", c_new),
                      ("h", o * math.tanh(c_new))):
        assert out[name][0, 0] == pytest.approx(val, abs=1e-14), name
    # the pre-activation a_t (eq-ch03-a), blocks in torch's order i, f, g, o
    np.testing.assert_allclose(out["a"][0], [0.5 * x + 0.1 * h, -0.3 * x + 0.4 * h + 1.0,
                                             0.8 * x - 0.6 * h, 1.2 * x + 0.2 * h], atol=1e-14)
    assert "z" not in out  # z is the GRU's update gate (book/notation.md)


def test_step_equals_forward_and_torch_roundtrip():
    rng = np.random.default_rng(3)
    p = init_params(input_size=3, hidden_size=5, rng=rng)
    x = rng.standard_normal((1, 2, 3))
    hs, (hT, cT), _ = forward(p, x)
    out = step(p, x[0], (np.zeros((2, 5)), np.zeros((2, 5))))
    np.testing.assert_allclose(out["h"], hT[0], atol=1e-15)
    np.testing.assert_allclose(out["c"], cT[0], atol=1e-15)
    one = step(p, x[0, 1])  # unbatched, zero state
    np.testing.assert_allclose(one["h"], hT[0, 1], atol=1e-15)
    q = from_torch(to_torch(p))
    for n in ("W_ih", "W_hh", "b_ih", "b_hh"):
        np.testing.assert_array_equal(getattr(p, n), getattr(q, n))
    m = torch.nn.LSTM(3, 5)  # float32 module: values copied and cast
    to_torch(p, m)
    np.testing.assert_allclose(m.weight_hh_l0.detach().numpy(), p.W_hh, atol=1e-7)


def test_float32_close_to_float64():
    rng = np.random.default_rng(4)
    p = init_params(input_size=6, hidden_size=8, rng=rng)
    x = rng.standard_normal((20, 3, 6))
    hs, _, cache = forward(p, x)
    hs32, _, cache32 = forward(p.astype(np.float32), x.astype(np.float32))
    assert hs32.dtype == np.float32
    np.testing.assert_allclose(hs32, hs, atol=1e-5)
    g, _, _ = backward(cache, np.ones_like(hs))
    g32, _, _ = backward(cache32, np.ones_like(hs32))
    assert g32["W_hh"].dtype == np.float32
    np.testing.assert_allclose(g32["W_hh"], g["W_hh"], atol=1e-4)


def test_peephole_reduces_to_standard_and_sees_the_cell():
    rng = np.random.default_rng(5)
    p = init_params(input_size=2, hidden_size=3, rng=rng)
    x = rng.standard_normal((6, 2, 2))
    h0, c0 = np.zeros((1, 2, 3)), rng.standard_normal((1, 2, 3))
    hs, (hT, cT), _ = forward(p, x, (h0, c0))
    zero = np.zeros(3)
    hp, (hpT, cpT), _ = peephole_forward(p, x, (h0, c0), p_i=zero, p_f=zero, p_o=zero)
    np.testing.assert_allclose(hp, hs, atol=1e-15)
    np.testing.assert_allclose(cpT, cT, atol=1e-15)
    # with a forget peephole the first forget gate depends on c0
    _, _, cache_a = peephole_forward(p, x, (h0, c0), p_i=zero, p_f=np.ones(3), p_o=zero)
    _, _, cache_b = peephole_forward(p, x, (h0, c0 + 1), p_i=zero, p_f=np.ones(3), p_o=zero)
    f_a, f_b = cache_a["gates"][0, :, 3:6], cache_b["gates"][0, :, 3:6]
    assert np.all(f_b > f_a)  # c0 + 1 and p_f = 1: larger forget-gate input


def test_cell_jacobian_constant_error_carousel():
    """With the forget gate saturated at 1 and no recurrent weights, dc_T/dc_t = I: norm 1."""
    H, D, T = 3, 2, 30
    W_ih = np.zeros((4 * H, D))
    b = np.zeros(4 * H)
    b[H:2 * H] = 50.0  # f = 1 to machine precision
    b[:H] = -50.0  # i = 0
    p = LSTMParams(W_ih, np.zeros((4 * H, H)), b, np.zeros(4 * H))
    norms = cell_jacobian_norms(p, np.ones((T, D)))
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)
    # with f = sigmoid(0) = 1/2 and no other path, the norm halves each step
    b[H:2 * H] = 0.0
    p = LSTMParams(W_ih, np.zeros((4 * H, H)), b, np.zeros(4 * H))
    norms = cell_jacobian_norms(p, np.ones((T, D)))
    np.testing.assert_allclose(norms, 0.5 ** np.arange(T, -1, -1), rtol=1e-12)


def test_cell_jacobian_matches_torch_autograd():
    rng = np.random.default_rng(6)
    p = init_params(input_size=2, hidden_size=4, rng=rng)
    x = rng.standard_normal((8, 2))
    norms = cell_jacobian_norms(p, x)
    m = to_torch(p)
    c0 = torch.zeros(1, 1, 4, dtype=torch.float64)

    def cT_of_c0(c):
        _, (_, cT) = m(torch.tensor(x[:, None, :]), (torch.zeros(1, 1, 4, dtype=torch.float64),
                                                      c.reshape(1, 1, 4)))
        return cT.reshape(4)

    J0 = torch.autograd.functional.jacobian(cT_of_c0, c0.reshape(4)).numpy()
    assert norms[0] == pytest.approx(np.linalg.norm(J0, 2), abs=1e-12)
    assert norms[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("fb", [-2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0])
@pytest.mark.parametrize("ib", [-4.0, 0.0, 2.0])
def test_controlled_self_loop_whole_range(fb, ib):
    """Every position of chapter 3's explorer (T = 100, H = 16) computes finite curves."""
    d = controlled_self_loop(fb, ib, T=100, H=16)
    for k in ("c", "lstm_norm", "cell_path", "rnn_norm"):
        assert np.all(np.isfinite(d[k])), k
    assert d["lstm_norm"][-1] == pytest.approx(1.0)
    assert d["rnn_norm"][-1] == pytest.approx(1.0)
    assert np.all(np.diff(d["cell_path"]) >= 0)  # a product of numbers in (0, 1) shrinks backwards


def test_self_loop_explorer_renders_every_frame():
    """Every static control value (forget bias x input bias) computes and draws."""
    import matplotlib.pyplot as plt

    explorer = self_loop_explorer()
    frames = list(explorer.grid())
    assert len(frames) == len(FORGET_BIASES) * len(INPUT_BIASES)
    for values in frames:
        fig = explorer.render(**values)
        assert len(fig.axes) == 2 and fig.axes[1].get_title()
        plt.close(fig)


# --------------------------------------------------------------------------------------------
# bad input: every public function and class, at least five cases each; the message names the
# argument
def _p(H=3, D=2):
    return init_params(input_size=D, hidden_size=H, rng=np.random.default_rng(0))


def _cache():
    return forward(_p(), np.zeros((4, 2, 2)))[2]


RNG = np.random.default_rng
Z = np.zeros
GOOD = dict(W_ih=Z((12, 2)), W_hh=Z((12, 3)), b_ih=Z(12), b_hh=Z(12))
S = (Z((1, 2, 3)), Z((1, 2, 3)))  # a good state for B = 2, H = 3

BAD = [
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "W_hh": Z((12, 4))}), ValueError, r"W_hh must have shape \(4H, H\)"),
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "W_ih": Z((8, 2))}), ValueError, r"W_ih must have shape \(4H, D\)"),
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "b_ih": Z(8)}), ValueError, r"b_ih must have shape \(4H,\)"),
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "b_hh": Z((12, 1))}), ValueError, r"b_hh must have shape"),
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "W_ih": Z(12)}), ValueError, r"W_ih must have shape"),
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "W_hh": np.full((12, 3), np.nan)}), ValueError, "W_hh"),
    ("LSTMParams", lambda: LSTMParams(**{**GOOD, "b_hh": "zeros"}), TypeError, "b_hh"),
    ("LSTMParams", lambda: _p().block("W_ih", "c"), ValueError, "gate"),
    ("LSTMParams", lambda: _p().blocks("W_hz"), ValueError, "name"),
    ("LSTMParams", lambda: _p().astype(np.int64), ValueError, "dtype"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=0, rng=RNG(0)), ValueError, "hidden_size"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=2.7, rng=RNG(0)), TypeError, "hidden_size"),
    ("init_params", lambda: init_params(input_size="2", hidden_size=3, rng=RNG(0)), TypeError, "input_size"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=3, rng=0), TypeError, "rng"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=3, rng=RNG(0), forget_bias=float("nan")), ValueError, "forget_bias"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=3, rng=RNG(0), forget_bias=float("inf")), ValueError, "forget_bias"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=3, rng=RNG(0), forget_bias="1"), TypeError, "forget_bias"),
    ("init_params", lambda: init_params(input_size=2, hidden_size=3, rng=RNG(0), dtype=np.int8), ValueError, "dtype"),
    ("forward", lambda: forward(_p(), Z((4, 2, 5))), ValueError, r"x must have shape \(T, B, 2\)"),
    ("forward", lambda: forward(_p(), Z((4, 2))), ValueError, "x must have 3"),
    ("forward", lambda: forward(_p(), Z((0, 2, 2))), ValueError, "x must hold T >= 1"),
    ("forward", lambda: forward(_p(), Z((4, 2, 2)), (Z((1, 3, 3)), Z((1, 2, 3)))), ValueError, r"state\[0\]"),
    ("forward", lambda: forward(_p(), Z((4, 2, 2)), (Z((1, 2, 3)), Z((2, 3)))), ValueError, r"state\[1\]"),
    ("forward", lambda: forward(_p(), Z((4, 2, 2)), Z((1, 2, 3))), TypeError, "state must be None or a pair"),
    ("forward", lambda: forward({"W_ih": 0}, Z((1, 1, 2))), TypeError, "params"),
    ("forward", lambda: forward(_p(), "x"), TypeError, "x must be"),
    ("backward", lambda: backward(_cache(), Z((4, 3))), ValueError, "d_out"),
    ("backward", lambda: backward(_cache(), Z((4, 2, 4))), ValueError, "d_out"),
    ("backward", lambda: backward(_cache(), None, (None, Z((1, 3, 2)))), ValueError, r"d_final_state\[1\]"),
    ("backward", lambda: backward(_cache(), None, (Z((2, 3)), None)), ValueError, r"d_final_state\[0\]"),
    ("backward", lambda: backward(_cache(), None, Z((1, 2, 3))), TypeError, "d_final_state"),
    ("backward", lambda: backward({"x": 1}, None), TypeError, "cache"),
    ("step", lambda: step(_p(), Z((2, 5)), (Z((2, 3)), Z((2, 3)))), ValueError, "x"),
    ("step", lambda: step(_p(), Z((1, 2, 2))), ValueError, "x_t"),
    ("step", lambda: step(_p(), Z((2, 2)), (Z((2, 4)), Z((2, 3)))), ValueError, r"state\[0\]"),
    ("step", lambda: step(_p(), Z((2, 2)), Z((2, 3))), TypeError, "state"),
    ("step", lambda: step(_p(), Z(2), (Z(4), Z(3))), ValueError, r"state\[0\]"),
    ("step", lambda: step(None, Z((2, 2))), TypeError, "params"),
    ("peephole_forward", lambda: peephole_forward(_p(), Z((4, 2, 2)), p_i=Z(3), p_f=Z(2), p_o=Z(3)), ValueError, "p_f"),
    ("peephole_forward", lambda: peephole_forward(_p(), Z((4, 2, 2)), p_i=Z(4), p_f=Z(3), p_o=Z(3)), ValueError, "p_i"),
    ("peephole_forward", lambda: peephole_forward(_p(), Z((4, 2, 2)), p_i=Z(3), p_f=Z(3), p_o=np.full(3, np.nan)), ValueError, "p_o"),
    ("peephole_forward", lambda: peephole_forward(_p(), Z((4, 2, 3)), p_i=Z(3), p_f=Z(3), p_o=Z(3)), ValueError, "x"),
    ("peephole_forward", lambda: peephole_forward(_p(), Z((4, 2, 2)), (Z((1, 2, 4)), Z((1, 2, 3))), p_i=Z(3), p_f=Z(3), p_o=Z(3)), ValueError, r"state\[0\]"),
    ("peephole_forward", lambda: peephole_forward(_p(), Z((4, 2, 2)), p_i="a", p_f=Z(3), p_o=Z(3)), TypeError, "p_i"),
    ("from_torch", lambda: from_torch(torch.nn.GRU(2, 3)), TypeError, "module"),
    ("from_torch", lambda: from_torch(torch.nn.LSTM(2, 3, num_layers=2)), ValueError, "num_layers"),
    ("from_torch", lambda: from_torch(torch.nn.LSTM(2, 5), hidden_size=3), ValueError, "hidden_size"),
    ("from_torch", lambda: from_torch(torch.nn.LSTM(2, 5), input_size=3), ValueError, "input_size"),
    ("from_torch", lambda: from_torch(torch.nn.LSTM(2, 5, proj_size=2)), ValueError, "proj_size"),
    ("from_torch", lambda: from_torch(torch.nn.LSTM(2, 5), dtype=np.int16), ValueError, "dtype"),
    ("to_torch", lambda: to_torch(_p(), torch.nn.LSTM(2, 5)), ValueError, "hidden_size"),
    ("to_torch", lambda: to_torch(_p(), torch.nn.LSTM(4, 3)), ValueError, "input_size"),
    ("to_torch", lambda: to_torch(_p(), torch.nn.LSTM(2, 3, bias=False)), ValueError, "bias"),
    ("to_torch", lambda: to_torch(_p(), torch.nn.GRU(2, 3)), TypeError, "module"),
    ("to_torch", lambda: to_torch({"W_ih": 1}), TypeError, "params"),
    ("cell_jacobian_norms", lambda: cell_jacobian_norms(_p(), Z((4, 2, 2))), ValueError, "x"),
    ("cell_jacobian_norms", lambda: cell_jacobian_norms(_p(), Z((4, 3))), ValueError, "x"),
    ("cell_jacobian_norms", lambda: cell_jacobian_norms(_p(), Z((4, 2)), (Z(4), Z(3))), ValueError, r"state\[0\]"),
    ("cell_jacobian_norms", lambda: cell_jacobian_norms(_p(), Z((4, 2)), Z(3)), TypeError, "state"),
    ("cell_jacobian_norms", lambda: cell_jacobian_norms("p", Z((4, 2))), TypeError, "params"),
    ("controlled_self_loop", lambda: controlled_self_loop(float("nan"), 0.0), ValueError, "forget_bias"),
    ("controlled_self_loop", lambda: controlled_self_loop(1.0, float("inf")), ValueError, "input_bias"),
    ("controlled_self_loop", lambda: controlled_self_loop(1.0, 0.0, T=0), ValueError, "T"),
    ("controlled_self_loop", lambda: controlled_self_loop(1.0, 0.0, H=2.5), TypeError, "H"),
    ("controlled_self_loop", lambda: controlled_self_loop(1.0, 0.0, w_scale=-1.0), ValueError, "w_scale"),
    ("controlled_self_loop", lambda: controlled_self_loop(1.0, 0.0, D="4"), TypeError, "D"),
    ("controlled_self_loop", lambda: controlled_self_loop(1.0, 0.0, seed=-1), ValueError, "seed"),
    ("draw_self_loop", lambda: draw_self_loop(None), TypeError, "data"),
    ("draw_self_loop", lambda: draw_self_loop({}), TypeError, "data"),
    ("draw_self_loop", lambda: draw_self_loop({"t": 1}), TypeError, "data"),
    ("draw_self_loop", lambda: draw_self_loop([1, 2]), TypeError, "data"),
    ("draw_self_loop", lambda: draw_self_loop("frame"), TypeError, "data"),
    ("self_loop_explorer", lambda: self_loop_explorer(T=0), ValueError, "T"),
    ("self_loop_explorer", lambda: self_loop_explorer(T=10.5), TypeError, "T"),
    ("self_loop_explorer", lambda: self_loop_explorer(hidden_size=0), ValueError, "hidden_size"),
    ("self_loop_explorer", lambda: self_loop_explorer(hidden_size="16"), TypeError, "hidden_size"),
    ("self_loop_explorer", lambda: self_loop_explorer(seed=-2), ValueError, "seed"),
]


# -- the exercise's check, and a trained stacked LSTM's gates and cells -------------------------
import helpers.lstm as L  # noqa: E402


def _ok_step(params, x_t, h_prev, c_prev):
    s = L.step(params, x_t, (h_prev, c_prev))
    return s["h"], s["c"], (s["i"], s["f"], s["g"], s["o"])


def _no_squash(params, x_t, h_prev, c_prev):                 # h_t = o_t * c_t: tanh forgotten
    h, c, gates = _ok_step(params, x_t, h_prev, c_prev)
    return gates[3] * c, c, gates


def _swapped_gates(params, x_t, h_prev, c_prev):             # reads f from the first block
    H = len(h_prev)
    a = params.W_ih @ x_t + params.b_ih + params.W_hh @ h_prev + params.b_hh
    f, i = 1 / (1 + np.exp(-a[:H])), 1 / (1 + np.exp(-a[H:2 * H]))
    g, o = np.tanh(a[2 * H:3 * H]), 1 / (1 + np.exp(-a[3 * H:]))
    c = f * c_prev + i * g
    return o * np.tanh(c), c, (i, f, g, o)


def test_check_step_accepts_a_right_step_and_refuses_wrong_ones(capsys):
    assert L.check_step(_ok_step)
    assert "all 20 cases agree" in capsys.readouterr().out
    for wrong in (_no_squash, _swapped_gates, lambda p, x, h, c: (h, c)):
        assert not L.check_step(wrong)
        assert "case 0" in capsys.readouterr().out


def test_stacked_forward_equals_a_two_layer_torch_lstm():
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, num_layers=2, dtype=torch.float64)
    x = np.random.default_rng(0).standard_normal((7, 2, 3))
    ref, _ = module(torch.tensor(x))
    layers = L.layers_from_torch(module)
    assert [p.input_size for p in layers] == [3, 4] and layers[1].hidden_size == 4
    out, caches = L.stacked_forward(layers, x)
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-12)
    assert len(caches) == 2 and caches[1]["gates"].shape == (7, 2, 16)
    np.testing.assert_allclose(caches[1]["c"][-1], module(torch.tensor(x))[1][1][1].detach().numpy(),
                               atol=1e-12)
    assert L.layers_from_torch(module, dtype=np.float32)[0].dtype == np.float32


def test_cell_correlations_equal_numpy_corrcoef():
    rng = np.random.default_rng(1)
    feature = np.arange(50.0) % 7
    states = rng.standard_normal((50, 6))
    states[:, 2] = 3 * feature + 0.1 * rng.standard_normal(50)
    states[:, 4] = -feature
    states[:, 5] = 1.0                                          # constant: r = 0
    r = L.cell_correlations(states, feature)
    ref = [np.corrcoef(states[:, k], feature)[0, 1] for k in range(5)]
    np.testing.assert_allclose(r[:5], ref, atol=1e-12)
    assert r[5] == 0 and int(np.argmax(np.abs(r))) in (2, 4) and r[4] == pytest.approx(-1)


_TWO = torch.nn.LSTM(3, 4, num_layers=2)
_LAYERS = L.layers_from_torch(_TWO)
BAD += [
    ("check_step", lambda: L.check_step(None), TypeError, "fn"),
    ("check_step", lambda: L.check_step("lstm_step"), TypeError, "fn"),
    ("check_step", lambda: L.check_step(_ok_step, 0), ValueError, "n_cases"),
    ("check_step", lambda: L.check_step(_ok_step, 2.5), TypeError, "n_cases"),
    ("check_step", lambda: L.check_step(_ok_step, "3"), TypeError, "n_cases"),
    ("check_step", lambda: L.check_step(_ok_step, 3, -1), ValueError, "seed"),
    ("layers_from_torch", lambda: L.layers_from_torch(None), TypeError, "module"),
    ("layers_from_torch", lambda: L.layers_from_torch(torch.nn.GRU(2, 3)), TypeError, "module"),
    ("layers_from_torch", lambda: L.layers_from_torch(torch.nn.LSTM(2, 3, bidirectional=True)),
     ValueError, "module"),
    ("layers_from_torch", lambda: L.layers_from_torch(torch.nn.LSTM(2, 3, bias=False)), ValueError,
     "module"),
    ("layers_from_torch", lambda: L.layers_from_torch(_TWO, dtype=np.int64), ValueError, "dtype"),
    ("stacked_forward", lambda: L.stacked_forward([], np.zeros((2, 1, 3))), TypeError, "layers"),
    ("stacked_forward", lambda: L.stacked_forward(_LAYERS[0], np.zeros((2, 1, 3))), TypeError,
     "layers"),
    ("stacked_forward", lambda: L.stacked_forward([_LAYERS[0], "x"], np.zeros((2, 1, 3))), TypeError,
     "layers"),
    ("stacked_forward", lambda: L.stacked_forward([_LAYERS[1], _LAYERS[1]], np.zeros((2, 1, 3))),
     ValueError, "x"),
    ("stacked_forward", lambda: L.stacked_forward([_LAYERS[0], _LAYERS[0]], np.zeros((2, 1, 3))),
     ValueError, "layers"),
    ("stacked_forward", lambda: L.stacked_forward(_LAYERS, np.zeros((2, 3))), ValueError, "x"),
    ("cell_correlations", lambda: L.cell_correlations(np.zeros(5), np.arange(5.0)), ValueError,
     "states"),
    ("cell_correlations", lambda: L.cell_correlations(np.zeros((2, 3)), np.arange(2.0)), ValueError,
     "states"),
    ("cell_correlations", lambda: L.cell_correlations(np.zeros((5, 3)), np.arange(4.0)), ValueError,
     "feature"),
    ("cell_correlations", lambda: L.cell_correlations(np.zeros((5, 3)), np.ones(5)), ValueError,
     "feature"),
    ("cell_correlations", lambda: L.cell_correlations(np.full((5, 3), np.nan), np.arange(5.0)),
     ValueError, "states"),
    ("cell_correlations", lambda: L.cell_correlations(np.zeros((5, 3)), "abc"), TypeError,
     "feature"),
]


@pytest.mark.parametrize("name, call, exc, match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(name, call, exc, match):
    run_bad_input(call, exc, match)


def test_every_public_function_has_five_bad_inputs():
    import helpers.lstm as module

    assert_five_per_public_function(module, BAD)


def test_nan_in_the_data_propagates_as_in_torch():
    p = _p()
    x = np.zeros((3, 1, 2))
    x[1, 0, 0] = np.nan
    out, _, _ = forward(p, x)
    ref, _ = to_torch(p)(torch.tensor(x))
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref.detach().numpy()))
