"""Uploads load in the background (issue 11): the ETL's per-file progress hooks, the job status
that survives a reload and is seen by a second administrator, interrupted jobs, and two uploads
at once. In process, on SQLite and PostgreSQL where a database is involved."""
from __future__ import annotations

import json
import os
import threading

import pytest
from sqlalchemy import func, select

from cockpit.auth import testing as T
from cockpit.auth import upload as UP
from cockpit.auth import upload_jobs as UJ
from cockpit.metrics.schema import etl_file
from etl import ingest as etl_ingest
from tests import exports as X
from tests.test_auth_upload import (EXPORT, client_as, data_url, job_id_of, show_job, start_upload, text_of,
                                    upload_and_wait)


def arrest_csv(first: int, n: int = 3) -> bytes:
    return X.csv_bytes(X.ARREST_HEADERS, [X.arrest_row(first + i) for i in range(n)])


# --------------------------------------------------------------------------- the ETL's hooks

def test_load_reports_each_new_file_and_each_interface(engine, landing):
    X.write_csv(landing / "a_arrest.csv", X.ARREST_HEADERS, [X.arrest_row(1), X.arrest_row(2)])
    X.write_csv(landing / "b_arrest.csv", X.ARREST_HEADERS, [X.arrest_row(3)])
    X.write_source(landing, "prosecution", [X.prosecution_row(1)], name="c_prosecution.csv")
    files, sources = [], []
    summary = etl_ingest.load(landing, engine, on_file=lambda *a: files.append(a),
                              on_source=lambda *a: sources.append(a))
    assert files == [(1, 3, "a_arrest.csv"), (2, 3, "b_arrest.csv"), (3, 3, "c_prosecution.csv")]
    assert sorted(s[2] for s in sources) == sorted({X.SOURCE_BY_ID["arrest"].name, X.SOURCE_BY_ID["prosecution"].name})
    assert [s[:2] for s in sources] == [(1, 2), (2, 2)]
    assert summary.run_id is not None
    # a file already in the ledger is not counted: one new file is "1/1"
    X.write_csv(landing / "d_arrest.csv", X.ARREST_HEADERS, [X.arrest_row(4)])
    files.clear()
    etl_ingest.load(landing, engine, on_file=lambda *a: files.append(a))
    assert files == [(1, 1, "d_arrest.csv")]


def test_upload_ingest_reports_checks_then_reads(engine, landing):
    seen = []
    result = UP.ingest(engine, landing, [("审查逮捕_1.csv", arrest_csv(10)), ("notes.csv", "备注\n1\n".encode())],
                       50 * 1024 * 1024, report=lambda *a: seen.append(a))
    assert seen[:3] == [("check", 1, 2, "审查逮捕_1.csv"), ("check", 2, 2, "notes.csv"), ("load", 0, 1, "")]
    reads = [s for s in seen if s[0] == "read"]
    assert len(reads) == 1 and reads[0][1:3] == (1, 1) and reads[0][3].endswith("审查逮捕_1.csv")
    assert [s[0] for s in seen][-1] == "stage"
    assert result.run_id is not None and result.refused and result.refused[0][0] == "notes.csv"


# --------------------------------------------------------------------------- the job store (no database)

def test_a_job_reports_progress_and_keeps_its_result(tmp_path):
    gate, reported = threading.Event(), threading.Event()

    def work(report):
        report("read", 3, 12, "uploads/2026-12-06/审查逮捕.csv")
        reported.set()
        assert gate.wait(30)
        return UP.UploadResult(files=[UP.FileRow("uploads/2026-12-06/审查逮捕.csv", "全部导入", rows_read=5,
                                                 rows_loaded=5)], run_id=7, seconds=1.5)
    job_id = UJ.submit(tmp_path, work, ["审查逮捕.csv"], "管理员甲")
    assert reported.wait(30)
    job = UJ.read(tmp_path, job_id)
    assert job["state"] == UJ.RUNNING and (job["phase"], job["pos"], job["total"]) == ("read", 3, 12)
    assert job["current"].endswith("审查逮捕.csv") and job["by"] == "管理员甲"
    assert [j["id"] for j in UJ.active(tmp_path)] == [job_id]
    gate.set()
    done = UJ.wait(tmp_path, job_id, 30)
    assert done["state"] == UJ.DONE and done["result"]["run_id"] == 7
    assert done["result"]["files"][0]["rows_loaded"] == 5
    # what a reload reads: the file on disk, the newest job first
    assert UJ.latest(tmp_path)["id"] == job_id and UJ.active(tmp_path) == []
    assert not any(p.name.startswith(".job-") for p in (tmp_path / UJ.JOB_DIR).iterdir())   # no temporary left


def test_a_failing_job_fails_in_chinese(tmp_path, caplog):
    def work(report):
        raise RuntimeError("psycopg.OperationalError: server closed the connection")
    job = UJ.wait(tmp_path, UJ.submit(tmp_path, work, ["a.csv"], "甲"), 30)
    assert job["state"] == UJ.FAILED and job["error"] == UJ.JOB_FAILED and "psycopg" not in json.dumps(job)
    assert "server closed the connection" in caplog.text


def test_a_job_whose_thread_is_gone_reads_as_interrupted(tmp_path):
    folder = tmp_path / UJ.JOB_DIR
    folder.mkdir()
    mine = UJ._new(["a.csv"], "甲")
    mine.update(state=UJ.RUNNING)                         # this process, but no thread runs it
    dead = UJ._new(["b.csv"], "乙")
    dead.update(state=UJ.RUNNING, pid=2 ** 22 + 12345)    # a worker process that is gone
    for job in (mine, dead):
        (folder / f"{job['id']}.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    for job in (mine, dead):
        got = UJ.read(tmp_path, job["id"])
        assert got["state"] == UJ.INTERRUPTED and "中断" in got["error"]
    assert UJ.active(tmp_path) == []


def test_a_job_that_ends_while_it_is_read_is_not_interrupted(tmp_path, monkeypatch):
    """The status read said "running", then the thread wrote "done" and left: read again."""
    job = UJ._new(["a.csv"], "甲")
    (tmp_path / UJ.JOB_DIR).mkdir()
    (tmp_path / UJ.JOB_DIR / f"{job['id']}.json").write_text("{}", encoding="utf-8")
    states = iter([dict(job, state=UJ.RUNNING), dict(job, state=UJ.DONE, result={})])
    monkeypatch.setattr(UJ, "_load", lambda path: next(states))
    assert UJ.read(tmp_path, job["id"])["state"] == UJ.DONE


@pytest.mark.parametrize("bad", ["../../etc/passwd", "a/b", "", None, "x" * 100, "..", "a.json"])
def test_job_ids_from_the_browser_are_never_paths(tmp_path, bad):
    assert UJ.read(tmp_path, bad) is None


def test_old_jobs_are_pruned(tmp_path):
    ids = [UJ.finished(tmp_path, UP.UploadResult(), [f"{i}.csv"], "甲") for i in range(UJ.KEEP + 1)]
    UJ.wait(tmp_path, UJ.submit(tmp_path, lambda report: UP.UploadResult(), ["new.csv"], "甲"), 30)
    left = {p.stem for p in (tmp_path / UJ.JOB_DIR).glob("*.json")}
    assert len(left) == UJ.KEEP and ids[0] not in left and ids[-1] in left


def test_jobs_run_one_at_a_time(tmp_path):
    gate, first_running = threading.Event(), threading.Event()
    order = []

    def first(report):
        order.append("first")
        first_running.set()
        assert gate.wait(30)
        order.append("first done")
        return UP.UploadResult()

    def second(report):
        order.append("second")
        return UP.UploadResult()
    a = UJ.submit(tmp_path, first, ["a.csv"], "甲")
    assert first_running.wait(30)
    b = UJ.submit(tmp_path, second, ["b.csv"], "乙")
    assert UJ.wait(tmp_path, b, 0.5)["state"] == UJ.QUEUED          # waits for the first
    gate.set()
    assert UJ.wait(tmp_path, a, 30)["state"] == UJ.DONE and UJ.wait(tmp_path, b, 30)["state"] == UJ.DONE
    assert order == ["first", "first done", "second"]


# --------------------------------------------------------------------------- through the page

@pytest.fixture
def app(engine, tmp_path):
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


def test_the_upload_answers_at_once_and_the_page_follows_the_job(app, engine, tmp_path, monkeypatch):
    """While the load runs the page shows 正在导入 n/N：file; a reload (no job id in the tab) and a
    second administrator see the same job and then its result; the ledger is refreshed."""
    gate, started = threading.Event(), threading.Event()
    real_load = etl_ingest.load

    def slow_load(landing, engine, on_file=None, on_source=None):
        def hold(pos, total, name):
            on_file(pos, total, name)
            if pos == 1:
                started.set()
                assert gate.wait(60)
        return real_load(landing, engine, on_file=hold, on_source=on_source)
    monkeypatch.setattr(UP.etl_ingest, "load", slow_load)
    admin = client_as(app, engine, "admin")
    other = T.create_user(engine, "up_admin2", "admin")      # before the load: SQLite has one writer
    second = app.server.test_client()
    assert T.login(second, "up_admin2", other).status_code == 302
    files = [("审查逮捕_甲.csv", arrest_csv(100)), ("审查逮捕_乙.csv", arrest_csv(200))]
    resp = start_upload(admin, {"names": [n for n, _ in files], "contents": [data_url(d) for _, d in files]})
    assert resp.status_code == 200
    job_id = job_id_of(resp)
    assert started.wait(60)
    running = show_job(admin, job_id)
    body = running.get_json()["response"]
    text = text_of(running)
    assert "正在导入 1/2：uploads/" in text and "审查逮捕_" in text
    assert body["adm-job-poll"]["disabled"] is False                   # keeps polling
    # a reload of the page (the tab's job id kept or not) and a second administrator
    for client, jid in ((admin, None), (second, None), (second, job_id)):
        assert "正在导入 1/2" in text_of(show_job(client, jid))
    gate.set()
    job = UJ.wait(app.server.extensions["cockpit_auth"].settings.landing, job_id, 120)
    assert job["state"] == UJ.DONE
    for client in (admin, second):
        done = show_job(client, None)
        body = done.get_json()["response"]
        dtext = text_of(done)
        assert "导入完成" in dtext and dtext.count("已导入") == 2 and "正在导入" not in dtext
        assert body["adm-job-poll"]["disabled"] is True                 # stops polling
        assert body["adm-ledger-version"]["data"] == 1                  # the ledger is redrawn
        assert body["adm-job-view"]["data"]["done"] == job_id
    # nothing changed since: no redraw, no second ledger refresh
    seen = body["adm-job-view"]["data"]
    again = show_job(admin, job_id, seen=seen)
    assert again.status_code in (200, 204)
    if again.status_code == 200:
        assert "adm-upload-result" not in again.get_json()["response"]


@pytest.mark.parametrize("role", ["leader", "county"])
def test_others_see_no_upload_job(app, engine, tmp_path, role):
    admin = client_as(app, engine, "admin")
    upload_and_wait(admin, app, {"names": ["审查逮捕.csv"], "contents": [data_url(EXPORT)]})
    client = client_as(app, engine, role)
    assert show_job(client, None).status_code == 403


def test_two_uploads_at_once_load_each_file_once(app, engine, tmp_path):
    a = client_as(app, engine, "admin")
    other = T.create_user(engine, "up_admin3", "admin")
    b = app.server.test_client()
    assert T.login(b, "up_admin3", other).status_code == 302
    ids, errors = {}, []

    def go(client, key, first):
        try:
            files = [(f"审查逮捕_{key}{i}.csv", arrest_csv(first + 10 * i)) for i in range(2)]
            resp = start_upload(client, {"names": [n for n, _ in files], "contents": [data_url(d) for _, d in files]})
            ids[key] = job_id_of(resp)
        except Exception as err:  # noqa: BLE001
            errors.append(err)
    threads = [threading.Thread(target=go, args=(a, "a", 1000)), threading.Thread(target=go, args=(b, "b", 2000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and set(ids) == {"a", "b"}
    landing = app.server.extensions["cockpit_auth"].settings.landing
    jobs = [UJ.wait(landing, ids[k], 120) for k in "ab"]
    assert all(j["state"] == UJ.DONE and not j["result"]["error"] for j in jobs), jobs
    with engine.connect() as conn:
        names = conn.execute(select(etl_file.c.file_name, etl_file.c.rows_loaded)).all()
        n_rows = conn.execute(select(func.sum(etl_file.c.rows_loaded))).scalar()
    assert sorted(n.rsplit("/", 1)[1] for n, _ in names) == ["审查逮捕_a0.csv", "审查逮捕_a1.csv",
                                                             "审查逮捕_b0.csv", "审查逮捕_b1.csv"]
    assert n_rows == 12 and all(r == 3 for _, r in names)
    # both results are kept and shown per job
    for k in "ab":
        assert "导入完成" in text_of(show_job(a, ids[k]))
    assert os.path.isdir(landing / UJ.JOB_DIR)
