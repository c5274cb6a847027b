"""Versioned payloads (v1) of the publicity (公示) events: every publication act raises one, so a later push to
信用中国 / 国家企业信用信息公示系统 can subscribe. Unknown keys are refused; dates are ISO strings."""

from marshmallow import RAISE, Schema, fields


class PublicationEventV1(Schema):
    class Meta:
        unknown = RAISE

    publication_id = fields.Integer(required=True)
    status = fields.String(required=True)
    case_no = fields.String(allow_none=True, load_default=None)
    document_no = fields.String(allow_none=True, load_default=None)
    system = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    due_on = fields.String(allow_none=True, load_default=None)
    published_on = fields.String(allow_none=True, load_default=None)
    display_until = fields.String(allow_none=True, load_default=None)
    ended_on = fields.String(allow_none=True, load_default=None)


class RemedyOutcomeV1(Schema):
    class Meta:
        unknown = RAISE

    remedy_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    outcome = fields.String(required=True)
    decided_on = fields.String(required=True)
    case_no = fields.String(allow_none=True, load_default=None)


PUBLICITY_EVENTS: dict[tuple[str, int], type[Schema]] = {
    **{(f"publication.{a}", 1): PublicationEventV1
       for a in ("drafted", "not_published", "excluded", "published", "withdrawn", "expired", "removed",
                 "removal_refused", "updated")},
    ("remedy.outcome_recorded", 1): RemedyOutcomeV1,
}
