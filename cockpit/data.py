"""The app's view of the store: the current MetricStore, reloaded when a new snapshot is
published, kept when the database is unreachable.

Two engines: `engine()` is the primary (users, sessions, the audit log, the administrators'
settings, uploads — everything the cockpit writes, read back at once); `read_engine()` reads
the facts and the records — a read replica when `DATABASE_READ_URL` is set, else the primary.
The snapshot check runs on the read engine, so a worker switches when the replica has the
new publish.

Every page and the wall ask `current()`; it costs a dictionary lookup most of the time, one
`SELECT MAX(run_id)` every few seconds, and a reload (~0.3 s) only after an ETL publish.
If the database cannot be reached, the last good store is served with `stale=True` (the wall
shows "数据暂停更新") and the next check after the interval tries again, so the app recovers
by itself when the database returns.
"""
from __future__ import annotations

import logging
import os
import threading
import hashlib
import time
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from cockpit.metrics.alerts import load_thresholds
from cockpit.metrics.annotations import applicable, platform_launches, stored_annotations
from cockpit.metrics.engine import read_database_url, shared_engine
from cockpit.metrics.query import MetricStore

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class StoreState:
    store: MetricStore
    stale: bool            # the database could not be reached at the last check
    error: str | None      # why, for the log and an admin
    notes: tuple = ()      # the stored annotations (cockpit.metrics.annotations), read at each check
    notes_stamp: str = "-" # changes when they change: part of the cached outputs' keys
    thresholds: tuple = () # the administrator's alert thresholds (cockpit.metrics.alerts), read at each check
    thresholds_stamp: str = "-"  # changes when they change: part of the wall's alert panel key


def stamp(items) -> str:
    """A short hash of stored settings (annotations, thresholds): '-' when there are none."""
    items = tuple(items or ())
    return hashlib.sha1(repr(items).encode("utf-8")).hexdigest()[:10] if items else "-"


class StoreProvider:
    def __init__(self, engine: Engine, check_every: float = CHECK_EVERY_SECONDS, read_engine: Engine | None = None):
        self.engine = engine                          # the primary
        self.read_engine = read_engine or engine      # facts and records (a replica, or the primary)
        self.check_every = check_every
        self._lock = threading.Lock()
        self._state = StoreState(MetricStore.from_frames(None), stale=False, error=None)
        self._snapshot: int | None = None
        self._checked = 0.0

    def get(self) -> StoreState:
        if time.monotonic() - self._checked < self.check_every:
            return self._state
        with self._lock:
            if time.monotonic() - self._checked >= self.check_every:
                self._refresh()
        return self._state

    def _refresh(self) -> None:
        try:
            snapshot = MetricStore.current_snapshot(self.read_engine)
            if snapshot != self._snapshot or self._state.stale:
                store = MetricStore.load(self.read_engine) if snapshot != self._snapshot else self._state.store
                self._snapshot = snapshot
                self._state = replace(self._state, store=store, stale=False, error=None)
            self._refresh_settings()
        except Exception as err:  # noqa: BLE001 - any database failure: keep serving the last store
            if not self._state.stale:
                log.warning("store unreachable, serving snapshot %s: %s", self._snapshot, err)
            self._state = replace(self._state, stale=True, error=str(err).splitlines()[0])
        finally:
            self._checked = time.monotonic()


    def _refresh_settings(self) -> None:
        """Re-read what administrators set in the store — the annotations and the alert
        thresholds (a few rows each); a failure keeps the last ones."""
        for field, read in (("notes", stored_annotations), ("thresholds", load_thresholds)):
            try:
                items = tuple(read(self.engine))
            except Exception as err:  # noqa: BLE001 - the pages and the wall go on with the last ones
                log.warning("%s unreadable: %s", field, err)
                continue
            if items != getattr(self._state, field):
                self._state = replace(self._state, **{field: items, f"{field}_stamp": stamp(items)})


_provider: StoreProvider | None = None


def init(engine: Engine | None = None, check_every: float = CHECK_EVERY_SECONDS,
         read_engine: Engine | None = None) -> StoreProvider:
    """The provider on `engine` (default: `DATABASE_URL`'s) and, for the facts and records,
    `read_engine` (default: `DATABASE_READ_URL`'s when no engine is given and it is set)."""
    global _provider
    if engine is None:
        engine = shared_engine()
        if read_engine is None and os.environ.get("DATABASE_READ_URL"):
            read_engine = shared_engine(read_database_url())
    _provider = StoreProvider(engine, check_every, read_engine)
    return _provider


def current() -> StoreState:
    """The store every callback reads."""
    if _provider is None:
        init()
    return _provider.get()


def engine() -> Engine:
    """The primary: what the cockpit writes and must read back at once (users, sessions, audit,
    settings, uploads)."""
    if _provider is None:
        init()
    return _provider.engine


def read_engine() -> Engine:
    """Where the facts and the records are read (a replica when `DATABASE_READ_URL` is set)."""
    if _provider is None:
        init()
    return _provider.read_engine


def annotations(metric_id: str | None = None, unit=None, months=None) -> list:
    """The annotations a trend chart draws: the platform launches and the administrator's events
    that apply to the metric, the unit(s) and the months (cockpit.metrics.annotations.applicable)."""
    return applicable(platform_launches() + list(current().notes), metric_id, unit, months)
