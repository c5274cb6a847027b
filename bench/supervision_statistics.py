"""Statistics: every supervision page and export over N cases, each as a ratio to a hand-written SQL floor.

Budget (issue 16): every statistics page and export < 2 s with 1 M cases on PostgreSQL.

    .venv/bin/python bench/supervision_statistics.py --backend sqlite --cases 50000     # quick
    .venv/bin/python bench/supervision_statistics.py --backend postgres                 # 1 M cases

The world is the case-list bench's seed (bench/case_list.py: three agencies, five years, all stages, fines on
decided cases, two officers per filed case), plus one `decision` deadline per decided case (met, or missed
for one in ten) so the deadline table has rows. Pages are requested through the app (Flask test client,
signed in as the demo supervisor and head: HTML rendered, charts' JSON, XLSX built); the officer's figures
through the service for the busiest bench officer. The floor is hand-written SQL of the same aggregates
(the cases table by stage, the outcomes and fines, the two percentiles, the deadlines), run in the same
process on the same database; a page's ratio = its median / the floor's median.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, now, pg_server_info, scratch_db, summary_ms  # noqa: E402
from case_list import Loader, seed  # noqa: E402  (the same seed as the case-list bench)
from sqlalchemy import select, text  # noqa: E402

BUDGET_MS = 2000.0
YEAR = 2025  # the world runs to 2026-11-20: 2025 is a full year of every stage


def seed_deadlines(engine, factory) -> int:
    """One decision deadline per decided case: due 90 days after filing, met on the decision day (one in ten missed)."""
    from casebook.db.models import Case

    rng = random.Random(11)
    with factory() as s:
        rows = s.execute(select(Case.id, Case.agency_id, Case.filed_on, Case.decided_on)
                         .where(Case.decided_on.is_not(None))).all()
    cols = ["id", "case_id", "agency_id", "kind", "ref", "unit", "length", "starts_on", "extended_days", "paused_days",
            "due_on", "basis", "status", "met_on", "meta", "created_at", "updated_at"]
    t = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)

    def gen():
        for i, (cid, aid, filed, decided) in enumerate(rows, start=1):
            missed = rng.random() < 0.1
            yield {"id": i, "case_id": cid, "agency_id": aid, "kind": "decision", "ref": "", "unit": "calendar",
                   "length": 90, "starts_on": filed, "extended_days": 0, "paused_days": 0,
                   "due_on": filed + dt.timedelta(days=90), "basis": "行政处罚法第六十条",
                   "status": "missed" if missed else "met", "met_on": None if missed else decided, "meta": "{}",
                   "created_at": t, "updated_at": t}

    loader = Loader(engine)
    n = loader.load("deadlines", cols, gen())
    with engine.begin() as c:
        if loader.pg:
            c.exec_driver_sql("SELECT setval(pg_get_serial_sequence('deadlines', 'id'), (SELECT max(id) FROM deadlines))")
    if loader.pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE deadlines")
    else:
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    return n


def floor_sql(dialect: str) -> list[str]:
    """Hand-written SQL of the heaviest aggregates a page runs (district, 2025, grouped by agency)."""
    y0, y1 = f"'{YEAR}-01-01'", f"'{YEAR + 1}-01-01'"
    days = "(decided_on - filed_on)" if dialect == "postgresql" else "CAST(julianday(decided_on) - julianday(filed_on) AS INTEGER)"
    tier = "benchmark->>'tier'" if dialect == "postgresql" else "json_extract(benchmark, '$.tier')"
    out = [
        f"SELECT agency_id, stage, procedure, count(*) FROM cases WHERE discovered_on >= {y0} AND discovered_on < {y1} "
        "GROUP BY agency_id, stage, procedure",
        f"SELECT agency_id, decision_kind, {tier}, count(*), count(fine_amount), sum(fine_amount) FROM cases "
        f"WHERE decided_on >= {y0} AND decided_on < {y1} GROUP BY agency_id, decision_kind, {tier}",
        f"SELECT agency_id, status, count(*) FROM deadlines WHERE due_on >= {y0} AND due_on < {y1} "
        "AND status IN ('met', 'missed') GROUP BY agency_id, status",
    ]
    if dialect == "postgresql":
        out.append(f"SELECT agency_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}), "
                   f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {days}) FROM cases "
                   f"WHERE decided_on >= {y0} AND decided_on < {y1} GROUP BY agency_id")
    else:
        out.append(f"SELECT agency_id, {days} AS d FROM cases WHERE decided_on >= {y0} AND decided_on < {y1} "
                   "ORDER BY agency_id, d")
    return out


def measure(fn, reps: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = now()
        fn()
        times.append(now() - t0)
    return summary_ms(times)


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, help="number of cases (default 100000 on SQLite, 1000000 on PostgreSQL)")
    p.add_argument("--reps", type=int, default=5, help="timed requests per page")
    args = p.parse_args()
    n = args.cases or (100_000 if args.backend == "sqlite" else 1_000_000)

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker
    from casebook.services import statistics as st
    from casebook.services.context import Actor

    result = {"bench": "statistics", "backend": args.backend, "cases": n, "env": environment(), "year": YEAR,
              "budget": {"ms_max": BUDGET_MS, "at": "1M cases on PostgreSQL", "measure": "median per page"}}
    with scratch_db(args.backend, "stats", keep=args.keep) as db:
        engine = make_engine(db.url)
        factory = make_sessionmaker(engine)
        if args.backend == "postgres":
            result["env"]["postgres"] = pg_server_info(engine)
        log(f"statistics[{args.backend}]: seeding {n} cases …")
        info = seed(engine, factory, n)
        t0 = now()
        result["seed"] = {"counts": info["counts"], "seconds": info["seconds"],
                          "deadlines": seed_deadlines(engine, factory), "deadline_seconds": round(now() - t0, 1)}
        log(f"seeded in {info['seconds']}; measuring")

        dialect = engine.dialect.name
        floors = floor_sql(dialect)

        def floor():
            with engine.connect() as c:
                for q in floors:
                    c.execute(text(q)).all()

        floor_ms = measure(floor, args.reps)
        result["floor"] = {"sql": floors, **floor_ms}

        from casebook.web.app import create_app

        app = create_app(Settings(data_dir=db.data_dir, database_url=db.url), engine=engine)
        pages = {
            "cockpit_supervisor": ("wujing", f"/supervision/?year={YEAR}"),
            "statistics_supervisor_by_agency": ("wujing", f"/supervision/statistics?year={YEAR}"),
            "statistics_supervisor_by_officer": ("wujing", f"/supervision/statistics?year={YEAR}&by=officer"),
            "statistics_supervisor_by_month": ("wujing", f"/supervision/statistics?year={YEAR}&by=period&granularity=month"),
            "statistics_trend_5_years": ("wujing", f"/supervision/statistics?year={YEAR + 1}&year_from={YEAR - 3}&by=period&granularity=year"),
            "xlsx_supervisor_all_tables": ("wujing", f"/supervision/statistics.xlsx?year={YEAR}"),
            "xlsx_supervisor_by_officer": ("wujing", f"/supervision/statistics.xlsx?year={YEAR}&by=officer"),
            "cockpit_head": ("zhaomin", f"/supervision/?year={YEAR}"),
            "statistics_head_by_officer": ("zhaomin", f"/supervision/statistics?year={YEAR}&by=officer"),
        }
        clients = {}
        for who in {w for w, _ in pages.values()}:
            c = app.test_client()
            r = c.get("/login")
            import re

            token = re.search(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True)).group(1)
            assert c.post("/login", data={"username": who, "password": "casebook-demo-2026", "csrf_token": token}).status_code == 302
            clients[who] = c
        out = {}
        for name, (who, path) in pages.items():
            def get(who=who, path=path):
                r = clients[who].get(path)
                assert r.status_code == 200, (path, r.status_code)
                return r
            log(f"  {name}")
            m = measure(get, args.reps)
            m["ratio_to_floor"] = round(m["median_ms"] / floor_ms["median_ms"], 2)
            out[name] = m
        # the officer's own figures, for the busiest bench officer of the first agency (service + XLSX)
        with factory() as s:
            from sqlalchemy import func

            from casebook.db.models import CaseOfficer

            uid, = s.execute(select(CaseOfficer.user_id).group_by(CaseOfficer.user_id)
                             .order_by(func.count().desc()).limit(1)).one()
            from casebook.db.models import User

            aid = s.get(User, uid).agency_id
        officer = Actor(uid, "bench", frozenset({"officer"}), aid, frozenset({aid}))

        def officer_xlsx():
            with factory() as s:
                st.to_xlsx(st.compute(s, officer, st.Query(year=YEAR)))

        m = measure(officer_xlsx, args.reps)
        m["ratio_to_floor"] = round(m["median_ms"] / floor_ms["median_ms"], 2)
        out["officer_own_figures_xlsx"] = m
        result["pages"] = out
        applies = args.backend == "postgres" and n >= 1_000_000
        worst = max(out.values(), key=lambda x: x["median_ms"])
        result["verdict"] = {"applies": applies, "worst_median_ms": worst["median_ms"],
                             "pass": (worst["median_ms"] < BUDGET_MS) if applies else None}
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
