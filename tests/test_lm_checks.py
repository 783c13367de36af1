"""The chapter 7 implement-it exercise: the adaptive softmax's log-probabilities from the head's
and the tail clusters' scores (helpers.lm.adaptive_log_probs, helpers.lm.check_adaptive_softmax)."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from helpers import lm


def correct(z_head, z_tails, cutoffs):
    """The reference solution of the exercise (as in the chapter's solution dropdown)."""
    head = torch.log_softmax(z_head, -1)
    c1 = cutoffs[0]
    parts = [head[:c1]] + [head[c1 + i] + torch.log_softmax(z, -1) for i, z in enumerate(z_tails)]
    return torch.cat(parts)


def no_cluster_term(z_head, z_tails, cutoffs):
    """Forgets P(cluster): each tail is normalised on its own."""
    head = torch.log_softmax(z_head, -1)
    return torch.cat([head[:cutoffs[0]]] + [torch.log_softmax(z, -1) for z in z_tails])


def head_words_only(z_head, z_tails, cutoffs):
    """Normalises the head over its words only, leaving out the cluster entries."""
    c1 = cutoffs[0]
    head_words = torch.log_softmax(z_head[:c1], -1)
    full = torch.log_softmax(z_head, -1)
    return torch.cat([head_words] + [full[c1 + i] + torch.log_softmax(z, -1)
                                     for i, z in enumerate(z_tails)])


def test_correct_implementation_passes(capsys):
    assert lm.check_adaptive_softmax(correct, n_cases=40, seed=3) is True
    assert "all 40 cases agree" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [no_cluster_term, head_words_only])
def test_plausible_mistakes_fail_and_print_the_case(wrong, capsys):
    assert lm.check_adaptive_softmax(wrong, n_cases=20, seed=0) is False
    out = capsys.readouterr().out
    assert "expected" in out and "got" in out and "cutoffs=" in out


def test_wrong_shape_fails(capsys):
    assert lm.check_adaptive_softmax(lambda zh, zt, c: torch.log_softmax(zh, -1)) is False
    assert "expected" in capsys.readouterr().out


def test_pieces_match_the_layer_and_the_models_output():
    """adaptive_log_probs on a chapter-style model: the pieces rebuild log_prob, which is
    normalised and equals the model's own scores at that position."""
    model = lm.LSTMLM(50, d_emb=8, d_hidden=16, n_layers=1, cutoffs=(10, 30), seed=0).double().eval()
    x = torch.tensor([[3, 7, 1, 12, 40]])
    with torch.no_grad():
        scores, _ = model(x, tuple(s.double() for s in model.init_state(1)))
        h, _ = model.lstm(model.C(x))
    z_head, z_tails, cutoffs, log_p = lm.adaptive_log_probs(model.W_out, h[0, -1])
    assert cutoffs == (10, 30, 50) and z_head.shape == (12,)
    assert [z.shape[0] for z in z_tails] == [20, 20]
    assert torch.allclose(log_p, scores[0, -1], atol=1e-12)
    assert abs(float(torch.logsumexp(log_p, 0))) < 1e-12
    assert torch.allclose(correct(z_head, z_tails, cutoffs), log_p, atol=1e-12)


LAYER = nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[3, 6])   # div_value 4: tails 4 and 1 wide


CHECK_ADAPTIVE_BAD = [
    (dict(fn=None), TypeError, "fn"),
    (dict(fn="correct"), TypeError, "fn"),
    (dict(fn=correct, n_cases=0), ValueError, "n_cases"),
    (dict(fn=correct, n_cases=2.5), TypeError, "n_cases"),
    (dict(fn=correct, n_cases="3"), TypeError, "n_cases"),
    (dict(fn=correct, seed=-1), ValueError, "seed"),
    (dict(fn=correct, seed=1.5), TypeError, "seed"),
]


@pytest.mark.parametrize("kwargs, exc, name", CHECK_ADAPTIVE_BAD)
def test_check_adaptive_softmax_bad_inputs(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        lm.check_adaptive_softmax(**kwargs)


ADAPTIVE_LOG_PROBS_BAD = [
    (nn.Linear(16, 10), torch.zeros(16), TypeError, "W_out"),
    (None, torch.zeros(16), TypeError, "W_out"),
    (LAYER, torch.zeros(5), ValueError, "h"),
    (LAYER, torch.zeros(1, 16), ValueError, "h"),
    (LAYER, torch.zeros(16, dtype=torch.long), ValueError, "h"),
    (LAYER, [0.0] * 16, ValueError, "h"),
    (LAYER, torch.tensor([float("nan")] + [0.0] * 15), ValueError, "h"),
]


@pytest.mark.parametrize("W_out, h, exc, name", ADAPTIVE_LOG_PROBS_BAD)
def test_adaptive_log_probs_bad_inputs(W_out, h, exc, name):
    with pytest.raises(exc, match=name):
        lm.adaptive_log_probs(W_out, h)
