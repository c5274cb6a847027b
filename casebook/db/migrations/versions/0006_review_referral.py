"""legal review rounds, collective discussions, criminal referrals

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('agencies') as b:
        b.add_column(sa.Column('review_limit_days', sa.Integer(), nullable=True))
    op.create_table(
        'legal_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('package', sa.JSON(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=True),
        sa.Column('assigned_on', sa.Date(), nullable=True),
        sa.Column('opinion', sa.String(length=20), nullable=True),
        sa.Column('checklist', sa.JSON(), nullable=True),
        sa.Column('opinion_text', sa.Text(), nullable=True),
        sa.Column('reviewed_on', sa.Date(), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'round', name='uq_legal_review_round'),
    )
    with op.batch_alter_table('legal_reviews') as b:
        b.create_index('ix_legal_reviews_queue', ['agency_id', 'status', 'due_on'], unique=False)
        b.create_index(b.f('ix_legal_reviews_case_id'), ['case_id'], unique=False)
    op.create_table(
        'collective_discussions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('attendees', sa.JSON(), nullable=False),
        sa.Column('opinions', sa.Text(), nullable=False),
        sa.Column('conclusion', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('collective_discussions') as b:
        b.create_index(b.f('ix_collective_discussions_case_id'), ['case_id'], unique=False)
    op.create_table(
        'referrals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('origin', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('team_ids', sa.JSON(), nullable=False),
        sa.Column('formed_on', sa.Date(), nullable=False),
        sa.Column('report', sa.Text(), nullable=True),
        sa.Column('reported_on', sa.Date(), nullable=True),
        sa.Column('head_id', sa.Integer(), nullable=True),
        sa.Column('head_decision', sa.String(length=20), nullable=True),
        sa.Column('head_decided_on', sa.Date(), nullable=True),
        sa.Column('head_reasons', sa.Text(), nullable=True),
        sa.Column('transferred_at', TS, nullable=True),
        sa.Column('police_agency', sa.String(length=200), nullable=True),
        sa.Column('procuratorate', sa.String(length=200), nullable=True),
        sa.Column('materials', sa.JSON(), nullable=True),
        sa.Column('evidence_manifest', sa.JSON(), nullable=True),
        sa.Column('receipt_on', sa.Date(), nullable=True),
        sa.Column('police_decision', sa.String(length=20), nullable=True),
        sa.Column('police_notice_on', sa.Date(), nullable=True),
        sa.Column('police_reasons', sa.Text(), nullable=True),
        sa.Column('reconsideration_on', sa.Date(), nullable=True),
        sa.Column('supervision_on', sa.Date(), nullable=True),
        sa.Column('penalty_copy_on', sa.Date(), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['head_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('referrals') as b:
        b.create_index(b.f('ix_referrals_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_table('referrals')
    op.drop_table('collective_discussions')
    op.drop_table('legal_reviews')
    with op.batch_alter_table('agencies') as b:
        b.drop_column('review_limit_days')
