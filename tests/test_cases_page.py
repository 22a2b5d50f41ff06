"""监督案件来源 `/cases` (issue 12 item 4, 三个结构比之案件来源结构): every figure on the page is the
MetricStore's value for the demo; the three source shares and the big-data share are neither
ranked nor coloured better/worse; the 口径 come from the catalog, with the note that
大数据线索数 ÷ 线索受理数 needs an export the contracts do not carry."""
from __future__ import annotations

import sys

import pytest

from cockpit.components import formatting as F
from cockpit.metrics import units as U
from cockpit.metrics.catalog import GROUPS, METRIC_BY_ID
from cockpit.metrics.periods import Period
from tests.test_metric_places import colour_classes, nodes, standings, text_of

SHARES = ("case_source_procedure", "case_source_application", "case_source_initiative")


@pytest.fixture
def page(app):
    with app.server.test_request_context("/"):
        yield sys.modules["cockpit.pages.cases"]


@pytest.fixture(scope="module")
def store(app):
    from cockpit import data
    return data.current().store


def _params(store) -> dict:
    period = str(Period.ytd(store.data_month))
    return {"path": "/cases", "query": {"period": period}, "period": period}


def test_the_group_is_declared_and_the_shares_are_neutral():
    assert GROUPS["cases"] == ("sup_cases", "big_data_case_share", *SHARES)
    for mid in SHARES:
        m = METRIC_BY_ID[mid]
        assert m.direction == "neutral" and not m.comparable and not F.ranks_shown(m)


def test_the_table_equals_the_metric_store(page, store):
    params = _params(store)
    period = Period.parse(params["period"])
    table = page.table(params)
    rows = [p for p in nodes(table) if p.get("data-unit")]
    # 全市 first, then every unit in unit-code order (never re-ordered by a value)
    assert [r["data-unit"] for r in rows] == [U.CITY] + sorted(U.UNIT_CODES)
    checked = 0
    for r in rows:
        cells = {p["data-metric"]: text_of(p.get("children")) for p in nodes(r["children"]) if p.get("data-metric")}
        assert set(cells) == {"sup_cases", "big_data_case_share", *SHARES}
        for mid, text in cells.items():
            row = store.query(mid, r["data-unit"], period).iloc[0]
            assert text == F.value_text(METRIC_BY_ID[mid], row["value"], row["status"], row["flag"]), (r, mid)
            checked += row["status"] == "ok"
    assert checked > 40
    # the city's shares add up to 100 % and its cases are the sum of the units'
    city = {mid: store.value(mid, U.CITY, period) for mid in SHARES}
    assert sum(city.values()) == pytest.approx(100.0)
    assert store.value("sup_cases", U.CITY, period) == pytest.approx(
        sum(store.value("sup_cases", c, period) or 0 for c in U.UNIT_CODES))
    assert not standings(table) and not colour_classes(table)
    assert "排名" not in text_of(table).replace("不排名", "")


def test_the_cards_are_the_groups_metrics_uncoloured(page, store):
    cards = page.cards(_params(store))
    seen = [c[7:] for p in nodes(cards) for c in str(p.get("className") or "").split() if c.startswith("metric-")]
    assert set(seen) == set(GROUPS["cases"])
    assert not standings(cards)
    # the counts and the three neutral shares: no 优劣 colour (大数据成案占比 is declared with a
    # direction, so its own 同比 keeps its tone, as on every page — docs/decisions.md)
    for p in nodes(cards):
        mids = [c[7:] for c in str(p.get("className") or "").split() if c.startswith("metric-")]
        if mids and not METRIC_BY_ID[mids[0]].comparable:
            assert not colour_classes(p.get("children")), mids


def test_the_bars_and_the_trend_are_the_stores_values(page, store):
    params = _params(store)
    period = Period.parse(params["period"])
    bars, trend = page.charts(params)
    traces = bars["data"]
    assert [t["name"] for t in traces] == [METRIC_BY_ID[m].short for m in SHARES]
    rows = page.unit_rows(store, period)
    shown = [r for r in rows if r["sup_cases"]]
    assert [r["unit"] for r in shown][0] == U.CITY
    for t, mid in zip(traces, SHARES):
        assert t["orientation"] == "h" and len(t["x"]) == len(shown)
        for x, r in zip(t["x"], shown):
            want = store.value(mid, r["unit"], period)
            assert (x is None and want is None) or x == pytest.approx(F.rounded(METRIC_BY_ID[mid], want)), (mid, r)
        # one colour per source: never a colour per value (no 优劣)
        assert isinstance(t["marker"]["color"], str)
    assert bars["layout"]["barmode"] == "stack" and bars["layout"]["xaxis"]["range"] == [0, 100]
    # every bar's label carries its big-data share, as the store has it
    for label, r in zip(traces[0]["y"], shown):
        big = store.query("big_data_case_share", r["unit"], period).iloc[0]
        if big["status"] == "ok":
            m = METRIC_BY_ID["big_data_case_share"]
            mark = F.flag_text(m, big["flag"])
            assert label == f"{r['label']}<br>大数据 {F.fmt_value(m, big['value'])}{'·' + mark if mark else ''}"
    # the trend: the city's big-data share month by month up to the data month
    series = store.series("big_data_case_share", U.CITY, None, store.data_month).tail(24)
    line = trend["data"][0]
    got = dict(zip([str(x)[:7] for x in line["x"]], line["y"]))
    assert str(line["x"][-1])[:7] == store.data_month
    for month, v, st in zip(series["month"], series["value"], series["status"]):
        if st == "ok" and month in got and got[month] is not None:
            assert got[month] == pytest.approx(v, abs=0.051)


def test_the_notes_carry_the_catalogs_kouj_and_the_missing_intake(page):
    text = text_of(page.notes())
    for mid in GROUPS["cases"]:
        assert METRIC_BY_ID[mid].definition in text
    assert "线索受理数" in text and "尚未包含" in text
