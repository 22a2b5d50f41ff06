"""Alembic environment for the accounts' tables (see cockpit/metrics/migrate.py)."""
from cockpit.auth.models import metadata
from cockpit.metrics.migrate import run_env

run_env(metadata)
