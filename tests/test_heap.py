"""The worker's heap out of the full garbage collections (cockpit.heap) and its settling after
a new snapshot is served (cockpit.data)."""
from __future__ import annotations

import gc
import time
import weakref
from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from cockpit import data, heap


class Node:
    """A cycle: freed only by the garbage collector, never by reference counting."""

    def __init__(self):
        self.me = self


@pytest.fixture
def frozen():
    assert not heap.frozen()
    try:
        yield heap.freeze()
    finally:
        heap.thaw()
        gc.collect()


def test_freezing_takes_what_is_alive_out_of_the_collections(frozen):
    assert frozen["objects"] > 1000 and heap.frozen()
    before = Node()                                   # alive at the freeze: in the permanent generation
    heap.settle()
    assert not any(o is before for o in gc.get_objects(generation=2))
    after = Node()                                    # created later: collected as usual
    ref = weakref.ref(after)
    del after
    gc.collect()
    assert ref() is None


def test_settling_frees_the_cycles_that_were_frozen(frozen):
    old = Node()
    heap.settle()                                     # `old` frozen, as a replaced store's objects are
    ref = weakref.ref(old)
    del old
    gc.collect()
    assert ref() is not None                          # a frozen cycle outlives the collections …
    heap.settle()
    assert ref() is None                              # … until the heap is settled


def test_without_a_freeze_settling_does_nothing():
    assert not heap.frozen()
    assert heap.settle() is None
    assert gc.get_freeze_count() == 0


def _publish(engine) -> int:
    from cockpit.metrics.schema import etl_run
    with engine.begin() as conn:
        run_id = int(conn.execute(select(func.max(etl_run.c.run_id))).scalar() or 0) + 1
        conn.execute(insert(etl_run).values(run_id=run_id, started_at=datetime(2024, 7, 1),
                                            finished_at=datetime(2024, 7, 1), files_new=0, rows_loaded=0,
                                            rows_rejected=0))
    return run_id


@pytest.mark.parametrize("freezing", [True, False])
def test_a_new_snapshot_served_settles_a_frozen_heap(demo_copy, monkeypatch, freezing):
    settled: list[float] = []
    monkeypatch.setattr(data, "SETTLE_AFTER_SECONDS", 0.01)
    monkeypatch.setattr(heap, "settle", lambda: settled.append(time.monotonic()))
    monkeypatch.setattr(heap, "frozen", lambda: freezing)
    p = data.StoreProvider(demo_copy, check_every=0)
    first = p.get().store.snapshot
    time.sleep(0.1)
    assert settled == []                              # the first store: frozen by the worker's start
    p.get()
    time.sleep(0.1)
    assert settled == []                              # the same snapshot again: nothing to settle
    new = _publish(demo_copy)
    assert p.get().store.snapshot == new != first
    deadline = time.monotonic() + 5
    while freezing and not settled and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(settled) == (1 if freezing else 0)
