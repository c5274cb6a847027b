"""The rule checks on case.facts_updated and penalty.proposed: criminal thresholds (→ referral.suggested
and the suspicion flag), the major-decision catalogue (→ legal_review.required), recorded on the case
through the rules service, so the acts are trailed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casebook.services.rules import record_checks
from events.envelope import Envelope


def check(s: Session, env: Envelope) -> None:
    if env.case_id is not None:
        record_checks(s, env.case_id)
