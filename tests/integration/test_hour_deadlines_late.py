"""An hour-counted deadline is late by the hour in every reader, not only in `deadlines.settle`.

国务院令第310号 第五条: the transfer to the police is due within 24 hours of the head's approval. A transfer 35 hours
after an approval at 09:00 falls on the due date (met_on == due_on) but after the due instant (met_at > due_at): it is
late in the statistics (法定期限执行, from the cases and from the rollup), in the shared late-act expression of the
problem models, and in the 案卷评查 deadline auto-check. A transfer 20 hours after the approval is on time in each.
Every backend (SQLite keeps the instants as text of one format; PostgreSQL as timestamptz)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casebook.db import models as m
from casebook.db.models_evaluation import CaseCheckRun
from casebook.seed import demo_user
from casebook.services import evaluation_checks as ec
from casebook.services import problem_models as pm
from casebook.services import rollups
from casebook.services import statistics as st
from casebook.services.context import actor_for
from tests.integration.test_referral_audit_fixes import POLICE, _approved, _deadlines

LATE_AT = "2026-03-13T20:00:00+08:00"  # 35 hours after the approval (03-12 09:00), on the due date 03-13
ON_TIME_AT = "2026-03-13T05:00:00+08:00"  # 20 hours after it
KIND = "referral_transfer"


def _transferred(api, at: str) -> int:
    cid = api.investigated_case()
    _approved(api, cid)  # 03-12 09:00 Beijing: due 03-13 09:00
    api.act(cid, "transfer_referral", {"transferred_at": at, **POLICE})
    [d] = _deadlines(api, cid, KIND)
    assert d.status == "met" and d.unit == "hours" and d.met_on == d.due_on == dt.date(2026, 3, 13)
    return cid


def _figures(sessions, source: str) -> tuple[int, int]:
    """(按期, 逾期) of the transfer deadline in 法定期限执行 for 2026, as the supervisor sees it."""
    with sessions() as s:
        if source == "rollup":
            assert rollups.prepare(s) == "rollup"  # the maintained rollup, not the cases, is read
        t = st.compute(s, actor_for(s, demo_user(s, "wujing")), st.Query(year=2026), only=("deadlines",),
                       source=source).tables["deadlines"]
        total = t.total or {}
        return total.get(f"{KIND}_met", 0), total.get(f"{KIND}_missed", 0)


def _late_hits(sessions, cid: int) -> list:
    detect = pm._late(KIND, "移送公安机关", "国务院令第310号第五条")
    with sessions() as s:
        return [h for h in detect(s, {"window_days": 365}, dt.date(2026, 3, 31)) if cid in h.case_ids]


def _deadline_check(sessions, cid: int) -> dict:
    with sessions() as s, s.begin():
        (run_id,) = ec.run_checks(s, [cid], trigger="manual")
        return next(r for r in s.get(CaseCheckRun, run_id).results if r["check"] == "deadlines")


@pytest.mark.parametrize("source", ["cases", "rollup"])
def test_a_transfer_35_hours_after_the_approval_counts_as_late_in_the_statistics(api, sessions, source):
    _transferred(api, LATE_AT)
    assert _figures(sessions, source) == (0, 1)


@pytest.mark.parametrize("source", ["cases", "rollup"])
def test_a_transfer_20_hours_after_the_approval_counts_as_on_time_in_the_statistics(api, sessions, source):
    _transferred(api, ON_TIME_AT)
    assert _figures(sessions, source) == (1, 0)


def test_the_late_act_expression_of_the_problem_models_finds_the_transfer_35_hours_after(api, sessions):
    late, on_time = _transferred(api, LATE_AT), _transferred(api, ON_TIME_AT)
    [hit] = _late_hits(sessions, late)
    assert "移送公安机关期限2026-03-13 09:00，2026-03-13 20:00才完成" in hit.summary
    assert _late_hits(sessions, on_time) == []


def test_the_evaluation_deadline_check_fails_a_transfer_35_hours_after_the_approval(api, sessions):
    r = _deadline_check(sessions, _transferred(api, LATE_AT))
    assert not r["ok"] and "移送公安机关期限已逾期" in r["message"] and "2026-03-13 09:00" in r["message"]


def test_the_evaluation_deadline_check_passes_a_transfer_20_hours_after_the_approval(api, sessions):
    r = _deadline_check(sessions, _transferred(api, ON_TIME_AT))
    assert "移送公安机关期限" not in r["message"]


def test_the_due_instant_itself_is_on_time_and_a_microsecond_after_it_is_late(api, sessions):
    """The boundary, compared in the database: met_at == due_at is on time; one microsecond later is late."""
    cid = _transferred(api, ON_TIME_AT)
    with sessions() as s, s.begin():
        d = s.execute(select(m.Deadline).where(m.Deadline.case_id == cid, m.Deadline.kind == KIND)).scalar_one()
        d.met_at = d.due_at
    assert _figures(sessions, "cases") == (1, 0)
    assert _late_hits(sessions, cid) == []
    with sessions() as s, s.begin():
        d = s.execute(select(m.Deadline).where(m.Deadline.case_id == cid, m.Deadline.kind == KIND)).scalar_one()
        d.met_at = d.due_at + dt.timedelta(microseconds=1)
    assert _figures(sessions, "cases") == (0, 1)
    assert len(_late_hits(sessions, cid)) == 1
