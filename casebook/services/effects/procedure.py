"""Effects of the ordinary procedure's acts: lead, filing, investigation, proposal, notice, hearing, decision,
service, suspension (行政处罚法 第五章第三节、第四节)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from casebook.db.models import Agency, Case, CaseAct, InvestigationAct, Party
from casebook.domain import general_provisions as gp
from casebook.domain import lifecycle as lc
from casebook.domain.errors import ValidationFailed
from casebook.services.case_rows import add_officers
from casebook.services.context import Actor, deny
from casebook.services.numbers import format_case_no, next_number

from . import PARTY_AS_SERVED, Run, party_snapshot, plan

AMOUNT_FIELDS = ("illegal_gains", "goods_value", "sales_amount", "turnover", "advertising_fee")


def _assign(case: Case, data: dict, *names: str) -> None:
    for n in names:
        if n in data:
            setattr(case, n, data[n])


def check_party(s: Session, party_id: int | None, actor: Actor, proof: str | None = None) -> tuple[Party, str]:
    """The party a case of this actor's agency may name, and how (`parties.attachable`: its agencies' own party,
    or proven by its full identity number). Any other party answers exactly as one that does not exist (the
    attempt logged), so that a case cannot be used to reach, or to probe for, another agency's party."""
    from casebook.services.parties import attachable, party_for_act

    party, in_scope = party_for_act(s, party_id, actor.read_scope) if party_id is not None else (None, None)
    how = attachable(s, actor, party, proof, in_scope) if party is not None else None
    if party is not None and how is None:
        deny(actor, f"party:{party_id}", "party out of scope and its number not given", "party_out_of_scope")
    if how is None:
        raise ValidationFailed("当事人不存在", code="unknown_party", errors={"party_id": ["当事人不存在"]})
    return party, how


PERIOD_FIELDS = ("act_started_on", "act_ended_on", "act_continuing")


def record_act_period(case: Case, data: dict) -> None:
    """行政处罚法 第三十六条: the act's start, end or "continuing", checked as a whole against what the case holds."""
    if "act_ended_on" not in data and data.get("act_continuing"):
        data = {**data, "act_ended_on": None}  # going on again: no end
    if "act_continuing" not in data and data.get("act_ended_on") is not None:
        data = {**data, "act_continuing": False}  # an end recorded: no longer going on
    merged = {k: data.get(k, getattr(case, k)) for k in PERIOD_FIELDS}
    problem = gp.period_problem(merged["act_started_on"], merged["act_ended_on"], bool(merged["act_continuing"]),
                                data.get("discovered_on", case.discovered_on))
    if problem:
        raise ValidationFailed(problem[1], code="act_period_invalid", errors={problem[0]: [problem[1]]})
    case.act_started_on, case.act_ended_on = merged["act_started_on"], merged["act_ended_on"]
    case.act_continuing = bool(merged["act_continuing"])


def update_lead(s: Session, case: Case, run: Run) -> dict | None:
    _assign(case, run.data, "cause", "source", "discovered_on", "facts_text")
    record_act_period(case, run.data)
    if "party_id" in run.data:
        party, how = check_party(s, run.data["party_id"], run.actor, run.data.get("party_id_number"))
        case.party_id = party.id
        s.flush()
        s.refresh(case, ["party"])
        return {"party_named_by": how}
    return None


def file(s: Session, case: Case, run: Run) -> dict | None:
    agency = s.get(Agency, case.agency_id)
    year = run.data["filed_on"].year
    seq = next_number(s, agency.id, "case", year)
    case.case_no = format_case_no(agency.case_no_format, agency.code, year, seq)
    case.filed_on = run.data["filed_on"]
    record_act_period(case, run.data)
    if run.data.get("long_limitation_reason"):
        case.long_limitation_reason = run.data["long_limitation_reason"]
    lead = run.data.get("lead_officer_id") or run.officers[0].id
    add_officers(s, case, [(u, "lead" if u.id == lead else "handler") for u in run.officers])
    case.lead_officer_id = lead
    return {"case_no": case.case_no}


def record_investigation_act(s: Session, case: Case, run: Run) -> dict | None:
    s.add(InvestigationAct(
        case_id=case.id, kind=run.data["kind"], acted_on=run.data["acted_on"], place=run.data.get("place"), summary=run.data["summary"],
        officer_ids=[u.id for u in run.officers],
        credential_nos=[lc.OfficerView.of(u).credential_on(run.data["acted_on"]).credential_no for u in run.officers],
    ))


def record_uncomputable(case: Case, data: dict) -> None:
    """行政处罚法 第四十条: a fact the investigation could not compute is recorded as 无法计算 with the reason — never
    as 0 — and its amount cleared; an amount recorded later takes its place (the benchmark then reads the amount)."""
    unc = dict(case.uncomputable_facts or {})
    for f in AMOUNT_FIELDS:
        if data.get(f) is not None:
            unc.pop(f, None)
    if data.get("uncomputable_fact"):
        f = data["uncomputable_fact"]
        unc[f] = data["uncomputable_reason"]
        setattr(case, f, None)
    if unc != dict(case.uncomputable_facts or {}):
        case.uncomputable_facts = unc


def update_facts(s: Session, case: Case, run: Run) -> dict | None:
    from casebook.services import catalogue as cat

    reg, day = cat.registry(s), run.today
    unknown = [v["code"] for v in run.data.get("violations") or [] if v.get("code") and reg.violation(v["code"], day) is None]
    if unknown:
        raise ValidationFailed("违法行为事项编码不在现行裁量基准中", code="unknown_violation_code",
                               errors={"violations": [f"未知事项编码：{c}" for c in unknown]})
    _assign(case, run.data, "violations", "circumstances", "facts_text", *AMOUNT_FIELDS)
    record_uncomputable(case, run.data)
    if any(k in run.data for k in PERIOD_FIELDS):
        record_act_period(case, run.data)  # 第三十六条: the act's period as the investigation established it
    if "ground_evidence" in run.data:  # 行政处罚法 第三十一至三十三条: a ground's evidence is the case's own
        from sqlalchemy import select

        from casebook.db.models import Evidence

        ids = {i for v in run.data["ground_evidence"].values() for i in v}
        mine = set(s.execute(select(Evidence.id).where(Evidence.case_id == case.id, Evidence.id.in_(ids))).scalars())
        if ids - mine:
            raise ValidationFailed("所列证据不属于本案", code="unknown_evidence",
                                   errors={"ground_evidence": [f"证据{i}不属于本案" for i in sorted(ids - mine)]})
        case.ground_evidence = {k: sorted(set(v)) for k, v in run.data["ground_evidence"].items() if v}


def propose_penalty(s: Session, case: Case, run: Run) -> dict | None:
    case.decision_kind = run.data["kind"]
    case.penalty_kinds = run.data.get("penalty_kinds") or []
    case.fine_amount = run.data.get("fine_amount")
    case.confiscated_amount = run.data.get("confiscated_amount")
    if "deviation_reason" in run.data:
        case.deviation_reason = run.data["deviation_reason"]
    ev = run.rules  # evaluated once by perform, for the guards and for this effect
    case.benchmark = ev.benchmark
    case.exemption = ev.exemption
    case.major_reasons = list(ev.major_reasons)
    case.discussion_reasons = list(ev.discussion_reasons)
    case.criminal_crossings = list(ev.crossings)
    case.criminal_suspicion = bool(ev.crossings)
    # 行政处罚法 第六十三条: the hearing right the prior notice must state (local 较大数额 from the triggers).
    case.hearing_right = run.data["kind"] == "penalty" and ev.hearing_right
    # referral_status / legal_review_status move to suggested / required when the rules handler raises the events.
    return {"hearing_right": case.hearing_right, "benchmark": ev.benchmark, "major_reasons": case.major_reasons,
            "discussion_reasons": case.discussion_reasons, "criminal_crossings": case.criminal_crossings,
            "exemption": ev.exemption}


def serve_prior_notice(s: Session, case: Case, run: Run) -> dict | None:
    case.prior_notice_served_on = run.data["served_on"]
    # 行政处罚法 第六十四条第一项 and 第八十五条: five working days, the serving day not counted.
    case.statement_due_on, provisional = lc.party_window_end(run.calendar, run.data["served_on"],
                                                              lc.STATEMENT_WINDOW_WORKING_DAYS)
    case.rights_waived = False
    out = {"statement_due_on": case.statement_due_on.isoformat(), "hearing_right": case.hearing_right}
    if provisional:  # counted before the year's holidays were published: lengthened, never shortened
        out["statement_due_provisional"] = True
    return out


def record_waiver(s: Session, case: Case, run: Run) -> dict | None:
    case.rights_waived = True


def request_hearing(s: Session, case: Case, run: Run) -> dict | None:
    case.hearing_status = "requested"


def hold_hearing(s: Session, case: Case, run: Run) -> dict | None:
    case.hearing_status = "held"


def record_hearing_no_show(s: Session, case: Case, run: Run) -> dict | None:
    case.hearing_status = "waived"


def decide(s: Session, case: Case, run: Run) -> dict | None:
    case.decision_kind = run.data["kind"]
    case.decided_on = run.data["decided_on"]
    if run.data.get("deviation_reason"):
        case.deviation_reason = run.data["deviation_reason"]
    if run.data["kind"] == "refer":
        case.referral_status = "referred"
    elif run.data["kind"] == "penalty" and case.referral_status != "none":
        # 高检会〔2006〕2号: a penalty on a case that met a referral goes in copy to 公安 and 检察院 within 10 days.
        plan(s, case, "penalty_copy", settings=run.settings, start=run.data["decided_on"])
    if run.data["kind"] == "penalty":
        case.penalty_kinds = run.data.get("penalty_kinds") or case.penalty_kinds
        if "fine_amount" in run.data:
            case.fine_amount = run.data["fine_amount"]
        if "fine" not in case.penalty_kinds:
            case.fine_amount = None  # the decision imposes no fine, whatever the notice proposed
        if "confiscated_amount" in run.data:
            case.confiscated_amount = run.data["confiscated_amount"]
    else:
        case.penalty_kinds, case.fine_amount, case.confiscated_amount = [], None, None


def serve_decision(s: Session, case: Case, run: Run) -> dict | None:
    case.served_on = run.data["served_on"]
    # The documents of a served decision keep the party as served, even if it is corrected later (第六十一条).
    run.kept[PARTY_AS_SERVED] = party_snapshot(case.party)


def suspend(s: Session, case: Case, run: Run) -> dict | None:
    case.suspended_stage = case.stage


def resume(s: Session, case: Case, run: Run) -> dict | None:
    case.suspended_stage = None


def confirm_act(s: Session, case: Case, run: Run) -> dict | None:
    """会签: the named officer confirms a binding act; it counts once no one is left waiting."""
    row = s.get(CaseAct, run.data["act_id"])
    row.awaiting = [i for i in row.awaiting if i != run.actor.user_id]
    row.confirmed = [*row.confirmed, {"user_id": run.actor.user_id, "at": dt.datetime.now(dt.UTC).isoformat(),
                                      "note": run.data.get("note")}]
    return {"confirmed_act": row.action, "confirmed_seq": row.seq, "still_awaiting": list(row.awaiting)}
