"""/admin/alerts — the alert thresholds an administrator sets per indicator (预警阈值).

A threshold is a lower and/or upper bound for one indicator, for one unit, 全市 or every unit,
in the indicator's display unit. The rules that read them (and the declared targets and the
control limits beside them) are `cockpit.metrics.alerts`; every change is written to the audit
log here. Like the other admin pages the layout holds no data: the list is filled by a
callback, and callbacks of `cockpit.pages.admin_*` are refused for every role but admin.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from cockpit import data
from cockpit.auth import audit
from cockpit.auth.admin_ui import ALL, admin_page, field, fmt_time, require_admin, section, table
from cockpit.auth.context import current_principal
from cockpit.components.shell import TITLE
from cockpit.metrics import alerts as A
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, METRICS

dash.register_page(__name__, path="/admin/alerts", name="预警阈值", title=f"预警阈值 · {TITLE}", order=103)

METRIC_OPTIONS = [{"label": f"{m.group_label} · {m.name}（{m.unit}）", "value": m.id} for m in METRICS]
UNIT_OPTIONS = ([{"label": "全部单位（全市及各院）", "value": ALL}, {"label": "全市", "value": U.CITY}]
                + [{"label": f"{u.short}（{u.code}）", "value": u.code} for u in U.UNITS])


def layout(**_query):
    targets = [[m.name, f"{A.fmt(m, m.target)}", "低于目标预警" if m.better_when_higher else "高于目标预警"]
               for m in METRICS if A.target_applies(m)]
    return admin_page(
        "alerts", "预警阈值", "为指标设定预警上下限；总览的预警清单同时列出未达目标和超出本单位控制限的数值。",
        section("新增阈值", html.Div([
            field("指标", dbc.Select(id="thr-metric", options=METRIC_OPTIONS, size="sm")),
            field("单位", dbc.Select(id="thr-unit", options=UNIT_OPTIONS, value=ALL, size="sm")),
            field("下限", dbc.Input(id="thr-lower", placeholder="如 80", inputMode="decimal", maxLength=16, size="sm")),
            field("上限", dbc.Input(id="thr-upper", placeholder="如 30", inputMode="decimal", maxLength=16, size="sm")),
            field("说明", dbc.Input(id="thr-label", placeholder="可选，如 重点关注", maxLength=64, size="sm")),
            dbc.Button("保存", id="thr-add", color="primary", size="sm"),
        ], className="rec-controls"), html.Div(id="thr-hint", className="rec-privacy"), html.Div(id="thr-msg"),
            note="数值按指标的显示单位填写（比率填百分数，如 80 表示 80%）；等于上下限不预警"),
        section("已设阈值", html.Div(id="thr-table"), html.Div([
            field("阈值", dbc.Select(id="thr-select", options=[], size="sm")),
            dbc.Button("删除", id="thr-delete", color="danger", outline=True, size="sm"),
        ], className="rec-controls")),
        section("指标目标（指标目录中声明，无需设定）",
                table(["指标", "目标", "规则"], targets, "目录中没有声明目标的指标"),
                note="核查中、办理中、样本少、未上线、无数据、不适用的数值一律不预警"),
        dcc.Store(id="thr-version", data=0),
    )


def _alert(text, color="success"):
    return dbc.Alert(text, color=color, class_name="mt-2")


def _number(raw):
    """A bound as typed: None when empty, the text otherwise (alerts.validate reads it)."""
    if raw is None:
        return None
    text = str(raw).strip().replace("％", "").replace("%", "")
    return text or None


def _unit_text(unit: str | None) -> str:
    return "全部单位" if unit is None else U.label(unit)


def _bound(metric_id: str, v) -> str:
    m = METRIC_BY_ID.get(metric_id)
    if v is None:
        return "—"
    return A.fmt(m, v) if m else str(v)


@callback(Output("thr-hint", "children"), Input("thr-metric", "value"))
def metric_hint(metric_id):
    require_admin()
    m = METRIC_BY_ID.get(metric_id or "")
    if m is None:
        return ""
    low, high = A.sides(m)
    text = ("越高越好：只能设定下限。" if not high else "越低越好：只能设定上限。" if not low else
            "可设定下限和上限，超出时列为“异常波动”（不评优劣）。")
    if A.target_applies(m):
        text += f"目录中已声明目标 {A.fmt(m, m.target)}。"
    return text


@callback(Output("thr-msg", "children"), Output("thr-version", "data"),
          Input("thr-add", "n_clicks"), Input("thr-delete", "n_clicks"),
          State("thr-metric", "value"), State("thr-unit", "value"), State("thr-lower", "value"),
          State("thr-upper", "value"), State("thr-label", "value"), State("thr-select", "value"),
          State("thr-version", "data"), prevent_initial_call=True)
def threshold_action(_add, _delete, metric_id, unit, lower, upper, label, selected, version):
    require_admin()
    engine = data.engine()
    actor = current_principal()
    version = (version or 0) + 1
    try:
        if ctx.triggered_id == "thr-add":
            unit = None if unit in (None, "", ALL) else unit
            t = A.save_threshold(engine, A.Threshold(metric_id or "", unit, _number(lower), _number(upper),
                                                     label or "", set_by=actor.name if actor else None))
            audit.record("threshold_saved", {"threshold_id": t.id, "metric": t.metric_id,
                                             "unit": t.unit or audit.EVERY_UNIT, "lower": t.lower,
                                             "upper": t.upper}, subject=t.label or None)
            m = METRIC_BY_ID[t.metric_id]
            bounds = "，".join(f"{word} {_bound(m.id, v)}" for word, v in (("下限", t.lower), ("上限", t.upper))
                               if v is not None)
            return _alert(f"已保存：{m.name}（{_unit_text(t.unit)}）{bounds}。"), version
        if ctx.triggered_id == "thr-delete":
            if not selected:
                return _alert("请先选择要删除的阈值。", "warning"), no_update
            try:
                threshold_id = int(selected)
            except (TypeError, ValueError):
                return _alert("请先选择要删除的阈值。", "warning"), no_update
            t = A.delete_threshold(engine, threshold_id)
            if t is None:
                return _alert("该阈值已被删除。", "warning"), version
            audit.record("threshold_deleted", {"threshold_id": t.id, "metric": t.metric_id,
                                               "unit": t.unit or audit.EVERY_UNIT, "lower": t.lower,
                                               "upper": t.upper}, subject=t.label or None)
            name = METRIC_BY_ID[t.metric_id].name if t.metric_id in METRIC_BY_ID else t.metric_id
            return _alert(f"已删除：{name}（{_unit_text(t.unit)}）的阈值。"), version
    except A.ThresholdError as err:
        return _alert(str(err), "danger"), no_update
    return no_update, no_update


@callback(Output("thr-table", "children"), Output("thr-select", "options"), Input("thr-version", "data"))
def thresholds_table(_version):
    require_admin()
    rows = A.load_thresholds(data.engine())
    body, options = [], []
    for t in rows:
        name = METRIC_BY_ID[t.metric_id].name if t.metric_id in METRIC_BY_ID else t.metric_id
        body.append([str(t.id), name, _unit_text(t.unit), _bound(t.metric_id, t.lower), _bound(t.metric_id, t.upper),
                     t.label, t.set_by or "", fmt_time(t.set_at)])
        options.append({"label": f"#{t.id} {name}（{_unit_text(t.unit)}）", "value": str(t.id)})
    return table(["编号", "指标", "单位", "下限", "上限", "说明", "设定人", "设定时间"], body, "尚未设定预警阈值",
                 nowrap=(7,)), options
