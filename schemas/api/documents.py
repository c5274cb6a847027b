"""Document API schemas: issue, preview, void, the bound case file, and the document as returned."""

from marshmallow import fields, validate

from casebook.domain.vocabulary import DOCUMENT_STATUSES as STATUS_LABELS
from casebook.domain.vocabulary import RETENTIONS
from schemas.documents import DOCUMENT_TYPES

from .common import MAX_ID, PageArgs, PageMeta, Strict

CASE_DOCUMENT_TYPES = [code for code, t in DOCUMENT_TYPES.items() if t.stage is not None]
SERVED = ["decision", "prior_notice"]


class DocumentRefArgs(Strict):
    """Which document of the case is meant, where a case has several candidates."""

    act_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "笔录对应的调查取证活动"})
    served = fields.String(validate=validate.OneOf(SERVED), metadata={"description": "送达回证所送达的文书"})
    review_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"description": "法制审核意见书对应的审核轮次（默认最近一轮已出具意见的）"})
    discussion_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                                   metadata={"description": "集体讨论记录对应的讨论（默认最近一次）"})
    referral_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                                 metadata={"description": "移送书对应的移送（默认最近一次经批准的）"})


class CasePreviewIn(DocumentRefArgs):
    fields = fields.Dict(keys=fields.String(), metadata={
        "description": "案件记录中没有的内容（如违反的规定、联系人、笔录问答），按该文书的内容结构填写；不能改写取自案件的内容"})


class DocumentIssueIn(CasePreviewIn):
    doc_type = fields.String(required=True, validate=validate.OneOf(CASE_DOCUMENT_TYPES))


class VoidIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CaseFileIn(Strict):
    retention = fields.String(required=True, validate=validate.OneOf(RETENTIONS), metadata={"description": "保管期限"})
    archive_no = fields.String(validate=validate.Length(min=1, max=60), metadata={"description": "档号"})
    checked_by_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "检查人（本机关人员）"})
    notes = fields.List(fields.String(validate=validate.Length(min=1, max=500)), validate=validate.Length(max=20),
                        metadata={"description": "备考表：本卷情况说明"})


def _progress(d) -> int:
    return 100 if d.sha256 or d.status in ("rendered", "failed") else (d.progress or 0)


class DocumentOut(Strict):
    id = fields.Integer()
    case_id = fields.Integer()
    agency_id = fields.Integer()
    doc_type = fields.String()
    title = fields.Function(lambda d: "案卷" if d.doc_type == "case_file" else DOCUMENT_TYPES[d.doc_type].title)
    document_no = fields.String(allow_none=True)
    doc_date = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUS_LABELS)})
    stage = fields.Function(lambda d: STATUS_LABELS.get(d.status, d.status), metadata={"type": "string"})
    progress = fields.Function(_progress, metadata={"type": "integer", "description": "0–100"})
    sha256 = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    pages = fields.Integer(attribute="page_count", allow_none=True)
    pdf_variant = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    options = fields.Dict()
    requested_by = fields.Integer(allow_none=True)
    requested_at = fields.DateTime()
    rendered_at = fields.DateTime(allow_none=True)
    voided_by = fields.Integer(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    content_url = fields.Function(lambda d: f"/api/v1/documents/{d.id}/content" if d.sha256 else None,
                                  metadata={"type": "string", "nullable": True})


class DocumentListArgs(PageArgs):
    pass


class DocumentListOut(Strict):
    items = fields.List(fields.Nested(DocumentOut))
    page = fields.Nested(PageMeta)


class DocumentTypeOut(Strict):
    code = fields.String()
    title = fields.String()
    stage = fields.String()
    stage_title = fields.String()
    numbered = fields.Boolean()
    number_suffix = fields.String(allow_none=True)
    from_case = fields.Boolean(metadata={"description": "能否由案件数据生成；否则只能以完整内容预览"})
    supplement = fields.List(fields.String(), allow_none=True,
                             metadata={"description": "案件记录中通常没有、须在 fields 中提供的内容"})
    may_need = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True,
                           metadata={"description": "在特定情形下须在 fields 中补充的内容：字段 → 何种情形"})
