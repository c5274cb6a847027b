"""What PostgreSQL itself spends on registering a lead, and how much of it the case row's search indexes and the
statistics triggers take (not a budget: the explanation beside issue 17's HTTP act row).

    .venv/bin/python bench/pg_write_cost.py [--leads 1000] [--repeat 5]

The HTTP act's floor is a minimal app that touches no database, and on this 2-core machine PostgreSQL shares
the cores with the server and the clients, so every microsecond the server backend spends on the act counts
against that budget. Here the lead's rows are written by bench/write_path.py's `HandWritten` (the product's
statements by hand, one transaction) into scratch databases that differ in one thing each:

- `as_shipped` — the product's schema (and, on it, the product's own lead through the services: `product`);
- `without_statistics_triggers` — the cases table's AFTER INSERT trigger that marks the month's statistics
  rollup dirty (`stat_mark_cases_insert`) dropped;
- `without_trigram_indexes` — the cases table's two pg_trgm GIN indexes (case number and cause search) dropped;
- `without_either` — both.

Plus `empty_transaction`: BEGIN, SELECT 1, COMMIT (three round trips), the price of a round trip on its own.
For each, the CPU of the connection's server backend per lead (from /proc: user + system), and of every
`postgres` process (the WAL writer and checkpointer too), variants interleaved in rotating order, the median of
the repeats. Only where the dropped parts are the product's features: the bench measures what they cost, it does
not propose dropping them. Between rounds (untimed) the tables' statistics are refreshed as the product's
scheduler does where autovacuum is off (`db.migrate.analyze_stale`); `--stale-statistics` leaves them as this
machine's server would without it, and each round's leads then cost more than the last.
"""

from __future__ import annotations

import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import write_path  # noqa: E402
from _common import base_parser, emit, environment, log, process_cpu_s, processes_cpu_s, scratch_db  # noqa: E402

DROPS = {
    "without_statistics_triggers": ("DROP TRIGGER stat_mark_cases_insert ON cases",),
    "without_trigram_indexes": ("DROP INDEX ix_cases_case_no_trgm", "DROP INDEX ix_cases_cause_trgm"),
}
DROPS["without_either"] = DROPS["without_statistics_triggers"] + DROPS["without_trigram_indexes"]


class Variant:
    def __init__(self, name: str, db, drops: tuple[str, ...]):
        self.name = name
        self.fx = write_path.Fixture(db.url, db.data_dir)
        self.hand = write_path.HandWritten(self.fx)
        cur = self.hand.db.cursor()
        for ddl in drops:
            cur.execute(ddl)
        cur.execute("SELECT pg_backend_pid()")
        self.pid = cur.fetchone()[0]
        cur.close()
        self.hand.db.commit()

    def run(self, what: str, n: int) -> tuple[float, float]:
        """(backend CPU µs, all postgres CPU µs) per call of `what` over n calls."""
        if what == "product":
            step = self.fx.lead
        elif what == "empty_transaction":
            db = self.hand.db

            def step():
                cur = db.cursor()
                cur.execute("SELECT 1")
                cur.fetchall()
                db.commit()
                cur.close()
        else:
            step = self.hand.lead
        b0, p0 = process_cpu_s(self.pid), processes_cpu_s(name="postgres")
        for _ in range(n):
            step()
        b1, p1 = process_cpu_s(self.pid), processes_cpu_s(name="postgres")
        return (b1 - b0) / n * 1e6, (p1 - p0) / n * 1e6


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.set_defaults(backend="postgres")
    p.add_argument("--leads", type=int, default=1000, help="leads per variant and round")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--stale-statistics", action="store_true",
                   help="no ANALYZE between rounds: what this machine's server (autovacuum off) did before the "
                        "product's scheduler refreshed them")
    args = p.parse_args()
    if args.backend != "postgres":
        raise SystemExit("PostgreSQL only: on SQLite the database's work is the server process's own")
    result = {"bench": "pg_write_cost", "backend": "postgres", "env": environment(), "leads": args.leads,
              "repeat": args.repeat, "statistics": "stale" if args.stale_statistics else "refreshed between rounds"}
    with ExitStack() as stack:
        variants = {}
        for name, drops in (("as_shipped", ()), *DROPS.items()):
            db = stack.enter_context(scratch_db("postgres", f"cost{len(variants)}", keep=args.keep))
            variants[name] = Variant(name, db, drops)
        # (label, variant, what): the product's lead and the empty transaction on the shipped schema
        plan = [("product", variants["as_shipped"], "product"), *((n, v, "hand") for n, v in variants.items()),
                ("empty_transaction", variants["as_shipped"], "empty_transaction")]
        for _, v, what in plan:  # warm: prepared statements, caches, the GIN pending lists
            v.run(what, 200)
        samples: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in plan}
        for i in range(args.repeat):
            log(f"pg_write_cost round {i + 1}/{args.repeat}")
            k = i % len(plan)
            if not args.stale_statistics:  # untimed: the product's scheduler job (autoanalyze where autovacuum runs)
                for v in variants.values():
                    write_path.fresh_statistics(v.fx.engine)  # on a connection of its own, not the floor's
            for label, v, what in plan[k:] + plan[:k]:
                samples[label].append(v.run(what, args.leads))
    out = {label: {"backend_cpu_us": round(statistics.median(b for b, _ in s)),
                   "postgres_cpu_us": round(statistics.median(a for _, a in s)),
                   "all_backend_cpu_us": [round(b) for b, _ in s]} for label, s in samples.items()}
    base = out["as_shipped"]["backend_cpu_us"]
    result.update({
        "per_lead": out,
        "costs_backend_cpu_us": {
            "statistics_triggers": base - out["without_statistics_triggers"]["backend_cpu_us"],
            "trigram_indexes": base - out["without_trigram_indexes"]["backend_cpu_us"],
            "both": base - out["without_either"]["backend_cpu_us"],
            "one_round_trip": round(out["empty_transaction"]["backend_cpu_us"] / 3),
            "product_over_hand_written": out["product"]["backend_cpu_us"] - base},
        "note": "CPU of the server backend per lead (user + system from /proc; 10 ms ticks over each round's leads); "
                "postgres_cpu_us adds every postgres process (WAL writer, checkpointer …); variants interleaved, "
                "median of the repeats",
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    })
    emit(result)


if __name__ == "__main__":
    main()
