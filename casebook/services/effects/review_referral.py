"""Effects of legal review (法制审核, 行政处罚法 第五十八条), collective discussion (集体讨论, 第五十七条第二款) and
criminal referral (行刑衔接, 国务院令第310号): rounds, discussions and referral steps, with their deadlines."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.db.models import Case, CollectiveDiscussion, Deadline, Evidence, LegalReview, Referral, User
from casebook.domain.deadlines import local_date
from casebook.domain.errors import ValidationFailed
from casebook.domain.lifecycle import REFERRAL_MATERIALS
from casebook.domain.vocabulary import EVIDENCE_KINDS

from . import Run, latest, plan, settle

DEFAULT_REVIEW_LIMIT_WORKING_DAYS = 10  # 市监: 10 working days; local rules commonly 3–10


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




def _set(case: Case, r: Referral, status: str) -> None:
    r.status = status
    case.referral_status = status


def submit_legal_review(s: Session, case: Case, run: Run) -> dict | None:
    prev = latest(s, LegalReview, case)
    # The same limit the legal_review deadline counts (services.deadlines): the agency's, else the setting.
    limit = (case.agency.review_limit_days or getattr(run.settings, "legal_review_days", None)
             or DEFAULT_REVIEW_LIMIT_WORKING_DAYS)
    # The agency's own limit: counted provisionally in a year without published holidays (an earlier date, never later).
    due = run.calendar.provisional().add_working_days(run.data["submitted_on"], limit)
    package = {
        "draft_decision": run.data["draft_decision"], "investigation_report": run.data["investigation_report"],
        "hearing_transcript": run.data.get("hearing_transcript"),
        "proposal": {"kind": case.decision_kind, "penalty_kinds": list(case.penalty_kinds or ()),
                     "fine_amount": str(case.fine_amount) if case.fine_amount is not None else None},
        "benchmark": case.benchmark, "major_reasons": list(case.major_reasons or ()),
        "discussion_reasons": list(case.discussion_reasons or ()), "criminal_crossings": list(case.criminal_crossings or ()),
        "hearing_status": case.hearing_status, "evidence": evidence_manifest(s, case),
    }
    r = LegalReview(case_id=case.id, agency_id=case.agency_id, round=(prev.round + 1) if prev else 1, status="submitted",
                    submitted_by_id=run.actor.user_id, submitted_on=run.data["submitted_on"], due_on=due, package=package)
    s.add(r)
    s.flush()
    case.legal_review_status = "submitted"
    plan(s, case, "legal_review", settings=run.settings, start=run.data["submitted_on"], ref=f"review:{r.id}")
    return {"review_id": r.id, "round": r.round, "due_on": due.isoformat()}


def assign_legal_reviewer(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, LegalReview, case)
    r.reviewer_id, r.assigned_on, r.status = run.data["reviewer_id"], run.data["assigned_on"], "assigned"
    case.legal_review_status = "under_review"
    return {"review_id": r.id, "round": r.round, "reviewer_id": r.reviewer_id}


def record_legal_review(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, LegalReview, case)
    r.opinion, r.checklist, r.opinion_text, r.reviewed_on = run.data["opinion"], run.data["checklist"], run.data["opinion_text"], run.data["reviewed_on"]
    r.status = run.data["opinion"]
    case.legal_review_status = run.data["opinion"]
    settle(s, case, "legal_review", ref=f"review:{r.id}", on=run.data["reviewed_on"])
    return {"review_id": r.id, "round": r.round}


def record_collective_discussion(s: Session, case: Case, run: Run) -> dict | None:
    d = CollectiveDiscussion(case_id=case.id, held_on=run.data["held_on"], attendees=run.data["attendees"], opinions=run.data["opinions"],
                             conclusion=run.data["conclusion"], recorded_by_id=run.actor.user_id)
    s.add(d)
    s.flush()
    case.collective_discussion_on = run.data["held_on"]
    return {"discussion_id": d.id}


def form_referral_team(s: Session, case: Case, run: Run) -> dict | None:
    origin = "rules" if case.referral_status == "suggested" else "officer"
    r = Referral(case_id=case.id, agency_id=case.agency_id, origin=origin, status="team_formed",
                 team_ids=[u.id for u in run.officers], formed_on=run.data["formed_on"])
    s.add(r)
    s.flush()
    case.referral_status = "team_formed"
    return {"referral_id": r.id, "origin": origin}


def submit_referral_report(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.report, r.reported_on = run.data["report"], run.data["reported_on"]
    _set(case, r, "reported")
    # 第五条: the 正职负责人 decides within 3 days of the report (counting configurable; calendar by default).
    plan(s, case, "referral_decision", settings=run.settings, start=run.data["reported_on"], ref=f"referral:{r.id}")
    return {"referral_id": r.id}


APPROVED_AT_REQUIRED = "批准日期早于今天的，须填写批准时间"


def approval_instant(data: dict, today: dt.date) -> dt.datetime:
    """When the 24 hours of 国务院令第310号 第五条 start: the approval's instant.

    Entered with its time, it is that time (its Beijing day is the approval's date: the schema checks it). Without
    a time, it is now only if the approval is dated today; an approval dated earlier would start the 24 hours days
    after it was given, so its time must be entered (422 approved_at_required, nothing changed).
    """
    at = data.get("approved_at")
    if at is not None:
        return at
    if data["decided_on"] < today:
        raise ValidationFailed(APPROVED_AT_REQUIRED, code="approved_at_required",
                               errors={"approved_at": [APPROVED_AT_REQUIRED]})
    return dt.datetime.now(dt.UTC)


def approve_referral(s: Session, case: Case, run: Run) -> dict | None:
    start = approval_instant(run.data, run.today)  # before anything is written: a refusal changes nothing
    r = latest(s, Referral, case)
    r.head_id, r.head_decision, r.head_decided_on = run.actor.user_id, "approved", run.data["decided_on"]
    _set(case, r, "approved")
    settle(s, case, "referral_decision", ref=f"referral:{r.id}", on=run.data["decided_on"])
    # 第五条: transfer to the same-level 公安 within 24 hours of approval.
    plan(s, case, "referral_transfer", settings=run.settings, start=start, ref=f"referral:{r.id}")
    return {"referral_id": r.id}


def decline_referral(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    if r is not None and r.status == "reported":
        r.head_id, r.head_decision, r.head_decided_on, r.head_reasons = run.actor.user_id, "declined", run.data["decided_on"], run.data["reason"]
        _set(case, r, "declined_by_head")
        settle(s, case, "referral_decision", ref=f"referral:{r.id}", on=run.data["decided_on"])
    case.referral_status = "declined_by_head"
    return {"referral_id": r.id if r else None}


def transfer_referral(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.transferred_at = run.data["transferred_at"].astimezone(dt.UTC)
    r.police_agency, r.procuratorate = run.data["police_agency"], run.data["procuratorate"]
    r.materials = {k: run.data["materials"][k] for k in REFERRAL_MATERIALS}
    r.evidence_manifest = evidence_manifest(s, case)
    _set(case, r, "transferred")
    # 第五条: the 24 hours are counted by the hour — the transfer's instant against the due instant, not its date.
    settle(s, case, "referral_transfer", ref=f"referral:{r.id}", at=r.transferred_at)
    # 高检会〔2006〕2号: a penalty decided before the transfer goes in copy to 公安 and 检察院, counted from the
    # day of the transfer (Beijing date). `decide` plans it when the referral came first; never twice.
    if _penalty_copy_due(s, case):
        plan(s, case, "penalty_copy", settings=run.settings, start=local_date(r.transferred_at))
    return {"referral_id": r.id, "evidence_manifest": r.evidence_manifest, "copied_to": r.procuratorate}


def _penalty_copy_due(s: Session, case: Case) -> bool:
    """A penalty decision exists and its copy is neither planned, nor done, nor recorded as sent."""
    if case.decision_kind != "penalty" or case.decided_on is None:
        return False
    planned = s.execute(select(func.count()).select_from(Deadline).where(
        Deadline.case_id == case.id, Deadline.kind == "penalty_copy", Deadline.status != "cancelled")).scalar_one()
    sent = s.execute(select(func.count()).select_from(Referral).where(
        Referral.case_id == case.id, Referral.penalty_copy_on.is_not(None))).scalar_one()
    return not planned and not sent


def record_police_receipt(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.receipt_on = run.data["receipt_on"]
    _set(case, r, "receipted")
    # 第八条: the police decide within 3 days of receiving the transfer.
    plan(s, case, "police_decision", settings=run.settings, start=run.data["receipt_on"], ref=f"referral:{r.id}")
    return {"referral_id": r.id}


def record_police_decision(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.police_decision, r.police_notice_on, r.police_reasons = run.data["decision"], run.data["notice_on"], run.data.get("reasons")
    _set(case, r, "police_filed" if run.data["decision"] == "filed" else "police_declined")
    settle(s, case, "police_decision", ref=f"referral:{r.id}", on=run.data["notice_on"])
    if run.data["decision"] == "declined":
        plan(s, case, "reconsideration_request", settings=run.settings, start=run.data["notice_on"], ref=f"referral:{r.id}")
    else:  # 第十二条: hand the 涉案物品 and materials over within 3 days of receiving the 立案通知书
        plan(s, case, "referral_handover", settings=run.settings, start=run.data["notice_on"], ref=f"referral:{r.id}")
    return {"referral_id": r.id, "decision": run.data["decision"]}


def record_referral_handover(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.handed_over_on, r.handover_items, r.handover_receiver = (run.data["handed_over_on"], run.data["items"],
                                                               run.data["receiver"])
    # 第十二条: within 3 days of the 立案通知书; met on the day of the handover (late if after it is due).
    settle(s, case, "referral_handover", ref=f"referral:{r.id}", on=run.data["handed_over_on"])
    return {"referral_id": r.id}


def request_reconsideration(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.reconsideration_on = run.data["requested_on"]
    _set(case, r, "reconsideration_requested")
    settle(s, case, "reconsideration_request", ref=f"referral:{r.id}", on=run.data["requested_on"])
    return {"referral_id": r.id}


def request_supervision(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.supervision_on = run.data["requested_on"]
    _set(case, r, "supervision_requested")
    return {"referral_id": r.id}


def record_police_return(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    r.police_decision, r.police_notice_on, r.police_reasons = "returned", run.data["returned_on"], run.data["reason"]
    _set(case, r, "returned")
    # Sending the case back answers the transfer: nothing more is due from the police (and nothing else settles it).
    settle(s, case, "police_decision", ref=f"referral:{r.id}", on=run.data["returned_on"])
    # 第十三条: sent back after the police's 立案, the case is the agency's again — the handover of 第十二条 is no longer
    # due. A handover deadline already missed stays missed.
    from casebook.services import deadlines

    handover = deadlines.live(s, case, "referral_handover", ref=f"referral:{r.id}")
    if handover is not None and handover.status == "open":
        deadlines.cancel(s, case, "referral_handover", ref=f"referral:{r.id}",
                         reason="公安机关已退回案件，无须再移交涉案物品和材料（国务院令第310号第十三条）")
    return {"referral_id": r.id}


def record_penalty_copy(s: Session, case: Case, run: Run) -> dict | None:
    r = latest(s, Referral, case)
    if r is not None:
        r.penalty_copy_on = run.data["sent_on"]
    settle(s, case, "penalty_copy", on=run.data["sent_on"])
    return {"referral_id": r.id if r else None, "sent_to": run.data["sent_to"]}
