"""监督案件来源 `/cases`: where the legal-supervision cases came from (三个结构比之案件来源结构) —
per unit the shares 依程序移送 : 依申请 : 主动发现 as a 100 % bar, with the share of cases from
big-data model clues; the city's big-data share month by month; the 口径 from the catalog.

Every figure is a catalog metric of the group "cases" (`cockpit.metrics.catalog`) asked of the
metric layer. The three source shares are neutral structure ratios: no rank, no 优劣 colour, no
comparison with the median — the units stand in unit-code order. 大数据成案占比 is shown as a
share too, beside the bars, never ranked here.

URL: `/cases?period=2024-06`
"""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.cards import card_row, indicator_card
from cockpit.components.memo import cached_output
from cockpit.components.params import PageContext, href
from cockpit.components.pickers import period_picker
from cockpit.components.plain_html import el
from cockpit.components.sections import graph, grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.states import guarded, status_figure
from cockpit.metrics import units as U
from cockpit.metrics.catalog import GROUPS, METRIC_BY_ID
from cockpit.metrics.periods import Period, add_months, month_label, month_ordinal
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.query import OK

dash.register_page(__name__, path="/cases", name="监督案件来源", title=f"监督案件来源 · {TITLE}", order=21)

CARDS = GROUPS["cases"]
# the three sources of a case, in the order of the stacked bar; colours tell them apart (a
# categorical palette: no source is better or worse than another)
SOURCES: tuple[tuple[str, str], ...] = (
    ("case_source_procedure", "#4f86c6"),
    ("case_source_application", "#9c8ade"),
    ("case_source_initiative", "#2a9d8f"),
)
BIG_DATA = "big_data_case_share"
TREND_MONTHS = 24
LAUNCH = month_label(PLATFORM_BY_ID["models"].launch)
INTAKE_NOTE = ("大数据线索数 ÷ 线索受理数（数字检察贡献率的另一组成部分）需要案件管理系统的线索受理导出，"
               "现有数据接口尚未包含，本页暂不计算。")


@safe_layout
def layout(period=None, **_other):
    ctx = PageContext.build("/cases", {"period": period})
    subtitle = f"统计期间：{ctx.period.label}"
    if ctx.latest and not ctx.period.is_complete(ctx.latest):
        subtitle += f"（数据截至{int(ctx.latest[5:])}月）"
    subtitle += " · 全市及各院 · 结构指标，不评优劣"
    return browser_page(
        section("案件来源结构", placeholder("cases-cards", 140)),
        grid([
            panel("各院案件来源（依程序移送 : 依申请 : 主动发现）", graph("cases-sources", 520),
                  note="按单位代码顺序排列；每条为该院期内立案的监督案件，三类来源合计100%。"
                       "单位名称下为大数据线索成案占比（样本少：案件不足20件）。三类占比为结构指标，不排名、不评优劣。"),
            panel(f"全市大数据线索成案占比 · 近{TREND_MONTHS}个月", graph("cases-trend", 520),
                  note=METRIC_BY_ID[BIG_DATA].definition),
        ], "g-7-5"),
        section("各院明细", placeholder("cases-table", 200)),
        section("口径", html.Div(id="cases-notes", children=notes())),
        dcc.Store(id="cases-params", data=ctx.params()),
        ctx=ctx, active="models", title="监督案件来源", subtitle=subtitle,
        controls=[period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), ("模型与线索", ctx.link("/models")), ("监督案件来源", None)],
    )


def notes() -> html.Ul:
    """The 口径 of every figure on the page, from the catalog, and what is not yet computed."""
    items = [html.Li([html.B(METRIC_BY_ID[m].name), "：", METRIC_BY_ID[m].definition]) for m in CARDS]
    items.append(html.Li([html.B("大数据线索占线索受理数"), "：", INTAKE_NOTE]))
    return html.Ul(items, className="cases-notes panel-note")


def _live(period: Period) -> bool:
    return period.end_ordinal >= month_ordinal(PLATFORM_BY_ID["models"].launch)


def unit_rows(store, period: Period) -> list[dict]:
    """全市, then the 14 units in unit-code order: the case count, the three source shares and
    the big-data share (value and status of each, from `MetricStore.by_unit`)."""
    frames = {mid: store.by_unit(mid, period).set_index("unit") for mid in ("sup_cases", BIG_DATA)
              + tuple(m for m, _ in SOURCES)}
    codes = [U.CITY] + sorted(U.UNIT_CODES)
    rows = []
    for code in codes:
        row = {"unit": code, "label": U.label(code)}
        for mid, frame in frames.items():
            r = frame.loc[code]
            ok = str(r["status"]) == OK and not F.is_missing(r["value"])
            row[mid] = float(r["value"]) if ok else None
            row[mid + ":text"] = F.value_text(METRIC_BY_ID[mid], r["value"], str(r["status"]), r["flag"])
            row[mid + ":short"] = F.fmt_value(METRIC_BY_ID[mid], r["value"], str(r["status"]))
            row[mid + ":mark"] = F.flag_text(METRIC_BY_ID[mid], r["flag"]) if ok else ""
        rows.append(row)
    return rows


@callback(Output("cases-cards", "children"), Input("cases-params", "data"))
@guarded("children")
@cached_output
def cards(params):
    store = data.current().store
    df = store.query(list(CARDS), [U.CITY], params["period"])
    q = params["query"].get("period")
    return card_row([indicator_card(METRIC_BY_ID[r.metric_id], r, href(f"/metric/{r.metric_id}", {"period": q}),
                                    "cases", compact=True) for r in df.itertuples()], "cards-compact")


def bar_label(row: dict) -> str:
    """A bar's name and, on a second line, its big-data share: 盐湖区 / 大数据 11.8%·样本少
    (two short lines, so that the bars keep their width on a phone)."""
    if row[BIG_DATA] is None:
        return F.plot_text(row["label"])
    mark = row[BIG_DATA + ":mark"]
    big = f"大数据 {row[BIG_DATA + ':short']}{'·' + mark if mark else ''}"
    return f"{F.plot_text(row['label'])}<br>{F.plot_text(big)}"


def sources_figure(rows: list[dict], height: int = 520) -> dict:
    """Horizontal 100 % bars, one per unit (全市 first), the three sources stacked."""
    rows = [r for r in rows if r["sup_cases"]]
    if not rows:
        return status_figure("no_data", None, height)
    names = [r["label"] for r in rows]
    series = []
    for mid, color in SOURCES:
        m = METRIC_BY_ID[mid]
        series.append((m.short, [F.rounded(m, r[mid]) if r[mid] is not None else None for r in rows], color))
    fig = C.bars_figure(names, series, height, horizontal=True, stacked=True, unit="%", decimals=1)
    labels = [bar_label(r) for r in rows]   # escaped by bar_label; the second line is markup
    for t in fig["data"]:
        t["y"] = labels
    lay = fig["layout"]
    lay["xaxis"].update({"range": [0, 100], "ticksuffix": "%", "dtick": 25})
    lay["margin"] = {"l": 10, "r": 10, "t": 36, "b": 30}
    lay["legend"] = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": 12},
                     "traceorder": "normal"}
    lay["bargap"] = 0.3
    lay["yaxis"]["tickfont"] = {"size": 11}
    for t in fig["data"]:
        t["textfont"] = {"size": 11, "color": "#ffffff"}
        t["insidetextanchor"] = "middle"
    return fig


def trend_figure(store, period: Period, height: int = 520) -> dict:
    m = METRIC_BY_ID[BIG_DATA]
    end = min(period.end, store.data_month) if store.data_month else period.end
    start = add_months(end, 1 - TREND_MONTHS)
    if store.first_month and start < store.first_month:
        start = store.first_month
    series = store.series(BIG_DATA, U.CITY, start, end)
    fig = C.trend_figure(m, [("全市", series)], height=height, national=False)
    fig["layout"]["margin"] = {"l": 44, "r": 10, "t": 30, "b": 30}
    return fig


@callback(Output("cases-sources", "figure"), Output("cases-trend", "figure"), Input("cases-params", "data"))
@guarded("figure", "figure")
@cached_output
def charts(params):
    period = Period.parse(params["period"])
    if not _live(period):
        return status_figure("not_live", LAUNCH, 520), status_figure("not_live", LAUNCH, 520)
    store = data.current().store
    return sources_figure(unit_rows(store, period)), trend_figure(store, period)


@callback(Output("cases-table", "children"), Input("cases-params", "data"))
@guarded("children")
@cached_output
def table(params):
    store = data.current().store
    period = Period.parse(params["period"])
    rows = unit_rows(store, period)
    cols = [("sup_cases", "监督案件"), *((m, METRIC_BY_ID[m].short) for m, _ in SOURCES), (BIG_DATA, "大数据成案占比")]
    head = [el("Th", "单位")] + [el("Th", label, className="num") for _, label in cols]
    body = []
    for r in rows:
        cells = [el("Td", r["label"])] + [el("Td", r[mid + ":text"], className="num", **{"data-metric": mid})
                                          for mid, _ in cols]
        body.append(el("Tr", cells, className="row-group" if r["unit"] == U.CITY else None,
                       **{"data-unit": r["unit"]}))
    tbl = el("Table", [el("Thead", el("Tr", head)), el("Tbody", body)],
             className="table table-sm cockpit-table cases-table")
    note = html.Div(f"统计期间：{period.label}；按立案日期统计；单位按代码顺序，不排名。", className="panel-note")
    return html.Div([el("Div", tbl, className="table-scroll"), note])
