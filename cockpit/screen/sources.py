"""Record-level look-ups the wall needs besides the MetricStore, all through
`cockpit.metrics.records` (masked, no SQL here):

- the latest non-custody warnings (`records.latest_warnings`: unit, time, kind, handling; no person);
- the names of the models (the registry export, `list_records('registry')`);
- the clue ledger's counts (`ledger.load_clues` + `clue_path` + `indicator_values`: 在办,
  逾期未办结 as of the data date, 逾期办结 and 督办 in the wall's period) — counts only: no clue
  number, summary or name leaves this module.

Counts of measures no catalog metric exposes (risk bands, suggestions replied) come from the
metric layer (`MetricStore.measure_total`), not from here.

Staged records change only with an ETL publish, so every result is cached under the store's
snapshot (`payload.snapshot_key`; flask-caching, Redis when configured). When the database cannot be reached the last
good result is served and nothing is cached, so the next refresh after recovery reads again.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from cockpit import cache as cache_mod
from cockpit.metrics import ledger, records
from cockpit.metrics import units as U
from cockpit.metrics.periods import Period

log = logging.getLogger(__name__)

CACHE_TIMEOUT = 24 * 3600
FEED_SIZE = 12
_last_good: dict[str, object] = {}
_lock = threading.Lock()


def _cache_get(key: str):
    try:
        return cache_mod.cache.get(key)
    except Exception:  # noqa: BLE001 - no app context (unit tests, bench) or cache backend down
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache_mod.cache.set(key, value, timeout=CACHE_TIMEOUT)
    except Exception:  # noqa: BLE001 - caching is an optimisation only
        pass


def cached(key: str, snapshot: int | str, build: Callable[[], object], offline: bool = False) -> tuple[object, bool]:
    """(value, fresh): the cached value for this snapshot, else build it; if building fails
    (database down) the last good value of `key` (any snapshot) with fresh=False. `offline`
    (the store provider already knows the database is unreachable): do not even try."""
    full = f"screen:{key}:{snapshot}"
    hit = _cache_get(full)
    if hit is not None:
        return hit, True
    if offline:
        with _lock:
            return _last_good.get(key), False
    try:
        value = build()
    except Exception as err:  # noqa: BLE001 - any database failure: keep the last figures
        log.warning("screen: %s unavailable (%s); keeping the last result", key, str(err).splitlines()[0])
        with _lock:
            return _last_good.get(key), False
    with _lock:
        _last_good[key] = value
    _cache_set(full, value)
    return value, True


# --------------------------------------------------------------------------- look-ups

def latest_warnings(engine, snapshot: int | str, n: int = FEED_SIZE, offline: bool = False,
                    month: str | None = None) -> tuple[list[dict], bool]:
    """The latest warnings as plain rows: unit (short name), occurred_at, type, handling,
    handled_at — never the person (not even the pseudonymous 人员编号).

    `records.latest_warnings` sorts the whole event table (≈ 0.2 s on the full demo's 1.1 M
    events in SQLite, no index on the time). With the data month known, the same rows come
    from `records.list_records` for the warnings measure (`nc_warnings`) month by month, newest
    first, which the (unit, month) index answers in a few ms; it falls back to
    `records.latest_warnings` when the last three months hold fewer than n warnings."""
    def build():
        rows = _warnings_by_month(engine, n, month) if month else []
        if len(rows) < n:
            frame = records.latest_warnings(engine, n)
            rows = [_warning_row(r.unit_code, r.occurred_at, r.warning_type, r.handling, r.handled_at)
                    for r in frame.itertuples(index=False)]
        return rows[:n]
    value, fresh = cached(f"warnings:{n}:{month}", snapshot, build, offline)
    return (value or []), fresh


def _warnings_by_month(engine, n: int, month: str) -> list[dict]:
    from cockpit.metrics.periods import add_months
    rows: list[dict] = []
    for back in range(3):
        page = records.list_records(engine, "nc_event", U.CITY, Period.month(add_months(month, -back)),
                                    measure_id="nc_warnings", sort="occurred_at", descending=True,
                                    page_size=n - len(rows))
        rows += [_warning_row(r.unit_code, r.occurred_at, r.warning_type, r.handling, r.handled_at)
                 for r in page.rows.itertuples(index=False)]
        if len(rows) >= n:
            break
    return rows


def _warning_row(unit_code, occurred_at, warning_type, handling, handled_at) -> dict:
    unit = U.UNIT_BY_CODE.get(str(unit_code))
    return {"unit": unit.short if unit else str(unit_code),
            "occurred_at": None if _blank(occurred_at) else str(occurred_at),
            "type": "" if _blank(warning_type) else str(warning_type),
            "handling": "" if _blank(handling) else str(handling),
            "handled_at": None if _blank(handled_at) else str(handled_at)}


def model_registry(engine, snapshot: int | str, offline: bool = False) -> tuple[dict[str, dict], bool]:
    """item id → {name, category, domain, unit, launch} from the registry export."""
    def build():
        page = records.list_records(engine, "registry", U.CITY, None, page_size=500)
        out = {}
        for r in page.rows.itertuples(index=False):
            out[str(r.item_id)] = {"name": str(r.item_name), "category": str(r.category),
                                   "domain": "" if _blank(r.domain) else str(r.domain),
                                   "unit": str(r.unit_code),
                                   "launch": "" if _blank(r.launch_date) else str(r.launch_date)[:10]}
        return out
    value, fresh = cached("registry", snapshot, build, offline)
    return (value or {}), fresh


def _blank(v) -> bool:
    if v is None:
        return True
    try:
        return v != v  # NaN
    except Exception:  # noqa: BLE001
        return False


def clue_ledger_counts(engine, snapshot: int | str, as_of, period: Period | None = None,
                       offline: bool = False) -> tuple[dict[str, int], bool]:
    """The ledger's indicators for the whole city (`ledger.LEDGER_INDICATORS`: stocks as of
    `as_of`, counts over `period`), as {indicator id: count}."""
    def build():
        path = ledger.clue_path(ledger.load_clues(engine, [U.CITY]), as_of)
        return {k: int(v) for k, v in ledger.indicator_values(path, period).items()}
    value, fresh = cached(f"ledger:{as_of}:{period}", snapshot, build, offline)
    return (value or {}), fresh
