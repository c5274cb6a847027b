"""Case use cases: open a case (a lead, or a summary decision on the spot), what may be done on it now, and
the case list. Acting on an existing case goes through `services.perform` (re-exported here).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db import adopt
from casebook.db.models import Case, CaseOfficer, SummaryForm, utcnow
from casebook.domain import lifecycle as lc
from casebook.domain.vocabulary import CASE_SOURCES  # noqa: F401  (re-exported)

from .acts import ACTS
from .calendar import get_calendar
from .case_rows import insert_case
from .context import Actor, deny, local_today
from .effects import PARTY_AS_SERVED, party_snapshot
from .effects.procedure import check_party
from .loading import case_view, load_case, party_birth_date, resolve_officers, same_act_fines  # noqa: F401  (load_case re-exported)
from .perform import admit, check_role, no_future, perform, refuse_if_needed, trail_act  # noqa: F401  (re-exported)

# --- creating cases ---------------------------------------------------------------------------------


def register_lead(s: Session, actor: Actor, data: dict, *, settings: Settings) -> Case:
    """案源登记: open a lead in the actor's agency."""
    if actor.agency_id is None or not actor.roles & ACTS["register_lead"].roles:
        raise deny(actor, "case:register_lead", "您的角色无权登记案源", "role_not_allowed")
    no_future(data, local_today(), "discovered_on", "act_started_on", "act_ended_on")
    party, how = check_party(s, data["party_id"], actor, data.get("party_id_number")) \
        if data.get("party_id") is not None else (None, None)
    now = utcnow()
    case = adopt.new(Case, dict(  # Case(...) without the constructor's attribute events: insert_case writes the row
        agency_id=actor.agency_id, stage="lead", procedure="ordinary", source=data["source"], cause=data["cause"],
        party_id=party.id if party else None, discovered_on=data["discovered_on"], facts_text=data.get("facts_text"),
        violations=[], circumstances=[], penalty_kinds=[], created_at=now, updated_at=now, event_seq=1, version=1,
        act_started_on=data.get("act_started_on"), act_ended_on=data.get("act_ended_on"),
        act_continuing=bool(data.get("act_continuing")),
    ), party=party)  # the party object rides along, as loaded
    insert_case(s, case)
    # event 1, inserted with the case; how the party was named (its agencies' own, or proven by its number) trailed
    trail_act(s, actor, case, "register_lead", None, data, {"party_named_by": how} if how else None, case_seq=1)
    return case


def decide_on_the_spot(s: Session, actor: Actor, data: dict, *, settings: Settings) -> Case:
    """简易程序 (行政处罚法 第五十一、五十二条): decide on the spot on a pre-numbered form, served at once."""
    check_role(actor, ACTS["decide_on_the_spot"], "case:decide_on_the_spot")  # permission before the input's checks
    if actor.agency_id is None:
        raise deny(actor, "case:decide_on_the_spot", "您不属于任何执法机关", "out_of_scope")
    today = local_today()
    no_future(data, today, "decided_on")
    party, how = check_party(s, data["party_id"], actor, data.get("party_id_number"))
    officers = resolve_officers(s, actor.agency_id, data.get("officer_ids"))
    form = s.execute(
        select(SummaryForm).where(SummaryForm.agency_id == actor.agency_id, SummaryForm.form_no == data["form_no"])
        .with_for_update()
    ).scalar_one_or_none()
    ctx = lc.ActContext(
        actor_id=actor.user_id, roles=actor.roles, today=today,
        data={**data, "party_kind": party.kind, "party_birth_date": party_birth_date(party)},
        calendar=get_calendar(s), act_officers=[lc.OfficerView.of(u) for u in officers],
        summary_form_available=form is not None and form.used_by_case_id is None,
    )
    now = utcnow()
    # 第五十一条: the act is seen on the spot — its day is the day decided (第二十九条 and 第三十六条 read it). Built
    # before the check and not yet added: a refusal writes nothing, and leaves the form unused.
    case = Case(
        agency_id=actor.agency_id, stage="served", procedure="summary", source=data.get("source", "inspection"),
        cause=data["cause"], party_id=party.id, discovered_on=data["decided_on"], filed_on=None,
        act_started_on=data["decided_on"], act_ended_on=None, act_continuing=False,
        facts_text=data["facts_text"], violations=data.get("violations") or [], circumstances=[],
        decision_kind="penalty", penalty_kinds=data["penalty_kinds"], fine_amount=data.get("fine_amount"),
        decided_on=data["decided_on"], served_on=data["decided_on"], summary_form_no=data["form_no"],
        lead_officer_id=officers[0].id if officers else None, created_at=now, updated_at=now, event_seq=1, version=1,
    )
    # 第二十九条: a second fine for the same item over the same day (on the spot or in another case) is refused
    # unless its reason is recorded (one_fine_per_act reads the party's same-act fines and the input's items).
    view = lc.CaseView(
        stage=None, procedure="summary", party_kind=party.kind, decision_kind="penalty",
        act_started_on=case.act_started_on, same_act_fines=same_act_fines(s, case),
        violation_codes=tuple(v["code"] for v in case.violations if isinstance(v, dict) and v.get("code")),
    )
    refuse_if_needed(ACTS["decide_on_the_spot"], view, ctx, actor, "new")
    case.party = party
    for u in officers:
        case.officers.append(CaseOfficer(user_id=u.id, user=u, role="handler"))
    s.add(case)
    s.flush()
    form.used_by_case_id = case.id
    trail_act(s, actor, case, "decide_on_the_spot", None, data, {"form_no": data["form_no"], "party_named_by": how}, case_seq=1,
              officers=officers, kept={PARTY_AS_SERVED: party_snapshot(party)})  # served at once: the party as served
    return case


def available_actions(s: Session, actor: Actor, case: Case) -> list[dict]:
    """Each act on this case with whether this actor may do it now and, if not, why (for the pages)."""
    view = case_view(s, case)
    out = []
    calendar, today = get_calendar(s), local_today()
    for name, t in ACTS.items():
        if t.creates or case.stage not in t.from_stages:
            continue
        ctx = lc.ActContext(actor_id=actor.user_id, roles=actor.roles, today=today, data={}, calendar=calendar)
        r = lc.check(t, view, ctx)
        if not actor.can_act_in(case.agency_id):
            r.allowed = False
        blocking = [x for x in r.reasons if x.code not in lc.INPUT_DEPENDENT]  # those are checked on submit
        if name == "confirm_act" and not any(actor.user_id in u["awaiting"] for u in view.unconfirmed):
            continue  # nothing awaits this person's confirmation: not an act they can take
        out.append({"action": name, "label": t.label, "allowed": not blocking and actor.can_act_in(case.agency_id),
                    "reasons": [x.as_dict() for x in blocking]})
    return out


# --- reading ---------------------------------------------------------------------------------------

from .case_list import list_cases  # noqa: E402,F401  (the case list: one Core query, services/case_list.py)


def case_refs(s: Session, actor: Actor, case_ids) -> dict[int, dict]:
    """What a page needs to name each of these cases (`fmt.case_ref`: 案号, the 当场处罚决定书 number, or the lead's
    number), for the cases the actor may read; one query."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    q = select(Case.id, Case.case_no, Case.summary_form_no, Case.procedure).where(Case.id.in_(ids))
    if actor.read_scope is not None:
        q = q.where(Case.agency_id.in_(sorted(actor.read_scope)))
    return {r.id: r._asdict() for r in s.execute(q)}
