"""One way to open the store, shared by the ETL (writer) and the metric layer (reader).

SQLite is the embedded default; PostgreSQL is the production path. For SQLite we run in
WAL mode (readers keep seeing the last published snapshot while a load is running) and take
over transaction control from the sqlite3 module, so that one ETL run, DDL included, is one
atomic transaction.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event



DATA_DIR = Path(os.environ.get("COCKPIT_DATA_DIR", Path(__file__).resolve().parents[2] / "data"))


def database_url() -> str:
    """`DATABASE_URL`, or the embedded SQLite file inside the project's data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'cockpit.db'}"


def read_database_url() -> str:
    """`DATABASE_READ_URL` — where the cockpit reads facts and records (a read replica of the
    primary) — or, when unset, `database_url()`. Users, sessions, the audit log, the
    administrators' settings and uploads always go to the primary (docs/scaling.md)."""
    return os.environ.get("DATABASE_READ_URL") or database_url()


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        # check_same_thread off: the ETL writes bulk rows from a helper thread of the same
        # transaction (etl.bulk); SQLAlchemy's pool never shares a connection between threads.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("writer") else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=8)
def shared_engine(url: str | None = None) -> Engine:
    """The process-wide engine for a URL (the app and CLI use this one)."""
    return make_engine(url)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def writing(engine: Engine):
    """A write transaction. On SQLite it starts with BEGIN IMMEDIATE (see `make_engine`), so two
    workers writing at once wait for each other instead of failing on the lock upgrade."""
    with engine.connect() as conn:
        before = conn.info.get("writer")
        conn.info["writer"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            if before is None:
                conn.info.pop("writer", None)
            else:
                conn.info["writer"] = before
