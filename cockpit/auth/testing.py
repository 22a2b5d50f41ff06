"""Helpers to sign in from tests: Flask's test client and Playwright pages.

    from cockpit.auth import testing as T
    password = T.create_user(db_url, "county1", "county", unit="140802")
    T.login(client, "county1", password)                       # Flask test client
    T.post_callback(client, output, inputs=[...])              # a hand-made Dash callback
    T.browser_login(page, base_url, "county1", password)       # Playwright
    token = T.issue_kiosk(db_url, "wall")
    page.goto(f"{base_url}/screen?token={token}")              # the wall

Users and tokens are written straight into the database (the app need not run); the tables
are created if missing. Passwords are generated unless given.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from sqlalchemy import Engine

from cockpit.auth import csrf, models

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _with_engine(engine_or_url, fn):
    if isinstance(engine_or_url, Engine):
        models.create_tables(engine_or_url)
        return fn(engine_or_url)
    from cockpit.metrics.engine import make_engine
    engine = make_engine(engine_or_url)
    try:
        models.create_tables(engine)
        return fn(engine)
    finally:
        engine.dispose()


def create_user(engine_or_url, name: str, role: str, unit: str | None = None, password: str | None = None,
                full_name: str | None = None) -> str:
    """Create an account (or reset it if it exists, so fixtures can run twice); returns the password."""
    def go(engine):
        if models.get_user(engine, name) is not None:
            models.set_role(engine, name, role, unit)
            models.set_active(engine, name, True)
            return models.reset_password(engine, name, password)
        return models.add_user(engine, name, role, unit, full_name, by="test", password=password)[1]
    return _with_engine(engine_or_url, go)


def issue_kiosk(engine_or_url, label: str = "测试大屏") -> str:
    """A new kiosk token (sign the wall in with /screen?token=<token>)."""
    return _with_engine(engine_or_url, lambda engine: models.issue_kiosk(engine, label, by="test")[1])


# --------------------------------------------------------------------------- Flask test client

def login_form_token(client, next_url: str = "/") -> str:
    resp = client.get("/login?" + urlencode({"next": next_url}))
    m = _CSRF_FIELD.search(resp.get_data(as_text=True))
    assert m, f"no CSRF token on the login page (status {resp.status_code})"
    return m.group(1)


def login(client, name: str, password: str, next_url: str = "/", **kwargs):
    """Post the login form like a browser (GET for the token, then POST); returns the response
    (a 302 to `next_url` on success)."""
    token = login_form_token(client, next_url)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token,
                                       "next": next_url}, **kwargs)


def csrf_header(client) -> dict:
    """The header the Dash renderer sends: the `_csrf_token` cookie echoed as X-CSRFToken."""
    cookie = client.get_cookie(csrf.COOKIE)
    return {csrf.HEADER: cookie.value} if cookie is not None else {}


def callback_body(output: str, inputs: list | None = None, state: list | None = None,
                  outputs=None, changed: list[str] | None = None) -> dict:
    """A Dash 4 callback request. `inputs`/`state`: [{"id", "property", "value"}]; `outputs`
    defaults to the ones named in `output` ("a.b" or "..a.b...c.d..")."""
    if outputs is None:
        outputs = [_split_output(part) for part in _output_parts(output)]
        if not output.startswith(".."):
            outputs = outputs[0]
    return {"output": output, "outputs": outputs, "inputs": inputs or [], "state": state or [],
            "changedPropIds": changed if changed is not None else []}


def _output_parts(output: str) -> list[str]:
    if output.startswith("..") and output.endswith(".."):
        return [p for p in output[2:-2].split("...") if p]
    return [output.split("@")[0]]


def _split_output(part: str) -> dict:
    cid, _, prop = part.rpartition(".")
    prop = prop.split("@")[0]
    return {"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop}


def _declared_order(client, output: str, key: str, given: list | None) -> list | None:
    """`given` inputs (or state) put in the order the callback declares them, the ones not given
    added with the value None (an empty list for a pattern), like the Dash renderer sends them:
    the guard refuses a request whose items differ from the declared ones."""
    from cockpit.auth.context import EXTENSION
    state = client.application.extensions.get(EXTENSION)
    entry = state.dash_app.callback_map.get(output) if state is not None else None
    if not isinstance(entry, dict) or entry.get("callback") is None:
        return given
    by_key = {(json.dumps(g["id"], sort_keys=True), g["property"]): g for g in (given or [])
              if isinstance(g, dict) and "id" in g and "property" in g}
    out = []
    for dep in entry.get(key) or []:
        item = _dep_item(dep)
        if isinstance(item, dict):
            item = by_key.pop((json.dumps(item["id"], sort_keys=True), item["property"]), item)
        out.append(item)
    if by_key or any(not isinstance(g, dict) for g in (given or [])):
        return given            # not the declared ones: sent as written (the guard refuses it)
    return out


def post_callback(client, output: str, inputs: list | None = None, state: list | None = None, outputs=None,
                  changed: list[str] | None = None, headers: dict | None = None, with_csrf: bool = True,
                  as_declared: bool = True):
    """Post a hand-made callback request. `as_declared`: complete the inputs and state to the
    callback's declared ones, in their order (what the renderer sends); False sends them as given."""
    if as_declared:
        inputs = _declared_order(client, output, "inputs", inputs)
        state = _declared_order(client, output, "state", state)
    body = callback_body(output, inputs, state, outputs, changed)
    hdrs = dict(csrf_header(client) if with_csrf else {})
    hdrs.update(headers or {})
    return client.post("/_dash-update-component", json=body, headers=hdrs)


def post_form(client, output: str, clicked: str | None = None, **values):
    """A callback as the renderer sends it after a click: its declared inputs and state, the
    ones named in `values` (by component id) set, `clicked`'s n_clicks the changed property."""
    body = callback_requests(client)[output]
    for item in body["inputs"] + body["state"]:
        if isinstance(item, dict) and item["id"] in values:
            item["value"] = values[item["id"]]
    body["changedPropIds"] = [f"{clicked}.n_clicks"] if clicked else []
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def signed_in_client(app, engine_or_url, name: str, role: str, unit: str | None = None):
    """A test client of `app` signed in as a new account `name`."""
    client = app.server.test_client()
    password = create_user(engine_or_url, name, role, unit=unit)
    response = login(client, name, password)
    assert response.status_code == 302, response.status_code
    return client


ROUTING_OUTPUT = ".._pages_content.children..._pages_store.data.."


def _dep_item(dep: dict):
    cid = dep["id"]
    if cid.startswith("{"):
        obj = json.loads(cid)
        if any(isinstance(v, list) for v in obj.values()):   # a pattern (ALL, MATCH …): no components
            return []
        cid = obj
    return {"id": cid, "property": dep["property"], "value": None}


def callback_requests(client) -> dict[str, dict]:
    """A well-formed request body (every input and state present, values None) for each server
    callback the app declares in /_dash-dependencies, by output."""
    deps = client.get("/_dash-dependencies").get_json()
    return {d["output"]: callback_body(d["output"], [_dep_item(x) for x in d["inputs"]],
                                       [_dep_item(x) for x in d["state"]])
            for d in deps if not d.get("clientside_function")}


def routing_body(pathname: str, search: str = "") -> dict:
    """The request Dash Pages makes to render the page at `pathname`."""
    return callback_body(ROUTING_OUTPUT, inputs=[
        {"id": "_pages_location", "property": "pathname", "value": pathname},
        {"id": "_pages_location", "property": "search", "value": search},
    ], changed=["_pages_location.pathname"])


def post_page(client, pathname: str, search: str = ""):
    """Render a page through Dash Pages' routing callback (what a click on a dcc.Link does)."""
    return client.post("/_dash-update-component", json=routing_body(pathname, search), headers=csrf_header(client))


# --------------------------------------------------------------------------- Playwright

def browser_login(page, base_url: str, name: str, password: str, next_url: str = "/") -> None:
    """Sign a Playwright page in through the login form; it ends on `next_url`."""
    page.goto(f"{base_url.rstrip('/')}/login?" + urlencode({"next": next_url}))
    page.fill("#username", name)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/login" in page.url:
        raise AssertionError(f"sign-in as {name} failed: {page.inner_text('body')[:200]}")


# --------------------------------------------------------------------------- an app for in-process tests

_SHARED: dict = {}


def shared_app():
    """`cockpit.app.create_app()` with sign-in on, built once per process.

    Once: Dash moves the callbacks registered with `dash.callback` (at import of the pages and
    components) into the first app that serves a request, so a second app in the same process
    would lack them. Tests point it at their own database with `use_engine`."""
    if "app" not in _SHARED:
        import os

        from cockpit.app import create_app
        from cockpit.metrics.engine import make_engine
        import tempfile
        from pathlib import Path

        from cockpit.auth import revocations
        # revocations noted by the tests go to a throw-away file, not the data folder
        folder = Path(tempfile.mkdtemp(prefix="cockpit-revocations-"))
        revocations.use(revocations.Revocations(revocations.FileStore(folder / revocations.FILE_NAME)))
        saved = {k: os.environ.get(k) for k in ("COCKPIT_AUTH", "COCKPIT_SECRET_KEY")}
        os.environ["COCKPIT_AUTH"] = "on"
        os.environ["COCKPIT_SECRET_KEY"] = "test-secret-key-only-for-in-process-tests"
        try:
            app = create_app(make_engine("sqlite://"))
            # the first request makes Dash collect the global callbacks into app.callback_map
            app.server.test_client().get("/login")
            _SHARED["app"] = app
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return _SHARED["app"]


class use_engine:
    """Point the shared app (the store and the auth layer) at `engine` for one test:

        with use_engine(app, engine, landing=tmp_path / "landing"):
            client = app.server.test_client()

    `read_engine` (optional) is where the facts and records are read, as with DATABASE_READ_URL.
    """

    def __init__(self, app, engine: Engine, landing=None, read_engine: Engine | None = None):
        self.app, self.engine, self.landing, self.read_engine = app, engine, landing, read_engine

    def __enter__(self):
        from cockpit import data
        from cockpit.auth.context import EXTENSION
        self.saved_provider = data._provider  # noqa: SLF001 - restored on exit
        self.state = self.app.server.extensions[EXTENSION]
        self.saved_landing = self.state.settings.landing
        data.init(self.engine, check_every=0.0, read_engine=self.read_engine)
        models.create_tables(self.engine)
        if self.landing is not None:
            self.state.settings.landing = self.landing
        return self.app

    def __exit__(self, *exc):
        from cockpit import data
        data._provider = self.saved_provider  # noqa: SLF001
        self.state.settings.landing = self.saved_landing
        return False
