"""The deadlines consumer: plan and settle each case's legal deadlines from its acts.

Every change goes through casebook.services.deadlines, so it is trailed as a system act. The worker
applies a case's events in order, so a filing deadline is always planned before it is settled.
Dates come from the act's input; where an act has none (中止, 恢复), its local date.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.orm import Session

from casebook.db.models import Case
from casebook.domain.deadlines import local_date
from casebook.services import deadlines as svc
from events.envelope import Envelope

log = logging.getLogger("casebook.deadlines")


def _day(data: dict, key: str, env: Envelope) -> dt.date:
    v = data.get(key)
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            pass
    return local_date(env.occurred_at)


def _lead_registered(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.plan(s, case, "filing", start=_day(data, "discovered_on", env))


def _lead_updated(s: Session, case: Case, data: dict, env: Envelope) -> None:
    if "discovered_on" in data:
        svc.plan(s, case, "filing", start=_day(data, "discovered_on", env))


def _declined(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.settle(s, case, "filing", on=local_date(env.occurred_at))
    svc.cancel(s, case, reason="不予立案")


def _filed(s: Session, case: Case, data: dict, env: Envelope) -> None:
    filed_on = _day(data, "filed_on", env)
    svc.settle(s, case, "filing", on=filed_on)
    svc.plan(s, case, "decision", start=filed_on)
    # 第三十六条 counts from the act (or the end of a continuing act), which the case does not record yet:
    # the limitation is tracked only when the act date is known.
    act_on = data.get("act_on") or data.get("act_ended_on") or getattr(case, "act_ended_on", None)
    if act_on:
        act_on = dt.date.fromisoformat(act_on) if isinstance(act_on, str) else act_on
        d = svc.plan(s, case, "limitation", start=act_on, extended=bool(data.get("limitation_extended")))
        if d.due_on is not None and case.discovered_on <= d.due_on:
            svc.settle(s, case, "limitation", on=case.discovered_on, note="违法行为在追责时效内被发现")


def _investigation_act(s: Session, case: Case, data: dict, env: Envelope) -> None:
    kind = data.get("kind")
    if kind in ("evidence_preservation", "seizure"):
        # One deadline per act: the act's place in the case's event sequence names it.
        svc.plan(s, case, kind, start=_day(data, "acted_on", env), ref=f"act{env.case_seq or env.event_id}")


def _prior_notice(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.plan(s, case, "hearing_request", start=_day(data, "served_on", env))


def _hearing_request_settled(key: str) -> Callable:
    def handle(s: Session, case: Case, data: dict, env: Envelope) -> None:
        svc.settle(s, case, "hearing_request", on=_day(data, key, env))
    return handle


def _decided(s: Session, case: Case, data: dict, env: Envelope) -> None:
    decided_on = _day(data, "decided_on", env)
    svc.settle(s, case, "decision", on=decided_on)
    svc.plan(s, case, "service", start=decided_on)
    # The publication deadline is planned by the publicity consumer (events.handlers.publicity), which knows the
    # agency's publication system and which decisions are published at all.


def _fine(case: Case) -> Decimal | None:
    if "fine" in (case.penalty_kinds or ()) and case.fine_amount:
        return case.fine_amount
    return None


def _served(s: Session, case: Case, data: dict, env: Envelope) -> None:
    served_on = _day(data, "served_on", env)
    svc.settle(s, case, "service", on=served_on)
    fine = _fine(case)
    if fine is not None:
        svc.plan(s, case, "payment", start=served_on, fine=fine)


def _summary_decision(s: Session, case: Case, data: dict, env: Envelope) -> None:
    fine = _fine(case)
    if fine is not None:  # handed over on the spot (第五十二条): the 15 days run from the decision day
        svc.plan(s, case, "payment", start=_day(data, "decided_on", env), fine=fine)


def _payment(s: Session, case: Case, data: dict, env: Envelope) -> None:
    fine = _fine(case)
    paid = Decimal(str(data["paid_amount"])) if data.get("paid_amount") else (case.paid_amount or Decimal("0"))
    if fine is not None and paid >= fine:
        svc.settle(s, case, "payment", on=_day(data, "paid_on", env))


def _suspended(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.pause_case(s, case, local_date(env.occurred_at))


def _resumed(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.resume_case(s, case, local_date(env.occurred_at))


def _closed(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.cancel(s, case, reason="已结案", keep=svc.SURVIVES_CLOSURE)


def _archived(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.cancel(s, case, reason="已归档", keep=svc.SURVIVES_CLOSURE)


def _terminated(s: Session, case: Case, data: dict, env: Envelope) -> None:
    svc.cancel(s, case, reason="案件终止")


HANDLERS: dict[str, Callable[[Session, Case, dict, Envelope], None]] = {
    "case.lead_registered": _lead_registered,
    "case.lead_updated": _lead_updated,
    "case.declined": _declined,
    "case.filed": _filed,
    "investigation.act_recorded": _investigation_act,
    "prior_notice.served": _prior_notice,
    "hearing.requested": _hearing_request_settled("requested_on"),
    "rights.waived": _hearing_request_settled("waived_on"),
    "decision.issued": _decided,
    "decision.served": _served,
    "summary_decision.issued": _summary_decision,
    "payment.recorded": _payment,
    "case.suspended": _suspended,
    "case.resumed": _resumed,
    "case.closed": _closed,
    "case.archived": _archived,
    "case.terminated": _terminated,
}
BINDINGS = tuple(HANDLERS)


def handle(s: Session, env: Envelope) -> None:
    fn = HANDLERS.get(env.type)
    if fn is None or env.case_id is None:
        return
    case = s.get(Case, env.case_id)
    if case is None:
        log.warning("deadlines: %s for unknown case %s", env.type, env.case_id)
        return
    fn(s, case, env.payload.get("data") or {}, env)
