"""Alembic environment for the store's tables (see cockpit/metrics/migrate.py). It always runs
on the connection it is given, inside the caller's transaction."""
from alembic import context

from cockpit.metrics.schema import metadata

conn = context.config.attributes["connection"]
context.configure(connection=conn, target_metadata=metadata,
                  version_table=context.config.attributes.get("version_table", "alembic_version_store"),
                  render_as_batch=conn.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
