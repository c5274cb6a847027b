"""Each family of checks at its legal boundary, table-driven and pure (no database, no HTTP).

Reviewer qualification and conflict of interest (行政处罚法 第五十八条), referral materials and the three-day
reconsideration (国务院令第310号 第六条、第九条), the hearing windows (第六十四条), date order, legal review before
a major decision, reasoned deviation from a benchmark tier (第三十四条).
"""

from __future__ import annotations

import datetime as dt

import pytest

from casebook.calendar import WorkingDayCalendar
from casebook.domain import lifecycle as lc
from casebook.services.acts import ACTS

D = dt.date
CAL = WorkingDayCalendar()
A = lc.OfficerView(1, "张伟", (lc.CredentialView("37040024001", D(2024, 1, 1), D(2029, 12, 31)),))
B = lc.OfficerView(2, "李强", (lc.CredentialView("37040024002", D(2024, 1, 1), D(2029, 12, 31)),))


def reasons(action, case, roles=frozenset({"officer"}), actor=1, assignee=None, rules=None, **data):
    ctx = lc.ActContext(actor_id=actor, roles=roles, today=D(2026, 11, 24), data=data, calendar=CAL,
                        assignee=assignee, rules=rules)
    return [r.code for r in lc.check(ACTS[action], case, ctx).reasons]


# --- 法制审核: who may be assigned (行政处罚法 第五十八条第二款; 国办发〔2018〕118号) ---------------------------

SUBMITTED = lc.CaseView(stage="investigation_closed", officers=[A, B],
                        review={"id": 1, "round": 1, "status": "submitted", "reviewer_id": None,
                                "submitted_on": D(2026, 3, 10), "assigned_on": None})


@pytest.mark.parametrize(("assignee", "expected"), [
    ({"id": 7, "roles": ["legal_reviewer"], "same_agency": True, "bar_qualified": True, "completed_reviews": 0}, []),
    # first-time reviewers need the 法律职业资格; one who has reviewed before does not (第五十八条第二款)
    ({"id": 7, "roles": ["legal_reviewer"], "same_agency": True, "bar_qualified": False, "completed_reviews": 0},
     ["reviewer_not_qualified"]),
    ({"id": 7, "roles": ["legal_reviewer"], "same_agency": True, "bar_qualified": False, "completed_reviews": 1}, []),
    ({"id": 7, "roles": ["officer"], "same_agency": True, "bar_qualified": True, "completed_reviews": 3},
     ["assignee_not_reviewer"]),
    ({"id": 7, "roles": ["legal_reviewer"], "same_agency": False, "bar_qualified": True, "completed_reviews": 3},
     ["assignee_not_reviewer"]),
    # a case officer cannot review the case (回避)
    ({"id": 2, "roles": ["legal_reviewer", "officer"], "same_agency": True, "bar_qualified": True, "completed_reviews": 3},
     ["reviewer_is_case_officer"]),
])
def test_who_may_be_assigned_a_legal_review(assignee, expected):
    got = reasons("assign_legal_reviewer", SUBMITTED, roles=frozenset({"agency_head"}), assignee=assignee,
                  reviewer_id=assignee["id"], assigned_on=D(2026, 3, 11))
    assert got == expected


@pytest.mark.parametrize(("assigned_on", "expected"), [
    (D(2026, 3, 10), []),                     # the day it was submitted
    (D(2026, 3, 9), ["date_out_of_order"]),   # the day before
])
def test_a_reviewer_is_assigned_on_or_after_submission(assigned_on, expected):
    ok = {"id": 7, "roles": ["legal_reviewer"], "same_agency": True, "bar_qualified": True, "completed_reviews": 1}
    assert reasons("assign_legal_reviewer", SUBMITTED, roles=frozenset({"agency_head"}), assignee=ok,
                   reviewer_id=7, assigned_on=assigned_on) == expected


# --- 移送: materials and the three-day reconsideration (国务院令第310号) -------------------------------------

APPROVED = lc.CaseView(stage="investigation_closed", officers=[A, B],
                       referral={"id": 1, "status": "approved", "team_ids": [1, 2], "head_decided_on": D(2026, 3, 10)})
ALL_MATERIALS = {k: True for k in lc.REFERRAL_MATERIALS}


@pytest.mark.parametrize("missing", [None, *lc.REFERRAL_MATERIALS])
def test_a_transfer_carries_the_five_materials_of_article_6(missing):
    materials = {k: v for k, v in ALL_MATERIALS.items() if k != missing}
    got = reasons("transfer_referral", APPROVED, transferred_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC),
                  materials=materials)
    assert got == ([] if missing is None else ["referral_materials_missing"])


def _declined(notice_on):
    return lc.CaseView(stage="investigation_closed", officers=[A, B],
                       referral={"id": 1, "status": "police_declined", "team_ids": [1, 2], "police_notice_on": notice_on})


@pytest.mark.parametrize(("requested_on", "expected"), [
    (D(2026, 3, 13), []),                          # day 3 after the notice of 3-10
    (D(2026, 3, 14), ["reconsideration_late"]),    # day 4
    (D(2026, 3, 10), []),                          # the same day
    (D(2026, 3, 9), ["date_out_of_order"]),        # before the notice
])
def test_reconsideration_is_requested_within_three_days_of_the_police_notice(requested_on, expected):
    got = reasons("request_reconsideration", _declined(D(2026, 3, 10)), roles=frozenset({"agency_head"}),
                  requested_on=requested_on, reason="理由")
    assert got == expected


# --- 听证: the request window and the notice period (行政处罚法 第六十四条) -----------------------------------

NOTIFIED = lc.CaseView(stage="prior_notice", officers=[A, B], hearing_right=True,
                       prior_notice_served_on=D(2026, 3, 9), statement_due_on=D(2026, 3, 16))


@pytest.mark.parametrize(("requested_on", "expected"), [
    (D(2026, 3, 16), []),                          # the last day of the five working days
    (D(2026, 3, 17), ["hearing_request_late"]),
    (D(2026, 3, 8), ["date_out_of_order"]),        # before the notice was served
])
def test_a_hearing_is_requested_within_five_working_days_of_the_notice(requested_on, expected):
    assert reasons("request_hearing", NOTIFIED, requested_on=requested_on) == expected


def test_no_hearing_without_the_right_of_article_63():
    case = lc.CaseView(**{**NOTIFIED.__dict__, "hearing_right": False})
    assert reasons("request_hearing", case, requested_on=D(2026, 3, 10)) == ["no_hearing_right"]


@pytest.mark.parametrize(("chair", "expected"), [(9, []), (1, ["chair_is_investigator"])])
def test_the_hearing_chair_is_not_an_investigator(chair, expected):
    case = lc.CaseView(stage="hearing", officers=[A, B], hearing_status="requested")
    assert reasons("hold_hearing", case, notice_served_on=D(2026, 3, 2), held_on=D(2026, 3, 20),
                   chair_id=chair) == expected


# --- date order ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "case", "data", "expected"), [
    ("file", lc.CaseView(stage="lead", party_kind="person", discovered_on=D(2026, 3, 1)),
     {"filed_on": D(2026, 3, 1)}, []),
    ("file", lc.CaseView(stage="lead", party_kind="person", discovered_on=D(2026, 3, 1)),
     {"filed_on": D(2026, 2, 28)}, ["date_out_of_order"]),
    ("serve_decision", lc.CaseView(stage="decided", officers=[A, B], decided_on=D(2026, 3, 20)),
     {"served_on": D(2026, 3, 19), "method": "direct"}, ["date_out_of_order"]),
    ("serve_decision", lc.CaseView(stage="decided", officers=[A, B], decided_on=D(2026, 3, 20)),
     {"served_on": D(2026, 3, 20), "method": "direct"}, []),
    # an instant counts by its Beijing day: 2026-03-09 17:00 UTC is 3-10 in Beijing, the day of approval
    ("transfer_referral", APPROVED, {"transferred_at": dt.datetime(2026, 3, 9, 17, tzinfo=dt.UTC),
                                     "materials": ALL_MATERIALS}, []),
    ("transfer_referral", APPROVED, {"transferred_at": dt.datetime(2026, 3, 9, 15, tzinfo=dt.UTC),
                                     "materials": ALL_MATERIALS}, ["date_out_of_order"]),
])
def test_an_act_is_not_dated_before_what_it_answers(action, case, data, expected):
    roles = frozenset({"agency_head", "officer"})
    officers = [A, B] if action == "file" else ()
    ctx = lc.ActContext(actor_id=1, roles=roles, today=D(2026, 11, 24), data=data, calendar=CAL, act_officers=officers)
    got = [r.code for r in lc.check(ACTS[action], case, ctx).reasons]
    assert [c for c in got if c == "date_out_of_order"] == expected


# --- 重大执法决定: legal review before the decision; reasons for leaving the tier ----------------------------

def _rules(major=(), status=None):
    pc = {"status": status, "message": "罚款超出一般阶次（5,000–10,000元）"} if status else None
    return lc.RuleEval(major_reasons=list(major), penalty_check=pc)


@pytest.mark.parametrize(("review_status", "major", "expected"), [
    ("none", (), []),
    ("none", ("拟罚款数额较大",), ["legal_review_required"]),
    ("returned", ("拟罚款数额较大",), ["legal_review_required"]),
    ("approved", ("拟罚款数额较大",), []),
])
def test_a_major_decision_waits_for_an_approved_legal_review(review_status, major, expected):
    case = lc.CaseView(stage="investigation_closed", officers=[A, B], legal_review_status=review_status,
                       decision_kind="no_penalty")
    got = reasons("decide", case, roles=frozenset({"agency_head"}), rules=_rules(major), kind="no_penalty",
                  decided_on=D(2026, 3, 20))
    assert [c for c in got if c == "legal_review_required"] == expected


@pytest.mark.parametrize(("status", "reason", "expected"), [
    ("outside_tier", None, ["deviation_reason_missing"]),
    ("outside_tier", "当事人主动消除违法后果", []),
    ("mitigated", None, ["deviation_reason_missing"]),
    ("within_tier", None, []),
])
def test_a_fine_outside_its_tier_states_why(status, reason, expected):
    case = lc.CaseView(stage="investigation_closed", officers=[A, B], decision_kind="penalty")
    data = {"kind": "penalty", "decided_on": D(2026, 3, 20)}
    if reason:
        data["deviation_reason"] = reason
    got = reasons("decide", case, roles=frozenset({"agency_head"}), rules=_rules(status=status), **data)
    assert [c for c in got if c == "deviation_reason_missing"] == expected


# --- a party's period that runs into a year whose holidays are not published (行政处罚法 第八十五条) --------------

def test_a_partys_period_into_an_unpublished_year_is_counted_provisionally_and_never_shorter():
    from casebook.domain.errors import CalendarDataMissing

    with pytest.raises(CalendarDataMissing):
        CAL.add_working_days(D(2026, 12, 28), 5)  # the strict calendar refuses 2027
    end, provisional = lc.party_window_end(CAL, D(2026, 12, 28), 5)
    plain = CAL.provisional().add_working_days(D(2026, 12, 28), 5)
    assert provisional and end > plain  # lengthened by the margin, in the party's favour
    assert end == CAL.provisional().add_working_days(D(2026, 12, 28), 5 + lc.PROVISIONAL_MARGIN)
    # within a published year nothing changes
    assert lc.party_window_end(CAL, D(2026, 3, 9), 5) == (D(2026, 3, 16), False)


def test_a_hearing_noticed_before_an_unpublished_year_is_not_refused_for_want_of_data():
    case = lc.CaseView(stage="hearing", officers=[A, B], hearing_status="requested")
    early = reasons("hold_hearing", case, notice_served_on=D(2026, 12, 28), held_on=D(2027, 1, 6), chair_id=9)
    late = reasons("hold_hearing", case, notice_served_on=D(2026, 12, 28), held_on=D(2027, 1, 25), chair_id=9)
    assert early == ["hearing_notice_too_short"] and late == []


# --- the surcharge's due date and 310号's 复议 window read the deadlines' own counting --------------------------

def test_the_outstanding_sum_counts_the_surcharge_from_the_payment_deadline_moved_off_the_holiday():
    # 第六十七条、第七十二条: served 2025-09-16, the fifteenth day falls in 国庆 and the deadline moves to 10-09; no
    # surcharge is owed before then, so a payment of the fine plus "surcharge" is refused as more than is owed.
    from decimal import Decimal

    cal = WorkingDayCalendar()
    case = lc.CaseView(stage="executing", fine_amount=Decimal("1000"), served_on=dt.date(2025, 9, 16))
    assert lc.outstanding(case, dt.date(2025, 10, 5), cal) == Decimal("1000")
    assert lc.outstanding(case, dt.date(2025, 10, 9), cal) == Decimal("1000")
    assert lc.outstanding(case, dt.date(2025, 10, 10), cal) == Decimal("1030.00")
    assert lc.outstanding(case, dt.date(2026, 3, 1), cal) == Decimal("2000.00")  # never more than the fine
    ctx = lc.ActContext(actor_id=1, roles=frozenset({"officer"}), today=dt.date(2025, 10, 5), calendar=cal,
                        data={"amount": Decimal("1120.00"), "paid_on": dt.date(2025, 10, 5)})
    assert lc.payment_within_outstanding(case, ctx).code == "payment_exceeds_outstanding"
    ctx.data["amount"] = Decimal("1000.00")
    assert lc.payment_within_outstanding(case, ctx) is None


def test_a_reconsideration_request_on_the_deadlines_last_day_is_in_time():
    # 国务院令第310号 第九条: notice received 2025-09-28; the third day falls in 国庆, the deadline moves to 10-09.
    cal = WorkingDayCalendar()
    case = lc.CaseView(stage="investigating", referral={"police_notice_on": dt.date(2025, 9, 28)})

    def asked(day, counting="calendar"):
        ctx = lc.ActContext(actor_id=1, roles=frozenset({"agency_head"}), today=day, calendar=cal,
                            data={"requested_on": day}, referral_counting=counting)
        return lc.reconsideration_in_time(case, ctx)

    assert asked(dt.date(2025, 10, 9)) is None
    assert asked(dt.date(2025, 10, 10)).code == "reconsideration_late"
    # the old guard counted plain days: 10-01 was its last (inside the holiday) and 10-09 was refused
    assert asked(dt.date(2025, 10, 9), "working") is None  # 3 working days: 09-29, 09-30, 10-09
    assert asked(dt.date(2025, 10, 10), "working").code == "reconsideration_late"
