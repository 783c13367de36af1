"""The three cells speak one dialect: the same verbs, with the same signatures, the same state and
gradient conventions, and the same handling of weights (issue 13)."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from helpers import gru, lstm, rnn

MODULES = {"rnn": rnn, "lstm": lstm, "gru": gru}
VERBS = ("init_params", "forward", "backward", "to_torch", "from_torch")
# what is genuinely different about a cell: an extra keyword-only option with a default
EXTRAS = {
    "rnn": {"init_params": {"num_layers"}, "forward": {"activation"}, "to_torch": {"activation"}},
    "lstm": {"init_params": {"forget_bias", "dtype"}},
    "gru": {"init_params": {"scale", "dtype"}, "forward": {"formulation"}},
}


def _shared(module_name, verb):
    sig = inspect.signature(getattr(MODULES[module_name], verb))
    extras = EXTRAS[module_name].get(verb, set())
    shared = [(p.name, p.kind, p.default) for p in sig.parameters.values() if p.name not in extras]
    tail = [p for p in sig.parameters.values() if p.name in extras]
    return shared, tail, list(sig.parameters)


@pytest.mark.parametrize("verb", VERBS)
def test_the_three_cells_share_each_verb_and_its_signature(verb):
    ref, _, _ = _shared("rnn", verb)
    for name in ("lstm", "gru"):
        shared, tail, order = _shared(name, verb)
        assert shared == ref, (name, verb)
    for name in MODULES:
        shared, tail, order = _shared(name, verb)
        # module-specific options come after the shared part, keyword-only, with defaults
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not p.empty
                   for p in tail), (name, verb)
        assert order[:len(shared)] == [s[0] for s in shared], (name, verb)


def test_sizes_are_keyword_only_where_order_could_be_confused():
    for name, module in MODULES.items():
        for verb in ("init_params", "from_torch"):
            params = inspect.signature(getattr(module, verb)).parameters
            for size in ("input_size", "hidden_size"):
                assert params[size].kind is inspect.Parameter.KEYWORD_ONLY, (name, verb, size)


def test_the_step_verbs_of_the_gated_cells_match():
    a = [(p.name, p.kind, p.default) for p in inspect.signature(lstm.step).parameters.values()]
    b = [(p.name, p.kind, p.default) for p in inspect.signature(gru.step).parameters.values()
         if p.name != "formulation"]
    assert a == b


def test_no_old_names_remain():
    old = {"rnn": ("rnn_forward", "rnn_backward", "train_adding"),
           "lstm": ("lstm_forward", "lstm_backward", "lstm_step", "lstm_peephole_forward",
                    "sigmoid"),
           "gru": ("gru_forward", "gru_backward", "gru_cell", "init_gru_params",
                   "gru_state_jacobians", "sigmoid", "_forward")}
    for name, names in old.items():
        for n in names:
            assert not hasattr(MODULES[name], n), (name, n)


def _build(name, B=3, T=4, D=2, H=5, seed=0):
    rng = np.random.default_rng(seed)
    params = MODULES[name].init_params(input_size=D, hidden_size=H, rng=rng)
    x = rng.normal(size=(T, B, D))
    if name == "lstm":
        state = (rng.normal(size=(1, B, H)), rng.normal(size=(1, B, H)))
    else:
        state = rng.normal(size=(1, B, H))
    return params, x, state


@pytest.mark.parametrize("name", MODULES)
def test_shapes_states_and_gradient_keys_are_those_of_torch(name):
    """forward -> (out (T, B, H), final state like torch's, cache); backward -> (grads keyed by
    the parameter names and shaped like them, dx (T, B, D), d_state like the state); the values
    equal the torch module's to 1e-10 (float64)."""
    params, x, state = _build(name)
    T, B, D = x.shape
    out, final, cache = MODULES[name].forward(params, x, state)
    module = MODULES[name].to_torch(params)
    xt = torch.tensor(x, requires_grad=True)
    st = (tuple(torch.tensor(s, requires_grad=True) for s in state) if name == "lstm"
          else torch.tensor(state, requires_grad=True))
    out_t, final_t = module(xt, st)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=1e-10)
    finals = final if name == "lstm" else (final,)
    finals_t = final_t if name == "lstm" else (final_t,)
    for f, ft in zip(finals, finals_t):
        assert f.shape == tuple(ft.shape)
        np.testing.assert_allclose(f, ft.detach().numpy(), rtol=0, atol=1e-10)
    rng = np.random.default_rng(1)
    R = rng.normal(size=out.shape)
    S = tuple(rng.normal(size=f.shape) for f in finals)
    loss = (out_t * torch.tensor(R)).sum() + sum((ft * torch.tensor(s)).sum()
                                                 for ft, s in zip(finals_t, S))
    loss.backward()
    grads, dx, d_state = MODULES[name].backward(cache, R, S if name == "lstm" else S[0])
    if name == "rnn":
        assert isinstance(grads, list) and len(grads) == 1
        grads = grads[0]
    assert set(grads) == {"W_ih", "W_hh", "b_ih", "b_hh"}
    for key, tname in (("W_ih", "weight_ih_l0"), ("W_hh", "weight_hh_l0"),
                       ("b_ih", "bias_ih_l0"), ("b_hh", "bias_hh_l0")):
        ref = getattr(module, tname).grad.numpy()
        assert grads[key].shape == ref.shape
        np.testing.assert_allclose(grads[key], ref, rtol=0, atol=1e-10, err_msg=key)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-10)
    d_states = d_state if name == "lstm" else (d_state,)
    for d, s in zip(d_states, st if name == "lstm" else (st,)):
        np.testing.assert_allclose(d, s.grad.numpy(), rtol=0, atol=1e-10)
    back = MODULES[name].from_torch(module, input_size=D, hidden_size=out.shape[2])
    again, _, _ = MODULES[name].forward(back, x, state)
    np.testing.assert_array_equal(again, out)


@pytest.mark.parametrize("name", MODULES)
def test_one_weight_validation_for_all_three(name):
    """Integer weights become float64 and NaN weights are refused the same way everywhere,
    through rnn.check_weights."""
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[name]
    H, D = 2, 3
    ints = (np.ones((blocks * H, D), dtype=int), np.ones((blocks * H, H), dtype=int),
            np.zeros(blocks * H, dtype=int), np.zeros(blocks * H, dtype=int))
    nan = (np.full((blocks * H, D), np.nan),) + ints[1:]
    if name == "rnn":
        make = lambda w: [dict(zip(("W_ih", "W_hh", "b_ih", "b_hh"), w))]  # noqa: E731
        out, _, _ = rnn.forward(make(ints), np.ones((2, 1, D)))
        assert out.dtype == np.float64
        with pytest.raises(ValueError, match=r"params\[0\]\['W_ih'\] must hold finite"):
            rnn.forward(make(nan), np.ones((2, 1, D)))
    else:
        cls = lstm.LSTMParams if name == "lstm" else gru.GRUParams
        assert cls(*ints).dtype == np.float64
        with pytest.raises(ValueError, match="W_ih must hold finite"):
            cls(*nan)


def test_from_torch_defaults_to_float64_for_all_three():
    for name, cls in (("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        params = MODULES[name].from_torch(cls(2, 3))  # a float32 module
        arr = params[0]["W_hh"] if name == "rnn" else params.W_hh
        assert arr.dtype == np.float64, name


@pytest.mark.parametrize("name", MODULES)
def test_nan_in_the_data_propagates_as_in_torch(name):
    """NaN in x is not refused (it is data): it spreads through the states exactly as in torch."""
    params, x, state = _build(name)
    x[1, 0, 0] = np.nan
    out, _, _ = MODULES[name].forward(params, x, state)
    st = (tuple(torch.tensor(s) for s in state) if name == "lstm" else torch.tensor(state))
    ref, _ = MODULES[name].to_torch(params)(torch.tensor(x), st)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref.detach().numpy()))
    assert np.isnan(out[1:, 0]).all() and not np.isnan(out[:, 1:]).any()
