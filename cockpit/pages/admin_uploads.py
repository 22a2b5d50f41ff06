"""/admin/uploads — upload export files, load them, see the result and the ledger (admins only).

The browser first checks the size of each file (a clientside callback: nothing over the limit
is sent); the upload callback hands the files to a background job (cockpit.auth.upload_jobs) and
answers at once. The job checks name, size, magic bytes and that the file is one of the exports
(cockpit.auth.upload), stores it in LANDING/uploads/<date>/ and runs the ETL; the page polls the
job and shows per-file progress ("正在导入 3/12：文件名") and then per file the rows read, loaded
and rejected, the reasons of the rejected rows with personal data masked (etl_reject.raw holds
the row as it came), and the ledger (etl_file) below. The job's status lives in a file, so a
reload — or another administrator opening the page — shows the running load and then its result.

Uploads travel as a Dash callback (base64 in JSON); the callbacks are protected like every other
one: the session, the admin role, and the CSRF header.
"""
import base64
import binascii
from datetime import datetime

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from flask import current_app, g

from cockpit import data
from cockpit.auth import audit, context
from cockpit.auth import upload as UP
from cockpit.auth import upload_jobs as JOBS
from cockpit.auth.admin_ui import admin_page, require_admin, field, loading, section, table
from cockpit.auth.settings import Settings
from cockpit.components.shell import TITLE
from cockpit.metrics.contracts import SOURCE_BY_ID
from etl.ingest import STATUS_LABEL

dash.register_page(__name__, path="/admin/uploads", name="数据上传", title=f"数据上传 · {TITLE}", order=101)

LEDGER_ROWS = 50
POLL_MS = 800


def _settings() -> Settings:
    st = context.state()
    return st.settings if st is not None else Settings.from_env()


def layout(**_query):
    limit = _settings().upload_max_bytes
    return admin_page(
        "uploads", "数据上传与导入台账", "上传业务系统和各平台的导出文件，系统在后台导入，显示每个文件的进度和结果。",
        section("上传导出文件", dcc.Upload(
            id="adm-upload", multiple=True, accept=".csv,.xlsx,.xls",
            children=html.Div([html.Div("将导出文件拖到此处，或点击选择文件", className="upload-title"),
                               html.Div(f"只接受 CSV、XLSX、XLS；单个文件不超过 {UP.size_text(limit)}；一次最多 20 个",
                                        className="upload-sub")]),
            className="admin-upload",
            style={"border": "2px dashed #9fb3cf", "borderRadius": "8px", "padding": "28px", "textAlign": "center",
                   "cursor": "pointer", "background": "#f7f9fc"}),
            html.Div(id="adm-upload-result", **{"aria-live": "polite"}),
            note="个人信息已脱敏显示；导入在后台进行，刷新或离开页面不影响导入"),
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
        dcc.Store(id="adm-job", storage_type="session"),      # the job this tab started (kept over a reload)
        dcc.Store(id="adm-job-view"),                          # what is shown: no redraw when nothing changed
        dcc.Interval(id="adm-job-poll", interval=POLL_MS, disabled=True),
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


def _audit_result(result: UP.UploadResult, refused: list[tuple[str, str]]) -> None:
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


def _background_work(files: list[tuple[str, bytes]], refused: list[tuple[str, str]]):
    """The job's work, bound to this request's app, database, settings and administrator: it runs
    in a worker thread after the request has answered, inside a request context of its own that
    carries the administrator and their address (so the audit log names them)."""
    server = current_app._get_current_object()
    principal = context.current_principal()
    engine, settings = data.engine(), _settings()
    environ = {"REMOTE_ADDR": context.remote_addr()}
    headers = {"User-Agent": context.user_agent()}

    def work(report):
        with server.test_request_context("/admin/uploads", environ_base=environ, headers=headers):
            g.cockpit_principal = principal
            result = UP.ingest(engine, settings.landing, files, settings.upload_max_bytes,
                               settings.upload_max_files, report=report)
            result.refused = refused + result.refused
            _audit_result(result, result.refused)
            return result
    return work


@callback(Output("adm-job", "data"), Output("adm-upload", "contents"),
          Input("adm-upload-data", "data"), prevent_initial_call=True)
def start_upload(payload):
    """Hand the files to a background job; the answer (the job's id) comes at once."""
    require_admin()
    settings = _settings()
    if not isinstance(payload, dict):
        return no_update, no_update
    by = getattr(context.current_principal(), "name", "")
    if payload.get("too_big"):
        refused = [(str(n), f"文件超过 {UP.size_text(settings.upload_max_bytes)}，未上传") for n in payload["too_big"]]
        _audit_result(UP.UploadResult(), refused)
        return JOBS.finished(settings.landing, UP.UploadResult(refused=refused), [n for n, _ in refused], by), None
    names = [str(n) for n in (payload.get("names") or [])]
    contents = payload.get("contents") or []
    files, refused = [], []
    for name, content in zip(names, contents):
        raw = _decode(content)
        if raw is None:
            refused.append((name, "文件内容无法读取"))
        else:
            files.append((name, raw))
    if not files:
        _audit_result(UP.UploadResult(), refused)
        return JOBS.finished(settings.landing, UP.UploadResult(refused=refused), names, by), None
    return JOBS.submit(settings.landing, _background_work(files, refused), names, by), None


PHASE_TEXT = {"check": "正在检查", "read": "正在导入", "stage": "正在校验入库"}


def _progress_block(job: dict):
    if job["state"] == JOBS.QUEUED:
        return dbc.Alert([dbc.Spinner(size="sm", spinner_class_name="me-2"),
                          f"已收到 {len(job.get('names') or [])} 个文件，正在排队：等待前一次导入完成后开始。"],
                         color="info", class_name="mt-3 upload-progress")
    phase, pos, total = job.get("phase") or "", int(job.get("pos") or 0), int(job.get("total") or 0)
    if phase == "load":
        text, value = f"{total} 个文件已保存，正在开始导入（如有其他导入正在进行，等待其完成）…", 0
    elif phase in PHASE_TEXT and total:
        text = f"{PHASE_TEXT[phase]} {pos}/{total}：{job.get('current') or ''}"
        value = round(100 * pos / total)
    else:
        text, value = "正在准备导入…", 0
    return html.Div([html.Div(text, className="upload-progress-text"),
                     dbc.Progress(value=value, label=f"{pos}/{total}" if total else "", striped=True, animated=True,
                                  class_name="mt-1", style={"height": "18px"})],
                    className="mt-3 upload-progress")


def _local_time(iso) -> str:
    """A job's UTC time stamp in the server's local time, as the ledger shows its times."""
    try:
        return datetime.fromisoformat(str(iso)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ""


def _result_block(job: dict, engine, landing):
    result = job.get("result") or {}
    refused = [tuple(r) for r in result.get("refused") or []]
    files = result.get("files") or []
    run_id = result.get("run_id")
    blocks = []
    if refused:
        blocks.append(_refused_block(refused))
    error = job.get("error") or result.get("error")
    if error:
        blocks.append(dbc.Alert(error, color="danger", class_name="mt-3"))
    if files:
        rows = [[f["name"] + ("" if f.get("uploaded", True) else "（落地目录中的其他新文件）"), f["source"], f["status"],
                 f"{f['rows_read']:,}", f"{f['rows_loaded']:,}", f"{f['rows_rejected']:,}", f["note"]] for f in files]
        seconds = float(result.get("seconds") or 0)
        head = f"导入完成（数据快照 #{run_id}，用时 {seconds:.1f} 秒）" if run_id else "导入完成"
        blocks += [html.H3(head, className="admin-subtitle mt-3"),
                   table(["文件", "数据接口", "结果", "读入行", "入库行", "退回行", "说明"], rows)]
        if run_id is not None and any(f["rows_rejected"] for f in files):
            rej = UP.rejects(engine, landing, run_id=run_id, limit=200)
            blocks += [html.H3("退回的行（前 200 行）", className="admin-subtitle mt-3"), _rejects_table(rej)]
    if not blocks:
        blocks.append(dbc.Alert("没有可导入的文件。", color="warning", class_name="mt-3"))
    by = job.get("by") or ""
    blocks.insert(0, html.Div(f"上次上传：{by}，{_local_time(job.get('finished') or job.get('created'))}",
                              className="upload-job-meta text-muted small mt-2"))
    return html.Div(blocks, className="upload-result")


@callback(Output("adm-upload-result", "children"), Output("adm-job-poll", "disabled"),
          Output("adm-ledger-version", "data"), Output("adm-job-view", "data"),
          Input("adm-job-poll", "n_intervals"), Input("adm-job", "data"),
          State("adm-ledger-version", "data"), State("adm-job-view", "data"))
def show_job(_n, job_id, version, seen):
    """The job this tab started — or, on a fresh page, the latest one — running (a progress bar)
    or done (its result); polled while any upload job is active."""
    require_admin()
    landing = _settings().landing
    job = JOBS.read(landing, job_id) if isinstance(job_id, str) else None
    job = job or JOBS.latest(landing)
    others = [j for j in JOBS.active(landing) if job is None or j["id"] != job["id"]]
    if job is None and not others:
        return "", True, no_update, None
    poll = bool(others) or (job is not None and job["state"] in JOBS.ACTIVE)
    sig = [job and [job["id"], job["state"], job.get("phase"), job.get("pos"), job.get("updated")],
           [[j["id"], j["state"]] for j in others]]
    seen = seen if isinstance(seen, dict) else {}
    if seen.get("sig") == sig:
        return no_update, not poll, no_update, no_update
    blocks = []
    if others:
        blocks.append(dbc.Alert(f"另有 {len(others)} 次上传正在导入或排队（{'、'.join(j.get('by') or '' for j in others)}）。",
                                color="secondary", class_name="mt-3 mb-0 py-2 small"))
    bump = no_update
    if job is not None:
        if job["state"] in JOBS.ACTIVE:
            blocks.append(_progress_block(job))
        else:
            blocks.append(_result_block(job, data.engine(), landing))
            if seen.get("done") != job["id"]:
                bump = (version or 0) + 1            # the ledger shows the new files
    done = job["id"] if job is not None and job["state"] not in JOBS.ACTIVE else seen.get("done")
    return html.Div(blocks), not poll, bump, {"sig": sig, "done": done}


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
