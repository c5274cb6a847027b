"""The working-day calendar as configured: library data plus the admin's overrides in the database; loading a
year from the 国务院办公厅 notice (preview, then confirm); the yearly reminder to load next year."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casebook.calendar import WorkingDayCalendar
from casebook.calendar.notice import YearCalendar
from casebook.calendar.statutory import provisional_note
from casebook.config import Settings
from casebook.db.models import CalendarOverride, CalendarYear, Deadline
from casebook.domain.errors import ValidationFailed

from .context import Actor, local_today, require_role
from .recording import record

_TTL = 60.0
_cache: dict[object, tuple[float, WorkingDayCalendar]] = {}  # by database URL
_lock = threading.Lock()


def build_calendar(s: Session) -> WorkingDayCalendar:
    """Build the calendar from what this session sees now (uncached: inside a transaction that changes it)."""
    overrides = {d: w for d, w in s.execute(select(CalendarOverride.day, CalendarOverride.is_working_day))}
    years = s.execute(select(CalendarYear.year)).scalars().all()
    return WorkingDayCalendar(overrides=overrides, extra_years=years)


def get_calendar(s: Session) -> WorkingDayCalendar:
    """Return the calendar for this database, rebuilt at most once a minute (or at once after a change here)."""
    key = s.get_bind().url  # a URL is a hashable tuple: no need to render it on every act
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < _TTL:
        return hit[1]
    cal = build_calendar(s)
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


# --- a year from the State Council notice (or YAML / XLSX with the same data) ------------------------------------


def year_days(year: int, notice: YearCalendar):
    """Rows of the overrides a load replaces: the year's own days and any day the notice sets outside it."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return or_(CalendarOverride.day.between(first, last), CalendarOverride.day.in_(sorted(notice.days())))


def preview_year(s: Session, actor: Actor, notice: YearCalendar) -> dict:
    """Show what loading this year would store, and what it would recount; changes nothing."""
    require_role(actor, "admin", what="calendar.preview_year")
    out = notice.as_dict()
    year = notice.year
    existing = s.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)
                         .where(year_days(year, notice))).all()
    days = notice.days()
    out["replaces_overrides"] = sum(1 for d, w in existing if days.get(d) is not w)
    out["already_loaded"] = s.get(CalendarYear, year) is not None
    out["library_year"] = year in WorkingDayCalendar().covered_years()
    if out["library_year"]:
        # Years the bundled data covers: say where the notice and that data disagree, day by day.
        base = WorkingDayCalendar()
        start = dt.date(year, 1, 1)
        out["differs_from_library"] = [
            (start + dt.timedelta(days=i)).isoformat()
            for i in range((dt.date(year + 1, 1, 1) - start).days)
            if base.is_working_day(start + dt.timedelta(days=i))
            != days.get(start + dt.timedelta(days=i), (start + dt.timedelta(days=i)).weekday() < 5)]
    out["provisional_deadlines"] = s.execute(
        select(func.count()).select_from(Deadline).where(Deadline.status.in_(("open", "missed")),
                                                         Deadline.calendar_missing_year == year)).scalar_one()
    out["confirmed"] = False
    return out


def reminder(s: Session, settings: Settings, today: dt.date | None = None) -> str | None:
    """The Chinese warning health and the deadline list carry while a year's notice is not loaded.

    From CASEBOOK_CALENDAR_REMINDER_FROM (1 October by default) for next year; at any time for this year.
    """
    today = today or local_today()
    cal = get_calendar(s)
    try:
        month, day = (int(x) for x in settings.calendar_reminder_from.split("-"))
        start = dt.date(today.year, month, day)
    except ValueError:
        start = dt.date(today.year, 10, 1)
    year = today.year if not cal.is_covered(today.year) else today.year + 1
    if cal.is_covered(year) or (year > today.year and today < start):
        return None
    return (f"{year}年的法定节假日和调休安排尚未载入：涉及{year}年的期限暂按法定节假日计算，"
            f"{provisional_note(year)}。请管理员载入国务院办公厅关于{year}年部分节假日安排的通知。")


# --- the administrators' year view ----------------------------------------------------------------------------

LIBRARY_SOURCE = "随附数据（chinese_calendar，依国务院办公厅历年通知）"


def _library_names(year: int) -> dict[dt.date, str]:
    """Chinese names of the bundled data's holidays and make-up workdays of a year."""
    from chinese_calendar.constants import Holiday
    from chinese_calendar.constants import holidays as lib_holidays
    from chinese_calendar.constants import workdays as lib_workdays

    zh = {h.value: h.chinese for h in Holiday}
    out = {d: zh.get(n, n) for d, n in lib_holidays.items() if d.year == year}
    out.update({d: f"{zh.get(n, n)}调休上班" for d, n in lib_workdays.items() if d.year == year})
    return out


def years(s: Session, actor: Actor, around: int | None = None) -> list[dict]:
    """The years the calendar knows, and how: loaded from a notice, bundled data, or provisional (not loaded)."""
    require_role(actor, "admin", what="calendar.years")
    around = around or local_today().year
    loaded = {y: src for y, src in s.execute(select(CalendarYear.year, CalendarYear.source))}
    library = set(WorkingDayCalendar().covered_years())
    out = []
    for y in sorted(set(loaded) | {around - 1, around, around + 1, around + 2} | {y for y in library if y >= around - 2}):
        if y in loaded:
            out.append({"year": y, "status": "loaded", "source": loaded[y]})
        elif y in library:
            out.append({"year": y, "status": "library", "source": LIBRARY_SOURCE})
        else:
            out.append({"year": y, "status": "provisional", "source": provisional_note(y)})
    return out


def year_view(s: Session, actor: Actor, year: int) -> dict:
    """A stored year as twelve month grids (provisional years on the statutory holidays, labelled so)."""
    from casebook.calendar.grid import month_grids
    from casebook.calendar.statutory import statutory_rest_days

    require_role(actor, "admin", what="calendar.year_view")
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年份超出范围", code="invalid_year", errors={"year": ["年份须在2000至2100之间"]})
    cal = get_calendar(s)
    covered = cal.is_covered(year)
    view = cal if covered else cal.provisional()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    names = dict(statutory_rest_days(year)) if not covered else {}
    names.update(_library_names(year))
    for d, note in s.execute(select(CalendarOverride.day, CalendarOverride.note).where(CalendarOverride.day.between(first, last))):
        names[d] = (note or "").split("（")[0] or names.get(d, "")
    source = s.execute(select(CalendarYear.source).where(CalendarYear.year == year)).scalar_one_or_none()
    months = month_grids(year, view.is_working_day, names)
    return {"year": year, "provisional": not covered, "source": source or (LIBRARY_SOURCE if covered else provisional_note(year)),
            "loaded": source is not None, "months": months,
            "holidays": sum(m["holidays"] for m in months), "makeup": sum(m["makeup"] for m in months)}


def notice_grids(notice: YearCalendar) -> list[dict]:
    """The months of a previewed notice, drawn like a stored year."""
    from casebook.calendar.grid import month_grids

    days = notice.days()
    return month_grids(notice.year, lambda d: days.get(d, d.weekday() < 5), notice.notes())
