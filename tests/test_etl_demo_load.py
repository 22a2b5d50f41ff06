"""The small demo through the whole spine: load, reconcile, the article's figures, kill -9.

The article (early 2024) reports for the models' first two years, 2022-01..2023-12: 4
platforms, 20 models, 1.2 M+ records collected, 300+ clues of which the compulsory-rehab model
found 160, 50+ suggestions, 20+ children back at school, 3 duty-crime transfers, 20+ corrected
cases, and 905 cases (distinct case numbers, not persons) assessed while the assessment system was
validated (2023-01..04).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from cockpit.metrics.engine import make_engine
from cockpit.metrics.query import MetricStore
from etl.run import run
from article import assert_article_figures


def link_months(demo: Path, landing: Path, months: set[str] | None = None) -> Path:
    """Hard-link the demo's month folders (all, or some) into a landing folder."""
    for path in sorted(demo.rglob("*")):
        rel = path.relative_to(demo)
        if path.is_dir() or (months is not None and rel.parts[0] not in months):
            continue
        target = landing / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.link(path, target)
    return landing


def facts(engine) -> dict[tuple, float]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT unit_code, month, measure_id, value FROM fact_measure")).all()
    return {(u, m, i): v for u, m, i, v in rows}


def ledger_counts(engine) -> tuple:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*), sum(rows_read), sum(rows_loaded), sum(rows_rejected) "
                                 "FROM etl_file")).one()


def test_small_demo_loads_without_a_single_reject(engine, small_demo):
    """The small demo loads on both databases without a reject; and the load leaves its pooled
    connection as a reader: the writer's BEGIN IMMEDIATE and its bulk-load settings end with the
    load, so the pooled connection a reader gets next is a plain reader (checked first, on the
    same load: a second load of the demo for it alone cost ~5 s a database)."""
    summary = run(small_demo, engine, progress=False)
    with engine.connect() as conn:
        assert "writer" not in conn.info
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
    assert summary.failed == [] and summary.rows_rejected == 0, summary.reasons
    assert summary.rows_loaded > 20_000
    assert {f.status for f in summary.files} == {"loaded"}
    n_files, read, loaded, rejected = ledger_counts(engine)
    assert n_files == len(summary.files) and read == loaded and rejected == 0
    with engine.connect() as conn:
        units = {u for (u,) in conn.execute(text("SELECT DISTINCT unit_code FROM fact_measure"))}
    assert len(units) == 14


def test_article_figures_hold_in_the_metric_layer(demo_engine_both):
    assert_article_figures(MetricStore.load(demo_engine_both), demo_engine_both)


def test_a_sparse_measure_has_its_partial_index_after_a_load(demo_engine_both):
    """nc_warnings is declared `sparse`: the load (which drops a fresh table's indexes and
    builds them at the end) leaves its partial index, and the demo has warnings for it to hold."""
    from sqlalchemy import inspect
    names = {i["name"] for i in inspect(demo_engine_both).get_indexes("stg_nc_event")}
    assert "ix_stg_nc_event_nc_warnings" in names
    with demo_engine_both.connect() as conn:
        warnings = conn.execute(text("SELECT COUNT(*) FROM stg_nc_event WHERE kind = '预警'")).scalar()
    assert warnings > 0


def test_a_month_before_launch_is_not_live(demo_engine_both):
    store = MetricStore.load(demo_engine_both)
    before = store.query(["checkin_rate"], ["CITY"], "2023-02").iloc[0]
    assert before["status"] == "not_live" and before["value"] is None
    after = store.query(["checkin_rate"], ["CITY"], "2023-06").iloc[0]
    assert after["status"] == "ok" and 80 < after["value"] <= 100


@pytest.mark.slow   # three loads of the small demo on each database
def test_a_measure_declared_later_reaches_the_history_at_the_next_load(engine, small_demo):
    """Facts of a measure that were never computed (here: removed, as if the measure had been
    declared after the data was loaded) are rolled up in full by the next run — even one
    without new files — and published as a new snapshot."""
    first = run(small_demo, engine, progress=False)
    before = facts(engine)
    assert any(k[2] == "pros_rec_judged" for k in before)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fact_measure WHERE measure_id = 'pros_rec_judged'"))
    again = run(small_demo, engine, progress=False)
    assert again.files == [] and again.run_id is not None and again.run_id > first.run_id
    assert facts(engine) == before
    assert MetricStore.current_snapshot(engine) == again.run_id
    # and nothing is recomputed when nothing is missing
    assert run(small_demo, engine, progress=False).run_id is None


def _writer_holds_lock(url: str) -> bool:
    """True once the ETL child has opened its write transaction."""
    if url.startswith("sqlite"):
        import sqlite3
        con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            con.close()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                                     "database = (SELECT oid FROM pg_database WHERE datname = current_database())")
                                ).scalar() > 0
    finally:
        engine.dispose()


@pytest.mark.slow   # a load killed in a child process, then two more loads
def test_kill_9_during_a_load_keeps_the_old_snapshot_and_a_rerun_completes(db_url, small_demo, tmp_path):
    first_year = {p.name for p in small_demo.iterdir() if p.name.startswith("2022")}
    landing = link_months(small_demo, tmp_path / "landing", first_year)
    engine = make_engine(db_url)
    run(landing, engine, progress=False)
    snapshot = facts(engine)
    ledger = ledger_counts(engine)
    assert snapshot

    link_months(small_demo, landing)  # the rest arrives
    child = subprocess.Popen([sys.executable, "-m", "etl", "run", "--landing", str(landing), "--database", db_url,
                              "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _writer_holds_lock(db_url):
        assert child.poll() is None, "the load finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the load
    assert child.poll() is None, "the load finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()

    # the previous snapshot is intact and readable
    assert facts(engine) == snapshot
    assert ledger_counts(engine) == ledger
    MetricStore.load(engine)

    # a re-run completes with the same totals as a clean run over all files
    run(landing, engine, progress=False)
    clean = make_engine(db_url.replace("store.db", "clean.db")) if db_url.startswith("sqlite") else None
    if clean is None:
        from conftest import _fresh_pg_schema
        schema, admin, url = _fresh_pg_schema(db_url.split("?")[0])
        clean = make_engine(url)
    run(landing, clean, progress=False)
    assert facts(engine) == facts(clean)
    assert ledger_counts(engine)[1:] == ledger_counts(clean)[1:]
    engine.dispose()
    clean.dispose()
    if not db_url.startswith("sqlite"):
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
