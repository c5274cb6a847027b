"""The publicity consumer: a decision drafts its publication record (or records why it is not published) and
plans the publication deadline by the agency's system rule (casebook.services.publicity)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casebook.domain.deadlines import local_date
from casebook.services import publicity as svc
from events.envelope import Envelope

BINDINGS = ("decision.issued", "summary_decision.issued")


def handle(s: Session, env: Envelope) -> None:
    if env.case_id is None or env.type not in BINDINGS:
        return
    svc.draft_for_decision(s, env.case_id, event_id=env.event_id, data=env.payload.get("data") or {},
                           occurred_on=local_date(env.occurred_at))
