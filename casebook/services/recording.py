"""Record an act: one trail entry and its outbox events, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection, Text, bindparam, cast, func, insert, literal_column, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casebook.audit.chain import canonical_payload, entry_hash, format_time, hashed_rest
from casebook.db import raw
from casebook.db.models import Case, CaseAct, OutboxEvent, TrailEntry, TrailHead, utcnow
from casebook.db.wake import CHANNEL, notify_pending, outbox_written
from casebook.domain.pii import mask_payload, masks_key
from schemas.events.registry import validate_event, validate_events

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

def _sqlite_move_head():
    """SQLite: the chain head moved on by one entry in one statement, its new hash computed by the database
    (`casebook_sha256_hex`, registered on every connection by `db.engine`), as `_pg_append`'s `head` does:

        UPDATE trail_head SET prev_hash = entry_hash, seq = seq + 1,
               entry_hash = casebook_sha256_hex(entry_hash || '|' || CAST(seq + 1 AS TEXT) || :rest)
        WHERE id = 1 RETURNING seq, prev_hash, entry_hash

    SET expressions read the row as it was (so `prev_hash` keeps the old hash for RETURNING); a writer holds the
    database lock since BEGIN IMMEDIATE. Reading the head first took a statement of its own (issue 17)."""
    h = _head_t.c
    line = h.entry_hash.concat("|").concat(cast(h.seq + 1, Text)).concat(bindparam("rest", type_=Text))
    return (update(_head_t).where(h.id == 1)
            .values(prev_hash=h.entry_hash, seq=h.seq + 1, entry_hash=func.casebook_sha256_hex(line))
            .returning(h.seq, h.prev_hash, h.entry_hash))


_SQLITE_MOVE_HEAD = _sqlite_move_head()
_cases_t = Case.__table__
_TAKE_CASE_SEQS = (update(_cases_t).where(_cases_t.c.id == bindparam("case_id_"))
                   .values(event_seq=_cases_t.c.event_seq + bindparam("n_events", type_=_cases_t.c.event_seq.type))
                   .returning(_cases_t.c.event_seq))


def _insert_values(table, cols):
    """INSERT INTO table (cols) VALUES (:col, …): explicit binds, so the statement runs as is on the raw cursor."""
    return insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in cols})


_INSERT_TRAIL = _insert_values(_trail_t, _TRAIL_COLS)
_INSERT_OUTBOX = _insert_values(_outbox_t, _OUTBOX_COLS)
_pg_appends: dict[tuple[bool, bool, bool], object] = {}
_acts_t = CaseAct.__table__
_ACT_COLS = ("case_id", "seq", "action", "actor_id", "occurred_at", "data", "awaiting", "confirmed")
_INSERT_ACT = _insert_values(_acts_t, _ACT_COLS)


def _pg_append(with_event: bool, notify: bool = False, with_act: bool = False):
    """PostgreSQL: the chain head moved on, the trail entry, its outbox row (if any) and the act's record in one
    statement — one round trip where a lock of the head, then the writes, took two — with the head locked only
    from this statement to the commit.

        WITH head AS (UPDATE trail_head SET prev_hash = entry_hash, seq = seq + 1,
                          entry_hash = encode(sha256(convert_to(entry_hash || '|' || (seq + 1) || :rest, 'UTF8')), 'hex')
                      WHERE id = 1 RETURNING seq, prev_hash, entry_hash),
             new_entry AS (INSERT INTO trail_entries (…) SELECT head.seq, :t_…, head.prev_hash, head.entry_hash FROM head),
             new_event AS (INSERT INTO outbox (…) SELECT :o_… FROM head), new_act AS (… FROM head)
        SELECT head.seq, head.entry_hash [, pg_notify(…)] FROM head

    The new hash is `chain.entry_hash` computed by the server: SET expressions read the row as it was, so
    `prev_hash = entry_hash` keeps the old hash for RETURNING (PostgreSQL before 18 returns only new values) and
    `:rest` is the rest of the hashed line and the payload, made in Python (`chain.hashed_rest`). A writer that waited
    for the row lock gets the row as the writer before it committed it (READ COMMITTED re-reads it, as for any
    `SET n = n + 1`; `tests/integration/test_chain_append.py` breaks the chain when the old hash is read any other
    way). Every insert selects from `head`, so none can run before the head is locked: outbox ids are taken in
    chain order, as when the head was locked first. Data-modifying CTEs run exactly once, in the same statement
    and snapshot; a failing one fails it all. Only for at most one event: several outbox rows of one act must take
    their ids in case_seq order.
    `notify`: pg_notify(…) wakes the relays (delivered at commit) without another round trip.
    `with_act`: the act's record (case_acts, its input as entered) rides in the same statement.
    """
    stmt = _pg_appends.get((with_event, notify, with_act))
    if stmt is None:
        h = _head_t.c
        line = h.entry_hash.concat("|").concat(cast(h.seq + 1, Text)).concat(bindparam("rest", type_=Text))
        head = (update(_head_t).where(h.id == 1)
                .values(prev_hash=h.entry_hash, seq=h.seq + 1,
                        entry_hash=func.encode(func.sha256(func.convert_to(line, literal_column("'UTF8'"))),
                                               literal_column("'hex'")))
                .returning(h.seq, h.prev_hash, h.entry_hash).cte("head"))

        def from_head(table, cols, prefix, from_head_cols=()):
            given = [c for c in cols if c not in from_head_cols]
            return insert(table).from_select(
                [*given, *from_head_cols],
                select(*[bindparam(f"{prefix}_{c}", type_=table.c[c].type) for c in given],
                       *[head.c[c] for c in from_head_cols]).select_from(head))

        outer = [head.c.seq, head.c.entry_hash]
        if notify:
            outer.append(func.pg_notify(CHANNEL, ""))
        stmt = select(*outer).select_from(head).add_cte(
            from_head(_trail_t, _TRAIL_COLS, "t", ("seq", "prev_hash", "entry_hash")).cte("new_entry"))
        if with_event:
            stmt = stmt.add_cte(from_head(_outbox_t, _OUTBOX_COLS, "o").cte("new_event"))
        if with_act:
            stmt = stmt.add_cte(from_head(_acts_t, _ACT_COLS, "a").cte("new_act"))
        _pg_appends[(with_event, notify, with_act)] = stmt
    return stmt


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the chain head (FOR UPDATE on PostgreSQL; SQLite writers hold the database lock since BEGIN IMMEDIATE)."""
    rows, _ = raw.execute(conn, _LOCK_HEAD)
    (seq, h), = rows
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
    act_row: dict | None = None,
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

    `act_row`: a people's act's own record (case_acts: its input as entered), written with the entry; its
    `seq` is filled in here when the case's event numbers are taken here.
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
        source = masked if event_payload is payload else mask_payload(event_payload)
        data = validate_event(event_type, 1, source)
        if source is masked and (data is masked or data == masked):  # the trail's canonical text is the event's too
            data = raw.JSONText(body)
        outbox.append({"event_id": str(uuid.uuid4()), "type": event_type, "version": 1, "occurred_at": now,
                       "agency_id": agency_id, "case_id": case_id, "case_seq": None, "actor_id": actor.user_id,
                       "payload": data})
    s.flush()
    conn = raw.connection(s)
    if case is not None and outbox:
        if case_seq is None:
            (last,), = raw.execute(conn, _TAKE_CASE_SEQS, {"case_id_": case_id, "n_events": len(outbox)})[0]
            set_committed_value(case, "event_seq", last)
            case_seq = last - len(outbox) + 1
        for i, row in enumerate(outbox):
            row["case_seq"] = case_seq + i
    if act_row is not None and act_row.get("seq") is None:
        act_row["seq"] = case_seq
    if conn.dialect.name == "postgresql" and len(outbox) <= 1:  # the chain's next entry hashed by the server
        params = {"rest": hashed_rest(now, actor.user_id, role, agency_id, case_id, action, body),
                  "t_occurred_at": now, "t_actor_id": actor.user_id, "t_actor_role": role, "t_agency_id": agency_id,
                  "t_case_id": case_id, "t_action": action, "t_payload": body}
        notify = bool(outbox) and not notify_pending(s)
        if outbox:
            params.update({f"o_{c}": v for c, v in outbox[0].items()})
        if act_row is not None:
            params.update({f"a_{c}": act_row[c] for c in _ACT_COLS})
        (seq, h, *_), = raw.execute(conn, _pg_append(bool(outbox), notify, act_row is not None), params)[0]
        if notify:
            outbox_written(s, notify_sent=True)
    else:  # SQLite (writers hold the database lock since BEGIN IMMEDIATE), or several events on PostgreSQL
        if conn.dialect.name == "sqlite":  # the head moved on and the entry hashed by the database, one statement
            (seq, prev, h), = raw.execute(conn, _SQLITE_MOVE_HEAD, {
                "rest": hashed_rest(now, actor.user_id, role, agency_id, case_id, action, body)})[0]
        else:  # hashed here, the head locked first
            prev_seq, prev = _lock_head(conn)
            seq = prev_seq + 1
            h = entry_hash(prev, seq, now, actor.user_id, role, agency_id, case_id, action, body)
            raw.execute(conn, _SET_HEAD, {"head_seq": seq, "head_hash": h})
        raw.execute(conn, _INSERT_TRAIL, {
            "seq": seq, "occurred_at": now, "actor_id": actor.user_id, "actor_role": role, "agency_id": agency_id,
            "case_id": case_id, "action": action, "payload": body, "prev_hash": prev, "entry_hash": h})
        for row in outbox:  # their ids in case_seq order
            raw.execute(conn, _INSERT_OUTBOX, row)
        if outbox:
            outbox_written(s)
        if act_row is not None:
            raw.execute(conn, _INSERT_ACT, act_row)
    _sync_head(s, seq, h)
    return seq


class Act(NamedTuple):
    """One act for `record_many`: what `record` takes, with the case named by id (a tuple: thousands per batch)."""

    action: str
    payload: dict
    case_id: int | None
    agency_id: int | None
    events: Sequence[tuple[str, dict]] = ()


def record_many(s: Session, actor: Actor, acts: Sequence[Act], *, now: dt.datetime | None = None) -> int:
    """Append one trail entry per act and its outbox events under one lock of the chain head (bulk `record`).

    For system acts in bulk (the deadline sweep): the same chain, masking and event validation as
    `record`, written in bulk (COPY on PostgreSQL, the raw driver's executemany on SQLite) instead of one
    flush per act. Per batch, not per row: the event validation's shape check (`validate_events`), the
    event ids (one random read), the time's text. The events carry the case id but no case_seq: they are
    not acts on the case's state, so they are not ordered among its acts, and the sweep never has to lock
    or update the case rows. Returns the number of entries written.
    """
    if not acts:
        return 0
    now = now or utcnow()
    role = actor.primary_role
    actor_id = actor.user_id
    prepared = []
    by_type: dict[str, list[dict]] = {}
    n_events = 0
    for a in acts:
        masked = _mask(a.payload)
        events = []
        for t, p in a.events:
            data = _mask(p) if p is not a.payload else masked
            by_type.setdefault(t, []).append(data)
            events.append(t)
        n_events += len(events)
        prepared.append((a, masked, canonical_payload(masked), events))
    # Validate per type in bulk (same verdict as validate_event); the dumped payloads come back in order.
    validated = {t: iter(validate_events(t, 1, ps)) for t, ps in by_type.items()}
    event_ids = iter(uuid4_strings(n_events))
    trail_rows, outbox_rows = [], []
    for a, masked, body, events in prepared:
        trail_rows.append([None, now, actor_id, role, a.agency_id, a.case_id, a.action, body, None, None])
        for t in events:
            data = next(validated[t])
            # The trail's canonical JSON is this payload's too when validation returned it unchanged.
            text = body if data is masked or data == masked else json.dumps(data, ensure_ascii=False)
            outbox_rows.append((next(event_ids), t, 1, now, a.agency_id, a.case_id, None, actor_id, text))
    # Only the chain needs the head: lock it as late as possible (a concurrent sweep prepares meanwhile).
    s.flush()
    conn = s.connection()
    seq, prev = _lock_head(conn)
    at = format_time(now)  # one time for the whole batch: chain.entry_hash's line, its time formatted once
    sha = hashlib.sha256
    for row in trail_rows:
        seq += 1
        row[0], row[8] = seq, prev
        prev = row[9] = sha(f"{prev}|{seq}|{at}|{actor_id}|{role}|{row[4]}|{row[5]}|{row[6]}\n{row[7]}"
                            .encode()).hexdigest()
    _bulk_insert(conn, "trail_entries", _TRAIL_COLS, trail_rows)
    _bulk_insert(conn, "outbox", _OUTBOX_COLS, outbox_rows)
    if outbox_rows:
        outbox_written(s)
    raw.execute(conn, _SET_HEAD, {"head_seq": seq, "head_hash": prev})
    _sync_head(s, seq, prev)
    return len(trail_rows)


def uuid4_strings(n: int) -> list[str]:
    """n random (version 4) UUIDs as text, from one read of the system's random source (uuid.uuid4 reads once each)."""
    if n <= 0:
        return []
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    h = raw.hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, 32 * n, 32)]


_SCALARS = (str, int, float, bool, type(None))
_clean_shapes: dict[tuple, bool] = {}


def _mask(payload: dict) -> dict:
    """mask_payload, skipped for a flat payload none of whose keys is personal information (masking is by key).

    The verdict is kept per shape (keys in order and the type of each value), so thousands of same-shaped
    payloads (the sweep's) cost one tuple each rather than a walk over their values."""
    shape = (tuple(payload), tuple(map(type, payload.values())))
    clean = _clean_shapes.get(shape)
    if clean is None:
        if len(_clean_shapes) > 4096:
            _clean_shapes.clear()
        clean = _clean_shapes[shape] = (all(issubclass(t, _SCALARS) for t in shape[1])
                                        and not any(masks_key(k) for k in shape[0]))
    return payload if clean else mask_payload(payload)


def _bulk_insert(conn: Connection, table: str, cols: tuple[str, ...], rows: list) -> None:
    """INSERT many rows (sequences in `cols` order; times UTC-aware, JSON already text) in the connection's
    transaction through the raw driver: COPY on PostgreSQL, executemany on SQLite (times as SQLAlchemy's
    SQLite DATETIME text, naive UTC)."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        return
    at = cols.index("occurred_at")
    texts: dict[dt.datetime, str] = {}
    out = []
    for r in rows:
        r = list(r)
        t = r[at]
        if t not in texts:
            texts[t] = t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        r[at] = texts[t]
        out.append(r)
    cur = raw.cursor()
    try:
        cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", out)
    finally:
        cur.close()
