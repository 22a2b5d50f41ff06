"""Settings of the auth layer, read from the environment once per app.

`COCKPIT_AUTH` switches the whole layer: on unless `COCKPIT_AUTH=off` (only for a developer's
own machine; every page and record is then open to anyone who can reach the port).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cockpit import config

DEFAULT_AUTH = "on"

MB = 1024 * 1024


def auth_enabled() -> bool:
    """Whether sign-in is required: `COCKPIT_AUTH` (on/off), default `DEFAULT_AUTH`."""
    value = os.environ.get("COCKPIT_AUTH", DEFAULT_AUTH).strip().lower()
    return value in ("on", "1", "true", "yes")


def data_dir() -> Path:
    value = os.environ.get("COCKPIT_DATA_DIR")
    return Path(value) if value else config.DATA_DIR


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass
class Settings:
    # people: signed out after this long without a request of their own (timers do not count)
    idle_minutes: int = 30
    # people: signed out this long after signing in, active or not
    max_session_hours: int = 12
    # the wall: its session lasts until the kiosk token is revoked; the cookie this long
    kiosk_cookie_days: int = 400
    # last_seen is written at most this often (one UPDATE a minute per session, not per request)
    touch_every_seconds: int = 60
    # lockout: this many failures for one account from one address within the window ...
    lock_failures: int = 20
    lock_window_seconds: int = 60
    # ... lock that account at that address for this long
    lock_minutes: int = 15
    # an address failing this often within the window (any account names) is locked as a whole
    address_failures: int = 100
    # uploads
    upload_max_bytes: int = 50 * MB
    upload_max_files: int = 20
    # a callback request of anyone but an administrator (uploads) is small
    callback_max_bytes: int = 2 * MB
    # cookies: "auto" = Secure when the request came over HTTPS (behind a proxy: COCKPIT_PROXY_HOPS)
    secure_cookies: str = "auto"
    proxy_hops: int = 0
    secret_key: str = ""
    landing: Path = field(default_factory=lambda: data_dir() / "landing")

    @classmethod
    def from_env(cls) -> "Settings":
        s = cls()
        s.idle_minutes = _env_int("COCKPIT_IDLE_MINUTES", s.idle_minutes)
        s.upload_max_bytes = _env_int("COCKPIT_UPLOAD_MAX_MB", 50) * MB
        s.secure_cookies = os.environ.get("COCKPIT_SECURE_COOKIES", "auto").strip().lower()
        s.proxy_hops = _env_int("COCKPIT_PROXY_HOPS", 0)
        s.landing = Path(os.environ.get("COCKPIT_LANDING") or data_dir() / "landing")
        s.secret_key = os.environ.get("COCKPIT_SECRET_KEY", "")
        return s

    def ensure_secret_key(self) -> str:
        """COCKPIT_SECRET_KEY, else the key file in the data folder (created on first use)."""
        if not self.secret_key:
            self.secret_key = secret_key_file(data_dir() / "secret_key")
        return self.secret_key


def secret_key_file(path: Path) -> str:
    """The session-signing key kept in the data folder, created once (0600). Every worker of one
    host reads the same file, so a session signed by one worker is valid in the others; several
    hosts must share `COCKPIT_SECRET_KEY` instead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        # an empty file: another worker is writing it right now
        import time
        for _ in range(50):
            time.sleep(0.1)
            key = path.read_text().strip()
            if key:
                return key
        raise RuntimeError(f"{path} is empty; delete it or set COCKPIT_SECRET_KEY")
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
