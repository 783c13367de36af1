"""The numpy LSTM against torch.nn.LSTM (float64), finite differences, a hand-worked step,
and the errors bad input must raise."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from helpers.lstm import (LSTMParams, cell_jacobian_norms, controlled_self_loop, from_torch,
                          init_params, lstm_backward, lstm_forward, lstm_peephole_forward,
                          lstm_step, sigmoid, to_torch)

from gradcheck import numerical_gradient

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
             "b_hh": m.bias_hh_l0.grad, "x": xt.grad, "h0": h0t.grad[0], "c0": c0t.grad[0]}
    return (out.detach().numpy(), hT[0].detach().numpy(), cT[0].detach().numpy(),
            {k: v.numpy() for k, v in grads.items()})


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 7), B=st.integers(1, 4), D=st.integers(1, 5), H=st.integers(1, 6),
       seed=st.integers(0, 2**31 - 1))
def test_matches_torch_outputs_and_every_gradient(T, B, D, H, seed):
    rng = np.random.default_rng(seed)
    params = init_params(D, H, rng)
    params = LSTMParams(params.W_ih * 3, params.W_hh * 3, params.b_ih, params.b_hh)  # saturate
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H)) * 2
    dhs, dh_T, dc_T = (rng.standard_normal((T, B, H)), rng.standard_normal((B, H)),
                       rng.standard_normal((B, H)))
    hs, (hT, cT), cache = lstm_forward(x, params, h0, c0)
    grads = lstm_backward(dhs, cache, dh_T, dc_T)
    ref_hs, ref_hT, ref_cT, ref = torch_reference(params, x, h0, c0, dhs, dh_T, dc_T)
    np.testing.assert_allclose(hs, ref_hs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(hT, ref_hT, rtol=0, atol=1e-10)
    np.testing.assert_allclose(cT, ref_cT, rtol=0, atol=1e-10)
    assert set(grads) == set(ref)
    for name in ref:
        assert grads[name].shape == ref[name].shape, name
        np.testing.assert_allclose(grads[name], ref[name], rtol=0, atol=1e-10, err_msg=name)


def test_finite_differences():
    rng = np.random.default_rng(7)
    T, B, D, H = 5, 2, 3, 4
    params = init_params(D, H, rng, forget_bias=1.0)
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    R = rng.standard_normal((T, B, H))
    Rc = rng.standard_normal((B, H))

    def loss(p, x, h0, c0):
        hs, (_, cT), _ = lstm_forward(x, p, h0, c0)
        return float((hs * R).sum() + (cT * Rc).sum())

    _, _, cache = lstm_forward(x, params, h0, c0)
    grads = lstm_backward(R, cache, dc_T=Rc)
    names = ("W_ih", "W_hh", "b_ih", "b_hh")
    for name in names:
        mk = lambda a: LSTMParams(**{n: (a if n == name else getattr(params, n)) for n in names})
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
    s = lambda a: 1 / (1 + math.exp(-a))
    i = s(0.5 * x + 0.1 * h)
    f = s(-0.3 * x + 0.4 * h + 1.0)
    g = math.tanh(0.8 * x - 0.6 * h)
    o = s(1.2 * x + 0.2 * h)
    c_new = f * c + i * g
    out = lstm_step(np.array([[x]]), np.array([[h]]), np.array([[c]]), p)
    for name, val in (("i", i), ("f", f), ("g", g), ("o", o), ("c", c_new),
                      ("h", o * math.tanh(c_new))):
        assert out[name][0, 0] == pytest.approx(val, abs=1e-14), name


def test_step_equals_forward_and_torch_roundtrip():
    rng = np.random.default_rng(3)
    p = init_params(3, 5, rng)
    x = rng.standard_normal((1, 2, 3))
    hs, (hT, cT), _ = lstm_forward(x, p)
    out = lstm_step(x[0], np.zeros((2, 5)), np.zeros((2, 5)), p)
    np.testing.assert_allclose(out["h"], hT, atol=1e-15)
    np.testing.assert_allclose(out["c"], cT, atol=1e-15)
    q = from_torch(to_torch(p))
    for n in ("W_ih", "W_hh", "b_ih", "b_hh"):
        np.testing.assert_array_equal(getattr(p, n), getattr(q, n))
    m = torch.nn.LSTM(3, 5)  # float32 module: values copied and cast
    to_torch(p, m)
    np.testing.assert_allclose(m.weight_hh_l0.detach().numpy(), p.W_hh, atol=1e-7)


def test_float32_close_to_float64():
    rng = np.random.default_rng(4)
    p = init_params(6, 8, rng)
    x = rng.standard_normal((20, 3, 6))
    hs, _, cache = lstm_forward(x, p)
    hs32, _, cache32 = lstm_forward(x.astype(np.float32), p.astype(np.float32))
    assert hs32.dtype == np.float32
    np.testing.assert_allclose(hs32, hs, atol=1e-5)
    g = lstm_backward(np.ones_like(hs), cache)
    g32 = lstm_backward(np.ones_like(hs32), cache32)
    assert g32["W_hh"].dtype == np.float32
    np.testing.assert_allclose(g32["W_hh"], g["W_hh"], atol=1e-4)


def test_peephole_reduces_to_standard_and_sees_the_cell():
    rng = np.random.default_rng(5)
    p = init_params(2, 3, rng)
    x = rng.standard_normal((6, 2, 2))
    c0 = rng.standard_normal((2, 3))
    hs, (hT, cT), _ = lstm_forward(x, p, c0=c0)
    zero = np.zeros(3)
    hp, (hpT, cpT), _, _ = lstm_peephole_forward(x, p, zero, zero, zero, c0=c0)
    np.testing.assert_allclose(hp, hs, atol=1e-15)
    # with a forget peephole the first forget gate depends on c0
    _, _, gates_a, _ = lstm_peephole_forward(x, p, zero, np.ones(3), zero, c0=c0)
    _, _, gates_b, _ = lstm_peephole_forward(x, p, zero, np.ones(3), zero, c0=c0 + 1)
    f_a, f_b = gates_a[0, :, 3:6], gates_b[0, :, 3:6]
    assert np.all(f_b > f_a)  # c0 + 1 and p_f = 1: larger forget-gate input


def test_cell_jacobian_constant_error_carousel():
    """With the forget gate saturated at 1 and no recurrent weights, dc_T/dc_t = I: norm 1."""
    H, D, T = 3, 2, 30
    W_ih = np.zeros((4 * H, D))
    b = np.zeros(4 * H)
    b[H:2 * H] = 50.0  # f = 1 to machine precision
    b[:H] = -50.0  # i = 0
    p = LSTMParams(W_ih, np.zeros((4 * H, H)), b, np.zeros(4 * H))
    norms = cell_jacobian_norms(np.ones((T, D)), p)
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)
    # with f = sigmoid(0) = 1/2 and no other path, the norm halves each step
    b[H:2 * H] = 0.0
    p = LSTMParams(W_ih, np.zeros((4 * H, H)), b, np.zeros(4 * H))
    norms = cell_jacobian_norms(np.ones((T, D)), p)
    np.testing.assert_allclose(norms, 0.5 ** np.arange(T, -1, -1), rtol=1e-12)


def test_cell_jacobian_matches_torch_autograd():
    rng = np.random.default_rng(6)
    p = init_params(2, 4, rng)
    x = rng.standard_normal((8, 2))
    norms = cell_jacobian_norms(x, p)
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


def _p(H=3, D=2):
    return init_params(D, H, np.random.default_rng(0))


BAD_PARAMS = [
    (dict(W_ih=np.zeros((12, 2)), W_hh=np.zeros((12, 4)), b_ih=np.zeros(12), b_hh=np.zeros(12)),
     r"W_hh must have shape \(4H, H\)"),
    (dict(W_ih=np.zeros((8, 2)), W_hh=np.zeros((12, 3)), b_ih=np.zeros(12), b_hh=np.zeros(12)),
     r"W_ih must have shape \(4H, D\) = \(4\*3, D\)"),
    (dict(W_ih=np.zeros((12, 2)), W_hh=np.zeros((12, 3)), b_ih=np.zeros(8), b_hh=np.zeros(12)),
     r"b_ih must have shape \(4H,\) = \(12,\)"),
    (dict(W_ih=np.zeros((12, 2)), W_hh=np.zeros((12, 3)), b_ih=np.zeros(12), b_hh=np.zeros((12, 1))),
     r"b_hh must have shape \(4H,\) = \(12,\)"),
    (dict(W_ih=np.zeros(12), W_hh=np.zeros((12, 3)), b_ih=np.zeros(12), b_hh=np.zeros(12)),
     r"W_ih must have shape"),
]


@pytest.mark.parametrize("kwargs, match", BAD_PARAMS)
def test_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LSTMParams(**kwargs)


BAD_FORWARD = [
    (lambda p: (np.zeros((4, 2, 5)), None, None), r"input width 5.*input size D = 2"),
    (lambda p: (np.zeros((4, 2)), None, None), r"x must have shape \(T, B, D\) = \(T, B, 2\)"),
    (lambda p: (np.zeros((0, 2, 2)), None, None), r"T >= 1 steps and B >= 1"),
    (lambda p: (np.zeros((4, 2, 2)), np.zeros((3, 3)), None), r"h0 must have shape \(B, H\) = \(2, 3\)"),
    (lambda p: (np.zeros((4, 2, 2)), None, np.zeros((2, 4))), r"c0 must have shape \(B, H\) = \(2, 3\)"),
    (lambda p: (np.zeros((4, 2, 2)), np.zeros((2, 3)), np.zeros(3)), r"c0 must have shape"),
]


@pytest.mark.parametrize("make, match", BAD_FORWARD)
def test_bad_forward_inputs(make, match):
    p = _p()
    x, h0, c0 = make(p)
    with pytest.raises(ValueError, match=match):
        lstm_forward(x, p, h0, c0)


def test_bad_torch_modules_and_other_inputs():
    p = _p()
    with pytest.raises(ValueError, match=r"hidden_size 5, expected hidden_size 3"):
        to_torch(p, torch.nn.LSTM(2, 5))
    with pytest.raises(ValueError, match=r"input_size 4, expected input_size 2"):
        to_torch(p, torch.nn.LSTM(4, 3))
    with pytest.raises(ValueError, match=r"hidden_size 5, expected hidden_size 3"):
        from_torch(torch.nn.LSTM(2, 5), hidden_size=3)
    with pytest.raises(ValueError, match=r"torch.nn.LSTM"):
        from_torch(torch.nn.GRU(2, 3))
    with pytest.raises(ValueError, match=r"one-layer"):
        from_torch(torch.nn.LSTM(2, 3, num_layers=2))
    with pytest.raises(ValueError, match=r"params must be an LSTMParams"):
        lstm_forward(np.zeros((1, 1, 2)), {"W_ih": 0})
    _, _, cache = lstm_forward(np.zeros((4, 2, 2)), p)
    with pytest.raises(ValueError, match=r"dhs must have shape \(T, B, H\) = \(4, 2, 3\)"):
        lstm_backward(np.zeros((4, 3)), cache)
    with pytest.raises(ValueError, match=r"dc_T must have shape \(B, H\) = \(2, 3\)"):
        lstm_backward(None, cache, dc_T=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"p_f must have shape \(H,\) = \(3,\)"):
        lstm_peephole_forward(np.zeros((4, 2, 2)), p, np.zeros(3), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"gate must be one of"):
        p.block("W_ih", "c")
    with pytest.raises(ValueError, match=r"hidden_size must be a positive integer"):
        init_params(2, 0, np.random.default_rng(0))

