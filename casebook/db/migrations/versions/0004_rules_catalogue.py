"""rules catalogue: catalogue versions and rule results on cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'catalogue_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('issuer', sa.String(length=200), nullable=False),
        sa.Column('document_no', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('effective_to', sa.Date(), nullable=True),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'version', name='uq_catalogue_code_version'),
    )
    with op.batch_alter_table('catalogue_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_versions_code'), ['code'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('benchmark', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('exemption', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('deviation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('criminal_suspicion', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('criminal_crossings', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('referral_status', sa.String(length=30), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('major_reasons', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('discussion_reasons', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('legal_review_status', sa.String(length=20), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('collective_discussion_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for col in ('collective_discussion_on', 'legal_review_status', 'discussion_reasons', 'major_reasons',
                    'referral_status', 'criminal_crossings', 'criminal_suspicion', 'deviation_reason', 'exemption',
                    'benchmark'):
            batch_op.drop_column(col)
    with op.batch_alter_table('catalogue_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_versions_code'))
    op.drop_table('catalogue_versions')
