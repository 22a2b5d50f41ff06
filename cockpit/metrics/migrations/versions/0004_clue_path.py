"""Each clue's path and its evidence; supervision cases (issue 12)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

- `stg_clue` gains each stage's date (登记, 移送, 成案, 文书, 回复, 反馈, 督办), the department,
  why an untrue clue was dropped, the document and the keys of the collided records.
- `stg_suggestion` gains 整改日期, 回头看日期 and 回头看结果; `stg_registry` 监督点 and 应用单位.
- Two new sources: `stg_model_record` (模型比对数据, the records a clue was found in) and
  `stg_sup_case` (法律监督案件 with 案件来源, 三个结构比 ③).
Rows loaded before keep the new columns empty until their files are loaded again: the ledger
then shows those clues at their first stage without a date (the clue registers are re-exported
whole each month, so the next load fills them in).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stg_model_record',
    sa.Column('record_no', sa.Text(), nullable=True),
    sa.Column('model_id', sa.Text(), nullable=True),
    sa.Column('unit_code', sa.String(length=6), nullable=True),
    sa.Column('provider', sa.Text(), nullable=True),
    sa.Column('record_kind', sa.Text(), nullable=True),
    sa.Column('record_date', sa.Date(), nullable=True),
    sa.Column('person_name', sa.Text(), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('record_month', sa.String(length=7), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('line_no', sa.BigInteger(), nullable=True)
    )
    with op.batch_alter_table('stg_model_record', schema=None) as batch_op:
        batch_op.create_index('ix_stg_model_record_key', ['record_no'], unique=False)
        batch_op.create_index('ix_stg_model_record_record_month', ['unit_code', 'record_month'], unique=False)

    op.create_table('stg_sup_case',
    sa.Column('case_no', sa.Text(), nullable=True),
    sa.Column('unit_code', sa.String(length=6), nullable=True),
    sa.Column('opened_date', sa.Date(), nullable=True),
    sa.Column('domain', sa.Text(), nullable=True),
    sa.Column('origin', sa.Text(), nullable=True),
    sa.Column('big_data', sa.SmallInteger(), nullable=True),
    sa.Column('clue_no', sa.Text(), nullable=True),
    sa.Column('model_id', sa.Text(), nullable=True),
    sa.Column('opened_month', sa.String(length=7), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('line_no', sa.BigInteger(), nullable=True)
    )
    with op.batch_alter_table('stg_sup_case', schema=None) as batch_op:
        batch_op.create_index('ix_stg_sup_case_key', ['case_no'], unique=False)
        batch_op.create_index('ix_stg_sup_case_opened_month', ['unit_code', 'opened_month'], unique=False)

    with op.batch_alter_table('stg_clue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('routed_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('department', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('drop_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('case_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sup_case_no', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('document', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('doc_no', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('doc_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reply_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rectified', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('feedback_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pressed_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('record_keys', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('case_month', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('feedback_month', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('pressed_month', sa.String(length=7), nullable=True))
        batch_op.create_index('ix_stg_clue_case_month', ['unit_code', 'case_month'], unique=False)
        batch_op.create_index('ix_stg_clue_feedback_month', ['unit_code', 'feedback_month'], unique=False)
        batch_op.create_index('ix_stg_clue_pressed_month', ['unit_code', 'pressed_month'], unique=False)

    with op.batch_alter_table('stg_registry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervision_point', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('units_running', sa.Text(), nullable=True))

    with op.batch_alter_table('stg_suggestion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rectified_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revisit_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revisit_result', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('stg_suggestion', schema=None) as batch_op:
        batch_op.drop_column('revisit_result')
        batch_op.drop_column('revisit_date')
        batch_op.drop_column('rectified_date')

    with op.batch_alter_table('stg_registry', schema=None) as batch_op:
        batch_op.drop_column('units_running')
        batch_op.drop_column('supervision_point')

    with op.batch_alter_table('stg_clue', schema=None) as batch_op:
        batch_op.drop_index('ix_stg_clue_pressed_month')
        batch_op.drop_index('ix_stg_clue_feedback_month')
        batch_op.drop_index('ix_stg_clue_case_month')
        batch_op.drop_column('pressed_month')
        batch_op.drop_column('feedback_month')
        batch_op.drop_column('case_month')
        batch_op.drop_column('record_keys')
        batch_op.drop_column('pressed_date')
        batch_op.drop_column('feedback_date')
        batch_op.drop_column('rectified')
        batch_op.drop_column('reply_date')
        batch_op.drop_column('doc_date')
        batch_op.drop_column('doc_no')
        batch_op.drop_column('document')
        batch_op.drop_column('sup_case_no')
        batch_op.drop_column('case_date')
        batch_op.drop_column('drop_reason')
        batch_op.drop_column('department')
        batch_op.drop_column('routed_date')
        batch_op.drop_column('registered_date')

    with op.batch_alter_table('stg_sup_case', schema=None) as batch_op:
        batch_op.drop_index('ix_stg_sup_case_opened_month')
        batch_op.drop_index('ix_stg_sup_case_key')

    op.drop_table('stg_sup_case')
    with op.batch_alter_table('stg_model_record', schema=None) as batch_op:
        batch_op.drop_index('ix_stg_model_record_record_month')
        batch_op.drop_index('ix_stg_model_record_key')

    op.drop_table('stg_model_record')
