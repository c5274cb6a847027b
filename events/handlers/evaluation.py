"""The evaluation consumer: when a case closes, run the file's auto-checks (案卷评查 机器初查) and store them with
the rubric version in force (casebook.services.evaluation_checks)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casebook.services import evaluation_checks as svc
from events.envelope import Envelope

BINDINGS = ("case.closed",)


def handle(s: Session, env: Envelope) -> None:
    if env.case_id is None or env.type not in BINDINGS:
        return
    svc.run_checks(s, [env.case_id], trigger="closed")
