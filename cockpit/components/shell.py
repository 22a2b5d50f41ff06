"""The browser pages' chrome: header bar and page frame. The wall (/screen) has none."""
from __future__ import annotations

import dash
from dash import html

TITLE = "运城检察 数据驾驶舱"


def header() -> html.Header:
    return html.Header(
        className="cockpit-header",
        children=[
            html.A(TITLE, href=dash.get_relative_path("/"), className="cockpit-brand"),
            html.Span("运城市人民检察院 · 大数据指挥中心", className="cockpit-org"),
        ],
    )


def browser_page(*children, class_name: str = "") -> html.Div:
    """A browser page: the header, then the page's content."""
    return html.Div(className="cockpit-shell", children=[
        header(),
        html.Main(html.Div(list(children), className=f"cockpit-page {class_name}".strip()),
                  className="cockpit-main"),
    ])
