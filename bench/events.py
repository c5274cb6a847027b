"""Event backbone benchmarks: relay throughput with publisher confirms, and commit → handler latency.

With the product's own settings (Settings() defaults: relay batch and fallback poll, prefetch; nothing
woken by hand): the relay is woken by the commit hook in process and, on PostgreSQL, by LISTEN/NOTIFY
(the `notify_only` variant turns the in-process hook off, as for a relay in another process).
Prints one JSON object. Budgets (DESIGN.md §7): relay ≥ 5,000 events/s to local RabbitMQ with
confirms; commit → handler p95 < 20 ms, embedded (SQLite + memory) and PostgreSQL + RabbitMQ.
Run: python bench/events.py [--setup embedded|postgres-rabbitmq|...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import _common  # imported first: its clock of the machine's load starts with the process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert  # noqa: E402

from casebook.config import Settings  # noqa: E402
from casebook.db.engine import make_engine, make_sessionmaker  # noqa: E402
from casebook.db.migrate import upgrade  # noqa: E402
from casebook.db.models import OutboxEvent, utcnow  # noqa: E402
from casebook.seed import demo_user, seed_demo  # noqa: E402
from casebook.services.cases import register_lead  # noqa: E402
from casebook.services.context import actor_for  # noqa: E402
from events.handlers import HandlerGroup  # noqa: E402
from events.runtime import Background, make_relay, make_worker  # noqa: E402
from events.topology import connect  # noqa: E402

AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}"
    import psycopg

    name = f"bench_events_{uuid.uuid4().hex[:6]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def cleanup_broker(settings: Settings, groups) -> None:
    if not settings.broker_url.startswith("amqp"):
        return
    with connect(settings.broker_url) as conn:
        ch = conn.channel()
        for g in groups:
            for q in (f"{settings.broker_prefix}.{g}", f"{settings.broker_prefix}.{g}.retry"):
                try:
                    ch.queue_delete(q)
                except Exception:  # noqa: BLE001
                    ch = conn.channel()
        ch.queue_delete(f"{settings.broker_prefix}.dead")
        ch.exchange_delete(f"{settings.broker_prefix}.events")
        ch.exchange_delete(f"{settings.broker_prefix}.dlx")


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def relay_throughput(sessions, settings: Settings, n: int) -> dict:
    """Fill the outbox with n events, then time the relay publishing them all with confirms."""
    now = utcnow()
    payload = {"action": "register_lead", "stage_from": None, "stage_to": "lead", "case_no": None, "data": {}}
    rows = [{"event_id": str(uuid.uuid4()), "type": "case.lead_registered", "version": 1, "occurred_at": now,
             "agency_id": 2, "case_id": None, "case_seq": None, "actor_id": None, "payload": payload} for _ in range(n)]
    with sessions() as s, s.begin():
        for i in range(0, n, 5000):
            s.execute(insert(OutboxEvent), rows[i:i + 5000])
    group = HandlerGroup("sink", ("nothing.routes.here",), lambda s, e: None)
    relay = make_relay(sessions, settings, groups={"sink": group})
    relay._ensure()
    t0 = time.perf_counter()
    sent = 0
    while sent < n:
        sent += relay.run_once()
    dt_s = time.perf_counter() - t0
    relay._reset()
    cleanup_broker(settings, ["sink"])
    with sessions() as s, s.begin():  # published to a sink no group reads: not history a worker should re-send
        s.execute(delete(OutboxEvent))
    return {"events": n, "batch": settings.relay_batch, "seconds": round(dt_s, 3), "events_per_s": round(n / dt_s),
            "budget_events_per_s": 5000, "within_budget": n / dt_s >= 5000, "load": load()}


def latency(sessions, settings: Settings, n: int, rate: float, *, wake_in_process: bool = True) -> dict:
    """Write n leads at `rate` per second with relay and worker running; time commit → handler."""
    committed: dict[int, float] = {}
    handled: dict[int, float] = {}

    def on_event(s, env):
        if env.case_id is not None:  # not the throughput phase's leftover rows (they carry no case)
            handled.setdefault(env.case_id, time.perf_counter())

    group = HandlerGroup("probe", ("case.lead_registered",), on_event)
    bg = Background(make_relay(sessions, settings, groups={"probe": group}, wake_in_process=wake_in_process),
                    make_worker(sessions, settings, groups={"probe": group})).start()
    time.sleep(1.5)
    with sessions() as s:
        user = demo_user(s, "zhangwei")
    for _ in range(n):
        start = time.perf_counter()
        with sessions() as s, s.begin():
            case = register_lead(s, actor_for(s, s.merge(user)),
                                 {"source": "complaint", "cause": "延迟测试", "discovered_on": dt.date(2026, 3, 2)},
                                 settings=settings)
            cid = case.id
        committed[cid] = time.perf_counter()
        time.sleep(max(0.0, 1 / rate - (time.perf_counter() - start)))
    deadline = time.time() + 60
    while len(handled) < n and time.time() < deadline:
        time.sleep(0.05)
    bg.stop()
    cleanup_broker(settings, ["probe"])
    lat = sorted((handled[c] - committed[c]) * 1000 for c in committed if c in handled)
    q = statistics.quantiles(lat, n=100)
    return {"events": n, "handled": len(lat), "rate_per_s": rate, "wake_in_process": wake_in_process,
            "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(lat[-1], 1), "budget_p95_ms": 20,
            "within_budget": q[94] < 20, "load": load()}


SETUPS = {"embedded": ("sqlite", "memory"), "postgres-rabbitmq": ("postgres", "rabbitmq"),
          "sqlite-rabbitmq": ("sqlite", "rabbitmq"), "postgres-memory": ("postgres", "memory")}


def run_setup(setup: str, a) -> dict:
    backend, transport = SETUPS[setup]
    tmp = Path(tempfile.mkdtemp())
    url = database(backend, tmp)
    try:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as s, s.begin():
            seed_demo(s)
        settings = Settings(data_dir=tmp, database_url=url, broker_url=AMQP if transport == "rabbitmq" else "memory://",
                            broker_prefix=f"bench{uuid.uuid4().hex[:6]}")  # every other setting: the product's default
        out = {"setup": setup, "transport": transport, "backend": backend, "relay_poll_ms": settings.relay_poll_ms,
               "relay": relay_throughput(sessions, settings, a.events),
               "commit_to_handler": latency(sessions, settings, a.latency_events, a.rate)}
        if backend == "postgres":
            out["commit_to_handler_notify_only"] = latency(sessions, settings, a.latency_events, a.rate,
                                                           wake_in_process=False)
        engine.dispose()
    finally:
        drop(url)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--setup", action="append", choices=list(SETUPS),
                    help="default: embedded and postgres-rabbitmq")
    ap.add_argument("--backend", choices=["sqlite", "postgres"], help="with --transport: one setup (bench/run_all.py)")
    ap.add_argument("--transport", choices=["rabbitmq", "memory"])
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--latency-events", type=int, default=300)
    ap.add_argument("--rate", type=float, default=50)
    a = ap.parse_args()
    if a.backend or a.transport:
        setup = next(k for k, v in SETUPS.items() if v == (a.backend or "postgres", a.transport or "rabbitmq"))
        env = _common.environment()
        out = {"bench": "events", **run_setup(setup, a)}
        print(json.dumps({**out, "env": {**env, **_common.machine_load()}}, ensure_ascii=False))
        return
    results = [run_setup(setup, a) for setup in (a.setup or ["embedded", "postgres-rabbitmq"])]
    print(json.dumps({"bench": "events", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
