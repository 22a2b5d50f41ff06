"""The callback cache: flask-caching, in-process by default, Redis when `REDIS_URL` is set.

Keys include the data snapshot (pass `snapshot` as an argument of a memoized function), so
a new ETL publish is shown at the next refresh without any invalidation.
"""
from __future__ import annotations

import os

from flask import Flask
from flask_caching import Cache

cache = Cache()
DEFAULT_TIMEOUT = 600


def init_cache(server: Flask) -> Cache:
    url = os.environ.get("REDIS_URL")
    if url:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": "cockpit:",
                  "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT, "CACHE_THRESHOLD": 2000}
    cache.init_app(server, config=config)
    return cache
