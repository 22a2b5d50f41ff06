"""A wall tick sends only what changed: the deltas of cockpit/screen/delta.py, what the patched
wall ends up holding, and the size of a tick over HTTP where only the map's indicator moves on."""
from __future__ import annotations

import json

from dash import Patch

from cockpit.auth import testing as T
from cockpit.screen import callbacks, delta, payload
from cockpit.screen.params import MAP_CYCLE, ScreenParams


def test_changes_turn_the_old_value_into_the_new_one():
    old = {"a": 1, "gone": [1, 2], "rows": [{"v": 1, "label": "x" * 200}, {"v": 2, "label": "y" * 200}],
           "short": [1, 2, 3]}
    new = {"a": 1, "added": {"k": True}, "rows": [{"v": 5, "label": "x" * 200}, {"v": 2, "label": "y" * 200}],
           "short": [1, 2]}
    ops = delta.changes(old, new)
    assert delta.apply(old, ops) == new
    # only the changed leaf of the long rows travels, a list that changed length goes whole
    assert (("rows", 0, "v"), 5) in ops and (("short",), [1, 2]) in ops
    assert (("gone",), delta.DELETE) in ops and (("added",), {"k": True}) in ops
    assert not any(loc[:2] == ("rows", 1) for loc, _ in ops)
    assert delta.changes(new, new) == []


def test_a_subtree_goes_whole_where_its_changes_would_be_longer():
    old = {"p": {"a": 1, "b": 2, "c": 3}}
    new = {"p": {"a": 9, "b": 8, "c": 7}}
    assert delta.changes(old, new) == [(("p",), {"a": 9, "b": 8, "c": 7})]
    assert delta.changes([1, 2], "text") == [((), "text")]
    assert delta.patch([((), "text")]) == "text"


def test_a_delete_survives_the_caches_pickle():
    import pickle
    assert pickle.loads(pickle.dumps(delta.DELETE)) is delta.DELETE


def test_the_patched_wall_holds_exactly_what_a_full_send_would(demo_store, app_ctx):
    """For every step of the map's cycle: the previous map part with the delta applied is the
    next map part — the option and the three HTML blocks."""
    for old, new in zip(MAP_CYCLE, MAP_CYCLE[1:] + MAP_CYCLE[:1]):
        was, now = payload.map_part(demo_store, old), payload.map_part(demo_store, new)
        moved = payload.map_delta(demo_store, old, new)
        assert moved["from"] == was["v"] and moved["v"] == now["v"] and moved["chart_v"] == now["chart"]["v"]
        assert delta.apply(was["chart"]["o"], moved["chart"]) == now["chart"]["o"], (old, new)
        for bid, ops in moved["blocks"].items():
            assert delta.apply(was["blocks"][bid], ops) == now["blocks"][bid], (old, new, bid)
        # and far less than the whole part
        assert delta.size(moved["chart"]) < delta.size(now["chart"]["o"]) / 5


def test_a_tick_sends_the_whole_map_unless_the_wall_holds_the_part_it_diffs_from(wall, app_ctx):
    params = ScreenParams().to_dict()
    first = callbacks.refresh_outputs(1, None, params)
    state = first["state"]
    assert state["map_v"] == payload.map_part(wall.store, state["metric"])["v"]
    moved = callbacks.refresh_outputs(2, state, params)
    ops = moved["charts"].to_plotly_json()["operations"]
    assert ops and all(op["location"][:2] == ["ch-map", "o"] or op["location"] == ["ch-map", "v"] for op in ops)
    assert moved["state"]["map_v"] == payload.map_part(wall.store, moved["state"]["metric"])["v"]
    # a wall whose map part is not the server's (another version of the code, a lost response)
    doubt = callbacks.refresh_outputs(2, dict(state, map_v="0123456789ab"), params)
    (op,) = doubt["charts"].to_plotly_json()["operations"]
    assert op["location"] == ["ch-map"] and op["params"]["value"]["o"]["series"]
    assert isinstance(doubt["ov-ranking"], list) and isinstance(moved["ov-ranking"], Patch)
    # a stale period, then the database back: the marker goes, the map still moves on by deltas
    wall.stale = True
    down = callbacks.refresh_outputs(3, moved["state"], params)
    wall.stale = False
    up = callbacks.refresh_outputs(4, down["state"], params)
    assert up["stale_class"] == "scr-stale" and up["state"]["map_v"] == payload.map_part(
        wall.store, up["state"]["metric"])["v"]


def test_a_tick_where_only_the_indicator_moves_is_at_most_20_kib_over_http(app, demo_db_url):
    """The wall signed in by its kiosk token posts its refresh like the renderer: the first
    tick (no state) answers everything; each next tick, where only the map's indicator moves
    on, answers ≤ 20 KiB."""
    client = app.server.test_client()
    token = T.issue_kiosk(demo_db_url, "增量测试大屏")
    assert client.get(f"/screen?token={token}").status_code == 302
    body = next(b for b in T.callback_requests(client).values()
                if any(isinstance(i, dict) and i["id"] == "scr-refresh" for i in b["inputs"]))
    params = ScreenParams().to_dict()

    def tick(n, state):
        body["inputs"] = [{"id": "scr-refresh", "property": "n_intervals", "value": n}]
        body["state"] = [{"id": "scr-state", "property": "data", "value": state},
                         {"id": "scr-params", "property": "data", "value": params}]
        body["changedPropIds"] = ["scr-refresh.n_intervals"]
        resp = client.post("/_dash-update-component", json=body, headers=T.csrf_header(client))
        assert resp.status_code == 200, resp.status_code
        return len(resp.data), resp.get_json()["response"]

    full, out = tick(1, None)
    state = out["scr-state"]["data"]
    sizes = []
    for n in range(2, 2 + 2 * len(MAP_CYCLE)):
        size, out = tick(n, state)
        assert out["scr-state"]["data"]["metric"] != state["metric"]
        state = out["scr-state"]["data"]
        sizes.append(size)
    print("first tick", full, "bytes; the map's next indicator", sizes)
    assert max(sizes) <= 20 * 1024, sizes
    assert full > 5 * max(sizes), (full, sizes)
    # the response is a patch: the map's option is not in it whole
    assert '"geo"' not in json.dumps(out["scr-charts"]["data"])
