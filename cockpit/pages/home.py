"""首页 (placeholder until the overview lands): title and the snapshot date."""
from __future__ import annotations

import dash
from dash import html

from cockpit.components.shell import TITLE, browser_page

dash.register_page(__name__, path="/", name="首页", title=TITLE, order=0)


def layout(**_query) -> html.Div:
    return browser_page(
        html.H1(TITLE, className="cockpit-title"),
        html.P("数据驾驶舱正在建设中，敬请期待。", className="cockpit-lead"),
        class_name="cockpit-home",
    )
