"""Sign-in rate limit, kept in the database so that every worker (and every host) counts together.

- `lock_failures` (20) wrong passwords for one account name from one address within
  `lock_window_seconds` (60) lock that name at that address for `lock_minutes` (15): even the
  right password is refused until then. Other addresses can still sign in as that user, so a
  remote attacker cannot lock a colleague out of the office.
- `address_failures` (100) failures from one address within the window, whatever the names,
  lock the address for every name (password spraying).
Unknown names are counted like real ones (the answer never tells which names exist).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from cockpit.auth.models import ALL_NAMES, login_failure, login_lock, utcnow, writing


def locked_until(engine: Engine, name: str, addr: str) -> datetime | None:
    """The end of the lock on this name at this address (or on the whole address), if any."""
    now = utcnow()
    with engine.connect() as conn:
        until = conn.execute(select(func.max(login_lock.c.until)).where(
            login_lock.c.remote_addr == addr, login_lock.c.name.in_([name, ALL_NAMES]),
            login_lock.c.until > now)).scalar()
    return until


def record_failure(engine: Engine, name: str, addr: str, settings) -> str | None:
    """Count a failure; returns "account" or "address" when this failure set a lock, else None."""
    now = utcnow()
    window = now - timedelta(seconds=settings.lock_window_seconds)
    until = now + timedelta(minutes=settings.lock_minutes)
    with writing(engine) as conn:
        conn.execute(login_failure.insert().values(at=now, name=name, remote_addr=addr))
        # keep the table small: nothing older than a day matters
        conn.execute(delete(login_failure).where(login_failure.c.at < now - timedelta(days=1)))
        n_name = conn.execute(select(func.count()).select_from(login_failure).where(
            login_failure.c.name == name, login_failure.c.remote_addr == addr, login_failure.c.at > window)).scalar()
        n_addr = conn.execute(select(func.count()).select_from(login_failure).where(
            login_failure.c.remote_addr == addr, login_failure.c.at > window)).scalar()
        which = None
        if n_addr >= settings.address_failures:
            which, lock_name = "address", ALL_NAMES
        elif n_name >= settings.lock_failures:
            which, lock_name = "account", name
        if which:
            active = conn.execute(select(func.count()).select_from(login_lock).where(
                login_lock.c.name == lock_name, login_lock.c.remote_addr == addr, login_lock.c.until > now)).scalar()
            if active:
                return None
            conn.execute(login_lock.insert().values(name=lock_name, remote_addr=addr, locked_at=now, until=until))
            # the count starts again after the lock
            q = delete(login_failure).where(login_failure.c.remote_addr == addr)
            conn.execute(q if which == "address" else q.where(login_failure.c.name == name))
        conn.execute(delete(login_lock).where(login_lock.c.until < now - timedelta(days=1)))
    return which


def clear_failures(engine: Engine, name: str, addr: str) -> None:
    """A successful sign-in forgets this name's failures from this address."""
    with writing(engine) as conn:
        conn.execute(delete(login_failure).where(login_failure.c.name == name, login_failure.c.remote_addr == addr))
