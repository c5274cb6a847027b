"""Read the activity projection within the actor's read scope."""

from __future__ import annotations

from sqlalchemy import or_, select
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
    else:
        scope = actor.read_scope if agency_id is None else actor.read_scope & {agency_id}
        where = Activity.agency_id.in_(scope)
        if "admin" in actor.roles:  # configuration acts (users, catalogue, calendar) of every agency, no case's
            config = Activity.case_id.is_(None)
            where = or_(where, config if agency_id is None else config & (Activity.agency_id == agency_id))
        q = q.where(where)
    if after is not None:
        q = q.where(Activity.id < after)
    return list(s.execute(q.order_by(Activity.id.desc()).limit(limit)).scalars())
