"""Alert thresholds set by an administrator (issue 13)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

- `alert_threshold`: the lower and upper bounds an administrator sets per indicator (for one
  unit, 全市, or every unit), in the indicator's display unit, with who set them and when
  (cockpit.metrics.alerts; every change is also in the audit log). A load never touches it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_threshold',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('metric_id', sa.String(length=48), nullable=False),
    sa.Column('unit_code', sa.String(length=8), nullable=True),
    sa.Column('lower_bound', sa.Float(), nullable=True),
    sa.Column('upper_bound', sa.Float(), nullable=True),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('set_by', sa.String(length=80), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('alert_threshold')
