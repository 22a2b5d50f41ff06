"""Single flight for the shared cache: a value that is missing is computed once, not by every
thread and worker that asks for it at the same moment.

    value = flight.once(key, build)                      # build() only on a miss
    part = flight.once(key, build, cacheable=lambda p: p["complete"])

On a miss the threads of one worker queue on a lock of their own for the key (the first
computes, the others then find the value); between workers (and hosts, with Redis) the first
takes a short lock in the cache (`add` of `key + ":flight"`) and the others poll the cache
for its value, up to `wait` seconds — then, or when the cache cannot be read at all, they
compute themselves, so a worker that died while computing only costs time. A value that is
not `cacheable` (a part built while the database was away) or raises is not stored, and its
flight lock is dropped at once so the next one computes without waiting.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable, TypeVar

from cockpit.cache import DEFAULT_TIMEOUT, cache

log = logging.getLogger(__name__)
T = TypeVar("T")

WAIT_SECONDS = 20.0       # how long a worker waits for another's result (cold x10 blocks: seconds)
LOCK_SECONDS = 30         # the flight lock in the cache outlives a stuck computation by no more
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _local_lock(key: str) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 5000:
            # forget idle locks (a held one stays: its holder still has it in hand)
            for k in [k for k, lk in _locks.items() if not lk.locked()]:
                del _locks[k]
        return _locks.setdefault(key, threading.Lock())


def _get(key: str):
    try:
        return cache.get(key), True
    except Exception as err:  # noqa: BLE001 - no app context or the cache is down: compute
        log.debug("cache read failed (%s): %s", key, err)
        return None, False


def once(key: str, build: Callable[[], T], *, timeout: int = DEFAULT_TIMEOUT,
         cacheable: Callable[[T], bool] = lambda v: True, wait: float = WAIT_SECONDS) -> T:
    """The cached value of `key`, else `build()` computed once for everyone asking (see above)
    and stored for `timeout` seconds when `cacheable(value)`."""
    hit, readable = _get(key)
    if hit is not None:
        return hit
    with _local_lock(key):
        hit, readable = _get(key)
        if hit is not None:
            return hit
        mine = True
        if readable:
            try:
                mine = bool(cache.add(key + ":flight", os.getpid(), timeout=LOCK_SECONDS))
            except Exception:  # noqa: BLE001
                mine = True
        if not mine:
            deadline = time.monotonic() + wait
            pause = 0.01
            while time.monotonic() < deadline:
                time.sleep(pause)
                pause = min(pause * 1.5, 0.1)
                hit, readable = _get(key)
                if hit is not None:
                    return hit
                if not readable:
                    break
                try:       # the other one gave up (an error, an uncacheable value): our turn
                    if cache.add(key + ":flight", os.getpid(), timeout=LOCK_SECONDS):
                        mine = True
                        break
                except Exception:  # noqa: BLE001
                    break
        try:
            value = build()
            if value is not None and cacheable(value):
                try:
                    cache.set(key, value, timeout=timeout)
                except Exception as err:  # noqa: BLE001 - caching is an optimisation only
                    log.warning("cache write failed (%s): %s", key, err)
            return value
        finally:
            if mine and readable:
                try:
                    cache.delete(key + ":flight")
                except Exception:  # noqa: BLE001
                    pass
