"""运城检察 数据驾驶舱 — the Dash cockpit.

Importing this package must stay cheap: `etl` imports `cockpit.metrics` (the semantic
layer) and must not pull in Dash. The Dash app is built in `cockpit.app`.
"""

__version__ = "0.1.0"

# The browser files of the Dash component `cockpit.components.echarts.ECharts`. Dash looks for
# `_js_dist` on the top-level package of every component class and serves the files from
# /_dash-component-suites/cockpit/… (paths relative to this package). Kept here as plain data
# so that importing `cockpit` does not import Dash.
_js_dist = [
    {"relative_package_path": "components/echarts/echarts.min.js", "namespace": "cockpit"},
    {"relative_package_path": "components/echarts/echarts_component.js", "namespace": "cockpit"},
]
