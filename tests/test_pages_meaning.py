"""Issue 10 on the browser pages, item by item, on the small demo (in process, as in
tests/test_pages_units.py). Each test fails on the pages before the change (main edf18ce); its
docstring says how."""
from __future__ import annotations

import sys

import pytest

from cockpit.components import formatting as F
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, METRICS
from tests.test_metric_places import colour_classes, nodes, standings, text_of

YANHU = "140802"        # 盐湖区: the largest county (the largest counts)
OTHER = "140821"




@pytest.fixture
def page(app):
    with app.server.test_request_context("/"):
        yield lambda name: sys.modules[f"cockpit.pages.{name}"]


@pytest.fixture(scope="module")
def store(app):
    from cockpit import data
    return data.current().store


def _period(store) -> str:
    return str(store.data_month)


def _rows(table) -> dict:
    return {p["data-metric"]: p["children"] for p in nodes(table) if p.get("data-metric")}


# --------------------------------------------------------------------------- item 3

def test_item3_counts_are_not_ranked_coloured_or_compared_by_a_gap(page, store, monkeypatch):
    """Item 3: 批准逮捕人数 / 预警数 were red 13/13 for 盐湖区, 在管人数 got 最好/最差, "与全市差"
    compared a county with the city total, ranking axes ran to the city total. Fails before:
    the metric page's summary shows 最好/最差 for counts and its table a 与全市差 column, and the
    county comparison of a count draws the city total."""
    monkeypatch.setenv("COCKPIT_RANKING", "on")         # even with ranking on
    period = _period(store)
    county, metric = page("county"), page("metric")
    table, _ = county.indicator_table({"code": YANHU, "period": period, "query": {"period": period},
                                       "path": f"/county/{YANHU}", "drill": True})
    rows = _rows(table)
    counts = [m for m in METRICS if m.kind in ("count", "stock", "cumulative")]
    assert {"arrest_approved", "nc_warnings", "nc_under_supervision", "platforms", "duty_crime_transfers"} <= \
        {m.id for m in counts}
    for m in counts:
        row = rows[m.id]
        assert standings(row) == [] and colour_classes(row) == [], m.id
        assert "与全市差" not in text_of(row) and "个百分点" not in text_of(row)
    share = store.by_unit("arrest_approved", period).set_index("unit").loc[YANHU, "share_of_city"]
    assert f"占全市 {share:.1f}%" in text_of(rows["arrest_approved"])      # a count: its share of the city
    for mid in ("nc_under_supervision", "arrest_approved", "nc_warnings"):
        params = {"metric": mid, "period": period, "query": {"period": period}, "units": []}
        summary, unit_table = metric.summary(params), metric.unit_table(params)
        assert "最好" not in text_of(summary) and "最差" not in text_of(summary)
        assert "与全市差" not in text_of(unit_table) and "排名" not in text_of(unit_table)
        fig, _map = metric.ranking_and_map(params)
        city = store.value(mid, U.CITY, period)
        assert fig["layout"]["xaxis"]["range"][1] < city                      # not to the city total
        assert all(abs(float(s.get("x0", -1)) - city) > 1e-9 for s in fig["layout"].get("shapes", []))
        assert not any(y[:1].isdigit() for y in fig["data"][0]["y"])          # no rank numbers


# --------------------------------------------------------------------------- item 9

def test_item9_bottom_three_means_the_last_three(page, store, monkeypatch):
    """Item 9: "1 项位列后三" counted an item ranked 1/2, and the red pills marked the bottom
    third. Fails before: rank 1 of 2 was counted among the last three, rank 10 of 13 was red."""
    monkeypatch.setenv("COCKPIT_RANKING", "on")
    m = METRIC_BY_ID["plea_rate"]
    assert F.rank_tone(m, 10, 13) == "flat" and F.rank_tone(m, 11, 13) == "bad"
    assert F.rank_tone(m, 1, 2) == "good" and F.rank_tone(m, 2, 2) != "bad"
    county = page("county")
    period = _period(store)
    real = county.by_unit_rows

    def one_of_two(p, metrics=None):
        rows = real(p, metrics)
        rows = {mid: dict(units) for mid, units in rows.items()}
        for mid, units in rows.items():
            units[YANHU] = dict(units[YANHU])
            if METRIC_BY_ID[mid].comparable and units[YANHU]["status"] == "ok" and not units[YANHU]["flag"]:
                units[YANHU].update(rank=1, rank_of=2)     # first of two: first, not among the last three
        return rows
    monkeypatch.setattr(county, "by_unit_rows", one_of_two)
    table, summary = county.indicator_table({"code": YANHU, "period": period, "query": {"period": period},
                                             "path": f"/county/{YANHU}", "drill": True, "case": "1of2"})
    text = text_of(summary)
    assert "，0项位列后三" in text.replace(" ", "")
    assert not [c for c in colour_classes(table) if "tone-bad" in c and "rank-badge" in c]


def test_item9_summary_with_ranking_off_is_against_the_median(page, store, monkeypatch):
    """Item 9 with ranking off: "n 项低于县区中位数（按指标方向）", listing them, over comparable
    unflagged values only. Fails before: the summary spoke of ranks (位列前三/后三)."""
    monkeypatch.delenv("COCKPIT_RANKING", raising=False)
    county = page("county")
    period = _period(store)
    _table, summary = county.indicator_table({"code": YANHU, "period": period, "query": {"period": period},
                                              "path": f"/county/{YANHU}", "drill": True})
    text = text_of(summary).replace(" ", "")
    below = []
    for m in METRICS:
        r = store.by_unit(m.id, period).set_index("unit").loc[YANHU]
        if not m.comparable or r["status"] != "ok" or r["flag"] or r["county_median"] is None:
            continue
        v, med = round(r["value"], m.decimals), round(r["county_median"], m.decimals)
        if (v < med) if m.better_when_higher else (v > med):
            below.append(m.short)
    assert f"{len(below)}项低于县区中位数（按指标方向）" in text
    for short in below:
        assert short in text
    assert "位列" not in text and "排名" not in text


# --------------------------------------------------------------------------- item 10

@pytest.fixture
def county_user(monkeypatch):
    from cockpit.auth import context, roles
    from cockpit.auth.models import Principal
    who = Principal("c1", roles.COUNTY, YANHU)
    monkeypatch.setattr(context, "current_principal", lambda: who)
    return who


def test_item10_a_county_users_records_title_names_its_unit(page, county_user):
    """Item 10: /platform/arrest said "明细记录 · 全市" to a county user who sees only 盐湖区's
    records. Fails before: the title said 全市."""
    for name in ("platform_arrest", "platform_noncustody", "models"):
        text = text_of(page(name).layout())
        assert "明细记录 · 盐湖区（本院）" in text, name
        assert "明细记录 · 全市" not in text
    text = text_of(page("county").layout(code=YANHU))
    assert "明细记录 · 盐湖区" in text


def test_item10_no_records_links_to_another_units_records(page, store, county_user):
    """Item 10: the 明细 links of another county's page led a county user to 无权查看. Fails
    before: the links were there."""
    layout = page("county").layout(code=OTHER)
    params = next(p["data"] for p in nodes(layout) if p.get("id") == "cty-params")
    assert params["drill"] is False
    table, _ = page("county").indicator_table(params)
    assert "明细" not in text_of(table)
    own = next(p["data"] for p in nodes(page("county").layout(code=YANHU)) if p.get("id") == "cty-params")
    table, _ = page("county").indicator_table(own)
    assert "明细" in text_of(table)


@pytest.mark.browser
def test_item10_the_scope_in_the_browser(demo_db_url, tmp_path, open_page):
    """Item 10 in Chromium, after a leader has opened the same page (layouts are cached): the
    county user's records title names its unit; "/" lands on its county page. Fails before:
    "明细记录 · 全市", and "/" showed 全市总览."""
    from browser_support import running_app, wait_for_dash
    with running_app(tmp_path, demo_db_url) as srv:
        leader = open_page(1366, 900, server=srv)
        leader.page.goto(srv + "/platform/arrest")
        wait_for_dash(leader.page)
        assert "明细记录 · 全市" in leader.page.locator("#records").inner_text()
        county = open_page(1366, 900, server=srv, role="county")
        county.page.goto(srv + "/")
        wait_for_dash(county.page)
        assert county.page.url.endswith(f"/county/{YANHU}")
        county.page.goto(srv + "/platform/arrest")
        wait_for_dash(county.page)
        title = county.page.locator("#records .section-title").inner_text()
        assert title == "明细记录 · 盐湖区（本院）"
        leader.check_clean()
        county.check_clean()


# --------------------------------------------------------------------------- item 12

def test_item12_ranking_is_off_by_default(page, store, monkeypatch):
    """Item 12: ranks, league tables and 优劣 colours are a setting, off by default. Fails
    before: the home chart was a league table sorted by value, without the county spread."""
    monkeypatch.delenv("COCKPIT_RANKING", raising=False)
    period = _period(store)
    home = page("home")
    _map, fig = home.map_and_ranking({"path": "/", "query": {"period": period}, "period": period,
                                      "map": "non_arrest_rate", "default": 1})
    trace = fig["data"][0]
    assert trace["type"] == "bar" and fig["layout"]["xaxis"]["range"][0] == 0     # bars from zero
    assert trace["y"] == [U.label(c) for c in sorted(U.COUNTY_CODES)]              # a fixed order
    assert len(set(trace["marker"]["color"]) - {"rgba(255,255,255,0)"}) == 1       # one colour
    f = store.by_unit("non_arrest_rate", period).set_index("unit").loc[U.CITY]
    shapes = fig["layout"]["shapes"]
    assert any(s["type"] == "rect" and abs(s["x0"] - f["county_q1"]) < 1e-9 and abs(s["x1"] - f["county_q3"]) < 1e-9
               for s in shapes)                                                      # the spread
    assert {round(s["x0"], 6) for s in shapes if s["type"] == "line"} == \
        {round(f["city_value"], 6), round(f["county_median"], 6)}                    # city, median
    table, _ = page("county").indicator_table({"code": YANHU, "period": period, "query": {"period": period},
                                               "path": f"/county/{YANHU}", "drill": True})
    assert standings(table) == [] and "排名" not in text_of(table)
    compare = page("compare")
    cparams = {"path": "/compare", "query": {}, "period": period, "group": "core", "units": [U.CITY, YANHU],
               "sort": None}
    assert standings(compare.ranking(cparams)) == [] and "县区中位数" in text_of(compare.ranking(cparams))
    # on: ranks come back, for comparable unflagged values only
    monkeypatch.setenv("COCKPIT_RANKING", "on")
    _map, fig = home.map_and_ranking({"path": "/", "query": {"period": period}, "period": period,
                                      "map": "non_arrest_rate", "default": 2})
    labels = fig["data"][0]["y"]
    assert labels[0].startswith("1. ")
    table, _ = page("county").indicator_table({"code": YANHU, "period": period, "query": {"period": period},
                                               "path": f"/county/{YANHU}", "drill": True})
    assert "排名" in text_of(table)
    for mid, row in _rows(table).items():
        if standings(row):
            assert METRIC_BY_ID[mid].comparable, mid
