"""Why did it move (issue 13 item 2): a change split into the units' contributions, and for a
rate into the rate and the mix effect (cockpit.metrics.decompose, MetricStore.explain_change,
the 变动分解 section of /metric/<id>).

Acceptance: the decomposition sums to the change exactly, for every indicator, unit set and
period — property tests on random per-unit sums (every metric of the catalog, every kind) and
on random stores (every period kind, 同比 and 环比); given/expect on a hand example; the totals
equal the store's own 同比/环比 on the demo; the page shows it."""
from __future__ import annotations

import math
import sys
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, METRICS, PER_CAPITA, PER_CAPITA_BASIS
from cockpit.metrics.decompose import IMMATURE, NO_BASE, NO_VALUE, SMALL, decompose, populations
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, add_months, month_ordinal
from cockpit.metrics.query import MetricStore

SETTINGS = settings(max_examples=150, deadline=None)
YANHU, LINYI = "140802", "140821"


def exact_value(metric, nums, dens, units):
    """The group's value in rationals, computed independently of the module."""
    scale = Fraction(metric.scale)
    N = sum((Fraction(x) for x in nums), Fraction(0))
    if not metric.is_ratio:
        return scale * N
    if metric.kind == PER_CAPITA:
        dens = populations(units)
        scale *= PER_CAPITA_BASIS
    D = sum((Fraction(x) for x in dens), Fraction(0))
    return None if D == 0 else scale * N / D


# --------------------------------------------------------------------------- the pure function

@st.composite
def unit_sums(draw):
    """A metric of any kind, a unit set, and per unit (n, d) in two periods: zeros, units absent
    in one period (0, 0), n ≤ d for a bounded rate; integers or (for amounts) fractional."""
    kind = draw(st.sampled_from(sorted({m.kind for m in METRICS})))     # every kind equally often
    metric = draw(st.sampled_from([m for m in METRICS if m.kind == kind]))
    units = draw(st.lists(st.sampled_from(U.UNIT_CODES), min_size=1, max_size=14, unique=True))
    amount = st.integers(0, 5000) | st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
    count = amount if MEASURE_BY_ID[metric.numerator].unit == "元" else st.integers(0, 5000)

    def cell():
        absent = draw(st.booleans()) and draw(st.booleans())     # about a quarter of the units
        if absent:
            return 0, 0
        d = draw(st.integers(0, 5000))
        n = draw(st.integers(0, d)) if metric.bounded else draw(count)
        return n, d

    base = [cell() for _ in units]
    cur = [cell() for _ in units]
    return metric, units, base, cur


@SETTINGS
@given(unit_sums())
def test_contributions_sum_exactly_to_the_change_for_every_metric(case):
    metric, units, base, cur = case
    n0, d0 = [n for n, _ in base], [d for _, d in base]
    n1, d1 = [n for n, _ in cur], [d for _, d in cur]
    res = decompose(metric, units, n0, n1, d0, d1, check=False)
    v0, v1 = exact_value(metric, n0, d0, units), exact_value(metric, n1, d1, units)
    event(f"{metric.kind}: {'refused ' + res.refused if res.refused else 'split'}")
    if v0 is None or v1 is None:
        assert res.refused == NO_VALUE and res.units == () and res.change is None
        return
    if metric.kind == "rate" and metric.min_sample and min(sum(d0), sum(d1)) < metric.min_sample:
        assert res.refused == SMALL and res.units == ()
        return
    assert res.ok, res.reason
    # exact: in rationals, Σ contributions = the change = v1 − v0, and rate + mix = contribution
    assert res.exact_change == v1 - v0
    assert sum((u.exact[0] for u in res.units), Fraction(0)) == v1 - v0
    for u in res.units:
        if metric.is_ratio:
            assert u.exact[1] + u.exact[2] == u.exact[0]
        else:
            assert u.exact[1] is None and u.rate_effect is None and u.mix_effect is None
    # and in floats, to 1e-9 relative
    floats = [u.contribution for u in res.units]
    size = max(1.0, math.fsum(abs(c) for c in floats))
    assert abs(math.fsum(floats) - res.change) <= 1e-9 * size
    assert res.change == pytest.approx(float(v1 - v0), rel=1e-12, abs=1e-12)
    if metric.is_ratio:
        for u in res.units:
            assert abs(u.rate_effect + u.mix_effect - u.contribution) <= 1e-9 * max(1.0, abs(u.contribution))
    res.check()
    frame = res.frame()
    assert list(frame["unit"][:-1]) == list(units)                      # the order given, no sorting
    assert frame["contribution"].iloc[-1] == res.change


@SETTINGS
@given(unit_sums())
def test_a_unit_whose_rate_and_share_are_unchanged_contributes_nothing(case):
    """Stability: a unit with the same (n, d) in both periods while the others' total
    denominator is unchanged has no contribution; a per-capita rate never has a mix effect."""
    metric, units, base, cur = case
    cur = list(cur)
    cur[0] = base[0]
    if metric.is_ratio and metric.kind != PER_CAPITA:   # keep the total denominator
        rest0 = sum(d for _, d in base[1:])
        rest1 = sum(d for _, d in cur[1:])
        if rest0 != rest1:
            return
    res = decompose(metric, units, [n for n, _ in base], [n for n, _ in cur], [d for _, d in base],
                    [d for _, d in cur])
    if not res.ok:
        return
    assert res.units[0].exact[0] == 0
    if metric.kind == PER_CAPITA:
        assert all(u.exact[2] == 0 for u in res.units)


def test_hand_example_rate_and_mix_effects():
    """Two units. 盐湖区 10/100 → 20/100 (its rate doubles, its share of the denominator halves),
    临猗县 30/100 → 90/300 (the same 30 %, its share rises to ¾). The city 20 % → 27.5 %:
    +7.5 points. Mean city rate R̄ = (20 % + 27.5 %)/2 = 23.75 %."""
    m = METRIC_BY_ID["non_arrest_rate"]
    res = decompose(m, [YANHU, LINYI], [10, 30], [20, 90], [100, 100], [100, 300])
    assert (res.base_value, res.current_value) == (20.0, 27.5)
    assert res.exact_change == Fraction(15, 2)
    yanhu, linyi = res.units
    # 盐湖区: rate effect (0.2 − 0.1) × (0.5 + 0.25)/2 × 100 = +3.75;
    #         mix (0.25 − 0.5) × ((0.1 + 0.2)/2 − 0.2375) × 100 = +2.1875 (a below-average rate losing weight)
    assert yanhu.exact == (Fraction(95, 16), Fraction(15, 4), Fraction(35, 16))
    assert yanhu.rate_effect == 3.75 and yanhu.mix_effect == 2.1875 and yanhu.contribution == 5.9375
    # 临猗县: rate unchanged; mix (0.75 − 0.5) × (0.3 − 0.2375) × 100 = +1.5625 (an above-average rate gaining weight)
    assert linyi.exact == (Fraction(25, 16), Fraction(0), Fraction(25, 16))
    assert yanhu.contribution + linyi.contribution == 7.5
    assert (yanhu.base_value, yanhu.current_value, linyi.base_value, linyi.current_value) == (10.0, 20.0, 30.0, 30.0)
    assert (yanhu.share_base, yanhu.share_current) == (0.5, 0.25)
    assert (res.num_base, res.num_current, res.den_base, res.den_current) == (40, 110, 200, 400)
    assert res.unit_of_change == "百分点"
    frame = res.frame()
    assert frame.iloc[-1].to_dict() == {
        "unit": "TOTAL", "unit_label": "合计", "base_value": 20.0, "current_value": 27.5, "contribution": 7.5,
        "rate_effect": 3.75, "mix_effect": 3.75, "num_base": 40.0, "num_current": 110.0, "den_base": 200.0,
        "den_current": 400.0, "share_base": 1.0, "share_current": 1.0}


def test_a_unit_absent_in_the_base_enters_as_a_mix_effect():
    """A unit without a denominator in the base period has no rate there: it is taken at its
    current rate, so its entry is all mix effect. A numerator booked over a zero denominator
    (市院本级's arrests without prosecutions) still moves the city's value: a rate effect.
    盐湖区 40/100 → 40/100, 临猗县 absent → 10/25, 市院本级 3/0 → 0/0: 43 % → 40 %, R̄ = 41.5 %."""
    m = METRIC_BY_ID["pretrial_detention_rate"]
    res = decompose(m, [YANHU, LINYI, U.CITY_OFFICE], [40, 0, 3], [40, 10, 0], [100, 0, 0], [100, 25, 0])
    yanhu, linyi, city_office = res.units
    assert res.base_value == pytest.approx(43.0) and res.current_value == pytest.approx(40.0)
    assert linyi.base_value is None and linyi.current_value == pytest.approx(40.0)
    # 临猗县 enters with a fifth of the denominator at 40 %, below the mean 41.5 %: 0.2 × (0.4 − 0.415) × 100
    assert linyi.exact == (Fraction(-3, 10), Fraction(0), Fraction(-3, 10))
    # 盐湖区 keeps its 40 % and gives up a fifth of the weight: −0.2 × (0.4 − 0.415) × 100
    assert yanhu.exact == (Fraction(3, 10), Fraction(0), Fraction(3, 10))
    assert city_office.exact == (Fraction(-3), Fraction(-3), Fraction(0))
    assert city_office.base_value is None                       # 3 ÷ 0: no rate of its own
    assert res.exact_change == Fraction(-3)
    res.check()


def test_a_count_is_split_into_the_units_own_changes():
    m = METRIC_BY_ID["arrest_concluded"]
    res = decompose(m, [YANHU, LINYI], [120, 40], [100, 70])
    assert [u.contribution for u in res.units] == [-20.0, 30.0]
    assert res.change == 10.0 and res.unit_of_change == "人"
    amount = decompose(METRIC_BY_ID["nc_bail_amount"], [YANHU], [150_000], [250_000])
    assert amount.change == pytest.approx(10.0)                  # 万元: the scale applies


def test_refusals_say_why_in_chinese():
    m = METRIC_BY_ID["suggestion_adoption_rate"]
    res = decompose(m, [YANHU], [10], [12], [40], [40], immature=True)
    assert res.refused == IMMATURE and res.units == () and res.change is None
    assert "办理中" in res.reason and res.frame().empty and res.frame().attrs["reason"] == res.reason
    small = decompose(METRIC_BY_ID["non_arrest_rate"], [YANHU], [1], [2], [5], [30])
    assert small.refused == SMALL and "样本少" in small.reason
    none = decompose(METRIC_BY_ID["non_arrest_rate"], [YANHU], [0], [2], [0], [30])
    assert none.refused == NO_VALUE and "分母为0" in none.reason
    city_office = decompose(METRIC_BY_ID["arrests_per_100k"], [U.CITY_OFFICE], [3], [5])
    assert city_office.refused == NO_VALUE                        # no population of its own


# --------------------------------------------------------------------------- the store

FLOW = ("non_arrest_rate", "rec_adoption_rate", "arrests_per_100k", "arrest_concluded", "nc_under_supervision",
        "abscond_rate", "suggestion_adoption_rate", "nc_bail_amount")


@st.composite
def store_case(draw):
    """Random facts of one metric on some units over 15–27 months after its launch; a period of
    any kind; 同比 or 环比; a unit set that holds every unit with facts (so the set's value is
    全市's, which `query` reports) and maybe more."""
    metric = METRIC_BY_ID[draw(st.sampled_from(FLOW))]
    kind = draw(st.sampled_from(["month", "quarter", "year", "ytd", "r12"]))
    start = add_months(metric.launch, 12)
    end = add_months(start, draw(st.integers(14, 26)))
    months = [add_months(start, k) for k in range(month_ordinal(end) - month_ordinal(start) + 1)]
    period = Period.containing(kind, draw(st.sampled_from(months[13:])))
    with_facts = draw(st.lists(st.sampled_from(U.UNIT_CODES), min_size=1, max_size=6, unique=True))
    extra = draw(st.lists(st.sampled_from(U.UNIT_CODES), max_size=14, unique=True))
    units = [u for u in U.UNIT_CODES if u in set(with_facts) | set(extra)]
    if metric.kind == PER_CAPITA:      # every unit adds its population: only all of them make 全市
        units = list(U.UNIT_CODES)
    rows = []
    for u in with_facts:
        for mo in months:
            if draw(st.integers(0, 4)) == 0:
                continue                                         # a missing row is 0
            d = draw(st.integers(0, 60))
            n = draw(st.integers(0, d))
            rows.append((u, mo, metric.numerator, n))
            if metric.denominator:
                rows.append((u, mo, metric.denominator, d))
    against = draw(st.sampled_from(["previous", "year"]))
    return metric, period, units, rows, against


@settings(max_examples=60, deadline=None)
@given(store_case())
def test_the_store_splits_exactly_the_change_query_reports(case):
    """For random facts, any period kind, 同比 or 环比 and any unit set: the decomposition is given
    exactly where `query` reports a change, its total is that change, and it sums exactly."""
    metric, period, units, rows, against = case
    store = MetricStore.from_frames(pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"]))
    ref = store.query(metric.id, U.CITY, period).iloc[0]["yoy_change" if against == "year" else "pop_change"]
    d = store.decomposition(metric.id, period, against, units)
    frame = store.explain_change(metric.id, period, against, units)
    event("compared" if ref is not None else f"refused: {d.refused}")
    if ref is None:
        assert not d.ok and frame.empty and frame.attrs["reason"]
        if against == "previous" and period.kind == "ytd":
            assert d.refused == NO_BASE
        return
    assert d.ok, d.reason
    assert d.change == pytest.approx(ref, rel=1e-9, abs=1e-9)
    d.check()
    assert list(frame["unit"][:-1]) == units
    assert frame.iloc[-1]["unit"] == (U.CITY if len(units) == 14 else "TOTAL")
    assert math.fsum(frame["contribution"][:-1]) == pytest.approx(frame["contribution"].iloc[-1], rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- the demo store

DEMO_METRICS = ("non_arrest_rate", "pretrial_detention_rate", "plea_rate", "arrests_per_100k", "arrest_concluded",
                "nc_under_supervision", "abscond_rate", "platforms", "suggestion_adoption_rate")


def test_on_the_demo_the_totals_are_the_store_changes(demo_store):
    store = demo_store
    dm = store.data_month
    periods = [Period.month(dm), Period.containing("quarter", dm), Period.year(2023), Period.ytd(dm),
               Period.month(add_months(dm, -13))]
    checked = 0
    for mid in DEMO_METRICS:
        for period in periods:
            city = store.query(mid, U.CITY, period).iloc[0]
            for against, col in (("previous", "pop_change"), ("year", "yoy_change")):
                frame = store.explain_change(mid, period, against)
                expected = city[col]
                if expected is None:
                    assert frame.empty and frame.attrs["reason"], (mid, period, against)
                    continue
                checked += 1
                total = frame.iloc[-1]
                assert total["unit"] == U.CITY and total["unit_label"] == "全市"
                assert list(frame["unit"][:-1]) == list(U.UNIT_CODES)
                assert total["contribution"] == pytest.approx(expected, rel=1e-9, abs=1e-9), (mid, period, against)
                base = period.year_ago() if against == "year" else period.previous()
                if period.is_complete(dm):
                    assert total["current_value"] == pytest.approx(store.value(mid, U.CITY, period))
                    assert total["base_value"] == pytest.approx(store.value(mid, U.CITY, base))
                    assert total["contribution"] == pytest.approx(
                        store.value(mid, U.CITY, period) - store.value(mid, U.CITY, base), rel=1e-9, abs=1e-9)
                assert math.fsum(frame["contribution"][:-1]) == pytest.approx(total["contribution"], abs=1e-9)
                if METRIC_BY_ID[mid].is_ratio:
                    assert total["num_current"] == city["numerator"] and total["den_current"] == city["denominator"]
                    assert math.fsum(frame["rate_effect"][:-1]) + math.fsum(frame["mix_effect"][:-1]) == \
                        pytest.approx(total["contribution"], abs=1e-9)
    assert checked >= 20
    # the counties alone: their total is 基层院合计's change
    frame = store.explain_change("non_arrest_rate", Period.year(2023), "year", U.COUNTIES)
    row = store.query("non_arrest_rate", U.COUNTIES, Period.year(2023)).iloc[0]
    assert frame.iloc[-1]["unit"] == U.COUNTIES
    assert frame.iloc[-1]["contribution"] == pytest.approx(row["yoy_change"])
    assert U.CITY_OFFICE not in set(frame["unit"])


def test_on_the_demo_an_immature_period_is_refused(demo_store):
    """检察建议采纳率 declares 3 months of maturity: the data month's change is not compared."""
    frame = demo_store.explain_change("suggestion_adoption_rate", demo_store.data_month, "previous")
    assert frame.empty and frame.attrs["refused"] == IMMATURE and "办理中" in frame.attrs["reason"]
    assert demo_store.query("suggestion_adoption_rate", U.CITY, demo_store.data_month).iloc[0]["pop_change"] is None


# --------------------------------------------------------------------------- the page

def test_the_metric_page_shows_the_decomposition(app):
    from tests.test_metric_places import nodes, text_of
    from cockpit import data
    with app.server.test_request_context("/"):
        page = sys.modules["cockpit.pages.metric"]
        store = data.current().store
        period = str(Period.year(2023))
        layout = page.layout(metric_id="non_arrest_rate", period=period, against="year")
        assert "变动分解" in text_of(layout)
        assert {"previous", "year"} <= {o["value"] for p in nodes(layout) for o in (p.get("options") or [])
                                        if isinstance(o, dict)}
        bad = page.layout(metric_id="non_arrest_rate", against="nope")
        assert "无法识别的对比方式“nope”" in text_of(bad)
        ytd = page.layout(metric_id="non_arrest_rate", period=f"{store.data_month}:ytd")
        params_of = next(p["data"] for p in nodes(ytd) if p.get("id") == "met-params")
        assert params_of["against"] == "year"                       # a year-to-date has only 同比
        params = {"metric": "non_arrest_rate", "period": period, "query": {"period": period}, "units": [],
                  "against": "year"}
        out = page.decomposition(params)
        text = text_of(out)
        frame = store.explain_change("non_arrest_rate", period, "year")
        change = frame.iloc[-1]["contribution"]
        verb = "上升" if change > 0 else "下降"
        assert f"不捕率较上年同期（2022年）{verb} {abs(change):.1f} 个百分点" in text
        assert "比率效应" in text and "结构效应" in text and "其中" in text
        assert "不批准逮捕" in text                                  # the numerator's own change beside it
        for word in ("排名", "最好", "最差", "第1"):
            assert word not in text
        fig = next(p["figure"] for p in nodes(out) if p.get("id") == "met-decomposition-chart")
        labels = list(fig["data"][0]["y"])
        assert labels == [U.label(c) for c in U.UNIT_CODES]          # unit-code order, Chinese labels
        assert fig["layout"]["font"]["size"] >= 14 and fig["layout"]["yaxis"]["tickfont"]["size"] >= 14
        table = next(p for p in nodes(out) if p.get("id") == "met-decomposition-table")
        assert "全市" in text_of(table) and "tone-" not in str(table)
        # a count: one neutral bar, no rate/mix
        count = page.decomposition({**params, "metric": "arrest_concluded"})
        cfig = next(p["figure"] for p in nodes(count) if p.get("id") == "met-decomposition-chart")
        assert len(cfig["data"]) == 1 and "比率效应" not in text_of(count)
        # an immature period: hidden, with a note
        dm = store.data_month
        immature = page.decomposition({**params, "metric": "suggestion_adoption_rate", "period": dm,
                                       "query": {"period": dm}, "against": "previous"})
        assert "不作分解" in text_of(immature) and "办理中" in text_of(immature)
        assert not any(p.get("id") == "met-decomposition-chart" for p in nodes(immature))
