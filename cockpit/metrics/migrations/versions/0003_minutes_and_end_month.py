"""Fractional handle_minutes; the roster's end_month

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

- `stg_nc_event.handle_minutes` holds fractional minutes (issue 11, item 6: a warning handled
  24 h 0 min 30 s after it occurred was counted in time). Rows loaded before keep their whole
  minutes until they are loaded again.
- `stg_nc_person.end_month`, the month of 解除日期: 在管人数 counts a person whose release lies
  after the roster's month (a roster exported a few days after the month's end), and 解除人数
  counts a release once, in its own month. Filled in here for the rows loaded before; the old
  facts of both measures are dropped for the next load to roll them up again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stg_nc_event', schema=None) as batch_op:
        batch_op.alter_column('handle_minutes', existing_type=sa.BIGINT(), type_=sa.Float(),
                              existing_nullable=True)
    with op.batch_alter_table('stg_nc_person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_month', sa.String(length=7), nullable=True))
    conn = op.get_bind()
    month = "to_char(end_date, 'YYYY-MM')" if conn.dialect.name == "postgresql" else "substr(end_date, 1, 7)"
    conn.execute(sa.text(f"UPDATE stg_nc_person SET end_month = {month} WHERE end_date IS NOT NULL"))
    conn.execute(sa.text("DELETE FROM fact_measure WHERE measure_id IN ('nc_under_supervision', 'nc_released')"))


def downgrade() -> None:
    with op.batch_alter_table('stg_nc_person', schema=None) as batch_op:
        batch_op.drop_column('end_month')
    with op.batch_alter_table('stg_nc_event', schema=None) as batch_op:
        batch_op.alter_column('handle_minutes', existing_type=sa.Float(), type_=sa.BIGINT(),
                              existing_nullable=True)
