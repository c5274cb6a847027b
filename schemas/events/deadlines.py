"""Versioned payloads (v1) of the deadline events the sweep writes: a warning before a deadline, a
deadline missed, an optional window closed unused, a due date that can only be counted provisionally for
lack of calendar data, and a provisional due date recounted once the year is loaded. Unknown keys are refused. Dates are ISO strings (local dates; due_at in UTC)."""

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


class DeadlineRescheduledV1(DeadlineEventV1):
    """A provisional due date (counted on a year whose State Council notice was not loaded) recounted on the
    calendar as loaded now: the officers of the case learn the confirmed (or still provisional) dates."""

    warn_on = fields.String(allow_none=True, required=True)
    previous_due_on = fields.String(allow_none=True, required=True)
    previous_warn_on = fields.String(allow_none=True, required=True)
    provisional = fields.Boolean(required=True)  # still provisional: a later year is missing too
    calendar_missing_year = fields.Integer(allow_none=True, required=True)
    provisional_year = fields.Integer(allow_none=True, required=True)  # the year it was provisional on
    changed = fields.Boolean(required=True)  # the due or warning date moved


DEADLINE_EVENTS: dict[tuple[str, int], type[Schema]] = {
    ("deadline.warning", 1): DeadlineEventV1,
    ("deadline.missed", 1): DeadlineEventV1,
    ("deadline.expired", 1): DeadlineEventV1,
    ("deadline.calendar_missing", 1): DeadlineCalendarMissingV1,
    ("deadline.rescheduled", 1): DeadlineRescheduledV1,
}
