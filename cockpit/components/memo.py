"""Caching for the pages: memoized builders and whole callback outputs, per data snapshot.

- `memoized`: `cache.memoize` inside the Flask app (a callback), a direct call anywhere else
  (unit tests, scripts). Pass the store's snapshot as an argument so that a new ETL publish
  gives new keys (cockpit.cache).
- `cached_output`: the whole return value of a callback, keyed by the callback, its arguments
  and the snapshot, stored as plain JSON-ready data (cockpit.components.plain_html.to_plain):
  a warm hit costs one cache read, no component building. Exceptions are not cached (they
  propagate to `guarded`). In production the cache is Redis, shared by all workers. A miss is
  computed once (cockpit.flight): the other threads and workers asking for the same key at
  the same moment wait for that result instead of computing it too.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging

from flask import current_app, has_app_context

from cockpit import data, flight
from cockpit.cache import DEFAULT_TIMEOUT, cache
from cockpit.components.plain_html import to_plain

log = logging.getLogger("cockpit.pages")


def _code_version() -> str:
    """A short hash of the pages' code: cached outputs of an older release are never served
    after an upgrade (the cache outlives the workers)."""
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha1()
    for folder in ("components", "pages"):
        for f in sorted((root / folder).glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:10]


CODE_VERSION = _code_version()


def _cache_ready() -> bool:
    return has_app_context() and cache in current_app.extensions.get("cache", {})


def memoized(fn=None, *, timeout: int = DEFAULT_TIMEOUT):
    def deco(f):
        cached = cache.memoize(timeout=timeout)(f)

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            if _cache_ready():
                return cached(*args, **kwargs)
            return f(*args, **kwargs)

        wrapper.uncached = f
        return wrapper
    return deco(fn) if fn is not None else deco


def output_key(name: str, snapshot, args) -> str:
    """The cache key of a callback's output: the code, the callback, the snapshot (with the
    annotations' stamp: an administrator's new event is drawn at once), its arguments
    and the ranking setting (rank numbers and standing colours are on or off per process)."""
    from cockpit.config import ranking_enabled
    blob = json.dumps(args, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    ranks = "r1" if ranking_enabled() else "r0"
    return f"out:{CODE_VERSION}:{ranks}:{name}:{snapshot}:{hashlib.sha1(blob.encode('utf-8')).hexdigest()}"


def cached_output(fn=None, *, timeout: int = DEFAULT_TIMEOUT):
    def deco(f):
        name = f"{f.__module__.rsplit('.', 1)[-1]}.{f.__qualname__}"

        @functools.wraps(f)
        def wrapper(*args):
            if not _cache_ready():
                return f(*args)
            state = data.current()
            key = output_key(name, f"{state.store.snapshot}.{state.notes_stamp}", args)

            def build():
                out = f(*args)
                # a multi-output value is stored (and comes back) as a list: Dash takes lists too
                return [to_plain(o) for o in out] if isinstance(out, tuple) else to_plain(out)
            return flight.once(key, build, timeout=timeout)   # computed once for all threads and workers
        return wrapper
    return deco(fn) if fn is not None else deco
