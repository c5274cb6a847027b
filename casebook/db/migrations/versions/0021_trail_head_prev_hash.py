"""The chain head's previous hash: an act's append on PostgreSQL moves the head, writes its trail entry, event and act
record in one statement (`services.recording._pg_append`), the new hash computed by the server; its UPDATE keeps
the old hash here so that RETURNING can give it to the entry (PostgreSQL before 18 returns only new values).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


# Plain ADD / DROP COLUMN, not batch mode: on SQLite a batch would rebuild the table (see 0020).
def upgrade() -> None:
    op.add_column('trail_head', sa.Column('prev_hash', sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column('trail_head', 'prev_hash')
