"""Uploads by an administrator: type, size and content checks, the ETL run with per-file results,
masked rejected rows, the ledger — and that nobody else can upload. On SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import pytest
import xlsxwriter

from cockpit.auth import audit
from cockpit.auth import testing as T
from cockpit.auth import upload as UP
from cockpit.auth import upload_jobs as UJ

HEADER = ("部门受案号,承办单位编码,承办单位,犯罪嫌疑人,公民身份号码,涉嫌罪名,受理日期,审结日期,审查结论,不捕理由,"
          "社会危险性评估分值,评估等级,触发指标")
GOOD = "运盐检刑捕受[2024]301号,140802,盐湖区人民检察院,王小明,140802199001011234,盗窃罪,2024-03-02,2024-03-08,批准逮捕,,70,高,"
BAD_DATE = ("运盐检刑捕受[2024]302号,140802,盐湖区人民检察院,张三丰,140802199202021234,诈骗罪,2024-03-09,2024-03-01,"
            "不批准逮捕,无社会危险性,20,低,")
BAD_UNIT = "运盐检刑捕受[2024]303号,999999,盐湖区人民检察院,李四,140802199303031234,盗窃罪,2024-03-02,2024-03-08,批准逮捕,,70,高,"
EXPORT = (HEADER + "\n" + "\n".join([GOOD, BAD_DATE, BAD_UNIT]) + "\n").encode("utf-8")
MB = 1024 * 1024


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for i, row in enumerate(rows):
        ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


# --------------------------------------------------------------------------- the checks (no database)

def test_accepts_exports():
    assert UP.check_file("审查逮捕.csv", EXPORT, 50 * MB) == "csv"
    assert UP.check_file("审查逮捕.CSV", EXPORT, 50 * MB) == "csv"
    xlsx = xlsx_bytes([HEADER.split(","), GOOD.split(",")])
    assert UP.check_file("审查逮捕.xlsx", xlsx, 50 * MB) == "xlsx"


@pytest.mark.parametrize("name, data, why", [
    ("report.pdf", b"%PDF-1.4 ...", "不接受「.pdf」"),
    ("noextension", EXPORT, "无扩展名"),
    ("run.exe.csv", b"MZ\x90\x00" + b"\x00" * 100, "不是文本格式"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "不是文本格式"),
    ("zipped.csv", b"PK\x03\x04" + b"\x00" * 50, "不是文本格式"),
    ("fake.xlsx", b"just text, renamed", "扩展名与内容不符"),
    ("fake.xls", b"just text, renamed", "扩展名与内容不符"),
    ("empty.csv", b"", "文件为空"),
    ("notes.csv", "备注,说明\n随便,写写\n".encode("utf-8"), "不是规定的导出表"),
    ("notes.xlsx", None, "不是规定的导出表"),
    ("other.xlsx", None, "不是 Excel 工作簿"),
])
def test_refuses_what_is_not_an_export(name, data, why):
    if name == "notes.xlsx":
        data = xlsx_bytes([["备注", "说明"], ["随便", "写写"]])
    if name == "other.xlsx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("word/document.xml", "<w/>")
        data = buf.getvalue()
    with pytest.raises(UP.Refused, match=why):
        UP.check_file(name, data, 50 * MB)


def test_refuses_oversized_files():
    big = EXPORT + b"x" * (2 * MB)
    with pytest.raises(UP.Refused, match="文件过大.*不能超过 1 MB"):
        UP.check_file("审查逮捕.csv", big, 1 * MB)


@pytest.mark.parametrize("name, safe", [
    ("审查逮捕_2024-03.csv", "审查逮捕_2024-03.csv"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\windows\\x.CSV", "x.csv"),
    ("<img src=x onerror=alert(1)>.csv", "_img src=x onerror=alert(1)_.csv"),
    (".hidden.csv", "hidden.csv"),
    ("a\x00b\n.csv", "ab.csv"),
    ("", "upload"),
])
def test_safe_names(name, safe):
    assert UP.safe_name(name) == safe


def test_mask_raw():
    header = HEADER.split(",")
    masked = UP.mask_raw(BAD_DATE, header, "arrest")
    assert "张三丰" not in masked and "张**" in masked
    assert "140802199202021234" not in masked and "140802********1234" in masked
    assert "诈骗罪" in masked                               # not personal: kept
    # without the header (file gone) short Chinese fields are masked as names anyway
    blind = UP.mask_raw(BAD_DATE, None, None)
    assert "张三丰" not in blind and "199202021234" not in blind
    # a row that does not line up with the header (an unquoted comma) is masked blindly too
    shifted = UP.mask_raw(BAD_DATE.replace("张三丰", "张三丰,多余"), header, "arrest")
    assert "张三丰" not in shifted


# --------------------------------------------------------------------------- through the page's callback

@pytest.fixture
def app(engine, tmp_path):
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


def client_as(app, engine, role):
    client = app.server.test_client()
    pw = T.create_user(engine, f"up_{role}", role, unit="140802" if role == "county" else None)
    assert T.login(client, f"up_{role}", pw).status_code == 302
    return client


def data_url(data: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


UPLOAD_OUTPUT = "..adm-job.data...adm-upload.contents.."
SHOW_OUTPUT = "..adm-upload-result.children...adm-job-poll.disabled...adm-ledger-version.data...adm-job-view.data.."


def start_upload(client, payload):
    """The upload callback: it answers at once with the background job's id."""
    return T.post_callback(client, UPLOAD_OUTPUT,
                           inputs=[{"id": "adm-upload-data", "property": "data", "value": payload}])


def show_job(client, job_id, seen=None):
    """The page's poll: the job's progress or result."""
    return T.post_callback(client, SHOW_OUTPUT,
                           inputs=[{"id": "adm-job-poll", "property": "n_intervals", "value": 1},
                                   {"id": "adm-job", "property": "data", "value": job_id}],
                           state=[{"id": "adm-ledger-version", "property": "data", "value": 0},
                                  {"id": "adm-job-view", "property": "data", "value": seen}])


def job_id_of(resp) -> str:
    return resp.get_json()["response"]["adm-job"]["data"]


def upload_and_wait(client, app, payload):
    """Start an upload, wait for its job to end, and answer what the page then shows."""
    resp = start_upload(client, payload)
    if resp.status_code != 200:
        return resp
    job_id = job_id_of(resp)
    landing = app.server.extensions["cockpit_auth"].settings.landing
    job = UJ.wait(landing, job_id, timeout=120)
    assert job is not None and job["state"] not in UJ.ACTIVE, job
    return show_job(client, job_id)


def post_upload(client, files: list[tuple[str, bytes]], app=None):
    payload = {"names": [n for n, _ in files], "contents": [data_url(d) for _, d in files]}
    return upload_and_wait(client, app or T.shared_app(), payload)


def text_of(resp) -> str:
    return json.dumps(resp.get_json(), ensure_ascii=False)


def test_admin_uploads_and_sees_results_and_masked_rejects(app, engine, tmp_path):
    client = client_as(app, engine, "admin")
    resp = post_upload(client, [("审查逮捕_2024-03.csv", EXPORT), ("notes.csv", "备注\n1\n".encode())])
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    text = text_of(resp)
    # per file: rows read / loaded / rejected
    assert "部分导入" in text and "审查逮捕人员" in text
    stored = list((tmp_path / "landing" / "uploads").rglob("*.csv"))
    assert [p.name for p in stored] == ["审查逮捕_2024-03.csv"]            # notes.csv was refused, not stored
    assert "notes.csv" in text and "不是规定的导出表" in text
    # rejected rows with reasons, personal data masked
    assert "审结日期早于受理日期" in text and "未知单位编码「999999」" in text
    assert "张三丰" not in text and "张**" in text and "140802199202021234" not in text
    assert "李四" not in text
    # the ledger
    ledger = T.post_callback(client, "..adm-ledger.children...adm-ledger-file.options..",
                             inputs=[{"id": "adm-ledger-version", "property": "data", "value": 1}])
    ltext = text_of(ledger)
    assert "uploads/" in ltext and "审查逮捕_2024-03.csv" in ltext and "部分导入" in ltext
    rel = stored[0].relative_to(tmp_path / "landing").as_posix()
    rej = T.post_callback(client, "adm-ledger-rejects.children",
                          inputs=[{"id": "adm-ledger-file", "property": "value", "value": rel}])
    rtext = text_of(rej)
    assert "审结日期早于受理日期" in rtext and "张三丰" not in rtext
    # the audit log has the upload, the refusal and the run
    events = {r.event for r in audit.entries(engine, None, page_size=100)[0]}
    assert {"upload", "upload_refused", "etl_run"} <= events
    # the same file again is not loaded twice
    again = text_of(post_upload(client, [("审查逮捕_2024-03.csv", EXPORT)]))
    assert "此前已导入" in again


def test_oversized_upload_is_refused_with_a_message(app, engine):
    client = client_as(app, engine, "admin")
    state = app.server.extensions["cockpit_auth"]
    saved = state.settings.upload_max_bytes
    state.settings.upload_max_bytes = 1024
    try:
        resp = post_upload(client, [("审查逮捕.csv", EXPORT + b"x" * 2048)])
        assert "文件过大" in text_of(resp)
        # what the browser sends when its own size check stops a file
        resp = upload_and_wait(client, app, {"too_big": ["大文件.csv"]})
        assert "大文件.csv" in text_of(resp) and "文件超过" in text_of(resp)
    finally:
        state.settings.upload_max_bytes = saved
    # beyond the request limit the server answers 413, in Chinese, without reading it all
    huge = b"x" * (app.server.config["MAX_CONTENT_LENGTH"] + 1)
    resp = client.post("/_dash-update-component", data=huge, content_type="application/json",
                       headers=T.csrf_header(client))
    assert resp.status_code == 413 and "上传的内容超过" in resp.get_json()["error"]


def test_hostile_file_names_stay_text(app, engine, tmp_path):
    client = client_as(app, engine, "admin")
    name = '<img src=x onerror=alert(1)>"javascript:alert(2)".csv'
    resp = post_upload(client, [(name, EXPORT)])
    assert resp.status_code == 200
    stored = [p.name for p in (tmp_path / "landing" / "uploads").rglob("*.csv")]
    assert stored == ['_img src=x onerror=alert(1)__javascript_alert(2)_.csv']
    body = resp.get_json()
    # names travel as plain strings inside text children: no markup, no href, no raw-HTML component
    dumped = json.dumps(body, ensure_ascii=False)
    assert '"href"' not in dumped and "dangerously_allow_html" not in dumped and "Markdown" not in dumped


@pytest.mark.parametrize("role", ["leader", "county"])
def test_only_admins_upload(app, engine, tmp_path, role):
    client = client_as(app, engine, role)
    resp = post_upload(client, [("审查逮捕.csv", EXPORT)])
    assert resp.status_code == 403
    resp = post_upload(client, [("审查逮捕.csv", EXPORT + b"x" * 3 * MB)])
    assert resp.status_code == 413                     # not even parsed
    assert not (tmp_path / "landing").exists() or not list((tmp_path / "landing").rglob("*.csv"))


# --------------------------------------------------------------------------- hostile uploads (issue 11)

LONG_NAME = "运城市人民检察院" * 36 + "审查逮捕人员导出.CSV"     # 300 characters
ENGLISH = ("psycopg", "CharacterNotInRepertoire", "pyarrow", "straddl", "Traceback", "Error", "calamine")


def test_long_names_are_shortened_keeping_extension_and_uniqueness():
    assert len(LONG_NAME) == 300
    a = UP.safe_name(LONG_NAME)
    b = UP.safe_name(LONG_NAME.replace("导出", "补报"))                # differs only near the end
    for name in (a, b):
        assert len(name.encode("utf-8")) <= UP.NAME_BYTES and name.endswith(".csv")
        assert name.startswith("运城市人民检察院")
    assert a != b
    assert UP.safe_name("审查逮捕_2024-03.csv") == "审查逮捕_2024-03.csv"   # short names stay as they are


def test_a_300_character_name_does_not_stop_the_batch(app, engine, tmp_path):
    client = client_as(app, engine, "admin")
    other = EXPORT.replace("[2024]301号".encode(), "[2024]309号".encode())
    resp = post_upload(client, [(LONG_NAME, EXPORT), ("审查逮捕_b.csv", other)])
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    stored = sorted(p.name for p in (tmp_path / "landing" / "uploads").rglob("*.csv"))
    assert len(stored) == 2 and "审查逮捕_b.csv" in stored
    assert all(len(n.encode()) <= UP.NAME_BYTES for n in stored)
    assert text_of(resp).count("部分导入") == 2                      # both files were loaded


def test_a_nul_byte_after_64_kb_loads_the_other_rows(app, engine, tmp_path):
    """The upload check reads the first 64 KB only; the load quarantines the row (PostgreSQL
    used to fail the whole load with psycopg's English error on the page)."""
    client = client_as(app, engine, "admin")
    rows = [GOOD.replace("301号", f"{4000 + i}号") for i in range(600)]
    data = (HEADER + "\n" + "\n".join(rows) + "\n" + GOOD.replace("盗窃罪", "盗窃\x00罪").replace("301号", "999号")
            + "\n").encode("utf-8")
    assert b"\x00" not in data[:65536] and b"\x00" in data
    text = text_of(post_upload(client, [("审查逮捕_nul.csv", data)]))
    assert "部分导入" in text and "控制字符" in text
    assert not any(word in text for word in ENGLISH)


def test_a_failed_load_is_shown_in_chinese_and_logged(app, engine, tmp_path, monkeypatch, caplog):
    def broken(*_a, **_k):
        raise RuntimeError('psycopg.errors.CharacterNotInRepertoire: invalid byte sequence for encoding "UTF8": 0x00')
    monkeypatch.setattr(UP.etl_ingest, "load", broken)
    client = client_as(app, engine, "admin")
    with caplog.at_level("ERROR"):
        text = text_of(post_upload(client, [("审查逮捕.csv", EXPORT)]))
    assert "导入失败，数据未发生任何变化" in text
    assert not any(word in text for word in ENGLISH)
    assert "CharacterNotInRepertoire" in caplog.text                 # the detail is in the server's log


def chinese_sentence(message: str) -> bool:
    """Chinese, and no English beyond the names of the formats."""
    plain = re.sub(r"Excel|xlsx|xls|CSV|XLSX|XLS", "", message)
    return bool(re.search("[\u4e00-\u9fff]", plain)) and not re.search("[A-Za-z]{3,}", plain)


def test_refusals_are_chinese_sentences():
    """Broken workbooks: the reason names no parser's error text (calamine's was appended)."""
    good = xlsx_bytes([HEADER.split(","), GOOD.split(",")])
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    truncated = dict(parts, **{"xl/worksheets/sheet1.xml": parts["xl/worksheets/sheet1.xml"][:200]})
    garbage = {"xl/workbook.xml": b"<workbook><sheets><sheet r:id='rId1'/>", "xl/worksheets/sheet1.xml": b"<<<"}
    for members in (truncated, garbage):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        with pytest.raises(UP.Refused) as why:
            UP.check_file("坏表.xlsx", buf.getvalue(), 50 * MB)
        assert "无法打开" in str(why.value) and chinese_sentence(str(why.value)), str(why.value)


def test_a_workbook_reaching_xfd1048576_is_refused_not_fatal():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER.split(","))
    ws.write_row(1, 0, GOOD.split(","))
    ws.write(1048575, 16383, "x")
    wb.close()
    with pytest.raises(UP.Refused, match="使用范围过大"):
        UP.check_file("审查逮捕.xlsx", buf.getvalue(), 50 * MB)


WITHDRAW_OUTPUT = "..adm-withdraw-result.children...adm-withdraw-version.data.."


def withdraw(client, name):
    return T.post_callback(client, WITHDRAW_OUTPUT,
                           inputs=[{"id": "adm-withdraw", "property": "n_clicks", "value": 1}],
                           state=[{"id": "adm-withdraw-file", "property": "value", "value": name},
                                  {"id": "adm-withdraw-version", "property": "data", "value": 0}])


def test_an_admin_withdraws_an_upload_that_has_not_loaded(app, engine, tmp_path, monkeypatch):
    client = client_as(app, engine, "admin")
    landing = tmp_path / "landing"
    assert "部分导入" in text_of(post_upload(client, [("审查逮捕_loaded.csv", EXPORT)]))
    monkeypatch.setattr(UP.etl_ingest, "load", lambda *_a, **_k: (_ for _ in ()).throw(RuntimeError("pg down")))
    other = EXPORT.replace("[2024]301号".encode(), "[2024]399号".encode())
    assert "导入失败" in text_of(post_upload(client, [("审查逮捕_stuck.csv", other)]))
    monkeypatch.undo()
    (stuck,) = [p.relative_to(landing).as_posix() for p in landing.rglob("审查逮捕_stuck.csv")]
    (loaded,) = [p.relative_to(landing).as_posix() for p in landing.rglob("审查逮捕_loaded.csv")]
    assert UP.withdrawable(engine, landing) == [stuck]               # the loaded one is not offered
    options = T.post_callback(client, "adm-withdraw-file.options",
                              inputs=[{"id": "adm-ledger-version", "property": "data", "value": 1},
                                      {"id": "adm-withdraw-version", "property": "data", "value": 0}])
    assert stuck in text_of(options) and loaded not in text_of(options)
    resp = withdraw(client, stuck)
    assert resp.status_code == 200 and "已撤回文件" in text_of(resp)
    assert not (landing / stuck).exists() and (landing / loaded).exists()
    entries = audit.entries(engine, None, page_size=100)[0]
    assert any(e.event == "upload_withdrawn" and e.subject == stuck for e in entries)
    # a file with loaded rows, a path outside the uploads, a name already gone: refused, nothing deleted
    for name in (loaded, "../../etc/passwd", stuck):
        assert "撤回" not in text_of(withdraw(client, name)).replace("不能撤回", "").replace("已被撤回", "")
    assert (landing / loaded).exists()
    with pytest.raises(UP.Refused, match="不能撤回"):
        UP.withdraw(engine, landing, loaded)
    # only administrators
    assert withdraw(client_as(app, engine, "leader"), loaded).status_code == 403
