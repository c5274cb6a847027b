"""Performing an act on a case: the one path every act takes, read from the act's declaration.

Scope, version, input dates, named officers, the guards (with the rule evaluation computed once and handed
to both the guards and the effect), the effect, the trail entry, the act record and the outbox rows — all in
the caller's one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db.models import Case, User, utcnow
from casebook.domain import lifecycle as lc
from casebook.domain.deadlines import local_date
from casebook.domain.errors import ActionRefused, NotFound, StaleVersion, ValidationFailed

from .acts import ACTS
from .calendar import get_calendar
from .case_rows import write_case
from .context import Actor, deny, local_today
from .effects import Run
from .loading import case_view, load_case, resolve_officers
from .recording import record


def date_fields(act: lc.Act) -> tuple[str, ...]:
    """The act's input fields that are dates or instants (none of them may lie in the future); read from its
    schema once per act."""
    hit = _date_fields.get(act.code)
    if hit is None or hit[0] is not act.schema:
        names = () if act.schema is None else tuple(
            name for name, f in act.schema._declared_fields.items()
            if type(f).__name__ in ("Date", "DateTime", "AwareDateTime", "NaiveDateTime"))
        hit = _date_fields[act.code] = (act.schema, names)
    return hit[1]


_date_fields: dict[str, tuple[Any, tuple[str, ...]]] = {}


def no_future(data: dict, today: dt.date, *keys: str) -> None:
    def day(v):  # an instant counts by its Beijing day
        return local_date(v) if isinstance(v, dt.datetime) else v

    errors = {k: ["日期不能晚于今天"] for k in keys if isinstance(data.get(k), dt.date) and day(data[k]) > today}
    if errors:
        raise ValidationFailed("日期不能晚于今天", code="date_in_future", errors=errors)


def jsonable(data: dict) -> dict:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dt.datetime | dt.date):
            out[k] = v.isoformat()
        elif isinstance(v, Decimal):
            out[k] = str(v)
        elif isinstance(v, dict):
            out[k] = jsonable(v)
        elif isinstance(v, list):
            out[k] = [jsonable(x) if isinstance(x, dict) else (str(x) if isinstance(x, Decimal) else x) for x in v]
        else:
            out[k] = v
    return out


def act_context(s: Session, actor: Actor, case: Case, act: lc.Act, data: dict, officers: list[User],
                today: dt.date, calendar) -> tuple[lc.ActContext, Any]:
    """The guards' context for `act`, and the rule evaluation (once; None unless the act loads "rules")."""
    evaluation = None
    if "rules" in act.loads and case.stage in act.from_stages:
        from . import rules

        evaluation = rules.evaluate(s, case, data)
    assignee = None
    if "assignee" in act.loads:
        from .effects.review_referral import assignee_view

        assignee = assignee_view(s, case, data["reviewer_id"])
    taken = frozenset()
    if "receipts" in act.loads and data.get("receipt_no"):
        from .effects.execution import receipt_taken

        taken = frozenset({data["receipt_no"]}) if receipt_taken(s, case.agency_id, data["receipt_no"]) else frozenset()
    counting = "calendar"
    if "referral" in act.loads:
        from casebook.db.engine import session_settings

        counting = session_settings(s).referral_day_counting
    ctx = lc.ActContext(
        actor_id=actor.user_id, roles=actor.roles, today=today, data=data, calendar=calendar,
        act_officers=[lc.OfficerView.of(u) for u in officers], rules=evaluation.as_view() if evaluation else None,
        assignee=assignee, taken_receipts=taken, referral_counting=counting,
    )
    return ctx, evaluation


def refuse_if_needed(act: lc.Act, view: lc.CaseView, ctx: lc.ActContext, actor: Actor, case_id) -> None:
    result = lc.check(act, view, ctx)
    if not result.role_ok:
        raise deny(actor, f"case:{case_id}:{act.code}", "您的角色无权执行此操作：" + result.reasons[0].message,
                   "role_not_allowed")
    if not result.allowed:
        raise ActionRefused(action=act.label, reasons=result.reasons)


def check_role(actor: Actor, act: lc.Act, what: str) -> None:
    """The actor holds one of the roles the act declares (a wrong role is 403, logged)."""
    if not actor.roles & act.roles:
        need = "、".join(lc.ROLE_LABELS[r] for r in sorted(act.roles))
        raise deny(actor, what, f"您的角色无权执行此操作：“{act.label}”须由{need}执行", "role_not_allowed")


def admit(s: Session, actor: Actor, case_id: int, action: str, *, for_act: bool = False) -> tuple[lc.Act, Case]:
    """Whether this actor may try `action` on this case at all, before any of its input is looked at.

    Another agency's case is not found (404, logged), a case the actor reads but does not act in is 403
    `out_of_scope`, a role the act does not declare is 403 `role_not_allowed`. The web layer calls this before it
    parses the body or reads If-Match, so a caller without permission learns nothing from field errors or a
    stale version; `perform` calls it again inside the act's transaction (with the row lock).
    """
    act = ACTS.get(action)
    if act is None or act.creates:
        raise NotFound("没有这个案件操作", code="unknown_action")
    case = load_case(s, actor, case_id, for_act=for_act, with_agency=for_act and "agency" in act.loads)
    if not actor.can_act_in(case.agency_id):
        raise deny(actor, f"case:{case_id}:{action}", "该案件不属于您所在执法机关，不能操作", "out_of_scope")
    check_role(actor, act, f"case:{case_id}:{action}")
    return act, case


def perform(
    s: Session, actor: Actor, case_id: int, action: str, data: dict, *, expected_version: int | None, settings: Settings,
    effect_extra: Callable[[Session, Case], dict | None] | None = None, dry_run: bool = False,
) -> Case:
    """Carry out `action` on a case: scope and role (`admit`), version, guards, effect, trail and events in one
    transaction.

    With dry_run, stop after the checks (raising what the act would raise) and change nothing.
    """
    act, case = admit(s, actor, case_id, action, for_act=True)
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion()
    today = local_today()
    no_future(data, today, *date_fields(act))
    officers = resolve_officers(s, case.agency_id, data.get(act.officers), act.officers) if act.officers else []
    calendar = get_calendar(s)
    view = case_view(s, case, act)
    ctx, evaluation = act_context(s, actor, case, act, data, officers, today, calendar)
    refuse_if_needed(act, view, ctx, actor, case_id)
    if dry_run:
        return case

    stage_from = case.stage
    extra = None
    kept = None
    if act.effect is not None:
        run = Run(actor=actor, data=data, settings=settings, today=today, calendar=calendar, officers=officers,
                  rules=evaluation)
        extra = act.effect(s, case, run)
        kept = run.kept
    if effect_extra is not None:
        extra = {**(extra or {}), **(effect_extra(s, case) or {})}
    case.stage = lc.target_stage(act, view) or case.stage
    case.updated_at = utcnow()
    case.version = case.version + 1
    trail_act(s, actor, case, action, stage_from, data, extra, officers=officers, kept=kept)
    return case


def trail_act(s: Session, actor: Actor, case: Case, action: str, stage_from: str | None, data: dict, extra: dict | None,
              *, case_seq: int | None = None, officers: list[User] | None = None, kept: dict | None = None):
    """Trail the act, keep its full input, and raise its event, numbered in the case's event order.

    The caller holds the case row (locked by `perform`, or just inserted): the act's event number is
    taken here as event_seq + 1 and written by the act's own UPDATE (or INSERT, `case_seq` given) of the case.
    The trail keeps a privacy-masked copy of the input (and its hash); the act record keeps the input as
    entered, which is what the documents print (a 笔录 needs the real address, the trail does not), and `kept`:
    what the effect recorded for the documents only (the party as served).
    """
    act = ACTS[action]
    if case_seq is None:
        case_seq = case.event_seq + 1
        case.event_seq = case_seq
    full = jsonable(data)
    body = {"action": action, "stage_from": stage_from, "stage_to": case.stage, "case_no": case.case_no,
            "data": {**full, **(extra or {})}}
    now = utcnow()
    # 会签: a binding act waits for every other officer it names to confirm it.
    awaiting = [u.id for u in officers or () if u.id != actor.user_id] if act.cosign else []
    act_row = {"case_id": case.id, "seq": case_seq, "action": action, "actor_id": actor.user_id, "occurred_at": now,
               "data": {**body["data"], **(kept or {})}, "awaiting": awaiting, "confirmed": []}
    write_case(s, case)  # the case row's UPDATE (event number included), before the chain head is locked
    record(s, actor, f"case.{action}", body, case=case, events=[(act.event, body)], case_seq=case_seq, now=now,
           act_row=act_row)


