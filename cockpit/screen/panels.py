"""The wall's HTML blocks, built from `shaping`'s plain data. Styles: `assets/screen.css`."""
from __future__ import annotations

from dash import html

from cockpit.metrics import units as U
from cockpit.components import formatting as F
from cockpit.metrics.catalog import METRIC_BY_ID

_STATUS_CLASS = {"ok": "", "not_live": " is-not-live", "no_data": " is-no-data"}


def _yoy(fig: dict, prefix: str = "同比"):
    """The 同比 of a tile: arrow and size with its unit (个百分点 for a rate); coloured good/bad only
    for a comparable metric (`formatting.tone`), a count's change is neutral."""
    y = fig.get("yoy")
    if not y:
        return None
    arrow = "▲" if y["up"] else "▼" if y["down"] else "—"
    return html.Span([prefix, html.B(arrow), y["text"]], className=f"scr-yoy {y['tone']}",
                     title=f"同比{'+' if y['up'] else '−' if y['down'] else ''}{y['text']}")


def mark(fig: dict):
    """核查中 / 办理中 / 样本少: a flagged value's mark (it has no 同比)."""
    if not fig.get("mark"):
        return None
    return html.Span(fig["mark"], className=f"scr-mark {fig.get('flag') or ''}".strip())


def value_block(fig: dict, cls: str = "scr-num") -> html.Span:
    return html.Span([html.Span(fig["text"], className="n"), html.Span(fig["unit"], className="u")],
                     className=cls + _STATUS_CLASS.get(fig["status"], ""))


def headline_tile(fig: dict, icon: str) -> html.Div:
    return html.Div(className="scr-head-tile", title=_title(fig), **{"data-metric": fig["id"]}, children=[
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
    return [headline_tile(f, HEAD_ICONS.get(f["id"]) or f["label"][:1]) for f in figs]


def _title(fig: dict) -> str:
    """The tile's tooltip: full name, 口径, what the value means, its notes (maturity, sample)."""
    parts = [f"{fig.get('name', fig['label'])}：{fig.get('definition', '')}"]
    if fig.get("direction"):
        parts.append(f"（{fig['direction']}）")
    if fig.get("notes"):
        parts.append(fig["notes"])
    if fig.get("span"):
        parts.append(f"累计期间：{fig['span']}。")
    if fig.get("unit") == "%":
        parts.append("同比变化单位：个百分点。")
    return "".join(parts)


def mini_kpi(fig: dict, prefix: str = "同比") -> html.Div:
    sub = mark(fig) or _yoy(fig, prefix) or html.Span(fig.get("caption", ""), className="scr-yoy flat")
    return html.Div(className="scr-mini", title=_title(fig), **{"data-metric": fig["id"]}, children=[
        html.Div(fig["label"], className="scr-mini-label"),
        value_block(fig, "scr-mini-num"),
        html.Div(sub, className="scr-mini-sub"),
    ])


def mini_kpis(figs: list[dict], prefix: str = "同比") -> list:
    return [mini_kpi(f, prefix) for f in figs]


def stat_line(figs: list[dict]) -> list:
    """A compact line of figures: 具结书 5,838件 · 量刑建议采纳率 88.2% …"""
    out = []
    for f in figs:
        out.append(html.Span(className="scr-stat", title=_title(f), **{"data-metric": f["id"]}, children=[
            html.Span(f["label"], className="l"), html.Span(f["text"], className="n"),
            html.Span(f["unit"], className="u"), mark(f)]))
    return out


def platform_head(panel: dict) -> list:
    return [html.Span(panel["name"], className="scr-panel-title"),
            html.Span(panel["launch"], className="scr-panel-tag")]


def map_caption(data: dict) -> list:
    city = data.get("city") or {}
    return [
        html.Div("地图指标", className="scr-map-kicker"),
        html.Div(data["name"], className="scr-map-metric"),
        html.Div([html.Span(data["caption"]), html.Span(" · " + data["direction_text"])],
                 className="scr-map-period"),
        html.Div(className="scr-map-city", children=[
            html.Span("全市", className="l"),
            html.Span(city.get("text", "—"), className="n"), html.Span(city.get("unit", ""), className="u")]),
    ]


def ranking_ticker(data: dict) -> list:
    """The 13 counties of the map's metric. Ranking on (and a comparable metric): best first,
    with rank numbers. Otherwise (the default) the counties in their fixed order, each against
    the city and the county median (marks on the bar) with its gap to the city, or a count's
    share of the city. Bars start at zero. The browser shows the list doubled, so that the CSS
    animation can scroll it without a jump (assets/screen.js: copyRanking).

    What changes with the indicator is kept to a few leaves per row (a wall tick sends only
    what changed, cockpit/screen/delta.py): a row's bar length is its `--w`, the reference
    marks sit at the list's `--city` and `--median` and show where the list has the class
    `ref-city`/`ref-median` (assets/screen.css); their labels are in the legend."""
    rows = data["ranked"]
    shown = data["ranks_shown"]
    refs = []
    if data["is_ratio"]:
        city = (data.get("city") or {}).get("value")
        refs = [("city", city, f"全市 {(data.get('city') or {}).get('text', '')}{data['unit']}"),
                ("median", data.get("median"), f"基层院中位数 {data.get('median_text') or ''}")]
    values = [abs(r["value"]) for r in rows if r["value"] is not None]
    values += [abs(v) for _, v, _ in refs if v is not None]
    top = max(values) if values else 1.0
    marks = {name: f"{abs(v) / top * 100:.1f}%" for name, v, _ in refs if v is not None and top}
    items = []
    for r in rows:
        rank = r["rank"]
        width = 0 if r["value"] is None or not top else abs(r["value"]) / top * 100   # from zero
        gap_cls = "flat"
        if shown and r.get("gap") is not None:
            gap_cls = F.gap_tone(METRIC_BY_ID[data["id"]], r["gap"])
        bar = [html.Span(className="bar" + (" flagged" if r["mark"] else ""))]
        bar += [html.I(className="ref city"), html.I(className="ref median")]   # shown where the list has the mark
        note = r.get("gap_text") if data["is_ratio"] else r.get("share_text")
        cls = f"scr-rank-row r{rank if rank and rank <= 3 else 'n'}" if shown else "scr-rank-row"
        items.append(html.Li(className=cls, style={"--w": f"{width:.1f}%"}, children=[
            html.Span(str(rank) if rank else "—", className="scr-rank-no") if shown else None,
            html.Span(r["short"], className="scr-rank-name"),
            html.Span(bar, className="scr-rank-bar"),
            html.Span([r["text"], html.Small(r["unit"]), mark(r)], className="scr-rank-val"),
            html.Span(note or "", className=f"scr-rank-gap {gap_cls}"),
        ]))
    cls = ("scr-rank-list" + (" ranked" if shown else " compared") + (" scrolling" if len(items) > 6 else "")
           + "".join(f" ref-{name}" for name in marks))
    style = {f"--{name}": left for name, left in marks.items()}
    # the same elements for every indicator (an empty legend for a count), so that a tick
    # changes leaves, not the structure
    legend = html.Div(className="scr-rank-legend", children=[
        html.Span([html.I(className="ref city"), refs[0][2]]),
        html.Span([html.I(className="ref median"), refs[1][2]])] if refs and not shown else [])
    return [legend, html.Ul(items, className=cls, style=style)]


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


def alert_list(part: dict) -> list:
    """The 预警 panel: one row per alert (severity, unit, indicator, value, the bound it
    crossed), the rest counted; 本月无预警 when the month has none. Not links: the wall is
    not clicked through (it opens no page)."""
    if not part["rows"]:
        return [html.Div("本月无预警" if part["month"] else "暂无数据", className="scr-empty scr-alerts-empty")]
    items = [html.Li(className=f"scr-alert-row {r['severity']}", title=f"{r['unit']} {r['label']} {r['value']}，"
                     f"{r['bound']}（{r['rule']}）", **{"data-metric": r["metric"], "data-unit": r["unit_code"]},
                     children=[html.Span(r["tag"], className=f"scr-alert-tag {r['severity']}"),
                               html.Span(r["unit"], className="scr-alert-unit"),
                               html.Span(r["label"], className="scr-alert-metric"),
                               html.Span(r["value"], className="scr-alert-value"),
                               html.Span(r["bound"], className="scr-alert-bound")])
             for r in part["rows"]]
    more = [html.Div(f"另有 {part['more']} 条", className="scr-alert-more")] if part["more"] else []
    return [html.Ul(items, className="scr-alert-list"), *more]


def alert_tag(part: dict) -> str:
    """The panel's tag: the month and how many alerts of each kind."""
    counts = [f"{name} {n} 条" for name, n in (("预警", part["warnings"]), ("异常波动", part["fluctuations"])) if n]
    return " · ".join([part["label"], *counts]) if part["label"] else ""


def funnel_rates(rates: list[dict]) -> list:
    return [html.Div(className="scr-rate", title=_title(f), **{"data-metric": f["id"]}, children=[
        html.Div(f["label"], className="scr-rate-label"),
        value_block(f, "scr-rate-num"),
        html.Div(mark(f) or f.get("caption", ""), className="scr-rate-cap")]) for f in rates]


def county_panel(code: str, figures: list[dict], highlight: str | None) -> list:
    """The county a click opened: its figures (the catalog's "county" placement), each with its
    mark and its comparison with the city (a rate's gap in 个百分点, a count's share of the city);
    a rank only where ranks are shown (ranking on, comparable metrics)."""
    unit = U.UNIT_BY_CODE.get(code)
    rows = []
    for f in figures:
        rank = f.get("rank")
        if rank:
            badge = html.Span(f"第{rank}名", className=f"scr-cp-rank {'top' if rank <= 3 else ''}")
        else:
            badge = html.Span(f.get("mark") or "", className="scr-mark") if f.get("mark") else ""
        compare = f.get("gap_text") if f.get("is_ratio") else f.get("share_text")
        rows.append(html.Tr(className="hot" if f["id"] == highlight else "", children=[
            html.Td(f["name"], className="k"),
            html.Td([f["text"], html.Small(f["unit"])], className="v"),
            html.Td(badge),
            html.Td(compare or "", className="c"),
        ]))
    return [
        html.Div(className="scr-cp-head", children=[
            html.Div(unit.name if unit else code, className="scr-cp-title"),
            html.Div(f"{unit.short} · 2020年人口{unit.population:g}万" if unit and unit.population else "",
                     className="scr-cp-sub"),
        ]),
        html.Table(html.Tbody(rows), className="scr-cp-table"),
    ]
