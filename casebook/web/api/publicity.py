"""Publicity (公示) for staff: the agency's publication queue, the preview of what the public will see beside the
original, and the acts (publish, exclude, withdraw, early removal) plus the 复议/诉讼 outcome on a case."""

from __future__ import annotations

from flask import g

from casebook.services import publicity as svc
from casebook.web.api import Blueprint, checked_first, error_responses, roles_first
from casebook.web.tx import command, json_response, read
from schemas.api.publicity import (
    AgencySystemIn,
    AgencySystemOut,
    DraftIn,
    ExcludeIn,
    PreviewOut,
    PublicationListArgs,
    PublicationListOut,
    PublicationOut,
    PublishIn,
    RemedyOutcomeIn,
    RemedyOutcomeOut,
    RemovalIn,
    WithdrawIn,
)

blp = Blueprint("publicity", __name__, url_prefix="/api/v1", description="公示：行政处罚决定信息的公示、撤回、提前停止公示")


def errors(*codes):
    return error_responses(blp, *codes)


def _one(s, pub):
    return PublicationOut().dump(svc.view(s, pub)), 200, {}


@blp.route("/publications", methods=["GET"])
@blp.arguments(PublicationListArgs, location="query")
@blp.response(200, PublicationListOut)
@errors(401, 422)
def list_publications(args):
    """本机关的公示记录（待公示在前按期限办理），最新的在前（键集分页）"""
    limit = args["limit"]

    def run(s):
        rows = svc.queue(s, g.actor, status=args.get("status"), limit=limit + 1, after=args.get("after"))
        items = PublicationOut(many=True).dump(rows[:limit])
        return json_response({"items": items, "page": {"limit": limit,
                                                       "next_after": items[-1]["id"] if len(rows) > limit else None}})

    return read(run)


@blp.route("/publications/<id:pub_id>", methods=["GET"])
@blp.response(200, PreviewOut)
@errors(401, 404)
def preview(pub_id):
    """预览：原文与公众将看到的内容并列"""
    return read(lambda s: json_response(PreviewOut().dump(svc.preview(s, g.actor, pub_id))))


@blp.route("/publications/<id:pub_id>/draft", methods=["POST"])
@checked_first(lambda s, actor, pub_id: svc.check_act(s, actor, pub_id, "publication.update"))
@blp.arguments(DraftIn)
@blp.response(200, PublicationOut)
@errors(401, 403, 404, 409, 422)
def update_draft(data, pub_id):
    """修改待公示记录：登记需遮蔽的第三人姓名、禁止期限"""
    return command(lambda s: _one(s, svc.update_draft(s, g.actor, pub_id, **data)))


@blp.route("/publications/<id:pub_id>/publish", methods=["POST"])
@checked_first(lambda s, actor, pub_id: svc.check_act(s, actor, pub_id, "publication.publish"))
@blp.arguments(PublishIn)
@blp.response(200, PublicationOut)
@errors(401, 403, 404, 409, 422)
def publish(data, pub_id):
    """负责人审核发布"""
    return command(lambda s: _one(s, svc.publish(s, g.actor, pub_id)))


@blp.route("/publications/<id:pub_id>/exclusion", methods=["POST"])
@checked_first(lambda s, actor, pub_id: svc.check_act(s, actor, pub_id, "publication.exclude"))
@blp.arguments(ExcludeIn)
@blp.response(200, PublicationOut)
@errors(401, 403, 404, 409, 422)
def exclude(data, pub_id):
    """涉及国家秘密、商业秘密或个人隐私，不予公开（记录理由）"""
    return command(lambda s: _one(s, svc.exclude(s, g.actor, pub_id, **data)))


@blp.route("/publications/<id:pub_id>/withdrawal", methods=["POST"])
@checked_first(lambda s, actor, pub_id: svc.check_act(s, actor, pub_id, "publication.withdraw"))
@blp.arguments(WithdrawIn)
@blp.response(200, PublicationOut)
@errors(401, 403, 404, 409, 422)
def withdraw(data, pub_id):
    """撤回公示（行政处罚法第四十八条第二款：三个工作日内），理由代替原文显示"""
    return command(lambda s: _one(s, svc.withdraw(s, g.actor, pub_id, reason=data["reason"])))


@blp.route("/publications/<id:pub_id>/removal", methods=["POST"])
@checked_first(lambda s, actor, pub_id: svc.check_act(s, actor, pub_id, "publication.remove"))
@blp.arguments(RemovalIn)
@blp.response(200, PublicationOut)
@errors(401, 403, 404, 409, 422)
def removal(data, pub_id):
    """信用修复：符合条件的提前停止公示（较重处罚不适用）"""
    conditions = {k: data[k] for k in ("performed", "harm_removed", "no_repeat", "not_listed")}
    return command(lambda s: _one(s, svc.apply_removal(s, g.actor, pub_id, conditions=conditions,
                                                        applied_on=data["applied_on"], note=data.get("note"))))


@blp.route("/cases/<id:case_id>/remedy-outcomes", methods=["POST"])
@checked_first(lambda s, actor, case_id: svc.check_remedy(s, actor, case_id))
@blp.arguments(RemedyOutcomeIn)
@blp.response(201, RemedyOutcomeOut)
@errors(401, 403, 404, 422)
def remedy_outcome(data, case_id):
    """登记行政复议、行政诉讼结果；撤销、变更、确认违法的，同时撤回公示"""
    return command(lambda s: (RemedyOutcomeOut().dump(svc.record_remedy_outcome(s, g.actor, case_id, **data)), 201, {}))


@blp.route("/admin/agencies/<id:agency_id>/publication-system", methods=["PUT"])
@roles_first("admin", what="agency.publication_system")
@blp.arguments(AgencySystemIn)
@blp.response(200, AgencySystemOut)
@errors(401, 403, 404, 422)
def set_agency_system(data, agency_id):
    """管理员设置机关适用的公示规则（公示期限、警告与不予处罚是否公示、公示期、决定书的公示告知语）"""
    return command(lambda s: (AgencySystemOut().dump(svc.set_agency_system(s, g.actor, agency_id, data["system"])), 200, {}))
