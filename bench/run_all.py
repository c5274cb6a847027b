"""Run every benchmark on SQLite and (when it answers) PostgreSQL; write bench/results/latest.json and
print a Markdown table for the README.

    .venv/bin/python bench/run_all.py            # modest sizes, under ~15 minutes on 2 cores
    .venv/bin/python bench/run_all.py --full     # budget sizes: 1 M cases on PostgreSQL, 1 M trail entries,
                                                 # 100 k due deadlines, 1,000 PDF renders, a 100-page 案卷
    .venv/bin/python bench/run_all.py --only rules_lookup,pdf_render --out bench/results/mine.json
    .venv/bin/python bench/run_all.py --from-json bench/results/a.json bench/results/b.json --readme

Benchmarks run once per database backend (write_path, case_list, trail_verify, deadline_sweep,
calendar_confirm, http_api, case_page, evaluation_autochecks, public_search, party_search, login_flood,
supervision_statistics); events once per backend and transport (RabbitMQ at amqp://guest:guest@127.0.0.1:5672//
with publisher confirms, skipped with the reason when it does not answer, and the embedded memory transport);
rules_lookup and pdf_render are in-process and use no database.

Each benchmark runs in its own process (python bench/<name>.py …) and prints one JSON object; this
script only collects them. Nothing asserts timings: the table says measured vs budget (the README's performance table),
each figure as the bench reports it — a ratio to a floor measured in the same run where the bench has one,
the median of its repeats, the load beside it.

`--from-json` makes the table from saved results instead of running: one or more files, each either a
run_all results file or one bench's own JSON output (python bench/<name>.py … > file.json). For each bench
and backend (and transport) the latest result wins — the newest file by its `generated_at` (a bare bench
output: its env's `started_at`; an undated file ranks before the dated ones); on a tie the later file on the
command line. The note under the table names every file used, with its sizes and the load during it.
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
    "public_search": "backend",
    "party_search": "backend",
    "login_flood": "backend",
    "supervision_statistics": "backend",
}

# rules_lookup takes no options: it always measures the budget size (5,000 catalogue items, 20,000 queries).
SIZES = {
    "modest": {
        "write_path": {"sqlite": ["--iterations", "200"], "postgres": ["--iterations", "200"]},
        "case_list": {"sqlite": ["--cases", "20000", "--reps", "20"], "postgres": ["--cases", "100000", "--reps", "20"]},
        "trail_verify": {"sqlite": ["--entries", "100000", "--repeat", "2"], "postgres": ["--entries", "100000", "--repeat", "2"]},
        "events": {"sqlite": ["--events", "5000", "--latency-events", "200", "--rate", "50", "--relay-repeats", "5"],
                   "postgres": ["--events", "5000", "--latency-events", "200", "--rate", "50", "--relay-repeats", "5"]},
        "rules_lookup": {IN_PROCESS: []},
        "pdf_render": {IN_PROCESS: ["200", "--renders", "30", "--warmup", "5", "--case-file-copies", "3"]},
        "deadline_sweep": {
            "sqlite": ["--rows", "20000", "--cases", "5000", "--lag-rows", "1000", "--lag-window", "30"],
            "postgres": ["--rows", "20000", "--cases", "5000", "--lag-rows", "1000", "--lag-window", "30"]},
        "calendar_confirm": {"sqlite": ["--rows", "5000", "--repeat", "5"], "postgres": ["--rows", "5000", "--repeat", "5"]},
        "http_api": {"sqlite": ["--requests", "500", "--repeat", "3"], "postgres": ["--requests", "500", "--repeat", "3"]},
        "case_page": {"sqlite": ["--rounds", "100", "--repeats", "3"], "postgres": ["--rounds", "100", "--repeats", "3"]},
        "evaluation_autochecks": {"sqlite": ["--cases", "2000"], "postgres": ["--cases", "10000"]},
        "public_search": {"sqlite": ["--rows", "20000", "--repeats", "3", "--requests", "20"],
                          "postgres": ["--rows", "20000", "--repeats", "3", "--requests", "20"]},
        "party_search": {"sqlite": ["--cases", "20000"], "postgres": ["--cases", "100000"]},
        "login_flood": {"sqlite": ["--seconds", "4", "--repeats", "3"], "postgres": ["--seconds", "4", "--repeats", "3"]},
        "supervision_statistics": {"sqlite": ["--cases", "20000", "--reps", "3"], "postgres": ["--cases", "100000", "--reps", "3"]},
    },
    "full": {
        "write_path": {"sqlite": ["--iterations", "500"], "postgres": ["--iterations", "500"]},
        "case_list": {"sqlite": ["--cases", "100000", "--reps", "40"], "postgres": ["--cases", "1000000", "--reps", "40"]},
        "trail_verify": {"sqlite": ["--entries", "1000000"], "postgres": ["--entries", "1000000"]},
        "events": {"sqlite": ["--events", "20000", "--latency-events", "300", "--rate", "50", "--relay-repeats", "5"],
                   "postgres": ["--events", "20000", "--latency-events", "300", "--rate", "50", "--relay-repeats", "5"]},
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
        "public_search": {"sqlite": ["--rows", "100000"], "postgres": ["--rows", "100000"]},
        "party_search": {"sqlite": ["--cases", "100000"], "postgres": ["--cases", "1000000"]},
        "login_flood": {"sqlite": [], "postgres": []},
        "supervision_statistics": {"sqlite": ["--cases", "100000", "--reps", "5"],
                                   "postgres": ["--cases", "1000000", "--reps", "5"]},
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
        "public_search": {"sqlite": ["--rows", "500", "--repeats", "1", "--requests", "3"],
                          "postgres": ["--rows", "500", "--repeats", "1", "--requests", "3"]},
        "party_search": {"sqlite": ["--cases", "2000", "--reps", "3", "--rounds", "1"],
                         "postgres": ["--cases", "2000", "--reps", "3", "--rounds", "1"]},
        "login_flood": {"sqlite": ["--seconds", "1", "--repeats", "1", "--attackers", "2", "--cases", "20"],
                        "postgres": ["--seconds", "1", "--repeats", "1", "--attackers", "2", "--cases", "20"]},
        "supervision_statistics": {"sqlite": ["--cases", "2000", "--reps", "1"], "postgres": ["--cases", "2000", "--reps", "1"]},
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
        fifths = (f"; by fifths of the run {min(h['ratio_by_fifth'])}–{max(h['ratio_by_fifth'])}×"
                  if h.get("ratio_by_fifth") else "")
        s = (f"{h['ratio']}× the hand-written SQL {_mark(h['pass'])} (lead {h['ratio_register_lead']}×, filing "
             f"{h['ratio_file']}×; CPU {h['ratio_cpu']}×; floor {h['hand_lead']['median_ms']:.2f} / "
             f"{h['hand_file']['median_ms']:.2f} ms{fifths}); ")
        if (t := h.get("through_sqlalchemy")) is not None:
            s += (f"the same hand-written statements through the product's SQLAlchemy session alone "
                  f"{t['session']['ratio_to_floor']}× the floor (CPU {t['session']['ratio_to_floor_cpu']}×; a Core "
                  f"connection {t['connection']['ratio_to_floor']}×), the act {t['session']['product_over_it']}× that; ")
        if (q := h.get("product_reads")) is not None:
            s += (f"the floor with the product's own three reads (party with its scope probe, case with its officers, "
                  f"the named officers) {q['ratio_to_floor']}× (CPU {q['ratio_to_floor_cpu']}×), the act "
                  f"{q['product_over_it']}× that; ")
        if (c := h.get("law_checks")) is not None:
            s += (f"the acts' own checks (input dates, the guards' view and context, the guards, masking, event "
                  f"schemas) {c['total_ms_per_pair'] * 1000:.0f} µs a pair = {c['ratio_to_floor']}× the floor, so a "
                  f"Core connection plus them ≈ {c['core_connection_plus_checks']}×; ")
        if (o := (h.get("phases") or {}).get("session_and_orm_objects")) is not None:
            s += (f"timed phase by phase, the session (open, begin, commit, close) and the ORM's objects cost "
                  f"{o['ratio_to_floor']}× the floor, the act without them {o['act_without_them_ratio_to_floor']}× "
                  f"(the most a pipeline on plain rows could save); ")
        if (w := h.get("wire")) is not None:
            pw, fw = w["product_pair_ratio"], w["floor_pair_ratio"]
            trips = {who: f"{w['lead'][who]['round_trips']:.0f} + {w['file'][who]['round_trips']:.0f}"
                     for who in ("product", "floor")}
            same = (f"the same {trips['product']} round trips as the floor" if trips["product"] == trips["floor"]
                    else f"{trips['product']} round trips, the floor {trips['floor']}")
            s += (f"on the wire (libpq's trace; {same}), as shares of the floor's pair: "
                  f"the server {pw['server']} (floor {fw['server']}), the client between round trips "
                  f"{pw['client_between']} (floor {fw['client_between']}), before the first message and after the "
                  f"last {pw['outside']} (floor {fw['outside']}); ")
    if r.get("statistics"):
        s += f"planner statistics {r['statistics'].split(' (')[0]}; "
    return s + (f"{r['ratio']}× a bare insert-and-commit — {r['service_txn_mean_of_pair']['median_ms']:.2f} ms per act "
                f"(lead {r['register_lead_txn']['median_ms']:.2f}, file {r['file_txn']['median_ms']:.2f}) vs bare "
                f"{r['bare_insert_commit']['median_ms']:.2f} ms{_load(r)}")


def cell_list(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    v = r["verdict"]
    f = v.get("floor")
    s = f"worst p95 {v['worst_p95_ms']:.1f} ms ({v['worst_scenario']}) {_mark(v['pass'])}"
    if f is not None:
        s += (f", {f['ratio_of_worst_p95_scenario']}× its floor (p95 {f['floor_p95_ms_of_worst_p95_scenario']:.2f} ms: "
              f"the same rows by hand-written SQL through the raw driver)")
    s += (f"; {len(v['scenarios_over_budget'])} of {sum(1 for x in r['scenarios'].values() if x['in_budget'])} filters over; "
          f"{_size(r['cases'])} cases")
    if not v["budget_applies_at_this_size_and_backend"]:
        s += " (budget is set at 1 M on PostgreSQL)"
    if f is not None:
        s += (f"; product / floor p95 worst {f['worst_ratio_p95']}× ({f['worst_ratio_scenario']}: "
              f"{f['worst_ratio_p95_ms']:.2f} vs {f['worst_ratio_floor_p95_ms']:.2f} ms), median "
              f"{f['median_ratio_p95']}× over the {len(f['ratios_p95'])} filters and pages, each the median of "
              f"{_rounds(r)} interleaved rounds")
    if "with_indexes" in r:
        w = r["with_indexes"]["verdict"]
        s += f"; with candidate indexes worst p95 {w['worst_p95_ms']:.1f} ms {_mark(w['pass'])}"
        if (wf := w.get("floor")) is not None:
            s += f" (product / floor worst {wf['worst_ratio_p95']}×)"
    return (s if f is not None else _no_floor(s)) + _load(r)


def _rounds(r: dict) -> str:
    return str(next((x["rounds"] for x in r["scenarios"].values() if "rounds" in x), "?"))


def cell_trail(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    n = r["entries"]
    proj = "" if n == 1_000_000 else f" → {r['projected_1m']['verify_trail_s']:.1f} s per 1 M (linear)"
    t = r["timings"]
    return (f"{r['verify_trail_s']:.2f} s wall {_mark(r['pass']['verify_trail'])} = {r['ratio_to_floor']}× the floor "
            f"(SHA-256 of the same bytes {r['floor_s']:.2f} s); CPU {t['verify_trail']['cpu_s']:.2f} s against the "
            f"floor's {t['sha256_floor']['cpu_s']:.2f} s; {_size(n)} entries{proj}"
            + (f"; the same walk over COPY (FORMAT BINARY) {t['verify_trail_over_copy']['wall_s']:.2f} s wall, "
               f"{t['verify_trail_over_copy']['cpu_s']:.2f} s CPU" if "verify_trail_over_copy" in t else "")
            + f"; median of {len(t['verify_trail']['all_wall_s'])}{_load(r)}")


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
         f"req/s, {r['clients']} clients, p99 {t['list']['p99_ms']:.0f} ms); act (register a lead) {ratio['act']}× "
         f"{_mark(ok['act'])} ({t['act']['req_per_s']:.0f} vs {t['act_floor']['req_per_s']:.0f} req/s, {r['writers']} clients, "
         f"p50 {t['act']['p50_ms']:.0f} / p99 {t['act']['p99_ms']:.0f} ms")
    if "embedded_writers_p99" in ok:
        s += f" {_mark(ok['embedded_writers_p99'])}; floor p99 {t['act_floor']['p99_ms']:.0f} ms"
    if (hw := r.get("act_vs_hand_written_sql")) is not None:
        # how far the database work alone, done by hand, already is from the floor: the room the budget leaves
        own = round(t["act_floor"]["req_per_s"] / t["act_db_floor"]["req_per_s"], 2)
        s += (f"; the same minimal app writing the lead's rows by hand-written SQL: {t['act_db_floor']['req_per_s']:.0f} "
              f"req/s (itself {own}× the floor), p99 {t['act_db_floor']['p99_ms']:.0f} ms, the act {hw}× that")
    s += f"); {r['server']}, {r['payload']['list_bytes'] // 1000} KB list, median of {r['repeat']}"
    if (cpu := _http_cpu(t)) is not None:
        s += f"; {cpu}"
    if r.get("statistics"):
        s += "; planner statistics refreshed between rounds"
    return s + _load({"load": r.get("load")})


def _http_cpu(t: dict) -> str | None:
    """Where the machine's time per act request went (results since 2026-12-07: `cpu_us_per_request`): the server's
    processes, PostgreSQL's (on SQLite the server's own), the load clients'; for the product, the hand-written-SQL
    app and the floor."""
    names = (("act", "product"), ("act_db_floor", "hand-written-SQL app"), ("act_floor", "floor"))
    if any("cpu_us_per_request" not in t.get(k, {}) for k, _ in names):
        return None
    pg = t["act"]["cpu_us_per_request"]["database"] is not None

    def split(k: str) -> str:
        c = t[k]["cpu_us_per_request"]
        parts = [c["server"], *([c["database"] or 0] if pg else []), c["client"]]
        if any(v is None for v in parts):
            return "n/a"
        return " + ".join(f"{v:,.0f}" for v in parts) + f" = {sum(parts):,.0f}"

    what = "server + PostgreSQL + clients" if pg else "server + clients"
    return f"CPU µs per act request ({what}): " + "; ".join(f"{label} {split(k)}" for k, label in names)


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
            label += f" (NOTIFY only: p95 {nl['p95_ms']:.1f} ms{_lat_floor(nl)})"
        lost = "" if lat["handled"] == lat["events"] else f", only {lat['handled']} of {lat['events']} handled"
        relay_floor = (f" (floor {rel['floor']['events_per_s']:,}/s: {rel['ratio_floor_over_product']}× faster)"
                       if "floor" in rel else "")
        parts.append(
            f"{label}: relay {rel['events_per_s']:,}/s{' ' + _mark(rel['within_budget']) if marks else ''}{relay_floor}, "
            f"commit → handler p95 {lat['p95_ms']:.1f} ms{' ' + _mark(lat['within_budget']) if marks else ''} "
            f"(p50 {lat['p50_ms']:.1f}{lost}{_lat_floor(lat)})")
    r0 = next((r for r in by_transport.values() if r and "relay" in r), None)
    sizes = (f" — {_size(r0['relay']['events'])} events relayed, {r0['commit_to_handler']['events']} leads "
             f"at {r0['commit_to_handler']['rate_per_s']:g}/s" if r0 else "")
    floored = [r for r in by_transport.values() if r and "relay" in r and "floor" in r["relay"]]
    if floored:
        sizes += (f"; floors in the same run: the relay's, the same messages published raw through kombu (with "
                  f"confirms on RabbitMQ), no database (median of {floored[0]['relay']['repeats']} alternating rounds); commit → "
                  f"handler's, a bare insert-and-commit then a raw kombu publish and consume of a message of the same "
                  f"size, interleaved event by event (p95 ratio, median of 3 blocks)")
        text = "; ".join(parts) + sizes
    else:
        text = _no_floor("; ".join(parts) + sizes)
    return text + (_load(r0) if r0 else "")


def _lat_floor(lat: dict) -> str:
    if "floor" not in lat:
        return ""
    return f"; {lat['ratio_p95_to_floor']}× the floor's p95 {lat['floor']['p95_ms']:.1f} ms"


def cell_rules(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    return (f"p99 {r['benchmark']['p99_us']:.1f} / {r['exemption']['p99_us']:.1f} / {r['thresholds']['p99_us']:.1f} µs "
            f"(benchmark / exemption / thresholds) {_mark(r['within_budget'])}; p50 {r['benchmark']['p50_us']:.1f} / "
            f"{r['exemption']['p50_us']:.1f} / {r['thresholds']['p50_us']:.1f} µs; {_size(r['catalogue_items'])} items, "
            f"{_size(r['queries'])} queries" + (_rules_floor(r) if "ratio_to_floor" in r else _no_floor("")) + _load(r))


def _rules_floor(r: dict) -> str:
    f, x = r["floor"], r["ratio_to_floor"]
    parts = ("benchmark", "exemption", "thresholds")
    return (f"; product / floor (the same lookups by the plainest Python over the same parsed data, the same "
            f"numbers, no text) p50 {' / '.join(str(x[k]['p50']) for k in parts)}×, p99 "
            f"{' / '.join(str(x[k]['p99']) for k in parts)}× (floor p99 "
            f"{' / '.join(format(f[k]['p99_us'], '.1f') for k in parts)} µs), interleaved query by query, median of "
            f"{f['repeats']} blocks")


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
            f"{r['ratio']:.1f}× the floor ({r['floor_s_median']:.2f} s), median of {len(r.get('confirm_s', [])) or '?'}"
            f"{_load(r)}")


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
    if (fl := sw.get("floor")) is not None:
        fine = fl["checks"]["events"] == fl["rows"] == sw["rows"] and fl["checks"]["trail_verifies"]
        failed = "" if fine else "; the floor's own checks failed"
        s += (f", {sw['ratio_to_floor']}× the same rows fired by hand-written SQL ({fl['sweep_s']:.2f} s, one connection; "
              f"CPU {sw['ratio_cpu']}×{failed})")
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
    if (p := _problem(r)) is not None:
        return p
    res = r["results"]
    return (f"p95 {r['p95_ms']:.0f} ms (worst tab) {_mark(r['within_budget'])}; {r['ratio_to_floor_p95']}× the floor "
            f"(p95 {res['floor']['p95_ms']:.0f} ms, a minimal Flask app rendering a comparable template from memory); "
            f"{r.get('rounds', '?')} requests × {r.get('repeats', '?')} repeats{_load(r)}")


def cell_evaluation(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    s = (f"{r['cases']:,} cases {r['checks_s']:.1f} s {_mark(r['pass'])} ({r['cases_per_s']:.0f}/s); "
         f"{r['ratio_to_floor']}× the floor (same rows read by hand-written SQL, {r['floor_s']:.1f} s)")
    if r["cases"] != 10_000:
        s += f" → {r['checks_s'] * 10_000 / r['cases']:.1f} s per 10 k (linear)"
    return s + _load(r)


def cell_public_search(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    sc = r["scenarios"]
    worst_name = max(sc, key=lambda k: sc[k]["api_p95_ms"])
    w = sc[worst_name]
    ratios = sorted(v["api_ratio"] for v in sc.values())
    s = (f"worst API p95 {r['worst_api_p95_ms']:.1f} ms ({worst_name}) {_mark(r['met'])}, {w['api_ratio']}× the same SQL "
         f"sent raw ({w['raw_sql_p95_ms']:.1f} ms); API / raw SQL {ratios[0]}–{ratios[-1]}× over {len(sc)} queries; "
         f"{_size(r['rows'])} published decisions, median of {r['repeats']} repeats × {r['requests']} requests")
    if r["rows"] < 100_000:
        s += " (budget at 100 k)"
    return s + _load(r)


def cell_party_search(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    sc = r["scenarios"]
    w = sc[r["worst"]]
    ratios = sorted(v["ratio_p95"] for v in sc.values())
    s = (f"worst p95 {r['worst_p95_ms']:.1f} ms ({r['worst']}) {_mark(r['met'])}, {w['ratio_p95']}× the same SQL by hand "
         f"through the raw driver ({w['floor_p95_ms']:.1f} ms); product / floor p95 {ratios[0]}–{ratios[-1]}× over "
         f"{len(sc)} searches (the registering agency and another, by place name, full name, first page); "
         f"{_size(r['cases'])} cases, median of {r['rounds']} interleaved rounds × {r['reps']} calls")
    if r["cases"] < 1_000_000:
        s += " (budget at 1 M on PostgreSQL)"
    return s + _load(r)


def cell_login_flood(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    v = r["variants"]
    b, u = v.get("bounded"), v.get("unguarded")
    if not b:
        return "no bounded variant in the result"
    s = (f"case list during the flood {b['list_flood_over_quiet']}× without it (p50 {b['list_p50_flood_ms']:.1f} vs "
         f"{b['list_p50_quiet_ms']:.1f} ms; the floor is the quiet list in the same repeat)")
    if u:
        s += f"; unguarded hashing {u['list_flood_over_quiet']}×"
    a = b["attack_answers_per_s"]
    s += (f"; attack answered {a.get('401') or 0:g} checks/s, {a.get('503') or 0:g}/s 503; a user's sign-in p50 "
          f"{b['legit_login_p50_flood_ms']:.0f} ms during it; brute force on one account "
          f"{r['brute_force_one_account']['guesses_checked_per_min']:g} guesses checked/min; "
          f"{r['attackers']} attackers, {r['repeats']} × {r['seconds']:g} s")
    return s + _load(r)


def _no_floor(s: str) -> str:
    return s + "; this bench measures no floor yet"


STATS_SHOWN = {  # supervision_statistics: the pages the cell names, in this order
    "cockpit_supervisor": "驾驶舱", "statistics_supervisor_by_agency": "by agency",
    "statistics_supervisor_by_officer": "by officer", "statistics_head_by_officer": "head's by officer",
    "statistics_supervisor_by_month": "by month",
    "statistics_trend_5_years": "5-year trend", "xlsx_supervisor_all_tables": "XLSX",
    "xlsx_supervisor_by_officer": "XLSX by officer", "cockpit_head": "head's 驾驶舱",
    "statistics_by_agency_after_a_write": "by agency right after a write", "officer_own_figures_xlsx": "officer's own",
}


def cell_statistics(r: dict | None) -> str:
    if (p := _problem(r)) is not None:
        return p
    pages, v = r["pages"], r["verdict"]
    worst_name = v.get("worst") or max(pages, key=lambda k: pages[k]["median_ms"])  # older outputs name no worst
    worst = pages[worst_name]
    ok = v["pass"] if v.get("applies") else worst["median_ms"] < (r.get("budget") or {}).get("ms_max", 2000)
    s = (f"{_size(r['cases'])} cases: worst median {worst['median_ms']:.0f} ms ({worst_name}) {_mark(ok)}"
         f"{'' if v['applies'] else ' (below the budget size)'}; floor (hand-written SQL of the heaviest aggregates, "
         f"over the cases) {r['floor']['median_ms']:.0f} ms"
         + (f", the same over the rollup {r['floor_rollup']['median_ms']:.1f} ms" if r.get("floor_rollup") else "") + "; ")
    s += ", ".join(f"{label} {pages[k]['median_ms']:.0f} ms ({pages[k]['ratio_to_floor']}×)"
                   for k, label in STATS_SHOWN.items() if k in pages)
    if "direct_by_officer_service" in pages:
        s += (f"; the same aggregates over the cases instead of the rollup: by agency "
              f"{pages['direct_by_agency_service']['median_ms']:.0f} ms, by officer "
              f"{pages['direct_by_officer_service']['median_ms']:.0f} ms")
    if rb := r.get("rollup_rebuild"):
        s += f"; `casebook stats rebuild` {rb['seconds']} s"
    n = min((x.get("n", 0) for x in pages.values()), default=0)
    s += f"; median of {n or '?'} interleaved rounds"
    return s + _load({"load": r.get("load")})


def table(results: dict) -> str:
    def row(what, budget, key, cell):
        b = results.get(key, {})
        if IN_PROCESS in b:
            return f"| {what} | {budget} | {cell(b[IN_PROCESS])} | (no database) |"
        return f"| {what} | {budget} | {cell(b.get('sqlite'))} | {cell(b.get('postgres'))} |"

    rows = {
        "write_path": ("case write path: register a lead, file it (state + trail + outbox, one transaction each; "
                       "`bench/write_path.py`)", "≤ 1.5× (PostgreSQL) / 2× (SQLite) the same rows written by hand-written "
                       "SQL through the raw driver on the product's own pooled connection, interleaved in the same run", cell_write),
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
        "http_api": ("API over HTTP: `GET /api/v1/cases` (page of 50) and registering a lead (`bench/http_api.py`); "
                     "gunicorn 4 workers on PostgreSQL, `casebook serve` on SQLite",
                     "≤ 5 × a minimal Flask app returning the same JSON under the same server; embedded, 8 writers: "
                     "p99 < 100 ms", cell_http),
        "case_page": ("case page server render, 200 trail entries + 50 evidence items (`bench/case_page.py`)",
                      "p95 < 150 ms on PostgreSQL", cell_case_page),
        "evaluation_autochecks": ("案卷评查 auto-checks of closed cases, run and stored (`bench/evaluation_autochecks.py`)",
                                  "10,000 cases < 60 s on PostgreSQL", cell_evaluation),
        "public_search": ("public 公示 search through the open API (`bench/public_search.py`: API, service and the same "
                          "SQL sent raw, interleaved; p95 per repeat)", "p95 < 50 ms at 100 k published decisions",
                          cell_public_search),
        "party_search": ("当事人 search, the party picker of 案源登记 (`services.parties.search_parties`; "
                         "`bench/party_search.py`)", "p95 < 50 ms at 1 M cases on PostgreSQL", cell_party_search),
        "login_flood": ("sign-in flood: 8 attackers spraying unknown names while a user lists cases "
                        "(`bench/login_flood.py`, phases interleaved)", "the case list not starved (issue 11)",
                        cell_login_flood),
        "supervision_statistics": ("statistics pages and exports (驾驶舱, tables by agency / officer / period, XLSX) from "
                                   "the maintained rollup, through the app (`bench/supervision_statistics.py`)",
                                   "every page and export < 2 s at 1 M cases on PostgreSQL", cell_statistics),
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
    p.add_argument("--from-json", nargs="+", metavar="FILE",
                   help="make the table from saved results instead of running: run_all results files and/or single "
                        "bench outputs; the latest result per bench and backend wins")
    args = p.parse_args()

    if args.from_json:
        results, sources = merge_results([Path(f) for f in args.from_json])
        text = table(results) + "\n\n" + from_json_note(sources)
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


# A bench's own JSON names itself by its "bench" (or "benchmark") key; these differ from the script's name.
_BENCH_ALIASES = {"statistics": "supervision_statistics", "http": "http_api"}


def _file_time(doc: dict) -> str:
    """When a results file was made: run_all's generated_at, a bench's env started_at; an undated file (saved before
    benches recorded their start) ranks before every dated one. Never the file's mtime: a clone or a checkout sets
    every file's to the same moment, and an old undated result then won over the newer ones."""
    t = (doc.get("generated_at") or (doc.get("env") or {}).get("started_at")
         or (doc.get("environment") or {}).get("started_at"))  # public_search keeps its env under "environment"
    return str(t) if t else ""


def _as_results(doc: dict) -> dict:
    """A results file as {bench: {backend: result}} (events: {backend: {transport: result}})."""
    if "results" in doc and isinstance(doc["results"], dict):
        return doc["results"]
    name = doc.get("bench") or doc.get("benchmark")
    if not name:
        raise SystemExit("not a results file: no 'results' and no 'bench' key")
    name = _BENCH_ALIASES.get(name, name)
    if name not in BENCHES:
        raise SystemExit(f"unknown bench {name!r} in a results file")
    if BENCHES[name] == IN_PROCESS:
        return {name: {IN_PROCESS: doc}}
    backend = doc.get("backend") or "postgres"
    if BENCHES[name] == "backend×transport":
        return {name: {backend: {doc.get("transport", "rabbitmq"): doc}}}
    return {name: {backend: doc}}


def merge_results(paths: list[Path]) -> tuple[dict, list[dict]]:
    """Merge results files: for each bench × backend (× transport) the result of the newest file wins (ties: the
    later path). Returns the merged results and, per file used, what it contributed (for the table's note)."""
    docs = []
    for i, path in enumerate(paths):
        doc = json.loads(path.read_text())
        docs.append((_file_time(doc), i, path, doc, _as_results(doc)))
    docs.sort(key=lambda d: (d[0], d[1]))
    merged: dict = {}
    origin: dict[tuple, int] = {}
    for _time, i, _path, _doc, res in docs:  # oldest first: later ones overwrite
        for bench, by_backend in res.items():
            for backend, r in (by_backend or {}).items():
                if BENCHES.get(bench) == "backend×transport" and isinstance(r, dict) and "relay" not in r:
                    for transport, rt in r.items():
                        if rt is None or (("skipped" in rt or "error" in rt) and (bench, backend, transport) in origin):
                            continue  # a skip or a failed run never hides a measurement
                        merged.setdefault(bench, {}).setdefault(backend, {})[transport] = rt
                        origin[(bench, backend, transport)] = i
                    continue
                if r is None or (("skipped" in r or "error" in r) and (bench, backend) in origin):
                    continue
                merged.setdefault(bench, {})[backend] = r
                origin[(bench, backend)] = i
    sources = []
    for time_, i, path, doc, _ in sorted(docs, key=lambda d: d[1]):
        used = sorted({"/".join(k[:2]) for k, j in origin.items() if j == i})
        if not used:
            continue
        env = doc.get("env") or {}
        sources.append({"path": path, "time": time_, "mode": doc.get("mode"), "note": doc.get("note"), "used": used,
                        "other_load": env.get("other_processes_cores_avg"), "loadavg": env.get("loadavg_end")})
    return merged, sources


def from_json_note(sources: list[dict]) -> str:
    parts = []
    for src in sources:
        what = f"`{os.path.relpath(src['path'], HERE.parent)}`"
        bits = [src["time"][:16].replace("T", " ") + " UTC"]
        if src["mode"]:
            bits.append(f"{src['mode']} sizes")
        if src["other_load"] is not None:
            bits.append(f"other processes {src['other_load']} cores on average")
        if src["loadavg"]:
            bits.append(f"load average {src['loadavg'][0]} at the end")
        if src["note"]:
            bits.append(src["note"])
        parts.append(f"{what} ({'; '.join(bits)}) for {', '.join(src['used'])}")
    return ("_Generated by `bench/run_all.py --from-json` (the latest result per bench and backend) from "
            + "; ".join(parts) + ". Sizes are in each cell; absolute times on this shared 2-core machine drift up to 2× "
            "with the load, ratios to floors measured in the same run less._")


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


if __name__ == "__main__":
    main()
