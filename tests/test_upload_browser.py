"""Uploads in a real browser (issue 11): an administrator uploads two exports, the page shows the
background job's per-file progress, a reload during the load still shows it running, then the
result and the ledger; a reload after the load still shows the result. No console error, no
request to another host."""
from __future__ import annotations

import sqlite3

import pytest
from browser_support import SCREENSHOTS, running_app, wait_for_dash

from tests import exports as X

pytestmark = pytest.mark.browser

RESULT = "#adm-upload-result"


# gunicorn as in production (benchmarks/gunicorn.conf.py) with two workers: the page's polls
# reach either worker, only one of which runs the load
GUNICORN = ("-c", "import os, sys; from gunicorn.app.wsgiapp import run; "
                  "sys.argv = ['gunicorn', '-c', 'benchmarks/gunicorn.conf.py', "
                  "'-b', '127.0.0.1:' + os.environ['PORT'], 'app:server']; run()")


@pytest.fixture(params=["app.py", "gunicorn"])
def upload_server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upload-server")
    db = tmp / "cockpit.db"
    args, env = (("app.py",), {}) if request.param == "app.py" else (GUNICORN, {"COCKPIT_WORKERS": "2",
                                                                                 "COCKPIT_THREADS": "2"})
    with running_app(tmp, f"sqlite:///{db}", args=args, env=env) as srv:
        srv.db_path = db
        srv.kind = request.param
        yield srv


def wait_text(page, text: str, timeout: int = 30_000) -> None:
    page.wait_for_function("([sel, t]) => (document.querySelector(sel)?.innerText || '').includes(t)",
                           arg=[RESULT, text], timeout=timeout)


def test_upload_runs_in_the_background_and_survives_a_reload(upload_server, open_page, tmp_path):
    files = [X.write_csv(tmp_path / "审查逮捕_甲.csv", X.ARREST_HEADERS, [X.arrest_row(i) for i in range(1, 4)]),
             X.write_csv(tmp_path / "审查逮捕_乙.csv", X.ARREST_HEADERS, [X.arrest_row(i) for i in range(11, 13)])]
    s = open_page(1366, 900, role="admin", server=upload_server)
    s.page.goto(upload_server + "/admin/uploads")
    wait_for_dash(s.page)
    # another writer holds the database (as a load started by `python -m etl run` would): the job
    # checks and stores the files (正在检查 n/2 …), then waits for the write lock, and the page says so
    blocker = sqlite3.connect(upload_server.db_path, isolation_level=None, timeout=30)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        s.page.set_input_files("#adm-upload input[type=file]", [str(p) for p in files])
        wait_text(s.page, "2 个文件已保存，正在开始导入")
        assert s.page.locator(f"{RESULT} .progress-bar").count() == 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        s.page.screenshot(path=str(SCREENSHOTS / f"upload-progress-{upload_server.kind}.png"), full_page=True)
        s.page.reload()                                   # a reload while the load runs
        wait_text(s.page, "2 个文件已保存，正在开始导入")
        assert s.page.locator(f"{RESULT} .progress-bar").count() == 1
    finally:
        blocker.rollback()
        blocker.close()
    wait_text(s.page, "导入完成")
    text = s.page.locator(RESULT).inner_text()
    assert "审查逮捕_甲.csv" in text and "审查逮捕_乙.csv" in text and text.count("已导入") == 2
    assert "正在" not in text and s.page.locator(f"{RESULT} .progress-bar").count() == 0
    s.page.wait_for_function("() => (document.querySelector('#adm-ledger')?.innerText || '').includes('审查逮捕_乙.csv')",
                             timeout=30_000)
    s.page.reload()                                       # and after it: the result is still there
    wait_text(s.page, "导入完成")
    wait_for_dash(s.page)
    text = s.page.locator(RESULT).inner_text()
    assert text.count("已导入") == 2 and "t_admin" in text
    s.page.screenshot(path=str(SCREENSHOTS / f"upload-result-{upload_server.kind}.png"), full_page=True)
    s.check_clean()
