"""The shared argument checks: what each accepts, and a table of what each refuses."""
import math

import numpy as np
import pytest

from helpers.checks import (check_array, check_bool, check_choice, check_int, check_number,
                            check_rng)


def test_accepted_values_are_converted():
    assert check_int("n", np.int64(3), low=1) == 3 and type(check_int("n", 3)) is int
    assert check_number("lr", 1, low=0, low_open=True) == 1.0
    assert check_number("x", math.inf, finite=False) == math.inf
    assert check_bool("flag", np.bool_(True)) is True
    assert check_choice("kind", "tanh", ("tanh", "relu")) == "tanh"
    arr = check_array("x", [[1, 2], [3, 4]], ndim=2, shape=(None, 2), dtype=float, finite=True)
    assert arr.dtype == float and arr.shape == (2, 2)
    assert check_array("ids", np.array([1.0, 2.0]), dtype=np.int64).dtype == np.int64
    rng = np.random.default_rng(0)
    assert check_rng("rng", rng) is rng


BAD = [
    (check_int, ("hidden_size", 2.7), {"low": 1}, TypeError),
    (check_int, ("hidden_size", "3"), {}, TypeError),
    (check_int, ("hidden_size", True), {}, TypeError),
    (check_int, ("hidden_size", 0), {"low": 1}, ValueError),
    (check_int, ("hidden_size", 9), {"high": 8}, ValueError),
    (check_number, ("lr", math.nan), {}, ValueError),
    (check_number, ("lr", math.inf), {}, ValueError),
    (check_number, ("lr", "0.1"), {}, TypeError),
    (check_number, ("lr", 0.0), {"low": 0, "low_open": True}, ValueError),
    (check_number, ("lr", 1.0), {"high": 1, "high_open": True}, ValueError),
    (check_number, ("lr", None), {}, TypeError),
    (check_bool, ("flag", 1), {}, TypeError),
    (check_choice, ("kind", "sigmoid", ("tanh", "relu")), {}, ValueError),
    (check_choice, ("kind", ["tanh"], ("tanh",)), {}, ValueError),
    (check_array, ("x", "abc"), {}, TypeError),
    (check_array, ("x", [[1, 2], [3]]), {}, TypeError),
    (check_array, ("x", [1, 2]), {"ndim": 2}, ValueError),
    (check_array, ("x", np.zeros((2, 3))), {"shape": (None, 2)}, ValueError),
    (check_array, ("x", [1.0, math.nan]), {"finite": True}, ValueError),
    (check_array, ("x", []), {"min_size": 1}, ValueError),
    (check_array, ("x", [1.5]), {"dtype": np.int64}, ValueError),
    (check_array, ("x", None), {}, TypeError),
    (check_rng, ("rng", 0), {}, TypeError),
]


@pytest.mark.parametrize("fn, args, kwargs, exc", BAD)
def test_bad_input_raises_naming_the_argument(fn, args, kwargs, exc):
    with pytest.raises(exc, match=args[0]):
        fn(*args, **kwargs)
