"""Bad input gets a clear error, and nothing is lost — on SQLite and on PostgreSQL.

Every test loads hand-made export files and then checks the ledger reconciles: each file's
rows_read = rows_loaded + rows_rejected, the staged rows and quarantined rows match those
counts, and every reject carries a reason.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from etl.cli import run_command
from cockpit.metrics.contracts import SOURCE_BY_ID
from etl.run import run
from exports import ARREST_HEADERS, arrest_row, csv_bytes, write_csv, write_xlsx

TODAY = dt.date(2024, 6, 30)
COLLECTION_HEADERS = [c.header for c in SOURCE_BY_ID["collection"].columns]


def load(engine, landing):
    return run(landing, engine, today=TODAY, progress=False)


def ledger(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM etl_file")).mappings().all()
    return {r["file_name"]: dict(r) for r in rows}


def rejects(engine, file_name=None) -> list[dict]:
    sql = "SELECT file_name, line_no, reason, raw FROM etl_reject"
    with engine.connect() as conn:
        rows = conn.execute(text(sql + (" WHERE file_name = :f" if file_name else "") + " ORDER BY line_no"),
                            {"f": file_name}).mappings().all()
    return [dict(r) for r in rows]


def staged(engine, table="stg_arrest") -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY file_name, line_no")).mappings()]


def assert_reconciles(engine):
    with engine.connect() as conn:
        files = conn.execute(text("SELECT file_name, source, rows_read, rows_loaded, rows_rejected FROM etl_file")).all()
        for name, source, read, loaded, rejected in files:
            assert read == loaded + rejected, name
            n_rej = conn.execute(text("SELECT count(*) FROM etl_reject WHERE file_name = :f"), {"f": name}).scalar()
            assert n_rej == rejected, name
            if source:
                n_stg = conn.execute(text(f"SELECT count(*) FROM stg_{source} WHERE file_name = :f"),
                                     {"f": name}).scalar()
                assert n_stg == loaded, name
        assert conn.execute(text("SELECT count(*) FROM etl_reject WHERE reason IS NULL OR reason = ''")).scalar() == 0


def fact(engine, measure, unit="140802", month="2024-03"):
    with engine.connect() as conn:
        return conn.execute(text("SELECT value FROM fact_measure WHERE unit_code = :u AND month = :m "
                                 "AND measure_id = :id"), {"u": unit, "m": month, "id": measure}).scalar()


def test_gb18030_file_loads_with_chinese_intact(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(i, 犯罪嫌疑人=f"欧阳{i}") for i in range(1, 6)], "gb18030")
    load(engine, landing)
    rows = staged(engine)
    assert [r["person_name"] for r in rows] == [f"欧阳{i}" for i in range(1, 6)]
    assert rows[0]["charge"] == "盗窃罪"
    assert ledger(engine)["a.csv"]["status"] == "loaded"
    assert fact(engine, "arrest_concluded") == 5
    assert_reconciles(engine)


def test_utf8_with_bom_reads_the_first_header(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(i) for i in range(1, 4)], "utf-8-sig")
    load(engine, landing)
    assert [r["case_no"] for r in staged(engine)] == [f"运盐检捕受〔2024〕{i}号" for i in range(1, 4)]
    assert_reconciles(engine)


def test_missing_required_column_rejects_every_row_and_names_the_column(engine, landing):
    headers = [h for h in ARREST_HEADERS if h != "审结日期"]
    write_csv(landing / "a.csv", headers, [arrest_row(i) for i in range(1, 4)])
    load(engine, landing)
    entry = ledger(engine)["a.csv"]
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"], entry["status"]) == (3, 0, 3, "rejected")
    reasons = {r["reason"] for r in rejects(engine)}
    assert len(reasons) == 1 and "缺少必填列「审结日期」" in reasons.pop()
    assert staged(engine) == []
    assert_reconciles(engine)


def test_extra_column_is_ignored_and_reported(engine, landing):
    rows = [dict(arrest_row(i), 备注="已复核") for i in range(1, 4)]
    write_csv(landing / "a.csv", ARREST_HEADERS + ["备注"], rows)
    load(engine, landing)
    entry = ledger(engine)["a.csv"]
    assert entry["rows_loaded"] == 3 and entry["status"] == "loaded"
    assert "备注" in entry["note"]
    assert_reconciles(engine)


def test_unparseable_date_is_quarantined_with_its_line(engine, landing):
    rows = [arrest_row(1), arrest_row(2, 审结日期="2024-02-30"), arrest_row(3, 受理日期="三月一日"), arrest_row(4)]
    write_csv(landing / "a.csv", ARREST_HEADERS, rows)
    load(engine, landing)
    bad = rejects(engine)
    assert [r["line_no"] for r in bad] == [3, 4]
    assert "「审结日期」的日期「2024-02-30」无法识别" in bad[0]["reason"]
    assert "「受理日期」的日期「三月一日」无法识别" in bad[1]["reason"]
    assert "运盐检捕受〔2024〕2号" in bad[0]["raw"]
    assert len(staged(engine)) == 2
    assert_reconciles(engine)


def test_several_date_spellings_are_read(engine, landing):
    spellings = ["2024-03-06", "2024/3/6", "2024年3月6日", "20240306", "2024-03-06 00:00:00"]
    rows = [arrest_row(i, 审结日期=s) for i, s in enumerate(spellings, start=1)]
    write_csv(landing / "a.csv", ARREST_HEADERS, rows)
    load(engine, landing)
    assert {str(r["concluded_date"])[:10] for r in staged(engine)} == {"2024-03-06"}
    assert fact(engine, "arrest_review_days") == 5 * 5


def test_date_in_the_future_is_rejected(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2, 审结日期="2024-07-01")])
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 3 and "晚于今天（2024-06-30）" in bad["reason"]
    assert_reconciles(engine)


def test_unknown_unit_code_is_rejected(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2, 承办单位编码="140899")])
    load(engine, landing)
    (bad,) = rejects(engine)
    assert "未知单位编码「140899」" in bad["reason"]
    assert_reconciles(engine)


def test_negative_count_is_rejected(engine, landing):
    rows = [
        {"统计月份": "2024-03", "模型编号": "M01", "建设单位编码": "140800", "数据来源单位": "公安戒毒管理部门",
         "采集数据量(条)": "1234"},
        {"统计月份": "2024-03", "模型编号": "M01", "建设单位编码": "140800", "数据来源单位": "强制隔离戒毒所",
         "采集数据量(条)": "-5"},
    ]
    write_csv(landing / "c.csv", COLLECTION_HEADERS, rows)
    load(engine, landing)
    (bad,) = rejects(engine)
    assert "为负数（-5）" in bad["reason"]
    assert fact(engine, "records_collected", unit="140800") == 1234
    assert_reconciles(engine)


def test_duplicate_rows_within_a_file_and_across_runs(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1), arrest_row(2), arrest_row(1)])
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 4 and "重复记录" in bad["reason"] and "第2行" in bad["reason"]
    write_csv(landing / "b.csv", ARREST_HEADERS, [arrest_row(2), arrest_row(3)])
    load(engine, landing)
    bad_b = rejects(engine, "b.csv")
    assert [r["line_no"] for r in bad_b] == [2]
    assert "已由文件「a.csv」第3行导入" in bad_b[0]["reason"]
    assert fact(engine, "arrest_concluded") == 3
    assert_reconciles(engine)


def test_same_file_twice_under_another_name_is_loaded_once(engine, landing):
    data = csv_bytes(ARREST_HEADERS, [arrest_row(i) for i in range(1, 5)])
    (landing / "a.csv").write_bytes(data)
    (landing / "copy of a.csv").write_bytes(data)
    summary = load(engine, landing)
    files = ledger(engine)
    assert files["a.csv"]["status"] == "loaded"
    assert files["copy of a.csv"]["status"] == "duplicate" and "a.csv" in files["copy of a.csv"]["note"]
    assert fact(engine, "arrest_concluded") == 4
    assert summary.rows_loaded == 4
    again = load(engine, landing)
    assert again.files == [] and again.run_id is None
    assert_reconciles(engine)


def test_rerun_over_the_same_files_changes_nothing(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(i) for i in range(1, 9)] + [arrest_row(1)])
    load(engine, landing)
    before = (ledger(engine), rejects(engine), staged(engine))
    with engine.connect() as conn:
        facts = conn.execute(text("SELECT * FROM fact_measure ORDER BY measure_id")).all()
        runs = conn.execute(text("SELECT count(*) FROM etl_run")).scalar()
    load(engine, landing)
    assert (ledger(engine), rejects(engine), staged(engine)) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM fact_measure ORDER BY measure_id")).all() == facts
        assert conn.execute(text("SELECT count(*) FROM etl_run")).scalar() == runs


def test_file_cut_off_mid_row(engine, landing):
    data = csv_bytes(ARREST_HEADERS, [arrest_row(i) for i in range(1, 6)], "gb18030")
    cut = data[: data.rindex("盗窃罪".encode("gb18030")) + 3]  # inside the last row, mid-character
    (landing / "a.csv").write_bytes(cut)
    load(engine, landing)
    entry = ledger(engine)["a.csv"]
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"]) == (5, 4, 1)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 6 and "截断" in bad["reason"]
    assert "截断" in entry["note"]
    assert_reconciles(engine)


def test_empty_file_fails_with_a_clear_message_and_exit_code(db_url, tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "empty.csv").write_bytes(b"")
    write_csv(landing / "a.csv", ARREST_HEADERS, [arrest_row(1)])
    assert run_command(landing, db_url, quiet=True) == 1
    from cockpit.metrics.engine import make_engine
    engine = make_engine(db_url)
    files = ledger(engine)
    assert files["empty.csv"]["status"] == "failed" and "文件为空" in files["empty.csv"]["note"]
    assert files["empty.csv"]["rows_read"] == 0
    assert files["a.csv"]["status"] == "loaded"
    assert_reconciles(engine)
    engine.dispose()


def test_header_only_file_is_empty_not_failed(engine, landing):
    write_csv(landing / "a.csv", ARREST_HEADERS, [])
    load(engine, landing)
    assert ledger(engine)["a.csv"]["status"] == "empty"


def test_xlsx_with_a_title_row_above_the_header(engine, landing):
    rows = [arrest_row(i, 审结日期="2024年3月6日") for i in range(1, 4)]
    write_xlsx(landing / "a.xlsx", ARREST_HEADERS, rows, title="盐湖区人民检察院审查逮捕人员（2024年3月）")
    load(engine, landing)
    assert len(staged(engine)) == 3
    assert fact(engine, "arrest_concluded") == 3
    write_xlsx(landing / "b.xlsx", ARREST_HEADERS, [arrest_row(7, 审查结论="逮捕")], title="标题")
    load(engine, landing)
    (bad,) = rejects(engine, "b.xlsx")
    assert bad["line_no"] == 3  # Excel row 3: title, header, then the row
    assert "「审查结论」的值「逮捕」不在允许范围" in bad["reason"]
    assert_reconciles(engine)


def test_unrecognised_file_fails_and_nothing_else_is_touched(engine, landing):
    (landing / "notes.csv").write_text("姓名,电话\n张三,123\n", encoding="utf-8")
    (landing / "readme.txt").write_text("hello", encoding="utf-8")
    summary = load(engine, landing)
    files = ledger(engine)
    assert files["notes.csv"]["status"] == "failed" and "无法识别" in files["notes.csv"]["note"]
    assert files["readme.txt"]["status"] == "failed" and "不支持的文件类型" in files["readme.txt"]["note"]
    assert len(summary.failed) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_row_with_too_many_fields(engine, landing, encoding):
    data = csv_bytes(ARREST_HEADERS, [arrest_row(1), arrest_row(2)], encoding)
    data += "运盐检捕受〔2024〕3号,140802,盐湖区人民检察院,李三,,盗窃罪,2024-03-01,2024-03-05,批准逮捕,,,,,多余\n".encode(encoding)
    (landing / "a.csv").write_bytes(data)
    load(engine, landing)
    (bad,) = rejects(engine)
    assert bad["line_no"] == 4 and "多于表头" in bad["reason"]
    assert len(staged(engine)) == 2
    assert_reconciles(engine)


def test_flags_and_enums_accept_common_variants_and_reject_others(engine, landing):
    rows = [arrest_row(1, 审查结论="批准逮捕 "), arrest_row(2, 评估等级="高"), arrest_row(3, 评估等级="极高")]
    write_csv(landing / "a.csv", ARREST_HEADERS, rows)
    pros_headers = [c.header for c in SOURCE_BY_ID["prosecution"].columns]
    base = {"部门受案号": "运盐检刑诉受〔2024〕1号", "承办单位编码": "140802", "犯罪嫌疑人": "赵一", "涉嫌罪名": "盗窃罪",
            "受理日期": "2024-02-01", "审结日期": "2024-03-01", "审结情况": "提起公诉", "审结时强制措施": "取保候审",
            "量刑建议": "确定刑", "法院是否采纳量刑建议": ""}
    pros = [dict(base, 是否认罪认罚="是"), dict(base, 部门受案号="运盐检刑诉受〔2024〕2号", 是否认罪认罚="Y"),
            dict(base, 部门受案号="运盐检刑诉受〔2024〕3号", 是否认罪认罚="认罪")]
    write_csv(landing / "p.csv", pros_headers, pros)
    load(engine, landing)
    (bad_a,) = rejects(engine, "a.csv")
    assert bad_a["line_no"] == 4 and "「评估等级」的值「极高」不在允许范围（低、中、高）" in bad_a["reason"]
    (bad_p,) = rejects(engine, "p.csv")
    assert bad_p["line_no"] == 4 and "「是否认罪认罚」的值「认罪」应为“是”或“否”" in bad_p["reason"]
    assert fact(engine, "pros_plea") == 2
    assert fact(engine, "arrest_approved") == 1  # row 1, "批准逮捕 " with a trailing blank, counts
    assert_reconciles(engine)


def test_event_rows_must_carry_the_fields_their_kind_needs(engine, landing):
    headers = [c.header for c in SOURCE_BY_ID["nc_event"].columns]
    base = {"承办单位编码": "140802", "人员编号": "FJY140802-2024-0001", "发生时间": "2024-03-05 08:00:00"}
    rows = [dict(base, 事件编号="SJ1", 事件类型="打卡", 结果="已打卡"),
            dict(base, 事件编号="SJ2", 事件类型="预警", 预警类型="越界预警", 处置时间="2024-03-05 09:30:00",
                 处置结果="核实正常"),
            dict(base, 事件编号="SJ3", 事件类型="预警"),
            dict(base, 事件编号="SJ4", 事件类型="打卡"),
            dict(base, 事件编号="SJ5", 事件类型="预警", 预警类型="脱管预警", 处置时间="2024-03-05 07:00:00")]
    write_csv(landing / "e.csv", headers, rows)
    load(engine, landing)
    bad = rejects(engine)
    assert [r["line_no"] for r in bad] == [4, 5, 6]
    assert "必须填写「预警类型」" in bad[0]["reason"]
    assert "必须填写「结果」" in bad[1]["reason"]
    assert "处置时间早于发生时间" in bad[2]["reason"]
    assert fact(engine, "nc_warnings_in_time") == 1
    assert_reconciles(engine)
