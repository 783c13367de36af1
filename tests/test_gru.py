"""The numpy GRU against torch.nn.GRU (float64), finite differences, and bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from helpers.gru import (FORMULATIONS, PIN_BIAS, W_SCALES, Z_BIASES, GRUParams, backward,
                         check_step_backward, draw_update_gate_flow, forward, from_torch,
                         init_params, norms_to_end, reset_gates, state_jacobians, step, tagger,
                         to_torch, update_gate_explorer, update_gate_flow)

from gradcheck import numerical_gradient
from badinput import assert_five_per_public_function, run_bad_input

def _problem(T, B, D, H, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = init_params(input_size=D, hidden_size=H, rng=rng, scale=0.8, dtype=dtype)
    x = rng.normal(size=(T, B, D)).astype(dtype)
    h0 = (0.5 * rng.normal(size=(B, H))).astype(dtype)
    dh = rng.normal(size=(T, B, H)).astype(dtype)
    return params, x, h0, dh


def _grads(cache, d_out, d_final_state=None):
    """backward's three results in one dict: the parameters' names, ``dx`` and ``dh0`` (B, H)."""
    grads, dx, d_state = backward(cache, d_out, d_final_state)
    return {**grads, "dx": dx, "dh0": d_state[0]}


def _torch_reference(params, x, h0, dh):
    """Outputs, final state and gradients of sum(dh * outputs) from torch.nn.GRU (double)."""
    module = to_torch(params)
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h0[None], requires_grad=True)
    out, h_last = module(xt, ht)
    (out * torch.tensor(dh)).sum().backward()
    grads = {"dx": xt.grad.numpy(), "dh0": ht.grad[0].numpy(),
             "W_ih": module.weight_ih_l0.grad.numpy(), "W_hh": module.weight_hh_l0.grad.numpy(),
             "b_ih": module.bias_ih_l0.grad.numpy(), "b_hh": module.bias_hh_l0.grad.numpy()}
    return out.detach().numpy(), h_last.detach().numpy()[0], grads


@settings(max_examples=30, deadline=None)
@given(T=st.integers(1, 7), B=st.integers(1, 4), D=st.integers(1, 6), H=st.integers(1, 6),
       seed=st.integers(0, 10_000))
def test_pytorch_formulation_equals_torch_gru(T, B, D, H, seed):
    params, x, h0, dh = _problem(T, B, D, H, seed)
    h, h_T, cache = forward(params, x, h0[None], formulation="pytorch")
    out, h_last, ref = _torch_reference(params, x, h0, dh)
    np.testing.assert_allclose(h, out, rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_T[0], h_last, rtol=0, atol=1e-10)
    grads = _grads(cache, dh)
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
             **{k: v.grad.numpy() for k, v in P.items()}}
    return out.detach().numpy(), grads


@settings(max_examples=15, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 3), D=st.integers(1, 5), H=st.integers(1, 5),
       seed=st.integers(0, 10_000))
def test_cho_formulation_equals_torch_autograd(T, B, D, H, seed):
    params, x, h0, dh = _problem(T, B, D, H, seed)
    h, _, cache = forward(params, x, h0[None], formulation="cho")
    out, ref = _torch_cho_reference(params, x, h0, dh)
    np.testing.assert_allclose(h, out, rtol=0, atol=1e-10)
    grads = _grads(cache, dh)
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
    h, _, _ = forward(params, x)
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
    R = np.random.default_rng(8).normal(size=(1,) + h0.shape)  # a loss on the final state too
    _, _, cache = forward(params, x, h0[None], formulation=formulation)
    grads = _grads(cache, dh, R)

    def loss(p=params, x_=x, h0_=h0):
        out, h_T, _ = forward(p, x_, h0_[None], formulation=formulation)
        return float((out * dh).sum() + (h_T * R).sum())

    names = ("W_ih", "W_hh", "b_ih", "b_hh")
    for name in names:
        mk = lambda a: GRUParams(**{n: (a if n == name else getattr(params, n))  # noqa: E731
                                    for n in names})
        num = numerical_gradient(lambda a: loss(mk(a)), getattr(params, name))
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)
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
    s = step(params, xt, h, formulation="cho")
    np.testing.assert_allclose(s["h"], (1 - z) * n + z * h, rtol=0, atol=1e-14)
    np.testing.assert_allclose(s["r"], r, rtol=0, atol=1e-14)
    one = step(params, xt[0], h[0], formulation="cho")  # unbatched input gives unbatched output
    assert one["h"].shape == (4,)
    np.testing.assert_allclose(one["h"], s["h"][0], rtol=0, atol=1e-15)


def test_formulations_differ_on_same_weights():
    params, x, h0, _ = _problem(T=6, B=3, D=3, H=5, seed=11)
    h_pt, _, _ = forward(params, x, h0[None], formulation="pytorch")
    h_cho, _, _ = forward(params, x, h0[None], formulation="cho")
    assert np.abs(h_pt - h_cho).max() > 1e-3
    # ...but agree exactly when the reset gate is pinned to 1 (r = 1 makes both n identical)
    b_ih = params.b_ih.copy()
    b_ih[:params.hidden_size] = 50.0
    pinned = GRUParams(params.W_ih, params.W_hh, b_ih, params.b_hh)
    np.testing.assert_allclose(forward(pinned, x, h0[None], formulation="pytorch")[0],
                               forward(pinned, x, h0[None], formulation="cho")[0], rtol=0, atol=1e-12)


def test_state_stays_in_unit_box():
    """h' = (1 - z) n + z h is a convex combination of h and n in (-1, 1)."""
    params, x, h0, _ = _problem(T=50, B=3, D=3, H=4, seed=5)
    x = 20 * x
    for f in FORMULATIONS:
        h, _, cache = forward(params, x, np.clip(h0, -1, 1)[None], formulation=f)
        assert np.abs(h).max() <= 1.0
        np.testing.assert_allclose(cache["z"] + (1 - cache["z"]), 1.0)


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_state_jacobians_by_finite_differences(formulation):
    params, x, h0, _ = _problem(T=3, B=2, D=3, H=4, seed=2)
    _, _, cache = forward(params, x, h0[None], formulation=formulation)
    J = state_jacobians(cache)
    eps = 1e-6
    for t in range(3):
        for b in range(2):
            h = cache["hs"][t][b]
            num = np.stack([(step(params, x[t, b], h + eps * e, formulation=formulation)["h"]
                             - step(params, x[t, b], h - eps * e, formulation=formulation)["h"])
                            / (2 * eps) for e in np.eye(4)], axis=1)
            np.testing.assert_allclose(J[t, b], num, rtol=0, atol=1e-8)


def test_state_jacobian_equals_torch_autograd():
    params, x, h0, _ = _problem(T=2, B=1, D=3, H=4, seed=4)
    _, _, cache = forward(params, x, h0[None])
    J = state_jacobians(cache)
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


def test_float32_runs_and_stays_float32():
    params, x, h0, dh = _problem(T=5, B=2, D=3, H=4, seed=1, dtype=np.float32)
    h, _, cache = forward(params, x, h0[None])
    grads = _grads(cache, dh)
    assert h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    h64, _, _ = forward(params.astype(np.float64), x, h0[None])
    np.testing.assert_allclose(h, h64, atol=1e-5)


def test_explorer_renders_every_control_position():
    """Every static control value (update-gate bias x weight scale) computes and draws."""
    import matplotlib.pyplot as plt

    explorer = update_gate_explorer(T=20)
    grid = list(explorer.grid())
    assert len(grid) == len(Z_BIASES) * len(W_SCALES)
    for params in grid:
        fig = explorer.render(**params)
        assert fig.axes and fig.axes[0].get_title()
        plt.close(fig)
    assert explorer.png()[:8] == b"\x89PNG\r\n\x1a\n"


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


# --------------------------------------------------------------------------------------------
# the tagger with the reset gate learned or pinned at 1 (chapter 4's marker-sum experiment)
def _tagger64(reset, H=4, D=3, seed=0):
    torch.manual_seed(seed)
    return tagger(H, input_size=D, reset=reset).double()


def test_learned_tagger_equals_torch_gru_and_numpy():
    m = _tagger64("learned")
    ref = torch.nn.GRU(3, 4, batch_first=True, dtype=torch.float64)
    ref.load_state_dict(m.rnn.state_dict())
    x = torch.tensor(np.random.default_rng(1).normal(size=(2, 6, 3)))
    with torch.no_grad():
        hs, _ = ref(x)
        want = (hs @ m.out.weight.T + m.out.bias).squeeze(-1)
        np.testing.assert_allclose(m(x).numpy(), want.numpy(), rtol=0, atol=1e-12)
    h_np, _, _ = forward(from_torch(m.rnn), x.numpy().transpose(1, 0, 2))
    np.testing.assert_allclose(h_np.transpose(1, 0, 2), hs.numpy(), rtol=0, atol=1e-10)
    assert m.n_trainable == sum(p.numel() for p in m.parameters())


def test_pinned_tagger_equals_the_formula_with_r_one():
    m = _tagger64("pinned", H=5, D=2, seed=3)
    p = from_torch(m.rnn)
    _, W_iz, W_in = p.blocks("W_ih")
    _, W_hz, W_hn = p.blocks("W_hh")
    _, b_iz, b_in = p.blocks("b_ih")
    _, b_hz, b_hn = p.blocks("b_hh")
    x = np.random.default_rng(2).normal(size=(3, 7, 2))           # (B, T, D)
    h = np.zeros((3, 5))
    for t in range(7):                                               # the GRU with r = 1
        z = 1 / (1 + np.exp(-(x[:, t] @ W_iz.T + b_iz + h @ W_hz.T + b_hz)))
        n = np.tanh(x[:, t] @ W_in.T + b_in + 1.0 * (h @ W_hn.T + b_hn))
        h = (1 - z) * n + z * h
    with torch.no_grad():
        hs, _ = m.rnn(torch.tensor(x))
    np.testing.assert_allclose(hs[:, -1].numpy(), h, rtol=0, atol=1e-11)
    r = reset_gates(m, x)
    assert r.shape == (3, 7, 5) and np.all(1 - r < 1e-12)
    assert float(torch.sigmoid(torch.tensor(PIN_BIAS, dtype=torch.float32))) == 1.0
    H, D = 5, 2
    assert m.n_trainable == sum(q.numel() for q in m.parameters()) - H * (D + H + 2)


def test_pinned_reset_block_does_not_move_in_training():
    torch.manual_seed(0)
    m = tagger(4, reset="pinned")
    before = {k: v.clone() for k, v in m.rnn.state_dict().items()}
    opt = torch.optim.Adam(m.parameters(), lr=0.1)
    x = torch.randn(5, 9, 2)
    for _ in range(5):
        opt.zero_grad()
        (m(x) ** 2).mean().backward()
        opt.step()
    for k, v in m.rnn.state_dict().items():
        assert torch.equal(v[:4], before[k][:4]), k                 # the reset block: unchanged
        assert not torch.equal(v[4:], before[k][4:]), k             # z and n blocks: trained
    assert torch.all(m.rnn.bias_ih_l0[:4] == PIN_BIAS)


def test_learned_tagger_reset_gates_equal_torch_formula():
    m = _tagger64("learned")
    x = np.random.default_rng(4).normal(size=(2, 5, 3))
    with torch.no_grad():
        hs, _ = m.rnn(torch.tensor(x))
    h_prev = np.concatenate([np.zeros((2, 1, 4)), hs.numpy()[:, :-1]], axis=1)
    W_ir, W_hr = m.rnn.weight_ih_l0[:4].detach().numpy(), m.rnn.weight_hh_l0[:4].detach().numpy()
    b_r = (m.rnn.bias_ih_l0[:4] + m.rnn.bias_hh_l0[:4]).detach().numpy()
    want = 1 / (1 + np.exp(-(x @ W_ir.T + h_prev @ W_hr.T + b_r)))
    np.testing.assert_allclose(reset_gates(m, x), want, rtol=0, atol=1e-12)


# the implement-it exercise: one step of the backward pass
def _step_backward(params, x, h_prev, d_h, r_in_dgh=True):
    """A one-step backward written out, as the chapter's solution; ``r_in_dgh=False`` is a
    plausible mistake (forgetting that r multiplies W_hn h + b_hn)."""
    W_ir, W_iz, W_in = params.blocks("W_ih")
    W_hr, W_hz, W_hn = params.blocks("W_hh")
    b_ir, b_iz, b_in = params.blocks("b_ih")
    b_hr, b_hz, b_hn = params.blocks("b_hh")
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    r = sig(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = sig(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    m = h_prev @ W_hn.T + b_hn
    n = np.tanh(x @ W_in.T + b_in + r * m)
    da_n = d_h * (1 - z) * (1 - n ** 2)
    da_z = d_h * (h_prev - n) * z * (1 - z)
    da_r = da_n * m * r * (1 - r)
    dgx = np.concatenate([da_r, da_z, da_n], axis=1)
    dgh = np.concatenate([da_r, da_z, da_n * r if r_in_dgh else da_n], axis=1)
    grads = {"W_ih": dgx.T @ x, "W_hh": dgh.T @ h_prev, "b_ih": dgx.sum(0), "b_hh": dgh.sum(0)}
    return grads, dgx @ params.W_ih, d_h * z + dgh @ params.W_hh


def test_check_step_backward_accepts_a_correct_one(capsys):
    assert check_step_backward(_step_backward, n_cases=30, seed=1) is True
    assert "all 30 cases agree" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, what", [
    (lambda p, x, h, d: _step_backward(p, x, h, d, r_in_dgh=False), "W_hh"),
    (lambda p, x, h, d: (lambda g: (g[0], g[1], g[2] - d * 0.1))(_step_backward(p, x, h, d)),
     "dh_prev"),
    (lambda p, x, h, d: ({k: v for k, v in _step_backward(p, x, h, d)[0].items() if k != "b_hh"},
                         *_step_backward(p, x, h, d)[1:]), "b_hh"),
    (lambda p, x, h, d: _step_backward(p, x, h, d)[:2], "must return"),
])
def test_check_step_backward_rejects_wrong_ones(wrong, what, capsys):
    assert check_step_backward(wrong, n_cases=10) is False
    out = capsys.readouterr().out
    assert "case 0" in out and what in out


# --------------------------------------------------------------------------------------------
# bad input: every public function and class, at least five cases each; the message names the
# argument
def _p(H=4, D=3):
    return init_params(input_size=D, hidden_size=H, rng=np.random.default_rng(0))


def _cache(formulation="pytorch"):
    return forward(_p(), np.zeros((3, 2, 3)), formulation=formulation)[2]


RNG = np.random.default_rng
Z = np.zeros
P = _p()

BAD = [
    ("GRUParams", lambda: GRUParams(P.W_ih, P.W_hh[:, :3], P.b_ih, P.b_hh), ValueError, r"W_hh must have shape \(3H, H\)"),
    ("GRUParams", lambda: GRUParams(P.W_ih[:8], P.W_hh, P.b_ih, P.b_hh), ValueError, r"W_ih must have shape \(3H, D\) = \(12, D\)"),
    ("GRUParams", lambda: GRUParams(P.W_ih, P.W_hh, P.b_ih[:4], P.b_hh), ValueError, r"b_ih must have shape \(3H,\) = \(12,\)"),
    ("GRUParams", lambda: GRUParams(P.W_ih, P.W_hh, P.b_ih, P.b_hh[None]), ValueError, r"b_hh must have shape"),
    ("GRUParams", lambda: GRUParams(P.W_ih.astype(np.complex128), P.W_hh, P.b_ih, P.b_hh), TypeError, "W_ih"),
    ("GRUParams", lambda: GRUParams(P.W_ih, P.W_hh * np.nan, P.b_ih, P.b_hh), ValueError, "W_hh"),
    ("GRUParams", lambda: GRUParams(P.W_ih, P.W_hh, "b", P.b_hh), TypeError, "b_ih"),
    ("GRUParams", lambda: P.blocks("W_hz"), ValueError, "name"),
    ("GRUParams", lambda: P.block("W_hh", "f"), ValueError, "gate"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=2.7, rng=RNG(0)), TypeError, "hidden_size"),
    ("init_params", lambda: init_params(input_size=3, hidden_size="2", rng=RNG(0)), TypeError, "hidden_size"),
    ("init_params", lambda: init_params(input_size=0, hidden_size=4, rng=RNG(0)), ValueError, "input_size"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=4, rng=0), TypeError, "rng"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=4, rng=RNG(0), scale=float("nan")), ValueError, "scale"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=4, rng=RNG(0), scale=-1.0), ValueError, "scale"),
    ("init_params", lambda: init_params(input_size=3, hidden_size=4, rng=RNG(0), dtype=int), ValueError, "dtype"),
    ("forward", lambda: forward(P, Z((3, 2, 2))), ValueError, r"x must have shape \(T, B, 3\)"),
    ("forward", lambda: forward(P, Z((2, 3))), ValueError, "x must have 3"),
    ("forward", lambda: forward(P, Z((3, 2, 3)), Z((1, 2, 3))), ValueError, "state"),
    ("forward", lambda: forward(P, Z((3, 2, 3)), Z((2, 4))), ValueError, "state"),
    ("forward", lambda: forward(P, Z((3, 2, 3)), formulation="keras"), ValueError, "formulation"),
    ("forward", lambda: forward({"W_ih": P.W_ih}, Z((3, 2, 3))), TypeError, "params"),
    ("forward", lambda: forward(P, Z((0, 2, 3))), ValueError, "x must hold"),
    ("backward", lambda: backward(_cache(), Z((5, 2, 4))), ValueError, "d_out"),
    ("backward", lambda: backward(_cache(), "d"), TypeError, "d_out"),
    ("backward", lambda: backward(_cache(), None, Z((2, 4))), ValueError, "d_final_state"),
    ("backward", lambda: backward(_cache(), None, Z((1, 2, 5))), ValueError, "d_final_state"),
    ("backward", lambda: backward({"hs": 1}, None), TypeError, "cache"),
    ("step", lambda: step(P, Z(2)), ValueError, "x"),
    ("step", lambda: step(P, Z((1, 2, 3))), ValueError, "x_t"),
    ("step", lambda: step(P, Z(3), Z(3)), ValueError, "state"),
    ("step", lambda: step(P, Z((2, 3)), Z((1, 4))), ValueError, "state"),
    ("step", lambda: step(P, Z(3), formulation="chung"), ValueError, "formulation"),
    ("step", lambda: step("p", Z(3)), TypeError, "params"),
    ("state_jacobians", lambda: state_jacobians(None), TypeError, "cache"),
    ("state_jacobians", lambda: state_jacobians({}), TypeError, "cache"),
    ("state_jacobians", lambda: state_jacobians({"hs": 1}), TypeError, "cache"),
    ("state_jacobians", lambda: state_jacobians([1]), TypeError, "cache"),
    ("state_jacobians", lambda: state_jacobians("cache"), TypeError, "cache"),
    ("norms_to_end", lambda: norms_to_end(Z((3, 2, 3))), ValueError, "J must have shape"),
    ("norms_to_end", lambda: norms_to_end(Z((3, 2))), ValueError, "J must have 3"),
    ("norms_to_end", lambda: norms_to_end(Z((0, 2, 2))), ValueError, "J must have shape"),
    ("norms_to_end", lambda: norms_to_end(np.full((2, 2, 2), np.nan)), ValueError, "J must hold finite"),
    ("norms_to_end", lambda: norms_to_end("J"), TypeError, "J must be"),
    ("update_gate_flow", lambda: update_gate_flow(0.0, -1.0), ValueError, "w_scale"),
    ("update_gate_flow", lambda: update_gate_flow(float("nan"), 1.0), ValueError, "z_bias"),
    ("update_gate_flow", lambda: update_gate_flow(0.0, 1.0, T=0), ValueError, "T"),
    ("update_gate_flow", lambda: update_gate_flow(0.0, 1.0, H=3.5), TypeError, "H"),
    ("update_gate_flow", lambda: update_gate_flow(0.0, 1.0, formulation="keras"), ValueError, "formulation"),
    ("update_gate_flow", lambda: update_gate_flow("0", 1.0), TypeError, "z_bias"),
    ("from_torch", lambda: from_torch(torch.nn.GRU(3, 5), hidden_size=4), ValueError, "hidden_size"),
    ("from_torch", lambda: from_torch(torch.nn.GRU(3, 4), input_size=2), ValueError, "input_size"),
    ("from_torch", lambda: from_torch(torch.nn.GRU(3, 4, num_layers=2)), ValueError, "num_layers"),
    ("from_torch", lambda: from_torch(torch.nn.RNN(3, 4)), TypeError, "module"),
    ("from_torch", lambda: from_torch(torch.nn.GRU(3, 4, bidirectional=True)), ValueError, "bidirectional"),
    ("from_torch", lambda: from_torch(torch.nn.GRU(3, 4), dtype="float16"), ValueError, "dtype"),
    ("to_torch", lambda: to_torch(P, torch.nn.GRU(3, 5)), ValueError, "hidden_size"),
    ("to_torch", lambda: to_torch(P, torch.nn.GRU(2, 4)), ValueError, "input_size"),
    ("to_torch", lambda: to_torch(P, torch.nn.LSTM(3, 4)), TypeError, "module"),
    ("to_torch", lambda: to_torch(P, torch.nn.GRU(3, 4, bias=False)), ValueError, "bias"),
    ("to_torch", lambda: to_torch(P, torch.nn.GRU(3, 4, num_layers=2)), ValueError, "num_layers"),
    ("to_torch", lambda: to_torch(None), TypeError, "params"),
    ("draw_update_gate_flow", lambda: draw_update_gate_flow(None), TypeError, "data"),
    ("draw_update_gate_flow", lambda: draw_update_gate_flow({}), TypeError, "data"),
    ("draw_update_gate_flow", lambda: draw_update_gate_flow({"gru": 1}), TypeError, "data"),
    ("draw_update_gate_flow", lambda: draw_update_gate_flow([1]), TypeError, "data"),
    ("draw_update_gate_flow", lambda: draw_update_gate_flow("frame"), TypeError, "data"),
    ("update_gate_explorer", lambda: update_gate_explorer(T=0), ValueError, "T"),
    ("update_gate_explorer", lambda: update_gate_explorer(T=2.5), TypeError, "T"),
    ("update_gate_explorer", lambda: update_gate_explorer(T="60"), TypeError, "T"),
    ("update_gate_explorer", lambda: update_gate_explorer(T=-5), ValueError, "T"),
    ("update_gate_explorer", lambda: update_gate_explorer(T=True), TypeError, "T"),
    ("tagger", lambda: tagger(0), ValueError, "hidden_size"),
    ("tagger", lambda: tagger(2.5), TypeError, "hidden_size"),
    ("tagger", lambda: tagger("8"), TypeError, "hidden_size"),
    ("tagger", lambda: tagger(4, input_size=0), ValueError, "input_size"),
    ("tagger", lambda: tagger(4, reset="off"), ValueError, "reset"),
    ("tagger", lambda: tagger(4, reset=None), ValueError, "reset"),
    ("reset_gates", lambda: reset_gates(torch.nn.GRU(2, 4), Z((1, 3, 2))), TypeError, "model"),
    ("reset_gates", lambda: reset_gates(None, Z((1, 3, 2))), TypeError, "model"),
    ("reset_gates", lambda: reset_gates(tagger(4), Z((3, 2))), ValueError, "x"),
    ("reset_gates", lambda: reset_gates(tagger(4), Z((1, 3, 5))), ValueError, "input_size"),
    ("reset_gates", lambda: reset_gates(tagger(4), np.full((1, 3, 2), np.nan)), ValueError, "x"),
    ("reset_gates", lambda: reset_gates(tagger(4), "x"), TypeError, "x"),
    ("check_step_backward", lambda: check_step_backward(None), TypeError, "fn"),
    ("check_step_backward", lambda: check_step_backward("backward"), TypeError, "fn"),
    ("check_step_backward", lambda: check_step_backward(backward, n_cases=0), ValueError, "n_cases"),
    ("check_step_backward", lambda: check_step_backward(backward, n_cases=2.5), TypeError, "n_cases"),
    ("check_step_backward", lambda: check_step_backward(backward, n_cases="3"), TypeError, "n_cases"),
    ("check_step_backward", lambda: check_step_backward(backward, seed=-1), ValueError, "seed"),
]


@pytest.mark.parametrize("name, call, exc, match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(name, call, exc, match):
    run_bad_input(call, exc, match)


def test_every_public_function_has_five_bad_inputs():
    import helpers.gru as module

    assert_five_per_public_function(module, BAD)


def test_integer_and_mixed_weights_are_handled_as_in_the_lstm():
    p = GRUParams(P.W_ih.astype(int), P.W_hh, P.b_ih, P.b_hh)
    assert p.dtype == np.float64
    q = GRUParams(P.W_ih.astype(np.float32), P.W_hh, P.b_ih, P.b_hh)
    assert q.dtype == np.float64
