"""Schema changes by migrations (Alembic), for both databases and both sets of tables.

Two migration histories live in the code base, each with its own version table so that the
store and the accounts may sit in one database or in two:

- the store (`cockpit/metrics/migrations`, version table `alembic_version_store`): the ledger,
  the quarantine, staging and facts — `cockpit.metrics.schema`;
- the accounts (`cockpit/auth/migrations`, version table `alembic_version_accounts`): users,
  sessions, kiosk tokens, audit log, login failures and locks — `cockpit.auth.models`.

`upgrade(conn, history)` brings a database to the newest revision inside the caller's
transaction (the ETL's one transaction per load; the app's start-up). A database made before
migrations existed (tables present, no version table) is recognised and stamped with the
baseline revision `0001` — the layout of that time — before the later revisions run, so an
existing installation upgrades in place on SQLite and PostgreSQL.

This module imports nothing of the ETL or the app: it is told where a history lives.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

BASELINE = "0001"
STORE = {"location": Path(__file__).resolve().parent / "migrations",
         "version_table": "alembic_version_store", "marker": "etl_file"}


def run_env(metadata) -> None:
    """The body of each history's Alembic env.py: run on the connection it is given, inside
    the caller's transaction, comparing with `metadata` (that history's tables)."""
    from alembic import context
    conn = context.config.attributes["connection"]
    context.configure(connection=conn, target_metadata=metadata,
                      version_table=context.config.attributes["version_table"],
                      render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def config(history: dict, conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(history["location"]))
    cfg.attributes["connection"] = conn
    cfg.attributes["version_table"] = history["version_table"]
    return cfg


def current(conn: Connection, history: dict = STORE) -> str | None:
    """The revision a database is at (None: never migrated)."""
    ctx = MigrationContext.configure(conn, opts={"version_table": history["version_table"]})
    return ctx.get_current_revision()


def upgrade(conn: Connection, history: dict = STORE) -> None:
    """Bring the database to the newest revision, in the caller's transaction."""
    tables = set(inspect(conn).get_table_names())
    cfg = config(history, conn)
    if history["version_table"] not in tables and history["marker"] in tables:
        command.stamp(cfg, BASELINE)   # made by the code before migrations: its layout is the baseline
    command.upgrade(cfg, "head")
