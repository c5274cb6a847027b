"""Working-day calendar and the counting of legal periods."""

from casebook.calendar.workdays import (
    ADMINISTRATIVE_COMPULSION_LAW,
    ADMINISTRATIVE_PENALTY_LAW,
    PeriodKind,
    WorkingDayCalendar,
    due_date,
    period_kind,
)

__all__ = [
    "ADMINISTRATIVE_COMPULSION_LAW",
    "ADMINISTRATIVE_PENALTY_LAW",
    "PeriodKind",
    "WorkingDayCalendar",
    "due_date",
    "period_kind",
]
