"""Working-day calendar: statutory holidays, 调休 make-up workdays and how legal periods are counted.

Sources (see /work/shared/domain/rules.md §1):
- 全国年节及纪念日放假办法 (2024 修订, 2025-01-01 施行) and the yearly 国务院办公厅 notice fix the
  holidays and the 调休 make-up workdays; the ``chinese_calendar`` package carries that yearly data.
- 行政处罚法 第八十五条: 「二日」「三日」「五日」「七日」 are working days, excluding statutory holidays.
- 行政强制法 第六十九条: periods of 十日以内 are working days.
- 民事诉讼法 第八十五条 (applied by analogy): the start day is not counted; a period whose last day is a
  法定休假日 ends on the first day after it.

A year with no data is never counted on weekends alone: it raises ``CalendarDataMissing``. Only the
calendar's ``provisional()`` view counts such a year, on weekends plus the statutory holidays and their
补假 (casebook.calendar.statutory); every due date it gives is provisional until the year is loaded.
"""

from __future__ import annotations

from calendar import isleap
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Literal

from chinese_calendar.constants import holidays as _library_holidays
from chinese_calendar.constants import workdays as _library_makeup_workdays

from casebook.calendar.statutory import statutory_rest_days
from casebook.domain.errors import CalendarDataMissing

__all__ = [
    "ADMINISTRATIVE_COMPULSION_LAW",
    "ADMINISTRATIVE_PENALTY_LAW",
    "PeriodKind",
    "WorkingDayCalendar",
    "due_date",
    "period_kind",
]

PeriodKind = Literal["working", "calendar"]

ADMINISTRATIVE_PENALTY_LAW = "administrative_penalty_law"
ADMINISTRATIVE_COMPULSION_LAW = "administrative_compulsion_law"

# 行政处罚法 第八十五条: 本法中"二日""三日""五日""七日"的规定是指工作日，不含法定节假日。
_PENALTY_LAW_WORKING_DAY_PERIODS = frozenset({2, 3, 5, 7})
# 行政强制法 第六十九条: 本法中十日以内期限的规定是指工作日 (刑法 第九十九条 usage: 以内 includes the number).
_COMPULSION_LAW_WORKING_DAY_LIMIT = 10


def _group_by_year(days: Iterable[date]) -> dict[int, tuple[int, ...]]:
    """Group dates by year as 0-based day-of-year indexes."""
    grouped: dict[int, list[int]] = {}
    for d in days:
        grouped.setdefault(d.year, []).append(d.timetuple().tm_yday - 1)
    return {year: tuple(idx) for year, idx in grouped.items()}


_LIBRARY_HOLIDAYS = _group_by_year(_library_holidays)
_LIBRARY_MAKEUP_WORKDAYS = _group_by_year(_library_makeup_workdays)
# Same rule as chinese_calendar itself: every year from the first to the last year of its holiday table is
# covered (it raises NotImplementedError outside that range).
_LIBRARY_YEARS = frozenset(range(min(_LIBRARY_HOLIDAYS), max(_LIBRARY_HOLIDAYS) + 1))


def _as_date(d: date) -> date:
    """Return the calendar date of a date or datetime."""
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    raise TypeError(f"需要日期（date），收到的是 {type(d).__name__}")


def _require_positive(n: int) -> None:
    """Refuse a period length below one day."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"期限天数必须为正整数，收到的是 {n!r}")


class WorkingDayCalendar:
    """Answer working-day questions from the library's holiday data plus an administrator's overrides.

    ``overrides`` maps a date to True (working day) or False (rest day); an override always beats the
    library. ``extra_years`` are years an administrator declared fully loaded: their overrides list every
    holiday and make-up workday, so a weekday without an override is a working day and a weekend day
    without one is a rest day. For a year the library also covers, the library stays the base and the
    overrides are applied on top of it.

    The calendar is immutable: build a new one when the administrator's data changes.
    """

    __slots__ = ("_covered", "_overrides", "_provisional", "_provisional_view", "_years")

    def __init__(self, overrides: Mapping[date, bool] | None = None, extra_years: Iterable[int] = (), *,
                 provisional: bool = False):
        by_year: dict[int, list[tuple[int, int]]] = {}
        for d, working in (overrides or {}).items():
            d = _as_date(d)
            by_year.setdefault(d.year, []).append((d.timetuple().tm_yday - 1, 1 if working else 0))
        self._overrides = {year: tuple(items) for year, items in by_year.items()}
        self._covered = _LIBRARY_YEARS | frozenset(int(y) for y in extra_years)
        # year -> (ordinal of 1 January, one byte per day: 1 = working day, 0 = rest day)
        self._years: dict[int, tuple[int, bytearray]] = {}
        self._provisional = provisional
        self._provisional_view: WorkingDayCalendar | None = None

    @property
    def is_provisional(self) -> bool:
        """True for the view that counts years without data on the statutory holidays alone."""
        return self._provisional

    def provisional(self) -> WorkingDayCalendar:
        """Return the view of this calendar that counts a year without data provisionally, never refusing it.

        Covered years are counted exactly as here; a missing year on weekends, the statutory holidays of
        全国年节及纪念日放假办法 and their 补假 (第六条), plus any single days an administrator entered.
        """
        if self._provisional:
            return self
        if self._provisional_view is None:
            view = WorkingDayCalendar(provisional=True)
            view._overrides, view._covered = self._overrides, self._covered
            self._provisional_view = view
        return self._provisional_view

    def is_covered(self, year: int) -> bool:
        """Tell whether a year's holidays and make-up workdays are known (library or loaded notice)."""
        return year in self._covered

    def covered_years(self) -> tuple[int, ...]:
        """Return the years this calendar can count in, ascending."""
        return tuple(sorted(self._covered))

    def _year(self, year: int) -> tuple[int, bytearray]:
        """Return the (first-day ordinal, working-day bytes) of a year, building them once."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        covered = year in self._covered
        if not covered and not self._provisional:
            raise CalendarDataMissing(year)
        first = date(year, 1, 1)
        length = date(year + 1, 1, 1).toordinal() - first.toordinal()
        weekday = first.weekday()
        # Monday–Friday work, Saturday and Sunday rest, unless the yearly data says otherwise.
        bits = bytearray(1 if (weekday + i) % 7 < 5 else 0 for i in range(length))
        if not covered:
            # Provisional: 全国年节及纪念日放假办法 第二条 holidays and 第六条 补假; no 调休 is guessed.
            for d in statutory_rest_days(year):
                bits[d.toordinal() - first.toordinal()] = 0
        for i in _LIBRARY_HOLIDAYS.get(year, ()):
            bits[i] = 0
        for i in _LIBRARY_MAKEUP_WORKDAYS.get(year, ()):
            bits[i] = 1  # 调休: a declared make-up workday is a working day even on a weekend
        for i, working in self._overrides.get(year, ()):
            bits[i] = working
        built = (first.toordinal(), bits)
        self._years[year] = built
        return built

    def is_working_day(self, d: date) -> bool:
        """Tell whether a day is a working day."""
        d = _as_date(d)
        base, bits = self._year(d.year)
        return bits[d.toordinal() - base] == 1

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day after start; start itself is not counted."""
        _require_positive(n)
        start = _as_date(start)
        year = start.year
        # Index of the day after start within its year; only days actually examined need data.
        idx = start.timetuple().tm_yday
        if idx >= (366 if isleap(year) else 365):
            year, idx = year + 1, 0
        base, bits = self._year(year)
        while True:
            pos = bits.find(1, idx)
            if pos < 0:
                year += 1
                base, bits = self._year(year)
                idx = 0
                continue
            n -= 1
            if n == 0:
                return date.fromordinal(base + pos)
            idx = pos + 1

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after d."""
        return self.add_working_days(d, 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days in (a, b]; negative when b is before a."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        lo = a.toordinal() + 1
        hi = b.toordinal()
        total = 0
        for year in range(date.fromordinal(lo).year if lo <= hi else b.year + 1, b.year + 1):
            base, bits = self._year(year)
            total += bits.count(1, max(lo - base, 0), min(hi - base + 1, len(bits)))
        return total

    def end_of_calendar_period(self, start: date, days: int) -> date:
        """Return the last day of a period of calendar days, moved past a closing rest day or holiday."""
        # 民事诉讼法 第八十五条 (by analogy): 期间开始的日不计算在期间内；期间届满的最后一日是法定休假日的，
        # 以法定休假日后的第一日为期间届满的日期。
        _require_positive(days)
        end = _as_date(start) + timedelta(days=days)
        if self.is_working_day(end):
            return end
        return self.next_working_day(end)


def period_kind(law: str, days: int) -> PeriodKind:
    """Tell whether a period of this many days under this law counts working or calendar days."""
    _require_positive(days)
    if law == ADMINISTRATIVE_PENALTY_LAW:
        # 行政处罚法 第八十五条: only 二日、三日、五日、七日 are working days; 十五日、九十日 … are calendar days.
        return "working" if days in _PENALTY_LAW_WORKING_DAY_PERIODS else "calendar"
    if law == ADMINISTRATIVE_COMPULSION_LAW:
        # 行政强制法 第六十九条: 十日以内期限的规定是指工作日.
        return "working" if days <= _COMPULSION_LAW_WORKING_DAY_LIMIT else "calendar"
    # No working-day clause known for this law: calendar days (e.g. 310号 「3日」, rules.md §1 safer default).
    return "calendar"


def due_date(cal: WorkingDayCalendar, law: str, start: date, days: int) -> date:
    """Return the last day of a period under a law, counted the way that law requires."""
    if period_kind(law, days) == "working":
        return cal.add_working_days(start, days)
    return cal.end_of_calendar_period(start, days)
