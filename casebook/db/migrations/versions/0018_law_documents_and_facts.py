"""A natural person's identity document other than the 身份证 (行政处罚法 第三十条: the age from the document or a
recorded birth date), facts the investigation found impossible to compute (无法计算, 第四十条) and the 广告费用 fact
(广告法 第五十五条 and others are multiples of it)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('parties') as b:
        b.add_column(sa.Column('id_kind', sa.String(length=30), nullable=False, server_default='resident_id'))
        b.alter_column('id_number', existing_type=sa.String(length=18), type_=sa.String(length=30))
    op.execute("UPDATE parties SET id_kind = 'uscc' WHERE kind = 'organization'")
    with op.batch_alter_table('cases') as b:
        b.add_column(sa.Column('uncomputable_facts', sa.JSON(), nullable=True))
        b.add_column(sa.Column('advertising_fee', sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as b:
        b.drop_column('advertising_fee')
        b.drop_column('uncomputable_facts')
    with op.batch_alter_table('parties') as b:
        b.alter_column('id_number', existing_type=sa.String(length=30), type_=sa.String(length=18))
        b.drop_column('id_kind')
