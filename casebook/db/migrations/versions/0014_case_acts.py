"""case_acts: each act's input as entered, for the documents (the trail keeps the masked copy)

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0008'
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
    )
    op.create_index('ix_case_acts_case_id', 'case_acts', ['case_id'])


def downgrade() -> None:
    op.drop_index('ix_case_acts_case_id', 'case_acts')
    op.drop_table('case_acts')
