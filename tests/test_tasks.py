"""The adding problem: structure of both variants, the trivial baseline, the success criterion,
the model factory, and a short training run."""
import numpy as np
import pytest
import torch

from helpers.tasks import (adding_problem, marker_sum, sequence_regressor, success_fraction,
                           train_adding_torch, train_marker_sum, trivial_mse)
from badinput import assert_five_per_public_function, run_bad_input


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
    m = sequence_regressor("lstm", 5)
    b = (m.rnn.bias_ih_l0 + m.rnn.bias_hh_l0).detach().numpy()
    np.testing.assert_allclose(b[5:10], 1.0)
    for kind in ("rnn", "gru", "lstm"):
        out = sequence_regressor(kind, 4)(torch.zeros(3, 7, 2))
        assert out.shape == (3,)


def test_short_training_run_learns_short_lag():
    r = train_adding_torch("lstm", 5, hidden_size=16, steps=300, batch=32, lr=1e-2, eval_every=100,
                     n_test=200, progress=False, seed=0)
    assert r["curve_step"][0] == 0 and r["steps_run"] <= 300
    assert len(r["curve_test_mse"]) == len(r["curve_step"]) == len(r["curve_success"])
    assert len(r["final_abs_error"]) == 200
    assert r["final_mse"] < 0.2 * r["trivial_mse"]  # well below the constant predictor


def test_training_stops_with_an_error_on_divergence(monkeypatch):
    """A non-finite training loss (here from a corrupted batch) stops training with an error."""
    import helpers.tasks as tasks

    clean = tasks.adding_problem

    def corrupted(n, T, rng, variant="le2015", dtype=np.float32):
        x, y = clean(n, T, rng, variant, dtype)
        x[:, 0, 0] = np.inf
        return x, y

    monkeypatch.setattr(tasks, "adding_problem", corrupted)
    with pytest.raises(FloatingPointError, match="diverged at step 1"):
        train_adding_torch("rnn", 5, hidden_size=8, steps=50, eval_every=10, n_test=20,
                           progress=False)


# sum since the last marker (chapter 4)
@pytest.mark.parametrize("p", [0.05, 0.3])
def test_marker_sum_structure_and_targets(p):
    x, y = marker_sum(300, 40, np.random.default_rng(5), p, dtype=np.float64)
    assert x.shape == (300, 40, 2) and y.shape == (300, 40) and x.dtype == np.float64
    marks = x[:, :, 1] == 1
    assert set(np.unique(x[:, :, 1])) <= {0.0, 1.0}
    assert np.all(x[:, :, 0][marks] == 0) and np.all(y[marks] == 0)
    assert np.all(np.abs(x[:, :, 0]) <= 1)
    assert abs(marks.mean() - p) < 4 * np.sqrt(p * (1 - p) / marks.size)
    want = np.zeros_like(y)                     # the target, recomputed by a plain loop
    for i in range(300):
        total = 0.0
        for t in range(40):
            total = 0.0 if marks[i, t] else total + x[i, t, 0]
            want[i, t] = total
    np.testing.assert_allclose(y, want, atol=1e-12)


def test_marker_sum_is_seeded_and_float32_by_default():
    a = marker_sum(4, 10, np.random.default_rng(1))
    b = marker_sum(4, 10, np.random.default_rng(1))
    assert a[0].dtype == np.float32 and a[1].dtype == np.float32
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_short_marker_sum_run_beats_predicting_zero():
    r = train_marker_sum("learned", T=20, hidden_size=8, steps=60, batch=16, n_test=64,
                         eval_every=20, marker_prob=0.2)
    assert r["curve_step"] == [0, 20, 40, 60] and len(r["curve_test_mse"]) == 4
    assert r["final_mse"] < 0.5 * r["zero_mse"]
    assert 0 < r["r_marker"] < 1 and 0 < r["r_other"] < 1
    p = train_marker_sum("pinned", T=20, hidden_size=8, steps=5, batch=16, n_test=64,
                         eval_every=5, marker_prob=0.2)
    assert p["r_marker"] == pytest.approx(1.0) and p["r_other"] == pytest.approx(1.0)
    assert p["zero_mse"] == r["zero_mse"]       # the same test set for both settings
    assert p["n_trainable"] == r["n_trainable"] - 8 * (2 + 8 + 2)


def test_marker_sum_training_stops_with_an_error_on_divergence(monkeypatch):
    import helpers.tasks as tasks

    clean = tasks.marker_sum

    def corrupted(n, T, rng, marker_prob=0.05, dtype=np.float32):
        x, y = clean(n, T, rng, marker_prob, dtype)
        if n == 8:                              # the training batches, not the test set
            x[:, 0, 0] = np.nan
        return x, y

    monkeypatch.setattr(tasks, "marker_sum", corrupted)
    with pytest.raises(FloatingPointError, match="diverged at step 1"):
        train_marker_sum("learned", T=10, hidden_size=4, steps=5, batch=8, n_test=16)


RNG = np.random.default_rng
BAD = [
    ("adding_problem", lambda: adding_problem(0, 10, RNG(0)), ValueError, "n"),
    ("adding_problem", lambda: adding_problem(2.5, 10, RNG(0)), TypeError, "n"),
    ("adding_problem", lambda: adding_problem(5, 1, RNG(0)), ValueError, "T"),
    ("adding_problem", lambda: adding_problem(5, 20, RNG(0), "hochreiter1997"), ValueError, "T must be an integer >= 24"),
    ("adding_problem", lambda: adding_problem(5, "10", RNG(0)), TypeError, "T"),
    ("adding_problem", lambda: adding_problem(5, 10, 0), TypeError, "rng"),
    ("adding_problem", lambda: adding_problem(5, 10, RNG(0), "sum"), ValueError, "variant"),
    ("adding_problem", lambda: adding_problem(5, 10, RNG(0), dtype=np.int32), ValueError, "dtype"),
    ("adding_problem", lambda: adding_problem(5, 10, RNG(0), dtype="banana"), TypeError, "dtype"),
    ("trivial_mse", lambda: trivial_mse("x"), ValueError, "variant"),
    ("trivial_mse", lambda: trivial_mse(None), ValueError, "variant"),
    ("trivial_mse", lambda: trivial_mse(1), ValueError, "variant"),
    ("trivial_mse", lambda: trivial_mse(["le2015"]), ValueError, "variant"),
    ("trivial_mse", lambda: trivial_mse("LE2015"), ValueError, "variant"),
    ("success_fraction", lambda: success_fraction([1, 2], [1]), ValueError, "pred and target"),
    ("success_fraction", lambda: success_fraction([1], [1], tol=0), ValueError, "tol"),
    ("success_fraction", lambda: success_fraction([1], [1], tol=float("nan")), ValueError, "tol"),
    ("success_fraction", lambda: success_fraction([], []), ValueError, "pred"),
    ("success_fraction", lambda: success_fraction("a", [1]), TypeError, "pred"),
    ("success_fraction", lambda: success_fraction([1], [np.nan]), ValueError, "target"),
    ("success_fraction", lambda: success_fraction([[1]], [1]), ValueError, "pred"),
    ("sequence_regressor", lambda: sequence_regressor("transformer", 4), ValueError, "kind"),
    ("sequence_regressor", lambda: sequence_regressor("lstm", 0), ValueError, "hidden_size"),
    ("sequence_regressor", lambda: sequence_regressor("lstm", 2.7), TypeError, "hidden_size"),
    ("sequence_regressor", lambda: sequence_regressor("lstm", 4, input_size=0), ValueError, "input_size"),
    ("sequence_regressor", lambda: sequence_regressor("lstm", 4, forget_bias=float("nan")), ValueError, "forget_bias"),
    ("sequence_regressor", lambda: sequence_regressor("gru", "4"), TypeError, "hidden_size"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, steps=0), ValueError, "steps"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, solved_at=1.5), ValueError, "solved_at"),
    ("train_adding_torch", lambda: train_adding_torch("cnn", 10), ValueError, "kind"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 1), ValueError, "T"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, hidden_size=2.7), TypeError, "hidden_size"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, lr=float("nan")), ValueError, "lr"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, lr=-1e-3), ValueError, "lr"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, clip=0.0), ValueError, "clip"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, batch=0), ValueError, "batch"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, time_limit=-1.0), ValueError, "time_limit"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, variant="x"), ValueError, "variant"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, seed=-1), ValueError, "seed"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, progress="no"), TypeError, "progress"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, eval_every=0), ValueError, "eval_every"),
    ("train_adding_torch", lambda: train_adding_torch("lstm", 10, n_test=0), ValueError, "n_test"),
    ("marker_sum", lambda: marker_sum(0, 10, RNG(0)), ValueError, "n"),
    ("marker_sum", lambda: marker_sum(5, 2.5, RNG(0)), TypeError, "T"),
    ("marker_sum", lambda: marker_sum(5, 0, RNG(0)), ValueError, "T"),
    ("marker_sum", lambda: marker_sum(5, 10, 3), TypeError, "rng"),
    ("marker_sum", lambda: marker_sum(5, 10, RNG(0), 0.0), ValueError, "marker_prob"),
    ("marker_sum", lambda: marker_sum(5, 10, RNG(0), 1.0), ValueError, "marker_prob"),
    ("marker_sum", lambda: marker_sum(5, 10, RNG(0), float("nan")), ValueError, "marker_prob"),
    ("marker_sum", lambda: marker_sum(5, 10, RNG(0), dtype=np.int64), ValueError, "dtype"),
    ("train_marker_sum", lambda: train_marker_sum("none"), ValueError, "reset"),
    ("train_marker_sum", lambda: train_marker_sum("learned", T=0), ValueError, "T"),
    ("train_marker_sum", lambda: train_marker_sum("learned", hidden_size=1.5), TypeError, "hidden_size"),
    ("train_marker_sum", lambda: train_marker_sum("learned", steps=0), ValueError, "steps"),
    ("train_marker_sum", lambda: train_marker_sum("learned", lr=float("inf")), ValueError, "lr"),
    ("train_marker_sum", lambda: train_marker_sum("learned", clip=-1.0), ValueError, "clip"),
    ("train_marker_sum", lambda: train_marker_sum("learned", seed=-1), ValueError, "seed"),
    ("train_marker_sum", lambda: train_marker_sum("learned", marker_prob=2.0), ValueError, "marker_prob"),
    ("train_marker_sum", lambda: train_marker_sum("learned", n_test=0), ValueError, "n_test"),
    ("train_marker_sum", lambda: train_marker_sum("learned", eval_every="5"), TypeError, "eval_every"),
    ("train_marker_sum", lambda: train_marker_sum("learned", batch=0), ValueError, "batch"),
]


@pytest.mark.parametrize("name, call, exc, match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(name, call, exc, match):
    run_bad_input(call, exc, match)


def test_every_public_function_has_five_bad_inputs():
    import helpers.tasks as module

    assert_five_per_public_function(module, BAD)
