"""Issue 12 item 6 on the wall: the models screen carries the clue funnel (线索 → 已核查 → 成案 →
制发监督文书 → 已整改, 全市, the wall's period, its immature months said), 逾期未办结线索 (the
ledger's stock as of the data date) and 督办线索 (catalog metric clues_pressed, placed on the wall
by its declaration) — each equal to the ledger's or the MetricStore's value on the demo store;
counts only: no clue number, summary, document number or name reaches the wall."""
from __future__ import annotations

import json
import re
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import text

from cockpit.metrics import ledger
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, on_wall
from cockpit.metrics.periods import Period
from cockpit.screen import layout as L
from cockpit.screen import payload
from cockpit.screen import shaping as S
from cockpit.screen import spec
from cockpit.screen.params import parse


@pytest.fixture(scope="module")
def static(demo_store, demo_engine) -> dict:
    return payload._build_static(demo_store, demo_engine)


def _json(o) -> str:
    return json.dumps(o, default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def test_the_clue_funnel_equals_the_metric_layer(static, demo_store):
    period = S.screen_period(demo_store)
    assert period.end == demo_store.data_month == "2024-06"
    series = static["charts"]["ch-md-clues"]["o"]["series"][0]
    got = [(d["name"], d["value"]) for d in series["data"]]
    want = [(name, int(round(demo_store.measure_total(m, U.CITY, period.start, period.end))))
            for name, m in spec.CLUE_FUNNEL]
    assert [n for n, _ in want] == ["线索", "已核查", "成案", "制发监督文书", "已整改"]
    assert got == want
    # the first stage is the catalog's 监督线索 over the same period
    assert want[0][1] == pytest.approx(demo_store.value("clues", U.CITY, period))
    assert all(a >= b for (_, a), (_, b) in zip(want, want[1:])) and want[-1][1] > 0
    # the cohort and its months still being verified are said (maturity of 线索成案率: 3 months)
    assert METRIC_BY_ID["clue_case_rate"].maturity_months == 3
    assert static["blocks"]["clue_funnel_tag"] == "2024年1—6月发现 · 4—6月核查中"
    tree = _json(L.build(parse({}), datetime(2026, 1, 1, 8, 0)))
    for eid in ("ch-md-clues", "md-overdue", "md-clue-kpis", "md-clues-panel-tag"):
        assert f'"id": "{eid}"' in tree, eid


def test_overdue_clues_equal_the_ledger_as_of_the_data_date(static, demo_store, demo_engine):
    as_of = S.as_of_date(demo_store)
    assert as_of == date(2024, 6, 30)        # the data month's last day (today is later)
    path = ledger.clue_path(ledger.load_clues(demo_engine, [U.CITY]), as_of)
    want = ledger.indicator_values(path)["clue_overdue_open"]
    # read again by hand from the path: open and past due on the data date
    assert want == int(((path["stage"] != ledger.CLOSED) & (pd.to_datetime(path["due"]) < pd.Timestamp(as_of))).sum())
    assert want > 0
    (fig,) = static["blocks"]["ledger"]
    assert fig["id"] == "clue_overdue_open" and fig["value"] == want and fig["text"] == f"{want:,}"
    assert fig["caption"] == "截至2024年6月30日" and fig["unit"] == "条"
    # a count: no 同比, no tone, 不评优劣
    assert fig["yoy"] is None and fig["direction"] == "不评优劣" and not fig["mark"]
    html = _json(L.block("md-overdue", static["blocks"]))
    assert "逾期未办结线索" in html and "截至2024年6月30日" in html


def test_pressed_clues_are_the_catalogs_placement_and_equal_the_store(static, demo_store, demo_engine):
    assert on_wall("clues") == ("clues_pressed",) and "clues" in spec.PLACES
    period = S.screen_period(demo_store)
    (fig,) = static["blocks"]["tiles"]["md-clue-kpis"]
    want = demo_store.value("clues_pressed", U.CITY, period)
    assert fig["id"] == "clues_pressed" and fig["value"] == pytest.approx(want) and want > 0
    assert fig["caption"] == period.label == "2024年1—6月"
    # the ledger books 督办 by the same month: the two agree
    path = ledger.clue_path(ledger.load_clues(demo_engine, [U.CITY]), S.as_of_date(demo_store))
    assert ledger.indicator_values(path, period)["clue_pressed"] == want
    # neutral: a count's change is never red or green
    assert fig["yoy"] is None or fig["yoy"]["tone"] == "neutral"
    assert "督办线索" in _json(L.block("md-clue-kpis", static["blocks"]))


def test_immature_months_and_the_as_of_date_follow_the_data_month(demo_store):
    class Fake:
        data_month = "2024-01"
    assert S.as_of_date(Fake(), today=date(2024, 1, 20)) == date(2024, 1, 20)   # a month still running
    assert S.as_of_date(Fake(), today=date(2025, 3, 1)) == date(2024, 1, 31)
    one = S.clue_funnel(demo_store, Period.ytd("2024-01"))
    # the period lies before the data month's window: nothing immature in it
    assert one["tag"] == "2024年1月发现" and one["immature"] == ""
    assert S.clue_funnel(demo_store, Period.ytd("2024-06"))["immature"] == "4—6月核查中"


def test_no_clue_number_summary_document_or_name_on_the_wall(static, demo_engine):
    with demo_engine.connect() as conn:
        clue_nos = {r for (r,) in conn.execute(text("SELECT clue_no FROM stg_clue"))}
        doc_nos = {r for (r,) in conn.execute(text("SELECT doc_no FROM stg_clue WHERE doc_no IS NOT NULL"))}
        case_nos = {r for (r,) in conn.execute(text("SELECT sup_case_no FROM stg_clue WHERE sup_case_no IS NOT NULL"))}
        summaries = {r for (r,) in conn.execute(text("SELECT summary FROM stg_clue WHERE summary IS NOT NULL"))}
        names = {r for (r,) in conn.execute(text(
            "SELECT person_name FROM stg_model_record WHERE person_name IS NOT NULL"))}
    assert clue_nos and summaries and names
    blocks = static["blocks"]
    blob = _json(static) + "".join(_json(L.block(b, blocks)) for b in ("md-overdue", "md-clue-kpis",
                                                                         "md-clues-panel-tag"))
    for value in clue_nos | doc_nos | case_nos:
        assert value not in blob, value
    for s in summaries:
        assert s[:12] not in blob
    # names: whole names (two or more characters) never appear
    assert not {n for n in names if len(n) >= 2 and n in blob}
    # the ledger part of the payload holds counts and words only
    assert not re.search(r"[A-Z]{2}\d{6}-", _json(blocks["ledger"]) + _json(blocks["tiles"]["md-clue-kpis"]))
