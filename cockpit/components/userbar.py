"""Who is signed in, top right of every browser page: name, role and unit, the admin pages
for administrators, and 退出登录. Outside the pages' (shared, cached) layouts: the app layout
builds it per request. The wall shows none (its kiosk session has no person; CSS hides the bar
on /screen for an administrator looking at the wall)."""
from __future__ import annotations

import dash
from dash import html

from cockpit.auth import current_principal, roles
from cockpit.metrics import units as U


def user_bar():
    principal = current_principal()
    if principal is None or principal.kind == "kiosk":
        return None
    if principal.kind == "open":
        return html.Div(html.Span("未启用登录（仅限开发环境）", className="cockpit-user-warn"),
                        className="cockpit-userbar")
    role = roles.ROLES.get(principal.role, principal.role)
    unit = U.UNIT_BY_CODE.get(principal.unit or "")
    who = f"{principal.label} · {role}" + (f" · {unit.short}" if unit else "")
    links = []
    if principal.role == roles.ADMIN:
        links.append(html.A("系统管理", href=dash.get_relative_path("/admin/users"), className="cockpit-user-link"))
    if principal.kind == "user":
        links.append(html.A("修改密码", href=dash.get_relative_path("/account/password"),
                            className="cockpit-user-link", id="cockpit-password"))
    links.append(html.A("退出登录", href=dash.get_relative_path("/logout"), className="cockpit-user-link",
                        id="cockpit-logout"))
    return html.Div([html.Span(who, className="cockpit-user-name", id="cockpit-user")] + links,
                    className="cockpit-userbar")
