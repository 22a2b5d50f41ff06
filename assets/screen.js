/* 运城检察 数据驾驶舱 — the command-center wall (/screen).
 *
 * The canvas is laid out in design pixels of 1920×1080: one design pixel is the CSS length
 * --u = min(100vw / 1920, 100vh / 1080) (assets/screen.css), so the wall is drawn at the real
 * resolution of the screen, not magnified. Chart options come from the server in design
 * pixels; `scaleOption` multiplies every length in them (PX_KEYS, the same list as
 * cockpit/screen/charts.py) by the canvas scale before the chart draws.
 *
 * Everything here is idle unless the page shows the wall (#scr-root).
 */
(function () {
  "use strict";
  var DESIGN_W = 1920, DESIGN_H = 1080;
  var PX_KEYS = [
    "fontSize", "lineHeight", "symbolSize", "width", "height", "borderWidth", "shadowBlur",
    "shadowOffsetX", "shadowOffsetY", "itemWidth", "itemHeight", "itemGap", "barWidth",
    "barMaxWidth", "barMinHeight", "padding", "margin", "distance", "length", "length2", "borderRadius",
    "top", "bottom", "left", "right", "gap", "nameGap", "textBorderWidth", "textShadowBlur",
    "symbolOffset", "offset", "layoutSize", "minSize", "maxSize", "edgeDistance"
  ];
  // lengths only when given as an array ([x, y]); a number is something else (a gradient stop)
  var ARRAY_ONLY = { offset: true };
  var PX = {};
  PX_KEYS.forEach(function (k) { PX[k] = true; });

  function canvasScale() {
    var s = Math.min(window.innerWidth / DESIGN_W, window.innerHeight / DESIGN_H);
    return s > 0 && isFinite(s) ? Math.round(s * 1000) / 1000 : 1;
  }

  function scaleLength(v, s) {
    if (typeof v === "number") { return v * s; }
    if (Array.isArray(v)) {
      return v.map(function (x) { return typeof x === "number" ? x * s : x; });
    }
    return v;
  }

  function isLength(v) {
    if (typeof v === "number") { return true; }
    return Array.isArray(v) && v.length > 0 && v.every(function (x) {
      return typeof x === "number" || typeof x === "string";
    });
  }

  /* A scaled deep copy of an ECharts option: lengths × s, everything else as it is. */
  function scaleOption(o, s) {
    if (Array.isArray(o)) { return o.map(function (x) { return scaleOption(x, s); }); }
    if (o === null || typeof o !== "object") { return o; }
    var out = {};
    Object.keys(o).forEach(function (k) {
      var v = o[k];
      var len = PX[k] && isLength(v) && !(ARRAY_ONLY[k] && !Array.isArray(v));
      out[k] = len ? scaleLength(v, s) : scaleOption(v, s);
    });
    return out;
  }

  /* Drawing the charts. The options come in the store `scr-charts` ({chart id: {v: version,
     o: option}}, design pixels); each chart whose version or the canvas scale changed gets its
     scaled option straight from here (`setOption` on the chart's ECharts instance), not through
     a Dash property: 21 large options stay out of Dash's state, and the screen on show can
     draw first. An element's `data-scr-v` holds what it shows ("version@scale").
     - When the page loads, the charts of the screen on show draw first; the other screens'
       charts right after that frame is painted (they are not visible before a rotation).
     - No entry animation when the page loads (the charts appear drawn: on a wall that is
       quicker and calmer) nor on a screen not shown; later updates animate from the old
       values (each option sets `animation: true` again).
     - A chart whose element is there but whose ECharts instance is not made yet is drawn at
       the next frame. */
  var latest = null, retryQueued = false, restQueued = false;

  function drawCharts(withHidden) {
    if (!latest || !window.echarts) { return; }
    var charts = latest.charts || {}, s = latest.scale;
    var stage = document.getElementById("scr-stage");
    var shown = stage && (stage.className.match(/on-(\w+)/) || [])[1];
    var waiting = false, rest = false;
    Object.keys(charts).forEach(function (cid) {
      var item = charts[cid];
      if (!item || !item.o) { return; }
      var el = document.getElementById(cid);
      if (!el) { return; }                       // not on this page
      var chart = window.echarts.getInstanceByDom(el);
      if (!chart) { waiting = true; return; }    // mounted, its chart not made yet
      var mark = item.v + "@" + s;
      var had = el.getAttribute("data-scr-v");
      if (had === mark) { return; }
      var scr = el.closest(".scr-screen");
      var hidden = !!(scr && shown && !scr.classList.contains("s-" + shown));
      if (!had && hidden && !withHidden) { rest = true; return; }
      var option = scaleOption(item.o, s);
      if (!had || hidden) { option.animation = false; }
      // Options merge into the old one (updates animate from the old values); when the number
      // of series changes (a trend gains or loses its dashed 核查中 months, the county panel
      // switches between a rate and a count) the series left out must go: replaceMerge.
      var n = String((option.series || []).length), hadN = el.getAttribute("data-scr-n");
      chart.setOption(option, hadN !== null && hadN !== n ? { replaceMerge: ["series"] } : undefined);
      el.setAttribute("data-scr-v", mark);
      el.setAttribute("data-scr-n", n);
    });
    syncMapAnimation(shown);
    if (waiting && !retryQueued) {
      retryQueued = true;
      requestAnimationFrame(function () { retryQueued = false; drawCharts(withHidden); });
    }
    if (rest && !restQueued) {
      restQueued = true;
      requestAnimationFrame(function () {
        setTimeout(function () { restQueued = false; drawCharts(true); }, 0);
      });
    }
  }

  /* The map's landmarks ripple on every animation frame (about a quarter of a CPU core): only
     while the overview is on show. Paused, the map keeps what it drew and catches up with any
     change when it is resumed. */
  function syncMapAnimation(shown) {
    var el = document.getElementById("ch-map");
    var chart = el && window.echarts && window.echarts.getInstanceByDom(el);
    if (!chart || !shown) { return; }
    var animation = chart.getZr().animation;
    if (shown === "overview") { animation.resume(); } else { animation.pause(); }
  }

  /* The county ranking as the server sent it (#ov-ranking, hidden) is shown in #ov-ranking-view
     with its rows doubled (the clones aria-hidden), so that the CSS animation scrolls it in a
     loop without a jump: the server sends 13 rows, and a tick only the leaves that changed.
     The view is a copy of the DOM, kept in step by a MutationObserver; React renders the view
     empty and never touches what is put in it. (A Dash clientside callback doing the same cost
     the page's load ~0.5–1 s of main thread: the renderer's work after a children update.) */
  var rankingSource = null, rankingQueued = false;

  function copyRanking() {
    rankingQueued = false;
    var src = document.getElementById("ov-ranking"), view = document.getElementById("ov-ranking-view");
    if (!src || !view) { return; }
    var copy = Array.prototype.map.call(src.childNodes, function (n) { return n.cloneNode(true); });
    copy.forEach(function (n) {
      if (!n.classList || !n.classList.contains("scrolling")) { return; }
      Array.prototype.slice.call(n.children).forEach(function (li) {
        var clone = li.cloneNode(true);
        clone.classList.add("clone");
        clone.setAttribute("aria-hidden", "true");
        n.appendChild(clone);
      });
    });
    view.replaceChildren.apply(view, copy);
  }

  function watchRanking() {
    var src = document.getElementById("ov-ranking");
    if (!src || src === rankingSource) { return; }
    rankingSource = src;       // the wall's page (re)mounted: watch its ranking
    new MutationObserver(function () {
      if (!rankingQueued) { rankingQueued = true; requestAnimationFrame(copyRanking); }
    }).observe(src, { childList: true, subtree: true, characterData: true, attributes: true });
    copyRanking();
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    screen: {
      /* scr-charts or the canvas scale changed (a callback without outputs). */
      applyCharts: function (charts, scaleData) {
        var s = (typeof scaleData === "number" && scaleData > 0) ? scaleData : canvasScale();
        latest = { charts: charts, scale: s };
        drawCharts(false);
        watchRanking();
      },
      /* ?rotate=N: the screen after n steps from the first one. */
      rotate: function (n, params) {
        var ids = ["overview", "platforms", "models"];
        var start = Math.max(0, ids.indexOf((params || {}).screen));
        var cur = ids[(start + (n || 0)) % ids.length];
        syncMapAnimation(cur);
        return ["scr-stage on-" + cur].concat(ids.map(function (id) {
          return "scr-tab" + (id === cur ? " on" : "");
        }));
      },
      closeCounty: function () { return "scr-county"; }
    }
  });
  window.scrScaleOption = scaleOption;  // for the browser tests

  /* The clock: mutate the text nodes React created (React never re-renders them). */
  var WEEK = "日一二三四五六";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function setText(id, text) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (el.firstChild && el.firstChild.nodeType === 3) {
      if (el.firstChild.nodeValue !== text) { el.firstChild.nodeValue = text; }
    } else if (!el.firstChild) {
      el.appendChild(document.createTextNode(text));
    }
  }
  function tick() {
    if (!document.getElementById("scr-root")) { return; }
    var d = new Date();
    setText("scr-clock-time", pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()));
    setText("scr-clock-date", d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 星期" +
            WEEK.charAt(d.getDay()));
  }
  setInterval(tick, 1000);

  /* A resize (rare on a wall) rescales the charts through the scr-scale store. */
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      var dc = window.dash_clientside;
      if (!document.getElementById("scr-root") || !dc || !dc.set_props) { return; }
      dc.set_props("scr-scale", { data: canvasScale() });
    }, 250);
  });
})();
