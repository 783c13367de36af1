"""Tests for helpers.rnn: the hand-written BPTT against finite differences and torch.nn.RNN."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.rnn import (ACTIVATIONS, MAX_DERIVATIVE, activate, activation_derivative,
                         adding_batch, check_params, flat_grads, from_torch, init_params,
                         readout_loss, rnn_backward, rnn_forward, to_torch, train_adding)

KEYS = ("W_ih", "W_hh", "b_ih", "b_hh")
TORCH_NAMES = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}


def _loss(params, x, h0, activation, R, S):
    """A scalar that depends on every output and every final state: sum(out*R) + sum(h_n*S)."""
    out, h_n, _ = rnn_forward(params, x, h0, activation)
    return float(np.sum(out * R) + np.sum(h_n * S))


def _torch_loop(params, x, h0, activation):
    """The same equations written with torch ops (for activations torch.nn.RNN lacks)."""
    f = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
         "linear": lambda a: a}[activation]
    tp = [{k: torch.tensor(p[k], requires_grad=True) for k in KEYS} for p in params]
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    inp, h_n = xt, []
    for layer, p in enumerate(tp):
        h, hs = h0t[layer], []
        for t in range(inp.shape[0]):
            h = f(inp[t] @ p["W_ih"].T + p["b_ih"] + h @ p["W_hh"].T + p["b_hh"])
            hs.append(h)
        inp = torch.stack(hs)
        h_n.append(h)
    return tp, xt, h0t, inp, torch.stack(h_n)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_finite_difference_gradient_check(activation):
    rng = np.random.default_rng(0)
    T, B, D, H, L = 5, 3, 4, 6, 2
    params = init_params(D, H, L, rng=rng)
    x = rng.normal(size=(T, B, D))
    h0 = rng.normal(scale=0.5, size=(L, B, H))
    R, S = rng.normal(size=(T, B, H)), rng.normal(size=(L, B, H))
    _, _, cache = rnn_forward(params, x, h0, activation)
    grads, dx, dh0 = rnn_backward(params, cache, R, S)
    eps = 1e-6
    worst = 0.0
    for layer in range(L):
        for k in KEYS:
            for idx in [(0,) * params[layer][k].ndim, tuple(s - 1 for s in params[layer][k].shape)]:
                orig = params[layer][k][idx]
                params[layer][k][idx] = orig + eps
                up = _loss(params, x, h0, activation, R, S)
                params[layer][k][idx] = orig - eps
                down = _loss(params, x, h0, activation, R, S)
                params[layer][k][idx] = orig
                num = (up - down) / (2 * eps)
                worst = max(worst, abs(num - grads[layer][k][idx]) / max(1.0, abs(num)))
    for arr, g in ((x, dx), (h0, dh0)):
        for idx in [(0, 0, 0), (1, 2, 3)]:
            orig = arr[idx]
            arr[idx] = orig + eps
            up = _loss(params, x, h0, activation, R, S)
            arr[idx] = orig - eps
            down = _loss(params, x, h0, activation, R, S)
            arr[idx] = orig
            worst = max(worst, abs((up - down) / (2 * eps) - g[idx]))
    assert worst < 1e-7


def _compare_with_torch(params, x, h0, activation, R, S, tol=1e-10):
    module = to_torch(params, activation)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    out_t, hn_t = module(xt, h0t)
    ((out_t * torch.tensor(R)).sum() + (hn_t * torch.tensor(S)).sum()).backward()
    out, h_n, cache = rnn_forward(params, x, h0, activation)
    grads, dx, dh0 = rnn_backward(params, cache, R, S)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=tol, rtol=0)
    np.testing.assert_allclose(h_n, hn_t.detach().numpy(), atol=tol, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=tol, rtol=0)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), atol=tol, rtol=0)
    for layer, g in enumerate(grads):
        for k in KEYS:
            np.testing.assert_allclose(
                g[k], getattr(module, f"{TORCH_NAMES[k]}_l{layer}").grad.numpy(), atol=tol, rtol=0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_matches_torch_rnn_numpy_to_torch(activation, num_layers):
    rng = np.random.default_rng(num_layers)
    T, B, D, H = 9, 4, 3, 7
    params = init_params(D, H, num_layers, rng=rng)
    x = rng.normal(size=(T, B, D))
    h0 = rng.normal(scale=0.3, size=(num_layers, B, H))
    _compare_with_torch(params, x, h0, activation, rng.normal(size=(T, B, H)),
                        rng.normal(size=(num_layers, B, H)))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_matches_torch_rnn_torch_to_numpy(activation):
    torch.manual_seed(0)
    module = torch.nn.RNN(3, 5, num_layers=2, nonlinearity=activation, dtype=torch.float64)
    params = from_torch(module)
    assert check_params(params) == (3, 5, 2)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 2, 3))
    xt = torch.tensor(x, requires_grad=True)
    out_t, hn_t = module(xt)
    R = rng.normal(size=(6, 2, 5))
    (out_t * torch.tensor(R)).sum().backward()
    out, h_n, cache = rnn_forward(params, x, activation=activation)
    grads, dx, _ = rnn_backward(params, cache, R)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(h_n, hn_t.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10, rtol=0)
    for layer, g in enumerate(grads):
        for k in KEYS:
            np.testing.assert_allclose(
                g[k], getattr(module, f"{TORCH_NAMES[k]}_l{layer}").grad.numpy(),
                atol=1e-10, rtol=0)
    # and back again: the round trip is exact
    again = from_torch(to_torch(params, activation))
    for p, q in zip(params, again):
        for k in KEYS:
            np.testing.assert_array_equal(p[k], q[k])


@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_matches_torch_autograd_for_other_activations(activation):
    rng = np.random.default_rng(5)
    T, B, D, H, L = 6, 3, 2, 4, 2
    params = init_params(D, H, L, rng=rng)
    x, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(L, B, H))
    R, S = rng.normal(size=(T, B, H)), rng.normal(size=(L, B, H))
    tp, xt, h0t, out_t, hn_t = _torch_loop(params, x, h0, activation)
    ((out_t * torch.tensor(R)).sum() + (hn_t * torch.tensor(S)).sum()).backward()
    out, h_n, cache = rnn_forward(params, x, h0, activation)
    grads, dx, dh0 = rnn_backward(params, cache, R, S)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), atol=1e-10, rtol=0)
    for layer, g in enumerate(grads):
        for k in KEYS:
            np.testing.assert_allclose(g[k], tp[layer][k].grad.numpy(), atol=1e-10, rtol=0)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 5),
       L=st.integers(1, 3), activation=st.sampled_from(["tanh", "relu"]),
       seed=st.integers(0, 2**16))
def test_random_shapes_match_torch(T, B, D, H, L, activation, seed):
    rng = np.random.default_rng(seed)
    params = init_params(D, H, L, rng=rng)
    _compare_with_torch(params, rng.normal(size=(T, B, D)), rng.normal(size=(L, B, H)),
                        activation, rng.normal(size=(T, B, H)), rng.normal(size=(L, B, H)))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_derivative_matches_finite_difference_and_maximum(activation):
    a = np.linspace(-6, 6, 1201) + 1e-3  # avoid relu's kink at exactly 0
    num = (activate(a + 1e-6, activation) - activate(a - 1e-6, activation)) / 2e-6
    np.testing.assert_allclose(activation_derivative(a, activation), num, atol=1e-6)
    assert np.max(activation_derivative(np.linspace(-6, 6, 1201), activation)) == \
        pytest.approx(MAX_DERIVATIVE[activation])


def test_stacked_error_flows_through_space_and_time():
    """Q12: with the loss on the top layer's last state only, the bottom layer still gets error
    at every earlier step, through both directions."""
    rng = np.random.default_rng(2)
    params = init_params(2, 4, 2, rng=rng)
    x = rng.normal(size=(5, 1, 2))
    out, _, cache = rnn_forward(params, x)
    d_out = np.zeros_like(out)
    d_out[-1] = 1.0
    _, dx, _ = rnn_backward(params, cache, d_out)
    assert np.all(np.abs(dx[:, 0, :]).sum(axis=1) > 0)


def test_adding_batch_is_time_first_and_consistent():
    x, y = adding_batch(20, 50, rng=np.random.default_rng(0))
    assert x.shape == (20, 50, 2) and y.shape == (50,) and x.dtype == np.float64
    np.testing.assert_array_equal(x[:, :, 1].sum(axis=0), 2.0)
    np.testing.assert_allclose((x[:, :, 0] * x[:, :, 1]).sum(axis=0), y)


def test_readout_loss_gradient_matches_finite_difference():
    rng = np.random.default_rng(3)
    params = init_params(2, 5, 1, rng=rng)
    W_hy, b_y = rng.normal(size=5), 0.3
    x, y = adding_batch(6, 4, rng=rng)
    loss, grads, dW_hy, db_y = readout_loss(params, W_hy, b_y, x, y)
    eps = 1e-6
    for i in range(5):
        W = W_hy.copy()
        W[i] += eps
        up = readout_loss(params, W, b_y, x, y)[0]
        W[i] -= 2 * eps
        down = readout_loss(params, W, b_y, x, y)[0]
        assert abs((up - down) / (2 * eps) - dW_hy[i]) < 1e-8
    up = readout_loss(params, W_hy, b_y + eps, x, y)[0]
    down = readout_loss(params, W_hy, b_y - eps, x, y)[0]
    assert abs((up - down) / (2 * eps) - db_y) < 1e-8
    params[0]["W_hh"][1, 2] += eps
    up = readout_loss(params, W_hy, b_y, x, y)[0]
    params[0]["W_hh"][1, 2] -= 2 * eps
    down = readout_loss(params, W_hy, b_y, x, y)[0]
    assert abs((up - down) / (2 * eps) - grads[0]["W_hh"][1, 2]) < 1e-8
    assert len(flat_grads(grads)) == 4


def test_training_beats_the_baseline_on_a_short_lag():
    r = train_adding(5, steps=300, rng=np.random.default_rng(1))
    assert r["diverged_at"] is None
    assert r["test_mse"] < 0.5 * r["baseline_mse"]
    assert 0.0 <= r["success"] <= 1.0


def test_training_reports_divergence_instead_of_crashing():
    r = train_adding(30, steps=200, optimizer="sgd", lr=1e3, rng=np.random.default_rng(0),
                     activation="linear", W_hh=3.0 * np.eye(32))
    assert r["diverged_at"] is not None and np.isnan(r["test_mse"])


def _good():
    return init_params(3, 4, 2, rng=np.random.default_rng(0))


def _with(layer, key, value):
    p = _good()
    p[layer][key] = value
    return p


BAD_PARAMS = [
    ("not a list", "params must be a non-empty list"),
    ([], "params must be a non-empty list"),
    ([{"W_ih": np.zeros((4, 3))}], r"params\[0\] must be a dict"),
    (_with(0, "W_hh", np.zeros((4, 5))), r"'W_hh'\] must be square"),
    (_with(1, "W_hh", np.zeros((5, 5))), "hidden size 5, expected 4"),
    (_with(0, "W_ih", np.zeros((5, 3))), r"'W_ih'\] must have shape \(H=4"),
    (_with(1, "W_ih", np.zeros((4, 3))), "above layer 0"),
    (_with(0, "b_ih", np.zeros(5)), r"'b_ih'\] must have shape \(4,\)"),
]


@pytest.mark.parametrize("params, match", BAD_PARAMS)
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        rnn_forward(params, np.zeros((2, 1, 3)))


BAD_CALLS = [
    (lambda: rnn_forward(_good(), np.zeros((0, 1, 3))), "sequence length T >= 1"),
    (lambda: rnn_forward(_good(), np.zeros((2, 0, 3))), "batch size B >= 1"),
    (lambda: rnn_forward(_good(), np.zeros((2, 3))), r"shape \(T, B, D\)"),
    (lambda: rnn_forward(_good(), np.zeros((2, 1, 5))), "input size 5"),
    (lambda: rnn_forward(_good(), np.zeros((2, 1, 3)), np.zeros((2, 1, 5))), "h0 must have shape"),
    (lambda: rnn_forward(_good(), np.zeros((2, 1, 3)), activation="softplus"), "activation must be one of"),
    (lambda: rnn_backward(_good(), rnn_forward(_good(), np.zeros((2, 1, 3)))[2], np.zeros((2, 1, 5))), "d_out must have shape"),
    (lambda: rnn_backward(_good(), rnn_forward(_good(), np.zeros((2, 1, 3)))[2], np.zeros((2, 1, 4)), np.zeros((1, 1, 4))), "d_hn must have shape"),
    (lambda: init_params(0, 4, rng=np.random.default_rng(0)), "input_size must be a positive integer"),
    (lambda: init_params(3, 4, 0, rng=np.random.default_rng(0)), "num_layers must be a positive integer"),
    (lambda: init_params(3, 4, rng=0), "rng must be a numpy Generator"),
    (lambda: to_torch(_good(), "sigmoid"), "torch.nn.RNN supports activation"),
    (lambda: from_torch(torch.nn.LSTM(2, 3)), "module must be a torch.nn.RNN"),
    (lambda: adding_batch(1, 4, rng=np.random.default_rng(0)), "T must be an int >= 2"),
    (lambda: train_adding(5, optimizer="rmsprop", rng=np.random.default_rng(0)), "optimizer must be one of"),
    (lambda: train_adding(5, lr=-1.0, rng=np.random.default_rng(0)), "lr must be > 0"),
    (lambda: train_adding(5, W_hh=np.eye(3), rng=np.random.default_rng(0)), "W_hh must have shape"),
    (lambda: activate(np.zeros(2), "gelu"), "activation must be one of"),
]


@pytest.mark.parametrize("call, match", BAD_CALLS)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
