"""Alerts (预警, issue 13 item 3): the rules given/expect on small hand-made stores, the thresholds
kept in the store (SQLite and PostgreSQL), the admin page's callbacks, and the overview's list.

No alert fires on an immature (核查中) or small-sample (样本少) cell, before a platform's launch,
on 无数据 / 不适用, or after the data month."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import inspect

from cockpit.metrics import alerts as A
from cockpit.metrics import migrate
from cockpit.metrics.alerts import Threshold, ThresholdError
from cockpit.metrics.catalog import METRICS, METRIC_BY_ID
from cockpit.metrics.periods import add_months
from cockpit.metrics.query import MetricStore
from cockpit.metrics.units import CITY

YANHU, LINYI = "140802", "140821"
MONTH = "2024-06"


def store(rows) -> MetricStore:
    return MetricStore.from_frames(pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"]))


def ratio(num_id, den_id, month, unit, num, den):
    return [(unit, month, num_id, num), (unit, month, den_id, den)]


def plea(month, unit, num, den):             # 认罪认罚适用率: higher, min_sample 20, no target
    return ratio("pros_plea", "pros_concluded", month, unit, num, den)


def post_arrest(month, unit, num, den):      # 捕后不诉率: lower
    return ratio("post_arrest_not_indicted", "post_arrest_concluded", month, unit, num, den)


def non_arrest(month, unit, num, den):       # 不捕率: policy
    return ratio("arrest_not_approved", "arrest_decided", month, unit, num, den)


def adoption(month, unit, num, den):         # 量刑建议采纳率: higher, target 95
    return ratio("pros_rec_adopted", "pros_rec_judged", month, unit, num, den)


def history(maker, values, end=MONTH, unit=YANHU, den=1000):
    """Months ending at `end` with the given rates (%) on a denominator of `den`."""
    rows = []
    n = len(values)
    for k, v in enumerate(values):
        rows += maker(add_months(end, k - n + 1), unit, round(v * den / 100), den)
    return rows


def alerts_of(s, metric_id, month=MONTH, thresholds=(), units=(YANHU,), rule=None):
    out = [a for a in A.evaluate(s, month, thresholds, units=units, metric_ids=[metric_id])]
    return [a for a in out if rule is None or a.rule == rule]


# --------------------------------------------------------------------------- thresholds

def test_a_threshold_fires_below_its_lower_bound_and_not_on_it():
    t = Threshold("plea_rate", None, lower=80.0)
    below = store(plea(MONTH, YANHU, 799, 1000))                  # 79.9 %
    on = store(plea(MONTH, YANHU, 800, 1000))                     # 80.0 %: equal is not an alert
    rounded_on = store(plea(MONTH, YANHU, 80_004, 100_000))       # 80.004 % is shown as 80.0 %
    [a] = alerts_of(below, "plea_rate", thresholds=[t])
    assert (a.rule, a.unit, a.month, a.severity) == ("threshold", YANHU, MONTH, "warning")
    assert a.value == pytest.approx(79.9)
    assert a.reason == "低于管理员设定下限 80.0%"
    assert a.severity_label == "预警"
    assert alerts_of(on, "plea_rate", thresholds=[t]) == []
    assert alerts_of(rounded_on, "plea_rate", thresholds=[t]) == []


def test_a_threshold_for_one_unit_applies_to_that_unit_only():
    s = store(plea(MONTH, YANHU, 700, 1000) + plea(MONTH, LINYI, 700, 1000))
    t = Threshold("plea_rate", LINYI, lower=80.0, label="重点关注")
    out = alerts_of(s, "plea_rate", thresholds=[t], units=(YANHU, LINYI, CITY))
    assert [(a.unit, a.reason) for a in out] == [(LINYI, "低于管理员设定下限 80.0%（重点关注）")]
    every = alerts_of(s, "plea_rate", thresholds=[Threshold("plea_rate", None, lower=80.0)],
                      units=(YANHU, LINYI, CITY))
    assert [a.unit for a in every] == [CITY, YANHU, LINYI]      # None = every unit, 全市 first


def test_direction_decides_which_side_alerts():
    # 越低越好 (捕后不诉率): only a rise above the upper bound
    s = store(post_arrest(MONTH, YANHU, 60, 1000))                  # 6.0 %
    [a] = alerts_of(s, "post_arrest_non_prosecution_rate", thresholds=[Threshold(
        "post_arrest_non_prosecution_rate", None, upper=5.0)])
    assert a.reason == "高于管理员设定上限 5.0%" and a.severity == "warning"
    # a bound on the good side is never evaluated (and cannot be saved, below)
    assert alerts_of(s, "post_arrest_non_prosecution_rate", thresholds=[Threshold(
        "post_arrest_non_prosecution_rate", None, lower=10.0)]) == []
    # 越高越好 (认罪认罚适用率): an upper bound crossed is no alert
    s = store(plea(MONTH, YANHU, 990, 1000))
    assert alerts_of(s, "plea_rate", thresholds=[Threshold("plea_rate", None, upper=95.0)]) == []
    # policy (不捕率): both sides, as 异常波动, never as worse performance
    t = Threshold("non_arrest_rate", None, lower=20.0, upper=40.0)
    low = alerts_of(store(non_arrest(MONTH, YANHU, 100, 1000)), "non_arrest_rate", thresholds=[t])
    high = alerts_of(store(non_arrest(MONTH, YANHU, 500, 1000)), "non_arrest_rate", thresholds=[t])
    assert [(a.reason, a.severity_label) for a in low] == [("低于管理员设定下限 20.0%", "异常波动")]
    assert [(a.reason, a.severity_label) for a in high] == [("高于管理员设定上限 40.0%", "异常波动")]
    assert alerts_of(store(non_arrest(MONTH, YANHU, 300, 1000)), "non_arrest_rate", thresholds=[t]) == []


def test_a_threshold_on_a_count_is_a_fluctuation():
    s = store([(YANHU, MONTH, "pros_concluded", 150)])
    [a] = alerts_of(s, "pros_concluded", thresholds=[Threshold("pros_concluded", None, upper=100)])
    assert a.reason == "高于管理员设定上限 100人" and a.severity == "fluctuation"


# --------------------------------------------------------------------------- targets

def test_a_declared_target_is_missed_below_it():
    assert METRIC_BY_ID["rec_adoption_rate"].target == 95.0
    [a] = alerts_of(store(adoption(MONTH, YANHU, 949, 1000)), "rec_adoption_rate")
    assert (a.rule, a.reason, a.severity) == ("target", "低于目标 95.0%", "warning")
    assert alerts_of(store(adoption(MONTH, YANHU, 950, 1000)), "rec_adoption_rate") == []   # on it
    assert alerts_of(store(adoption(MONTH, YANHU, 990, 1000)), "rec_adoption_rate") == []   # above


def test_a_lower_is_better_target_is_missed_above_it():
    # 审查逮捕平均办案天数: 法定期限 7 天
    s = store(ratio("arrest_review_days", "arrest_concluded", MONTH, YANHU, 800, 100))      # 8.0 天
    [a] = alerts_of(s, "review_days_avg")
    assert a.reason == "高于目标 7.0天"
    s = store(ratio("arrest_review_days", "arrest_concluded", MONTH, YANHU, 700, 100))      # 7.0 天: on it
    assert alerts_of(s, "review_days_avg") == []


def test_targets_apply_to_comparable_indicators_only():
    for m in METRICS:
        assert A.target_applies(m) == (m.target is not None and m.comparable), m.id
    # 脱管率's target 0 is a rate's: it applies (a count never misses a target)
    assert A.target_applies(METRIC_BY_ID["abscond_rate"])
    assert not any(A.target_applies(m) for m in METRICS if not m.is_ratio)


# --------------------------------------------------------------------------- control limits

STEADY = [80.0, 82.0] * 12          # 24 months: mean 81, σ ≈ 1.04 → limits ≈ 77.9 … 84.1


def test_control_limits_from_the_units_own_history():
    s = store(history(plea, STEADY + [70.0]))
    [a] = alerts_of(s, "plea_rate", rule="control")
    assert a.severity == "warning" and a.value == pytest.approx(70.0)
    assert a.reason.startswith("低于本单位近24个月控制限（均值 ± 3σ：77.9%–84.1%")
    assert a.lower == pytest.approx(81 - 3 * pd.Series(STEADY).std())
    assert alerts_of(store(history(plea, STEADY + [79.0])), "plea_rate", rule="control") == []   # inside
    # a rise of a 越高越好 indicator is good news, not an alert
    assert alerts_of(store(history(plea, STEADY + [95.0])), "plea_rate", rule="control") == []


def test_control_on_a_policy_indicator_is_a_fluctuation_on_both_sides():
    for last, word in ((95.0, "高于"), (60.0, "低于")):
        [a] = alerts_of(store(history(non_arrest, STEADY + [last])), "non_arrest_rate", rule="control")
        assert a.reason.startswith(word) and a.severity_label == "异常波动"


def test_control_needs_twelve_matured_unflagged_months():
    assert alerts_of(store(history(plea, STEADY[:11] + [50.0])), "plea_rate", rule="control") == []
    assert len(alerts_of(store(history(plea, STEADY[:12] + [50.0])), "plea_rate", rule="control")) == 1
    # 13 past months, but two of them small samples (样本少): 11 left, no limits
    rows = history(plea, STEADY[:11] + [50.0])
    for k in (12, 13):
        rows += plea(add_months(MONTH, -k), YANHU, 5, 10)
    assert alerts_of(store(rows), "plea_rate", rule="control") == []
    # a history without any variation gives no limits
    assert alerts_of(store(history(plea, [80.0] * 24 + [50.0])), "plea_rate", rule="control") == []


def test_control_limits_are_not_drawn_for_running_totals_or_tiny_counts():
    metric = METRIC_BY_ID["models"]
    assert metric.kind == "cumulative" and A.control_limits(metric, list(range(24))) is None
    count = METRIC_BY_ID["pros_concluded"]          # min_sample 10: a history averaging 3 is noise
    assert A.control_limits(count, [2.0, 4.0] * 12) is None
    assert A.control_limits(count, [200.0, 220.0] * 12) is not None


# --------------------------------------------------------------------------- never fires

def test_no_alert_on_a_small_sample():
    t = Threshold("plea_rate", None, lower=80.0)
    small = store(plea(MONTH, YANHU, 1, 19))         # 5.3 % of 19 < min_sample 20: 样本少
    assert A.evaluate(small, MONTH, [t], units=(YANHU,), metric_ids=["plea_rate"]) == []
    assert small.query("plea_rate", YANHU, MONTH).iloc[0]["flag"] == "small"
    enough = store(plea(MONTH, YANHU, 1, 20))
    assert len(alerts_of(enough, "plea_rate", thresholds=[t])) == 1
    # the small month itself is not charted against its (steady) history either
    rows = history(plea, STEADY)[:-2] + plea(MONTH, YANHU, 1, 19)
    assert alerts_of(store(rows), "plea_rate") == []


def test_no_alert_on_an_immature_cell():
    # 线索核查率 (maturity 3 months): the data month and the two before it are 核查中
    metric = METRIC_BY_ID["clue_verification_rate"]
    assert metric.maturity_months == 3
    rows = []
    for k in range(30):
        month = add_months(MONTH, -k)
        rows += ratio("clue_verified", "clue_found", month, YANHU, (800 + 20 * (k % 2)) if k > 3 else 100, 1000)
    s = store(rows)
    assert s.data_month == MONTH
    t = Threshold("clue_verification_rate", None, lower=50.0)
    for k in range(3):                                   # immature: 10 % but no alert of any rule
        month = add_months(MONTH, -k)
        assert s.query(metric.id, YANHU, month).iloc[0]["flag"] == "immature"
        assert alerts_of(s, metric.id, month, [t]) == []
    # the first matured month with the same 10 % fires (threshold and control)
    month = add_months(MONTH, -3)
    assert {a.rule for a in alerts_of(s, metric.id, month, [t])} == {"threshold", "control"}


def test_no_alert_before_launch_or_past_the_data_month():
    # 同录覆盖率 (P03, launched 2022-10, target 100 %): facts booked before the launch are 未上线
    t = Threshold("recording_coverage", None, lower=90.0)
    s = store(ratio("plea_recorded", "plea_statements", "2022-09", YANHU, 10, 100)
              + ratio("plea_recorded", "plea_statements", "2022-10", YANHU, 10, 100))
    assert s.query("recording_coverage", YANHU, "2022-09").iloc[0]["status"] == "not_live"
    assert alerts_of(s, "recording_coverage", "2022-09", [t]) == []
    assert {a.rule for a in alerts_of(s, "recording_coverage", "2022-10", [t])} == {"threshold", "target"}
    # after the data month: nothing, whatever is booked there
    assert s.data_month == "2022-10"
    assert alerts_of(s, "recording_coverage", "2022-11", [t]) == []
    assert A.evaluate(s, None, [t], units=(YANHU,)) == A.evaluate(s, "2022-10", [t], units=(YANHU,))


def test_no_alert_on_no_data_or_not_applicable():
    t = Threshold("pretrial_detention_rate", None, upper=10.0)
    # 诉前羁押率 with more arrests than concluded prosecutions in a small cell: 不适用
    s = store([(YANHU, MONTH, "arrest_approved", 30), (YANHU, MONTH, "pros_concluded", 10),
               (LINYI, MONTH, "arrest_approved", 3)])       # 临猗: no prosecutions, denominator 0: 无数据
    df = s.query("pretrial_detention_rate", [YANHU, LINYI], MONTH)
    assert list(df["status"]) == ["not_applicable", "no_data"]
    assert alerts_of(s, "pretrial_detention_rate", thresholds=[t], units=(YANHU, LINYI)) == []


def test_an_empty_store_has_no_alerts():
    assert A.evaluate(MetricStore.from_frames(None), None, [Threshold("plea_rate", None, lower=1)]) == []


# --------------------------------------------------------------------------- validation and storage

@pytest.mark.parametrize("t,message", [
    (Threshold("nope", None, lower=1.0), "请选择指标"),
    (Threshold("plea_rate", "999999", lower=1.0), "单位无效"),
    (Threshold("plea_rate", None), "至少填写"),
    (Threshold("plea_rate", None, upper=90.0), "越高越好，只能设定下限"),
    (Threshold("post_arrest_non_prosecution_rate", None, lower=1.0), "越低越好，只能设定上限"),
    (Threshold("non_arrest_rate", None, lower=40.0, upper=20.0), "下限须小于上限"),
    (Threshold("non_arrest_rate", None, lower=-1.0), "不能为负数"),
    (Threshold("plea_rate", None, lower=120.0), "不能超过100%"),
    (Threshold("plea_rate", None, lower=float("nan")), "须为数字"),
    (Threshold("plea_rate", None, lower="abc"), "须为数字"),
    (Threshold("plea_rate", None, lower=1.0, label="长" * 65), "不能超过64个字"),
])
def test_invalid_thresholds_are_refused_in_chinese(t, message):
    with pytest.raises(ThresholdError, match=message):
        A.validate(t)


def _migrated(engine):
    with engine.begin() as conn:
        migrate.upgrade(conn)


def test_thresholds_round_trip(engine):
    assert A.load_thresholds(engine) == []                       # no table yet: none
    with pytest.raises(ThresholdError, match="数据库尚未升级"):
        A.save_threshold(engine, Threshold("plea_rate", None, lower=80.0))
    _migrated(engine)
    assert "alert_threshold" in inspect(engine).get_table_names()
    a = A.save_threshold(engine, Threshold("plea_rate", LINYI, lower=80.0, label=" 重点 ", set_by="admin1"))
    b = A.save_threshold(engine, Threshold("non_arrest_rate", None, lower=20, upper=40.5, set_by="admin1"))
    assert a.id and b.id and a.id != b.id and a.label == "重点" and a.set_at is not None
    loaded = A.load_thresholds(engine)
    assert [(t.metric_id, t.unit, t.lower, t.upper, t.label, t.set_by) for t in loaded] == [
        ("non_arrest_rate", None, 20.0, 40.5, "", "admin1"),     # catalog order: 不捕率 first
        ("plea_rate", LINYI, 80.0, None, "重点", "admin1")]
    assert loaded[1] == a
    changed = A.save_threshold(engine, Threshold("plea_rate", LINYI, lower=85.0, id=a.id, set_by="admin2"))
    assert [t.lower for t in A.load_thresholds(engine) if t.id == a.id] == [85.0] and changed.id == a.id
    removed = A.delete_threshold(engine, b.id)
    assert removed.metric_id == "non_arrest_rate"
    assert A.delete_threshold(engine, b.id) is None
    assert [t.id for t in A.load_thresholds(engine)] == [a.id]
    with pytest.raises(ThresholdError, match="已被删除"):
        A.save_threshold(engine, Threshold("plea_rate", None, lower=1.0, id=b.id))


# --------------------------------------------------------------------------- the admin page

from cockpit.auth import audit                                   # noqa: E402
from cockpit.auth import testing as T                            # noqa: E402

THRESHOLD_ACTION = "..thr-msg.children...thr-version.data.."
THRESHOLDS_TABLE = "..thr-table.children...thr-select.options.."
HOME_ALERTS = "home-alerts.children"


@pytest.fixture
def app(engine, tmp_path):
    _migrated(engine)
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        yield app


def signed_in(app, engine, role):
    return T.signed_in_client(app, engine, f"u_{role}", role, unit="140802" if role == "county" else None)


def post(client, output, clicked=None, **values):
    return T.post_form(client, output, clicked, **values)


def text_of(resp) -> str:
    return json.dumps(resp.get_json(), ensure_ascii=False)


def test_an_administrator_sets_and_removes_a_threshold_audited(app, engine):
    admin = signed_in(app, engine, "admin")
    resp = post(admin, THRESHOLD_ACTION, "thr-add", **{"thr-add": 1, "thr-metric": "plea_rate", "thr-unit": LINYI,
                                                         "thr-lower": " 80 ", "thr-label": "重点关注"})
    assert resp.status_code == 200 and "已保存：认罪认罚从宽适用率（临猗县）下限 80.0%。" in text_of(resp)
    [t] = A.load_thresholds(engine)
    assert (t.metric_id, t.unit, t.lower, t.upper, t.label, t.set_by) == ("plea_rate", LINYI, 80.0, None, "重点关注",
                                                                          "u_admin")
    table = text_of(post(admin, THRESHOLDS_TABLE, **{"thr-version": 1}))
    assert "认罪认罚从宽适用率" in table and "80.0%" in table and "临猗县" in table
    rows, _ = audit.entries(engine, "threshold_saved")
    assert len(rows) == 1 and rows[0].actor == "u_admin"
    assert audit.describe(rows[0].detail) == f"下限：80.0；指标：认罪认罚从宽适用率；阈值编号：{t.id}；单位：临猗县人民检察院"
    # every unit (the select's "-") is stored as None and described as 全部单位
    resp = post(admin, THRESHOLD_ACTION, "thr-add", **{"thr-add": 1, "thr-metric": "non_arrest_rate", "thr-unit": "-",
                                                        "thr-lower": "20", "thr-upper": "45%"})
    assert "已保存：不捕率（全部单位）下限 20.0%，上限 45.0%。" in text_of(resp)
    every = [x for x in A.load_thresholds(engine) if x.metric_id == "non_arrest_rate"]
    assert [(x.unit, x.lower, x.upper) for x in every] == [(None, 20.0, 45.0)]
    assert "单位：全部单位" in audit.describe(audit.entries(engine, "threshold_saved")[0][0].detail)
    # removed, and that is audited too
    resp = post(admin, THRESHOLD_ACTION, "thr-delete", **{"thr-delete": 1, "thr-select": str(t.id)})
    assert "已删除：认罪认罚从宽适用率（临猗县）的阈值" in text_of(resp)
    assert [x.metric_id for x in A.load_thresholds(engine)] == ["non_arrest_rate"]
    assert len(audit.entries(engine, "threshold_deleted")[0]) == 1


def test_bad_thresholds_are_refused_with_a_chinese_message(app, engine):
    admin = signed_in(app, engine, "admin")
    for values, message in (
            ({"thr-metric": "plea_rate", "thr-upper": "90"}, "越高越好，只能设定下限"),
            ({"thr-metric": "plea_rate", "thr-lower": "八十"}, "下限须为数字"),
            ({"thr-metric": None, "thr-lower": "1"}, "请选择指标"),
            ({"thr-metric": "plea_rate"}, "请至少填写下限或上限之一")):
        resp = post(admin, THRESHOLD_ACTION, "thr-add", **{"thr-add": 1, **values})
        assert message in text_of(resp), values
    resp = post(admin, THRESHOLD_ACTION, "thr-delete", **{"thr-delete": 1, "thr-select": None})
    assert "请先选择要删除的阈值" in text_of(resp)
    assert A.load_thresholds(engine) == [] and audit.entries(engine, "threshold_saved")[1] == 0


@pytest.mark.parametrize("role", ["leader", "county"])
def test_only_an_administrator_may_save(app, engine, role):
    client = signed_in(app, engine, role)
    resp = post(client, THRESHOLD_ACTION, "thr-add", **{"thr-add": 1, "thr-metric": "plea_rate", "thr-lower": "80"})
    assert resp.status_code == 403 and "plea_rate" not in resp.get_data(as_text=True)
    assert post(client, THRESHOLDS_TABLE, **{"thr-version": 1}).status_code == 403
    assert A.load_thresholds(engine) == [] and audit.entries(engine, "threshold_saved")[1] == 0
    assert T.post_page(client, "/admin/alerts").status_code == 403


# --------------------------------------------------------------------------- the overview's 预警清单

def test_the_panel_says_when_a_month_has_no_alerts():
    from cockpit.components.alerts_panel import alerts_panel
    from cockpit.components.plain_html import to_plain
    s = store(plea(MONTH, YANHU, 900, 1000))
    text = json.dumps(to_plain(alerts_panel(s, [], MONTH)), ensure_ascii=False)
    assert "本月无预警" in text and "2024年6月" in text
    text = json.dumps(to_plain(alerts_panel(s, [Threshold("plea_rate", None, lower=95.0)], "2024")),
                      ensure_ascii=False)                            # a year: its last month with data
    assert "本月无预警" not in text and "低于管理员设定下限 95.0%" in text
    assert "/metric/plea_rate?period=2024-06&units=140802" in text and "/metric/plea_rate?period=2024-06\"" in text


def test_the_overview_lists_the_data_months_alerts_on_the_demo(demo_copy, tmp_path):
    """On a private copy of the small demo store (conftest `demo_copy`): the test writes
    thresholds and accounts."""
    from cockpit.metrics.query import MetricStore
    engine = demo_copy
    store_ = MetricStore.load(engine)
    month = store_.data_month
    A.save_threshold(engine, Threshold("plea_rate", None, lower=99.9, label="演示"))
    expected = A.evaluate(store_, month, A.load_thresholds(engine))
    assert any(a.rule == "threshold" for a in expected) and any(a.rule == "target" for a in expected)
    for a in expected:                                # nothing flagged, nothing past the data month
        cell = store_.query(a.metric_id, a.unit, a.month).iloc[0]
        assert cell["status"] == "ok" and not cell["flag"] and a.month == month
    app = T.shared_app()
    with T.use_engine(app, engine, landing=tmp_path / "landing"):
        client = signed_in(app, engine, "leader")
        page = T.post_page(client, "/")
        assert page.status_code == 200 and "预警清单" in text_of(page) and "home-alerts" in text_of(page)
        resp = post(client, HOME_ALERTS, **{"home-params": {"period": month, "query": {}, "map": "non_arrest_rate"}})
        assert resp.status_code == 200
        text = text_of(resp)
    assert "本月无预警" not in text and f"{int(month[:4])}年{int(month[5:])}月" in text
    first = expected[0]
    link = f"/metric/{first.metric_id}?period={month}" + ("" if first.unit == CITY else f"&units={first.unit}")
    assert link in text and first.reason in text
    assert "低于管理员设定下限 99.9%（演示）" in text
