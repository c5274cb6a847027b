"""Working-day calendar at the legal boundaries: 国庆 2025, 元旦 and 春节 2026, missing years, overrides."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.calendar import (
    ADMINISTRATIVE_COMPULSION_LAW,
    ADMINISTRATIVE_PENALTY_LAW,
    WorkingDayCalendar,
    due_date,
    period_kind,
)
from casebook.domain.errors import CalendarDataMissing

D = date


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


# 国务院办公厅 2025 notice: 国庆节、中秋节 10月1日至8日放假调休，9月28日（周日）、10月11日（周六）上班.
# 2026 notice: 元旦 1月1日至3日放假，1月4日（周日）上班；春节 2月15日至23日放假，2月14日（周六）、
# 2月28日（周六）上班. Both as carried by chinese_calendar 1.11.0 (constants.holidays / constants.workdays).
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 26), True),  # Friday before the break
        (D(2025, 9, 27), False),  # ordinary Saturday
        (D(2025, 9, 28), True),  # Sunday make-up workday
        *[(D(2025, 10, d), False) for d in range(1, 9)],  # 国庆 + 中秋 (10-06) holiday
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # Saturday make-up workday
        (D(2025, 10, 12), False),
        (D(2026, 1, 1), False),
        (D(2026, 1, 2), False),  # Friday in lieu
        (D(2026, 1, 4), True),  # Sunday make-up workday
        (D(2026, 2, 13), True),
        (D(2026, 2, 14), True),  # Saturday make-up workday before 春节
        *[(D(2026, 2, d), False) for d in range(15, 24)],  # 春节 2026-02-15 … 2026-02-23
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday make-up workday after 春节
        (D(2026, 3, 1), False),
    ],
)
def test_is_working_day_follows_the_published_holiday_schedule(cal, day, working):
    assert cal.is_working_day(day) is working


def test_every_day_from_2004_to_2026_agrees_with_the_chinese_calendar_package(cal):
    day, disagreements = D(2004, 1, 1), []
    while day.year <= 2026:
        if cal.is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # Saturday skipped, Sunday make-up counts
        (D(2025, 9, 26), 3, D(2025, 9, 30)),
        (D(2025, 9, 26), 4, D(2025, 10, 9)),  # jumps the eight-day holiday
        (D(2025, 9, 26), 5, D(2025, 10, 10)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 30), 3, D(2025, 10, 11)),  # Saturday make-up counts
        (D(2025, 9, 30), 5, D(2025, 10, 14)),
        (D(2025, 10, 3), 1, D(2025, 10, 9)),  # start inside the holiday
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # across the year into a Sunday make-up workday
        (D(2026, 2, 12), 2, D(2026, 2, 14)),
        (D(2026, 2, 12), 3, D(2026, 2, 24)),  # jumps 春节
        (D(2026, 2, 12), 5, D(2026, 2, 26)),
        (D(2026, 2, 26), 2, D(2026, 2, 28)),
    ],
)
def test_add_working_days_counts_from_the_day_after_start(cal, start, n, expected):
    assert cal.add_working_days(start, n) == expected


def test_fifth_working_day_after_national_day_eve_skips_the_holiday(cal):
    assert cal.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)


def test_fifth_working_day_after_the_friday_before_national_day_uses_the_sunday_make_up_day(cal):
    assert cal.add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_refuses_a_count_below_one(cal, n):
    with pytest.raises(ValueError):
        cal.add_working_days(D(2025, 9, 26), n)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 9, 30), D(2025, 10, 9)),
        (D(2025, 9, 27), D(2025, 9, 28)),
        (D(2025, 9, 26), D(2025, 9, 28)),
        (D(2026, 2, 13), D(2026, 2, 14)),
        (D(2026, 2, 14), D(2026, 2, 24)),
    ],
)
def test_next_working_day_is_strictly_after_the_day(cal, day, expected):
    assert cal.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2025, 9, 26), D(2025, 10, 10), 5),
        (D(2025, 9, 30), D(2025, 10, 8), 0),  # the whole holiday
        (D(2025, 9, 26), D(2025, 9, 26), 0),
        (D(2025, 10, 10), D(2025, 9, 26), -5),
        (D(2025, 12, 31), D(2026, 1, 4), 1),
        (D(2026, 2, 13), D(2026, 2, 28), 6),
        (D(2024, 12, 31), D(2025, 12, 31), 248),  # 261 weekdays − 18 weekday holidays + 5 make-up days
        (D(2025, 12, 31), D(2026, 12, 31), 248),  # 261 weekdays − 19 weekday holidays + 6 make-up days
    ],
)
def test_working_days_between_counts_the_half_open_interval(cal, a, b, expected):
    assert cal.working_days_between(a, b) == expected


@settings(max_examples=300, database=None, deadline=None)
@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 10, 31)), n=st.integers(1, 30))
def test_add_working_days_and_working_days_between_agree(start, n):
    cal = WorkingDayCalendar()
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(start, end - timedelta(days=1)) == n - 1


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2025, 9, 16), 15, D(2025, 10, 9)),  # ends 10-01, a holiday: moves past the whole break
        (D(2025, 9, 13), 15, D(2025, 9, 28)),  # ends on the Sunday make-up workday: stays
        (D(2025, 9, 12), 15, D(2025, 9, 28)),  # ends on Saturday 09-27: next day is a make-up workday
        (D(2025, 11, 1), 15, D(2025, 11, 17)),  # ends on Sunday: Monday
        (D(2025, 11, 3), 15, D(2025, 11, 18)),  # ends on a Tuesday: stays
        (D(2026, 1, 31), 15, D(2026, 2, 24)),  # ends on 02-15, first day of 春节
        (D(2025, 7, 3), 90, D(2025, 10, 9)),  # 行政处罚法 第六十条 90 days landing on 国庆
    ],
)
def test_calendar_period_excludes_the_start_day_and_rolls_past_a_closing_holiday(cal, start, days, expected):
    assert cal.end_of_calendar_period(start, days) == expected


@pytest.mark.parametrize(
    ("law", "days", "kind"),
    [
        (ADMINISTRATIVE_PENALTY_LAW, 2, "working"),
        (ADMINISTRATIVE_PENALTY_LAW, 3, "working"),
        (ADMINISTRATIVE_PENALTY_LAW, 5, "working"),
        (ADMINISTRATIVE_PENALTY_LAW, 7, "working"),
        (ADMINISTRATIVE_PENALTY_LAW, 1, "calendar"),
        (ADMINISTRATIVE_PENALTY_LAW, 4, "calendar"),
        (ADMINISTRATIVE_PENALTY_LAW, 6, "calendar"),
        (ADMINISTRATIVE_PENALTY_LAW, 10, "calendar"),
        (ADMINISTRATIVE_PENALTY_LAW, 15, "calendar"),
        (ADMINISTRATIVE_PENALTY_LAW, 90, "calendar"),
        (ADMINISTRATIVE_COMPULSION_LAW, 1, "working"),
        (ADMINISTRATIVE_COMPULSION_LAW, 7, "working"),
        (ADMINISTRATIVE_COMPULSION_LAW, 10, "working"),
        (ADMINISTRATIVE_COMPULSION_LAW, 11, "calendar"),
        (ADMINISTRATIVE_COMPULSION_LAW, 15, "calendar"),
        (ADMINISTRATIVE_COMPULSION_LAW, 30, "calendar"),
        ("criminal_referral_310", 3, "calendar"),
        ("", 5, "calendar"),
    ],
)
def test_period_kind_follows_each_laws_working_day_clause(law, days, kind):
    assert period_kind(law, days) == kind


@pytest.mark.parametrize("days", [0, -3])
def test_period_kind_refuses_a_period_below_one_day(days):
    with pytest.raises(ValueError):
        period_kind(ADMINISTRATIVE_PENALTY_LAW, days)


@pytest.mark.parametrize(
    ("law", "start", "days", "expected"),
    [
        (ADMINISTRATIVE_PENALTY_LAW, D(2025, 9, 30), 5, D(2025, 10, 14)),  # 陈述申辩 5 working days
        (ADMINISTRATIVE_PENALTY_LAW, D(2025, 9, 26), 7, D(2025, 10, 13)),  # 送达 7 working days
        (ADMINISTRATIVE_PENALTY_LAW, D(2025, 9, 16), 15, D(2025, 10, 9)),  # 缴纳罚款 15 calendar days
        (ADMINISTRATIVE_COMPULSION_LAW, D(2025, 9, 26), 10, D(2025, 10, 16)),
        (ADMINISTRATIVE_COMPULSION_LAW, D(2025, 9, 1), 30, D(2025, 10, 9)),  # 查封扣押 30 days
        ("unknown_law", D(2025, 9, 30), 3, D(2025, 10, 9)),
    ],
)
def test_due_date_counts_the_way_the_law_requires(cal, law, start, days, expected):
    assert due_date(cal, law, start, days) == expected


def test_a_date_in_2027_raises_calendar_data_missing_by_default(cal):
    with pytest.raises(CalendarDataMissing) as exc:
        cal.is_working_day(D(2027, 1, 4))
    assert exc.value.year == 2027
    assert "2027年" in exc.value.message
    assert exc.value.code == "calendar_data_missing"


def test_a_date_before_the_library_data_raises_calendar_data_missing(cal):
    with pytest.raises(CalendarDataMissing) as exc:
        cal.is_working_day(D(2003, 12, 31))
    assert exc.value.year == 2003


@pytest.mark.parametrize(
    "count",
    [
        lambda c: c.add_working_days(D(2026, 12, 28), 5),
        lambda c: c.working_days_between(D(2026, 12, 1), D(2027, 1, 10)),
        lambda c: c.end_of_calendar_period(D(2026, 12, 20), 15),
        lambda c: c.next_working_day(D(2026, 12, 31)),
        lambda c: due_date(c, ADMINISTRATIVE_PENALTY_LAW, D(2026, 12, 29), 7),
    ],
)
def test_counting_into_2027_raises_instead_of_counting_weekends_only(cal, count):
    with pytest.raises(CalendarDataMissing) as exc:
        count(cal)
    assert exc.value.year == 2027


def test_overrides_alone_do_not_make_a_year_counted():
    cal = WorkingDayCalendar(overrides={D(2027, 1, 1): False})
    with pytest.raises(CalendarDataMissing):
        cal.is_working_day(D(2027, 1, 1))


@pytest.fixture(scope="module")
def cal_2027() -> WorkingDayCalendar:
    overrides = {D(2027, 1, 1): False, D(2027, 2, 6): True, D(2027, 2, 8): False}
    return WorkingDayCalendar(overrides=overrides, extra_years=[2027])


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2027, 1, 1), False),  # Friday, overridden as holiday
        (D(2027, 1, 2), False),  # Saturday, no override
        (D(2027, 1, 4), True),  # Monday, no override
        (D(2027, 2, 6), True),  # Saturday, overridden as make-up workday
        (D(2027, 2, 8), False),  # Monday, overridden as holiday
        (D(2027, 12, 31), True),  # Friday, no override
    ],
)
def test_a_declared_extra_year_uses_weekdays_plus_its_overrides(cal_2027, day, working):
    assert cal_2027.is_working_day(day) is working


def test_counting_into_a_declared_extra_year_crosses_the_new_year(cal_2027):
    assert cal_2027.add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)
    assert cal_2027.working_days_between(D(2026, 12, 31), D(2027, 1, 8)) == 5


def test_a_declared_extra_year_does_not_cover_the_year_after(cal_2027):
    with pytest.raises(CalendarDataMissing) as exc:
        cal_2027.is_working_day(D(2028, 1, 3))
    assert exc.value.year == 2028


def test_covered_years_are_the_library_years_plus_the_declared_ones(cal, cal_2027):
    assert cal.covered_years() == tuple(range(2004, 2027))
    assert cal_2027.covered_years() == tuple(range(2004, 2028))


@pytest.mark.parametrize(
    ("day", "override", "library_says"),
    [
        (D(2025, 10, 8), True, False),  # library holiday declared a working day
        (D(2025, 9, 28), False, True),  # library make-up workday cancelled
        (D(2025, 11, 3), False, True),  # ordinary Monday declared a rest day (e.g. local disaster)
        (D(2025, 11, 8), True, False),  # ordinary Saturday declared a working day
    ],
)
def test_an_override_beats_the_library(cal, day, override, library_says):
    assert cal.is_working_day(day) is library_says
    assert WorkingDayCalendar(overrides={day: override}).is_working_day(day) is override


def test_an_overridden_holiday_shifts_a_working_day_deadline():
    cal = WorkingDayCalendar(overrides={D(2025, 10, 13): False})
    assert cal.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 15)


def test_changing_the_override_mapping_later_does_not_change_a_built_calendar():
    overrides = {D(2025, 11, 3): False}
    cal = WorkingDayCalendar(overrides=overrides)
    overrides[D(2025, 11, 3)] = True
    overrides[D(2025, 11, 4)] = False
    assert cal.is_working_day(D(2025, 11, 3)) is False
    assert cal.is_working_day(D(2025, 11, 4)) is True


def test_a_datetime_counts_as_its_calendar_date(cal):
    assert cal.is_working_day(datetime(2025, 9, 28, 23, 59)) is True
    assert cal.add_working_days(datetime(2025, 9, 30, 8, 0), 5) == D(2025, 10, 14)


def test_add_working_days_takes_microseconds_not_milliseconds():
    cal = WorkingDayCalendar()
    cal.add_working_days(D(2025, 9, 26), 30)  # build the year caches once
    calls = 2000
    best = min(_time(lambda: cal.add_working_days(D(2025, 9, 26), 30), calls) for _ in range(3))
    assert best / calls < 100e-6  # chinese_calendar.find_workday needs about 1 ms for the same count


def _time(fn, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - started
