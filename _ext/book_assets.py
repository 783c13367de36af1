"""Small fixes to the scripts every page loads (a local Sphinx extension of this book).

1. Drop repeated <script> registrations from each page.

sphinx-thebe 0.3.1 registers its inline configuration script (``const THEBE_JS_URL = ...``) twice
under Jupyter Book 1 with Sphinx 7.4 (once with filename ``None``, once with ``''``), and the
second ``const`` throws "Identifier 'THEBE_JS_URL' has already been declared" in every page. This
keeps the first of any identical scripts.

2. A MathJax 2 ``Hub.Queue`` for the widget JavaScript. ``@jupyter-widgets/html-manager`` typesets
widget labels with MathJax 2's ``MathJax.Hub.Queue``; the book serves MathJax 3, which has no
``Hub``, so rendering a widget threw "Cannot read properties of undefined (reading 'Queue')".
The shim maps it to MathJax 3's ``typesetPromise``.
"""

MATHJAX_HUB_SHIM = """
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (mj && !mj.Hub) {
    mj.Hub = {Queue: function () {
      if (mj.typesetPromise) { mj.typesetPromise().catch(function () {}); }
    }};
  }
});
""".strip()


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
    app.add_js_file(None, body=MATHJAX_HUB_SHIM, priority=200)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
