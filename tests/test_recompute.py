"""Issue 10: every indicator, for each unit and the city, each month, year and year-to-date,
equals a recomputation from the raw exports that follows its declared 口径.

The small demo's export files are loaded by the ETL (on SQLite and PostgreSQL) and read a
second time by the oracle in tests/recompute.py, which shares nothing with the ETL but the
list of quarantined rows. Every metric of the catalogue is compared — value, numerator,
denominator and status — for the 14 units, 全市 and 基层院合计, every month, every
year-to-date and every year of the data, each cut at the store's data month.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pytest
from sqlalchemy import text

from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID, METRICS
from cockpit.metrics.engine import make_engine
from cockpit.metrics.periods import Period, month_ordinal, month_range
from cockpit.metrics.query import MetricStore
from etl.run import run
from recompute import RECIPES, Oracle, close, read_exports

UNITS = list(U.UNIT_CODES) + [U.CITY, U.COUNTIES]

# Rules the ETL / metric layer is being changed to follow while this test is written; until
# those changes land, the metric's checks are expected to fail (not strict: they pass after).
ABSCOND_RULE = ("脱管人数: a person counts in month M when flagged 本月是否脱管 in M and not flagged in the "
                "calendar month before; the ETL still counts every flagged roster row, so a person flagged "
                "in consecutive months is counted once per month")
DATA_MONTH_CAP = ("every period is cut at MetricStore.data_month; the metric layer still reads on to the "
                  "feed's last month (检察建议 回复 counts are booked in their due month, after data_month)")
PENDING = {"abscond_rate": ABSCOND_RULE}
PENDING_PAST_DATA_MONTH = {"abscond_rate": ABSCOND_RULE, "suggestion_reply_rate": DATA_MONTH_CAP}


def _params(pending: dict[str, str]):
    return [pytest.param(m.id, marks=pytest.mark.xfail(reason=pending[m.id], strict=False))
            if m.id in pending else m.id for m in METRICS]


# ---- the two computations ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def exports(small_demo):
    return read_exports(small_demo)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def loaded(request, small_demo, tmp_path_factory):
    """The small demo loaded by the ETL into a fresh database: (store, etl_reject, etl_file)."""
    schema = admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('recompute') / 'store.db'}"
    else:
        from conftest import _fresh_pg_schema
        schema, admin, url = _fresh_pg_schema(request.getfixturevalue("pg_url"))
    engine = make_engine(url)
    try:
        run(small_demo, engine, progress=False)
        store = MetricStore.load(engine)
        with engine.connect() as conn:
            rejects = pd.DataFrame(conn.execute(text("SELECT file_name, line_no FROM etl_reject")).all(),
                                   columns=["file_name", "line_no"])
            ledger = pd.DataFrame(conn.execute(text("SELECT file_name, rows_read FROM etl_file")).all(),
                                  columns=["file_name", "rows_read"])
        yield store, rejects, ledger
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@dataclass
class Check:
    metric: str
    unit: str
    period: str
    expected: tuple   # (value, numerator, denominator, status)
    got: tuple

    @property
    def ok(self) -> bool:
        return self.expected[3] == self.got[3] and all(close(e, g) for e, g in zip(self.expected[:3], self.got[:3]))


@dataclass
class Comparison:
    data_month: str
    within: dict[str, list[Check]]   # periods ending by data_month, per metric
    past: dict[str, list[Check]]     # periods running past data_month (cut there), per metric


def _fmt(t: tuple) -> str:
    def f(x):
        return "—" if x is None else (f"{x:.6g}" if isinstance(x, float) else str(x))
    return f"{f(t[0])} ({f(t[1])}/{f(t[2])}) {t[3]}"


def assert_all_equal(checks: list[Check], what: str, limit: int = 12) -> None:
    assert checks, f"no checks for {what}"
    bad = [c for c in checks if not c.ok]
    if bad:
        lines = [f"{len(bad)} of {len(checks)} checks of {what} differ from the recomputation; first {min(limit, len(bad))}:",
                 f"{'metric':<34}{'unit':<10}{'period':<13}{'expected value (num/den) status':<44}got"]
        lines += [f"{c.metric:<34}{c.unit:<10}{c.period:<13}{_fmt(c.expected):<44}{_fmt(c.got)}" for c in bad[:limit]]
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture(scope="module")
def oracle(loaded, exports):
    _, rejects, _ = loaded
    return Oracle(exports, rejects)


@pytest.fixture(scope="module")
def comparison(loaded, oracle) -> Comparison:
    store, _, _ = loaded
    dm = store.data_month
    months = month_range(oracle.first_month, dm)
    years = range(int(oracle.first_month[:4]), int(dm[:4]) + 1)
    periods = [Period.month(m) for m in months] + [Period.ytd(m) for m in months] + [Period.year(y) for y in years]
    known = [m.id for m in METRICS if m.id in RECIPES]
    within: dict[str, list[Check]] = {m.id: [] for m in METRICS}
    past: dict[str, list[Check]] = {m.id: [] for m in METRICS}
    for p in periods:
        bucket = past if p.end_ordinal > month_ordinal(dm) else within
        df = store.query(known, UNITS, p)
        for r in df.itertuples(index=False):
            expected = oracle.value(METRIC_BY_ID[r.metric_id], r.unit, p.start, p.end, dm)
            bucket[r.metric_id].append(Check(r.metric_id, r.unit, str(p), expected,
                                             (r.value, r.numerator, r.denominator, r.status)))
    return Comparison(dm, within, past)


# ---- the tests ----------------------------------------------------------------------------------
def test_every_metric_has_an_independent_computation():
    missing = [m.id for m in METRICS if m.id not in RECIPES]
    assert not missing, "no independent computation for " + ", ".join(missing)


def test_the_oracle_reads_every_row_the_etl_read(loaded, oracle, exports):
    """Both readers see the same rows in every file, and the oracle can read every date and month
    of the rows the ETL accepted."""
    _, rejects, ledger = loaded
    read = pd.concat([f[["file_name"]] for f in exports.frames.values()]).value_counts("file_name")
    etl = ledger.set_index("file_name")["rows_read"]
    assert exports.files == len(etl)
    diff = (read.reindex(etl.index, fill_value=0) - etl)
    assert (diff == 0).all(), f"rows per file differ (oracle − ETL):\n{diff[diff != 0].head(10)}"
    assert not oracle.unreadable, f"values the ETL accepted but the oracle cannot read: {oracle.unreadable}"
    kept = sum(len(f) for f in oracle.frames.values())
    assert kept == int(etl.sum()) - len(rejects)


def test_data_month_is_the_last_month_with_every_core_indicator(loaded, oracle):
    store, _, _ = loaded
    core = [METRIC_BY_ID[m] for m in CORE_METRICS]
    assert store.data_month == oracle.data_month(core, dt.date.today())


@pytest.mark.parametrize("metric_id", _params(PENDING))
def test_metric_equals_recomputation(comparison, metric_id):
    """Every month, year-to-date and year that ends by the data month."""
    assert metric_id in RECIPES, f"no independent computation for {metric_id}"
    assert_all_equal(comparison.within[metric_id], metric_id)


@pytest.mark.parametrize("metric_id", _params(PENDING_PAST_DATA_MONTH))
def test_a_period_running_past_the_data_month_is_cut_there(comparison, metric_id):
    """The year that contains the data month counts its months up to the data month only."""
    assert metric_id in RECIPES, f"no independent computation for {metric_id}"
    checks = comparison.past[metric_id]
    if not checks:
        pytest.skip(f"the data month {comparison.data_month} ends a year")
    assert_all_equal(checks, f"{metric_id} (periods past {comparison.data_month})")
