"""`ECharts`: an Apache ECharts chart as a Dash component (the wall's charts).

The browser side is two files served by the app itself (no CDN): `echarts.min.js`, ECharts
5.6.0 with only the parts the wall uses (built from `build/`; Apache-2.0, `echarts.LICENSE.txt`,
`echarts.NOTICE.txt`), and `echarts_component.js`, the React component (plain JavaScript, no
build step). The component makes the chart instance; the options are set on it in the browser
(`echarts.getInstanceByDom(element).setOption(option)`, the wall's assets/screen.js), so they
do not travel through Dash's state.

Why not the `dash-echarts` package: its bundle carries echarts-gl, claygl and mapbox-gl
(2.4 MB, of which the wall needs none; compiling it was the largest cost of a first visit),
it re-initialises the chart and registers its event handlers again on every option change,
and its `funs` need `'unsafe-eval'` in the page's CSP. docs/decisions.md has the measurements.

Dash finds the scripts through `_js_dist` of the top-level package that defines a component
class (`cockpit._js_dist` in cockpit/__init__.py), and serves them from
`/_dash-component-suites/cockpit/…` with a fingerprint, cached by the browser.
"""
from __future__ import annotations

from dash.development.base_component import Component

class ECharts(Component):
    """An ECharts chart.

    Keyword arguments:
    - id (string): the component's id (the element the chart instance is made on).
    - maps (dict): {map name: GeoJSON} to register before the option is set.
    - style (dict), className (string): of the chart's element (give it a size).
    - click_data (dict; set by the chart): the clicked item — componentType, seriesType,
      seriesIndex, seriesName, name, dataIndex, data, dataType, value, color — with
      `n_clicks` and `core_timestamp`.
    - n_clicks (number; set by the chart): clicks so far.
    """

    _children_props: list = []
    _base_nodes = ["children"]
    _namespace = "cockpit"
    _type = "ECharts"

    def __init__(self, id=Component.UNDEFINED, maps=Component.UNDEFINED, style=Component.UNDEFINED,
                 className=Component.UNDEFINED, click_data=Component.UNDEFINED, n_clicks=Component.UNDEFINED,
                 **kwargs):
        self._prop_names = ["id", "maps", "style", "className", "click_data", "n_clicks"]
        self._valid_wildcard_attributes = []
        self.available_properties = list(self._prop_names)
        self.available_wildcard_properties = []
        args = {k: v for k, v in dict(id=id, maps=maps, style=style, className=className,
                                     click_data=click_data, n_clicks=n_clicks).items()
                if v is not Component.UNDEFINED}
        super().__init__(**args, **kwargs)
