"""Versioned payloads (v1) of the deadline events the sweep writes: a warning before a deadline, a
deadline missed, an optional window closed unused, a due date that cannot be counted for lack of
calendar data. Unknown keys are refused. Dates are ISO strings (local dates; due_at in UTC)."""

from marshmallow import RAISE, Schema, fields


class DeadlineEventV1(Schema):
    class Meta:
        unknown = RAISE

    deadline_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    ref = fields.String(required=True)
    case_no = fields.String(allow_none=True, load_default=None)
    basis = fields.String(required=True)
    starts_on = fields.String(required=True)
    due_on = fields.String(allow_none=True, required=True)
    due_at = fields.String(allow_none=True, required=True)


class DeadlineCalendarMissingV1(DeadlineEventV1):
    """The due date needs a year the calendar has no holiday data for: an administrator must load it."""

    year = fields.Integer(required=True)
    message = fields.String(required=True)


DEADLINE_EVENTS: dict[tuple[str, int], type[Schema]] = {
    ("deadline.warning", 1): DeadlineEventV1,
    ("deadline.missed", 1): DeadlineEventV1,
    ("deadline.expired", 1): DeadlineEventV1,
    ("deadline.calendar_missing", 1): DeadlineCalendarMissingV1,
}
