"""Sign-in rate limit, kept in the database so that every worker (and every host) counts together.

- `lock_failures` (20) wrong passwords for one account name from one address within
  `lock_window_seconds` (60) lock that name at that address for `lock_minutes` (15): even the
  right password is refused until then. Other addresses can still sign in as that user, so a
  remote attacker cannot lock a colleague out of the office.
- `address_failures` (100) failures from one address within the window, whatever the names,
  lock the address for every name (password spraying).
Unknown names are counted like real ones (the answer never tells which names exist).
- Invalid wall tokens count under the name `KIOSK` per address; the lock only stops *invalid*
  tokens (answered 429 without touching the audit log), never a valid token or a signed-in
  wall, so nobody at the wall's address can lock the wall out (guard.kiosk_sign_in).
An administrator sees the locks in force and lifts them on /admin/users (`active_locks`, `lift`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from cockpit.auth.models import ALL_NAMES, login_failure, login_lock, utcnow, writing

KIOSK = "kiosk"     # the lockout name of invalid wall tokens


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
        # bad wall tokens do not count toward the address-wide lock (an office behind one
        # address would otherwise be locked out by someone pasting bad wall addresses)
        n_addr = conn.execute(select(func.count()).select_from(login_failure).where(
            login_failure.c.remote_addr == addr, login_failure.c.name != KIOSK, login_failure.c.at > window)).scalar()
        which = None
        if name != KIOSK and n_addr >= settings.address_failures:
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


def active_locks(engine: Engine) -> list:
    """The locks in force now (ids, names — "*" for a whole address, "kiosk" for bad wall
    tokens — addresses, since and until), newest first: the users page lists them."""
    now = utcnow()
    with engine.connect() as conn:
        return conn.execute(select(login_lock).where(login_lock.c.until > now)
                            .order_by(login_lock.c.locked_at.desc(), login_lock.c.id.desc())).all()


def lift(engine: Engine, lock_id: int):
    """Lift one lock (and forget the failures that set it); returns its row, or None when it
    has already ended."""
    now = utcnow()
    with writing(engine) as conn:
        row = conn.execute(select(login_lock).where(login_lock.c.id == int(lock_id),
                                                    login_lock.c.until > now)).first()
        if row is None:
            return None
        conn.execute(delete(login_lock).where(login_lock.c.id == row.id))
        q = delete(login_failure).where(login_failure.c.remote_addr == row.remote_addr)
        conn.execute(q if row.name == ALL_NAMES else q.where(login_failure.c.name == row.name))
    return row


def describe(name: str) -> str:
    """What a lock covers, for the users page and the audit log (Chinese)."""
    if name == ALL_NAMES:
        return "整个地址（所有用户名）"
    if name == KIOSK:
        return "大屏令牌（无效令牌尝试）"
    return f"用户名「{name}」"
