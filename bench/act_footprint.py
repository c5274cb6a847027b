"""Cold and warm: the act's own Python inside the act, against the same call made again at once (not a budget: the
measurement behind "The act's Python runs cold" in docs/decisions.md).

    .venv/bin/python bench/act_footprint.py --backend sqlite|postgres [--pairs 300] [--repeat 3]

A lead and its filing run as the product runs them (`write_path.Fixture`). Inside them, each call listed in
`CALLS` — the binding of every statement's parameters through its column types (`db.raw._bound`), the guards' view
of the case (`case_view`) and the guards themselves (`refuse_if_needed`) — is timed as the act makes it (`in_act`),
then made twice more at once with the same arguments (`again`, `third`) and those results thrown away: the same
instructions on the same data, with the processor's caches now holding them. A statement's times are passed to the
repeats as new, equal objects, so `db.raw`'s memory of the last time it converted does not spare them a conversion
the act made. The difference is what the act's code between the calls evicts. Every listed call is pure (no
statement, nothing written), so repeating it changes nothing the act does.

Per call: the median over the round's pairs, the median of the rounds (µs). `per_pair`: the sums over a lead and a
filing, and `in_act / again`. Each listed call runs three times, so the acts' own wall time here is not a figure of
the product's.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, emit, environment, log, scratch_db  # noqa: E402

# (module, attribute, label; None: label by the statement's first words). Pure calls only: each is made three times.
CALLS = (
    ("casebook.db.raw", "_bound", None),
    ("casebook.services.perform", "case_view", "case_view (the guards' view)"),
    ("casebook.services.perform", "refuse_if_needed", "refuse_if_needed (the guards)"),
)


def statement_label(sql: str) -> str:
    """`bind: INSERT INTO cases` — the statement's verb and table, enough to tell an act's statements apart."""
    words = sql.replace("(", " ").split()
    head = words[:3] if words[:2] in (["INSERT", "INTO"], ["DELETE", "FROM"]) else words[:2]
    if head and head[0] == "SELECT":  # named by its first column's table: SELECT parties.id, … → parties
        head = ["SELECT", words[1].split(".")[0] if len(words) > 1 else "…"]
    if head and head[0] == "WITH":
        head = ["WITH head (chain, trail, outbox, act)"]
    return "bind: " + " ".join(head)


def _fresh_times(params):
    """The same parameters with each time a new, equal object: `db.raw` remembers the last time it converted (by
    identity), so a repeat with the act's own time object would skip a conversion the act made."""
    if not params:
        return params
    return {k: v.replace() if isinstance(v, dt.datetime) else v for k, v in params.items()}


def _thrice(fn, label, samples):
    """`fn`, timed as called, then called twice more at once with the same arguments (their results dropped)."""
    def wrapped(*a, **kw):
        again = third = a
        if label is None:  # raw._bound(stmt, dialect, params): the repeats convert their times as the act did
            again, third = (*a[:2], _fresh_times(a[2])), (*a[:2], _fresh_times(a[2]))
        t0 = time.perf_counter_ns()
        out = fn(*a, **kw)
        t1 = time.perf_counter_ns()
        fn(*again, **kw)
        t2 = time.perf_counter_ns()
        fn(*third, **kw)
        t3 = time.perf_counter_ns()
        name = label or statement_label(out[0])
        samples[name].append((t1 - t0, t2 - t1, t3 - t2))
        return out
    return wrapped


def summarise(rounds: list[dict[str, list[tuple[int, int, int]]]], pairs: int) -> dict:
    """Per call: median in each round of (in act, again, third), the median of the rounds, in µs; and per pair."""
    names = list(dict.fromkeys(k for r in rounds for k in r))
    per_call = {}
    for name in names:
        cols = []
        for i in range(3):
            cols.append(statistics.median(statistics.median(x[i] for x in r[name]) for r in rounds if r.get(name)))
        calls = statistics.median(len(r.get(name, ())) / pairs for r in rounds)
        per_call[name] = {"in_act_us": round(cols[0] / 1e3, 2), "again_us": round(cols[1] / 1e3, 2),
                          "third_us": round(cols[2] / 1e3, 2), "calls_per_pair": round(calls, 2),
                          "in_act_over_again": round(cols[0] / cols[1], 2) if cols[1] else None}
    in_act = sum(v["in_act_us"] * v["calls_per_pair"] for v in per_call.values())
    again = sum(v["again_us"] * v["calls_per_pair"] for v in per_call.values())
    return {"per_call": per_call,
            "per_pair": {"in_act_us": round(in_act, 1), "again_us": round(again, 1),
                         "in_act_over_again": round(in_act / again, 2) if again else None}}


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=300, help="lead + filing pairs per round")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    import write_path

    result = {"bench": "act_footprint", "backend": args.backend, "env": environment(), "pairs": args.pairs,
              "repeat": args.repeat}
    with scratch_db(args.backend, "footprint", keep=args.keep) as db:
        fx = write_path.Fixture(db.url, db.data_dir)
        for _ in range(30):  # warm-up, unwrapped
            fx.file(*fx.lead())
        rounds = []
        for i in range(args.repeat):
            log(f"act_footprint round {i + 1}/{args.repeat}")
            if args.backend == "postgres":
                write_path.fresh_statistics(fx.engine)  # untimed, as the product's scheduler job does
            samples: dict[str, list] = defaultdict(list)
            targets = [(owner, attr, _thrice(fn, label, samples))
                       for mod, attr, label in CALLS for owner, fn in (write_path._resolve(mod, attr),)]
            with write_path._patched(targets):  # the originals put back after the round
                for _ in range(args.pairs):
                    fx.file(*fx.lead())
            rounds.append(dict(samples))
        fx.engine.dispose()
    result.update(summarise(rounds, args.pairs))
    result["note"] = ("each listed call timed as the act makes it, then made twice more at once with the same "
                      "arguments; medians per round, the median of the rounds; µs")
    emit(result)


if __name__ == "__main__":
    main()
