"""Schema changes by migrations (Alembic; issue 11): a database made by the code before
migrations upgrades in place and then equals a fresh one, on SQLite and PostgreSQL, and the
newest revision matches the tables the code declares."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from cockpit.auth.models import MIGRATIONS as ACCOUNTS
from cockpit.auth.models import metadata as accounts_metadata
from cockpit.metrics import migrate
from cockpit.metrics.engine import make_engine
from cockpit.metrics.schema import metadata as store_metadata

FIXTURES = Path(__file__).parent / "fixtures"
HISTORIES = ((migrate.STORE, store_metadata), (ACCOUNTS, accounts_metadata))


def _upgrade_all(engine):
    with engine.begin() as conn:
        for history, _ in HISTORIES:
            migrate.upgrade(conn, history)


def _layout(engine) -> dict:
    """Every table's columns (name, type, nullable) and indexes, as the database reports them."""
    insp = inspect(engine)
    out = {}
    for t in sorted(insp.get_table_names()):
        cols = tuple((c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t))
        idx = tuple(sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(t)))
        out[t] = (cols, idx)
    return out


def _make_pre_migration_database(engine):
    """The tables exactly as the code before migrations made them, with a few rows in them."""
    ddl = (FIXTURES / f"pre_migration_{engine.dialect.name}.sql").read_text(encoding="utf-8")
    ddl = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    with engine.begin() as conn:
        for statement in filter(None, (s.strip() for s in ddl.split(";"))):
            conn.exec_driver_sql(statement)
        conn.execute(text("INSERT INTO fact_measure (unit_code, month, measure_id, value) "
                          "VALUES ('140802', '2024-05', 'arrest_concluded', 42)"))
        conn.execute(text("INSERT INTO fact_measure (unit_code, month, measure_id, value) "
                          "VALUES ('140802', '2024-04', 'nc_absconded', 2)"))    # counted per person-month
        conn.execute(text("INSERT INTO stg_nc_person (stat_month, unit_code, person_no, absconded, end_date) "
                          "VALUES ('2024-01', '140802', 'P1', 1, '2024-02-03')"))
        conn.execute(text("INSERT INTO app_user (name, role, password_hash, active, created_at) "
                          "VALUES ('old_admin', 'admin', 'x', TRUE, '2024-01-01 00:00:00')"))


def test_a_database_made_before_migrations_upgrades_in_place_and_equals_a_fresh_one(db_url, tmp_path):
    old = make_engine(db_url)
    _make_pre_migration_database(old)
    assert "alembic_version_store" not in inspect(old).get_table_names()
    _upgrade_all(old)

    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}" if old.dialect.name == "sqlite" else None
    if fresh_url is None:   # a second fresh PostgreSQL schema
        from conftest import _fresh_pg_schema, PG_URL
        schema, admin, fresh_url = _fresh_pg_schema(PG_URL)
    fresh = make_engine(fresh_url)
    try:
        _upgrade_all(fresh)
        assert _layout(old) == _layout(fresh)
        with old.connect() as conn:
            assert conn.execute(text("SELECT value FROM fact_measure WHERE measure_id = 'arrest_concluded'")
                                ).scalar() == 42                                                    # nothing lost
            # 0002: the roster's prev_month is filled in; the old person-month counts are dropped
            # (the next load rolls nc_absconded up again under the new rule)
            assert conn.execute(text("SELECT prev_month FROM stg_nc_person")).scalar() == "2023-12"
            # 0003: the roster's end_month is filled in from 解除日期
            assert conn.execute(text("SELECT end_month FROM stg_nc_person")).scalar() == "2024-02"
            assert conn.execute(text("SELECT COUNT(*) FROM fact_measure WHERE measure_id = 'nc_absconded'")
                                ).scalar() == 0
            assert conn.execute(text("SELECT name FROM app_user")).scalar() == "old_admin"
            for history, _ in HISTORIES:
                assert migrate.current(conn, history) is not None
    finally:
        fresh.dispose()
        old.dispose()
        if old.dialect.name == "postgresql":
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def test_upgrading_twice_changes_nothing(engine):
    _upgrade_all(engine)
    before = _layout(engine)
    _upgrade_all(engine)
    assert _layout(engine) == before


@pytest.mark.parametrize("history,metadata", HISTORIES, ids=["store", "accounts"])
def test_the_newest_revision_is_the_layout_the_code_declares(engine, history, metadata):
    """A change to cockpit/metrics/schema.py, the contracts (staging columns) or the account
    tables without a migration fails here: write the revision (docs/decisions.md, Alembic)."""
    _upgrade_all(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": history["version_table"]})
        diff = [d for d in compare_metadata(ctx, metadata)
                if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))]
        other = store_metadata if metadata is accounts_metadata else accounts_metadata
        diff = [d for d in diff if not (d[0] in ("remove_table", "remove_index")
                                        and _belongs_to(d, other))]
    assert diff == []


def _belongs_to(diff, metadata) -> bool:
    """A diff about the other history's tables (both histories share one database here)."""
    obj = diff[1]
    name = obj.name if diff[0] == "remove_table" else obj.table.name
    return name in metadata.tables or name.startswith("alembic_version")
