"""Annotations (大事记, issue 13 item 4): events kept in the store and edited by an administrator,
the platform launches there from the start, drawn on the trend charts of the pages and the wall.

Storage on SQLite and PostgreSQL, the applicability rules (unit, indicator, group, months), the
validation messages, the admin page's callbacks (admin only, audited), and the figures: a trend
built for a metric carries the marks of the events in its months and none of the others."""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import insert, inspect

from cockpit.components import charts as C
from cockpit.metrics import annotations as N
from cockpit.metrics import migrate
from cockpit.metrics.annotations import Annotation, AnnotationError
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.schema import etl_run, fact_measure
from cockpit.metrics.units import CITY

YANHU, LINYI = "140802", "140821"


def _migrated(engine):
    with engine.begin() as conn:
        migrate.upgrade(conn)


def campaign(**kw) -> Annotation:
    base = dict(kind=N.CAMPAIGN, title="扫黑除恶专项行动", month="2024-03")
    base.update(kw)
    return Annotation(**base)


# --------------------------------------------------------------------------- the launches

def test_the_platform_launches_are_there_with_an_empty_table(engine):
    _migrated(engine)
    assert N.stored_annotations(engine) == []
    found = N.load_annotations(engine)
    assert [(a.kind, a.month) for a in found] == sorted(
        (N.LAUNCH, PLATFORM_BY_ID[p].launch) for p in ("P01", "P02", "P03", "P04", "models"))
    assert all(a.builtin and a.id is None and a.kind_label == "平台上线" for a in found)
    # without the table (a store before revision 0006) and without a database at all
    assert [a.month for a in N.load_annotations(None)] == [a.month for a in found]
    p01 = next(a for a in found if a.title == "评估平台上线")
    assert "社会危险性量化统计分析平台" in p01.detail and "试运行" in p01.detail


def test_a_launch_applies_to_its_platforms_indicators():
    by_title = {a.title: a for a in N.platform_launches()}
    juvenile = next(m for m in METRIC_BY_ID.values() if m.platform == "P04")
    model = next(m for m in METRIC_BY_ID.values() if m.platform == "models")
    assert by_title["未检云平台上线"].applies_to_metric(juvenile.id)
    assert not by_title["未检云平台上线"].applies_to_metric("non_arrest_rate")
    assert by_title["首个模型上线"].applies_to_metric(model.id)
    # the case system's indicators carry the launches of the platforms that changed them
    assert {a.title for a in N.applicable(N.platform_launches(), "non_arrest_rate")} == {
        "评估平台上线", "非羁押平台上线", "同录平台上线"}


# --------------------------------------------------------------------------- storage

def test_annotations_round_trip(engine):
    with pytest.raises(AnnotationError, match="数据库尚未升级"):
        N.save_annotation(engine, campaign())
    assert N.delete_annotation(engine, 1) is None
    _migrated(engine)
    assert "annotation" in inspect(engine).get_table_names()
    a = N.save_annotation(engine, campaign(title=" 扫黑除恶专项行动 ", end_month="2024-06", detail=" 全市开展 ",
                                           created_by="admin1"))
    b = N.save_annotation(engine, Annotation(N.DATA_GAP, "盐湖区3月数据缺失", "2024-03", "2024-03", unit=YANHU,
                                             metric_id="non_arrest_rate", created_by="admin1"))
    c = N.save_annotation(engine, Annotation(N.DEFINITION, "逮捕口径调整", "2023-07", metric_group="arrest"))
    assert a.id and b.id and c.id and len({a.id, b.id, c.id}) == 3
    assert (a.title, a.detail, a.end_month, a.is_span) == ("扫黑除恶专项行动", "全市开展", "2024-06", True)
    assert b.end_month is None and not b.is_span            # a one-month span is a month
    stored = N.stored_annotations(engine)
    assert [x.id for x in stored] == [c.id, a.id, b.id]      # by month
    assert stored[1] == a and isinstance(stored[1].created_at, datetime)
    assert (stored[2].unit, stored[2].metric_id, stored[2].kind) == (YANHU, "non_arrest_rate", N.DATA_GAP)
    assert (stored[0].metric_group, stored[0].metric_id) == ("arrest", None)
    changed = N.save_annotation(engine, campaign(id=a.id, title="扫黑除恶常态化", month="2024-04"))
    assert changed.id == a.id
    assert [(x.title, x.month, x.end_month) for x in N.stored_annotations(engine) if x.id == a.id] == [
        ("扫黑除恶常态化", "2024-04", None)]
    removed = N.delete_annotation(engine, b.id)
    assert removed.title == "盐湖区3月数据缺失" and N.delete_annotation(engine, b.id) is None
    assert [x.id for x in N.stored_annotations(engine)] == [c.id, a.id]
    with pytest.raises(AnnotationError, match="已被删除"):
        N.save_annotation(engine, campaign(id=b.id))
    # the launches and the stored rows together
    everything = N.load_annotations(engine)
    assert len(everything) == len(N.platform_launches()) + 2


# --------------------------------------------------------------------------- applicability

NOTES = [
    Annotation(N.CAMPAIGN, "全市专项", "2024-03", id=1),                                   # everything
    Annotation(N.DATA_GAP, "盐湖区缺数", "2024-02", unit=YANHU, id=2),                      # one unit
    Annotation(N.DEFINITION, "不捕率口径", "2023-07", metric_id="non_arrest_rate", id=3),    # one indicator
    Annotation(N.OTHER, "逮捕组事件", "2024-01", "2024-05", metric_group="arrest", id=4),     # a group, a span
    Annotation(N.CAMPAIGN, "临猗县不捕率", "2024-04", unit=LINYI, metric_id="non_arrest_rate", id=5),
]


def titles(found):
    return {a.title for a in found if not a.builtin}


def test_which_events_apply_to_a_chart():
    plea = "plea_rate"
    assert METRIC_BY_ID["non_arrest_rate"].group == "arrest" and METRIC_BY_ID[plea].group != "arrest"
    # a city-wide event applies to every unit; a unit's only to charts showing that unit
    assert titles(N.applicable(NOTES, "non_arrest_rate", CITY)) == {"全市专项", "不捕率口径", "逮捕组事件"}
    assert titles(N.applicable(NOTES, "non_arrest_rate", YANHU)) == {"全市专项", "盐湖区缺数", "不捕率口径", "逮捕组事件"}
    assert titles(N.applicable(NOTES, "non_arrest_rate", [CITY, LINYI])) == {
        "全市专项", "不捕率口径", "逮捕组事件", "临猗县不捕率"}
    # an indicator's event only on that indicator; a group's on the group's indicators
    assert titles(N.applicable(NOTES, plea, YANHU)) == {"全市专项", "盐湖区缺数"}
    assert titles(N.applicable(NOTES, plea, LINYI)) == {"全市专项"}
    # the months: a span overlapping the chart applies, events outside do not
    assert titles(N.applicable(NOTES, "non_arrest_rate", CITY, ("2024-05", "2024-12"))) == {"逮捕组事件"}
    assert titles(N.applicable(NOTES, "non_arrest_rate", CITY, ["2023-01", "2023-06"])) == set()
    assert titles(N.applicable(NOTES, "non_arrest_rate", CITY, ["2023-06", "2023-07"])) == {"不捕率口径"}
    # no filter: all of them, by month
    assert [a.id for a in N.applicable(NOTES)] == [3, 4, 2, 1, 5]


def test_the_texts_of_an_event():
    a = NOTES[3]
    assert a.when == "2024年1月—2024年5月" and a.scope == "全市 · 审查逮捕类指标" and a.kind_label == "其他"
    assert NOTES[1].label() == "盐湖区：盐湖区缺数" and NOTES[1].scope.startswith("盐湖区")
    assert NOTES[2].scope == "全市 · 不捕率" and NOTES[0].scope == "全市 · 全部指标"
    assert "口径变更 · 2023年7月" in NOTES[2].hover()


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize("a,message", [
    (campaign(kind="nope"), "请选择事件类型"),
    (campaign(title="  "), "请填写标题"),
    (campaign(title="长" * 41), "标题不能超过40个字"),
    (campaign(title="Campaign 2024"), "标题须用中文填写"),
    (campaign(month="2024-13"), "月份格式应为"),
    (campaign(month="24-03"), "月份格式应为"),
    (campaign(month=""), "月份格式应为"),
    (campaign(end_month="2024/06"), "结束月份格式应为"),
    (campaign(end_month="2024-01"), "结束月份不能早于开始月份"),
    (campaign(detail="长" * 501), "说明不能超过500个字"),
    (campaign(unit="999999"), "单位无效"),
    (campaign(unit=CITY), "单位无效"),                       # city-wide is no unit (None)
    (campaign(metric_id="non_arrest_rate", metric_group="arrest"), "只能选择其一"),
    (campaign(metric_id="nope"), "指标无效"),
    (campaign(metric_group="nope"), "指标组无效"),
])
def test_invalid_events_are_refused_in_chinese(a, message):
    with pytest.raises(AnnotationError, match=message):
        N.validate(a)


def test_a_valid_event_is_cleaned():
    a = N.validate(campaign(title=" 专项 ", end_month="", metric_id="", metric_group="", platforms=("P01",)))
    assert (a.title, a.end_month, a.metric_id, a.metric_group, a.platforms) == ("专项", None, None, None, ())


# --------------------------------------------------------------------------- the figures

MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]


def frame(months=MONTHS):
    return pd.DataFrame({"month": months, "value": [30.0] * len(months), "status": ["ok"] * len(months),
                         "flag": [""] * len(months)})


def marks(fig):
    """(kind, x) of the annotation shapes and the labels of a figure."""
    shapes = [(s["name"].split(":")[1], s["x0"]) for s in fig["layout"]["shapes"]
              if str(s.get("name", "")).startswith("note:")]
    labels = [a for a in fig["layout"]["annotations"] if str(a.get("name", "")).startswith("note:")]
    return shapes, labels


def test_a_trend_carries_the_events_in_its_months_and_not_the_others():
    m = METRIC_BY_ID["non_arrest_rate"]
    notes = NOTES + [Annotation(N.CAMPAIGN, "早年专项", "2021-05", id=6), Annotation(N.CAMPAIGN, "未来专项", "2025-02", id=7)]
    found = N.applicable(notes, m.id, CITY, MONTHS)
    fig = C.trend_figure(m, [("全市", frame())], annotations=found)
    shapes, labels = marks(fig)
    assert ("campaign", "2024-03") in shapes and ("definition", "2023-07") in shapes
    assert ("other", "2024-01") in [(k, x) for k, x in shapes]                 # the span, a band
    band = next(s for s in fig["layout"]["shapes"] if s.get("name") == "note:other:2024-01:4")
    assert band["type"] == "rect" and (band["x0"], band["x1"]) == ("2024-01", "2024-05")
    texts = {a["text"] for a in labels}
    assert {"全市专项", "不捕率口径", "逮捕组事件"} <= texts
    assert not {"早年专项", "未来专项", "盐湖区缺数", "临猗县不捕率"} & texts
    assert {"2021-05", "2025-02"}.isdisjoint({x for _, x in shapes})
    assert all(a["font"]["size"] >= 14 for a in labels)
    hover = next(a["hovertext"] for a in labels if a["text"] == "不捕率口径")
    assert "口径变更 · 2023年7月" in hover and "全市 · 不捕率" in hover
    # the launches are drawn with no annotations passed (they need no database)
    shapes, labels = marks(C.trend_figure(m, [("全市", frame())]))
    assert {x for _, x in shapes} == {"2023-01", "2023-03"}      # P03 (2022-10) is before the months
    early = [f"2022-{k:02d}" for k in range(1, 13)] + ["2023-01", "2023-02", "2023-03", "2023-04"]
    shapes, labels = marks(C.trend_figure(m, [("全市", frame(early))]))
    assert {x for _, x in shapes} == {"2022-10", "2023-01", "2023-03"}
    assert {a["text"] for a in labels} == {"同录平台上线", "评估平台上线", "非羁押平台上线"}


def test_a_small_multiple_labels_the_kind_and_a_span_starting_before_is_clipped():
    m = METRIC_BY_ID["non_arrest_rate"]
    fig = C.trend_figure(m, [("全市", frame())], compact=True, annotations=[
        Annotation(N.DATA_GAP, "早已开始的缺数", "2022-06", "2023-02", id=9)])
    band = next(s for s in fig["layout"]["shapes"] if str(s.get("name", "")).startswith("note:"))
    assert (band["x0"], band["x1"]) == ("2023-01", "2023-02")
    [label] = marks(fig)[1]
    assert label["text"] == "缺数" and "早已开始的缺数" in label["hovertext"] and label["font"]["size"] >= 14


def test_titles_from_the_database_stay_text_in_a_figure():
    m = METRIC_BY_ID["non_arrest_rate"]
    hostile = Annotation(N.OTHER, '<a href="http://evil.example/">专项</a>', "2024-02",
                         detail="<b>粗</b>&", id=8)
    fig = C.trend_figure(m, [("全市", frame())], annotations=[hostile])
    [label] = marks(fig)[1]
    assert label["text"].startswith("&lt;a href") and "<a" not in label["hovertext"]
    assert "&lt;b&gt;粗&lt;/b&gt;&amp;" in label["hovertext"]


def test_the_wall_trends_carry_the_events_as_mark_lines():
    from cockpit.metrics.query import MetricStore
    from cockpit.screen import charts as SC
    from cockpit.screen import shaping as S
    rows = [(YANHU, mo, mid, v) for mo in MONTHS for mid, v in (("arrest_not_approved", 30), ("arrest_decided", 100))]
    store = MetricStore.from_frames(pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"]))
    notes = [NOTES[0], NOTES[1], Annotation(N.CAMPAIGN, "早年专项", "2021-05", id=6)]
    t = S.trend(store, "non_arrest_rate", 12, notes=notes)
    assert [n["label"] for n in t["notes"]] == ["全市专项"]              # 全市: not 盐湖区's, not out of range
    tu = S.trend(store, "non_arrest_rate", 12, unit=YANHU, notes=notes)
    assert [n["label"] for n in tu["notes"]] == ["盐湖区：盐湖区缺数", "全市专项"]
    option = SC.dual_trend_option(tu, t)
    items = option["series"][0]["markLine"]["data"]
    assert [(i["xAxis"], i["name"]) for i in items] == [("24.02", "盐湖区：盐湖区缺数"), ("24.03", "全市专项")]
    assert all(i["label"]["fontSize"] >= 14 and i["label"]["formatter"] == "{b}" for i in items)
    # without stored events the launches are still drawn where they fall (none in 2024)
    assert S.trend(store, "non_arrest_rate", 12)["notes"] == []


# --------------------------------------------------------------------------- the admin page

from cockpit.auth import audit                                   # noqa: E402
from cockpit.auth import testing as T                            # noqa: E402

ACTION = "..ann-msg.children...ann-version.data.."
TABLE = "..ann-table.children...ann-select.options.."


@pytest.fixture
def app(engine, tmp_path):
    _migrated(engine)
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


def signed_in(app, engine, role):
    return T.signed_in_client(app, engine, f"u_{role}", role, unit=YANHU if role == "county" else None)


def post(client, output, clicked=None, **values):
    return T.post_form(client, output, clicked, **values)


def text_of(resp) -> str:
    return json.dumps(resp.get_json(), ensure_ascii=False)


def test_an_administrator_records_and_removes_an_event_audited(app, engine):
    admin = signed_in(app, engine, "admin")
    page = T.post_page(admin, "/admin/annotations")
    assert page.status_code == 200 and "评估平台上线" in text_of(page) and "大事记" in text_of(page)
    resp = post(admin, ACTION, "ann-add", **{"ann-add": 1, "ann-kind": "campaign", "ann-title": "扫黑除恶专项行动",
                                             "ann-month": "2024-03", "ann-end": "2024-06", "ann-unit": "-",
                                             "ann-scope": "group:arrest", "ann-detail": "全市开展"})
    assert resp.status_code == 200
    assert "已保存：2024年3月—2024年6月 专项行动“扫黑除恶专项行动”（全市 · 审查逮捕类指标）。" in text_of(resp)
    [a] = N.stored_annotations(engine)
    assert (a.kind, a.month, a.end_month, a.unit, a.metric_group, a.detail, a.created_by) == (
        "campaign", "2024-03", "2024-06", None, "arrest", "全市开展", "u_admin")
    resp = post(admin, ACTION, "ann-add", **{"ann-add": 1, "ann-kind": "data_gap", "ann-title": "盐湖区数据缺失",
                                             "ann-month": "2024-02", "ann-unit": YANHU,
                                             "ann-scope": "metric:non_arrest_rate"})
    assert "已保存：2024年2月 数据缺失“盐湖区数据缺失”（盐湖区 · 不捕率）。" in text_of(resp)
    table = text_of(post(admin, TABLE, **{"ann-version": 2}))
    assert "扫黑除恶专项行动" in table and "盐湖区数据缺失" in table and "u_admin" in table
    rows, total = audit.entries(engine, "annotation_saved")
    assert total == 2 and rows[0].actor == "u_admin"
    assert audit.describe(rows[1].detail) == (f"大事记编号：{a.id}；结束月份：2024年6月；指标组：审查逮捕；"
                                              "事件类型：专项行动；月份：2024年3月；单位：全部单位")
    # the pages draw it at once (the provider re-reads the events; the cache key changes)
    from cockpit import data
    assert "扫黑除恶专项行动" in {x.title for x in data.annotations("non_arrest_rate", CITY)}
    assert "扫黑除恶专项行动" not in {x.title for x in data.annotations("plea_rate", CITY)}
    resp = post(admin, ACTION, "ann-delete", **{"ann-delete": 1, "ann-select": str(a.id)})
    assert "已删除：2024年3月—2024年6月“扫黑除恶专项行动”。" in text_of(resp)
    assert [x.title for x in N.stored_annotations(engine)] == ["盐湖区数据缺失"]
    assert audit.entries(engine, "annotation_deleted")[1] == 1


def test_bad_events_are_refused_with_a_chinese_message(app, engine):
    admin = signed_in(app, engine, "admin")
    for values, message in (
            ({"ann-kind": "campaign", "ann-month": "2024-03"}, "请填写标题"),
            ({"ann-kind": "campaign", "ann-title": "专项", "ann-month": "三月"}, "月份格式应为"),
            ({"ann-kind": "campaign", "ann-title": "专项", "ann-month": "2024-03", "ann-end": "2023-12"},
             "结束月份不能早于开始月份")):
        resp = post(admin, ACTION, "ann-add", **{"ann-add": 1, **values})
        assert message in text_of(resp), values
    resp = post(admin, ACTION, "ann-delete", **{"ann-delete": 1, "ann-select": None})
    assert "请先选择要删除的事件" in text_of(resp)
    assert N.stored_annotations(engine) == [] and audit.entries(engine, "annotation_saved")[1] == 0


@pytest.mark.parametrize("role", ["leader", "county"])
def test_only_an_administrator_may_record(app, engine, role):
    client = signed_in(app, engine, role)
    resp = post(client, ACTION, "ann-add", **{"ann-add": 1, "ann-kind": "campaign", "ann-title": "专项",
                                              "ann-month": "2024-03"})
    assert resp.status_code == 403
    assert post(client, TABLE, **{"ann-version": 1}).status_code == 403
    assert N.stored_annotations(engine) == [] and audit.entries(engine, "annotation_saved")[1] == 0
    assert T.post_page(client, "/admin/annotations").status_code == 403


def test_the_metric_pages_trend_draws_the_stored_event(app, engine):
    """The /metric page's trend callback: an administrator's event in the chart's months is drawn,
    one outside them is not."""
    with engine.begin() as conn:
        conn.execute(insert(etl_run).values(
            run_id=1, started_at=datetime(2024, 7, 1), finished_at=datetime(2024, 7, 1), files_new=1,
            rows_loaded=1, rows_rejected=0))
        conn.execute(insert(fact_measure), [
            {"unit_code": YANHU, "month": mo, "measure_id": mid, "value": v}
            for mo in MONTHS[12:] for mid, v in (("arrest_not_approved", 30.0), ("arrest_decided", 100.0))])
    N.save_annotation(engine, campaign(title="春季专项", month="2024-03"))
    N.save_annotation(engine, campaign(title="很早的专项", month="2019-03"))
    leader = signed_in(app, engine, "leader")
    params = {"path": "/metric/non_arrest_rate", "query": {}, "period": "2024-06", "metric": "non_arrest_rate",
              "units": [], "against": None}
    resp = post(leader, "met-trend.figure", **{"met-params": params})
    assert resp.status_code == 200
    fig = resp.get_json()["response"]["met-trend"]["figure"]
    texts = {a.get("text") for a in fig["layout"].get("annotations", [])}
    assert "春季专项" in texts and "很早的专项" not in texts
    assert any(s.get("x0") == "2024-03" and str(s.get("name", "")).startswith("note:campaign")
               for s in fig["layout"]["shapes"])


def test_a_saved_event_changes_the_cache_keys_of_the_pages_and_the_wall(app, engine):
    """The provider re-reads the events at each check: their stamp is part of the cached outputs'
    keys and of the wall's payload key, so a new event is drawn without a new ETL snapshot."""
    from cockpit import data
    from cockpit.screen import payload
    before = data.current()
    assert before.notes == () and before.notes_stamp == "-"
    N.save_annotation(engine, campaign())
    after = data.current()
    assert [a.title for a in after.notes] == ["扫黑除恶专项行动"] and after.notes_stamp != "-"
    assert payload.notes_key(after.notes) != payload.notes_key(before.notes)
    assert after.store is before.store                          # the store is not reloaded
