"""Hardening of the auth layer (issue 11): request sizes counted on the bytes read, sign-in
during a database outage, the wall's token lockout, revocations that hold through an outage,
and changing one's own password — on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
from contextlib import contextmanager

import pytest

from cockpit.auth import audit, models
from cockpit.auth import testing as T
from cockpit.metrics.engine import make_engine

DEAD_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"


@pytest.fixture
def app(engine, tmp_path):
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


def events(engine, event=None):
    rows, _ = audit.entries(engine, event, page_size=500)
    return rows


@contextmanager
def database_down():
    """Every query of the app fails as it does when the database cannot be reached (a server
    that refuses connections), until the block ends."""
    from cockpit import data
    saved = data._provider  # noqa: SLF001 - restored below
    dead = make_engine(DEAD_URL)
    data.init(dead, check_every=0.0)
    try:
        yield
    finally:
        data._provider = saved  # noqa: SLF001
        dead.dispose()


def signed_in(app, engine, name, role, unit=None):
    client = app.server.test_client()
    pw = T.create_user(engine, name, role, unit=unit)
    assert T.login(client, name, pw).status_code == 302
    return client, pw


# --------------------------------------------------------------------------- request size

def test_a_chunked_callback_body_is_limited_on_the_bytes_read(app, engine):
    """The 2 MB limit for callbacks of everyone but administrators holds for a body sent
    without Content-Length (chunked): the guard stops reading past the limit."""
    client, _ = signed_in(app, engine, "county1", "county", unit="140802")
    limit = app.server.extensions["cockpit_auth"].settings.callback_max_bytes
    body = T.routing_body("/", search="?pad=" + "x" * (limit + 1024))
    raw = json.dumps(body).encode()
    stream = io.BytesIO(raw)
    resp = client.post("/_dash-update-component", input_stream=stream, content_type="application/json",
                       headers={**T.csrf_header(client), "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})
    assert resp.status_code == 413 and resp.is_json, resp.status_code
    assert stream.tell() < len(raw)                       # not read to the end
    # with Content-Length it is refused before reading, and a small chunked body still works
    assert client.post("/_dash-update-component", data=raw, content_type="application/json",
                       headers=T.csrf_header(client)).status_code == 413
    small = json.dumps(T.routing_body("/")).encode()
    resp = client.post("/_dash-update-component", input_stream=io.BytesIO(small), content_type="application/json",
                       headers={**T.csrf_header(client), "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})
    assert resp.status_code == 200


# --------------------------------------------------------------------------- database outage

def test_sign_in_during_a_database_outage_says_so(app, engine):
    client = app.server.test_client()
    pw = T.create_user(engine, "leader1", "leader")
    token = T.login_form_token(client)
    with database_down():
        resp = client.post("/login", data={"username": "leader1", "password": pw, "csrf_token": token, "next": "/"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 503, resp.status_code
    assert "数据库暂时无法连接" in text and "系统内部错误" not in text
    assert 'name="password"' in text                    # the form again, to retry
    assert T.login(client, "leader1", pw).status_code == 302    # back up: signs in


# --------------------------------------------------------------------------- the wall's lockout

LOCK_ACTION = "..adm-lock-msg.children...adm-lock-version.data.."
LOCK_TABLE = "..adm-lock-table.children...adm-lock-select.options.."


def admin_call(client, output, **values):
    body = T.callback_requests(client)[output]
    for item in body["inputs"] + body["state"]:
        if isinstance(item, dict) and item["id"] in values:
            item["value"] = values[item["id"]]
    body["changedPropIds"] = [f"{k}.n_clicks" for k, v in values.items() if k.endswith("-lift") and v == 1]
    resp = client.post("/_dash-update-component", json=body, headers=T.csrf_header(client))
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)[:300]
    return resp


def lock_options(client) -> list[dict]:
    body = admin_call(client, LOCK_TABLE).get_json()
    return body["response"]["adm-lock-select"]["options"]


def test_bad_wall_tokens_do_not_lock_the_wall_out(app, engine):
    token = T.issue_kiosk(engine, "指挥中心主屏")
    wall = app.server.test_client()                       # signed in before the attack
    assert wall.get(f"/screen?token={token}").status_code == 302
    attacker = app.server.test_client()                   # same address (an <img> on any page)
    answers = [attacker.get("/screen?token=bad").status_code for _ in range(21)]
    assert answers[:19] == [401] * 19 and answers[-1] == 429
    # the valid token still signs a wall in, from this very address ...
    fresh = app.server.test_client()
    resp = fresh.get(f"/screen?token={token}")
    assert resp.status_code == 302 and resp.headers["Location"] == "/screen"
    assert fresh.get("/screen").status_code == 200
    # ... and the signed-in wall is never locked, reloading its token address or not
    assert wall.get(f"/screen?token={token}&rotate=30").status_code == 302
    assert wall.get("/screen").status_code == 200
    # bad tokens stay locked out, and do not lock the address for people signing in
    assert attacker.get("/screen?token=bad2").status_code == 429
    pw = T.create_user(engine, "leader1", "leader")
    assert T.login(app.server.test_client(), "leader1", pw).status_code == 302
    assert [r.subject for r in events(engine, "login_locked")] == ["大屏令牌（无效令牌尝试） @ 127.0.0.1"]


def test_an_administrator_sees_and_lifts_address_locks(app, engine):
    state = app.server.extensions["cockpit_auth"]
    admin, _ = signed_in(app, engine, "admin1", "admin")
    # an address-wide lock (password spraying) from 10.0.0.9 and a wall-token lock from 10.0.0.8
    sprayer = app.server.test_client()
    sprayer.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    saved = state.settings.address_failures
    state.settings.address_failures = 5
    try:
        for i in range(5):
            T.login(sprayer, f"name{i}", "x")
    finally:
        state.settings.address_failures = saved
    pw = T.create_user(engine, "leader1", "leader")
    assert T.login(sprayer, "leader1", pw).status_code == 429
    prober = app.server.test_client()
    prober.environ_base["REMOTE_ADDR"] = "10.0.0.8"
    for _ in range(20):
        prober.get("/screen?token=bad")
    assert prober.get("/screen?token=bad").status_code == 429
    # both are listed, by address
    options = lock_options(admin)
    labels = [o["label"] for o in options]
    assert any("整个地址" in label and "10.0.0.9" in label for label in labels), labels
    assert any("大屏令牌" in label and "10.0.0.8" in label for label in labels), labels
    # lifting the address lock lets the person in again, and is audited
    lock_id = next(o["value"] for o in options if "10.0.0.9" in o["label"])
    text = json.dumps(admin_call(admin, LOCK_ACTION, **{"adm-lock-lift": 1, "adm-lock-select": lock_id}).get_json(),
                      ensure_ascii=False)
    assert "已解除锁定" in text and "10.0.0.9" in text
    assert T.login(sprayer, "leader1", pw).status_code == 302
    lifted = events(engine, "lock_lifted")
    assert len(lifted) == 1 and lifted[0].actor == "admin1" and "10.0.0.9" in lifted[0].subject
    kiosk_id = next(o["value"] for o in lock_options(admin) if "10.0.0.8" in o["label"])
    admin_call(admin, LOCK_ACTION, **{"adm-lock-lift": 1, "adm-lock-select": kiosk_id})
    assert prober.get("/screen?token=bad").status_code == 401
    assert lock_options(admin) == []
    # nobody else may list or lift locks
    county, _ = signed_in(app, engine, "county1", "county", unit="140802")
    body = T.callback_requests(county)[LOCK_TABLE]
    assert county.post("/_dash-update-component", json=body, headers=T.csrf_header(county)).status_code == 403


# --------------------------------------------------------------------------- revocations hold through an outage

@pytest.fixture
def outage(monkeypatch):
    """A switch: after `outage()` the sessions table cannot be read (as in
    test_auth_login.test_a_database_outage_keeps_vouched_sessions_only)."""
    from sqlalchemy.exc import OperationalError

    def down(*_a, **_k):
        raise OperationalError("SELECT … FROM app_session", {}, ConnectionRefusedError("connection refused"))
    return lambda: monkeypatch.setattr(models, "load_session", down)


def copy_of(app, client):
    """Another browser holding the same cookies (a copied or replayed cookie)."""
    other = app.server.test_client()
    for name in ("cockpit_session", "_csrf_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


def refused(resp) -> bool:
    return resp.status_code in (302, 401, 503) and "scr-root" not in resp.get_data(as_text=True) \
        and "adm-" not in resp.get_data(as_text=True)


def test_ended_sessions_stay_ended_while_the_database_is_down(app, engine, outage):
    # the wall, signed in long ago, then its token revoked
    token = T.issue_kiosk(engine, "指挥中心主屏")
    wall = app.server.test_client()
    wall.get(f"/screen?token={token}")
    assert wall.get("/screen").status_code == 200
    models.revoke_kiosk(engine, "指挥中心主屏", by="test")
    # a county user, disabled by an administrator
    county, _ = signed_in(app, engine, "county1", "county", unit="140802")
    assert county.get("/compare").status_code == 200
    models.set_active(engine, "county1", False)
    # an administrator who signed out (a copy of the cookie was kept)
    admin, _ = signed_in(app, engine, "admin1", "admin")
    assert admin.get("/admin/users").status_code == 200
    kept = copy_of(app, admin)
    assert admin.get("/logout", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 302
    # a leader whose role changed, and one still signed in
    moved, _ = signed_in(app, engine, "leader2", "leader")
    assert moved.get("/compare").status_code == 200
    models.set_role(engine, "leader2", "county", "140821")
    leader, _ = signed_in(app, engine, "leader1", "leader")
    assert leader.get("/compare").status_code == 200
    wall2 = app.server.test_client()
    wall2.get(f"/screen?token={T.issue_kiosk(engine, '副屏')}")
    assert wall2.get("/screen").status_code == 200

    outage()
    assert refused(wall.get("/screen")), wall.get("/screen").status_code
    assert T.post_page(wall, "/screen").status_code in (401, 503)
    assert refused(county.get("/compare"))
    assert refused(kept.get("/admin/users"))
    assert T.post_page(kept, "/admin/users").status_code in (401, 503)
    assert refused(moved.get("/compare"))
    # the sessions nobody ended go on (the outage behaviour of issue 3/4)
    assert leader.get("/compare").status_code == 200
    assert wall2.get("/screen").status_code == 200


def test_revocations_are_noted_outside_the_database(tmp_path, engine):
    """The store itself: a file shared by the processes of one host; a "not before" time per
    user and kiosk, a mark per ended session; namespaced by database."""
    from cockpit.auth import revocations as R
    store = R.Revocations(R.FileStore(tmp_path / "rev.json"))
    other_process = R.Revocations(R.FileStore(tmp_path / "rev.json"))
    before = __import__("time").time() - 1
    store.user_changed(engine, [7])
    store.kiosk_revoked(engine, [3])
    store.session_ended(engine, "abc")
    assert other_process.refuses(engine, None, 7, None, before)
    assert not other_process.refuses(engine, None, 7, None, before + 60)     # verified after the change
    assert other_process.refuses(engine, None, None, 3, before)
    assert other_process.refuses(engine, "abc", 8, None, before + 60)
    assert not other_process.refuses(engine, "abd", 8, 4, before)
    elsewhere = make_engine("sqlite:///" + str(tmp_path / "other.db"))
    assert not other_process.refuses(elsewhere, "abc", 7, 3, before)         # another database
    elsewhere.dispose()


def test_revocations_in_redis_reach_other_hosts(tmp_path, engine):
    """With REDIS_URL every host sees a revocation noted on another (its own file has none)."""
    import os
    import time

    from conftest import need
    from cockpit.auth import revocations as R
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis_store = R.RedisStore(url)
        redis_store.client.ping()
    except Exception as err:  # noqa: BLE001
        need("Redis", str(err))
    host_a = R.Revocations(R.FileStore(tmp_path / "a.json"), redis_store)
    host_b = R.Revocations(R.FileStore(tmp_path / "b.json"), R.RedisStore(url))
    before = time.time() - 1
    host_a.user_changed(engine, [41])
    host_a.session_ended(engine, "sid-on-a")
    assert host_b.refuses(engine, None, 41, None, before)
    assert host_b.refuses(engine, "sid-on-a", None, None, time.time() + 5)
    assert not (tmp_path / "b.json").exists()
    ns = R.namespace(engine)
    ttl = redis_store.client.ttl(f"{R.REDIS_PREFIX}{ns}:u:41")
    assert 0 < ttl <= R.PERSON_TTL
    redis_store.client.delete(f"{R.REDIS_PREFIX}{ns}:u:41", f"{R.REDIS_PREFIX}{ns}:s:sid-on-a")


# --------------------------------------------------------------------------- changing one's own password

def password_form(client, current, new, again=None, **kwargs):
    page = client.get("/account/password")
    assert page.status_code == 200, page.status_code
    token = T._CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    return client.post("/account/password", data={"csrf_token": token, "current": current, "new": new,
                                                  "again": new if again is None else again}, **kwargs)


def test_a_person_changes_their_own_password(app, engine):
    client, pw = signed_in(app, engine, "county1", "county", unit="140802")
    elsewhere = app.server.test_client()                    # the same person on another computer
    assert T.login(elsewhere, "county1", pw).status_code == 302
    # reachable from the user bar
    assert '"href": "/account/password"' in json.dumps(client.get("/_dash-layout").get_json())
    page = client.get("/account/password").get_data(as_text=True)
    assert "当前密码" in page and "<script" not in page
    new = "Yuncheng2026Jcy"
    for current, candidate, again, why in ((pw + "x", new, None, "当前密码不正确"),
                                           (pw, "short1", None, "至少需要"),
                                           (pw, "abcdefghijklmn", None, "字母和数字"),
                                           (pw, "county1county1x9", None, "不能包含用户名"),
                                           (pw, new, new + "x", "不一致")):
        resp = password_form(client, current, candidate, again)
        assert why in resp.get_data(as_text=True), why
    assert models.authenticate(engine, "county1", pw)[0] is not None        # nothing changed yet
    resp = password_form(client, pw, new)
    assert resp.status_code == 200 and "密码已修改" in resp.get_data(as_text=True)
    assert models.authenticate(engine, "county1", pw)[0] is None
    assert models.authenticate(engine, "county1", new)[0] is not None
    assert client.get("/compare").status_code == 200                       # this session goes on
    assert elsewhere.get("/compare").status_code == 302                    # the other one ended
    assert [r.subject for r in events(engine, "password_changed")] == ["county1"]
    assert events(engine, "password_change_failed")
    fresh = app.server.test_client()
    assert T.login(fresh, "county1", new).status_code == 302


def test_password_change_needs_a_person_and_the_form_token(app, engine):
    anon = app.server.test_client()
    assert anon.get("/account/password").status_code == 302                # the login page first
    wall = app.server.test_client()
    wall.get(f"/screen?token={T.issue_kiosk(engine)}")
    assert wall.get("/account/password").status_code == 403
    assert wall.post("/account/password", data={"csrf_token": wall.get_cookie("_csrf_token").value,
                                                "current": "x", "new": "y", "again": "y"}).status_code == 403
    client, pw = signed_in(app, engine, "leader1", "leader")
    resp = client.post("/account/password", data={"current": pw, "new": "Another2026pw", "again": "Another2026pw"})
    assert resp.status_code == 403
    assert models.authenticate(engine, "leader1", pw)[0] is not None
    # guessing the current password from a hijacked session runs into the lockout
    state = app.server.extensions["cockpit_auth"]
    for i in range(state.settings.lock_failures):
        password_form(client, f"guess{i}", "Another2026pw")
    assert password_form(client, pw, "Another2026pw").status_code == 429
    assert models.authenticate(engine, "leader1", pw)[0] is not None


# --------------------------------------------------------------------------- CSRF by Flask-WTF

def test_csrf_over_https_also_wants_a_same_origin_referer(app, engine):
    """CSRFProtect's strict mode: over HTTPS a form post needs its token and a Referer of this
    site (the pages send one: Referrer-Policy same-origin)."""
    T.create_user(engine, "leader1", "leader", password="Secret-pass-2026")
    base = "https://cockpit.example"
    for referer, expected in ((f"{base}/login", 302), ("https://evil.example/login", 400), (None, 400)):
        client = app.server.test_client()
        token = T._CSRF_FIELD.search(client.get("/login", base_url=base).get_data(as_text=True)).group(1)
        headers = {"Referer": referer} if referer else {}
        resp = client.post("/login", base_url=base, headers=headers, data={
            "username": "leader1", "password": "Secret-pass-2026", "csrf_token": token, "next": "/"})
        assert resp.status_code == expected, (referer, resp.status_code)
    # the token is bound to the session: one from another browser does not work
    a, b = app.server.test_client(), app.server.test_client()
    token_b = T.login_form_token(b)
    T.login_form_token(a)
    resp = a.post("/login", data={"username": "leader1", "password": "Secret-pass-2026", "csrf_token": token_b})
    assert resp.status_code == 400
