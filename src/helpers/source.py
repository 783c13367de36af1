"""Show the source of a helper inside a chapter, so the code the reader studies lives once;
and read back the code a chapter's exercise solutions show, so that a build can run it."""
from __future__ import annotations

import inspect
import json
import os
import pathlib
import re

from helpers.checks import describe


def show_source(obj):
    """Syntax-highlighted source of ``obj``, a function, method, class or module written in
    Python; renders in Jupyter and in the book."""
    from IPython.display import Code

    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)
            or inspect.ismodule(obj)):
        raise TypeError(f"obj must be a function, method, class or module, got {describe(obj)}")
    try:
        src = inspect.getsource(obj)
    except (TypeError, OSError) as err:  # built-in, or defined where no source file is kept
        raise ValueError(f"obj must be defined in a Python source file, got {describe(obj)}, "
                         f"whose source is not available ({err})") from err
    return Code(src, language="python")


_SOLUTION = re.compile(r"^````\{solution\} (\S+)\n(.*?)^````$", flags=re.S | re.M)


def solution_blocks(notebook_path, *, language: str = "python") -> list[tuple[str, str]]:
    """The fenced code blocks of a chapter's exercise solutions, in page order, as
    ``[(solution label, code), ...]``.

    The house form of a solution that holds code: the solution directive fenced with four
    backticks, the code inside it fenced with three and tagged with its ``language``. The
    notebook's markdown cells are searched, so that a hidden cell can run exactly the code the
    reader sees and a solution that breaks fails the build. Blocks in other languages, and code
    outside solutions, are skipped."""
    if not isinstance(notebook_path, (str, os.PathLike)):
        raise TypeError(f"notebook_path must be a path (str or os.PathLike), got "
                        f"{describe(notebook_path)}")
    path = pathlib.Path(notebook_path)
    if path.suffix != ".ipynb":
        raise ValueError(f"notebook_path must name a .ipynb notebook, got {str(path)!r}")
    if not path.is_file():
        raise ValueError(f"notebook_path must be an existing file, got {str(path)!r}")
    if not isinstance(language, str):
        raise TypeError(f"language must be a str, got {describe(language)}")
    if not re.fullmatch(r"[A-Za-z0-9_+-]+", language):
        raise ValueError(f"language must be a code-fence language name such as 'python', "
                         f"got {language!r}")
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"notebook_path must be a Jupyter notebook (JSON with cells), got "
                         f"{str(path)!r}, which is not ({err})") from err
    code = re.compile(rf"^```{re.escape(language)}\n(.*?)^```$", flags=re.S | re.M)
    return [(label, block) for label, body in _SOLUTION.findall(markdown)
            for block in code.findall(body)]
