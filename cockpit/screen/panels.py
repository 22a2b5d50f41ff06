"""The wall's HTML blocks, built from `shaping`'s plain data. Styles: `assets/screen.css`."""
from __future__ import annotations

from dash import html

from cockpit.metrics import units as U
from cockpit.metrics.catalog import DIRECTION_LABEL, METRIC_BY_ID

_STATUS_CLASS = {"ok": "", "not_live": " is-not-live", "no_data": " is-no-data"}


def _yoy(fig: dict, prefix: str = "同比"):
    y = fig.get("yoy")
    if not y:
        return None
    arrow = "▲" if y["up"] else "▼"
    tone = "flat" if y["good"] is None else ("good" if y["good"] else "bad")
    if y["good"] is None:
        arrow = "—"
    return html.Span([prefix, html.B(arrow), y["text"]], className=f"scr-yoy {tone}")


def value_block(fig: dict, cls: str = "scr-num") -> html.Span:
    return html.Span([html.Span(fig["text"], className="n"), html.Span(fig["unit"], className="u")],
                     className=cls + _STATUS_CLASS.get(fig["status"], ""))


def headline_tile(fig: dict, icon: str) -> html.Div:
    return html.Div(className="scr-head-tile", title=_title(fig), children=[
        html.Div(icon, className="scr-head-icon"),
        html.Div(className="scr-head-body", children=[
            html.Div(fig["label"], className="scr-head-label"),
            value_block(fig, "scr-head-num"),
            html.Div(fig.get("sub") or "", className="scr-head-sub"),
        ]),
    ])


HEAD_ICONS = {"platforms": "台", "models": "模", "records_collected": "数", "clues": "线", "suggestions": "建",
              "children_back_to_school": "学", "duty_crime_transfers": "移", "corrected_cases": "纠"}


def headline_strip(figs: list[dict]) -> list:
    return [headline_tile(f, HEAD_ICONS.get(f["id"], "·")) for f in figs]


def _title(fig: dict) -> str:
    """The tile's tooltip: full name and 口径 (and that a rate's change is in percentage points)."""
    pp = "（同比变化单位：百分点）" if fig.get("unit") == "%" else ""
    return f"{fig.get('name', fig['label'])}：{fig.get('definition', '')}{pp}"


def mini_kpi(fig: dict) -> html.Div:
    return html.Div(className="scr-mini", title=_title(fig), children=[
        html.Div(fig["label"], className="scr-mini-label"),
        value_block(fig, "scr-mini-num"),
        html.Div(_yoy(fig) or html.Span(fig.get("caption", ""), className="scr-yoy flat"), className="scr-mini-sub"),
    ])


def mini_kpis(figs: list[dict]) -> list:
    return [mini_kpi(f) for f in figs]


def stat_line(figs: list[dict]) -> list:
    """A compact line of figures: 具结书 5,838件 · 量刑建议采纳率 88.2% …"""
    out = []
    for f in figs:
        out.append(html.Span(className="scr-stat", children=[
            html.Span(f["label"], className="l"), html.Span(f["text"], className="n"),
            html.Span(f["unit"], className="u")]))
    return out


def platform_head(panel: dict) -> list:
    return [html.Span(panel["name"], className="scr-panel-title"),
            html.Span(panel["launch"], className="scr-panel-tag")]


def map_caption(data: dict) -> list:
    city = data.get("city") or {}
    m = METRIC_BY_ID[data["id"]]
    return [
        html.Div("地图指标", className="scr-map-kicker"),
        html.Div(data["name"], className="scr-map-metric"),
        html.Div([html.Span(data["caption"]), html.Span(" · " + DIRECTION_LABEL[m.direction])],
                 className="scr-map-period"),
        html.Div(className="scr-map-city", children=[
            html.Span("全市", className="l"),
            html.Span(city.get("text", "—"), className="n"), html.Span(city.get("unit", ""), className="u")]),
    ]


def ranking_ticker(data: dict) -> list:
    """The 13 counties of the map's metric, best first; the list is doubled so that the CSS
    animation can scroll it without a jump."""
    rows = data["ranked"]
    values = [abs(r["value"]) for r in rows if r["value"] is not None]
    top = max(values) if values else 1.0
    show_gap = data["unit"] == "%"
    items = []
    for r in rows:
        rank = r["rank"]
        width = 0 if r["value"] is None or not top else max(3.0, abs(r["value"]) / top * 100)
        gap = r.get("gap")
        tone = "flat"
        if gap is not None and round(gap, data["decimals"]) != 0:
            tone = "good" if (gap > 0) == data["better_when_higher"] else "bad"
        items.append(html.Li(className=f"scr-rank-row r{rank if rank and rank <= 3 else 'n'}", children=[
            html.Span(str(rank) if rank else "—", className="scr-rank-no"),
            html.Span(r["name"], className="scr-rank-name"),
            html.Span(html.Span(className="bar", style={"width": f"{width:.1f}%"}), className="scr-rank-bar"),
            html.Span([r["text"], html.Small(r["unit"])], className="scr-rank-val"),
            html.Span(r["gap_text"] if show_gap and r.get("gap_text") else "", className=f"scr-rank-gap {tone}"),
        ]))
    cls = "scr-rank-list scrolling" if len(items) > 6 else "scr-rank-list"
    body = items + [_clone(i) for i in items] if len(items) > 6 else items
    return [html.Ul(body, className=cls)]


def _clone(li: html.Li) -> html.Li:
    return html.Li(li.children, className=li.className + " clone", **{"aria-hidden": "true"})


HANDLING_TONE = {"处置中": "open", "待处置": "open", "核实正常": "ok", "核实违规": "warn", "核实脱管": "bad"}
TYPE_TONE = {"脱管预警": "bad", "越界预警": "warn", "未打卡预警": "info"}


def warning_feed(rows: list[dict]) -> list:
    if not rows:
        return [html.Div("暂无预警", className="scr-empty")]
    items = []
    for r in rows:
        items.append(html.Li(className="scr-feed-row", children=[
            html.Span(r["time"], className="scr-feed-time"),
            html.Span(r["unit"], className="scr-feed-unit"),
            html.Span(r["type"], className=f"scr-feed-type {TYPE_TONE.get(r['type'], 'info')}"),
            html.Span(r["handling"], className=f"scr-feed-state {HANDLING_TONE.get(r['handling'], 'ok')}"),
            html.Span(r["took"] or "—", className="scr-feed-took"),
        ]))
    return [html.Ul(items, className="scr-feed-list")]


def funnel_rates(rates: list[dict]) -> list:
    return [html.Div(className="scr-rate", title=_title(f), children=[
        html.Div(f["label"], className="scr-rate-label"),
        value_block(f, "scr-rate-num"),
        html.Div(f.get("caption", ""), className="scr-rate-cap")]) for f in rates]


def county_panel(code: str, figures: list[dict], highlight: str | None) -> list:
    unit = U.UNIT_BY_CODE.get(code)
    rows = []
    for f in figures:
        rank = f.get("rank")
        badge = html.Span(f"第{rank}名" if rank else "—",
                          className=f"scr-cp-rank {'top' if rank and rank <= 3 else ''}")
        rows.append(html.Tr(className="hot" if f["id"] == highlight else "", children=[
            html.Td(f["name"], className="k"),
            html.Td([f["text"], html.Small(f["unit"])], className="v"),
            html.Td(badge),
            html.Td(("全市 " + f["city_text"]) if f.get("city_text") and f["unit"] == "%" else "", className="c"),
        ]))
    return [
        html.Div(className="scr-cp-head", children=[
            html.Div(unit.name if unit else code, className="scr-cp-title"),
            html.Div(f"{unit.short} · 2020年人口{unit.population:g}万" if unit and unit.population else "",
                     className="scr-cp-sub"),
        ]),
        html.Table(html.Tbody(rows), className="scr-cp-table"),
    ]
