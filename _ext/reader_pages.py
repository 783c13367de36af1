"""The built pages as a reader meets them (a local Sphinx extension of this book; issue 14).

Generic: it applies to every page of the book, whatever its chapter.

* **Layout** (``static/reader.css``): display equations, code and output blocks and tables that
  are wider than the column scroll inside their own box, with a shadow at the edge as the cue
  that more is there; explorer controls shrink to the column; inline code wraps; nothing makes
  the page itself scroll sideways on a phone.
* **Behaviour** (``static/reader.js``): the slider's value read-out is read-only text (the
  static page has no kernel to act on typing); the slider handle gets the control's name as its
  accessible name; a solution's title opens the solution instead of jumping away; the citation
  list loses an ARIA list role whose items it does not have.
* **Lighter pages**: the widget JavaScript (1.9 MB, ``widgets-js/embed.js``) is loaded by
  ``reader.js`` when an explorer comes within two screens of the view (or a key is pressed in
  the page), not with the page; the theme's 1.5 MB icon script (``fontawesome.js``) is not loaded: the
  theme's stylesheet already draws the same icons from its web fonts; the search index loads on
  the search page only; figures are palette PNGs. A search fetches a small text copy of each
  result page (``_search/<page>.html``, math as plain text) for its snippets, not the page
  itself.
* **Clean static pages**: lines that only mean something next to a kernel (live-update
  timings, font diagnostics) and progress bars are left out of the built pages' outputs: see
  :data:`LIVE_ONLY_LINES`. They stay in the notebook.
* **Alt text**: an image in a figure gets its caption as alt text (not its hashed file name).
"""
from __future__ import annotations

import html
import pathlib
import re

from docutils import nodes

HERE = pathlib.Path(__file__).resolve().parent

# Output lines that belong to the live notebook only (a kernel's timing, the machine's fonts, a
# progress bar); removed from the built pages.
LIVE_ONLY_LINES = (
    re.compile(r"^.*\blive update\b.*\bms\b.*$"),          # explorer timings: no kernel here
    re.compile(r"^CJK font for .*$"),                      # a font diagnostic of the build machine
    re.compile(r"^.*\d+%\|.*\|\s*\d+/\d+ \[.*\]\s*$"),      # tqdm progress bars
)
_CR_LINE = re.compile(r"[^\n]*\r")  # carriage-return redraws of a progress bar


def clean_output_text(text: str) -> str:
    """``text`` without its live-only lines (:data:`LIVE_ONLY_LINES`); progress-bar redraws
    (``\\r``) collapse to their last state first."""
    lines = []
    for line in text.split("\n"):
        line = _CR_LINE.sub("", line) if "\r" in line.rstrip("\r") else line.rstrip("\r")
        if any(p.match(line) for p in LIVE_ONLY_LINES):
            continue
        lines.append(line)
    return "\n".join(lines)


def _clean_outputs(app, doctree, docname):
    for block in list(doctree.findall(nodes.literal_block)):
        classes = set(block.get("classes", []))
        if "output" not in classes or not ({"stream", "stderr", "text_plain"} & classes):
            continue
        old = block.astext()
        new = clean_output_text(old)
        if new == old:
            continue
        if not new.strip():
            parent = block.parent
            parent.remove(block)
            if isinstance(parent, nodes.container) and not parent.children \
                    and parent.parent is not None:
                parent.parent.remove(parent)
            continue
        block.children = [nodes.Text(new)]
        block.rawsource = new


# ------------------------------------------------------------------------------------------
# TeX to plain text (alt text and search snippets)
_TEX_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "partial": "∂", "nabla": "∇",
    "sum": "Σ", "prod": "Π", "int": "∫", "infty": "∞", "approx": "≈", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "times": "×", "cdot": "·", "odot": "⊙",
    "otimes": "⊗", "in": "∈", "to": "→", "rightarrow": "→", "leftarrow": "←", "mid": "|",
    "propto": "∝", "sim": "~", "pm": "±", "ldots": "…", "dots": "…", "cdots": "…",
    "top": "ᵀ", "prime": "′", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖",
    "langle": "⟨", "rangle": "⟩", "ell": "ℓ", "circ": "∘", "log": "log", "ln": "ln",
    "exp": "exp", "tanh": "tanh", "max": "max", "min": "min", "arg": "arg", "det": "det",
    "quad": " ", "qquad": " ", ",": " ", ";": " ", "!": "", " ": " ", "\\": "; ",
}


def tex_to_text(tex: str) -> str:
    """A readable plain-text rendering of a TeX formula (no backslash commands, braces,
    ``^{`` or ``_{`` left): ``\\alpha_{t-1}`` -> ``αt-1``. For alt text and search snippets."""
    s = tex.strip()
    for delim in ("\\(", "\\)", "\\[", "\\]", "$$", "$"):
        s = s.replace(delim, " ")
    s = re.sub(r"\\(?:begin|end)\{[^}]*\}(?:\{[^}]*\})?", " ", s)
    s = re.sub(r"\\(?:label|tag)\{[^}]*\}", " ", s)
    s = re.sub(r"\\(?:text|mathrm|mathbf|mathit|mathcal|operatorname|textrm|mbox|boldsymbol|"
               r"mathbb|bm|hat|tilde|bar|overline|underbrace|overbrace|vec|widehat)\b\s*", "", s)
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", s)
    s = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"√(\1)", s)
    s = re.sub(r"\\([A-Za-z]+|.)", lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(1)
                                                          if m.group(1).isalpha() else ""), s)
    s = s.replace("&", " ").replace("{", "").replace("}", "").replace("^", "").replace("_", "")
    return re.sub(r"\s+", " ", s).strip()


def _plain(node) -> str:
    """Text of a docutils node with its math as plain text."""
    parts = []
    for n in node.findall(nodes.Text):
        parent = n.parent
        if parent is not None and parent.tagname in ("math", "math_block"):
            parts.append(tex_to_text(str(n)))
        else:
            parts.append(str(n))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _is_path_alt(alt: str) -> bool:
    return bool(re.search(r"\.(png|jpe?g|svg|gif)$", alt or "", re.I)) or not (alt or "").strip()


def _alt_text(app, doctree, docname):
    """Images in a figure take its caption as alt text; an output image outside a figure takes
    the caption of the figure glued from it, else a description of its cell's output."""
    for img in doctree.findall(nodes.image):
        if not _is_path_alt(img.get("alt", "")):
            continue
        fig = img.parent
        while fig is not None and not isinstance(fig, nodes.figure):
            fig = fig.parent
        cap = fig.next_node(nodes.caption) if fig is not None else None
        if cap is not None:
            img["alt"] = _plain(cap)
            continue
        title = _section_title(img)
        img["alt"] = f"Figure printed by a code cell in the section “{title}”" if title \
            else "Figure printed by a code cell"


def _section_title(node) -> str:
    while node is not None and not isinstance(node, nodes.section):
        node = node.parent
    if node is None:
        return ""
    t = node.next_node(nodes.title)
    return _plain(t) if t is not None else ""


# ------------------------------------------------------------------------------------------
# scripts: no icon script; the MathJax 2 shim of the widget JavaScript; search text copies
# A MathJax 2 ``Hub.Queue`` for the widget JavaScript (see book_assets.py for why there is one):
# each call typesets only the element it names, after MathJax's own first pass and after the
# calls before it. Typesetting the whole page from every widget label, while MathJax was still
# typesetting it, had nested each formula inside its own output 3-5 times.
MATHJAX_HUB_SHIM = """
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub) return;
  var chain = null;
  var hasTeX = function (el) {
    return el && /\\\\\\(|\\\\\\[|\\$\\$/.test(el.textContent || "");
  };
  mj.Hub = {Queue: function () {
    var els = [];
    for (var i = 0; i < arguments.length; i++) {
      var job = arguments[i];
      if (Array.isArray(job) && job[0] === "Typeset" && job[2]) els.push(job[2]);
    }
    els = els.filter(hasTeX);
    if (!els.length) return;
    var start = chain || (mj.startup && mj.startup.promise) || Promise.resolve();
    chain = start.then(function () {
      els = els.filter(function (el) { return el.isConnected && hasTeX(el); });
      return els.length && mj.typesetPromise ? mj.typesetPromise(els) : null;
    }).catch(function () {});
  }};
});
""".strip()

# the theme's icon script: its stylesheet draws the same icons from web fonts
DROP_SCRIPTS = ("scripts/fontawesome.js",)
# the widget JavaScript (1.9 MB), which reader.js loads when an explorer comes near the view
LAZY_SCRIPTS = ("widgets-js/embed.js",)


def _page_context(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = [js for js in scripts if not any(
            d in str(getattr(js, "filename", js) or "") for d in DROP_SCRIPTS + LAZY_SCRIPTS)]
    if pagename == "search":
        if isinstance(scripts, list):
            from sphinx.builders.html._assets import _JavaScript

            scripts.insert(0, _JavaScript(None, body=SEARCH_FETCH_SHIM, priority=1))
    return None


# On the search page, Sphinx fetches every result page to cut a snippet from it; this sends it
# to the page's small text copy in _search/ instead.
SEARCH_FETCH_SHIM = """
(function () {
  var fetch0 = window.fetch;
  window.fetch = function (url, opts) {
    if (typeof url === "string" && /\\.html$/.test(url) && url.indexOf("_search/") < 0) {
      var root = document.documentElement.dataset.content_root || "";
      if (url.indexOf(root) === 0) url = root + "_search/" + url.slice(root.length);
    }
    return fetch0.call(this, url, opts);
  };
})();
""".strip()


def _slim(el) -> str:
    """Plain text of ``el`` in its sections (ids kept: a search result names one), as HTML."""
    parts = []
    for child in el.children:
        if getattr(child, "name", None) == "section":
            parts.append(f'<section id="{html.escape(child.get("id", ""))}">{_slim(child)}</section>')
        elif getattr(child, "name", None) is None:
            parts.append(html.escape(str(child)))
        elif child.find("section") is not None:
            parts.append(_slim(child))
        else:
            parts.append(html.escape(child.get_text(" ")))
    return re.sub(r"\s+", " ", "".join(parts))


def _search_copies(app, exception):
    """``_search/<page>.html``: the main text of each page, math as plain text, no code, no
    outputs, no markup but its sections."""
    if exception is not None or app.builder.format != "html":
        return
    from bs4 import BeautifulSoup

    out_root = pathlib.Path(app.outdir)
    for docname in app.env.found_docs:
        src = out_root / (docname + app.builder.out_suffix)
        if not src.exists():
            continue
        soup = BeautifulSoup(src.read_text(encoding="utf-8"), "html.parser")
        main = soup.select_one('[role="main"]')
        if main is None:
            continue
        for sel in ("script", "style", "img", "svg", ".headerlink", ".cell_output", ".output",
                    ".cell_input", "div.highlight", "div.widget-subarea", "form"):
            for el in main.select(sel):
                el.decompose()
        for el in main.select(".math"):
            el.replace_with(" " + tex_to_text(el.get_text()) + " ")
        dest = out_root / "_search" / (docname + app.builder.out_suffix)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
                        + html.escape(docname) + "</title></head><body><div role=\"main\">"
                        + _slim(main) + "</div></body></html>", encoding="utf-8")


# Written by the theme's templates themselves (not through Sphinx's script list), so removed from
# the written pages: the 1.5 MB icon script (the theme's stylesheet draws the same icons from
# its web fonts) and, outside the search page, the search index (the theme's search-as-you-type
# that reads it on every page is off).
_ICON_SCRIPT = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
_INDEX_SCRIPT = re.compile(r'[ \t]*<script src="[^"]*searchindex\.js"></script>\n?')
PNG_COLOURS = 256  # the book's figures as palette PNGs


def _lighten_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out_root = pathlib.Path(app.outdir)
    for page in out_root.rglob("*.html"):
        if "_search" in page.relative_to(out_root).parts:
            continue
        text = page.read_text(encoding="utf-8")
        new = _ICON_SCRIPT.sub("", text)
        if page.name != "search.html":
            new = _INDEX_SCRIPT.sub("", new)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for png in (out_root / "_images").glob("*.png"):
        _palette_png(png)


def _palette_png(path: pathlib.Path) -> None:
    """Rewrite the PNG at ``path`` with a 256-colour palette when that is at least 10 % smaller
    (the book's plots have few colours; a quarter to a half of the bytes)."""
    import io

    from PIL import Image, PngImagePlugin

    with Image.open(path) as img:
        img.load()
        if img.mode == "P":
            return
        # keep the text chunks (helpers.plotting's smallest-text record, min-font-px)
        info = PngImagePlugin.PngInfo()
        for key, value in getattr(img, "text", {}).items():
            info.add_text(key, value)
        if img.mode in ("RGBA", "LA") and img.getchannel("A").getextrema()[0] < 255:
            pal = img.convert("RGBA").quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
        else:
            pal = img.convert("RGB").quantize(PNG_COLOURS, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    pal.save(buf, format="png", optimize=True, pnginfo=info)
    if buf.tell() < 0.9 * path.stat().st_size:
        path.write_bytes(buf.getvalue())


def _static_path(app, config):
    static = str(HERE / "static")
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def setup(app):
    app.connect("config-inited", _static_path)
    app.connect("doctree-resolved", _clean_outputs)
    app.connect("doctree-resolved", _alt_text)
    app.connect("html-page-context", _page_context, priority=900)  # after myst-nb adds its scripts
    app.connect("build-finished", _lighten_pages)
    app.connect("build-finished", _search_copies)
    app.add_css_file("reader.css")
    app.add_js_file("reader.js", defer="defer")
    app.add_js_file(None, body=MATHJAX_HUB_SHIM, priority=200)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
