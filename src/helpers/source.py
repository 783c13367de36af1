"""Show the source of a helper inside a chapter, so the code the reader studies lives once."""
from __future__ import annotations

import inspect

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
