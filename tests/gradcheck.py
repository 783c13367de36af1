"""Central finite differences, shared by the tests of hand-written backward passes."""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f(a) / d a by central differences; ``f`` takes an array shaped like ``a`` (never ``a``
    itself, which stays unchanged) and returns a float. Same shape as ``a``."""
    num = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[idx] += eps
        minus[idx] -= eps
        num[idx] = (f(plus) - f(minus)) / (2 * eps)
    return num
