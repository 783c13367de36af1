"""show_source: the code the reader studies is shown from its one home; a table of bad inputs."""

import numpy as np
import pytest

from helpers import memory
from helpers.source import show_source


def test_shows_functions_classes_methods_and_modules():
    from helpers.data import Vocab

    assert show_source(memory.half_life).data.startswith("def half_life(a: float)")
    assert "class Vocab" in show_source(Vocab).data
    assert "def encode" in show_source(Vocab.encode).data
    assert '"""Memory and forgetting' in show_source(memory).data
    assert show_source(memory.half_life).language == "python"


namespace: dict = {}
exec("def made_in_exec():\n    return 1\n", namespace)  # no source file to read back

# (call, exception, the argument the message must name)
BAD = [
    (lambda: show_source(3), TypeError),
    (lambda: show_source(None), TypeError),
    (lambda: show_source("memory.half_life"), TypeError),
    (lambda: show_source(memory.half_life(0.5)), TypeError),
    (lambda: show_source(np.sin), TypeError),         # a ufunc, not a Python function
    (lambda: show_source(len), TypeError),            # a built-in
    (lambda: show_source(namespace["made_in_exec"]), ValueError),
    (lambda: show_source(int), ValueError),           # a built-in class has no source file
]


@pytest.mark.parametrize("call,exc", BAD, ids=[str(k) for k in range(len(BAD))])
def test_bad_input(call, exc):
    with pytest.raises(exc, match=r"^obj(?!\w)") as info:
        call()
    assert "got" in str(info.value)
