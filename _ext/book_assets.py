"""Small fixes to the scripts every page loads (a local Sphinx extension of this book).

1. Drop repeated <script> registrations from each page.

sphinx-thebe 0.3.1 registers its inline configuration script (``const THEBE_JS_URL = ...``) twice
under Jupyter Book 1 with Sphinx 7.4 (once with filename ``None``, once with ``''``), and the
second ``const`` throws "Identifier 'THEBE_JS_URL' has already been declared" in every page. This
keeps the first of any identical scripts.

2. The MathJax 2 ``Hub.Queue`` that ``@jupyter-widgets/html-manager`` calls to typeset widget
labels (the book serves MathJax 3, which has no ``Hub``) is defined in ``reader_pages.py``.
"""


def _unique(scripts):
    seen, kept = set(), []
    for js in scripts:
        filename = getattr(js, "filename", js) or ""
        attrs = getattr(js, "attributes", None) or {}
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    return kept


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = _unique(scripts)  # in place: later handlers append to this same list
    return None


def setup(app):
    # first: html-page-context stops at the first handler that returns a template name
    app.connect("html-page-context", _dedupe, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
