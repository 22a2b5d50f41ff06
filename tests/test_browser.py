"""The cockpit shell in a real browser: offline, Chinese glyphs, the 404 page.
(Runs on an empty database: the overview says so instead of failing.)"""
from __future__ import annotations

import pytest
from browser_support import SCREENSHOTS, TITLE, rendering_fonts, wait_for_dash

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_home_renders_offline(server, open_page, width, height):
    s = open_page(width, height)
    response = s.page.goto(server + "/")
    assert response is not None and response.ok
    wait_for_dash(s.page)

    assert s.page.locator(".cockpit-brand").inner_text().strip() == TITLE
    assert s.page.locator("h1.cockpit-title").inner_text().strip() == "全市总览"
    assert s.page.title() == TITLE
    content = s.page.locator("#_pages_content").inner_text()
    assert "核心指标" in content
    assert "尚未加载任何数据" in content          # an empty store is said, not drawn as empty axes
    # the stylesheets are ours and applied: Bootstrap's reboot + our header colour
    assert s.page.evaluate(
        "() => getComputedStyle(document.body).fontFamily").startswith('"Noto Sans CJK SC"')
    # the Chinese title is drawn with a CJK font, not a fallback box (tofu)
    fonts = rendering_fonts(s, "h1.cockpit-title")
    assert any("CJK" in f or "YaHei" in f for f in fonts), fonts

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / f"home-{width}x{height}.png"))
    s.check_clean()


def test_unknown_path_shows_chinese_404(server, open_page):
    s = open_page(1366, 768)
    s.page.goto(server + "/no-such-page")
    wait_for_dash(s.page)
    content = s.page.locator("#_pages_content")
    assert "页面未找到" in content.inner_text()
    assert "404" in content.inner_text()
    assert "返回首页" in content.inner_text()
    assert s.page.title().startswith("页面未找到")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(SCREENSHOTS / "not-found-1366x768.png"))
    s.check_clean()


def test_offhost_requests_are_blocked_and_reported(server, open_page):
    """The guard itself works: a page that tries a CDN is caught. (The app's
    Content-Security-Policy stops such a request in the browser already; the test context
    ignores the CSP so that the request reaches the guard.)"""
    s = open_page(bypass_csp=True)
    s.page.goto(server + "/")
    wait_for_dash(s.page)
    s.page.evaluate("""() => new Promise(resolve => {
        const link = document.createElement('link');
        link.rel = 'stylesheet';
        link.href = 'https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css';
        link.onload = link.onerror = () => resolve(true);
        document.head.appendChild(link);
    })""")
    assert s.offhost == ["https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css"]


def test_the_signed_in_user_is_shown_and_can_sign_out(server, open_page):
    s = open_page(1366, 768, role="county")
    s.page.goto(server + "/")
    wait_for_dash(s.page)
    assert s.page.locator("#cockpit-user").inner_text() == "t_county · 基层院 · 盐湖区"
    assert s.page.locator(".cockpit-userbar a", has_text="系统管理").count() == 0   # not an administrator
    # the bar sits in the header band without covering the header's text
    bar = s.page.locator(".cockpit-userbar").bounding_box()
    line = s.page.locator(".cockpit-dataline").bounding_box()
    assert bar["y"] < 60 and line["x"] + line["width"] <= bar["x"]
    s.page.click("#cockpit-logout")
    s.page.wait_for_url("**/login?bye=1")
    assert s.page.goto(server + "/compare").url.startswith(server + "/login")
    s.check_clean()

    admin = open_page(1366, 768, role="admin")
    admin.page.goto(server + "/")
    wait_for_dash(admin.page)
    assert admin.page.locator(".cockpit-userbar a", has_text="系统管理").count() == 1
    admin.check_clean()


def test_the_wall_shows_no_user(server, open_page):
    s = open_page(1920, 1080, role="screen")
    s.page.goto(server + "/screen")
    wait_for_dash(s.page)
    assert s.page.locator(".cockpit-userbar").count() == 0
    s.check_clean()


def test_the_index_page_carries_no_page_layouts(server, open_page):
    """Dash's validation layout (every page's layout, sent to every client inside the index
    page) is off: the page is small and holds no layout of another page."""
    import json
    import re
    s = open_page()                                              # a signed-in leader
    html = s.context.request.get(server + "/compare").text()
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))
    assert "validation_layout" not in config
    assert len(html) < 20_000
