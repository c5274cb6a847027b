"""Run every benchmark on SQLite and (when it answers) PostgreSQL; write bench/results/latest.json and
print a Markdown table for the README.

    .venv/bin/python bench/run_all.py            # modest sizes, a few minutes
    .venv/bin/python bench/run_all.py --full     # budget sizes: 1 M cases on PostgreSQL, 1 M trail entries

Each benchmark runs in its own process (python bench/<name>.py …) and prints one JSON object; this
script only collects them. Nothing asserts timings: the table says measured vs budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import PG_URL, environment, machine_load, pg_reachable  # noqa: E402

SIZES = {
    "modest": {
        "write_path": {"sqlite": ["--iterations", "200"], "postgres": ["--iterations", "200"]},
        "case_list": {"sqlite": ["--cases", "20000", "--reps", "20"], "postgres": ["--cases", "100000", "--reps", "20"]},
        "trail_verify": {"sqlite": ["--entries", "100000", "--repeat", "2"], "postgres": ["--entries", "100000", "--repeat", "2"]},
    },
    "full": {
        "write_path": {"sqlite": ["--iterations", "500"], "postgres": ["--iterations", "500"]},
        "case_list": {"sqlite": ["--cases", "100000", "--reps", "40"], "postgres": ["--cases", "1000000", "--reps", "40"]},
        "trail_verify": {"sqlite": ["--entries", "1000000"], "postgres": ["--entries", "1000000"]},
    },
}


def run(bench: str, backend: str, extra: list[str]) -> dict:
    cmd = [sys.executable, str(HERE / f"{bench}.py"), "--backend", backend, *extra]
    print(f"→ {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    if p.returncode != 0:
        return {"error": f"exit {p.returncode}", "command": cmd[1:]}
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        return {"error": f"bad JSON: {e}", "stdout_tail": p.stdout[-2000:]}


def _size(n: int) -> str:
    return f"{n // 1_000_000} M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000} k"


def _mark(ok) -> str:
    return "✅" if ok else "❌"


def cell_write(r: dict | None) -> str:
    if not r:
        return "not run"
    if "error" in r:
        return f"error ({r['error']})"
    return (f"{r['ratio']}× {_mark(r['pass'])} — {r['service_txn_mean_of_pair']['median_ms']:.2f} ms per act "
            f"(lead {r['register_lead_txn']['median_ms']:.2f}, file {r['file_txn']['median_ms']:.2f}) vs bare "
            f"{r['bare_insert_commit']['median_ms']:.2f} ms")


def cell_list(r: dict | None) -> str:
    if not r:
        return "not run"
    if "error" in r:
        return f"error ({r['error']})"
    v = r["verdict"]
    s = (f"worst p95 {v['worst_p95_ms']:.1f} ms ({v['worst_scenario']}) {_mark(v['pass'])}; "
         f"{len(v['scenarios_over_budget'])} of {sum(1 for x in r['scenarios'].values() if x['in_budget'])} filters over; "
         f"{_size(r['cases'])} cases")
    if not v["budget_applies_at_this_size_and_backend"]:
        s += " (budget is set at 1 M on PostgreSQL)"
    if "with_indexes" in r:
        w = r["with_indexes"]["verdict"]
        s += f"; with candidate indexes worst p95 {w['worst_p95_ms']:.1f} ms {_mark(w['pass'])}"
    return s


def cell_trail(r: dict | None) -> str:
    if not r:
        return "not run"
    if "error" in r:
        return f"error ({r['error']})"
    t = r["timings"]
    n = r["entries"]
    proj = "" if n == 1_000_000 else f" → {r['projected_1m']['verify_trail_s']:.1f} s / {r['projected_1m']['verify_rows_s']:.1f} s per 1 M"
    return (f"verify_trail {t['verify_trail']['wall_s']:.2f} s {_mark(r['pass']['verify_trail'])}, "
            f"verify_rows {t['verify_rows_in_memory']['wall_s']:.2f} s {_mark(r['pass']['verify_rows'])} "
            f"({_size(n)} entries{proj})")


def table(results: dict) -> str:
    def row(what, budget, key, cell):
        b = results.get(key, {})
        return f"| {what} | {budget} | {cell(b.get('sqlite'))} | {cell(b.get('postgres'))} |"

    lines = [
        "| what | budget | measured SQLite | measured PostgreSQL |",
        "|---|---|---|---|",
        row("case write path: register a lead, file it (state + trail + outbox, one transaction each)",
            "≤ 2.5 × a bare one-row insert-and-commit, same database, same run", "write_path", cell_write),
        row("case list, filtered and keyset-paginated (`list_cases`, page of 50)",
            "p95 ≤ 50 ms at 1 M cases on PostgreSQL", "case_list", cell_list),
        row("trail verification (`verify_trail` from the database / `verify_rows` in memory)",
            "1 M entries ≤ 3 s on one core", "trail_verify", cell_trail),
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="budget sizes (slow: about 15 minutes on 2 cores)")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--only", help="comma-separated subset of write_path,case_list,trail_verify")
    p.add_argument("--with-candidate-indexes", action="store_true",
                   help="case_list also measures with the indexes it recommends (in its scratch database)")
    p.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = p.parse_args()

    mode = "full" if args.full else "modest"
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    skipped = {}
    if "postgres" in backends and (why := pg_reachable()):
        skipped["postgres"] = why
        backends.remove("postgres")
        print(f"PostgreSQL not reachable at {PG_URL}: {why}; running SQLite only", file=sys.stderr)
    benches = [b for b in ("write_path", "case_list", "trail_verify") if not args.only or b in args.only.split(",")]
    started = dt.datetime.now(dt.UTC)
    env = environment()
    results: dict = {}
    for bench in benches:
        for backend in backends:
            extra = list(SIZES[mode][bench][backend])
            if bench == "case_list" and args.with_candidate_indexes:
                extra.append("--try-recommended-indexes")
            results.setdefault(bench, {})[backend] = run(bench, backend, extra)
    env.update(machine_load())
    combined = {"generated_at": started.isoformat(timespec="seconds"), "mode": mode, "backends": backends,
                "skipped": skipped, "env": env, "results": results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(combined, ensure_ascii=False, indent=2, default=str))
    print(table(results))
    print()
    print(f"_{mode} sizes, {started:%Y-%m-%d}, {env.get('cpus')} cores; other processes used on average "
          f"{env.get('other_processes_cores_avg', '?')} cores during the run (the PostgreSQL server counts as "
          f"'other'; foreign load skews latency). "
          f"Full JSON: `{os.path.relpath(out, HERE.parent)}`._")


if __name__ == "__main__":
    main()
