"""Shared fixtures: the store on both databases.

`engine` runs a test twice: on a fresh SQLite file and on a fresh PostgreSQL schema. When
PostgreSQL cannot be reached the PostgreSQL half is skipped — except under CI=true, where it
fails: CI must prove both databases.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from cockpit.metrics.engine import make_engine

pytest_plugins = ["browser_support"]

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(what: str, reason: str) -> None:
    """Skip for a missing service — or fail under CI, where every test must run."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}")
    pytest.skip(f"{what} not available: {reason}")


def _pg_error() -> str | None:
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as err:  # noqa: BLE001 - any failure means "not reachable"
        return str(err).splitlines()[0]


@pytest.fixture(scope="session")
def pg_url():
    err = _pg_error()
    if err:
        need("PostgreSQL", err)
    return PG_URL


def _fresh_pg_schema(base_url: str):
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    return schema, admin, f"{base_url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A URL of an empty database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        folder = tmp_path / "db"  # not the test's landing folder (tmp_path)
        folder.mkdir()
        yield f"sqlite:///{folder / 'store.db'}"
        return
    base = request.getfixturevalue("pg_url")
    schema, admin, url = _fresh_pg_schema(base)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def landing(tmp_path):
    """An empty landing folder for export files."""
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


SMALL_DEMO = {"size": "small", "start": "2022-01", "end": "2024-06"}


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """The small demo's export files (2022-01..2024-06), written once per session."""
    from etl.demo import generate
    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(out, **SMALL_DEMO)
    return out


@pytest.fixture(scope="session")
def demo_db_url(small_demo, tmp_path_factory):
    """An SQLite store with the small demo loaded, shared by the browser tests (read only)."""
    from etl.run import run
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-db') / 'cockpit.db'}"
    engine = make_engine(url)
    run(small_demo, engine, progress=False)
    engine.dispose()
    return url


@pytest.fixture
def demo_copy(demo_db_url, tmp_path):
    """An engine on a private copy of the small demo store (a test that writes: thresholds,
    accounts, the audit log)."""
    import shutil
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), tmp_path / "demo.db")
    eng = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def app(demo_db_url):
    """The Dash app on the small demo (pages imported, cache in-process)."""
    from cockpit.app import create_app
    engine = make_engine(demo_db_url)
    application = create_app(engine)
    yield application
    engine.dispose()


@pytest.fixture(scope="module")
def demo_engine(demo_db_url):
    """An engine on the small demo store (read only)."""
    eng = make_engine(demo_db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def demo_store(demo_engine):
    """The metric layer's snapshot of the small demo store."""
    from cockpit.metrics.query import MetricStore
    return MetricStore.load(demo_engine)


@pytest.fixture
def as_user(app):
    """Run code inside a request of `app` (the module's own, where it has one) as a given
    principal: `with as_user(COUNTY): …`."""
    from contextlib import contextmanager

    from flask import g

    @contextmanager
    def go(principal):
        with app.server.test_request_context("/"):
            g.cockpit_principal = principal
            yield
    return go
