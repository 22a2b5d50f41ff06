"""线索台账 `/clues` without a browser: the layout for a leader and a county user, the numbers
against the ledger's own computations on the small demo, the timeline and its evidence, the
export — and access: a county user gets nothing of another unit's clues by any request (the
callbacks called directly as that user, and hand-made POSTs through the guarded endpoint)."""
from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from cockpit.auth import roles
from cockpit.auth import testing as T
from cockpit.auth.models import Principal
from cockpit.components.plain_html import to_plain
from cockpit.metrics import ledger as L
from cockpit.metrics import units as U

OWN, OTHER = "140802", "140821"          # 盐湖区 (the county user's own unit), 临猗县
COUNTY = Principal("c_clues", roles.COUNTY, OWN)
LEADER = Principal("l_clues", roles.LEADER)


@pytest.fixture(scope="module")
def app(demo_engine):
    app = T.shared_app()
    with T.use_engine(app, demo_engine):
        yield app


@pytest.fixture(scope="module")
def page(app):
    return sys.modules["cockpit.pages.clues"]


@pytest.fixture(scope="module")
def CL(app):
    from cockpit.components import clue_ledger
    return clue_ledger


@pytest.fixture(scope="module")
def ledger_all(app, demo_engine):
    """Every clue's path as the page reads it (as of the data date), straight from the metric layer."""
    from cockpit.components import clue_ledger
    with app.server.test_request_context("/"):
        on = clue_ledger.as_of()
    return L.clue_path(L.load_clues(demo_engine, [U.CITY]), on)


def text(value) -> str:
    return json.dumps(to_plain(value), ensure_ascii=False, default=str)


def other_clue(ledger_all, overdue: bool = False) -> str:
    rows = ledger_all[(ledger_all["unit_code"] == OTHER) & (ledger_all["overdue"] if overdue else True)]
    if rows.empty:
        rows = ledger_all[ledger_all["unit_code"] == OTHER]
    return rows.iloc[0]["clue_no"]


# --------------------------------------------------------------------------- layout

def test_layout_for_a_leader_and_a_county_user(page, as_user):
    with as_user(LEADER):
        lead = text(page.layout())
    assert "法律监督线索台账" in lead and "单位：全市" in lead and "适用的期限规则" in lead
    assert "（明细仅限本院）" not in lead and '"unit": "CITY"' in lead
    assert "线索台账" in lead and "/clues" in lead                      # the navbar entry
    with as_user(COUNTY):
        own = text(page.layout())
    assert "单位：盐湖区 " in own and f'"unit": "{OWN}"' in own     # a county user starts on its unit
    with as_user(COUNTY):
        city = text(page.layout(unit="CITY"))
    assert "（明细仅限本院）" in city


def test_bad_parameters_fall_back_with_notices(page, as_user):
    with as_user(LEADER):
        out = text(page.layout(unit="nowhere", model="x1", stage="nonsense", period="2024-13", clue="<script>",
                               page="zz"))
    for notice in ("无法识别的单位", "无法识别的模型", "无法识别的环节", "无法识别的发现时间", "无法识别的线索编号"):
        assert notice in out
    assert "<script>" not in out


def test_the_rules_table_lists_every_stage(CL, app):
    from cockpit.metrics.deadlines import load_rules
    with app.server.test_request_context("/"):
        out = text(CL.rules_table())
    for s in load_rules().clue:
        assert s.label in out and s.limit_text in out
    assert "暂定" in out and "期限规则文件" in out


# --------------------------------------------------------------------------- the numbers

def test_cards_agree_with_the_ledger(CL, as_user, ledger_all, page):
    with as_user(LEADER):
        f = CL.parse_filters({})
        values = CL.card_values(f)
        rows = CL.ledger_rows(f, sorted(U.UNIT_CODES))
    expected = L.indicator_values(ledger_all)
    assert values == expected
    assert values["clue_overdue_open"] == len(L.overdue_list(ledger_all)) == len(rows) > 0
    assert values["clue_open"] == int((ledger_all["stage"] != L.CLOSED).sum())


def test_cards_for_a_unit_model_and_period(CL, as_user, ledger_all):
    unit_rows = ledger_all[ledger_all["unit_code"] == OWN]
    model = unit_rows["model_id"].value_counts().index[0]
    with as_user(COUNTY):
        f = CL.parse_filters({"unit": OWN, "model": model, "period": "2024"}, COUNTY)
        values = CL.card_values(f)
        listed = CL.ledger_rows(f, [OWN])
    sel = unit_rows[(unit_rows["model_id"] == model) & unit_rows["found_month"].between("2024-01", "2024-12")]
    assert values["clue_open"] == int((sel["stage"] != L.CLOSED).sum())
    assert values["clue_overdue_open"] == int(sel["overdue"].sum()) == len(listed)
    booked = L.indicator_values(unit_rows[unit_rows["model_id"] == model], "2024")
    assert values["clue_closed_late"] == booked["clue_closed_late"]
    assert values["clue_pressed"] == booked["clue_pressed"]


def test_backlog_and_units_agree_with_the_ledger(CL, as_user, ledger_all, page):
    with as_user(LEADER):
        cards, backlog, units = page.counts({"unit": "CITY"})
    open_ = ledger_all[ledger_all["stage"] != L.CLOSED]
    bl = text(backlog)
    for label, n in open_.groupby("stage_label").size().items():
        assert label in bl
    assert f'"合计"' in bl
    # per unit: every unit, in unit-code order, with its open and overdue counts
    ut = to_plain(units)
    body = [r for r in _rows(ut)]
    assert [r[0] for r in body] == [U.UNIT_BY_CODE[c].short for c in sorted(U.UNIT_CODES)]
    for code, row in zip(sorted(U.UNIT_CODES), body):
        mine = ledger_all[ledger_all["unit_code"] == code]
        assert row[2] == f"{int((mine['stage'] != L.CLOSED).sum()):,}"
        assert row[3] == f"{int(((mine['stage'] != L.CLOSED) & mine['overdue']).sum()):,}"


def _rows(tree) -> list[list[str]]:
    """The body rows of the first table in a plain tree, as cell texts."""
    out = []

    def cell_text(node):
        if isinstance(node, str):
            return node
        if isinstance(node, dict):
            return cell_text(node.get("props", {}).get("children"))
        if isinstance(node, list):
            return "".join(cell_text(n) for n in node)
        return "" if node is None else str(node)

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Tbody":
                for tr in node["props"]["children"]:
                    out.append([cell_text(td) for td in tr["props"]["children"]])
                return True
            return walk(node.get("props", {}).get("children"))
        if isinstance(node, list):
            return any(walk(n) for n in node)
        return False
    walk(tree)
    return out


def test_list_pages_and_stage_filter(CL, as_user, ledger_all, page):
    with as_user(LEADER):
        out = to_plain(page.clue_list({"unit": "CITY", "stage": "verify"}))
    listed = _rows(out)
    in_verify = ledger_all[ledger_all["stage"] == "verify"]
    assert len(listed) == min(len(in_verify), CL.PAGE_SIZE)
    assert "共 " + f"{len(in_verify):,}" + " 条" in text(out)
    with as_user(LEADER):
        closed = _rows(to_plain(page.clue_list({"unit": "CITY", "stage": "closed", "page": "2"})))
    assert closed and all(r[4] == "已办结" for r in closed)


def test_a_unit_without_clues_is_an_empty_state(CL, as_user, page):
    with as_user(LEADER):
        out = text(page.clue_list({"unit": OWN, "period": "2022-01"}))
        cards, backlog, _ = page.counts({"unit": OWN, "period": "2022-01"})
    assert "无线索" in out
    assert "没有在办线索" in text(backlog)


# --------------------------------------------------------------------------- the timeline and its evidence

def test_timeline_shows_every_stage_and_the_masked_evidence(CL, as_user, ledger_all, page, demo_engine):
    with_keys = ledger_all[ledger_all["record_keys"].notna() & (ledger_all["unit_code"] == OWN)]
    clue = with_keys.iloc[0]
    with as_user(COUNTY):
        out = text(page.clue_timeline({"unit": OWN, "clue": clue["clue_no"]}))
    from cockpit.metrics.deadlines import load_rules
    for s in load_rules().clue:
        assert s.label in out
    assert clue["clue_no"] in out and "发现线索的关联记录" in out
    keys = L.split_keys(clue["record_keys"])
    found = L.evidence(demo_engine, keys, [OWN])
    assert len(found) >= 1
    for r in found.to_dict("records"):
        assert r["record_no"] in out and r["person_name"] in out and r["person_name"].endswith("*")
    # the real names never leave
    from sqlalchemy import bindparam, text as sql
    with demo_engine.connect() as conn:
        names = [n for (n,) in conn.execute(sql("SELECT person_name FROM stg_model_record WHERE record_no IN :k")
                                            .bindparams(bindparam("k", expanding=True)), {"k": keys}).all() if n]
    assert names and not any(n in out for n in names)


def test_timeline_agrees_with_the_path(CL, app, ledger_all, demo_engine):
    """The open stage of every clue's timeline is the path's current stage with its due date and
    days overdue; a closed clue has as many late stages as the path counts."""
    with app.server.test_request_context("/"):
        on = CL.as_of()
    frame = L.load_clues(demo_engine, [U.CITY])
    for i in range(0, len(frame), 7):
        steps = L.stage_steps(frame.iloc[[i]], on)
        row = ledger_all[ledger_all["clue_no"] == frame.iloc[i]["clue_no"]].iloc[0]
        current = [s for s in steps if s.status in (L.STEP_OPEN, L.STEP_OVERDUE, L.STEP_NO_START)]
        if current:
            assert current[0].stage.id == row["stage"]
            assert current[0].days_late == row["overdue_days"]
        else:
            assert row["stage"] == L.CLOSED
            assert sum(s.status == L.STEP_LATE for s in steps) == row["late_stages"]


def test_evidence_lookup_is_restricted_and_masked(demo_engine, ledger_all):
    clue = ledger_all[ledger_all["record_keys"].notna()].iloc[0]
    keys = L.split_keys(clue["record_keys"])
    assert len(L.evidence(demo_engine, keys, [clue["unit_code"]])) >= 1
    assert L.evidence(demo_engine, keys, []).empty
    other = next(c for c in U.UNIT_CODES if c != clue["unit_code"])
    assert L.evidence(demo_engine, keys, [other]).empty
    assert L.evidence(demo_engine, ["' OR 1=1 --"], [U.CITY]).empty
    assert L.split_keys("a；b;a、 c ") == ["a", "b", "c"]


# --------------------------------------------------------------------------- access, at the callback level

def test_a_county_user_gets_no_other_units_clues_from_the_callbacks(CL, as_user, ledger_all, page):
    theirs = ledger_all[ledger_all["unit_code"] == OTHER]
    clue = other_clue(ledger_all)
    forged = [{"unit": OTHER}, {"unit": [OTHER]}, {"unit": "CITY", "clue": clue}, {"unit": OTHER, "clue": clue},
              {"unit": "COUNTIES", "stage": "closed"}, {"unit": {"$ne": None}}, {"unit": OTHER, "stage": "overdue"},
              {"unit": OTHER, "clue": [clue]}, None, "CITY"]
    with as_user(COUNTY):
        for params in forged:
            out = text(page.clue_list(params)) + text(page.clue_timeline(params) if (params or {}) and
                                                           isinstance(params, dict) and params.get("clue")
                                                           else "")
            for no in theirs["clue_no"]:
                assert no not in out, (params, no)
            assert "临猗" not in out, params
        assert "未找到该线索" in text(page.clue_timeline({"unit": "CITY", "clue": clue}))
        assert "无权查看明细" in text(page.clue_list({"unit": OTHER}))
    # the leader does see it (the test above is not empty by accident)
    with as_user(LEADER):
        assert clue in text(page.clue_timeline({"unit": "CITY", "clue": clue}))


def test_a_county_export_holds_only_its_own_rows(CL, as_user, ledger_all, page, app):
    import dash
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def export(principal, params, kind):
        with as_user(principal):
            context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"clu-export-{kind}.n_clicks",
                                                               "value": 1}]))
            return page.export(1, 1, params)

    got = export(COUNTY, {"unit": "CITY", "stage": "closed"}, "csv")
    body = __import__("base64").b64decode(got["content"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["单位", "模型"] and len(rows) > 2
    units = {r[rows[0].index("单位", 1)] for r in rows[1:]}
    assert units == {U.UNIT_BY_CODE[OWN].short}
    assert not any(no in body for no in ledger_all[ledger_all["unit_code"] == OTHER]["clue_no"])
    for params in ({"unit": OTHER}, {"unit": [OTHER], "stage": "closed"}):
        assert export(COUNTY, params, "csv") is dash.no_update
        assert export(COUNTY, params, "xlsx") is dash.no_update
    xlsx = export(LEADER, {"unit": "CITY"}, "xlsx")
    assert xlsx["filename"].endswith(".xlsx") and xlsx["base64"]


def _signed_in(app, engine, role, unit=None):
    return T.signed_in_client(app, engine, f"clues_{role}", role, unit=unit)


def _post(client, output, params):
    return T.post_callback(client, output, inputs=[{"id": "clu-params", "property": "data", "value": params}])


def test_hand_made_requests_of_a_county_user(app, demo_engine, ledger_all):
    client = _signed_in(app, demo_engine, "county", OWN)
    clue = other_clue(ledger_all)
    theirs = set(ledger_all[ledger_all["unit_code"] == OTHER]["clue_no"])
    for output in ("clu-list.children", "clu-timeline.children"):
        for params in ({"unit": OTHER}, {"unit": "CITY", "clue": clue}, {"unit": OTHER, "clue": clue, "stage": "closed"}):
            resp = _post(client, output, params)
            assert resp.status_code in (200, 204), (output, resp.status_code)
            body = json.dumps(resp.get_json(silent=True), ensure_ascii=False)
            assert not any(no in body for no in theirs), (output, params)
    resp = T.post_callback(client, "clu-download.data",
                           inputs=[{"id": "clu-export-csv", "property": "n_clicks", "value": 1}],
                           state=[{"id": "clu-params", "property": "data", "value": {"unit": OTHER}}],
                           changed=["clu-export-csv.n_clicks"])
    body = json.dumps(resp.get_json(silent=True), ensure_ascii=False) if resp.status_code == 200 else ""
    assert not any(no in body for no in theirs)
    # the same requests do answer (the guard let them through): its own unit's clues come back
    own = set(ledger_all[(ledger_all["unit_code"] == OWN) & (ledger_all["stage"] == L.CLOSED)]["clue_no"])
    resp = _post(client, "clu-list.children", {"unit": "CITY", "stage": "closed"})
    assert resp.status_code == 200
    body = json.dumps(resp.get_json(), ensure_ascii=False)
    assert any(no in body for no in own) and not any(no in body for no in theirs)
    mine = sorted(own)[0]
    resp = _post(client, "clu-timeline.children", {"unit": OTHER, "clue": mine})
    assert resp.status_code == 200 and mine in json.dumps(resp.get_json(), ensure_ascii=False)
    # counts are open to everyone
    resp = _post(client, "..clu-cards.children...clu-backlog.children...clu-units.children..", {"unit": OTHER})
    assert resp.status_code == 200 and "在办线索数" in json.dumps(resp.get_json(), ensure_ascii=False)


def test_the_wall_gets_nothing(app, demo_engine):
    wall = app.server.test_client()
    wall.get(f"/screen?token={T.issue_kiosk(demo_engine)}")
    for output in ("clu-list.children", "clu-timeline.children",
                   "..clu-cards.children...clu-backlog.children...clu-units.children.."):
        resp = _post(wall, output, {"unit": "CITY"})
        assert resp.status_code == 403, output
    assert wall.get("/clues").status_code in (302, 403)


def test_the_url_contract(CL, as_user):
    with as_user(LEADER):
        f = CL.parse_filters({"overdue": "1"})
        assert (f.unit, f.stage, f.period, f.model) == ("CITY", "overdue", None, None)
        f = CL.parse_filters({"unit": "140821", "model": "M01", "stage": "verify", "period": "2024Q1",
                              "clue": "XS140821-2024-0001", "page": "3"})
        assert (f.unit, f.model, f.stage, f.period, f.clue, f.page) == \
            ("140821", "M01", "verify", "2024Q1", "XS140821-2024-0001", 3)
        f = CL.parse_filters({"model": "all", "stage": "all", "period": "all", "unit": "city"})
        assert (f.unit, f.model, f.stage, f.period, f.notices) == ("CITY", None, None, None, [])
        assert "stage=closed" in f.link(stage="closed") and "period" not in f.link()
