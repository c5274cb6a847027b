"""publicity (公示): agencies.publication_system, publications, remedy_outcomes

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0010'
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
    op.create_index('ix_publications_public', 'publications', ['status', 'decided_on', 'id'])
    op.create_index('ix_publications_agency_public', 'publications', ['agency_id', 'status', 'decided_on', 'id'])
    op.create_index('ix_publications_agency', 'publications', ['agency_id', 'id'])
    op.create_index('ix_publications_uscc', 'publications', ['uscc'])
    op.create_index('ix_publications_document_no', 'publications', ['document_no'])
    op.create_index('ix_publications_case', 'publications', ['case_id'])
    if op.get_bind().dialect.name == "postgresql":
        # Keep the heap narrow: the two JSON texts (original and published, ~1 kB each) go to TOAST, so a search that
        # visits thousands of rows (a common word in the name) reads ~200-byte rows and detoasts only the page shown.
        op.execute("ALTER TABLE publications SET (toast_tuple_target = 256)")
        op.execute("ALTER TABLE publications ALTER COLUMN source SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE publications ALTER COLUMN published SET STORAGE EXTERNAL")
        # The public search's 当事人名称 is a substring search (LIKE '%…%'): a trigram GIN index where pg_trgm may
        # be installed (as in 0007); without it the search still works, only slower. Not modelled (PostgreSQL only).
        op.execute("""
            DO $$ BEGIN
              CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN insufficient_privilege THEN
              RAISE NOTICE 'pg_trgm is not available: the public name search will not be indexed';
            END $$;
        """)
        op.execute("""
            DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX IF NOT EXISTS ix_publications_party_trgm ON publications USING gin (party_name gin_trgm_ops);
              END IF;
            END $$;
        """)
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_publications_party_trgm")
    op.drop_table('remedy_outcomes')
    op.drop_table('publications')
    with op.batch_alter_table('agencies') as b:
        b.drop_column('publication_system')
