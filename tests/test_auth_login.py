"""Signing in and out, the lockout, CSRF on the forms, session timeouts, kiosk tokens, security
headers and error pages — on SQLite and PostgreSQL (the counters live in the database)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cockpit.auth import audit, models
from cockpit.auth import testing as T
from cockpit.auth.models import app_session, login_failure, login_lock, utcnow, writing


@pytest.fixture
def app(engine, tmp_path):
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


@pytest.fixture
def client(app):
    return app.server.test_client()


def events(engine, event=None):
    rows, _ = audit.entries(engine, event, page_size=500)
    return rows


# --------------------------------------------------------------------------- login and logout

def test_login_and_logout(app, engine, client):
    pw = T.create_user(engine, "leader1", "leader")
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "用户名" in html and "密码" in html and 'name="csrf_token"' in html
    assert "<script" not in html                       # the login page runs no script at all
    resp = T.login(client, "leader1", pw, "/compare")
    assert resp.status_code == 302 and resp.headers["Location"] == "/compare"
    assert client.get("/compare").status_code == 200
    assert models.count_sessions(engine, "leader1") == 1
    # a same-origin link logs out at once
    resp = client.get("/logout", headers={"Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 302 and "bye=1" in resp.headers["Location"]
    assert models.count_sessions(engine, "leader1") == 0
    assert client.get("/compare").status_code == 302
    kinds = [r.event for r in events(engine)]
    assert "login" in kinds and "logout" in kinds
    login = events(engine, "login")[0]
    assert login.actor == "leader1" and login.remote_addr == "127.0.0.1" and login.at is not None


def test_logout_from_another_site_asks_first(app, engine, client):
    pw = T.create_user(engine, "leader1", "leader")
    T.login(client, "leader1", pw)
    resp = client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 200 and "确认退出" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 200                     # still signed in
    assert client.post("/logout", data={}).status_code == 400     # no token: refused
    token = T._CSRF_FIELD.search(resp.get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_unknown_user_disabled_user(app, engine, client):
    pw = T.create_user(engine, "county1", "county", unit="140821")
    for name, password in (("county1", "wrong"), ("nobody", "whatever"), ("county1", "")):
        resp = T.login(client, name, password)
        assert resp.status_code == 200
        assert "用户名或密码错误" in resp.get_data(as_text=True)      # the same answer for all
    models.set_active(engine, "county1", False)
    resp = T.login(client, "county1", pw)
    assert resp.status_code == 200 and "用户名或密码错误" in resp.get_data(as_text=True)
    reasons = sorted(r.detail for r in events(engine, "login_failed"))
    assert any("unknown_user" in d for d in reasons) and any("disabled" in d for d in reasons)
    models.set_active(engine, "county1", True)
    assert T.login(client, "county1", pw).status_code == 302


def test_login_form_needs_its_csrf_token(app, engine, client):
    pw = T.create_user(engine, "leader1", "leader")
    client.get("/login")
    resp = client.post("/login", data={"username": "leader1", "password": pw, "next": "/"})
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    resp = client.post("/login", data={"username": "leader1", "password": pw, "csrf_token": "forged"})
    assert resp.status_code == 400
    assert client.get("/").status_code == 302                    # not signed in
    assert events(engine, "csrf_failed")
    # a token from another browser's session does not work either
    other = app.server.test_client()
    token = T.login_form_token(other)
    assert client.post("/login", data={"username": "leader1", "password": pw, "csrf_token": token}).status_code == 400


def test_session_is_renewed_at_login(app, engine, client):
    """Session fixation: the session cookie and CSRF token before sign-in are not those after."""
    pw = T.create_user(engine, "leader1", "leader")
    before = T.login_form_token(client)
    T.login(client, "leader1", pw)
    after = client.get_cookie("_csrf_token").value
    assert before != after


@pytest.mark.parametrize("target, expected", [
    ("/compare?period=2024", "/compare?period=2024"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("javascript:alert(1)", "/"),
    ("/\\evil.example", "/"),
    ("/login", "/"),
])
def test_next_stays_on_this_site(app, engine, client, target, expected):
    pw = T.create_user(engine, "leader1", "leader")
    resp = T.login(client, "leader1", pw, target)
    assert resp.headers["Location"] == expected


def test_hostile_input_in_the_login_form_is_inert(app, engine, client):
    hostile = '"><script>alert(1)</script>'
    resp = T.login(client, hostile, "x", next_url='/"><script>alert(2)</script>')
    html = resp.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)" in html or "&#34;&gt;&lt;script&gt;" in html
    # an SQL fragment is just a wrong user name
    resp = T.login(client, "' OR '1'='1' --", "' OR '1'='1' --")
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    names = {r.subject for r in events(engine, "login_failed")}
    assert "' or '1'='1' --" in names                              # stored as typed (normalised)


# --------------------------------------------------------------------------- lockout

def test_twenty_failures_in_a_minute_lock_the_account_at_that_address(app, engine, client):
    pw = T.create_user(engine, "county1", "county", unit="140802")
    for i in range(19):
        assert T.login(client, "county1", f"wrong{i}").status_code == 200
    resp = T.login(client, "county1", "wrong-20")
    assert resp.status_code == 429 and "锁定" in resp.get_data(as_text=True)
    # now even the right password is refused from this address ...
    resp = T.login(client, "county1", pw)
    assert resp.status_code == 429
    assert client.get("/").status_code == 302
    # ... but not from another address
    other = app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert T.login(other, "county1", pw).status_code == 302
    # the audit log shows the lock and the refused attempt
    locked = events(engine, "login_locked")
    assert len(locked) == 1 and locked[0].subject == "county1" and locked[0].remote_addr == "127.0.0.1"
    assert events(engine, "login_blocked")
    assert len(events(engine, "login_failed")) == 20
    # 15 minutes later it is open again
    with writing(engine) as conn:
        conn.execute(update(login_lock).values(until=utcnow() - timedelta(seconds=1)))
    assert T.login(client, "county1", pw).status_code == 302


def test_failures_spread_over_more_than_a_minute_do_not_lock(app, engine, client):
    pw = T.create_user(engine, "county1", "county", unit="140802")
    old = utcnow() - timedelta(seconds=90)
    with writing(engine) as conn:
        conn.execute(login_failure.insert(), [{"at": old, "name": "county1", "remote_addr": "127.0.0.1"}] * 19)
    assert T.login(client, "county1", "wrong").status_code == 200
    assert not events(engine, "login_locked")
    assert T.login(client, "county1", pw).status_code == 302


def test_unknown_names_are_counted_too_and_reset_unlocks(app, engine, client):
    for i in range(20):
        T.login(client, "ghost", f"x{i}")
    assert events(engine, "login_locked")[0].subject == "ghost"
    pw = T.create_user(engine, "ghost", "leader")       # an account created later is still locked here ...
    assert T.login(client, "ghost", pw).status_code == 429
    models.reset_password(engine, "ghost", pw)          # ... until an administrator resets or unlocks it
    assert T.login(client, "ghost", pw).status_code == 302


def test_spraying_many_names_locks_the_address(app, engine, client):
    state = app.server.extensions["cockpit_auth"]
    saved = state.settings.address_failures
    state.settings.address_failures = 6
    try:
        pw = T.create_user(engine, "leader1", "leader")
        for i in range(6):
            T.login(client, f"name{i}", "x")
        assert any(r.detail and '"address"' in r.detail for r in events(engine, "login_locked"))
        assert T.login(client, "leader1", pw).status_code == 429
    finally:
        state.settings.address_failures = saved


# --------------------------------------------------------------------------- sessions

def _age_sessions(engine, **delta):
    with writing(engine) as conn:
        rows = conn.execute(select(app_session)).all()
        for r in rows:
            conn.execute(update(app_session).where(app_session.c.sid_hash == r.sid_hash).values(
                last_seen=r.last_seen - timedelta(**delta), created_at=r.created_at - timedelta(**delta)))


def test_idle_timeout(app, engine, client):
    pw = T.create_user(engine, "leader1", "leader")
    T.login(client, "leader1", pw)
    _age_sessions(engine, minutes=29)
    assert client.get("/").status_code == 200                  # 29 minutes idle: still in
    _age_sessions(engine, minutes=31)
    resp = client.get("/compare")
    assert resp.status_code == 302 and "expired=1" in resp.headers["Location"]
    assert "登录已超时" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert models.count_sessions(engine, "leader1") == 0
    # a callback after the timeout gets the 401 the renderer turns into a reload to /login
    assert T.post_page(client, "/").status_code == 401


def test_absolute_session_lifetime(app, engine, client):
    pw = T.create_user(engine, "leader1", "leader")
    T.login(client, "leader1", pw)
    with writing(engine) as conn:
        conn.execute(update(app_session).values(created_at=utcnow() - timedelta(hours=13)))
    assert client.get("/").status_code == 302


def test_timer_callbacks_do_not_keep_a_session_alive(app, engine, client):
    pw = T.create_user(engine, "leader1", "leader")
    T.login(client, "leader1", pw)
    _age_sessions(engine, minutes=5)

    def last_seen():
        with engine.connect() as conn:
            return conn.execute(select(app_session.c.last_seen)).scalar()
    before = last_seen()
    tick = T.callback_body("shell-status.children", inputs=[{"id": "shell-status-tick", "property": "n_intervals",
                                                             "value": 3}], changed=["shell-status-tick.n_intervals"])
    assert client.post("/_dash-update-component", json=tick, headers=T.csrf_header(client)).status_code in (200, 204)
    assert last_seen() == before
    assert client.get("/").status_code == 200
    assert last_seen() > before


def test_disable_reset_and_role_change_end_sessions(app, engine):
    for change in ("disable", "reset", "role"):
        client = app.server.test_client()
        pw = T.create_user(engine, f"user_{change}", "leader")
        T.login(client, f"user_{change}", pw)
        assert client.get("/").status_code == 200
        if change == "disable":
            models.set_active(engine, f"user_{change}", False)
        elif change == "reset":
            models.reset_password(engine, f"user_{change}")
        else:
            models.set_role(engine, f"user_{change}", "county", "140802")
        assert client.get("/").status_code == 302, change


def test_session_cookie_flags(app, engine):
    pw = T.create_user(engine, "leader1", "leader")
    client = app.server.test_client()
    resp = T.login(client, "leader1", pw)
    cookies = resp.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("cockpit_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie and "Expires" not in session_cookie   # http; a browser-session cookie
    csrf_cookie = next(c for c in client.get("/").headers.getlist("Set-Cookie") + cookies
                       if c.startswith("_csrf_token="))
    assert "HttpOnly" not in csrf_cookie          # the Dash renderer reads it into X-CSRFToken
    # over HTTPS the cookies are Secure and HSTS is sent
    secure = app.server.test_client()
    resp = T.login(secure, "leader1", pw, base_url="https://cockpit.example")
    assert all("Secure" in c for c in resp.headers.getlist("Set-Cookie"))
    assert "max-age" in secure.get("/", base_url="https://cockpit.example").headers["Strict-Transport-Security"]


# --------------------------------------------------------------------------- kiosk tokens

def test_kiosk_token_signs_the_wall_in_and_revoking_it_signs_it_out(app, engine):
    token = T.issue_kiosk(engine, "指挥中心主屏")
    wall = app.server.test_client()
    resp = wall.get(f"/screen?token={token}&rotate=30")
    assert resp.status_code == 302 and resp.headers["Location"] == "/screen?rotate=30"   # token out of the URL
    session_cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("cockpit_session="))
    assert "Expires" in session_cookie                    # survives browser restarts
    assert wall.get("/screen?rotate=30").status_code == 200    # refreshes work without the token
    assert wall.get("/compare").status_code == 403
    kiosk = models.list_kiosks(engine)[0]
    assert kiosk.last_used_at is not None and kiosk.token_hash != token
    assert events(engine, "kiosk_login")[0].actor == "大屏:指挥中心主屏"
    # a second visit with the token reuses the session
    wall.get(f"/screen?token={token}")
    with engine.connect() as conn:
        assert len(conn.execute(select(app_session)).all()) == 1
    models.revoke_kiosk(engine, "指挥中心主屏", by="test")
    resp = wall.get("/screen")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert T.post_page(wall, "/screen").status_code == 401
    assert wall.get(f"/screen?token={token}").status_code == 401     # the token itself is dead


def test_invalid_kiosk_tokens(app, engine):
    wall = app.server.test_client()
    resp = wall.get("/screen?token=not-a-token")
    assert resp.status_code == 401 and "令牌无效" in resp.get_data(as_text=True)
    assert events(engine, "kiosk_denied")
    assert wall.get("/compare?token=x").status_code == 302        # only /screen takes a token


def test_kiosk_replaces_a_person_session(app, engine):
    pw = T.create_user(engine, "admin1", "admin")
    client = app.server.test_client()
    T.login(client, "admin1", pw)
    token = T.issue_kiosk(engine, "wall")
    client.get(f"/screen?token={token}")
    assert client.get("/admin/users").status_code == 403          # now it is the wall
    assert models.count_sessions(engine, "admin1") == 0


# --------------------------------------------------------------------------- headers and errors

def test_security_headers(app, engine, client):
    login = client.get("/login")
    csp = login.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert login.headers["X-Content-Type-Options"] == "nosniff"
    assert login.headers["X-Frame-Options"] == "DENY"
    assert login.headers["Referrer-Policy"] == "same-origin"
    assert login.headers["Cache-Control"] == "no-store"
    pw = T.create_user(engine, "leader1", "leader")
    T.login(client, "leader1", pw)
    page = client.get("/compare")
    csp = page.headers["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'sha256-" in script_src                                # Dash's inline start-up script, by hash
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "http" not in csp                                       # nothing from another origin
    # the hashes are those of the page's own inline scripts
    from cockpit.auth.guard import inline_script_hashes
    assert inline_script_hashes(page.get_data(as_text=True))
    for h in inline_script_hashes(page.get_data(as_text=True)):
        assert h in script_src
    # the wall too runs without eval (its ECharts component evaluates no strings)
    wall = app.server.test_client()
    wall.get(f"/screen?token={T.issue_kiosk(engine)}")
    wall_csp = wall.get("/screen").headers["Content-Security-Policy"]
    assert "'sha256-" in wall_csp and "unsafe-eval" not in wall_csp


def test_the_wall_page_comes_without_bootstrap(app, engine, client):
    """The wall uses none of Bootstrap: its index page leaves the stylesheet out (the other
    pages keep it, before the cockpit's own CSS)."""
    pw = T.create_user(engine, "leader2", "leader")
    T.login(client, "leader2", pw)
    page = client.get("/compare").get_data(as_text=True)
    assert page.index("vendor/bootstrap.min.css") < page.index("cockpit.css")
    wall = app.server.test_client()
    wall.get(f"/screen?token={T.issue_kiosk(engine)}")
    screen = wall.get("/screen").get_data(as_text=True)
    assert "bootstrap.min.css" not in screen and "screen.css" in screen and "cockpit.css" in screen


def test_errors_show_no_stack_traces(app, engine, client):
    from dash import Input, Output
    if "t-boom.children" not in app.callback_map:
        @app.callback(Output("t-boom", "children"), Input("t-boom-in", "value"))
        def boom(_value):
            raise RuntimeError("secret internals: /work/main/cockpit password=hunter2")
    pw = T.create_user(engine, "leader1", "leader")
    T.login(client, "leader1", pw)
    resp = T.post_callback(client, "t-boom.children", inputs=[{"id": "t-boom-in", "property": "value", "value": 1}])
    text = resp.get_data(as_text=True)
    assert resp.status_code == 500 and resp.is_json
    assert "Traceback" not in text and "hunter2" not in text and "系统" in resp.get_json()["error"]
    resp = client.get("/static/nothing-here.js")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)
    resp = client.put("/login")
    assert resp.status_code == 405 and "Traceback" not in resp.get_data(as_text=True)


def test_a_database_outage_keeps_vouched_sessions_only(app, engine, monkeypatch):
    """While the sessions table cannot be read, a session is believed on the voucher in its
    signed cookie: the wall's always, a person's within the idle timeout; nobody else's."""
    from sqlalchemy.exc import OperationalError
    token = T.issue_kiosk(engine, "指挥中心主屏")
    wall = app.server.test_client()
    wall.get(f"/screen?token={token}")
    assert wall.get("/screen").status_code == 200
    pw = T.create_user(engine, "leader1", "leader")
    person = app.server.test_client()
    T.login(person, "leader1", pw)
    assert person.get("/compare").status_code == 200
    forged = app.server.test_client()
    forged.set_cookie("cockpit_session", "not-a-signed-cookie")

    def down(*_a, **_k):
        raise OperationalError("SELECT … FROM app_session", {}, ConnectionRefusedError("connection refused"))
    monkeypatch.setattr(models, "load_session", down)
    assert wall.get("/screen").status_code == 200
    assert T.post_page(wall, "/screen").status_code == 200          # its refreshes keep working
    assert wall.get("/compare").status_code == 403                  # still the wall's role only
    assert person.get("/compare").status_code == 200
    assert forged.get("/compare").status_code == 302                # no session at all: the login page
    state = app.server.extensions["cockpit_auth"]
    monkeypatch.setattr(state.settings, "idle_minutes", 0)          # the person's voucher is now too old …
    resp = person.get("/compare")
    assert resp.status_code == 503 and "数据库暂时无法连接" in resp.get_data(as_text=True)
    assert wall.get("/screen").status_code == 200                   # … the wall's never is
    monkeypatch.undo()
    models.revoke_kiosk(engine, "指挥中心主屏", by="test")          # back up: checked again at once
    assert wall.get("/screen").status_code == 302

