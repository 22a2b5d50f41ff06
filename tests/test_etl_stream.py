"""Issue 14: the load streams in batches — and a row's fate does not depend on the batch it
fell into. With a batch of one cell every file below is a batch of its own; duplicates across
batches are found both when the staging table was empty before the load (settled after the
last batch) and when it was not (looked up before each insert) — on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

import etl.bulk
import etl.run
import exports as X
from exports import ARREST_HEADERS, arrest_row, write_csv, write_xlsx
from test_etl_bad_input import assert_reconciles, fact, ledger, load, rejects, staged


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(etl.run, "BATCH_CELLS", 1)   # every file a batch of its own


def test_a_duplicate_in_a_later_batch_of_a_first_load_is_quarantined(engine, landing, small_batches):
    write_csv(landing / "2024-03" / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2)])
    write_csv(landing / "2024-03" / "b.csv", ARREST_HEADERS, [arrest_row(2), arrest_row(3)])
    write_xlsx(landing / "2024-04" / "c.xlsx", ARREST_HEADERS, [arrest_row(4), arrest_row(1, 涉嫌罪名="诈骗罪")])
    summary = load(engine, landing)
    bad = rejects(engine)
    assert [(r["file_name"], r["line_no"]) for r in bad] == [("2024-03/b.csv", 2), ("2024-04/c.xlsx", 3)]
    assert "重复记录：部门受案号、犯罪嫌疑人与文件「2024-03/a.csv」第3行相同" in bad[0]["reason"]
    assert "与文件「2024-03/a.csv」第2行相同" in bad[1]["reason"]
    assert bad[0]["raw"].startswith("运盐检捕受〔2024〕2号,140802")        # a CSV line as it came
    assert "诈骗罪" in bad[1]["raw"] and "王1" in bad[1]["raw"]            # a workbook row, its cells joined
    kept = staged(engine)
    assert [(r["file_name"], r["line_no"]) for r in kept] == [
        ("2024-03/a.csv", 2), ("2024-03/a.csv", 3), ("2024-03/b.csv", 3), ("2024-04/c.xlsx", 2)]
    assert {r["charge"] for r in kept} == {"盗窃罪"}
    assert fact(engine, "arrest_concluded") == 4
    assert summary.rows_loaded == 4 and summary.rows_rejected == 2
    assert ledger(engine)["2024-03/b.csv"]["status"] == "partial"
    assert_reconciles(engine)


def test_a_duplicate_in_a_later_batch_of_a_later_load_is_quarantined(engine, landing, small_batches):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2)])
    load(engine, landing)
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(2), arrest_row(3)])   # 2: loaded by the first run
    write_csv(landing / "c.csv", ARREST_HEADERS, [arrest_row(3), arrest_row(4)])   # 3: by b.csv, a batch before
    summary = load(engine, landing)
    assert [(r["file_name"], r["line_no"]) for r in rejects(engine)] == [("b.csv", 2), ("c.csv", 2)]
    assert "已由文件「a.csv」第3行导入" in rejects(engine, "b.csv")[0]["reason"]
    assert "与文件「b.csv」第3行相同" in rejects(engine, "c.csv")[0]["reason"]
    assert summary.rows_loaded == 2 and summary.rows_rejected == 2
    assert fact(engine, "arrest_concluded") == 4
    assert_reconciles(engine)


def test_keys_already_staged_are_found_whatever_the_lookup_chunk(engine, landing, monkeypatch):
    """The keys of a later load are looked up in chunks (one parameter per statement): with a
    chunk of one key every chunk must still find its row."""
    monkeypatch.setattr(etl.bulk, "KEYS_PER_QUERY", 1)
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(i) for i in (1, 2, 3)])
    load(engine, landing)
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(i) for i in (3, 4, 1, 5)])
    summary = load(engine, landing)
    assert [(r["file_name"], r["line_no"]) for r in rejects(engine)] == [("b.csv", 2), ("b.csv", 4)]
    assert "已由文件「a.csv」第4行导入" in rejects(engine, "b.csv")[0]["reason"]
    assert "已由文件「a.csv」第2行导入" in rejects(engine, "b.csv")[1]["reason"]
    assert summary.rows_loaded == 2 and summary.rows_rejected == 2
    assert_reconciles(engine)


def test_rejects_of_several_batches_belong_to_one_run(engine, landing, small_batches):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2, 承办单位编码="149999")])
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(3, 审结日期="2024-02-30"), arrest_row(4)])
    summary = load(engine, landing)
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT run_id, files_new, rows_loaded, rows_rejected FROM etl_run")).all()
        reject_runs = {r[0] for r in conn.execute(text("SELECT run_id FROM etl_reject"))}
    assert [tuple(r) for r in runs] == [(summary.run_id, 2, 2, 2)]
    assert reject_runs == {summary.run_id}
    assert sum(summary.reasons.values()) == 2
    assert_reconciles(engine)


def test_a_batch_holds_the_sources_with_many_rows_and_the_rest_waits(engine, landing, monkeypatch):
    """The source with the most cells read goes first; a few rows of another source wait for the
    end of the load (each validation has a fixed cost), and both are loaded."""
    from exports import prosecution_row, write_source
    handed: list[list[str]] = []
    real_stage = etl.run.Stager.stage

    def stage(self, parts, rejects):
        handed.append(sorted(source.id for source, _, _ in parts))
        return real_stage(self, parts, rejects)
    monkeypatch.setattr(etl.run.Stager, "stage", stage)
    write_source(landing, "prosecution", [prosecution_row(1)], name="a_prosecution.csv")
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(i) for i in range(1, 5)])
    write_csv(landing / "c.csv", ARREST_HEADERS, [arrest_row(5)])
    one = {s: len(X.SOURCE_BY_ID[s].columns) + 4 for s in ("prosecution", "arrest")}   # cells of a row
    monkeypatch.setattr(etl.run, "BATCH_CELLS", one["prosecution"] + 4 * one["arrest"])   # reached with b.csv
    assert one["prosecution"] + one["arrest"] < etl.run.BATCH_CELLS                       # not again with c.csv
    summary = load(engine, landing)
    assert handed == [["arrest"], ["arrest", "prosecution"]]
    assert summary.rows_loaded == 6
    assert_reconciles(engine)


def _table(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(text(sql)))


# `slow` on both databases: a whole demo load in ~12 batches (the lane's longest single test, ~11 s
# on SQLite). The fast lane keeps the batch tests above on both databases (duplicates and rejects
# across batches, what a batch holds and hands over); CI runs this one.
@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_demo_loaded_in_small_batches_gives_the_facts_of_one_batch(engine, small_demo, demo_engine, monkeypatch):
    """The small demo (one batch by default) loaded 5,000 rows at a time: the same facts, the
    same ledger, nothing quarantined."""
    monkeypatch.setattr(etl.run, "BATCH_CELLS", 65_000)   # ~5,000 event rows
    summary = etl.run.run(small_demo, engine, progress=False)
    with demo_engine.connect() as conn:
        total = conn.execute(text("SELECT SUM(rows_read) FROM etl_file")).scalar()
    assert summary.rows_loaded == total > 10 * 5_000 and summary.rows_rejected == 0
    for sql in ("SELECT unit_code, month, measure_id, value FROM fact_measure",
                "SELECT model_id, unit_code, month, measure_id, value FROM fact_model_measure",
                "SELECT file_name, source, rows_read, rows_loaded, rows_rejected, status FROM etl_file"):
        assert _table(engine, sql) == _table(demo_engine, sql), sql


def test_a_source_is_handed_over_before_a_file_would_take_it_past_its_bound(engine, landing, monkeypatch):
    """A batch holds at most SOURCE_CELLS of a source, or one file: the rows read so far go
    before a file that would take them past the bound (ten times the rows come in files ten
    times as large, and the batches — and memory — stay the same)."""
    handed: list[int] = []
    real_stage = etl.run.Stager.stage

    def stage(self, parts, rejects):
        handed.append(sum(len(good) for _, good, _ in parts))
        return real_stage(self, parts, rejects)
    monkeypatch.setattr(etl.run.Stager, "stage", stage)
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2)])
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(3), arrest_row(4), arrest_row(5)])
    write_xlsx(landing / "c.xlsx", ARREST_HEADERS, [arrest_row(6)])
    write_csv(landing / "d.csv", ARREST_HEADERS, [arrest_row(7)])
    row = len(X.SOURCE_BY_ID["arrest"].columns) + 4   # cells of a row
    monkeypatch.setattr(etl.run, "SOURCE_CELLS", 4 * row)
    summary = load(engine, landing)
    assert handed == [2, 4, 1]   # a | b + c (4 rows, at the bound: handed over) | d at the end
    assert summary.rows_loaded == 7
    assert_reconciles(engine)
