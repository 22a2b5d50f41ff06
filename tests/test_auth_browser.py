"""Sign-in in a real browser, with the security headers on: every role signs in the way its
people (or the wall) will, the pages render under the Content-Security-Policy without a single
console error or violation, a county account is stopped at the admin pages, and an expired
session sends an open page back to the login form.

Here people sign in through the login form itself (`browser_login`) and the wall through its
token in the address bar; the shared fixtures (browser_support) sign in the same way over HTTP.
"""
from __future__ import annotations

import os
import shutil

import pytest
from browser_support import wait_for_dash

from cockpit.auth import testing as T

pytestmark = pytest.mark.browser

PEOPLE = {"leader": None, "county": "140802", "admin": None}
# Violations are reported to the console by Chromium; the listener makes them explicit.
CSP_LISTENER = ("document.addEventListener('securitypolicyviolation', e => console.error("
                "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile))")


@pytest.fixture(scope="module", autouse=True)
def auth_on():
    """The `server` fixture passes our environment on to `python app.py`."""
    saved = os.environ.get("COCKPIT_AUTH")
    os.environ["COCKPIT_AUTH"] = "on"
    yield
    if saved is None:
        os.environ.pop("COCKPIT_AUTH", None)
    else:
        os.environ["COCKPIT_AUTH"] = saved


@pytest.fixture(scope="module")
def accounts(demo_db_url, tmp_path_factory):
    """A private copy of the demo store with one account per role and a kiosk token."""
    folder = tmp_path_factory.mktemp("auth-browser")
    source = demo_db_url.removeprefix("sqlite:///")
    shutil.copy(source, folder / "cockpit.db")
    url = f"sqlite:///{folder / 'cockpit.db'}"
    made = {role: (f"b_{role}", T.create_user(url, f"b_{role}", role, unit=unit)) for role, unit in PEOPLE.items()}
    made["token"] = T.issue_kiosk(url, "浏览器测试大屏")
    made["url"] = url
    return made


@pytest.fixture(scope="module")
def server_db_url(accounts):
    return accounts["url"]


def check_clean_but_403(s):
    """Clean, except the browser's own note that the refused page answered 403."""
    s.errors[:] = [e for e in s.errors if "status of 403" not in e]
    s.check_clean()


def person(open_page, server, accounts, role, width=1366, height=900):
    s = open_page(width, height, role=None)      # signed in below, through the login form
    s.page.add_init_script(CSP_LISTENER)
    name, password = accounts[role]
    T.browser_login(s.page, server, name, password)
    return s


BROWSER_PAGES = ("/", "/compare", "/trends", "/metrics", "/models", "/platform/arrest", "/platform/noncustody",
                 "/platform/plea", "/platform/juvenile", "/county/140802", "/metric/non_arrest_rate")


def test_leader_pages_render_under_the_csp(server, open_page, accounts):
    s = person(open_page, server, accounts, "leader")
    for path in BROWSER_PAGES:
        response = s.page.goto(server + path)
        assert response is not None and response.ok, path
        assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
        wait_for_dash(s.page)
        assert s.page.locator("#_pages_content").inner_text().strip(), path
    s.check_clean()


def test_county_is_stopped_at_the_admin_pages(server, open_page, accounts):
    s = person(open_page, server, accounts, "county")
    s.page.goto(server + "/compare")
    wait_for_dash(s.page)
    response = s.page.goto(server + "/admin/users")
    assert response.status == 403
    assert "无权访问" in s.page.inner_text("body")
    check_clean_but_403(s)


def test_admin_pages(server, open_page, accounts):
    s = person(open_page, server, accounts, "admin")
    for path, marker in (("/admin/users", "b_county"), ("/admin/audit", "登录"), ("/admin/uploads", "导入台账")):
        s.page.goto(server + path)
        wait_for_dash(s.page)
        assert marker in s.page.locator("#_pages_content").inner_text(), path
    s.check_clean()


def test_the_wall_signs_in_with_its_token(server, open_page, accounts):
    s = open_page(1920, 1080, role=None)
    s.page.add_init_script(CSP_LISTENER)
    response = s.page.goto(f"{server}/screen?token={accounts['token']}")
    assert response.ok
    assert s.page.url == f"{server}/screen"                      # the token left the address bar
    wait_for_dash(s.page)
    s.page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    s.page.reload()                                              # refreshes keep working
    wait_for_dash(s.page)
    assert s.page.goto(server + "/compare").status == 403
    check_clean_but_403(s)


def test_an_expired_session_returns_to_the_login_page(server, open_page, accounts):
    from sqlalchemy import delete

    from cockpit.auth.models import app_session, app_user, writing
    from cockpit.metrics.engine import make_engine
    s = person(open_page, server, accounts, "leader")
    s.page.goto(server + "/")
    wait_for_dash(s.page)
    engine = make_engine(accounts["url"])
    try:
        with writing(engine) as conn:       # what an idle timeout does to the session
            ids = conn.execute(app_user.select().where(app_user.c.name == "b_leader")).all()
            conn.execute(delete(app_session).where(app_session.c.user_id.in_([r.id for r in ids])))
    finally:
        engine.dispose()
    s.page.click("a.cockpit-navlink >> text=县区对比")           # a callback now answers 401 …
    s.page.wait_for_url("**/login?**", timeout=15_000)           # … and the renderer hook goes to the login page
    assert "next=%2Fcompare" in s.page.url and "expired=1" in s.page.url
    assert "登录已超时" in s.page.inner_text("body")
