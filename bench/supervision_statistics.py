"""Statistics: every supervision page and export over N cases, each as a ratio to a hand-written SQL floor.

Budget (issue 16): every statistics page and export < 2 s with 1 M cases on PostgreSQL.

    .venv/bin/python bench/supervision_statistics.py --backend sqlite --cases 50000     # quick
    .venv/bin/python bench/supervision_statistics.py --backend postgres                 # 1 M cases

After seeding, the statistics rollup is rebuilt (`rollups.rebuild`, as `casebook stats rebuild`; its time is
reported). Every variant is timed once per round, interleaved with the floor; one more variant changes a case
of the year before each request (a page that pays for refreshing the months that write marked dirty).

The world is the case-list bench's seed (bench/case_list.py: three agencies, five years, all stages, fines on
decided cases, two officers per filed case), plus one `decision` deadline per decided case (met, or missed
for one in ten) so the deadline table has rows. Pages are requested through the app (Flask test client,
signed in as the demo supervisor and head: HTML rendered, charts' JSON, XLSX built); the officer's figures
through the service for the busiest bench officer. The floor is hand-written SQL of the same aggregates
(the cases table by stage, the outcomes and fines, the two percentiles, the deadlines), run in the same
process on the same database; a page's ratio = its median / the floor's median. A second figure, the rollup
floor, is the hand-written SQL that sums the year's rollup and histogram rows by agency (what a page reads,
without the rendering).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, now, pg_server_info, scratch_db, summary_ms  # noqa: E402
from case_list import Loader, seed  # noqa: E402  (the same seed as the case-list bench)
from sqlalchemy import func, select, text  # noqa: E402

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


def measure_interleaved(fns: dict, reps: int) -> dict:
    """Each variant once per round (warm-up round first), variants interleaved so drifting load hits them alike."""
    for fn in fns.values():
        fn()
    times: dict = {k: [] for k in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            t0 = now()
            fn()
            times[name].append(now() - t0)
    return {k: summary_ms(v) for k, v in times.items()}


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, help="number of cases (default 100000 on SQLite, 1000000 on PostgreSQL)")
    p.add_argument("--reps", type=int, default=5, help="timed requests per page")
    p.add_argument("--db-url", help="reuse a database this bench seeded before (kept with --keep): migrate it to the "
                                    "head and rebuild the rollup instead of seeding")
    p.add_argument("--direct", action="store_true", help="also time the direct aggregates over the cases (the rollup's "
                                                         "oracle, source=\"cases\") through the service")
    args = p.parse_args()
    n = args.cases or (100_000 if args.backend == "sqlite" else 1_000_000)

    from casebook.config import Settings
    from casebook.db.engine import make_engine, make_sessionmaker
    from casebook.services import rollups
    from casebook.services import statistics as st
    from casebook.services.context import Actor

    result = {"bench": "supervision_statistics", "backend": args.backend, "cases": n, "env": environment(), "year": YEAR,
              "budget": {"ms_max": BUDGET_MS, "at": "1M cases on PostgreSQL", "measure": "median per page"}}
    with _database(args) as db:
        engine = make_engine(db.url)
        factory = make_sessionmaker(engine)
        if args.backend == "postgres":
            result["env"]["postgres"] = pg_server_info(engine)
        if args.db_url:
            from casebook.db.migrate import upgrade

            upgrade(db.url)
            with factory() as s:
                from casebook.db.models import Case, Deadline

                counts = {"cases": s.execute(select(func.count()).select_from(Case)).scalar_one(),
                          "deadlines": s.execute(select(func.count()).select_from(Deadline)).scalar_one()}
            n = result["cases"] = counts["cases"]
            result["seed"] = {"reused": True, "counts": counts}
        else:
            log(f"statistics[{args.backend}]: seeding {n} cases …")
            info = seed(engine, factory, n)
            t0 = now()
            result["seed"] = {"counts": info["counts"], "seconds": info["seconds"],
                              "deadlines": seed_deadlines(engine, factory), "deadline_seconds": round(now() - t0, 1)}
        log("rebuilding the statistics rollup …")
        result["rollup_rebuild"] = rollups.rebuild(engine)  # what `casebook stats rebuild` does (ANALYZE included)
        log(f"rollup {result['rollup_rebuild']}; measuring")

        dialect = engine.dialect.name
        floors = floor_sql(dialect)

        def floor():
            with engine.connect() as c:
                for q in floors:
                    c.execute(text(q)).all()

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
        import re

        for who in {w for w, _ in pages.values()}:
            c = app.test_client()
            r = c.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True)).group(1)
            assert c.post("/login", data={"username": who, "password": "casebook-demo-2026", "csrf_token": token}).status_code == 302
            clients[who] = c

        def getter(who, path):
            def get():
                r = clients[who].get(path)
                assert r.status_code == 200, (path, r.status_code)
                return r
            return get

        rollup_floors = [
            f"SELECT agency_id, metric, sum(value) FROM stat_rollup WHERE ym >= {YEAR}01 AND ym < {YEAR + 1}01 "
            "AND officer_id = 0 GROUP BY agency_id, metric",
            f"SELECT agency_id, metric, days, sum(n) FROM stat_histogram WHERE ym >= {YEAR}01 AND ym < {YEAR + 1}01 "
            "AND officer_id = 0 GROUP BY agency_id, metric, days",
        ]

        def floor_rollup():
            with engine.connect() as c:
                for q in rollup_floors:
                    c.execute(text(q)).all()

        fns = {"floor": floor, "floor_rollup_sql": floor_rollup,
               **{name: getter(who, path) for name, (who, path) in pages.items()}}

        # a page right after a write: one case of the year changes stage (the trigger marks its months), so the
        # request pays for the refresh of those months before it reads
        with factory() as s:
            wid, = s.execute(select(text("id")).select_from(text("cases")).where(
                text(f"decided_on >= '{YEAR}-06-01' AND decided_on < '{YEAR}-07-01'")).limit(1)).one()
        flip = {"i": 0}
        page_after_write = getter("wujing", f"/supervision/statistics?year={YEAR}")

        def after_write():
            flip["i"] += 1
            with engine.begin() as c:
                c.execute(text("UPDATE cases SET stage = :st WHERE id = :id"),
                          {"st": "closed" if flip["i"] % 2 else "archived", "id": wid})
            page_after_write()

        fns["statistics_by_agency_after_a_write"] = after_write

        # the officer's own figures, for the busiest bench officer of the first agency (service + XLSX)
        with factory() as s:
            from casebook.db.models import CaseOfficer, User

            uid, = s.execute(select(CaseOfficer.user_id).group_by(CaseOfficer.user_id)
                             .order_by(func.count().desc()).limit(1)).one()
            aid = s.get(User, uid).agency_id
        officer = Actor(uid, "bench", frozenset({"officer"}), aid, frozenset({aid}))

        def officer_xlsx():
            with factory() as s:
                st.to_xlsx(st.compute(s, officer, st.Query(year=YEAR)))

        fns["officer_own_figures_xlsx"] = officer_xlsx
        if args.direct:
            from casebook.seed import demo_user
            from casebook.services.context import actor_for

            with factory() as s:
                sup = actor_for(s, demo_user(s, "wujing"))

            def direct(q):
                def run():
                    with factory() as s:
                        st.compute(s, sup, q, source="cases")
                return run

            fns["direct_by_agency_service"] = direct(st.Query(year=YEAR))
            fns["direct_by_officer_service"] = direct(st.Query(year=YEAR, by="officer"))
        log(f"  {len(fns)} variants × {args.reps} rounds, interleaved")
        import _common
        from _common import machine_load

        _common._START.update(wall=time.monotonic(), own=os.times(), ticks=_common._cpu_ticks())  # the load while timing
        timed = measure_interleaved(fns, args.reps)
        floor_ms = timed.pop("floor")
        result["floor"] = {"sql": floors, **floor_ms}
        result["floor_rollup"] = {"sql": rollup_floors, **timed.pop("floor_rollup_sql")}
        for m in timed.values():
            m["ratio_to_floor"] = round(m["median_ms"] / floor_ms["median_ms"], 2)
        result["pages"] = timed
        result["load"] = machine_load()
        applies = args.backend == "postgres" and n >= 1_000_000
        budgeted = {k: v for k, v in timed.items() if not k.startswith("direct_")}
        worst_name, worst = max(budgeted.items(), key=lambda kv: kv[1]["median_ms"])
        result["verdict"] = {"applies": applies, "worst": worst_name, "worst_median_ms": worst["median_ms"],
                             "pass": (worst["median_ms"] < BUDGET_MS) if applies else None}
        engine.dispose()
    emit(result)


def _database(args):
    """A scratch database (seeded here), or the one --db-url names (kept as it is)."""
    if not args.db_url:
        return scratch_db(args.backend, "stats", keep=args.keep)
    import contextlib
    import tempfile
    from types import SimpleNamespace

    @contextlib.contextmanager
    def reuse():
        yield SimpleNamespace(url=args.db_url, data_dir=Path(tempfile.mkdtemp(prefix="bench_stats_")))

    return reuse()


if __name__ == "__main__":
    main()
