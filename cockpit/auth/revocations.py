"""Revocations that hold while the database is down.

While the database cannot be reached, a session is believed on the voucher in its signed
cookie (guard._vouched_principal). Without more, a cookie of a session that had *ended* before
the outage would be believed too: a revoked wall's (at any age), a disabled user's or a
signed-out administrator's (within the idle timeout). So every end of a session is also noted
here, outside the database, and a voucher is refused when

- its session id was ended (signed out, timed out, replaced) — key `s:<sid hash>`;
- its user was disabled, had the password reset or changed, or the role changed after the
  voucher was last verified — key `u:<user id>` = the time of the change ("not before");
- its kiosk token was revoked after that — key `k:<kiosk id>`.

Where: a local file (`<data dir>/auth-revocations.json`, written atomically under a lock, so
every worker and the command line of one host share it) always, and Redis as well when
`REDIS_URL` is set (several hosts). Reading checks the file, then Redis. Entries expire: a
person's after 13 hours (no voucher of a person is believed longer: idle timeout 30 minutes,
sessions at most 12 hours), a wall's after the kiosk cookie's 400 days.

Keys are namespaced by the database (host, port, name, options; not the driver nor the
password), so that two stores — or the tests' many throw-away databases — never share entries.
Writing never raises (a failure is logged: the database itself has ended the session already).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

PERSON_TTL = 13 * 3600
KIOSK_TTL = 401 * 86400
FILE_NAME = "auth-revocations.json"
REDIS_PREFIX = "cockpit:revoked:"


def namespace(engine) -> str:
    """The database an entry belongs to, as a short hash."""
    url = engine.url
    ident = f"{url.get_backend_name()}|{url.host}|{url.port}|{url.database}|{sorted(url.query.items())}"
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:16]


class FileStore:
    """A JSON file {key: [not_before, expires]}; re-read when it changes on disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._data: dict = {}

    def _load(self) -> dict:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        if sig != self._seen:
            try:
                self._data = json.loads(self.path.read_text("utf-8") or "{}")
            except (OSError, ValueError) as err:
                log.error("cannot read %s: %s", self.path, err)
                return self._data
            self._seen = sig
        return self._data

    def get(self, key: str) -> float | None:
        with self._lock:
            entry = self._load().get(key)
        if not entry or entry[1] < time.time():
            return None
        return float(entry[0])

    def put(self, items: dict[str, tuple[float, float]]) -> None:
        import fcntl
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                try:
                    data = json.loads(self.path.read_text("utf-8") or "{}")
                except FileNotFoundError:
                    data = {}
                except ValueError:
                    log.error("%s was unreadable: started again", self.path)
                    data = {}
                now = time.time()
                data = {k: v for k, v in data.items() if v[1] >= now}
                for key, (not_before, expires) in items.items():
                    old = data.get(key)
                    data[key] = [max(not_before, old[0]) if old else not_before, max(expires, old[1] if old else 0)]
                tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
                tmp.write_text(json.dumps(data), "utf-8")
                os.chmod(tmp, 0o600)
                os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class RedisStore:
    def __init__(self, url: str):
        import redis
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str) -> float | None:
        value = self.client.get(REDIS_PREFIX + key)
        return float(value) if value is not None else None

    def put(self, items: dict[str, tuple[float, float]]) -> None:
        now = time.time()
        pipe = self.client.pipeline()
        for key, (not_before, expires) in items.items():
            # a later "not before" wins (GET/compare is not needed: times only grow)
            pipe.set(REDIS_PREFIX + key, repr(not_before), ex=max(1, int(expires - now)))
        pipe.execute()


class Revocations:
    def __init__(self, file: FileStore, redis_store: RedisStore | None = None):
        self.file = file
        self.redis = redis_store

    def _put(self, items: dict) -> None:
        for store in (self.file, self.redis):
            if store is None:
                continue
            try:
                store.put(items)
            except Exception as err:  # noqa: BLE001 - never breaks the revocation in the database
                log.error("cannot note a revocation in %s: %s", type(store).__name__, err)

    def _get(self, key: str) -> float | None:
        found = None
        for store in (self.file, self.redis):
            if store is None:
                continue
            try:
                value = store.get(key)
            except Exception as err:  # noqa: BLE001
                log.error("cannot read revocations from %s: %s", type(store).__name__, err)
                continue
            if value is not None:
                found = value if found is None else max(found, value)
        return found

    # ---------------------------------------------------------------- writing

    def session_ended(self, engine, sid_hash: str, kiosk: bool = False) -> None:
        now = time.time()
        self._put({f"{namespace(engine)}:s:{sid_hash}": (now, now + (KIOSK_TTL if kiosk else PERSON_TTL))})

    def user_changed(self, engine, user_ids) -> None:
        now = time.time()
        ns = namespace(engine)
        self._put({f"{ns}:u:{int(u)}": (now, now + PERSON_TTL) for u in user_ids})

    def kiosk_revoked(self, engine, kiosk_ids) -> None:
        now = time.time()
        ns = namespace(engine)
        self._put({f"{ns}:k:{int(k)}": (now, now + KIOSK_TTL) for k in kiosk_ids})

    # ---------------------------------------------------------------- reading

    def refuses(self, engine, sid_hash: str | None, user_id, kiosk_id, verified_at: float) -> bool:
        """Must a voucher last verified at `verified_at` be refused?"""
        ns = namespace(engine)
        if sid_hash and self._get(f"{ns}:s:{sid_hash}") is not None:
            return True
        for kind, ref in (("u", user_id), ("k", kiosk_id)):
            if ref is None:
                continue
            not_before = self._get(f"{ns}:{kind}:{int(ref)}")
            if not_before is not None and verified_at < not_before:
                return True
        return False


_store: Revocations | None = None
_store_lock = threading.Lock()


def store() -> Revocations:
    """The process's store: the data folder's file, plus Redis when REDIS_URL is set."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                from cockpit.auth.settings import data_dir
                url = os.environ.get("REDIS_URL")
                redis_store = None
                if url:
                    try:
                        redis_store = RedisStore(url)
                    except Exception as err:  # noqa: BLE001
                        log.error("revocations: cannot use Redis (%s); the local file only", err)
                _store = Revocations(FileStore(data_dir() / FILE_NAME), redis_store)
    return _store


def use(revocations: Revocations | None) -> Revocations | None:
    """Replace the process's store (tests); returns the one before."""
    global _store
    before, _store = _store, revocations
    return before
