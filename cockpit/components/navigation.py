"""Navigation callbacks shared by every browser page.

- URL-bound controls (`{"type": "qp", "name": …}`, see cockpit.components.pickers) navigate to
  the same page with that query parameter changed;
- a click on a chart point whose `customdata` is an in-app link (a county on the map, a bar of a
  ranking) navigates there (clientside, no server round trip);
- both write `href` of the page's `dcc.Location(id="page-nav", refresh="callback-nav")`, which
  Dash Pages follows without reloading the document.
"""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, no_update

from cockpit import data
from cockpit.components.params import query_string
from cockpit.metrics.periods import Period

NAV_ID = "page-nav"
URL_STORE_ID = "page-url"
# A hidden no-op callback: the benchmark's floor (what a round trip costs on this server).
PING_ID = "page-ping"
PING_OUT_ID = "page-ping-out"


def nav_graph(name: str) -> dict:
    """The id of a graph whose points link somewhere."""
    return {"type": "nav-graph", "name": name}


def new_href(name: str, value, url: dict) -> str | None:
    """The link a control change leads to (None: nothing to do). Pure; tested directly."""
    path = url.get("path") or "/"
    query = dict(url.get("query") or {})
    if name == "@path":
        if not value:
            return None
        return str(value) + query_string({"period": query.get("period")})
    if name == "period_kind":
        try:
            current = Period.parse(url.get("period"))
        except (TypeError, ValueError):
            from cockpit.components.params import default_period
            current = default_period(data.current().store)
        if value == current.kind:
            return None
        store = data.current().store
        period = Period.containing(value, current.end).clamp(store.data_month)
        query["period"] = str(period)
    elif name == "period":
        if not value or value == url.get("period"):
            return None
        query["period"] = value
    else:
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        if (value or None) == (query.get(name) or None):
            return None
        query[name] = value
        query.pop("page", None)   # a new selection starts at its first page
    return dash.get_relative_path(path) + query_string(query)


@callback(Output(NAV_ID, "href"), Input({"type": "qp", "name": ALL}, "value"), State(URL_STORE_ID, "data"),
          prevent_initial_call=True)
def follow_control(_values, url):
    trig = ctx.triggered_id
    if not trig or not url or not ctx.triggered:
        return no_update
    value = ctx.triggered[0]["value"]
    target = new_href(trig["name"], value, url)
    return target if target else no_update


clientside_callback(
    """
    function(_clicks) {
        const t = (dash_clientside.callback_context || {}).triggered || [];
        for (const item of t) {
            const v = item && item.value;
            const p = v && v.points && v.points[0];
            if (!p) continue;
            let link = p.customdata;
            if (Array.isArray(link)) link = link[0];
            if (typeof link === 'string' && link.charAt(0) === '/') return link;
        }
        return dash_clientside.no_update;
    }
    """,
    Output(NAV_ID, "href", allow_duplicate=True),
    Input(nav_graph(ALL), "clickData"),
    prevent_initial_call=True,
)


@callback(Output(PING_OUT_ID, "children"), Input(PING_ID, "data"), prevent_initial_call=True)
def ping(_data):
    """Does nothing: `benchmarks/load_bench.py` measures it as the floor of a callback round trip."""
    return ""
