"""A sign-in flood against a real gunicorn server: what the attacker gets, and what the other users feel.

    .venv/bin/python bench/login_flood.py --backend sqlite --seconds 6 --repeats 3 --attackers 8

Two servers run side by side from the same database (gunicorn, 2 gthread workers × 8 threads, as in
production but smaller): "bounded" with the product's defaults (CASEBOOK_HASH_CONCURRENCY=1, hashing
threads at nice +10) and "unguarded" (64 and nice 0: every request thread may hash at once, at full
priority — what a login flood met before the bound). Phases are interleaved
per repeat — quiet, then flood, for each server — and each figure is the median over the repeats:

* list latency: one client lists cases (GET /api/v1/cases?limit=50) back to back, from its own address;
  reported per phase and as the ratio flood / quiet (the floor is the quiet list in the same repeat);
* the flood: `--attackers` threads post sign-ins for unknown user names, each from a fresh loopback
  address (127.1.x.y: a distributed spray the per-address throttle does not stop), so every attempt costs
  a (dummy) argon2id hash; reported as attempts answered per second by status (401 / 429 / 503);
* a legitimate sign-in once a second from yet another address: its latency and status during the flood;
* brute force on one account (bounded server only): the attackers guess one real user's password from
  fresh addresses for the phase; reported as guesses actually checked (401) vs refused (429) per minute.

Nothing asserts timings; the numbers go to the README (as every bench: ratio to a floor measured
in the same run, variants interleaved, median of repeats).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, base_parser, emit, environment, log, scratch_db, seeded_sessions, summary_ms  # noqa: E402

PASSWORD = "casebook-demo-2026"
_addr = itertools.count(1)


def _fresh_address() -> str:
    n = next(_addr)
    return f"127.1.{(n // 250) % 250}.{n % 250 + 1}"


def _free_port() -> int:
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def start_server(url: str, data_dir: Path, hash_concurrency: int, niceness: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "CASEBOOK_DATABASE_URL": url, "CASEBOOK_DATA_DIR": str(data_dir),
           "CASEBOOK_HASH_CONCURRENCY": str(hash_concurrency), "CASEBOOK_HASH_NICENESS": str(niceness),
           "CASEBOOK_LOG_LEVEL": "ERROR",
           "CASEBOOK_LOGIN_ACCOUNT_ATTEMPTS": "5", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                             "--worker-class", "gthread", "--threads", "8", "--log-level", "error",
                             "casebook.web.app:create_app()"], env=env, cwd=ROOT)
    for _ in range(200):
        try:
            if _request(port, "GET", "/api/v1/health")[0] == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def _request(port, method, path, body=None, headers=None, source="127.0.0.1", conn=None):
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json", **(headers or {})})
        r = c.getresponse()
        r.read()
        return r.status, r
    finally:
        if own:
            c.close()


def phase(port: int, token: str, seconds: float, attackers: int, target: str | None, flood: bool) -> dict:
    stop = time.monotonic() + seconds
    lists: list[float] = []
    logins: list[tuple[float, int]] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def lister():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=("127.0.0.2", 0))
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            st, _ = _request(port, "GET", "/api/v1/cases?limit=50", headers={"Authorization": f"Bearer {token}"},
                             conn=conn)
            lists.append(time.perf_counter() - t0)
            assert st == 200, st
        conn.close()

    def user():
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            st, _ = _request(port, "POST", "/api/v1/auth/tokens", {"username": "zhaomin", "password": PASSWORD},
                             source="127.0.0.3")
            logins.append((time.perf_counter() - t0, st))
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))

    def attacker(i):
        n = 0
        while time.monotonic() < stop:
            name = target or f"ghost{i}_{n}"
            st, _ = _request(port, "POST", "/api/v1/auth/tokens", {"username": name, "password": f"guess-{i}-{n}"},
                             source=_fresh_address())
            n += 1
            with lock:
                statuses[st] = statuses.get(st, 0) + 1

    threads = [threading.Thread(target=lister)]
    if target is None:
        threads.append(threading.Thread(target=user))
    if flood:
        threads += [threading.Thread(target=attacker, args=(i,)) for i in range(attackers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    return {"list": summary_ms(lists), "list_median_s": statistics.median(lists) if lists else None,
            "login": summary_ms([x for x, _ in logins]), "login_statuses": sorted({s for _, s in logins}),
            "attack_per_s": {str(k): round(v / wall, 1) for k, v in sorted(statuses.items())},
            "attack_counts": {str(k): v for k, v in sorted(statuses.items())}, "seconds": round(wall, 2)}


def main() -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--attackers", type=int, default=8)
    p.add_argument("--cases", type=int, default=200)
    args = p.parse_args()
    with scratch_db(args.backend, "login_flood", keep=args.keep) as db:
        engine, factory = seeded_sessions(db.url)
        from casebook.seed import demo_user
        from casebook.services.users import issue_token

        with factory() as s, s.begin():
            token = issue_token(s, demo_user(s, "zhangwei"), "bench")
            party = s.execute(__import__("sqlalchemy").text("SELECT id FROM parties ORDER BY id LIMIT 1")).scalar()
        engine.dispose()
        servers = {name: start_server(db.url, db.data_dir, hc, nice)
                   for name, hc, nice in (("bounded", 1, 10), ("unguarded", 64, 0))}
        for i in range(args.cases):  # something to list, through the API (no service internals)
            st, _ = _request(servers["bounded"][1], "POST", "/api/v1/cases",
                             {"source": "complaint", "cause": f"涉嫌销售过期食品{i}", "discovered_on": "2026-03-02",
                              "party_id": party}, headers={"Authorization": f"Bearer {token}"})
            assert st == 201, st
        rounds: dict[str, list[dict]] = {f"{n}_{ph}": [] for n in servers for ph in ("quiet", "flood")}
        brute: list[dict] = []
        try:
            for r in range(args.repeats):
                for name, (_, port) in servers.items():
                    for ph in ("quiet", "flood"):
                        log(f"repeat {r + 1}/{args.repeats}: {name} {ph}")
                        rounds[f"{name}_{ph}"].append(phase(port, token, args.seconds, args.attackers, None, ph == "flood"))
                log(f"repeat {r + 1}/{args.repeats}: brute force on one account")
                brute.append(phase(servers["bounded"][1], token, args.seconds, args.attackers, "wangfang", True))
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(10)

    def med(rows, *path):
        vals = []
        for row in rows:
            v = row
            for k in path:
                v = (v or {}).get(k)
            if v is not None:
                vals.append(v)
        return round(statistics.median(vals), 3) if vals else None

    out = {"benchmark": "login_flood", "backend": args.backend, "seconds": args.seconds, "repeats": args.repeats,
           "attackers": args.attackers, "env": environment(), "variants": {}}
    for name in servers:
        q, f = rounds[f"{name}_quiet"], rounds[f"{name}_flood"]
        ratios = [fl["list_median_s"] / qu["list_median_s"] for qu, fl in zip(q, f, strict=True)
                  if qu["list_median_s"] and fl["list_median_s"]]
        out["variants"][name] = {
            "list_p50_quiet_ms": med(q, "list", "median_ms"), "list_p50_flood_ms": med(f, "list", "median_ms"),
            "list_p95_flood_ms": med(f, "list", "p95_ms"),
            "list_flood_over_quiet": round(statistics.median(ratios), 2) if ratios else None,
            "legit_login_p50_quiet_ms": med(q, "login", "median_ms"),
            "legit_login_p50_flood_ms": med(f, "login", "median_ms"),
            "legit_login_statuses_flood": sorted({s for row in f for s in row["login_statuses"]}),
            "attack_answers_per_s": {k: med(f, "attack_per_s", k) for k in ("401", "429", "503")},
        }
    minutes = args.seconds / 60
    out["brute_force_one_account"] = {
        "guesses_checked_per_min": round(statistics.median(b["attack_counts"].get("401", 0) for b in brute) / minutes, 1),
        "refused_429_per_min": round(statistics.median(b["attack_counts"].get("429", 0) for b in brute) / minutes, 1),
        "note": "per phase; the account's back-off doubles from 1 s after 5 failures (and is not reset between repeats)",
    }
    emit(out)


if __name__ == "__main__":
    main()
