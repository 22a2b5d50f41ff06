"""Keeping the garbage collector's full collections out of the requests' time.

A worker's heap is large and almost all of it lives as long as the worker: Dash and its
component classes, Plotly's validators, pandas, SQLAlchemy, the page modules, the metric store.
CPython's full (generation-2) collection traverses every tracked object each time it runs —
about 100 ms on the x10 store with the cache warmed, more on a busy machine — and while it runs
none of the worker's threads does: the wall's 20 ms refresh that happens to be in that worker
then takes 120–300 ms. With a hundred walls and fifty leaders a worker collected every
~15 s, so one of four workers was frozen every few seconds (docs/benchmarks.md, session 8).

`freeze()` (gunicorn's `post_worker_init`, benchmarks/gunicorn.conf.py, once the worker has
loaded the app and the store) collects once and moves everything alive to the permanent
generation (`gc.freeze`): later collections traverse only what requests create, about 1 ms.
Reference counting still frees what is frozen (a replaced store: it holds no cycles), only
a cycle among frozen objects would stay; `settle()` — after the store provider switches to a
new snapshot (cockpit.data) — collects the garbage of the old snapshot and freezes the new
store too. Both do nothing in a process where `freeze()` was not called (tests, scripts).
"""
from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)
_lock = threading.Lock()
_frozen = False


def freeze() -> dict:
    """Collect, then freeze what is alive (see the module's doc); {objects, ms}."""
    global _frozen
    with _lock:
        t = time.perf_counter()
        gc.collect()
        gc.freeze()
        _frozen = True
        out = {"objects": gc.get_freeze_count(), "ms": round((time.perf_counter() - t) * 1000, 1)}
    log.info("heap frozen: %(objects)d objects, %(ms).0f ms", out)
    return out


def settle() -> dict | None:
    """After a new snapshot is served: the old one's garbage collected (its cycles included),
    then the heap frozen again. None when this process does not freeze."""
    global _frozen
    if not _frozen:
        return None
    with _lock:
        t = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        out = {"objects": gc.get_freeze_count(), "ms": round((time.perf_counter() - t) * 1000, 1)}
    log.info("heap settled after a new snapshot: %(objects)d objects frozen, %(ms).0f ms", out)
    return out


def thaw() -> None:
    """Undo `freeze()` (tests)."""
    global _frozen
    with _lock:
        gc.unfreeze()
        _frozen = False


def frozen() -> bool:
    return _frozen
