"""Versioned event payload schemas (v1). Issue 3 tightens per-type payloads; unknown keys are refused."""

from marshmallow import RAISE, Schema, fields


class CaseEventV1(Schema):
    """A case act: the stage move and the act's (PII-masked) input."""

    class Meta:
        unknown = RAISE

    action = fields.String(required=True)
    stage_from = fields.String(allow_none=True, required=True)
    stage_to = fields.String(allow_none=True, required=True)
    case_no = fields.String(allow_none=True)
    data = fields.Dict(required=True)


class RecordEventV1(Schema):
    """A non-case record (party, user, credential, calendar)."""

    class Meta:
        unknown = RAISE

    action = fields.String(required=True)
    id = fields.Raw(allow_none=True)
    data = fields.Dict(required=True)
