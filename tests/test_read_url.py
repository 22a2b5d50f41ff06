"""`DATABASE_READ_URL`: the cockpit reads facts and records from a read replica and writes —
users, sessions, the audit log, the administrators' settings — to the primary (docs/scaling.md).

Here the "replica" is the small demo store (read only) and the primary an empty store, on SQLite
and PostgreSQL: what a page shows must come from the replica, what the cockpit writes must land
in the primary, and the replica must not be written to.
"""
from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import inspect

from cockpit import data
from cockpit.auth import audit, records_for, roles
from cockpit.auth import testing as T
from cockpit.auth.models import Principal, list_users
from cockpit.data import StoreProvider
from cockpit.metrics import alerts as A
from cockpit.metrics import migrate
from cockpit.metrics import records as R
from cockpit.metrics import units as U
from cockpit.metrics.engine import make_engine, read_database_url
from cockpit.metrics.query import MetricStore

LEADER = Principal("l1", roles.LEADER)


def test_the_store_comes_from_the_replica_and_the_settings_from_the_primary(engine, demo_engine_both):
    replica_snapshot = MetricStore.current_snapshot(demo_engine_both)
    assert replica_snapshot > 0 and MetricStore.current_snapshot(engine) == 0
    provider = StoreProvider(engine, check_every=0.0, read_engine=demo_engine_both)
    state = provider.get()
    assert state.store.snapshot == replica_snapshot and not state.stale
    assert state.store.data_month == MetricStore.load(demo_engine_both).data_month
    assert state.thresholds == ()

    with engine.begin() as conn:      # the primary at the store's schema, still without a load
        migrate.upgrade(conn)
    assert MetricStore.current_snapshot(engine) == 0
    A.save_threshold(engine, A.Threshold("non_arrest_rate", U.CITY, upper=60.0, label="主副库", set_by="admin"))
    assert [t.label for t in provider.get().thresholds] == ["主副库"]
    assert A.load_thresholds(demo_engine_both) == []


def test_a_signed_in_leader_reads_the_replica_and_the_audit_goes_to_the_primary(engine, demo_engine_both):
    app = T.shared_app()
    with T.use_engine(app, engine, read_engine=demo_engine_both):
        client = T.signed_in_client(app, engine, "replica_leader", roles.LEADER)
        assert T.post_page(client, "/").status_code == 200
        assert data.current().store.snapshot == MetricStore.current_snapshot(demo_engine_both)
        assert data.engine() is engine and data.read_engine() is demo_engine_both

        with app.server.test_request_context("/"):
            g.cockpit_principal = LEADER
            page = records_for("arrest", None, None, page_size=10)
        expected = R.list_records(demo_engine_both, "arrest", list(U.UNIT_CODES), None, page_size=10)
        assert page.total == expected.total > 0

    rows, total = audit.entries(engine, actor="replica_leader")
    assert total >= 1 and any(r.event == "login" for r in rows)
    # nothing of this sign-in reached the replica (other tests' apps may have made the account
    # tables in the shared demo store: look for this test's own rows)
    replica = inspect(demo_engine_both)
    if replica.has_table("app_user"):
        assert not [u for u in list_users(demo_engine_both) if u.name == "replica_leader"], "the replica was written to"
    if replica.has_table("audit_log"):
        assert audit.entries(demo_engine_both, actor="replica_leader")[1] == 0, "the replica was written to"


def test_the_read_url_comes_from_the_environment(tmp_path, demo_db_url, monkeypatch):
    primary = f"sqlite:///{tmp_path / 'primary.db'}"
    monkeypatch.setenv("DATABASE_URL", primary)
    assert read_database_url() == primary                   # unset: the primary
    monkeypatch.setenv("DATABASE_READ_URL", demo_db_url)
    assert read_database_url() == demo_db_url
    saved = data._provider  # noqa: SLF001
    try:
        provider = data.init(check_every=0.0)
        assert provider.engine.url.render_as_string() == make_engine(primary).url.render_as_string()
        assert provider.read_engine.url.database == make_engine(demo_db_url).url.database
        assert data.current().store.snapshot > 0
    finally:
        data._provider = saved  # noqa: SLF001
