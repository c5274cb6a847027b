"""The case state machine and its guards, at the legal boundaries (pure: no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook.calendar import WorkingDayCalendar
from casebook.domain import lifecycle as lc
from casebook.services.acts import ACTS

D = dt.date
CAL = WorkingDayCalendar()
CRED = (lc.CredentialView("37040024001", D(2024, 1, 1), D(2026, 6, 30)),)
A = lc.OfficerView(1, "张伟", CRED)
B = lc.OfficerView(2, "李强", (lc.CredentialView("37040024002", D(2024, 1, 1), D(2029, 12, 31)),))
REVOKED = lc.OfficerView(3, "王芳", (lc.CredentialView("37040024003", D(2024, 1, 1), D(2029, 12, 31), revoked=True),))
OFFICER, HEAD = frozenset({"officer"}), frozenset({"agency_head"})


def ctx(roles=OFFICER, actor=1, **data):
    officers = data.pop("officers", ())
    return lc.ActContext(actor_id=actor, roles=roles, today=D(2026, 11, 24), data=data, calendar=CAL, act_officers=officers)


def codes(action, case, c):
    return [r.code for r in lc.check(ACTS[action], case, c).reasons]


@pytest.mark.parametrize(("party", "fine", "ok"), [
    ("person", "200.00", True), ("person", "200.01", False),
    ("organization", "3000.00", True), ("organization", "3000.01", False),
    ("person", "0.01", True),
])
def test_summary_procedure_fine_limits_of_article_51(party, fine, ok):
    c = ctx(officers=[A, B], penalty_kinds=["fine"], fine_amount=Decimal(fine), party_kind=party, decided_on=D(2026, 3, 5),
            party_birth_date=D(1985, 3, 12) if party == "person" else None)  # 行政处罚法 第三十条: an adult
    got = codes("decide_on_the_spot", lc.CaseView(stage=None, procedure="summary", party_kind=party), c)
    assert got == ([] if ok else ["summary_fine_over_limit"])


def test_a_warning_alone_is_allowed_in_the_summary_procedure_but_not_a_licence_revocation():
    case = lc.CaseView(stage=None, party_kind="person")
    assert codes("decide_on_the_spot", case, ctx(officers=[A, B], penalty_kinds=["warning"], decided_on=D(2026, 3, 5))) == []
    assert codes("decide_on_the_spot", case, ctx(officers=[A, B], penalty_kinds=["warning", "revoke_license"],
                                                 decided_on=D(2026, 3, 5))) == ["summary_kind_not_allowed"]


@pytest.mark.parametrize(("day", "valid"), [
    (D(2026, 6, 30), 2),   # the last day of A's credential still counts
    (D(2026, 7, 1), 1),    # the day after it does not
    (D(2023, 12, 31), 0),  # before both
])
def test_two_officers_need_credentials_valid_on_the_day_of_the_act(day, valid):
    c = ctx(roles=HEAD, officers=[A, B], filed_on=day)
    got = codes("file", lc.CaseView(stage="lead", party_kind="person"), c)
    assert got == ([] if valid >= 2 else ["officers_insufficient"])


def test_a_revoked_credential_does_not_count():
    c = ctx(roles=HEAD, officers=[B, REVOKED], filed_on=D(2026, 3, 3))
    assert codes("file", lc.CaseView(stage="lead", party_kind="person"), c) == ["officers_insufficient"]


def noticed(**over):
    base = dict(stage="prior_notice", party_kind="person", party_birth_date=D(1985, 3, 12), act_started_on=D(2026, 2, 20),
                officers=[A, B],
                decision_kind="penalty", penalty_kinds=["fine"], fine_amount=Decimal("5000"), prior_notice_served_on=D(2026, 3, 10), statement_due_on=D(2026, 3, 17))
    base.update(over)
    return lc.CaseView(**base)


@pytest.mark.parametrize(("decided_on", "waived", "expected"), [
    (D(2026, 3, 17), False, ["statement_window_open"]),  # the last day of the window: still open
    (D(2026, 3, 18), False, []),
    (D(2026, 3, 11), True, []),                          # a written waiver
])
def test_no_penalty_decision_before_the_statement_window_passes(decided_on, waived, expected):
    c = ctx(roles=HEAD, kind="penalty", decided_on=decided_on, penalty_kinds=["fine"], fine_amount=Decimal("5000"))
    assert codes("decide", noticed(rights_waived=waived), c) == expected


def test_refusals_list_every_failing_guard_at_once():
    case = noticed(officers=[A], hearing_status="requested")
    c = ctx(roles=HEAD, kind="penalty", decided_on=D(2026, 3, 12), penalty_kinds=["fine", "revoke_license"],
            fine_amount=Decimal("6000"))
    assert codes("decide", case, c) == ["officers_insufficient", "statement_window_open", "hearing_pending",
                                        "heavier_than_notified"]
    for r in lc.check(ACTS["decide"], case, c).reasons:
        assert r.message and not r.message.isascii() and r.article.startswith("行政处罚法")


def test_no_penalty_needs_no_prior_notice_but_a_penalty_does():
    case = lc.CaseView(stage="investigation_closed", officers=[A, B], party_kind="person")
    assert codes("decide", case, ctx(roles=HEAD, kind="no_penalty", decided_on=D(2026, 3, 5))) == []
    assert "prior_notice_missing" in codes("decide", case, ctx(roles=HEAD, kind="penalty", decided_on=D(2026, 3, 5)))


@pytest.mark.parametrize(("notified", "held", "ok"), [
    (D(2026, 3, 13), D(2026, 3, 24), True),   # Fri + 7 working days = Tue 3-24
    (D(2026, 3, 13), D(2026, 3, 23), False),
    (D(2025, 9, 26), D(2025, 10, 13), True),  # across 国庆 2025: 9-28, 9-29, 9-30, 10-9, 10-10, 10-11 (Sat, make-up), 10-13
    (D(2025, 9, 26), D(2025, 10, 11), False),
])
def test_the_hearing_notice_comes_seven_working_days_ahead(notified, held, ok):
    case = lc.CaseView(stage="hearing", officers=[A, B], hearing_status="requested")
    c = ctx(notice_served_on=notified, held_on=held, chair_id=99)
    assert codes("hold_hearing", case, c) == ([] if ok else ["hearing_notice_too_short"])


def test_resume_returns_to_the_stage_before_suspension():
    case = lc.CaseView(stage="suspended", suspended_stage="investigating")
    assert lc.target_stage(ACTS["resume"], case) == "investigating"


def test_every_transition_is_well_formed():
    for name, t in ACTS.items():
        assert t.action == name and t.label and t.event.count(".") == 1
        assert t.roles and t.roles <= set(lc.ROLES)
        assert all(s is None or s in lc.STAGES for s in t.from_stages)
        assert t.to in (None, "@resume") or t.to in lc.STAGES
    # Final stages allow nothing but archiving a closed case, recording the penalty copy sent to 公安 and 检察院
    # (高检会〔2006〕2号: an obligation that can outlive the closing), and the end of a 复议 or 诉讼 still pending when
    # the case was closed (行政处罚法 第七十三条: it does not stop the execution, so the case may close before it ends).
    expected = {"closed": ["record_penalty_copy", "record_remedy_concluded", "archive"],
                "archived": ["record_penalty_copy", "record_remedy_concluded"]}
    for stage in lc.FINAL_STAGES:
        allowed = [n for n, t in ACTS.items() if stage in t.from_stages]
        assert allowed == expected.get(stage, [])
