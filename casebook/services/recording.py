"""Record an act: one trail entry and its outbox events, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casebook.audit.chain import canonical_payload, entry_hash
from casebook.db.models import Case, OutboxEvent, TrailEntry, TrailHead, utcnow
from casebook.domain.pii import mask_payload, masks_key
from events.contracts import validate_event, validate_events

from .context import Actor


def record(
    s: Session,
    actor: Actor,
    action: str,
    payload: dict,
    *,
    case: Case | None = None,
    agency_id: int | None = None,
    events: list[tuple[str, dict]] = (),
    now: dt.datetime | None = None,
) -> TrailEntry:
    """Append one hash-chained trail entry and one outbox row per event (全过程记录 + transactional outbox)."""
    now = now or utcnow()
    agency_id = case.agency_id if case is not None else agency_id
    case_id = case.id if case is not None else None
    # Take this act's per-case event numbers atomically in the database (UPDATE … RETURNING also row-locks the
    # case): an ORM read-modify-write could lose a concurrent system act's numbers and repeat a case_seq.
    next_seq = None
    if case is not None and events:
        last = s.execute(update(Case).where(Case.id == case.id).values(event_seq=Case.event_seq + len(events))
                         .returning(Case.event_seq), execution_options={"synchronize_session": False}).scalar_one()
        set_committed_value(case, "event_seq", last)
        next_seq = last - len(events) + 1
    head = s.execute(select(TrailHead).where(TrailHead.id == 1).with_for_update()).scalar_one()
    seq = head.seq + 1
    body = canonical_payload(mask_payload(payload))
    h = entry_hash(head.entry_hash, seq, now, actor.user_id, actor.primary_role, agency_id, case_id, action, body)
    entry = TrailEntry(
        seq=seq, occurred_at=now, actor_id=actor.user_id, actor_role=actor.primary_role, agency_id=agency_id,
        case_id=case_id, action=action, payload=body, prev_hash=head.entry_hash, entry_hash=h,
    )
    s.add(entry)
    head.seq, head.entry_hash = seq, h
    for i, (event_type, event_payload) in enumerate(events):
        data = validate_event(event_type, 1, mask_payload(event_payload))
        case_seq = next_seq + i if next_seq is not None else None
        s.add(OutboxEvent(
            event_id=str(uuid.uuid4()), type=event_type, version=1, occurred_at=now, agency_id=agency_id,
            case_id=case_id, case_seq=case_seq, actor_id=actor.user_id, payload=data,
        ))
    return entry


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
    head = s.execute(select(TrailHead).where(TrailHead.id == 1).with_for_update()).scalar_one()
    seq, prev = head.seq, head.entry_hash
    for row in trail_rows:
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        prev = row["entry_hash"] = entry_hash(prev, seq, now, actor.user_id, role, row["agency_id"], row["case_id"],
                                              row["action"], row["payload"])
    _bulk_insert(s, TrailEntry, trail_rows)
    _bulk_insert(s, OutboxEvent, outbox_rows, json_text={"payload": outbox_json})
    head.seq, head.entry_hash = seq, prev
    s.flush()
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
