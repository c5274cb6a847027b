"""Build envelopes from outbox rows, and parse and validate them on the consumer side."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marshmallow import ValidationError

from casebook.db.models import OutboxEvent
from schemas.events.envelope import EnvelopeV1

from .contracts import UnknownEvent, validate_event

_schema = EnvelopeV1()


@dataclass(frozen=True)
class Envelope:
    event_id: str
    type: str
    version: int
    occurred_at: dt.datetime
    agency_id: int | None
    case_id: int | None
    case_seq: int | None
    actor: dict
    payload: dict


def to_message(row: OutboxEvent) -> dict:
    return {
        "event_id": row.event_id, "type": row.type, "version": row.version,
        "occurred_at": row.occurred_at.astimezone(dt.UTC).isoformat(), "agency_id": row.agency_id,
        "case_id": row.case_id, "case_seq": row.case_seq, "actor": {"id": row.actor_id}, "payload": row.payload,
    }


class BadEnvelope(ValueError):
    pass


def parse(body) -> Envelope:
    """Validate the envelope and its payload against the registry; refuse anything unknown."""
    if not isinstance(body, dict):
        raise BadEnvelope("message body is not a JSON object")
    try:
        data = _schema.load(body)
        validate_event(data["type"], data["version"], data["payload"])
    except ValidationError as e:
        raise BadEnvelope(f"invalid envelope or payload: {e.messages}") from None
    except UnknownEvent as e:
        raise BadEnvelope(str(e)) from None
    return Envelope(str(data["event_id"]), data["type"], data["version"], data["occurred_at"], data["agency_id"],
                    data["case_id"], data["case_seq"], data["actor"], data["payload"])
