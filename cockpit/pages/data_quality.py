"""数据质量 `/data-quality` for the data office: 报送进度 (units × sources for a month), one
source's last 12 months per unit, quarantined rows and their main reasons per unit, the last
load per source, and the error rate (rejected ÷ read) per unit and month. Semantics:
`cockpit.metrics.quality`; pieces: `cockpit.components.data_quality`.

Who: administrators and leaders see every unit; a county user sees its own unit's rows only
(`roles.record_scope`), worked out inside the callback from the signed-in user (the params
store can be forged). The layout holds no ledger data.

URL: `?month=YYYY-MM` (default: the data month) `&source=<source id>` (the month strip's source).
"""
from __future__ import annotations

import datetime as dt

import dash
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import data_quality as DQ
from cockpit.components.params import PageContext
from cockpit.components.pickers import choice_picker
from cockpit.components.sections import placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.states import guarded, state_block
from cockpit.metrics import quality as Q
from cockpit.metrics import units as U
from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES
from cockpit.metrics.periods import add_months, month_label, month_range

dash.register_page(__name__, path="/data-quality", name="数据质量", title=f"数据质量 · {TITLE}", order=40)

MONTHS_BACK = 24      # months offered in the picker
STRIP_MONTHS = 12     # months of the strip and the error-rate table
DEFAULT_SOURCE = "arrest"


def _reference_month(store) -> str:
    if store.data_month:
        return store.data_month
    today = dt.date.today()
    return add_months(f"{today.year:04d}-{today.month:02d}", -1)


@safe_layout
def layout(month=None, source=None, **_other):
    ctx = PageContext.build("/data-quality", {}, with_period=False)
    ref = _reference_month(ctx.store)
    months = list(reversed(month_range(add_months(ref, -(MONTHS_BACK - 1)), ref)))
    month = month if month in months else ref
    source = source if source in SOURCE_BY_ID else DEFAULT_SOURCE
    ctx.query.update(month=month, source=source)
    controls = [choice_picker("month", "月份", {m: month_label(m) for m in months}, month),
                choice_picker("source", "逐月数据源", {s.id: s.name for s in SOURCES}, source)]
    return browser_page(
        section(f"报送进度（{month_label(month)}）", placeholder("dq-matrix", 200), id="dq-matrix-section",
                extra=html.Span("格内为入库行数；“未报送”= 该月没有收到文件，“未上线”= 平台上线前。数量不评优劣。",
                                className="panel-note")),
        section(f"{SOURCE_BY_ID[source].name} · 近{STRIP_MONTHS}个月报送", placeholder("dq-strip", 200),
                id="dq-strip-section"),
        section("退回数据与主要原因", placeholder("dq-reasons", 120), id="dq-reasons-section",
                extra=html.Span(f"{month_label(month)}及以前{STRIP_MONTHS}个月报送的文件；原因中的具体数值已隐去。",
                                className="panel-note")),
        section("差错率（退回行数 ÷ 读取行数）", placeholder("dq-errors", 200), id="dq-errors-section"),
        section("各数据源最近一次导入", placeholder("dq-loads", 120), id="dq-loads-section"),
        dcc.Store(id="dq-params", data=ctx.params(month=month, source=source)),
        ctx=ctx, title="数据质量", subtitle=f"报送月份：{month_label(month)} · 依据导入台账与退回记录",
        controls=controls, crumbs=[("数据质量", None)],
    )


def visible_units(principal) -> list[str]:
    """The unit codes whose rows the signed-in user may see on this page."""
    from cockpit.auth import roles
    scope = roles.record_scope(principal)
    return sorted(U.UNIT_CODES) if scope is None else sorted(scope)


def _principal():
    from cockpit.auth.context import current_principal
    return current_principal()


@callback(Output("dq-matrix", "children"), Output("dq-strip", "children"), Output("dq-reasons", "children"),
          Output("dq-errors", "children"), Output("dq-loads", "children"), Input("dq-params", "data"))
@guarded("children", "children", "children", "children", "children")
def fill(params):
    units = visible_units(_principal())
    if not units:
        empty = state_block("无权查看", "当前账号没有可查看的单位。")
        return empty, empty, empty, empty, empty
    engine = data.read_engine()
    month, source = params["month"], params["source"]
    months = month_range(add_months(month, -(STRIP_MONTHS - 1)), month)
    everyone = len(units) == len(U.UNIT_CODES)
    subs = Q.submissions(engine, months=months, units=None if everyone else units)
    rows = units + ([Q.UNKNOWN] if everyone and (subs["unit_code"] == Q.UNKNOWN).any() else [])
    return (DQ.matrix(subs, month, rows), DQ.month_strip(subs, source, months, rows),
            DQ.reasons_table(Q.rejections(engine, units=rows, months=months)),
            DQ.error_table(Q.error_rates(engine, units=rows, months=months), months, rows),
            DQ.last_loads_table(Q.last_loads(engine, units=None if everyone else units)))
