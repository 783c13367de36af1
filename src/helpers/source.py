"""Show the source of a helper inside a chapter, so the code the reader studies lives once."""
from __future__ import annotations

import inspect


def show_source(obj):
    """Syntax-highlighted source of a function or class; renders in Jupyter and in the book."""
    from IPython.display import Code

    try:
        src = inspect.getsource(obj)
    except (TypeError, OSError) as err:
        raise ValueError(f"obj must be a function, class or module defined in Python source, "
                         f"got {obj!r}") from err
    return Code(src, language="python")
