"""/admin/annotations — the events drawn on the trend charts (大事记): 专项行动, 口径变更, a gap in
the data … recorded by an administrator; the platform launches are built in and listed.

An event is one month or a span of months, city-wide or for one unit, for every indicator, one
catalog group or one indicator (`cockpit.metrics.annotations`); every change is written to the
audit log here. Like the other admin pages the layout holds no data: the list is filled by a
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
from cockpit.metrics import annotations as N
from cockpit.metrics import units as U
from cockpit.metrics.catalog import GROUP_LABEL, METRICS

dash.register_page(__name__, path="/admin/annotations", name="大事记", title=f"大事记 · {TITLE}", order=104)

KIND_OPTIONS = [{"label": N.KIND_LABEL[k], "value": k} for k in N.KINDS]
UNIT_OPTIONS = ([{"label": "全市（各院均适用）", "value": ALL}]
                + [{"label": f"{u.short}（{u.code}）", "value": u.code} for u in U.UNITS])
SCOPE_OPTIONS = ([{"label": "全部指标", "value": ALL}]
                 + [{"label": f"{label}类指标（整组）", "value": f"group:{g}"} for g, label in GROUP_LABEL.items()]
                 + [{"label": f"{m.group_label} · {m.name}", "value": f"metric:{m.id}"} for m in METRICS])


def layout(**_query):
    launches = [[a.when, a.title, a.scope, a.detail] for a in sorted(N.platform_launches(), key=lambda a: a.month)]
    return admin_page(
        "annotations", "大事记", "记录专项行动、口径变更、数据缺失等事件；事件以竖线（持续一段时间的为阴影）标在各页面的趋势图上。",
        section("新增事件", html.Div([
            field("类型", dbc.Select(id="ann-kind", options=KIND_OPTIONS, value=N.CAMPAIGN, size="sm")),
            field("标题", dbc.Input(id="ann-title", placeholder="如 扫黑除恶专项行动", maxLength=N.TITLE_MAX, size="sm")),
            field("月份", dbc.Input(id="ann-month", placeholder="如 2024-03", maxLength=7, size="sm")),
            field("结束月份", dbc.Input(id="ann-end", placeholder="可选，持续多月时填写", maxLength=7, size="sm")),
            field("单位", dbc.Select(id="ann-unit", options=UNIT_OPTIONS, value=ALL, size="sm")),
            field("指标", dbc.Select(id="ann-scope", options=SCOPE_OPTIONS, value=ALL, size="sm")),
        ], className="rec-controls"), html.Div([
            field("说明", dbc.Textarea(id="ann-detail", placeholder="可选：事件的背景和对数据的影响（悬停时显示）",
                                     maxLength=N.DETAIL_MAX, rows=2)),
            dbc.Button("保存", id="ann-add", color="primary", size="sm"),
        ], className="rec-controls"), html.Div(id="ann-msg"),
            note="标题不超过40个字；全市事件标在各院的图上，单位事件只标在该院的图上"),
        section("已记录的事件", html.Div(id="ann-table"), html.Div([
            field("事件", dbc.Select(id="ann-select", options=[], size="sm")),
            dbc.Button("删除", id="ann-delete", color="danger", outline=True, size="sm"),
        ], className="rec-controls")),
        section("平台上线（系统内置，无需录入）", table(["月份", "标题", "适用范围", "说明"], launches)),
        dcc.Store(id="ann-version", data=0),
    )


def _alert(text, color="success"):
    return dbc.Alert(text, color=color, class_name="mt-2")


def _scope(value) -> tuple[str | None, str | None]:
    """(metric_id, metric_group) of the scope select."""
    value = value or ""
    if value.startswith("metric:"):
        return value.removeprefix("metric:"), None
    if value.startswith("group:"):
        return None, value.removeprefix("group:")
    return None, None


def _detail(a: N.Annotation) -> dict:
    return {"annotation_id": a.id, "kind": a.kind, "month": a.month, "end_month": a.end_month,
            "unit": a.unit or audit.EVERY_UNIT, "metric": a.metric_id, "group": a.metric_group}


@callback(Output("ann-msg", "children"), Output("ann-version", "data"),
          Input("ann-add", "n_clicks"), Input("ann-delete", "n_clicks"),
          State("ann-kind", "value"), State("ann-title", "value"), State("ann-month", "value"),
          State("ann-end", "value"), State("ann-unit", "value"), State("ann-scope", "value"),
          State("ann-detail", "value"), State("ann-select", "value"), State("ann-version", "data"),
          prevent_initial_call=True)
def annotation_action(_add, _delete, kind, title, month, end, unit, scope, detail, selected, version):
    require_admin()
    engine = data.engine()
    actor = current_principal()
    version = (version or 0) + 1
    try:
        if ctx.triggered_id == "ann-add":
            metric_id, group = _scope(scope)
            a = N.save_annotation(engine, N.Annotation(
                kind or "", title or "", month or "", end or None, detail or "",
                None if unit in (None, "", ALL) else unit, metric_id, group,
                created_by=actor.name if actor else None))
            audit.record("annotation_saved", _detail(a), subject=a.title)
            return _alert(f"已保存：{a.when} {a.kind_label}“{a.title}”（{a.scope}）。"), version
        if ctx.triggered_id == "ann-delete":
            try:
                annotation_id = int(selected)
            except (TypeError, ValueError):
                return _alert("请先选择要删除的事件。", "warning"), no_update
            a = N.delete_annotation(engine, annotation_id)
            if a is None:
                return _alert("该事件已被删除。", "warning"), version
            audit.record("annotation_deleted", _detail(a), subject=a.title)
            return _alert(f"已删除：{a.when}“{a.title}”。"), version
    except N.AnnotationError as err:
        return _alert(str(err), "danger"), no_update
    return no_update, no_update


@callback(Output("ann-table", "children"), Output("ann-select", "options"), Input("ann-version", "data"))
def annotations_table(_version):
    require_admin()
    rows = N.stored_annotations(data.engine())
    body, options = [], []
    for a in rows:
        body.append([str(a.id), a.when, a.kind_label, a.title, a.scope, a.detail, a.created_by or "",
                     fmt_time(a.created_at)])
        options.append({"label": f"#{a.id} {a.when} {a.title}", "value": str(a.id)})
    return table(["编号", "月份", "类型", "标题", "适用范围", "说明", "记录人", "记录时间"], body, "尚未记录事件",
                 nowrap=(1, 7)), options
