"""首页 (placeholder): the city overview will live here."""
from __future__ import annotations

import dash
from dash import html

TITLE = "运城检察 数据驾驶舱"

dash.register_page(__name__, path="/", name="首页", title=TITLE, order=0)


def layout(**_query) -> html.Div:
    return html.Div(
        className="cockpit-page cockpit-home",
        children=[
            html.H1(TITLE, className="cockpit-title"),
            html.P("数据驾驶舱正在建设中，敬请期待。", className="cockpit-lead"),
            # ------------------------------------------------------------------
            # TODO(metrics): headline figures (全市 KPIs, county map, warnings) go
            # here once `cockpit.metrics` is ready. Until then this page must not
            # touch the database, so that it renders on an empty install.
            # ------------------------------------------------------------------
            html.Div(id="home-metrics-slot", className="cockpit-slot"),
        ],
    )
