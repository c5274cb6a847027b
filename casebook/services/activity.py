"""Read the activity projection within the actor's read scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Activity

from .context import Actor
from .loading import load_case


def list_activity(s: Session, actor: Actor, *, case_id: int | None, agency_id: int | None, limit: int,
                  after: int | None) -> list[Activity]:
    q = select(Activity)
    if case_id is not None:
        load_case(s, actor, case_id)  # scope check: another agency's case is not found
        q = q.where(Activity.case_id == case_id)
    elif "admin" not in actor.roles:
        scope = actor.read_scope if agency_id is None else actor.read_scope & {agency_id}
        q = q.where(Activity.agency_id.in_(scope))
    elif agency_id is not None:
        q = q.where(Activity.agency_id == agency_id)
    if after is not None:
        q = q.where(Activity.id < after)
    return list(s.execute(q.order_by(Activity.id.desc()).limit(limit)).scalars())
