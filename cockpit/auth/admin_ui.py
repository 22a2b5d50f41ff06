"""Shared pieces of the admin pages (cockpit/pages/admin_*.py): the chrome with the admin tabs,
time formatting, small tables. No callbacks here (callbacks live in the page modules, whose
`cockpit.pages.admin_` prefix makes them admin-only in roles.CALLBACK_RULES).

Every value is put into Dash components as text (React escapes it): names, file names, audit
details and rejected rows containing `<script>`, `javascript:` or SQL stay inert text.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dash.exceptions import PreventUpdate

from cockpit.auth import context, roles
from cockpit.auth.models import fmt_time  # noqa: F401 - re-exported for the admin pages
from cockpit.components.pickers import localize
from cockpit.components.shell import browser_page

TABS = (
    ("users", "/admin/users", "用户与大屏令牌"),
    ("uploads", "/admin/uploads", "数据上传与导入台账"),
    ("alerts", "/admin/alerts", "预警阈值"),
    ("annotations", "/admin/annotations", "大事记"),
    ("audit", "/admin/audit", "审计日志"),
    ("quality", "/data-quality", "数据质量"),   # not an admin page: leaders and counties may open it too
)


def admin_tabs(active: str) -> dbc.Nav:
    return dbc.Nav([dbc.NavItem(dbc.NavLink(label, href=path, active=key == active, class_name="rec-tab"))
                    for key, path, label in TABS], pills=True, class_name="rec-tabs admin-tabs")


def require_admin() -> None:
    """Second line of defence inside every admin callback (the guard is the first): only a
    signed-in administrator, and never while sign-in is switched off."""
    principal = context.current_principal()
    if not context.enabled() or principal is None or principal.role != roles.ADMIN:
        raise PreventUpdate


def admin_page(active: str, title: str, subtitle: str, *children) -> html.Div:
    notice = None if context.enabled() else dbc.Alert(
        "登录功能已关闭（环境变量 COCKPIT_AUTH=off，仅限开发环境）：管理功能不可用。", color="warning")
    return browser_page(
        html.Div([admin_tabs(active), notice, *children], className="admin-page"),
        title=title, subtitle=subtitle, class_name="page-admin",
    )


def section(title: str, *children, note: str | None = None, id: str | None = None) -> html.Section:
    head = [html.H2(title, className="section-title")]
    if note:
        head.append(html.Span(note, className="rec-privacy"))
    kwargs = {"id": id} if id else {}
    return html.Section([html.Div(head, className="section-head"), *children],
                        className="cockpit-section admin-section", **kwargs)


NOWRAP = {"whiteSpace": "nowrap"}
ALL = "-"   # the "no filter / not set" value of selects (dbc.Select cannot show an empty value)


def table(headers: list[str], rows: list[list], empty: str = "暂无记录", nowrap: tuple[int, ...] = ()) -> html.Div:
    """A plain table; every cell is text (str()), so nothing in it is ever interpreted."""
    if not rows:
        return html.Div(empty, className="cockpit-state state-empty")
    head = html.Thead(html.Tr([html.Th(h, style=NOWRAP) for h in headers]))
    body = html.Tbody([html.Tr([html.Td("" if v is None else str(v), style=NOWRAP if i in nowrap else None)
                                for i, v in enumerate(row)]) for row in rows])
    return dbc.Table([head, body], size="sm", hover=True, striped=True, responsive=True,
                     class_name="cockpit-table admin-table")


def field(label: str, control) -> html.Div:
    """A labelled control; a select gets a Chinese placeholder (and texts) if it has none."""
    return html.Div([html.Span(label, className="picker-label"), localize(control, f"选择{label}")],
                    className="cockpit-picker")


def loading(child) -> dcc.Loading:
    return dcc.Loading(child, type="default", delay_show=200)
