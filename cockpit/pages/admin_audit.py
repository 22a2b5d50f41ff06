"""/admin/audit — the audit log (administrators only): who did what, when, from where.

Filled by a callback (no data in the layout). Every field is shown as text: the names typed
into the login form by strangers end up here, so nothing of it is ever interpreted.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, html

from cockpit import data
from cockpit.auth import audit, roles
from cockpit.auth.admin_ui import ALL, admin_page, field, fmt_time, loading, require_admin, section, table
from cockpit.components.shell import TITLE

dash.register_page(__name__, path="/admin/audit", name="审计日志", title=f"审计日志 · {TITLE}", order=102)

PAGE_SIZE = 50
EVENT_OPTIONS = [{"label": "全部事件", "value": ALL}] + [{"label": v, "value": k} for k, v in audit.EVENTS.items()]


def layout(**_query):
    return admin_page(
        "audit", "审计日志", "登录与登录失败、锁定、退出、上传、导出、查看明细、用户变更：谁、何时、从哪里。",
        section("筛选", html.Div([
            field("事件", dbc.Select(id="aud-event", options=EVENT_OPTIONS, value=ALL, size="sm")),
            field("用户", dbc.Input(id="aud-actor", placeholder="用户名包含…", debounce=True, maxLength=80, size="sm")),
        ], className="rec-controls")),
        section("日志", loading(html.Div(id="aud-table")), html.Div([
            html.Span(id="aud-count", className="rec-count"),
            dbc.Pagination(id="aud-page", max_value=1, active_page=1, fully_expanded=False, first_last=True,
                           previous_next=True, size="sm"),
        ], className="rec-foot"), note="时间为北京时间"),
    )


@callback(Output("aud-table", "children"), Output("aud-page", "max_value"), Output("aud-page", "active_page"),
          Output("aud-count", "children"),
          Input("aud-event", "value"), Input("aud-actor", "value"), Input("aud-page", "active_page"))
def audit_table(event, actor, active_page):
    require_admin()
    page = max(0, int(active_page or 1) - 1)
    if ctx.triggered_id in ("aud-event", "aud-actor"):
        page = 0
    rows, total = audit.entries(data.engine(), event if event and event != ALL else None, (actor or "").strip() or None, page, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    body = [[fmt_time(r.at), r.actor or "", roles.ROLES.get(r.role or "", r.role or ""),
             audit.EVENTS.get(r.event, r.event), audit.describe_subject(r.event, r.subject),
             audit.describe(r.detail), r.remote_addr or ""]
            for r in rows]
    grid = table(["时间", "用户", "角色", "事件", "对象", "详情", "地址"], body, "没有符合条件的记录", nowrap=(0, 2, 3))
    return grid, pages, min(page + 1, pages), f"共 {total:,} 条 · 第 {min(page + 1, pages)}/{pages} 页"
