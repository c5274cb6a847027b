"""Deadline sweep: time to fire 100 k due rows, and the fire lag of the real scheduler loop.

Budget (the README's performance table): a sweep of 100 k due rows < 5 s; fire lag p99 < 30 s.

    .venv/bin/python bench/deadline_sweep.py --backend postgres
    .venv/bin/python bench/deadline_sweep.py --backend sqlite --rows 100000 --lag-window 60

1. Throughput: `--rows` deadlines (spread over `--cases` cases, all past due) are planted with bulk
   INSERTs; `sweep_all` then fires every one exactly as the scheduler does — one transaction per
   batch: claim (UPDATE … RETURNING), one trail entry and one deadline.missed outbox row each. The
   result is checked: one event per row, no row left open, the trail chain verifies.
2. Fire lag: `--lag-rows` deadlines fall due at instants spread evenly over `--lag-window` seconds
   from now; the real tick (scheduler.sweep.add_sweep_job on an APScheduler BackgroundScheduler,
   every `--tick` seconds, the CASEBOOK_SWEEP_SECONDS default) runs until all have fired. Lag of a
   row = commit of the batch that fired it − its due instant. Expected ≈ tick interval + sweep time.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    base_parser,
    emit,
    environment,
    log,
    now,
    pct,
    pg_server_info,
    scratch_db,
    seeded_sessions,
)
from sqlalchemy import func, insert, select  # noqa: E402

BUDGET_SWEEP_S = 5.0
BUDGET_LAG_P99_S = 30.0
KINDS = ("decision", "service", "payment", "filing", "publication")


def plant_cases(factory, n: int) -> list[int]:
    from casebook.db.models import Agency, Case, utcnow

    with factory() as s, s.begin():
        agency_id = s.execute(select(Agency.id).where(Agency.code == "山亭市监")).scalar_one()
        t = utcnow()
        rows = [{"agency_id": agency_id, "stage": "investigating", "procedure": "ordinary", "source": "complaint",
                 "cause": f"基准案件{i}", "case_no": f"山亭市监立〔2026〕{i + 1}号", "discovered_on": dt.date(2026, 3, 2),
                 "filed_on": dt.date(2026, 3, 3), "violations": [], "circumstances": [], "penalty_kinds": [],
                 "created_at": t, "updated_at": t, "event_seq": 0, "version": 1} for i in range(n)]
        for i in range(0, n, 5000):
            s.execute(insert(Case), rows[i:i + 5000])
        ids = s.execute(select(Case.id).where(Case.agency_id == agency_id).order_by(Case.id)).scalars().all()
        return agency_id, list(ids)


def plant_deadlines(factory, agency_id: int, case_ids: list[int], n: int, due_at_for, prefix: str = "b") -> None:
    """Insert n open deadlines; the i-th is due at due_at_for(i) (warned already, so only the miss fires)."""
    from casebook.db.models import Deadline, utcnow

    t = utcnow()
    rows = []
    for i in range(n):
        due_at = due_at_for(i)
        kind = KINDS[i % len(KINDS)]
        due_on = (due_at - dt.timedelta(hours=8)).date()
        rows.append({"case_id": case_ids[i % len(case_ids)], "agency_id": agency_id, "kind": kind,
                     "ref": f"{prefix}{i}", "unit": "calendar", "length": 90, "starts_on": dt.date(2026, 3, 3),
                     "extended_days": 0, "paused_days": 0, "due_on": due_on, "due_at": due_at, "warn_on": due_on,
                     "warn_at": due_at - dt.timedelta(days=3), "warned_at": t, "basis": "行政处罚法第六十条",
                     "status": "open", "meta": {"opts": {}}, "created_at": t, "updated_at": t})
    with factory() as s, s.begin():
        for i in range(0, n, 10000):
            s.execute(insert(Deadline), rows[i:i + 10000])


def _backend_cpu(url: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL client backends of this database (same host, Linux), else None."""
    import os

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    try:
        probe = create_engine(url, poolclass=NullPool)  # its own connection: never one of the sweep's
        with probe.connect() as c:
            pids = c.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                     " AND backend_type = 'client backend' AND pid <> pg_backend_pid()").scalars().all()
        probe.dispose()
        ticks = 0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except Exception:  # noqa: BLE001 — another host, or no /proc: just not reported
        return None


def _timed(url: str, backend: str, fn):
    """fn()'s result, wall seconds, this process's CPU seconds and (PostgreSQL) the server backends' CPU seconds."""
    db_cpu = _backend_cpu(url) if backend == "postgres" else None
    cpu = time.process_time()
    t1 = now()
    res = fn()
    elapsed = now() - t1
    cpu = time.process_time() - cpu
    if db_cpu is not None:
        after = _backend_cpu(url)
        db_cpu = None if after is None else after - db_cpu
    return res, elapsed, cpu, db_cpu


def throughput(url: str, data_dir: Path, rows: int, cases: int, batch: int, backend: str, workers: int) -> dict:
    from casebook.config import Settings
    from casebook.db.models import Deadline, OutboxEvent
    from casebook.services import deadlines
    from casebook.services.audit import verify_trail

    engine, factory = seeded_sessions(url)
    out: dict = {}
    if backend == "postgres":
        out["postgres"] = pg_server_info(engine)
    t0 = now()
    agency_id, case_ids = plant_cases(factory, cases)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    plant_deadlines(factory, agency_id, case_ids, rows, lambda i: past - dt.timedelta(seconds=i))
    from casebook.db.migrate import analyze

    analyze(engine)  # the product's own statistics refresh after a bulk load (PostgreSQL)
    out["plant_s"] = round(now() - t0, 2)
    log(f"deadline_sweep[{backend}]: planted {rows} due rows over {cases} cases in {out['plant_s']} s; sweeping …")
    batches: list[float] = []
    last = [now()]

    def on_batch(res):
        t = now()
        batches.append(t - last[0])
        last[0] = t

    if backend == "postgres":  # open the connections the sweep will use, so their backends can be measured
        conns = [engine.connect() for _ in range(workers)]
        for c in conns:
            c.close()
    res, elapsed, cpu, db_cpu = _timed(url, backend, lambda: deadlines.sweep_all(
        factory, batch=batch, workers=workers, on_batch=on_batch))
    with factory() as s:
        events = s.execute(select(func.count(), func.count(func.distinct(OutboxEvent.payload["deadline_id"].as_integer())))
                           .where(OutboxEvent.type == "deadline.missed")).one()
        still_open = s.execute(select(func.count()).select_from(Deadline).where(Deadline.status == "open")).scalar_one()
        t2 = now()
        ok = verify_trail(s, Settings.from_env(database_url=url, data_dir=data_dir)).ok
        verify_s = now() - t2
    out.update({
        "rows": rows, "cases": cases, "batch": batch, "workers": workers, "sweep_s": round(elapsed, 3),
        "python_cpu_s": round(cpu, 3), "postgres_backend_cpu_s": None if db_cpu is None else round(db_cpu, 3),
        "rows_per_s": round(rows / elapsed), "batches": len(batches),
        "batch_s": {"median": round(statistics.median(batches), 4), "max": round(max(batches), 4)} if batches else None,
        "result": res.as_dict(),
        "checks": {"events": events[0], "distinct_deadlines": events[1], "left_open": still_open,
                   "trail_verifies": ok, "verify_s": round(verify_s, 2)},
        "within_budget": elapsed < BUDGET_SWEEP_S and events[0] == events[1] == rows and still_open == 0 and ok,
    })
    # The floor, in the same run right after: as many due rows planted again, fired by hand-written SQL (one
    # connection); the chain must still verify with its entries, and every row must have fired once.
    plant_deadlines(factory, agency_id, case_ids, rows, lambda i: past - dt.timedelta(seconds=i), prefix="f")
    analyze(engine)
    fired, floor_s, cpu, db_cpu = _timed(url, backend, lambda: hand_sweep(engine, batch))
    with factory() as s:
        floor_events = s.execute(select(func.count()).select_from(OutboxEvent)
                                 .where(OutboxEvent.type == "deadline.missed")).scalar_one() - events[0]
        floor_ok = verify_trail(s, Settings.from_env(database_url=url, data_dir=data_dir)).ok
    out["floor"] = {"what": "the same rows fired by hand-written SQL through the raw driver, one connection "
                            "(bench/deadline_sweep.py hand_sweep), right after the product's sweep",
                    "rows": fired, "sweep_s": round(floor_s, 3), "python_cpu_s": round(cpu, 3),
                    "postgres_backend_cpu_s": None if db_cpu is None else round(db_cpu, 3),
                    "checks": {"events": floor_events, "trail_verifies": floor_ok}}
    out["ratio_to_floor"] = round(elapsed / floor_s, 2)
    out["ratio_cpu"] = round((out["python_cpu_s"] + (out["postgres_backend_cpu_s"] or 0))
                             / (cpu + (db_cpu or 0)), 2)
    engine.dispose()
    return out


def hand_sweep(engine, batch: int) -> int:
    """The sweep's floor: the same rows fired by hand-written SQL through the raw driver, one transaction per
    batch — claim the due rows (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, then UPDATE … RETURNING with
    the case number joined), one canonical-JSON payload, trail entry and deadline.missed outbox row each, the
    hash chain under the locked head (COPY on PostgreSQL, executemany on SQLite), the head updated, COMMIT.
    No ORM, no schema validation, no masking check, no warning or calendar pass: what is left when only the
    database work, the JSON and the hashing remain. Returns the rows fired."""
    import hashlib

    from casebook.audit.chain import canonical_payload, format_time
    from casebook.db.models import utcnow
    from casebook.services.deadlines import _LABELS, _WINDOWS
    from casebook.services.recording import uuid4_strings

    pg = engine.dialect.name == "postgresql"
    conn = engine.raw_connection()
    db = conn.driver_connection
    windows = ", ".join(f"'{k}'" for k in _WINDOWS)
    ret = "d.id, d.case_id, d.agency_id, d.kind, d.ref, d.starts_on, d.due_on, d.due_at, d.basis, d.status"
    fired = 0
    try:
        while True:
            now = utcnow()
            cur = db.cursor()
            if pg:
                cur.execute("SELECT id FROM deadlines WHERE status = 'open' AND paused_since IS NULL AND due_at <= %s "
                            "ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED", (now, batch))
                ids = [r[0] for r in cur.fetchall()]
                if ids:
                    cur.execute(f"UPDATE deadlines d SET status = CASE WHEN d.kind IN ({windows}) THEN 'expired' "
                                f"ELSE 'missed' END, missed_at = %s, updated_at = %s FROM cases c WHERE d.id = ANY(%s) "
                                f"AND c.id = d.case_id RETURNING {ret}, c.case_no", (now, now, ids))
            else:
                cur.execute("BEGIN IMMEDIATE")
                at_text = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                cur.execute("SELECT id FROM deadlines WHERE status = 'open' AND paused_since IS NULL AND due_at <= ? "
                            "ORDER BY due_at LIMIT ?", (at_text, batch))
                ids = [r[0] for r in cur.fetchall()]
                if ids:
                    cur.execute(f"UPDATE deadlines SET status = CASE WHEN kind IN ({windows}) THEN 'expired' "
                                f"ELSE 'missed' END, missed_at = ?, updated_at = ? WHERE id IN "
                                f"({', '.join('?' * len(ids))}) RETURNING {ret.replace('d.', '')}, "
                                f"(SELECT c.case_no FROM cases c WHERE c.id = deadlines.case_id)", (at_text, at_text, *ids))
            rows = cur.fetchall() if ids else []
            trail, outbox = [], []
            event_ids = uuid4_strings(len(rows))
            for i, (id_, case_id, agency_id, kind, ref, starts_on, due_on, due_at, basis, status, case_no) in enumerate(rows):
                if not pg:  # SQLite hands back its text; the payload carries ISO dates and an aware UTC time
                    due_at = dt.datetime.fromisoformat(due_at).replace(tzinfo=dt.UTC) if due_at else None
                    starts_on = dt.date.fromisoformat(starts_on) if starts_on else None
                    due_on = dt.date.fromisoformat(due_on) if due_on else None
                elif due_at is not None:
                    due_at = due_at.astimezone(dt.UTC)
                body = canonical_payload({
                    "deadline_id": id_, "kind": kind, "label": _LABELS[kind], "ref": ref, "case_no": case_no,
                    "basis": basis, "starts_on": starts_on and starts_on.isoformat(), "due_on": due_on and due_on.isoformat(),
                    "due_at": due_at and due_at.isoformat()})
                name = "deadline.expired" if status == "expired" else "deadline.missed"
                trail.append([None, now, None, "system", agency_id, case_id, name, body, None, None])
                outbox.append((event_ids[i], name, 1, now, agency_id, case_id, None, None, body))
            if rows:
                cur.execute("SELECT seq, entry_hash FROM trail_head WHERE id = 1" + (" FOR UPDATE" if pg else ""))
                seq, prev = cur.fetchone()
                at = format_time(now)
                for r in trail:
                    seq += 1
                    r[0], r[8] = seq, prev
                    prev = r[9] = hashlib.sha256(f"{prev}|{seq}|{at}|None|system|{r[4]}|{r[5]}|{r[6]}\n{r[7]}"
                                                 .encode()).hexdigest()
                t_cols = "seq, occurred_at, actor_id, actor_role, agency_id, case_id, action, payload, prev_hash, entry_hash"
                o_cols = "event_id, type, version, occurred_at, agency_id, case_id, case_seq, actor_id, payload"
                if pg:
                    with cur.copy(f"COPY trail_entries ({t_cols}) FROM STDIN") as copy:
                        for r in trail:
                            copy.write_row(r)
                    with cur.copy(f"COPY outbox ({o_cols}) FROM STDIN") as copy:
                        for r in outbox:
                            copy.write_row(r)
                    cur.execute("UPDATE trail_head SET seq = %s, entry_hash = %s WHERE id = 1", (seq, prev))
                else:
                    for r in trail:
                        r[1] = at_text
                    cur.executemany(f"INSERT INTO trail_entries ({t_cols}) VALUES ({', '.join('?' * 10)})", trail)
                    cur.executemany(f"INSERT INTO outbox ({o_cols}) VALUES ({', '.join('?' * 9)})",
                                    [(*r[:3], at_text, *r[4:]) for r in outbox])
                    cur.execute("UPDATE trail_head SET seq = ?, entry_hash = ? WHERE id = 1", (seq, prev))
            if pg:
                db.commit()
            else:
                cur.execute("COMMIT")
            cur.close()
            fired += len(rows)
            if len(rows) < batch:
                return fired
    finally:
        conn.close()


def fire_lag(url: str, lag_rows: int, window: float, tick: int, batch: int, workers: int) -> dict:
    from apscheduler.schedulers.background import BackgroundScheduler

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker
    from casebook.db.models import Agency, Case, Deadline
    from scheduler.sweep import add_sweep_job

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == "山亭市监")).scalar_one()
        case_ids = s.execute(select(Case.id).limit(1000)).scalars().all()
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    step = window / max(lag_rows - 1, 1)
    due_at = {}

    def due(i):
        return start + dt.timedelta(seconds=i * step)

    plant_deadlines(factory, agency_id, case_ids, lag_rows, due, prefix="lag")
    with factory() as s:
        for d_id, d_due in s.execute(select(Deadline.id, Deadline.due_at).where(Deadline.status == "open")):
            due_at[d_id] = d_due
    fired: dict[int, float] = {}
    lock = threading.Lock()

    def on_batch(res):
        t = time.time()
        with lock:
            for i in res.ids:
                fired.setdefault(i, t)

    settings = Settings.from_env(database_url=url, sweep_seconds=tick, sweep_batch=batch, sweep_workers=workers)
    sched = BackgroundScheduler(timezone="UTC")
    add_sweep_job(sched, factory, settings, on_batch=on_batch)
    log(f"fire lag: {lag_rows} rows due over {window} s, tick {tick} s …")
    sched.start()
    deadline = time.time() + window + 2 + tick * 3 + 30
    while time.time() < deadline:
        with lock:
            if len(fired) >= len(due_at):
                break
        time.sleep(0.5)
    sched.shutdown(wait=True)
    lags = [fired[i] - due_at[i].timestamp() for i in due_at if i in fired]
    engine.dispose()
    p99 = pct(lags, 99)
    return {
        "rows": lag_rows, "window_s": window, "tick_s": tick, "fired": len(lags), "unfired": len(due_at) - len(lags),
        "lag_s": {"median": round(statistics.median(lags), 3), "p95": round(pct(lags, 95), 3), "p99": round(p99, 3),
                  "max": round(max(lags), 3), "min": round(min(lags), 3)} if lags else None,
        "within_budget": bool(lags) and len(lags) == len(due_at) and p99 < BUDGET_LAG_P99_S,
    }


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--cases", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=None, help="rows per sweep transaction (default CASEBOOK_SWEEP_BATCH)")
    p.add_argument("--workers", type=int, default=None,
                   help="side-by-side sweeps (default: CASEBOOK_SWEEP_WORKERS on PostgreSQL, 1 on SQLite)")
    p.add_argument("--lag-rows", type=int, default=3000)
    p.add_argument("--lag-window", type=float, default=60.0)
    p.add_argument("--tick", type=int, default=None, help="seconds between ticks (default CASEBOOK_SWEEP_SECONDS)")
    p.add_argument("--skip-lag", action="store_true")
    args = p.parse_args()

    from casebook.config import Settings

    cfg = Settings()
    batch = args.batch or cfg.sweep_batch
    tick = args.tick or cfg.sweep_seconds
    workers = args.workers or (cfg.sweep_workers if args.backend == "postgres" else 1)
    result = {"bench": "deadline_sweep", "backend": args.backend, "env": environment(),
              "budget": {"sweep_s_max": BUDGET_SWEEP_S, "at_rows": 100_000, "fire_lag_p99_s_max": BUDGET_LAG_P99_S}}
    with scratch_db(args.backend, "deadlines", keep=args.keep) as db:
        if args.keep:
            log("scratch database:", db.url)
        result["sweep"] = throughput(db.url, db.data_dir, args.rows, args.cases, batch, args.backend, workers)
        log(f"sweep: {result['sweep']['sweep_s']} s for {args.rows} rows")
        if not args.skip_lag:
            result["fire_lag"] = fire_lag(db.url, args.lag_rows, args.lag_window, tick, batch, workers)
            log(f"fire lag: {result['fire_lag']['lag_s']}")
    result["within_budget"] = result["sweep"]["within_budget"] and (args.skip_lag or result["fire_lag"]["within_budget"])
    emit(result)


if __name__ == "__main__":
    main()
