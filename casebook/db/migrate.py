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
