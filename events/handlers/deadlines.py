"""The deadlines consumer: plan and settle each case's legal deadlines from its acts.

Every change goes through casebook.services.deadlines, so it is trailed as a system act. The worker
applies a case's events in order, so a filing deadline is always planned before it is settled.
Dates come from the act's input; where an act has none (中止, 恢复), its local date. The limitation (行政处罚法
第三十六条) is the exception: it runs from the act period the case records, re-planned when 查明事实 or the proposal
changes its start or its years.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Case, Deadline
from casebook.domain import general_provisions as gp
from casebook.domain.deadlines import local_date, remedy_pause
from casebook.domain.errors import Conflict, NotFound
from casebook.domain.vocabulary import REMEDY_FILING
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
    _plan_limitation(s, case)


# --- 行政处罚法 第三十六条: 违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全且有危害后果的，
# 上述期限延长至五年。前款规定的期限，从违法行为发生之日起计算；违法行为有连续或者继续状态的，从行为终了之日起计算。
# The 追责时效 runs from the case's act period as recorded (filing, 查明事实), for the years the guards give
# (casebook.domain.general_provisions.limitation_years); it is met on the day of discovery when that is within it.

def _limitation_category(s: Session, case: Case, code: str | None = None) -> str | None:
    """The violation item's 第三十六条 category as the guards see it (casebook.services.rules.evaluate): None while no
    item is recorded on the case."""
    from casebook.services import catalogue as cat
    from casebook.services import rules

    if not (code or (case.benchmark or {}).get("item") or cat.violation_codes(case)):
        return None
    return rules.evaluate(s, case, {"violation_code": code} if code else None).limitation_category


def _plan_limitation(s: Session, case: Case, code: str | None = None) -> None:
    """Plan (or re-plan) the limitation from the case's act period: from the act's day, or from the day a continuing
    act ended; none while it goes on or no date is recorded. Idempotent: nothing changes when neither the start nor
    the years did."""
    period = gp.ActPeriod(case.act_started_on, case.act_ended_on, bool(case.act_continuing))
    start = period.counted_from
    current = s.execute(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "limitation",
                                               Deadline.ref == "", Deadline.status != "cancelled")
                        .order_by(Deadline.id.desc())).scalars().first()
    if start is None:  # 第三十六条第二款: a continuing act's period has not begun
        if current is not None and current.status in svc.LIVE:
            svc.cancel(s, case, "limitation", reason=f"{period.describe()}，追责时效尚未起算")
        return
    years = gp.limitation_years(_limitation_category(s, case, code), case.circumstances, case.long_limitation_reason)
    extended = years == gp.LONG_YEARS
    if current is not None:
        was_extended = bool(((current.meta or {}).get("opts") or {}).get("extended"))
        if current.starts_on == start and was_extended == extended:
            return
    d = svc.plan(s, case, "limitation", start=start, extended=extended)
    if d.due_on is not None and case.discovered_on is not None and case.discovered_on <= d.due_on:
        svc.settle(s, case, "limitation", on=case.discovered_on, note="违法行为在追责时效内被发现")


def _facts_updated(s: Session, case: Case, data: dict, env: Envelope) -> None:
    # 查明事实 may record the act's period, the circumstances (危害后果) and the violation item: each can move the start
    # or the years.
    if case.filed_on is not None:
        _plan_limitation(s, case)


def _proposed(s: Session, case: Case, data: dict, env: Envelope) -> None:
    # The item named in the proposal gives the category the guard used (within_limitation).
    code = data.get("violation_code")
    if code and case.filed_on is not None:
        _plan_limitation(s, case, code)


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


# --- 行政处罚法 第七十三条: 复议 or 诉讼 does not stop the execution, but the 加处罚款 is not counted in its 期间. The pause
# goes on the `payment` deadline's row (services.deadlines.surcharge_of), over the days the payment guard leaves out
# (domain.deadlines.remedy_pause: from the day filed to the day concluded, both included). The case's own record
# (remedies) is what the guards read; a row that cannot take the pause (none planned, or already paused) is logged
# and left as it is rather than hold up the case's later deadline events.

def _remedy_filed(s: Session, case: Case, data: dict, env: Envelope) -> None:
    since, _ = remedy_pause(_day(data, "filed_on", env), None)
    what = REMEDY_FILING.get(data.get("kind"), REMEDY_FILING["litigation"])
    reason = f"当事人{what}（{data.get('authority') or '未载明机关'}），复议、诉讼期间不计算加处罚款"
    try:
        svc.pause_surcharge(s, case, since, reason=reason)
    except (NotFound, Conflict) as e:
        log.warning("deadlines: %s on case %s: surcharge not paused: %s", env.type, case.id, e)


def _remedy_concluded(s: Session, case: Case, data: dict, env: Envelope) -> None:
    _, resumes_on = remedy_pause(_day(data, "filed_on", env), _day(data, "concluded_on", env))
    try:
        svc.resume_surcharge(s, case, resumes_on)
    except (NotFound, Conflict) as e:
        log.warning("deadlines: %s on case %s: surcharge not resumed: %s", env.type, case.id, e)


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
    "case.facts_updated": _facts_updated,
    "investigation.act_recorded": _investigation_act,
    "penalty.proposed": _proposed,
    "prior_notice.served": _prior_notice,
    "hearing.requested": _hearing_request_settled("requested_on"),
    "rights.waived": _hearing_request_settled("waived_on"),
    "decision.issued": _decided,
    "decision.served": _served,
    "summary_decision.issued": _summary_decision,
    "payment.recorded": _payment,
    "remedy.filed": _remedy_filed,
    "remedy.concluded": _remedy_concluded,
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
