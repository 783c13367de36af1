"""Tests for helpers.rnn: the hand-written BPTT against finite differences and torch.nn.RNN."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.rnn import (ACTIVATIONS, MAX_DERIVATIVE, activate, activation_derivative,
                         adding_batch, backward, check_params, flat_grads, forward, from_torch,
                         init_params, readout_loss, to_torch, train_adding_numpy, check_weights)
from badinput import assert_five_per_public_function, run_bad_input

KEYS = ("W_ih", "W_hh", "b_ih", "b_hh")
TORCH_NAMES = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}


def _loss(params, x, h0, activation, R, S):
    """A scalar that depends on every output and every final state: sum(out*R) + sum(h_n*S)."""
    out, h_n, _ = forward(params, x, h0, activation=activation)
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
    params = init_params(input_size=D, hidden_size=H, rng=rng, num_layers=L)
    x = rng.normal(size=(T, B, D))
    h0 = rng.normal(scale=0.5, size=(L, B, H))
    R, S = rng.normal(size=(T, B, H)), rng.normal(size=(L, B, H))
    _, _, cache = forward(params, x, h0, activation=activation)
    grads, dx, dh0 = backward(cache, R, S)
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
    module = to_torch(params, activation=activation)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    out_t, hn_t = module(xt, h0t)
    ((out_t * torch.tensor(R)).sum() + (hn_t * torch.tensor(S)).sum()).backward()
    out, h_n, cache = forward(params, x, h0, activation=activation)
    grads, dx, dh0 = backward(cache, R, S)
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
    params = init_params(input_size=D, hidden_size=H, rng=rng, num_layers=num_layers)
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
    out, h_n, cache = forward(params, x, activation=activation)
    grads, dx, _ = backward(cache, R)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(h_n, hn_t.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10, rtol=0)
    for layer, g in enumerate(grads):
        for k in KEYS:
            np.testing.assert_allclose(
                g[k], getattr(module, f"{TORCH_NAMES[k]}_l{layer}").grad.numpy(),
                atol=1e-10, rtol=0)
    # and back again: the round trip is exact
    again = from_torch(to_torch(params, activation=activation))
    for p, q in zip(params, again):
        for k in KEYS:
            np.testing.assert_array_equal(p[k], q[k])


@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_matches_torch_autograd_for_other_activations(activation):
    rng = np.random.default_rng(5)
    T, B, D, H, L = 6, 3, 2, 4, 2
    params = init_params(input_size=D, hidden_size=H, rng=rng, num_layers=L)
    x, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(L, B, H))
    R, S = rng.normal(size=(T, B, H)), rng.normal(size=(L, B, H))
    tp, xt, h0t, out_t, hn_t = _torch_loop(params, x, h0, activation)
    ((out_t * torch.tensor(R)).sum() + (hn_t * torch.tensor(S)).sum()).backward()
    out, h_n, cache = forward(params, x, h0, activation=activation)
    grads, dx, dh0 = backward(cache, R, S)
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
    params = init_params(input_size=D, hidden_size=H, rng=rng, num_layers=L)
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
    params = init_params(input_size=2, hidden_size=4, rng=rng, num_layers=2)
    x = rng.normal(size=(5, 1, 2))
    out, _, cache = forward(params, x)
    d_out = np.zeros_like(out)
    d_out[-1] = 1.0
    _, dx, _ = backward(cache, d_out)
    assert np.all(np.abs(dx[:, 0, :]).sum(axis=1) > 0)


def test_adding_batch_is_time_first_and_consistent():
    x, y = adding_batch(20, 50, rng=np.random.default_rng(0))
    assert x.shape == (20, 50, 2) and y.shape == (50,) and x.dtype == np.float64
    np.testing.assert_array_equal(x[:, :, 1].sum(axis=0), 2.0)
    np.testing.assert_allclose((x[:, :, 0] * x[:, :, 1]).sum(axis=0), y)


def test_readout_loss_gradient_matches_finite_difference():
    rng = np.random.default_rng(3)
    params = init_params(input_size=2, hidden_size=5, rng=rng, num_layers=1)
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
    r = train_adding_numpy(5, steps=300, rng=np.random.default_rng(1))
    assert r["diverged_at"] is None
    assert r["test_mse"] < 0.5 * r["baseline_mse"]
    assert 0.0 <= r["success"] <= 1.0


def test_training_stops_on_divergence_with_an_error_or_the_curves():
    kwargs = dict(steps=200, optimizer="sgd", lr=1e3, activation="linear", W_hh=3.0 * np.eye(32))
    r = train_adding_numpy(30, rng=np.random.default_rng(0), on_divergence="return", **kwargs)
    assert r["diverged_at"] is not None and np.isnan(r["test_mse"])
    with pytest.raises(FloatingPointError, match=f"diverged at step {r['diverged_at']}"):
        train_adding_numpy(30, rng=np.random.default_rng(0), **kwargs)


# --------------------------------------------------------------------------------------------
# bad input: every public function, at least five cases each; the message names the argument
def _good():
    return init_params(input_size=3, hidden_size=4, rng=np.random.default_rng(0), num_layers=2)


def _with(layer, key, value):
    p = _good()
    p[layer][key] = value
    return p


def _cache():
    return forward(_good(), np.zeros((2, 1, 3)))[2]


RNG = np.random.default_rng
Z = np.zeros
W4 = (Z((4, 3)), Z((4, 4)), Z(4), Z(4))  # one good RNN layer: H = 4, D = 3

BAD = [
    # activate / activation_derivative
    ("activate", lambda: activate(Z(2), "gelu"), ValueError, "activation"),
    ("activate", lambda: activate(Z(2), None), ValueError, "activation"),
    ("activate", lambda: activate("abc", "tanh"), TypeError, "a must be"),
    ("activate", lambda: activate(None, "tanh"), TypeError, "a must be"),
    ("activate", lambda: activate([[1], [1, 2]], "tanh"), TypeError, "a must be"),
    ("activation_derivative", lambda: activation_derivative(Z(2), "softplus"), ValueError, "activation"),
    ("activation_derivative", lambda: activation_derivative(Z(2), 3), ValueError, "activation"),
    ("activation_derivative", lambda: activation_derivative("x", "relu"), TypeError, "a must be"),
    ("activation_derivative", lambda: activation_derivative(None, "relu"), TypeError, "a must be"),
    ("activation_derivative", lambda: activation_derivative(np.array(["a"]), "relu"), TypeError, "a must be"),
    # check_weights
    ("check_weights", lambda: check_weights(*W4, blocks=0), ValueError, "blocks"),
    ("check_weights", lambda: check_weights(*W4, blocks=1.0), TypeError, "blocks"),
    ("check_weights", lambda: check_weights(Z((4, 3)), Z((4, 5)), Z(4), Z(4), blocks=1), ValueError, "W_hh"),
    ("check_weights", lambda: check_weights(Z((5, 3)), Z((4, 4)), Z(4), Z(4), blocks=1), ValueError, "W_ih"),
    ("check_weights", lambda: check_weights(Z((4, 3)), Z((4, 4)), Z(5), Z(4), blocks=1), ValueError, "b_ih"),
    ("check_weights", lambda: check_weights(Z((4, 3)), Z((4, 4)), Z(4), Z((4, 1)), blocks=1), ValueError, "b_hh"),
    ("check_weights", lambda: check_weights(np.full((4, 3), np.nan), *W4[1:], blocks=1), ValueError, "W_ih"),
    ("check_weights", lambda: check_weights(Z((4, 3)), np.full((4, 4), np.inf), Z(4), Z(4), blocks=1), ValueError, "W_hh"),
    ("check_weights", lambda: check_weights("W", *W4[1:], blocks=1), TypeError, "W_ih"),
    ("check_weights", lambda: check_weights(Z((4, 3), dtype=np.float16), *W4[1:], blocks=1), TypeError, "W_ih"),
    ("check_weights", lambda: check_weights(Z((12, 3)), Z((12, 3)), Z(12), Z(12), blocks=3), ValueError, r"W_hh must have shape \(3H, H\)"),
    ("check_weights", lambda: check_weights(*W4, blocks=1, prefix=3), TypeError, "prefix"),
    # init_params
    ("init_params", lambda: init_params(input_size=0, hidden_size=4, rng=RNG(0)), ValueError, "input_size"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=2.7, rng=RNG(0)), TypeError, "hidden_size"),
    ("init_params", lambda: init_params(input_size="3", hidden_size=4, rng=RNG(0)), TypeError, "input_size"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=True, rng=RNG(0)), TypeError, "hidden_size"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=4, rng=RNG(0), num_layers=0), ValueError, "num_layers"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=4, rng=0), TypeError, "rng"),
    ("init_params", lambda: init_params(3, 4, rng=RNG(0)), TypeError, "positional"),
    # check_params
    ("check_params", lambda: check_params("not a list"), TypeError, "params"),
    ("check_params", lambda: check_params([]), ValueError, "params"),
    ("check_params", lambda: check_params([{"W_ih": Z((4, 3))}]), ValueError, r"params\[0\]"),
    ("check_params", lambda: check_params(_with(0, "W_hh", Z((4, 5)))), ValueError, r"params\[0\]\['W_hh'\]"),
    ("check_params", lambda: check_params(_with(1, "W_hh", Z((5, 5)))), ValueError, r"params\[1\]"),
    ("check_params", lambda: check_params(_with(0, "W_ih", Z((5, 3)))), ValueError, r"params\[0\]\['W_ih'\]"),
    ("check_params", lambda: check_params(_with(1, "W_ih", Z((4, 3)))), ValueError, r"params\[1\]\['W_ih'\]"),
    ("check_params", lambda: check_params(_with(0, "b_ih", Z(5))), ValueError, r"params\[0\]\['b_ih'\]"),
    ("check_params", lambda: check_params(_with(0, "W_hh", np.full((4, 4), np.nan))), ValueError, r"params\[0\]\['W_hh'\]"),
    # forward
    ("forward", lambda: forward(_good(), Z((0, 1, 3))), ValueError, "x must hold T >= 1"),
    ("forward", lambda: forward(_good(), Z((2, 0, 3))), ValueError, "x must hold"),
    ("forward", lambda: forward(_good(), Z((2, 3))), ValueError, "x must have 3"),
    ("forward", lambda: forward(_good(), Z((2, 1, 5))), ValueError, r"x must have shape \(T, B, 3\)"),
    ("forward", lambda: forward(_good(), "x"), TypeError, "x must be"),
    ("forward", lambda: forward(_good(), Z((2, 1, 3)), Z((2, 1, 5))), ValueError, "state"),
    ("forward", lambda: forward(_good(), Z((2, 1, 3)), Z((1, 4))), ValueError, "state"),
    ("forward", lambda: forward(_good(), Z((2, 1, 3)), activation="softplus"), ValueError, "activation"),
    ("forward", lambda: forward({"W_ih": 1}, Z((2, 1, 3))), TypeError, "params"),
    # backward
    ("backward", lambda: backward(_cache(), Z((2, 1, 5))), ValueError, "d_out"),
    ("backward", lambda: backward(_cache(), Z((3, 1, 4))), ValueError, "d_out"),
    ("backward", lambda: backward(_cache(), "d"), TypeError, "d_out"),
    ("backward", lambda: backward(_cache(), Z((2, 1, 4)), Z((1, 1, 4))), ValueError, "d_final_state"),
    ("backward", lambda: backward(_cache(), None, Z((2, 4)) ), ValueError, "d_final_state"),
    ("backward", lambda: backward({"a": 1}, Z((2, 1, 4))), TypeError, "cache"),
    ("backward", lambda: backward(None, Z((2, 1, 4))), TypeError, "cache"),
    # to_torch
    ("to_torch", lambda: to_torch(_good(), activation="sigmoid"), ValueError, "activation"),
    ("to_torch", lambda: to_torch(_good(), torch.nn.LSTM(3, 4, 2)), TypeError, "module"),
    ("to_torch", lambda: to_torch(_good(), torch.nn.RNN(3, 5, 2)), ValueError, "hidden_size"),
    ("to_torch", lambda: to_torch(_good(), torch.nn.RNN(2, 4, 2)), ValueError, "input_size"),
    ("to_torch", lambda: to_torch(_good(), torch.nn.RNN(3, 4, 1)), ValueError, "num_layers"),
    ("to_torch", lambda: to_torch(_good(), torch.nn.RNN(3, 4, 2, nonlinearity="relu")), ValueError, "nonlinearity"),
    ("to_torch", lambda: to_torch(_good(), torch.nn.RNN(3, 4, 2, bias=False)), ValueError, "bias"),
    ("to_torch", lambda: to_torch([], None), ValueError, "params"),
    # from_torch
    ("from_torch", lambda: from_torch(torch.nn.LSTM(2, 3)), TypeError, "module"),
    ("from_torch", lambda: from_torch("rnn"), TypeError, "module"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(2, 3), hidden_size=4), ValueError, "hidden_size"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(2, 3), input_size=3), ValueError, "input_size"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(2, 3), input_size=2.5), TypeError, "input_size"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(2, 3, bidirectional=True)), ValueError, "bidirectional"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(2, 3), dtype=np.int32), ValueError, "dtype"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(2, 3), dtype="banana"), TypeError, "dtype"),
    # adding_batch
    ("adding_batch", lambda: adding_batch(1, 4, rng=RNG(0)), ValueError, "T"),
    ("adding_batch", lambda: adding_batch(5.5, 4, rng=RNG(0)), TypeError, "T"),
    ("adding_batch", lambda: adding_batch(5, 0, rng=RNG(0)), ValueError, "batch_size"),
    ("adding_batch", lambda: adding_batch(5, "4", rng=RNG(0)), TypeError, "batch_size"),
    ("adding_batch", lambda: adding_batch(5, 4, rng=1), TypeError, "rng"),
    # readout_loss
    ("readout_loss", lambda: readout_loss(_good(), Z(5), 0.0, Z((3, 2, 3)), Z(2)), ValueError, "W_hy"),
    ("readout_loss", lambda: readout_loss(_good(), Z(4), float("nan"), Z((3, 2, 3)), Z(2)), ValueError, "b_y"),
    ("readout_loss", lambda: readout_loss(_good(), Z(4), "0", Z((3, 2, 3)), Z(2)), TypeError, "b_y"),
    ("readout_loss", lambda: readout_loss(_good(), Z(4), 0.0, Z((3, 2, 3)), Z(3)), ValueError, "y"),
    ("readout_loss", lambda: readout_loss(_good(), Z(4), 0.0, Z((3, 2, 3)), np.array([np.nan, 1])), ValueError, "y"),
    ("readout_loss", lambda: readout_loss(_good(), Z(4), 0.0, Z((3, 2, 2)), Z(2)), ValueError, "x"),
    ("readout_loss", lambda: readout_loss(_good(), Z(4), 0.0, Z((3, 2, 3)), Z(2), activation="x"), ValueError, "activation"),
    # train_adding_numpy
    ("train_adding_numpy", lambda: train_adding_numpy(5, optimizer="rmsprop", rng=RNG(0)), ValueError, "optimizer"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, lr=-1.0, rng=RNG(0)), ValueError, "lr"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, lr=float("nan"), rng=RNG(0)), ValueError, "lr"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, lr=float("inf"), rng=RNG(0)), ValueError, "lr"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, W_hh=np.eye(3), rng=RNG(0)), ValueError, "W_hh"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, W_hh=np.full((32, 32), np.nan), rng=RNG(0)), ValueError, "W_hh"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, hidden_size=2.7, rng=RNG(0)), TypeError, "hidden_size"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, steps=0, rng=RNG(0)), ValueError, "steps"),
    ("train_adding_numpy", lambda: train_adding_numpy(1, rng=RNG(0)), ValueError, "T"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, batch_size=0, rng=RNG(0)), ValueError, "batch_size"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, clip=1.0, rng=RNG(0)), TypeError, "clip"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, on_divergence="ignore", rng=RNG(0)), ValueError, "on_divergence"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, b_zero=1, rng=RNG(0)), TypeError, "b_zero"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, eval_size=0, rng=RNG(0)), ValueError, "eval_size"),
    ("train_adding_numpy", lambda: train_adding_numpy(5, rng=None), TypeError, "rng"),
    # flat_grads
    ("flat_grads", lambda: flat_grads([]), TypeError, "grads"),
    ("flat_grads", lambda: flat_grads(None), TypeError, "grads"),
    ("flat_grads", lambda: flat_grads({"W_ih": 1}), TypeError, "grads"),
    ("flat_grads", lambda: flat_grads([{"W_ih": 1}]), ValueError, r"grads\[0\]"),
    ("flat_grads", lambda: flat_grads([1, 2]), ValueError, r"grads\[0\]"),
]


@pytest.mark.parametrize("name, call, exc, match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(name, call, exc, match):
    run_bad_input(call, exc, match)


def test_every_public_function_has_five_bad_inputs():
    import helpers.rnn as module

    assert_five_per_public_function(module, BAD, classes=False)


def test_integer_weights_become_float64_everywhere():
    W = check_weights(np.ones((4, 3), dtype=int), Z((4, 4), dtype=int), Z(4, dtype=int), Z(4), blocks=1)
    assert all(a.dtype == np.float64 for a in W)
