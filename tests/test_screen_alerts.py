"""The wall's 预警 panel (issue 13 item 3), without a browser: the data month's alerts of
`cockpit.metrics.alerts.evaluate` on the overview, most serious first, at most
`spec.ALERT_ROWS` rows and 另有 N 条; 本月无预警 when none; nothing for an immature (核查中) or
small-sample cell; an administrator's new threshold reaches the wall at the next refresh
(the provider re-reads the thresholds, their stamp is part of the payload's key and the
refresh state) and only the panel is sent again."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from dash import no_update

from cockpit import data
from cockpit.metrics import alerts as A
from cockpit.metrics import units as U
from cockpit.metrics.alerts import Threshold
from cockpit.metrics.periods import Period
from cockpit.metrics.query import MetricStore
from cockpit.screen import callbacks, layout as L, payload, shaping as S, spec
from cockpit.screen.params import ScreenParams

PINNED = ScreenParams(metric="plea_rate").to_dict()     # the map stays: a quiet tick sends nothing


def _json(o) -> str:
    return json.dumps(o, default=lambda c: None if c is no_update else c.to_plotly_json(), ensure_ascii=False)


def _rows(children) -> list[dict]:
    """(severity, unit, indicator, value, bound) of each row the panel shows."""
    blob = json.loads(_json(children))
    rows = []
    for node in blob:
        if node["props"].get("className") == "scr-alert-list":
            for li in node["props"]["children"]:
                spans = [s["props"]["children"] for s in li["props"]["children"]]
                rows.append(dict(zip(("tag", "unit", "label", "value", "bound"), spans),
                                 metric=li["props"]["data-metric"], unit_code=li["props"]["data-unit"]))
    return rows


@pytest.fixture
def provider(demo_copy, monkeypatch):
    """The app's store provider on the copy, checking at every call (no 5 s wait)."""
    p = data.StoreProvider(demo_copy, check_every=0)
    monkeypatch.setattr(data, "_provider", p)
    return p


def test_the_panel_lists_the_data_months_alerts_most_serious_first(demo_store):
    thresholds = [Threshold("plea_rate", U.CITY, lower=99.9)]
    expected = A.evaluate(demo_store, demo_store.data_month, thresholds)
    assert len(expected) > spec.ALERT_ROWS
    part = payload.alerts_part(demo_store, thresholds)
    assert part["month"] == demo_store.data_month == "2024-06"
    rows = _rows(L.block("ov-alerts", part))
    assert len(rows) == spec.ALERT_ROWS
    assert [(r["metric"], r["unit_code"]) for r in rows] == [(a.metric_id, a.unit) for a in expected[:spec.ALERT_ROWS]]
    # the administrator's threshold comes first (rule order), then the declared targets
    assert rows[0] == {"tag": "预警", "unit": "全市", "label": "认罪认罚适用率", "value": "91.9%",
                       "bound": "低于下限 99.9%", "metric": "plea_rate", "unit_code": U.CITY}
    target = next(r for r, a in zip(rows, expected) if a.rule == A.TARGET)
    a = next(a for a in expected if a.rule == A.TARGET)
    assert target["bound"] == f"低于目标 {A.fmt(a.metric, a.metric.target)}" and target["value"] == A.fmt(a.metric, a.value)
    text = _json(L.block("ov-alerts", part))
    assert f"另有 {len(expected) - spec.ALERT_ROWS} 条" in text
    n_warn = sum(1 for a in expected if a.severity == A.WARNING)
    tag = L.block("ov-alerts-panel-tag", part)
    assert tag.startswith("2024年6月") and f"预警 {n_warn} 条" in tag
    # aggregates only: no link, no clue, no person — a unit, an indicator and two numbers a row
    assert '"href"' not in text


def test_a_control_limit_alert_names_the_limit_it_crossed(demo_store):
    a = next(a for a in A.evaluate(demo_store) if a.rule == A.CONTROL)
    part = S.alert_rows([a], demo_store.data_month)
    [row] = part["rows"]
    side = "低于控制限" if a.value < a.lower else "高于控制限"
    assert row["bound"] == f"{side} {A.fmt(a.metric, a.bound)}" and row["rule"] == "控制限"
    assert part["more"] == 0


def test_no_alert_on_an_immature_or_small_sample_cell(demo_store):
    """A threshold every value of an immature month (线索核查率, 核查中) or a small sample
    (附条件不起诉率, 样本少 in every unit) would cross changes nothing on the wall; the same
    threshold on a matured, large cell does."""
    month = demo_store.data_month
    flags = demo_store.query(["clue_verification_rate", "conditional_non_prosecution_rate"], A.ALL_UNITS,
                             Period.month(month))
    assert set(flags[flags["status"] == "ok"]["flag"]) == {"immature", "small"}
    plain = payload.alerts_part(demo_store, [])
    quiet = payload.alerts_part(demo_store, [Threshold("clue_verification_rate", None, lower=100.0),
                                             Threshold("conditional_non_prosecution_rate", None, lower=100.0)])
    assert quiet == plain and quiet["rows"]
    assert not {r["metric"] for r in quiet["rows"]} & {"clue_verification_rate", "conditional_non_prosecution_rate"}
    loud = payload.alerts_part(demo_store, [Threshold("clue_verification_rate", None, lower=100.0),
                                            Threshold("plea_rate", None, lower=100.0)])
    assert loud["rows"][0]["metric"] == "plea_rate" and loud["warnings"] > plain["warnings"]
    # 市院本级's 认罪认罚适用率 is a small sample: under "every unit" it is the one unit left out
    listed = {a.unit for a in A.evaluate(demo_store, month, [Threshold("plea_rate", None, lower=100.0)],
                                         metric_ids=["plea_rate"])}
    assert listed == set(A.ALL_UNITS) - {"140800"}


def test_a_month_without_alerts_says_so():
    frame = pd.DataFrame([("140802", "2024-06", "pros_plea", 900), ("140802", "2024-06", "pros_concluded", 1000)],
                         columns=["unit_code", "month", "measure_id", "value"])
    store = MetricStore.from_frames(frame, snapshot=9001)     # snapshots of their own: parts are cached by snapshot
    part = payload.alerts_part(store, [])
    assert part["rows"] == [] and part["month"] == "2024-06"
    assert "本月无预警" in _json(L.block("ov-alerts", part))
    assert L.block("ov-alerts-panel-tag", part) == "2024年6月"
    empty = payload.alerts_part(MetricStore.from_frames(None, snapshot=9002), [])
    assert "暂无数据" in _json(L.block("ov-alerts", empty)) and L.block("ov-alerts-panel-tag", empty) == ""


def test_a_saved_threshold_reaches_the_wall_at_the_next_refresh(provider, demo_copy):
    first = callbacks.refresh_outputs(0, None, PINNED)
    state = first["state"]
    assert state["thresholds"] == "-" and not any(r["bound"].startswith("低于下限") for r in _rows(first["ov-alerts"]))
    quiet = callbacks.refresh_outputs(1, state, PINNED)
    assert all(v is no_update for v in quiet.values())
    saved = A.save_threshold(demo_copy, Threshold("plea_rate", U.CITY, lower=99.9, set_by="admin"))
    out = callbacks.refresh_outputs(2, state, PINNED)
    # only the panel (and the state) is sent again: no chart, no other block
    assert out["charts"] is no_update and all(out[k] is no_update for k in callbacks.STATIC_IDS + callbacks.MAP_IDS)
    assert out["state"]["thresholds"] == data.stamp(A.load_thresholds(demo_copy)) != "-"
    assert _rows(out["ov-alerts"])[0]["bound"] == "低于下限 99.9%"
    # removed: gone at the next refresh too
    A.delete_threshold(demo_copy, saved.id)
    back = callbacks.refresh_outputs(3, out["state"], PINNED)
    assert back["state"]["thresholds"] == "-"
    assert _rows(back["ov-alerts"]) == _rows(first["ov-alerts"])


def test_the_page_comes_with_the_panel_filled(provider):
    from datetime import datetime
    params = ScreenParams()
    tree = L.build(params, datetime(2026, 1, 1, 8, 0), callbacks.first_fill(params))
    by_id = {getattr(c, "id", None): c for c in [tree, *tree._traverse()]}
    assert len(_rows(by_id["ov-alerts"].children)) == spec.ALERT_ROWS
    assert by_id["ov-alerts-panel-tag"].children.startswith("2024年6月 · 预警")
    # the panel sits on the overview screen
    overview = by_id["scr-screen-overview"]
    assert "ov-alerts" in {getattr(c, "id", None) for c in overview._traverse()}
