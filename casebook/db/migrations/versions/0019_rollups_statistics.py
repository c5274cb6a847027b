"""Statistics rollups (issue 16): monthly counters and day histograms per agency and officer, the months whose
source rows changed (filled by triggers on cases, case_officers and deadlines), see docs/supervision.md

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# What marks a month dirty: (agency, month of a date a statistics table counts by) of every old and new row.
CASE_DATES = ("discovered_on", "filed_on", "decided_on")


def _pg_ym(col: str) -> str:
    return f"(extract(year FROM {col}) * 100 + extract(month FROM {col}))::integer"


def _sqlite_ym(col: str) -> str:
    return f"CAST(strftime('%Y%m', {col}) AS INTEGER)"


def _pg_marks(rows: str, table: str) -> str:
    """SELECT (agency_id, ym) of the rows of a transition table `rows` of `table`."""
    if table == "cases":
        return " UNION ".join(f"SELECT agency_id, {_pg_ym(d)} FROM {rows} WHERE {d} IS NOT NULL" for d in CASE_DATES)
    if table == "deadlines":
        return f"SELECT agency_id, {_pg_ym('due_on')} FROM {rows} WHERE due_on IS NOT NULL"
    # case_officers: every month its case counts in, and the months of the case's deadlines
    return " UNION ".join(
        [f"SELECT c.agency_id, {_pg_ym('c.' + d)} FROM {rows} r JOIN cases c ON c.id = r.case_id WHERE c.{d} IS NOT NULL"
         for d in CASE_DATES]
        + [f"SELECT d.agency_id, {_pg_ym('d.due_on')} FROM {rows} r JOIN deadlines d ON d.case_id = r.case_id"])


def _sqlite_marks(row: str, table: str) -> list[str]:
    if table == "cases":
        return [f"SELECT {row}.agency_id, {_sqlite_ym(row + '.' + d)} WHERE {row}.{d} IS NOT NULL" for d in CASE_DATES]
    if table == "deadlines":
        return [f"SELECT {row}.agency_id, {_sqlite_ym(row + '.due_on')} WHERE {row}.due_on IS NOT NULL"]
    return ([f"SELECT c.agency_id, {_sqlite_ym('c.' + d)} FROM cases c WHERE c.id = {row}.case_id AND c.{d} IS NOT NULL"
             for d in CASE_DATES]
            + [f"SELECT d.agency_id, {_sqlite_ym('d.due_on')} FROM deadlines d WHERE d.case_id = {row}.case_id"])


TABLES = ("cases", "case_officers", "deadlines")


def upgrade() -> None:
    op.create_table(
        'stat_rollup',
        sa.Column('ym', sa.Integer(), nullable=False),  # year * 100 + month of the date the table counts by
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),  # 0: the agency's cases once each
        sa.Column('metric', sa.String(60), nullable=False),
        sa.Column('value', sa.Numeric(20, 2), nullable=False),
        sa.PrimaryKeyConstraint('ym', 'agency_id', 'officer_id', 'metric'),
    )
    op.create_table(
        'stat_histogram',
        sa.Column('ym', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(60), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('ym', 'agency_id', 'officer_id', 'metric', 'days'),
    )
    op.create_table(
        'stat_dirty',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('ym', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for t in TABLES:
            for ev, tables in (("INSERT", ("new_rows",)), ("UPDATE", ("old_rows", "new_rows")), ("DELETE", ("old_rows",))):
                fn = f"stat_mark_{t}_{ev.lower()}"
                marks = " UNION ".join(_pg_marks(r, t) for r in tables)
                op.execute(f"""
CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stat_dirty (agency_id, ym) SELECT DISTINCT m.* FROM ({marks}) AS m(agency_id, ym);
  RETURN NULL;
END $$""")
                refs = " ".join(f"{'OLD' if r == 'old_rows' else 'NEW'} TABLE AS {r}" for r in tables)
                op.execute(f"CREATE TRIGGER {fn} AFTER {ev} ON {t} REFERENCING {refs} "
                           f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()")
    else:
        for t in TABLES:
            for ev, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
                body = " ".join(f"INSERT INTO stat_dirty (agency_id, ym) {sel};"
                                for r in rows for sel in _sqlite_marks(r, t))
                op.execute(f"CREATE TRIGGER stat_mark_{t}_{ev.lower()} AFTER {ev} ON {t} FOR EACH ROW BEGIN {body} END")
    # The rows already there: every month they count in is dirty, so the first statistics page (or the scheduler,
    # or `casebook stats rebuild`) computes the rollup; more than a few hundred months are computed in one go.
    ym = _pg_ym if bind.dialect.name == "postgresql" else _sqlite_ym
    months = " UNION ".join([f"SELECT agency_id, {ym(d)} FROM cases WHERE {d} IS NOT NULL" for d in CASE_DATES]
                            + [f"SELECT agency_id, {ym('due_on')} FROM deadlines WHERE due_on IS NOT NULL"])
    op.execute(f"INSERT INTO stat_dirty (agency_id, ym) SELECT * FROM ({months}) AS m")


def downgrade() -> None:
    bind = op.get_bind()
    for t in TABLES:
        for ev in ("insert", "update", "delete"):
            if bind.dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS stat_mark_{t}_{ev} ON {t}")
                op.execute(f"DROP FUNCTION IF EXISTS stat_mark_{t}_{ev}()")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS stat_mark_{t}_{ev}")
    op.drop_table('stat_dirty')
    op.drop_table('stat_histogram')
    op.drop_table('stat_rollup')
