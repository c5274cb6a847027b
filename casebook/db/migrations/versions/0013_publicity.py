"""publicity (公示): agencies.publication_system, publications, remedy_outcomes

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('agencies') as b:
        b.add_column(sa.Column('publication_system', sa.String(length=40), nullable=True))
    op.create_table(
        'publications',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('source_event_id', sa.String(length=36), nullable=False, unique=True),
        sa.Column('system', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason_code', sa.String(length=40), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('procedure', sa.String(length=20), nullable=False),
        sa.Column('decision_kind', sa.String(length=20), nullable=False),
        sa.Column('penalty_kinds', sa.JSON(), nullable=False),
        sa.Column('fine_amount', sa.Numeric(14, 2), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('document_no', sa.String(length=80), nullable=True),
        sa.Column('party_name', sa.String(length=200), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=True),
        sa.Column('violation_type', sa.String(length=300), nullable=False),
        sa.Column('agency_name', sa.String(length=200), nullable=False),
        sa.Column('third_party_names', sa.JSON(), nullable=False),
        sa.Column('source', sa.JSON(), nullable=False),
        sa.Column('published', sa.JSON(), nullable=False),
        sa.Column('ban_months', sa.Integer(), nullable=True),
        sa.Column('published_on', sa.Date(), nullable=True),
        sa.Column('published_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('display_until', sa.Date(), nullable=True),
        sa.Column('display_basis', sa.String(length=200), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_publications_public', 'publications', ['status', 'published_on', 'id'])
    op.create_index('ix_publications_agency', 'publications', ['agency_id', 'status', 'id'])
    op.create_index('ix_publications_uscc', 'publications', ['uscc'])
    op.create_index('ix_publications_document_no', 'publications', ['document_no'])
    op.create_index('ix_publications_case', 'publications', ['case_id'])
    op.create_table(
        'remedy_outcomes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', BigId, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('authority', sa.String(length=200), nullable=False),
        sa.Column('document_no', sa.String(length=100), nullable=True),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_remedy_outcomes_case_id', 'remedy_outcomes', ['case_id'])


def downgrade() -> None:
    op.drop_table('remedy_outcomes')
    op.drop_table('publications')
    with op.batch_alter_table('agencies') as b:
        b.drop_column('publication_system')
