"""Argument checks shared by every helper module.

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong value)
with a message that names the argument, says what was expected and shows what was given:

>>> check_int("hidden_size", 2.7, low=1)
Traceback (most recent call last):
...
TypeError: hidden_size must be an integer >= 1, got 2.7 (float)

The checks return the value converted (``int``, ``float``, ``np.ndarray``) so a caller writes
``H = check_int("hidden_size", hidden_size, low=1)``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

__all__ = ["check_int", "check_number", "check_choice", "check_array", "check_rng",
           "check_bool", "describe"]


def describe(value) -> str:
    """A short ``repr`` of ``value`` with its type, for error messages."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _range_text(low, high, low_open=False, high_open=False) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high}")
    return " and ".join(parts)


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]``; bools, floats and strings are refused."""
    expected = "an integer" + (f" {_range_text(low, high)}" if low is not None or high is not None
                               else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def check_number(name: str, value, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """``value`` as a ``float`` in the interval given; NaN is always refused, infinity unless
    ``finite=False``; bools and strings are refused."""
    rng = _range_text(low, high, low_open, high_open)
    expected = ("a finite number" if finite else "a number") + (f" {rng}" if rng else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be {expected}, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {expected}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def check_bool(name: str, value) -> bool:
    """``value`` as a ``bool`` (``True``/``False`` or numpy's)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_choice(name: str, value, choices: Iterable):
    """``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:  # an unhashable or incomparable value
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                         f"got {describe(value)}")
    return value


def check_array(name: str, value, *, ndim: int | tuple[int, ...] | None = None,
                shape: tuple | None = None, finite: bool = False, dtype=None,
                min_size: int = 0) -> np.ndarray:
    """``value`` as a numeric ``np.ndarray``.

    ``ndim``: the allowed number(s) of dimensions; ``shape``: the expected shape, with ``None``
    for a free axis; ``finite``: refuse NaN and infinity; ``dtype``: convert to it (integer
    targets refuse non-integral values); ``min_size``: the smallest number of elements.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a numeric array, got {describe(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise TypeError(f"{name} must be a numeric array, got {describe(value)}") from err
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got an array of dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(map(str, allowed))
            raise ValueError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} element(s), got shape {arr.shape}")
    if dtype is not None:
        target = np.dtype(dtype)
        if np.issubdtype(target, np.integer) and not np.issubdtype(arr.dtype, np.integer):
            if not (np.all(np.isfinite(arr)) and np.all(np.mod(arr, 1) == 0)):
                raise ValueError(f"{name} must hold integers, got non-integral values")
        arr = arr.astype(target, copy=False)
    if finite and np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold finite values, got NaN or infinity")
    return arr


def check_rng(name: str, value) -> np.random.Generator:
    """``value`` if it is a ``np.random.Generator`` (pass ``np.random.default_rng(seed)``)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {describe(value)}")
    return value
