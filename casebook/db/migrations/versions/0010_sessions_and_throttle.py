"""sessions that end (api_tokens.last_used_at for the idle timeout) and the shared login throttle

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens') as b:
        b.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'login_throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope', 'key', name='uq_login_throttle_scope_key'),
    )
    op.create_index('ix_login_throttle_last_failure_at', 'login_throttle', ['last_failure_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_throttle_last_failure_at', table_name='login_throttle')
    op.drop_table('login_throttle')
    with op.batch_alter_table('api_tokens') as b:
        b.drop_column('last_used_at')
