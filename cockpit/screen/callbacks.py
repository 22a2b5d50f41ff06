"""The wall's callbacks.

Server:
- `refresh` (every `?refresh=` seconds): reads `data.current()`; when the snapshot, the map's
  indicator, the administrator's alert thresholds or the stale flag changed since the last
  tick it sends what changed — the chart options as a `Patch` of the `scr-charts` store and
  the HTML blocks — and `no_update` for the rest. A tick with nothing new costs a dictionary
  look-up and sends a few bytes. When only the map's indicator moved on, and the wall holds
  the map part the server would diff from (its version `map_v` in the state), the map's option
  and blocks go as patches of what changed (`payload.map_delta`: values, labels, bar widths —
  about 12 KiB instead of 106); after a new snapshot, or any doubt, the whole part.
- `open_county`: a click on the map (a county, its office or a landmark) opens that county's panel.

Client (assets/screen.js, namespace `screen`):
- `applyCharts`: scales each chart option that changed (by its content version) from design
  pixels to the canvas and sets it on the chart's ECharts instance (not through a Dash
  property), the screen on show first;
- `rotate`: cycles the screens on `?rotate=` without a server round trip;
- (not a callback) the county ranking (`ov-ranking`, as sent) is shown in `ov-ranking-view`
  with its rows doubled for the scrolling ticker, a copy kept in step by the page's script;
- `closeCounty`.

The page's layout comes filled (`first_fill`: the same `refresh_outputs` with no state, put
into the skeleton), so the charts draw without waiting for a callback round trip, and
`refresh` first runs at the first tick. If the layout could not be filled (no state), that
tick fills everything, the map's outline (`maps`) included — as a failed tick is retried.

The plain functions (`refresh_outputs`, `county_outputs`) carry the logic; `register()`
wires them to Dash. The page module calls `register()` each time Dash Pages executes it.
"""
from __future__ import annotations

import logging
from datetime import datetime

import dash
from dash import ClientsideFunction, Input, Output, Patch, State, no_update

from cockpit import data
from cockpit.screen import charts as C
from cockpit.screen import delta
from cockpit.screen import layout as L
from cockpit.screen import panels as P
from cockpit.screen import payload
from cockpit.screen import shaping as S
from cockpit.screen.params import SCREEN_IDS, ScreenParams, map_metric

log = logging.getLogger(__name__)

STATIC_IDS = tuple(L.STATIC_BLOCKS)
MAP_IDS = tuple(L.MAP_BLOCKS)
ALERT_IDS = tuple(L.ALERT_BLOCKS)
HEADER_IDS = ("scr-updated", "scr-published")


def refresh_outputs(n_intervals, state: dict | None, params_data: dict | None) -> dict:
    """What one refresh tick sends: {output id: value or no_update}, plus 'charts' and 'state'."""
    params = ScreenParams.from_dict(params_data)
    tick = int(n_intervals or 0)
    st = data.current()
    store = st.store
    prev = state or {}
    metric = map_metric(params, tick)
    snap_changed = (prev.get("snapshot") != store.snapshot or not prev.get("complete", False)
                    or prev.get("notes", "-") != st.notes_stamp)   # an administrator's new 大事记
    metric_changed = snap_changed or prev.get("metric") != metric
    alerts_changed = (prev.get("snapshot") != store.snapshot
                      or prev.get("thresholds", "-") != st.thresholds_stamp)   # an administrator's new threshold
    stale_changed = prev.get("stale") != st.stale

    out: dict[str, object] = {k: no_update for k in STATIC_IDS + MAP_IDS + ALERT_IDS + HEADER_IDS
                              + ("stale_class", "maps")}
    first = state is None  # the page has just loaded: its layout is a skeleton without data
    charts = {} if first else Patch()
    touched = False
    if first:
        out["maps"] = {C.MAP_NAME: C.geojson()}
    complete = prev.get("complete", False)
    if snap_changed:
        static = payload.static_part(store, _engine(), offline=st.stale, notes=st.notes)
        complete = static["complete"]
        b = static["blocks"]
        for k in STATIC_IDS:
            out[k] = L.block(k, b)
        for cid, packed in static["charts"].items():
            charts[cid] = packed
        touched = True
        head = S.header(store, st.stale)
        out["scr-updated"] = head["updated"]
        out["scr-published"] = L.published_text(head)
    map_v = prev.get("map_v")
    if metric_changed:
        moved = None if snap_changed else _map_moved(store, prev, metric)
        if moved is None:
            mp = payload.map_part(store, metric)
            for k in MAP_IDS:
                out[k] = L.block(k, mp["data"])
            charts["ch-map"] = mp["chart"]
            map_v = mp["v"]
        else:   # only the indicator moved on: what changed, as patches of what the wall holds
            for k in MAP_IDS:
                out[k] = delta.patch(moved["blocks"][k]) if moved["blocks"][k] else no_update
            delta.patch(moved["chart"], charts, ("ch-map", "o"))
            charts["ch-map"]["v"] = moved["chart_v"]
            map_v = moved["v"]
        touched = True
    if alerts_changed:
        part = payload.alerts_part(store, st.thresholds)
        for k in ALERT_IDS:
            out[k] = L.block(k, part)
    if stale_changed:
        out["stale_class"] = "scr-stale on" if st.stale else "scr-stale"
    out["charts"] = charts if touched else no_update
    new_state = {"snapshot": store.snapshot, "metric": metric, "stale": st.stale, "complete": complete,
                 "notes": st.notes_stamp, "thresholds": st.thresholds_stamp, "map_v": map_v}
    out["state"] = new_state if new_state != prev else no_update
    return out


def _map_moved(store, prev: dict, metric: str) -> dict | None:
    """The delta from the map part the wall holds to `metric`'s; None when the wall's part is
    not known for certain (no version in its state, or another version than the server's)."""
    old = prev.get("metric")
    if not old or not prev.get("map_v"):
        return None
    moved = payload.map_delta(store, old, metric)     # one small cache look-up on a warm server
    return moved if moved["from"] == prev["map_v"] else None


# The refresh's outputs, in the callback's order: (element id, property, key in refresh_outputs).
OUTPUTS = (
    [("scr-charts", "data", "charts"), ("scr-state", "data", "state"),
     ("scr-updated", "children", "scr-updated"), ("scr-published", "children", "scr-published"),
     ("scr-stale", "className", "stale_class"), ("ch-map", "maps", "maps")]
    + [(k, "children", k) for k in STATIC_IDS + MAP_IDS + ALERT_IDS])


def first_fill(params: ScreenParams) -> dict[tuple[str, str], object]:
    """{(element id, property): value} that fills the page's skeleton: the first refresh."""
    out = refresh_outputs(0, None, params.to_dict())
    return {(cid, prop): out[key] for cid, prop, key in OUTPUTS if out[key] is not no_update}


def county_outputs(click: dict | None, state: dict | None):
    """(panel children, chart title, chart packed option, open?) for a click on the map."""
    code = county_of_click(click)
    if code is None:
        return None
    st = data.current()
    store = st.store
    metric = (state or {}).get("metric") or map_metric(ScreenParams(), 0)
    part = payload.county_part(store, code, metric, notes=st.notes)
    if part is None:
        return None
    return P.county_panel(code, part["figures"], metric), part["title"], part["chart"]


def county_of_click(click: dict | None) -> str | None:
    """The county code behind a click on the map: a county region, an office or a landmark."""
    if not click:
        return None
    item = click.get("data") or {}
    if isinstance(item, dict):
        code = item.get("code") or item.get("county")
        if code:
            return str(code)
    name = click.get("name")
    for o in C.offices():
        if o["name"] == name:
            return o["code"]
    for lm in C.landmarks():
        if lm["name"] == name:
            return lm["county"]
    return None


def _engine():
    return data.read_engine()


# --------------------------------------------------------------------------- wiring

def register() -> None:
    @dash.callback(
        *[Output(cid, prop) for cid, prop, _ in OUTPUTS],
        Input("scr-refresh", "n_intervals"),
        State("scr-state", "data"),
        State("scr-params", "data"),
        prevent_initial_call=True,
    )
    def refresh(n_intervals, state, params_data):
        out = refresh_outputs(n_intervals, state, params_data)
        return tuple(out[key] for _, _, key in OUTPUTS)

    @dash.callback(
        Output("scr-county-body", "children"),
        Output("scr-county-chart-title", "children"),
        Output("scr-charts", "data", allow_duplicate=True),
        Output("scr-county", "className"),
        Input("ch-map", "click_data"),
        State("scr-state", "data"),
        prevent_initial_call=True,
    )
    def open_county(click, state):
        res = county_outputs(click, state)
        if res is None:
            return no_update, no_update, no_update, no_update
        body, title, packed = res
        charts = Patch()
        charts["ch-county-trend"] = packed
        return body, title, charts, "scr-county open"

    dash.clientside_callback(   # draws the charts itself: no outputs (see assets/screen.js)
        ClientsideFunction(namespace="screen", function_name="applyCharts"),
        Input("scr-charts", "data"),
        Input("scr-scale", "data"),
    )
    dash.clientside_callback(
        ClientsideFunction(namespace="screen", function_name="rotate"),
        Output("scr-stage", "className"),
        *[Output(f"scr-tab-{sid}", "className") for sid in SCREEN_IDS],
        Input("scr-rotate", "n_intervals"),
        State("scr-params", "data"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction(namespace="screen", function_name="closeCounty"),
        Output("scr-county", "className", allow_duplicate=True),
        Input("scr-county-close", "n_clicks"),
        prevent_initial_call=True,
    )


def now() -> datetime:
    return datetime.now()
