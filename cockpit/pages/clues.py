"""线索台账 `/clues`: the backlog of supervision clues by stage and age, the overdue list, each
clue's timeline and evidence, and the deadline rules applied (cockpit.components.clue_ledger).

URL: `/clues?unit=<code|CITY>&model=<M01>&stage=<stage id|overdue|closed>&period=<period|all>
&clue=<线索编号>&page=<n>` (`overdue=1` = stage=overdue).

Counts are open to every user; the list, the timeline and the export only for the units
`record_units("clue", …)` grants — each callback works that out itself from the signed-in user
(the params store can be forged), before anything is read.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from cockpit.components import clue_ledger as CL
from cockpit.components.clue_timeline import timeline
from cockpit.components.memo import cached_output
from cockpit.components.params import PageContext
from cockpit.components.pickers import choice_picker, unit_options, unit_picker
from cockpit.components.sections import grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.states import guarded, state_block
from cockpit.metrics import units as U

dash.register_page(__name__, path="/clues", name="线索台账", title=f"线索台账 · {TITLE}", order=21)


def _principal():
    from cockpit.auth.context import current_principal
    return current_principal()


def _allowed(unit: str) -> list[str]:
    """The unit codes of `unit` whose clue details the signed-in user may see."""
    from cockpit.auth.records import record_units
    return sorted(record_units("clue", unit))


@safe_layout
def layout(**query):
    ctx = PageContext.build("/clues", {}, with_period=False)
    f = CL.parse_filters(query, _principal())
    ctx.notices += f.notices
    ctx.query.update({k: v for k, v in f.query(page=None).items() if v is not None})
    models = {CL.ALL: "全部模型"}
    from cockpit.components.records_table import model_names
    models.update({m: f"{m} {name}" for m, name in model_names().items()})
    if f.model and f.model not in models:
        models[f.model] = f.model
    allowed = _allowed(f.unit)
    scope = "" if allowed == sorted(U.members(f.unit)) else (
        "（明细仅限本院）" if allowed else "（仅显示数量，明细无权查看）")
    subtitle = f"单位：{U.label(f.unit)}{scope} · 发现时间：{f.period_label} · 截至{CL.as_of():%Y年%m月%d日}"
    timeline_section = section("线索时间线", placeholder("clu-timeline", 200), id="clue-timeline") if f.clue else None
    return browser_page(
        timeline_section,
        section("线索办理情况", placeholder("clu-cards", 120),
                extra=html.Span("数量不排名次、不评优劣；口径见各卡片说明。", className="panel-note")),
        grid([
            panel("在办线索：环节 × 账龄", placeholder("clu-backlog", 200)),
            panel("各单位在办与逾期（全市）", placeholder("clu-units", 200)),
        ], "g-7-5"),
        section(CL.list_title(f.stage), html.Div([
            html.Div([html.Span("个人信息已脱敏处理", className="rec-privacy")], className="clue-list-meta"),
            placeholder("clu-list", 200),
        ]), id="clue-list", extra=html.Div([
            dbc.Button("导出 Excel", id="clu-export-xlsx", size="sm", color="primary"),
            dbc.Button("导出 CSV", id="clu-export-csv", size="sm", color="secondary", outline=True),
            dcc.Download(id="clu-download"),
        ], className="export-buttons")),
        section("适用的期限规则", CL.rules_table(), id="clue-rules"),
        dcc.Store(id="clu-params", data=f.as_params()),
        ctx=ctx, active="clues", title="法律监督线索台账", subtitle=subtitle,
        controls=[unit_picker("unit", f.unit, "单位", options=unit_options(True, True)),
                  choice_picker("model", "模型", models, f.model or CL.ALL),
                  choice_picker("stage", "环节", CL.stage_options(), f.stage or CL.ALL),
                  choice_picker("period", "发现时间", CL.period_choices(f.period), f.period or CL.ALL_PERIODS)],
        crumbs=[("全市", ctx.link("/")), ("模型与线索", ctx.link("/models")), ("线索台账", None)],
    )


def _filters(params) -> CL.Filters:
    return CL.parse_filters(params if isinstance(params, dict) else {}, _principal())


@cached_output
def _counts(params: dict):
    f = CL.parse_filters(params)     # counts: the same for every user, keyed by the clean filters
    return CL.cards(f), CL.backlog_table(f), CL.unit_table(f)


@callback(Output("clu-cards", "children"), Output("clu-backlog", "children"), Output("clu-units", "children"),
          Input("clu-params", "data"))
@guarded("children", "children", "children")
def counts(params):
    f = _filters(params)
    return _counts(f.as_params())


@callback(Output("clu-list", "children"), Input("clu-params", "data"))
@guarded("children")
def clue_list(params):
    f = _filters(params)
    allowed = _allowed(f.unit)
    if not allowed:
        return state_block("无权查看明细", "您的账号只能查看本院线索的明细；各单位的数量见上方。")
    return _list(f.as_params(), allowed)


@cached_output
def _list(params: dict, allowed: list[str]):
    f = CL.parse_filters(params)
    return CL.list_table(f, CL.ledger_rows(f, allowed))


@callback(Output("clu-timeline", "children"), Input("clu-params", "data"))
@guarded("children")
def clue_timeline(params):
    f = _filters(params)
    if not f.clue:
        return no_update
    allowed = _allowed(U.CITY)          # a clue is looked up among every unit the user may see
    principal = _principal()
    if _signed_in(principal):
        from cockpit.auth import audit
        audit.record("view_records", {"source": "clue", "clue": f.clue,
                                      "granted": allowed if len(allowed) < 14 else ["CITY"]},
                     subject="clue", actor=principal)
    return _timeline(f.as_params(), allowed)


@cached_output
def _timeline(params: dict, allowed: list[str]):
    return timeline(CL.parse_filters(params), allowed)


@callback(Output("clu-download", "data"), Input("clu-export-xlsx", "n_clicks"), Input("clu-export-csv", "n_clicks"),
          State("clu-params", "data"), prevent_initial_call=True)
@guarded(no_update)
def export(_x, _c, params):
    from cockpit import exports
    f = _filters(params)
    allowed = _allowed(f.unit)
    if not allowed:
        return no_update
    rows = CL.ledger_rows(f, allowed)
    headers, cells = CL.export_table(rows)
    kind = "csv" if dash.ctx.triggered_id == "clu-export-csv" else "xlsx"
    shown = U.label(f.unit) if allowed == sorted(U.members(f.unit)) else "、".join(
        U.UNIT_BY_CODE[c].short for c in allowed)
    meta = [("单位", shown), ("模型", CL.model_label(f.model) if f.model else "全部模型"),
            ("清单", CL.list_title(f.stage)), ("发现时间", f.period_label), ("截至", f"{CL.as_of():%Y-%m-%d}")]
    stem = f"线索台账_{shown}_{CL.list_title(f.stage)}_{CL.as_of():%Y%m%d}".replace("、", "_")
    principal = _principal()
    if _signed_in(principal):             # signed in: who took what
        from cockpit.auth import audit
        audit.record("export", {"what": "线索台账", "format": kind,
                                "granted": allowed if len(allowed) < 14 else ["CITY"],
                                "stage": CL.list_title(f.stage), "model": f.model, "period": f.period_label,
                                "rows": len(cells)}, subject=f"{stem}.{kind}", actor=principal)
    if kind == "csv":
        return dcc.send_bytes(exports.table_csv(headers, cells, meta), f"{stem}.csv")
    rules = [["环节", "期限", "依据"]] + [[s.label, s.limit_text, s.basis] for s in CL.load_rules().clue]
    return dcc.send_bytes(exports.table_xlsx("运城检察 法律监督线索台账", headers, cells, meta, sheet="线索清单",
                                             notes=rules, notes_sheet="期限规则"), f"{stem}.xlsx")


def _signed_in(principal) -> bool:
    return principal is not None and getattr(principal, "kind", "open") != "open"
