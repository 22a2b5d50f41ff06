"""The wall (/screen) without a browser: URL parameters, data shaping through the metric layer,
the pyecharts option builders, the refresh logic and what it sends, and the geography."""
from __future__ import annotations

import json
import os
import re
import tracemalloc
from pathlib import Path

import pytest
from dash import no_update
from sqlalchemy import text

from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID, on_wall
from cockpit.metrics.periods import Period
from cockpit.metrics.query import MetricStore
from cockpit.screen import callbacks, charts as C, payload, shaping as S, sources
from cockpit.screen.params import DEFAULT_REFRESH, MAP_CYCLE, ScreenParams, map_metric, parse

PROJECT = Path(__file__).resolve().parent.parent
PERSONAL = {"stg_arrest": ("person_name", "id_number"), "stg_prosecution": ("person_name", "id_number"),
            "stg_nc_person": ("person_name", "id_number"), "stg_plea": ("person_name",),
            "stg_juvenile": ("person_name", "id_number")}


# --------------------------------------------------------------------------- fixtures

def personal_values(engine) -> tuple[set[str], set[str]]:
    names, ids = set(), set()
    with engine.connect() as conn:
        for table, cols in PERSONAL.items():
            for col in cols:
                for (v,) in conn.execute(text(f"SELECT DISTINCT {col} FROM {table} WHERE {col} IS NOT NULL")):
                    (ids if col == "id_number" else names).add(str(v).strip())
    return names, ids


# --------------------------------------------------------------------------- parameters

def test_params_defaults_and_good_values():
    assert parse({}) == ScreenParams(metric=None, rotate=0, refresh=DEFAULT_REFRESH, screen="overview")
    p = parse({"metric": "plea_rate", "rotate": "30", "refresh": "5", "screen": "models"})
    assert (p.metric, p.rotate, p.refresh, p.screen) == ("plea_rate", 30, 5, "models")
    assert parse({"refresh": "1"}).refresh == 1  # the browser test refreshes every second


@pytest.mark.parametrize("query", [
    {"metric": "no_such_metric"}, {"metric": ""}, {"rotate": "abc"}, {"rotate": "2"}, {"rotate": "-30"},
    {"rotate": "1e9"}, {"refresh": "0"}, {"refresh": "-5"}, {"refresh": "1.5"}, {"refresh": "nan"},
    {"refresh": "99999"}, {"screen": "zzz"}, {"metric": ["x", "y"]}, {"rotate": None},
])
def test_bad_params_fall_back_silently(query):
    p = parse(query)
    default = ScreenParams()
    for k in query:
        assert getattr(p, k) == getattr(default, k), (k, query)


def test_map_cycles_the_core_indicators_unless_pinned():
    assert MAP_CYCLE == CORE_METRICS
    seen = [map_metric(ScreenParams(), t) for t in range(len(MAP_CYCLE) * 2)]
    assert seen[: len(MAP_CYCLE)] == list(MAP_CYCLE) == seen[len(MAP_CYCLE):]
    assert {map_metric(ScreenParams(metric="clues"), t) for t in range(9)} == {"clues"}


# --------------------------------------------------------------------------- shaping

def test_data_month_ignores_deadlines_booked_ahead(demo_store):
    # the small demo's data ends 2024-06; suggestions due two months later are booked in 2024-08
    assert demo_store.latest_month == "2024-08"
    assert demo_store.data_month == "2024-06"
    assert S.screen_period(demo_store) == Period.ytd("2024-06")
    assert S.header(demo_store, False)["updated"] == "数据更新至 2024年6月"


def test_headline_is_cumulative_through_the_metric_layer(demo_store):
    latest = demo_store.data_month
    heads = {h["id"]: h for h in S.headline(demo_store)}
    assert list(heads) == list(on_wall("headline"))
    # a flow: the sum of the catalog metric over the calendar years to date
    years = range(int(demo_store.first_month[:4]), int(latest[:4]) + 1)
    periods = [Period.year(y) if y < int(latest[:4]) else Period.ytd(latest) for y in years]
    clues = sum(v for v in (demo_store.value("clues", U.CITY, p) for p in periods) if v is not None)
    assert heads["clues"]["value"] == pytest.approx(clues)
    # a running total: its value at the latest month
    assert heads["models"]["value"] == demo_store.value("models", U.CITY, Period.month(latest))
    assert heads["platforms"]["value"] == 4
    # the article's figures (models from 2022 to the end of 2023) come out of the demo
    assert heads["models"]["value"] >= 20 and heads["clues"]["value"] >= 300
    assert heads["records_collected"]["unit"] == "万条"  # 1.2 million+ reads as 万
    for h in heads.values():
        assert h["status"] == "ok" and h["text"] not in ("—", "")


def test_not_live_reads_weishangxian_never_zero(demo_store):
    # the non-custody platform went live in 2023-03: 2022 is not live
    fig = S.current_figure(demo_store, "checkin_rate", Period.ytd("2022-06"))
    assert fig["status"] == "not_live" and fig["text"] == "未上线" and fig["value"] is None
    t = S.trend(demo_store, "assessment_coverage", 24)
    first_live = next(i for i, s in enumerate(t["status"]) if s == "ok")
    assert t["values"][:first_live] == [None] * first_live and t["not_live_until"] < "2023-01"
    opt = C.dual_trend_option(t, S.trend(demo_store, "assessment_consistency", 24))
    assert opt["series"][0]["markArea"]["data"][0][0]["name"] == "未上线"


def test_by_county_ranks_and_gaps_come_from_by_unit(demo_store, monkeypatch):
    monkeypatch.setenv("COCKPIT_RANKING", "on")   # ranks are a setting, off by default
    period = S.screen_period(demo_store)
    d = S.by_county(demo_store, "non_arrest_rate", period)
    ref = demo_store.by_unit("non_arrest_rate", period)
    assert len(d["ranked"]) == 13 and d["city"]["code"] == U.CITY
    best = d["ranked"][0]
    assert best["rank"] == 1
    r = ref[ref["unit"] == best["code"]].iloc[0]
    assert best["value"] == r["value"] and best["gap"] == r["gap_to_city"]


def test_platform_panels_model_board_and_funnel(demo_store, demo_engine):
    period = S.screen_period(demo_store)
    for pid in ("P01", "P02", "P03", "P04"):
        panel = S.platform_panel(demo_store, pid, period, more=True)
        assert panel["kpis"] and panel["launch"].endswith("上线")
    registry, ok = sources.model_registry(demo_engine, demo_store.snapshot)
    assert ok and sum(1 for v in registry.values() if v["category"] == "法律监督模型") >= 20
    board = S.model_leaderboard(demo_store, registry)
    assert board[0]["name"] == "强制隔离戒毒行政检察监督模型" and board[0]["value"] >= 160
    assert [r["value"] for r in board] == sorted((r["value"] for r in board), reverse=True)
    funnel = S.suggestion_funnel(demo_store)
    issued, rep, adopted = (s["value"] for s in funnel["stages"])
    assert issued >= 50 and issued >= rep and issued >= adopted > 0
    # the metric layer's counts are the staged records each measure counts
    from cockpit.metrics.records import list_records
    staged = list_records(demo_engine, "suggestion", U.CITY, None, measure_id="sugg_replied", page_size=1).total
    assert rep == staged
    bands = S.risk_bands(demo_store, period)
    for band, measure in S.BAND_MEASURES:
        assert bands[band] == list_records(demo_engine, "arrest", U.CITY, period, measure_id=measure,
                                           page_size=1).total > 0


def test_warning_feed_rows_carry_no_person(demo_store, demo_engine):
    rows, ok = sources.latest_warnings(demo_engine, demo_store.snapshot)
    assert ok and rows
    assert set(rows[0]) == {"unit", "occurred_at", "type", "handling", "handled_at"}
    feed = S.warning_rows(rows)
    assert all(r["unit"] in {u.short for u in U.UNITS} for r in feed)
    # the fast path (the data month's warnings through list_records) gives the same rows
    fast, ok = sources.latest_warnings(demo_engine, demo_store.snapshot, month=demo_store.data_month)
    assert ok and [r["occurred_at"] for r in fast] == [r["occurred_at"] for r in rows]


def test_empty_store_builds_a_wall():
    empty = MetricStore.from_frames(None)
    static = payload.static_part(empty, None, offline=True)
    assert static["complete"] is False
    assert {h["text"] for h in static["blocks"]["headline"]} == {"无数据"}
    assert payload.map_part(empty, "non_arrest_rate")["chart"]["o"]


# --------------------------------------------------------------------------- charts

def _walk(o, path=()):
    if isinstance(o, dict):
        for k, v in o.items():
            yield path + (k,), v
            yield from _walk(v, path + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from _walk(v, path + (i,))


def test_every_option_is_plain_json_without_functions(demo_store, demo_engine):
    static = payload.static_part(demo_store, demo_engine)
    options = {k: v["o"] for k, v in static["charts"].items()}
    options["ch-map"] = payload.map_part(demo_store, "non_arrest_rate")["chart"]["o"]
    assert set(payload.CHART_IDS) - {"ch-county-trend"} == set(options)
    for cid, opt in options.items():
        s = json.dumps(opt, ensure_ascii=False, allow_nan=False)
        assert "function" not in s and "JsCode" not in s and "--x_x--" not in s, cid
        assert opt.get("series"), cid


def test_px_keys_match_the_client_scaler():
    js = (PROJECT / "assets" / "screen.js").read_text(encoding="utf-8")
    block = re.search(r"PX_KEYS = \[(.*?)\];", js, re.S).group(1)
    assert tuple(re.findall(r'"(\w+)"', block)) == C.PX_KEYS
    assert "offset: true" in js and C.PX_ARRAY_ONLY == ("offset",)


def test_version_changes_with_content():
    a = C.packed({"series": [{"data": [1, 2]}]})
    assert a["v"] == C.packed({"series": [{"data": [1, 2]}]})["v"]
    assert a["v"] != C.packed({"series": [{"data": [1, 3]}]})["v"]


def test_map_option_counties_landmarks_offices(demo_store):
    period = S.screen_period(demo_store)
    data_ = S.by_county(demo_store, "pretrial_detention_rate", period)
    opt = C.map_option(data_, S.county_figures(demo_store, period))
    types = [s["type"] for s in opt["series"]]
    assert types == ["effectScatter", "scatter", "map", "scatter"]
    lm, of, mp, names = opt["series"]
    assert len(lm["data"]) == 18 and len(of["data"]) == 13 and len(mp["data"]) == 13
    assert [d["label"]["formatter"] for d in names["data"]][:2] == ["解州关帝庙", "运城盐湖"]
    assert lm["zlevel"] == 1 and of["zlevel"] == 0 == names["zlevel"]  # only the ripples redraw
    assert all(s.get("geoIndex") == 0 for s in opt["series"])
    assert [g["map"] for g in opt["geo"]] == [C.MAP_NAME, C.MAP_NAME]
    jiwang = next(d for d in lm["data"] if d["name"] == "稷王山")
    assert jiwang["value"][:2] == [111.0, 35.41]  # the domain file's corrected coordinate, in 稷山县
    # lower is better for 诉前羁押率: the colour scale is reversed
    assert opt["visualMap"]["inRange"]["color"][0] == C.T.MAP_SCALE[-1]
    assert "UTF8Encoding" not in C.geojson()
    tip = mp["data"][0]["tooltip"]["formatter"]
    assert "人民检察院" in tip and "诉前羁押率" in tip


def _inside(lon, lat, feature) -> bool:
    geom = feature["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    for poly in polys:
        ring = poly[0]
        inside = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                inside = not inside
        if inside:
            return True
    return False


def _km_to_boundary(lon, lat, feature) -> float:
    geom = feature["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    best = float("inf")
    for poly in polys:
        ring = poly[0]
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            ax, ay, bx, by = (x1 - lon) * 91, (y1 - lat) * 111, (x2 - lon) * 91, (y2 - lat) * 111  # km at 35°N
            dx, dy = bx - ax, by - ay
            t = max(0.0, min(1.0, -(ax * dx + ay * dy) / ((dx * dx + dy * dy) or 1.0)))
            best = min(best, ((ax + t * dx) ** 2 + (ay + t * dy) ** 2) ** 0.5)
    return best


def test_landmarks_and_offices_lie_in_their_counties():
    """Most landmark coordinates are approximate (a few km) and the boundaries simplified: a
    marker must lie in its county or within 2.5 km of it; 稷王山 (7 km out in an earlier csv) in it."""
    features = {f["properties"]["code"]: f for f in C.geojson()["features"]}
    for lm in C.landmarks():
        feat = features[lm["county"]]
        assert _inside(lm["lon"], lm["lat"], feat) or _km_to_boundary(lm["lon"], lm["lat"], feat) < 2.5, lm
    jiwang = next(lm for lm in C.landmarks() if lm["name"] == "稷王山")
    assert _inside(jiwang["lon"], jiwang["lat"], features["140824"])
    for o in C.offices():
        assert _inside(o["lon"], o["lat"], features[o["code"]]), o["name"]


# --------------------------------------------------------------------------- the map's labels
# The wall's map as ECharts draws it, from the option the wall sends: the geo laid out as ECharts
# does (lon/lat linear, the counties' bounding rect stretched by aspectScale and fitted into
# layoutSize × min(width, height) around layoutCenter), every length scaled by the canvas scale as
# assets/screen.js does, and each label's box from its position, distance, offset and text. Text
# widths are estimated: a CJK character one em, anything else 0.6 em, plus the text outline.

def _client_scaled(o, s: float):
    """assets/screen.js `scaleOption`: lengths (PX_KEYS) × s; `offset` only as an array."""
    if isinstance(o, list):
        return [_client_scaled(x, s) for x in o]
    if not isinstance(o, dict):
        return o
    out = {}
    for k, v in o.items():
        length = k in C.PX_KEYS and (isinstance(v, (int, float)) and not isinstance(v, bool) or (
            isinstance(v, list) and v and all(isinstance(x, (int, float, str)) for x in v)))
        if length and k in C.PX_ARRAY_ONLY and not isinstance(v, list):
            length = False
        if length:
            out[k] = v * s if not isinstance(v, list) else [x * s if isinstance(x, (int, float)) else x for x in v]
        else:
            out[k] = _client_scaled(v, s)
    return out


def _pct(v, whole: float) -> float:
    return float(v[:-1]) / 100 * whole if isinstance(v, str) and v.endswith("%") else float(v)


def _geo_to_px(geo: dict, width: float, height: float):
    xs, ys = [], []
    for f in C.geojson()["features"]:
        g = f["geometry"]
        for poly in g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]:
            xs += [p[0] for p in poly[0]]
            ys += [p[1] for p in poly[0]]
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    cx, cy = _pct(geo["layoutCenter"][0], width), _pct(geo["layoutCenter"][1], height)
    size = _pct(geo["layoutSize"], min(width, height))
    aspect = (lon1 - lon0) / (lat1 - lat0) * geo["aspectScale"]
    vw, vh = (size, size / aspect) if aspect > 1 else (size * aspect, size)
    return lambda lon, lat: (cx - vw / 2 + (lon - lon0) / (lon1 - lon0) * vw,
                             cy - vh / 2 + (lat1 - lat) / (lat1 - lat0) * vh)


def _text_w(text: str, size: float) -> float:
    return sum(size if ord(ch) >= 0x2E80 else 0.6 * size for ch in text)


def _label_box(x: float, y: float, symbol_size: float, label: dict, series: dict):
    """The box (x0, y0, x1, y1) ECharts gives a scatter item's label."""
    rich = label.get("rich")
    if rich:
        lines = [re.findall(r"\{(\w+)\|([^}]*)\}", ln) for ln in label["formatter"].split("\n")]
        w = max(sum(_text_w(t, rich[k]["fontSize"]) + 2 * rich[k].get("textBorderWidth", 0) for k, t in ln)
                for ln in lines)
        h = sum(max(rich[k].get("lineHeight", rich[k]["fontSize"] * 1.2) for k, _ in ln) for ln in lines)
    else:
        size = label["fontSize"]
        w = _text_w(label["formatter"], size) + 2 * label.get("textBorderWidth", 0)
        h = size * 1.2
    pos, dist, half = label.get("position", "top"), label.get("distance", 5), symbol_size / 2
    cx, cy = {"top": (x, y - half - dist - h / 2), "bottom": (x, y + half + dist + h / 2),
              "left": (x - half - dist - w / 2, y), "right": (x + half + dist + w / 2, y),
              "inside": (x, y)}[pos]
    # ECharts 5.6 lays a series' labels out again when the series has a labelLayout, and that
    # drops each label's offset (seen in Chromium): the offset counts only without one
    offset = label.get("offset") if "labelLayout" not in series else None
    if offset:
        cx, cy = cx + offset[0], cy + offset[1]
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _map_boxes(option: dict, scale: float) -> dict:
    """Boxes of the wall's map at a canvas scale: county labels and offices, landmark markers and
    names, the HTML over the map."""
    o = _client_scaled(option, scale)
    width, height = C.MAP_BOX[0] * scale, C.MAP_BOX[1] * scale
    to_px = _geo_to_px(o["geo"][0], width, height)
    markers, offices, names = (next(s for s in o["series"] if s["name"] == n) for n in ("地标", "检察院", "地标名称"))
    out = {"county": {}, "office": {}, "marker": {}, "landmark": {}, "hidden": [],
           "frame": (0, 0, width, height),
           "overlay": [tuple(v * scale for v in b) for b in C.MAP_OVERLAYS]}
    for d in offices["data"]:
        x, y = to_px(*d["value"][:2])
        r = offices["symbolSize"] / 2
        out["office"][d["name"]] = (x - r, y - r, x + r, y + r)
        assert d["label"]["show"], d["name"]
        out["county"][d["name"]] = _label_box(x, y, offices["symbolSize"], d["label"], offices)
    for d in markers["data"]:
        x, y = to_px(*d["value"][:2])
        r = markers["symbolSize"] / 2
        out["marker"][d["name"]] = (x - r, y - r, x + r, y + r)
    for d in names["data"]:
        if not d["label"].get("show", True):
            out["hidden"].append(d["name"])
            continue
        x, y = to_px(*d["value"][:2])
        out["landmark"][d["name"]] = _label_box(x, y, names["symbolSize"], d["label"], names)
    return out


@pytest.mark.parametrize("scale", [1.0, 2.0], ids=["1920x1080", "3840x2160"])
def test_map_labels_do_not_collide(demo_store, scale):
    """On the wall's map (every indicator it cycles through, at 1920×1080 and 3840×2160) no
    landmark name covers a county's name and value, an office or another landmark's name or
    marker, and no landmark marker sits on a county's label; every landmark's name is shown."""
    for metric in MAP_CYCLE:
        b = _map_boxes(payload.map_part(demo_store, metric)["chart"]["o"], scale)
        assert len(b["county"]) == 13 and len(b["marker"]) == 18
        assert b["hidden"] == [], f"{metric}: names not on the map: {b['hidden']}"
        where = f"{metric} ×{scale}"
        counties = list(b["county"].items())
        for i, (c, box) in enumerate(counties):
            for c2, box2 in counties[i + 1:]:
                assert not _overlap(box, box2), f"{where}: {c}'s label on {c2}'s"
            for m, mbox in b["marker"].items():
                assert not _overlap(box, mbox), f"{where}: landmark {m} on {c}'s label"
        landmarks = list(b["landmark"].items())
        for i, (n, box) in enumerate(landmarks):
            f = b["frame"]
            assert f[0] <= box[0] and f[1] <= box[1] and box[2] <= f[2] and box[3] <= f[3], f"{where}: {n} off the map"
            for c, cbox in counties:
                assert not _overlap(box, cbox), f"{where}: {n}'s name on {c}'s name and value"
            for c, obox in b["office"].items():
                assert not _overlap(box, obox), f"{where}: {n}'s name on {c}'s office"
            for n2, box2 in landmarks[i + 1:]:
                assert not _overlap(box, box2), f"{where}: {n}'s name on {n2}'s"
            for m, mbox in b["marker"].items():
                assert not _overlap(box, mbox), f"{where}: {n}'s name on the marker of {m}"
            for obox in b["overlay"]:
                assert not _overlap(box, obox), f"{where}: {n}'s name under the HTML over the map"


def test_landmark_leader_lines_only_for_names_away_from_their_marker(demo_store):
    option = payload.map_part(demo_store, MAP_CYCLE[0])["chart"]["o"]
    names = next(s for s in option["series"] if s["name"] == "地标名称")
    assert "labelLayout" not in names   # it would drop the offsets the names are placed with
    for d in names["data"]:
        dx, dy = d["label"]["offset"]
        w = _text_w(d["label"]["formatter"], d["label"]["fontSize"])
        h = d["label"]["fontSize"] * 1.2
        # the gap between the marker's centre and the name's box
        gap = max(abs(dx) - w / 2, abs(dy) - h / 2)
        assert d["labelLine"]["show"] == (gap > C.LEADER_FROM + 1), (d["name"], gap)


def test_short_model_names():
    assert C.short_model_name("“未成年人控辍保学”法律监督模型") == "未成年人控辍保学"
    assert C.short_model_name("刑事立案撤案监督模型") == "刑事立案撤案"
    assert C.short_model_name("强制隔离戒毒行政检察监督模型") == "强制隔离戒毒行政"


# --------------------------------------------------------------------------- refresh

def test_refresh_sends_only_what_changed(wall, demo_engine, app_ctx):
    params = ScreenParams().to_dict()
    first = callbacks.refresh_outputs(1, None, params)
    assert first["charts"] is not no_update and first["state"]["snapshot"] == wall.store.snapshot
    assert first["ov-headline"] is not no_update and first["ov-map-caption"] is not no_update
    state = first["state"]
    # the next tick: same snapshot, the map moves on to the next indicator, nothing else
    second = callbacks.refresh_outputs(2, state, params)
    assert second["state"]["metric"] == MAP_CYCLE[2 % len(MAP_CYCLE)]
    assert all(second[k] is no_update for k in callbacks.STATIC_IDS)
    assert second["ov-map-caption"] is not no_update
    # pinned: nothing changes at all
    pinned = ScreenParams(metric="plea_rate").to_dict()
    s1 = callbacks.refresh_outputs(5, None, pinned)["state"]
    quiet = callbacks.refresh_outputs(6, s1, pinned)
    assert all(v is no_update for k, v in quiet.items()), [k for k, v in quiet.items() if v is not no_update]
    # the database goes away: only the marker changes; it comes back: the marker goes
    wall.stale = True
    down = callbacks.refresh_outputs(7, s1, pinned)
    assert down["stale_class"] == "scr-stale on" and down["charts"] is no_update
    assert all(down[k] is no_update for k in callbacks.STATIC_IDS + callbacks.MAP_IDS)
    wall.stale = False
    up = callbacks.refresh_outputs(8, down["state"], pinned)
    assert up["stale_class"] == "scr-stale"


def test_a_new_snapshot_is_sent_at_the_next_refresh(wall, app_ctx):
    params = ScreenParams(metric="plea_rate").to_dict()
    s1 = callbacks.refresh_outputs(1, None, params)["state"]
    wall.store = MetricStore.from_frames(None, snapshot=wall.store.snapshot + 1)
    out = callbacks.refresh_outputs(2, s1, params)
    assert out["state"]["snapshot"] == s1["snapshot"] + 1
    assert out["ov-headline"] is not no_update and out["scr-updated"] == "暂无数据"


def test_database_down_keeps_the_last_record_lookups(demo_store, demo_engine, monkeypatch):
    rows, ok = sources.latest_warnings(demo_engine, demo_store.snapshot + 1000)
    assert ok and rows

    def broken(*a, **k):
        raise RuntimeError("unable to open database file")
    monkeypatch.setattr(sources.records, "latest_warnings", broken)
    again, ok = sources.latest_warnings(demo_engine, demo_store.snapshot + 2000)
    assert not ok and again == rows
    offline, ok = sources.latest_warnings(demo_engine, demo_store.snapshot + 3000, offline=True)
    assert not ok and offline == rows


def test_county_click(wall, app_ctx):
    assert callbacks.county_of_click({"name": "临猗县", "data": {"name": "临猗县", "code": "140821"}}) == "140821"
    assert callbacks.county_of_click({"name": "稷山县", "data": {}}) == "140824"
    assert callbacks.county_of_click({"name": "永乐宫", "data": {"county": "140830"}}) == "140830"
    assert callbacks.county_of_click({"name": "nowhere"}) is None
    body, title, packed = callbacks.county_outputs({"name": "夏县", "data": {"code": "140828"}},
                                                   {"metric": "non_arrest_rate"})
    assert "不捕率" in title and packed["o"]["series"]
    assert "夏县人民检察院" in json.dumps(body, default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def test_refresh_responses_hold_no_personal_data(wall, demo_engine, app_ctx):
    names, ids = personal_values(demo_engine)
    assert names and ids
    params = ScreenParams().to_dict()
    blobs, state = [], None
    for tick in range(len(MAP_CYCLE) + 1):
        out = callbacks.refresh_outputs(tick, state, params)
        state = out["state"] if out["state"] is not no_update else state
        blobs.append(json.dumps(out, default=_jsonable, ensure_ascii=False))
    for code in U.COUNTY_CODES:
        blobs.append(json.dumps(callbacks.county_outputs({"data": {"code": code}}, state),
                                default=_jsonable, ensure_ascii=False))
    text_ = "\n".join(blobs)
    runs = re.findall(r"[0-9Xx]{15,}", text_)
    windows = {r[i:i + n] for r in runs for n in (15, 18) for i in range(len(r) - n + 1)}
    assert not ids & windows
    words = set(re.findall(r"[\u4e00-\u9fff]+", text_))
    grams = {w[i:i + n] for w in words for n in (2, 3) for i in range(len(w) - n + 1)}
    assert not (names & grams) - public_words(demo_engine)


def public_words(engine) -> set[str]:
    """Person names that are also public words of the wall (a landmark, a model, a metric …)."""
    corpus = [(PROJECT / "geo" / "landmarks.csv").read_text(encoding="utf-8")]
    corpus += [m.name + m.definition for m in METRIC_BY_ID.values()]
    corpus += [u.name for u in U.UNITS]
    with engine.connect() as conn:
        corpus += [str(n) for (n,) in conn.execute(text("SELECT item_name FROM stg_registry"))]
    for p in (PROJECT / "cockpit" / "screen").glob("*.py"):
        corpus.append(p.read_text(encoding="utf-8"))
    blob = "\n".join(corpus)
    names, _ = personal_values(engine)
    return {n for n in names if n in blob}


def _jsonable(o):
    if o is no_update:
        return None
    if hasattr(o, "to_plotly_json"):
        return o.to_plotly_json()
    if hasattr(o, "_operations"):  # dash.Patch
        return o.to_plotly_json()
    return str(o)


@pytest.mark.slow   # 330 refreshes of the wall, 300 of them under tracemalloc
def test_server_memory_is_flat_over_many_refreshes(wall, app_ctx):
    params = ScreenParams().to_dict()
    state = None
    for tick in range(30):  # warm: every map indicator cached
        out = callbacks.refresh_outputs(tick, state, params)
        state = out["state"] if out["state"] is not no_update else state
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    for tick in range(30, 330):
        out = callbacks.refresh_outputs(tick, state, params)
        state = out["state"] if out["state"] is not no_update else state
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(base, "filename"))
    tracemalloc.stop()
    assert grown < 512 * 1024, f"{grown} bytes more after 300 refreshes"


def test_payload_cache_round_trips_through_redis(monkeypatch):
    """With REDIS_URL the payload is cached in Redis under the snapshot (what several workers share)."""
    import random
    import redis
    from flask import Flask
    from conftest import need
    from cockpit.cache import cache, init_cache
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as err:  # noqa: BLE001 - any failure means "not reachable"
        need("Redis", str(err))
    monkeypatch.setenv("REDIS_URL", url)
    server = Flask("screen-redis-test")
    init_cache(server)
    snapshot = random.randint(10**8, 10**9)  # a key nobody else uses
    store = MetricStore.from_frames(None, snapshot=snapshot)
    with server.app_context():
        first = payload.static_part(store, None, offline=True)   # incomplete: not cached
        key = payload.snapshot_key(store)
        assert key.startswith(f"{snapshot}@")
        assert cache.get(f"{payload.CACHE_PREFIX}:static:{key}") is None
        mp = payload.map_part(store, "plea_rate")
        assert cache.get(f"{payload.CACHE_PREFIX}:map:{key}:plea_rate") == mp
        cache.delete(f"{payload.CACHE_PREFIX}:map:{key}:plea_rate")
        cache.delete(f"{payload.CACHE_PREFIX}:figures:{key}")
    assert first["complete"] is False


def test_layout_is_a_skeleton_without_data():
    """Without a fill the wall's layout holds no figures, only the elements a refresh fills."""
    from datetime import datetime
    from cockpit.screen import layout as L
    tree = L.build(parse({"screen": "models", "refresh": "5"}), datetime(2026, 1, 1, 8, 0))
    blob = json.dumps(tree, default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert len(blob) < 80_000
    assert "FeatureCollection" not in blob and "数据更新至" not in blob and '"series"' not in blob
    ids = set(re.findall(r'"id": "([\w-]+)"', blob))
    needed = set(callbacks.STATIC_IDS) | set(callbacks.MAP_IDS) | set(payload.CHART_IDS) | {
        "scr-charts", "scr-state", "scr-params", "scr-scale", "scr-refresh", "scr-rotate",
        "scr-updated", "scr-published", "scr-stale", "scr-stage", "scr-county", "scr-county-body",
        "scr-county-chart-title", "scr-county-close", "scr-tab-overview", "scr-tab-platforms", "scr-tab-models"}
    assert needed <= ids, needed - ids
    assert '"interval": 5000' in blob and "scr-stage on-models" in blob


def test_the_page_comes_filled_with_the_first_refresh(wall, app_ctx):
    """The page's layout is the skeleton with exactly what a first refresh sends put into it,
    so the refresh callback need not run on load (it waits for the first tick)."""
    from datetime import datetime
    from cockpit.screen import layout as L
    params = parse({"metric": "plea_rate"})
    fill = callbacks.first_fill(params)
    first = callbacks.refresh_outputs(0, None, params.to_dict())
    assert {cid for cid, _prop in fill} == {cid for cid, _p, _k in callbacks.OUTPUTS}
    tree = L.build(params, datetime(2026, 1, 1, 8, 0), fill)
    by_id = {getattr(c, "id", None): c for c in [tree, *tree._traverse()]}
    for cid, prop, key in callbacks.OUTPUTS:
        assert _jsonable(getattr(by_id[cid], prop)) == _jsonable(first[key]), cid
    assert by_id["scr-state"].data["snapshot"] == wall.store.snapshot
    assert set(by_id["scr-charts"].data) == set(payload.CHART_IDS) - {"ch-county-trend"}
    assert "FeatureCollection" in json.dumps(by_id["ch-map"].maps)
    # the first tick finds the state the layout carries: nothing new (the map's indicator pinned)
    again = callbacks.refresh_outputs(1, by_id["scr-state"].data, params.to_dict())
    assert again["state"] is no_update and again["maps"] is no_update and again["charts"] is no_update
