/* Small fixes the book's pages apply once they (and their widgets) are rendered (issue 14).
   Loaded on every page by _ext/reader_pages.py. */
(function () {
  "use strict";

  /* Slider read-outs: on the static page typing a value did nothing, so the read-out is plain
     text; the handle gets the control's label as its accessible name and the value as text. */
  function fixWidgets(root) {
    root.querySelectorAll(".reader-plot").forEach(setupPlot);
    root.querySelectorAll(".widget-readout[contenteditable='true']").forEach(function (el) {
      el.setAttribute("contenteditable", "false");
      el.setAttribute("aria-live", "polite");
      el.removeAttribute("tabindex");
    });
    root.querySelectorAll(".widget-slider, .jupyter-widget-slider, .widget-hslider").forEach(function (box) {
      var label = box.querySelector(".widget-label");
      var name = label ? label.textContent.trim() : "";
      var readout = box.querySelector(".widget-readout");
      box.querySelectorAll(".noUi-handle").forEach(function (h) {
        if (name && !h.getAttribute("aria-label")) h.setAttribute("aria-label", name);
        if (readout) h.setAttribute("aria-valuetext", readout.textContent.trim());
      });
    });
    root.querySelectorAll(".widget-toggle-buttons").forEach(function (box) {
      var label = box.querySelector(".widget-label");
      var group = box.querySelector("div:not(.widget-label)");
      if (label && group && !group.getAttribute("role")) {
        group.setAttribute("role", "group");
        group.setAttribute("aria-label", label.textContent.trim());
      }
    });
  }


  /* Explorers drawn in the browser (helpers.widgets.Explorer with `plot`): the widget holds
     every frame's data as JSON; the frame for the controls' current read-outs is drawn as SVG
     each time a control changes. */
  var SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function niceStep(span, target) {
    var raw = span / target, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return p * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10);
  }

  function controlValue(box) {
    var readout = box.querySelector(".widget-readout");
    if (readout) return readout.textContent.trim();
    var active = box.querySelector(".widget-toggle-button.mod-active, button.mod-active");
    if (active) return active.textContent.trim();
    var sel = box.querySelector("select");
    if (sel) return sel.options[sel.selectedIndex].textContent.trim();
    return null;
  }

  function drawPlot(holder, spec) {
    var W = Math.max(300, Math.min(640, holder.clientWidth || 640));
    var H = Math.round(Math.max(230, W * 0.56));
    var L = 62, R = 14, T = 12, B = 40;
    var pw = W - L - R, ph = H - T - B;
    var x0 = spec.xlim[0], x1 = Math.max(spec.xlim[1], x0 + 1);
    var y0 = spec.ylim[0], y1 = spec.ylim[1];
    var X = function (x) { return L + (x - x0) / (x1 - x0) * pw; };
    var Y = function (y) { return T + (1 - (y - y0) / (y1 - y0)) * ph; };
    var label = spec.title + (spec.note ? ". " + spec.note : "");
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img",
                         "aria-label": label, "font-size": "12", "font-family": "sans-serif"});
    var clipId = "clip" + Math.random().toString(36).slice(2);
    var defs = el("defs", {}, svg);
    el("rect", {x: L, y: T, width: pw, height: ph}, el("clipPath", {id: clipId}, defs));
    (spec.yticks || []).forEach(function (t) {
      el("line", {x1: L, x2: L + pw, y1: Y(t[0]), y2: Y(t[0]), stroke: "#000", "stroke-opacity": 0.12}, svg);
      el("text", {x: L - 5, y: Y(t[0]) + 4, "text-anchor": "end"}, svg, t[1]);
    });
    var step = niceStep(x1 - x0, 6);
    for (var xt = Math.ceil(x0 / step) * step; xt <= x1 + 1e-9; xt += step) {
      el("line", {x1: X(xt), x2: X(xt), y1: T, y2: T + ph, stroke: "#000", "stroke-opacity": 0.12}, svg);
      el("text", {x: X(xt), y: T + ph + 15, "text-anchor": "middle"}, svg, String(Math.round(xt * 1000) / 1000));
    }
    el("line", {x1: L, x2: L + pw, y1: T + ph, y2: T + ph, stroke: "#000"}, svg);
    el("line", {x1: L, x2: L, y1: T, y2: T + ph, stroke: "#000"}, svg);
    el("text", {x: L + pw / 2, y: H - 6, "text-anchor": "middle"}, svg, spec.xlabel);
    el("text", {x: 14, y: T + ph / 2, "text-anchor": "middle",
                transform: "rotate(-90 14 " + (T + ph / 2) + ")"}, svg, spec.ylabel);
    var g = el("g", {"clip-path": "url(#" + clipId + ")"}, svg);
    (spec.hlines || []).forEach(function (h) {
      el("line", {x1: L, x2: L + pw, y1: Y(h.y), y2: Y(h.y), stroke: h.c, "stroke-dasharray": "2 3"}, g);
      el("text", {x: L + pw - 3, y: Y(h.y) - 3, "text-anchor": "end", "font-size": "11"}, g, h.label);
    });
    (spec.vlines || []).forEach(function (v) {
      el("line", {x1: X(v.x), x2: X(v.x), y1: T, y2: T + ph, stroke: v.c, "stroke-dasharray": "6 3 1 3"}, g);
    });
    (spec.lines || []).forEach(function (line, k) {
      var st = (spec.styles || [])[k] || {c: "#000", w: 2};
      var runs = [], cur = [], scale = spec.yscale || 1;
      line.y.forEach(function (yi, i) {
        var y = yi === null ? null : yi / scale;
        var x = Math.min(i * line.s, line.n);
        if (y === null) { if (cur.length) runs.push(cur); cur = []; return; }
        cur.push(X(x).toFixed(1) + "," + Y(Math.max(Math.min(y, y1 + 3), y0 - 3)).toFixed(1));
      });
      if (cur.length) runs.push(cur);
      runs.forEach(function (pts) {
        el("polyline", {points: pts.join(" "), fill: "none", stroke: st.c, "stroke-width": st.w,
                        "stroke-dasharray": st.d ? "6 4" : "none"}, g);
      });
    });
    var ly = T + ph - 8 - 16 * ((spec.styles || []).length - 1);
    if ((spec.styles || []).length)
      el("rect", {x: L + 4, y: ly - 14, width: Math.min(pw - 8, 250), height: 16 * spec.styles.length + 2,
                  fill: "#fff", "fill-opacity": 0.85}, svg);
    (spec.styles || []).forEach(function (st, k) {
      var y = ly + 16 * k;
      el("line", {x1: L + 8, x2: L + 30, y1: y - 4, y2: y - 4, stroke: st.c, "stroke-width": st.w,
                  "stroke-dasharray": st.d ? "6 4" : "none"}, svg);
      el("text", {x: L + 36, y: y, "font-size": "11"}, svg, st.label);
    });
    return svg;
  }

  function setupPlot(holder) {
    if (holder.__reader) return;
    var script = holder.querySelector("script[type='application/json']");
    if (!script) return;
    var data = JSON.parse(script.textContent);
    var vbox = holder.closest(".widget-vbox, .jupyter-widget-vbox, .widget-box");
    if (!vbox) return;
    var frameBox = holder.closest(".widget-html, .jupyter-widget-html") || holder;
    var controls = [].slice.call(vbox.children).filter(function (c) { return c !== frameBox && !c.contains(holder); });
    var fig = document.createElement("div");
    fig.className = "reader-svg-frame";
    var title = document.createElement("p");
    title.className = "reader-frame-title";
    var note = document.createElement("p");
    note.className = "reader-status";
    note.setAttribute("aria-live", "polite");
    var canvas = document.createElement("div");
    fig.appendChild(title); fig.appendChild(note); fig.appendChild(canvas);
    holder.appendChild(fig);
    holder.__reader = {last: null};
    function render() {
      var key = controls.map(controlValue).join("|");
      if (!data.frames[key]) key = holder.getAttribute("data-initial");
      if (key === holder.__reader.last && canvas.firstChild) return;
      holder.__reader.last = key;
      var spec = Object.assign({}, data.base, data.frames[key]);
      title.textContent = spec.title;
      note.textContent = spec.note || "";
      note.style.color = spec.noteColour || "";
      canvas.textContent = "";
      canvas.appendChild(drawPlot(canvas, spec));
      fig.setAttribute("data-frame", key);
    }
    render();
    controls.forEach(function (c) {
      new MutationObserver(render).observe(c, {subtree: true, childList: true,
        characterData: true, attributes: true, attributeFilter: ["class"]});
    });
    window.addEventListener("resize", function () { holder.__reader.last = null; render(); });
  }


  /* The widget JavaScript (1.9 MB) is fetched when an explorer comes within two screens of the
     view, or at the first key press (a keyboard reader reaches the controls), not with the
     page. It renders the widgets on the window's load event, which has passed by then: the
     listener it adds while it runs is called directly. */
  var widgetsRequested = false;
  function loadWidgets() {
    if (widgetsRequested) return;
    widgetsRequested = true;
    var root = document.documentElement.dataset.content_root || "";
    var add = window.addEventListener, onLoad = [];
    window.addEventListener = function (type, fn, opts) {
      if (type === "load") { onLoad.push(fn); return undefined; }
      return add.call(this, type, fn, opts);
    };
    var script = document.createElement("script");
    script.src = root + "widgets-js/embed.js";
    script.onload = function () {
      window.addEventListener = add;
      onLoad.forEach(function (fn) { fn.call(window, new Event("load")); });
    };
    script.onerror = function () { window.addEventListener = add; };
    document.head.appendChild(script);
  }

  function lazyWidgets() {
    var views = document.querySelectorAll("script[type='application/vnd.jupyter.widget-view+json']");
    if (!views.length) return;
    document.addEventListener("keydown", loadWidgets, {once: true});
    if (!("IntersectionObserver" in window)) { loadWidgets(); return; }
    var io = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); loadWidgets(); }
    }, {rootMargin: "200% 0px 200% 0px"});
    views.forEach(function (v) {
      var box = v.closest(".cell_output, .output") || v.parentElement;
      box.classList.add("reader-widget-pending");
      io.observe(box);
    });
  }

  /* A solution's title ("Solution to Exercise 1.1") opens the solution: its link to the
     exercise would jump away and leave the solution closed. */
  function fixSolutions() {
    document.querySelectorAll(".solution.dropdown > .admonition-title a.reference").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        e.stopPropagation();  // togglebutton.js cannot find its button from a link
        var button = a.closest(".admonition-title").querySelector(".toggle-button");
        if (button) button.click();
      });
    });
  }

  /* docutils gives the citation list role="list" without list items: axe's
     aria-required-children. The citations are a plain block. */
  function fixCitations() {
    document.querySelectorAll(".citation-list[role='list']").forEach(function (el) {
      el.removeAttribute("role");
    });
  }

  /* A box that scrolls sideways (an equation, code, a table wider than the column) takes the
     keyboard focus, so that it can be scrolled without a mouse (axe: scrollable-region-focusable). */
  var SCROLL_BOXES = "div.math, mjx-container[display='true'], .cell_output pre, .output pre, " +
    "div.highlight pre, .pst-scrollable-table-container, .table-wrapper, .cell_output table, " +
    ".widget-html-content";
  function markScrollable() {
    document.querySelectorAll(SCROLL_BOXES).forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth &&
        /auto|scroll/.test(getComputedStyle(el).overflowX);
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-reader-scroll", "");
      } else if (!scrolls && el.hasAttribute("data-reader-scroll")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-reader-scroll");
      }
    });
  }

  function init() {
    lazyWidgets();
    fixSolutions();
    fixCitations();
    fixWidgets(document);
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        fixWidgets(document);
        markScrollable();
      });
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
    markScrollable();
    window.addEventListener("load", markScrollable);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(markScrollable);
    var resizing = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizing);
      resizing = setTimeout(markScrollable, 200);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
