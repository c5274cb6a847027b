"""The bulk path of the deadline sweep gives the same verdicts as the one-at-a-time path: event validation
(events.contracts.validate_events vs validate_event) and masking by key name (masks_key vs mask_payload)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from casebook.domain.pii import mask_payload, masks_key
from events.contracts import REGISTRY, validate_event, validate_events

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.text(max_size=8), st.floats(allow_nan=False),
                   st.just("12"), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                                       max_size=1))
KEYS = st.sampled_from(["deadline_id", "kind", "label", "ref", "case_no", "basis", "starts_on", "due_on", "due_at", "year",
                        "message", "extra", "document_id", "doc_type", "title", "sha256", "size", "pages", "action",
                        "id", "data"])
TYPES = sorted({t for t, v in REGISTRY if t.startswith(("deadline.", "document.", "party.", "case."))})[:12]


def _verdict(fn):
    try:
        return "ok", fn()
    except ValidationError as e:
        return "invalid", e.messages


@settings(max_examples=400, deadline=None)
@given(event_type=st.sampled_from(TYPES), payload=st.dictionaries(KEYS, VALUES, max_size=10))
def test_bulk_validation_agrees_with_validate_event(event_type, payload):
    one = _verdict(lambda: validate_event(event_type, 1, payload))
    bulk = _verdict(lambda: validate_events(event_type, 1, [payload])[0])
    assert one == bulk


def test_a_well_formed_deadline_event_passes_the_bulk_check_unchanged():
    p = {"deadline_id": 7, "kind": "decision", "label": "作出处理决定期限", "ref": "", "case_no": None,
         "basis": "行政处罚法第六十条", "starts_on": "2026-03-03", "due_on": "2026-06-01", "due_at": None}
    assert validate_events("deadline.missed", 1, [p, p]) == [p, p]
    with pytest.raises(ValidationError):
        validate_events("deadline.missed", 1, [{**p, "deadline_id": True}])  # a bool is not an Integer


@pytest.mark.parametrize("key", ["phone", "legal_rep_phone", "address", "id_number", "resident_id", "bank_account",
                                 "Party_Address", "deadline_id", "kind", "case_no", "due_on", "label"])
def test_masks_key_says_exactly_which_keys_mask_payload_masks(key):
    value = "13806320001山东省枣庄市山亭区府前路88号370402198503120021"
    assert masks_key(key) == (mask_payload({key: value}) != {key: value})


@settings(max_examples=200, deadline=None)
@given(event_type=st.sampled_from(TYPES), payloads=st.lists(st.dictionaries(KEYS, VALUES, max_size=10), max_size=6))
def test_a_batch_of_mixed_shapes_gets_each_payloads_own_verdict(event_type, payloads):
    # The shape is checked once per key order in a batch: payloads of other shapes must not share its verdict.
    batch = payloads + [dict(reversed(list(p.items()))) for p in payloads]
    one = [_verdict(lambda p=p: validate_event(event_type, 1, p)) for p in batch]
    valid = [p for p, v in zip(batch, one, strict=True) if v[0] == "ok"]
    assert validate_events(event_type, 1, valid) == [v[1] for v in one if v[0] == "ok"]
