"""Versioned payloads (v1) of the document events: a 文书 (or bound 案卷, doc_type "case_file") requested,
rendered, failed or voided. Unknown keys are refused; the context itself never travels in an event."""

from marshmallow import RAISE, Schema, fields, validate

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$")


class DocumentEventV1(Schema):
    class Meta:
        unknown = RAISE

    document_id = fields.Integer(required=True)
    doc_type = fields.String(required=True)
    title = fields.String(required=True)
    document_no = fields.String(allow_none=True, load_default=None)
    case_no = fields.String(allow_none=True, load_default=None)


class DocumentRequestedV1(DocumentEventV1):
    """Issued: the 文号 (if any) is taken and the context snapshot stored; the worker renders it."""


class DocumentRenderedV1(DocumentEventV1):
    """Rendered and stored content-addressed: the SHA-256 of the PDF bytes, its size and pages."""

    sha256 = fields.String(required=True, validate=SHA256)
    size = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class DocumentRenderFailedV1(DocumentEventV1):
    error = fields.String(required=True)


class DocumentVoidedV1(DocumentEventV1):
    """作废: the number stays taken and is never reused."""

    reason = fields.String(required=True)


DOCUMENT_EVENTS: dict[tuple[str, int], type[Schema]] = {
    ("document.requested", 1): DocumentRequestedV1,
    ("document.rendered", 1): DocumentRenderedV1,
    ("document.render_failed", 1): DocumentRenderFailedV1,
    ("document.voided", 1): DocumentVoidedV1,
}
