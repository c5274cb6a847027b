"""Event backbone benchmarks: relay throughput with publisher confirms, and commit → handler latency.

With the product's own settings (Settings() defaults: relay batch and fallback poll, prefetch; nothing
woken by hand): the relay is woken by the commit hook in process and, on PostgreSQL, by LISTEN/NOTIFY
(the `notify_only` variant turns the in-process hook off, as for a relay in another process).
Prints one JSON object. Budgets (the README's performance table): relay ≥ 5,000 events/s to local RabbitMQ with
confirms; commit → handler p95 < 20 ms, embedded (SQLite + memory) and PostgreSQL + RabbitMQ.
Run: python bench/events.py [--setup embedded|postgres-rabbitmq|...]

Floors, measured in the same run with the same broker and transport options (events.topology.connect):
- relay: the same number of messages of the same size (the JSON of the same envelope, serialized once) published
  through kombu's channel straight to the same exchange and routing key with publisher confirms in the same
  window as the relay's batch (RabbitMQ: publish the window, then wait for its confirms; the memory transport has
  no confirms), no database at all. --relay-repeats rounds, product and floor alternating; the ratio floor rate /
  product rate per round, the median reported.
- commit → handler: a bare insert-and-commit of one row through the raw driver (sqlite3 / psycopg), then at once a
  raw kombu publish (a Producer; on RabbitMQ with confirms) of a message of the same size as the product's event,
  consumed by a plain kombu Consumer in another thread (same prefetch) that stamps the time: commit → consumer
  callback. Each floor event sits between two product events at the same rate (interleaved); the ratio of the
  p95s in three consecutive blocks, the median reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import _common  # imported first: its clock of the machine's load starts with the process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kombu import Consumer, Exchange, Producer, Queue  # noqa: E402
from kombu.serialization import dumps  # noqa: E402
from sqlalchemy import delete, insert  # noqa: E402

from casebook.config import Settings  # noqa: E402
from casebook.db.engine import make_engine, make_sessionmaker  # noqa: E402
from casebook.db.migrate import upgrade  # noqa: E402
from casebook.db.models import OutboxEvent, utcnow  # noqa: E402
from casebook.seed import demo_user, seed_demo  # noqa: E402
from casebook.services.cases import register_lead  # noqa: E402
from casebook.services.context import actor_for  # noqa: E402
from events.envelope import to_message  # noqa: E402
from events.handlers import HandlerGroup  # noqa: E402
from events.runtime import Background, make_relay, make_worker  # noqa: E402
from events.topology import Topology, connect, supports_ttl  # noqa: E402

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


def _relay_once(sessions, settings: Settings, rows: list[dict]) -> float:
    """Fill the outbox with the rows (not timed), then time the relay publishing them all with confirms."""
    n = len(rows)
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
    return dt_s


def _relay_floor_once(settings: Settings, body: bytes, routing_key: str, n: int) -> float:
    """The relay's floor: n messages of the same bytes to the same exchange and key, confirmed in the relay's window."""
    topology = Topology(prefix=settings.broker_prefix, retry_delay_ms=settings.retry_delay_ms)
    with connect(settings.broker_url) as conn:
        conn.ensure_connection(max_retries=1, timeout=5)
        topology.declare(conn, {"sink": ("nothing.routes.here",)})
        ch = conn.channel()
        exchange = topology.exchange.name
        amqp = supports_ttl(conn)
        acked = [0]
        if amqp:
            ch.confirm_select()

            def on_ack(tag, multiple):
                acked[0] = tag if multiple else max(acked[0], tag)  # tags come in order on one channel

            ch.events["basic_ack"].add(on_ack)
        window = settings.relay_batch
        t0 = time.perf_counter()
        sent = 0
        while sent < n:
            k = min(window, n - sent)
            for _ in range(k):
                msg = ch.prepare_message(body, content_type="application/json", content_encoding="utf-8",
                                         headers={"x-retries": 0}, properties={"delivery_mode": 2})
                if amqp:
                    ch._basic_publish(msg, exchange=exchange, routing_key=routing_key)
                else:
                    ch.basic_publish(msg, exchange=exchange, routing_key=routing_key)
            sent += k
            while amqp and acked[0] < sent:
                conn.connection.drain_events(timeout=5)
        dt_s = time.perf_counter() - t0
        ch.close()
    cleanup_broker(settings, ["sink"])
    return dt_s


def relay_throughput(sessions, settings: Settings, n: int, repeats: int = 3) -> dict:
    """The relay publishing n outbox rows with confirms, against the floor (raw publishes of the same messages),
    `repeats` rounds alternating which goes first; the round with the median product rate is reported."""
    now = utcnow()
    payload = {"action": "register_lead", "stage_from": None, "stage_to": "lead", "case_no": None, "data": {}}

    def rows():
        return [{"event_id": str(uuid.uuid4()), "type": "case.lead_registered", "version": 1, "occurred_at": now,
                 "agency_id": 2, "case_id": None, "case_seq": None, "actor_id": None, "payload": payload}
                for _ in range(n)]

    one = rows()[0]
    probe = OutboxEvent(**one)
    _ctype, _enc, body = dumps(to_message(probe), serializer="json")  # the relay's message, serialized as it does
    body = body.encode() if isinstance(body, str) else body
    product, floor = [], []
    for r in range(repeats):
        for variant in (("product", "floor") if r % 2 == 0 else ("floor", "product")):
            if variant == "product":
                product.append(_relay_once(sessions, settings, rows()))
            else:
                floor.append(_relay_floor_once(settings, body, one["type"], n))
    ratios = [p / f for p, f in zip(product, floor, strict=True)]  # floor rate / product rate = product s / floor s
    mid = sorted(range(repeats), key=lambda i: product[i])[repeats // 2]
    dt_s = product[mid]
    return {"events": n, "batch": settings.relay_batch, "seconds": round(dt_s, 3), "events_per_s": round(n / dt_s),
            "budget_events_per_s": 5000, "within_budget": n / dt_s >= 5000, "load": load(), "repeats": repeats,
            "all_events_per_s": [round(n / x) for x in product],
            "floor": {"what": "the same messages (same bytes, exchange and key) published raw through kombu's channel"
                              + (" with confirms in the relay's window" if settings.broker_url.startswith("amqp")
                                 else " (the memory transport has no confirms)") + "; no database",
                      "message_bytes": len(body), "events_per_s": round(n / statistics.median(floor)),
                      "all_events_per_s": [round(n / x) for x in floor]},
            "ratio_floor_over_product": round(statistics.median(ratios), 2),
            "ratio_by_round": [round(x, 2) for x in ratios]}


class LatencyFloor:
    """commit → consumer, the physical floor: bare insert-and-commit (raw driver), raw publish, raw consume."""

    def __init__(self, url: str, settings: Settings, body: bytes):
        self.body = body
        self.pg = url.startswith("postgresql")
        if self.pg:
            import psycopg

            self.db = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        else:
            import sqlite3

            self.db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            self.db.execute("PRAGMA synchronous=NORMAL")  # as the product's engine (the file is already in WAL)
        self.db.execute("CREATE TABLE IF NOT EXISTS bench_floor_probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        self.db.execute("DELETE FROM bench_floor_probe")  # a second latency run in the same database
        if self.pg:
            self.db.commit()
        self.text = body.decode()
        self.exchange = Exchange(f"{settings.broker_prefix}.floor", type="topic", durable=True)
        self.queue = Queue(f"{settings.broker_prefix}.floorprobe", exchange=self.exchange, routing_key="floor.probe",
                           durable=True)
        self.url, self.prefetch = settings.broker_url, settings.prefetch
        self.pub = connect(self.url)
        self.pub.ensure_connection(max_retries=1, timeout=5)
        self.producer = Producer(self.pub.channel(), exchange=self.exchange)
        self.queue(self.producer.channel).declare()
        self.committed: dict[str, float] = {}
        self.handled: dict[str, float] = {}
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._consume, daemon=True, name="floor-consumer")
        self.thread.start()
        self.ready.wait(10)

    def _consume(self):
        with connect(self.url) as conn:
            def on_message(body, message):
                self.handled.setdefault(message.properties.get("message_id"), time.perf_counter())
                message.ack()

            with Consumer(conn.channel(), queues=[self.queue], callbacks=[on_message], accept=["json"],
                          prefetch_count=self.prefetch):
                self.ready.set()
                while not self.stop.is_set():
                    try:
                        conn.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass
                    except OSError:  # socket.timeout on older Pythons
                        pass

    def one(self, i: int) -> None:
        key = str(i)
        if self.pg:
            self.db.execute("INSERT INTO bench_floor_probe (id, body) VALUES (%s, %s)", (i, self.text))
            self.db.commit()
        else:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO bench_floor_probe (id, body) VALUES (?, ?)", (i, self.text))
            self.db.execute("COMMIT")
        self.committed[key] = time.perf_counter()
        self.producer.publish(self.body, routing_key="floor.probe", content_type="application/json",
                              content_encoding="utf-8", delivery_mode=2, message_id=key, retry=False,
                              timeout=5, confirm_timeout=5)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        try:
            self.queue(self.producer.channel).delete()
            self.exchange(self.producer.channel).delete()
        except Exception:  # noqa: BLE001 — the memory transport keeps nothing anyway
            pass
        self.pub.release()
        self.db.close()

    def latencies(self) -> list[tuple[int, float]]:
        return [(int(k), (self.handled[k] - t) * 1000) for k, t in self.committed.items() if k in self.handled]


def _p(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100)[q - 1] if len(xs) > 1 else (xs[0] if xs else float("nan"))


def latency(sessions, settings: Settings, n: int, rate: float, *, wake_in_process: bool = True, url: str | None = None,
            blocks: int = 3) -> dict:
    """Write n leads at `rate` per second with relay and worker running; time commit → handler. With `url`, a floor
    event (LatencyFloor) is sent midway between each two leads."""
    committed: dict[int, float] = {}
    handled: dict[int, float] = {}

    def on_event(s, env):
        if env.case_id is not None:  # not the throughput phase's leftover rows (they carry no case)
            handled.setdefault(env.case_id, time.perf_counter())

    group = HandlerGroup("probe", ("case.lead_registered",), on_event)
    bg = Background(make_relay(sessions, settings, groups={"probe": group}, wake_in_process=wake_in_process),
                    make_worker(sessions, settings, groups={"probe": group})).start()
    with sessions() as s:
        user = demo_user(s, "zhangwei")

    def lead():
        with sessions() as s, s.begin():
            case = register_lead(s, actor_for(s, s.merge(user)),
                                 {"source": "complaint", "cause": "延迟测试", "discovered_on": dt.date(2026, 3, 2)},
                                 settings=settings)
            return case.id

    floor = None
    if url is not None:
        warm = lead()  # not timed: its event gives the size of the product's message
        with sessions() as s:
            row = s.query(OutboxEvent).filter(OutboxEvent.case_id == warm).order_by(OutboxEvent.id).first()
            _c, _e, body = dumps(to_message(row), serializer="json")
        floor = LatencyFloor(url, settings, body.encode() if isinstance(body, str) else body)
    time.sleep(1.5)
    order: list[int] = []
    for i in range(n):
        start = time.perf_counter()
        cid = lead()
        committed[cid] = time.perf_counter()
        order.append(cid)
        if floor is not None:
            time.sleep(max(0.0, 0.5 / rate - (time.perf_counter() - start)))
            floor.one(i)
        time.sleep(max(0.0, 1 / rate - (time.perf_counter() - start)))
    deadline = time.time() + 60
    while (sum(1 for c in committed if c in handled) < n
           or (floor is not None and len(floor.handled) < n)) and time.time() < deadline:
        time.sleep(0.05)
    bg.stop()
    cleanup_broker(settings, ["probe"])
    by_case = {c: (handled[c] - committed[c]) * 1000 for c in committed if c in handled}
    lat = sorted(by_case.values())
    q = statistics.quantiles(lat, n=100)
    out = {"events": n, "handled": len(lat), "rate_per_s": rate, "wake_in_process": wake_in_process,
           "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(lat[-1], 1), "budget_p95_ms": 20,
           "within_budget": q[94] < 20, "load": load()}
    if floor is not None:
        fl = dict(floor.latencies())
        floor.close()
        flat = sorted(fl.values())
        size = n // blocks
        ratios = []
        for b in range(blocks):
            pb = [by_case[c] for c in order[b * size:(b + 1) * size] if c in by_case]
            fb = [fl[i] for i in range(b * size, (b + 1) * size) if i in fl]
            if len(pb) > 1 and len(fb) > 1:
                ratios.append(_p(pb, 95) / _p(fb, 95))
        out["floor"] = {"what": "bare insert-and-commit (raw driver), then a raw kombu publish"
                                + (" with confirms" if settings.broker_url.startswith("amqp") else "")
                                + " of a message of the same size and a plain kombu consumer: commit → callback",
                        "events": n, "handled": len(flat), "message_bytes": len(floor.body),
                        "p50_ms": round(_p(flat, 50), 2), "p95_ms": round(_p(flat, 95), 2), "max_ms": round(flat[-1], 2)}
        out["ratio_p95_to_floor"] = round(statistics.median(ratios), 2) if ratios else None
        out["ratio_p95_to_floor_by_block"] = [round(x, 2) for x in ratios]
        out["ratio_p50_to_floor"] = round(q[49] / _p(flat, 50), 2)
    return out


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
               "relay": relay_throughput(sessions, settings, a.events, a.relay_repeats),
               "commit_to_handler": latency(sessions, settings, a.latency_events, a.rate,
                                            url=None if a.no_floor else url)}
        if backend == "postgres":
            out["commit_to_handler_notify_only"] = latency(sessions, settings, a.latency_events, a.rate,
                                                           wake_in_process=False, url=None if a.no_floor else url)
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
    ap.add_argument("--relay-repeats", type=int, default=3, help="relay rounds, each the product and the floor")
    ap.add_argument("--no-floor", action="store_true", help="commit → handler without the interleaved floor")
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
