"""case_acts: each act's input as entered, for the documents (the trail keeps the masked copy); payment_receipts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'case_acts',
        sa.Column('id', BigId, primary_key=True, autoincrement=True),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(60), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('awaiting', sa.JSON(), nullable=False),
        sa.Column('confirmed', sa.JSON(), nullable=False),
    )
    op.create_index('ix_case_acts_case_id', 'case_acts', ['case_id'])
    op.create_table(
        'payment_receipts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('receipt_no', sa.String(60), nullable=False),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.UniqueConstraint('agency_id', 'receipt_no'),
    )
    op.create_index('ix_payment_receipts_case_id', 'payment_receipts', ['case_id'])


def downgrade() -> None:
    op.drop_index('ix_payment_receipts_case_id', 'payment_receipts')
    op.drop_table('payment_receipts')
    op.drop_index('ix_case_acts_case_id', 'case_acts')
    op.drop_table('case_acts')
