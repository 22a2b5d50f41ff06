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

With a warmer installed (cockpit.warm, on in production: `StoreProvider.warmer`) a snapshot is
served warm: after an ETL publish the old store is served until the new snapshot's warm-up —
run by whichever worker claims it, on the new store (`serving`) — is done, or for at most
`warm_timeout` seconds; a snapshot whose warm-up has expired or never ran (start-up, a new
release, new annotations) is warmed again in the background.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from cockpit.metrics.alerts import load_thresholds
from cockpit.metrics.annotations import applicable, platform_launches, stored_annotations
from cockpit.metrics.engine import read_database_url, shared_engine
from cockpit.metrics.query import MetricStore

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 5.0
WARM_TIMEOUT_SECONDS = 60.0   # a new snapshot is served after its warm-up, or after this long
_local = threading.local()    # `serving`: the state one thread (the warm-up) reads instead


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


@dataclass
class _Pending:
    """A published snapshot not served yet: waiting for its warm-up (ours or another worker's)."""
    snapshot: int | None
    since: float
    store: MetricStore | None = None     # loaded when this worker warms it


class StoreProvider:
    def __init__(self, engine: Engine, check_every: float = CHECK_EVERY_SECONDS, read_engine: Engine | None = None,
                 warmer=None, warm_timeout: float = WARM_TIMEOUT_SECONDS):
        self.engine = engine                          # the primary
        self.read_engine = read_engine or engine      # facts and records (a replica, or the primary)
        self.check_every = check_every
        # cockpit.warm.Warmer or None: done(snapshot, notes_stamp), claim(snapshot, notes_stamp), warm(state)
        self.warmer = warmer
        self.warm_timeout = warm_timeout
        self._lock = threading.Lock()
        self._state = StoreState(MetricStore.from_frames(None), stale=False, error=None)
        self._snapshot: int | None = None
        self._checked = 0.0
        self._pending: _Pending | None = None
        self._warm: set[tuple] = set()       # (snapshot, notes stamp) known warm or warmed here

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
            if snapshot != self._snapshot:
                self._new_snapshot(snapshot)
            elif self._pending is not None:       # the publish was withdrawn (rolled back)
                self._pending = None
            if self._state.stale:
                self._state = replace(self._state, stale=False, error=None)
            self._refresh_settings()
            self._keep_warm()
        except Exception as err:  # noqa: BLE001 - any database failure: keep serving the last store
            if not self._state.stale:
                log.warning("store unreachable, serving snapshot %s: %s", self._snapshot, err)
            self._state = replace(self._state, stale=True, error=str(err).splitlines()[0])
        finally:
            self._checked = time.monotonic()

    def _switch(self, snapshot, store: MetricStore) -> None:
        self._snapshot = snapshot
        self._state = replace(self._state, store=store, stale=False, error=None)
        self._pending = None

    def _new_snapshot(self, snapshot) -> None:
        """A snapshot other than the one served: served now (no warmer, nothing served yet, or
        already warm), or once its warm-up is done, or after `warm_timeout` seconds."""
        notes = self._state.notes_stamp
        if self.warmer is None or self._snapshot is None or self._is_warm(snapshot, notes):
            p = self._pending
            store = p.store if p is not None and p.snapshot == snapshot and p.store is not None else None
            self._switch(snapshot, store or MetricStore.load(self.read_engine))
            return
        p = self._pending
        if p is None or p.snapshot != snapshot:
            p = self._pending = _Pending(snapshot, time.monotonic())
            if self._claim(snapshot, notes):
                p.store = MetricStore.load(self.read_engine)
                self._start_warm(replace(self._state, store=p.store, stale=False, error=None), switch=True)
            return
        if time.monotonic() - p.since >= self.warm_timeout:
            log.warning("snapshot %s not warm after %.0f s: served cold", snapshot, self.warm_timeout)
            self._switch(snapshot, p.store or MetricStore.load(self.read_engine))

    def _is_warm(self, snapshot, notes) -> bool:
        if (snapshot, notes) in self._warm:
            return True
        try:
            done = bool(self.warmer.done(snapshot, notes))
        except Exception as err:  # noqa: BLE001 - the cache is down: nothing to wait for
            log.warning("warm-up state unreadable: %s", err)
            return True
        return done

    def _claim(self, snapshot, notes) -> bool:
        try:
            return bool(self.warmer.claim(snapshot, notes))
        except Exception as err:  # noqa: BLE001
            log.warning("warm-up lock unavailable: %s", err)
            return False

    def _keep_warm(self) -> None:
        """The snapshot served is warm in the shared cache, or this worker starts warming it
        when no other does (start-up, an expired warm-up, new annotations)."""
        if self.warmer is None or self._snapshot is None:
            return
        key = (self._snapshot, self._state.notes_stamp)
        try:
            done = bool(self.warmer.done(*key))
        except Exception:  # noqa: BLE001
            return
        if done:
            self._warm.add(key)
        elif self._claim(*key):
            self._start_warm(self._state, switch=False)

    def _start_warm(self, state: StoreState, switch: bool) -> None:
        threading.Thread(target=self._run_warm, args=(state, switch), daemon=True,
                         name=f"warm-{state.store.snapshot}").start()

    def _run_warm(self, state: StoreState, switch: bool) -> None:
        try:
            with serving(state):
                self.warmer.warm(state)
            self._warm.add((state.store.snapshot, state.notes_stamp))
        except Exception:  # noqa: BLE001 - a failed warm-up only costs time
            log.exception("warm-up of snapshot %s failed", state.store.snapshot)
        if switch:
            with self._lock:
                p = self._pending
                if p is not None and p.store is state.store:
                    self._switch(p.snapshot, p.store)

    def ready(self) -> bool:
        """Is the store loaded and the snapshot served warm (here or by another worker)? For
        the readiness check (cockpit.warm.install: /readyz)."""
        if self._checked == 0.0:
            return False
        if self.warmer is None or self._snapshot is None:
            return True
        return self._is_warm(self._snapshot, self._state.notes_stamp)

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
         read_engine: Engine | None = None, warmer=None) -> StoreProvider:
    """The provider on `engine` (default: `DATABASE_URL`'s) and, for the facts and records,
    `read_engine` (default: `DATABASE_READ_URL`'s when no engine is given and it is set)."""
    global _provider
    if engine is None:
        engine = shared_engine()
        if read_engine is None and os.environ.get("DATABASE_READ_URL"):
            read_engine = shared_engine(read_database_url())
    _provider = StoreProvider(engine, check_every, read_engine, warmer)
    return _provider


def provider() -> StoreProvider:
    if _provider is None:
        init()
    return _provider


def current() -> StoreState:
    """The store every callback reads (in a thread inside `serving(state)`: that state)."""
    st = getattr(_local, "state", None)
    if st is not None:
        return st
    if _provider is None:
        init()
    return _provider.get()


@contextmanager
def serving(state: StoreState):
    """Within the block, `current()` in this thread answers `state` (the warm-up of a snapshot
    that is not served yet)."""
    prev = getattr(_local, "state", None)
    _local.state = state
    try:
        yield state
    finally:
        _local.state = prev


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
