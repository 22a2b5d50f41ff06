"""The sign-in locks in force, and lifting them, on /admin/users (section "登录锁定").

Locks on one name at one address can also be lifted by name ("解除锁定" in 账户操作); the
locks on a whole address (password spraying) and on invalid wall tokens have no user name, so
they are listed here by address and lifted one by one. Callbacks of `cockpit.auth.*` modules
are refused by the guard for every role but admin (roles.CALLBACK_RULES); every lift is
audited as `lock_lifted`.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from cockpit import data
from cockpit.auth import audit, lockout
from cockpit.auth.admin_ui import field, fmt_time, require_admin, section, table

SECTION_ID = "adm-locks"


def locks_section():
    """The section (no data in it: the table is filled by a callback)."""
    return section("登录锁定", html.Div([
        field("锁定", dbc.Select(id="adm-lock-select", options=[], size="sm")),
        dbc.Button("解除", id="adm-lock-lift", color="secondary", outline=True, size="sm"),
        dbc.Button("刷新", id="adm-lock-refresh", color="secondary", outline=True, size="sm"),
    ], className="rec-controls"), html.Div(id="adm-lock-msg"), html.Div(id="adm-lock-table"),
        dcc.Store(id="adm-lock-version", data=0),
        note="登录失败或无效大屏令牌过多时按地址暂时锁定（15 分钟）；有效的大屏令牌不受锁定影响", id=SECTION_ID)


def _label(row) -> str:
    return f"#{row.id} {lockout.describe(row.name)} @ {row.remote_addr}"


@callback(Output("adm-lock-msg", "children"), Output("adm-lock-version", "data"),
          Input("adm-lock-lift", "n_clicks"), Input("adm-lock-refresh", "n_clicks"),
          State("adm-lock-select", "value"), State("adm-lock-version", "data"), prevent_initial_call=True)
def lock_action(_lift, _refresh, selected, version):
    require_admin()
    version = (version or 0) + 1
    if ctx.triggered_id != "adm-lock-lift":
        return None, version
    if not selected or not str(selected).isdigit():
        return dbc.Alert("请先选择要解除的锁定。", color="warning", class_name="mt-2"), no_update
    row = lockout.lift(data.engine(), int(selected))
    if row is None:
        return dbc.Alert("该锁定已到期或已被解除。", color="info", class_name="mt-2"), version
    audit.record("lock_lifted", {"lock_id": row.id, "name": row.name, "address": row.remote_addr,
                                 "until": row.until.isoformat(timespec="seconds") + "Z"},
                 subject=f"{lockout.describe(row.name)} @ {row.remote_addr}"[:200])
    return dbc.Alert(f"已解除锁定：{lockout.describe(row.name)}，地址 {row.remote_addr}。", color="success",
                     class_name="mt-2"), version


@callback(Output("adm-lock-table", "children"), Output("adm-lock-select", "options"),
          Input("adm-lock-version", "data"))
def lock_table(_version):
    require_admin()
    rows = lockout.active_locks(data.engine())
    body = [[str(r.id), lockout.describe(r.name), r.remote_addr, fmt_time(r.locked_at), fmt_time(r.until)]
            for r in rows]
    options = [{"label": _label(r), "value": str(r.id)} for r in rows]
    return table(["编号", "锁定范围", "地址", "锁定时间", "解除时间"], body, "当前没有锁定", nowrap=(3, 4)), options
