"""The registry of event types: name → version → payload schema. Events are validated before the outbox."""

from __future__ import annotations

from marshmallow import ValidationError

from casebook.domain.lifecycle import TRANSITIONS
from schemas.events.v1 import CaseEventV1, RecordEventV1


class UnknownEvent(LookupError):
    pass


REGISTRY: dict[tuple[str, int], type] = {(t.event, 1): CaseEventV1 for t in TRANSITIONS.values()}
REGISTRY.update({
    ("party.registered", 1): RecordEventV1,
    ("party.updated", 1): RecordEventV1,
    ("user.created", 1): RecordEventV1,
    ("credential.issued", 1): RecordEventV1,
    ("calendar.day_overridden", 1): RecordEventV1,
    ("summary_forms.registered", 1): RecordEventV1,
    ("catalogue.imported", 1): RecordEventV1,
    ("referral.suggested", 1): CaseEventV1,
    ("legal_review.required", 1): CaseEventV1,
})
_schemas = {k: v() for k, v in REGISTRY.items()}


def validate_event(event_type: str, version: int, payload: dict) -> dict:
    """Return the payload as the schema dumps it; raise on an unknown type/version or a bad payload."""
    schema = _schemas.get((event_type, version))
    if schema is None:
        raise UnknownEvent(f"unknown event {event_type} v{version}")
    errors = schema.validate(payload)
    if errors:
        raise ValidationError(errors)
    return schema.dump(payload)
