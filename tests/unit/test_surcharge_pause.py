"""行政处罚法 第七十三条, pure: the 加处罚款 is not counted while a 行政复议 or 行政诉讼 is pending — from the day it was
filed to the day it concluded, both included — and the payment guard owes no more than that (no database, no HTTP)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook.calendar import WorkingDayCalendar
from casebook.domain import deadlines as dl
from casebook.domain import lifecycle as lc
from casebook.services.acts import ACTS

D = dt.date
CAL = WorkingDayCalendar()
A = lc.OfficerView(1, "张伟", (lc.CredentialView("37040024001", D(2024, 1, 1), D(2029, 12, 31)),))
# A fine of 1,000 served 2026-03-02: due 03-17 (fifteen days); from 03-18 on, 30 a day.
SERVED = dict(stage="executing", officers=[A], decision_kind="penalty", penalty_kinds=["fine"],
              fine_amount=Decimal("1000"), served_on=D(2026, 3, 2))
RECONSIDERATION = {"id": 1, "kind": "reconsideration", "filed_on": D(2026, 3, 20), "authority": "枣庄市山亭区人民政府",
                   "concluded_on": None, "outcome": None}


def pay(case, amount, on):
    ctx = lc.ActContext(actor_id=1, roles=frozenset({"officer"}), today=D(2026, 11, 24), calendar=CAL,
                        data={"amount": Decimal(amount), "paid_on": on, "receipt_no": "PJ1"})
    return lc.payment_within_outstanding(case, ctx)


def reasons(action, case, **data):
    ctx = lc.ActContext(actor_id=1, roles=frozenset({"officer"}), today=D(2026, 11, 24), data=data, calendar=CAL)
    return [r.code for r in lc.check(ACTS[action], case, ctx).reasons]


def test_the_period_runs_from_the_day_filed_to_the_day_concluded_both_included():
    assert dl.remedy_pause(D(2026, 3, 20), None) == (D(2026, 3, 20), None)
    assert dl.remedy_pause(D(2026, 3, 20), D(2026, 3, 31)) == (D(2026, 3, 20), D(2026, 4, 1))
    # filed 03-20, concluded 03-31: 03-18 and 03-19 counted, 03-20 … 03-31 not, 04-01 on counted again
    s = dl.late_payment_surcharge(Decimal("1000"), D(2026, 3, 17), D(2026, 4, 3), paused=[dl.remedy_pause(
        D(2026, 3, 20), D(2026, 3, 31))])
    assert (s.days, s.paused_days, s.amount) == (5, 12, Decimal("150.00"))


def test_a_payment_including_the_surcharge_accrued_while_a_reconsideration_is_pending_is_refused():
    pending = lc.CaseView(**SERVED, remedy=RECONSIDERATION, surcharge_pauses=(dl.remedy_pause(D(2026, 3, 20), None),))
    # On 04-03: 17 days past the deadline, 510 without the 复议; with it, 03-18 and 03-19 only: 60.
    assert lc.outstanding(pending, D(2026, 4, 3), CAL) == Decimal("1060.00")
    why = pay(pending, "1510.00", D(2026, 4, 3))
    assert why.code == "payment_exceeds_outstanding" and why.article == "行政处罚法第六十七条、第七十二条、第七十三条"
    assert "1060.00元" in why.message and "15日不计算加处罚款" in why.message
    assert pay(pending, "1060.01", D(2026, 4, 3)).code == "payment_exceeds_outstanding"
    assert pay(pending, "1060.00", D(2026, 4, 3)) is None  # the fine and the surcharge outside the 复议
    # Without any 复议 recorded the same 1,510 is owed, and accepted.
    assert pay(lc.CaseView(**SERVED), "1510.00", D(2026, 4, 3)) is None


def test_after_the_conclusion_the_surcharge_accrues_again_from_the_next_day():
    ended = lc.CaseView(**SERVED, remedy={**RECONSIDERATION, "concluded_on": D(2026, 3, 31), "outcome": "upheld"},
                        surcharge_pauses=(dl.remedy_pause(D(2026, 3, 20), D(2026, 3, 31)),))
    assert lc.outstanding(ended, D(2026, 3, 31), CAL) == Decimal("1060.00")  # the day it concluded: not counted
    assert lc.outstanding(ended, D(2026, 4, 1), CAL) == Decimal("1090.00")  # the next day: counted
    assert lc.outstanding(ended, D(2026, 12, 1), CAL) == Decimal("2000.00")  # never more than the fine (第七十二条)


@pytest.mark.parametrize(("case", "expected"), [
    (lc.CaseView(**SERVED), []),
    # a served decision without a fine (a warning), or a fine not served yet: nothing to pause
    (lc.CaseView(**{**SERVED, "penalty_kinds": ["warning"], "fine_amount": None}), ["no_fine_served"]),
    (lc.CaseView(**{**SERVED, "stage": "served", "served_on": None}), ["no_fine_served"]),
    (lc.CaseView(**{**SERVED, "decision_kind": "no_penalty"}), ["no_fine_served"]),
    # one pending at a time
    (lc.CaseView(**SERVED, remedy=RECONSIDERATION), ["remedy_pending"]),
    (lc.CaseView(**SERVED, remedy={**RECONSIDERATION, "concluded_on": D(2026, 3, 31)}), []),
])
def test_a_remedy_is_recorded_on_a_served_fine_one_at_a_time(case, expected):
    assert reasons("record_remedy_filed", case, kind="litigation", filed_on=D(2026, 4, 2), authority="山亭区人民法院") \
        == expected


@pytest.mark.parametrize(("filed_on", "remedy", "expected"), [
    (D(2026, 3, 2), None, []),  # the day of service
    (D(2026, 3, 1), None, ["date_out_of_order"]),
    # a suit after the 复议: not before the 复议 ended (the same day is in order)
    (D(2026, 3, 31), {**RECONSIDERATION, "concluded_on": D(2026, 3, 31)}, []),
    (D(2026, 3, 30), {**RECONSIDERATION, "concluded_on": D(2026, 3, 31)}, ["date_out_of_order"]),
])
def test_a_remedy_is_filed_on_or_after_the_service_and_the_previous_ones_end(filed_on, remedy, expected):
    case = lc.CaseView(**SERVED, remedy=remedy)
    assert reasons("record_remedy_filed", case, kind="litigation", filed_on=filed_on, authority="山亭区人民法院") == expected


@pytest.mark.parametrize(("remedy", "concluded_on", "expected"), [
    (RECONSIDERATION, D(2026, 3, 20), []),
    (RECONSIDERATION, D(2026, 3, 19), ["date_out_of_order"]),
    (None, D(2026, 3, 31), ["no_remedy_pending"]),
    ({**RECONSIDERATION, "concluded_on": D(2026, 3, 31)}, D(2026, 4, 1), ["no_remedy_pending"]),
])
def test_only_a_pending_remedy_concludes_and_not_before_it_was_filed(remedy, concluded_on, expected):
    case = lc.CaseView(**SERVED, remedy=remedy)
    assert reasons("record_remedy_concluded", case, concluded_on=concluded_on, outcome="upheld") == expected
