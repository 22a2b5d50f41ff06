"""/admin/users — accounts and the wall's kiosk tokens (administrators only).

The layout holds no data (Dash sends every page's layout to every client as its validation
layout): the tables are filled by callbacks, and callbacks of `cockpit.pages.admin_*` modules
are refused by the guard for every role but admin. A generated password or kiosk address is
shown once, in the answer to the action that created it, and never stored in clear.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from flask import request

from cockpit import data
from cockpit.auth import audit, models, roles
from cockpit.auth.admin_locks import locks_section
from cockpit.auth.admin_ui import ALL, admin_page, field, fmt_time, require_admin, section, table
from cockpit.auth.context import current_principal
from cockpit.components.shell import TITLE
from cockpit.metrics import units as U

dash.register_page(__name__, path="/admin/users", name="用户管理", title=f"用户管理 · {TITLE}", order=100)

ROLE_OPTIONS = [{"label": label, "value": key} for key, label in roles.ROLES.items()]
UNIT_OPTIONS = [{"label": "（不指定）", "value": ALL}] + [{"label": f"{u.short}（{u.code}）", "value": u.code}
                                                       for u in U.UNITS]


def layout(**_query):
    return admin_page(
        "users", "用户与大屏令牌", "新增账户、停用、重置密码；为指挥中心大屏发放或撤销令牌。",
        section("新增用户", html.Div([
            field("用户名", dbc.Input(id="adm-new-name", placeholder="如 zhangsan", maxLength=32, size="sm")),
            field("姓名", dbc.Input(id="adm-new-fullname", placeholder="可选", maxLength=64, size="sm")),
            field("角色", dbc.Select(id="adm-new-role", options=ROLE_OPTIONS, value=roles.COUNTY, size="sm")),
            field("所属单位", dbc.Select(id="adm-new-unit", options=UNIT_OPTIONS, value=ALL, size="sm")),
            dbc.Button("新增", id="adm-add", color="primary", size="sm"),
        ], className="rec-controls"), note="基层院账户必须指定所属单位；密码由系统生成，只显示一次"),
        section("账户操作", html.Div([
            field("用户", dbc.Select(id="adm-user-select", options=[], size="sm")),
            dbc.Button("停用", id="adm-disable", color="danger", outline=True, size="sm"),
            dbc.Button("启用", id="adm-enable", color="secondary", outline=True, size="sm"),
            dbc.Button("重置密码", id="adm-reset", color="warning", outline=True, size="sm"),
            dbc.Button("解除锁定", id="adm-unlock", color="secondary", outline=True, size="sm"),
            field("新角色", dbc.Select(id="adm-set-role", options=ROLE_OPTIONS, size="sm")),
            field("新单位", dbc.Select(id="adm-set-unit", options=UNIT_OPTIONS, value=ALL, size="sm")),
            dbc.Button("变更角色", id="adm-role", color="secondary", outline=True, size="sm"),
        ], className="rec-controls"), html.Div(id="adm-user-msg")),
        section("全部用户", html.Div(id="adm-users-table")),
        section("大屏令牌", html.Div([
            field("大屏名称", dbc.Input(id="adm-kiosk-label", placeholder="如 指挥中心主屏", maxLength=64, size="sm")),
            dbc.Button("发放令牌", id="adm-kiosk-issue", color="primary", size="sm"),
            field("令牌", dbc.Select(id="adm-kiosk-select", options=[], size="sm")),
            dbc.Button("撤销", id="adm-kiosk-revoke", color="danger", outline=True, size="sm"),
        ], className="rec-controls"), html.Div(id="adm-kiosk-msg"), html.Div(id="adm-kiosk-table"),
            note="大屏用发放令牌时显示的地址（含令牌）打开；撤销后该大屏立即失去访问权限"),
        locks_section(),
        dcc.Store(id="adm-users-version", data=0),
        dcc.Store(id="adm-kiosk-version", data=0),
    )


def _actor():
    return current_principal()


def _alert(text, color="success", extra=None):
    return dbc.Alert([html.Div(text)] + ([extra] if extra is not None else []), color=color, class_name="mt-2")


def _secret(label: str, value: str):
    return html.Div([html.Span(label), html.Code(value, className="admin-secret")], className="mt-1")


@callback(Output("adm-user-msg", "children"), Output("adm-users-version", "data"),
          Input("adm-add", "n_clicks"), Input("adm-disable", "n_clicks"), Input("adm-enable", "n_clicks"),
          Input("adm-reset", "n_clicks"), Input("adm-unlock", "n_clicks"), Input("adm-role", "n_clicks"),
          State("adm-new-name", "value"), State("adm-new-fullname", "value"), State("adm-new-role", "value"),
          State("adm-new-unit", "value"), State("adm-user-select", "value"), State("adm-set-role", "value"),
          State("adm-set-unit", "value"), State("adm-users-version", "data"), prevent_initial_call=True)
def user_action(_add, _dis, _en, _reset, _unlock, _role, new_name, full_name, new_role, new_unit, selected,
                set_role, set_unit, version):
    require_admin()
    engine = data.engine()
    actor = _actor()
    by = actor.name if actor else None
    action = ctx.triggered_id
    new_unit = None if new_unit in (None, "", ALL) else new_unit
    set_unit = None if set_unit in (None, "", ALL) else set_unit
    version = (version or 0) + 1
    try:
        if action == "adm-add":
            name, password = models.add_user(engine, new_name or "", new_role or "", new_unit or None, full_name, by=by)
            audit.record("user_added", {"role": new_role, "unit": new_unit or None}, subject=name)
            return _alert(f"已新增用户「{name}」。请把初始密码当面告知本人（只显示这一次）：", extra=_secret("初始密码：", password)), version
        if not selected:
            return _alert("请先选择一个用户。", "warning"), no_update
        if action == "adm-disable":
            if actor and selected == actor.name:
                return _alert("不能停用自己的账户。", "warning"), no_update
            models.set_active(engine, selected, False)
            audit.record("user_disabled", subject=selected)
            return _alert(f"已停用用户「{selected}」，其登录已立即失效。"), version
        if action == "adm-enable":
            models.set_active(engine, selected, True)
            audit.record("user_enabled", subject=selected)
            return _alert(f"已启用用户「{selected}」。"), version
        if action == "adm-reset":
            password = models.reset_password(engine, selected)
            audit.record("user_reset", subject=selected)
            return _alert(f"已重置用户「{selected}」的密码，其登录已失效（只显示这一次）：",
                          extra=_secret("新密码：", password)), version
        if action == "adm-unlock":
            n = models.unlock(engine, selected)
            audit.record("user_unlocked", {"locks": n}, subject=selected)
            return _alert(f"已解除用户「{selected}」的登录锁定（{n} 条）。"), version
        if action == "adm-role":
            if not set_role:
                return _alert("请选择新角色。", "warning"), no_update
            if actor and selected == actor.name and set_role != roles.ADMIN:
                return _alert("不能取消自己的管理员角色。", "warning"), no_update
            models.set_role(engine, selected, set_role, set_unit or None)
            audit.record("user_role", {"role": set_role, "unit": set_unit or None}, subject=selected)
            return _alert(f"已将用户「{selected}」的角色改为「{roles.ROLES[set_role]}」，其登录已失效。"), version
    except models.UserError as err:
        return _alert(str(err), "danger"), no_update
    return no_update, no_update


@callback(Output("adm-users-table", "children"), Output("adm-user-select", "options"),
          Input("adm-users-version", "data"))
def users_table(_version):
    require_admin()
    rows = models.list_users(data.engine())
    body = [[r.name, r.full_name or "", roles.ROLES.get(r.role, r.role),
             U.UNIT_BY_CODE[r.unit_code].short if r.unit_code in U.UNIT_BY_CODE else "",
             "正常" if r.active else "已停用", fmt_time(r.last_login_at), fmt_time(r.created_at), r.created_by or ""]
            for r in rows]
    options = [{"label": f"{r.name}{'（已停用）' if not r.active else ''}", "value": r.name} for r in rows]
    return table(["用户名", "姓名", "角色", "单位", "状态", "最近登录", "创建时间", "创建人"], body, "尚无用户", nowrap=(5, 6)), options


@callback(Output("adm-kiosk-msg", "children"), Output("adm-kiosk-version", "data"),
          Input("adm-kiosk-issue", "n_clicks"), Input("adm-kiosk-revoke", "n_clicks"),
          State("adm-kiosk-label", "value"), State("adm-kiosk-select", "value"), State("adm-kiosk-version", "data"),
          prevent_initial_call=True)
def kiosk_action(_issue, _revoke, label, selected, version):
    require_admin()
    engine = data.engine()
    actor = _actor()
    version = (version or 0) + 1
    try:
        if ctx.triggered_id == "adm-kiosk-issue":
            kid, token = models.issue_kiosk(engine, label or "", by=actor.name if actor else None)
            audit.record("kiosk_issued", {"kiosk_id": kid}, subject=label)
            url = request.host_url.rstrip("/") + "/screen?token=" + token
            return _alert(f"已为「{label.strip()}」发放令牌。请在大屏浏览器中打开以下地址（只显示这一次，请妥善保管）：",
                          extra=_secret("大屏地址：", url)), version
        if ctx.triggered_id == "adm-kiosk-revoke":
            if not selected:
                return _alert("请先选择要撤销的令牌。", "warning"), no_update
            rows = models.revoke_kiosk(engine, selected, by=actor.name if actor else None)
            for r in rows:
                audit.record("kiosk_revoked", {"kiosk_id": r.id}, subject=r.label)
            return _alert(f"已撤销令牌「{rows[0].label}」，该大屏立即失去访问权限。"), version
    except models.UserError as err:
        return _alert(str(err), "danger"), no_update
    return no_update, no_update


@callback(Output("adm-kiosk-table", "children"), Output("adm-kiosk-select", "options"),
          Input("adm-kiosk-version", "data"))
def kiosk_table(_version):
    require_admin()
    rows = models.list_kiosks(data.engine())
    body = [[str(r.id), r.label, fmt_time(r.created_at), r.created_by or "", fmt_time(r.last_used_at),
             "已撤销 " + fmt_time(r.revoked_at) if r.revoked_at else "有效"] for r in rows]
    options = [{"label": f"#{r.id} {r.label}", "value": str(r.id)} for r in rows if r.revoked_at is None]
    return table(["编号", "大屏名称", "发放时间", "发放人", "最近使用", "状态"], body, "尚未发放大屏令牌"), options
