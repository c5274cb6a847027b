"""Cases: leads, the list, one case, its acts (one route per act), its trail, evidence, summary decisions."""

from __future__ import annotations

import json

from flask import g, request, send_file
from marshmallow import ValidationError

from casebook.domain.errors import ValidationFailed
from casebook.domain.text import content_disposition
from casebook.services import audit as audit_svc
from casebook.services import case_list
from casebook.services import cases as svc
from casebook.services import evidence as ev_svc
from casebook.services.acts import CASE_ROUTE_ACTS
from casebook.web.api import Blueprint, error_responses
from casebook.web.limits import check_json_depth
from casebook.web.permission import permission_first
from casebook.web.tx import (
    command,
    etag_for,
    if_match_version,
    json_response,
    keyset_page,
    read,
    read_session_factory,
    settings,
)
from schemas.api.cases import (
    ActionStatus,
    CaseListArgs,
    CaseListOut,
    CaseOut,
    LeadIn,
    SummaryDecisionIn,
    TrailEntryOut,
)
from schemas.api.fastdump import compile_dump
from schemas.api.records import EvidenceMetaIn, EvidenceOut

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="案件：案源登记、立案、调查、告知、听证、决定、送达、执行、结案")

case_out, evidence_out = CaseOut(), EvidenceOut()
dump_case = compile_dump(case_out)  # = case_out.dump (tests compare them), without marshmallow's per-field calls


def errors(*codes):
    return error_responses(blp, *codes)


def _case_response(s, case, status=200):
    return dump_case(case), status, {"ETag": etag_for(case.version), "Location": f"/api/v1/cases/{case.id}"}


@blp.route("/cases", methods=["POST"])
@permission_first("register_lead")
@blp.arguments(LeadIn)
@blp.response(201, CaseOut, description="已登记的案源")
@errors(401, 403, 422)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"}, "required": False}])
def register_lead(data):
    """案源登记（线索）"""
    return command(lambda s: _case_response(s, svc.register_lead(s, g.actor, data, settings=settings()), 201))


@blp.route("/cases", methods=["GET"])
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, CaseListOut)
@errors(401, 422)
def list_cases(args):
    """按阶段、机关、执法人员、当事人、案号、日期筛选案件（键集分页，新案在前）"""
    limit, after = args.pop("limit"), args.pop("after", None)

    def run(s):
        # Items come as CaseBriefOut's dicts from one Core query (services.case_list): no ORM objects, no marshmallow.
        return keyset_page(case_list.list_cases(s, g.actor, args, limit=limit + 1, after=after), limit)

    return read(run)


@blp.route("/cases/<id:case_id>", methods=["GET"])
@blp.response(200, CaseOut, headers={"ETag": {"schema": {"type": "string"}, "description": "案件版本，修改时放入 If-Match"}})
@errors(401, 404)
def get_case(case_id):
    """查看案件"""
    def run(s):
        case = svc.load_case(s, g.actor, case_id)
        etag = etag_for(case.version)
        if request.headers.get("If-None-Match") == etag:
            return json_response({}, 304, {"ETag": etag})
        return json_response(dump_case(case), 200, {"ETag": etag})
    return read(run)


@blp.route("/cases/<id:case_id>/actions", methods=["GET"])
@blp.response(200, ActionStatus(many=True))
@errors(401, 404)
def list_actions(case_id):
    """当前可执行的操作，以及不能执行的原因"""
    def run(s):
        case = svc.load_case(s, g.actor, case_id)
        return json_response(svc.available_actions(s, g.actor, case))
    return read(run)


@blp.route("/cases/<id:case_id>/trail", methods=["GET"])
@blp.response(200, TrailEntryOut(many=True))
@errors(401, 404)
def case_trail(case_id):
    """案件的全过程记录（哈希链条目）"""
    def run(s):
        svc.load_case(s, g.actor, case_id)
        return json_response(TrailEntryOut(many=True).dump(audit_svc.case_trail(s, case_id)))
    return read(run)


def _make_action_view(action: str, schema):
    def view(data, case_id):
        expected = if_match_version()
        return command(lambda s: _case_response(
            s, svc.perform(s, g.actor, case_id, action, data, expected_version=expected, settings=settings())))

    view.__name__ = f"act_{action}"
    t = CASE_ROUTE_ACTS[action]
    view.__doc__ = f"{t.label}\n\n{t.article or ''}".strip()
    view = errors(401, 403, 404, 409, 412, 422, 428)(view)
    view = blp.doc(parameters=[
        {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}, "description": "GET 返回的 ETag"},
        {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string"}},
    ])(view)
    view = blp.response(200, CaseOut)(view)
    view = blp.arguments(schema)(view)
    view = permission_first(action)(view)
    blp.route(f"/cases/<id:case_id>/actions/{action}", methods=["POST"], endpoint=f"act_{action}")(view)


for _action, _act in CASE_ROUTE_ACTS.items():  # one route per act, from its declaration
    _make_action_view(_action, _act.schema)


@blp.route("/summary-decisions", methods=["POST"])
@permission_first("decide_on_the_spot")
@blp.arguments(SummaryDecisionIn)
@blp.response(201, CaseOut)
@errors(401, 403, 409, 422)
def summary_decision(data):
    """当场作出行政处罚决定（简易程序，行政处罚法 第五十一、五十二条）"""
    return command(lambda s: _case_response(s, svc.decide_on_the_spot(s, g.actor, data, settings=settings()), 201))


@blp.route("/cases/<id:case_id>/evidence", methods=["GET"])
@blp.response(200, EvidenceOut(many=True))
@errors(401, 404)
def list_evidence(case_id):
    """案件证据"""
    return read(lambda s: json_response(EvidenceOut(many=True).dump(ev_svc.list_evidence(s, g.actor, case_id))))


@blp.route("/cases/<id:case_id>/evidence", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["meta"],
               "properties": {"meta": {"$ref": "#/components/schemas/EvidenceMetaIn"},
                              "file": {"type": "string", "format": "binary", "description": "证据文件（pdf、jpg、png 等）"}}},
    # the meta part is JSON text: its fields are those of EvidenceMetaIn (kind, title, collected_on, collected_by …)
    "encoding": {"meta": {"contentType": "application/json"}}}}})
@blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
@blp.response(201, EvidenceOut)
@errors(401, 403, 404, 409, 413, 415, 422, 428)
@permission_first("add_evidence")
def add_evidence(case_id):
    """登记证据并上传文件（按内容识别类型，按 SHA-256 存储）"""
    raw = request.form.get("meta")
    if raw is None:
        raise ValidationFailed("缺少证据信息 meta", code="meta_missing", errors={"meta": ["必填"]})
    if "\x00" in raw or "\\u0000" in raw:
        raise ValidationFailed("证据信息含有不允许的 NUL 控制字符", code="invalid_character", errors={"meta": ["含 NUL 字符"]})
    try:
        check_json_depth(raw.encode("utf-8", "surrogatepass"))
        meta = EvidenceMetaIn().load(json.loads(raw))
    except (ValueError, TypeError, RecursionError):
        raise ValidationFailed("meta 不是合法的 JSON", code="malformed_json", errors={"meta": ["不是合法的 JSON"]}) from None
    except ValidationError as e:
        raise ValidationFailed("证据信息有误", errors=e.messages) from None
    upload = request.files.get("file")
    if upload is not None and not upload.filename:
        # A part with content but no file name used to be dropped silently while the evidence was created.
        raise ValidationFailed("上传的文件缺少文件名", code="file_name_missing", errors={"file": ["缺少文件名"]})
    expected = if_match_version()

    def run(s):
        case, ev = ev_svc.add_evidence(s, g.actor, case_id, meta, upload.stream if upload is not None else None,
                                       upload.filename if upload is not None else None, expected_version=expected, settings=settings())
        return evidence_out.dump(ev), 201, {"ETag": etag_for(case.version)}

    return command(run)


@blp.route("/evidence/<id:evidence_id>/content", methods=["GET"])
@blp.response(200, description="证据文件", content_type="application/octet-stream")
@errors(401, 404)
def evidence_content(evidence_id):
    """下载证据文件"""
    with read_session_factory()() as s:
        ev, path = ev_svc.evidence_file(s, g.actor, evidence_id, settings())
    resp = send_file(path, mimetype=ev.media_type or "application/octet-stream", as_attachment=True,
                     download_name=ev.file_sha256, etag=ev.file_sha256)
    # RFC 6266 with filename*; names stored before the clean-up are cleaned on the way out too.
    resp.headers["Content-Disposition"] = content_disposition(ev.original_name or ev.file_sha256)
    resp.headers["X-Content-SHA256"] = ev.file_sha256
    resp.headers["Cache-Control"] = "no-store"  # evidence is personal data: not kept in any cache
    return resp
