"""The cache warm-up of a snapshot (cockpit.warm), its place in the store provider (cockpit.data)
and the single flight of cache misses (cockpit.flight)."""
from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import insert, select, func

from cockpit import data, flight, warm
from cockpit.cache import cache, init_cache


@pytest.fixture
def app(demo_copy):
    """The process's app with sign-in on (cockpit.auth.testing.shared_app: a second app in one
    process would lack the callbacks), on a copy of the small demo (the accounts' tables are
    created in it: the shared demo store stays as it is)."""
    from cockpit.auth.testing import shared_app, use_engine
    with use_engine(shared_app(), demo_copy) as application:
        yield application


@pytest.fixture
def counted(monkeypatch):
    """Every computation of a missing cache entry (pages' outputs, the wall's parts), counted."""
    builds: list[str] = []
    real = flight.once

    def once(key, build, **kw):
        def counting():
            builds.append(key)
            return build()
        return real(key, counting, **kw)
    monkeypatch.setattr(flight, "once", once)
    return builds


def _wall_and_home(server) -> None:
    """What a wall and a leader opening the overview ask for: the wall's first fill and a full
    cycle of its map, the overview's router and initial callbacks."""
    report = {"requests": 0, "errors": 0}
    warm.warm_wall(warm._Client(server, warm.WARM_WALL, report))
    warm.visit(warm._Client(server, warm.WARM_LEADER, report), "/")
    assert report["errors"] == 0


@pytest.mark.slow   # drives every page of the app once: in the full suite
def test_the_warm_up_makes_the_default_views_hits(app, counted):
    server = app.server
    with server.app_context():
        cache.clear()
    _wall_and_home(server)                      # cold: the blocks are computed
    assert any(k.startswith("screen:payload:map") for k in counted)
    assert any(k.startswith("out:") for k in counted)

    with server.app_context():
        cache.clear()
    report = warm.run(server)
    assert report["errors"] == 0
    assert report["pages"] >= 20                # every page a leader may open, 14 units and the indicators
    assert "/county/140802" in warm.page_paths() and "/metric/plea_rate" in warm.page_paths()
    assert not any(p.startswith("/admin") for p in warm.page_paths())
    counted.clear()
    _wall_and_home(server)                      # warm: nothing left to compute
    assert counted == []
    for path in ("/county/140821", "/metric/non_arrest_rate", "/compare", "/platform/arrest"):
        warm.visit(warm._Client(server, warm.WARM_LEADER, {"requests": 0, "errors": 0}), path)
    assert counted == []


def test_more_views_to_warm_come_from_the_setting(app, tmp_path, monkeypatch, counted):
    monkeypatch.setenv("COCKPIT_WARM_PATHS", "/compare?period=2023, /admin/users,/trends?span=2")
    paths = warm.page_paths()
    assert paths[-2:] == ["/compare?period=2023", "/trends?span=2"] and "/admin/users" not in paths
    listed = tmp_path / "views.txt"
    listed.write_text("/models?period=2023\n\n/metric/plea_rate?period=2023Q4\n", encoding="utf-8")
    monkeypatch.setenv("COCKPIT_WARM_PATHS", f"@{listed}")
    assert warm.extra_paths() == ["/models?period=2023", "/metric/plea_rate?period=2023Q4"]
    # a view with its query is warmed like a default one: the next visit computes nothing
    with app.server.app_context():
        cache.clear()
    client = warm._Client(app.server, warm.WARM_LEADER, {"requests": 0, "errors": 0})
    warm.visit(client, "/compare?period=2023")
    counted.clear()
    warm.visit(client, "/compare?period=2023")
    assert counted == []


def test_the_warm_ups_requests_leave_no_audit_entry(demo_copy, monkeypatch):
    from cockpit.auth import audit, csrf
    from cockpit.auth.models import Principal
    from cockpit.auth.testing import shared_app, use_engine
    with use_engine(shared_app(), demo_copy) as app:
        before = audit.entries(demo_copy, "view_records")[1]
        report = {"requests": 0, "errors": 0}
        warm.visit(warm._Client(app.server, warm.WARM_LEADER, report), "/county/140802?rec=arrest")
        assert audit.entries(demo_copy, "view_records")[1] == before
        assert report["errors"] == 0 and report["requests"] >= 4
        # the same view for a person (with the browser's CSRF token, here taken as given) is recorded
        monkeypatch.setattr(csrf, "valid", lambda: True)
        person = Principal("leader1", "leader", kind="user", user_id=1)
        report = {"requests": 0, "errors": 0}
        warm.visit(warm._Client(app.server, person, report), "/county/140802?rec=arrest")
        assert report["errors"] == 0
        assert audit.entries(demo_copy, "view_records")[1] == before + 1


def test_no_http_client_can_claim_the_warm_ups_identity(app):
    """The identity travels in the WSGI environ, which a request's headers cannot reach."""
    client = app.server.test_client()
    r = client.get("/_dash-dependencies", headers={"cockpit.internal_principal": "x",
                                                  "Cockpit-Internal-Principal": "x"})
    assert r.status_code == 401


# --------------------------------------------------------------------------- one warm-up per snapshot

@pytest.fixture
def shared():
    """One cache standing for Redis: what every worker's Warmer reads and writes."""
    server = Flask("warm-test")
    init_cache(server)
    with server.app_context():
        cache.clear()
    return server


class Counting(warm.Warmer):
    """A Warmer whose warm-up only counts (the real one is tested above), optionally held."""

    def __init__(self, server, hold: threading.Event | None = None):
        super().__init__(server)
        self.hold = hold
        self.runs: list[int] = []

    def warm(self, state):
        self.runs.append(state.store.snapshot)
        assert data.current() is state            # the warm-up reads the snapshot it warms
        if self.hold is not None:
            assert self.hold.wait(10)
        with self.server.app_context():
            cache.set(self.key(state.store.snapshot, state.notes_stamp) + ":done", {"ok": 1})
            cache.delete(self.key(state.store.snapshot, state.notes_stamp) + ":lock")


def _until(cond, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_one_warm_up_per_snapshot_among_workers_sharing_a_cache(demo_engine, shared):
    a, b = Counting(shared), Counting(shared)
    workers = [data.StoreProvider(demo_engine, check_every=0, warmer=w) for w in (a, b)]
    assert not workers[0].ready()
    for p in workers:
        p.get()
    assert _until(lambda: all(p.ready() for p in workers))
    for p in workers * 3:
        p.get()
    assert len(a.runs) + len(b.runs) == 1
    assert workers[0].get().store.snapshot == workers[1].get().store.snapshot


def _publish(engine) -> int:
    from cockpit.metrics.schema import etl_run
    with engine.begin() as conn:
        run_id = int(conn.execute(select(func.max(etl_run.c.run_id))).scalar() or 0) + 1
        conn.execute(insert(etl_run).values(run_id=run_id, started_at=datetime(2024, 7, 1),
                                            finished_at=datetime(2024, 7, 1), files_new=0, rows_loaded=0,
                                            rows_rejected=0))
    return run_id


def test_a_publish_is_served_after_its_warm_up(demo_copy, shared):
    hold = threading.Event()
    hold.set()
    w = Counting(shared, hold)
    p = data.StoreProvider(demo_copy, check_every=0, warmer=w)
    first = p.get().store.snapshot
    assert _until(p.ready)
    hold.clear()
    new = _publish(demo_copy)
    assert p.get().store.snapshot == first              # the old snapshot, while the new one warms
    assert _until(lambda: w.runs[-1:] == [new])
    for _ in range(5):
        assert p.get().store.snapshot == first
    hold.set()
    assert _until(lambda: p.get().store.snapshot == new)
    assert w.runs == [first, new] and p.ready()


def test_a_publish_another_worker_warms_is_served_when_it_is_done_or_after_the_timeout(demo_copy, shared):
    w = Counting(shared)
    p = data.StoreProvider(demo_copy, check_every=0, warmer=w, warm_timeout=0.5)
    first = p.get().store.snapshot
    assert _until(p.ready)
    # another worker claims the next snapshot and finishes it
    new = _publish(demo_copy)
    assert w.claim(new, "-")
    assert p.get().store.snapshot == first
    with shared.app_context():
        cache.set(w.key(new, "-") + ":done", {"ok": 1})
    assert p.get().store.snapshot == new
    # another worker claims the next one and never finishes: served after the timeout
    newer = _publish(demo_copy)
    assert w.claim(newer, "-")
    t0 = time.monotonic()
    assert p.get().store.snapshot == new
    assert _until(lambda: p.get().store.snapshot == newer)
    assert time.monotonic() - t0 >= 0.5
    assert w.runs == [first]


def test_the_database_away_while_a_publish_waits_keeps_the_old_store_stale(demo_copy, shared, monkeypatch):
    w = Counting(shared, threading.Event())           # held: never finishes here
    p = data.StoreProvider(demo_copy, check_every=0, warmer=w, warm_timeout=60)
    w.hold.set()
    first = p.get().store.snapshot
    assert _until(p.ready)
    w.hold.clear()
    _publish(demo_copy)
    p.get()
    from cockpit.metrics.query import MetricStore

    def down(engine):
        raise RuntimeError("connection refused")
    monkeypatch.setattr(MetricStore, "current_snapshot", staticmethod(down))
    st = p.get()
    assert st.stale and st.store.snapshot == first
    w.hold.set()


def test_readyz_says_whether_the_snapshot_served_is_warm(app, shared):
    client = app.server.test_client()
    p = data.provider()
    saved = p.warmer
    try:
        p.warmer = None
        assert client.get("/readyz").status_code == 200
        w = Counting(shared, threading.Event())
        w.claim(p.get().store.snapshot, p.get().notes_stamp)     # another worker is at it
        p.warmer = w
        r = client.get("/readyz")
        assert r.status_code == 503 and r.get_json() == {"ready": False}
        with shared.app_context():
            cache.set(w.key(p.get().store.snapshot, p.get().notes_stamp) + ":done", {"ok": 1})
        assert client.get("/readyz").get_json() == {"ready": True}
    finally:
        p.warmer = saved


# --------------------------------------------------------------------------- single flight

def test_a_miss_is_computed_once_under_concurrent_threads(shared):
    calls = []
    barrier = threading.Barrier(12)
    results = []

    def build():
        calls.append(1)
        time.sleep(0.2)
        return {"v": 42}

    def ask():
        with shared.app_context():
            barrier.wait()
            results.append(flight.once("k:once", build))
    threads = [threading.Thread(target=ask) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and results == [{"v": 42}] * 12


def test_a_worker_waits_for_the_one_computing_the_same_key(shared):
    """Another worker holds the key's flight lock (in the shared cache) and stores the value a
    moment later: this one takes it instead of computing."""
    with shared.app_context():
        assert cache.add("k:other:flight", 999, timeout=30)

    def other():
        time.sleep(0.3)
        with shared.app_context():
            cache.set("k:other", [1, 2, 3])
    threading.Thread(target=other).start()
    with shared.app_context():
        assert flight.once("k:other", lambda: pytest.fail("computed twice")) == [1, 2, 3]


def test_a_failed_or_uncacheable_computation_does_not_make_the_next_wait(shared):
    with shared.app_context():
        with pytest.raises(ZeroDivisionError):
            flight.once("k:fail", lambda: 1 / 0)
        t0 = time.monotonic()
        assert flight.once("k:fail", lambda: "ok") == "ok"
        assert flight.once("k:part", lambda: {"complete": False}, cacheable=lambda p: p["complete"]) == {"complete": False}
        assert flight.once("k:part", lambda: {"complete": True}, cacheable=lambda p: p["complete"]) == {"complete": True}
        assert time.monotonic() - t0 < 1.0
        assert cache.get("k:part") == {"complete": True}


def test_without_an_app_the_value_is_just_computed():
    assert flight.once("k:none", lambda: 7) == 7
