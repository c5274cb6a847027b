"""Supervision: indexes the statistics group by; problem-model settings, runs and findings; annual reports

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_index('ix_cases_discovered_on', 'cases', ['discovered_on'])
    op.create_index('ix_cases_filed_on', 'cases', ['filed_on'])
    op.create_index('ix_cases_decided_on', 'cases', ['decided_on'])
    op.create_index('ix_legal_reviews_submitted_on', 'legal_reviews', ['submitted_on'])
    op.create_index('ix_referrals_formed_on', 'referrals', ['formed_on'])
    op.create_table(
        'problem_model_settings',
        sa.Column('code', sa.String(40), primary_key=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('updated_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('updated_at', UTC, nullable=False),
    )
    op.create_table(
        'problem_runs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('trigger', sa.String(20), nullable=False),
        sa.Column('requested_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('started_at', UTC, nullable=False),
        sa.Column('finished_at', UTC, nullable=True),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
    )
    op.create_table(
        'problem_findings',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('model', sa.String(40), nullable=False),
        sa.Column('key', sa.String(120), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('officer_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('status_note', sa.Text(), nullable=True),
        sa.Column('status_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('status_at', UTC, nullable=True),
        sa.Column('first_run_id', sa.Integer(), sa.ForeignKey('problem_runs.id'), nullable=False),
        sa.Column('last_run_id', sa.Integer(), sa.ForeignKey('problem_runs.id'), nullable=False),
        sa.Column('still_present', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.UniqueConstraint('model', 'key', name='uq_problem_finding_key'),
    )
    op.create_index('ix_problem_findings_agency_status', 'problem_findings', ['agency_id', 'status', 'id'])
    op.create_table(
        'problem_finding_cases',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('finding_id', BigId, sa.ForeignKey('problem_findings.id'), nullable=False),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.UniqueConstraint('finding_id', 'case_id'),
    )
    op.create_index('ix_problem_finding_cases_case', 'problem_finding_cases', ['case_id'])
    op.create_table(
        'annual_reports',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('totals', sa.JSON(), nullable=False),
        sa.Column('xlsx_sha256', sa.String(64), nullable=True),
        sa.Column('pdf_sha256', sa.String(64), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('requested_at', UTC, nullable=False),
        sa.Column('finished_at', UTC, nullable=True),
    )


def downgrade() -> None:
    op.drop_table('annual_reports')
    op.drop_index('ix_problem_finding_cases_case', 'problem_finding_cases')
    op.drop_table('problem_finding_cases')
    op.drop_index('ix_problem_findings_agency_status', 'problem_findings')
    op.drop_table('problem_findings')
    op.drop_table('problem_runs')
    op.drop_table('problem_model_settings')
    for name, table in [('ix_referrals_formed_on', 'referrals'), ('ix_legal_reviews_submitted_on', 'legal_reviews'),
                        ('ix_cases_decided_on', 'cases'), ('ix_cases_filed_on', 'cases'),
                        ('ix_cases_discovered_on', 'cases')]:
        op.drop_index(name, table)
