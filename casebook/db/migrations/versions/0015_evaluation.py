"""案卷评查: rubric versions, auto-check runs, 双随机 rounds, scored files, 整改

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'evaluation_rubrics',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(300), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('effective_to', sa.Date(), nullable=True),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', TS, nullable=False),
        sa.UniqueConstraint('code', 'version', name='uq_evaluation_rubric_version'),
    )
    op.create_table(
        'case_check_runs',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('rubric_id', sa.Integer(), sa.ForeignKey('evaluation_rubrics.id'), nullable=False),
        sa.Column('trigger', sa.String(20), nullable=False),
        sa.Column('run_at', TS, nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('results', sa.JSON(), nullable=False),
    )
    op.create_index('ix_case_check_runs_case', 'case_check_runs', ['case_id', 'id'])
    op.create_table(
        'evaluation_rounds',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('period_from', sa.Date(), nullable=False),
        sa.Column('period_to', sa.Date(), nullable=False),
        sa.Column('agency_ids', sa.JSON(), nullable=False),
        sa.Column('sample_size', sa.Integer(), nullable=True),
        sa.Column('sample_percent', sa.Integer(), nullable=True),
        sa.Column('seed', sa.String(64), nullable=False),
        sa.Column('pool_ids', sa.JSON(), nullable=False),
        sa.Column('sampling', sa.JSON(), nullable=False),
        sa.Column('rubric_id', sa.Integer(), sa.ForeignKey('evaluation_rubrics.id'), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('published_at', TS, nullable=True),
        sa.Column('closed_at', TS, nullable=True),
        sa.Column('closed_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
    )
    op.create_table(
        'evaluation_files',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('evaluation_rounds.id'), nullable=False),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('evaluator_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('check_run_id', BigId, sa.ForeignKey('case_check_runs.id'), nullable=True),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.Column('vetoes', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('total', sa.Numeric(6, 2), nullable=True),
        sa.Column('grade', sa.String(20), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('scored_at', TS, nullable=True),
        sa.UniqueConstraint('round_id', 'case_id', name='uq_evaluation_file_case'),
    )
    op.create_index('ix_evaluation_files_round_id', 'evaluation_files', ['round_id'])
    op.create_index('ix_evaluation_files_evaluator', 'evaluation_files', ['evaluator_id', 'id'])
    op.create_index('ix_evaluation_files_agency', 'evaluation_files', ['agency_id', 'id'])
    op.create_index('ix_evaluation_files_case', 'evaluation_files', ['case_id'])
    op.create_table(
        'evaluation_corrections',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('file_id', sa.Integer(), sa.ForeignKey('evaluation_files.id'), nullable=False),
        sa.Column('recorded_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('evidence_name', sa.String(255), nullable=True),
        sa.Column('evidence_sha256', sa.String(64), nullable=True),
        sa.Column('evidence_size', sa.BigInteger(), nullable=True),
        sa.Column('created_at', TS, nullable=False),
    )
    op.create_index('ix_evaluation_corrections_file_id', 'evaluation_corrections', ['file_id'])


def downgrade() -> None:
    op.drop_index('ix_evaluation_corrections_file_id', 'evaluation_corrections')
    op.drop_table('evaluation_corrections')
    for ix in ('ix_evaluation_files_case', 'ix_evaluation_files_agency', 'ix_evaluation_files_evaluator',
               'ix_evaluation_files_round_id'):
        op.drop_index(ix, 'evaluation_files')
    op.drop_table('evaluation_files')
    op.drop_table('evaluation_rounds')
    op.drop_index('ix_case_check_runs_case', 'case_check_runs')
    op.drop_table('case_check_runs')
    op.drop_table('evaluation_rubrics')
