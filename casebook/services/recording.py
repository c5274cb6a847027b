"""Record an act: one trail entry and its outbox events, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.audit.chain import canonical_payload, entry_hash
from casebook.db.models import Case, OutboxEvent, TrailEntry, TrailHead, utcnow
from casebook.domain.pii import mask_payload
from events.contracts import validate_event

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
    for event_type, event_payload in events:
        data = validate_event(event_type, 1, mask_payload(event_payload))
        case_seq = None
        if case is not None:
            case.event_seq = (case.event_seq or 0) + 1
            case_seq = case.event_seq
        s.add(OutboxEvent(
            event_id=str(uuid.uuid4()), type=event_type, version=1, occurred_at=now, agency_id=agency_id,
            case_id=case_id, case_seq=case_seq, actor_id=actor.user_id, payload=data,
        ))
    return entry
