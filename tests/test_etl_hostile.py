"""Hostile files (issue 11): no file takes the load — or the process — down, and SQLite and
PostgreSQL load and quarantine the same rows from the same files.

Each attack has its own test (on both databases through the `engine` fixture); the last tests
load one landing folder holding all of them beside valid files into both databases and compare
facts, ledger and quarantine, and run `python -m etl run` on it in a subprocess.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import text

from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES
from cockpit.metrics.engine import make_engine
from cockpit.metrics.schema import metadata as store_metadata
from etl.run import run
from exports import ARREST_HEADERS, arrest_row, csv_bytes, write_csv, write_xlsx
from test_etl_bad_input import assert_reconciles, fact, ledger, rejects, staged

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2024, 6, 30)
EVENT_HEADERS = [c.header for c in SOURCE_BY_ID["nc_event"].columns]
PROS_HEADERS = [c.header for c in SOURCE_BY_ID["prosecution"].columns]


def load(engine, landing):
    return run(landing, engine, today=TODAY, progress=False)


def row_values(row: dict) -> list[str]:
    return [row.get(h, "") for h in ARREST_HEADERS]


# --------------------------------------------------------------------------- the hostile files

def xfd_xlsx(path: Path) -> Path:
    """One valid row, and one cell written at XFD1048576 (5.7 KB; the reader used to ask for 512 GB)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ARREST_HEADERS)
    ws.write_row(1, 0, row_values(arrest_row(501)))
    ws.write(1048575, 16383, "x")
    wb.close()
    return path


def blank_rows_xlsx(path: Path) -> Path:
    """Two empty rows above the header (Excel row 3); rows 5 and 7 are bad."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(2, 0, ARREST_HEADERS)
    ws.write_row(3, 0, row_values(arrest_row(601)))
    ws.write_row(4, 0, row_values(arrest_row(602, 承办单位编码="999999")))
    ws.write_row(5, 0, row_values(arrest_row(603)))
    ws.write_row(6, 0, row_values(arrest_row(604, 审查结论="同意")))
    wb.close()
    return path


def nul_csv(path: Path) -> Path:
    """A NUL byte in a text field, beyond the upload check's first 64 KB."""
    rows = [arrest_row(3000 + i) for i in range(600)]       # ~100 KB of valid rows
    rows.append(arrest_row(3600, 涉嫌罪名="盗窃\x00罪"))
    return write_csv(path, ARREST_HEADERS, rows)


def long_key_csv(path: Path) -> Path:
    """A 1,200-character 部门受案号 (PostgreSQL: "index row size exceeds btree maximum")."""
    return write_csv(path, ARREST_HEADERS, [arrest_row(801), arrest_row(802, 部门受案号="案" * 1200), arrest_row(803)])


def long_line_csv(path: Path) -> Path:
    """A 17 MB line between valid ones (pyarrow: "straddling object straddles two block boundaries")."""
    data = csv_bytes(ARREST_HEADERS, [arrest_row(901)]) + b"x" * (17 * 1024 * 1024) + b"\n" \
        + csv_bytes(ARREST_HEADERS, [arrest_row(902)]).split(b"\n", 1)[1]
    path.write_bytes(data)
    return path


def dup_after_bad_csv(path: Path) -> Path:
    """The first row with this key has an impossible date (quarantined); the second is valid."""
    key = {"部门受案号": "运盐检捕受〔2024〕1001号", "犯罪嫌疑人": "钱一"}
    return write_csv(path, ARREST_HEADERS, [arrest_row(1001, 受理日期="2024-02-30", **key), arrest_row(1001, **key)])


def warnings_csv(path: Path) -> Path:
    base = {"承办单位编码": "140802", "人员编号": "FJY140802-2024-0001", "事件类型": "预警", "预警类型": "越界预警",
            "发生时间": "2024-03-05 08:00:00", "处置结果": "核实正常"}
    rows = [dict(base, 事件编号="YJ1", 处置时间="2024-03-06 08:00:00"),     # 24 h 0 min 0 s: in time
            dict(base, 事件编号="YJ2", 处置时间="2024-03-06 08:00:30"),     # 24 h 0 min 30 s: late
            dict(base, 事件编号="YJ3", 处置时间="2024-03-06 07:59:59")]     # in time
    return write_csv(path, EVENT_HEADERS, rows)


def flags_csv(path: Path) -> Path:
    base = {"承办单位编码": "140802", "犯罪嫌疑人": "赵一", "涉嫌罪名": "盗窃罪", "受理日期": "2024-02-01",
            "审结日期": "2024-03-01", "审结情况": "提起公诉", "审结时强制措施": "取保候审", "量刑建议": "确定刑"}
    rows = [dict(base, 部门受案号="运盐检刑诉受〔2024〕1号", 是否认罪认罚="是"),
            dict(base, 部门受案号="运盐检刑诉受〔2024〕2号", 是否认罪认罚="TRUE"),
            dict(base, 部门受案号="运盐检刑诉受〔2024〕3号", 是否认罪认罚="Y")]
    return write_csv(path, PROS_HEADERS, rows)


def hostile_landing(folder: Path) -> Path:
    """All the attacks above, plus valid files (a CSV and an XLSX with a title row)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "a_valid.csv", ARREST_HEADERS, [arrest_row(i) for i in range(1, 6)])
    write_xlsx(folder / "b_valid.xlsx", ARREST_HEADERS, [arrest_row(i) for i in range(11, 14)], title="审查逮捕人员")
    xfd_xlsx(folder / "c_xfd.xlsx")
    blank_rows_xlsx(folder / "d_blank_rows.xlsx")
    nul_csv(folder / "e_nul.csv")
    long_key_csv(folder / "f_long_key.csv")
    long_line_csv(folder / "g_long_line.csv")
    dup_after_bad_csv(folder / "h_dup_after_bad.csv")
    warnings_csv(folder / "i_warnings.csv")
    flags_csv(folder / "j_flags.csv")
    (folder / "k_broken.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(2000))   # not a workbook at all
    return folder


# --------------------------------------------------------------------------- 1. the workbook that kills the reader

def test_a_workbook_reaching_xfd1048576_fails_alone(engine, landing):
    xfd_xlsx(landing / "xfd.xlsx")
    write_csv(landing / "ok.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2)])
    summary = load(engine, landing)
    files = ledger(engine)
    assert files["xfd.xlsx"]["status"] == "failed"
    assert "使用范围过大" in files["xfd.xlsx"]["note"] and "XFD1048576" in files["xfd.xlsx"]["note"]
    assert files["ok.csv"]["status"] == "loaded" and len(staged(engine)) == 2
    assert [f.file_name for f in summary.failed] == ["xfd.xlsx"]
    assert_reconciles(engine)


@pytest.fixture
def sandbox():
    from etl import sandbox
    return sandbox


@pytest.fixture
def no_dimension_check(monkeypatch, sandbox):
    """The worker without its dimension check: the memory limit is what stops the parser."""
    sandbox._stop()
    monkeypatch.setenv("ETL_READER_MAX_CELLS", str(10 ** 15))
    monkeypatch.setenv("ETL_READER_MAX_COLUMNS", str(10 ** 9))
    yield
    sandbox._stop()   # the next read starts a worker with the checks again


def test_the_memory_limit_stops_what_the_dimension_check_misses(no_dimension_check, sandbox, tmp_path):
    """The worker aborts on the 512 GB allocation; this process carries on and the next file reads."""
    data = xfd_xlsx(tmp_path / "xfd.xlsx").read_bytes()
    with pytest.raises(sandbox.SheetError, match="内存超过上限"):
        sandbox.read_sheet(data)
    good = write_xlsx(tmp_path / "ok.xlsx", ARREST_HEADERS, [arrest_row(1)]).read_bytes()
    start, rows = sandbox.read_sheet(good)
    assert start == 0 and rows[0] == ARREST_HEADERS


def test_the_address_space_limit_stops_a_parse_that_would_fit_without_it(no_dimension_check, sandbox, tmp_path,
                                                                          monkeypatch):
    """1,000,000 rows x 20 columns: a few hundred MB for the parser, more than a 400 MB worker may
    take (without the limit the worker parses it, slowly). The limit is the worker's own."""
    monkeypatch.setenv("ETL_READER_MEMORY_MB", "400")
    wb = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    ws = wb.add_worksheet()
    ws.write(0, 0, "部门受案号")
    ws.write(999_999, 19, "x")
    wb.close()
    with pytest.raises(sandbox.SheetError, match="内存超过上限"):
        sandbox.read_sheet((tmp_path / "t.xlsx").read_bytes())
    sandbox.read_sheet(write_xlsx(tmp_path / "ok.xlsx", ARREST_HEADERS, [arrest_row(1)]).read_bytes())
    limits = Path(f"/proc/{sandbox._worker.proc.pid}/limits").read_text()
    (line,) = [x for x in limits.splitlines() if x.startswith("Max address space")]
    assert line.split()[3] == str(400 * 1024 * 1024)


def test_a_reader_past_its_time_is_stopped(monkeypatch, sandbox, tmp_path):
    good = write_xlsx(tmp_path / "ok.xlsx", ARREST_HEADERS, [arrest_row(1)]).read_bytes()
    monkeypatch.setattr(sandbox, "TIMEOUT", 0.0)
    with pytest.raises(sandbox.SheetError, match="超时"):
        sandbox.read_sheet(good)
    monkeypatch.setattr(sandbox, "TIMEOUT", 60.0)
    assert sandbox.read_sheet(good)[1][1][0] == arrest_row(1)["部门受案号"]


def test_no_workbook_is_parsed_in_this_process(monkeypatch, sandbox, tmp_path):
    """The reader and the upload page's header lookup hand workbooks to the worker; the
    spreadsheet parser cannot even be imported in this process."""
    calls = []
    real = sandbox.read_sheet
    monkeypatch.setattr(sandbox, "read_sheet", lambda data, nrows=None: calls.append(nrows) or real(data, nrows))
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    from etl import ingest, reader
    path = write_xlsx(tmp_path / "ok.xlsx", ARREST_HEADERS, [arrest_row(1)])
    assert len(reader.read_file(path)) == 1
    assert ingest.header_row(path, "arrest") == ARREST_HEADERS
    assert calls == [None, reader.HEADER_SCAN_ROWS]


# --------------------------------------------------------------------------- 2. NUL and over-long cells

def test_a_nul_byte_quarantines_its_row_on_every_database(engine, landing):
    nul_csv(landing / "nul.csv")
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 602 and "「涉嫌罪名」含有不可见的控制字符" in bad["reason"]
    assert "\x00" not in bad["raw"] and "盗窃\\x00罪" in bad["raw"]
    assert len(staged(engine)) == 600 and ledger(engine)["nul.csv"]["status"] == "partial"
    assert_reconciles(engine)


def test_an_overlong_case_number_quarantines_its_row_on_every_database(engine, landing):
    long_key_csv(landing / "long.csv")
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 3 and "「部门受案号」过长（1200 个字符，最多 64 个字符）" in bad["reason"]
    assert [r["line_no"] for r in staged(engine)] == [2, 4]
    assert_reconciles(engine)


def test_control_characters_in_values_and_headers_reach_no_store(engine, landing):
    """A value quoted in a reason, and an unknown header named in the ledger note, are stored
    with their control characters spelled out (PostgreSQL refuses NUL anywhere in text)."""
    headers = ARREST_HEADERS + ["备注\x00"]
    write_csv(landing / "a.csv", headers, [arrest_row(1, 审查结论="批准\x00逮捕"), arrest_row(2)])
    load(engine, landing)
    (bad,) = rejects(engine)
    assert "「审查结论」的值「批准\\x00逮捕」不在允许范围" in bad["reason"]
    assert "备注\\x00" in ledger(engine)["a.csv"]["note"]
    assert_reconciles(engine)


def test_contract_limits_keep_every_natural_key_inside_a_btree_entry():
    from cockpit.metrics.contracts import INDEX_ENTRY_BYTES
    for source in SOURCES:
        columns = [source.column(k) for k in source.key]
        assert all(c.max_length for c in columns), source.id
        worst = sum(4 * c.max_length for c in columns) + len(columns) - 1   # UTF-8: at most 4 bytes a character
        assert worst < INDEX_ENTRY_BYTES - 32, source.id
        for c in source.columns:
            assert "\x00" in c.forbidden, (source.id, c.name)
        if any(c.name == "model_id" for c in source.columns):
            assert source.column("model_id").max_length <= 16   # fact_model_measure.model_id VARCHAR(16)


# --------------------------------------------------------------------------- 3. a CSV line over 16 MB

def test_a_17_mb_line_fails_its_file_and_the_rest_loads(engine, landing):
    long_line_csv(landing / "big.csv")
    write_csv(landing / "ok.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2)])
    summary = load(engine, landing)
    files = ledger(engine)
    assert files["big.csv"]["status"] == "failed" and "第3行长度超过 1 MB" in files["big.csv"]["note"]
    assert files["ok.csv"]["status"] == "loaded"
    assert [f.file_name for f in summary.failed] == ["big.csv"]
    assert_reconciles(engine)


def test_any_parser_error_fails_one_file_only(engine, landing, monkeypatch):
    """An error the reader did not foresee (here: pyarrow's, from every bulk parse and from
    reading one file) marks that file failed with a Chinese reason; the others load."""
    from etl import reader
    real = reader.read_csv

    def flaky(data, defer=False):
        if b"\xe7\x8e\x8b2," in data:    # the file holding 王2
            import pyarrow as pa
            raise pa.ArrowInvalid("CSV parse error: straddling object straddles two block boundaries")
        return real(data, defer)
    monkeypatch.setattr(reader, "read_csv", flaky)
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1)])
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(2)])
    load(engine, landing)
    files = ledger(engine)
    assert files["a.csv"]["status"] == "loaded" and files["b.csv"]["status"] == "failed"
    assert "内部错误" in files["b.csv"]["note"] and "straddl" not in files["b.csv"]["note"]


# --------------------------------------------------------------------------- 4. duplicates of quarantined rows

def test_a_quarantined_row_makes_no_later_row_a_duplicate(engine, landing):
    dup_after_bad_csv(landing / "a.csv")
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 2 and "无法识别" in bad["reason"] and "重复" not in bad["reason"]
    assert [r["line_no"] for r in staged(engine)] == [3]
    assert_reconciles(engine)


def test_an_incremental_load_equals_a_full_one(engine, landing, tmp_path):
    """File a: the key's first row is quarantined; file b: a valid row with that key; then a
    third file repeats a loaded key. In one load or in two steps: the same rows load."""
    key = {"部门受案号": "运盐检捕受〔2024〕2001号", "犯罪嫌疑人": "孙二"}
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(2001, 审结日期="2024-13-01", **key), arrest_row(2002)])
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(2001, **key), arrest_row(2003)])
    write_csv(landing / "c.csv", ARREST_HEADERS, [arrest_row(2002), arrest_row(2004)])
    load(engine, landing)
    full = [(r["file_name"], r["line_no"]) for r in staged(engine)]
    full_bad = [(r["file_name"], r["line_no"]) for r in rejects(engine)]
    assert ("b.csv", 2) in full

    url = engine.url.render_as_string(hide_password=False)
    step_db = make_engine(url.replace("store.db", "steps.db") if url.startswith("sqlite") else url)
    if not url.startswith("sqlite"):
        with step_db.begin() as conn:   # a second store in the same schema: start it empty
            for t in ("alembic_version_store", *(t.name for t in reversed(store_metadata.sorted_tables))):
                conn.execute(text(f'DROP TABLE IF EXISTS "{t}"'))
    steps = tmp_path / "steps"
    steps.mkdir()
    for name in ("a.csv", "b.csv", "c.csv"):
        (steps / name).write_bytes((landing / name).read_bytes())
        run(steps, step_db, today=TODAY, progress=False)
    assert [(r["file_name"], r["line_no"]) for r in staged(step_db)] == full
    assert [(r["file_name"], r["line_no"]) for r in rejects(step_db)] == full_bad
    step_db.dispose()


# --------------------------------------------------------------------------- 5. row numbers

def test_line_numbers_are_the_excel_rows_with_empty_rows_above_the_header(engine, landing):
    blank_rows_xlsx(landing / "a.xlsx")
    load(engine, landing)
    assert [r["line_no"] for r in rejects(engine)] == [5, 7]
    assert [r["line_no"] for r in staged(engine)] == [4, 6]


def test_line_numbers_are_physical_lines_in_a_csv(engine, landing):
    """A form feed or U+2028 inside a field does not start a line (str.splitlines would)."""
    rows = [arrest_row(1, 触发指标="A01\x0cB03"), arrest_row(2, 触发指标="A01\u2028B03"),
            arrest_row(3, 涉嫌罪名="盗窃罪,诈骗罪"),                # quoted: the file is read row by row
            arrest_row(4, 承办单位编码="999999")]
    write_csv(landing / "a.csv", ARREST_HEADERS, rows)
    load(engine, landing)
    bad = rejects(engine)
    assert [r["line_no"] for r in bad if "控制字符" in r["reason"]] == [2]    # the form feed
    (unit,) = [r for r in bad if "未知单位编码" in r["reason"]]
    assert unit["line_no"] == 5 and "999999" in unit["raw"] and "王4" in unit["raw"]
    assert [r["line_no"] for r in staged(engine)] == [3, 4]


# --------------------------------------------------------------------------- 6. seconds and flags

def test_a_warning_handled_24_hours_and_30_seconds_later_is_late(engine, landing):
    warnings_csv(landing / "w.csv")
    load(engine, landing)
    assert fact(engine, "nc_warnings") == 3
    assert fact(engine, "nc_warnings_in_time") == 2
    minutes = {r["event_no"]: r["handle_minutes"] for r in staged(engine, "stg_nc_event")}
    assert minutes == {"YJ1": 1440, "YJ2": 1440.5, "YJ3": pytest.approx(1439 + 59 / 60)}


def test_a_store_made_with_whole_minutes_keeps_the_seconds_after_the_next_load(engine, landing):
    """An earlier version made handle_minutes BIGINT (the layout before migrations,
    tests/fixtures/pre_migration_*.sql); the next load's migration (0003) makes it fractional."""
    ddl = (Path(__file__).parent / "fixtures" / f"pre_migration_{engine.dialect.name}.sql").read_text(encoding="utf-8")
    assert "handle_minutes BIGINT" in ddl
    ddl = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    with engine.begin() as conn:
        for statement in filter(None, (x.strip() for x in ddl.split(";"))):
            conn.exec_driver_sql(statement)
    warnings_csv(landing / "w.csv")
    load(engine, landing)
    minutes = {r["event_no"]: r["handle_minutes"] for r in staged(engine, "stg_nc_event")}
    assert minutes["YJ2"] == 1440.5 and fact(engine, "nc_warnings_in_time") == 2


def test_a_flag_spelled_true_is_quarantined_as_the_contract_says(engine, landing):
    flags_csv(landing / "p.csv")
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 3 and "「是否认罪认罚」的值「TRUE」应为“是”或“否”" in bad["reason"]
    assert fact(engine, "pros_plea") == 2


def test_dates_outside_the_years_and_huge_numbers_are_quarantined(engine, landing):
    """Two values that used to stop the whole load (pandas' date range; Int64's range)."""
    rows = [arrest_row(1, 受理日期="1500-01-01"), arrest_row(2, 社会危险性评估分值="1" * 30), arrest_row(3)]
    write_csv(landing / "a.csv", ARREST_HEADERS, rows)
    load(engine, landing)
    bad = rejects(engine)
    assert [r["line_no"] for r in bad] == [2, 3]
    assert "「受理日期」的日期「1500-01-01」无法识别" in bad[0]["reason"] and "超出范围" in bad[1]["reason"]
    assert_reconciles(engine)


# --------------------------------------------------------------------------- 8. acceptance: both databases alike

def _snapshot(engine) -> dict:
    with engine.connect() as conn:
        facts = sorted(tuple(r) for r in conn.execute(text(
            "SELECT unit_code, month, measure_id, value FROM fact_measure")))
        files = sorted(tuple(r) for r in conn.execute(text(
            "SELECT file_name, source, rows_read, rows_loaded, rows_rejected, status, note FROM etl_file")))
        quarantine = sorted(tuple(r) for r in conn.execute(text(
            "SELECT file_name, line_no, reason, raw FROM etl_reject")))
        staged_rows = sorted(tuple(r) for r in conn.execute(text("SELECT file_name, line_no FROM stg_arrest")))
    return {"facts": facts, "files": files, "quarantine": quarantine, "staged": staged_rows}


def test_the_hostile_folder_loads_alike_on_sqlite_and_postgresql(pg_url, tmp_path):
    from conftest import _fresh_pg_schema
    folder = hostile_landing(tmp_path / "landing")
    lite = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    schema, admin, url = _fresh_pg_schema(pg_url)
    pg = make_engine(url)
    try:
        a, b = load(lite, folder), load(pg, folder)
        assert sorted(f.file_name for f in a.failed) == ["c_xfd.xlsx", "g_long_line.csv", "k_broken.xlsx"]
        assert sorted(f.file_name for f in b.failed) == sorted(f.file_name for f in a.failed)
        left, right = _snapshot(lite), _snapshot(pg)
        assert left["files"] == right["files"]
        assert left["quarantine"] == right["quarantine"]
        assert left["staged"] == right["staged"]
        assert left["facts"] == right["facts"] and left["facts"]
        status = {f[0]: f[5] for f in left["files"]}
        assert status["a_valid.csv"] == status["b_valid.xlsx"] == "loaded"
        assert status["e_nul.csv"] == status["f_long_key.csv"] == status["d_blank_rows.xlsx"] == "partial"
        for f in left["files"]:      # failure notes are Chinese sentences, no parser's English
            if f[5] == "failed":
                plain = re.sub(r"Excel|xlsx|xls|CSV|UTF-8|GB18030|NUL|XFD\d+|\d+ MB", "", f[6])
                assert re.search("[\u4e00-\u9fff]", plain) and not re.search("[A-Za-z]{3,}", plain), f
    finally:
        lite.dispose()
        pg.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.slow   # three ETL runs in child processes over the hostile files' sandboxes
@pytest.mark.parametrize("checks", ["dimension-check", "memory-limit-only"])
def test_etl_run_never_ends_by_a_signal(tmp_path, checks):
    folder = hostile_landing(tmp_path / "landing")
    env = dict(os.environ)
    if checks == "memory-limit-only":
        env.update(ETL_READER_MAX_CELLS=str(10 ** 15), ETL_READER_MAX_COLUMNS=str(10 ** 9))
    cmd = [sys.executable, "-m", "etl", "run", "--landing", str(folder), "--quiet",
           "--database", f"sqlite:///{tmp_path / 'store.db'}"]
    for _ in range(2):   # the second run: every file is known, nothing is re-read
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
    first = subprocess.run(cmd[:-1] + [f"sqlite:///{tmp_path / 'again.db'}"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 1 and "c_xfd.xlsx" in first.stdout and "无法读取" in first.stdout


def test_the_limits_count_characters_not_bytes_and_see_every_control_character():
    """The cheap byte scans in front of the per-row checks let nothing through and flag only
    what breaks the contract (a name of 50 Chinese characters is 150 bytes, and allowed)."""
    import pandas as pd
    from etl.reader import STR
    from etl.validate import Reasons, _limits
    name = SOURCE_BY_ID["arrest"].column("person_name")        # at most 50 characters
    values = ["欧" * 50, "欧" * 51, "a\x7fb", "tab\tok", "", "line\nbreak", "x\x1fy"]
    reasons = Reasons(len(values))
    _limits(name, pd.Series(values, dtype=STR), reasons)
    assert [i for i in range(len(values)) if reasons.bad[i]] == [1, 2, 6]
    assert "过长（51 个字符，最多 50 个字符）" in reasons.text(1) and "控制字符" in reasons.text(2)
