"""The adding problem: structure of both variants, the trivial baseline, the success criterion,
the model factory, and a short training run."""
import numpy as np
import pytest
import torch

from helpers.tasks import (SequenceRegressor, adding_problem, success_fraction, train_adding,
                           trivial_mse)


@pytest.mark.parametrize("T", [2, 7, 100])
def test_le2015_structure(T):
    x, y = adding_problem(500, T, np.random.default_rng(0), "le2015", dtype=np.float64)
    assert x.shape == (500, T, 2) and y.shape == (500,)
    assert np.all(x[:, :, 1].sum(axis=1) == 2)
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] <= 1))
    first = np.argmax(x[:, :, 1], axis=1)
    assert np.all(first < T // 2)
    assert np.all(x[:, T // 2:, 1].sum(axis=1) == 1)  # the second marker is in the second half
    np.testing.assert_allclose(y, (x[:, :, 0] * x[:, :, 1]).sum(axis=1))


def test_hochreiter1997_structure():
    T = 100
    x, y = adding_problem(2000, T, np.random.default_rng(1), "hochreiter1997", dtype=np.float64)
    marks = x[:, :, 1]
    ones = marks == 1
    assert np.all(ones.sum(axis=1) == 2)
    pos = np.sort(np.argwhere(ones)[:, 1].reshape(-1, 2), axis=1)
    assert np.all(pos[:, 1] <= T // 2 - 2)  # both among the first T/2 - 1 steps
    assert np.all(np.any(ones[:, :10], axis=1))  # one of them among the first ten
    assert np.all(marks[:, -1] == -1)
    assert np.all((marks[:, 0] == -1) | ones[:, 0])
    np.testing.assert_allclose(y, 0.5 + (x[:, :, 0] * ones).sum(axis=1) / 4)
    assert np.all((y >= 0) & (y <= 1))


@pytest.mark.parametrize("variant", ["le2015", "hochreiter1997"])
def test_trivial_predictor_mse(variant):
    _, y = adding_problem(200_000, 50, np.random.default_rng(2), variant, dtype=np.float64)
    mean = 1.0 if variant == "le2015" else 0.5
    assert np.mean((y - mean) ** 2) == pytest.approx(trivial_mse(variant), rel=0.01)
    if variant == "le2015":
        assert trivial_mse(variant) == pytest.approx(0.1667, abs=1e-4)


def test_success_fraction():
    assert success_fraction([0.0, 0.03, 0.05, -0.039], [0, 0, 0, 0]) == 0.75
    assert success_fraction([1.0], [1.08], tol=0.1) == 1.0


def test_lstm_forget_bias_and_output_shape():
    torch.manual_seed(0)
    m = SequenceRegressor("lstm", 5)
    b = (m.rnn.bias_ih_l0 + m.rnn.bias_hh_l0).detach().numpy()
    np.testing.assert_allclose(b[5:10], 1.0)
    for kind in ("rnn", "gru", "lstm"):
        out = SequenceRegressor(kind, 4)(torch.zeros(3, 7, 2))
        assert out.shape == (3,)


def test_short_training_run_learns_short_lag():
    r = train_adding("lstm", 5, hidden=16, steps=300, batch=32, lr=1e-2, eval_every=100,
                     n_test=200, progress=False, seed=0)
    assert r["curve_step"][0] == 0 and r["steps_run"] <= 300
    assert len(r["curve_test_mse"]) == len(r["curve_step"]) == len(r["curve_success"])
    assert len(r["final_abs_error"]) == 200
    assert r["final_mse"] < 0.2 * r["trivial_mse"]  # well below the constant predictor


BAD = [
    (lambda: adding_problem(0, 10, np.random.default_rng(0)), r"n must be an int >= 1"),
    (lambda: adding_problem(5, 1, np.random.default_rng(0)), r"T must be an int >= 2"),
    (lambda: adding_problem(5, 20, np.random.default_rng(0), "hochreiter1997"), r"T must be an int >= 24"),
    (lambda: adding_problem(5, 10, 0), r"rng must be a numpy Generator"),
    (lambda: adding_problem(5, 10, np.random.default_rng(0), "sum"), r"variant must be one of"),
    (lambda: trivial_mse("x"), r"variant must be one of"),
    (lambda: success_fraction([1, 2], [1]), r"same non-zero length"),
    (lambda: success_fraction([1], [1], tol=0), r"tol must be > 0"),
    (lambda: SequenceRegressor("transformer", 4), r"kind must be one of"),
    (lambda: SequenceRegressor("lstm", 0), r"hidden must be an int >= 1"),
    (lambda: train_adding("lstm", 10, steps=0), r"steps must be an int >= 1"),
    (lambda: train_adding("lstm", 10, solved_at=1.5), r"solved_at must be in"),
]


@pytest.mark.parametrize("call, match", BAD)
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
