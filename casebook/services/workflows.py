"""Legal review (法制审核), collective discussion (集体讨论) and criminal referral (行刑衔接): the effects of
their acts. Each act runs through services.cases.perform, so it is scoped, guarded, trailed and evented
like every other act; deadlines are planned and settled through services.deadlines when it is present.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.db.models import Case, CollectiveDiscussion, Evidence, LegalReview, Referral, User
from casebook.domain.deadlines import local_date
from casebook.domain.evidence import EVIDENCE_KINDS
from casebook.domain.lifecycle import REFERRAL_MATERIALS

from .calendar import get_calendar

DEFAULT_REVIEW_LIMIT_WORKING_DAYS = 10  # 市监: 10 working days; local rules commonly 3–10 [U]


def _deadlines():
    """The deadlines service, if this build has it (planned deadlines are additive to the workflow)."""
    try:
        from . import deadlines
    except ImportError:  # pragma: no cover — only before the deadlines module lands
        return None
    return deadlines


def _plan(s, case, kind, **kw):
    d = _deadlines()
    if d is not None:
        d.plan(s, case, kind, **kw)


def _settle(s, case, kind, **kw):
    d = _deadlines()
    if d is not None:
        d.settle(s, case, kind, **kw)


def _latest(s: Session, model, case: Case):
    order = model.round.desc() if model is LegalReview else model.id.desc()
    return s.execute(select(model).where(model.case_id == case.id).order_by(order).limit(1)).scalar_one_or_none()


def assignee_view(s: Session, case: Case, reviewer_id: int) -> dict:
    """What the guards need to know of a proposed reviewer."""
    u = s.get(User, reviewer_id)
    if u is None or not u.active:  # a reviewer who has left is no longer one of the agency's reviewers
        return {"id": reviewer_id, "roles": [], "same_agency": False, "bar_qualified": False, "completed_reviews": 0}
    done = s.execute(select(func.count()).select_from(LegalReview).where(
        LegalReview.reviewer_id == u.id, LegalReview.opinion.is_not(None))).scalar_one()
    return {"id": u.id, "roles": list(u.roles or ()), "same_agency": u.agency_id == case.agency_id,
            "bar_qualified": bool(u.bar_qualified), "completed_reviews": done}


def evidence_manifest(s: Session, case: Case) -> list[dict]:
    """Name, kind and SHA-256 of each evidence file: the manifest of a transfer (国务院令第310号 第六条)."""
    rows = s.execute(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)).scalars()
    return [{"evidence_id": e.id, "name": e.title, "kind": EVIDENCE_KINDS.get(e.kind, e.kind), "sha256": e.file_sha256,
             "size": e.file_size, "media_type": e.media_type} for e in rows]


# --- legal review ---------------------------------------------------------------------------------------


def _submit_review(s, case, data, officers, cfg, actor=None):
    prev = _latest(s, LegalReview, case)
    # The same limit the legal_review deadline counts (services.deadlines): the agency's, else the setting.
    limit = (case.agency.review_limit_days or getattr(cfg, "legal_review_days", None)
             or DEFAULT_REVIEW_LIMIT_WORKING_DAYS)
    due = get_calendar(s).add_working_days(data["submitted_on"], limit)
    package = {
        "draft_decision": data["draft_decision"], "investigation_report": data["investigation_report"],
        "hearing_transcript": data.get("hearing_transcript"),
        "proposal": {"kind": case.decision_kind, "penalty_kinds": list(case.penalty_kinds or ()),
                     "fine_amount": str(case.fine_amount) if case.fine_amount is not None else None},
        "benchmark": case.benchmark, "major_reasons": list(case.major_reasons or ()),
        "discussion_reasons": list(case.discussion_reasons or ()), "criminal_crossings": list(case.criminal_crossings or ()),
        "hearing_status": case.hearing_status, "evidence": evidence_manifest(s, case),
    }
    r = LegalReview(case_id=case.id, agency_id=case.agency_id, round=(prev.round + 1) if prev else 1, status="submitted",
                    submitted_by_id=actor.user_id, submitted_on=data["submitted_on"], due_on=due, package=package)
    s.add(r)
    s.flush()
    case.legal_review_status = "submitted"
    _plan(s, case, "legal_review", start=data["submitted_on"], ref=f"review:{r.id}")
    return {"review_id": r.id, "round": r.round, "due_on": due.isoformat()}


def _assign_reviewer(s, case, data, officers, cfg, actor=None):
    r = _latest(s, LegalReview, case)
    r.reviewer_id, r.assigned_on, r.status = data["reviewer_id"], data["assigned_on"], "assigned"
    case.legal_review_status = "under_review"
    return {"review_id": r.id, "round": r.round, "reviewer_id": r.reviewer_id}


def _record_review(s, case, data, officers, cfg, actor=None):
    r = _latest(s, LegalReview, case)
    r.opinion, r.checklist, r.opinion_text, r.reviewed_on = data["opinion"], data["checklist"], data["opinion_text"], data["reviewed_on"]
    r.status = data["opinion"]
    case.legal_review_status = data["opinion"]
    _settle(s, case, "legal_review", ref=f"review:{r.id}", on=data["reviewed_on"])
    return {"review_id": r.id, "round": r.round}


def _collective_discussion(s, case, data, officers, cfg, actor=None):
    d = CollectiveDiscussion(case_id=case.id, held_on=data["held_on"], attendees=data["attendees"], opinions=data["opinions"],
                             conclusion=data["conclusion"], recorded_by_id=actor.user_id)
    s.add(d)
    s.flush()
    case.collective_discussion_on = data["held_on"]
    return {"discussion_id": d.id}


# --- criminal referral (国务院令第310号) ------------------------------------------------------------------


def _set(case: Case, r: Referral, status: str) -> None:
    r.status = status
    case.referral_status = status


def _form_team(s, case, data, officers, cfg, actor=None):
    origin = "rules" if case.referral_status == "suggested" else "officer"
    r = Referral(case_id=case.id, agency_id=case.agency_id, origin=origin, status="team_formed",
                 team_ids=[u.id for u in officers], formed_on=data["formed_on"])
    s.add(r)
    s.flush()
    case.referral_status = "team_formed"
    return {"referral_id": r.id, "origin": origin}


def _report(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.report, r.reported_on = data["report"], data["reported_on"]
    _set(case, r, "reported")
    # 第五条: the 正职负责人 decides within 3 days of the report (counting configurable; calendar by default).
    _plan(s, case, "referral_decision", start=data["reported_on"], ref=f"referral:{r.id}")
    return {"referral_id": r.id}


def _approve(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.head_id, r.head_decision, r.head_decided_on = actor.user_id, "approved", data["decided_on"]
    _set(case, r, "approved")
    _settle(s, case, "referral_decision", ref=f"referral:{r.id}", on=data["decided_on"])
    # 第五条: transfer to the same-level 公安 within 24 hours of approval.
    _plan(s, case, "referral_transfer", start=data.get("approved_at") or dt.datetime.now(dt.UTC), ref=f"referral:{r.id}")
    return {"referral_id": r.id}


def _decline(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    if r is not None and r.status == "reported":
        r.head_id, r.head_decision, r.head_decided_on, r.head_reasons = actor.user_id, "declined", data["decided_on"], data["reason"]
        _set(case, r, "declined_by_head")
        _settle(s, case, "referral_decision", ref=f"referral:{r.id}", on=data["decided_on"])
    case.referral_status = "declined_by_head"
    return {"referral_id": r.id if r else None}


def _transfer(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.transferred_at = data["transferred_at"].astimezone(dt.UTC)
    r.police_agency, r.procuratorate = data["police_agency"], data["procuratorate"]
    r.materials = {k: data["materials"][k] for k in REFERRAL_MATERIALS}
    r.evidence_manifest = evidence_manifest(s, case)
    _set(case, r, "transferred")
    # Deadlines count Beijing days: the day of the transfer is its local date, not its UTC date.
    _settle(s, case, "referral_transfer", ref=f"referral:{r.id}", on=local_date(r.transferred_at))
    return {"referral_id": r.id, "evidence_manifest": r.evidence_manifest, "copied_to": r.procuratorate}


def _receipt(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.receipt_on = data["receipt_on"]
    _set(case, r, "receipted")
    # 第八条: the police decide within 3 days of receiving the transfer.
    _plan(s, case, "police_decision", start=data["receipt_on"], ref=f"referral:{r.id}")
    return {"referral_id": r.id}


def _police_decision(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.police_decision, r.police_notice_on, r.police_reasons = data["decision"], data["notice_on"], data.get("reasons")
    _set(case, r, "police_filed" if data["decision"] == "filed" else "police_declined")
    _settle(s, case, "police_decision", ref=f"referral:{r.id}", on=data["notice_on"])
    if data["decision"] == "declined":
        _plan(s, case, "reconsideration_request", start=data["notice_on"], ref=f"referral:{r.id}")
    return {"referral_id": r.id, "decision": data["decision"]}


def _reconsideration(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.reconsideration_on = data["requested_on"]
    _set(case, r, "reconsideration_requested")
    _settle(s, case, "reconsideration_request", ref=f"referral:{r.id}", on=data["requested_on"])
    return {"referral_id": r.id}


def _supervision(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.supervision_on = data["requested_on"]
    _set(case, r, "supervision_requested")
    return {"referral_id": r.id}


def _police_return(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    r.police_decision, r.police_notice_on, r.police_reasons = "returned", data["returned_on"], data["reason"]
    _set(case, r, "returned")
    # Sending the case back answers the transfer: nothing more is due from the police (and nothing else settles it).
    _settle(s, case, "police_decision", ref=f"referral:{r.id}", on=data["returned_on"])
    return {"referral_id": r.id}


def _penalty_copy(s, case, data, officers, cfg, actor=None):
    r = _latest(s, Referral, case)
    if r is not None:
        r.penalty_copy_on = data["sent_on"]
    _settle(s, case, "penalty_copy", on=data["sent_on"])
    return {"referral_id": r.id if r else None, "sent_to": data["sent_to"]}


EFFECTS = {
    "submit_legal_review": _submit_review,
    "assign_legal_reviewer": _assign_reviewer,
    "record_legal_review": _record_review,
    "record_collective_discussion": _collective_discussion,
    "form_referral_team": _form_team,
    "submit_referral_report": _report,
    "approve_referral": _approve,
    "decline_referral": _decline,
    "transfer_referral": _transfer,
    "record_police_receipt": _receipt,
    "record_police_decision": _police_decision,
    "request_reconsideration": _reconsideration,
    "request_supervision": _supervision,
    "record_police_return": _police_return,
    "record_penalty_copy": _penalty_copy,
}
