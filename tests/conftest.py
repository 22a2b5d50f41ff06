"""Shared fixtures: the store on both databases.

`engine` runs a test twice: on a fresh SQLite file and on a fresh PostgreSQL schema. When
PostgreSQL cannot be reached the PostgreSQL half is skipped — except under CI=true, where it
fails: CI must prove both databases.

The expensive things are made once per session (per xdist worker) and shared read-only:
`small_demo` (the demo's export files), `demo_db_url` and `demo_pg_url` (the small demo loaded
on SQLite and on PostgreSQL; `demo_url` runs a test on both), the in-process app
(`cockpit.auth.testing.shared_app`). A test that writes gets its own copy: `demo_copy` (a
private SQLite file copied from the loaded one — a file copy, not a second load).

The fast lane, `python -m pytest -m "not slow and not browser"`, runs on one xdist worker per
core (`pytest_xdist_auto_num_workers` below); runs with browser tests stay in one process.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

try:
    import fcntl
except ImportError:      # not POSIX: every worker builds its own
    fcntl = None

import pytest
from sqlalchemy import create_engine, text

from cockpit.metrics.engine import make_engine

pytest_plugins = ["browser_support"]

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (addopts): one worker per core for a run without the browser tests (the fast
    lane); a run with them stays in one process — each starts a server and Chromium and times
    its pages, and two at once on a small machine would only race. PYTEST_XDIST_AUTO_NUM_WORKERS
    still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None                       # xdist's own hook reads it
    if "not browser" in (config.option.markexpr or ""):
        return None                       # xdist's own hook: the number of cores
    return 0


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Passwords hashed by scrypt at N=2**10 instead of 2**15 in this process: the tests sign in
    thousands of times and assert what a sign-in does, not what it costs. A check reads the
    parameters stored in the hash, so nothing else changes; subprocesses (`python app.py`, the
    CLI) keep the production cost."""
    from cockpit.auth import passwords
    saved = passwords.METHOD
    passwords.METHOD = "scrypt:1024:8:1"
    yield
    passwords.METHOD = saved


def pytest_sessionfinish(session):
    """The controller of an xdist run drops the run's shared demo database (`demo_pg_url`) once
    every worker has finished."""
    if hasattr(session.config, "workerinput") or not hasattr(session.config, "_tmp_path_factory"):
        return
    root = session.config._tmp_path_factory.getbasetemp()
    if not (root / "shared-demo-pg").exists():
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_shared_demo_pg(root)}" WITH (FORCE)'))
    finally:
        admin.dispose()


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
    """A PostgreSQL database of this session (of this xdist worker) alone, dropped at its end.

    Tests make their schemas in it. A database of its own, not just schemas in `test`: the
    ETL's advisory lock is one per database, so loads of two sessions (two workers, two people
    testing on one server) would otherwise wait for each other. Without the right to create a
    database, the schemas go into TEST_PG_URL's database."""
    err = _pg_error()
    if err:
        need("PostgreSQL", err)
    from sqlalchemy.engine import make_url
    name = f"cockpit_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            if os.environ.get("TEST_PG_SYNC_COMMIT") != "on":
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception:  # noqa: BLE001 - no CREATEDB right: share the given database
        admin.dispose()
        yield PG_URL
        return
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A folder `build(folder)` fills once per run, for every xdist worker: under the run's
    basetemp root (the workers' basetemps are its children), its building guarded by a file lock
    — the first worker builds, the others wait and take it. In one process (or without fcntl)
    it is built in the session's own basetemp."""
    base = tmp_path_factory.getbasetemp()
    if not os.environ.get("PYTEST_XDIST_WORKER") or fcntl is None:
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    folder = base.parent / f"shared-{name}"
    with open(base.parent / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (base.parent / f"shared-{name}.done").exists():
                shutil.rmtree(folder, ignore_errors=True)   # a half-built one (a worker that died)
                folder.mkdir()
                build(folder)
                (base.parent / f"shared-{name}.done").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """The small demo's export files (2022-01..2024-06), written once per run and shared by the
    xdist workers (read only: a test that changes a landing copies it first)."""
    from etl.demo import generate
    return built_once(tmp_path_factory, "demo", lambda folder: generate(folder / "landing", **SMALL_DEMO)) / "landing"


@pytest.fixture(scope="session")
def demo_db_url(small_demo, tmp_path_factory):
    """An SQLite store with the small demo loaded (read only). Loaded once per run; each xdist
    worker reads its own copy of the file, so a worker's connections never meet another's."""
    from etl.run import run

    def load(folder):
        engine = make_engine(f"sqlite:///{folder / 'cockpit.db'}")
        run(small_demo, engine, progress=False)
        engine.dispose()
    loaded = built_once(tmp_path_factory, "demo-db", load)
    folder = tmp_path_factory.mktemp("demo-db")
    shutil.copyfile(loaded / "cockpit.db", folder / "cockpit.db")
    return f"sqlite:///{folder / 'cockpit.db'}"


def _shared_demo_pg(root: Path) -> str:
    """The name of the database holding the small demo for all workers of the run in `root`."""
    import hashlib
    return "cockpit_demo_" + hashlib.sha256(str(root).encode()).hexdigest()[:12]


@pytest.fixture(scope="session")
def demo_pg_url(small_demo, pg_url, tmp_path_factory):
    """The small demo loaded on PostgreSQL (read only): under xdist once per run, into a database
    of its own that every worker reads (dropped by the controller at the end of the run,
    `pytest_sessionfinish`); in one process a schema of the session's database."""
    from etl.run import run
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None and pg_url != PG_URL:
        from sqlalchemy.engine import make_url
        name = _shared_demo_pg(tmp_path_factory.getbasetemp().parent)
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

        def load(folder):
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # a half-built one
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                if os.environ.get("TEST_PG_SYNC_COMMIT") != "on":
                    conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
            admin.dispose()
            engine = make_engine(url)
            run(small_demo, engine, progress=False)
            engine.dispose()
        built_once(tmp_path_factory, "demo-pg", load)
        yield url
        return
    schema, admin, url = _fresh_pg_schema(pg_url)
    engine = make_engine(url)
    run(small_demo, engine, progress=False)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_url(request):
    """The small demo's loaded store on SQLite and on PostgreSQL (read only: a test that
    writes takes `demo_copy`)."""
    return request.getfixturevalue("demo_db_url" if request.param == "sqlite" else "demo_pg_url")


@pytest.fixture
def demo_engine_both(demo_url):
    """An engine on the small demo's loaded store, on SQLite and on PostgreSQL (read only)."""
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def copy_demo_db(demo_db_url: str, folder) -> str:
    """A private copy of the small demo's SQLite store in `folder`; returns its URL."""
    target = folder / "cockpit.db"
    shutil.copyfile(demo_db_url.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


@pytest.fixture
def demo_copy(demo_db_url, tmp_path):
    """An engine on a private copy of the small demo store (for a test that writes to it)."""
    folder = tmp_path / "demo-copy"
    folder.mkdir()
    eng = make_engine(copy_demo_db(demo_db_url, folder))
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


# --------------------------------------------------------------------------- the wall without a browser

@pytest.fixture
def wall(demo_store, demo_engine, monkeypatch):
    """The wall's callbacks and payload reading the demo store; `wall.stale` flips the provider's
    flag (the database away), `wall.store` may be replaced (a new snapshot)."""
    from cockpit import data
    from cockpit.data import StoreState

    class Wall:
        stale = False
        store = demo_store
    w = Wall()
    monkeypatch.setattr(data, "current", lambda: StoreState(w.store, w.stale, "down" if w.stale else None))
    monkeypatch.setattr(data, "engine", lambda: demo_engine)
    monkeypatch.setattr(data, "read_engine", lambda: demo_engine)
    return w


@pytest.fixture
def app_ctx():
    """An app context so that cockpit.cache works (a SimpleCache, as without REDIS_URL)."""
    from flask import Flask
    from cockpit.cache import cache, init_cache
    server = Flask("screen-test")
    init_cache(server)
    with server.app_context():
        cache.clear()
        yield
