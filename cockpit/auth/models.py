"""The auth tables (SQLAlchemy Core, in the store's own database) and the operations on them.

- app_user       accounts: name, role, unit, password hash, active
- app_session    server-side sessions: the cookie holds a random id, the table its hash, who,
                 when it was last used; signing out, disabling a user, resetting a password or
                 revoking a kiosk token deletes the rows, so the cookie stops working at once
                 (and notes it in cockpit.auth.revocations, so that it holds while the
                 database is down)
- kiosk_token    the wall's long-lived tokens (only their hash is stored), revocable
- audit_log      who did what, when, from where (see cockpit.auth.audit)
- login_failure  failed sign-ins, for the lockout (in the database, so all workers count together)
- login_lock     active lockouts

Times are stored in UTC without a zone; pages show them in Asia/Shanghai.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Engine, Index, Integer, MetaData, String,
                        Table, Text, delete, func, select, text, update)

from cockpit.auth import passwords, revocations, roles
from cockpit.metrics import migrate
from cockpit.metrics import units as U
from cockpit.metrics.engine import writing

metadata = MetaData()
PG_DDL_LOCK = 1408_0002

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("full_name", String(64)),
    Column("role", String(16), nullable=False),
    Column("unit_code", String(6)),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80)),
    Column("updated_at", DateTime),
    Column("password_set_at", DateTime),
    Column("last_login_at", DateTime),
)

app_session = Table(
    "app_session", metadata,
    Column("sid_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),          # user | kiosk
    Column("user_id", Integer),
    Column("kiosk_id", Integer),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("remote_addr", String(64)),
    Column("user_agent", String(200)),
    Index("ix_app_session_user", "user_id"),
    Index("ix_app_session_kiosk", "kiosk_id"),
)

kiosk_token = Table(
    "kiosk_token", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80)),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
    Column("revoked_by", String(80)),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(80)),
    Column("role", String(16)),
    Column("event", String(32), nullable=False),
    Column("subject", String(200)),
    Column("detail", Text),
    Column("remote_addr", String(64)),
    Column("user_agent", String(200)),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_event", "event", "at"),
    Index("ix_audit_log_actor", "actor", "at"),
)

login_failure = Table(
    "login_failure", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("name", String(80), nullable=False),
    Column("remote_addr", String(64), nullable=False),
    Index("ix_login_failure_name", "name", "remote_addr", "at"),
    Index("ix_login_failure_addr", "remote_addr", "at"),
)

login_lock = Table(
    "login_lock", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),      # "*" locks the address for every name
    Column("remote_addr", String(64), nullable=False),
    Column("locked_at", DateTime, nullable=False),
    Column("until", DateTime, nullable=False),
    Index("ix_login_lock", "name", "remote_addr", "until"),
)

ALL_NAMES = "*"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


LOCAL_TZ = "Asia/Shanghai"


def fmt_time(value: datetime | None) -> str:
    """A stored UTC time as Beijing time, for pages and the command line."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:19]
    from zoneinfo import ZoneInfo
    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(LOCAL_TZ)).strftime("%Y-%m-%d %H:%M:%S")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- connections

# The accounts' migration history (cockpit/auth/migrations; see cockpit.metrics.migrate).
MIGRATIONS = {"location": Path(__file__).resolve().parent / "migrations",
              "version_table": "alembic_version_accounts", "marker": "app_user"}


def create_tables(engine: Engine) -> None:
    """Bring the auth tables to the newest revision (every worker does this at start-up; on
    PostgreSQL they take turns on an advisory lock so that two workers never race on DDL)."""
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_DDL_LOCK})
        migrate.upgrade(conn, MIGRATIONS)


# --------------------------------------------------------------------------- who is signed in

@dataclass(frozen=True)
class Principal:
    """Who makes a request: a person (kind user), the wall (kind kiosk), the command line
    (kind cli) or nobody in particular while sign-in is switched off (kind open)."""
    name: str
    role: str
    unit: str | None = None
    kind: str = "user"
    user_id: int | None = None
    kiosk_id: int | None = None
    full_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.full_name}）" if self.full_name else self.name


OPEN = Principal("（未启用登录）", roles.ADMIN, kind="open")


def cli_principal() -> Principal:
    import getpass
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers)
        who = "?"
    return Principal(f"cli:{who}"[:80], roles.ADMIN, kind="cli")


# --------------------------------------------------------------------------- users

NAME_RE = re.compile(r"^[0-9a-z_.\-\u4e00-\u9fff]{2,32}$")


class UserError(ValueError):
    """A user operation that cannot be done; the message is for the operator (Chinese)."""


def normalize_name(name: object) -> str:
    return unicodedata.normalize("NFKC", str(name or "")).strip().lower()[:80]


def check_new_user(name: str, role: str, unit: str | None, full_name: str | None) -> tuple[str, str | None, str | None]:
    name = normalize_name(name)
    if not NAME_RE.match(name):
        raise UserError("用户名须为 2—32 个字符，只能包含小写字母、数字、汉字和 _ . -")
    if role not in roles.ROLES:
        raise UserError(f"未知角色「{role}」：可选 " + "、".join(f"{k}（{v}）" for k, v in roles.ROLES.items()))
    unit = (unit or "").strip() or None
    if unit is not None and unit not in U.UNIT_BY_CODE:
        raise UserError(f"未知单位编码「{unit}」：应为运城市两级检察院的 14 个单位编码之一")
    if role == roles.COUNTY and unit is None:
        raise UserError("基层院（county）账户必须指定所属单位：--unit 单位编码")
    full_name = (full_name or "").strip()[:64] or None
    return name, unit, full_name


def _user_row(conn, name: str):
    return conn.execute(select(app_user).where(app_user.c.name == normalize_name(name))).first()


def get_user(engine: Engine, name: str):
    with engine.connect() as conn:
        return _user_row(conn, name)


def list_users(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(app_user).order_by(app_user.c.name)).all()


def add_user(engine: Engine, name: str, role: str, unit: str | None = None, full_name: str | None = None,
             by: str | None = None, password: str | None = None) -> tuple[str, str]:
    """Create an account; returns (normalised name, password). The password is generated
    unless given (tests), and is shown to the operator once; only its hash is kept."""
    name, unit, full_name = check_new_user(name, role, unit, full_name)
    password = password or passwords.generate()
    now = utcnow()
    with writing(engine) as conn:
        if _user_row(conn, name) is not None:
            raise UserError(f"用户「{name}」已存在")
        conn.execute(app_user.insert().values(
            name=name, full_name=full_name, role=role, unit_code=unit, password_hash=passwords.hash_password(password),
            active=True, created_at=now, created_by=by, updated_at=now, password_set_at=now))
    return name, password


def _require(conn, name: str):
    row = _user_row(conn, name)
    if row is None:
        raise UserError(f"用户「{normalize_name(name)}」不存在")
    return row


def set_active(engine: Engine, name: str, active: bool) -> None:
    """Disable (ends the user's sessions at once) or enable an account."""
    with writing(engine) as conn:
        row = _require(conn, name)
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(active=active, updated_at=utcnow()))
        if not active:
            conn.execute(delete(app_session).where(app_session.c.user_id == row.id))
    if not active:
        revocations.store().user_changed(engine, [row.id])


def reset_password(engine: Engine, name: str, password: str | None = None) -> str:
    """A new generated password; ends the user's sessions and clears lockouts of the name."""
    password = password or passwords.generate()
    now = utcnow()
    with writing(engine) as conn:
        row = _require(conn, name)
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(
            password_hash=passwords.hash_password(password), password_set_at=now, updated_at=now))
        conn.execute(delete(app_session).where(app_session.c.user_id == row.id))
        conn.execute(delete(login_lock).where(login_lock.c.name == row.name))
        conn.execute(delete(login_failure).where(login_failure.c.name == row.name))
    revocations.store().user_changed(engine, [row.id])
    return password


def change_own_password(engine: Engine, user_id: int, password: str, keep_sid: str | None) -> None:
    """A person's own new password (the caller checked the current one): the person's other
    sessions end (signed in elsewhere, perhaps by someone who knew the old password); the
    session `keep_sid` goes on."""
    now = utcnow()
    with writing(engine) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user_id).values(
            password_hash=passwords.hash_password(password), password_set_at=now, updated_at=now))
        q = delete(app_session).where(app_session.c.user_id == user_id)
        if keep_sid:
            q = q.where(app_session.c.sid_hash != token_hash(keep_sid))
        conn.execute(q)
    revocations.store().user_changed(engine, [user_id])


def set_role(engine: Engine, name: str, role: str, unit: str | None) -> None:
    with writing(engine) as conn:
        row = _require(conn, name)
        _, unit, _ = check_new_user(row.name, role, unit, None)
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(role=role, unit_code=unit,
                                                                             updated_at=utcnow()))
        conn.execute(delete(app_session).where(app_session.c.user_id == row.id))
    revocations.store().user_changed(engine, [row.id])


def unlock(engine: Engine, name: str) -> int:
    with writing(engine) as conn:
        n = conn.execute(delete(login_lock).where(login_lock.c.name == normalize_name(name))).rowcount
        conn.execute(delete(login_failure).where(login_failure.c.name == normalize_name(name)))
    return n


def any_admin(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(app_user).where(
            app_user.c.role == roles.ADMIN, app_user.c.active.is_(True))).scalar() > 0


def authenticate(engine: Engine, name: str, password: str) -> tuple[object | None, str]:
    """(user row, "") when the password is right and the account active, else (None, why).
    An unknown name costs the same hashing time as a known one."""
    row = get_user(engine, name)
    if row is None:
        passwords.verify_dummy(password)
        return None, "unknown_user"
    if not passwords.verify(row.password_hash, password):
        return None, "bad_password"
    if not row.active:
        return None, "disabled"
    return row, ""


def principal_of(row) -> Principal:
    return Principal(row.name, row.role, row.unit_code, "user", row.id, None, row.full_name)


# --------------------------------------------------------------------------- sessions

def new_session(engine: Engine, *, user_id: int | None = None, kiosk_id: int | None = None,
                remote_addr: str | None = None, user_agent: str | None = None) -> str:
    """Open a server-side session; returns the random id that goes into the signed cookie."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    with writing(engine) as conn:
        conn.execute(app_session.insert().values(
            sid_hash=token_hash(sid), kind="kiosk" if kiosk_id else "user", user_id=user_id, kiosk_id=kiosk_id,
            created_at=now, last_seen=now, remote_addr=(remote_addr or "")[:64], user_agent=(user_agent or "")[:200]))
        if user_id is not None:
            conn.execute(update(app_user).where(app_user.c.id == user_id).values(last_login_at=now))
        # housekeeping: sessions of people long gone
        conn.execute(delete(app_session).where(app_session.c.kind == "user",
                                               app_session.c.last_seen < now - timedelta(days=2)))
    return sid


@dataclass(frozen=True)
class SessionState:
    principal: Principal | None
    last_seen: datetime | None
    expired: bool = False      # there was a session, and it ran out (idle or too old)


def load_session(engine: Engine, sid: str, idle: timedelta, max_age: timedelta) -> SessionState:
    """The principal of a session id, or None when unknown, expired, disabled or revoked
    (expired sessions are deleted)."""
    h = token_hash(sid)
    with engine.connect() as conn:
        s = conn.execute(select(app_session).where(app_session.c.sid_hash == h)).first()
        if s is None:
            return SessionState(None, None)
        if s.kind == "kiosk":
            k = conn.execute(select(kiosk_token).where(kiosk_token.c.id == s.kiosk_id)).first()
            if k is None or k.revoked_at is not None:
                return SessionState(None, None, expired=True)
            return SessionState(Principal(f"大屏:{k.label}"[:80], roles.SCREEN, None, "kiosk", None, k.id), s.last_seen)
        u = conn.execute(select(app_user).where(app_user.c.id == s.user_id)).first()
    now = utcnow()
    if u is None or not u.active:
        end_session(engine, sid)
        return SessionState(None, None, expired=True)
    if now - s.last_seen > idle or now - s.created_at > max_age:
        end_session(engine, sid)
        return SessionState(None, None, expired=True)
    return SessionState(principal_of(u), s.last_seen)


def touch_session(engine: Engine, sid: str) -> None:
    with writing(engine) as conn:
        conn.execute(update(app_session).where(app_session.c.sid_hash == token_hash(sid)).values(last_seen=utcnow()))


def end_session(engine: Engine, sid: str) -> None:
    """End a session: noted outside the database first (so that it holds through an outage,
    even one that stops the DELETE), then deleted."""
    h = token_hash(sid)
    revocations.store().session_ended(engine, h)
    with writing(engine) as conn:
        kind = conn.execute(select(app_session.c.kind).where(app_session.c.sid_hash == h)).scalar()
        conn.execute(delete(app_session).where(app_session.c.sid_hash == h))
    if kind == "kiosk":     # a wall's voucher is believed for any age: note it for as long
        revocations.store().session_ended(engine, h, kiosk=True)


def count_sessions(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        row = _user_row(conn, name)
        if row is None:
            return 0
        return conn.execute(select(func.count()).select_from(app_session).where(
            app_session.c.user_id == row.id)).scalar()


# --------------------------------------------------------------------------- kiosk tokens

def issue_kiosk(engine: Engine, label: str, by: str | None = None) -> tuple[int, str]:
    """A new token for a wall display: (id, token). Only the hash is stored; the token is shown once."""
    label = unicodedata.normalize("NFKC", str(label or "")).strip()[:64]
    if not label:
        raise UserError("请填写大屏名称（例如：指挥中心主屏）")
    token = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        kid = conn.execute(kiosk_token.insert().values(
            label=label, token_hash=token_hash(token), created_at=utcnow(), created_by=by)).inserted_primary_key[0]
    return int(kid), token


def find_kiosk(engine: Engine, token: str):
    """The token's row if it exists and is not revoked."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(kiosk_token).where(kiosk_token.c.token_hash == token_hash(token))).first()
    return row if row is not None and row.revoked_at is None else None


def mark_kiosk_used(engine: Engine, kiosk_id: int) -> None:
    with writing(engine) as conn:
        conn.execute(update(kiosk_token).where(kiosk_token.c.id == kiosk_id).values(last_used_at=utcnow()))


def revoke_kiosk(engine: Engine, ref: str | int, by: str | None = None) -> list:
    """Revoke tokens by id or by label; their sessions end at once. Returns the revoked rows."""
    with writing(engine) as conn:
        q = select(kiosk_token).where(kiosk_token.c.revoked_at.is_(None))
        ref_s = str(ref).strip()
        q = q.where(kiosk_token.c.id == int(ref_s)) if ref_s.isdigit() else q.where(kiosk_token.c.label == ref_s)
        rows = conn.execute(q).all()
        if not rows:
            raise UserError(f"没有找到未撤销的大屏令牌「{ref_s}」")
        ids = [r.id for r in rows]
        conn.execute(update(kiosk_token).where(kiosk_token.c.id.in_(ids)).values(revoked_at=utcnow(), revoked_by=by))
        conn.execute(delete(app_session).where(app_session.c.kiosk_id.in_(ids)))
    revocations.store().kiosk_revoked(engine, ids)
    return rows


def list_kiosks(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(kiosk_token).order_by(kiosk_token.c.id)).all()
