"""The one envelope every event travels in."""

from marshmallow import RAISE, Schema, fields


class EnvelopeV1(Schema):
    class Meta:
        unknown = RAISE

    event_id = fields.UUID(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    agency_id = fields.Integer(allow_none=True, required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    case_seq = fields.Integer(allow_none=True, required=True)
    actor = fields.Dict(required=True)
    payload = fields.Dict(required=True)
