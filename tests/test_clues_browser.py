"""线索台账 `/clues` in Chromium on the small demo: the ledger and a clue's timeline at 1366×768
and at 390×844 (no sideways scroll on a phone), no console errors, nothing from another host;
the list's link opens the timeline and the export downloads."""
from __future__ import annotations

import re
import shutil

import pytest
from browser_support import SCREENSHOTS, wait_for_dash

pytestmark = pytest.mark.browser
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def server_db_url(demo_db_url, tmp_path_factory):
    """A private copy of the demo store (the server writes accounts and audit entries into it)."""
    folder = tmp_path_factory.mktemp("clues-browser")
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), folder / "cockpit.db")
    return f"sqlite:///{folder / 'cockpit.db'}"


def _english(page, server, db_url: str) -> dict:
    """English words in the page's text, titles and pickers (the rule of tests/test_ui_language.py)."""
    from test_ui_language import account_names, collect, english
    texts, blank, _opened = collect(page)
    assert not blank
    return english(texts, account_names(server, db_url))


def _settle(page):
    wait_for_dash(page)
    page.wait_for_timeout(300)


def test_ledger_and_timeline_at_1366(server, open_page, tmp_path, server_db_url):
    s = open_page(1366, 768, role="leader")
    s.page.goto(server + "/clues?stage=closed")
    _settle(s.page)
    content = s.page.locator("#_pages_content").inner_text()
    for text in ("法律监督线索台账", "在办线索数", "逾期未办结线索数", "逾期办结线索数", "督办线索数",
                 "环节 × 账龄", "已办结线索", "适用的期限规则"):
        assert text in content, text
    assert _english(s.page, server, server_db_url) == {}
    link = s.page.locator(".clue-open-link").first
    link.click()
    s.page.wait_for_url(re.compile(r".*[?&]clue="))
    _settle(s.page)
    s.page.locator("#clu-timeline", has_text="办理环节与期限").wait_for(timeout=60_000)
    timeline = s.page.locator("#clu-timeline").inner_text()
    assert "办理环节与期限" in timeline and "发现线索的关联记录" in timeline
    assert _english(s.page, server, server_db_url) == {}
    with s.page.expect_download() as info:
        s.page.click("#clu-export-csv")
    assert info.value.suggested_filename.endswith(".csv")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / "clues-timeline-1366x768.png"), full_page=True)
    s.check_clean()


@pytest.mark.parametrize("role", ["leader", "county"])
def test_no_sideways_scroll_at_390px(server, open_page, role):
    s = open_page(390, 844, role=role)
    s.page.goto(server + "/clues?stage=closed")
    _settle(s.page)
    assert s.page.evaluate(OVERFLOW) <= 1, f"/clues scrolls sideways at 390 px as {role}"
    link = s.page.locator(".clue-open-link").first
    link.scroll_into_view_if_needed()
    link.click()
    s.page.wait_for_url(re.compile(r".*[?&]clue="))
    _settle(s.page)
    # the timeline is drawn by a callback: wait for it rather than read it at once (a busy machine)
    s.page.locator("#clu-timeline", has_text="办理环节与期限").wait_for(timeout=60_000)
    assert s.page.evaluate(OVERFLOW) <= 1, f"a clue's timeline scrolls sideways at 390 px as {role}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / f"clues-timeline-390x844-{role}.png"), full_page=True)
    s.check_clean()
