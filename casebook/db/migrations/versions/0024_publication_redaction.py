"""The masking rules each publication's public text was made with (`publications.redacted_with`): records made
under older rules are redone by `casebook db upgrade` (services.publicity.refresh_public_texts), so an improvement
of the masking reaches decisions already published (个人信息保护法 第五十一条). Existing rows start NULL: all redone.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


# Plain ADD / DROP COLUMN, not batch mode: on SQLite a batch would rebuild the table (see 0020).
def upgrade() -> None:
    op.add_column('publications', sa.Column('redacted_with', sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column('publications', 'redacted_with')
