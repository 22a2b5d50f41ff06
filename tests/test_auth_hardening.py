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
