"""Alembic environment for the store's tables (see cockpit/metrics/migrate.py)."""
from cockpit.metrics.migrate import run_env
from cockpit.metrics.schema import metadata

run_env(metadata)
