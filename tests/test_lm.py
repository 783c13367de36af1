"""Tests of helpers.lm: invariants, reference computations, state carrying, checkpoints, training."""
import collections
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.nn as nn

from helpers import lm
from helpers.widgets import TextFrame

V = 23


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models: one thread is fastest, and far faster on a busy machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _models():
    torch.manual_seed(0)
    return {
        "ff": lm.FeedForwardLM(V, n=4, d_emb=8, d_hidden=12),
        "ff_direct": lm.FeedForwardLM(V, n=3, d_emb=8, d_hidden=12, direct=True),
        "rnn": lm.RNNLM(V, d_emb=8, d_hidden=12),
        "lstm": lm.LSTMLM(V, d_emb=8, d_hidden=12, n_layers=2, dropout=0.3),
        "lstm_tied": lm.LSTMLM(V, d_emb=12, d_hidden=12, n_layers=1, tie=True),
        "lstm_adaptive": lm.LSTMLM(V, d_emb=8, d_hidden=16, n_layers=1, cutoffs=(6, 14)),
        "rnn_adaptive": lm.RNNLM(V, d_emb=8, d_hidden=12, cutoffs=(6,)),
        "ff_adaptive": lm.FeedForwardLM(V, n=3, d_emb=8, d_hidden=16, cutoffs=(6, 14)),
    }


class UniformLM(nn.Module):
    """Outputs the same score for every word: P(w | anything) = 1 / V."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size

    def init_state(self, batch_size):
        return torch.zeros(batch_size, 1)

    def forward(self, x, state):
        return torch.zeros(*x.shape, self.vocab_size), state


def _stream(n=400, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, V, size=n)
    ids[rng.random(n) < 0.15] = 1                                       # some </s>
    return ids


@pytest.mark.parametrize("vocab_size", [2, 7, 10_000])
def test_uniform_model_perplexity_is_vocabulary_size(vocab_size):
    ids = np.random.default_rng(1).integers(0, vocab_size, size=300)
    ids[::17] = 1
    for b in (1, 5):
        assert lm.perplexity(UniformLM(vocab_size), ids, batch_size=b) == pytest.approx(vocab_size, rel=1e-5)  # float32 logits


@pytest.mark.parametrize("name", list(_models()))
def test_carried_state_equals_unbroken_forward(name):
    model = _models()[name].eval()
    x = torch.as_tensor(_stream(3 * 30)).view(3, 30)
    with torch.no_grad():
        full, _ = model(x, model.init_state(3))
        state, parts = model.init_state(3), []
        for s in range(0, 30, 7):                                      # windows 7, 7, 7, 7, 2
            out, state = model(x[:, s:s + 7], lm.detach_state(state))
            parts.append(out)
    torch.testing.assert_close(torch.cat(parts, 1), full, rtol=0, atol=1e-6)


def test_bptt_windows_tile_the_batchified_stream():
    ids = np.arange(3, 3 + 20) % V
    data = lm.batchify(ids, 3)                                           # (3, 6); 2 ids dropped
    assert data.shape == (3, 6) and data[1, 0] == ids[6]
    xs, ys = zip(*lm.bptt_batches(data, 4))
    assert [x.shape[1] for x in xs] == [4, 1]
    torch.testing.assert_close(torch.cat(xs, 1), data[:, :-1])
    torch.testing.assert_close(torch.cat(ys, 1), data[:, 1:])


def test_rnn_matches_elman_equation():
    """h_t = tanh(W_ih e_t + b_ih + W_hh h_{t-1} + b_hh), logits = W_out h_t + b_out."""
    torch.manual_seed(3)
    m = lm.RNNLM(V, d_emb=5, d_hidden=6).double().eval()
    x = torch.as_tensor(_stream(9)).view(1, 9)
    with torch.no_grad():
        logits, _ = m(x, m.init_state(1).double())
        W_ih, W_hh = m.rnn.weight_ih_l0, m.rnn.weight_hh_l0
        b = m.rnn.bias_ih_l0 + m.rnn.bias_hh_l0
        h = torch.zeros(6, dtype=torch.float64)
        for t in range(9):
            h = torch.tanh(W_ih @ m.C.weight[x[0, t]] + W_hh @ h + b)
            torch.testing.assert_close(logits[0, t], m.W_out.weight @ h + m.W_out.bias, atol=1e-12, rtol=0)


def test_feedforward_matches_bengio_equation():
    """y = b_out + W_out tanh(b + W_ih [C(w_{t-3}); C(w_{t-2}); C(w_{t-1})]) + W_direct [...]."""
    torch.manual_seed(4)
    m = lm.FeedForwardLM(V, n=4, d_emb=3, d_hidden=5, direct=True).double().eval()
    x = torch.as_tensor(_stream(8)).view(1, 8)
    with torch.no_grad():
        logits, state = m(x, m.init_state(1))
        ctx = [1, 1, 1] + x[0].tolist()                                 # three </s> before
        for t in range(8):                                             # window ends at x_t
            e = torch.cat([m.C.weight[w] for w in ctx[t + 1:t + 4]])
            y = m.W_out(torch.tanh(m.W_ih(e))) + m.W_direct(e)
            torch.testing.assert_close(logits[0, t], y, atol=1e-12, rtol=0)
    assert state.tolist() == [x[0, -3:].tolist()]


def test_evaluation_predicts_every_token_and_batching_keeps_order():
    # a bigram-window model (n = 2) depends only on the previous id, and pieces are cut after a
    # </s>, so every batch size must give exactly the same per-token log-probabilities
    torch.manual_seed(5)
    m = lm.FeedForwardLM(V, n=2, d_emb=4, d_hidden=6)
    ids = _stream(500)
    ref = lm.evaluate(m, ids, batch_size=1, return_logprobs=True)
    assert ref["n"] == len(ids)
    # by hand: first token predicted after </s>
    with torch.no_grad():
        prev = torch.as_tensor(np.r_[1, ids[:-1]]).view(1, -1)
        logits, _ = m(prev[:, :1], m.init_state(1))
        first = torch.log_softmax(logits[0, 0], -1)[ids[0]].item()
    assert ref["logprobs"][0] == pytest.approx(first, abs=1e-6)
    assert ref["nll"] == pytest.approx(-ref["logprobs"].astype(np.float64).mean(), rel=1e-5)
    for b in (3, 8, 40):
        other = lm.evaluate(m, ids, batch_size=b, bptt=17, return_logprobs=True)
        assert other["n"] == len(ids)
        np.testing.assert_allclose(other["logprobs"], ref["logprobs"], atol=1e-5)


@pytest.mark.parametrize("name", list(_models()))
def test_checkpoint_reloads_to_identical_outputs(name, tmp_path):
    model = _models()[name].eval()
    path = str(tmp_path / "m.pt")
    lm.save_checkpoint(path, model, extra={"note": "x"})
    again, extra = lm.load_checkpoint(path)
    assert extra == {"note": "x"} and type(again) is type(model)
    x = torch.as_tensor(_stream(40)).view(2, 20)
    with torch.no_grad():
        a, _ = model(x, model.init_state(2))
        b, _ = again(x, again.init_state(2))
    assert torch.equal(a, b)


@pytest.mark.parametrize("name", ["lstm", "lstm_adaptive"])
def test_float16_checkpoint_is_half_the_size_and_rounds_only_the_weights(name, tmp_path):
    model = _models()[name].eval()
    full, half = str(tmp_path / "full.pt"), str(tmp_path / "half.pt")
    lm.save_checkpoint(full, model)
    lm.save_checkpoint(half, model, dtype="float16")
    stored = torch.load(half, weights_only=True)["state_dict"]
    assert all(t.dtype == torch.float16 for t in stored.values() if t.is_floating_point())
    again, _ = lm.load_checkpoint(half)
    n_bytes = 4 * lm.n_parameters(model)
    assert os.path.getsize(half) < os.path.getsize(full) - 0.4 * n_bytes
    for (k, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        assert b.dtype == a.dtype                                      # back to float32
        torch.testing.assert_close(b, a.half().float(), rtol=0, atol=0, msg=k)
    x = torch.as_tensor(_stream(40)).view(2, 20)
    with torch.no_grad():
        d = (model(x, model.init_state(2))[0] - again(x, again.init_state(2))[0]).abs().max()
    assert 0 < d < 1e-2                                                # rounded, not broken


def _one_step(optimizer, weight_decay, lr=1e-2):
    """Train a dropout-free LSTM for exactly one step; return (w0, gradient, w1) per parameter,
    a fresh copy of the model with the same gradient, and the window's inputs."""
    model = lm.LSTMLM(V, 6, 6, n_layers=1, seed=3)
    B, T = 2, 5
    ids = _stream(B * (T + 1), seed=4)                                 # one window per epoch
    w0 = {k: p.detach().clone() for k, p in model.named_parameters()}
    ref = lm.LSTMLM(V, 6, 6, n_layers=1, seed=3)
    data = lm.batchify(ids, B, V)
    x, y = next(lm.bptt_batches(data, T))
    loss, _ = ref.loss(x, y, ref.init_state(B))
    loss.backward()
    grad = {k: (p.grad.clone() if p.grad is not None else torch.zeros_like(p))
            for k, p in ref.named_parameters()}
    cfg = lm.TrainConfig(batch_size=B, bptt=T, lr=lr, optimizer=optimizer, clip=None,
                         weight_decay=weight_decay, max_epochs=1, plateau_factor=1.0,
                         early_stop_patience=None, restore_best=False, eval_batch_size=2,
                         progress=False, seed=0)
    hist = lm.train(model, ids, _stream(20, seed=5), cfg)
    assert hist.step == [1]
    return w0, grad, dict(model.named_parameters()), ref, x


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_adam_couples_and_adamw_decouples_the_weight_decay(optimizer):
    """One step from known weights against Adam's first step written out (m = g, v = g^2 after
    bias correction) and against torch's own optimiser: "adam" adds wd * w to the gradient
    before normalising it, "adamw" shrinks w by lr * wd beside the normalised gradient step."""
    lr, wd, eps = 1e-2, 0.1, 1e-8
    w0, grad, w1, ref, x = _one_step(optimizer, wd, lr)
    opt_class = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[optimizer]
    opt_class(list(ref.parameters()), lr=lr, weight_decay=wd).step()
    moved = dict(ref.named_parameters())
    for k in w0:
        g = grad[k]
        if optimizer == "adam":
            g = g + wd * w0[k]
            expected = w0[k] - lr * g / (g.abs() + eps)
        else:
            expected = w0[k] * (1 - lr * wd) - lr * g / (g.abs() + eps)
        torch.testing.assert_close(w1[k].detach(), expected, rtol=1e-5, atol=1e-6, msg=k)
        torch.testing.assert_close(w1[k].detach(), moved[k].detach(), rtol=1e-6, atol=1e-7, msg=k)
    # the rows of words absent from the window get no gradient: Adam moves them by a full
    # step lr * sign(w) (its L2 gradient is all there is), AdamW only by the decay lr * wd * w
    unused = [i for i in range(V) if i not in set(x.flatten().tolist())]
    assert unused
    row = w0["C.weight"][unused[0]]
    step = (row - w1["C.weight"].detach()[unused[0]]).abs()
    if optimizer == "adam":
        torch.testing.assert_close(step, torch.full_like(row, lr), rtol=1e-4, atol=1e-7)
    else:
        torch.testing.assert_close(step, lr * wd * row.abs(), rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("name", ["lstm_adaptive", "rnn_adaptive"])
def test_adaptive_softmax_is_a_normalised_distribution(name):
    model = _models()[name].eval()
    x = torch.as_tensor(_stream(30)).view(2, 15)
    with torch.no_grad():
        scores, _ = model(x, model.init_state(2))
    torch.testing.assert_close(scores.exp().sum(-1), torch.ones(2, 15), atol=1e-5, rtol=0)
    # and evaluate() treats the log-probabilities exactly like logits
    ev = lm.evaluate(model, _stream(60), batch_size=1, return_logprobs=True)
    assert ev["nll"] == pytest.approx(-ev["logprobs"].astype(np.float64).mean(), rel=1e-5)


@pytest.mark.parametrize("name", list(_models()))
def test_training_loss_path_equals_cross_entropy_of_the_scores(name):
    model = _models()[name].eval()
    x = torch.as_tensor(_stream(40)).view(2, 20)
    y = torch.as_tensor(_stream(40, seed=1)).view(2, 20)
    with torch.no_grad():
        scores, s1 = model(x, model.init_state(2))
        loss, s2 = model.loss(x, y, model.init_state(2))
    ref = torch.nn.functional.cross_entropy(scores.reshape(-1, V), y.reshape(-1))
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    for a, b in zip(s1 if isinstance(s1, tuple) else (s1,), s2 if isinstance(s2, tuple) else (s2,)):
        assert torch.equal(a, b)


def test_weight_tying_shares_one_matrix():
    m = lm.LSTMLM(V, 12, 12, n_layers=1, tie=True)
    assert m.W_out.weight is m.C.weight
    untied = lm.LSTMLM(V, 12, 12, n_layers=1, tie=False)
    assert lm.n_parameters(untied) - lm.n_parameters(m) == V * 12


def test_dropout_is_off_at_evaluation_and_on_in_training():
    torch.manual_seed(6)
    m = lm.LSTMLM(V, 8, 8, n_layers=2, dropout=0.5)
    x = torch.as_tensor(_stream(20)).view(1, 20)
    m.eval()
    with torch.no_grad():
        a = m(x, m.init_state(1))[0]
        b = m(x, m.init_state(1))[0]
        m.train()
        c = m(x, m.init_state(1))[0]
    assert torch.equal(a, b) and not torch.allclose(a, c)


def test_training_on_a_tiny_corpus_drives_perplexity_down():
    # a deterministic "grammar": each verse is one of three fixed sentences
    sents = [[3, 4, 5, 6], [7, 8, 9], [10, 4, 11, 12, 13]]
    rng = np.random.default_rng(0)
    ids = np.concatenate([sents[k] + [1] for k in rng.integers(0, 3, size=400)])
    valid = np.concatenate([sents[k] + [1] for k in rng.integers(0, 3, size=60)])
    torch.manual_seed(0)
    m = lm.LSTMLM(V, 16, 16, n_layers=1)
    before = lm.perplexity(m, valid)
    cfg = lm.TrainConfig(batch_size=8, bptt=10, lr=1e-2, max_epochs=6, progress=False, seed=0,
                         train_eval_tokens=200)
    hist = lm.train(m, ids, valid, cfg)
    after = lm.perplexity(m, valid)
    assert before > 15                                                 # ~V at initialisation
    # the best possible: 1/3 choice per verse over ~5 tokens -> perplexity 3^(1/5) ~ 1.25
    assert after < 1.6
    assert hist.valid_ppl[-1] < hist.valid_ppl[0] and len(hist.train_ppl) == len(hist.valid_ppl)
    assert after == pytest.approx(hist.best_valid_ppl, rel=1e-6)      # best weights restored


def _grammar(n, seed):
    sents = [[3, 4, 5, 6], [7, 8, 9], [10, 4, 11, 12, 13]]
    rng = np.random.default_rng(seed)
    return np.concatenate([sents[k] + [1] for k in rng.integers(0, 3, size=n)])


def test_cosine_schedule_sets_every_step_rate_from_lr_down_to_min_lr():
    seen = []

    class Spy(lm.LSTMLM):                               # records the rate each step trains with
        def loss(self, x, y, state):
            seen.append(self.opt_ref.param_groups[0]["lr"])
            return super().loss(x, y, state)

    m = Spy(V, 8, 8, n_layers=1, seed=0)
    orig = torch.optim.Adam

    def adam(params, **kw):
        m.opt_ref = orig(params, **kw)
        return m.opt_ref

    cfg = _cfg(lr=1e-2, min_lr=1e-4, max_epochs=3, lr_schedule="cosine", plateau_factor=0.5,
               early_stop_patience=None, seed=0)
    ids = _grammar(60, 0)
    import unittest.mock as mock
    with mock.patch.object(torch.optim, "Adam", adam):
        hist = lm.train(m, ids, _grammar(10, 1), cfg)
    n = len(seen)
    expect = [1e-4 + (1e-2 - 1e-4) * 0.5 * (1 + math.cos(math.pi * t / n)) for t in range(n)]
    assert n == hist.step[-1] > 10
    assert seen == pytest.approx(expect, rel=1e-12)    # the plateau rule is off: no halving
    assert seen[0] == 1e-2 and seen[-1] < 1e-2 * 0.01 + 1e-4


def test_bfloat16_autocast_trains_close_to_float32_and_keeps_float32_weights():
    ids, valid = _grammar(400, 0), _grammar(60, 1)
    out = {}
    for amp in (None, "bfloat16"):
        m = lm.LSTMLM(V, 16, 16, n_layers=1, seed=0)
        cfg = lm.TrainConfig(batch_size=8, bptt=10, lr=1e-2, max_epochs=6, progress=False,
                             seed=0, autocast=amp)
        hist = lm.train(m, ids, valid, cfg)
        assert all(p.dtype == torch.float32 for p in m.parameters())
        out[amp] = (hist, lm.perplexity(m, valid), m)
    h32, p32, m32 = out[None]
    h16, p16, m16 = out["bfloat16"]
    assert p16 < 1.6 and p32 < 1.6                     # both learn the grammar (best ~1.25)
    # the first step's loss: the same model and batch, bfloat16 within 1 % of float32
    assert h16.train_ppl_running[0] == pytest.approx(h32.train_ppl_running[0], rel=0.02)
    # and the runs really differ (autocast was on): bfloat16 rounds the products
    assert not all(torch.equal(a, b) for a, b in zip(m32.parameters(), m16.parameters()))


def test_rare_to_unk_replaces_only_rare_ids_at_rate_p():
    rng = np.random.default_rng(0)
    common = rng.integers(3, 10, size=20_000)                           # ids 3..9, thousands each
    rare = np.arange(10, 2010)                                          # 2,000 singletons
    twice = np.repeat(np.arange(2010, 2510), 2)                         # 500 ids seen twice
    ids = rng.permutation(np.concatenate([common, rare, twice]))
    t = torch.as_tensor(ids)
    assert torch.equal(lm.rare_to_unk(ids, 0.0), t)
    all1 = lm.rare_to_unk(ids, 1.0)
    assert torch.equal(all1 == 0, torch.as_tensor(np.isin(ids, rare)))
    all2 = lm.rare_to_unk(ids, 1.0, max_count=2)
    assert torch.equal(all2 == 0, torch.as_tensor(np.isin(ids, np.concatenate([rare, twice]))))
    half = lm.rare_to_unk(ids, 0.5, generator=torch.Generator().manual_seed(1))
    changed = half != t
    assert torch.equal(changed, half == 0)                              # only ever to <unk>
    assert not changed[torch.as_tensor(~np.isin(ids, rare))].any()      # common ids untouched
    assert abs(int(changed.sum()) - 1000) < 4 * math.sqrt(2000 * 0.25)  # Binomial(2000, 1/2)
    again = lm.rare_to_unk(ids, 0.5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(half, again)
    assert lm.rare_to_unk(ids, 1.0, unk_id=2)[np.isin(ids, rare)].eq(2).all()


def test_unk_rate_teaches_the_model_where_an_unseen_word_goes():
    # every verse is "3 4 X </s>" with X a different word each time: in a test verse X is a word
    # never seen in training (<unk>, id 0), which only the model trained with unk_rate expects
    n_words = 300
    ids = np.concatenate([[3, 4, x, 1] for x in range(10, n_words)])
    valid = np.array([3, 4, 0, 1] * 20)
    p_unk = {}
    for rate in (0.0, 0.5):
        torch.manual_seed(0)
        m = lm.LSTMLM(n_words, 16, 16, n_layers=1)
        cfg = lm.TrainConfig(batch_size=4, bptt=8, lr=1e-2, max_epochs=8, progress=False, seed=0,
                             unk_rate=rate)
        lm.train(m, ids, valid[:40], cfg)
        with torch.no_grad():
            logits, _ = m(torch.tensor([[1, 3, 4]]), m.init_state(1))
        p_unk[rate] = float(torch.softmax(logits[0, -1], -1)[0])
    assert p_unk[0.0] < 0.01 < 0.2 < p_unk[0.5]


def test_greedy_limit_of_temperature_and_reproducible_sampling():
    torch.manual_seed(7)
    m = lm.RNNLM(V, 8, 8).eval()
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert lm.sample(m, 15, 0.8, generator=g1) == lm.sample(m, 15, 0.8, generator=g2)
    cold = lm.sample(m, 10, 1e-4, generator=torch.Generator().manual_seed(2))
    state, prev, greedy = m.init_state(1), 1, []
    with torch.no_grad():
        for _ in range(10):
            logits, state = m(torch.tensor([[prev]]), state)
            prev = int(logits[0, -1].argmax())
            greedy.append(prev)
    assert cold == greedy
    ids = lm.sample(m, 200, 1.0, generator=torch.Generator().manual_seed(3), stop_at_eos=2)
    assert ids.count(1) <= 2 and all(0 <= i < V for i in ids)


# ---------------------------------------------------------------------------------------------
# Bad inputs: a table per public function and class (issue 13). Each row: the function the row
# belongs to, a call, the exception type, and a pattern that names the argument.
# ---------------------------------------------------------------------------------------------

def _tiny():
    return lm.RNNLM(V, 4, 4, seed=0)


def _tiny_lstm():
    return lm.LSTMLM(V, 4, 4, n_layers=2, seed=0)


def _cfg(**kw):
    return lm.TrainConfig(**{"batch_size": 2, "bptt": 5, "progress": False, **kw})


def _x(B=2, T=5):
    return torch.as_tensor(_stream(B * T)).view(B, T)


def _vocab(size=V):
    """A Vocab of ``size`` ids: the three specials and words w3, w4, ..."""
    from helpers.data import SPECIALS, Vocab

    return Vocab(SPECIALS + tuple(f"w{i}" for i in range(3, size)), (0,) * size)


def test_sample_verses_draws_the_seeded_samples_as_verses():
    model = lm.LSTMLM(V, 8, 8, n_layers=1, seed=0)
    vocab = _vocab()
    out = lm.sample_verses(model, vocab, (0.5, 1.0), seed=7, n_verses=2, max_tokens=40)
    assert list(out) == ["0.5", "1.0"]
    for T in (0.5, 1.0):
        ids = lm.sample(model, 40, temperature=T, generator=torch.Generator().manual_seed(7),
                        stop_at_eos=2)
        lines = out[str(T)].split("\n")
        assert " ".join(lines).split() == vocab.decode(ids)              # the same draws, in order
        assert all(line.endswith("</s>") for line in lines[:-1]) and len(lines) <= 2
    assert lm.sample_verses(model, vocab, (0.5,), seed=7) == lm.sample_verses(model, vocab, (0.5,), seed=7)


def _write(tmp, name, obj):
    path = str(tmp / name)
    torch.save(obj, path)
    return path


BAD_INPUTS = [
    # FeedForwardLM
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, n=1), ValueError, "n must be"),
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, n=2.5), TypeError, "n must be"),
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, d_emb=0), ValueError, "d_emb"),
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, dropout=float("nan")), ValueError, "dropout"),
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, direct=True, cutoffs=(5,)), ValueError, "direct=True"),
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, direct="yes"), TypeError, "direct"),
    ("FeedForwardLM", lambda t: lm.FeedForwardLM(V, seed=-1), ValueError, "seed"),
    ("FeedForwardLM.forward", lambda t: lm.FeedForwardLM(V, n=3, d_emb=2, d_hidden=2)(_x(), torch.zeros(2, 2)), ValueError, "state"),
    ("FeedForwardLM.forward", lambda t: lm.FeedForwardLM(V, n=3, d_emb=2, d_hidden=2)(_x().float(), None), TypeError, "x must hold integer"),
    # RNNLM
    ("RNNLM", lambda t: lm.RNNLM(0), ValueError, "vocab_size"),
    ("RNNLM", lambda t: lm.RNNLM(1), ValueError, "vocab_size"),
    ("RNNLM", lambda t: lm.RNNLM(V, d_hidden=2.7), TypeError, "d_hidden"),
    ("RNNLM", lambda t: lm.RNNLM("23"), TypeError, "vocab_size"),
    ("RNNLM", lambda t: lm.RNNLM(V, 8, 8, cutoffs=(V,)), ValueError, "cutoffs"),
    ("RNNLM", lambda t: lm.RNNLM(V, 8, 8, cutoffs=5), TypeError, "cutoffs"),
    ("RNNLM", lambda t: lm.RNNLM(V, dropout=-0.1), ValueError, "dropout"),
    ("RNNLM", lambda t: lm.RNNLM(V, seed=1.5), TypeError, "seed"),
    ("RNNLM.forward", lambda t: _tiny()(_x(), torch.zeros(1, 3, 4)), ValueError, "h must"),
    ("RNNLM.forward", lambda t: _tiny()(_x() + V, _tiny().init_state(2)), ValueError, "x must hold ids"),
    ("RNNLM.forward", lambda t: _tiny()(_x()[0], _tiny().init_state(2)), ValueError, "x must have shape"),
    ("RNNLM.loss", lambda t: _tiny().loss(_x(), _x(2, 4), _tiny().init_state(2)), ValueError, "y must have"),
    ("RNNLM.init_state", lambda t: _tiny().init_state(0), ValueError, "batch_size"),
    # LSTMLM
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 12, tie=True), ValueError, "tie=True"),
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 8, dropout=1.0), ValueError, "dropout"),
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 8, n_layers=0), ValueError, "n_layers"),
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 8, n_layers=True), TypeError, "n_layers"),
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 8, tie=True, cutoffs=(5,)), ValueError, "tie=True"),
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 8, cutoffs=(9, 5)), ValueError, "cutoffs"),
    ("LSTMLM", lambda t: lm.LSTMLM(V, 8, 8, cutoffs=(0, 5)), ValueError, "cutoffs"),
    ("LSTMLM.forward", lambda t: _tiny_lstm()(_x(), torch.zeros(2, 2, 4)), ValueError, "state must be a tuple"),
    ("LSTMLM.forward", lambda t: _tiny_lstm()(_x(), (torch.zeros(1, 2, 4),) * 2), ValueError, "state must hold"),
    ("LSTMLM.forward", lambda t: _tiny_lstm()(_x().numpy(), _tiny_lstm().init_state(2)), TypeError, "x must be"),
    ("LSTMLM.init_state", lambda t: _tiny_lstm().init_state(2.0), TypeError, "batch_size"),
    # batchify
    ("batchify", lambda t: lm.batchify([3, 4, 5, 6, 7], 3), ValueError, "too large"),
    ("batchify", lambda t: lm.batchify([3, 4, 5], 0), ValueError, "batch_size"),
    ("batchify", lambda t: lm.batchify([3, 4, 5, 6], 1.0), TypeError, "batch_size"),
    ("batchify", lambda t: lm.batchify([3, 4, 5, 6], 2, vocab_size=4), ValueError, "ids must lie"),
    ("batchify", lambda t: lm.batchify("3 4 5 6", 2), TypeError, "ids must be"),
    ("batchify", lambda t: lm.batchify([3, 4, 5, 6], 2, vocab_size=0), ValueError, "vocab_size"),
    # bptt_batches
    ("bptt_batches", lambda t: list(lm.bptt_batches(lm.batchify(_stream(20), 2), 0)), ValueError, "bptt"),
    ("bptt_batches", lambda t: list(lm.bptt_batches(lm.batchify(_stream(20), 2), 2.5)), TypeError, "bptt"),
    ("bptt_batches", lambda t: list(lm.bptt_batches(_stream(20), 5)), TypeError, "data must be"),
    ("bptt_batches", lambda t: list(lm.bptt_batches(torch.arange(20), 5)), ValueError, "data must have shape"),
    ("bptt_batches", lambda t: list(lm.bptt_batches(torch.zeros(2, 10), 5)), TypeError, "data must hold integer"),
    ("bptt_batches", lambda t: list(lm.bptt_batches(torch.zeros(2, 1, dtype=torch.long), 5)), ValueError, "L >= 2"),
    # detach_state
    ("detach_state", lambda t: lm.detach_state(None), TypeError, "state"),
    ("detach_state", lambda t: lm.detach_state([torch.zeros(2)]), TypeError, "state"),
    ("detach_state", lambda t: lm.detach_state(()), TypeError, "state"),
    ("detach_state", lambda t: lm.detach_state((torch.zeros(2), 3)), TypeError, "state"),
    ("detach_state", lambda t: lm.detach_state(np.zeros(3)), TypeError, "state"),
    # check_ids
    ("check_ids", lambda t: lm.check_ids([3, 4, V], V), ValueError, "ids must lie in"),
    ("check_ids", lambda t: lm.check_ids([3, -1, 4], V), ValueError, "ids must lie in"),
    ("check_ids", lambda t: lm.check_ids(np.array([[3, 4]]), V), ValueError, "1-D"),
    ("check_ids", lambda t: lm.check_ids(np.array([3.0, float("nan")]), V), TypeError, "integer ids"),
    ("check_ids", lambda t: lm.check_ids(["the", "lord"], V), TypeError, "integer ids"),
    ("check_ids", lambda t: lm.check_ids([3, [4, 5]], V), TypeError, "ids must be"),
    ("check_ids", lambda t: lm.check_ids([3, 4], 0), ValueError, "vocab_size"),
    ("check_ids", lambda t: lm.check_ids([True, False], V, "prompt"), TypeError, "prompt must hold"),
    # rare_to_unk
    ("rare_to_unk", lambda t: lm.rare_to_unk([3, 4, 5], p=2.0), ValueError, "p must be"),
    ("rare_to_unk", lambda t: lm.rare_to_unk([3, 4, 5], p=float("nan")), ValueError, "p must be"),
    ("rare_to_unk", lambda t: lm.rare_to_unk([3, 4, 5], p=0.5, max_count=0), ValueError, "max_count"),
    ("rare_to_unk", lambda t: lm.rare_to_unk([3, 4, 5], p=0.5, unk_id=-1), ValueError, "unk_id"),
    ("rare_to_unk", lambda t: lm.rare_to_unk([[3, 4, 5]], p=0.5), ValueError, "1-D"),
    ("rare_to_unk", lambda t: lm.rare_to_unk([3, 4, 5], p=0.5, generator=np.random.default_rng(0)), TypeError, "generator"),
    # evaluate
    ("evaluate", lambda t: lm.evaluate(_tiny(), [3, 4, V]), ValueError, "ids must lie in"),
    ("evaluate", lambda t: lm.evaluate(_tiny(), []), ValueError, "empty"),
    ("evaluate", lambda t: lm.evaluate(_tiny(), [3, 4, 5], batch_size=4), ValueError, "batch_size"),
    ("evaluate", lambda t: lm.evaluate(_tiny(), _stream(30), bptt=0), ValueError, "bptt"),
    ("evaluate", lambda t: lm.evaluate(_tiny(), _stream(30), bptt=3.5), TypeError, "bptt"),
    ("evaluate", lambda t: lm.evaluate(_tiny(), _stream(30), max_tokens=0), ValueError, "max_tokens"),
    ("evaluate", lambda t: lm.evaluate("model", _stream(30)), TypeError, "model"),
    ("evaluate", lambda t: lm.evaluate(nn.Linear(2, 2), _stream(30)), TypeError, "model"),
    ("evaluate", lambda t: lm.evaluate(_tiny(), _stream(30), return_logprobs="yes"), TypeError, "return_logprobs"),
    # perplexity
    ("perplexity", lambda t: lm.perplexity(_tiny(), np.array([3.0, 4.0])), TypeError, "integer ids"),
    ("perplexity", lambda t: lm.perplexity(_tiny(), _stream(30), bptt=-1), ValueError, "bptt"),
    ("perplexity", lambda t: lm.perplexity(_tiny(), _stream(30), batch_size=0), ValueError, "batch_size"),
    ("perplexity", lambda t: lm.perplexity(_tiny(), _stream(30), temperature=2), TypeError, "kw"),
    ("perplexity", lambda t: lm.perplexity(None, _stream(30)), TypeError, "model"),
    ("perplexity", lambda t: lm.perplexity(_tiny(), None), TypeError, "ids"),
    # TrainConfig: every field
    ("TrainConfig", lambda t: lm.TrainConfig(clip=-1), ValueError, "clip"),
    ("TrainConfig", lambda t: lm.TrainConfig(clip=float("nan")), ValueError, "clip"),
    ("TrainConfig", lambda t: lm.TrainConfig(lr=0), ValueError, "lr"),
    ("TrainConfig", lambda t: lm.TrainConfig(lr=float("inf")), ValueError, "lr"),
    ("TrainConfig", lambda t: lm.TrainConfig(lr_schedule="linear"), ValueError, "lr_schedule"),
    ("TrainConfig", lambda t: lm.TrainConfig(lr_schedule=None), ValueError, "lr_schedule"),
    ("TrainConfig", lambda t: lm.TrainConfig(autocast="float16"), ValueError, "autocast"),
    ("TrainConfig", lambda t: lm.TrainConfig(autocast=True), ValueError, "autocast"),
    ("TrainConfig", lambda t: lm.TrainConfig(optimizer="rmsprop"), ValueError, "optimizer"),
    ("TrainConfig", lambda t: lm.TrainConfig(optimizer="AdamW"), ValueError, "optimizer"),
    ("TrainConfig", lambda t: lm.TrainConfig(optimizer=None), ValueError, "optimizer"),
    ("TrainConfig", lambda t: lm.TrainConfig(optimizer=["adamw"]), ValueError, "optimizer"),
    ("TrainConfig", lambda t: lm.TrainConfig(batch_size=0), ValueError, "batch_size"),
    ("TrainConfig", lambda t: lm.TrainConfig(bptt=35.0), TypeError, "bptt"),
    ("TrainConfig", lambda t: lm.TrainConfig(weight_decay=-1e-4), ValueError, "weight_decay"),
    ("TrainConfig", lambda t: lm.TrainConfig(max_epochs=0), ValueError, "max_epochs"),
    ("TrainConfig", lambda t: lm.TrainConfig(max_epochs=float("nan")), ValueError, "max_epochs"),
    ("TrainConfig", lambda t: lm.TrainConfig(max_seconds=-5), ValueError, "max_seconds"),
    ("TrainConfig", lambda t: lm.TrainConfig(eval_every=0), ValueError, "eval_every"),
    ("TrainConfig", lambda t: lm.TrainConfig(plateau_factor=0), ValueError, "plateau_factor"),
    ("TrainConfig", lambda t: lm.TrainConfig(plateau_factor=1.5), ValueError, "plateau_factor"),
    ("TrainConfig", lambda t: lm.TrainConfig(plateau_patience=-1), ValueError, "plateau_patience"),
    ("TrainConfig", lambda t: lm.TrainConfig(early_stop_patience=0), ValueError, "early_stop_patience"),
    ("TrainConfig", lambda t: lm.TrainConfig(min_lr=-1e-5), ValueError, "min_lr"),
    ("TrainConfig", lambda t: lm.TrainConfig(lr=1e-3, min_lr=1e-2), ValueError, "min_lr"),
    ("TrainConfig", lambda t: lm.TrainConfig(restore_best=1), TypeError, "restore_best"),
    ("TrainConfig", lambda t: lm.TrainConfig(train_eval_tokens=0), ValueError, "train_eval_tokens"),
    ("TrainConfig", lambda t: lm.TrainConfig(eval_batch_size=0), ValueError, "eval_batch_size"),
    ("TrainConfig", lambda t: lm.TrainConfig(seed=-1), ValueError, "seed"),
    ("TrainConfig", lambda t: lm.TrainConfig(seed="1234"), TypeError, "seed"),
    ("TrainConfig", lambda t: lm.TrainConfig(progress="no"), TypeError, "progress"),
    ("TrainConfig", lambda t: lm.TrainConfig(checkpoint=3), TypeError, "checkpoint"),
    ("TrainConfig", lambda t: lm.TrainConfig(unk_rate=-0.1), ValueError, "unk_rate"),
    ("TrainConfig", lambda t: lm.TrainConfig(unk_rate=1.5), ValueError, "unk_rate"),
    ("TrainConfig", lambda t: lm.TrainConfig(unk_max_count=0), ValueError, "unk_max_count"),
    ("TrainConfig", lambda t: lm.TrainConfig(device="gpu"), ValueError, "device"),
    ("TrainConfig", lambda t: lm.TrainConfig(device=0), TypeError, "device"),
    ("TrainConfig", lambda t: lm.TrainConfig(device=torch.device("meta")), ValueError, "device"),
    # check_device / to_device / model_device
    ("check_device", lambda t: lm.check_device("device", "gpu"), ValueError, "device"),
    ("check_device", lambda t: lm.check_device("device", "cuda:x"), ValueError, "device"),
    ("check_device", lambda t: lm.check_device("device", "CPU"), ValueError, "device"),
    ("check_device", lambda t: lm.check_device("device", "meta"), ValueError, "device"),
    ("check_device", lambda t: lm.check_device("device", "cpu:1"), ValueError, "device"),
    ("check_device", lambda t: lm.check_device("device", None), TypeError, "device"),
    ("check_device", lambda t: lm.check_device("device", 0), TypeError, "device"),
    ("check_device", lambda t: lm.check_device("device", ["cpu"]), TypeError, "device"),
    ("check_device", lambda t: lm.check_device("device", torch.device("meta")), ValueError, "device"),
    ("to_device", lambda t: lm.to_device(None, torch.device("cpu")), TypeError, "x must be"),
    ("to_device", lambda t: lm.to_device([torch.zeros(1)], torch.device("cpu")), TypeError, "x must be"),
    ("to_device", lambda t: lm.to_device((), torch.device("cpu")), TypeError, "x must be"),
    ("to_device", lambda t: lm.to_device((torch.zeros(1), 3), torch.device("cpu")), TypeError, "x must be"),
    ("to_device", lambda t: lm.to_device(np.zeros(2), torch.device("cpu")), TypeError, "x must be"),
    ("model_device", lambda t: lm.model_device(None), TypeError, "model"),
    ("model_device", lambda t: lm.model_device(torch.zeros(2)), TypeError, "model"),
    ("model_device", lambda t: lm.model_device("LSTMLM"), TypeError, "model"),
    ("model_device", lambda t: lm.model_device(lm.LSTMLM), TypeError, "model"),
    ("model_device", lambda t: lm.model_device([nn.Linear(2, 2)]), TypeError, "model"),
    # History
    ("History", lambda t: lm.History(step="0"), TypeError, "step"),
    ("History", lambda t: lm.History(valid_ppl=None), TypeError, "valid_ppl"),
    ("History", lambda t: lm.History(best_valid_ppl=float("nan")), ValueError, "best_valid_ppl"),
    ("History", lambda t: lm.History(best_step=1.5), TypeError, "best_step"),
    ("History", lambda t: lm.History(stopped=3), TypeError, "stopped"),
    ("History", lambda t: lm.History(tokens_per_second=-1.0), ValueError, "tokens_per_second"),
    # train
    ("train", lambda t: lm.train(_tiny(), _stream(50), _stream(20), _cfg(batch_size=64)), ValueError, "too large"),
    ("train", lambda t: lm.train(_tiny(), [3, 4, V + 5, 6] * 20, _stream(20), _cfg()), ValueError, "train_ids must lie in"),
    ("train", lambda t: lm.train(_tiny(), _stream(50), [3, V], _cfg()), ValueError, "valid_ids"),
    ("train", lambda t: lm.train(_tiny(), _stream(50), _stream(5), _cfg(eval_batch_size=8)), ValueError, "valid_ids"),
    ("train", lambda t: lm.train(_tiny(), _stream(50), _stream(20), {"lr": 1e-3}), TypeError, "config"),
    ("train", lambda t: lm.train(_tiny(), _stream(50), _stream(20), _cfg(), callback=3), TypeError, "callback"),
    ("train", lambda t: lm.train(nn.Linear(2, 2), _stream(50), _stream(20), _cfg()), TypeError, "model"),
    ("train", lambda t: lm.train(_tiny(), np.array([3.0, 4.0] * 20), _stream(20), _cfg()), TypeError, "train_ids must hold integer"),
    # save_checkpoint / load_checkpoint
    ("save_checkpoint", lambda t: lm.save_checkpoint(None, _tiny()), TypeError, "path"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(3, _tiny()), TypeError, "path"),
    ("save_checkpoint", lambda t: lm.save_checkpoint("", _tiny()), ValueError, "path"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(str(t), _tiny()), ValueError, "path"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(str(t / "m.pt"), nn.Linear(2, 2)), TypeError, "model"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(str(t / "m.pt"), _tiny(), extra=[1]), TypeError, "extra"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(str(t / "m.pt"), _tiny(), extra={"f": lambda: 1}), TypeError, "extra"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(str(t / "m.pt"), _tiny(), dtype="bfloat16"), ValueError, "dtype"),
    ("save_checkpoint", lambda t: lm.save_checkpoint(str(t / "m.pt"), _tiny(), dtype=torch.float16), ValueError, "dtype"),
    ("load_checkpoint", lambda t: lm.load_checkpoint(None), TypeError, "path"),
    ("load_checkpoint", lambda t: lm.load_checkpoint(str(t / "missing.pt")), FileNotFoundError, "path"),
    ("load_checkpoint", lambda t: lm.load_checkpoint(str(t)), ValueError, "path"),
    ("load_checkpoint", lambda t: lm.load_checkpoint(_write(t, "x.pt", {"class": "Nope"})), ValueError, "path"),
    ("load_checkpoint", lambda t: lm.load_checkpoint(_write(t, "y.pt", [1, 2])), ValueError, "path"),
    ("load_checkpoint", lambda t: lm.load_checkpoint((t / "z.txt").write_text("hello") and str(t / "z.txt")), ValueError, "path"),
    # sample
    ("sample", lambda t: lm.sample(_tiny(), 5, temperature=0), ValueError, "temperature"),
    ("sample", lambda t: lm.sample(_tiny(), 5, temperature=-1.0), ValueError, "temperature"),
    ("sample", lambda t: lm.sample(_tiny(), 5, temperature=float("nan")), ValueError, "temperature"),
    ("sample", lambda t: lm.sample(_tiny(), 5, prompt=[V]), ValueError, "prompt must lie in"),
    ("sample", lambda t: lm.sample(_tiny(), 5, prompt=[]), ValueError, "prompt"),
    ("sample", lambda t: lm.sample(_tiny(), -1), ValueError, "n_tokens"),
    ("sample", lambda t: lm.sample(_tiny(), 2.5), TypeError, "n_tokens"),
    ("sample", lambda t: lm.sample(_tiny(), 5, generator=0), TypeError, "generator"),
    ("sample", lambda t: lm.sample(_tiny(), 5, stop_at_eos=0), ValueError, "stop_at_eos"),
    # sample_verses
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), None), TypeError, "vocab"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(V + 1)), ValueError, "vocab"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), temperatures=[]), ValueError, "temperatures"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), temperatures=1.0), TypeError, "temperatures"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), temperatures=[0.5, 0]), ValueError, "temperatures"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), temperatures=[float("nan")]), ValueError, "temperatures"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), seed=-1), ValueError, "seed"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), n_verses=0), ValueError, "n_verses"),
    ("sample_verses", lambda t: lm.sample_verses(_tiny(), _vocab(), max_tokens=2.5), TypeError, "max_tokens"),
    ("sample_verses", lambda t: lm.sample_verses(nn.Linear(2, 2), _vocab()), TypeError, "model"),
    # n_parameters
    ("n_parameters", lambda t: lm.n_parameters(None), TypeError, "model"),
    ("n_parameters", lambda t: lm.n_parameters(torch.zeros(3)), TypeError, "model"),
    ("n_parameters", lambda t: lm.n_parameters([nn.Linear(2, 2)]), TypeError, "model"),
    ("n_parameters", lambda t: lm.n_parameters("LSTMLM"), TypeError, "model"),
    ("n_parameters", lambda t: lm.n_parameters(lm.LSTMLM), TypeError, "model"),
]


@pytest.mark.parametrize("owner, call, error, match", BAD_INPUTS,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(BAD_INPUTS)])
def test_bad_inputs_raise_clear_errors(owner, call, error, match, tmp_path):
    with pytest.raises(error, match=match):
        call(tmp_path)


def test_every_public_name_has_at_least_five_bad_inputs():
    from test_lm_checks import ADAPTIVE_LOG_PROBS_BAD, CHECK_ADAPTIVE_BAD  # chapter 7's exercise

    owners = collections.Counter(row[0].split(".")[0]
                                 for row in BAD_INPUTS + BAD_INPUTS_UNK + BAD_INPUTS_EXPLORER)
    owners["check_adaptive_softmax"] += len(CHECK_ADAPTIVE_BAD)
    owners["adaptive_log_probs"] += len(ADAPTIVE_LOG_PROBS_BAD)
    public = [n for n in lm.__all__ if callable(getattr(lm, n))]
    assert {n: owners[n] for n in public if owners[n] < 5} == {}


def test_negative_clip_is_refused_and_divergence_stops_training():
    with pytest.raises(ValueError, match="clip"):
        lm.TrainConfig(clip=-1)
    model = lm.RNNLM(V, 8, 8, seed=0)
    cfg = lm.TrainConfig(batch_size=2, bptt=5, lr=1e30, optimizer="sgd", clip=None,
                         progress=False, max_epochs=5)
    with pytest.raises(FloatingPointError, match="diverged"):
        lm.train(model, _stream(400), _stream(40), cfg)


_SEEDED_RUN = textwrap.dedent("""
    import hashlib, sys
    import numpy as np, torch
    from helpers import lm
    torch.set_num_threads(1)
    if sys.argv[1] == "disturb":                 # the global generator in another state
        torch.manual_seed(999); torch.rand(1000)
    ids = np.random.default_rng(0).integers(1, 23, size=600)
    out = []
    for make in (lambda: lm.LSTMLM(23, 8, 8, n_layers=2, dropout=0.3, seed=7),
                 lambda: lm.FeedForwardLM(23, n=3, d_emb=4, d_hidden=8, dropout=0.2, seed=7),
                 lambda: lm.RNNLM(23, 8, 8, dropout=0.2, cutoffs=(5,), seed=7)):
        model = make()
        lm.train(model, ids, ids[:80], lm.TrainConfig(batch_size=4, bptt=7, max_epochs=1,
                                                      progress=False, seed=7, unk_rate=0.3))
        h = hashlib.sha256()
        for k, t in model.state_dict().items():
            h.update(k.encode()); h.update(t.numpy().tobytes())
        out.append(h.hexdigest())
    print(" ".join(out))
""")


def test_two_fresh_processes_with_one_seed_build_and_train_identical_models():
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([os.path.join(os.path.dirname(os.path.dirname(
               os.path.abspath(__file__))), "src"), os.environ.get("PYTHONPATH", "")])}
    runs = [subprocess.run([sys.executable, "-c", _SEEDED_RUN, mode], env=env, check=True,
                           capture_output=True, text=True, timeout=300).stdout.split()
            for mode in ("plain", "disturb")]
    assert len(runs[0]) == 3 and runs[0] == runs[1]


def test_seeded_construction_and_training_leave_the_global_generator_alone():
    torch.manual_seed(5)
    before = torch.get_rng_state()
    a = lm.LSTMLM(V, 8, 8, seed=3)
    lm.train(a, _stream(300), _stream(40), lm.TrainConfig(batch_size=2, bptt=5, max_epochs=1,
                                                          progress=False, seed=3))
    assert torch.equal(torch.get_rng_state(), before)
    b, c = lm.LSTMLM(V, 8, 8, seed=3), lm.LSTMLM(V, 8, 8, seed=4)
    assert torch.equal(b.C.weight, lm.LSTMLM(V, 8, 8, seed=3).C.weight)
    assert not torch.equal(b.C.weight, c.C.weight)
    # seed=s draws what torch.manual_seed(s) followed by an unseeded construction draws
    torch.manual_seed(3)
    assert torch.equal(lm.LSTMLM(V, 8, 8).lstm.weight_hh_l0, b.lstm.weight_hh_l0)


def test_special_tokens_and_ids_are_those_of_helpers_data():
    from helpers import data

    assert lm.UNK is data.UNK and lm.EOS is data.EOS and lm.BOS is data.BOS
    vocab = data.Vocab.build([["in", "the", "beginning"], ["the", "end"]])
    assert (lm.UNK_ID, lm.EOS_ID, lm.BOS_ID) == (vocab.unk_id, vocab.eos_id, vocab.bos_id)
    assert [vocab.itos[i] for i in (lm.UNK_ID, lm.EOS_ID, lm.BOS_ID)] == [data.UNK, data.EOS, data.BOS]
    assert lm.FeedForwardLM(V, n=3, d_emb=2, d_hidden=2).init_state(1).eq(vocab.eos_id).all()
    assert lm.rare_to_unk([5, 6, 6], 1.0).tolist() == [vocab.unk_id, 6, 6]


@pytest.mark.parametrize("patience", [0, 2])
def test_plateau_schedule_halves_once_per_plateau_on_a_scripted_loss_sequence(monkeypatch, patience):
    """Validation perplexities are scripted; the rate drops after patience + 1 evaluations in a
    row without a new best, and the count starts again after each drop."""
    valid = [10, 9, 9.5, 9.6, 9.7, 9.8, 9.9, 9.95, 8, 8.5, 8.6, 8.7, 8.8]
    scripted = iter(valid)
    monkeypatch.setattr(lm, "evaluate", lambda *a, **k: {"ppl": next(scripted)})
    seen = []
    cfg = lm.TrainConfig(batch_size=2, bptt=4, lr=1e-3, min_lr=1e-6, eval_every=1,
                         max_epochs=100, plateau_factor=0.5, plateau_patience=patience,
                         early_stop_patience=None, restore_best=False, progress=False)
    with pytest.raises(StopIteration):                                 # the script ran out
        lm.train(lm.RNNLM(V, 4, 4, seed=0), _stream(2000), _stream(40), cfg,
                 callback=lambda h, m: seen.append(h))
    # the reference, by hand: the rate in force at each evaluation (before its own update)
    lr, best, count, expected = 1e-3, math.inf, 0, []
    for v in valid:
        expected.append(lr)
        if v < best:
            best, count = v, 0
        else:
            count += 1
            if count > patience:
                lr, count = lr / 2, 0
    assert seen[-1].valid_ppl == valid and seen[-1].lr == pytest.approx(expected)
    if patience == 2:   # 10 9 | 9.5 9.6 9.7: drop | 9.8 9.9 9.95: drop | 8 | 8.5 8.6 8.7: drop
        assert expected == pytest.approx([1e-3] * 5 + [5e-4] * 3 + [2.5e-4] * 4 + [1.25e-4])
        # the old rule (the count never reset) would have halved at every evaluation from 9.8 on


def _tiny_ngrams(n):
    from helpers import ngram
    from helpers.data import Vocab

    words = "in the beginning god created the heaven and the earth and the earth was without form".split()
    rng = np.random.default_rng(0)
    train = [list(rng.choice(words, size=rng.integers(3, 9))) for _ in range(60)]
    train += [["the", "lord", "said", w] for w in ("unto", "to", "moses", "aaron", "joshua")]
    full = ngram.fit(train, n=n, vocab=Vocab.build(train), discount_fallback=True)
    opn = ngram.fit(train, n=n, vocab=Vocab.build(train, min_count=2), discount_fallback=True)
    return train, full, opn


@pytest.mark.parametrize("n", [1, 2, 3])
def test_unk_from_singletons_is_a_normalised_distribution_with_the_open_unk(n):
    _, full, opn = _tiny_ngrams(n)
    prefix = ["the", "lord", "said"]
    pos = len(prefix)                                                   # the token after prefix
    words = [w for w in full.itos if w not in ("<s>", "</s>")]
    total = 0.0
    for w in words + ["</s>"]:
        sent = prefix + ([w] if w != "</s>" else [])
        lp = lm.unk_from_singletons(full, opn, [sent])
        assert lp.shape == full.log_probs([sent]).shape
        total += math.exp(lp[pos])
        if w == "<unk>":                                                # <unk>: the open model's
            assert lp[pos] == pytest.approx(opn.log_probs([sent])[pos], abs=1e-12)
    assert total == pytest.approx(1.0, abs=1e-9)
    # an out-of-vocabulary word is scored as <unk>; known words keep full's ratios
    a = lm.unk_from_singletons(full, opn, [prefix + ["zebra"], prefix + ["unto"], prefix + ["to"]])
    b = full.log_probs([prefix + ["unto"], prefix + ["to"]])
    k = len(prefix) + 2                                                 # tokens per sentence
    assert a[pos] == pytest.approx(opn.log_probs([prefix + ["<unk>"]])[pos])
    assert a[k + pos] - a[2 * k + pos] == pytest.approx(b[pos] - b[k + pos])


BAD_INPUTS_UNK = [
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(None, _tiny_ngrams(2)[2], [["the"]]), TypeError, "full"),
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(_tiny_ngrams(2)[1], "open", [["the"]]), TypeError, "open_model"),
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(_tiny_ngrams(2)[1], _tiny_ngrams(3)[2], [["the"]]), ValueError, "open_model must have the order"),
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(*_tiny_ngrams(2)[1:], "the lord"), TypeError, "sentences"),
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(*_tiny_ngrams(2)[1:], []), ValueError, "sentences"),
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(*_tiny_ngrams(2)[1:], [[3, 4]]), ValueError, "sentences"),
    ("unk_from_singletons", lambda t: lm.unk_from_singletons(*_tiny_ngrams(2)[1:], ["the", "lord"]), ValueError, "sentences"),
]


@pytest.mark.parametrize("owner, call, error, match", BAD_INPUTS_UNK,
                         ids=[f"unk_from_singletons-{i}" for i in range(len(BAD_INPUTS_UNK))])
def test_bad_inputs_of_unk_from_singletons(owner, call, error, match, tmp_path):
    with pytest.raises(error, match=match):
        call(tmp_path)


def _tiny_explorer_inputs():
    """Samples of a tiny untrained LSTM LM at three temperatures, and a tiny bigram model."""
    from helpers import ngram
    from helpers.data import Vocab

    words = [f"w{i}" for i in range(V - 3)]
    itos = ["<unk>", "</s>", "<s>"] + words
    model = lm.LSTMLM(V, 8, 8, n_layers=1, seed=0)
    samples = {}
    for T in (0.5, 1.0, 1.5):
        ids = lm.sample(model, 60, T, generator=torch.Generator().manual_seed(0), stop_at_eos=3)
        samples[str(T)] = " ".join(itos[i] for i in ids) + " </s>"
    train = [words[i:i + 4] for i in range(len(words) - 4)] * 2
    models = {2: ngram.fit(train, n=2, vocab=Vocab.build(train), discount_fallback=True)}
    return samples, models


def test_generation_explorer_renders_every_frame():
    samples, models = _tiny_explorer_inputs()
    ex = lm.generation_explorer(samples, models, n=2, k=3, max_len=8)
    frames = list(ex.grid())
    assert len(frames) == 2 * 3
    for params in frames:
        verses = ex.compute(**params)
        assert 1 <= len(verses) <= 3 and all(isinstance(v, str) and v for v in verses)
        frame = ex.render(**params)                                  # text, not a picture
        assert isinstance(frame, TextFrame) and params["model"] in frame.title
        assert list(frame.items) == verses
        if params["model"] == "LSTM LM":                              # the stored verses, in order
            stored = [v.strip() for v in samples[str(params["temperature"])].split("</s>") if v.strip()]
            assert verses == stored[:3]
    page = ex.frame_html(model="KN 2-gram", temperature=1.5)
    assert "<img" not in page and 1 <= page.count("<li>") <= 3
    # the n-gram's draws are seeded: the same frame twice is the same text
    assert ex.compute(model="KN 2-gram", temperature=1.0) == ex.compute(model="KN 2-gram", temperature=1.0)


BAD_INPUTS_EXPLORER = [
    ("generation_explorer", lambda t: lm.generation_explorer([], _tiny_explorer_inputs()[1], n=2), TypeError, "lstm_samples"),
    ("generation_explorer", lambda t: lm.generation_explorer({"hot": "a b </s>"}, _tiny_explorer_inputs()[1], n=2), ValueError, "lstm_samples"),
    ("generation_explorer", lambda t: lm.generation_explorer({"-1": "a b </s>"}, _tiny_explorer_inputs()[1], n=2), ValueError, "lstm_samples"),
    ("generation_explorer", lambda t: lm.generation_explorer({"1.0": ""}, _tiny_explorer_inputs()[1], n=2), ValueError, "lstm_samples"),
    ("generation_explorer", lambda t: lm.generation_explorer({"1.0": "a </s>"}, None, n=2), TypeError, "ngram_models"),
    ("generation_explorer", lambda t: lm.generation_explorer(*_tiny_explorer_inputs(), n=5), ValueError, "n must be one of"),
    ("generation_explorer", lambda t: lm.generation_explorer(*_tiny_explorer_inputs(), n=2, k=0), ValueError, "k must be"),
    ("generation_explorer", lambda t: lm.generation_explorer(*_tiny_explorer_inputs(), n=2, max_len=2.5), TypeError, "max_len"),
    ("generation_explorer", lambda t: lm.generation_explorer(*_tiny_explorer_inputs(), n=2, seed=-3), ValueError, "seed"),
]


@pytest.mark.parametrize("owner, call, error, match", BAD_INPUTS_EXPLORER,
                         ids=[f"generation_explorer-{i}" for i in range(len(BAD_INPUTS_EXPLORER))])
def test_bad_inputs_of_generation_explorer(owner, call, error, match, tmp_path):
    with pytest.raises(error, match=match):
        call(tmp_path)


def test_sampling_at_an_extreme_temperature_is_greedy_not_nan():
    m = lm.RNNLM(V, 8, 8, seed=7).eval()
    cold = lm.sample(m, 10, 1e-300, generator=torch.Generator().manual_seed(0))
    assert cold == lm.sample(m, 10, 1e-4, generator=torch.Generator().manual_seed(5))


# ---------------------------------------------------------------------------------------------
# The device argument (issue 15): one code path for CPU and GPU, checked on the CPU
# ---------------------------------------------------------------------------------------------

def _train_small(device, seed=0):
    model = lm.LSTMLM(V, 6, 6, n_layers=1, dropout=0.2, seed=seed)
    cfg = lm.TrainConfig(batch_size=4, bptt=7, lr=1e-2, max_epochs=2, progress=False, seed=0,
                         device=device, train_eval_tokens=40)
    hist = lm.train(model, _stream(300), _stream(80, seed=1), cfg)
    return model, hist


def test_device_name_and_torch_device_train_identically():
    m1, h1 = _train_small("cpu")
    m2, h2 = _train_small(torch.device("cpu"))
    assert h1.valid_ppl == h2.valid_ppl and h1.train_ppl == h2.train_ppl
    for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), k
    assert lm.TrainConfig(device=torch.device("cpu")).device == "cpu"   # plain data in the config
    assert lm.model_device(m1) == torch.device("cpu")


def test_cuda_is_refused_clearly_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device in ("cuda", "cuda:0", torch.device("cuda")):
        with pytest.raises(ValueError, match=r"device .*torch\.cuda\.is_available\(\) is False"):
            lm.TrainConfig(device=device)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert lm.check_device("device", "cuda:0") == torch.device("cuda", 0)
    with pytest.raises(ValueError, match="device must name an existing GPU"):
        lm.check_device("device", "cuda:3")


def test_model_and_every_batch_move_to_the_device_through_one_code_path(monkeypatch):
    """Pretend a GPU exists: every ``.to(cuda)`` is recorded and left a no-op, so the "cuda"
    run executes on the CPU the very code a GPU run executes. It must move the model once,
    the carried state at every epoch's start and both tensors of every window; and, since
    the loop is the same code, give exactly the CPU run's result."""
    cpu_model, cpu_hist = _train_small("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    moved, original_to = [], torch.Tensor.to

    def spy_to(self, *args, **kwargs):
        target = kwargs.get("device", args[0] if args else None)
        if isinstance(target, (str, torch.device)) and torch.device(target).type == "cuda":
            moved.append(tuple(self.shape))
            return self                                                # stays on the CPU
        return original_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", spy_to)
    model_moves = []
    monkeypatch.setattr(lm.LSTMLM, "to", lambda self, *a, **k: model_moves.append(a) or self,
                        raising=False)
    model, hist = _train_small("cuda")
    assert model_moves == [(torch.device("cuda"),)]                    # the model, once
    B, T = 4, 7
    windows = [sh for sh in moved if len(sh) == 2 and sh[0] == B and sh[1] <= T]
    states = [sh for sh in moved if len(sh) == 3]                      # (layers, B, H): h and c
    steps = hist.step[-1]
    assert len(windows) == 2 * steps                                   # x and y of every window
    assert len(states) == 2 * 2                                        # (h, c) at each epoch start
    assert hist.valid_ppl == cpu_hist.valid_ppl
    for (k, a), (_, b) in zip(model.state_dict().items(), cpu_model.state_dict().items()):
        assert torch.equal(a, b), k


def test_evaluate_and_sample_run_where_the_model_is(monkeypatch):
    """evaluate and sample move their inputs to the model's device (read from its
    parameters), through the same to_device."""
    model = lm.LSTMLM(V, 6, 6, n_layers=1, seed=0)
    calls = []
    real = lm.to_device
    monkeypatch.setattr(lm, "to_device", lambda x, d: calls.append(d) or real(x, d))
    lm.evaluate(model, _stream(60), batch_size=3, bptt=8)
    lm.sample(model, 5, generator=torch.Generator().manual_seed(0))
    assert calls and set(calls) == {torch.device("cpu")}
