"""Tick the deadline sweep: `casebook scheduler` (a BlockingScheduler) or a job in `casebook serve`."""

from __future__ import annotations

import datetime as dt
import logging
import time

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from casebook.config import Settings
from casebook.services import deadlines

log = logging.getLogger("casebook.scheduler")
JOB_ID = "deadline-sweep"


def tick(sessions: sessionmaker[Session], settings: Settings, on_batch=None) -> deadlines.SweepResult | None:
    """Sweep until nothing is due; log and swallow any error so the next tick retries (never kill the loop)."""
    started = time.perf_counter()
    try:
        res = deadlines.sweep_all(sessions, batch=settings.sweep_batch, workers=workers_for(sessions, settings),
                                  on_batch=on_batch, settings=settings)
    except Exception:  # noqa: BLE001 — the database may be away: log it loudly, the next tick retries
        log.exception("deadline sweep failed; retrying at the next tick")
        return None
    if res.claimed:
        log.info("deadline sweep: %s in %.3fs", res.as_dict(), time.perf_counter() - started)
    return res


def workers_for(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Side-by-side sweeps pay off on PostgreSQL only: SQLite has one writer at a time."""
    bind = sessions.kw.get("bind")
    return max(1, settings.sweep_workers) if bind is not None and bind.dialect.name == "postgresql" else 1


def add_sweep_job(sched: BaseScheduler, sessions: sessionmaker[Session], settings: Settings, on_batch=None) -> None:
    """Tick every CASEBOOK_SWEEP_SECONDS; one run at a time, missed ticks coalesced into one."""
    sched.add_job(tick, "interval", args=(sessions, settings, on_batch), seconds=settings.sweep_seconds, id=JOB_ID,
                  next_run_time=dt.datetime.now(dt.UTC), max_instances=1, coalesce=True,
                  misfire_grace_time=max(settings.sweep_seconds, 1), replace_existing=True)


PUBLICATION_JOB_ID = "publication-expiry"


def expire_publications(sessions: sessionmaker[Session]) -> int | None:
    """Record `expired` for publication records past their display period (the public reads already hide them)."""
    from casebook.services.publicity import sweep_all_expired

    try:
        n = sweep_all_expired(sessions)
    except Exception:  # noqa: BLE001 — retried at the next tick
        log.exception("publication expiry sweep failed; retrying at the next tick")
        return None
    if n:
        log.info("publication expiry: %s records expired", n)
    return n


def add_publication_job(sched: BaseScheduler, sessions: sessionmaker[Session], minutes: int = 60) -> None:
    """Hourly: a display period ends at a day boundary, so an hour's delay is never visible to the public."""
    sched.add_job(expire_publications, "interval", args=(sessions,), minutes=minutes, id=PUBLICATION_JOB_ID,
                  next_run_time=dt.datetime.now(dt.UTC), max_instances=1, coalesce=True, replace_existing=True)


PROBLEM_JOB_ID = "problem-models"


def run_problem_models(sessions: sessionmaker[Session]) -> int | None:
    """The nightly run of the problem models (行政执法监督条例): findings upserted, never a loop over cases."""
    from casebook.services.problem_models import run_nightly

    try:
        n = run_nightly(sessions)
    except Exception:  # noqa: BLE001 — retried the next night (or run on demand from the findings page)
        log.exception("problem models run failed")
        return None
    log.info("problem models: %s findings present", n)
    return n


def add_problem_models_job(sched: BaseScheduler, sessions: sessionmaker[Session], hour_utc: int = 18) -> None:
    """Nightly at 02:00 Beijing time (18:00 UTC), after the day's acts; a missed night runs once on start."""
    sched.add_job(run_problem_models, "cron", args=(sessions,), hour=hour_utc, minute=0, id=PROBLEM_JOB_ID,
                  max_instances=1, coalesce=True, misfire_grace_time=6 * 3600, replace_existing=True)


ROLLUP_JOB_ID = "statistics-rollup"


def run_statistics_refresh(sessions: sessionmaker[Session]) -> int | None:
    """Recompute the statistics rollup's dirty months (services/rollups.py), so a page rarely pays for them."""
    from casebook.services import rollups

    bind = sessions.kw.get("bind")
    if bind is None:
        return None
    try:
        with bind.begin() as c:
            n = rollups.refresh(c)
    except Exception:  # noqa: BLE001 — the page refreshes what is left itself; the next tick retries
        log.exception("statistics rollup refresh failed")
        return None
    if n:
        log.info("statistics rollup: %d months recomputed", n)
    return n


def add_statistics_rollup_job(sched: BaseScheduler, sessions: sessionmaker[Session], seconds: int = 60) -> None:
    """Every minute: the months the last minute's writes marked (a statistics page refreshes what is still left)."""
    sched.add_job(run_statistics_refresh, "interval", args=(sessions,), seconds=seconds, id=ROLLUP_JOB_ID,
                  max_instances=1, coalesce=True, replace_existing=True)


STATISTICS_JOB_ID = "planner-statistics"


def run_statistics_analyze(sessions: sessionmaker[Session]) -> list[str] | None:
    """PostgreSQL without autovacuum: ANALYZE the tables whose statistics went stale (`db.migrate.analyze_stale`)."""
    from casebook.db.migrate import analyze_stale

    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "postgresql":
        return None
    try:
        done = analyze_stale(bind)
    except Exception:  # noqa: BLE001 — the next tick retries
        log.exception("planner statistics refresh failed")
        return None
    if done:
        log.info("planner statistics refreshed (autovacuum is off): %s", ", ".join(done))
    return done


def add_statistics_job(sched: BaseScheduler, sessions: sessionmaker[Session], seconds: int = 60) -> None:
    """Every minute, on PostgreSQL: a table's statistics refreshed once its changes pass autovacuum's own threshold,
    where autovacuum is off (otherwise its autoanalyze does it and this finds nothing to do)."""
    sched.add_job(run_statistics_analyze, "interval", args=(sessions,), seconds=seconds, id=STATISTICS_JOB_ID,
                  next_run_time=dt.datetime.now(dt.UTC), max_instances=1, coalesce=True, replace_existing=True)


def run(settings: Settings, sessions: sessionmaker[Session]) -> None:
    """Run the blocking scheduler until SIGTERM / SIGINT."""
    import signal

    sched = BlockingScheduler(timezone="UTC")
    add_sweep_job(sched, sessions, settings)
    add_publication_job(sched, sessions)
    add_problem_models_job(sched, sessions)
    add_statistics_rollup_job(sched, sessions)
    add_statistics_job(sched, sessions)  # PostgreSQL with autovacuum off: autoanalyze's work

    def stop(*_):
        log.info("scheduler stopping")
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: deadline sweep every %ss", settings.sweep_seconds)
    sched.start()
