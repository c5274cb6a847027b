"""documents.progress: how far the worker has got with a render (0–100), for the bound 案卷 above all

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as b:
        b.add_column(sa.Column('progress', sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents') as b:
        b.drop_column('progress')
