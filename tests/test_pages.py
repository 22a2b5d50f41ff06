"""The browser pages in real Chromium on the small demo (2022-01 … 2024-06): every page renders
at 1366×768 and 1920×1080 with no console error and no request to another host; the drill-down
clicks (map → county, card → metric) land where they should; the /compare download holds what
the screen shows; malformed URLs fall back with a notice; no unmasked personal data in any
response; a database outage shows a message and the page recovers without a restart."""
from __future__ import annotations

import json
import re
import socket
import threading
import time

import pytest
from browser_support import SCREENSHOTS, running_app, wait_for_dash
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server_db_url(demo_db_url):
    return demo_db_url


def shot(s, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def content_text(s) -> str:
    return s.page.locator("#_pages_content").inner_text()


def assert_no_failure(s):
    body = content_text(s)
    for bad in ("页面暂时无法显示", "生成失败", "Traceback", "Error", "加载中…"):
        assert bad not in body, f"{bad!r} on {s.page.url}"


# --------------------------------------------------------------------------- every page renders

PAGES = [
    ("overview", "/", "全市总览"),
    ("county", "/county/140802", "盐湖区人民检察院"),
    ("city-office", "/county/140800?period=2024Q1", "运城市人民检察院"),
    ("metric", "/metric/non_arrest_rate?units=140802,140821", "不捕率"),
    ("metrics", "/metrics", "指标及口径"),
    ("compare", "/compare", "县区对比"),
    ("trends", "/trends", "指标趋势"),
    ("platform-arrest", "/platform/arrest", "社会危险性量化评估"),
    ("platform-noncustody", "/platform/noncustody", "非羁押诉讼数字监督"),
    ("platform-plea", "/platform/plea", "认罪认罚同步录音录像"),
    ("platform-juvenile", "/platform/juvenile", "未检云平台"),
    ("models", "/models?period=2023", "数字检察监督模型与线索"),
    ("metric-cases", "/metric/case_source_procedure", "依程序移送案件占比"),
    ("cases", "/cases", "监督案件来源"),
]


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("name,path,title", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_offline(server, open_page, name, path, title, width, height):
    s = open_page(width, height)
    response = s.page.goto(server + path)
    assert response is not None and response.ok
    wait_for_dash(s.page)
    assert title in s.page.locator("h1.cockpit-title").inner_text()
    assert s.page.locator(".cockpit-navbar").is_visible()
    assert_no_failure(s)
    # charts are drawn (plotly served by the app), never left as blank axes
    for graph in s.page.locator(".js-plotly-plot").all()[:6]:
        assert graph.locator(".main-svg").count() > 0
    shot(s, f"pages-{name}-{width}x{height}")
    s.check_clean()


def test_not_live_before_a_platform_launch(server, open_page):
    s = open_page()
    s.page.goto(server + "/platform/juvenile?period=2023-05")   # the juvenile cloud went live 2023-08
    wait_for_dash(s.page)
    body = content_text(s)
    assert body.count("未上线") >= 3
    shot(s, "pages-not-live-juvenile")
    s.check_clean()


# --------------------------------------------------------------------------- drill-down clicks

_POINT_IN_COUNTY = """(code) => {
  const paths = Array.from(document.querySelectorAll('.choroplethlocation'))
      .filter(p => p.__data__ && p.__data__.loc === code);
  const p = paths[paths.length - 1];
  const bb = p.getBoundingClientRect();
  const svg = p.ownerSVGElement;
  const inverse = p.getScreenCTM().inverse();
  for (let fy = 0.5; fy < 1; fy += 0.05) for (const sy of [1, -1]) {
    const y = bb.top + bb.height * (sy > 0 ? fy : 1 - fy);
    for (let fx = 0.5; fx < 1; fx += 0.05) for (const sx of [1, -1]) {
      const x = bb.left + bb.width * (sx > 0 ? fx : 1 - fx);
      const q = svg.createSVGPoint(); q.x = x; q.y = y;
      if (p.isPointInFill(q.matrixTransform(inverse))) return {x: x, y: y};
    }
  }
  return null;
}"""


def test_click_on_a_county_in_the_map_opens_its_page(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/?period=2024Q1")
    wait_for_dash(s.page)
    s.page.locator("#_pages_content .choroplethlocation").first.wait_for()
    point = s.page.evaluate(_POINT_IN_COUNTY, "140823")      # 闻喜县
    assert point, "闻喜县 is not drawn on the map"
    s.page.mouse.move(point["x"], point["y"])
    s.page.wait_for_timeout(200)
    s.page.mouse.click(point["x"], point["y"])
    s.page.wait_for_url(re.compile(r".*/county/140823\?period=2024Q1$"))
    wait_for_dash(s.page)
    assert "闻喜县人民检察院" in s.page.locator("h1.cockpit-title").inner_text()
    assert "2024年第1季度" in s.page.locator(".cockpit-subtitle").inner_text()
    s.check_clean()


def test_click_on_an_indicator_card_opens_the_metric(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/?period=2024-05")
    wait_for_dash(s.page)
    s.page.locator("a.indicator-card.metric-plea_rate").click()
    s.page.wait_for_url(re.compile(r".*/metric/plea_rate\?period=2024-05$"))
    wait_for_dash(s.page)
    assert s.page.locator("h1.cockpit-title").inner_text() == "认罪认罚从宽适用率"
    definition = s.page.locator("#metric-definition").inner_text()
    assert "适用认罪认罚从宽制度审结人数 ÷ 审查起诉审结人数" in definition
    s.check_clean()


def test_card_tooltip_shows_the_definition(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/")
    wait_for_dash(s.page)
    s.page.locator("#home-info-non_arrest_rate").hover()
    tip = s.page.locator(".cockpit-tooltip")
    tip.wait_for()
    assert "不批准逮捕人数" in tip.inner_text()
    s.check_clean()


def test_period_picker_writes_the_address(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/county/140821?period=2024-05")
    wait_for_dash(s.page)
    s.page.locator("select[id*='period_kind']").select_option("quarter")
    s.page.wait_for_url(re.compile(r".*/county/140821\?period=2024Q2$"))
    wait_for_dash(s.page)
    subtitle = s.page.locator(".cockpit-subtitle").inner_text()
    assert "2024年第2季度" in subtitle
    table = s.page.locator("#cty-indicator-table").inner_text()
    # copying the address reproduces the view
    s2 = open_page(1366, 768)
    s2.page.goto(s.page.url)
    wait_for_dash(s2.page)
    assert s2.page.locator(".cockpit-subtitle").inner_text() == subtitle
    assert s2.page.locator("#cty-indicator-table").inner_text() == table
    s.check_clean()
    s2.check_clean()


def test_records_paging_and_filters_follow_the_address(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/county/140802?period=2024&rec=arrest")
    wait_for_dash(s.page)
    count = s.page.locator("#rec-count")
    assert "第 1/" in count.inner_text()
    first_rows = s.page.locator("#rec-table").inner_text()
    s.page.locator("#rec-page .page-link", has_text=re.compile(r"^2$")).click()
    s.page.wait_for_function("() => document.querySelector('#rec-count').innerText.includes('第 2/')")
    assert re.search(r"[?&]page=2(&|$)", s.page.url)
    assert s.page.locator("#rec-table").inner_text() != first_rows
    # an exact filter: 评估等级 = 高
    s.page.locator("#records .rec-filter").nth(1).click()
    s.page.locator(".dash-dropdown-option, .VirtualizedSelectOption, [role='option']", has_text="高").first.click()
    s.page.wait_for_function("() => location.search.includes('f_risk_band=')")
    wait_for_dash(s.page)
    assert "第 1/" in count.inner_text()
    bands = s.page.locator("#rec-table tbody tr td:nth-child(11)").all_inner_texts()
    assert bands and set(bands) == {"高"}
    url = s.page.url
    s2 = open_page(1366, 768)
    s2.page.goto(url)
    wait_for_dash(s2.page)
    assert s2.page.locator("#rec-count").inner_text() == count.inner_text()
    s.check_clean()
    s2.check_clean()


def test_drill_from_a_number_to_its_records(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/county/140802?period=2024Q1")
    wait_for_dash(s.page)
    row = s.page.locator("#cty-indicator-table tr[data-metric='non_arrest_rate']")
    s.page.goto(server + row.locator("a", has_text="明细").get_attribute("href"))
    wait_for_dash(s.page)
    assert "不批准逮捕人数" in s.page.locator(".rec-chip").inner_text()
    total = int(re.search(r"共 ([\d,]+) 条", s.page.locator("#rec-count").inner_text()).group(1).replace(",", ""))
    decisions = set(s.page.locator("#rec-table tbody tr td:nth-child(8)").all_inner_texts())
    assert decisions == {"不批准逮捕"}
    # the list behind the number is exactly that many people
    s.page.goto(server + "/metric/non_arrest_rate?period=2024Q1")
    wait_for_dash(s.page)
    yanhu = s.page.locator("#met-unit-table tr", has_text="盐湖区").first.locator("td").all_inner_texts()
    assert int(yanhu[2].replace(",", "")) == total
    s.check_clean()


# --------------------------------------------------------------------------- /compare export

def test_compare_download_holds_exactly_the_screen(server, open_page, tmp_path):
    from python_calamine import CalamineWorkbook
    s = open_page(1920, 1080)
    s.page.goto(server + "/compare?period=2024Q1&group=arrest&sort=non_arrest_rate")
    wait_for_dash(s.page)
    table = s.page.locator("#cmp-matrix-table")
    head = [h.replace("\n", "") for h in table.locator("thead th").all_inner_texts()]
    rows = [r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()]
    assert len(rows) == 16 and rows[0][0] == "全市"
    with s.page.expect_download() as dl:
        s.page.locator("#cmp-export-xlsx").click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.suffix == ".xlsx" and "2024Q1" in path.name
    wb = CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name("县区对比").to_python()
    assert "2024年第1季度" in sheet[1][0]
    header = [h for h in sheet[3] if h != ""]
    assert header[0] == "单位" and [re.sub(r"[\s▾]", "", h) for h in head[1:]] == header[1:]
    xrows = [r[:len(header)] for r in sheet[4:] if r and r[0] != ""]
    assert [r[0] for r in xrows] == [r[0] for r in rows]
    for screen, xlsx in zip(rows, xrows):
        for shown, value in zip(screen[1:], xlsx[1:]):
            if isinstance(value, str):
                assert shown == value
            else:
                assert float(shown.replace(",", "")) == pytest.approx(value, abs=1e-9)
    assert "指标口径" in wb.sheet_names
    with s.page.expect_download() as dl:
        s.page.locator("#cmp-export-csv").click()
    csv_path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(csv_path)
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("统计期间,单位,不捕率（%）")
    assert len(lines) == 17
    s.check_clean()


# --------------------------------------------------------------------------- 404 and notices

@pytest.mark.parametrize("path,expected", [
    ("/county/999999", "未找到该检察院"),
    ("/county/盐湖区", "未找到该检察院"),
    ("/metric/no_such_metric", "未找到该指标"),
    ("/no/such/page", "页面未找到"),
])
def test_unknown_county_or_metric_is_a_friendly_404(server, open_page, path, expected):
    s = open_page()
    s.page.goto(server + path)
    wait_for_dash(s.page)
    body = content_text(s)
    assert expected in body and "返回首页" in body
    shot(s, "pages-404-" + re.sub(r"\W+", "-", path.strip("/")))
    s.check_clean()


def test_malformed_parameters_fall_back_with_a_visible_notice(server, open_page, server_db_url):
    from cockpit.components.params import default_period
    from cockpit.metrics.engine import make_engine
    from cockpit.metrics.query import MetricStore
    engine = make_engine(server_db_url)
    default = default_period(MetricStore.load(engine))    # the latest month the core data reaches
    engine.dispose()
    assert default.end == "2024-06"
    s = open_page()
    s.page.goto(server + "/compare?period=2024-13&group=nope&units=140802,zzz")
    wait_for_dash(s.page)
    notices = s.page.locator(".url-notice").all_inner_texts()
    assert any("无法识别的统计期间“2024-13”" in n for n in notices)
    assert any("指标组“nope”" in n for n in notices)
    assert any("zzz" in n for n in notices)
    assert default.label in s.page.locator(".cockpit-subtitle").inner_text()
    assert s.page.locator("#cmp-matrix-table tbody tr").count() == 16
    shot(s, "pages-notice-compare")
    s.check_clean()


# --------------------------------------------------------------------------- personal data

def _personal_values(db_url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(db_url)
    names, ids = set(), set()
    with engine.connect() as conn:
        for table, cols in (("stg_arrest", ("person_name", "id_number")), ("stg_prosecution", ("person_name", "id_number")),
                            ("stg_nc_person", ("person_name", "id_number")), ("stg_plea", ("person_name",)),
                            ("stg_juvenile", ("person_name", "id_number"))):
            for row in conn.execute(text(f"SELECT DISTINCT {', '.join(cols)} FROM {table}")):
                if row[0]:
                    names.add(str(row[0]).strip())
                if len(row) > 1 and row[1]:
                    ids.add(str(row[1]).strip().upper())
    engine.dispose()
    return names, ids


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_ID_RUN = re.compile(r"\d{17}[\dXx]|\d{15}")


def test_no_unmasked_name_or_id_number_in_any_response(server, open_page, server_db_url):
    names, ids = _personal_values(server_db_url)
    assert len(names) > 1000 and len(ids) > 1000
    longest = max(len(n) for n in names)
    s = open_page(1366, 768)
    bodies: list[tuple[str, str]] = []

    def record(route):
        """Every answer of the app passes through here (other hosts fall back to the guard)."""
        if not route.request.url.startswith(server):
            route.fallback()
            return
        response = route.fetch()
        ctype = response.headers.get("content-type", "")
        if "json" in ctype or "html" in ctype:
            bodies.append((route.request.url, response.text()))
        route.fulfill(response=response)

    s.page.route("**/*", record)

    def settle():
        wait_for_dash(s.page)

    views = ["/county/140802?period=2024&rec=arrest", "/county/140821?period=2024Q1&rec=suggestion",
             "/county/140823?period=2024Q1&rec=warning", "/county/140802?period=2023&rec=clue",
             "/county/140821?period=2023&measure=post_arrest_not_indicted",
             "/platform/arrest?period=2024Q2", "/platform/noncustody?period=2024-03&rec=nc_person",
             "/platform/noncustody?period=2024-03&rec=warning", "/platform/plea?period=2024-02",
             "/platform/juvenile?period=2024", "/models?period=2023&rec=suggestion", "/models?rec=registry"]
    for view in views:
        s.page.goto(server + view)
        settle()
        pager = s.page.locator("#rec-page .page-link", has_text=re.compile(r"^2$"))
        if pager.count():
            pager.first.click()
            s.page.wait_for_timeout(300)
            settle()
    seen = masked = 0
    for url, raw in bodies:
        try:
            decoded = json.dumps(json.loads(raw), ensure_ascii=False)   # Dash escapes non-ASCII
        except ValueError:
            decoded = raw
        seen += 1
        masked += len(re.findall(r"[\u4e00-\u9fff]\*{1,3}[\"<]", decoded))    # 王** as the lists show it
        for run in _CJK_RUN.findall(decoded):
            for i in range(len(run)):
                for j in range(i + 2, min(len(run), i + longest) + 1):
                    assert run[i:j] not in names, f"unmasked name {run[i:j]!r} in {url}"
        for m in _ID_RUN.findall(decoded):
            assert m.upper() not in ids, f"unmasked ID number in {url}"
    assert seen > 40, "the browsing session did not reach the record lists"
    assert masked > 50, "no masked names seen: the lists with personal data were not reached"
    s.check_clean()


# --------------------------------------------------------------------------- database outage

class TcpProxy:
    """127.0.0.1:<port> → PostgreSQL; `down()` cuts every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._socks: list[socket.socket] = []
        self._listener = None
        self._lock = threading.Lock()

    def up(self):
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen(64)
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def _accept(self, lst):
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.close()
                except OSError:
                    pass

    def down(self):
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)   # wakes the accepting thread (Linux)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@pytest.mark.postgres
def test_database_outage_shows_a_message_and_recovers(pg_url, small_demo, open_page, tmp_path):
    from conftest import _fresh_pg_schema
    from cockpit.metrics.engine import make_engine
    from etl.run import run
    from sqlalchemy.engine import make_url

    schema, admin, schema_url = _fresh_pg_schema(pg_url)
    try:
        engine = make_engine(schema_url)
        run(small_demo, engine, progress=False)
        engine.dispose()
        target = make_url(pg_url)
        proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
        proxy.up()
        proxied = schema_url.replace(f"{target.host}:{target.port or 5432}", f"127.0.0.1:{proxy.port}", 1)
        with running_app(tmp_path, proxied, accounts_url=schema_url, env={"REDIS_URL": None}) as base:
            _outage_and_recovery(open_page, base, proxy)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _outage_and_recovery(open_page, base, proxy):
    """Open a county page, take the database away, then bring it back."""
    s = open_page(1366, 768, server=base)       # a leader of this server
    s.page.goto(base + "/county/140802?period=2024Q1&rec=clue")
    wait_for_dash(s.page)
    assert "数据库暂时无法连接" not in content_text(s)
    assert "共 " in s.page.locator("#rec-count").inner_text()

    proxy.down()
    time.sleep(6)                                      # the store is checked every 5 s
    s.page.goto(base + "/county/140802?period=2024Q2&rec=arrest")
    wait_for_dash(s.page)
    body = content_text(s)
    assert "数据库暂时无法连接" in body                    # the banner
    assert "明细暂不可用" in body                          # the records, which need the database
    assert "不捕率" in s.page.locator("#cty-indicator-table").inner_text()   # the last store still serves
    assert "Traceback" not in body and "OperationalError" not in body
    shot(s, "pages-database-down")

    proxy.up()
    time.sleep(6)
    s.page.goto(base + "/county/140802?period=2024Q2&rec=suggestion")
    wait_for_dash(s.page)
    body = content_text(s)
    assert "数据库暂时无法连接" not in body and "明细暂不可用" not in body
    assert "共 " in s.page.locator("#rec-count").inner_text()
    s.check_clean()


def test_a_county_office_sees_every_indicator_but_only_its_own_records(server, open_page):
    """The county role (盐湖区): another county's page shows its indicators and rank, its
    records do not; its own page shows its records."""
    s = open_page(1366, 768, role="county")
    s.page.goto(server + "/county/140821?period=2024&rec=clue")          # 临猗县
    wait_for_dash(s.page)
    assert "不捕率" in s.page.locator("#cty-indicator-table").inner_text()
    assert "无权查看" in s.page.locator("#rec-table").inner_text()
    assert "XS140821" not in content_text(s)
    s.page.goto(server + "/county/140802?period=2024&rec=clue")          # its own
    wait_for_dash(s.page)
    assert "XS140802" in s.page.locator("#rec-table").inner_text()
    assert_no_failure(s)
    s.check_clean()
