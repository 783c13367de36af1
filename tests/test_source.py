"""show_source: the code the reader studies is shown from its one home; a table of bad inputs."""

import numpy as np
import pytest

from helpers import memory
from helpers.source import show_source


def test_shows_functions_classes_methods_and_modules():
    from helpers.data import Vocab

    assert show_source(memory.half_life).data.startswith("def half_life(beta: float)")
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


# ------------------------------------------------------------------------------------------
# solution_blocks: the code of a chapter's exercise solutions, read back from its markdown
import json  # noqa: E402
import pathlib  # noqa: E402

from helpers.source import solution_blocks  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _notebook(tmp_path, *markdown, name="nb.ipynb"):
    cells = [{"cell_type": "markdown", "id": f"m{k}", "metadata": {}, "source": m}
             for k, m in enumerate(markdown)]
    cells.append({"cell_type": "code", "id": "c", "metadata": {}, "execution_count": None,
                  "outputs": [], "source": "````{solution} ex-not-markdown\n```python\nx = 0\n```\n````"})
    path = tmp_path / name
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_solution_blocks_known_notebook(tmp_path):
    path = _notebook(
        tmp_path,
        "```{exercise} One\n:label: ex-one\nText with ```python\n```\n",           # not a solution
        "````{solution} ex-one\n:class: dropdown\nWords.\n\n```python\nx = 1\ny = 2\n```\n"
        "More words.\n```python\nz = x + y\n```\n````",
        "```{solution} ex-two\n:class: dropdown\nNo code here.\n```",
        "````{solution} ex-three\n:class: dropdown\n```bash\nls\n```\n```python\nprint(3)\n```\n````",
    )
    assert solution_blocks(path) == [("ex-one", "x = 1\ny = 2\n"), ("ex-one", "z = x + y\n"),
                                     ("ex-three", "print(3)\n")]
    assert solution_blocks(str(path), language="bash") == [("ex-three", "ls\n")]
    ns: dict = {}
    for _, code in solution_blocks(path)[:2]:
        exec(code, ns)
    assert ns["z"] == 3


def test_solution_blocks_of_the_chapters():
    """Chapter 4's three solution blocks (its tests run them) and chapter 5's nine."""
    gru = solution_blocks(ROOT / "notebooks" / "04_gru.ipynb")
    assert [label for label, _ in gru] == ["ex-ch04-agree", "ex-ch04-chung-convention",
                                           "ex-ch04-backward"]
    assert all("assert " in code for _, code in gru)
    assert len(solution_blocks(ROOT / "notebooks" / "05_word_embeddings.ipynb")) == 9


@pytest.fixture
def files(tmp_path):
    """A folder with one good notebook and several files that are not notebooks."""
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "empty.ipynb").write_text("{}")
    (tmp_path / "notes.md").write_text("# notes")
    _notebook(tmp_path, "text", name="good.ipynb")
    return tmp_path


# (call on the folder, exception, the argument the message must name)
BAD_SOLUTION_BLOCKS = [
    (lambda d: solution_blocks(3), TypeError, "notebook_path"),
    (lambda d: solution_blocks(None), TypeError, "notebook_path"),
    (lambda d: solution_blocks([d / "good.ipynb"]), TypeError, "notebook_path"),
    (lambda d: solution_blocks(d / "missing.ipynb"), ValueError, "notebook_path"),
    (lambda d: solution_blocks(d / "notes.md"), ValueError, "notebook_path"),
    (lambda d: solution_blocks(d), ValueError, "notebook_path"),
    (lambda d: solution_blocks(d / "broken.ipynb"), ValueError, "notebook_path"),
    (lambda d: solution_blocks(d / "empty.ipynb"), ValueError, "notebook_path"),
    (lambda d: solution_blocks(d / "good.ipynb", language=3), TypeError, "language"),
    (lambda d: solution_blocks(d / "good.ipynb", language=""), ValueError, "language"),
    (lambda d: solution_blocks(d / "good.ipynb", language="py thon"), ValueError, "language"),
]


@pytest.mark.parametrize("call,exc,name", BAD_SOLUTION_BLOCKS,
                         ids=[str(k) for k in range(len(BAD_SOLUTION_BLOCKS))])
def test_solution_blocks_bad_input(files, call, exc, name):
    with pytest.raises(exc, match=rf"^{name}(?!\w)") as info:
        call(files)
    assert "got" in str(info.value)
