"""HTTP: the case list and a case act (registering a lead, POST /api/v1/cases) through a real server, against a minimal Flask app.

Budgets (the README's performance table): an API request (list, act) under gunicorn ≤ 5× a minimal Flask app returning the
same JSON under the same server; embedded mode with 8 concurrent writers p99 < 100 ms.

    .venv/bin/python bench/http_api.py --backend postgres     # gunicorn, 4 workers; list and act, 4 clients
    .venv/bin/python bench/http_api.py --backend sqlite       # `casebook serve` (embedded); list 4, act 8 clients

The product runs with its own settings in its own server processes: gunicorn `casebook.web.app:create_app()`
with 4 sync workers for PostgreSQL, `python -m casebook.cli serve` (the embedded mode, with its background
threads) for SQLite. The floor (bench/http_floor.py) returns the bytes the product returned for the same
request (a real page of 50 cases, ~20 KB; a real registered lead), parsing the request body for the act, under the
same server. A second floor for the act (`http_floor:db_app`) does the act's database work by hand under the
same server — the token and its user in one hand-written statement, then the lead's rows through the raw
driver (bench/write_path.py's `HandWritten`) — so the report separates what the database costs from what the
framework costs (`act_vs_hand_written_sql`; not a budget). The load comes from bench/http_client.py in separate processes over loopback, a bounded number
of requests, C clients at a time. Variants are interleaved (product, floor, product, floor …) and the median
of the rounds is reported, with the machine's load beside it.

Each variant also reports where the machine's time per request went (`cpu_us_per_request`, since 2026-12-07):
its server's processes (the process group it was started in, from /proc), on PostgreSQL every `postgres`
process (backends, WAL writer, checkpointer), and the load clients' own CPU. On this 2-core machine every
variant is CPU-bound, so its requests/s follows the sum: the split says how much of a ratio the database and
the load themselves account for.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ROOT,
    base_parser,
    emit,
    environment,
    log,
    machine_load,
    processes_cpu_s,
    scratch_db,
    seeded_sessions,
)

HERE = Path(__file__).resolve().parent
BUDGET_RATIO = 5.0
BUDGET_EMBEDDED_P99_MS = 100.0
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not come up")


def start(cmd: list[str], env: dict, port: int, log_path: Path) -> subprocess.Popen:
    out = open(log_path, "ab")
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=str(ROOT), start_new_session=True)
    wait_up(port, proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def drive(port: int, path: str, n: int, clients: int, token: str, body: Path | None = None,
          server: subprocess.Popen | None = None, database: bool = False) -> dict:
    """One measurement: `n` requests from `clients` client processes. With `server` (started in a session of its
    own, so its workers are its process group) the CPU it spent is reported per request, and with `database`
    PostgreSQL's too (every `postgres` process), beside the clients' own (`cpu_us_per_request`)."""
    cmd = [PY, str(HERE / "http_client.py"), "--port", str(port), "--path", path, "--requests", str(n),
           "--clients", str(clients), "--header", f"Authorization: Bearer {token}"]
    if body is not None:
        cmd += ["--method", "POST", "--body-file", str(body)]

    def sample() -> tuple[float | None, float | None]:
        return (processes_cpu_s(group=server.pid) if server is not None else None,
                processes_cpu_s(name="postgres") if database else None)

    before = sample()
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    after = sample()
    out = json.loads(r.stdout)
    done = out["requests"] or 1
    out["cpu_us_per_request"] = {
        "server": None if before[0] is None or after[0] is None else round((after[0] - before[0]) / done * 1e6),
        "database": None if before[1] is None or after[1] is None else round((after[1] - before[1]) / done * 1e6),
        "client": round(out["client_cpu_s"] / done * 1e6)}
    return out


def prepare(url: str, data_dir: Path, cases: int) -> dict:
    """Seed the demo organisation, file `cases` leads through the app, capture the real responses."""
    from casebook.config import Settings
    from casebook.db.engine import unit_of_work
    from casebook.seed import demo_user
    from casebook.services.users import issue_token
    from casebook.web.app import create_app

    engine, factory = seeded_sessions(url)
    with unit_of_work(factory) as s:
        token = issue_token(s, demo_user(s, "zhangwei"), "bench")
        from sqlalchemy import select

        from casebook.db.models import Party
        party = s.execute(select(Party.id).where(Party.kind == "organization").order_by(Party.id)).scalars().first()
    app = create_app(Settings.from_env(database_url=url, data_dir=data_dir), engine=engine)
    client = app.test_client()
    h = {"Authorization": f"Bearer {token}"}
    lead = {"source": "complaint", "cause": "涉嫌销售过期食品，现场查见过期预包装食品若干", "discovered_on": "2026-03-02",
            "party_id": party}
    for _ in range(cases):
        r = client.post("/api/v1/cases", json=lead, headers=h)
        assert r.status_code == 201, r.get_json()
    act_resp = r.get_data()
    list_resp = client.get("/api/v1/cases", headers=h)
    assert list_resp.status_code == 200
    from casebook.db.migrate import analyze

    analyze(engine)  # the product's own statistics refresh after a bulk load (PostgreSQL)
    engine.dispose()
    (data_dir / "lead.json").write_text(json.dumps(lead, ensure_ascii=False))
    (data_dir / "floor_list.json").write_bytes(list_resp.get_data())
    (data_dir / "floor_act.json").write_bytes(act_resp)
    return {"token": token, "list_bytes": len(list_resp.get_data()), "list_items": len(list_resp.get_json()["items"]),
            "act_bytes": len(act_resp)}


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=1000, help="requests per measurement")
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the median is reported")
    p.add_argument("--clients", type=int, default=4, help="concurrent clients for the list (and the act on PostgreSQL)")
    p.add_argument("--writers", type=int, default=None, help="concurrent clients for the act (default 8 embedded, 4 gunicorn)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (PostgreSQL)")
    p.add_argument("--cases", type=int, default=60)
    args = p.parse_args()
    writers = args.writers or (8 if args.backend == "sqlite" else args.clients)
    server = "gunicorn" if args.backend == "postgres" else "casebook serve"
    result = {"bench": "http", "backend": args.backend, "server": server, "env": environment(),
              "budget": {"ratio_max": BUDGET_RATIO, "embedded_writers_p99_ms_max": BUDGET_EMBEDDED_P99_MS},
              "requests": args.requests, "repeat": args.repeat, "clients": args.clients, "writers": writers}
    if args.backend == "postgres":
        result["statistics"] = "refreshed before each round, untimed (the product's scheduler job where autovacuum is off)"
    with scratch_db(args.backend, "http", keep=args.keep) as db:
        prep = prepare(db.url, db.data_dir, args.cases)
        result["payload"] = {k: v for k, v in prep.items() if k != "token"}
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CASEBOOK_DATABASE_URL": db.url, "CASEBOOK_DATA_DIR": str(db.data_dir),
               "BENCH_FLOOR_LIST": str(db.data_dir / "floor_list.json"), "BENCH_FLOOR_ACT": str(db.data_dir / "floor_act.json")}
        env["BENCH_FLOOR_DB_URL"] = db.url
        pp, fp, dp = free_port(), free_port(), free_port()
        logs = db.data_dir / "servers.log"
        if args.backend == "postgres":
            gun = [PY, "-m", "gunicorn", "-w", str(args.workers), "--log-level", "warning"]
            product = start(gun + ["-b", f"127.0.0.1:{pp}", "casebook.web.app:create_app()"], env, pp, logs)
            floor = start(gun + ["-b", f"127.0.0.1:{fp}", "--chdir", str(HERE), "http_floor:app"], env, fp, logs)
            db_floor = start(gun + ["-b", f"127.0.0.1:{dp}", "--chdir", str(HERE), "http_floor:db_app"], env, dp, logs)
        else:
            product = start([PY, "-m", "casebook.cli", "serve", "--port", str(pp)], env, pp, logs)
            floor = start([PY, str(HERE / "http_floor.py"), str(fp)], env, fp, logs)
            db_floor = start([PY, str(HERE / "http_floor.py"), str(dp), "db"], env, dp, logs)
        token, lead = prep["token"], db.data_dir / "lead.json"
        runs: dict[str, list[dict]] = {k: [] for k in ("list", "list_floor", "act", "act_floor", "act_db_floor")}
        try:
            # Warm-up: every worker imports, connects and compiles before anything is timed.
            drive(pp, "/api/v1/cases", 40, args.clients, token)
            drive(fp, "/api/v1/cases", 40, args.clients, token)
            drive(pp, "/api/v1/cases", 20, writers, token, lead)
            drive(dp, "/api/v1/cases", 20, writers, token, lead)
            from casebook.db.migrate import analyze_stale

            pg = args.backend == "postgres"  # on SQLite the database's work is the server process's own
            for i in range(args.repeat):
                log(f"http[{args.backend}] round {i + 1}/{args.repeat}")
                # Between rounds, untimed: the product's scheduler job where autovacuum is off, autoanalyze elsewhere
                # (each round writes ~2,000 cases; with stale statistics every act scanned them all, bench/write_path.py).
                analyze_stale(db.url)
                runs["list"].append(drive(pp, "/api/v1/cases", args.requests, args.clients, token, None, product, pg))
                runs["list_floor"].append(drive(fp, "/api/v1/cases", args.requests, args.clients, token, None, floor, pg))
                runs["act"].append(drive(pp, "/api/v1/cases", args.requests, writers, token, lead, product, pg))
                runs["act_floor"].append(drive(fp, "/api/v1/cases", args.requests, writers, token, lead, floor, pg))
                runs["act_db_floor"].append(drive(dp, "/api/v1/cases", args.requests, writers, token, lead, db_floor, pg))
        finally:
            stop(product)
            stop(floor)
            stop(db_floor)

    def med(name: str) -> dict:
        rs = runs[name]
        return {"req_per_s": statistics.median(r["req_per_s"] for r in rs),
                "p50_ms": statistics.median(r["latency_ms"]["p50"] for r in rs),
                "p95_ms": statistics.median(r["latency_ms"]["p95"] for r in rs),
                "p99_ms": statistics.median(r["latency_ms"]["p99"] for r in rs),
                "max_ms": max(r["latency_ms"]["max"] for r in rs),
                "all_req_per_s": [r["req_per_s"] for r in rs],
                # where the machine's time per request went: the server's processes, PostgreSQL's, the load clients'
                "cpu_us_per_request": {part: None if any(r["cpu_us_per_request"][part] is None for r in rs)
                                       else statistics.median(r["cpu_us_per_request"][part] for r in rs)
                                       for part in ("server", "database", "client")},
                "statuses": [r["statuses"] for r in rs]}

    out = {k: med(k) for k in runs}
    ok = all(set(r["statuses"]) == {"200"} for k in ("list", "list_floor") for r in runs[k]) and all(
        set(r["statuses"]) == {"201"} for k in ("act", "act_floor", "act_db_floor") for r in runs[k])
    ratio_list = round(out["list_floor"]["req_per_s"] / out["list"]["req_per_s"], 2)
    ratio_act = round(out["act_floor"]["req_per_s"] / out["act"]["req_per_s"], 2)
    result.update({
        "timings": out, "all_answered_ok": ok,
        "ratio_to_floor": {"list": ratio_list, "act": ratio_act},
        # Not a budget: the act against the same minimal app writing the same rows by hand-written SQL (http_floor.db_app).
        "act_vs_hand_written_sql": round(out["act_db_floor"]["req_per_s"] / out["act"]["req_per_s"], 2),
        "pass": {"list": ratio_list <= BUDGET_RATIO, "act": ratio_act <= BUDGET_RATIO,
                 **({"embedded_writers_p99": out["act"]["p99_ms"] < BUDGET_EMBEDDED_P99_MS} if args.backend == "sqlite" else {})},
        "note": "ratio = floor's requests/s ÷ product's (time per request, product over floor); median of interleaved "
                "rounds; the client runs in separate processes on the same 2-core machine",
        "load": machine_load(),
    })
    emit(result)


if __name__ == "__main__":
    main()
