"""Effects of execution and closing: payment (行政处罚法 第六十七条), 备案 of a summary decision (第五十二条),
closing the case."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Case, PaymentReceipt

from . import Run


def receipt_taken(s: Session, agency_id: int, receipt_no: str) -> bool:
    return s.execute(select(PaymentReceipt.id).where(PaymentReceipt.agency_id == agency_id,
                                                     PaymentReceipt.receipt_no == receipt_no)).first() is not None


def record_payment(s: Session, case: Case, run: Run) -> dict | None:
    # One receipt, one payment, in the whole agency (the unique key holds it under concurrency too).
    s.add(PaymentReceipt(agency_id=case.agency_id, receipt_no=run.data["receipt_no"], case_id=case.id,
                         amount=run.data["amount"], paid_on=run.data["paid_on"]))
    case.paid_amount = (case.paid_amount or Decimal("0")) + run.data["amount"]
    return {"paid_amount": str(case.paid_amount)}


def record_summary_filing(s: Session, case: Case, run: Run) -> dict | None:
    case.summary_recorded_on = run.data["recorded_on"]


def close(s: Session, case: Case, run: Run) -> dict | None:
    case.closed_on = run.data.get("closed_on") or run.today
