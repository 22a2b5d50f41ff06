"""Issue 14: the province-sized demo (`size="x10"`) — ten times the people and events at the
same rates — and its load, whose facts equal the independent recomputation (tests/recompute.py)
on SQLite and PostgreSQL.

A whole x10 demo is ~14 M rows (the benchmark loads it: `python -m etl bench --size x10`);
these tests generate x10 for the second half of 2023 with the same generator — ten copies of
the case world, written for those six months (~1.4 M rows) — see docs/decisions.md.
"""
from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRICS
from cockpit.metrics.periods import Period, month_range
from cockpit.metrics.query import MetricStore
from etl.demo import generate
from etl.run import run
from recompute import RECIPES, Oracle, read_exports
from test_demo import load as read_source, year
from test_recompute import assert_all_equal, compare

pytestmark = pytest.mark.slow

WINDOW = {"start": "2023-07", "end": "2023-12"}


@pytest.fixture(scope="module")
def x10(tmp_path_factory):
    out = tmp_path_factory.mktemp("x10") / "landing"
    return out, generate(out, size="x10", **WINDOW)


@pytest.fixture(scope="module")
def x10_exports(x10):
    """The x10 files as the oracle reads them (once for both databases)."""
    return read_exports(x10[0])


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "landing"
    return out, generate(out, size="full", **WINDOW)


# ---- the generator ---------------------------------------------------------------------------
def test_x10_has_ten_times_the_people_and_events_and_the_same_registers(x10, full):
    big, small = x10[1]["by_source"], full[1]["by_source"]
    for sid in ("arrest", "prosecution", "plea", "nc_person", "nc_event"):
        assert 9.0 <= big[sid]["rows"] / small[sid]["rows"] <= 11.0, sid
    for sid in ("registry", "collection", "clue", "suggestion", "model_record", "sup_case"):
        assert big[sid] == small[sid], sid   # the model family is the city's, not its people's
    # the same exports (and a few more, where a unit had no case in the month at the full size):
    # a CSV export holds the ten copies, an Excel one comes in ten workbooks
    csv_files = {p.relative_to(x10[0]) for p in x10[0].rglob("*.csv")}
    assert {p.relative_to(full[0]) for p in full[0].rglob("*.csv")} <= csv_files
    assert {p.parent for p in csv_files} == {p.relative_to(full[0]).parent for p in full[0].rglob("*.csv")}
    assert len(list(x10[0].rglob("*_2.xlsx"))) > 0


def test_x10_record_numbers_are_unique(x10):
    for sid, key in (("arrest", ["case_no", "person_name"]), ("nc_person", ["stat_month", "person_no"])):
        frame = read_source(x10[0], sid)
        assert not frame.duplicated(key).any(), sid
        assert len(frame) > 1000


def test_x10_rates_are_the_full_demos(x10, full):
    """The calibration holds at ten times the people: the rates of the two demos over the same
    half-year agree within the sampling noise of the smaller one."""
    rates = {}
    for name, (root, _) in (("x10", x10), ("full", full)):
        a, p, nc = read_source(root, "arrest"), read_source(root, "prosecution"), read_source(root, "nc_person")
        a = a[year(a["concluded_date"]) == 2023]
        p = p[year(p["concluded_date"]) == 2023]
        rates[name] = {
            "non_arrest": (a["decision"] == "不批准逮捕").mean(),
            "detention": (a["decision"] == "批准逮捕").sum() / len(p),
            "plea": p["plea"].mean(),
            "bail_share": (nc["measure"] == "取保候审").mean(),
        }
    assert 0.35 <= rates["x10"]["non_arrest"] <= 0.45       # test_demo's bounds for 2023
    assert 0.20 <= rates["x10"]["detention"] <= 0.30
    assert 0.85 <= rates["x10"]["plea"] <= 0.92
    for rate, value in rates["x10"].items():
        assert abs(value - rates["full"][rate]) <= 0.04, (rate, rates)


# ---- the load against the recomputation ------------------------------------------------------
SAMPLE_UNITS = ["140802", "140821", "140800", U.CITY, U.COUNTIES]


def test_x10_facts_equal_the_recomputation(x10, x10_exports, engine):
    landing = x10[0]
    summary = run(landing, engine, progress=False)
    assert summary.rows_rejected == 0 and summary.rows_loaded == x10[1]["rows"]
    with engine.connect() as conn:
        rejects = pd.DataFrame(conn.execute(text("SELECT file_name, line_no FROM etl_reject")).all(),
                               columns=["file_name", "line_no"])
    store = MetricStore.load(engine)
    oracle = Oracle(x10_exports, rejects)
    months = month_range(WINDOW["start"], WINDOW["end"])
    periods = [Period.month(m) for m in months] + [Period.ytd(months[-1]), Period.year(2023)]
    metric_ids = [m.id for m in METRICS if m.id in RECIPES]
    checks = [c for c in compare(store, oracle, metric_ids, periods, store.data_month) if c.unit in SAMPLE_UNITS]
    assert len(checks) > 1000
    assert_all_equal(checks, "the x10 half-year")
