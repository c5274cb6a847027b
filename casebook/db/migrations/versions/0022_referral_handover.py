"""The handover to the police after their 立案 (国务院令第310号 第十二条): within 3 days of the 立案通知书 the agency
hands over the 涉案物品 and the other materials of the case and completes the 交接手续 — the day, what was handed
over, and who received it, on the referral.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


# Plain ADD / DROP COLUMN, not batch mode: on SQLite a batch would rebuild the table (see 0020).
def upgrade() -> None:
    op.add_column('referrals', sa.Column('handed_over_on', sa.Date(), nullable=True))
    op.add_column('referrals', sa.Column('handover_items', sa.Text(), nullable=True))
    op.add_column('referrals', sa.Column('handover_receiver', sa.String(100), nullable=True))


def downgrade() -> None:
    op.drop_column('referrals', 'handover_receiver')
    op.drop_column('referrals', 'handover_items')
    op.drop_column('referrals', 'handed_over_on')
