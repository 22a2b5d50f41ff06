"""Page building blocks: sections, panels (a titled box around a chart or table), grids, and
graphs with the cockpit's defaults (loading state, no mode bar, offline map assets)."""
from __future__ import annotations

import dash
from dash import dcc, html

from cockpit.components.charts import GRAPH_CONFIG, trend_figure
from cockpit.components.navigation import nav_graph
from cockpit.components.params import href, trend_end
from cockpit.components.states import empty_figure
from cockpit import data
from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID
from cockpit.metrics.periods import add_months


def section(title: str | None, *children, id: str | None = None, class_name: str = "", extra=None) -> html.Section:
    head = html.Div([html.H2(title, className="section-title"), extra], className="section-head") if title else None
    kw = {"id": id} if id else {}
    return html.Section([head, *children], className=f"cockpit-section {class_name}".strip(), **kw)


def panel(title, body, extra=None, class_name: str = "", note=None) -> html.Div:
    return html.Div([
        html.Div([html.Div(title, className="panel-title"), html.Div(extra, className="panel-extra")],
                 className="panel-head") if title else None,
        body,
        html.Div(note, className="panel-note") if note else None,
    ], className=f"cockpit-panel {class_name}".strip())


def grid(children, cols: str = "g-2", class_name: str = "") -> html.Div:
    """A CSS grid; `cols` is one of the grid classes in cockpit.css (g-2, g-3, g-4, g-7-5, g-5-7 …)."""
    return html.Div(children, className=f"cockpit-grid {cols} {class_name}".strip())


def graph(id, height: int = 320, geo: bool = False, class_name: str = "") -> dcc.Loading:
    """A dcc.Graph (filled by a callback) inside a loading state; starts as an empty figure that
    says it is loading, never as blank axes."""
    config = dict(GRAPH_CONFIG)
    if geo:
        config["topojsonURL"] = dash.get_asset_url("topojson/")
        config["scrollZoom"] = False
    return dcc.Loading(
        dcc.Graph(id=id, figure=empty_figure("加载中…", height=height), config=config,
                  style={"height": f"{height}px"}, className=f"cockpit-graph {class_name}".strip()),
        type="default", delay_show=300, parent_className="graph-loading")


def loading(child, class_name: str = "") -> dcc.Loading:
    return dcc.Loading(child, type="default", delay_show=300, parent_className=f"block-loading {class_name}".strip())


def placeholder(id, min_height: int = 80, class_name: str = "") -> dcc.Loading:
    """A container a callback fills, with a loading state."""
    return loading(html.Div(id=id, className=f"cockpit-fill {class_name}".strip(), style={"minHeight": min_height}))


def core_trends(store, unit: str, period: str, q: str | None, months: int) -> html.Div:
    """The core indicators as small multiples over the `months` months up to the period's end
    (never past the data): the unit's line and — for a unit other than 全市 — the city's as the
    reference on the ratios. A panel's title opens the metric; on the city's panels the line
    does too."""
    end = trend_end(period, store)
    start = add_months(end, 1 - months)
    city = unit == U.CITY
    panels = []
    for mid in CORE_METRICS:
        m = METRIC_BY_ID[mid]
        link = href(f"/metric/{mid}", {"period": q} if city else {"period": q, "units": unit})
        series = [("全市" if city else U.label(unit), store.series(mid, unit, start, end))]
        if m.is_ratio and not city:
            series.append(("全市", store.series(mid, U.CITY, start, end)))
        fig = trend_figure(m, series, height=200, compact=True, national=m.is_ratio,
                           hrefs=[link] if city else None,
                           annotations=data.annotations(mid, [unit] if city or not m.is_ratio else [unit, U.CITY]))
        extra = {"id": nav_graph(f"home-mini-{mid}")} if city else {}
        panels.append(panel(dcc.Link(m.name, href=link),
                            dcc.Graph(figure=fig, config=GRAPH_CONFIG, style={"height": "200px"}, **extra),
                            class_name="mini-panel"))
    return grid(panels, "g-4")
