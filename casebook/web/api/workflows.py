"""Read the legal-review queue and rounds, collective discussions, referrals and 复议/诉讼 (acts are case actions)."""

from __future__ import annotations

from flask import g
from marshmallow import fields, validate

from casebook.domain.deadlines import remedy_pause
from casebook.domain.vocabulary import REMEDY_CONCLUSIONS, REMEDY_KINDS
from casebook.services import workflows as wf
from casebook.web.api import Blueprint
from casebook.web.tx import json_response, read
from schemas.api.common import ErrorSchema, Strict

blp = Blueprint("workflows", __name__, url_prefix="/api/v1", description="法制审核、集体讨论、行刑衔接")


class QueueArgs(Strict):
    status = fields.String(validate=validate.OneOf(["submitted", "assigned", "approved", "returned"]))
    mine = fields.Boolean(load_default=False, metadata={"description": "只看指派给我的"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def _review(r) -> dict:
    return {"id": r.id, "case_id": r.case_id, "round": r.round, "status": r.status, "submitted_on": r.submitted_on.isoformat(),
            "due_on": r.due_on.isoformat() if r.due_on else None, "submitted_by_id": r.submitted_by_id,
            "reviewer_id": r.reviewer_id, "assigned_on": r.assigned_on.isoformat() if r.assigned_on else None,
            "opinion": r.opinion, "checklist": r.checklist, "opinion_text": r.opinion_text,
            "reviewed_on": r.reviewed_on.isoformat() if r.reviewed_on else None, "package": r.package}


def _referral(r) -> dict:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {"id": r.id, "case_id": r.case_id, "origin": r.origin, "status": r.status, "team_ids": r.team_ids,
            "formed_on": iso(r.formed_on), "report": r.report, "reported_on": iso(r.reported_on),
            "head_decision": r.head_decision, "head_decided_on": iso(r.head_decided_on), "head_reasons": r.head_reasons,
            "transferred_at": iso(r.transferred_at), "police_agency": r.police_agency, "procuratorate": r.procuratorate,
            "materials": r.materials, "evidence_manifest": r.evidence_manifest, "receipt_on": iso(r.receipt_on),
            "police_decision": r.police_decision, "police_notice_on": iso(r.police_notice_on),
            "police_reasons": r.police_reasons, "reconsideration_on": iso(r.reconsideration_on),
            "supervision_on": iso(r.supervision_on), "penalty_copy_on": iso(r.penalty_copy_on),
            "handed_over_on": iso(r.handed_over_on), "handover_items": r.handover_items,
            "handover_receiver": r.handover_receiver}


def _remedy(r) -> dict:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    since, until = remedy_pause(r.filed_on, r.concluded_on)
    return {"id": r.id, "case_id": r.case_id, "kind": r.kind, "kind_label": REMEDY_KINDS.get(r.kind, r.kind),
            "filed_on": iso(r.filed_on), "authority": r.authority, "remedy_case_no": r.remedy_case_no,
            "pending": r.concluded_on is None, "concluded_on": iso(r.concluded_on), "outcome": r.outcome,
            "outcome_label": REMEDY_CONCLUSIONS.get(r.outcome) if r.outcome else None, "document_no": r.document_no,
            "note": r.note,
            # 第七十三条: the 加处罚款 is not counted from `from` (the day filed) and counted again from `resumes_on` (the day
            # after it concluded; None while pending)
            "surcharge_not_counted": {"from": iso(since), "resumes_on": iso(until)}}


@blp.route("/legal-reviews", methods=["GET"])
@blp.arguments(QueueArgs, location="query")
@blp.response(200, description="法制审核队列（按到期日排序）")
@blp.alt_response(403, schema=ErrorSchema)
def queue(args):
    """法制审核队列：本机关待审、审核中（含到期日）"""
    def run(s):
        rows = wf.review_queue(s, g.actor, status=args.get("status"), mine=args["mine"], limit=args["limit"])
        return json_response([_review(r) for r in rows])
    return read(run)


@blp.route("/cases/<id:case_id>/legal-reviews", methods=["GET"])
@blp.response(200, description="本案每一轮法制审核")
@blp.alt_response(404, schema=ErrorSchema)
def rounds(case_id):
    """本案的法制审核（全部轮次）"""
    def run(s):
        rows = wf.review_rounds(s, g.actor, case_id)
        return json_response([_review(r) for r in rows])
    return read(run)


@blp.route("/cases/<id:case_id>/collective-discussions", methods=["GET"])
@blp.response(200, description="集体讨论记录")
@blp.alt_response(404, schema=ErrorSchema)
def discussions(case_id):
    """本案的集体讨论记录"""
    def run(s):
        rows = wf.discussions(s, g.actor, case_id)
        return json_response([{"id": d.id, "held_on": d.held_on.isoformat(), "attendees": d.attendees,
                               "opinions": d.opinions, "conclusion": d.conclusion} for d in rows])
    return read(run)


@blp.route("/cases/<id:case_id>/referrals", methods=["GET"])
@blp.response(200, description="行刑衔接（移送）记录")
@blp.alt_response(404, schema=ErrorSchema)
def referrals(case_id):
    """本案的移送记录（专案组、报告、审批、移送、回执、公安决定、复议与监督）"""
    def run(s):
        rows = wf.referrals(s, g.actor, case_id)
        return json_response([_referral(r) for r in rows])
    return read(run)


@blp.route("/cases/<id:case_id>/remedies", methods=["GET"])
@blp.response(200, description="行政复议、行政诉讼记录（行政处罚法第七十三条）")
@blp.alt_response(404, schema=ErrorSchema)
def remedies(case_id):
    """本案的行政复议、行政诉讼（申请或起诉日期、机关、终结情况，以及不计算加处罚款的期间）"""
    def run(s):
        return json_response([_remedy(r) for r in wf.remedies(s, g.actor, case_id)])
    return read(run)
