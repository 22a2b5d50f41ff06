"""Data quality (`cockpit.metrics.quality`, `/data-quality`, the overview's stale-source notice):
given/expect on a hand-made store — a few export files named as the units name them, one row
rejected — on SQLite and PostgreSQL; the page for each role; one Chromium test at 1366×768 and
390×844."""
from __future__ import annotations

import datetime as dt
import sys

import pytest

from cockpit.auth import roles
from cockpit.auth.models import Principal
from cockpit.components.plain_html import to_plain
from cockpit.metrics import quality as Q
from etl.run import run
from exports import arrest_row, clue_row, registry_row, write_source

TODAY = dt.date(2024, 12, 31)
YANHU, LINYI = "140802", "140821"
ADMIN = Principal("a_dq", roles.ADMIN)
LEADER = Principal("l_dq", roles.LEADER)
COUNTY = Principal("c_dq", roles.COUNTY, LINYI)


def name(unit: str, source: str, month: str, ext: str = "csv") -> str:
    """A file named as the exports are: 2024-03/140802_盐湖区人民检察院_审查逮捕人员_202403.csv."""
    from cockpit.metrics.contracts import SOURCE_BY_ID
    from cockpit.metrics.units import UNIT_BY_CODE
    return f"{month}/{unit}_{UNIT_BY_CODE[unit].name}_{SOURCE_BY_ID[source].name}_{month.replace('-', '')}.{ext}"


def build(engine, landing):
    """盐湖区 reports arrests for 2024-03 (3 rows) and 2024-04 (2 rows, one with a bad 受理日期 and
    one whose 审查结论 is not allowed); 临猗县 reports 2024-04 arrests (2 rows, one bad date);
    a clue file without the naming convention carries 临猗县's 2024-04 clues."""
    write_source(landing, "arrest", [arrest_row(i, 受理日期="2024-03-02", 审结日期="2024-03-09") for i in (1, 2, 3)],
                 name(YANHU, "arrest", "2024-03"))
    write_source(landing, "arrest", [arrest_row(11, 受理日期="2024-04-02", 审结日期="2024-04-09"),
                                     arrest_row(12, 受理日期="2024-13-40", 审结日期="2024-04-09",
                                                审查结论="不予逮捕")],
                 name(YANHU, "arrest", "2024-04"))
    write_source(landing, "arrest", [arrest_row(21, 承办单位编码=LINYI, 受理日期="2024-04-03", 审结日期="2024-04-10"),
                                     arrest_row(22, 承办单位编码=LINYI, 受理日期="2024-99-01",
                                                审结日期="2024-04-10")],
                 name(LINYI, "arrest", "2024-04"))
    write_source(landing, "clue", [clue_row(i, 承办单位编码=LINYI, 发现日期="2024-04-05") for i in (1, 2)],
                 "misc/clues.csv")
    return run(landing, engine, today=TODAY, progress=False)


@pytest.fixture
def store(engine, landing):
    summary = build(engine, landing)
    assert summary.rows_rejected == 2, summary.reasons
    return engine


def test_files_are_attributed_by_name_else_by_their_staged_rows(store):
    f = Q.files(store).set_index("file_name")
    assert f.loc[name(YANHU, "arrest", "2024-04"), ["unit_code", "month"]].tolist() == [YANHU, "2024-04"]
    assert f.loc["misc/clues.csv", ["unit_code", "month"]].tolist() == [LINYI, "2024-04"]
    assert Q.name_attribution("x/999999_foo_202403.csv") is None          # not a unit code
    assert Q.name_attribution("140802_foo_202413.csv") is None            # not a month


def test_submissions_count_files_and_rows_per_unit_source_and_month(store):
    s = Q.submissions(store)
    got = {(r.unit_code, r.source, r.month): (r.files, r.rows_read, r.rows_loaded, r.rows_rejected)
           for r in s.itertuples()}
    assert got == {(YANHU, "arrest", "2024-03"): (1, 3, 3, 0), (YANHU, "arrest", "2024-04"): (1, 2, 1, 1),
                   (LINYI, "arrest", "2024-04"): (1, 2, 1, 1), (LINYI, "clue", "2024-04"): (1, 2, 2, 0)}
    only = Q.submissions(store, months=["2024-04"], units=[LINYI])
    assert set(zip(only["source"], only["rows_loaded"])) == {("arrest", 1), ("clue", 2)}
    assert Q.live("juvenile", "2023-07") is False and Q.live("juvenile", "2023-08") is True


def test_reasons_are_grouped_without_the_values_and_counted_per_unit(store):
    r = Q.rejections(store)
    assert set(r["unit_code"]) == {YANHU, LINYI}
    assert dict(zip(r["unit_code"], r["total"])) == {YANHU: 1, LINYI: 1}
    yanhu = r[r["unit_code"] == YANHU]["reason"].tolist()
    linyi = r[r["unit_code"] == LINYI]["reason"].tolist()
    # the two bad dates differ in value but not in reason once the value is blanked
    assert "2024-13-40" not in "".join(yanhu) and "2024-99-01" not in "".join(linyi)
    assert any("「受理日期」的日期「…」无法识别" in x for x in yanhu)
    assert any("「受理日期」的日期「…」无法识别" in x for x in linyi)
    assert Q.reason_group("「受理日期」的日期「2024-99-01」无法识别") == Q.reason_group("「受理日期」的日期「x」无法识别")
    assert Q.reason_group("重复记录：部门受案号与文件「a.csv」第12行相同") == "重复记录：部门受案号与文件「…」第…行相同"


def test_error_rate_is_rejected_over_read_per_unit_and_month(store):
    e = Q.error_rates(store)
    got = {(r.unit_code, r.month): (r.rows_read, r.rows_rejected, r.rate) for r in e.itertuples()}
    assert got == {(YANHU, "2024-03"): (3, 0, 0.0), (YANHU, "2024-04"): (2, 1, 0.5),
                   (LINYI, "2024-04"): (4, 1, 0.25)}


def test_last_loads_per_source(store):
    ll = Q.last_loads(store).set_index("source")
    assert ll.loc["arrest", "files"] == 3 and ll.loc["arrest", "rows_loaded"] == 5
    assert ll.loc["arrest", "newest_month"] == "2024-04" and ll.loc["clue", "newest_month"] == "2024-04"
    assert Q.last_loads(store, units=[YANHU])["source"].tolist() == ["arrest"]


def test_stale_sources_rules(store, landing):
    stale = Q.stale_sources(store, TODAY, "2024-04").set_index("source")
    assert "arrest" not in stale.index and "clue" not in stale.index       # reported for the data month
    assert stale.loc["plea", "newest_month"] is None                        # live, never reported
    assert "registry" in stale.index                                         # never reported either
    later = Q.stale_sources(store, TODAY, "2024-05").set_index("source")
    assert later.loc["arrest", "behind"] == 1                               # monthly: one month behind is stale
    # a platform not yet launched is not stale: 指南针 (P04) launches 2023-08
    early = Q.stale_sources(store, TODAY, "2023-07")
    assert "juvenile" not in set(early["source"]) and "arrest" not in set(early["source"])
    # no data month: the month before today is the reference
    assert Q.stale_sources(store, TODAY, None).set_index("source").loc["arrest", "behind"] == 7


def test_a_snapshot_register_is_stale_from_three_months_behind(engine, landing):
    write_source(landing, "registry", [registry_row("M01")], name(YANHU, "registry", "2024-04"))
    run(landing, engine, today=TODAY, progress=False)
    for month, stale in (("2024-04", False), ("2024-06", False), ("2024-07", True)):
        assert ("registry" in set(Q.stale_sources(engine, TODAY, month)["source"])) is stale, month


def test_an_empty_store_has_nothing_but_every_live_source_is_stale(engine, landing):
    run(landing, engine, today=TODAY, progress=False)
    assert Q.submissions(engine).empty and Q.rejections(engine).empty and Q.error_rates(engine).empty
    assert len(Q.stale_sources(engine, TODAY, "2024-04")) == len(Q.SOURCES)


# --- the page and the overview notice (in-process, as a given user) ----------------------------

@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """The hand-made store on SQLite, for the page tests."""
    from cockpit.metrics.engine import make_engine
    folder = tmp_path_factory.mktemp("dq")
    landing = folder / "landing"
    landing.mkdir()
    eng = make_engine(f"sqlite:///{folder / 'store.db'}")
    build(eng, landing)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def app(small_store):
    from cockpit.auth import testing as T
    app = T.shared_app()
    with T.use_engine(app, small_store):
        yield app


def text_of(tree) -> str:
    out = []

    def walk(node):
        if isinstance(node, (str, int, float)):
            out.append(str(node))
        elif isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            walk(node.get("props", {}).get("children"))
    walk(to_plain(tree))
    return " ".join(out)


def row_heads(tree) -> list[str]:
    """The row headers (th scope=row) of every table in a tree."""
    out = []

    def walk(node):
        if isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if node.get("type") == "Th" and props.get("scope") == "row":
                out.append(props.get("children"))
            walk(props.get("children"))
    walk(to_plain(tree))
    return out


def page():
    return sys.modules["cockpit.pages.data_quality"]


PARAMS = {"path": "/data-quality", "query": {}, "period": "2024-04", "month": "2024-04", "source": "arrest"}


def test_the_page_for_an_administrator_shows_every_unit(app, as_user):
    with as_user(ADMIN):
        layout = page().layout(month="2024-04", source="arrest")
        assert "报送进度（2024年4月）" in text_of(layout)
        matrix, strip, reasons, errors, loads = page().fill(PARAMS)
    heads = row_heads(matrix)
    assert len(heads) == 14 and heads[0] == "市院本级" and heads[1] == "盐湖区"
    t = text_of(matrix)
    assert "未报送" in t and "未上线" not in t            # every platform is live by 2024-04
    assert "审查逮捕人员" in text_of(loads)
    assert "50.0%" in text_of(errors) and "25.0%" in text_of(errors)
    assert "无法识别" in text_of(reasons) and "2024-99-01" not in text_of(reasons)
    with as_user(ADMIN):
        early = page().fill({**PARAMS, "month": "2023-05", "source": "juvenile"})
    assert "未上线" in text_of(early[1])                   # 指南针 before 2023-08


def test_a_county_user_sees_only_its_own_unit(app, as_user):
    with as_user(COUNTY):
        matrix, strip, reasons, errors, loads = page().fill(PARAMS)
    assert set(row_heads(matrix)) == {"临猗县"} and set(row_heads(strip)) == {"临猗县"}
    assert set(row_heads(errors)) == {"临猗县"}
    assert "盐湖区" not in text_of(reasons) and "25.0%" in text_of(errors) and "50.0%" not in text_of(errors)
    assert page().visible_units(Principal("x", roles.COUNTY, None)) == []
    assert len(page().visible_units(LEADER)) == 14


def test_the_overview_notice_is_for_administrators_only(app, as_user):
    home = sys.modules["cockpit.pages.home"]
    with as_user(ADMIN):
        notice = home.stale_sources({"period": "2024-04", "query": {}})
    t = text_of(notice)
    assert "以下数据源已超过一个月未更新" in t and "认罪认罚具结书同步录音录像（从未报送）" in t
    assert "审查逮捕人员" not in t                            # reported for the data month
    for who in (LEADER, COUNTY):
        with as_user(who):
            assert home.stale_sources({"period": "2024-04", "query": {}}) is None


# --- in Chromium --------------------------------------------------------------------------------

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
def test_the_page_in_chromium_at_desktop_and_phone_width(small_store, tmp_path, open_page):
    from browser_support import running_app, wait_for_dash
    with running_app(tmp_path, str(small_store.url)) as srv:
        for width, height in ((1366, 768), (390, 844)):
            s = open_page(width, height, server=srv, role="admin")
            s.page.goto(srv + "/data-quality?month=2024-04")
            wait_for_dash(s.page)
            matrix = s.page.locator(".dq-matrix")
            assert matrix.count() == 1 and "未报送" in matrix.inner_text()
            assert s.page.locator(".dq-matrix tbody tr").count() == 14
            assert "25.0%" in s.page.locator(".dq-errors").inner_text()
            assert s.page.evaluate(OVERFLOW) <= 1, f"/data-quality scrolls sideways at {width} px"
            s.check_clean()
