"""Effects of execution and closing: payment (行政处罚法 第六十七条), 备案 of a summary decision (第五十二条),
closing the case."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from casebook.db.models import Case

from . import Run


def record_payment(s: Session, case: Case, run: Run) -> dict | None:
    case.paid_amount = (case.paid_amount or Decimal("0")) + run.data["amount"]
    return {"paid_amount": str(case.paid_amount)}


def record_summary_filing(s: Session, case: Case, run: Run) -> dict | None:
    case.summary_recorded_on = run.data["recorded_on"]


def close(s: Session, case: Case, run: Run) -> dict | None:
    case.closed_on = run.data.get("closed_on") or run.today
