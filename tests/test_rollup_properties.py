"""Property tests of the roll-up rules on random non-negative integer facts.

(a) a group's rate is Σnumerators ÷ Σdenominators over its units;
(b) a quarter's numerator and denominator are the sums of its three months';
(c) a stock is not summed over time: a quarter's value is its last month's;
(d) a month before launch is 未上线 whatever the facts say;
(e) a year's count is the sum of its 12 months'.
"""
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.metrics.catalog import METRICS
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, add_months, month_ordinal
from cockpit.metrics.query import MetricStore
from cockpit.metrics.units import CITY, COUNTIES, COUNTY_CODES, UNIT_CODES

SETTINGS = settings(max_examples=60, deadline=None)


def aggs(metric):
    return [MEASURE_BY_ID[m].time_agg for m in metric.measures]


FLOW_RATIOS = sorted(m.id for m in METRICS if m.is_ratio and aggs(m) == ["sum", "sum"])
FLOW_COUNTS = sorted(m.id for m in METRICS if not m.is_ratio and aggs(m) == ["sum"])
BY_ID = {m.id: m for m in METRICS}

counts = st.integers(min_value=0, max_value=1000)
units = st.sampled_from(UNIT_CODES)


def store(rows) -> MetricStore:
    return MetricStore.from_frames(pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"]))


def month_after(launch: str, max_offset: int = 30):
    return st.integers(min_value=0, max_value=max_offset).map(lambda k: add_months(launch, k))


def quarter_from(launch: str):
    """A quarter that starts at or after `launch`."""
    o = month_ordinal(launch)
    first = o + (-o) % 3          # first quarter-start month at or after launch
    return st.integers(min_value=0, max_value=10).map(lambda k: Period("quarter", add_months(add_months(launch, first - o), 3 * k + 2)))


def one(df, unit):
    r = df[df["unit"] == unit]
    assert len(r) == 1
    return r.iloc[0]


def nz(x):
    return 0 if x is None else x


# --- (a) ------------------------------------------------------------------------------------

@st.composite
def ratio_month_case(draw):
    metric = BY_ID[draw(st.sampled_from(FLOW_RATIOS))]
    month = draw(month_after(metric.launch))
    cells = draw(st.dictionaries(units, st.tuples(counts, counts), min_size=1))
    return metric, month, cells


@SETTINGS
@given(ratio_month_case())
def test_a_group_rate_is_the_ratio_of_summed_numerators_and_denominators(case):
    metric, month, cells = case
    rows = []
    for u, (n, d) in cells.items():
        rows += [(u, month, metric.numerator, n), (u, month, metric.denominator, d)]
        rows += [(u, add_months(month, 1), metric.numerator, 7 * n + 1)]   # another month: ignored
    df = store(rows).query(metric.id, [CITY, COUNTIES, *UNIT_CODES], month)
    for group, members in ((CITY, UNIT_CODES), (COUNTIES, COUNTY_CODES)):
        num = sum(cells[u][0] for u in members if u in cells)
        den = sum(cells[u][1] for u in members if u in cells)
        r = one(df, group)
        assert (r["numerator"], r["denominator"]) == (num, den)
        if den > 0 and metric.bounded and num > den:
            assert r["status"] == "not_applicable" and r["value"] is None   # never "325 %"
        elif den > 0:
            assert r["status"] == "ok"
            assert r["value"] == pytest.approx(metric.scale * num / den)
        else:
            assert r["status"] == "no_data" and r["value"] is None
    for u in UNIT_CODES:
        n, d = cells.get(u, (0, 0))
        r = one(df, u)
        assert (r["numerator"], r["denominator"]) == (n, d)
        bounded_out = metric.bounded and n > d
        assert r["value"] == (pytest.approx(metric.scale * n / d) if d and not bounded_out else None)


# --- (b) ------------------------------------------------------------------------------------

@st.composite
def ratio_quarter_case(draw):
    metric = BY_ID[draw(st.sampled_from(FLOW_RATIOS))]
    quarter = draw(quarter_from(metric.launch))
    cells = draw(st.dictionaries(st.tuples(units, st.sampled_from(quarter.months())),
                                 st.tuples(counts, counts), min_size=1))
    return metric, quarter, cells


@SETTINGS
@given(ratio_quarter_case())
def test_b_a_quarter_sums_its_months_then_divides(case):
    metric, quarter, cells = case
    rows = [r for (u, m), (n, d) in cells.items()
            for r in ((u, m, metric.numerator, n), (u, m, metric.denominator, d))]
    s = store(rows)
    q = one(s.query(metric.id, CITY, quarter), CITY)
    monthly = [one(s.query(metric.id, CITY, m), CITY) for m in quarter.months()]
    num = sum(nz(r["numerator"]) for r in monthly)
    den = sum(nz(r["denominator"]) for r in monthly)
    assert (q["numerator"], q["denominator"]) == (num, den)
    assert num == sum(n for n, _ in cells.values()) and den == sum(d for _, d in cells.values())
    if den > 0 and metric.bounded and num > den:
        assert q["status"] == "not_applicable" and q["value"] is None
    elif den > 0:
        assert q["value"] == pytest.approx(metric.scale * num / den)
    else:
        assert q["status"] == "no_data"


# --- (c) ------------------------------------------------------------------------------------

@st.composite
def stock_quarter_case(draw):
    quarter = draw(quarter_from("2023-01").filter(lambda q: q.end >= BY_ID["nc_under_supervision"].launch))
    grid = {(u, m): draw(counts) for u in draw(st.sets(units, min_size=1)) for m in quarter.months()}
    absconded = {m: draw(st.integers(0, 20)) for m in quarter.months()}
    return quarter, grid, absconded


@SETTINGS
@given(stock_quarter_case())
def test_c_a_stock_is_not_summed_over_time(case):
    quarter, grid, absconded = case
    rows = [(u, m, "nc_under_supervision", v) for (u, m), v in grid.items()]
    rows += [(UNIT_CODES[0], m, "nc_absconded", v) for m, v in absconded.items()]
    s = store(rows)
    last = quarter.end
    expected = sum(v for (u, m), v in grid.items() if m == last)
    assert s.value("nc_under_supervision", CITY, quarter) == expected
    assert s.value("nc_under_supervision", CITY, last) == expected
    for u in {u for u, _ in grid}:
        assert s.value("nc_under_supervision", u, quarter) == grid[(u, last)]
    # 脱管率 over the quarter: the flow is summed (over its live months), the stock is not
    live = [m for m in quarter.months() if m >= BY_ID["abscond_rate"].launch]
    r = one(s.query("abscond_rate", CITY, quarter), CITY)
    assert (r["numerator"], r["denominator"]) == (sum(absconded[m] for m in live), expected)


# --- (d) ------------------------------------------------------------------------------------

@st.composite
def before_launch_case(draw):
    metric = draw(st.sampled_from(METRICS))
    month = add_months(metric.launch, -draw(st.integers(min_value=1, max_value=36)))
    rows = [(draw(units), add_months(month, draw(st.integers(-3, 3))), m, draw(counts))
            for m in metric.measures for _ in range(draw(st.integers(1, 5)))]
    rows += [(u, month, m, draw(st.integers(1, 1000))) for u in UNIT_CODES for m in metric.measures]
    return metric, month, rows


@SETTINGS
@given(before_launch_case())
def test_d_a_month_before_launch_is_not_live(case):
    metric, month, rows = case
    s = store(rows)
    df = s.query(metric.id, [CITY, COUNTIES, *UNIT_CODES], month)
    assert set(df["status"]) == {"not_live"}
    assert df["value"].map(lambda v: v is None).all()
    assert df["numerator"].map(lambda v: v is None).all()
    assert set(s.by_unit(metric.id, month)["status"]) == {"not_live"}
    ser = s.series(metric.id, CITY, month, month)
    assert list(ser["status"]) == ["not_live"] and ser["value"].iloc[0] is None


# --- (e) ------------------------------------------------------------------------------------

@st.composite
def year_count_case(draw):
    metric = BY_ID[draw(st.sampled_from(FLOW_COUNTS))]
    year = draw(st.integers(min_value=int(metric.launch[:4]) + 1, max_value=2026))
    months = Period.year(year).months()
    cells = draw(st.dictionaries(st.tuples(units, st.sampled_from(months)), counts, min_size=1))
    return metric, year, cells


@SETTINGS
@given(year_count_case())
def test_e_a_year_count_is_the_sum_of_its_months(case):
    metric, year, cells = case
    s = store([(u, m, metric.numerator, v) for (u, m), v in cells.items()])
    y = one(s.query(metric.id, CITY, Period.year(year)), CITY)
    monthly = [s.value(metric.id, CITY, m) for m in Period.year(year).months()]
    assert y["numerator"] == sum(cells.values())
    assert y["value"] == pytest.approx(sum(nz(v) for v in monthly))
    assert y["value"] == pytest.approx(metric.scale * sum(cells.values()))
