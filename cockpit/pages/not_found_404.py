"""页面未找到: shown by Dash Pages for any path no page is registered for."""
from __future__ import annotations

import dash
from dash import html

from cockpit.components.shell import browser_page

dash.register_page(__name__, path="/404", name="页面未找到", title="页面未找到 · 运城检察 数据驾驶舱")


def layout(**_query) -> html.Div:
    return browser_page(
        html.H1("页面未找到", className="cockpit-title"),
        html.P("抱歉，您访问的页面不存在或已被移除。请检查网址，或返回首页。", className="cockpit-lead"),
        html.A("返回首页", href=dash.get_relative_path("/"), className="btn btn-primary"),
        class_name="cockpit-404",
    )
