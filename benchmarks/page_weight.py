"""page_weight: the built book as a reader meets it, in headless Chromium at 1280 px and 390 px.

Per page of the table of contents (served over HTTP from ``_build/html``, cold cache):

* bytes transferred on load (uncompressed: the local server does not compress), against the
  budgets of issue 14 (a chapter page 4 MB, any other page 3 MB), and after scrolling to every
  explorer (the widget JavaScript, 1.9 MB, loads when an explorer comes near the view);
* display equations wider than their column at 1280 px ("clipped"; a box that scrolls with a
  cue still counts: at 1280 px every equation must fit), and whether the page itself scrolls
  sideways at 390 px;
* axe-core's serious and critical violations (axe from npm, fetched by ``make vendor`` into ``.tools/axe``);
* how many times MathJax typeset each formula (a formula typeset again is nested in its own
  output: all ``mjx-container`` elements / the outermost ones);
* the smallest text of every figure as displayed at 1280 px: the smallest font size the figure
  draws, recorded in px at the PNG's natural size when it was saved (``helpers.plotting``:
  ``min-font-px``), times displayed width / natural width; at least 9 px (issue 14);

and the bytes one search downloads (``search.html?q=gradient``), with whether its snippets show
raw TeX. The same functions drive ``tests/test_book.py``, which asserts what this module reports.

``make bench`` runs it on the existing ``_build/html`` (it does not build the book); without a
build or without Chromium the rows say "not measured".
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import pathlib
import re
import shutil
import threading
import urllib.parse

from benchmarks.common import ROOT, record, toc_files, verdict

HTML = ROOT / "_build" / "html"
AXE_JS = ROOT / ".tools" / "axe" / "axe.min.js"
CHAPTER_BUDGET_MB = 4.0
PAGE_BUDGET_MB = 3.0
SEARCH_BUDGET_MB = 2.0
SEARCH_QUERY = "gradient"
WIDE, NARROW = 1280, 390
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def chromium_path() -> str | None:
    """Debian's chromium, or any Chromium-based browser named by $CHROMIUM."""
    return (os.environ.get("CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


def pages(root: pathlib.Path | None = None) -> list[str]:
    """The landing page and every page of ``_toc.yml``, as paths relative to the site."""
    return ["index.html"] + [f + ".html" for f in toc_files(root)]


def budget_mb(page: str) -> float:
    return CHAPTER_BUDGET_MB if page.startswith("notebooks/") else PAGE_BUDGET_MB


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: pathlib.Path):
    """An HTTP server on 127.0.0.1 serving ``directory``; yields its base address."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


LAYOUT_CHECK = """
() => {
  const out = {clipped: [], scrollX: 0, formulas: 0};
  const doc = document.scrollingElement || document.documentElement;
  out.scrollX = doc.scrollWidth - window.innerWidth;
  const num = (el) => {
    const span = el.parentElement && el.parentElement.querySelector('.eqno');
    return span ? span.textContent.replace('#', '').trim() : '';
  };
  // a formula typeset twice leaves a container inside its container
  const top = [...document.querySelectorAll('mjx-container')].filter(c => !c.parentElement.closest('mjx-container'));
  top.filter(c => c.getAttribute('display') === 'true').forEach(c => {
    out.formulas++;
    const box = c.parentElement;  // div.math or the MathJax wrapper
    const avail = box.getBoundingClientRect();
    const main = document.querySelector('#main-content, main, article') || document.body;
    const col = main.getBoundingClientRect();
    const content = c.firstElementChild ? c.firstElementChild.getBoundingClientRect() : c.getBoundingClientRect();
    const width = Math.max(c.scrollWidth, content.width);
    const room = Math.min(avail.width || col.width, col.width);
    if (width > room + 2) {
      const tex = (c.querySelector('mjx-assistive-mml, math') || c).textContent.slice(0, 60);
      out.clipped.push({eq: num(c), over: Math.round(width - room), text: tex});
    }
  });
  out.typesets = document.querySelectorAll('mjx-container').length;
  out.mathItems = top.length;
  return out;
}
"""

ALT_CHECK = """
() => [...document.querySelectorAll('img')].filter(im => {
  const alt = (im.getAttribute('alt') || '').trim();
  if (!alt) return true;
  // a file name or a hash is not a description
  return /\\.(png|jpe?g|svg|gif)$/i.test(alt) || /^[0-9a-f]{16,}$/i.test(alt);
}).map(im => (im.getAttribute('src') || '').slice(0, 80))
"""


# Every displayed image: its bytes (fetched by the page: a frame may be a blob: address),
# natural and displayed width, and its figure's caption (or alt text). Closed dropdowns and
# <details> are opened first, so that their figures have a size.
FIGURE_IMAGES = """
async () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = [];
  for (const im of document.querySelectorAll('img')) {
    const shown = im.getBoundingClientRect().width;
    if (!im.naturalWidth || shown <= 0) continue;
    const fig = im.closest('figure');
    const cap = fig && fig.querySelector('figcaption');
    const name = (cap ? cap.textContent : (im.getAttribute('alt') || ''))
      .replace(/\\s+/g, ' ').replace('#', '').trim().slice(0, 70);
    const bytes = new Uint8Array(await (await fetch(im.currentSrc || im.src)).arrayBuffer());
    let bin = '';
    for (let k = 0; k < bytes.length; k += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(k, k + 0x8000));
    }
    out.push({src: (im.currentSrc || im.src).slice(0, 80), natural: im.naturalWidth, shown,
              name, b64: btoa(bin)});
  }
  return out;
}
"""


def figure_text(pg) -> list[dict]:
    """Per displayed image of the loaded page: ``name`` (caption or alt text), ``natural`` and
    ``shown`` width (px), ``px`` the smallest text at natural size recorded in the PNG by
    ``helpers.plotting`` (``min-font-px``; None without a record, inf without text) and
    ``shown_px`` = px * shown / natural, the smallest text as the reader sees it. Images not
    displayed (width 0, e.g. an explorer's other frames) are left out."""
    import base64

    from helpers.plotting import png_min_font_px

    out = []
    for im in pg.evaluate(FIGURE_IMAGES):
        data = base64.b64decode(im["b64"])
        px = png_min_font_px(data) if data[:8] == b"\x89PNG\r\n\x1a\n" else None
        shown_px = None if px is None else px * im["shown"] / im["natural"]
        out.append({"name": im["name"] or im["src"], "natural": im["natural"],
                    "shown": round(im["shown"], 1), "px": px, "shown_px": shown_px})
    return out


def small_text(figures: list[dict], floor: float | None = None) -> list[str]:
    """The images of :func:`figure_text` whose smallest displayed text is below ``floor`` px
    (the book's 9 px) or that carry no record, each as a line naming it."""
    from helpers.plotting import MIN_TEXT_PX

    floor = MIN_TEXT_PX if floor is None else floor
    bad = []
    for f in figures:
        if f["px"] is None:
            bad.append(f"{f['name']}: no smallest-text record in the PNG")
        elif f["shown_px"] < floor:
            bad.append(f"{f['name']}: {f['shown_px']:.1f} px ({f['px']:.1f} px at "
                       f"{f['natural']} px wide, shown {f['shown']:.0f} px)")
    return bad


def _transfer_log(pg, host: str):
    """Attach listeners; returns (bytes list, foreign list) that fill as the page loads."""
    sizes, foreign = [], []

    def on_request(req):
        netloc = urllib.parse.urlparse(req.url).netloc
        if not req.url.startswith(("data:", "blob:", "about:")) and netloc != host:
            foreign.append(req.url)

    def on_finished(req):
        if req.url.startswith(("data:", "blob:", "about:")):
            return
        try:
            s = req.sizes()
            sizes.append(s["responseBodySize"] + s["responseHeadersSize"])
        except Exception:  # noqa: BLE001 - a request torn down with the page
            pass

    pg.on("request", on_request)
    pg.on("requestfinished", on_finished)
    return sizes, foreign


def open_page(browser, server: str, page: str, width: int):
    """A fresh context (cold cache) at ``width`` px with the MathJax counter; returns
    (context, page, sizes, foreign, errors) after the load settled."""
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    pg = ctx.new_page()
    host = urllib.parse.urlparse(server).netloc
    sizes, foreign = _transfer_log(pg, host)
    errors: list[str] = []
    pg.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
          if r.status >= 400 else None)
    pg.on("console", lambda m: errors.append(m.text)
          if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{server}/{page}", wait_until="networkidle")
    settle(pg)
    return ctx, pg, sizes, foreign, errors


def settle(pg):
    """Wait for MathJax's first typeset."""
    with contextlib.suppress(Exception):
        pg.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                    " ? MathJax.startup.promise.then(() => true) : true")
    pg.wait_for_timeout(500)


WIDGET_VIEWS = "script[type=\"application/vnd.jupyter.widget-view+json\"]"


def show_explorers(pg, timeout_ms: int = 20_000) -> int:
    """Scroll to every explorer in turn, as a reader would (the page loads the widget
    JavaScript when one comes near), wait until they are drawn, and return to the top.
    Returns the number of widget outputs."""
    n = pg.evaluate(f"() => document.querySelectorAll('{WIDGET_VIEWS}').length")
    if not n:
        return 0
    for k in range(n):
        pg.evaluate(f"(k) => {{ const v = document.querySelectorAll('{WIDGET_VIEWS}')[k]; "
                    "(v.closest('.cell_output') || v.parentElement).scrollIntoView(); }", k)
        pg.wait_for_timeout(150)
    with contextlib.suppress(Exception):
        pg.wait_for_selector(".widget-slider, .jupyter-widget-slider, .widget-toggle-buttons",
                             timeout=timeout_ms)
    pg.wait_for_load_state("networkidle")
    pg.wait_for_timeout(800)
    pg.evaluate("() => window.scrollTo(0, 0)")
    return n


def axe_violations(pg, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of the given impacts on the loaded page (needs .tools/axe, from
    make vendor). No preload: axe would fetch the style sheets again and resolve their @import
    against the page's address (a 404 that is not the site's)."""
    pg.add_script_tag(path=str(AXE_JS))
    res = pg.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations'], preload: false});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in res if v["impact"] in impacts]


def search_weight(browser, server: str, query: str = SEARCH_QUERY) -> dict:
    """Bytes one search transfers (the search page, the index and the result snippets) and
    the snippets' text."""
    ctx = browser.new_context(viewport={"width": WIDE, "height": 900})
    pg = ctx.new_page()
    sizes, foreign = _transfer_log(pg, urllib.parse.urlparse(server).netloc)
    pg.goto(f"{server}/search.html?q={urllib.parse.quote(query)}", wait_until="networkidle")
    with contextlib.suppress(Exception):
        pg.wait_for_selector("#search-results li", timeout=15_000)
    pg.wait_for_timeout(1500)
    pg.wait_for_load_state("networkidle")
    snippets = pg.evaluate("() => [...document.querySelectorAll('#search-results p.context')]"
                           ".map(p => p.textContent)")
    results = pg.evaluate("() => document.querySelectorAll('#search-results li').length")
    ctx.close()
    return {"bytes": sum(sizes), "foreign": foreign, "snippets": snippets, "results": results}


RAW_TEX = re.compile(r"\\[a-zA-Z]+|\$\$|\\\(|\\\[|\^\{|_\{")


def raw_tex(snippets: list[str]) -> list[str]:
    """The snippets that show TeX source (a backslash command, $$, ^{ or _{)."""
    return [s for s in snippets if RAW_TEX.search(s)]


def measure(browser, server: str, page: str, axe: bool = True) -> dict:
    """Everything this module reports for one page (both widths)."""
    out: dict = {"page": page}
    ctx, pg, sizes, foreign, errors = open_page(browser, server, page, WIDE)
    lay = pg.evaluate(LAYOUT_CHECK)
    out.update(bytes=sum(sizes), foreign=list(foreign), errors=list(errors),
               clipped=lay["clipped"], formulas=lay["formulas"], typesets=lay["typesets"],
               math_items=lay["mathItems"], no_alt=pg.evaluate(ALT_CHECK))
    show_explorers(pg)
    out["bytes_read"] = sum(sizes)  # after scrolling to every explorer
    out["typesets_read"] = pg.evaluate(LAYOUT_CHECK)["typesets"]
    out["axe"] = axe_violations(pg) if axe and AXE_JS.exists() else None
    out["figures"] = figure_text(pg)  # opens the dropdowns: after everything else
    ctx.close()
    ctx, pg, _, _, _ = open_page(browser, server, page, NARROW)
    out["scroll_x_390"] = pg.evaluate(LAYOUT_CHECK)["scrollX"]
    ctx.close()
    return out


def measure_site(html: pathlib.Path | None = None, axe: bool = True) -> dict:
    """:func:`measure` for every page and :func:`search_weight`, on one Chromium."""
    from playwright.sync_api import sync_playwright

    html = html or HTML
    with serve(html) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            per_page = [measure(browser, server, page, axe=axe) for page in pages()]
            search = search_weight(browser, server)
        finally:
            browser.close()
    return {"pages": per_page, "search": search}


def summary(site: dict) -> dict:
    """The before/after numbers of issue 14 from :func:`measure_site`."""
    ps = site["pages"]
    chapters = [p for p in ps if p["page"].startswith("notebooks/")]
    return {
        "clipped_equations_1280": sum(len(p["clipped"]) for p in ps),
        "pages_scrolling_sideways_390": sum(p["scroll_x_390"] > 0 for p in ps),
        "chapter_mb_max": max(p["bytes"] for p in chapters) / 1e6 if chapters else None,
        "chapter_mb": {p["page"]: round(p["bytes"] / 1e6, 2) for p in chapters},
        "chapter_mb_read": {p["page"]: round(p.get("bytes_read", p["bytes"]) / 1e6, 2)
                            for p in chapters},
        "page_mb_max": max(p["bytes"] for p in ps) / 1e6,
        "search_mb": site["search"]["bytes"] / 1e6,
        "search_raw_tex_snippets": len(raw_tex(site["search"]["snippets"])),
        "axe_serious_critical": (None if any(p["axe"] is None for p in ps)
                                 else sum(len(p["axe"]) for p in ps)),
        "images_without_alt": sum(len(p["no_alt"]) for p in ps),
        "figure_text_px_min": min((f["shown_px"] for p in ps for f in p.get("figures", [])
                                   if f["shown_px"] is not None), default=None),
        "figures_small_text": [f"{p['page']}: {line}" for p in ps
                               for line in small_text(p.get("figures", []))],
        "typesets_per_formula_max": max((max(p["typesets"], p.get("typesets_read", 0))
                                         / p["math_items"]
                                         for p in ps if p["math_items"]), default=0.0),
    }


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    name = "page_weight"
    why = None
    if not (HTML / "index.html").exists():
        why = "the book is not built (make book)"
    elif chromium_path() is None:
        why = "Chromium not found"
    if quick and why is None:
        why = "quick run: the browser measurement is left out"
    if why:
        return [record(name, "built book", "—", "pages measured", None, None,
                       status="n/a", note=f"not measured: {why}")]
    site = measure_site(axe=AXE_JS.exists())
    s = summary(site)
    rows = []
    for p in site["pages"]:
        mb = p["bytes"] / 1e6
        rows.append(record(name, p["page"], "—", "MB transferred (cold load, 1280 px)",
                           round(mb, 2), None, target=f"<= {budget_mb(p['page']):g} MB",
                           status=verdict(mb <= budget_mb(p["page"])),
                           note=f"{p['bytes_read'] / 1e6:.2f} MB after scrolling to every "
                                "explorer (the widget JavaScript, 1.9 MB, loads then)"
                           if p.get("bytes_read", p["bytes"]) > p["bytes"] else ""))
    rows.append(record(name, "search", "—", f"MB transferred by a search for '{SEARCH_QUERY}'",
                       round(s["search_mb"], 2), None, target=f"<= {SEARCH_BUDGET_MB:g} MB",
                       status=verdict(s["search_mb"] <= SEARCH_BUDGET_MB),
                       note=f"{site['search']['results']} results; "
                            f"{s['search_raw_tex_snippets']} snippets show raw TeX"))
    for metric, value in (("display equations wider than the column at 1280 px",
                           s["clipped_equations_1280"]),
                          ("pages scrolling sideways at 390 px", s["pages_scrolling_sideways_390"]),
                          ("axe serious + critical violations", s["axe_serious_critical"]),
                          ("images without meaningful alt text", s["images_without_alt"])):
        rows.append(record(name, "all pages", "—", metric, value, None, target="0",
                           status=verdict(None if value is None else value == 0)))
    low, small = s["figure_text_px_min"], s["figures_small_text"]
    rows.append(record(name, "all pages", "—",
                       "smallest figure text as displayed at 1280 px (px)",
                       None if low is None else round(low, 1), None, target=">= 9 px",
                       status=verdict(None if low is None else not small),
                       note=f"{len(small)} images below 9 px or without a record"
                            + (f": {'; '.join(small[:4])}" if small else "")))
    rows.append(record(name, "all pages", "—", "MathJax typesets per formula (max over pages)",
                       round(s["typesets_per_formula_max"], 2), None, target="1",
                       status=verdict(s["typesets_per_formula_max"] <= 1.0 + 1e-9)))
    return rows


if __name__ == "__main__":  # a quick look: python -m benchmarks.page_weight [html dir]
    import json
    import sys

    site = measure_site(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(json.dumps(summary(site), indent=1))
    for p in site["pages"]:
        print(p["page"], round(p["bytes"] / 1e6, 2), "MB;", round(p["bytes_read"] / 1e6, 2),
              "MB read; clipped", p["clipped"],
              "; scrollX@390", p["scroll_x_390"], "; axe", p["axe"], "; no alt", len(p["no_alt"]),
              "; typesets", p["typesets"], "/", p["math_items"])
        for line in small_text(p["figures"]):
            print("   small text:", line)
