"""A year as twelve month grids (Monday first): each day a working day or a rest day, and why.

Pure: the caller says which days are working days and names the holidays and 调休 make-up workdays. The
administrators' calendar page draws these grids for a stored year and for a pasted notice before it is confirmed.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Callable, Mapping
from datetime import date

__all__ = ["KIND_LABELS", "month_grids"]

#: holiday: a rest day the holiday calendar sets (放假); makeup: a weekend day worked (调休上班);
#: weekend: an ordinary Saturday or Sunday; workday: an ordinary Monday to Friday.
KIND_LABELS = {"holiday": "休", "makeup": "班", "weekend": "", "workday": ""}


def month_grids(year: int, is_working: Callable[[date], bool], names: Mapping[date, str] | None = None) -> list[dict]:
    """Twelve months, each `{"month", "weeks": [[cell | None] * 7], "rest", "makeup"}`; a cell is
    `{"day", "date", "kind", "name"}`. A rest day on a weekday, or any day named in `names` that is a rest
    day, is a holiday; a working Saturday or Sunday is a make-up workday."""
    names = names or {}
    out = []
    for month in range(1, 13):
        weeks, rest, makeup = [], 0, 0
        for week in _cal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                working, weekend = is_working(d), d.weekday() >= 5
                if working:
                    kind = "makeup" if weekend else "workday"
                else:
                    kind = "holiday" if (not weekend or d in names) else "weekend"
                rest += kind == "holiday"
                makeup += kind == "makeup"
                row.append({"day": d.day, "date": d.isoformat(), "kind": kind,
                            "name": names.get(d, "") if kind in ("holiday", "makeup") else ""})
            weeks.append(row)
        out.append({"month": month, "weeks": weeks, "holidays": rest, "makeup": makeup})
    return out
