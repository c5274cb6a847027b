"""The statistics rollup (issue 16): the additive figures of the statistics tables per month, agency and officer,
and histograms of the whole-day durations, so a page reads ~months × agencies (× officers) rows, not the cases.

What it holds (`stat_rollup`, `stat_histogram`, migration 0019):
  - per (ym, agency, officer_id, "<feed>.<figure>") the figure of one feed of `statistics.FEEDS` — the cases by
    discovery month, the decided cases by decision month, the met/missed deadlines by due month — computed by the
    very aggregates the direct queries use; officer_id 0 holds each case of the agency once, officer_id > 0 each
    case once per officer named on it (as the direct queries join case_officers);
  - per (ym, agency, officer_id, duration, days) how many cases took that many calendar days (lead → filing by
    filing month, filing → decision by decision month): medians and P90 are exact from it.

How it stays exact — recomputation from the source, never increments:
  - triggers on cases, case_officers and deadlines (migration 0019) append (agency, month) to `stat_dirty` for
    every date a changed row counted by, old and new, in the writer's own transaction, whoever writes (acts,
    sweeps, imports, bulk loads, SQL by hand); appending takes no lock another writer waits for;
  - `refresh` takes the dirty months away (DELETE … RETURNING: only those whose writers have committed) and then,
    in a later statement and so a later snapshot, recomputes each such month from the source rows. A writer that
    commits after the DELETE left its mark, which the next refresh takes. Refreshes run one at a time
    (an advisory lock on PostgreSQL; SQLite has one writer anyway);
  - `prepare(s)` is called by `statistics.compute` before it reads: it refreshes, then, if the reading session
    still sees a dirty month (its own uncommitted writes, or an older snapshot), the page reads the cases instead.
  - `rebuild` recomputes everything (`casebook stats rebuild`, after imports, restores and bench seeding) and
    ANALYZEs the tables it wrote.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import and_, delete, func, insert, literal, or_, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from casebook.db.models import CaseOfficer
from casebook.db.models_supervision import StatDirty, StatHistogram, StatRollup

from . import statistics as st

log = logging.getLogger(__name__)

LOCK_KEY = 0x5354_4154  # pg_advisory_xact_lock: one refresh or rebuild at a time
CHUNK = 5000
MAX_BUCKETS = 400  # more dirty months than this: recompute everything (one scan beats 400 range scans)


def _month(ym: int) -> tuple[dt.date, dt.date]:
    y, m = divmod(ym, 100)
    return dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1)


def _ym_expr(dialect: str, col):
    return st._period_key(dialect, col, "month")


def _in_buckets(f: st.Feed, buckets):
    if buckets is None:
        return []
    return [or_(*[and_(f.agency_col == a, f.date_col >= _month(ym)[0], f.date_col < _month(ym)[1]) for a, ym in buckets])]


def compute_rows(conn: Connection, buckets: list[tuple[int, int]] | None) -> tuple[list[dict], list[dict]]:
    """The rollup and histogram rows of the (agency, ym) months given (all when None), from the source tables:
    one grouped query per feed and officer variant (no loop over cases)."""
    dialect = conn.dialect.name
    co = CaseOfficer.__table__.alias("co")
    rollup: list[dict] = []
    hist: list[dict] = []
    for feed, f in st.FEEDS.items():
        aggs = {"_rows": func.count(), **f.aggs()}
        ym = _ym_expr(dialect, f.date_col)
        for by_officer in (False, True):
            frm = f.table.join(co, co.c.case_id == f.case_col) if by_officer else f.table
            officer = co.c.user_id if by_officer else literal(0)
            group = [ym, f.agency_col, *([co.c.user_id] if by_officer else [])]
            stmt = (select(ym, f.agency_col, officer, *aggs.values()).select_from(frm)
                    .where(f.date_col.is_not(None), *f.where, *_in_buckets(f, buckets)).group_by(*group))
            for y, a, o, *vals in conn.execute(stmt):
                for name, v in zip(aggs, vals, strict=True):
                    if v:
                        rollup.append({"ym": y, "agency_id": a, "officer_id": o, "metric": f"{feed}.{name}", "value": v})
    for metric, (f, value_fn) in st.DURATIONS.items():
        value = value_fn(dialect)
        ym = _ym_expr(dialect, f.date_col)
        for by_officer in (False, True):
            frm = f.table.join(co, co.c.case_id == f.case_col) if by_officer else f.table
            officer = co.c.user_id if by_officer else literal(0)
            group = [ym, f.agency_col, *([co.c.user_id] if by_officer else []), value]
            stmt = (select(ym, f.agency_col, officer, value, func.count()).select_from(frm)
                    .where(f.date_col.is_not(None), value.is_not(None), *f.where, *_in_buckets(f, buckets))
                    .group_by(*group))
            for y, a, o, days, n in conn.execute(stmt):
                hist.append({"ym": y, "agency_id": a, "officer_id": o, "metric": metric, "days": int(days), "n": n})
    return rollup, hist


def _write(conn: Connection, buckets: list[tuple[int, int]] | None) -> int:
    rt, ht = StatRollup.__table__, StatHistogram.__table__
    if buckets is None:
        conn.execute(delete(rt))
        conn.execute(delete(ht))
    else:
        for i in range(0, len(buckets), 200):
            part = buckets[i:i + 200]
            for t in (rt, ht):
                conn.execute(delete(t).where(or_(*[and_(t.c.agency_id == a, t.c.ym == ym) for a, ym in part])))
    rollup, hist = compute_rows(conn, buckets)
    for t, rows in ((rt, rollup), (ht, hist)):
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(t), rows[i:i + CHUNK])
    return len(rollup) + len(hist)


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


def _take_dirty(conn: Connection) -> list[tuple[int, int]]:
    """Remove the dirty marks this transaction can see (their writers committed) and return their months."""
    d = StatDirty.__table__
    if conn.dialect.name == "postgresql":
        got = conn.execute(delete(d).returning(d.c.agency_id, d.c.ym)).all()
    else:  # SQLite: the refresh holds the only write lock, nobody appends meanwhile
        got = conn.execute(select(d.c.agency_id, d.c.ym)).all()
        conn.execute(delete(d))
    return sorted({(int(a), int(ym)) for a, ym in got})


def refresh(conn: Connection) -> int:
    """Recompute the months marked dirty; the number of months recomputed. Call inside a transaction."""
    _lock(conn)
    buckets = _take_dirty(conn)
    if not buckets:
        return 0
    if len(buckets) > MAX_BUCKETS:
        _write(conn, None)
    else:
        _write(conn, buckets)
    return len(buckets)


def rebuild(engine: Engine) -> dict:
    """Recompute the whole rollup from the source tables (one transaction), then ANALYZE (autovacuum may be off)."""
    import time

    t0 = time.perf_counter()
    with engine.begin() as conn:
        _lock(conn)
        _take_dirty(conn)  # first: a change committed after this is marked again and refreshed later
        rows = _write(conn, None)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            for t in ("stat_rollup", "stat_histogram", "stat_dirty"):
                c.exec_driver_sql(f"ANALYZE {t}")
    else:
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    return {"rows": rows, "seconds": round(time.perf_counter() - t0, 1)}


def _any_dirty(conn: Connection) -> bool:
    return conn.execute(select(StatDirty.__table__.c.id).limit(1)).first() is not None


def prepare(s: Session) -> str:
    """Bring the rollup up to date for this session's reads: "rollup" when it is, else "cases" (read the cases).

    The refresh runs in its own committed transaction when it cannot wait on this session (PostgreSQL, or a
    SQLite session that has not begun); a SQLite session already in a transaction refreshes inside it (a
    savepoint; kept if the session commits). If this session still sees dirty months — its own uncommitted
    writes — its statistics are read from the cases, so they are exact either way."""
    bind = s.get_bind()
    dialect = bind.dialect.name
    if isinstance(bind, Engine) and (dialect == "postgresql" or not s.in_transaction()):
        with bind.connect() as c:
            dirty = _any_dirty(c)
            c.rollback()
        if dirty:
            with bind.begin() as c:
                n = refresh(c)
            log.info("statistics rollup: %d months refreshed", n)
    if not _any_dirty(s.connection()):
        return "rollup"
    if dialect == "sqlite":
        try:
            with s.begin_nested():
                refresh(s.connection())
            return "rollup"
        except OperationalError:
            log.warning("statistics rollup: could not refresh in this session; reading the cases")
    return "cases"


def status(s: Session) -> dict:
    """How many rollup rows and dirty marks there are (for `casebook stats status`)."""
    return {"rollup_rows": s.execute(select(func.count()).select_from(StatRollup)).scalar_one(),
            "histogram_rows": s.execute(select(func.count()).select_from(StatHistogram)).scalar_one(),
            "dirty_marks": s.execute(select(func.count()).select_from(StatDirty)).scalar_one()}
