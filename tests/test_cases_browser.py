"""Issue 12 in Chromium: /cases (监督案件来源) at 1366×768 and 390×844 — drawn, no console
errors, no off-host requests, no sideways scroll — and the wall's models screen with the clue
funnel, 逾期未办结线索 and 督办线索 at 1920×1080, opened by its kiosk token, without scroll bars.

Screenshots: artifacts/screenshots/cases-*.png, screen-models-clues.png."""
from __future__ import annotations

import pytest
from browser_support import SCREENSHOTS, running_app, wait_for_dash

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
NO_SCROLL = """() => { const de = document.documentElement;
  return {sw: de.scrollWidth, sh: de.scrollHeight, vw: window.innerWidth, vh: window.innerHeight}; }"""
# every element of the models screen's right column stays inside the canvas
INSIDE_JS = """() => {
  const c = document.querySelector('.scr-canvas').getBoundingClientRect();
  const out = [];
  document.querySelectorAll('#scr-screen-models .scr-panel, #md-overdue .scr-rate, #md-clue-kpis .scr-rate')
    .forEach(el => { const r = el.getBoundingClientRect();
      if (r.bottom > c.bottom + 1 || r.right > c.right + 1 || r.height < 4)
        out.push((el.id || el.className) + ' ' + JSON.stringify(r)); });
  return out; }"""


@pytest.fixture(scope="module")
def srv(demo_db_url, tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("cases-server"), demo_db_url) as s:
        yield s


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_cases_page_in_chromium(srv, open_page, width, height):
    s = open_page(width, height, server=srv)
    resp = s.page.goto(srv + "/cases")
    assert resp is not None and resp.ok
    wait_for_dash(s.page)
    s.page.wait_for_selector("#cases-sources .js-plotly-plot .main-svg", timeout=20_000)
    s.page.wait_for_selector("#cases-trend .js-plotly-plot .main-svg", timeout=20_000)
    s.page.wait_for_timeout(500)
    body = s.page.inner_text("body")
    assert "监督案件来源" in body and "依程序移送" in body and "线索受理数" in body
    assert s.page.evaluate(OVERFLOW) <= 1, f"/cases scrolls sideways at {width} px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / f"cases-{width}x{height}.png"), full_page=True)
    s.check_clean()


def test_the_wall_shows_the_clue_funnel_overdue_and_pressed(srv, open_page):
    from test_screen import wait_for_charts
    s = open_page(1920, 1080, role="screen", server=srv)   # the wall, by its kiosk token
    resp = s.page.goto(srv + "/screen?screen=models&rotate=0")
    assert resp is not None and resp.ok
    wait_for_dash(s.page)
    wait_for_charts(s.page, {"ch-md-clues", "ch-md-funnel", "ch-md-domain", "ch-md-board"})
    s.page.wait_for_timeout(800)
    g = s.page.evaluate(NO_SCROLL)
    assert g["sw"] <= g["vw"] and g["sh"] <= g["vh"], g
    assert s.page.evaluate(INSIDE_JS) == []
    overdue = s.page.inner_text("#md-overdue")
    assert "逾期未办结线索" in overdue and "截至" in overdue
    assert "督办线索" in s.page.inner_text("#md-clue-kpis")
    assert "发现" in s.page.inner_text("#md-clues-panel-tag")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / "screen-models-clues.png"))
    s.check_clean()
