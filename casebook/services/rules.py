"""Run the rule checks for a case: thresholds, benchmark placement, exemption, triggers.

Guards recompute these at the moment of the act (never trusting an asynchronous flag), and the
`rules` event handler records them on the case and raises referral.suggested / legal_review.required.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from casebook.db.models import Case
from casebook.domain import lifecycle as lc
from casebook.domain.rules import checks

from . import catalogue as cat
from .context import SYSTEM, local_today
from .recording import record


@dataclass
class Evaluation:
    crossings: list[dict] = field(default_factory=list)
    benchmark: dict | None = None
    penalty_check: dict | None = None
    exemption: dict | None = None
    major_reasons: list[str] = field(default_factory=list)
    discussion_reasons: list[str] = field(default_factory=list)
    hearing_right: bool = False
    limitation_category: str | None = None  # 行政处罚法 第三十六条: the violation item's category (catalogue data)
    no_longer_violation: dict | None = None  # 第三十七条: the item is gone from the version in force at the decision

    def as_view(self) -> lc.RuleEval:
        return lc.RuleEval(self.crossings, self.penalty_check, self.major_reasons, self.discussion_reasons, self.exemption,
                           self.benchmark, self.limitation_category, self.no_longer_violation)


def _act_day(case: Case):
    """The day the act happened, for 第三十七条: its day, or its last day when it continued and ended; None while it
    goes on (the law in force now applies) or when no date is recorded."""
    if case.act_ended_on is not None:
        return case.act_ended_on
    if case.act_continuing:
        return None
    return case.act_started_on


def limitation_category(s: Session, case: Case) -> str | None:
    """行政处罚法 第三十六条: the case's violation item's category as `evaluate` reads it — "" for an item of neither
    long category, None while no item is recorded (or the item is gone from the catalogue in force)."""
    codes = cat.violation_codes(case)
    code = (case.benchmark or {}).get("item") or (codes[0] if codes else None)
    if not code:
        return None
    found = cat.registry(s).violation(code, case.decided_on or local_today())
    return (found[1].limitation_category or "") if found else None


def evaluate(s: Session, case: Case, data: dict | None = None) -> Evaluation:
    """The checks for the case as it stands, with the act's input (kind, kinds, fine) laid over it."""
    data = data or {}
    day = data.get("decided_on") or local_today()
    facts = cat.facts_of(case)
    circ = list(case.circumstances or ())
    party_kind = case.party.kind if case.party else None
    codes = cat.violation_codes(case)
    code = data.get("violation_code") or (case.benchmark or {}).get("item") or (codes[0] if codes else None)
    kind = data.get("kind", case.decision_kind)
    kinds = data.get("penalty_kinds", case.penalty_kinds) or []
    fine = data.get("fine_amount", case.fine_amount) if kind == "penalty" else None
    confiscated = data.get("confiscated_amount", case.confiscated_amount) if kind == "penalty" else None
    ev = Evaluation()
    reg = cat.registry(s)
    fields = []
    if code:
        found = reg.violation(code, day)
        # 行政处罚法 第三十七条: an item gone from (or repealed in) the version in force now is no longer a violation
        act_day = _act_day(case)
        before = reg.violation(code, act_day) if act_day is not None and act_day < day else None
        ev.no_longer_violation = checks.no_longer_violation(code, before, reg.in_force(day, "benchmark"), act_day, day)
        if ev.no_longer_violation is not None:
            found = None  # no benchmark placement: the act is not penalised at all
        if found:
            fields.append(found[1].field)
            ev.limitation_category = found[1].limitation_category or ""  # "": an item known, of no long category
            if kind == "penalty":
                try:
                    unc = dict(case.uncomputable_facts or {})  # 第四十条: facts recorded as 无法计算, with why
                    b = checks.benchmark(found[1], found[0], facts, circ, unc)
                    # 行政处罚法 第三十七条: the version in force when the act happened, unless the current is lighter
                    then = before
                    if then is not None:
                        b = checks.applicable(checks.benchmark(then[1], then[0], facts, circ, unc), b, act_day, day)
                except checks.FactMissing as missing:  # no range until the facts are recorded
                    ev.benchmark = missing.as_dict()
                    if "fine" in kinds:
                        ev.penalty_check = missing.as_dict()
                    b = None
                if b is not None:
                    ev.benchmark = b.as_dict()
                if b is not None and fine is not None and "fine" in kinds:
                    ev.penalty_check = checks.check_penalty(b, fine).as_dict()
                    ev.benchmark["check"] = ev.penalty_check
    ev.crossings = [c.as_dict() for c in cat.thresholds_for(
        s, facts, circ, party_kind, case.party_id, case.agency_id, code, day, fields, exclude_case=case.id)]
    ex_code = data.get("exemption_code") or (case.exemption or {}).get("item")
    if kind == "no_penalty" and ex_code:
        ev.exemption = cat.exemption_for(s, ex_code, case.party_id, case.agency_id, facts, circ, day,
                                         exclude_case=case.id).as_dict()
    trig = cat.triggers_for(s, case.agency_id, day)
    status = (ev.penalty_check or {}).get("status")
    if kind == "penalty":
        heard = case.hearing_status == "held"
        ev.major_reasons = checks.review_reasons(trig, party_kind, kinds, fine, heard=heard,
                                                 outside_benchmark=status in ("outside_tier", "mitigated"),
                                                 mitigated=status == "mitigated")
        # A penalty outside its benchmark tier needs legal review whatever the local catalogue says.
        if status in ("outside_tier", "mitigated") and not any("裁量基准" in r or "减轻" in r for r in ev.major_reasons):
            ev.major_reasons.append("处罚超出裁量基准阶次")
        ev.discussion_reasons = checks.discussion_reasons(trig, party_kind, kinds, fine, mitigated=status == "mitigated")
        ev.hearing_right = checks.hearing_right(trig, party_kind, kinds, fine, confiscated)
    return ev


def record_checks(s: Session, case_id: int) -> list[str]:
    """Record the checks on the case (system act); return the events raised. Idempotent."""
    case = s.get(Case, case_id)
    if case is None or case.stage in lc.FINAL_STAGES:
        return []
    ev = evaluate(s, case)
    raised = []
    events = []
    if ev.crossings and case.referral_status == "none":
        case.referral_status = "suggested"
        events.append(("referral.suggested", "suggest_referral"))
    case.criminal_crossings = ev.crossings
    case.criminal_suspicion = bool(ev.crossings)
    if ev.major_reasons and case.legal_review_status == "none":
        case.legal_review_status = "required"
        events.append(("legal_review.required", "require_legal_review"))
    case.major_reasons = ev.major_reasons or case.major_reasons
    for event_type, action in events:
        body = {"action": action, "stage_from": case.stage, "stage_to": case.stage, "case_no": case.case_no,
                "data": {"crossings": ev.crossings, "major_reasons": ev.major_reasons}}
        record(s, SYSTEM, f"case.{action}", body, case=case, events=[(event_type, body)])
        raised.append(event_type)
    return raised
