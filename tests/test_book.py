"""Checks of the built book (run after the strict build: `make test` does both).

* every chapter was executed by the build (the execution cache holds a record of the notebook as
  it is now). How long that took is measured by `make bench` (benchmarks/chapter_times.py, with
  the budgets and the load at the time), never asserted here: a timed test fails at random on a
  shared or slower machine;
* every page, opened in headless Chromium from a local server, requests nothing from another
  host (on load and after clicking every button of the page header), logs no JavaScript error,
  and renders a slider in every widget output that holds one;
* the reader's view (issue 14), measured by ``benchmarks/page_weight.py``, which ``make bench``
  reports: no display equation wider than its column at 1280 px, no page that scrolls sideways
  at 390 px, a chapter page transfers at most 4 MB and any other page 3 MB (cold load), no
  serious or critical axe-core violation, every image with meaningful alt text, each formula
  typeset once; a search transfers at most 2 MB and its snippets show no TeX; every figure's
  smallest text is at least 9 px as displayed at 1280 px (the size recorded in its PNG when
  it was saved, scaled by displayed / natural width);
* every control of every explorer changes its frame on the page without a kernel;
* the static pages hold no live-only lines (timings, font diagnostics, progress bars); a
  solution's title opens the solution; the glossary's chapter mentions are links.

Screenshots of every page at both widths are kept in ``_build/screenshots/``.
"""
from __future__ import annotations

import functools
import http.server
import os
import pathlib
import shutil
import threading

import pytest

from benchmarks import page_weight as PW
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


HEADER_BUTTONS = """
() => [...document.querySelectorAll('.bd-header button, .bd-header-article button, .header-article-items button')]
  .filter(b => b.offsetParent !== null).map((b, k) => { b.setAttribute('data-reader-test', k); return k; })
"""


def _click_header_buttons(pg) -> int:
    """Click every visible button of the page header (menus, search, theme, full screen) and
    close what it opened; returns how many were clicked."""
    ids = pg.evaluate(HEADER_BUTTONS)
    for k in ids:
        btn = pg.query_selector(f'[data-reader-test="{k}"]')
        if btn is None or not btn.is_visible():
            continue
        try:
            btn.click(timeout=3000)
        except Exception:  # noqa: BLE001 - a button hidden by the previous click
            continue
        pg.wait_for_timeout(200)
        pg.keyboard.press("Escape")
    pg.wait_for_load_state("networkidle")
    return len(ids)


@pytest.mark.parametrize("page", _pages())
def test_page_in_browser(page, server, browser):
    _require_build()
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.replace("/", "__").removesuffix(".html")
    ctx, pg, sizes, foreign, errors = PW.open_page(browser, server, page, PW.WIDE)
    loaded = sum(sizes)
    PW.show_explorers(pg)
    result = pg.evaluate(_WIDGET_CHECK)
    layout = pg.evaluate(PW.LAYOUT_CHECK)
    no_alt = pg.evaluate(PW.ALT_CHECK)
    axe = PW.axe_violations(pg) if PW.AXE_JS.exists() else None
    pg.screenshot(path=str(SHOTS / f"{shot}@1280.png"), full_page=False)
    small_text = PW.small_text(PW.figure_text(pg))  # opens the dropdowns: after the screenshot
    clicked = _click_header_buttons(pg)
    ctx.close()
    ctx, pg, _, foreign_390, errors_390 = PW.open_page(browser, server, page, PW.NARROW)
    PW.show_explorers(pg)
    scroll_x = pg.evaluate(PW.LAYOUT_CHECK)["scrollX"]
    pg.screenshot(path=str(SHOTS / f"{shot}@390.png"), full_page=False)
    ctx.close()
    assert not foreign and not foreign_390, (
        f"{page} requested other hosts (on load or after clicking its {clicked} header "
        f"buttons): {(foreign + foreign_390)[:5]}")
    assert not errors and not errors_390, f"{page} logged JavaScript errors: {(errors + errors_390)[:5]}"
    assert not result["missing"], (
        f"{page}: widget outputs {result['missing']} (of {result['views']}) hold a slider but "
        f"rendered none")
    assert not layout["clipped"], (
        f"{page}: {len(layout['clipped'])} display equations are wider than the column at "
        f"1280 px: {layout['clipped'][:4]}")
    assert scroll_x <= 0, f"{page} scrolls sideways by {scroll_x} px on a 390 px phone"
    budget = PW.budget_mb(page)
    assert loaded <= budget * 1e6, f"{page} transfers {loaded / 1e6:.2f} MB (budget {budget} MB)"
    assert not no_alt, f"{page}: {len(no_alt)} images without meaningful alt text: {no_alt[:3]}"
    assert layout["typesets"] == layout["mathItems"], (
        f"{page}: MathJax typeset {layout['mathItems']} formulas {layout['typesets']} times")
    assert not small_text, (
        f"{page}: {len(small_text)} figures show text below 9 px at 1280 px (or carry no "
        f"smallest-text record: helpers.plotting.use_book_style at the chapter's top records "
        f"it): " + "; ".join(small_text))
    if axe is None:
        pytest.fail("axe-core is not vendored (.tools/axe/axe.min.js): run `make vendor`")
    assert not axe, f"{page}: axe-core serious/critical violations: {axe}"


def _frames_of(pg, k: int) -> str:
    """What the k-th explorer (widget box with controls) shows now."""
    return pg.evaluate("""(k) => {
      const box = [...document.querySelectorAll('.widget-vbox')].filter(b => b.parentElement.closest('.widget-vbox') === null)[k];
      const seen = [...box.querySelectorAll('img, .reader-text-frame, .reader-svg-frame')]
        .filter(e => e.offsetParent !== null)
        .map(e => e.tagName === 'IMG' ? e.src.slice(-80) : (e.getAttribute('data-frame') || '') + e.textContent);
      return seen.join('||');
    }""", k)


def _controls_of(pg, k: int) -> list[dict]:
    return pg.evaluate("""(k) => {
      const box = [...document.querySelectorAll('.widget-vbox')].filter(b => b.parentElement.closest('.widget-vbox') === null)[k];
      return [...box.children].map((c, j) => ({j,
        slider: !!c.querySelector('.noUi-handle'),
        toggles: c.querySelectorAll('.widget-toggle-button').length,
        label: (c.querySelector('.widget-label') || {}).textContent || ''}))
        .filter(c => c.slider || c.toggles);
    }""", k)


def _change(pg, k: int, control: dict) -> None:
    sel = ("(() => [...document.querySelectorAll('.widget-vbox')].filter(b => "
           "b.parentElement.closest('.widget-vbox') === null)[%d].children[%d])()" % (k, control["j"]))
    if control["slider"]:
        handle = pg.evaluate_handle(sel + ".querySelector('.noUi-handle')").as_element()
        handle.scroll_into_view_if_needed()
        handle.focus()
        at_end = pg.evaluate(f"(() => {{ const h = {sel}.querySelector('.noUi-handle'); "
                             "return h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax'); })()")
        pg.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    else:
        button = pg.evaluate_handle(sel + ".querySelector('.widget-toggle-button:not(.mod-active)')").as_element()
        button.scroll_into_view_if_needed()
        button.click()
    pg.wait_for_timeout(250)


@pytest.mark.parametrize("page", [f + ".html" for f in _toc_notebooks()])
def test_every_explorer_control_changes_the_frame(page, server, browser):
    """Without a kernel, each control of each explorer (the gradient-decay explorer's four
    included) shows a different frame when it moves; the controls fit a phone's column."""
    if "application/vnd.jupyter.widget-view+json" not in (HTML / page).read_text():
        pytest.skip(f"{page} has no explorer")
    ctx, pg, _, _, _ = PW.open_page(browser, server, page, PW.NARROW)
    PW.show_explorers(pg)
    n = pg.evaluate("() => [...document.querySelectorAll('.widget-vbox')]"
                    ".filter(b => b.parentElement.closest('.widget-vbox') === null).length")
    dead, checked, wide = [], 0, []
    for k in range(n):
        for control in _controls_of(pg, k):
            before = _frames_of(pg, k)
            _change(pg, k, control)
            checked += 1
            if _frames_of(pg, k) == before or not before:
                dead.append(f"explorer {k}: {control['label'].strip()}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.evaluate_handle("""(k) => [...document.querySelectorAll('.widget-vbox')]
            .filter(b => b.parentElement.closest('.widget-vbox') === null)[k]""", k).as_element() \
            .screenshot(path=str(SHOTS / f"{page.replace('/', '__').removesuffix('.html')}"
                                         f"-explorer{k}@390.png"))
        wide += pg.evaluate("""(k) => {
          const box = [...document.querySelectorAll('.widget-vbox')].filter(b => b.parentElement.closest('.widget-vbox') === null)[k];
          return [...box.querySelectorAll('.widget-readout, .widget-toggle-button')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.textContent);
        }""", k)
    unreachable = pg.evaluate("""() => [...document.querySelectorAll(
        '.widget-vbox .noUi-handle, .widget-vbox .widget-toggle-button, .widget-vbox select')]
        .filter(e => e.tabIndex < 0 || e.disabled).map(e => e.outerHTML.slice(0, 80))""")
    ctx.close()
    assert not unreachable, f"{page}: controls the keyboard cannot reach: {unreachable[:3]}"
    assert n and checked, f"{page}: no explorer controls found"
    assert not dead, f"{page}: moving these controls did not change the frame: {dead}"
    assert not wide, f"{page}: control values off-screen on a 390 px phone: {wide[:5]}"


def test_gradient_decay_explorer_has_four_live_controls(server, browser):
    page = next(p for p in _pages() if "vanishing" in p)
    ctx, pg, _, _, _ = PW.open_page(browser, server, page, PW.WIDE)
    PW.show_explorers(pg)
    n = pg.evaluate("() => document.querySelectorAll('.reader-plot').length")
    k = pg.evaluate("""() => [...document.querySelectorAll('.widget-vbox')]
        .filter(b => b.parentElement.closest('.widget-vbox') === null)
        .findIndex(b => b.querySelector('.reader-plot'))""")
    controls = _controls_of(pg, k) if k >= 0 else []
    ctx.close()
    assert n == 1 and len(controls) == 4, (n, controls)


def test_search_is_light_and_shows_no_tex(server, browser):
    res = PW.search_weight(browser, server)
    assert not res["foreign"], res["foreign"][:5]
    assert res["results"] > 0 and res["snippets"], "the search found nothing"
    assert res["bytes"] <= PW.SEARCH_BUDGET_MB * 1e6, f"a search transfers {res['bytes'] / 1e6:.2f} MB"
    assert not PW.raw_tex(res["snippets"]), PW.raw_tex(res["snippets"])[:3]


LIVE_ONLY = ("live update", "CJK font", "it/s]")


@pytest.mark.parametrize("page", _pages())
def test_static_pages_hold_no_live_only_lines(page):
    _require_build()
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((HTML / page).read_text(), "html.parser")
    text = "\n".join(o.get_text() for o in soup.select(".cell_output"))
    found = [s for s in LIVE_ONLY if s in text]
    assert not found, f"{page} shows live-only output: {found}"


def test_solution_title_opens_the_solution(server, browser):
    page = next(p for p in _pages() if "01_" in p)
    ctx, pg, _, _, _ = PW.open_page(browser, server, page, PW.WIDE)
    link = pg.query_selector(".solution.dropdown > .admonition-title a.reference")
    assert link is not None, "no solution with a title link"
    content = pg.evaluate_handle("(a) => a.closest('.solution').querySelector('section, p:not(.admonition-title)')",
                                 link).as_element()
    assert not content.is_visible()
    link.scroll_into_view_if_needed()
    link.click()
    pg.wait_for_timeout(400)
    opened = content.is_visible()
    ctx.close()
    assert opened, "clicking the solution's title left it closed"


def test_glossary_chapter_mentions_link():
    _require_build()
    import re

    page = (HTML / "book" / "glossary.html").read_text()
    main = page[page.index('role="main"'):]
    text = re.sub(r"<a [^>]*>.*?</a>", "", main, flags=re.S)
    plain = re.findall(r"Chapters? \d", re.sub(r"<[^>]+>", "", text))
    assert not plain, f"glossary chapter mentions without a link: {len(plain)}"
    assert main.count('href="../notebooks/') >= 50


def test_widget_javascript_is_served_locally():
    _require_build()
    js = HTML / "widgets-js" / "embed.js"
    assert js.exists(), "widget JavaScript missing from the site (make fetches it from npm)"
    pages_with_widgets = [p for p in HTML.rglob("*.html")
                          if "application/vnd.jupyter.widget-state+json" in p.read_text()]
    assert pages_with_widgets, "no built page embeds widget state"
    # reader.js loads it when an explorer comes near the view (_ext/reader_pages.py)
    assert 'root + "widgets-js/embed.js"' in (HTML / "_static" / "reader.js").read_text()
    for p in pages_with_widgets:
        text = p.read_text()
        assert "_static/reader.js" in text, f"{p.name} does not load reader.js (the widget loader)"
        assert "cdn.jsdelivr.net/npm/@jupyter-widgets" not in text, f"{p.name} loads widgets from a CDN"
