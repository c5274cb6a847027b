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
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from casebook.db.models import OutboxEvent, utcnow

from .envelope import to_message
from .handlers import bindings
from .topology import Topology, connect

log = logging.getLogger("casebook.relay")
PUBLISH_TIMEOUT = 5.0


class Relay:
    def __init__(self, sessions: sessionmaker[Session], broker_url: str, topology: Topology, *, batch: int = 500,
                 poll_interval: float = 0.1, groups=None):
        self.sessions = sessions
        self.broker_url = broker_url
        self.topology = topology
        self.batch = batch
        self.poll_interval = poll_interval
        self.groups = bindings(groups)
        self.conn: Connection | None = None
        self.producer: Producer | None = None
        self.wakeup = threading.Event()

    def _ensure(self) -> Producer:
        if self.producer is None:
            self.conn = connect(self.broker_url)
            self.conn.ensure_connection(max_retries=1, timeout=5)
            self.topology.declare(self.conn, self.groups)
            self.producer = Producer(self.conn.channel(), exchange=self.topology.exchange)
        return self.producer

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
        sent = 0
        error: Exception | None = None
        with self.sessions() as s, s.begin():
            q = select(OutboxEvent).where(OutboxEvent.sent_at.is_(None)).order_by(OutboxEvent.id).limit(self.batch)
            if s.get_bind().dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            rows = s.execute(q).scalars().all()
            for row in rows:
                try:
                    producer.publish(
                        to_message(row), routing_key=row.type, exchange=self.topology.exchange, serializer="json",
                        delivery_mode=2, message_id=row.event_id, headers={"x-retries": 0},
                        retry=False, timeout=PUBLISH_TIMEOUT, confirm_timeout=PUBLISH_TIMEOUT,
                    )
                except Exception as e:  # noqa: BLE001 — stop the batch, keep what was confirmed
                    error = e
                    break
                row.sent_at = utcnow()
                sent += 1
        if error is not None:
            self._reset()
            raise error
        return sent

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop`: publish, back off on broker errors, poll when idle."""
        backoff = 0.5
        while not stop.is_set():
            try:
                n = self.run_once()
                backoff = 0.5
                if n == 0:
                    self.wakeup.wait(self.poll_interval)
                    self.wakeup.clear()
            except Exception as e:  # noqa: BLE001 — the broker or the database is away: wait, retry
                log.warning("relay: %s; retrying in %.1fs", e, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
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
