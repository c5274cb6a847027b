"""The registry of event types: name → version → payload schema. Events are validated before the outbox.

The acts' events (one per case act, all `CaseEventV1`) are registered by the act declarations
(`casebook.services.acts`) when they are imported; the other events are listed here.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields

from .deadlines import DEADLINE_EVENTS
from .documents import DOCUMENT_EVENTS
from .publicity import PUBLICITY_EVENTS
from .v1 import CaseEventV1, RecordEventV1


class UnknownEvent(LookupError):
    pass


REGISTRY: dict[tuple[str, int], type] = {}
REGISTRY.update({
    ("party.registered", 1): RecordEventV1,
    ("party.updated", 1): RecordEventV1,
    ("user.created", 1): RecordEventV1,
    ("credential.issued", 1): RecordEventV1,
    ("calendar.day_overridden", 1): RecordEventV1,
    ("calendar.notice_loaded", 1): RecordEventV1,
    ("agency.publication_system_set", 1): RecordEventV1,
    ("summary_forms.registered", 1): RecordEventV1,
    ("catalogue.imported", 1): RecordEventV1,
    ("referral.suggested", 1): CaseEventV1,
    ("legal_review.required", 1): CaseEventV1,
})
REGISTRY.update(DOCUMENT_EVENTS)
REGISTRY.update(DEADLINE_EVENTS)
REGISTRY.update(PUBLICITY_EVENTS)
_schemas = {k: v() for k, v in REGISTRY.items()}


def register_case_events(names) -> None:
    """Register the events of the case acts (each carries the act's trail body: CaseEventV1)."""
    shared = _schemas.get(("case.lead_registered", 1)) or CaseEventV1()
    for name in names:
        REGISTRY[(name, 1)] = CaseEventV1
        _schemas[(name, 1)] = shared


def validate_event(event_type: str, version: int, payload: dict) -> dict:
    """Return the payload as the schema dumps it; raise on an unknown type/version or a bad payload.

    A payload that fits its schema's plan (`_event_plan`: exact types, no unknown keys, every required key) is
    what marshmallow would accept, and the plan builds what it would dump; anything else (every payload it
    would refuse among them) goes through marshmallow itself, which gives the verdict and the errors."""
    key = (event_type, version)
    schema = _schemas.get(key)
    if schema is None:
        raise UnknownEvent(f"unknown event {event_type} v{version}")
    plan = _event_plans.get(key, _event_plans)
    if plan is _event_plans:
        plan = _event_plans[key] = _event_plan(schema)
    if plan is not None and type(payload) is dict:
        out = _planned_dump(plan, payload)
        if out is not None:
            return out
    errors = schema.validate(payload)
    if errors:
        raise ValidationError(errors)
    return schema.dump(payload)


# --- one event: the schema's fields checked directly (the act's path, issue 17) ------------------------------

_PLAIN = {fields.String: str, fields.Dict: dict, fields.Raw: None}
_event_plans: dict[tuple[str, int], tuple | None] = {}


def _event_plan(schema) -> tuple | None:
    """(name, exact type or None for Raw, required, allow_none) per field in dump order, for a schema of plain
    String, Dict (no key or value fields) and Raw fields that refuses unknown keys, with no validators, hooks or
    renamed fields; else None."""
    from marshmallow import RAISE

    if any(schema._hooks.values()) or schema.unknown != RAISE or schema.only or schema.exclude:
        return None
    plan = []
    for name, f in schema.dump_fields.items():
        if type(f) not in _PLAIN or name not in schema.load_fields:
            return None
        if (f.validators or f.data_key not in (None, name) or f.attribute not in (None, name)
                or (type(f) is fields.Dict and (f.key_field is not None or f.value_field is not None))):
            return None
        plan.append((name, _PLAIN[type(f)], f.required, f.allow_none))
    if set(schema.load_fields) != {p[0] for p in plan}:
        return None
    return tuple(plan)


def _planned_dump(plan: tuple, payload: dict) -> dict | None:
    """What schema.dump gives for a payload schema.validate accepts, or None when the payload does not fit the plan
    (exact str for a String, exact dict for a Dict — copied, as Dict dumps it — None only where allowed)."""
    out = {}
    n = 0
    for name, kind, required, allow_none in plan:
        if name not in payload:
            if required:
                return None
            continue
        n += 1
        v = payload[name]
        if v is None:
            if not allow_none:
                return None
            out[name] = None
        elif kind is None:
            out[name] = v
        elif type(v) is not kind:
            return None
        else:
            out[name] = dict(v) if kind is dict else v
    return out if n == len(payload) else None  # a key outside the plan: marshmallow says which


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
    """validate_event for many payloads of one type, with the same verdict and an equal result.

    For a flat schema (plain String / Integer / Boolean fields, no validators or hooks) a payload of
    exactly those types is accepted by a direct check, which is what marshmallow would conclude and
    dump unchanged: that payload itself is returned (not a copy; callers must not change it). Its shape
    (which keys, whether every required field is there) is checked once per distinct key order in the
    batch — the sweep's payloads all share one — and then only the value types per payload. Anything
    else goes through validate_event itself.
    """
    key = (event_type, version)
    if key not in _schemas:
        raise UnknownEvent(f"unknown event {event_type} v{version}")
    if key not in _flat_plans:
        _flat_plans[key] = _flat_plan(_schemas[key])
    plan = _flat_plans[key]
    if plan is None:
        return [validate_event(event_type, version, p) for p in payloads]
    out = []
    shapes: dict[tuple, list | None] = {}
    verdicts: dict[tuple, bool] = {}
    for p in payloads:
        keys = tuple(p)
        checks = shapes.get(keys, _UNSEEN)
        if checks is _UNSEEN:
            checks = shapes[keys] = _shape_checks(plan, keys)
        if checks is None:
            out.append(validate_event(event_type, version, p))
            continue
        types = (keys, tuple(map(type, p.values())))  # exact types decide: one verdict per combination
        ok = verdicts.get(types)
        if ok is None:
            ok = verdicts[types] = all((t is _NONE and allow_none) or t in allowed
                                       for t, (allowed, allow_none) in zip(types[1], checks, strict=True))
        out.append(p if ok else validate_event(event_type, version, p))
    return out


_NONE = type(None)
_UNSEEN = object()


def _shape_checks(plan: dict, keys: tuple) -> list | None:
    """Per key of this shape, (types, allow_none); None when the keys alone rule the fast path out."""
    if any(k not in plan for k in keys):
        return None
    present = set(keys)
    if any(required and name not in present for name, (_, required, _) in plan.items()):
        return None
    return [(plan[k][0], plan[k][2]) for k in keys]
