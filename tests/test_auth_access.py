"""Who may open what: every role × every page and every server callback, on SQLite and PostgreSQL.

Pages are requested twice: as a browser GET (the index) and through Dash Pages' routing
callback (what a click on a link does, and what a hand-made POST would try). Callbacks are
hand-made POSTs to /_dash-update-component naming each server callback of the app. A denied
request must answer 403 and carry nothing of the page or the callback; an allowed one must
pass the guard.
"""
from __future__ import annotations

import dash
import pytest

from cockpit.auth import roles
from cockpit.auth import testing as T
from cockpit.auth.guard import RENDERER_401_MARKER

ROLES = ("screen", "leader", "county", "admin")
ADMIN_PAGES = ("/admin/users", "/admin/audit", "/admin/uploads", "/admin/alerts", "/admin/annotations")


@pytest.fixture
def app(engine, tmp_path):
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


def signed_in(app, engine, role: str):
    """A test client signed in as a fresh user of `role` (the wall with its kiosk token)."""
    client = app.server.test_client()
    if role == "screen":
        token = T.issue_kiosk(engine, "测试大屏")
        resp = client.get(f"/screen?token={token}")
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/screen")
        return client
    name = f"u_{role}"
    password = T.create_user(engine, name, role, unit="140802" if role == "county" else None)
    resp = T.login(client, name, password)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def page_paths() -> list[str]:
    """Every registered page, templates filled with a valid value, plus an unknown path."""
    paths = []
    for page in dash.page_registry.values():
        path = page.get("path_template") or page["path"]
        path = path.replace("<code>", "140802").replace("<metric_id>", "non_arrest_rate")
        if "<" not in path:
            paths.append(path)
    return sorted(set(paths)) + ["/no-such-page"]


def expected_page(role: str, path: str) -> bool:
    if role == "screen":
        return path == "/screen"
    if path.startswith("/admin"):
        return role == "admin"
    return True


def server_callbacks(app) -> dict[str, str]:
    """output id -> module of every server-side callback except Dash Pages' routing one."""
    from cockpit.auth.guard import _callback_module
    out = {}
    for key, entry in app.callback_map.items():
        fn = entry.get("callback")
        if fn is None or key == T.ROUTING_OUTPUT:
            continue
        out[key] = _callback_module(fn)
    return out


def expected_callback(role: str, module: str) -> bool:
    if module.startswith("cockpit.pages.admin_") or module.startswith("cockpit.auth"):
        return role == "admin"
    if module.startswith("cockpit.screen") or module == "cockpit.pages.screen":
        return True
    return role != "screen"


def test_the_matrix_covers_the_app(app):
    paths = page_paths()
    for p in ("/", "/screen", "/compare", *ADMIN_PAGES):
        assert p in paths
    modules = set(server_callbacks(app).values())
    assert any(m.startswith("cockpit.screen") for m in modules)
    assert any(m.startswith("cockpit.pages.admin_") for m in modules)
    assert any(m.startswith("cockpit.pages.") and "admin" not in m and "screen" not in m for m in modules)


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(app, engine, role):
    client = signed_in(app, engine, role)
    for path in page_paths():
        resp = client.get(path)
        if role == "county" and path == "/":        # a county user lands on its own county's page
            assert resp.status_code == 302 and resp.headers["Location"].endswith("/county/140802")
        elif expected_page(role, path):
            assert resp.status_code == 200, (role, path, resp.status_code)
        elif role == "screen" and path == "/":
            assert resp.status_code == 302 and resp.headers["Location"].endswith("/screen")
        else:
            assert resp.status_code == 403, (role, path, resp.status_code)
            assert "无权访问" in resp.get_data(as_text=True)


def test_a_county_user_lands_on_its_county_page(app, engine):
    """Issue 10 item 10: county users landed on 全市总览 (before: "/" answered 200). After
    sign-in ("/") they land on their own county's page; the overview stays reachable."""
    client = app.server.test_client()
    password = T.create_user(engine, "c_land", "county", unit="140802")
    resp = T.login(client, "c_land", password)
    assert resp.status_code == 302
    resp = client.get(resp.headers["Location"])                 # where sign-in sends them: "/"
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/county/140802")
    assert client.get("/county/140802").status_code == 200
    assert client.get("/?period=2024").status_code == 200        # the overview, asked for
    leader = signed_in(app, engine, "leader")
    assert leader.get("/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_pages_through_the_routing_callback(app, engine, role):
    """A hand-made POST asking Dash Pages for a page the role may not see gets nothing of it."""
    client = signed_in(app, engine, role)
    for path in page_paths():
        resp = T.post_page(client, path)
        if expected_page(role, path):
            assert resp.status_code == 200, (role, path, resp.status_code, resp.get_data(as_text=True)[:300])
            assert "_pages_content" in resp.get_data(as_text=True)
        else:
            assert resp.status_code == 403, (role, path, resp.status_code)
            body = resp.get_json()
            assert set(body) == {"error"}
    # path tricks are judged like the path they resolve to (and a little stricter)
    for trick in ("/Admin/Users", "/admin//users/", "/screen/../admin/users", "/%61dmin/users"):
        resp = T.post_page(client, trick)
        assert resp.status_code == (200 if role == "admin" else 403), (role, trick)


@pytest.mark.parametrize("role", ROLES)
def test_every_callback_by_role(app, engine, role):
    client = signed_in(app, engine, role)
    callbacks = server_callbacks(app)
    bodies = T.callback_requests(client)          # well-formed requests, every input None
    assert callbacks and set(callbacks) <= set(bodies)
    for output, module in callbacks.items():
        resp = client.post("/_dash-update-component", json=bodies[output], headers=T.csrf_header(client))
        if expected_callback(role, module):
            assert resp.status_code in (200, 204), (role, output, module, resp.status_code)
        else:
            assert resp.status_code == 403, (role, output, module, resp.status_code)
            assert set(resp.get_json()) == {"error"}


def test_unknown_or_clientside_callbacks_are_refused(app, engine):
    client = signed_in(app, engine, "leader")
    assert T.post_callback(client, "no-such-output.children").status_code == 403
    clientside = [k for k, v in app.callback_map.items() if v.get("callback") is None]
    for output in clientside:
        assert T.post_callback(client, output).status_code == 403
    assert client.post("/_dash-update-component", data="not json", headers=T.csrf_header(client),
                       content_type="application/json").status_code == 400


def test_dash_data_endpoints_need_a_session(app, engine):
    anon = app.server.test_client()
    for path in ("/_dash-layout", "/_dash-dependencies"):
        resp = anon.get(path)
        assert resp.status_code == 401 and resp.is_json
    client = signed_in(app, engine, "county")
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_wall_comes_with_its_layout_only_on_its_own_page(app, engine, role):
    """/_dash-layout carries the wall (so the page needs no routing round trip) only when the
    wall's own page asks for it: same host, path /screen, a principal who may open it; the
    Location is set to the page's path and query so that Dash Pages' routing does not fire."""
    client = signed_in(app, engine, role)
    resp = client.get("/_dash-layout", headers={"Referer": "http://localhost/screen?refresh=30&metric=plea_rate"})
    assert resp.status_code == 200
    layout = resp.get_data(as_text=True)
    assert "scr-root" in layout and "scr-charts" in layout
    location = resp.get_json()["props"]["children"][1]["props"]["children"][0]["props"]
    assert location["id"] == "_pages_location"
    assert (location["pathname"], location["search"]) == ("/screen", "?refresh=30&metric=plea_rate")
    assert '"interval":30000' in layout   # the query reached the page's layout
    for other in ("http://localhost/", "http://localhost/compare", "http://elsewhere.example/screen", None):
        headers = {"Referer": other} if other else {}
        resp = client.get("/_dash-layout", headers=headers)
        assert resp.status_code == 200, other
        plain = resp.get_data(as_text=True)
        assert "scr-root" not in plain and "_pages_content" in plain and len(plain) < 5000, other
    anon = app.server.test_client()
    assert anon.get("/_dash-layout", headers={"Referer": "http://localhost/screen"}).status_code == 401


def test_without_a_session(app):
    client = app.server.test_client()
    for path in ("/", "/compare?period=2024", "/admin/users", "/screen"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/login?next=")
    assert "next=%2Fcompare%3Fperiod%3D2024" in client.get("/compare?period=2024").headers["Location"]
    # callbacks: 401 JSON; the marker makes the Dash renderer reload into the login page
    resp = client.post("/_dash-update-component", json=T.routing_body("/"))
    assert resp.status_code == 401 and resp.is_json
    assert RENDERER_401_MARKER in resp.get_data(as_text=True)
    assert client.post("/_dash-update-component", json=T.callback_body("home-cards.children")).status_code == 401
    # static files too
    assert client.get("/assets/cockpit.css").status_code == 401
    # the login page and its style sheet are public
    assert client.get("/login").status_code == 200
    assert client.get("/auth/login.css").status_code == 200


def test_callbacks_need_the_csrf_header(app, engine):
    client = signed_in(app, engine, "leader")
    body = T.routing_body("/compare")
    assert client.post("/_dash-update-component", json=body).status_code == 403
    assert client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "forged"}).status_code == 403
    assert client.post("/_dash-update-component", json=body, headers=T.csrf_header(client)).status_code == 200


def test_denials_are_audited(app, engine):
    from cockpit.auth import audit
    client = signed_in(app, engine, "county")
    assert T.post_page(client, "/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    rows, _ = audit.entries(engine, "access_denied")
    assert {r.actor for r in rows} == {"u_county"}
    assert any("/admin/users" in (r.detail or "") for r in rows)
    assert any(r.subject == "/admin/audit" for r in rows)


def test_rules_of_paths():
    assert roles.page_allowed("county", "/compare")
    assert not roles.page_allowed("county", "/admin")
    assert not roles.page_allowed("leader", "/ADMIN/users/")
    assert not roles.page_allowed("leader", "/x/../admin/users")
    assert roles.page_allowed("screen", "/screen/")
    assert not roles.page_allowed("screen", "/screen/../compare")
    assert not roles.page_allowed("screen", "/")
    assert not roles.page_allowed(None, "/")
    assert not roles.page_allowed("superuser", "/")
    assert roles.callback_allowed("screen", "cockpit.screen.callbacks")
    assert not roles.callback_allowed("screen", "cockpit.pages.home")
    assert not roles.callback_allowed("leader", "cockpit.pages.admin_users")
    assert roles.callback_allowed("admin", "cockpit.pages.admin_users")
    assert not roles.callback_allowed("screen", "cockpit.screenshots")   # a prefix is not a package
    assert not roles.callback_allowed("leader", None)


def test_switch(monkeypatch):
    from cockpit.auth.settings import DEFAULT_AUTH, auth_enabled
    monkeypatch.delenv("COCKPIT_AUTH", raising=False)
    assert auth_enabled() == (DEFAULT_AUTH == "on")
    monkeypatch.setenv("COCKPIT_AUTH", "on")
    assert auth_enabled()
    monkeypatch.setenv("COCKPIT_AUTH", "off")
    assert not auth_enabled()


def test_with_sign_in_off_pages_are_open_and_admin_is_closed(app, engine):
    """COCKPIT_AUTH off (while the pages are being built): no guard, no headers — but the admin
    callbacks still refuse to work (nobody is an administrator when nobody signs in)."""
    state = app.server.extensions["cockpit_auth"]
    state.enabled = False
    try:
        client = app.server.test_client()
        resp = client.get("/compare")
        assert resp.status_code == 200 and "Content-Security-Policy" not in resp.headers
        assert client.post("/_dash-update-component", json=T.routing_body("/compare")).status_code == 200
        body = T.callback_requests(client)["..adm-users-table.children...adm-user-select.options.."]
        assert client.post("/_dash-update-component", json=body).status_code == 204
    finally:
        state.enabled = True


# --------------------------------------------------------------------------- hardening (issue 11)

def _swapped_routing_body(pathname: str, search: str) -> dict:
    """The routing request with its two inputs in the other order: Dash passes values by
    position, so the callback would get `search` as its pathname."""
    return T.callback_body(T.ROUTING_OUTPUT, inputs=[
        {"id": "_pages_location", "property": "search", "value": search},
        {"id": "_pages_location", "property": "pathname", "value": pathname},
    ], changed=["_pages_location.pathname"])


@pytest.mark.parametrize("role", ("county", "screen"))
def test_swapped_routing_inputs_are_refused_and_audited(app, engine, role):
    from cockpit.auth import audit
    client = signed_in(app, engine, role)
    # the item named "search" (first: where Dash expects the pathname) asks for the admin page;
    # the item named "pathname" (second) says a page the role may open
    allowed = "/screen" if role == "screen" else "/"
    resp = client.post("/_dash-update-component", json=_swapped_routing_body(allowed, "/admin/users"),
                       headers=T.csrf_header(client))
    assert resp.status_code == 403, resp.get_data(as_text=True)[:300]
    assert set(resp.get_json()) == {"error"}
    assert "adm-" not in resp.get_data(as_text=True)
    rows, _ = audit.entries(engine, "access_denied")
    assert any("malformed" in (r.detail or "") for r in rows)


@pytest.mark.parametrize("change", ("missing", "extra", "renamed", "pattern"))
def test_callback_inputs_must_be_the_declared_ones(app, engine, change):
    """Any request whose inputs are not the callback's declared ones (by id and property, in
    order) is refused before Dash sees it, whatever the role."""
    client = signed_in(app, engine, "admin")
    body = T.routing_body("/")
    if change == "missing":
        body["inputs"] = body["inputs"][:1]
    elif change == "extra":
        body["inputs"].append({"id": "_pages_location", "property": "hash", "value": ""})
    elif change == "renamed":
        body["inputs"][0]["id"] = "other-location"
    else:
        body["inputs"][0] = [{"id": {"type": "x"}, "property": "pathname", "value": "/"}]
    resp = client.post("/_dash-update-component", json=body, headers=T.csrf_header(client))
    assert resp.status_code == 403, change
    # the well-formed request passes
    assert T.post_page(client, "/").status_code == 200
