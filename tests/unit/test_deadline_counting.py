"""Legal deadlines at their boundaries: working and calendar counting across 国庆 2025 (with its 调休
Sunday 9-28 and Saturday 10-11) and 春节 2026 (调休 Saturdays 2-14 and 2-28), a year without calendar
data, suspension and extension, and the 3 %-a-day late-payment surcharge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook.calendar import WorkingDayCalendar
from casebook.domain import deadlines as dl
from casebook.domain.errors import CalendarDataMissing, ValidationFailed

D = dt.date
CAL = WorkingDayCalendar()


def due(kind, start, cal=CAL, **opts):
    return dl.due_for(kind, start, cal, **opts).due_on


# --- working days (行政处罚法 第八十五条) across 国庆 2025 ---------------------------------------------------

@pytest.mark.parametrize(("kind", "start", "expected", "why"), [
    # Fri 9-26: Sun 9-28 (调休) 1, 9-29 2, 9-30 3, Oct 1–8 off, 10-9 4, 10-10 5, Sat 10-11 (调休) 6, Mon 10-13 7.
    ("service", D(2025, 9, 26), D(2025, 10, 13), "七个工作日，两个调休日都计入"),
    ("hearing_request", D(2025, 9, 26), D(2025, 10, 10), "五个工作日，9-28 调休日计入"),
    ("evidence_preservation", D(2025, 9, 30), D(2025, 10, 16), "10-11 调休周六计入"),
    ("withdrawal", D(2025, 9, 27), D(2025, 9, 30), "周六起算，次日调休周日为第一日"),
    ("publication", D(2025, 9, 29), D(2025, 10, 15), "行政处罚决定七个工作日"),
])
def test_working_day_periods_count_the_make_up_workdays_of_national_day_2025(kind, start, expected, why):
    assert due(kind, start) == expected, why


def test_every_counted_day_is_a_working_day_and_the_start_day_is_not_counted():
    d = dl.due_for("service", D(2025, 9, 26), CAL)
    assert CAL.working_days_between(d.starts_on, d.due_on) == 7
    assert CAL.is_working_day(d.due_on)
    assert d.unit == "working" and d.counting == "7个工作日"


# --- calendar periods: start day not counted, a last day on a holiday moves to the next working day ------

@pytest.mark.parametrize(("kind", "start", "expected"), [
    ("payment", D(2025, 9, 16), D(2025, 10, 9)),  # 15 days → Wed 10-1 (国庆) → 10-9
    ("decision", D(2025, 7, 3), D(2025, 10, 9)),  # 90 days → 10-1 → 10-9
    ("seizure", D(2025, 9, 4), D(2025, 10, 9)),  # 30 days → Sat 10-4 (国庆) → 10-9
    ("payment", D(2025, 9, 13), D(2025, 9, 28)),  # 15 days → Sun 9-28, a 调休 workday: it stays
    ("payment", D(2025, 9, 20), D(2025, 10, 9)),  # 15 days → Sun 10-5 → 10-9
    ("payment", D(2026, 3, 1), D(2026, 3, 16)),  # 15 days → Mon 3-16, an ordinary working day
    ("payment", D(2026, 3, 7), D(2026, 3, 23)),  # 15 days → Sun 3-22 → Mon 3-23
])
def test_calendar_periods_ending_on_a_holiday_or_rest_day_end_on_the_next_working_day(kind, start, expected):
    assert due(kind, start) == expected


def test_fifteen_and_ninety_days_are_calendar_days_under_article_85():
    assert dl.KINDS["payment"].unit == "calendar" and dl.KINDS["decision"].unit == "calendar"
    assert due("payment", D(2026, 3, 1)) - D(2026, 3, 1) == dt.timedelta(days=15)


# --- 春节 2026 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "start", "expected"), [
    ("service", D(2026, 2, 13), D(2026, 3, 2)),  # Sat 2-14 (调休) 1, 2-15–23 off, 2-24..27 2–5, Sat 2-28 6, 3-2 7
    ("filing", D(2026, 2, 9), D(2026, 3, 6)),  # 15 working days, both 调休 Saturdays counted
    ("hearing_request", D(2026, 2, 12), D(2026, 2, 26)),  # 2-13, 2-14 (调休), 2-24, 2-25, 2-26
    ("payment", D(2026, 2, 1), D(2026, 2, 24)),  # 15 days → 2-16 (春节) → 2-24
    ("legal_review", D(2026, 2, 13), D(2026, 3, 5)),  # default ten working days
])
def test_spring_festival_2026(kind, start, expected):
    assert due(kind, start) == expected


# --- a year without calendar data ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "start"), [
    ("decision", D(2026, 11, 24)),  # 90 days → 2027-02-22: is it a working day? No data for 2027.
    ("service", D(2026, 12, 28)),  # seven working days reach into 2027
    ("payment", D(2026, 12, 20)),  # 15 days → 2027-01-04
])
def test_a_deadline_in_a_year_without_calendar_data_is_refused_not_guessed(kind, start):
    with pytest.raises(CalendarDataMissing) as e:
        dl.due_for(kind, start, CAL)
    assert e.value.year == 2027 and "2027年" in e.value.message


def test_a_deadline_in_2027_is_counted_once_an_administrator_loads_the_year():
    # 元旦 2027: Fri 1-1 off; a declared year: weekdays work, weekends rest, unless overridden.
    cal = WorkingDayCalendar(overrides={D(2027, 1, 1): False}, extra_years=[2027])
    assert due("service", D(2026, 12, 28), cal) == D(2027, 1, 7)  # 12-29, 12-30, 12-31, 1-4, 1-5, 1-6, 1-7
    assert due("payment", D(2026, 12, 20), cal) == D(2027, 1, 4)


def test_the_limitation_period_needs_no_holiday_data_and_is_not_moved():
    assert due("limitation", D(2026, 3, 1)) == D(2028, 3, 1)
    assert due("limitation", D(2026, 3, 1), extended=True) == D(2031, 3, 1)  # 第三十六条: five years
    assert due("limitation", D(2024, 2, 29)) == D(2026, 2, 28)  # no 29 February: the month's last day


# --- suspension and extension ---------------------------------------------------------------------------

@pytest.mark.parametrize(("opts", "expected"), [
    ({}, D(2026, 6, 1)),  # 90 days from filing on 3-3
    ({"extended_days": 30}, D(2026, 7, 1)),  # 市监: +30 with the head's approval
    ({"paused_days": 10}, D(2026, 6, 11)),  # suspended ten days: the due date moves by ten days
    ({"paused_days": 10, "extended_days": 30}, D(2026, 7, 13)),  # 7-11 is a Saturday → Monday 7-13
])
def test_suspension_and_extension_move_the_decision_deadline(opts, expected):
    assert due("decision", D(2026, 3, 3), **opts) == expected


def test_suspended_days_are_counted_in_the_unit_of_the_deadline():
    assert dl.paused_length("calendar", CAL, D(2025, 9, 29), D(2025, 10, 9)) == 10
    assert dl.paused_length("working", CAL, D(2025, 9, 29), D(2025, 10, 9)) == 2  # 9-30 and 10-9
    assert dl.paused_length("calendar", CAL, D(2025, 10, 9), D(2025, 10, 9)) == 0


# --- hearing notice, referral, hours, options ---------------------------------------------------------------

def test_the_hearing_notice_deadline_is_the_last_day_the_lifecycle_guard_accepts():
    # 听证 on Mon 2025-10-13: notice by Sat 9-27 (9-28 … 10-13 are seven working days).
    assert due("hearing_notice", D(2025, 10, 13)) == D(2025, 9, 27)
    for offset in range(0, 200, 3):
        hearing = D(2025, 6, 2) + dt.timedelta(days=offset)
        last = due("hearing_notice", hearing)
        assert CAL.add_working_days(last, 7) <= hearing < CAL.add_working_days(last + dt.timedelta(days=1), 7)


def test_referral_days_are_calendar_days_by_default_and_working_days_when_configured():
    # 国务院令第310号 第五条 「3日」, no working-day clause (rules.md §1 [U]).
    assert due("referral_decision", D(2025, 9, 29)) == D(2025, 10, 9)  # 10-2 (国庆) → 10-9
    assert due("referral_decision", D(2025, 9, 29), counting="working") == D(2025, 10, 10)
    with pytest.raises(ValidationFailed):
        due("referral_decision", D(2025, 9, 29), counting="lunar")


def test_the_transfer_to_the_police_is_due_24_hours_after_approval():
    approved = dt.datetime(2026, 3, 3, 9, 30, tzinfo=dl.LOCAL_TZ)
    d = dl.due_for("referral_transfer", approved, CAL)
    assert d.due_at == dt.datetime(2026, 3, 4, 1, 30, tzinfo=dt.UTC)  # 09:30 next day, Beijing time
    assert d.due_on == D(2026, 3, 4) and d.unit == "hours"
    assert d.warn_at == d.due_at - dt.timedelta(hours=6)


def test_configured_lengths_publication_and_review_limits():
    assert due("publication", D(2026, 3, 2), penalty=False) == D(2026, 3, 30)  # 20 working days
    assert due("legal_review", D(2026, 3, 2), days=5) == D(2026, 3, 9)
    with pytest.raises(ValidationFailed):
        dl.kind("nonsense")


def test_day_counted_deadlines_lapse_at_the_end_of_their_last_day_in_beijing():
    d = dl.due_for("service", D(2026, 3, 2), CAL)
    assert d.due_on == D(2026, 3, 11)
    assert d.due_at == dt.datetime(2026, 3, 11, 16, 0, tzinfo=dt.UTC)  # 3-12 00:00 +08:00


def test_the_warning_comes_the_configured_working_days_before_and_never_before_the_start():
    d = dl.due_for("service", D(2025, 9, 26), CAL)  # due 10-13
    assert d.warn_on == D(2025, 10, 10)  # two working days before: 10-11 (调休) and 10-10
    assert dl.due_for("service", D(2025, 9, 26), CAL, warn_days=5).warn_on == D(2025, 9, 29)
    assert dl.due_for("withdrawal", D(2026, 3, 2), CAL, warn_days=10).warn_on == D(2026, 3, 2)
    assert dl.due_for("service", D(2025, 9, 26), CAL, warn_days=0).warn_on is None
    assert dl.due_for("hearing_request", D(2026, 3, 2), CAL).warn_on is None  # the party's window: no warning


def test_every_kind_has_a_label_a_basis_and_a_counting_rule():
    required = {"filing", "decision", "evidence_preservation", "seizure", "service", "hearing_request", "hearing_notice",
                "payment", "publication", "withdrawal", "referral_decision", "referral_transfer", "police_decision",
                "reconsideration_request", "legal_review", "limitation"}
    assert required <= set(dl.KINDS)
    for k in dl.KINDS.values():
        assert k.label and ("条" in k.basis or "号" in k.basis), k.code  # an article, or a numbered document
        assert k.unit in ("working", "calendar", "hours", "years")
    # 第八十五条 and 行政强制法 第六十九条: 2, 3, 5, 7 and ≤10 days of those laws are working days.
    for code in ("service", "hearing_request", "hearing_notice", "evidence_preservation", "withdrawal"):
        assert dl.KINDS[code].unit == "working" and dl.KINDS[code].length in (2, 3, 5, 7), code


# --- 加处罚款: 3 % a day, at most the fine, not during 复议 or 诉讼 ------------------------------------------

FINE = Decimal("1000.00")


@pytest.mark.parametrize(("on", "days", "amount", "capped"), [
    (D(2026, 3, 16), 0, "0.00", False),  # the due day itself
    (D(2026, 3, 10), 0, "0.00", False),  # before it
    (D(2026, 3, 17), 1, "30.00", False),  # the first day after
    (D(2026, 3, 26), 10, "300.00", False),
    (D(2026, 4, 18), 33, "990.00", False),
    (D(2026, 4, 19), 34, "1000.00", True),  # 102 % → capped at the fine
    (D(2027, 3, 16), 365, "1000.00", True),
])
def test_the_surcharge_is_three_percent_a_day_capped_at_the_fine(on, days, amount, capped):
    s = dl.late_payment_surcharge(FINE, D(2026, 3, 16), on)
    assert (s.days, s.amount, s.capped) == (days, Decimal(amount), capped)
    assert "第七十二条" in s.basis


def test_the_surcharge_stops_accruing_during_reconsideration_or_litigation():
    # 复议 filed 3-20 (not counted from that day), decided 3-30 (counted again from 3-30).
    s = dl.late_payment_surcharge(FINE, D(2026, 3, 16), D(2026, 4, 5), paused=[(D(2026, 3, 20), D(2026, 3, 30))])
    assert (s.days, s.paused_days, s.amount) == (20 - 10, 10, Decimal("300.00"))
    # 诉讼 still running: nothing accrues from its first day on.
    s = dl.late_payment_surcharge(FINE, D(2026, 3, 16), D(2026, 6, 1), paused=[(D(2026, 3, 18), None)])
    assert (s.days, s.amount) == (1, Decimal("30.00"))  # only 3-17
    # A review filed before the due date only pauses days after it.
    s = dl.late_payment_surcharge(FINE, D(2026, 3, 16), D(2026, 3, 20), paused=[(D(2026, 3, 1), D(2026, 3, 18))])
    assert (s.days, s.amount) == (3, Decimal("90.00"))  # 3-18, 3-19, 3-20


def test_the_surcharge_rounds_to_the_fen():
    s = dl.late_payment_surcharge(Decimal("333.33"), D(2026, 3, 16), D(2026, 3, 17))
    assert s.amount == Decimal("10.00")  # 9.9999
    assert dl.late_payment_surcharge(Decimal("0"), D(2026, 3, 16), D(2026, 4, 1)).amount == Decimal("0.00")


# --- late or not: one rule for settle, the 评查 checks and the problem models -----------------------------------------

def test_an_hour_counted_deadline_is_late_by_the_instant_even_on_its_due_date():
    from casebook.domain.deadlines import met_late

    due_at = dt.datetime(2026, 3, 13, 9, 0, tzinfo=dt.UTC)
    assert met_late("hours", dt.date(2026, 3, 13), dt.date(2026, 3, 13), due_at, due_at + dt.timedelta(hours=11))
    assert not met_late("hours", dt.date(2026, 3, 13), dt.date(2026, 3, 13), due_at, due_at)
    # a naive instant is UTC, as SQLite gives it back
    assert met_late("hours", None, None, due_at.replace(tzinfo=None), due_at + dt.timedelta(minutes=1))
    # without the instants an hour-counted deadline falls back to the day
    assert not met_late("hours", dt.date(2026, 3, 13), dt.date(2026, 3, 13), due_at, None)


def test_a_day_counted_deadline_is_late_only_after_its_due_day():
    from casebook.domain.deadlines import met_late

    due = dt.date(2026, 3, 13)
    late_instant = dt.datetime(2026, 3, 13, 23, 0, tzinfo=dt.UTC)
    assert not met_late("working", due, due, dt.datetime(2026, 3, 12, tzinfo=dt.UTC), late_instant)
    assert met_late("calendar", due, due + dt.timedelta(days=1))
    assert not met_late("calendar", None, due) and not met_late("calendar", due, None)
