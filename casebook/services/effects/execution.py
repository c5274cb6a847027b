"""Effects of execution and closing: payment (行政处罚法 第六十七条), 备案 of a summary decision (第五十二条),
a 行政复议 or 行政诉讼 filed and concluded (第七十三条), closing the case."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Case, PaymentReceipt, Remedy
from casebook.domain.deadlines import remedy_pause
from casebook.domain.vocabulary import REMEDY_OUTCOMES

from .. import publicity
from . import Run, latest


def receipt_taken(s: Session, agency_id: int, receipt_no: str) -> bool:
    return s.execute(select(PaymentReceipt.id).where(PaymentReceipt.agency_id == agency_id,
                                                     PaymentReceipt.receipt_no == receipt_no)).first() is not None


def record_payment(s: Session, case: Case, run: Run) -> dict | None:
    # One receipt, one payment, in the whole agency (the unique key holds it under concurrency too).
    s.add(PaymentReceipt(agency_id=case.agency_id, receipt_no=run.data["receipt_no"], case_id=case.id,
                         amount=run.data["amount"], paid_on=run.data["paid_on"]))
    case.paid_amount = (case.paid_amount or Decimal("0")) + run.data["amount"]
    return {"paid_amount": str(case.paid_amount)}


def record_remedy_filed(s: Session, case: Case, run: Run) -> dict | None:
    """第七十三条: 复议 or 诉讼 does not stop the execution, but the 加处罚款 is not counted from the day it was filed. The
    record is the case's (the guards read it at once); the `payment` deadline's pause follows from the act's event
    (events.handlers.deadlines), as the deadline itself was planned from the service's."""
    r = Remedy(case_id=case.id, agency_id=case.agency_id, kind=run.data["kind"], filed_on=run.data["filed_on"],
               authority=run.data["authority"].strip(), remedy_case_no=run.data.get("remedy_case_no"))
    s.add(r)
    s.flush()
    return {"remedy_id": r.id}


def record_remedy_concluded(s: Session, case: Case, run: Run) -> dict | None:
    """第七十三条: the 复议 or 诉讼 ended; the 加处罚款 is counted again from the day after (domain.deadlines.remedy_pause)."""
    r = latest(s, Remedy, case)  # the pending one: the guard `remedy_pending` let the act through
    r.concluded_on, r.outcome = run.data["concluded_on"], run.data["outcome"]
    r.document_no, r.note = run.data.get("document_no"), run.data.get("note")
    _, resumes_on = remedy_pause(r.filed_on, r.concluded_on)
    if r.outcome in REMEDY_OUTCOMES:  # an outcome on the decision: on the record, and a revoked one's 公示 withdrawn
        publicity.apply_remedy_outcome(s, run.actor, case, kind=r.kind, outcome=r.outcome, decided_on=r.concluded_on,
                                       authority=r.authority, document_no=r.document_no, summary=r.note)
    return {"remedy_id": r.id, "kind": r.kind, "filed_on": r.filed_on.isoformat(),
            "surcharge_resumes_on": resumes_on.isoformat()}


def record_summary_filing(s: Session, case: Case, run: Run) -> dict | None:
    case.summary_recorded_on = run.data["recorded_on"]


def close(s: Session, case: Case, run: Run) -> dict | None:
    case.closed_on = run.data.get("closed_on") or run.today
