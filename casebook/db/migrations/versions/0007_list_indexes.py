"""indexes for the case list at 1 M cases (measured by bench/case_list.py)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TRGM = (("ix_parties_name_trgm", "parties", "name"), ("ix_cases_cause_trgm", "cases", "cause"),
        ("ix_cases_case_no_trgm", "cases", "case_no"))


def upgrade() -> None:
    with op.batch_alter_table('cases') as b:
        b.create_index('ix_cases_agency_id_id', ['agency_id', 'id'], unique=False)
        b.create_index('ix_cases_created_id', ['created_at', 'id'], unique=False)
        b.create_index('ix_cases_stage_id', ['stage', 'id'], unique=False)
    with op.batch_alter_table('case_officers') as b:
        b.create_index('ix_case_officers_user_case', ['user_id', 'case_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Substring search on names and causes (LIKE '%…%'): trigram GIN indexes where pg_trgm may be installed;
        # without the privilege the search still works, only slower.
        op.execute("""
            DO $$ BEGIN
              CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN insufficient_privilege THEN
              RAISE NOTICE 'pg_trgm is not available: substring search will not be indexed';
            END $$;
        """)
        for name, table, column in TRGM:
            op.execute(f"""
                DO $$ BEGIN
                  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                    CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops);
                  END IF;
                END $$;
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in TRGM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table('case_officers') as b:
        b.drop_index('ix_case_officers_user_case')
    with op.batch_alter_table('cases') as b:
        b.drop_index('ix_cases_stage_id')
        b.drop_index('ix_cases_created_id')
        b.drop_index('ix_cases_agency_id_id')
