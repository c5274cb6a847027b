"""The worker: consume each handler group's queue; apply each event exactly once, in per-case order.

For every message: validate the envelope (unknown type or version → dead letter at once); if an
earlier event of the same case that this group receives is not applied yet, put the message back
for later; else, in ONE transaction, insert the inbox row (UNIQUE(consumer, event_id) absorbs
duplicates) and run the handler — commit — then ack. A handler error is retried after a delay, a
bounded number of times (the count travels in the message's `x-retries` header), then dead-lettered
with its error.

A message can be lost after the relay marked it sent (the embedded memory transport keeps nothing
across a crash). Two things keep such a gap from holding a case forever: at start-up the worker
re-sends every sent outbox event that one of its groups has not applied (outbox compared with the
inbox); and a per-case wait is bounded — after `gap_resend_s` the missing predecessors are re-sent
from the outbox, after `gap_timeout_s` they are dead-lettered with an alert (logged at ERROR, listed
by `casebook events dlq list`, counted by `casebook events status` and the health check), and the
waiting event goes on. Predecessors the relay has not sent yet are a backlog, not a gap: they are
waited for.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import logging
import threading
import time
import traceback

from kombu import Connection, Producer
from kombu.mixins import ConsumerMixin
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from casebook.db.engine import make_sessionmaker
from casebook.db.models import ConsumerInbox, DeadLetter, OutboxEvent, utcnow

from .envelope import BadEnvelope, Envelope, parse, to_message
from .handlers import GROUPS, HandlerGroup, bindings
from .topology import Topology, connect, supports_ttl, topic_matches

log = logging.getLogger("casebook.worker")


class Worker(ConsumerMixin):
    def __init__(self, sessions: sessionmaker[Session], broker_url: str, topology: Topology, *,
                 groups: dict[str, HandlerGroup] | None = None, prefetch: int = 50, max_retries: int = 5,
                 gap_resend_s: float = 10.0, gap_timeout_s: float = 300.0, resend_on_start: bool = True):
        self.sessions = sessions
        self._reader = make_sessionmaker(sessions.kw["bind"], readonly=True,
                                         settings=(sessions.kw.get("info") or {}).get("settings"))  # reads beside SQLite's writer
        self.broker_url = broker_url
        self.topology = topology
        self.groups = groups or GROUPS
        self.prefetch = prefetch
        self.max_retries = max_retries
        self.gap_resend_s = gap_resend_s
        self.gap_timeout_s = gap_timeout_s
        self.resend_on_start = resend_on_start
        self.connection: Connection = connect(broker_url)
        self._producer: Producer | None = None
        self._delayed: list[tuple[float, int, str, dict, dict]] = []
        self._seq = 0
        self._lock = threading.Lock()

    # --- kombu wiring -------------------------------------------------------------------------------
    def run(self, *args, **kw):
        if self.resend_on_start:
            try:
                resend_unapplied(self.sessions, self.broker_url, self.topology, self.groups)
            except Exception:  # noqa: BLE001 — the broker may be away; the bounded wait still heals gaps
                log.exception("worker: re-sending unapplied events at start-up failed")
        return super().run(*args, **kw)

    def get_consumers(self, consumer_cls, channel):
        self.topology.declare(self.connection, bindings(self.groups))
        self._producer = Producer(self.connection.channel())
        out = []
        for name, group in self.groups.items():
            c = consumer_cls(queues=[self.topology.queue(name, group.bindings)], accept=["json"],
                             callbacks=[self._callback(group)], prefetch_count=self.prefetch)
            out.append(c)
        return out

    def on_iteration(self):
        self._flush_delayed()

    def on_connection_error(self, exc, interval):
        log.warning("worker: broker connection error %s; retrying in %ss", exc, interval)

    def _callback(self, group: HandlerGroup):
        def cb(body, message):
            self.on_message(group, body, message)
        return cb

    # --- one message -------------------------------------------------------------------------------
    def on_message(self, group: HandlerGroup, body, message) -> None:
        headers = dict(message.headers or {})
        retries = int(headers.get("x-retries", 0))
        try:
            env = parse(body)
        except BadEnvelope as e:
            self._dead_letter(group, body, None, f"无法识别的事件：{e}", retries)
            message.ack()
            return
        try:
            outcome = self.apply(group, env)
        except Exception as e:  # noqa: BLE001 — any handler failure: retry, then dead-letter
            err = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=5)}"
            if retries + 1 > self.max_retries:
                self._dead_letter(group, body, env, err, retries)
            else:
                log.warning("worker %s: %s failed (try %d): %s", group.name, env.event_id, retries + 1, e)
                self._later(group, body, {**headers, "x-retries": retries + 1, "x-last-error": str(e)[:500]})
            message.ack()
            return
        log.debug("worker %s: %s %s seq=%s → %s", group.name, env.type, env.event_id, env.case_seq, outcome)
        if outcome == "wait":
            self._on_wait(group, env, body, headers)
        message.ack()

    def _on_wait(self, group: HandlerGroup, env: Envelope, body, headers: dict) -> str:
        """An earlier event of the case is missing: wait, re-send it from the outbox, then dead-letter it (bounded)."""
        now = time.time()
        since = float(headers.get("x-wait-since") or now)
        waited = now - since
        headers = {**headers, "x-waits": int(headers.get("x-waits", 0)) + 1, "x-wait-since": since}
        if waited >= self.gap_timeout_s:
            n = self.close_gap(group, env, waited)
            if n:
                try:
                    outcome = self.apply(group, env)
                except Exception as e:  # noqa: BLE001 — the handler's own failure: the usual retries
                    self._later(group, body, {**headers, "x-retries": 1, "x-last-error": str(e)[:500]})
                    return "retry"
                if outcome != "wait":
                    return outcome
        elif waited >= self.gap_resend_s and not headers.get("x-gap-resent"):
            if self.resend_missing(group, env):
                headers["x-gap-resent"] = True
        self._later(group, body, headers, wait=True)
        return "wait"

    def apply(self, group: HandlerGroup, env: Envelope) -> str:
        """Apply `env` for `group` once; return applied, duplicate or wait (a predecessor is missing).

        A group's `prepare` step runs first, outside the transaction; it must be safe to repeat (a
        duplicate or a waiting event may have it run again) and write nothing the inbox must guard.
        """
        prepared = None
        if group.prepare is not None:
            with self._reader() as s:  # not for a duplicate, nor over and over while a predecessor is missing
                early = self._not_yet(s, group, env)
            if early:
                return early
            prepared = group.prepare(self.sessions, env)
        try:
            with self.sessions() as s, s.begin():
                early = self._not_yet(s, group, env)
                if early:
                    return early
                s.add(ConsumerInbox(consumer=group.name, event_id=env.event_id, case_id=env.case_id,
                                    case_seq=env.case_seq, status="applied"))
                s.flush()
                if group.prepare is not None:
                    group.handle(s, env, prepared)
                else:
                    group.handle(s, env)
            return "applied"
        except IntegrityError:
            return "duplicate"  # another worker applied it concurrently

    def _not_yet(self, s: Session, group: HandlerGroup, env: Envelope) -> str | None:
        """"duplicate" if the group applied `env` already, "wait" if an earlier event of its case is not applied."""
        seen = s.execute(select(ConsumerInbox.id).where(
            ConsumerInbox.consumer == group.name, ConsumerInbox.event_id == env.event_id)).first()
        if seen:
            return "duplicate"
        return "wait" if self._predecessor_missing(s, group, env) else None

    def _missing(self, s: Session, group: HandlerGroup, env: Envelope) -> list:
        """The earlier events of `env`'s case this group receives, relayed (sent) but not applied by it."""
        if env.case_id is None or env.case_seq is None or env.case_seq <= 1:
            return []
        o = OutboxEvent.__table__
        applied = exists().where(and_(ConsumerInbox.consumer == group.name, ConsumerInbox.event_id == o.c.event_id))
        rows = s.execute(select(o).where(o.c.case_id == env.case_id, o.c.case_seq < env.case_seq,
                                         o.c.sent_at.is_not(None), ~applied).order_by(o.c.case_seq)).all()
        return [r for r in rows if topic_matches(group.bindings, r.type)]

    def resend_missing(self, group: HandlerGroup, env: Envelope) -> int:
        """Re-send, from the outbox, the relayed predecessors of `env` this group never applied (a lost message)."""
        with self._reader() as s:
            rows = self._missing(s, group, env)
        for r in rows:
            log.warning("worker %s: case %s event %s (seq %s) still waits for %s (seq %s); re-sending it from the outbox",
                        group.name, env.case_id, env.event_id, env.case_seq, r.event_id, r.case_seq)
            self._producer.publish(to_message(r), exchange="", routing_key=self.topology.queue_name(group.name),
                                   serializer="json", headers={"x-retries": 0, "x-resent": True}, delivery_mode=2,
                                   retry=True)
        return len(rows)

    def close_gap(self, group: HandlerGroup, env: Envelope, waited: float) -> int:
        """Dead-letter the relayed predecessors `env` has waited on too long, so that the case goes on (with an alert)."""
        error = (f"事件在传递中丢失：同一案件的后续事件 {env.event_id}（序号 {env.case_seq}）已等待 {waited:.0f} 秒，"
                 f"超过上限 {self.gap_timeout_s:.0f} 秒，本事件转入死信、后续事件继续处理；"
                 f"核实后可用 casebook events dlq replay 重放")
        n = 0
        with self.sessions() as s, s.begin():
            for r in self._missing(s, group, env):
                try:
                    with s.begin_nested():
                        s.add(ConsumerInbox(consumer=group.name, event_id=r.event_id, case_id=r.case_id,
                                            case_seq=r.case_seq, status="dead_lettered"))
                except IntegrityError:
                    continue  # applied meanwhile
                s.add(DeadLetter(consumer=group.name, event_id=r.event_id, event_type=r.type,
                                 body=json.dumps(to_message(r), ensure_ascii=False, default=str), error=error,
                                 retries=0))
                log.error("worker %s: gap in case %s: event %s %s (seq %s) dead-lettered after %.0f s; %s",
                          group.name, r.case_id, r.type, r.event_id, r.case_seq, waited, "events continue")
                n += 1
        return n

    def _predecessor_missing(self, s: Session, group: HandlerGroup, env: Envelope) -> bool:
        if env.case_id is None or env.case_seq is None or env.case_seq <= 1:
            return False
        applied = exists().where(and_(ConsumerInbox.consumer == group.name, ConsumerInbox.event_id == OutboxEvent.event_id))
        types = s.execute(select(OutboxEvent.type).where(
            OutboxEvent.case_id == env.case_id, OutboxEvent.case_seq < env.case_seq, ~applied)).scalars().all()
        return any(topic_matches(group.bindings, t) for t in types)

    # --- later, and dead letters ----------------------------------------------------------------------
    def _later(self, group: HandlerGroup, body, headers: dict, wait: bool = False) -> None:
        """Redeliver after a delay: through the TTL retry queue on RabbitMQ, in process otherwise."""
        if supports_ttl(self.connection):
            self._producer.publish(body, exchange="", routing_key=self.topology.retry_queue(group.name).name,
                                   serializer="json", headers=headers, delivery_mode=2, retry=True,
                                   declare=[self.topology.retry_queue(group.name)])
            return
        delay = 0.05 if wait else self.topology.retry_delay_ms / 1000
        with self._lock:
            self._seq += 1
            heapq.heappush(self._delayed, (time.monotonic() + delay, self._seq, group.name, body, headers))

    def _flush_delayed(self) -> None:
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._delayed or self._delayed[0][0] > now:
                    return
                _, _, name, body, headers = heapq.heappop(self._delayed)
            self._producer.publish(body, exchange="", routing_key=self.topology.queue_name(name), serializer="json",
                                   headers=headers, delivery_mode=2, retry=True)

    def _dead_letter(self, group: HandlerGroup, body, env: Envelope | None, error: str, retries: int) -> None:
        """Record the dead letter (and, for a valid event, an inbox row so later events are not held)."""
        log.error("worker %s: dead-lettering %s after %d retries: %s", group.name,
                  env.event_id if env else "?", retries, error.splitlines()[0])
        text = json.dumps(body, ensure_ascii=False, default=str)
        with self.sessions() as s, s.begin():
            s.add(DeadLetter(consumer=group.name, event_id=env.event_id if env else _event_id(body),
                             event_type=env.type if env else _event_type(body), body=text, error=error[:5000],
                             retries=retries))
            if env is not None:
                try:
                    with s.begin_nested():
                        s.add(ConsumerInbox(consumer=group.name, event_id=env.event_id, case_id=env.case_id,
                                            case_seq=env.case_seq, status="dead_lettered"))
                except IntegrityError:
                    pass
        self._producer.publish(body, exchange=self.topology.dlx, routing_key="dead", serializer="json",
                               headers={"x-consumer": group.name, "x-error": error[:1000], "x-retries": retries},
                               delivery_mode=2, retry=True, declare=[self.topology.dead_queue])


def _event_id(body) -> str | None:
    v = body.get("event_id") if isinstance(body, dict) else None
    return str(v)[:36] if v else None


def _event_type(body) -> str | None:
    v = body.get("type") if isinstance(body, dict) else None
    return str(v)[:80] if v else None


def unapplied(s: Session, group: HandlerGroup, *, since=None, limit: int | None = None) -> list:
    """Relayed outbox events `group` receives but has not applied (nor dead-lettered), oldest first.

    `since`: only events relayed at or after this time (the outbox index on sent_at bounds the scan).
    """
    o = OutboxEvent.__table__
    done = exists().where(and_(ConsumerInbox.consumer == group.name, ConsumerInbox.event_id == o.c.event_id))
    q = select(o).where(o.c.sent_at.is_not(None), ~done).order_by(o.c.id)
    if since is not None:
        q = q.where(o.c.sent_at >= since)
    if limit:
        q = q.limit(limit)
    return [r for r in s.execute(q).all() if topic_matches(group.bindings, r.type)]


#: At start-up, look back this far before the group's last applied event for relayed events it lost.
RESEND_LOOKBACK = dt.timedelta(hours=1)
RESEND_MAX = 20_000


def resend_unapplied(sessions: sessionmaker[Session], broker_url: str, topology: Topology,
                     groups: dict[str, HandlerGroup]) -> dict[str, int]:
    """At start-up: re-send to each group's queue the relayed events it has not applied (outbox vs inbox).

    Only events relayed since shortly before the group's last applied one: what was in flight when a
    process died. A group that never applied anything has nothing in flight (a new group is not
    back-filled here). A message the broker still holds arrives twice; the inbox absorbs the duplicate.
    On a durable broker (RabbitMQ) a group whose queue still holds messages is left to drain them: only
    an empty queue means its unapplied events were lost.
    """
    out: dict[str, int] = {}
    with connect(broker_url) as conn:
        conn.ensure_connection(max_retries=1, timeout=5)
        topology.declare(conn, bindings(groups))
        producer = Producer(conn.channel())
        for name, group in groups.items():
            if supports_ttl(conn):
                _, depth, _ = conn.default_channel.queue_declare(queue=topology.queue_name(name), passive=True)
                if depth:
                    continue
            with sessions() as s:
                last = s.execute(select(func.max(ConsumerInbox.processed_at))
                                 .where(ConsumerInbox.consumer == name)).scalar_one()
                rows = unapplied(s, group, since=last - RESEND_LOOKBACK, limit=RESEND_MAX) if last else []
            for r in rows:
                producer.publish(to_message(r), exchange="", routing_key=topology.queue_name(name), serializer="json",
                                 headers={"x-retries": 0, "x-resent": True}, delivery_mode=2, retry=True)
            if rows:
                log.warning("worker %s: re-sent %d relayed events it had not applied%s", name, len(rows),
                            f" (the first {RESEND_MAX})" if len(rows) == RESEND_MAX else "")
            out[name] = len(rows)
    return out


def replay_dead_letter(sessions: sessionmaker[Session], broker_url: str, topology: Topology, dead_id: int) -> bool:
    """Send a dead letter back to its consumer's queue with a fresh retry count.

    The inbox row that marked it dead is removed and committed *before* the publish, or a fast worker
    would take the replay for a duplicate; if the publish fails, both changes are undone.
    """
    with sessions() as s, s.begin():
        d = s.get(DeadLetter, dead_id)
        if d is None or d.replayed_at is not None:
            return False
        consumer, event_id, body = d.consumer, d.event_id, json.loads(d.body)
        dead_inbox = None
        if event_id:
            dead_inbox = s.execute(select(ConsumerInbox).where(
                ConsumerInbox.consumer == consumer, ConsumerInbox.event_id == event_id,
                ConsumerInbox.status == "dead_lettered")).scalar_one_or_none()
            if dead_inbox is not None:
                dead_inbox = {"case_id": dead_inbox.case_id, "case_seq": dead_inbox.case_seq}
                s.query(ConsumerInbox).filter(ConsumerInbox.consumer == consumer, ConsumerInbox.event_id == event_id,
                                              ConsumerInbox.status == "dead_lettered").delete()
        d.replayed_at = utcnow()
    try:
        with connect(broker_url) as conn:
            Producer(conn.channel()).publish(body, exchange="", routing_key=topology.queue_name(consumer),
                                             serializer="json", headers={"x-retries": 0, "x-replayed": True},
                                             delivery_mode=2, retry=False, timeout=5, confirm_timeout=5)
    except Exception:
        with sessions() as s, s.begin():
            s.get(DeadLetter, dead_id).replayed_at = None
            if dead_inbox is not None:
                s.add(ConsumerInbox(consumer=consumer, event_id=event_id, status="dead_lettered", **dead_inbox))
        raise
    return True
