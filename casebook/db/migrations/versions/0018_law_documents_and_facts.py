"""A natural person's identity document other than the 身份证 (行政处罚法 第三十条: the age from the document or a
recorded birth date), and facts the investigation found impossible to compute (货值金额无法计算, 第四十条)

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


def downgrade() -> None:
    with op.batch_alter_table('cases') as b:
        b.drop_column('uncomputable_facts')
    with op.batch_alter_table('parties') as b:
        b.alter_column('id_number', existing_type=sa.String(length=30), type_=sa.String(length=18))
        b.drop_column('id_kind')
