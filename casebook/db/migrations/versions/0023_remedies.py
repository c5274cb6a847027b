"""remedies: a 行政复议 applied for or a 行政诉讼 brought against a served fine (行政处罚法 第七十三条) — its kind, the day it
was filed, the 复议机关 or court and its 案号, and the day and way it concluded. The 加处罚款 is not counted in between.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'remedies',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('authority', sa.String(length=200), nullable=False),
        sa.Column('remedy_case_no', sa.String(length=100), nullable=True),
        sa.Column('concluded_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=30), nullable=True),
        sa.Column('document_no', sa.String(length=100), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_remedies_case_id', 'remedies', ['case_id'])


def downgrade() -> None:
    op.drop_index('ix_remedies_case_id', 'remedies')
    op.drop_table('remedies')
