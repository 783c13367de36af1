"""Tests of helpers.lm: invariants, reference computations, state carrying, checkpoints, training."""
import math
import os
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

from helpers import lm  # noqa: E402

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


@pytest.mark.parametrize("call, match", [
    (lambda m: lm.evaluate(m, [3, 4, V]), "ids must lie in"),
    (lambda m: lm.evaluate(m, [3, -1, 4]), "ids must lie in"),
    (lambda m: lm.evaluate(m, np.array([[3, 4]])), "1-D"),
    (lambda m: lm.evaluate(m, np.array([3.0, 4.0])), "integer ids"),
    (lambda m: lm.evaluate(m, []), "empty"),
    (lambda m: lm.evaluate(m, [3, 4, 5], batch_size=4), "batch_size"),
    (lambda m: lm.batchify([3, 4, 5, 6, 7], 3), "too large"),
    (lambda m: lm.batchify([3, 4, 5], 0), "batch_size"),
    (lambda m: lm.train(m, _stream(50), _stream(20), lm.TrainConfig(batch_size=64, progress=False)), "too large"),
    (lambda m: lm.train(m, [3, 4, V + 5, 6] * 20, _stream(20), lm.TrainConfig(batch_size=2, progress=False)), "ids must lie in"),
    (lambda m: lm.sample(m, 5, temperature=0), "temperature"),
    (lambda m: lm.sample(m, 5, temperature=-1.0), "temperature"),
    (lambda m: lm.sample(m, 5, prompt=[V]), "prompt must lie in"),
    (lambda m: list(lm.bptt_batches(lm.batchify(_stream(20), 2), 0)), "bptt"),
    (lambda m: lm.TrainConfig(lr=0), "lr"),
    (lambda m: lm.TrainConfig(optimizer="rmsprop"), "optimizer"),
    (lambda m: lm.TrainConfig(unk_rate=-0.1), "unk_rate"),
    (lambda m: lm.TrainConfig(unk_rate=1.5), "unk_rate"),
    (lambda m: lm.TrainConfig(unk_max_count=0), "unk_max_count"),
    (lambda m: lm.rare_to_unk([3, 4, 5], p=2.0), "p must lie"),
    (lambda m: lm.rare_to_unk([3, 4, 5], p=0.5, max_count=0), "max_count"),
    (lambda m: lm.rare_to_unk([3, 4, 5], p=0.5, unk_id=-1), "unk_id"),
    (lambda m: lm.rare_to_unk([[3, 4, 5]], p=0.5), "1-D"),
    (lambda m: lm.LSTMLM(V, 8, 12, tie=True), "tie=True"),
    (lambda m: lm.LSTMLM(V, 8, 8, dropout=1.0), "dropout"),
    (lambda m: lm.LSTMLM(V, 8, 8, n_layers=0), "n_layers"),
    (lambda m: lm.FeedForwardLM(V, n=1), "n must be"),
    (lambda m: lm.FeedForwardLM(V, direct=True, cutoffs=(5,)), "direct=True"),
    (lambda m: lm.LSTMLM(V, 8, 8, tie=True, cutoffs=(5,)), "tie=True"),
    (lambda m: lm.LSTMLM(V, 8, 8, cutoffs=(9, 5)), "cutoffs"),
    (lambda m: lm.RNNLM(V, 8, 8, cutoffs=(V,)), "cutoffs"),
    (lambda m: lm.RNNLM(0), "vocab_size"),
])
def test_bad_inputs_raise_value_error(call, match):
    torch.manual_seed(0)
    m = lm.RNNLM(V, 4, 4)
    with pytest.raises(ValueError, match=match):
        call(m)


def test_load_checkpoint_rejects_foreign_file(tmp_path):
    path = str(tmp_path / "x.pt")
    torch.save({"class": "Nope"}, path)
    with pytest.raises(ValueError, match="not a checkpoint"):
        lm.load_checkpoint(path)
