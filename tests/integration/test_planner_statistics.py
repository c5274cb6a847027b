"""Planner statistics kept fresh where autovacuum is off (`db.migrate.analyze_stale`, the scheduler's
`planner-statistics` job): a table whose changes since its last ANALYZE pass autovacuum's own threshold is
analysed, and a plan a connection kept from when the table was small (a prepared statement, a foreign-key check)
is made again for the table as it is now."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from casebook.db.migrate import STALE_FRACTION, STALE_MIN_ROWS, analyze_stale


def _autocommit(engine):
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _flush_and_wait(engine, c, table: str, changed: int) -> None:
    """Make this connection's table counters visible to others now (PostgreSQL 15 flushes them lazily)."""
    c.execute(text("SELECT pg_stat_force_next_flush()"))
    end = time.monotonic() + 5
    with _autocommit(engine) as other:
        while time.monotonic() < end:
            seen = other.execute(text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = :t"),
                                 {"t": table}).scalar()
            if seen is not None and seen >= changed:
                return
            other.execute(text("SELECT pg_stat_clear_snapshot()"))
            time.sleep(0.05)
    raise AssertionError(f"{table}: the server never counted {changed} changed rows")


@pytest.fixture
def probe(backend, engine):
    if backend != "postgres":
        pytest.skip("PostgreSQL's statistics (SQLite's planner keeps none unless asked)")
    with _autocommit(engine) as c:
        c.execute(text("CREATE TABLE planner_probe (id serial PRIMARY KEY, v integer NOT NULL)"))
        c.execute(text("INSERT INTO planner_probe (v) SELECT g FROM generate_series(1, 20) g"))
        _flush_and_wait(engine, c, "planner_probe", 20)  # counted before the ANALYZE, not after it
        c.execute(text("ANALYZE planner_probe"))
        # This table's own switch, so the test runs the same whether the server's autovacuum is on or off.
        c.execute(text("ALTER TABLE planner_probe SET (autovacuum_enabled = off)"))
    return engine


def _reltuples(c) -> float:
    return c.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'planner_probe'")).scalar_one()


def test_a_table_changed_past_autovacuums_threshold_is_analysed_and_one_below_it_is_not(probe):
    with _autocommit(probe) as c:
        below = STALE_MIN_ROWS + int(STALE_FRACTION * 20) - 1
        c.execute(text("INSERT INTO planner_probe (v) SELECT g FROM generate_series(1, :n) g"), {"n": below})
        _flush_and_wait(probe, c, "planner_probe", below)
        assert "planner_probe" not in analyze_stale(probe)
        assert _reltuples(c) == 20

        c.execute(text("INSERT INTO planner_probe (v) SELECT g FROM generate_series(1, 500) g"))
        _flush_and_wait(probe, c, "planner_probe", below + 500)
        assert "planner_probe" in analyze_stale(probe)
        assert _reltuples(c) == 20 + below + 500
        assert "planner_probe" not in analyze_stale(probe)  # nothing changed since


def test_a_table_autovacuum_looks_after_is_left_to_it(probe):
    with _autocommit(probe) as c:
        c.execute(text("ALTER TABLE planner_probe RESET (autovacuum_enabled)"))
        c.execute(text("INSERT INTO planner_probe (v) SELECT g FROM generate_series(1, 500) g"))
        _flush_and_wait(probe, c, "planner_probe", 500)
        server_on = c.execute(text("SHOW autovacuum")).scalar_one() == "on"
        assert ("planner_probe" in analyze_stale(probe)) is not server_on
        if server_on:  # left to autoanalyze; asked not to, the same call analyses it
            assert "planner_probe" in analyze_stale(probe, unless_autovacuum=False)


def test_a_plan_kept_from_when_the_table_was_small_is_made_again(probe):
    """The mechanism that made every act on PostgreSQL slower as cases accumulated: a connection's plan for a
    statement is kept until the table's statistics change — a scan of the whole table, chosen when it had 20 rows."""
    with _autocommit(probe) as c:
        c.execute(text("PREPARE probe_by_id (integer) AS SELECT v FROM planner_probe WHERE id = $1"))
        for i in range(8):  # past the plan cache's five custom plans: the generic plan is kept
            c.execute(text(f"EXECUTE probe_by_id({i + 1})"))
        c.execute(text("INSERT INTO planner_probe (v) SELECT g FROM generate_series(1, 20000) g"))
        plan = "\n".join(c.execute(text("EXPLAIN EXECUTE probe_by_id(7)")).scalars())
        assert "Seq Scan" in plan  # still the plan made for 20 rows, over 20,020
        _flush_and_wait(probe, c, "planner_probe", 20000)
        assert "planner_probe" in analyze_stale(probe)
        plan = "\n".join(c.execute(text("EXPLAIN EXECUTE probe_by_id(7)")).scalars())
        assert "Index Scan" in plan and "Seq Scan" not in plan, plan


def test_the_scheduler_runs_it_every_minute_on_postgresql_only(backend, sessions):
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.sweep import STATISTICS_JOB_ID, add_statistics_job, run_statistics_analyze

    done = run_statistics_analyze(sessions)
    assert done is None if backend == "sqlite" else isinstance(done, list)
    sched = BackgroundScheduler(timezone="UTC")
    add_statistics_job(sched, sessions)
    job = sched.get_job(STATISTICS_JOB_ID)
    assert job is not None and job.trigger.interval.total_seconds() == 60
