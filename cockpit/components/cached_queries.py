"""Metric-layer answers several pages share, kept per process and per data snapshot.

The store lives in each worker's memory and answers in milliseconds; what is worth keeping is
the fan-out (metric × every unit for a period) that the county page, /compare, the platform
tables and the exports read. Each (metric, period) is kept in the worker (an LRU keyed by the
snapshot) as plain dicts and computed only when a page needs it; the full set of a period — the
county page needs every metric — is also shared between workers through the app cache (Redis in
production): the first worker to need it computes it, the others read it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from cockpit import data, flight
from cockpit.components.memo import CODE_VERSION, _cache_ready
from cockpit.metrics.catalog import METRICS

_MAX = 3000
_lock = threading.Lock()
_lru: OrderedDict = OrderedDict()
ALL_METRICS = tuple(m.id for m in METRICS)

Rows = dict[str, dict[str, dict]]   # metric id → unit (code or group) → the by_unit row as a dict


def _put(key, rows) -> None:
    with _lock:
        _lru[key] = rows
        _lru.move_to_end(key)
        while len(_lru) > _MAX:
            _lru.popitem(last=False)


def by_unit_rows(period: str, metrics: tuple[str, ...] | list[str] | None = None) -> Rows:
    """metric id → unit → row of `MetricStore.by_unit(metric, period)` (BY_UNIT_COLUMNS), for
    the given metrics (default: all)."""
    store = data.current().store
    period = str(period)
    wanted = tuple(metrics) if metrics else ALL_METRICS
    base = (store.snapshot, id(store), period)
    out: Rows = {}
    with _lock:
        for mid in wanted:
            hit = _lru.get(base + (mid,))
            if hit is not None:
                out[mid] = hit
    missing = [m for m in wanted if m not in out]
    if not missing:
        return out
    if metrics is None and _cache_ready():      # the whole period (county page): share it between workers
        shared = _shared_period(store, period)
        for mid, rows in shared.items():
            _put(base + (mid,), rows)
        out.update({m: shared[m] for m in missing})
        return out
    for mid in missing:
        rows = {r["unit"]: r for r in store.by_unit(mid, period).to_dict("records")}
        _put(base + (mid,), rows)
        out[mid] = rows
    return out


def _shared_period(store, period: str) -> Rows:
    """Every metric's by_unit rows of a period, computed once for all threads and workers
    (cockpit.flight: the first to ask computes, the others wait for its result)."""
    skey = f"by_unit_rows:{CODE_VERSION}:{store.snapshot}:{period}"
    return flight.once(skey, lambda: {m: {r["unit"]: r for r in store.by_unit(m, period).to_dict("records")}
                                      for m in ALL_METRICS})


def clear() -> None:
    with _lock:
        _lru.clear()
