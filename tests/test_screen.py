"""The command-center wall (/screen) in Debian's Chromium with the small demo: every chart drawn,
offline, no console errors, no scroll bars, 16:9 letterboxed at 1920×1080 and 3840×2160, the map
click, rotation, 100 refresh cycles without heap growth, no personal data in any response, and
the "数据暂停更新" marker when the database goes away (and back).

Screenshots: artifacts/screenshots/screen-*.png.
"""
from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser_support import PROJECT, SCREENSHOTS, running_app, wait_for_dash
from sqlalchemy import text

from cockpit.metrics.engine import make_engine

pytestmark = pytest.mark.browser

UPDATE = "/_dash-update-component"
# every chart but the county panel's (drawn after a click)
ALWAYS_DRAWN = {
    "ch-map", "ch-p01-trend", "ch-p01-bands", "ch-p02-warn", "ch-p03-rings", "ch-p04-juv", "ch-models",
    "ch-funnel", "ch-pf-p01-trend", "ch-pf-p01-bands", "ch-pf-p02-warn", "ch-pf-p02-county",
    "ch-pf-p03-trend", "ch-pf-p03-county", "ch-pf-p04-juv", "ch-pf-p04-county", "ch-md-board",
    "ch-md-trend", "ch-md-county", "ch-md-funnel", "ch-md-domain", "ch-md-clues",
}
# 临猗县 on the map, as a fraction of the map's box (the canvas is a fixed design)
LINYI_ON_MAP = (0.33, 0.58)

PAINTED_JS = """
() => {
  const out = {};
  document.querySelectorAll('[data-chart]').forEach(el => {
    let painted = 0;
    el.querySelectorAll('canvas').forEach(c => {
      if (!c.width || !c.height) return;
      const t = document.createElement('canvas');
      t.width = 96; t.height = 54;
      const ctx = t.getContext('2d');
      ctx.drawImage(c, 0, 0, 96, 54);
      const d = ctx.getImageData(0, 0, 96, 54).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 8) painted++;
    });
    out[el.getAttribute('data-chart')] = painted;
  });
  return out;
}
"""

GEOMETRY_JS = """
() => {
  const r = document.querySelector('.scr-canvas').getBoundingClientRect();
  const de = document.documentElement;
  return {x: r.x, y: r.y, w: r.width, h: r.height, vw: window.innerWidth, vh: window.innerHeight,
          sw: de.scrollWidth, sh: de.scrollHeight, bw: document.body.scrollWidth, bh: document.body.scrollHeight};
}
"""


# every row of the 预警 panel and its 另有 N 条 line inside the panel, and no unit, value or bound
# cut short (an indicator's long name may end in an ellipsis; its full name is the row's title)
ALERTS_FIT_JS = """
() => {
  const box = document.querySelector('#ov-alerts').getBoundingClientRect();
  const inside = [...document.querySelectorAll('#ov-alerts .scr-alert-row, #ov-alerts .scr-alert-more')]
    .every(e => { const r = e.getBoundingClientRect(); return r.top >= box.top - 1 && r.bottom <= box.bottom + 1; });
  const whole = [...document.querySelectorAll('#ov-alerts .scr-alert-unit, #ov-alerts .scr-alert-value, '
                                            + '#ov-alerts .scr-alert-bound, #ov-alerts .scr-alert-tag')]
    .every(e => e.scrollWidth <= e.clientWidth + 1);
  return inside && whole;
}
"""


@pytest.fixture(scope="module")
def server_db_url(demo_db_url):
    return demo_db_url


def wait_for_charts(page, ids=ALWAYS_DRAWN, timeout_s: float = 20.0) -> dict:
    """Until every chart in `ids` has painted pixels (after its entry animation)."""
    deadline = time.monotonic() + timeout_s
    while True:
        painted = page.evaluate(PAINTED_JS)
        blank = sorted(i for i in ids if painted.get(i, 0) < 20)
        if not blank:
            return painted
        if time.monotonic() > deadline:
            raise AssertionError(f"charts still blank: {blank}")
        page.wait_for_timeout(200)


def wait_for_wall(page, query: str = ""):
    """The wall is up: Dash settled (or, refreshing every second, never idle: the page content
    is there) and every chart painted."""
    if "refresh=1" in query:
        page.wait_for_selector("#scr-stage", timeout=30_000)
    else:
        wait_for_dash(page)
    wait_for_charts(page)


def open_wall(open_page, server, query: str = "", width: int = 1920, height: int = 1080):
    s = open_page(width, height, role="screen", server=server)   # the wall, by its kiosk token
    response = s.page.goto(f"{server}/screen{query}")
    assert response is not None and response.ok
    wait_for_wall(s.page, query)
    s.page.wait_for_timeout(1200)  # let the hidden screens draw and any update animation finish
    return s


def shot(s, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"screen-{name}.png"
    s.page.screenshot(path=str(path))
    return path


# --------------------------------------------------------------------------- rendering

@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
@pytest.mark.parametrize("screen", ["overview", "platforms", "models"])
def test_wall_draws_everything_offline_without_scrollbars(server, open_page, width, height, screen):
    s = open_wall(open_page, server, f"?screen={screen}", width, height)
    g = s.page.evaluate(GEOMETRY_JS)
    # no scroll bars: nothing overflows the viewport
    assert g["sw"] <= g["vw"] and g["sh"] <= g["vh"] and g["bw"] <= g["vw"] and g["bh"] <= g["vh"], g
    # a 16:9 canvas filling the viewport (letterboxed on other ratios), centred
    assert abs(g["w"] / g["h"] - 16 / 9) < 0.01
    assert abs(g["w"] - width) < 2 and abs(g["h"] - height) < 2
    assert abs(g["x"] - (g["vw"] - g["w"]) / 2) < 1.5 and abs(g["y"] - (g["vh"] - g["h"]) / 2) < 1.5
    # the screen asked for is the one shown, the header is there and from the data
    assert s.page.get_attribute("#scr-stage", "class") == f"scr-stage on-{screen}"
    assert s.page.inner_text("#scr-updated").startswith("数据更新至 2024年6月")
    assert "数据驾驶舱" in s.page.inner_text(".scr-title-text")
    assert not s.page.is_visible("#scr-stale")
    # the charts are drawn at the wall's resolution, not magnified: a font scales with the canvas
    scale = width / 1920
    assert s.page.evaluate("() => window.scrScaleOption({textStyle: {fontSize: 10}}, %s)" % scale) == \
        {"textStyle": {"fontSize": 10 * scale}}
    canvas_w = s.page.evaluate("() => document.querySelector('#ch-map canvas').width")
    assert canvas_w >= 900 * scale
    shot(s, f"{screen}-{width}x{height}")
    s.check_clean()


def test_letterboxed_on_another_aspect_ratio(server, open_page):
    s = open_wall(open_page, server, "", 1600, 1200)
    g = s.page.evaluate(GEOMETRY_JS)
    assert abs(g["w"] - 1600) < 2 and abs(g["h"] - 900) < 2 and abs(g["y"] - 150) < 2
    assert g["sh"] <= g["vh"] and g["sw"] <= g["vw"]
    shot(s, "letterbox-1600x1200")
    s.check_clean()


def test_headline_and_panels_show_the_data(server, open_page):
    """The figures come with the page's layout: no callback at all before the first refresh
    tick (60 s) — neither Dash Pages' routing nor a refresh."""
    s = open_page(1920, 1080, role="screen", server=server)
    requests = []
    s.page.on("request", lambda r: UPDATE in r.url and requests.append(r.post_data or ""))
    s.page.goto(f"{server}/screen")
    wait_for_wall(s.page)
    assert not requests, requests
    assert s.page.title().startswith("大屏")
    head = s.page.inner_text("#ov-headline")
    for label in ("综合分析平台", "数字检察监督模型", "采集数据", "监督线索", "检察建议", "失学儿童重新入学",
                  "移送职务犯罪", "监督纠正违法"):
        assert label in head
    assert re.search(r"综合分析平台\s*4\s*个", head)
    assert "万条" in head
    feed = s.page.inner_text("#ov-feed")
    assert re.search(r"\d\d-\d\d \d\d:\d\d", feed) and "预警" in feed
    assert len(s.page.query_selector_all("#ov-ranking .scr-rank-row:not(.clone)")) == 13
    # the 预警 panel: the data month's alerts, six rows and the rest counted, nothing clipped
    assert len(s.page.query_selector_all("#ov-alerts .scr-alert-row")) == 6
    assert re.search(r"另有 \d+ 条", s.page.inner_text("#ov-alerts"))
    assert s.page.inner_text("#ov-alerts-panel-tag").startswith("2024年6月")
    assert s.page.evaluate(ALERTS_FIT_JS), "the alert rows do not fit their panel"
    s.check_clean()


def test_bad_parameters_fall_back_to_the_defaults(server, open_page):
    s = open_wall(open_page, server, "?metric=nope&rotate=abc&refresh=-5&screen=zzz&foo=1")
    assert s.page.get_attribute("#scr-stage", "class") == "scr-stage on-overview"
    assert s.page.inner_text("#ov-map-caption .scr-map-metric") == "不捕率"
    s.check_clean()


def test_map_click_opens_the_county_panel(server, open_page):
    s = open_wall(open_page, server, "?metric=non_arrest_rate")
    assert "open" not in (s.page.get_attribute("#scr-county", "class") or "")
    box = s.page.locator("#ch-map").bounding_box()
    s.page.mouse.click(box["x"] + box["width"] * LINYI_ON_MAP[0], box["y"] + box["height"] * LINYI_ON_MAP[1])
    s.page.wait_for_function("() => document.querySelector('#scr-county').className.includes('open')",
                             timeout=10_000)
    body = s.page.inner_text("#scr-county")
    assert "临猗县人民检察院" in body and "不捕率" in body
    # ranking is off by default (docs/decisions.md): the county against the city, no rank
    assert "较全市" in body and not re.search(r"第\d+名", body)
    wait_for_charts(s.page, {"ch-county-trend"})
    s.page.mouse.move(10, 10)
    s.page.wait_for_timeout(900)
    shot(s, "county-panel-1920x1080")
    s.page.click("#scr-county-close")
    s.page.wait_for_function("() => !document.querySelector('#scr-county').className.includes('open')",
                             timeout=5_000)
    s.check_clean()


RIPPLE_LAYER_JS = """
() => {
  const canvases = document.querySelectorAll('#ch-map canvas');
  const c = canvases[canvases.length - 1];   // the landmarks' own layer (zlevel 1) is the top one
  return canvases.length > 1 ? c.toDataURL() : null;
}
"""


def _ripples_move(page) -> bool:
    first = page.evaluate(RIPPLE_LAYER_JS)
    assert first is not None, "the map has no separate ripple layer"
    page.wait_for_timeout(600)
    return page.evaluate(RIPPLE_LAYER_JS) != first


def test_the_map_ripples_only_while_the_overview_is_shown(server, open_page):
    """The landmarks ripple on every frame (a quarter of a CPU core): paused on the other
    screens, running again when a rotation brings the overview back."""
    s = open_wall(open_page, server, "?screen=platforms&rotate=5&refresh=3600")
    assert s.page.get_attribute("#scr-stage", "class") == "scr-stage on-platforms"
    assert not _ripples_move(s.page)
    s.page.wait_for_function("() => document.querySelector('#scr-stage').className.includes('on-overview')",
                             timeout=15_000)
    assert _ripples_move(s.page)
    s.check_clean()


def test_rotation_cycles_the_screens(server, open_page):
    s = open_wall(open_page, server, "?rotate=5&refresh=3600")
    seen = [s.page.get_attribute("#scr-stage", "class")]
    for _ in range(2):
        s.page.wait_for_function(
            "(prev) => document.querySelector('#scr-stage').className !== prev", arg=seen[-1], timeout=9_000)
        seen.append(s.page.get_attribute("#scr-stage", "class"))
    order = ["scr-stage on-overview", "scr-stage on-platforms", "scr-stage on-models"]
    steps = [(order.index(b) - order.index(a)) % 3 for a, b in zip(seen, seen[1:])]
    assert steps == [1, 1], seen
    shown = seen[-1].split("on-")[1]
    assert "on" in s.page.get_attribute(f"#scr-tab-{shown}", "class").split()
    s.check_clean()


# --------------------------------------------------------------------------- unattended

def _refresh_count(responses) -> int:
    return sum(1 for r in responses if "scr-refresh.n_intervals" in (r.request.post_data or ""))


def test_100_refresh_cycles_do_not_grow_the_heap(server, open_page):
    """?refresh=1: the map changes indicator on every refresh (the heaviest redraw there is)."""
    s = open_page(1920, 1080, role="screen")
    responses = []
    s.page.on("response", lambda r: UPDATE in r.url and responses.append(r))
    s.page.goto(f"{server}/screen?refresh=1")
    wait_for_wall(s.page, "?refresh=1")
    cdp = s.context.new_cdp_session(s.page)
    cdp.send("HeapProfiler.enable")

    def heap() -> int:
        for _ in range(2):
            cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"]

    def wait_refreshes(n: int):
        target = _refresh_count(responses) + n
        deadline = time.monotonic() + n * 3 + 20
        while _refresh_count(responses) < target:
            assert time.monotonic() < deadline, f"only {_refresh_count(responses)} refreshes"
            s.page.wait_for_timeout(250)

    wait_refreshes(10)          # warm: caches, JIT, every map indicator drawn once
    before = heap()
    captions = set()
    for _ in range(10):
        wait_refreshes(10)
        captions.add(s.page.inner_text("#ov-map-caption .scr-map-metric"))
    s.page.wait_for_timeout(1500)
    after = heap()
    print(f"JS heap after GC: {before} → {after} bytes over 100 refreshes ({(after / before - 1) * 100:+.1f}%)")
    assert len(captions) > 3, captions  # the data did change on screen
    assert after <= before * 1.20, f"JS heap {before} → {after} bytes after 100 refreshes"
    wait_for_charts(s.page)
    s.check_clean()


MAP_STATE_JS = """
() => {
  const chart = echarts.getInstanceByDom(document.getElementById('ch-map'));
  const o = chart.getOption();
  const rows = [...document.querySelectorAll('#ov-ranking-view .scr-rank-row')];
  return {caption: document.querySelector('#ov-map-caption .scr-map-metric').innerText,
          offices: o.series[1].data.map(d => [d.value[2], d.label.formatter]),
          regions: o.series[2].data.map(d => d.value === undefined ? null : d.value),
          range: [o.visualMap[0].min, o.visualMap[0].max], tip: o.tooltip[0].className,
          rows: rows.map(r => [r.querySelector('.scr-rank-name').innerText, r.querySelector('.scr-rank-val').innerText,
                               r.classList.contains('clone')])};
}
"""


def test_the_map_moved_on_by_deltas_shows_what_a_full_send_would(server, open_page, demo_db_url):
    """After a few ticks where only the map's indicator moved on (each a patch of what changed),
    the map's chart and the ranking the browser shows are the server's whole map part for the
    indicator on show: the same values, labels, colour range and highlighted tooltip row."""
    from flask import Flask
    from cockpit.cache import init_cache
    from cockpit.metrics.catalog import METRIC_BY_ID
    from cockpit.metrics.query import MetricStore
    from cockpit.screen import payload
    from cockpit.screen.params import MAP_CYCLE
    eng = make_engine(demo_db_url)
    store = MetricStore.load(eng)
    eng.dispose()
    ctx = Flask("screen-delta-browser")
    init_cache(ctx)
    by_name = {METRIC_BY_ID[m].name: m for m in MAP_CYCLE}

    s = open_page(1920, 1080, role="screen")
    responses = []
    s.page.on("response", lambda r: UPDATE in r.url and responses.append(r))
    s.page.goto(f"{server}/screen?refresh=2")
    wait_for_wall(s.page, "?refresh=2")
    seen = set()
    while len(seen) < 4:
        count = _refresh_count(responses)
        while _refresh_count(responses) == count:
            s.page.wait_for_timeout(100)
        s.page.wait_for_timeout(600)    # the patch applied, the chart set
        got = s.page.evaluate(MAP_STATE_JS)
        mid = by_name[got["caption"]]
        with ctx.app_context():
            part = payload.map_part(store, mid)
        o = part["chart"]["o"]
        assert got["offices"] == [[d["value"][2], d["label"]["formatter"]] for d in o["series"][1]["data"]], mid
        assert got["regions"] == [d.get("value") for d in o["series"][2]["data"]], mid
        assert got["range"] == [o["visualMap"]["min"], o["visualMap"]["max"]] and got["tip"] == o["tooltip"]["className"]
        shown = [(n, v) for n, v, clone in got["rows"] if not clone]
        assert [n for n, _ in shown] == [r["short"] for r in part["data"]["ranked"]], mid
        assert all(v.startswith(r["text"] + r["unit"]) for (_, v), r in zip(shown, part["data"]["ranked"])), mid
        assert [r[:2] for r in got["rows"] if r[2]] == [r[:2] for r in got["rows"] if not r[2]]   # doubled
        seen.add(mid)
    patched = [r for r in responses if '"__dash_patch_update"' in (r.text() if r.status == 200 else "")]
    assert len(patched) >= 3
    s.check_clean()


def _personal_values(db_url: str) -> tuple[set[str], set[str]]:
    eng = make_engine(db_url)
    names, ids = set(), set()
    tables = {"stg_arrest": ("person_name", "id_number"), "stg_prosecution": ("person_name", "id_number"),
              "stg_nc_person": ("person_name", "id_number"), "stg_plea": ("person_name",),
              "stg_juvenile": ("person_name", "id_number")}
    with eng.connect() as conn:
        for table, cols in tables.items():
            for col in cols:
                for (v,) in conn.execute(text(f"SELECT DISTINCT {col} FROM {table} WHERE {col} IS NOT NULL")):
                    (ids if col == "id_number" else names).add(str(v).strip())
        registry = " ".join(str(n) for (n,) in conn.execute(text("SELECT item_name FROM stg_registry")))
    eng.dispose()
    return names, ids, registry


def test_no_name_or_id_number_in_any_response(server, open_page, demo_db_url):
    """Every callback response of a session — page load, refreshes, the map's indicators, a
    county panel — is searched for the names and ID numbers of the demo's staged records."""
    s = open_page(1920, 1080, role="screen")
    responses = []
    s.page.on("response", lambda r: urllib.parse.urlsplit(r.url).path.startswith("/_dash") and responses.append(r))
    s.page.goto(f"{server}/screen?refresh=1")
    wait_for_wall(s.page, "?refresh=1")
    while _refresh_count(responses) < 8:  # every map indicator once
        s.page.wait_for_timeout(300)
    box = s.page.locator("#ch-map").bounding_box()
    s.page.mouse.click(box["x"] + box["width"] * LINYI_ON_MAP[0], box["y"] + box["height"] * LINYI_ON_MAP[1])
    s.page.wait_for_function("() => document.querySelector('#scr-county').className.includes('open')",
                             timeout=10_000)
    s.page.wait_for_timeout(500)
    bodies = []
    for r in responses:
        try:
            raw = r.body().decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - a response without a body (204)
            continue
        try:  # Dash escapes non-ASCII (\\uXXXX): compare the decoded text
            bodies.append(json.dumps(json.loads(raw), ensure_ascii=False))
        except ValueError:
            bodies.append(raw)
    assert len(bodies) >= 10 and any("scr-charts" in b for b in bodies)
    blob = "\n".join(bodies)
    names, ids, registry = _personal_values(demo_db_url)
    assert not ids & id_windows(blob)
    words = set(re.findall(r"[\u4e00-\u9fff]+", blob))
    grams = {w[i:i + n] for w in words for n in (2, 3) for i in range(len(w) - n + 1)}
    public = _public_text(registry)
    leaked = {n for n in names & grams if n not in public}
    assert not leaked, f"person names in responses: {sorted(leaked)[:10]}"
    s.check_clean()


def id_windows(text_: str) -> set[str]:
    """Every 15- and 18-character window of the runs of digits (and X) in a text: an ID number
    anywhere in it is one of them."""
    out = set()
    for run in re.findall(r"[0-9Xx]{15,}", text_):
        for n in (15, 18):
            out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def _public_text(registry: str) -> str:
    """Words of the wall that are not about a person (a landmark, a model, a metric, the UI)."""
    from cockpit.metrics.catalog import METRICS
    from cockpit.metrics.units import UNITS
    parts = [(PROJECT / "geo" / "landmarks.csv").read_text(encoding="utf-8"), registry]
    parts += [m.name + m.definition for m in METRICS] + [u.name for u in UNITS]
    parts += [p.read_text(encoding="utf-8") for p in (PROJECT / "cockpit" / "screen").glob("*.py")]
    return "\n".join(parts)


# --------------------------------------------------------------------------- database down

LAUNCHER = """
import os
from sqlalchemy.pool import NullPool
from cockpit.app import create_app
from cockpit.metrics.engine import make_engine
# NullPool: every check opens the file anew (a pooled SQLite connection keeps reading a renamed
# file through its open descriptor); mode=rw: a missing file is an error, not a new empty database
# (read-write: the wall's sign-in writes its session).
app = create_app(make_engine(os.environ["SCREEN_TEST_DB"], poolclass=NullPool))
app.run(host="127.0.0.1", port=int(os.environ["PORT"]), debug=False)
"""


@pytest.fixture
def fragile_server(tmp_path, demo_db_url):
    """The app on a private copy of the demo database that the test can take away."""
    src = Path(demo_db_url.removeprefix("sqlite:///"))
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "cockpit.db"
    shutil.copyfile(src, db)
    with running_app(tmp_path, f"sqlite:///{db}", args=("-c", LAUNCHER),
                     env={"SCREEN_TEST_DB": f"sqlite:///file:{db}?mode=rw&uri=true"}) as base:
        yield base, db


def test_database_down_keeps_the_figures_and_recovers(fragile_server, open_page):
    base, db = fragile_server
    s = open_wall(open_page, base, "?refresh=1&metric=plea_rate")
    headline = s.page.inner_text("#ov-headline")
    ranking = s.page.inner_text("#ov-ranking")
    assert not s.page.is_visible("#scr-stale")

    away = db.with_name("cockpit.db.away")
    db.rename(away)
    try:
        s.page.wait_for_selector("#scr-stale", state="visible", timeout=30_000)
        assert s.page.inner_text("#scr-stale") == "数据暂停更新"
        s.page.wait_for_timeout(2500)  # a few more refreshes while it is down
        assert s.page.inner_text("#ov-headline") == headline
        assert s.page.inner_text("#ov-ranking") == ranking
        wait_for_charts(s.page)
        shot(s, "stale-1920x1080")
    finally:
        away.rename(db)
    s.page.wait_for_selector("#scr-stale", state="hidden", timeout=30_000)
    assert s.page.inner_text("#ov-headline") == headline
    s.check_clean()


def test_a_metric_declared_in_a_fixture_reaches_the_wall(tmp_path, demo_db_url, open_page):
    """One declaration (tests/fixtures/extra_metric.py, wall=("P01+",)) and no other change: the
    platforms screen shows it among P01's detail tiles with its 口径 in the tooltip, and the
    block makes room for it (every tile inside the block)."""
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "cockpit.db"
    shutil.copyfile(Path(demo_db_url.removeprefix("sqlite:///")), db)
    with running_app(tmp_path, f"sqlite:///{db}", env={"COCKPIT_EXTRA_METRICS": "tests.fixtures.extra_metric"}) as base:
        s = open_wall(open_page, base, "?screen=platforms")
        tile = s.page.locator('#pf-p01-kpis [data-metric="no_danger_share"]')
        assert tile.count() == 1
        assert "无危险性不捕占比" in tile.inner_text()
        assert "因无社会危险性不批准逮捕的人数 ÷ 不批准逮捕人数" in tile.get_attribute("title")
        block = s.page.locator("#pf-p01-kpis").bounding_box()
        tiles = s.page.locator("#pf-p01-kpis .scr-mini")
        assert tiles.count() == 9
        for i in range(tiles.count()):
            b = tiles.nth(i).bounding_box()
            assert b["y"] + b["height"] <= block["y"] + block["height"] + 1, i
            assert b["x"] + b["width"] <= block["x"] + block["width"] + 1, i
        shot(s, "platforms-extra-metric-1920x1080")
        s.check_clean()
