"""Run every benchmark on SQLite and (when it answers) PostgreSQL; write bench/results/latest.json and
print a Markdown table for the README.

    .venv/bin/python bench/run_all.py            # modest sizes, under ~10 minutes on 2 cores
    .venv/bin/python bench/run_all.py --full     # budget sizes: 1 M cases on PostgreSQL, 1 M trail entries,
                                                 # 100 k due deadlines, 1,000 PDF renders, a 100-page 案卷
    .venv/bin/python bench/run_all.py --only rules_lookup,pdf_render

Benchmarks: write_path, case_list, trail_verify, deadline_sweep and calendar_confirm run once per database backend; events
Benchmarks: write_path, case_list, trail_verify, deadline_sweep and case_page run once per database backend; events
once per backend and transport (RabbitMQ at amqp://guest:guest@127.0.0.1:5672// with publisher
confirms, skipped with the reason when it does not answer, and the embedded memory transport);
rules_lookup and pdf_render are in-process and use no database.

Each benchmark runs in its own process (python bench/<name>.py …) and prints one JSON object; this
script only collects them. Nothing asserts timings: the table says measured vs budget (DESIGN.md §7).
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

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"  # the broker bench/events.py publishes to (its AMQP)
IN_PROCESS = "in_process"  # the results key of a benchmark that uses no database
TRANSPORTS = ("rabbitmq", "memory")

# Run order, and what each benchmark runs on: every backend, every backend × transport, or once in-process.
BENCHES = {
    "write_path": "backend",
    "case_list": "backend",
    "trail_verify": "backend",
    "events": "backend×transport",
    "rules_lookup": IN_PROCESS,
    "pdf_render": IN_PROCESS,
    "deadline_sweep": "backend",
    "calendar_confirm": "backend",
    "http_api": "backend",
    "case_page": "backend",
    "evaluation_autochecks": "backend",
}

# rules_lookup takes no options: it always measures the budget size (5,000 catalogue items, 20,000 queries).
SIZES = {
    "modest": {
        "write_path": {"sqlite": ["--iterations", "200"], "postgres": ["--iterations", "200"]},
        "case_list": {"sqlite": ["--cases", "20000", "--reps", "20"], "postgres": ["--cases", "100000", "--reps", "20"]},
        "trail_verify": {"sqlite": ["--entries", "100000", "--repeat", "2"], "postgres": ["--entries", "100000", "--repeat", "2"]},
        "events": {"sqlite": ["--events", "5000", "--latency-events", "200", "--rate", "50"],
                   "postgres": ["--events", "5000", "--latency-events", "200", "--rate", "50"]},
        "rules_lookup": {IN_PROCESS: []},
        "pdf_render": {IN_PROCESS: ["200", "--renders", "30", "--warmup", "5", "--case-file-copies", "3"]},
        "deadline_sweep": {
            "sqlite": ["--rows", "20000", "--cases", "5000", "--lag-rows", "1000", "--lag-window", "30"],
            "postgres": ["--rows", "20000", "--cases", "5000", "--lag-rows", "1000", "--lag-window", "30"]},
        "calendar_confirm": {"sqlite": ["--rows", "5000", "--repeat", "5"], "postgres": ["--rows", "5000", "--repeat", "5"]},
        "http_api": {"sqlite": ["--requests", "500", "--repeat", "3"], "postgres": ["--requests", "500", "--repeat", "3"]},
        "case_page": {"sqlite": ["--rounds", "100", "--repeats", "3"], "postgres": ["--rounds", "100", "--repeats", "3"]},
        "evaluation_autochecks": {"sqlite": ["--cases", "2000"], "postgres": ["--cases", "10000"]},
    },
    "full": {
        "write_path": {"sqlite": ["--iterations", "500"], "postgres": ["--iterations", "500"]},
        "case_list": {"sqlite": ["--cases", "100000", "--reps", "40"], "postgres": ["--cases", "1000000", "--reps", "40"]},
        "trail_verify": {"sqlite": ["--entries", "1000000"], "postgres": ["--entries", "1000000"]},
        "events": {"sqlite": ["--events", "20000", "--latency-events", "300", "--rate", "50"],
                   "postgres": ["--events", "20000", "--latency-events", "300", "--rate", "50"]},
        "rules_lookup": {IN_PROCESS: []},
        "pdf_render": {IN_PROCESS: ["1000", "--renders", "50", "--warmup", "5", "--case-file-copies", "3"]},
        "deadline_sweep": {
            "sqlite": ["--rows", "100000", "--cases", "20000", "--lag-rows", "3000", "--lag-window", "60"],
            "postgres": ["--rows", "100000", "--cases", "20000", "--lag-rows", "3000", "--lag-window", "60"]},
        "calendar_confirm": {"sqlite": ["--rows", "20000", "--cases", "5000", "--repeat", "5"],
                             "postgres": ["--rows", "20000", "--cases", "5000", "--repeat", "5"]},
        "http_api": {"sqlite": ["--requests", "1000", "--repeat", "5"], "postgres": ["--requests", "1000", "--repeat", "5"]},
        "case_page": {"sqlite": ["--rounds", "200", "--repeats", "5"], "postgres": ["--rounds", "200", "--repeats", "5"]},
        "evaluation_autochecks": {"sqlite": ["--cases", "10000"], "postgres": ["--cases", "10000"]},
    },
    # --smoke (hidden): tiny sizes that only check the plumbing end to end; the numbers mean nothing.
    "smoke": {
        "write_path": {"sqlite": ["--iterations", "20", "--warmup", "5"], "postgres": ["--iterations", "20", "--warmup", "5"]},
        "case_list": {"sqlite": ["--cases", "2000", "--reps", "3", "--explain", "0", "--no-experiments"],
                      "postgres": ["--cases", "2000", "--reps", "3", "--explain", "0", "--no-experiments"]},
        "trail_verify": {"sqlite": ["--entries", "5000", "--repeat", "1"], "postgres": ["--entries", "5000", "--repeat", "1"]},
        "events": {"sqlite": ["--events", "1000", "--latency-events", "30", "--rate", "50"],
                   "postgres": ["--events", "1000", "--latency-events", "30", "--rate", "50"]},
        "rules_lookup": {IN_PROCESS: []},
        "pdf_render": {IN_PROCESS: ["5", "--renders", "5", "--warmup", "2", "--case-file-copies", "1"]},
        "deadline_sweep": {
            "sqlite": ["--rows", "2000", "--cases", "500", "--lag-rows", "100", "--lag-window", "5", "--tick", "2"],
            "postgres": ["--rows", "2000", "--cases", "500", "--lag-rows", "100", "--lag-window", "5", "--tick", "2"]},
        "calendar_confirm": {"sqlite": ["--rows", "200", "--cases", "50", "--repeat", "1"],
                             "postgres": ["--rows", "200", "--cases", "50", "--repeat", "1"]},
        "http_api": {"sqlite": ["--requests", "50", "--repeat", "1"], "postgres": ["--requests", "50", "--repeat", "1"]},
        "case_page": {"sqlite": ["--rounds", "5", "--repeats", "1", "--warmup", "1"],
                      "postgres": ["--rounds", "5", "--repeats", "1", "--warmup", "1"]},
        "evaluation_autochecks": {"sqlite": ["--cases", "100"], "postgres": ["--cases", "100"]},
    },
}


def amqp_reachable(url: str = AMQP_URL) -> str | None:
    """None when RabbitMQ accepts a connection (and the guest login), else the reason it does not."""
    try:
        from kombu import Connection

        with Connection(url, connect_timeout=3) as conn:
            conn.connect()
        return None
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}".splitlines()[0]


def run(bench: str, extra: list[str]) -> dict:
    cmd = [sys.executable, str(HERE / f"{bench}.py"), *extra]
    print(f"→ {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    if p.returncode != 0:
        return {"error": f"exit {p.returncode}", "command": cmd[1:]}
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        return {"error": f"bad JSON: {e}", "stdout_tail": p.stdout[-2000:]}


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} M"
    return f"{n // 1000} k" if n >= 1000 and n % 1000 == 0 else f"{n:,}"


def _mark(ok) -> str:
    return "✅" if ok else "❌"


def _problem(r: dict | None) -> str | None:
    """The cell text for a result that is missing, failed or skipped; None when there is something to show."""
    if not r:
        return "not run"
    if "error" in r:
        return f"error ({r['error']})"
    if "skipped" in r:
        return f"skipped ({r['skipped']})"
    return None


def cell_write(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    s = ""
    if (h := r.get("vs_hand_written")) is not None:
        s = (f"{h['ratio']}× the hand-written SQL {_mark(h['pass'])} (lead {h['ratio_register_lead']}×, filing "
             f"{h['ratio_file']}×; CPU {h['ratio_cpu']}×; floor {h['hand_lead']['median_ms']:.2f} / "
             f"{h['hand_file']['median_ms']:.2f} ms); ")
    return s + (f"{r['ratio']}× a bare insert-and-commit — {r['service_txn_mean_of_pair']['median_ms']:.2f} ms per act "
                f"(lead {r['register_lead_txn']['median_ms']:.2f}, file {r['file_txn']['median_ms']:.2f}) vs bare "
                f"{r['bare_insert_commit']['median_ms']:.2f} ms{_load(r)}")


def cell_list(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
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
    if (p := _problem(r)) is not None:
        return p
    n = r["entries"]
    proj = "" if n == 1_000_000 else f" → {r['projected_1m']['verify_trail_s']:.1f} s per 1 M (linear)"
    t = r["timings"]
    return (f"{r['verify_trail_s']:.2f} s wall {_mark(r['pass']['verify_trail'])} = {r['ratio_to_floor']}× the floor "
            f"(SHA-256 of the same bytes {r['floor_s']:.2f} s); CPU {t['verify_trail']['cpu_s']:.2f} s against the "
            f"floor's {t['sha256_floor']['cpu_s']:.2f} s; {_size(n)} entries{proj}{_load(r)}")


def _load(r: dict) -> str:
    """The load beside a figure: cores busy with other work during the bench (2-core machine)."""
    env = r.get("env") or {}
    other = env.get("other_processes_cores_avg", (r.get("load") or {}).get("other_processes_cores_avg"))
    return "" if other is None else f"; other load {other} cores"


def cell_http(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    t, ratio, ok = r["timings"], r["ratio_to_floor"], r["pass"]
    s = (f"list {ratio['list']}× {_mark(ok['list'])} ({t['list']['req_per_s']:.0f} vs floor {t['list_floor']['req_per_s']:.0f} "
         f"req/s, {r['clients']} clients, p99 {t['list']['p99_ms']:.0f} ms); act (file a lead) {ratio['act']}× "
         f"{_mark(ok['act'])} ({t['act']['req_per_s']:.0f} vs {t['act_floor']['req_per_s']:.0f} req/s, {r['writers']} clients, "
         f"p50 {t['act']['p50_ms']:.0f} / p99 {t['act']['p99_ms']:.0f} ms")
    if "embedded_writers_p99" in ok:
        s += f" {_mark(ok['embedded_writers_p99'])}; floor p99 {t['act_floor']['p99_ms']:.0f} ms"
    s += f"); {r['server']}, {r['payload']['list_bytes'] // 1000} KB list, median of {r['repeat']}"
    return s + _load({"load": r.get("load")})


def cell_events(by_transport: dict | None) -> str:
    """RabbitMQ against the budget; the embedded memory transport for comparison (the budget names RabbitMQ)."""
    if not by_transport:
        return "not run"
    parts = []
    for transport, label in (("rabbitmq", "RabbitMQ"), ("memory", "memory transport")):
        r = by_transport.get(transport)
        if r is None:
            continue
        if (p := _problem(r)) is not None:
            parts.append(f"{label}: {p}")
            continue
        rel, lat = r["relay"], r["commit_to_handler"]
        marks = transport == "rabbitmq"
        if (nl := r.get("commit_to_handler_notify_only")) is not None:
            label += f" (NOTIFY only: p95 {nl['p95_ms']:.1f} ms)"
        lost = "" if lat["handled"] == lat["events"] else f", only {lat['handled']} of {lat['events']} handled"
        parts.append(
            f"{label}: relay {rel['events_per_s']:,}/s{' ' + _mark(rel['within_budget']) if marks else ''}, "
            f"commit → handler p95 {lat['p95_ms']:.1f} ms{' ' + _mark(lat['within_budget']) if marks else ''} "
            f"(p50 {lat['p50_ms']:.1f}{lost})")
    r0 = next((r for r in by_transport.values() if r and "relay" in r), None)
    sizes = (f" — {_size(r0['relay']['events'])} events relayed, {r0['commit_to_handler']['events']} leads "
             f"at {r0['commit_to_handler']['rate_per_s']:g}/s" if r0 else "")
    return "; ".join(parts) + sizes


def cell_rules(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    return (f"p99 {r['benchmark']['p99_us']:.1f} / {r['exemption']['p99_us']:.1f} / {r['thresholds']['p99_us']:.1f} µs "
            f"(benchmark / exemption / thresholds) {_mark(r['within_budget'])}; p50 {r['benchmark']['p50_us']:.1f} / "
            f"{r['exemption']['p50_us']:.1f} / {r['thresholds']['p50_us']:.1f} µs; {_size(r['catalogue_items'])} items, "
            f"{_size(r['queries'])} queries")


def cell_pdf(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    d, c, m, ok = r["penalty_decision"], r["case_file"], r["memory"], r["within_budget"]
    f = r.get("decision_vs_bare_weasyprint")
    s = (f"决定书 {f['ratio']:.2f}× bare WeasyPrint with the full fonts {_mark(ok['decision_vs_floor'])} "
         f"({f['product_median_ms']:.1f} vs {f['floor_median_ms']:.1f} ms, median of {f['renders']} interleaved, "
         f"load {f['load_average_1m']}; subset fonts: {', '.join(f['subset_fonts']) or 'none built'}); " if f else "")
    s += (f"决定书 ({d['pages']} pages) median {d['median_ms']:.1f} ms {_mark(ok['decision_median'])} "
         f"(p95 {d['p95_ms']:.1f}, CPU median {d['cpu_median_ms']:.1f}; {d['renders']} renders); "
         f"案卷 {c['pages']} pages, {c['documents']} documents: {c['seconds']:.2f} s {_mark(ok['case_file'])}; "
         f"RSS {m['rss_after_mb']:.0f} MB after {m['renders']:,} renders {_mark(ok['rss'])} "
         f"(before them {m['rss_before_mb']:.0f} MB)")
    notes = (["RSS budget is set at 1,000 renders"] if m["renders"] != 1000 else []) + (
        ["案卷 budget at 100 pages"] if c["pages"] < 100 else [])
    if notes:
        s += f" ({'; '.join(notes)})"
    if r.get("environment_problems"):
        s += f"; environment problems: {'; '.join(map(str, r['environment_problems']))}"
    return s


def cell_confirm(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    return (f"{_size(r['rows'])} provisional deadlines recounted in {r['confirm_s_median']:.2f} s, "
            f"{r['ratio']:.1f} × the floor ({r['floor_s_median']:.2f} s)")


def cell_sweep(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    sw = r["sweep"]
    ch = sw["checks"]
    checks_ok = ch["events"] == ch["distinct_deadlines"] == sw["rows"] and ch["left_open"] == 0 and ch["trail_verifies"]
    budget_rows = r.get("budget", {}).get("at_rows", 100_000)
    if sw["rows"] == budget_rows:
        s = f"sweep {_size(sw['rows'])} rows {sw['sweep_s']:.2f} s {_mark(sw['within_budget'])}"
    else:
        projected = sw["sweep_s"] * budget_rows / sw["rows"]
        s = (f"sweep {_size(sw['rows'])} rows {sw['sweep_s']:.2f} s → {projected:.1f} s per {_size(budget_rows)} "
             f"(linear) {_mark(checks_ok and projected < r['budget']['sweep_s_max'])}")
    db_cpu = f" + database {sw['postgres_backend_cpu_s']:.1f}" if sw.get("postgres_backend_cpu_s") is not None else ""
    s += (f" ({sw['rows_per_s']:,} rows/s, {sw['workers']} worker{'s' if sw['workers'] != 1 else ''}; "
          f"CPU: Python {sw['python_cpu_s']:.1f} s{db_cpu})")
    if not checks_ok:
        s += (f" — checks failed: {ch['events']} events for {ch['distinct_deadlines']} deadlines, "
              f"{ch['left_open']} left open, trail verifies {ch['trail_verifies']}")
    lag = r.get("fire_lag")
    if lag:
        if lag["lag_s"]:
            s += (f"; fire lag p99 {lag['lag_s']['p99']:.1f} s {_mark(lag['within_budget'])} "
                  f"(median {lag['lag_s']['median']:.1f} s, tick {lag['tick_s']} s, {_size(lag['rows'])} rows due "
                  f"over {lag['window_s']:g} s")
            s += f", {lag['unfired']} never fired)" if lag["unfired"] else ")"
        else:
            s += f"; fire lag: nothing fired of {lag['rows']} ❌"
    return s + _load(r)


def cell_case_page(r: dict | None) -> str:
    if not r:
        return "—"
    res = r["results"]
    return (f"p95 {r['p95_ms']:.0f} ms (worst tab) {_mark(r['within_budget'])}; floor p95 {res['floor']['p95_ms']:.0f} ms, "
            f"ratio {r['ratio_to_floor_p95']}×")


def cell_evaluation(r: dict | None) -> str:
    if not r:
        return "—"
    return (f"{r['cases']:,} cases {r['checks_s']:.1f} s {_mark(r['pass'])} ({r['cases_per_s']:.0f}/s); "
            f"floor (same rows, hand-written SQL) {r['floor_s']:.1f} s, ratio {r['ratio_to_floor']}×")


def table(results: dict) -> str:
    def row(what, budget, key, cell):
        b = results.get(key, {})
        if IN_PROCESS in b:
            return f"| {what} | {budget} | {cell(b[IN_PROCESS])} | (no database) |"
        return f"| {what} | {budget} | {cell(b.get('sqlite'))} | {cell(b.get('postgres'))} |"

    rows = {
        "write_path": ("case write path: register a lead, file it (state + trail + outbox, one transaction each; "
                       "`bench/write_path.py`)", "≤ 1.5× (PostgreSQL) / 2× (SQLite) the same rows written by hand-written "
                       "SQL through the raw driver, interleaved in the same run", cell_write),
        "case_list": ("case list, filtered and keyset-paginated (`list_cases`, page of 50)",
                      "p95 ≤ 50 ms at 1 M cases on PostgreSQL", cell_list),
        "trail_verify": ("trail verification (`verify_trail`: streamed from the database, hashed here)",
                         "1 M entries ≤ 3 s wall; floor SHA-256 of the same bytes", cell_trail),
        "events": ("event relay with publisher confirms; commit → handler latency (`bench/events.py`)",
                   "relay to local RabbitMQ ≥ 5,000 events/s; commit → handler p95 < 20 ms (product's own settings)",
                   cell_events),
        "rules_lookup": ("benchmark / exemption / threshold lookup (`bench/rules_lookup.py`)",
                         "p99 < 1 ms at 5,000 catalogue items", cell_rules),
        "pdf_render": ("1–3 page 决定书 PDF in a warm process; 100-page 案卷 PDF (`bench/pdf_render.py`)",
                       "决定书 ≤ 0.8× bare WeasyPrint (full fonts), RSS ≤ 300 MB after 1,000 renders; 案卷 < 10 s", cell_pdf),
        "deadline_sweep": ("deadline sweep: fire due deadlines; fire lag of the scheduler tick (`bench/deadline_sweep.py`)",
                           "100 k due rows < 5 s; fire lag p99 < 30 s", cell_sweep),
        "calendar_confirm": ("confirming a year's holiday notice: recount every provisional deadline, trail and "
                             "announce each (`bench/calendar_confirm.py`); floor: writing the same trail entries "
                             "and events", "none set (a yearly administrator act)", cell_confirm),
        "http_api": ("API over HTTP: `GET /api/v1/cases` (page of 50) and filing a lead (`bench/http_api.py`); "
                     "gunicorn 4 workers on PostgreSQL, `casebook serve` on SQLite",
                     "≤ 5 × a minimal Flask app returning the same JSON under the same server; embedded, 8 writers: "
                     "p99 < 100 ms", cell_http),
        "case_page": ("case page server render, 200 trail entries + 50 evidence items (`bench/case_page.py`)",
                      "p95 < 150 ms on PostgreSQL", cell_case_page),
        "evaluation_autochecks": ("案卷评查 auto-checks of closed cases, run and stored (`bench/evaluation_autochecks.py`)",
                                  "10,000 cases < 60 s on PostgreSQL", cell_evaluation),
    }
    lines = [
        "| what | budget | measured SQLite (or in-process) | measured PostgreSQL |",
        "|---|---|---|---|",
    ]
    lines += [row(what, budget, key, cell) for key, (what, budget, cell) in rows.items() if key in results]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="budget sizes (slow: roughly 30 minutes on 2 cores)")
    size.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # tiny sizes: checks the plumbing only
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--transports", default=",".join(TRANSPORTS), help="events: comma-separated subset of rabbitmq,memory")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHES)}")
    p.add_argument("--with-candidate-indexes", action="store_true",
                   help="case_list also measures with the indexes it recommends (in its scratch database)")
    p.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    p.add_argument("--readme", nargs="?", const=str(HERE.parent / "README.md"), default=None,
                   help="write the table between the bench markers of README.md (or of the file given)")
    p.add_argument("--from-json", help="make the table from a results file (e.g. several runs merged) instead of running")
    args = p.parse_args()

    if args.from_json:
        combined = json.loads(Path(args.from_json).read_text())
        source = (f"`{os.path.relpath(args.from_json, HERE.parent)}` "
                  f"({combined.get('note', combined.get('mode', ''))})")
        if args.only:  # replace only these benches' rows in the README's table; the other rows stay as generated
            keys = [b.strip() for b in args.only.split(",") if b.strip()]
            if missing := [k for k in keys if k not in combined["results"]]:
                p.error(f"--only: {', '.join(missing)} not in {args.from_json}")
            text = table({k: combined["results"][k] for k in keys})
            print(text)
            if args.readme:
                replace_readme_rows(Path(args.readme), text, f"_The {', '.join(keys)} row: generated by "
                                    f"`bench/run_all.py --from-json … --only {','.join(keys)}` from {source}._")
            return
        text = table(combined["results"]) + "\n\n" + f"_Generated by `bench/run_all.py --from-json` from {source}._"
        print(text)
        if args.readme:
            write_readme(Path(args.readme), text)
        return
    mode = "full" if args.full else "smoke" if args.smoke else "modest"
    only = [b.strip() for b in args.only.split(",") if b.strip()] if args.only else list(BENCHES)
    if unknown := [b for b in only if b not in BENCHES]:
        p.error(f"--only: unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    benches = [b for b in BENCHES if b in only]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    transports = [t.strip() for t in args.transports.split(",") if t.strip()]
    if unknown := [t for t in transports if t not in TRANSPORTS]:
        p.error(f"--transports: unknown transport(s) {', '.join(unknown)}; choose from {', '.join(TRANSPORTS)}")
    skipped = {}
    if "postgres" in backends and any(BENCHES[b] != IN_PROCESS for b in benches) and (why := pg_reachable()):
        skipped["postgres"] = why
        backends.remove("postgres")
        print(f"PostgreSQL not reachable at {PG_URL}: {why}; running SQLite only", file=sys.stderr)
    if "events" in benches and "rabbitmq" in transports and (why := amqp_reachable()):
        skipped["rabbitmq"] = why
        print(f"RabbitMQ not reachable at {AMQP_URL}: {why}; events runs the memory transport only", file=sys.stderr)
    started = dt.datetime.now(dt.UTC)
    env = environment()
    results: dict = {}
    for bench in benches:
        sizes = SIZES[mode][bench]
        if BENCHES[bench] == IN_PROCESS:
            results[bench] = {IN_PROCESS: run(bench, list(sizes[IN_PROCESS]))}
            continue
        for backend in backends:
            extra = ["--backend", backend, *sizes[backend]]
            if bench == "case_list" and args.with_candidate_indexes:
                extra.append("--try-recommended-indexes")
            if bench == "events":
                results.setdefault(bench, {})[backend] = {
                    t: {"skipped": skipped[t]} if t in skipped else run(bench, [*extra, "--transport", t])
                    for t in transports}
            else:
                results.setdefault(bench, {})[backend] = run(bench, extra)
    env.update(machine_load())
    combined = {"generated_at": started.isoformat(timespec="seconds"), "mode": mode, "backends": backends,
                "transports": transports, "skipped": skipped, "env": env, "results": results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(combined, ensure_ascii=False, indent=2, default=str))
    skip_note = "".join(f" Skipped {what}: {why}." for what, why in skipped.items())
    text = (table(results) + "\n\n" +
            f"_Generated by `bench/run_all.py` ({mode} sizes, {', '.join(benches)}), {started:%Y-%m-%d %H:%M} UTC, "
            f"{env.get('cpus')} cores, {env.get('wall_s', '?')} s in all; other processes used on average "
            f"{env.get('other_processes_cores_avg', '?')} cores during the run (the PostgreSQL server and RabbitMQ count "
            f"as 'other'; foreign load skews latency).{skip_note} Full JSON: `{os.path.relpath(out, HERE.parent)}`._")
    print(text)
    if args.readme:
        write_readme(Path(args.readme), text)


README_START = "<!-- bench:start (generated by bench/run_all.py: do not edit by hand) -->"
README_END = "<!-- bench:end -->"


def write_readme(path: Path, text: str) -> None:
    """Put the generated table between the markers in the README (the figures there are never typed)."""
    body = path.read_text()
    if README_START not in body or README_END not in body:
        raise SystemExit(f"{path}: the markers {README_START!r} … {README_END!r} are missing")
    head, rest = body.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_START}\n{text}\n{README_END}{tail}")
    print(f"wrote the table into {path}", file=sys.stderr)


def replace_readme_rows(path: Path, rows_table: str, note: str) -> None:
    """Put the rows of `rows_table` in place of the README table's rows for the same benches (matched by their
    first cell), and the note saying where they come from under the table's own note (replacing an earlier
    note for the same rows)."""
    body = path.read_text()
    if README_START not in body or README_END not in body:
        raise SystemExit(f"{path}: the markers {README_START!r} … {README_END!r} are missing")
    head, rest = body.split(README_START, 1)
    block, tail = rest.split(README_END, 1)
    lines = block.strip("\n").split("\n")
    new_rows = {r.split(" | ", 1)[0]: r for r in rows_table.split("\n")[2:]}
    out, replaced = [], set()
    for line in lines:
        first = line.split(" | ", 1)[0]
        if first in new_rows:
            out.append(new_rows[first])
            replaced.add(first)
        elif not line.startswith(note.split(":", 1)[0]):
            out.append(line)
    if missing := set(new_rows) - replaced:
        raise SystemExit(f"{path}: no row to replace for {sorted(missing)}")
    while out and out[-1] == "":
        out.pop()
    out += ["", note]
    path.write_text(f"{head}{README_START}\n" + "\n".join(out) + f"\n{README_END}{tail}")
    print(f"replaced {len(replaced)} row(s) of the table in {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
