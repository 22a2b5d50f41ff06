"""趋势 `/trends`: the core indicators (or chosen ones) month by month with last year's line
(同比), the annotations (大事记: platform launches, campaigns …) marked, and a 同比 table for the period.

URL: `/trends?period=2024-06&unit=140802&metrics=non_arrest_rate,plea_rate&span=3`
    unit     whose trends (default 全市)
    metrics  which indicators (default the core ones; at most 12)
    span     years shown, ending at the period's last month: 2, 3 or all
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.params import trend_end, PageContext, href, parse_choice, parse_metrics, parse_unit
from cockpit.components.pickers import choice_picker, metric_picker, period_picker, unit_options, unit_picker
from cockpit.components.sections import grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.memo import cached_output
from cockpit.components.states import guarded
from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID, METRICS
from cockpit.metrics.periods import Period, add_months, month_label
from cockpit.metrics.query import OK

dash.register_page(__name__, path="/trends", name="趋势", title=f"趋势 · {TITLE}", order=6)

SPANS = {"2": "近2年", "3": "近3年", "all": "全部"}
NOTE_HINT = "竖线和阴影为大事记（平台上线、专项行动、口径变更、数据缺失等），鼠标悬停在标签上查看说明。"


@safe_layout
def layout(period=None, unit=None, metrics=None, span=None, **_other):
    ctx = PageContext.build("/trends", {"period": period})
    u, n1 = parse_unit(unit)
    mids, n2 = parse_metrics(metrics, list(CORE_METRICS))
    sp, n3 = parse_choice(span, SPANS, "3", "时间范围")
    ctx.notices += n1 + n2 + n3
    for k, raw, val in (("unit", unit, u), ("metrics", metrics, mids), ("span", span, sp)):
        if raw is not None:
            ctx.query[k] = val
    return browser_page(
        section("同比一览", placeholder("trd-table", 200)),
        section("月度趋势（实线：本期；虚线：上年同期）", placeholder("trd-charts", 500),
                extra=html.Span(NOTE_HINT, className="panel-note")),
        dcc.Store(id="trd-params", data=ctx.params(unit=u, metrics=mids, span=sp)),
        ctx=ctx, active="trends", title=f"{U.label(u)} · 指标趋势",
        subtitle=f"截至{month_label(min(ctx.period.end, ctx.latest) if ctx.latest else ctx.period.end)} · 同比为"
                 f"{ctx.period.label}与上年同期相比",
        controls=[unit_picker("unit", u, "单位", options=unit_options(True, True)),
                  metric_picker("metrics", "指标", mids, [{"label": m.name, "value": m.id} for m in METRICS],
                                multi=True),
                  choice_picker("span", "范围", SPANS, sp), period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), ("趋势", None)],
    )


def _window(params, store):
    end = trend_end(params["period"], store)
    if params["span"] == "all" or not store.first_month:
        start = store.first_month or end
    else:
        start = add_months(end, 1 - 12 * int(params["span"]))
        if store.first_month and start < store.first_month:
            start = store.first_month
    return start, end


@callback(Output("trd-charts", "children"), Input("trd-params", "data"))
@guarded("children")
@cached_output
def charts(params):
    store = data.current().store
    start, end = _window(params, store)
    unit = params["unit"]
    q = params["query"].get("period")
    panels = []
    for mid in params["metrics"]:
        m = METRIC_BY_ID[mid]
        cur = store.series(mid, unit, start, end)
        prev = store.series(mid, unit, add_months(start, -12), add_months(end, -12))
        # last year's values drawn at this year's months: the gap between the lines is 同比
        prev = prev.assign(month=list(cur["month"]))
        fig = C.trend_figure(m, [(f"{U.label(unit)}", cur), ("上年同期", prev)], height=250, national=m.is_ratio,
                             annotations=data.annotations(mid, unit))
        if fig["data"]:
            if len(fig["data"]) > 1 and fig["data"][1].get("name") == "上年同期":
                fig["data"][1]["line"] = {"color": "#8a94a3", "width": 1.4, "dash": "dash"}
                fig["data"][1]["marker"] = {"size": 3, "color": "#8a94a3"}
            fig["layout"]["margin"] = {"l": 44, "r": 10, "t": 30, "b": 30}
            long = len(cur) > 24
            fig["layout"]["xaxis"].update({"dtick": "M12" if long else "M6", "tickangle": 0,
                                           "tickformat": "%Y年" if long else "%Y年%-m月"})
        link = href(f"/metric/{mid}", {"period": q, "units": unit if unit != U.CITY else None})
        panels.append(panel(dcc.Link(m.name, href=link), dcc.Graph(figure=fig, config=C.GRAPH_CONFIG,
                                                                  style={"height": "250px"}), class_name="mini-panel"))
    return grid(panels, "g-3")


@callback(Output("trd-table", "children"), Input("trd-params", "data"))
@guarded("children")
@cached_output
def yoy_table(params):
    store = data.current().store
    period = Period.parse(params["period"])
    df = store.query(params["metrics"], [params["unit"]], period)
    head = html.Thead(html.Tr([html.Th("指标"), html.Th(period.label, className="num"),
                               html.Th(f"上年同期（{period.year_ago().label}）", className="num"),
                               html.Th("同比", className="num"), html.Th("环比", className="num"),
                               html.Th("方向")]))
    rows = []
    for r in df.itertuples():
        m = METRIC_BY_ID[r.metric_id]
        ys, yt = F.change_parts(m, r.yoy_change, r.yoy_pct)
        ps, pt = F.change_parts(m, r.pop_change, r.pop_pct)
        if F.is_missing(r.yoy_change):
            yt = F.no_change_text(m, r.flag)        # a flagged value is not compared: say why
        if F.is_missing(r.pop_change):
            pt = F.no_change_text(m, r.flag)
        rows.append(html.Tr([
            html.Td(dcc.Link(m.name, href=href(f"/metric/{m.id}", {"period": params["query"].get("period")}))),
            html.Td(F.value_text(m, r.value, r.status, r.flag), className="num"),
            html.Td(F.fmt_value(m, r.yoy_value) if r.status == OK else "—", className="num"),
            html.Td(yt, className=f"num tone-{F.tone(m, ys)}"),
            html.Td(pt if period.kind != "ytd" else "—", className=f"num tone-{F.tone(m, ps)}"),
            html.Td(F.direction_text(m), className="status-text"),
        ]))
    return html.Div(dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, class_name="cockpit-table"),
                    className="table-scroll")
