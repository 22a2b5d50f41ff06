"""The roster's prev_month: an absconder counts once, in the month they absconded

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

`nc_absconded` counts a person in month M only when they were not flagged in the month before
(issue 10, item 1); `prev_month` is derived from `stat_month` when a row is loaded. Rows loaded
before this revision get it here, and the measure's old facts (one per flagged person-month)
are dropped so that the next load rolls the measure up again from the staged rows
(etl.rollup.undeclared_groups): a wrong number is never shown, at worst 无数据 until then.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _previous(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def upgrade() -> None:
    with op.batch_alter_table('stg_nc_person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_month', sa.String(length=7), nullable=True))
    conn = op.get_bind()
    months = [r[0] for r in conn.execute(sa.text(
        "SELECT DISTINCT stat_month FROM stg_nc_person WHERE stat_month IS NOT NULL"))]
    for month in months:
        conn.execute(sa.text("UPDATE stg_nc_person SET prev_month = :p WHERE stat_month = :m"),
                     {"p": _previous(month), "m": month})
    conn.execute(sa.text("DELETE FROM fact_measure WHERE measure_id = 'nc_absconded'"))


def downgrade() -> None:
    with op.batch_alter_table('stg_nc_person', schema=None) as batch_op:
        batch_op.drop_column('prev_month')
