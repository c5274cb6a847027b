"""Confirming a year of the holiday calendar from the State Council notice (国务院办公厅关于YYYY年部分节假日安排的通知):
the year is stored and every provisional deadline on it recounted, trailed and announced, in one transaction.

Its own module because it joins the calendar (`services/calendar.py`) and the deadlines (`services/deadlines.py`,
which reads the calendar): keeping it in either made the two import each other.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from casebook.calendar.notice import YearCalendar
from casebook.config import Settings
from casebook.db.models import CalendarOverride, CalendarYear
from casebook.domain.errors import Conflict

from . import calendar as cal
from . import deadlines
from .context import Actor, require_role
from .recording import record


def confirm_year(s: Session, actor: Actor, notice: YearCalendar, digest: str, settings: Settings) -> dict:
    """Store the year previewed (its holidays and 调休 workdays) and recount every provisional deadline on it.

    `digest` is the preview's: what is stored is what the administrator saw. The year's earlier overrides
    are replaced (the notice is the authority); each recounted deadline is trailed on its case and
    announced (deadline.rescheduled), in this same transaction.
    """
    require_role(actor, "admin", what="calendar.confirm_year")
    if digest != notice.digest():
        raise Conflict("确认的内容与预览不一致，请重新预览后再确认", code="calendar_preview_mismatch",
                       errors={"digest": [f"预览指纹应为 {notice.digest()}"]})
    year = notice.year
    s.execute(delete(CalendarOverride).where(cal.year_days(year, notice)))
    notes = notice.notes()
    for d, working in sorted(notice.days().items()):
        s.add(CalendarOverride(day=d, is_working_day=working, note=f"{notes[d]}（{notice.source}）"[:200]))
    row = s.get(CalendarYear, year)
    if row is None:
        s.add(CalendarYear(year=year, source=notice.source[:200]))
    else:
        row.source = notice.source[:200]
    s.flush()
    cal.invalidate()
    changed = deadlines.reschedule_provisional(s, actor, settings, years=[year], cal=cal.build_calendar(s))
    payload = {"year": year, "source": notice.source, "digest": notice.digest(),
               "holidays": [[h.name, h.start.isoformat(), h.end.isoformat()] for h in notice.holidays],
               "workdays": [w.day.isoformat() for w in notice.workdays], "rescheduled": len(changed)}
    record(s, actor, "calendar.notice_loaded", payload, agency_id=actor.agency_id,
           events=[("calendar.notice_loaded", {"action": "load_notice", "id": year, "data": payload})])
    cal.invalidate()
    out = notice.as_dict()
    out.update({"confirmed": True, "rescheduled": changed})
    return out
