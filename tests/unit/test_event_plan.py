"""validate_event's direct check of a plain schema (schemas.events.registry._event_plan) gives marshmallow's verdict
and marshmallow's dump — same keys, same order, same values — for payloads it accepts and those it refuses."""

import pytest
from marshmallow import ValidationError

from schemas.events import registry
from schemas.events.registry import _schemas, validate_event

CASES = [
    {"action": "file", "stage_from": "lead", "stage_to": "filed", "case_no": "X立〔2026〕1号", "data": {"a": 1}},
    {"data": {"a": [1, {"b": None}]}, "case_no": None, "stage_to": None, "stage_from": None, "action": "x"},
    {"action": "file", "stage_from": "lead", "stage_to": "filed", "data": {}},  # case_no is optional
    {"action": "file", "stage_from": "lead", "stage_to": "filed", "case_no": 5, "data": {}},  # not a string
    {"action": None, "stage_from": "lead", "stage_to": "filed", "data": {}},  # action may not be None
    {"action": "file", "stage_to": "filed", "data": {}},  # stage_from required
    {"action": "file", "stage_from": "lead", "stage_to": "filed", "data": {}, "extra": 1},  # unknown key
    {"action": "file", "stage_from": "lead", "stage_to": "filed", "data": [1]},  # not a mapping
    {"action": "file", "stage_from": "lead", "stage_to": "filed", "data": None},
    {"action": b"file", "stage_from": "lead", "stage_to": "filed", "data": {}},  # bytes: marshmallow's own path
    {"action": "register", "id": 3, "data": {"x": "y"}},
    {"action": "register", "id": None, "data": {}},
    {"action": "register", "data": {}},
]


def _marshmallow(schema, payload):
    errors = schema.validate(payload)
    return ("refused", sorted(errors)) if errors else ("ok", list(schema.dump(payload).items()))


def _ours(event_type, payload):
    try:
        return ("ok", list(validate_event(event_type, 1, payload).items()))
    except ValidationError as e:
        return ("refused", sorted(e.messages))


@pytest.mark.parametrize("event_type", ["case.filed", "party.registered"])
@pytest.mark.parametrize("payload", CASES)
def test_same_verdict_and_dump_as_marshmallow(event_type, payload):
    import casebook.services.acts  # noqa: F401  (registers the case events)

    schema = _schemas[(event_type, 1)]
    assert registry._event_plan(schema) is not None  # the direct check applies to these schemas
    assert _ours(event_type, payload) == _marshmallow(schema, payload)


def test_dict_is_copied_as_marshmallow_dumps_it():
    import casebook.services.acts  # noqa: F401

    data = {"a": 1}
    out = validate_event("case.filed", 1, {"action": "file", "stage_from": None, "stage_to": "filed", "data": data})
    assert out["data"] == data and out["data"] is not data
