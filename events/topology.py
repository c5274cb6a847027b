"""kombu topology: one durable topic exchange, a durable queue per handler group, retry and dead letters.

RabbitMQ delays retries with a per-group retry queue (x-message-ttl, then dead-lettered back to the
group's queue). Server-less transports have no TTL: the worker delays in process instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kombu import Connection, Exchange, Queue, binding


@dataclass(frozen=True)
class Topology:
    prefix: str = "casebook"
    retry_delay_ms: int = 5000

    @property
    def exchange(self) -> Exchange:
        return Exchange(f"{self.prefix}.events", type="topic", durable=True)

    @property
    def dlx(self) -> Exchange:
        return Exchange(f"{self.prefix}.dlx", type="direct", durable=True)

    @property
    def dead_queue(self) -> Queue:
        return Queue(f"{self.prefix}.dead", exchange=self.dlx, routing_key="dead", durable=True)

    def queue_name(self, group: str) -> str:
        return f"{self.prefix}.{group}"

    def queue(self, group: str, bindings: tuple[str, ...]) -> Queue:
        return Queue(self.queue_name(group), bindings=[binding(self.exchange, routing_key=k) for k in bindings],
                     durable=True)

    def retry_queue(self, group: str) -> Queue:
        return Queue(f"{self.queue_name(group)}.retry", durable=True, queue_arguments={
            "x-message-ttl": self.retry_delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.queue_name(group),
        })

    def declare(self, conn: Connection, groups: dict[str, tuple[str, ...]]) -> None:
        """Declare everything (idempotent); retry queues only where the broker honours TTLs."""
        ch = conn.default_channel
        self.exchange(ch).declare()
        self.dlx(ch).declare()
        self.dead_queue(ch).declare()
        for name, keys in groups.items():
            self.queue(name, keys)(ch).declare()
            if supports_ttl(conn):
                self.retry_queue(name)(ch).declare()


def supports_ttl(conn: Connection) -> bool:
    return conn.transport.driver_type == "amqp"


def transport_options(url: str) -> dict:
    if url.startswith(("amqp", "pyamqp")):
        return {"confirm_publish": True}
    return {"polling_interval": 0.005}  # the memory transport polls: this bounds its share of commit → handler


def connect(url: str, *, heartbeat: int = 30) -> Connection:
    """A connection with bounded connect time, publisher confirms on RabbitMQ and heartbeats."""
    return Connection(url, transport_options=transport_options(url), connect_timeout=5,
                      heartbeat=heartbeat if url.startswith(("amqp", "pyamqp")) else 0)


@lru_cache(maxsize=256)
def _pattern(key: str) -> re.Pattern:
    # AMQP topic: "*" one word, "#" zero or more words.
    parts = []
    for word in key.split("."):
        parts.append(r"[^.]+" if word == "*" else (r".*" if word == "#" else re.escape(word)))
    rx = r"\.".join(parts).replace(r"\..*", r"(\..*)?").replace(r".*\.", r"(.*\.)?")
    return re.compile(f"^{rx}$")


def topic_matches(bindings: tuple[str, ...], routing_key: str) -> bool:
    return any(k == "#" or _pattern(k).match(routing_key) for k in bindings)

