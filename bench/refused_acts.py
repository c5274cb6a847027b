"""A lead and its filing on a pooled PostgreSQL connection that also serves refused acts (not a budget: the
measurement behind `db.engine.keep_prepared_on_rollback`).

    .venv/bin/python bench/refused_acts.py [--pairs 300] [--repeat 5]

Three variants, interleaved round by round on one engine and one pooled connection, the median of each round's
pairs, the median of the rounds:

- `clean` — lead, filing, lead, filing …: every transaction commits (the floor);
- `refused` — before each pair an act that the law refuses (filing a case already filed), rolled back: what the
  product does with the clean rollback keeping the connection's prepared statements;
- `refused_psycopg_default` — the same, with psycopg's own rollback (it forgets every prepared statement and sends
  DEALLOCATE ALL, so no statement used less than five times between two refusals is prepared again).

Ratios are to `clean`. Each round begins with one refused act of its own variant, untimed, so a round starts
from the connection state its variant leaves.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, scratch_db  # noqa: E402


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.set_defaults(backend="postgres")
    p.add_argument("--pairs", type=int, default=300, help="lead + filing pairs per variant and round")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    if args.backend != "postgres":
        raise SystemExit("PostgreSQL only: psycopg's prepared statements")
    import write_path

    from casebook.db.migrate import analyze_stale
    from casebook.domain.errors import ActionRefused
    from casebook.services.cases import perform

    result = {"bench": "refused_acts", "backend": "postgres", "env": environment(), "pairs": args.pairs,
              "repeat": args.repeat}
    with scratch_db("postgres", "refused", keep=args.keep) as db:
        fx = write_path.Fixture(db.url, db.data_dir)
        dialect = fx.engine.dialect
        keep, default = dialect.do_rollback, type(dialect).do_rollback.__get__(dialect)
        filed, version = fx.lead()
        fx.file(filed, version)

        def refused() -> None:
            try:
                with fx.factory() as s, s.begin():
                    perform(s, fx.head_actor, filed, "file", {"filed_on": fx.today, "officer_ids": fx.officer_ids},
                            expected_version=None, settings=fx.settings)
            except ActionRefused:
                return
            raise RuntimeError("the refused act was not refused")

        def pair() -> float:
            t0 = time.perf_counter()
            fx.file(*fx.lead())
            return time.perf_counter() - t0

        def clean_round(n: int) -> list[float]:
            return [pair() for _ in range(n)]

        def refused_round(n: int) -> list[float]:
            out = []
            for _ in range(n):
                refused()
                out.append(pair())
            return out

        variants = {"clean": (keep, clean_round), "refused": (keep, refused_round),
                    "refused_psycopg_default": (default, refused_round)}
        samples: dict[str, list[float]] = {k: [] for k in variants}
        for rollback, run in variants.values():  # warm-up
            dialect.do_rollback = rollback
            run(30)
        for i in range(args.repeat):
            log(f"refused_acts round {i + 1}/{args.repeat}")
            analyze_stale(db.url)  # untimed: the product's scheduler job (autovacuum is off here)
            names = list(variants)
            k = i % len(names)
            for name in names[k:] + names[:k]:
                rollback, run = variants[name]
                dialect.do_rollback = rollback
                refused()
                samples[name].append(statistics.median(run(args.pairs)))
        dialect.do_rollback = keep
        fx.engine.dispose()
    med = {k: statistics.median(v) for k, v in samples.items()}
    result.update({
        "pair_ms": {k: round(v * 1e3, 3) for k, v in med.items()},
        "all_pair_ms": {k: [round(x * 1e3, 3) for x in v] for k, v in samples.items()},
        "ratio_to_clean": {k: round(v / med["clean"], 2) for k, v in med.items()},
        "note": "median per round of lead + filing pairs; the median of the rounds; variants interleaved in rotating "
                "order; statistics refreshed before each round",
    })
    emit(result)


if __name__ == "__main__":
    main()
