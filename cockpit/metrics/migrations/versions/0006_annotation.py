"""Annotations on the trend charts (issue 13)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

- `annotation`: the events an administrator records for the trend charts (专项行动, 口径变更,
  数据缺失 …) — a month or a span of months, city-wide or for one unit, for every indicator, one
  indicator or one catalog group, with who recorded it and when (cockpit.metrics.annotations;
  every change is also in the audit log). Platform launches are derived from the code, not
  stored. A load never touches the table.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annotation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('end_month', sa.String(length=7), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('unit_code', sa.String(length=6), nullable=True),
    sa.Column('metric_id', sa.String(length=48), nullable=True),
    sa.Column('metric_group', sa.String(length=16), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('annotation')
