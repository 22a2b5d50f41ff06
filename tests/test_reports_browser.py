"""研判会商材料 `/reports` in Chromium on the small demo (issue 13 item 1): a leader signs in,
generates the city's pack for the data month (the real build, in the background), follows the
progress to the end and sees the pack listed, then downloads its PDF; a county user sees the
city's pack but may build only its own unit's. Every request stays on the app's host.

Screenshot: artifacts/screenshots/reports-1366x768.png."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from browser_support import SCREENSHOTS, running_app, wait_for_dash

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def srv(demo_db_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports-server")
    with running_app(folder, demo_db_url, env={"COCKPIT_REPORTS_DIR": str(folder / "reports")}) as s:
        s.reports = folder / "reports"
        yield s


def test_a_leader_generates_the_city_pack_and_downloads_it(srv, open_page):
    s = open_page(1366, 768, role="leader", server=srv)
    resp = s.page.goto(srv + "/reports")
    assert resp is not None and resp.ok
    wait_for_dash(s.page)
    assert "暂无研判会商材料" in s.page.inner_text("#rep-packs")
    assert "研判材料" in s.page.inner_text(".cockpit-navbar")
    # the defaults: the data month and 全市
    assert s.page.eval_on_selector("#rep-month", "e => e.value") == "2024-06"
    assert s.page.eval_on_selector("#rep-unit", "e => e.value") == "CITY"
    s.page.click("#rep-generate")
    s.page.wait_for_selector(".pack-progress, .pack-done", timeout=20_000)
    s.page.wait_for_selector(".pack-done", timeout=180_000)
    assert "已生成“研判会商材料-2024-06-全市”（Word、PDF）" in s.page.inner_text("#rep-job-view")
    s.page.wait_for_selector("#rep-packs-table .pack-row", timeout=20_000)
    row = s.page.inner_text("#rep-packs-table .pack-row")
    assert "2024年6月" in row and "全市" in row and re.search(r"Word（\d+ (KB|MB)）", row) and "PDF" in row
    href = s.page.get_attribute("#rep-packs-table .pack-pdf", "href")
    assert href == "/reports/download?month=2024-06&unit=CITY&format=pdf"
    pdf = s.context.request.get(srv + href)
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    assert quote("研判会商材料-2024-06-全市.pdf") in pdf.headers["content-disposition"]
    assert sorted(p.name for p in srv.reports.iterdir() if p.is_file()) == [
        "研判会商材料-2024-06-全市.docx", "研判会商材料-2024-06-全市.pdf"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / "reports-1366x768.png"), full_page=True)
    s.check_clean()


def test_a_county_user_sees_the_city_pack_and_builds_only_its_own(srv, open_page):
    srv.reports.mkdir(exist_ok=True)
    for fmt in ("docx", "pdf"):                     # the city's pack (built above, or a stand-in)
        path = srv.reports / f"研判会商材料-2024-06-全市.{fmt}"
        if not path.exists():
            path.write_bytes(b"stand-in")
    s = open_page(1366, 768, role="county", server=srv)
    s.page.goto(srv + "/reports")
    wait_for_dash(s.page)
    s.page.wait_for_selector("#rep-packs-table .pack-row", timeout=20_000)
    assert "全市" in s.page.inner_text("#rep-packs-table")
    units = s.page.eval_on_selector_all("#rep-unit option", "os => os.map(o => o.value).filter(v => v)")
    assert units == ["140802"]
    s.check_clean()
