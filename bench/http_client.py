"""A small load client for bench/http_api.py, run as its own process: N requests over loopback, C at a time.

    python bench/http_client.py --port 8001 --path /api/v1/cases --requests 1000 --clients 4 \
        [--method POST --body-file lead.json] [--header "Authorization: Bearer …"]

Each of the C clients is a process of its own (no GIL between them) sending a prebuilt HTTP/1.1
request with `Connection: close` on a fresh socket and reading to EOF, so the client's own cost per
request is a few tens of microseconds. The count is bounded: C clients share N requests. Prints one
JSON object: wall seconds, requests/s, latency percentiles (ms), status counts, and the CPU the C clients spent
sending and reading (so the bench can say what the load itself cost the 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import socket
import time


def _worker(host: str, port: int, request: bytes, n: int, start_at: float, q) -> None:
    lat, statuses = [], {}
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection((host, port))
        try:
            s.sendall(request)
            chunks = []
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        finally:
            s.close()
        lat.append(time.perf_counter() - t0)
        head = chunks[0][:12] if chunks else b""
        code = head[9:12].decode() if head.startswith(b"HTTP/") else "none"
        statuses[code] = statuses.get(code, 0) + 1
    q.put((lat, statuses, time.process_time() - cpu0))


def pct(v: list[float], p: float) -> float:
    v = sorted(v)
    k = (len(v) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--method", default="GET")
    p.add_argument("--body-file")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--clients", type=int, default=4)
    a = p.parse_args()
    body = open(a.body_file, "rb").read() if a.body_file else b""
    lines = [f"{a.method} {a.path} HTTP/1.1", f"Host: {a.host}:{a.port}", "Connection: close", *a.header]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    q = mp.Queue()
    share = [a.requests // a.clients + (1 if i < a.requests % a.clients else 0) for i in range(a.clients)]
    start_at = time.time() + 0.3
    procs = [mp.Process(target=_worker, args=(a.host, a.port, request, n, start_at, q)) for n in share]
    for pr in procs:
        pr.start()
    results = [q.get() for _ in procs]
    wall = time.time() - start_at
    for pr in procs:
        pr.join()
    lat = [x for r, _, _ in results for x in r]
    statuses: dict[str, int] = {}
    for _, st, _ in results:
        for k, v in st.items():
            statuses[k] = statuses.get(k, 0) + v
    ms = [x * 1000 for x in lat]
    print(json.dumps({"requests": len(lat), "clients": a.clients, "wall_s": round(wall, 3),
                      "req_per_s": round(len(lat) / wall, 1), "statuses": statuses,
                      # the clients' own CPU while sending and reading (not the start-up of this process)
                      "client_cpu_s": round(sum(c for _, _, c in results), 4),
                      "latency_ms": {"p50": round(pct(ms, 50), 2), "p95": round(pct(ms, 95), 2),
                                     "p99": round(pct(ms, 99), 2), "max": round(max(ms), 2)}}))


if __name__ == "__main__":
    main()
