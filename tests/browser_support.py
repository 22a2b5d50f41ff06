"""Browser-test fixtures (a pytest plugin, loaded by conftest.py): the app served by
`python app.py`, Debian's Chromium driven by Playwright. Everything must come from the app's
own host: any other request is aborted and recorded, and `Session.check_clean()` fails the
test (the command-center wall has no internet).

`server` serves the database of the `server_db_url` fixture — an empty SQLite file unless a
test module overrides that fixture (e.g. with `demo_db_url`, the small demo loaded once) —
with sign-in on, as in production: before it starts, one account per role and a kiosk token
are written into that database (`server.accounts`, `server.kiosk_token`), and
`open_page(role=...)` signs its browser context in (default: a leader; `role=None` stays
signed out; `role="screen"` is the wall with its kiosk token).
Without Chromium or Playwright these tests are skipped, except under CI=true where they fail.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TITLE = "运城检察 数据驾驶舱"
IN_CI = os.environ.get("CI", "").lower() == "true"
SERVER_START_TIMEOUT = 60
SETTLE_TIMEOUT_MS = 30_000


def _unavailable(reason: str):
    """Skip locally; in CI a missing browser is a broken pipeline, so fail."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright is not installed: {exc}")
    return sync_playwright


@pytest.fixture(scope="module")
def server_db_url(tmp_path_factory):
    """The database the test server serves: an empty SQLite file (override per module)."""
    return f"sqlite:///{tmp_path_factory.mktemp('empty-db') / 'cockpit.db'}"


# the accounts every test server gets (name, role, unit)
TEST_ACCOUNTS = {
    "admin": ("t_admin", "admin", None),
    "leader": ("t_leader", "leader", None),
    "county": ("t_county", "county", "140802"),   # 盐湖区
}


class Server(str):
    """The base URL (a str, so `server + "/path"` works) with the accounts made for it."""
    accounts: dict[str, tuple[str, str]]   # role → (name, password)
    kiosk_token: str
    db_url: str


def make_accounts(db_url: str, base: str) -> Server:
    """One account per role and a kiosk token in the database at `db_url`."""
    from cockpit.auth import testing as T
    srv = Server(base)
    srv.db_url = db_url
    srv.accounts = {role: (name, T.create_user(db_url, name, r, unit=unit))
                    for role, (name, r, unit) in TEST_ACCOUNTS.items()}
    srv.kiosk_token = T.issue_kiosk(db_url, "测试大屏")
    return srv


def sign_in(context, srv: Server, role: str) -> None:
    """Sign a browser context in as `role` over HTTP (no page is rendered): the session cookie
    lands in the context's cookie jar, as after the login form."""
    import re
    if role == "screen":
        resp = context.request.get(f"{srv}/screen?token={srv.kiosk_token}", max_redirects=0)
        assert resp.status == 302, f"kiosk sign-in failed: {resp.status} {resp.text()[:200]}"
        return
    name, password = srv.accounts[role]
    form = context.request.get(f"{srv}/login?next=/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text())
    assert token, f"no CSRF token on the login page ({form.status})"
    resp = context.request.post(f"{srv}/login", form={"username": name, "password": password,
                                                      "csrf_token": token.group(1), "next": "/"},
                                max_redirects=0)
    assert resp.status == 302 and "/login" not in resp.headers.get("location", ""), \
        f"sign-in as {name} failed: {resp.status} {resp.text()[:200]}"


@contextmanager
def running_app(tmp: Path, db_url: str, accounts_url: str | None = None, args=("app.py",),
                env: dict | None = None):
    """`python app.py` (or `python <args>`) on a free port, sign-in on, serving `db_url`; yields
    a `Server` whose accounts are written into `accounts_url` (default `db_url`) before it starts.
    `env`: more environment (a value None removes the variable). Stopped on exit."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environ = dict(os.environ, HOST="127.0.0.1", PORT=str(port), DATABASE_URL=db_url,
                   COCKPIT_DATA_DIR=str(tmp / "data"), COCKPIT_AUTH="on", PYTHONUNBUFFERED="1")
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    base = make_accounts(accounts_url or db_url, f"http://127.0.0.1:{port}")
    log_path = tmp / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, *args], cwd=PROJECT, env=environ,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited with {proc.returncode}:\n"
                            f"{log_path.read_text(errors='replace')}", pytrace=False)
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer on {base} within {SERVER_START_TIMEOUT}s:\n"
                            f"{log_path.read_text(errors='replace')}", pytrace=False)
            time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, server_db_url):
    """`python app.py` on a free port serving `server_db_url` with sign-in on; yields a
    `Server` (its base URL, the accounts and the kiosk token)."""
    with running_app(tmp_path_factory.mktemp("server"), server_db_url) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(playwright_api):
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Always Debian's Chromium via executable_path: Playwright never fetches a browser.
    with playwright_api() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser"
            _unavailable(f"cannot launch {CHROMIUM}: {exc}")
        yield browser
        browser.close()


class Session:
    """A page plus what it did: off-host requests, console errors, page errors."""

    def __init__(self, context, page):
        self.context = context
        self.page = page
        self.offhost: list[str] = []
        self.errors: list[str] = []

    def check_clean(self):
        assert self.offhost == [], f"requests to other hosts were attempted: {self.offhost}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def open_page(browser, request):
    """Factory: a fresh context at a given viewport, every request to another host aborted,
    signed in as `role` on `server` (default: the module's `server` fixture)."""
    contexts = []

    def make(width: int = 1366, height: int = 768, role: str | None = "leader",
             server: Server | None = None, bypass_csp: bool = False) -> Session:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=bypass_csp)
        contexts.append(context)
        if role is not None:
            sign_in(context, server or request.getfixturevalue("server"), role)
        page = context.new_page()
        session = Session(context, page)

        def route(route):
            url = route.request.url
            if urlsplit(url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                session.offhost.append(url)
                route.abort("blockedbyclient")

        context.route("**/*", route)
        page.on("console", lambda msg: msg.type == "error"
                and session.errors.append(f"console: {msg.text} @ {msg.location}"))
        page.on("pageerror", lambda exc: session.errors.append(f"pageerror: {exc}"))
        return session

    yield make
    for context in contexts:
        context.close()


# --------------------------------------------------------------------------- settling

# How we know Dash has settled (Dash 4):
#  1. the server-rendered placeholder `<div class="_dash-loading">` is gone — React has
#     mounted the app (the renderer replaces the whole #react-entry-point content);
#  2. the renderer's Redux store (`window.store`; `window.dash_stores` in newer renderers)
#     exists, its `isLoading` flag (set while the layout/dependencies are being fetched) is
#     false, and its `callbacks` slice holds no work: every queue except the bookkeeping lists
#     `stored` / `completed` (requested, prioritized, blocked, executing, watched, executed) is
#     empty. This is the same test `dash.testing` uses (`redux_state_rqs == []`);
#  3. Dash Pages has rendered the page into `#_pages_content` (its routing callback runs
#     after the first render, so an empty store queue alone is not enough);
#  4. no element is marked `data-dash-is-loading` (set on components whose props are being
#     computed).
# Because the first callbacks are queued a tick after the first render, the predicate must
# hold on several consecutive polls; finally we wait for the network to go idle, which also
# covers lazily loaded component bundles (e.g. plotly.js for graphs).
_SETTLED_JS = """
() => {
  if (document.querySelector('._dash-loading')) return false;
  const stores = (window.dash_stores && window.dash_stores.length)
      ? window.dash_stores : (window.store ? [window.store] : []);
  if (!stores.length) return false;
  for (const store of stores) {
    const state = store.getState();
    if (state.isLoading) return false;
    const cbs = Object.assign({}, state.callbacks || {});
    delete cbs.stored; delete cbs.completed;
    for (const queue of Object.values(cbs)) {
      if (Array.isArray(queue) && queue.length) return false;
    }
    if (state.pendingCallbacks && state.pendingCallbacks.length) return false;
  }
  const content = document.getElementById('_pages_content');
  if (!content || !content.children.length) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  return true;
}
"""


def wait_for_dash(page, stable_polls: int = 3, interval_ms: int = 150):
    page.wait_for_selector("._dash-loading", state="detached", timeout=SETTLE_TIMEOUT_MS)
    deadline = time.monotonic() + SETTLE_TIMEOUT_MS / 1000
    streak = 0
    while streak < stable_polls:
        if time.monotonic() > deadline:
            raise AssertionError("Dash did not settle within "
                                 f"{SETTLE_TIMEOUT_MS / 1000:.0f}s")
        streak = streak + 1 if page.evaluate(_SETTLED_JS) else 0
        page.wait_for_timeout(interval_ms)
    page.wait_for_load_state("networkidle", timeout=SETTLE_TIMEOUT_MS)
    # fonts must be ready before a screenshot is meaningful
    page.evaluate("() => document.fonts.ready.then(() => true)")


def rendering_fonts(session: Session, selector: str) -> list[str]:
    """Font families Chromium actually used to draw the text of `selector` (via CDP)."""
    cdp = session.context.new_cdp_session(session.page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts if f.get("glyphCount")]


