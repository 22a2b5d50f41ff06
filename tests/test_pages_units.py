"""The browser pages without a browser: URL parsing and fallbacks, layouts, callbacks' content,
number formatting and direction-aware colours, the /compare export, the records extensions."""
from __future__ import annotations

import csv
import io
import json
import sys

import pytest
from sqlalchemy import text

from cockpit.components import formatting as F
from cockpit.components.params import Notice, parse_period, parse_units, query_string
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, METRICS
from cockpit.metrics.periods import Period
from cockpit.metrics.query import MetricStore


# --------------------------------------------------------------------------- fixtures



@pytest.fixture(scope="module")
def page(app):
    """A page module by its file name (Dash imports them as cockpit.pages.<name>)."""
    return lambda name: sys.modules[f"cockpit.pages.{name}"]


@pytest.fixture(scope="module")
def store(app):
    from cockpit import data
    return data.current().store


@pytest.fixture
def in_app(app):
    with app.server.test_request_context("/"):
        yield app


def texts(component) -> str:
    """All the text of a component tree (Dash components or their JSON form)."""
    out = []

    def walk(node):
        if node is None:
            return
        if isinstance(node, (str, int, float)):
            out.append(str(node))
            return
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
            return
        if isinstance(node, dict):
            if "props" in node:
                walk(node["props"].get("children"))
            else:
                for v in node.values():
                    walk(v)
            return
        walk(getattr(node, "children", None))
    walk(component)
    return " ".join(out)


def ids(component) -> set:
    found = set()

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
            return
        if isinstance(node, dict):
            props = node.get("props", {})
            if "id" in props:
                found.add(json.dumps(props["id"], sort_keys=True) if isinstance(props["id"], dict) else props["id"])
            for v in props.values():
                walk(v)
            return
        if hasattr(node, "to_plotly_json"):
            cid = getattr(node, "id", None)
            if cid is not None:
                found.add(json.dumps(cid, sort_keys=True) if isinstance(cid, dict) else cid)
            for prop in node._prop_names:
                v = getattr(node, prop, None)
                if isinstance(v, (list, tuple, dict)) or hasattr(v, "to_plotly_json"):
                    walk(v)
    walk(component)
    return found


# --------------------------------------------------------------------------- URL parameters

def test_period_parsing_falls_back_with_a_notice():
    store = MetricStore.from_frames(None)
    import pandas as pd
    facts = pd.DataFrame([("140802", m, "arrest_concluded", 5.0) for m in ("2024-01", "2024-05")],
                         columns=["unit_code", "month", "measure_id", "value"])
    store = MetricStore.from_frames(facts)
    assert parse_period("2024Q1", store) == (Period.quarter(2024, 1), [])
    assert parse_period(None, store) == (Period.month("2024-05"), [])
    p, notes = parse_period("2024-13", store)
    assert p == Period.month("2024-05") and len(notes) == 1 and "无法识别" in notes[0].text
    p, notes = parse_period("2030", store)           # after the data: clamped, said so
    assert p == Period("year", "2024-12").clamp("2024-05") and "尚无数据" in notes[0].text
    p, notes = parse_period("2019-03", store)        # before the data: kept, said so
    assert p == Period.month("2019-03") and "早于数据起始月份" in notes[0].text


def test_units_parsing():
    assert parse_units("140802,city,140821", ["CITY"]) == (["140802", "CITY", "140821"], [])
    units, notes = parse_units("140802,999,140821,140822,140823,140824", ["CITY"], max_n=4)
    assert units == ["140802", "140821", "140822", "140823"]
    assert any("999" in n.text for n in notes) and any("最多4个" in n.text for n in notes)
    units, notes = parse_units("140802", ["CITY", "140821"], min_n=2)
    assert units == ["140802", "CITY"] and notes
    assert parse_units(["140802", "140821"], [])[0] == ["140802", "140821"]   # repeated parameter


def test_query_string_round_trip():
    q = query_string({"period": "2024-05:ytd", "units": ["140802", "CITY"], "empty": "", "none": None})
    assert q == "?period=2024-05:ytd&units=140802,CITY"


def test_control_changes_become_links(app, store):
    from cockpit.components.navigation import new_href
    with app.server.test_request_context("/"):
        url = {"path": "/county/140802", "query": {"period": "2024-05", "rec": "clue"}, "period": "2024-05"}
        assert new_href("period_kind", "quarter", url) == "/county/140802?period=2024Q2&rec=clue"
        assert new_href("period_kind", "month", url) is None                 # unchanged
        assert new_href("period", "2023", url) == "/county/140802?period=2023&rec=clue"
        assert new_href("@path", "/county/140821", url) == "/county/140821?period=2024-05"
        url = {"path": "/compare", "query": {"units": ["CITY", "140802"], "page": "3"}, "period": "2024-05"}
        assert new_href("units", ["140802", "140821"], url) == "/compare?units=140802,140821"   # page reset


# --------------------------------------------------------------------------- formatting and colour

def test_values_and_changes_are_formatted_at_the_metric_precision():
    rate, count, days = METRIC_BY_ID["non_arrest_rate"], METRIC_BY_ID["arrest_concluded"], METRIC_BY_ID["review_days_avg"]
    assert F.fmt_value(rate, 43.449) == "43.4%"
    assert F.fmt_value(count, 1234.0) == "1,234人"
    assert F.fmt_value(days, 5.25) == "5.2天" or F.fmt_value(days, 5.25) == "5.3天"
    assert F.fmt_value(rate, None, "not_live") == "未上线"
    assert F.fmt_value(rate, None, "no_data") == "无数据"
    assert F.change_parts(rate, 2.04, 5.0) == (2.0, "+2.0个百分点")          # % metrics: percentage points
    assert F.change_parts(count, -10.0, -12.5) == (-12.5, "−12.5%")          # counts: relative change
    assert F.change_parts(count, 3.0, None) == (3.0, "+3人")                  # base 0: absolute
    assert F.change_parts(rate, 0.01, 0.1)[1] == "持平"
    assert F.rounded(METRIC_BY_ID["abscond_rate"], 0.123) == 0.12


def test_colours_follow_the_direction_of_each_metric(monkeypatch):
    higher, lower, policy = (METRIC_BY_ID[m] for m in ("plea_rate", "pretrial_detention_rate", "non_arrest_rate"))
    workload = METRIC_BY_ID["arrest_concluded"]
    # standings are 优劣 colours: off by default (docs/decisions.md), on with COCKPIT_RANKING=on
    monkeypatch.delenv("COCKPIT_RANKING", raising=False)
    assert F.rank_tone(higher, 1, 13) == "neutral" and F.standing_color(higher, 13, 13) is None
    assert F.gap_tone(higher, +5.0) == "neutral"
    monkeypatch.setenv("COCKPIT_RANKING", "on")
    assert F.rank_tone(workload, 13, 13) == "neutral" and F.standing_color(workload, 1, 13) is None
    assert F.tone(higher, +1) == "good" and F.tone(higher, -1) == "bad"
    assert F.tone(lower, -1) == "good" and F.tone(lower, +1) == "bad"
    assert F.tone(policy, +1) == "policy-good" and F.tone(policy, -1) == "policy-bad"
    assert F.tone(workload, +5) == "neutral"
    assert F.tone(higher, 0) == "flat"
    assert F.rank_tone(higher, 1, 13) == "good" and F.rank_tone(higher, 13, 13) == "bad"
    assert F.rank_tone(policy, 1, 13) == "policy-good"
    assert F.standing_color(higher, 1, 13) != F.standing_color(higher, 13, 13)


# --------------------------------------------------------------------------- layouts

PAGES = ["home", "county", "metric", "metrics", "compare", "trends", "platform_arrest", "platform_noncustody",
         "platform_plea", "platform_juvenile", "models", "not_found_404"]


@pytest.mark.parametrize("name", PAGES)
def test_every_layout_builds_without_arguments(page, in_app, name):
    """Dash builds its validation layout by calling layout() with no arguments."""
    layout = page(name).layout()
    assert layout is not None
    assert "页面暂时无法显示" not in texts(layout)


def test_unknown_county_and_metric_get_a_friendly_404(page, in_app):
    out = texts(page("county").layout(code="999999"))
    assert "未找到该检察院" in out and "999999" in out and "返回首页" in out
    out = texts(page("metric").layout(metric_id="no_such_metric"))
    assert "未找到该指标" in out and "no_such_metric" in out


def test_malformed_parameters_fall_back_with_notices(page, in_app):
    out = texts(page("compare").layout(period="2024-99", group="nope", units="1,2"))
    assert "无法识别的统计期间“2024-99”" in out
    assert "无法识别的指标组“nope”" in out
    assert "无法识别的对比单位“1、2”" in out
    out = texts(page("county").layout(code="140802", rec="bogus", page="x"))
    assert "无法识别的明细列表“bogus”" in out and "无法识别的页码“x”" in out
    out = texts(page("home").layout(map="pretrial_detention_rate_x"))
    assert "无法识别的地图指标" in out


def test_layout_carries_its_parameters_to_the_callbacks(page, in_app):
    layout = page("compare").layout(period="2024Q1", group="arrest", units="140802,140821")
    found = {}

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif hasattr(node, "to_plotly_json"):
            if getattr(node, "id", None) == "cmp-params":
                found["data"] = node.data
            walk(getattr(node, "children", None))
    walk(layout)
    params = found["data"]
    assert params["period"] == "2024Q1" and params["group"] == "arrest" and params["units"] == ["140802", "140821"]
    assert params["query"] == {"period": "2024Q1", "group": "arrest", "units": ["140802", "140821"]}


# --------------------------------------------------------------------------- callbacks' content

def test_county_table_matches_the_metric_layer(page, in_app, store, monkeypatch):
    monkeypatch.setenv("COCKPIT_RANKING", "on")          # ranks are shown only with ranking on
    county = page("county")
    params = {"code": "140802", "period": "2024Q1", "query": {"period": "2024Q1"}, "path": "/county/140802"}
    table, summary = county.indicator_table(params)
    body = texts(table)
    f = store.by_unit("non_arrest_rate", "2024Q1").set_index("unit")
    expected = F.fmt_value(METRIC_BY_ID["non_arrest_rate"], f.loc["140802", "value"])
    assert expected in body
    rank = f.loc["140802", "rank"]
    assert f"{int(rank)}/13" in body
    assert "项位列全市前三" in texts(summary)
    for m in METRICS:                                   # every indicator has a row
        assert m.name in body


def test_not_live_and_no_data_are_said_not_drawn(page, in_app):
    arrest = page("platform_arrest")
    params = {"path": "/platform/arrest", "query": {"period": "2022"}, "period": "2022", "unit": U.CITY,
              "rank": "non_arrest_rate"}
    f1, f2, f3 = arrest.assessment(params)
    for fig in (f1, f2, f3):
        assert fig["data"] == [] and "未上线" in fig["layout"]["annotations"][0]["text"]
        assert fig["layout"]["xaxis"]["visible"] is False        # no blank axes
    metric = page("metric")
    fig = metric.trend({"metric": "checkin_rate", "period": "2022-06", "query": {}, "units": []})
    assert fig["data"] == [] and "未上线" in fig["layout"]["annotations"][0]["text"]


def test_callback_failure_is_a_chinese_message_not_a_trace(page, in_app):
    county = page("county")
    out = county.indicator_table({"code": "140802", "period": "not-a-period", "query": {}})
    body = texts(out)
    assert "生成失败" in body and "Traceback" not in body and "ValueError" not in body


def test_map_links_every_county_to_its_page(page, in_app):
    home = page("home")
    params = {"path": "/", "query": {"period": "2024-05"}, "period": "2024-05", "map": "non_arrest_rate"}
    fig, ranking = home.map_and_ranking(params)
    choropleths = [t for t in fig["data"] if t["type"] == "choropleth"]
    assert set(choropleths[0]["locations"]) == set(U.COUNTY_CODES)
    for code, link in zip(choropleths[0]["locations"], choropleths[0]["customdata"]):
        assert link == f"/county/{code}?period=2024-05"
    assert fig["layout"]["geo"]["visible"] is False and fig["layout"]["geo"]["fitbounds"] == "locations"
    assert str(choropleths[0]["geojson"]).endswith("/assets/geo/yuncheng.json")
    assert all(str(link).startswith("/county/") for link in ranking["data"][0]["customdata"])


# --------------------------------------------------------------------------- the /compare export

def _read_xlsx(data: bytes):
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_export_holds_the_rows_and_values_of_the_view(in_app, store, monkeypatch):
    monkeypatch.setenv("COCKPIT_RANKING", "on")          # the 县区排名 sheet exists only with ranking on
    from cockpit import exports
    from cockpit.components import compare_view as V
    view = V.build(Period.parse("2024Q1"), "core", store.latest_month)
    sheets = _read_xlsx(exports.to_xlsx(view))
    assert list(sheets) == [exports.SHEET_MATRIX, exports.SHEET_RANKING, exports.SHEET_DEFINITIONS]
    matrix = sheets[exports.SHEET_MATRIX]
    assert "2024年第1季度" in matrix[1][0]                               # the period
    header = matrix[exports.MATRIX_HEADER_ROW]
    assert header[:len(view.headers)] == view.headers and header[1] == "不捕率（%）"
    rows = matrix[exports.MATRIX_HEADER_ROW + 1:]
    assert [r[0] for r in rows] == [r.label for r in view.rows]
    for xrow, vrow in zip(rows, view.rows):
        for xcell, cell in zip(xrow[1:], vrow.cells):
            assert (xcell == cell.value) if cell.value is not None else (xcell == cell.text)
    # and the view agrees with the metric layer, rounded as displayed
    yanhu = next(r for r in view.rows if r.unit == "140802")
    raw = store.value("non_arrest_rate", "140802", "2024Q1")
    assert yanhu.cells[0].value == round(raw, 1)
    definitions = sheets[exports.SHEET_DEFINITIONS]
    assert definitions[0][:3] == ["指标", "口径", "计算公式"]
    assert [r[0] for r in definitions[1:]] == [METRIC_BY_ID[m].name for m in view.metrics]
    assert METRIC_BY_ID["non_arrest_rate"].definition in [r[1] for r in definitions[1:]]


def test_csv_export_has_chinese_headers_and_the_period(in_app, store):
    from cockpit import exports
    from cockpit.components import compare_view as V
    view = V.build(Period.parse("2024-03:ytd"), "arrest", store.latest_month)
    data = exports.to_csv(view)
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["统计期间"] + view.headers
    assert all(r[0] == "2024年1—3月" for r in rows[1:])
    assert [r[1] for r in rows[1:]] == [r.label for r in view.rows]


def test_not_live_cells_are_exported_as_text(in_app, store):
    from cockpit import exports
    from cockpit.components import compare_view as V
    view = V.build(Period.parse("2022-06"), "noncustody", store.latest_month)
    # every indicator of the group is on the non-custody platform (live from 2023-03)
    assert all(c.text == "未上线" and c.value is None for r in view.rows for c in r.cells)
    matrix = _read_xlsx(exports.to_xlsx(view))[exports.SHEET_MATRIX]
    assert matrix[exports.MATRIX_HEADER_ROW + 1][1] == "未上线"


# --------------------------------------------------------------------------- records

def test_records_are_masked_filtered_and_counted(demo_db_url):
    from cockpit.metrics.engine import make_engine
    from cockpit.metrics import records as R
    engine = make_engine(demo_db_url)
    try:
        page = R.list_records(engine, "arrest", "140802", "2024Q1", measure_id="arrest_not_approved",
                              equals={"risk_band": "低"})
        assert page.total > 0 and set(page.rows["decision"]) == {"不批准逮捕"}
        assert set(page.rows["risk_band"]) == {"低"}
        assert all("*" in n for n in page.rows["person_name"])
        assert all(len(i) == 18 and i[6:14] == "********" for i in page.rows["id_number"] if i)
        with engine.connect() as conn:
            n = conn.execute(text("SELECT COUNT(*) FROM stg_arrest WHERE unit_code = '140802' AND decision = "
                                  "'不批准逮捕' AND risk_band = '低' AND concluded_month BETWEEN '2024-01' AND "
                                  "'2024-03'")).scalar()
        assert page.total == n
        # personal columns can be neither searched nor grouped
        everyone = R.list_records(engine, "arrest", "140802", "2024Q1")
        assert R.list_records(engine, "arrest", "140802", "2024Q1", filters={"person_name": "王"}).total == \
            everyone.total
        with pytest.raises(ValueError):
            R.group_counts(engine, "arrest", ["person_name"])
        counts = R.group_counts(engine, "arrest", ["risk_band", "decision"], "CITY", "2024",
                                measure_id="arrest_assessed")
        store = MetricStore.load(engine)
        assert counts["n"].sum() == store.query(["arrest_assessed"], ["CITY"], "2024")["value"].iloc[0]
        items, assessed = R.item_frequencies(engine, "CITY", "2024")
        assert assessed == counts["n"].sum() and (items["n"] <= assessed).all() and len(items) <= 60
        assert items["name"].iloc[0] and items["part"].iloc[0] in R.ASSESSMENT_PARTS.values()
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- map asset

def test_browser_geojson_is_the_geo_file_rewound_for_plotly():
    from cockpit.components import county_map as M
    assert M.ASSET_PATH.read_text(encoding="utf-8") == M.browser_geojson(), \
        "assets/geo/yuncheng.json is stale: python -m cockpit.components.county_map"
    gj = json.loads(M.browser_geojson())
    src = json.loads((M.GEO_DIR / "yuncheng.json").read_text(encoding="utf-8"))
    assert [f["properties"] for f in gj["features"]] == [f["properties"] for f in src["features"]]
    for f in gj["features"]:
        ring = f["geometry"]["coordinates"][0]
        assert M._signed_area(ring) < 0          # clockwise exterior, as d3-geo wants


def test_notice_dataclass_is_hashable_text():
    assert Notice("x").level == "warning"
