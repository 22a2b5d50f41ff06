"""研判会商材料 `/reports`: the monthly packs — generate one, follow its progress, list and
download them (issue 13 item 1).

- **List**: every pack in `reports_dir()` the user may see (`roles.pack_scope`: leaders and
  administrators all; a county user its own unit's and the city's), newest month first, with
  its Word and PDF files (size) and when it was generated. Links go to the guarded route
  `/reports/download` (`cockpit.report.download`), which checks the same rule again.
- **Generate**: a month (default: the data month) and a unit (`roles.may_generate_pack`:
  leaders and administrators any unit or 全市; a county user its own unit); the build runs in
  the background (`cockpit.components.report_jobs`) and the page polls its status file — a
  progress bar with the current step, then the outcome or a Chinese error. Audited
  (`pack_generated`). Building a pack again replaces its files.

The layout is shared per record scope (`safe_layout`), so the unit choices it carries are the
user's; every callback decides again from the signed-in user, never from the browser's values.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from cockpit import data
from cockpit.auth import audit, context, roles
from cockpit.components import report_jobs as RJ
from cockpit.components import reports_view as V
from cockpit.components.params import PageContext
from cockpit.components.pickers import select
from cockpit.components.sections import section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.states import guarded
from cockpit.report.library import list_packs

dash.register_page(__name__, path="/reports", name="研判材料", title=f"研判会商材料 · {TITLE}", order=30)

POLL_MS = 1000


def _principal():
    return context.current_principal()


def _by(principal) -> str:
    return getattr(principal, "name", "") or ""


@safe_layout
def layout(**_query):
    ctx = PageContext.build("/reports", {}, with_period=False)
    months = V.month_options(ctx.store)
    units = V.unit_options(_principal())
    form = html.Div([
        html.Div([html.Span("月份", className="picker-label"),
                  select("rep-month", months, months[0]["value"] if months else None, placeholder="选择月份")],
                 className="cockpit-picker"),
        html.Div([html.Span("单位", className="picker-label"),
                  select("rep-unit", units, units[0]["value"] if units else None, placeholder="选择单位")],
                 className="cockpit-picker"),
        dbc.Button("生成", id="rep-generate", color="primary", size="sm", n_clicks=0, disabled=not months,
                   class_name="rep-generate"),
    ], className="rep-form page-controls")
    return browser_page(
        section("生成材料", form,
                html.Div("每月的研判会商材料含全市（或本院）核心指标、与全市比较、预警清单、各院情况和大事记，"
                         "同时生成 Word 和 PDF 两种格式；同一月份同一单位再次生成会替换原有文件。",
                         className="panel-note"),
                html.Div(id="rep-job-view", **{"aria-live": "polite"})),
        section("已生成的材料", dcc.Loading(html.Div(id="rep-packs"), type="default", delay_show=200)),
        dcc.Store(id="rep-job", storage_type="session"),   # a reload of the tab goes on following its job
        dcc.Store(id="rep-version", data=0),
        dcc.Interval(id="rep-poll", interval=POLL_MS, disabled=True),
        ctx=ctx, title="研判会商材料", active="reports",
        subtitle="按月生成的研判会商材料（Word、PDF），供会商研判使用",
        crumbs=[("全市", ctx.link("/")), ("研判会商材料", None)],
    )


@callback(Output("rep-packs", "children"), Input("rep-version", "data"))
@guarded("children")
def packs(_version):
    """The packs this user may see (decided here, from the signed-in user)."""
    return V.packs_table(list_packs(units=roles.pack_scope(_principal())))


@callback(Output("rep-job", "data"), Output("rep-job-view", "children", allow_duplicate=True),
          Output("rep-poll", "disabled", allow_duplicate=True),
          Input("rep-generate", "n_clicks"), State("rep-month", "value"), State("rep-unit", "value"),
          prevent_initial_call=True)
def generate(n_clicks, month, unit):
    """Start building the chosen pack, if this user may; the answer (the job's id) comes at once."""
    if not n_clicks:
        return no_update, no_update, no_update
    principal = _principal()
    store = data.current().store
    if month not in {o["value"] for o in V.month_options(store)}:
        return no_update, dbc.Alert("请选择有数据的月份（不晚于数据截至月份）。", color="warning", class_name="mt-3"), True
    if unit not in {o["value"] for o in V.unit_options(principal)}:
        return no_update, dbc.Alert("您的账户只能生成本院的研判会商材料；全市材料由市院生成，可在下方列表下载。",
                                    color="warning", class_name="mt-3"), True
    job_id = RJ.submit(store, data.read_engine(), month, unit, _by(principal))
    audit.record("pack_generated", {"month": month, "unit": unit}, subject=RJ.stem(month, unit))
    return job_id, no_update, False


@callback(Output("rep-job-view", "children"), Output("rep-poll", "disabled"), Output("rep-version", "data"),
          Input("rep-poll", "n_intervals"), Input("rep-job", "data"), State("rep-version", "data"))
def follow(_n, job_id, version):
    """The job this user started: its progress while it runs, then its outcome (and the list again)."""
    job = RJ.read(job_id, _by(_principal()))
    if job is None:
        return no_update, True, no_update
    running = job["state"] in RJ.ACTIVE
    return V.job_block(job), not running, no_update if running else (version or 0) + 1
