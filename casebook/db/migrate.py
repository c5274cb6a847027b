"""Apply alembic migrations programmatically (used by the CLI, the tests and `make run`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from casebook.db.engine import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`, then refresh the planner's statistics (`analyze`) and, at the head,
    the public text of publications made under older masking rules (`refresh_public_texts`)."""
    if url.startswith("sqlite:///"):
        from casebook.private_files import sqlite_file

        sqlite_file(url)
    command.upgrade(alembic_config(url), revision)
    analyze(url)
    if revision == "head":
        refresh_public_texts(url)


def refresh_public_texts(url: str) -> dict[str, int]:
    """Redo the public text of publication records made under older masking rules (services.publicity): at the head
    only, where today's models match the schema."""
    from casebook.db.engine import make_sessionmaker
    from casebook.services.publicity import refresh_public_texts as refresh

    engine = make_engine(url, poolclass=NullPool)
    try:
        return refresh(make_sessionmaker(engine))
    finally:
        engine.dispose()


def analyze(target: str | Engine) -> None:
    """PostgreSQL: ANALYZE the whole database, after migrations and bulk loads (seed, catalogue import, bench
    seeding). Autovacuum may be off or not yet have run: with stale statistics the planner picks bad plans
    (the case list measured 2.2× slower). Nothing to do on SQLite (its planner uses no statistics unless
    asked, and a fresh embedded database is small)."""
    engine = make_engine(target, poolclass=NullPool) if isinstance(target, str) else target
    try:
        if engine.dialect.name != "postgresql":
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    finally:
        if isinstance(target, str):
            engine.dispose()


# Autovacuum's own defaults for when a table's statistics are stale (autovacuum_analyze_threshold and
# autovacuum_analyze_scale_factor): more rows changed since the last ANALYZE than 50 + 10 % of the table.
STALE_MIN_ROWS = 50
STALE_FRACTION = 0.1


def analyze_stale(target: str | Engine, *, unless_autovacuum: bool = True) -> list[str]:
    """PostgreSQL: ANALYZE each table of the database whose rows changed since its last ANALYZE beyond autovacuum's
    own threshold (50 + 10 % of its rows), when autovacuum will not (it is off, for the server or the table) —
    what autoanalyze would have done. The tables analysed, by name; nothing on SQLite.

    Why it matters beyond the plans of our own queries: PostgreSQL's foreign-key checks and a pooled connection's
    prepared statements keep the plan they were first given until the table's statistics change. A connection that
    first wrote a case while `cases` held a few dozen rows checks every later act's foreign keys by scanning the
    whole table (measured: the server's CPU per lead grew by ~60 µs per thousand cases, 0.57 → 1.37 ms at 14 k,
    back to 0.59 ms after one ANALYZE). With autovacuum on (PostgreSQL's default) its autoanalyze does this; on a
    server with it off (this development machine) the scheduler does (`scheduler.sweep.add_statistics_job`).
    """
    engine = make_engine(target, poolclass=NullPool) if isinstance(target, str) else target
    try:
        if engine.dialect.name != "postgresql":
            return []
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            global_on = c.exec_driver_sql("SHOW autovacuum").scalar() == "on"
            rows = c.exec_driver_sql(
                "SELECT s.relname, s.n_mod_since_analyze, greatest(c.reltuples, 0), "
                "EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE lower(o) IN "
                "('autovacuum_enabled=false', 'autovacuum_enabled=off', 'autovacuum_enabled=no', 'autovacuum_enabled=0')) "
                "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                "WHERE s.schemaname = current_schema()").all()
            stale = [name for name, changed, tuples, table_off in rows
                     if changed > STALE_MIN_ROWS + STALE_FRACTION * tuples
                     and not (unless_autovacuum and global_on and not table_off)]
            quote = engine.dialect.identifier_preparer.quote_identifier
            for name in stale:
                c.exec_driver_sql(f"ANALYZE {quote(name)}")
            return stale
    finally:
        if isinstance(target, str):
            engine.dispose()
