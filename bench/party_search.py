"""当事人 search (`services.parties.search_parties`, what the party picker of 案源登记 calls) over N cases, against the
same SQL written by hand through the raw driver.

Budget: p95 < 50 ms at 1 M cases on PostgreSQL (the case list's budget: the picker is typed into while a lead is
registered).

    .venv/bin/python bench/party_search.py --backend postgres               # 1 M cases
    .venv/bin/python bench/party_search.py --backend sqlite --cases 100000

The world is bench/case_list.py's (parties reused across cases, 30 % of the cases on 2 % of the parties, every
party registered by the first agency). Each scenario is an officer of one agency searching: the agency that
registered the parties, and one that registered none (its parties are those it holds a case for — the access
rule of issue 11: the agency that registered the party, or one holding a case naming it), by a common place name
in company names, by one full name, and with no text (the first page). The floor is the same statement — the
party's columns, the scope as an EXISTS on cases(party_id, agency_id), the name as LIKE, newest first, a page of
21 — sent raw through one driver connection; in warm-up both must return the same ids. Product and floor calls are
interleaved; each round gives a p95 per scenario and variant; the report is the median over rounds.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, now, pct, scratch_db, seeded_sessions  # noqa: E402
from sqlalchemy import text  # noqa: E402

BUDGET_P95_MS = 50.0
PAGE = 21  # the API's default page of 20, plus one to know there is a next page


class Floor:
    """The search as hand-written SQL on one raw driver connection (autocommit reads)."""

    def __init__(self, engine):
        self.conn = engine.raw_connection()
        self.pg = engine.dialect.name == "postgresql"
        if self.pg:
            self.conn.driver_connection.autocommit = True
        with engine.connect() as c:
            self.cols = [r[0] for r in c.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'parties' ORDER BY ordinal_position"
                if self.pg else "SELECT name FROM pragma_table_info('parties') ORDER BY cid"))]

    def search(self, agency: int, q: str | None) -> list[int]:
        ph = "%s" if self.pg else "?"
        sql = (f"SELECT {', '.join('p.' + c for c in self.cols)} FROM parties p WHERE (p.created_by_agency_id = {ph} "
               f"OR EXISTS (SELECT 1 FROM cases c WHERE c.party_id = p.id AND c.agency_id = {ph}))")
        args: list = [agency, agency]
        if q:
            sql += f" AND p.name LIKE {ph}"
            args.append(f"%{q}%")
        sql += f" ORDER BY p.id DESC LIMIT {PAGE}"
        cur = self.conn.driver_connection.cursor()
        cur.execute(sql, args)
        rows = cur.fetchall()
        cur.close()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()


def scenarios(engine, holders: list[tuple[int, str]]) -> list[dict]:
    own, other = holders[0][0], holders[1][0]
    with engine.connect() as c:
        full = c.execute(text("SELECT p.name FROM parties p JOIN cases c ON c.party_id = p.id AND c.agency_id = :a "
                              "WHERE p.kind = 'organization' ORDER BY p.id LIMIT 1 OFFSET 100"), {"a": other}).scalar_one()
    out = []
    for who, agency in (("registering agency", own), ("another agency", other)):
        for what, q in (("place name", "山亭"), ("full name", full), ("first page", None)):
            out.append({"name": f"{who}, {what}", "agency": agency, "q": q})
    return out


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, help="cases (default 1,000,000 on PostgreSQL, 100,000 on SQLite)")
    p.add_argument("--reps", type=int, default=30, help="timed calls per scenario and round")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    n = args.cases or (1_000_000 if args.backend == "postgres" else 100_000)
    env = environment()

    import case_list

    from casebook.services.context import Actor
    from casebook.services.parties import search_parties

    with scratch_db(args.backend, "party_search", keep=args.keep) as db:
        engine, factory = seeded_sessions(db.url)
        log(f"party_search[{args.backend}]: seeding {n:,} cases …")
        t0 = now()
        info = case_list.seed(engine, factory, n)
        seeded_s = round(now() - t0, 1)
        floor = Floor(engine)
        scs = scenarios(engine, info["holders"])

        def product(sc: dict) -> list[int]:
            actor = Actor(user_id=None, username="bench", roles=frozenset({"officer"}), agency_id=sc["agency"],
                          read_scope=frozenset({sc["agency"]}))
            with factory() as s:
                return [x.id for x in search_parties(s, actor, q=sc["q"], id_number=None, limit=PAGE, after=None)]

        mismatches = 0
        for sc in scs:  # warm-up, and the floor must find what the product finds
            for _ in range(3):
                got, want = product(sc), floor.search(sc["agency"], sc["q"])
            if got != want:
                mismatches += 1
                log(f"  MISMATCH {sc['name']}: product {got[:5]} floor {want[:5]}")
            sc["rows"] = len(got)
        rounds: dict[str, list[tuple[float, float, float, float]]] = {sc["name"]: [] for sc in scs}
        for _ in range(args.rounds):
            for sc in scs:
                tp, tf = [], []
                for _ in range(args.reps):
                    t = now()
                    product(sc)
                    tp.append(now() - t)
                    t = now()
                    floor.search(sc["agency"], sc["q"])
                    tf.append(now() - t)
                rounds[sc["name"]].append((pct(tp, 95) * 1000, statistics.median(tp) * 1000,
                                           pct(tf, 95) * 1000, pct(tp, 95) / max(pct(tf, 95), 1e-9)))
        floor.close()
        results = {}
        for sc in scs:
            r = rounds[sc["name"]]
            results[sc["name"]] = {
                "q": sc["q"], "rows": sc["rows"],
                "p95_ms": round(statistics.median(x[0] for x in r), 2),
                "p50_ms": round(statistics.median(x[1] for x in r), 2),
                "floor_p95_ms": round(statistics.median(x[2] for x in r), 2),
                "ratio_p95": round(statistics.median(x[3] for x in r), 2),
            }
        worst = max(results, key=lambda k: results[k]["p95_ms"])
        engine.dispose()
    emit({"bench": "party_search", "backend": args.backend, "cases": n, "seeded_s": seeded_s,
          "reps": args.reps, "rounds": args.rounds, "budget": {"p95_ms_max": BUDGET_P95_MS, "at_cases": 1_000_000},
          "scenarios": results, "worst": worst, "worst_p95_ms": results[worst]["p95_ms"],
          "mismatches": mismatches, "met": results[worst]["p95_ms"] < BUDGET_P95_MS and not mismatches, "env": env})
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
