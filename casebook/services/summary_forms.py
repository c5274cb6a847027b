"""Pre-numbered summary-decision forms (预定格式、编有号码的当场处罚决定书, 行政处罚法 第五十二条)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import SummaryForm
from casebook.domain.errors import Conflict

from .context import Actor, require_role
from .recording import record


def register(s: Session, actor: Actor, form_nos: list[str]) -> list[str]:
    """Register the form numbers the agency has taken into use; a number registered before is refused."""
    require_role(actor, "agency_head", "admin", what="summary_forms.register")
    nos = list(dict.fromkeys(form_nos))
    taken = s.execute(select(SummaryForm.form_no).where(SummaryForm.agency_id == actor.agency_id,
                                                       SummaryForm.form_no.in_(nos))).scalars().all()
    if taken:
        raise Conflict("决定书编号已登记", code="form_no_taken", errors={"form_nos": sorted(taken)})
    for n in nos:
        s.add(SummaryForm(agency_id=actor.agency_id, form_no=n))
    payload = {"form_nos": nos}
    record(s, actor, "summary_forms.registered", payload, agency_id=actor.agency_id,
           events=[("summary_forms.registered", {"action": "register", "id": None, "data": payload})])
    return nos
