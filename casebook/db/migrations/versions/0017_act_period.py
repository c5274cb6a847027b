"""The act's period on the case (行政处罚法 第三十六条), a party's recorded birth date (第三十条), the evidence of
the grounds of 第三十一至三十三条

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as b:
        b.add_column(sa.Column('act_started_on', sa.Date(), nullable=True))
        b.add_column(sa.Column('act_ended_on', sa.Date(), nullable=True))
        b.add_column(sa.Column('act_continuing', sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column('long_limitation_reason', sa.Text(), nullable=True))
        b.add_column(sa.Column('ground_evidence', sa.JSON(), nullable=True))
    with op.batch_alter_table('parties') as b:
        b.add_column(sa.Column('birth_date', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('parties') as b:
        b.drop_column('birth_date')
    with op.batch_alter_table('cases') as b:
        b.drop_column('ground_evidence')
        b.drop_column('long_limitation_reason')
        b.drop_column('act_continuing')
        b.drop_column('act_ended_on')
        b.drop_column('act_started_on')
