"""Warming the shared cache for a data snapshot, and the readiness check that reports it.

A new snapshot (a worker's start, an ETL publish, an expired warm-up) would otherwise reach
its first users cold: a hundred walls and fifty leaders arriving together make every worker
and thread compute the same blocks at once. The warm-up computes them once, before they are
asked for, by driving the app as a browser does — through the app's own server in process
(Flask's test client), so every page is warmed by its real callbacks and a new page needs no
edit here:

- the wall: its layout as the page loads it (`/_dash-layout`, filled with the first refresh),
  then the refresh callback tick after tick, carrying the state each answer set, until the
  map has cycled through all its indicators (every map part and every tick's delta);
- every page a leader may open: Dash Pages' router for the page's path, then every initial
  callback of the layout it returns with the layout's values (the default view) — as
  benchmarks/load_bench.py does over HTTP. A page with a path template lists the paths to
  warm in its `register_page(..., warm=[...])`; one without is skipped.

The requests carry an in-process identity (`Principal(kind="warm")` in the WSGI environ under
`context.INTERNAL_PRINCIPAL`, a key no HTTP client can set): a leader for the pages, the wall's
role for the wall. Its requests skip the CSRF check (no browser) and write no audit entries
(nobody looked at anything).

Only one worker (of all hosts sharing the cache) warms a snapshot: `claim` is an `add` of a
lock key in the cache; `done` is the marker the warm-up leaves, expiring a little before the
outputs it computed (cockpit.cache.DEFAULT_TIMEOUT), so the snapshot is warmed again before
its blocks go cold. When it runs is the store provider's business (cockpit.data): at start-up
and after each publish, before the workers switch to the new snapshot.

`/readyz` answers 200 {"ready": true} once this worker serves a loaded, warm snapshot, else
503: the readiness check of a deployment (and of benchmarks/soak_bench.py).
"""
from __future__ import annotations

import json
import logging
import os
import time

from cockpit.auth.models import Principal
from cockpit.auth import roles
from cockpit import dash_layout as L
from cockpit.cache import DEFAULT_TIMEOUT, cache

log = logging.getLogger(__name__)

LOCK_SECONDS = 300            # a warm-up that takes longer may be started again by another worker
WARM_LEADER = Principal("缓存预热", roles.LEADER, kind="warm")
WARM_WALL = Principal("缓存预热（大屏）", roles.SCREEN, kind="warm")
UPDATE = "/_dash-update-component"
ROUTER_OUTPUT_PART = "_pages_content.children"
HOST = "http://localhost"
# what a failed block says in its answer (cockpit.components.states, the shell), JSON-escaped
ERROR_MARKERS = tuple(json.dumps(t).strip('"').encode() for t in ("此部分内容生成失败", "暂时无法显示", "页面暂时无法显示"))


def enabled() -> bool:
    """COCKPIT_WARM: on, off, or auto (default) = on when the cache is shared (REDIS_URL)."""
    value = os.environ.get("COCKPIT_WARM", "auto").strip().lower()
    if value in ("on", "1", "true", "yes"):
        return True
    if value in ("off", "0", "false", "no"):
        return False
    return bool(os.environ.get("REDIS_URL"))


class Warmer:
    """What cockpit.data.StoreProvider calls: done, claim, warm (see the module's doc)."""

    def __init__(self, server, lock_seconds: int = LOCK_SECONDS, ttl: int = DEFAULT_TIMEOUT):
        self.server = server
        self.lock_seconds = lock_seconds
        self.ttl = ttl
        self.last: dict | None = None        # the last warm-up run here: what it did

    def key(self, snapshot, notes_stamp) -> str:
        from cockpit.components.memo import CODE_VERSION
        from cockpit.config import ranking_enabled
        return f"warm:{CODE_VERSION}:{'r1' if ranking_enabled() else 'r0'}:{snapshot}.{notes_stamp}"

    def done(self, snapshot, notes_stamp) -> bool:
        with self.server.app_context():
            return cache.get(self.key(snapshot, notes_stamp) + ":done") is not None

    def claim(self, snapshot, notes_stamp) -> bool:
        with self.server.app_context():
            return bool(cache.add(self.key(snapshot, notes_stamp) + ":lock", os.getpid(), timeout=self.lock_seconds))

    def warm(self, state) -> dict:
        """Warm `state`'s snapshot (the caller makes `cockpit.data.current()` answer it) and
        leave the marker."""
        key = self.key(state.store.snapshot, state.notes_stamp)
        t0 = time.monotonic()
        try:
            report = run(self.server)
            elapsed = time.monotonic() - t0
            report.update(snapshot=state.store.snapshot, seconds=round(elapsed, 1), pid=os.getpid())
            with self.server.app_context():
                # expires before the first outputs it computed do: then the snapshot is warmed again
                cache.set(key + ":done", report, timeout=max(60, self.ttl - int(elapsed) - 30))
            log.info("warmed snapshot %s in %.1f s: %d requests, %d errors", state.store.snapshot, elapsed,
                     report["requests"], report["errors"])
            self.last = report
            return report
        finally:
            try:
                with self.server.app_context():
                    cache.delete(key + ":lock")
            except Exception:  # noqa: BLE001
                pass


# --------------------------------------------------------------------------- driving the app

class _Client:
    """Flask's test client as a principal's browser: Dash callbacks posted as the renderer does."""

    def __init__(self, server, principal: Principal, report: dict):
        from cockpit.auth.context import INTERNAL_PRINCIPAL
        self.client = server.test_client()
        self.environ = {INTERNAL_PRINCIPAL: principal}
        self.report = report
        self._deps = None

    def get(self, path: str, **kw):
        r = self.client.get(path, environ_base=self.environ, **kw)
        self._count(r, r.status_code == 200)
        return r

    def post(self, cb: dict, inputs: list, state: list, changed: list[str]):
        body = {"output": cb["output"], "outputs": cb["outputs"] if cb["multi"] else cb["outputs"][0],
                "inputs": inputs, "state": state, "changedPropIds": changed}
        r = self.client.post(UPDATE, data=json.dumps(body), content_type="application/json",
                             environ_base=self.environ)
        self._count(r, r.status_code in (200, 204))
        return r

    def _count(self, r, ok: bool) -> None:
        ok = ok and not any(m in r.data for m in ERROR_MARKERS)
        self.report["requests"] += 1
        self.report["errors"] += 0 if ok else 1
        if not ok:
            log.warning("warm-up: %s answered %s", r.request.path, r.status_code)

    def deps(self) -> list[dict]:
        if self._deps is None:
            r = self.get("/_dash-dependencies")
            self._deps = [_callback(d) for d in (r.get_json() or []) if not d.get("clientside_function")]
        return self._deps


def run(server) -> dict:
    """Warm the wall and every page's default view; {requests, errors, pages}."""
    report = {"requests": 0, "errors": 0, "pages": 0}
    try:
        warm_wall(_Client(server, WARM_WALL, report))
    except Exception:  # noqa: BLE001 - the pages are still worth warming
        log.exception("warm-up: the wall failed")
        report["errors"] += 1
    client = _Client(server, WARM_LEADER, report)
    for path in page_paths():
        try:
            visit(client, path)
            report["pages"] += 1
        except Exception:  # noqa: BLE001
            log.exception("warm-up: %s failed", path)
            report["errors"] += 1
    return report


def extra_paths() -> list[str]:
    """COCKPIT_WARM_PATHS: more views to warm besides the defaults (paths with their query,
    separated by commas or newlines, or `@FILE` for a file of them, one a line) — the views an
    office's leaders open every day, e.g. the previous year's figures."""
    value = os.environ.get("COCKPIT_WARM_PATHS", "").strip()
    if value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as f:
                value = f.read()
        except OSError as err:
            log.warning("COCKPIT_WARM_PATHS: %s", err)
            return []
    return [p.strip() for p in value.replace(",", "\n").splitlines() if p.strip().startswith("/")]


def page_paths() -> list[str]:
    """The paths a leader may open: each page's path, a templated page's `warm` list, then
    `extra_paths()`."""
    import dash
    out = []
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") if p.get("order") is not None else 999):
        paths = page.get("warm") or ([] if page.get("path_template") else [page["path"]])
        for path in paths:
            if path not in (roles.SCREEN_PATH, "/404") and roles.page_allowed(WARM_LEADER.role, path):
                out.append(path)
    out += [p for p in extra_paths() if p not in out and roles.page_allowed(WARM_LEADER.role, p.partition("?")[0])]
    return out


def warm_wall(client: _Client) -> None:
    """The wall's first fill, then one refresh per indicator of the map's cycle (and one more:
    back to the first), each carrying the state of the last answer."""
    from cockpit.screen.params import MAP_CYCLE
    r = client.get("/_dash-layout", headers={"Referer": HOST + roles.SCREEN_PATH})
    comps: dict = {}
    L.walk(r.get_json(), comps)
    state = (comps.get("scr-state", (None, {}))[1]).get("data")
    params = (comps.get("scr-params", (None, {}))[1]).get("data")
    cb = next(c for c in client.deps() if any(i["id"] == "scr-refresh" for i in c["inputs"]))
    for n in range(1, len(MAP_CYCLE) + 1):
        r = client.post(cb, [{"id": "scr-refresh", "property": "n_intervals", "value": n}],
                        [{"id": "scr-state", "property": "data", "value": state},
                         {"id": "scr-params", "property": "data", "value": params}],
                        ["scr-refresh.n_intervals"])
        body = r.get_json(silent=True) or {}
        new = ((body.get("response") or {}).get("scr-state") or {}).get("data")
        state = new if new is not None else state


def visit(client: _Client, path: str) -> None:
    """A page's view: the router, then every initial callback of the layout it returns."""
    pathname, _, query = path.partition("?")
    router = next(c for c in client.deps() if ROUTER_OUTPUT_PART in c["output"])
    r = client.post(router, [{"id": "_pages_location", "property": "pathname", "value": pathname},
                             {"id": "_pages_location", "property": "search", "value": f"?{query}" if query else ""}],
                    [], ["_pages_location.pathname", "_pages_location.search"])
    body = r.get_json(silent=True) or {}
    comps: dict = {}
    L.walk(((body.get("response") or {}).get("_pages_content") or {}).get("children"), comps)
    for cb in client.deps():
        if cb is router or cb["prevent_initial_call"]:
            continue
        if not any(L.present(L.dep_id(spec["id"]), comps) for spec in cb["inputs"]):
            continue
        inputs, state = L.values(cb["inputs"], comps), L.values(cb["state"], comps)
        if inputs is None or state is None:
            continue
        client.post(cb, inputs, state, [])


# --------------------------------------------------------------------------- Dash's JSON

def _callback(dep: dict) -> dict:
    out = dep["output"]
    return {"output": out, "outputs": L.outputs(out), "multi": out.startswith(".."), "inputs": dep["inputs"],
            "state": dep.get("state", []), "prevent_initial_call": bool(dep.get("prevent_initial_call"))}


# --------------------------------------------------------------------------- wiring

def install(app) -> None:
    """The warm-up on the app's store provider (when `enabled()`), and `/readyz`."""
    from flask import jsonify

    from cockpit import data
    if enabled():
        data.provider().warmer = Warmer(app.server)

    def readyz():
        data.current()          # the periodic check (and a worker's first load) as for any request
        ok = data.provider().ready()
        return jsonify({"ready": ok}), (200 if ok else 503)

    app.server.add_url_rule("/readyz", "readyz", readyz)
