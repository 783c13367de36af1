"""The bad-input tables' shared checks: a table row is ``(name, call, exception, match)``."""
from __future__ import annotations

import pytest


def run_bad_input(call, exc, match) -> None:
    """``call()`` raises ``exc`` with a message matching ``match`` (the argument's name)."""
    with pytest.raises(exc, match=match):
        call()


def public_functions(module, classes: bool = True) -> set[str]:
    """Names of the functions (and, if ``classes``, classes) ``module`` defines and does not
    mark private."""
    return {n for n, f in vars(module).items() if callable(f) and not n.startswith("_")
            and getattr(f, "__module__", None) == module.__name__
            and (classes or not isinstance(f, type))}


def assert_five_per_public_function(module, table, minimum: int = 5, classes: bool = True) -> None:
    """Every public function (and class, if ``classes``) of ``module`` has ``minimum`` rows in
    ``table``."""
    counts = {n: sum(row[0] == n for row in table) for n in public_functions(module, classes)}
    short = {n: c for n, c in counts.items() if c < minimum}
    assert not short, f"{module.__name__}: fewer than {minimum} bad inputs for {short}"
