"""A partial index for the non-custody warnings (issue 14)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

- `ix_stg_nc_event_nc_warnings`: (unit_code, occurred_month) over the rows with kind = '预警'
  — the measure `nc_warnings`, declared `sparse` (cockpit.metrics.measures). The warnings are
  about 0.5 % of the non-custody events; without it the platform page's warning chart and its
  record list read a whole quarter of check-ins (at ten times the demo, 1.5 s per query).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

WHERE = sa.text("kind = '预警'")


def upgrade() -> None:
    op.create_index('ix_stg_nc_event_nc_warnings', 'stg_nc_event', ['unit_code', 'occurred_month'],
                    unique=False, postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index('ix_stg_nc_event_nc_warnings', table_name='stg_nc_event')
