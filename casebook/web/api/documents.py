"""Documents (文书): preview, issue with a 文号, status and content, void; the bound 案卷."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app, g, send_file
from marshmallow import INCLUDE, Schema

from casebook.services import documents as svc
from casebook.services.loading import load_case
from casebook.web.api import Blueprint, checked_first, error_responses
from casebook.web.tx import (
    command,
    if_match_version,
    json_response,
    keyset_page,
    read,
    read_session_factory,
    settings,
)
from schemas.api.documents import (
    CaseFileIn,
    CasePreviewIn,
    DocumentIssueIn,
    DocumentListArgs,
    DocumentListOut,
    DocumentOut,
    DocumentRefArgs,
    DocumentTypeOut,
    VoidIn,
)

blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                description="文书：预览、出具（文号）、生成状态与下载、作废；案卷组卷")

document_out = DocumentOut()
PDF_BODY = {"type": "string", "format": "binary"}


def errors(*codes):
    return error_responses(blp, *codes)


class ExplicitContextIn(Schema):
    """The document's whole context, as in pdf_templates/<type>/sample.json; checked by the type's schema."""

    class Meta:
        unknown = INCLUDE


def _pdf(pdf: bytes, filename: str):
    resp = current_app.response_class(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _options(args: dict) -> svc.Options:
    return svc.Options(**{k: args.get(k) for k in ("act_id", "served", "review_id", "discussion_id", "referral_id")})


def _accepted(doc):
    return document_out.dump(doc), 202, {"Location": f"/api/v1/documents/{doc.id}"}


@blp.route("/document-types", methods=["GET"])
@blp.response(200, DocumentTypeOut(many=True))
@errors(401)
def document_types():
    """文书类型：能否由案件数据生成、是否编文号、须补充的内容"""
    return json_response(svc.document_types())


def _case_preview(case_id: int, doc_type: str, args: dict, fields: dict | None):
    with read_session_factory()() as s:
        context = svc.preview_case_context(s, g.actor, case_id, doc_type, options=_options(args), fields=fields)
    # rendered after the session is closed: no connection is held while WeasyPrint works
    return _pdf(svc.render_preview(doc_type, context, actor=g.actor, settings=settings()),
                f"预览-{doc_type}-{case_id}.pdf")


@blp.route("/cases/<id:case_id>/documents/<doc_type>/preview", methods=["GET"])
@blp.arguments(DocumentRefArgs, location="query")
@blp.response(200, PDF_BODY, description="预览 PDF（标注“预览”，不编文号，不保存，不记录）", content_type="application/pdf")
@errors(401, 404, 409, 422, 429)
def preview_case_document(args, case_id, doc_type):
    """按案件当前数据预览文书"""
    return _case_preview(case_id, doc_type, args, None)


@blp.route("/cases/<id:case_id>/documents/<doc_type>/preview", methods=["POST"])
@checked_first(lambda s, actor, case_id, **_: load_case(s, actor, case_id))  # readers of the case
@blp.arguments(CasePreviewIn)
@blp.response(200, PDF_BODY, description="预览 PDF", content_type="application/pdf")
@errors(401, 404, 409, 422, 429)
def preview_case_document_with_fields(data, case_id, doc_type):
    """按案件当前数据加补充内容预览文书"""
    return _case_preview(case_id, doc_type, data, data.get("fields"))


@blp.route("/documents/preview/<doc_type>", methods=["POST"])
@blp.arguments(ExplicitContextIn)
@blp.response(200, PDF_BODY, description="预览 PDF", content_type="application/pdf")
@errors(401, 403, 404, 422, 429)
def preview_explicit(context, doc_type):
    """以完整内容预览文书（法制审核意见书、集体讨论记录、移送书等尚无案件数据的文书）"""
    return _pdf(svc.render_explicit_preview(g.actor, doc_type, context, settings=settings()), f"预览-{doc_type}.pdf")


@blp.route("/cases/<id:case_id>/documents", methods=["POST"])
@checked_first(lambda s, actor, case_id: svc.check_issuer(s, actor, case_id))
@blp.arguments(DocumentIssueIn)
@blp.response(202, DocumentOut, description="已编号并排队生成；轮询 GET /documents/{id}")
@errors(401, 403, 404, 409, 422)
@blp.doc(parameters=[
    {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
     "description": "案件的 ETag：只按您所见的案件数据出具（可选）"},
    {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"}, "required": False}])
def issue_document(data, case_id):
    """出具文书：编文号、保存内容快照、记录，由后台生成 PDF"""
    expected = if_match_version(required=False)
    return command(lambda s: _accepted(svc.issue_document(
        s, g.actor, case_id, data["doc_type"], options=_options(data), fields=data.get("fields"),
        expected_version=expected)))


@blp.route("/cases/<id:case_id>/documents", methods=["GET"])
@blp.arguments(DocumentListArgs, location="query")
@blp.response(200, DocumentListOut)
@errors(401, 404)
def list_documents(args, case_id):
    """案件的文书（键集分页，先出具的在前）"""
    limit, after = args["limit"], args.get("after")

    def run(s):
        rows = svc.list_documents(s, g.actor, case_id, limit=limit + 1, after=after)
        return keyset_page(rows, limit, DocumentOut(many=True))

    return read(run)


@blp.route("/cases/<id:case_id>/case-file", methods=["POST"])
@checked_first(lambda s, actor, case_id: svc.check_issuer(s, actor, case_id))
@blp.arguments(CaseFileIn)
@blp.response(202, DocumentOut, description="排队组卷；轮询 GET /documents/{id} 查看进度")
@errors(401, 403, 404, 409, 422)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"}, "required": False}])
def request_case_file(data, case_id):
    """组卷：把本案已生成的文书按立案、调查、审查、决定、送达、执行顺序装订成 PDF/A-2b 案卷"""
    return command(lambda s: _accepted(svc.request_case_file(s, g.actor, case_id, data)))


@blp.route("/documents/<id:document_id>", methods=["GET"])
@blp.response(200, DocumentOut)
@errors(401, 404)
def get_document(document_id):
    """文书或案卷：状态、进度、文号、SHA-256、页数"""
    return read(lambda s: json_response(document_out.dump(svc.get_document(s, g.actor, document_id))))


@blp.route("/documents/<id:document_id>/content", methods=["GET"])
@blp.response(200, PDF_BODY, description="PDF", content_type="application/pdf")
@errors(401, 404, 409)
def document_content(document_id):
    """下载已生成的文书 PDF（按 SHA-256 存储）"""
    with read_session_factory()() as s:
        doc, path = svc.document_file(s, g.actor, document_id, settings())
        name = f"{document_out.dump(doc)['title']}{doc.document_no or doc.id}.pdf"
        sha256, status = doc.sha256, doc.status
    resp = send_file(path, mimetype="application/pdf", as_attachment=False, download_name=name, etag=sha256)
    resp.headers["X-Content-SHA256"] = sha256
    resp.headers["X-Document-Status"] = status
    return resp


@blp.route("/documents/<id:document_id>/void", methods=["POST"])
@checked_first(lambda s, actor, document_id: svc.check_void(s, actor, document_id))
@blp.arguments(VoidIn)
@blp.response(200, DocumentOut)
@errors(401, 403, 404, 409, 422)
def void_document(data, document_id):
    """作废文书（记录在案；文号不再使用）"""
    return command(lambda s: (document_out.dump(svc.void_document(s, g.actor, document_id, data["reason"])), 200, {}))
