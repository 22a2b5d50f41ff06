"""Records by role: a county office sees its own unit's records only, whatever it asks for —
also through a hand-made POST to /_dash-update-component. On SQLite and PostgreSQL.

The pages are being connected to `records_for` separately; here a minimal callback registered
on the app does what a records table does (reads the units from a client-side store, which a
user can forge) and calls `records_for`.
"""
from __future__ import annotations

import json

import pytest
from dash import Input, Output

from cockpit.auth import audit, records_for, roles
from cockpit.auth import testing as T
from cockpit.auth.models import OPEN, Principal
from etl.run import run

HEADER = ("部门受案号,承办单位编码,承办单位,犯罪嫌疑人,公民身份号码,涉嫌罪名,受理日期,审结日期,审查结论,不捕理由,"
          "社会危险性评估分值,评估等级,触发指标")
ROWS = (
    "运盐检刑捕受[2024]101号,140802,盐湖区人民检察院,王小明,140802199001011234,盗窃罪,2024-03-02,2024-03-08,批准逮捕,,70,高,",
    "运盐检刑捕受[2024]102号,140802,盐湖区人民检察院,<script>alert(1)</script>,140802199002021234,诈骗罪,2024-03-03,2024-03-09,"
    "不批准逮捕,无社会危险性,20,低,",
    "运猗检刑捕受[2024]201号,140821,临猗县人民检察院,李四,140821198803031234,盗窃罪,2024-03-04,2024-03-10,批准逮捕,,65,高,",
    "运猗检刑捕受[2024]202号,140821,临猗县人民检察院,赵五,140821198504041234,抢劫罪,2024-03-05,2024-03-11,批准逮捕,,80,高,",
)
OUTPUT = "t-records.children"

COUNTY = Principal("c1", roles.COUNTY, "140802")
LEADER = Principal("l1", roles.LEADER)
SCREEN = Principal("大屏:x", roles.SCREEN, kind="kiosk")


def _register_records_callback(app):
    """What a records table does: units from a dcc.Store (forgeable), records via records_for."""
    if OUTPUT in app.callback_map:
        return

    @app.callback(Output("t-records", "children"), Input("t-records-params", "data"))
    def t_records(params):
        page = records_for("arrest", (params or {}).get("units"), None, page_size=50)
        return [f"{r.unit_code}|{r.person_name}|{r.id_number}" for r in page.rows.itertuples()] + [f"total={page.total}"]


@pytest.fixture
def loaded(engine, landing):
    (landing / "审查逮捕人员_2024-03.csv").write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    summary = run(landing, engine, progress=False)
    assert summary.rows_loaded == 4
    return engine


@pytest.fixture
def app(loaded, tmp_path):
    app = T.shared_app()
    _register_records_callback(app)
    with T.use_engine(app, loaded, landing=tmp_path / "landing"):
        yield app


def as_role(app, engine, role, unit=None):
    client = app.server.test_client()
    pw = T.create_user(engine, f"r_{role}", role, unit=unit)
    assert T.login(client, f"r_{role}", pw).status_code == 302
    return client


def ask(client, units):
    resp = T.post_callback(client, OUTPUT, inputs=[{"id": "t-records-params", "property": "data",
                                                    "value": {"units": units}}])
    return resp


def text_of(resp) -> str:
    """The response as readable text (Dash escapes non-ASCII in its JSON)."""
    return json.dumps(resp.get_json(), ensure_ascii=False)


def children(resp) -> list[str]:
    return resp.get_json()["response"]["t-records"]["children"]


# --------------------------------------------------------------------------- the rule

def test_allowed_record_units():
    assert roles.allowed_record_units(COUNTY, "CITY") == ["140802"]
    assert roles.allowed_record_units(COUNTY, ["140821"]) == []
    assert roles.allowed_record_units(COUNTY, ["140821", "140802"]) == ["140802"]
    assert roles.allowed_record_units(COUNTY, "COUNTIES") == ["140802"]
    assert len(roles.allowed_record_units(LEADER, "CITY")) == 14
    assert roles.allowed_record_units(LEADER, ["140821"]) == ["140821"]
    assert roles.allowed_record_units(SCREEN, "CITY") == []
    assert roles.allowed_record_units(None, "CITY") == []
    assert roles.allowed_record_units(OPEN, "CITY")[:2] == ["140800", "140802"]
    assert roles.allowed_record_units(LEADER, ["nonsense", "' OR 1=1 --"]) == []
    # a county account without a valid unit sees no records at all
    assert roles.allowed_record_units(Principal("x", roles.COUNTY, None), "CITY") == []


def test_records_for_by_principal(loaded):
    def units_of(principal, units):
        page = records_for("arrest", units, None, principal=principal, engine=loaded, audit_view=False)
        return sorted(set(page.rows["unit_code"])), page.total

    assert units_of(COUNTY, "CITY") == (["140802"], 2)
    assert units_of(COUNTY, ["140821"]) == ([], 0)
    assert units_of(LEADER, "CITY") == (["140802", "140821"], 4)
    assert units_of(SCREEN, "CITY") == ([], 0)
    assert units_of(None, "CITY") == ([], 0)
    page = records_for("arrest", "CITY", None, principal=LEADER, engine=loaded, audit_view=False)
    assert "王小明" not in set(page.rows["person_name"]) and "王**" in set(page.rows["person_name"])
    assert not any("199001011234" in str(v) for v in page.rows["id_number"])


# --------------------------------------------------------------------------- through the callback endpoint

def test_county_hand_made_callback_for_another_unit_gets_nothing(app, loaded):
    client = as_role(app, loaded, "county", "140802")
    for units in (["140821"], "140821", ["140821", "140821"], {"$ne": None}, None, "CITY", ["COUNTIES"]):
        resp = ask(client, units)
        assert resp.status_code == 200, units
        got = children(resp)
        assert not any(row.startswith("140821") for row in got), (units, got)
        text = text_of(resp)
        assert "李" not in text and "赵" not in text and "140821198" not in text
    got = children(ask(client, ["140821", "140802"]))
    assert got[-1] == "total=2" and all(row.startswith("140802|") for row in got[:-1])


def test_leader_sees_all_units_masked(app, loaded):
    client = as_role(app, loaded, "leader")
    got = children(ask(client, "CITY"))
    assert got[-1] == "total=4"
    assert {row.split("|")[0] for row in got[:-1]} == {"140802", "140821"}
    assert not any("王小明" in row or "199001011234" in row for row in got)


def test_screen_cannot_call_a_records_callback(app, loaded):
    wall = app.server.test_client()
    wall.get(f"/screen?token={T.issue_kiosk(loaded)}")
    resp = ask(wall, "CITY")
    assert resp.status_code == 403
    assert "140802" not in text_of(resp)


def test_views_of_records_are_audited(app, loaded):
    client = as_role(app, loaded, "county", "140802")
    ask(client, ["140821"])
    ask(client, "CITY")
    rows, total = audit.entries(loaded, "view_records")
    assert total == 2 and all(r.actor == "r_county" and r.subject == "arrest" for r in rows)
    denied, granted = sorted(rows, key=lambda r: r.id)
    assert '"granted": []' in denied.detail and '"total": 0' in denied.detail
    assert '"granted": ["140802"]' in granted.detail and '"total": 2' in granted.detail


def test_hostile_record_text_comes_back_as_plain_data(app, loaded):
    """A suspect's name containing <script> is data: masked, and sent as a JSON string that
    Dash renders as text (never markup)."""
    client = as_role(app, loaded, "leader")
    resp = ask(client, ["140802"])
    assert resp.is_json
    assert not any("<script>" in row for row in children(resp))     # masked to "<***…"


# --------------------------------------------------------------------------- the real records table

def test_real_records_table_keeps_a_county_to_its_unit(app, loaded):
    output = next((k for k in app.callback_map if k.startswith("..rec-table.children")), None)
    assert output is not None, "the records table's callback is not registered"
    client = as_role(app, loaded, "county", "140802")
    params = {"path": "/county/140821", "query": {}, "units": ["140821"], "period": "2024",
              "view": "arrest", "measure": None}
    body = T.callback_requests(client)[output]
    for item in body["inputs"] + body["state"]:
        if isinstance(item, dict) and item["id"] == "rec-params":
            item["value"] = params
        if isinstance(item, dict) and item["id"] == "rec-page":
            item["value"] = 1
    resp = client.post("/_dash-update-component", json=body, headers=T.csrf_header(client))
    assert resp.status_code == 200
    text = text_of(resp)
    assert "临猗" not in text and "运猗检" not in text
