"""/admin/uploads — upload export files, load them, see the result and the ledger (admins only).

The browser first checks the size of each file (a clientside callback: nothing over the limit
is sent); the server checks name, size, magic bytes and that the file is one of the exports
(cockpit.auth.upload), stores it in LANDING/uploads/<date>/ and runs the ETL. The answer lists
per file the rows read, loaded and rejected, the reasons of the rejected rows with personal data
masked (etl_reject.raw holds the row as it came), and the ledger (etl_file) below.

Uploads travel as a Dash callback (base64 in JSON); the callback is protected like every other
one: the session, the admin role, and the CSRF header.
"""
from __future__ import annotations

import base64
import binascii

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from cockpit import data
from cockpit.auth import audit, context
from cockpit.auth import upload as UP
from cockpit.auth.admin_ui import admin_page, require_admin, field, loading, section, table
from cockpit.auth.settings import Settings
from cockpit.components.shell import TITLE
from cockpit.metrics.contracts import SOURCE_BY_ID
from etl.ingest import STATUS_LABEL

dash.register_page(__name__, path="/admin/uploads", name="数据上传", title=f"数据上传 · {TITLE}", order=101)

LEDGER_ROWS = 50


def _settings() -> Settings:
    st = context.state()
    return st.settings if st is not None else Settings.from_env()


def layout(**_query):
    limit = _settings().upload_max_bytes
    return admin_page(
        "uploads", "数据上传与导入台账", "上传业务系统和各平台的导出文件，系统立即导入并给出每个文件的结果。",
        section("上传导出文件", dcc.Upload(
            id="adm-upload", multiple=True, accept=".csv,.xlsx,.xls",
            children=html.Div([html.Div("将导出文件拖到此处，或点击选择文件", className="upload-title"),
                               html.Div(f"只接受 CSV、XLSX、XLS；单个文件不超过 {UP.size_text(limit)}；一次最多 20 个",
                                        className="upload-sub")]),
            className="admin-upload",
            style={"border": "2px dashed #9fb3cf", "borderRadius": "8px", "padding": "28px", "textAlign": "center",
                   "cursor": "pointer", "background": "#f7f9fc"}),
            loading(html.Div(id="adm-upload-result")),
            note="个人信息已脱敏显示"),
        section("导入台账", html.Div(id="adm-ledger"),
                html.Div([field("查看退回明细", dbc.Select(id="adm-ledger-file", options=[], size="sm"))],
                         className="rec-controls"),
                loading(html.Div(id="adm-ledger-rejects")),
                note="最近 50 个文件；退回行的个人信息已脱敏"),
        section("撤回未导入的文件",
                html.Div([field("已上传但没有数据入库的文件", dbc.Select(id="adm-withdraw-file", options=[], size="sm")),
                          dbc.Button("撤回所选文件", id="adm-withdraw", color="danger", outline=True, size="sm")],
                         className="rec-controls"),
                html.Div(id="adm-withdraw-result"),
                note="撤回即从服务器删除该文件，导入台账保留记录；已有数据入库的文件不能撤回"),
        dcc.Store(id="adm-withdraw-version", data=0),
        dcc.Store(id="adm-upload-limit", data=limit),
        dcc.Store(id="adm-upload-data"),
        dcc.Store(id="adm-ledger-version", data=0),
    )


# Size check in the browser: files over the limit are never sent (the server checks again).
dash.clientside_callback(
    """
    function (contents, names, limit) {
        if (!contents) { return window.dash_clientside.no_update; }
        var big = [];
        for (var i = 0; i < contents.length; i++) {
            var c = contents[i] || '';
            var n = Math.floor((c.length - c.indexOf(',') - 1) * 3 / 4);
            if (n > limit) { big.push(names[i]); }
        }
        if (big.length) { return {too_big: big}; }
        return {contents: contents, names: names};
    }
    """,
    Output("adm-upload-data", "data"),
    Input("adm-upload", "contents"), State("adm-upload", "filename"), State("adm-upload-limit", "data"),
    prevent_initial_call=True,
)


def _decode(content: str) -> bytes | None:
    head, _, body = str(content or "").partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        return None
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def _refused_block(refused: list[tuple[str, str]]):
    return dbc.Alert([html.Div("以下文件未被接收：", className="fw-bold"),
                      html.Ul([html.Li([html.B(name), html.Span("：" + why)]) for name, why in refused])],
                     color="danger", class_name="mt-3")


def _rejects_table(rows: list[dict]):
    body = [[r["file_name"], str(r["line_no"]), r["reason"], r["raw"]] for r in rows]
    return table(["文件", "行号", "退回原因", "原始内容（已脱敏）"], body, "没有退回的行")


@callback(Output("adm-upload-result", "children"), Output("adm-ledger-version", "data"),
          Output("adm-upload", "contents"),
          Input("adm-upload-data", "data"), State("adm-ledger-version", "data"), prevent_initial_call=True)
def do_upload(payload, version):
    require_admin()
    settings = _settings()
    if not isinstance(payload, dict):
        return no_update, no_update, no_update
    if payload.get("too_big"):
        refused = [(str(n), f"文件超过 {UP.size_text(settings.upload_max_bytes)}，未上传") for n in payload["too_big"]]
        for name, why in refused:
            audit.record("upload_refused", {"reason": why}, subject=name)
        return _refused_block(refused), no_update, None
    names = [str(n) for n in (payload.get("names") or [])]
    contents = payload.get("contents") or []
    files, refused = [], []
    for name, content in zip(names, contents):
        raw = _decode(content)
        if raw is None:
            refused.append((name, "文件内容无法读取"))
        else:
            files.append((name, raw))
    engine = data.engine()
    result = UP.ingest(engine, settings.landing, files, settings.upload_max_bytes, settings.upload_max_files)
    refused += result.refused
    for name, why in refused:
        audit.record("upload_refused", {"reason": why}, subject=name)
    for f in result.files:
        if f.uploaded:
            audit.record("upload", {"status": f.status, "rows_read": f.rows_read, "rows_loaded": f.rows_loaded,
                                    "rows_rejected": f.rows_rejected, "run_id": result.run_id}, subject=f.name)
    if result.run_id is not None:
        audit.record("etl_run", {"run_id": result.run_id, "files": len(result.files),
                                 "rows_loaded": sum(f.rows_loaded for f in result.files),
                                 "rows_rejected": sum(f.rows_rejected for f in result.files)},
                     subject=f"#{result.run_id}")
    blocks = []
    if refused:
        blocks.append(_refused_block(refused))
    if result.error:
        blocks.append(dbc.Alert(result.error, color="danger", class_name="mt-3"))
    if result.files:
        rows = [[f.name + ("" if f.uploaded else "（落地目录中的其他新文件）"), f.source, f.status, f"{f.rows_read:,}",
                 f"{f.rows_loaded:,}", f"{f.rows_rejected:,}", f.note] for f in result.files]
        head = f"导入完成（数据快照 #{result.run_id}，用时 {result.seconds:.1f} 秒）" if result.run_id else "导入完成"
        blocks += [html.H3(head, className="admin-subtitle mt-3"),
                   table(["文件", "数据接口", "结果", "读入行", "入库行", "退回行", "说明"], rows)]
        if result.run_id is not None and any(f.rows_rejected for f in result.files):
            rej = UP.rejects(engine, settings.landing, run_id=result.run_id, limit=200)
            blocks += [html.H3("退回的行（前 200 行）", className="admin-subtitle mt-3"), _rejects_table(rej)]
    if not blocks:
        blocks.append(dbc.Alert("没有可导入的文件。", color="warning", class_name="mt-3"))
    return html.Div(blocks), (version or 0) + 1, None


@callback(Output("adm-ledger", "children"), Output("adm-ledger-file", "options"),
          Input("adm-ledger-version", "data"))
def ledger_table(_version):
    require_admin()
    rows = UP.ledger(data.engine(), LEDGER_ROWS)
    body = [[fmt_local(r.loaded_at), r.file_name, SOURCE_BY_ID[r.source].name if r.source in SOURCE_BY_ID else "",
             STATUS_LABEL.get(r.status, r.status), f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_rejected:,}",
             UP.mask_text(r.note or "")] for r in rows]
    options = [{"label": f"{r.file_name}（退回 {r.rows_rejected:,} 行）", "value": r.file_name}
               for r in rows if r.rows_rejected]
    return table(["导入时间", "文件", "数据接口", "结果", "读入行", "入库行", "退回行", "说明"], body, "尚未导入任何文件", nowrap=(0,)), options


def fmt_local(value) -> str:
    """etl_file.loaded_at is the ETL host's local time (etl.run uses datetime.now())."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


@callback(Output("adm-ledger-rejects", "children"), Input("adm-ledger-file", "value"), prevent_initial_call=True)
def ledger_rejects(file_name):
    require_admin()
    if not file_name:
        return ""
    return _rejects_table(UP.rejects(data.engine(), _settings().landing, file_name=file_name, limit=200))



@callback(Output("adm-withdraw-file", "options"),
          Input("adm-ledger-version", "data"), Input("adm-withdraw-version", "data"))
def withdraw_options(_version, _withdrawn):
    require_admin()
    return [{"label": n, "value": n} for n in UP.withdrawable(data.engine(), _settings().landing)]


@callback(Output("adm-withdraw-result", "children"), Output("adm-withdraw-version", "data"),
          Input("adm-withdraw", "n_clicks"), State("adm-withdraw-file", "value"), State("adm-withdraw-version", "data"),
          prevent_initial_call=True)
def do_withdraw(_clicks, name, version):
    """Withdraw (delete) a stored upload that has not loaded; audited like every admin action."""
    require_admin()
    if not name:
        return dbc.Alert("请先选择要撤回的文件。", color="warning", class_name="mt-2"), no_update
    try:
        removed = UP.withdraw(data.engine(), _settings().landing, name)
    except UP.Refused as why:
        return dbc.Alert(str(why), color="danger", class_name="mt-2"), (version or 0) + 1
    audit.record("upload_withdrawn", subject=removed)
    return dbc.Alert(f"已撤回文件：{removed}", color="success", class_name="mt-2"), (version or 0) + 1
