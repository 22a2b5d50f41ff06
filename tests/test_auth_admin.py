"""The admin pages' callbacks: users, kiosk tokens, the audit log — and hostile text in them
staying text. On SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest

from cockpit.auth import audit, models
from cockpit.auth import testing as T

HOSTILE = ('<img src=x onerror=alert(1)>', 'javascript:alert(2)', '{a}{b}{@score}function(){alert(3)}',
           "'); DROP TABLE app_user; --")
USER_ACTION = "..adm-user-msg.children...adm-users-version.data.."
USERS_TABLE = "..adm-users-table.children...adm-user-select.options.."
KIOSK_ACTION = "..adm-kiosk-msg.children...adm-kiosk-version.data.."
AUDIT_TABLE = "..aud-table.children...aud-page.max_value...aud-page.active_page...aud-count.children.."


@pytest.fixture
def app(engine, tmp_path):
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


@pytest.fixture
def admin(app, engine):
    client = app.server.test_client()
    pw = T.create_user(engine, "admin1", "admin")
    assert T.login(client, "admin1", pw).status_code == 302
    return client


def call(client, output, **values):
    """Post a callback with its declared inputs and state, some given values."""
    body = T.callback_requests(client)[output]
    for item in body["inputs"] + body["state"]:
        if isinstance(item, dict) and item["id"] in values:
            item["value"] = values[item["id"]]
    changed = [f"{k}.n_clicks" for k in values if k.startswith("adm-") and values[k] == 1]
    body["changedPropIds"] = changed
    resp = client.post("/_dash-update-component", json=body, headers=T.csrf_header(client))
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)[:300]
    return resp


def text_of(resp) -> str:
    return json.dumps(resp.get_json(), ensure_ascii=False)


def assert_inert(payload, needle: str):
    """`needle` occurs only as a plain text child: no raw-HTML component, no link, no script."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "type" in node and "namespace" in node:
                assert node["type"] not in ("Markdown", "Iframe", "Script", "Embed", "Object"), node["type"]
                props = node.get("props", {})
                assert "dangerously_allow_html" not in props and "srcDoc" not in props
                href = str(props.get("href", ""))
                assert not href.lower().startswith("javascript"), href
            for k, v in node.items():
                if isinstance(v, str) and needle in v:
                    found.append(k)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                if isinstance(v, str) and needle in v:
                    found.append("children")
                walk(v)
    walk(payload)
    assert found and set(found) <= {"children", "label", "value"}, found


def test_add_user_shows_the_password_once(app, engine, admin):
    resp = call(admin, USER_ACTION, **{"adm-add": 1, "adm-new-name": "Wang.Wu", "adm-new-fullname": HOSTILE[0],
                                       "adm-new-role": "county", "adm-new-unit": "140821"})
    text = text_of(resp)
    assert "已新增用户「wang.wu」" in text and "初始密码" in text
    password = secret_in(resp.get_json())
    row, _ = models.authenticate(engine, "wang.wu", password)
    assert row is not None and row.unit_code == "140821" and row.full_name == HOSTILE[0]
    assert password not in text_of(call(admin, USERS_TABLE))       # never shown again
    assert events(engine, "user_added")[0].actor == "admin1"


def test_bad_input_is_refused_with_a_message(app, engine, admin):
    for name in HOSTILE:
        text = text_of(call(admin, USER_ACTION, **{"adm-add": 1, "adm-new-name": name, "adm-new-role": "leader"}))
        assert "用户名须为" in text
    text = text_of(call(admin, USER_ACTION, **{"adm-add": 1, "adm-new-name": "zhao", "adm-new-role": "county"}))
    assert "必须指定所属单位" in text
    assert [u.name for u in models.list_users(engine)] == ["admin1"]


def test_hostile_full_names_render_as_text(app, engine, admin):
    for i, text in enumerate(HOSTILE):
        models.add_user(engine, f"user{i}", "leader", full_name=text)
    resp = call(admin, USERS_TABLE)
    for text in HOSTILE:
        assert_inert(resp.get_json(), text[:30])
    assert len(models.list_users(engine)) == 1 + len(HOSTILE)       # the SQL fragment was just text


def test_disable_enable_reset_unlock_role(app, engine, admin):
    pw = T.create_user(engine, "county1", "county", unit="140802")
    other = app.server.test_client()
    T.login(other, "county1", pw)           # "/" would send a county user on to its county page
    assert other.get("/county/140802").status_code == 200
    assert "已停用" in text_of(call(admin, USER_ACTION, **{"adm-disable": 1, "adm-user-select": "county1"}))
    assert other.get("/county/140802").status_code == 302
    call(admin, USER_ACTION, **{"adm-enable": 1, "adm-user-select": "county1"})
    text = text_of(call(admin, USER_ACTION, **{"adm-reset": 1, "adm-user-select": "county1"}))
    assert "新密码" in text and models.authenticate(engine, "county1", pw)[0] is None
    assert "解除" in text_of(call(admin, USER_ACTION, **{"adm-unlock": 1, "adm-user-select": "county1"}))
    call(admin, USER_ACTION, **{"adm-role": 1, "adm-user-select": "county1", "adm-set-role": "leader"})
    assert models.get_user(engine, "county1").role == "leader"
    # an admin cannot lock themselves out
    assert "不能停用自己" in text_of(call(admin, USER_ACTION, **{"adm-disable": 1, "adm-user-select": "admin1"}))
    assert "不能取消自己" in text_of(call(admin, USER_ACTION, **{"adm-role": 1, "adm-user-select": "admin1",
                                                             "adm-set-role": "leader"}))
    kinds = {r.event for r in events(engine)}
    assert {"user_disabled", "user_enabled", "user_reset", "user_unlocked", "user_role"} <= kinds


def test_kiosk_tokens_from_the_page(app, engine, admin):
    text = text_of(call(admin, KIOSK_ACTION, **{"adm-kiosk-issue": 1, "adm-kiosk-label": "主屏"}))
    assert "/screen?token=" in text
    token = secret_in(json.loads(text)).split("/screen?token=")[1]
    wall = app.server.test_client()
    assert wall.get(f"/screen?token={token}").status_code == 302
    assert wall.get("/screen").status_code == 200
    kid = str(models.list_kiosks(engine)[0].id)
    assert "已撤销" in text_of(call(admin, KIOSK_ACTION, **{"adm-kiosk-revoke": 1, "adm-kiosk-select": kid}))
    assert wall.get("/screen").status_code == 302


def test_audit_page_shows_hostile_login_names_as_text(app, engine, admin):
    stranger = app.server.test_client()
    for name in HOSTILE:
        T.login(stranger, name, "x")
    resp = call(admin, AUDIT_TABLE, **{"aud-event": "login_failed"})
    for name in HOSTILE:
        assert_inert(resp.get_json(), name[:20].lower())
    assert "共 4 条" in text_of(resp)
    # the user filter takes SQL fragments literally
    resp = call(admin, AUDIT_TABLE, **{"aud-actor": "%' OR 1=1 --"})
    assert "共 0 条" in text_of(resp)


def secret_in(payload) -> str:
    """The text of the element showing a generated secret (class admin-secret)."""
    if isinstance(payload, dict):
        if payload.get("props", {}).get("className") == "admin-secret":
            return payload["props"]["children"]
        payload = list(payload.values())
    if isinstance(payload, list):
        for v in payload:
            found = secret_in(v)
            if found:
                return found
    return ""


def events(engine, event=None):
    return audit.entries(engine, event, page_size=200)[0]
