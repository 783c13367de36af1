"""Checks of the built book (run after the strict build: `make test` does both).

* every chapter was executed by the build (the execution cache holds a record of the notebook as
  it is now). How long that took is measured by `make bench` (benchmarks/chapter_times.py, with
  the budgets and the load at the time), never asserted here: a timed test fails at random on a
  shared or slower machine;
* every page, opened in headless Chromium from a local server, requests nothing from another
  host, logs no JavaScript error, and renders a slider in every widget output that holds one.
"""
from __future__ import annotations

import functools
import http.server
import os
import pathlib
import shutil
import threading
import urllib.parse

import pytest

from book_toc import toc_files

ROOT = pathlib.Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CACHE = ROOT / "_build" / ".jupyter_cache"
SHOTS = ROOT / "_build" / "screenshots"
# Debian's chromium, or any Chromium-based browser named by $CHROMIUM (the GitHub workflow: Chrome)
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.book


def _toc_notebooks() -> list[str]:
    return [f for f in toc_files() if f.startswith("notebooks/")]


def _require_build():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make strict-book` (or `make test`) first")


# ---------------------------------------------------------------------------------------------
# every chapter executed by the build
# ---------------------------------------------------------------------------------------------

def test_every_chapter_was_executed_by_the_build():
    """The strict build executed each chapter of _toc.yml as it is now: its execution cache
    holds a record matching the notebook's current code, with an execution time."""
    _require_build()
    from jupyter_cache import get_cache

    assert CACHE.is_dir(), f"no execution cache at {CACHE}: the build executed nothing"
    cache = get_cache(str(CACHE))
    missing = []
    for f in _toc_notebooks():
        try:
            rec = cache.match_cache_file(str(ROOT / f"{f}.ipynb"))
        except KeyError:
            missing.append(f"{f}: no execution record of its current code in {CACHE}")
            continue
        if (rec.data or {}).get("execution_seconds") is None:
            missing.append(f"{f}: its execution record has no execution time")
    assert _toc_notebooks(), "no chapter notebooks in _toc.yml"
    assert not missing, "\n".join(missing)


# ---------------------------------------------------------------------------------------------
# real browser
# ---------------------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    _require_build()
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        msg = ("Chromium not found: the real-browser check of the built pages did NOT run "
               "(install Debian's `chromium`; .ci/run does)")
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"])  # playwright starts it with a fresh, empty user-data-dir
        yield b
        b.close()


def _pages() -> list[str]:
    """Every page of the table of contents, plus the landing page."""
    return ["index.html"] + [f + ".html" for f in toc_files()]


# Per widget output: does its widget tree hold a slider model, and did the page render one?
_WIDGET_CHECK = """
() => {
  const stateEl = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  if (!stateEl) return {views: 0, missing: []};
  const state = JSON.parse(stateEl.textContent).state;
  const hasSlider = (id, seen = new Set()) => {
    if (!state[id] || seen.has(id)) return false;
    seen.add(id);
    const m = state[id];
    if (/Slider/.test(m.model_name)) return true;
    const kids = (m.state && m.state.children) || [];
    return kids.some(k => hasSlider(String(k).replace('IPY_MODEL_', ''), seen));
  };
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const missing = [];
  views.forEach((s, k) => {
    const id = JSON.parse(s.textContent).model_id;
    if (!hasSlider(id)) return;
    const box = s.parentElement;
    if (!box.querySelector('.widget-slider, .jupyter-widget-slider, .widget-hslider')) missing.push(k);
  });
  return {views: views.length, missing};
}
"""


@pytest.mark.parametrize("page", _pages())
def test_page_in_browser(page, server, browser):
    _require_build()
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    foreign, errors = [], []
    host = urllib.parse.urlparse(server).netloc

    def on_request(req):
        netloc = urllib.parse.urlparse(req.url).netloc
        if req.url.startswith(("data:", "blob:", "about:")) or netloc == host:
            return
        foreign.append(req.url)

    pg.on("request", on_request)
    pg.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    # a failed load is reported with its address by the response hook above
    pg.on("console", lambda m: errors.append(m.text)
          if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{server}/{page}", wait_until="networkidle")
    has_widgets = pg.evaluate(
        "() => !!document.querySelector('script[type=\"application/vnd.jupyter.widget-view+json\"]')")
    if has_widgets:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            pg.wait_for_selector(".widget-slider, .jupyter-widget-slider, .widget-hslider",
                                 timeout=15_000)
        except PlaywrightTimeout:
            pass  # reported by the check below
    result = pg.evaluate(_WIDGET_CHECK)
    switched = _slider_switches_frame(pg) if result["views"] else None
    pg.screenshot(path=str(SHOTS / (page.replace("/", "__") + ".png")), full_page=False)
    ctx.close()
    assert not foreign, f"{page} requested other hosts: {foreign[:5]}"
    assert not errors, f"{page} logged JavaScript errors: {errors[:5]}"
    assert not result["missing"], (
        f"{page}: widget outputs {result['missing']} (of {result['views']}) hold a slider but "
        f"rendered none")
    assert switched is not False, f"{page}: moving the first slider did not change the frame"


def _visible_frames(pg) -> list[str]:
    return pg.evaluate("""() => [...document.querySelectorAll('.widget-vbox img')]
        .filter(im => im.offsetParent !== null).map(im => im.src.slice(-64))""")


def _slider_switches_frame(pg):
    """Press the right-arrow key on the first slider: with no kernel, a precomputed
    (static) widget must still show a different frame. None if the page has no slider."""
    handle = pg.query_selector(".widget-slider .noUi-handle, .jupyter-widget-slider .noUi-handle")
    if handle is None:
        return None
    handle.scroll_into_view_if_needed()
    before = _visible_frames(pg)
    handle.focus()
    pg.keyboard.press("ArrowRight")
    pg.wait_for_timeout(300)
    after = _visible_frames(pg)
    if before == after:  # maybe the slider sat at its last value
        pg.keyboard.press("ArrowLeft")
        pg.keyboard.press("ArrowLeft")
        pg.wait_for_timeout(300)
        after = _visible_frames(pg)
    return before != after


def test_widget_javascript_is_served_locally():
    _require_build()
    js = HTML / "widgets-js" / "embed.js"
    assert js.exists(), "widget JavaScript missing from the site (make fetches it from npm)"
    pages_with_widgets = [p for p in HTML.rglob("*.html")
                          if "application/vnd.jupyter.widget-state+json" in p.read_text()]
    assert pages_with_widgets, "no built page embeds widget state"
    for p in pages_with_widgets:
        text = p.read_text()
        assert "widgets-js/embed.js" in text, f"{p.name} does not load the local widget JavaScript"
        assert "cdn.jsdelivr.net/npm/@jupyter-widgets" not in text, f"{p.name} loads widgets from a CDN"
