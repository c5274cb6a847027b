"""Record an act: one trail entry and its outbox events, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casebook.audit.chain import canonical_payload, entry_hash
from casebook.db.models import Case, OutboxEvent, TrailEntry, TrailHead, utcnow
from casebook.domain.pii import mask_payload, masks_key
from events.contracts import validate_event, validate_events
from events.wake import CHANNEL, notify_pending, outbox_written

from .context import Actor

_trail_t = TrailEntry.__table__
_outbox_t = OutboxEvent.__table__
_head_t = TrailHead.__table__
_TRAIL_COLS = ("seq", "occurred_at", "actor_id", "actor_role", "agency_id", "case_id", "action", "payload", "prev_hash",
               "entry_hash")
_OUTBOX_COLS = ("event_id", "type", "version", "occurred_at", "agency_id", "case_id", "case_seq", "actor_id", "payload")

# The statements of the write path, built once (Core: no unit of work, compiled once and then cached).
_LOCK_HEAD = select(_head_t.c.seq, _head_t.c.entry_hash).where(_head_t.c.id == 1).with_for_update()
_SET_HEAD = (update(_head_t).where(_head_t.c.id == 1)
             .values(seq=bindparam("head_seq", type_=_head_t.c.seq.type),
                     entry_hash=bindparam("head_hash", type_=_head_t.c.entry_hash.type)))
_cases_t = Case.__table__
_TAKE_CASE_SEQS = (update(_cases_t).where(_cases_t.c.id == bindparam("case_id_"))
                   .values(event_seq=_cases_t.c.event_seq + bindparam("n_events", type_=_cases_t.c.event_seq.type))
                   .returning(_cases_t.c.event_seq))
_INSERT_TRAIL = insert(_trail_t)
_INSERT_OUTBOX = insert(_outbox_t)
_pg_appends: dict[tuple[bool, bool], object] = {}


def _pg_append(with_event: bool, notify: bool = False):
    """PostgreSQL: the trail entry, its outbox row (if any) and the new chain head in one statement.

    WITH new_entry AS (INSERT INTO trail_entries …), new_event AS (INSERT INTO outbox …)
    UPDATE trail_head SET seq = …, entry_hash = … WHERE id = 1 — one round trip instead of three.
    Data-modifying CTEs run exactly once, in the same statement and snapshot, whether or not the outer
    statement reads them; a failing one fails it all. Only for at most one event: sibling CTEs run in no
    defined order, and several outbox rows of one act must take their ids in case_seq order.
    `notify`: RETURNING pg_notify(…) wakes the relays (delivered at commit) without another round trip.
    """
    stmt = _pg_appends.get((with_event, notify))
    if stmt is None:
        stmt = _SET_HEAD.add_cte(insert(_trail_t).values(
            {c: bindparam(f"t_{c}", type_=_trail_t.c[c].type) for c in _TRAIL_COLS}).cte("new_entry"))
        if with_event:
            stmt = stmt.add_cte(insert(_outbox_t).values(
                {c: bindparam(f"o_{c}", type_=_outbox_t.c[c].type) for c in _OUTBOX_COLS}).cte("new_event"))
        if notify:
            stmt = stmt.returning(func.pg_notify(CHANNEL, ""))
        _pg_appends[(with_event, notify)] = stmt
    return stmt


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the chain head (FOR UPDATE on PostgreSQL; SQLite writers hold the database lock since BEGIN IMMEDIATE)."""
    seq, h = conn.execute(_LOCK_HEAD).one()
    return seq, h


_head_key = []


def _sync_head(s: Session, seq: int, h: str) -> None:
    """Keep a TrailHead object this session may hold (e.g. from audit.sign_checkpoint) in step with the row."""
    if not s.identity_map:
        return
    if not _head_key:
        _head_key.append(Session.identity_key(TrailHead, 1))
    head = s.identity_map.get(_head_key[0])
    if head is not None:
        set_committed_value(head, "seq", seq)
        set_committed_value(head, "entry_hash", h)


def record(
    s: Session,
    actor: Actor,
    action: str,
    payload: dict,
    *,
    case: Case | None = None,
    agency_id: int | None = None,
    events: Sequence[tuple[str, dict]] = (),
    now: dt.datetime | None = None,
    case_seq: int | None = None,
) -> int:
    """Append one hash-chained trail entry and one outbox row per event (全过程记录 + transactional outbox).

    Returns the entry's seq. Pending ORM changes are flushed first, so the case row (when it changes) is
    locked before the chain head, as on every path. The rows are written with Core statements: nothing
    of the trail or the outbox is kept in the session.

    `case_seq`: the first per-case event number of this act when the caller has already taken the numbers
    (it holds the case row lock and raised `case.event_seq` by len(events) in its own UPDATE of the case, as
    `services.cases` does for people's acts). Without it, the numbers are taken here atomically with
    UPDATE … RETURNING, which also row-locks the case: a read-modify-write without the lock could lose a
    concurrent system act's numbers and repeat a case_seq.
    """
    now = now or utcnow()
    agency_id = case.agency_id if case is not None else agency_id
    case_id = case.id if case is not None else None
    role = actor.primary_role
    # Everything that needs no lock first: masking, the canonical body, event validation.
    masked = mask_payload(payload)
    body = canonical_payload(masked)
    outbox = []
    for event_type, event_payload in events:
        data = validate_event(event_type, 1, masked if event_payload is payload else mask_payload(event_payload))
        outbox.append({"event_id": str(uuid.uuid4()), "type": event_type, "version": 1, "occurred_at": now,
                       "agency_id": agency_id, "case_id": case_id, "case_seq": None, "actor_id": actor.user_id,
                       "payload": data})
    s.flush()
    conn = s.connection()
    if case is not None and outbox:
        if case_seq is None:
            last = conn.execute(_TAKE_CASE_SEQS, {"case_id_": case_id, "n_events": len(outbox)}).scalar_one()
            set_committed_value(case, "event_seq", last)
            case_seq = last - len(outbox) + 1
        for i, row in enumerate(outbox):
            row["case_seq"] = case_seq + i
    prev_seq, prev = _lock_head(conn)
    seq = prev_seq + 1
    h = entry_hash(prev, seq, now, actor.user_id, role, agency_id, case_id, action, body)
    entry = {"seq": seq, "occurred_at": now, "actor_id": actor.user_id, "actor_role": role, "agency_id": agency_id,
             "case_id": case_id, "action": action, "payload": body, "prev_hash": prev, "entry_hash": h}
    if conn.dialect.name == "postgresql" and len(outbox) <= 1:
        params = {"head_seq": seq, "head_hash": h}
        params.update({f"t_{c}": v for c, v in entry.items()})
        notify = bool(outbox) and not notify_pending(s)
        if outbox:
            params.update({f"o_{c}": v for c, v in outbox[0].items()})
        conn.execute(_pg_append(bool(outbox), notify), params)
        if notify:
            outbox_written(s, notify_sent=True)
    else:  # in order: the outbox rows take their ids in case_seq order
        conn.execute(_INSERT_TRAIL, entry)
        if outbox:
            conn.execute(_INSERT_OUTBOX, outbox)
            outbox_written(s)
        conn.execute(_SET_HEAD, {"head_seq": seq, "head_hash": h})
    _sync_head(s, seq, h)
    return seq


@dataclass(frozen=True)
class Act:
    """One act for `record_many`: what `record` takes, with the case named by id."""

    action: str
    payload: dict
    case_id: int | None
    agency_id: int | None
    events: Sequence[tuple[str, dict]] = ()


def record_many(s: Session, actor: Actor, acts: Sequence[Act], *, now: dt.datetime | None = None) -> int:
    """Append one trail entry per act and its outbox events under one lock of the chain head (bulk `record`).

    For system acts in bulk (the deadline sweep): the same chain, masking and event validation as
    `record`, written in bulk (COPY on PostgreSQL, executemany on SQLite) instead of one flush per act.
    The events carry the case id but no case_seq: they are not acts on the case's state, so they are
    not ordered among its acts, and the sweep never has to lock or update the case rows. Returns the
    number of entries written.
    """
    if not acts:
        return 0
    now = now or utcnow()
    role = actor.primary_role
    prepared = []
    by_type: dict[str, list[dict]] = {}
    for a in acts:
        masked = _mask(a.payload)
        events = []
        for t, p in a.events:
            data = _mask(p) if p is not a.payload else masked
            by_type.setdefault(t, []).append(data)
            events.append(t)
        prepared.append((a, masked, canonical_payload(masked), events))
    # Validate per type in bulk (same verdict as validate_event); the dumped payloads come back in order.
    validated = {t: iter(validate_events(t, 1, ps)) for t, ps in by_type.items()}
    trail_rows, outbox_rows, outbox_json = [], [], []
    for a, masked, body, events in prepared:
        trail_rows.append({"seq": None, "occurred_at": now, "actor_id": actor.user_id, "actor_role": role,
                           "agency_id": a.agency_id, "case_id": a.case_id, "action": a.action, "payload": body,
                           "prev_hash": None, "entry_hash": None})
        for t in events:
            data = next(validated[t])
            outbox_rows.append({"event_id": str(uuid.uuid4()), "type": t, "version": 1, "occurred_at": now,
                                "agency_id": a.agency_id, "case_id": a.case_id, "case_seq": None,
                                "actor_id": actor.user_id, "payload": data})
            outbox_json.append(body if data == masked else None)  # the trail's canonical JSON is this payload's too
    # Only the chain needs the head: lock it as late as possible (a concurrent sweep prepares meanwhile).
    s.flush()
    conn = s.connection()
    seq, prev = _lock_head(conn)
    for row in trail_rows:
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        prev = row["entry_hash"] = entry_hash(prev, seq, now, actor.user_id, role, row["agency_id"], row["case_id"],
                                              row["action"], row["payload"])
    _bulk_insert(s, TrailEntry, trail_rows)
    _bulk_insert(s, OutboxEvent, outbox_rows, json_text={"payload": outbox_json})
    if outbox_rows:
        outbox_written(s)
    conn.execute(_SET_HEAD, {"head_seq": seq, "head_hash": prev})
    _sync_head(s, seq, prev)
    return len(trail_rows)


_SCALARS = (str, int, float, bool, type(None))
_unmasked_keysets: dict[frozenset, bool] = {}


def _mask(payload: dict) -> dict:
    """mask_payload, skipped for a flat payload none of whose keys is personal information (masking is by key)."""
    if all(isinstance(v, _SCALARS) for v in payload.values()):
        keys = frozenset(payload)
        clean = _unmasked_keysets.get(keys)
        if clean is None:
            clean = _unmasked_keysets[keys] = not any(masks_key(k) for k in keys)
        if clean:
            return payload
    return mask_payload(payload)


def _bulk_insert(s: Session, model, rows: list[dict], json_text: dict[str, list[str | None]] | None = None) -> None:
    """INSERT many rows in the session's transaction: COPY on PostgreSQL (values already UTC-aware), else executemany.

    `json_text` may give, per JSON column, each row's value already serialised (None: serialise it here).
    """
    if not rows:
        return
    if s.get_bind().dialect.name != "postgresql":
        s.connection().execute(insert(model.__table__), rows)  # Core: the column types apply, no ORM bookkeeping
        return
    table = model.__table__
    cols = list(rows[0])
    json_cols = [(j, c, (json_text or {}).get(c) or [None] * len(rows))
                 for j, c in enumerate(cols) if isinstance(table.c[c].type, JSON)]
    raw = s.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for i, r in enumerate(rows):
            values = [r[c] for c in cols]
            for j, c, given in json_cols:
                values[j] = given[i] or json.dumps(r[c], ensure_ascii=False)
            copy.write_row(values)
