"""Bidirectional layer (chapter 8): values and gradients equal to torch's bidirectional
LSTM/GRU (float64, 1e-10), the direction structure, bad inputs."""
import numpy as np
import pytest
import torch

from helpers import bidirectional as bi
from helpers import gru, lstm

T, B, D, H = 6, 3, 4, 5


def _torch_run(module, x, state, R, S):
    xt = torch.tensor(x, requires_grad=True)
    if isinstance(state, tuple):
        st = tuple(torch.tensor(s, requires_grad=True) for s in state)
    else:
        st = torch.tensor(state, requires_grad=True)
    out, fin = module(xt, st)
    loss = (out * torch.tensor(R)).sum()
    if isinstance(fin, tuple):
        loss = loss + sum((f * torch.tensor(s)).sum() for f, s in zip(fin, S))
    else:
        loss = loss + (fin * torch.tensor(S)).sum()
    loss.backward()
    return out, fin, xt, st


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("seed", [0, 1])
def test_values_and_gradients_equal_torch(cell, seed):
    rng = np.random.default_rng(seed)
    p = bi.init_params(cell, input_size=D, hidden_size=H, rng=rng)
    module = bi.to_torch(p)
    assert module.bidirectional and module.weight_ih_l0.dtype == torch.float64
    x = rng.normal(size=(T, B, D))
    if cell == "lstm":
        state = (rng.normal(size=(2, B, H)), rng.normal(size=(2, B, H)))
        S = (rng.normal(size=(2, B, H)), rng.normal(size=(2, B, H)))
    else:
        state, S = rng.normal(size=(2, B, H)), rng.normal(size=(2, B, H))
    R = rng.normal(size=(T, B, 2 * H))
    out, fin, cache = bi.forward(p, x, state)
    t_out, t_fin, xt, st = _torch_run(module, x, state, R, S)
    assert np.allclose(out, t_out.detach().numpy(), atol=1e-10, rtol=0)
    for a, b in zip(fin if cell == "lstm" else (fin,), t_fin if cell == "lstm" else (t_fin,)):
        assert np.allclose(a, b.detach().numpy(), atol=1e-10, rtol=0)
    grads, dx, dstate = bi.backward(cache, R, S)
    assert np.allclose(dx, xt.grad.numpy(), atol=1e-10, rtol=0)
    for a, b in zip(dstate if cell == "lstm" else (dstate,), st if cell == "lstm" else (st,)):
        assert np.allclose(a, b.grad.numpy(), atol=1e-10, rtol=0)
    for direction, suffix in (("forward", ""), ("backward", "_reverse")):
        for name, tname in zip(("W_ih", "W_hh", "b_ih", "b_hh"), bi._TORCH):
            want = getattr(module, tname + suffix).grad.numpy()
            assert np.allclose(grads[direction][name], want, atol=1e-10, rtol=0), (direction, name)
    back = bi.from_torch(module)
    for d in ("forward", "backward"):
        for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
            assert np.array_equal(getattr(getattr(back, d), name), getattr(getattr(p, d), name))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_halves_are_the_unidirectional_cells(cell):
    rng = np.random.default_rng(3)
    p = bi.init_params(cell, input_size=D, hidden_size=H, rng=rng)
    x = rng.normal(size=(T, B, D))
    out, _, _ = bi.forward(p, x)
    mod = {"lstm": lstm, "gru": gru}[cell]
    f, _, _ = mod.forward(p.forward, x)
    b, _, _ = mod.forward(p.backward, x[::-1].copy())
    assert np.allclose(out[:, :, :H], f) and np.allclose(out[:, :, H:], b[::-1])
    # the backward half at step t does not depend on x_1..x_{t-1}; the forward half does not
    # depend on x_{t+1}..x_T: y_t sees the whole sequence
    x2 = x.copy()
    x2[0] += 1.0
    out2, _, _ = bi.forward(p, x2)
    assert np.allclose(out2[1:, :, H:], out[1:, :, H:]) and not np.allclose(out2[1:, :, :H],
                                                                              out[1:, :, :H])


P = bi.init_params("gru", input_size=D, hidden_size=H, rng=np.random.default_rng(0))
PL = bi.init_params("lstm", input_size=D, hidden_size=H, rng=np.random.default_rng(0))
X = np.zeros((T, B, D))
_, _, CACHE = bi.forward(P, X)

BAD = [
    (bi.init_params, ("rnn",), dict(input_size=D, hidden_size=H, rng=np.random.default_rng(0)),
     ValueError, "cell"),
    (bi.init_params, ("gru",), dict(input_size=0, hidden_size=H, rng=np.random.default_rng(0)),
     ValueError, "input_size"),
    (bi.init_params, ("gru",), dict(input_size=D, hidden_size=2.5, rng=np.random.default_rng(0)),
     TypeError, "hidden_size"),
    (bi.init_params, ("gru",), dict(input_size=D, hidden_size=H, rng=0), TypeError, "rng"),
    (bi.init_params, (None,), dict(input_size=D, hidden_size=H, rng=np.random.default_rng(0)),
     ValueError, "cell"),
    (bi.forward, ("p", X), {}, TypeError, "params"),
    (bi.forward, (P, np.zeros((T, B, D + 1))), {}, ValueError, "x"),
    (bi.forward, (P, np.zeros((B, D))), {}, ValueError, "x"),
    (bi.forward, (P, X, np.zeros((1, B, H))), {}, ValueError, "state"),
    (bi.forward, (PL, X, np.zeros((2, B, H))), {}, TypeError, "state"),
    (bi.forward, (PL, X, (np.zeros((2, B, H)), np.zeros((2, B, H + 1)))), {}, ValueError,
     "state"),
    (bi.forward, (P, "x"), {}, TypeError, "x"),
    (bi.backward, ({}, None), {}, TypeError, "cache"),
    (bi.backward, ("cache", None), {}, TypeError, "cache"),
    (bi.backward, (CACHE, np.zeros((T, B, H))), {}, ValueError, "d_out"),
    (bi.backward, (CACHE, None, np.zeros((1, B, H))), {}, ValueError, "state"),
    (bi.backward, (CACHE, "d"), {}, TypeError, "d_out"),
    (bi.to_torch, ("p",), {}, TypeError, "params"),
    (bi.to_torch, (P, torch.nn.LSTM(D, H, bidirectional=True)), {}, TypeError, "module"),
    (bi.to_torch, (P, torch.nn.GRU(D, H)), {}, ValueError, "module"),
    (bi.to_torch, (P, torch.nn.GRU(D, H + 1, bidirectional=True)), {}, ValueError, "module"),
    (bi.to_torch, (P, torch.nn.GRU(D, H, num_layers=2, bidirectional=True)), {}, ValueError,
     "module"),
    (bi.from_torch, (torch.nn.RNN(D, H, bidirectional=True),), {}, TypeError, "module"),
    (bi.from_torch, (torch.nn.GRU(D, H),), {}, ValueError, "module"),
    (bi.from_torch, ("m",), {}, TypeError, "module"),
    (bi.from_torch, (torch.nn.LSTM(D, H, bidirectional=True, bias=False),), {}, ValueError,
     "module"),
    (bi.from_torch, (None,), {}, TypeError, "module"),
    (bi.BiParams, ("rnn", P.forward, P.backward), {}, ValueError, "cell"),
    (bi.BiParams, ("lstm", P.forward, P.backward), {}, TypeError, "forward"),
    (bi.BiParams, ("gru", P.forward, None), {}, TypeError, "backward"),
    (bi.BiParams, ("gru", P.forward, gru.init_params(input_size=D, hidden_size=H + 1,
                                                     rng=np.random.default_rng(0))), {},
     ValueError, "backward"),
    (bi.BiParams, ("gru", "f", P.backward), {}, TypeError, "forward"),
]


@pytest.mark.parametrize("fn,args,kw,exc,match", BAD,
                         ids=[f"{i}-{b[4]}" for i, b in enumerate(BAD)])
def test_bad_inputs(fn, args, kw, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args, **kw)


# --- the masked-word task ---------------------------------------------------------------------

VERSES = [np.array([3, 4, 5, 6]), np.array([7, 8, 9]), np.array([3, 9, 4, 8, 5])]


def test_masked_batch_hides_one_word_per_verse():
    x, pos, y = bi.masked_batch(VERSES, 50, np.random.default_rng(0), mask_id=2, pad_id=1,
                                max_len=6)
    assert x.shape == (50, 6)
    assert np.all(x[np.arange(50), pos] == 2) and np.all((x == 2).sum(1) == 1)
    assert np.all(y >= 3)


def test_bidirectional_model_learns_a_right_context_rule_the_left_model_cannot():
    """The hidden word equals the word after it: only the bidirectional model can see it."""
    rng = np.random.default_rng(0)
    verses = []
    for _ in range(400):
        v = rng.integers(3, 8, size=6)
        v[0:6:2] = v[1:6:2]                               # pairs (a, a): word i = word i +- 1
        verses.append(v)
    acc = {}
    for bid in (False, True):
        m = bi.masked_word_model(8, d_emb=8, d_hidden=16, bidirectional=bid, seed=0)
        bi.train_masked(m, verses, 150, mask_id=2, pad_id=1, batch_size=32, lr=1e-2,
                        device="cpu")
        assert next(m.parameters()).device.type == "cpu"
        acc[bid] = bi.masked_accuracy(m, verses, mask_id=2, pad_id=1, n=400)["accuracy"]
    assert acc[True] > 0.9 and acc[True] > acc[False] + 0.2


M0 = bi.masked_word_model(10, 4, 4, True, 0)

BAD_MASKED = [
    (bi.masked_batch, ([], 4, np.random.default_rng(0), 2, 1), {}, TypeError, "verses"),
    (bi.masked_batch, ("abc", 4, np.random.default_rng(0), 2, 1), {}, TypeError, "verses"),
    (bi.masked_batch, (VERSES, 0, np.random.default_rng(0), 2, 1), {}, ValueError, "batch_size"),
    (bi.masked_batch, (VERSES, 4, 0, 2, 1), {}, TypeError, "rng"),
    (bi.masked_batch, (VERSES, 4, np.random.default_rng(0), -1, 1), {}, ValueError, "mask_id"),
    (bi.masked_batch, (VERSES, 4, np.random.default_rng(0), 2, 1, 1), {}, ValueError, "max_len"),
    (bi.masked_batch, ([np.array([3])], 4, np.random.default_rng(0), 2, 1), {}, ValueError,
     "verses"),
    (bi.masked_word_model, (1,), {}, ValueError, "vocab_size"),
    (bi.masked_word_model, (10, 0), {}, ValueError, "d_emb"),
    (bi.masked_word_model, (10, 4, 2.5), {}, TypeError, "d_hidden"),
    (bi.masked_word_model, (10, 4, 4, "yes"), {}, TypeError, "bidirectional"),
    (bi.masked_word_model, (10, 4, 4, True, -1), {}, ValueError, "seed"),
    (bi.train_masked, ("m", VERSES, 1), dict(mask_id=2, pad_id=1), TypeError, "model"),
    (bi.train_masked, (M0, VERSES, 0), dict(mask_id=2, pad_id=1), ValueError, "steps"),
    (bi.train_masked, (M0, VERSES, 1), dict(mask_id=2, pad_id=1, lr=0), ValueError, "lr"),
    (bi.train_masked, (M0, VERSES, 1), dict(mask_id=2, pad_id=1, device=3), TypeError, "device"),
    (bi.train_masked, (M0, VERSES, 1), dict(mask_id=2, pad_id=1, lr=float("nan")), ValueError,
     "lr"),
    (bi.train_masked, (M0, VERSES, 1), dict(mask_id=2, pad_id=1, seed=-1), ValueError, "seed"),
    (bi.masked_accuracy, (None, VERSES), dict(mask_id=2, pad_id=1), TypeError, "model"),
    (bi.masked_accuracy, (M0, VERSES), dict(mask_id=2, pad_id=1, n=0), ValueError, "n"),
    (bi.masked_accuracy, (M0, VERSES), dict(mask_id=2, pad_id=1, device=None), TypeError,
     "device"),
    (bi.masked_accuracy, (M0, VERSES), dict(mask_id=2, pad_id=1, seed=-3), ValueError, "seed"),
    (bi.masked_accuracy, (M0, "v"), dict(mask_id=2, pad_id=1), TypeError, "verses"),
]


@pytest.mark.parametrize("fn,args,kw,exc,match", BAD_MASKED,
                         ids=[f"{i}-{b[4]}" for i, b in enumerate(BAD_MASKED)])
def test_bad_inputs_masked(fn, args, kw, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args, **kw)
