"""The product refreshes PostgreSQL's planner statistics itself (autovacuum may be off): `db.migrate.analyze`
runs after migrations, the demo seed, catalogue imports and bench seeding; on SQLite it does nothing."""

from __future__ import annotations

from sqlalchemy import text

from casebook.db.migrate import analyze


def test_analyze_gives_the_planner_statistics_of_every_table(engine, db_url):
    analyze(db_url)
    if engine.dialect.name != "postgresql":
        return  # nothing to do on SQLite, and nothing fails
    with engine.connect() as c:
        never = c.execute(text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NULL "
                               "AND relname IN ('cases', 'parties', 'deadlines', 'trail_entries', 'outbox')")).scalars().all()
    assert never == []
