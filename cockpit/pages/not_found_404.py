"""页面未找到: shown by Dash Pages for any path no page is registered for."""
from __future__ import annotations

import dash

from cockpit.components.shell import not_found

dash.register_page(__name__, path="/404", name="页面未找到", title="页面未找到 · 运城检察 数据驾驶舱")


def layout(**_query):
    return not_found()
