"""The outbox relay: publish committed events with publisher confirms, mark them sent after the confirm.

Rows are claimed in id order with FOR UPDATE SKIP LOCKED on PostgreSQL (two relays never publish the
same row at once) or under SQLite's single writer lock. A publish that fails or times out stops the
batch: rows already confirmed are marked sent and committed, the rest stay unsent for the next try.
"""

from __future__ import annotations

import logging
import threading
import time

from kombu import Connection, Producer
from kombu.serialization import dumps
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from casebook.db.models import OutboxEvent, utcnow
from casebook.db.wake import PgListener, subscribe, unsubscribe

from .envelope import to_message
from .handlers import bindings
from .topology import Topology, connect, supports_ttl

log = logging.getLogger("casebook.relay")
PUBLISH_TIMEOUT = 5.0
_outbox = OutboxEvent.__table__
_UNSENT = select(_outbox).where(_outbox.c.sent_at.is_(None)).order_by(_outbox.c.id)
_MARK_SENT = (update(_outbox).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
              .values(sent_at=bindparam("now", type_=_outbox.c.sent_at.type)))


class Relay:
    def __init__(self, sessions: sessionmaker[Session], broker_url: str, topology: Topology, *, batch: int = 500,
                 poll_interval: float = 1.0, groups=None, wake_in_process: bool = True, listen: bool = True):
        self.sessions = sessions
        self.broker_url = broker_url
        self.topology = topology
        self.batch = batch
        self.poll_interval = poll_interval
        self.groups = bindings(groups)
        self.conn: Connection | None = None
        self.producer: Producer | None = None
        self.wakeup = threading.Event()
        self.wake_in_process = wake_in_process
        self.listen = listen
        self.listener: PgListener | None = None
        self._tag = 0  # delivery tags published on the confirm channel (RabbitMQ numbers them 1, 2, …)
        self._acked = 0  # every tag up to this one is confirmed
        self._confirms: dict[int, bool] = {}  # tag → True (ack) / False (nack), above _acked

    def _ensure(self) -> Producer:
        if self.producer is None:
            self.conn = connect(self.broker_url)
            self.conn.ensure_connection(max_retries=1, timeout=5)
            self.topology.declare(self.conn, self.groups)
            self.producer = Producer(self.conn.channel(), exchange=self.topology.exchange)
            self._tag = self._acked = 0
            self._confirms = {}
            if supports_ttl(self.conn):  # RabbitMQ: publish a batch, then wait for its confirms together
                ch = self.producer.channel
                if not ch._confirm_selected:
                    ch._confirm_selected = True
                    ch.confirm_select()
                ch.events["basic_ack"].add(self._on_ack)
                ch.events["basic_nack"].add(self._on_nack)
        return self.producer

    def _on_ack(self, tag: int, multiple: bool, ok: bool = True) -> None:
        if multiple:
            for t in range(self._acked + 1, tag + 1):
                self._confirms.setdefault(t, ok)
        else:
            self._confirms[tag] = ok
        while self._acked + 1 in self._confirms:
            self._acked += 1

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._on_ack(tag, multiple, ok=False)

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.release()
        except Exception:  # noqa: BLE001 — the connection is already broken; drop it
            pass
        self.conn = self.producer = None

    def run_once(self) -> int:
        """Publish one batch; return how many rows were confirmed and marked sent."""
        producer = self._ensure()
        error: Exception | None = None
        with self.sessions() as s, s.begin():
            conn = s.connection()
            q = _UNSENT.limit(self.batch)
            if conn.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            rows = conn.execute(q).all()
            if not rows:
                return 0
            if supports_ttl(self.conn):
                confirmed, error = self._publish_pipelined(producer, rows)
            else:
                confirmed, error = self._publish_each(producer, rows)
            if confirmed:
                conn.execute(_MARK_SENT, {"now": utcnow(), "ids": [r.id for r in confirmed]})
        if error is not None:
            self._reset()
            raise error
        return len(confirmed)

    def _publish_each(self, producer: Producer, rows) -> tuple[list, Exception | None]:
        """Publish one at a time, each confirmed before the next (transports without pipelined confirms)."""
        done = []
        for row in rows:
            try:
                producer.publish(
                    to_message(row), routing_key=row.type, exchange=self.topology.exchange, serializer="json",
                    delivery_mode=2, message_id=row.event_id, headers={"x-retries": 0},
                    retry=False, timeout=PUBLISH_TIMEOUT, confirm_timeout=PUBLISH_TIMEOUT,
                )
            except Exception as e:  # noqa: BLE001 — stop the batch, keep what was confirmed
                return done, e
            done.append(row)
        return done, None

    def _publish_pipelined(self, producer: Producer, rows) -> tuple[list, Exception | None]:
        """RabbitMQ: publish the whole batch, then wait (bounded) until the broker has confirmed every message.

        Only messages the broker acked are returned (to be marked sent); a nack, a timeout or a broken
        connection leaves the others unsent for the next try (the inbox absorbs any duplicate).
        """
        ch = producer.channel
        exchange = self.topology.exchange.name
        tags: list[tuple[int, object]] = []
        error: Exception | None = None
        try:
            for row in rows:
                ctype, cenc, body = dumps(to_message(row), serializer="json")
                msg = ch.prepare_message(body, content_type=ctype, content_encoding=cenc, headers={"x-retries": 0},
                                         properties={"delivery_mode": 2, "message_id": row.event_id})
                ch._basic_publish(msg, exchange=exchange, routing_key=row.type, timeout=PUBLISH_TIMEOUT)
                self._tag += 1
                tags.append((self._tag, row))
            deadline = time.monotonic() + PUBLISH_TIMEOUT
            while self._acked < self._tag:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"broker confirmed {self._acked} of {self._tag} messages in time")
                self.conn.connection.drain_events(timeout=left)
        except Exception as e:  # noqa: BLE001 — keep what was confirmed, retry the rest
            error = e
        done = [row for tag, row in tags if tag <= self._acked and self._confirms.get(tag, True)]
        nacked = [row for tag, row in tags if self._confirms.get(tag) is False]
        for tag, _ in tags:
            if tag <= self._acked:
                self._confirms.pop(tag, None)
        if nacked and error is None:
            error = RuntimeError(f"broker refused {len(nacked)} messages (nack)")
        return done, error

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop`: publish; when idle, wait for a wake-up (commit hook, NOTIFY) or the fallback poll."""
        if self.wake_in_process:
            subscribe(self.wakeup)
        if self.listen and self.sessions.kw["bind"].dialect.name == "postgresql" and self.listener is None:
            self.listener = PgListener(self.sessions.kw["bind"].url.render_as_string(hide_password=False),
                                       self.wakeup).start()
        backoff = 0.5
        try:
            while not stop.is_set():
                self.wakeup.clear()  # before reading: a commit after this point wakes the next wait
                try:
                    n = self.run_once()
                    backoff = 0.5
                    if n == 0:
                        self.wakeup.wait(self.poll_interval)
                except Exception as e:  # noqa: BLE001 — the broker or the database is away: wait, retry
                    log.warning("relay: %s; retrying in %.1fs", e, backoff)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 30.0)
        finally:
            unsubscribe(self.wakeup)
            if self.listener is not None:
                self.listener.stop()
                self.listener = None
            self._reset()


def backlog(s: Session) -> tuple[int, float | None]:
    """Unsent outbox rows and the age in seconds of the oldest one."""
    from sqlalchemy import func

    n, oldest = s.execute(
        select(func.count(), func.min(OutboxEvent.occurred_at)).where(OutboxEvent.sent_at.is_(None))
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        import datetime as dt

        oldest = oldest.replace(tzinfo=dt.UTC)
    return n, (utcnow() - oldest).total_seconds() if oldest else None


def run_forever(relay: Relay) -> None:
    stop = threading.Event()
    try:
        relay.run(stop)
    except KeyboardInterrupt:
        stop.set()
    time.sleep(0)
