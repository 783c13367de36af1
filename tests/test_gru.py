"""The numpy GRU against torch.nn.GRU (float64), finite differences, and bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from helpers.gru import (FORMULATIONS, GRUParams, from_torch, gru_backward, gru_cell,
                         gru_forward, gru_state_jacobians, init_gru_params, norms_to_end,
                         to_torch, update_gate_flow)

from gradcheck import numerical_gradient

def _problem(T, B, D, H, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = init_gru_params(D, H, rng, scale=0.8, dtype=dtype)
    x = rng.normal(size=(T, B, D)).astype(dtype)
    h0 = (0.5 * rng.normal(size=(B, H))).astype(dtype)
    dh = rng.normal(size=(T, B, H)).astype(dtype)
    return params, x, h0, dh


def _torch_reference(params, x, h0, dh):
    """Outputs, final state and gradients of sum(dh * outputs) from torch.nn.GRU (double)."""
    module = to_torch(params)
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h0[None], requires_grad=True)
    out, h_last = module(xt, ht)
    (out * torch.tensor(dh)).sum().backward()
    grads = {"dx": xt.grad.numpy(), "dh0": ht.grad[0].numpy(),
             "dW_ih": module.weight_ih_l0.grad.numpy(), "dW_hh": module.weight_hh_l0.grad.numpy(),
             "db_ih": module.bias_ih_l0.grad.numpy(), "db_hh": module.bias_hh_l0.grad.numpy()}
    return out.detach().numpy(), h_last.detach().numpy()[0], grads


@settings(max_examples=30, deadline=None)
@given(T=st.integers(1, 7), B=st.integers(1, 4), D=st.integers(1, 6), H=st.integers(1, 6),
       seed=st.integers(0, 10_000))
def test_pytorch_formulation_equals_torch_gru(T, B, D, H, seed):
    params, x, h0, dh = _problem(T, B, D, H, seed)
    h, cache = gru_forward(x, h0, params, "pytorch")
    out, h_last, ref = _torch_reference(params, x, h0, dh)
    np.testing.assert_allclose(h, out, rtol=0, atol=1e-10)
    np.testing.assert_allclose(h[-1], h_last, rtol=0, atol=1e-10)
    grads = gru_backward(dh, cache)
    assert set(grads) == set(ref)
    for name in ref:
        np.testing.assert_allclose(grads[name], ref[name], rtol=0, atol=1e-10, err_msg=name)


def _torch_cho_reference(params, x, h0, dh):
    """Cho et al. (2014)'s step written in torch ops (reset gate before W_hn), differentiated by
    autograd: an independent reference for the "cho" backward."""
    P = {k: torch.tensor(getattr(params, k), requires_grad=True)
         for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    xt = torch.tensor(x, requires_grad=True)
    h = h0t = torch.tensor(h0, requires_grad=True)
    H = params.hidden_size
    W_hr, W_hz, W_hn = P["W_hh"][:H], P["W_hh"][H:2 * H], P["W_hh"][2 * H:]
    b_hr, b_hz, b_hn = P["b_hh"][:H], P["b_hh"][H:2 * H], P["b_hh"][2 * H:]
    outs = []
    for t in range(x.shape[0]):
        gx = xt[t] @ P["W_ih"].T + P["b_ih"]
        r = torch.sigmoid(gx[:, :H] + h @ W_hr.T + b_hr)
        z = torch.sigmoid(gx[:, H:2 * H] + h @ W_hz.T + b_hz)
        n = torch.tanh(gx[:, 2 * H:] + (r * h) @ W_hn.T + b_hn)
        h = (1 - z) * n + z * h
        outs.append(h)
    out = torch.stack(outs)
    (out * torch.tensor(dh)).sum().backward()
    grads = {"dx": xt.grad.numpy(), "dh0": h0t.grad.numpy(),
             **{"d" + k: v.grad.numpy() for k, v in P.items()}}
    return out.detach().numpy(), grads


@settings(max_examples=15, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 3), D=st.integers(1, 5), H=st.integers(1, 5),
       seed=st.integers(0, 10_000))
def test_cho_formulation_equals_torch_autograd(T, B, D, H, seed):
    params, x, h0, dh = _problem(T, B, D, H, seed)
    h, cache = gru_forward(x, h0, params, "cho")
    out, ref = _torch_cho_reference(params, x, h0, dh)
    np.testing.assert_allclose(h, out, rtol=0, atol=1e-10)
    grads = gru_backward(dh, cache)
    for name in ref:
        np.testing.assert_allclose(grads[name], ref[name], rtol=0, atol=1e-10, err_msg=name)


def test_torch_round_trip_and_default_zero_state():
    torch.manual_seed(0)
    module = torch.nn.GRU(3, 5, dtype=torch.float64)
    params = from_torch(module, input_size=3, hidden_size=5)
    assert params.dtype == np.float64 and params.n_parameters == sum(
        p.numel() for p in module.parameters())
    back = from_torch(to_torch(params))
    for a, b in zip((params.W_ih, params.W_hh, params.b_ih, params.b_hh),
                    (back.W_ih, back.W_hh, back.b_ih, back.b_hh)):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(1).normal(size=(4, 2, 3))
    h, _ = gru_forward(x, None, params)
    out, _ = module(torch.tensor(x))
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=0, atol=1e-12)


def test_module_without_bias_gives_zero_biases():
    module = torch.nn.GRU(2, 3, bias=False, dtype=torch.float64)
    params = from_torch(module)
    assert not params.b_ih.any() and not params.b_hh.any()


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_finite_difference_gradients(formulation):
    """Central differences of L = sum(dh * h) for every parameter entry, x and h0."""
    params, x, h0, dh = _problem(T=4, B=2, D=3, H=3, seed=7)
    _, cache = gru_forward(x, h0, params, formulation)
    grads = gru_backward(dh, cache)

    def loss(p=params, x_=x, h0_=h0):
        return float((gru_forward(x_, h0_, p, formulation)[0] * dh).sum())

    names = ("W_ih", "W_hh", "b_ih", "b_hh")
    for name in names:
        mk = lambda a: GRUParams(**{n: (a if n == name else getattr(params, n))  # noqa: E731
                                    for n in names})
        num = numerical_gradient(lambda a: loss(mk(a)), getattr(params, name))
        np.testing.assert_allclose(grads["d" + name], num, rtol=1e-6, atol=1e-8, err_msg=name)
    for name, arr, kw in (("dx", x, "x_"), ("dh0", h0, "h0_")):
        num = numerical_gradient(lambda a: loss(**{kw: a}), arr)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)


def test_cho_formulation_by_hand():
    """One Cho et al. (2014) step written out from the equations, reset gate before W_hn."""
    params, x, h0, _ = _problem(T=1, B=2, D=3, H=4, seed=3)
    W_ir, W_iz, W_in = params.blocks("W_ih")
    W_hr, W_hz, W_hn = params.blocks("W_hh")
    b_ir, b_iz, b_in = params.blocks("b_ih")
    b_hr, b_hz, b_hn = params.blocks("b_hh")
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    xt, h = x[0], h0
    r = sig(xt @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = sig(xt @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = np.tanh(xt @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    step = gru_cell(xt, h, params, "cho")
    np.testing.assert_allclose(step["h"], (1 - z) * n + z * h, rtol=0, atol=1e-14)
    np.testing.assert_allclose(step["r"], r, rtol=0, atol=1e-14)
    one = gru_cell(xt[0], h[0], params, "cho")  # unbatched input gives unbatched output
    assert one["h"].shape == (4,)
    np.testing.assert_allclose(one["h"], step["h"][0], rtol=0, atol=1e-15)


def test_formulations_differ_on_same_weights():
    params, x, h0, _ = _problem(T=6, B=3, D=3, H=5, seed=11)
    h_pt, _ = gru_forward(x, h0, params, "pytorch")
    h_cho, _ = gru_forward(x, h0, params, "cho")
    assert np.abs(h_pt - h_cho).max() > 1e-3
    # ...but agree exactly when the reset gate is pinned to 1 (r = 1 makes both n identical)
    b_ih = params.b_ih.copy()
    b_ih[:params.hidden_size] = 50.0
    pinned = GRUParams(params.W_ih, params.W_hh, b_ih, params.b_hh)
    np.testing.assert_allclose(gru_forward(x, h0, pinned, "pytorch")[0],
                               gru_forward(x, h0, pinned, "cho")[0], rtol=0, atol=1e-12)


def test_state_stays_in_unit_box():
    """h' = (1 - z) n + z h is a convex combination of h and n in (-1, 1)."""
    params, x, h0, _ = _problem(T=50, B=3, D=3, H=4, seed=5)
    x = 20 * x
    for f in FORMULATIONS:
        h, cache = gru_forward(x, np.clip(h0, -1, 1), params, f)
        assert np.abs(h).max() <= 1.0
        np.testing.assert_allclose(cache["z"] + (1 - cache["z"]), 1.0)


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_state_jacobians_by_finite_differences(formulation):
    params, x, h0, _ = _problem(T=3, B=2, D=3, H=4, seed=2)
    _, cache = gru_forward(x, h0, params, formulation)
    J = gru_state_jacobians(cache)
    eps = 1e-6
    for t in range(3):
        for b in range(2):
            h = cache["hs"][t][b]
            num = np.stack([(gru_cell(x[t, b], h + eps * e, params, formulation)["h"]
                             - gru_cell(x[t, b], h - eps * e, params, formulation)["h"])
                            / (2 * eps) for e in np.eye(4)], axis=1)
            np.testing.assert_allclose(J[t, b], num, rtol=0, atol=1e-8)


def test_state_jacobian_equals_torch_autograd():
    params, x, h0, _ = _problem(T=2, B=1, D=3, H=4, seed=4)
    _, cache = gru_forward(x, h0, params, "pytorch")
    J = gru_state_jacobians(cache)
    cell = torch.nn.GRUCell(3, 4, dtype=torch.float64)
    module = to_torch(params)
    with torch.no_grad():
        for a, b in (("weight_ih", "weight_ih_l0"), ("weight_hh", "weight_hh_l0"),
                     ("bias_ih", "bias_ih_l0"), ("bias_hh", "bias_hh_l0")):
            getattr(cell, a).copy_(getattr(module, b))
    xt = torch.tensor(x[1])
    ref = torch.autograd.functional.jacobian(lambda h: cell(xt, h)[0],
                                             torch.tensor(cache["hs"][1]))[:, 0, :]
    np.testing.assert_allclose(J[1, 0], ref.numpy(), rtol=0, atol=1e-12)


def test_norms_to_end_matches_direct_product():
    rng = np.random.default_rng(0)
    J = rng.normal(size=(5, 3, 3))
    norms = norms_to_end(J)
    assert norms[-1] == 1.0
    np.testing.assert_allclose(norms[2], np.linalg.norm(J[4] @ J[3] @ J[2], 2))


@pytest.mark.parametrize("z_bias", [-4.0, 0.0, 2.0, 6.0])
@pytest.mark.parametrize("w_scale", [0.5, 1.0, 3.0])
def test_update_gate_flow_whole_range(z_bias, w_scale):
    out = update_gate_flow(z_bias, w_scale, T=30, H=8)
    assert out["gru"].shape == out["rnn"].shape == (31,)
    assert np.all(np.isfinite(out["gru"])) and np.all(out["gru"] > 0)
    assert out["gru"][-1] == out["rnn"][-1] == 1.0


def test_update_gate_near_one_keeps_gradient():
    """z -> 1 leaves J ~ identity: the gradient survives 60 steps; a tanh RNN's does not."""
    hi = update_gate_flow(8.0, 1.0)
    assert hi["z_mean"] > 0.99 and hi["gru"][0] > 0.5 and hi["rnn"][0] < 1e-3
    lo = update_gate_flow(-4.0, 1.0)
    assert lo["gru"][0] < 1e-3


BAD = [
    ("x", lambda p, x, h0: gru_forward(x[..., :2], h0, p), "x must have shape (T, B, input_size) = (T, B, 3)"),
    ("x 2-d", lambda p, x, h0: gru_forward(x[0], h0, p), "x must have shape"),
    ("h0", lambda p, x, h0: gru_forward(x, h0[:, :3], p), "h0 must have shape (B, hidden_size) = (2, 4)"),
    ("h0 batch", lambda p, x, h0: gru_forward(x, h0[:1], p), "h0 must have shape (B, hidden_size) = (2, 4)"),
    ("formulation", lambda p, x, h0: gru_forward(x, h0, p, "keras"), "formulation must be one of"),
    ("W_hh", lambda p, x, h0: GRUParams(p.W_ih, p.W_hh[:, :3], p.b_ih, p.b_hh), "W_hh must have shape (3H, H)"),
    ("W_ih", lambda p, x, h0: GRUParams(p.W_ih[:8], p.W_hh, p.b_ih, p.b_hh), "W_ih must have shape (3H, D) = (12, D)"),
    ("b_ih", lambda p, x, h0: GRUParams(p.W_ih, p.W_hh, p.b_ih[:4], p.b_hh), "b_ih must have shape (3H,) = (12,)"),
    ("b_hh", lambda p, x, h0: GRUParams(p.W_ih, p.W_hh, p.b_ih, p.b_hh[None]), "b_hh must have shape (3H,) = (12,)"),
    ("dtype", lambda p, x, h0: GRUParams(p.W_ih.astype(int), p.W_hh, p.b_ih, p.b_hh), "W_ih must be float32 or float64"),
    ("mixed dtype", lambda p, x, h0: GRUParams(p.W_ih.astype(np.float32), p.W_hh, p.b_ih, p.b_hh), "share one dtype"),
    ("params type", lambda p, x, h0: gru_forward(x, h0, {"W_ih": p.W_ih}), "params must be a GRUParams"),
    ("dh", lambda p, x, h0: gru_backward(np.zeros((5, 2, 4)), gru_forward(x, h0, p)[1]), "dh must have shape (T, B, H) = (3, 2, 4)"),
    ("to_torch hidden", lambda p, x, h0: to_torch(p, torch.nn.GRU(3, 5)), "module must have input_size=3 and hidden_size=4"),
    ("to_torch input", lambda p, x, h0: to_torch(p, torch.nn.GRU(2, 4)), "module must have input_size=3 and hidden_size=4"),
    ("to_torch lstm", lambda p, x, h0: to_torch(p, torch.nn.LSTM(3, 4)), "module must be a torch.nn.GRU"),
    ("from_torch hidden", lambda p, x, h0: from_torch(torch.nn.GRU(3, 5), hidden_size=4), "module must have hidden_size=4, got hidden_size=5"),
    ("from_torch layers", lambda p, x, h0: from_torch(torch.nn.GRU(3, 4, num_layers=2)), "num_layers=1"),
    ("from_torch rnn", lambda p, x, h0: from_torch(torch.nn.RNN(3, 4)), "module must be a torch.nn.GRU"),
    ("init", lambda p, x, h0: init_gru_params(0, 4, np.random.default_rng(0)), "input_size and hidden_size must be >= 1"),
    ("init rng", lambda p, x, h0: init_gru_params(3, 4, 0), "rng must be a numpy Generator"),
    ("norms_to_end", lambda p, x, h0: norms_to_end(np.zeros((3, 2, 3))), "J must have shape (T, H, H)"),
    ("flow", lambda p, x, h0: update_gate_flow(0.0, -1.0), "w_scale finite and >= 0"),
    ("blocks", lambda p, x, h0: p.blocks("W_hz"), "name must be one of"),
]


@pytest.mark.parametrize("case, call, message", BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_raise_value_error(case, call, message):
    params, x, h0, _ = _problem(T=3, B=2, D=3, H=4, seed=0)
    with pytest.raises(ValueError) as err:
        call(params, x, h0)
    assert message in str(err.value), (case, str(err.value))


def test_float32_runs_and_stays_float32():
    params, x, h0, dh = _problem(T=5, B=2, D=3, H=4, seed=1, dtype=np.float32)
    h, cache = gru_forward(x, h0, params)
    grads = gru_backward(dh, cache)
    assert h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    h64, _ = gru_forward(x, h0, params.astype(np.float64))
    np.testing.assert_allclose(h, h64, atol=1e-5)


@pytest.mark.slow
def test_explorer_renders_every_control_position():
    from helpers.gru import update_gate_explorer

    explorer = update_gate_explorer(T=20)
    grid = list(explorer.grid())
    assert len(grid) == 8 * 5
    for params in grid:
        png = explorer.png(**params)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_chapter_solution_snippets_run():
    """The python blocks in chapter 4's exercise solutions run (each ends in an assert)."""
    import contextlib
    import io
    import json
    import pathlib
    import re

    import helpers.gru as G

    nb = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "04_gru.ipynb"
    if not nb.exists():
        pytest.skip("chapter 4 notebook not present")
    cells = json.loads(nb.read_text())["cells"]
    blocks = [b for c in cells if c["cell_type"] == "markdown"
              for b in re.findall(r"```python\n(.*?)```", "".join(c["source"]), re.S)]
    assert len(blocks) >= 2
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(block, {"np": np, "G": G})
        assert "assert " in block and out.getvalue()
