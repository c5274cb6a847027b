"""The registry of event types: name → version → payload schema. Events are validated before the outbox."""

from __future__ import annotations

from marshmallow import ValidationError, fields

from casebook.domain.lifecycle import TRANSITIONS
from schemas.events.deadlines import DEADLINE_EVENTS
from schemas.events.documents import DOCUMENT_EVENTS
from schemas.events.publicity import PUBLICITY_EVENTS
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
    ("agency.publication_system_set", 1): RecordEventV1,
    ("referral.suggested", 1): CaseEventV1,
    ("legal_review.required", 1): CaseEventV1,
})
REGISTRY.update(DOCUMENT_EVENTS)
REGISTRY.update(DEADLINE_EVENTS)
REGISTRY.update(PUBLICITY_EVENTS)
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


# --- bulk validation (the deadline sweep writes thousands of events per transaction) ----------------------

_FLAT_TYPES = {fields.String: (str,), fields.Integer: (int,), fields.Boolean: (bool,)}
_flat_plans: dict[tuple[str, int], dict | None] = {}


def _flat_plan(schema) -> dict | None:
    """name → (types, required, allow_none) for a schema of plain String/Integer/Boolean fields; else None."""
    if any(schema._hooks.values()):
        return None
    plan = {}
    for name, f in schema.fields.items():
        types = _FLAT_TYPES.get(type(f))
        if (types is None or f.validators or f.data_key not in (None, name) or f.attribute not in (None, name)
                or f.load_only or f.dump_only):
            return None
        plan[name] = (types, f.required, f.allow_none)
    return plan


def _fits(plan: dict, payload: dict) -> bool:
    """True when marshmallow would accept the payload and dump it unchanged (exact types only)."""
    if any(k not in plan for k in payload):
        return False
    for name, (types, required, allow_none) in plan.items():
        if name not in payload:
            if required:
                return False
            continue
        v = payload[name]
        if v is None:
            if not allow_none:
                return False
        elif type(v) not in types:  # exact: a bool is not an Integer, a str subclass goes the long way
            return False
    return True


def validate_events(event_type: str, version: int, payloads: list[dict]) -> list[dict]:
    """validate_event for many payloads of one type, with the same verdict and result.

    For a flat schema (plain String / Integer / Boolean fields, no validators or hooks) a payload of
    exactly those types is accepted by a direct check, which is what marshmallow would conclude and
    dump unchanged; anything else goes through validate_event itself.
    """
    key = (event_type, version)
    if key not in _schemas:
        raise UnknownEvent(f"unknown event {event_type} v{version}")
    if key not in _flat_plans:
        _flat_plans[key] = _flat_plan(_schemas[key])
    plan = _flat_plans[key]
    return [dict(p) if plan is not None and _fits(plan, p) else validate_event(event_type, version, p) for p in payloads]
