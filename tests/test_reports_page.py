"""研判会商材料 `/reports` without a browser (issue 13 item 1): the packs' names parsed back, the
listing and the download confined to the reports folder, access — a county user sees and
downloads its own unit's and the city's packs only (the callback called as that user, a
hand-made POST through the guarded endpoint, and the download route, where another unit's pack
answers exactly like one that does not exist) — and generating with the real `build_pack` on the
small demo: a background job with progress, audited, listed afterwards; building it again
replaces the files; a county user cannot build another unit's or the city's pack."""
from __future__ import annotations

import json
import os
import sys
from urllib.parse import quote

import pytest

from cockpit.auth import audit, roles
from cockpit.auth import testing as T
from cockpit.auth.models import Principal
from cockpit.components.plain_html import to_plain
from cockpit.metrics import units as U
from cockpit.report import library as LIB

OWN, OTHER = "140802", "140821"          # 盐湖区 (the county user's own unit), 临猗县
COUNTY = Principal("c_reports", roles.COUNTY, OWN)
LEADER = Principal("l_reports", roles.LEADER)
MONTH = "2024-06"


def text(value) -> str:
    return json.dumps(to_plain(value), ensure_ascii=False, default=str)


def write_pack(folder, month, unit, body=b"pack" * 512) -> list:
    """Stand-in files of one pack (the listing reads names, sizes and times only)."""
    paths = []
    for fmt in LIB.FORMATS:
        p = folder / f"{LIB.pack_name(month, None if unit == U.CITY else unit)}.{fmt}"
        p.write_bytes(body + fmt.encode())
        paths.append(p)
    return paths


@pytest.fixture
def reports(tmp_path, monkeypatch):
    folder = tmp_path / "reports"
    folder.mkdir()
    monkeypatch.setenv("COCKPIT_REPORTS_DIR", str(folder))
    return folder


@pytest.fixture
def app(demo_copy):
    """The shared app on a private copy of the demo (accounts and the audit log are written)."""
    app = T.shared_app()
    with T.use_engine(app, demo_copy):
        yield app


@pytest.fixture
def page(app):
    return sys.modules["cockpit.pages.reports"]


def client(app, engine, principal):
    return T.signed_in_client(app, engine, principal.name, principal.role, unit=principal.unit)


# --------------------------------------------------------------------------- names and files

def test_pack_names_parse_back_to_month_unit_and_format():
    for unit in (U.CITY,) + U.UNIT_CODES:
        for fmt in LIB.FORMATS:
            name = f"{LIB.pack_name(MONTH, None if unit == U.CITY else unit)}.{fmt}"
            assert LIB.parse_name(name) == (MONTH, unit, fmt), name
    assert LIB.parse_name("研判会商材料-2024-06-全市.docx") == ("2024-06", U.CITY, "docx")
    assert LIB.parse_name("研判会商材料-2024-06-市院本级.pdf") == ("2024-06", "140800", "pdf")
    for junk in ("研判会商材料-2024-13-全市.pdf", "研判会商材料-2024-06-北京市.pdf", "研判会商材料-2024-06-全市.exe",
                 ".研判会商材料-2024-06-全市.pdf.k2j3.tmp", "研判会商材料-2024-06-全市.pdf.tmp", "notes.txt",
                 "研判会商材料-24-06-全市.pdf"):
        assert LIB.parse_name(junk) is None, junk


def test_the_listing_is_newest_first_and_filtered_by_unit(tmp_path):
    write_pack(tmp_path, "2024-05", OTHER)
    write_pack(tmp_path, "2024-06", OWN)
    write_pack(tmp_path, "2024-06", U.CITY)
    write_pack(tmp_path, "2024-05", U.CITY)
    (tmp_path / ".研判会商材料-2024-07-全市.pdf.x.tmp").write_bytes(b"half")   # being written
    (tmp_path / ".pack-jobs").mkdir()
    (tmp_path / "readme.txt").write_text("x")
    listed = LIB.list_packs(tmp_path)
    assert [(f.month, f.unit, f.format) for f in listed] == [
        ("2024-06", U.CITY, "docx"), ("2024-06", U.CITY, "pdf"), ("2024-06", OWN, "docx"), ("2024-06", OWN, "pdf"),
        ("2024-05", U.CITY, "docx"), ("2024-05", U.CITY, "pdf"), ("2024-05", OTHER, "docx"), ("2024-05", OTHER, "pdf")]
    assert listed[0].size == 2048 + len(b"docx") and listed[0].path.parent == tmp_path
    mine = LIB.list_packs(tmp_path, units=roles.pack_scope(COUNTY))
    assert {f.unit for f in mine} == {U.CITY, OWN}
    assert LIB.list_packs(tmp_path / "missing") == []


def test_a_download_is_resolved_on_the_server_and_confined_to_the_folder(tmp_path):
    docx, pdf = write_pack(tmp_path, MONTH, OWN)
    assert LIB.find_pack(MONTH, OWN, "pdf", tmp_path) == pdf.resolve()
    assert LIB.find_pack(MONTH, OWN, "docx", tmp_path) == docx.resolve()
    outside = tmp_path.parent / "secret.pdf"
    outside.write_bytes(b"secret")
    link = tmp_path / f"{LIB.pack_name(MONTH, None)}.pdf"
    os.symlink(outside, link)                         # a pack's name pointing out of the folder
    for month, unit, fmt in ((MONTH, OTHER, "pdf"),                    # no such pack
                             (MONTH, U.CITY, "pdf"),                   # the symlink
                             ("../2024-06", OWN, "pdf"), ("2024-6", OWN, "pdf"), (None, OWN, "pdf"),
                             (MONTH, "../../etc", "pdf"), (MONTH, "盐湖区", "pdf"), (MONTH, None, "pdf"),
                             (MONTH, OWN, "exe"), (MONTH, OWN, "../pdf"), (["2024-06"], OWN, "pdf")):
        assert LIB.find_pack(month, unit, fmt, tmp_path) is None, (month, unit, fmt)


def test_who_may_see_and_build_which_pack():
    assert roles.pack_scope(LEADER) is None and roles.pack_scope(Principal("a", roles.ADMIN)) is None
    assert roles.pack_scope(COUNTY) == {OWN, U.CITY}
    assert roles.pack_scope(Principal("w", roles.SCREEN)) == frozenset() and roles.pack_scope(None) == frozenset()
    assert roles.may_generate_pack(LEADER, U.CITY) and roles.may_generate_pack(LEADER, OTHER)
    assert roles.may_generate_pack(COUNTY, OWN)
    assert not roles.may_generate_pack(COUNTY, OTHER) and not roles.may_generate_pack(COUNTY, U.CITY)


# --------------------------------------------------------------------------- the list, by role

def test_a_county_user_lists_its_own_and_the_citys_packs_only(page, as_user, reports):
    for unit in (U.CITY, OWN, OTHER):
        write_pack(reports, MONTH, unit)
    with as_user(COUNTY):
        mine = text(page.packs(1))
    with as_user(LEADER):
        every = text(page.packs(1))
    assert "全市" in mine and "盐湖区" in mine and "临猗县" not in mine
    assert f"unit={OWN}" in mine and f"unit={OTHER}" not in mine
    assert "全市" in every and "盐湖区" in every and "临猗县" in every
    assert "/reports/download?month=2024-06&unit=CITY&format=pdf" in every
    assert "Word（2 KB）" in every and "PDF（2 KB）" in every and "2024年6月" in every


def test_an_empty_folder_says_how_to_get_a_pack(page, as_user, reports):
    with as_user(LEADER):
        assert "暂无研判会商材料" in text(page.packs(0))


def test_the_list_through_the_guarded_endpoint(app, demo_copy, reports):
    for unit in (U.CITY, OWN, OTHER):
        write_pack(reports, MONTH, unit)
    county = client(app, demo_copy, COUNTY)
    assert T.post_page(county, "/reports").status_code == 200
    resp = T.post_callback(county, "rep-packs.children", inputs=[{"id": "rep-version", "property": "data", "value": 3}])
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f"unit={OWN}" in body and "unit=CITY" in body and f"unit={OTHER}" not in body
    # the page's unit choices: its own unit only (the city's pack is the city office's)
    layout = json.dumps(T.post_page(county, "/reports").get_json(), ensure_ascii=False)
    assert '"value": "140802"' in layout and '"value": "140821"' not in layout and '"value": "CITY"' not in layout


# --------------------------------------------------------------------------- the download route

def test_downloads_by_role_with_the_chinese_file_name(app, demo_copy, reports):
    for unit in (U.CITY, OWN, OTHER):
        write_pack(reports, MONTH, unit, body=unit.encode())
    county = client(app, demo_copy, COUNTY)
    leader = client(app, demo_copy, LEADER)
    url = "/reports/download?month={}&unit={}&format={}"
    own = county.get(url.format(MONTH, OWN, "pdf"))
    assert own.status_code == 200 and own.data == f"{OWN}pdf".encode()
    assert own.mimetype == "application/pdf"
    disposition = own.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote('研判会商材料-2024-06-盐湖区.pdf')}" in disposition
    assert county.get(url.format(MONTH, U.CITY, "docx")).status_code == 200
    # another unit's pack: 404, the same answer as a pack that does not exist
    other = county.get(url.format(MONTH, OTHER, "pdf"))
    missing = county.get(url.format("2023-01", OWN, "pdf"))
    assert other.status_code == missing.status_code == 404
    assert other.get_data(as_text=True) == missing.get_data(as_text=True) and OTHER.encode() not in other.data
    assert leader.get(url.format(MONTH, OTHER, "pdf")).data == f"{OTHER}pdf".encode()
    for bad in ("month=../../etc&unit=CITY&format=pdf", "month=2024-06&unit=..%2F..&format=pdf",
                "month=2024-06&unit=CITY&format=py", "month=2024-06&unit=CITY", ""):
        assert leader.get(f"/reports/download?{bad}").status_code == 404, bad
    rows, _ = audit.entries(demo_copy, "export")
    assert any(r.actor == COUNTY.name and "研判会商材料-2024-06-盐湖区.pdf" in (r.subject or "") for r in rows)
    # the wall never gets a pack, and nobody signed out does
    wall = app.server.test_client()
    token = T.issue_kiosk(demo_copy, "报告测试大屏")
    wall.get(f"/screen?token={token}")
    assert wall.get(url.format(MONTH, U.CITY, "pdf")).status_code == 403
    assert app.server.test_client().get(url.format(MONTH, U.CITY, "pdf")).status_code in (302, 401)


# --------------------------------------------------------------------------- generating

def test_generating_builds_the_pack_in_the_background_audited_and_again_replaces_it(page, as_user, reports,
                                                                                    demo_copy):
    from cockpit.components import report_jobs as RJ
    with as_user(COUNTY):
        job_id, view, poll_off = page.generate(1, MONTH, OWN)
    assert isinstance(job_id, str) and poll_off is False
    with as_user(COUNTY):
        first_view, _, _ = page.follow(0, job_id, 0)                  # queued or running
    assert "研判会商材料-2024-06-盐湖区" in text(first_view)
    job = RJ.wait(job_id)
    assert job["state"] == RJ.DONE, job
    with as_user(COUNTY):
        done_view, poll_disabled, version = page.follow(1, job_id, 0)
        listed = text(page.packs(version))
    assert "已生成" in text(done_view) and poll_disabled is True and version == 1
    assert "盐湖区" in listed and "Word" in listed and "PDF" in listed
    files = sorted(p.name for p in reports.iterdir() if p.is_file())
    assert files == ["研判会商材料-2024-06-盐湖区.docx", "研判会商材料-2024-06-盐湖区.pdf"]
    assert (reports / files[0]).read_bytes()[:2] == b"PK" and (reports / files[1]).read_bytes()[:5] == b"%PDF-"
    rows, _ = audit.entries(demo_copy, "pack_generated")
    assert rows[0].actor == COUNTY.name and rows[0].subject == "研判会商材料-2024-06-盐湖区"
    assert "月份：2024年6月" in audit.describe(rows[0].detail)
    # a second build replaces the two files (no copies, no temporary files left)
    before = {p.name: p.stat().st_mtime_ns for p in reports.iterdir() if p.is_file()}
    with as_user(COUNTY):
        again, _, _ = page.generate(2, MONTH, OWN)
    assert RJ.wait(again)["state"] == RJ.DONE and again != job_id
    after = {p.name: p.stat().st_mtime_ns for p in reports.iterdir() if p.is_file()}
    assert set(after) == set(before) and all(after[n] >= before[n] for n in after)
    # another user cannot follow this user's job
    with as_user(LEADER):
        assert page.follow(1, job_id, 0)[0] is page.no_update


def test_a_county_user_cannot_build_another_units_or_the_citys_pack(page, as_user, reports, demo_copy):
    for unit in (OTHER, U.CITY):
        with as_user(COUNTY):
            job, view, _ = page.generate(1, MONTH, unit)
        assert job is page.no_update and "只能生成本院" in text(view)
    with as_user(LEADER):
        job, view, _ = page.generate(1, "2031-01", U.CITY)              # a month after the data
    assert job is page.no_update and "请选择有数据的月份" in text(view)
    assert list(reports.iterdir()) == []
    assert audit.entries(demo_copy, "pack_generated")[1] == 0


def test_a_failed_build_says_why_in_chinese(page, as_user, reports, monkeypatch):
    """A build that raises the pack's own error shows its message; any other failure a generic one."""
    from cockpit.components import report_jobs as RJ
    from cockpit.report import build as B
    from cockpit.report.errors import ReportError

    def refuse(*_a, **_k):
        raise ReportError("没有可用的中文字体：请安装 fonts-noto-cjk。")
    monkeypatch.setattr(B, "build_pack", refuse)
    with as_user(LEADER):
        job_id, _, _ = page.generate(1, MONTH, U.CITY)
    assert RJ.wait(job_id)["state"] == RJ.FAILED
    with as_user(LEADER):
        view, poll_disabled, _ = page.follow(1, job_id, 0)
    assert "没有可用的中文字体" in text(view) and poll_disabled is True

    def crash(*_a, **_k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(B, "build_pack", crash)
    with as_user(LEADER):
        job_id, _, _ = page.generate(2, MONTH, OTHER)
    RJ.wait(job_id)
    with as_user(LEADER):
        view, _, _ = page.follow(1, job_id, 0)
    assert "生成过程中出现意外错误" in text(view) and "disk on fire" not in text(view)
