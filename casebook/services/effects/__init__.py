"""The effects of the case acts: what each act changes in the records, grouped by procedure.

An effect is `effect(s, case, run) -> dict | None`: it writes the state rows of one act inside the act's
transaction and returns what the act's event and trail entry should carry beyond the input. It is called only
by `services.perform` after the act's guards passed, and named on the act's declaration (services.acts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Case, LegalReview, User

if TYPE_CHECKING:
    from casebook.config import Settings
    from casebook.services.context import Actor


@dataclass
class Run:
    """One act being performed: who, with what input, and what perform already computed for it."""

    actor: Actor
    data: dict
    settings: Settings
    today: dt.date
    calendar: Any  # the working-day calendar (services.calendar.get_calendar)
    officers: list[User] = field(default_factory=list)  # the officers the input names, resolved
    rules: Any = None  # services.rules.Evaluation, computed once when the act loads "rules"
    # What the act's record (case_acts) keeps beyond its input, which the trail entry and the event do not carry
    # (e.g. the party as served, for the documents: serve_decision).
    kept: dict = field(default_factory=dict)


PARTY_AS_SERVED = "party_as_served"


def party_snapshot(party) -> dict | None:
    """The party as it stands now: what a served decision's documents keep printing after the party is edited
    (行政处罚法 第五十九条: the decision names the party, its 身份证号 or 统一社会信用代码 and address, as served)."""
    if party is None:
        return None
    return {"id": party.id, "version": party.version, "kind": party.kind, "name": party.name,
            "id_number": party.id_number, "phone": party.phone, "address": party.address,
            "legal_representative": party.legal_representative, "id_kind": party.id_kind,
            "birth_date": party.birth_date.isoformat() if party.birth_date else None}


def plan(s: Session, case: Case, kind: str, *, settings: Settings | None = None, **kw) -> None:
    from casebook.services import deadlines

    deadlines.plan(s, case, kind, settings=settings, **kw)


def settle(s: Session, case: Case, kind: str, **kw) -> None:
    from casebook.services import deadlines

    deadlines.settle(s, case, kind, **kw)


def latest(s: Session, model, case: Case):
    order = model.round.desc() if model is LegalReview else model.id.desc()
    return s.execute(select(model).where(model.case_id == case.id).order_by(order).limit(1)).scalar_one_or_none()
