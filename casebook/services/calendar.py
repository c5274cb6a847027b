"""The working-day calendar as configured: library data plus the admin's overrides in the database."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.calendar import WorkingDayCalendar
from casebook.db.models import CalendarOverride, CalendarYear
from casebook.domain.errors import ValidationFailed

from .context import Actor, require_role
from .recording import record

_TTL = 60.0
_cache: dict[str, tuple[float, WorkingDayCalendar]] = {}
_lock = threading.Lock()


def get_calendar(s: Session) -> WorkingDayCalendar:
    """Return the calendar for this database, rebuilt at most once a minute (or at once after a change here)."""
    key = str(s.get_bind().url)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < _TTL:
        return hit[1]
    overrides = {d: w for d, w in s.execute(select(CalendarOverride.day, CalendarOverride.is_working_day))}
    years = s.execute(select(CalendarYear.year)).scalars().all()
    cal = WorkingDayCalendar(overrides=overrides, extra_years=years)
    with _lock:
        _cache[key] = (now, cal)
    return cal


def invalidate() -> None:
    with _lock:
        _cache.clear()


def set_day(s: Session, actor: Actor, day: dt.date, is_working_day: bool, note: str) -> CalendarOverride:
    """Override one day (admin): corrections, or a year the library does not cover yet."""
    require_role(actor, "admin", what="calendar.set_day")
    row = s.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, is_working_day=is_working_day, note=note)
        s.add(row)
    else:
        row.is_working_day, row.note = is_working_day, note
    payload = {"day": day.isoformat(), "is_working_day": is_working_day, "note": note}
    record(s, actor, "calendar.day_overridden", payload, agency_id=actor.agency_id,
           events=[("calendar.day_overridden", {"action": "set_day", "id": day.isoformat(), "data": payload})])
    s.flush()
    invalidate()
    return row


def declare_year(s: Session, actor: Actor, year: int, source: str) -> None:
    """Declare a year fully loaded: its holidays and make-up workdays are all in the overrides."""
    require_role(actor, "admin", what="calendar.declare_year")
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年份超出范围", errors={"year": ["年份须在2000至2100之间"]})
    if s.get(CalendarYear, year) is None:
        s.add(CalendarYear(year=year, source=source))
    payload = {"year": year, "source": source}
    record(s, actor, "calendar.year_declared", payload, agency_id=actor.agency_id,
           events=[("calendar.day_overridden", {"action": "declare_year", "id": year, "data": payload})])
    s.flush()
    invalidate()
