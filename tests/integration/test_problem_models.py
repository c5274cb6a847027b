"""Each problem model with a case that trips it and one that does not; runs are idempotent; status changes are
trailed and scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.db.models_supervision import Finding, ProblemRun
from casebook.domain.errors import NotFound, PermissionDenied, ValidationFailed
from casebook.seed import demo_user
from casebook.services import problem_models as pm
from casebook.services.context import SYSTEM, actor_for

D = dt.date
AS_OF = D(2025, 12, 31)


class W:
    def __init__(self, s):
        self.s = s
        self.ag = {a.code: a.id for a in s.execute(select(m.Agency)).scalars()}
        self.us = {u.username: u.id for u in s.execute(select(m.User)).scalars()}
        self.n = 0

    def party(self) -> int:
        self.n += 1
        p = m.Party(kind="organization", name=f"模型测试{self.n}", id_number=f"91370406TEST{self.n:05d}",
                    created_by_agency_id=self.ag["山亭市监"])
        self.s.add(p)
        self.s.flush()
        return p.id

    def case(self, agency="山亭市监", stage="closed", **kw) -> int:
        self.n += 1
        kw.setdefault("discovered_on", D(2025, 1, 1))
        c = m.Case(agency_id=self.ag[agency], stage=stage, procedure="ordinary", source="inspection",
                   cause=f"模型测试{self.n}", case_no=None if stage == "lead" else f"测{self.n}号", **kw)
        self.s.add(c)
        self.s.flush()
        return c.id

    def fine(self, amount=1000, decided=D(2025, 6, 1), agency="山亭市监", **kw) -> int:
        return self.case(agency, decision_kind="penalty", penalty_kinds=["fine"], fine_amount=Decimal(amount),
                         decided_on=decided, filed_on=D(2025, 1, 2), **kw)

    def deadline(self, case_id, kind, due, status, met_on=None, agency="山亭市监"):
        self.s.add(m.Deadline(case_id=case_id, agency_id=self.ag[agency], kind=kind, unit="working", length=7,
                              starts_on=due - dt.timedelta(days=9), due_on=due, basis="测试", status=status, met_on=met_on))
        self.s.flush()


def _run(sessions, build, code):
    with sessions() as s, s.begin():
        out = build(W(s))
    with sessions() as s, s.begin():
        pm.run(s, SYSTEM, as_of=AS_OF, only=(code,))
    with sessions() as s:
        found = {fc.case_id: f for f in s.execute(select(Finding).where(Finding.model == code)).scalars() for fc in f.cases}
        keys = {f.key for f in s.execute(select(Finding).where(Finding.model == code)).scalars()}
    return out, found, keys


def test_unfiled_lead(sessions):
    def build(w):
        trip = w.case(stage="lead")
        w.deadline(trip, "filing", D(2025, 6, 1), "missed")
        not_yet = w.case(stage="lead")
        w.deadline(not_yet, "filing", D(2026, 1, 10), "open")
        no_deadline_old = w.case(stage="lead", discovered_on=D(2025, 1, 1))
        no_deadline_new = w.case(stage="lead", discovered_on=D(2025, 12, 20))
        filed = w.case(stage="filed")
        w.deadline(filed, "filing", D(2025, 6, 1), "missed")
        return trip, not_yet, no_deadline_old, no_deadline_new, filed

    (trip, not_yet, old, new, filed), found, _ = _run(sessions, build, "unfiled_lead")
    assert trip in found and old in found
    assert not_yet not in found and new not in found and filed not in found
    assert "仍未立案" in found[trip].summary


def test_penalty_not_referred_stays_zero_unless_forced(sessions):
    def build(w):
        settled = w.fine(criminal_suspicion=True, referral_status="police_declined")
        plain = w.fine()
        forced = w.fine(criminal_suspicion=True, referral_status="none")  # what the act refuses, written directly
        return settled, plain, forced

    (settled, plain, forced), found, _ = _run(sessions, build, "penalty_not_referred")
    assert set(found) == {forced}


def test_repeat_fines_without_correction(sessions):
    def build(w):
        x, y, z = w.party(), w.party(), w.party()
        bench = {"item": "SD-XX-001", "tier": "standard"}
        xs = [w.fine(party_id=x, benchmark=bench, decided=D(2025, k, 1)) for k in (2, 5, 9)]
        ys = [w.fine(party_id=y, benchmark=bench, decided=D(2025, k, 1)) for k in (2, 5, 9)]
        w.s.add(m.CaseAct(case_id=ys[0], seq=1, action="decide", actor_id=None,
                          occurred_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC), data={"correction_order": "责令十日内改正"}))
        zs = [w.fine(party_id=z, benchmark=bench, decided=D(2025, k, 1)) for k in (2, 5)]
        return xs, ys, zs

    (xs, ys, zs), found, _ = _run(sessions, build, "repeat_fines")
    assert set(found) == set(xs)
    assert "3次" in found[xs[0]].summary and "未责令改正" in found[xs[0]].summary


def test_fine_outlier_agency(sessions):
    def build(w):
        for _ in range(6):
            w.fine(10000, agency="山亭市监")
        for _ in range(5):
            w.fine(1000, agency="山亭综执")
            w.fine(1000, agency="山亭市监城区")
        return w.ag

    ag, _found, keys = _run(sessions, build, "fine_outlier")
    agency_keys = {k.split(":")[1] for k in keys if k.startswith("agency:")}
    assert agency_keys == {str(ag["山亭市监"])}  # 60 000 against a peer median of 5 000; the others are not


def test_period_end_fines(sessions):
    def build(w):
        for k in range(5):
            w.fine(decided=D(2025, k + 1, 10), agency="山亭市监")
        for d in (1, 10, 20):
            w.fine(decided=D(2025, 12, d), agency="山亭市监")  # 3 of 8 (37.5 %) in December
        for k in range(7):
            w.fine(decided=D(2025, k + 1, 10), agency="山亭综执")
        w.fine(decided=D(2025, 12, 5), agency="山亭综执")  # 1 of 8 (12.5 %)
        return w.ag

    ag, _found, keys = _run(sessions, build, "period_end_fines")
    assert keys == {f"agency:{ag['山亭市监']}:2025"}


def test_outside_tier_without_reason(sessions):
    def build(w):
        trip = w.fine(benchmark={"item": "A", "tier": "standard", "check": {"status": "outside_tier"}})
        reasoned = w.fine(benchmark={"item": "A", "tier": "standard", "check": {"status": "outside_tier"}},
                          deviation_reason="当事人系初次违法且积极配合调查")
        in_tier = w.fine(benchmark={"item": "A", "tier": "standard", "check": {"status": "in_tier"}})
        return trip, reasoned, in_tier

    (trip, reasoned, in_tier), found, _ = _run(sessions, build, "outside_tier_no_reason")
    assert set(found) == {trip}


@pytest.mark.parametrize("code,kind", [("late_decision", "decision"), ("late_service", "service")])
def test_late_decisions_and_service(sessions, code, kind):
    def build(w):
        missed, late, on_time = w.fine(), w.fine(), w.fine()
        w.deadline(missed, kind, D(2025, 5, 1), "missed")
        w.deadline(late, kind, D(2025, 5, 1), "met", D(2025, 5, 8))
        w.deadline(on_time, kind, D(2025, 5, 1), "met", D(2025, 4, 28))
        return missed, late, on_time

    (missed, late, on_time), found, _ = _run(sessions, build, code)
    assert set(found) == {missed, late}
    with sessions() as s:
        no = s.get(m.Case, missed).case_no
    assert found[missed].summary.startswith(f"{no}案件") and "号号" not in found[missed].summary  # 测N号, named once


def test_a_finding_names_an_on_the_spot_case_by_its_decision_form(sessions):
    """简易程序 is never 立案 (行政处罚法 第五十一条): the case has no 案号, and the finding names its 决定书."""
    def build(w):
        cid = w.fine()
        w.s.get(m.Case, cid).case_no, w.s.get(m.Case, cid).summary_form_no = None, "SD202500007"
        w.s.get(m.Case, cid).procedure = "summary"
        w.s.flush()
        w.deadline(cid, "service", D(2025, 5, 1), "missed")
        return cid

    cid, found, _ = _run(sessions, build, "late_service")
    assert found[cid].summary.startswith("第SD202500007号当场行政处罚决定书所涉案件")


def test_runs_are_idempotent_and_mark_what_is_gone(sessions):
    with sessions() as s, s.begin():
        w = W(s)
        cid = w.fine(benchmark={"item": "A", "tier": "standard", "check": {"status": "outside_tier"}})
    for _ in range(2):
        with sessions() as s, s.begin():
            pm.run(s, SYSTEM, as_of=AS_OF)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(Finding).where(Finding.model == "outside_tier_no_reason")).scalar() == 1
        assert s.execute(select(func.count()).select_from(ProblemRun)).scalar() == 2
    with sessions() as s, s.begin():
        s.get(m.Case, cid).deviation_reason = "补充说明理由"
    with sessions() as s, s.begin():
        pm.run(s, SYSTEM, as_of=AS_OF)
    with sessions() as s:
        f = s.execute(select(Finding).where(Finding.model == "outside_tier_no_reason")).scalar_one()
        assert f.still_present is False and f.status == "open"


def test_thresholds_are_configuration(sessions):
    with sessions() as s, s.begin():
        w = W(s)
        p = w.party()
        for k in (2, 5):
            w.fine(party_id=p, benchmark={"item": "B"}, decided=D(2025, k, 1))
    with sessions() as s, s.begin():
        assert pm.run(s, SYSTEM, as_of=AS_OF, only=("repeat_fines",)).counts == {"repeat_fines": 0}
        admin = actor_for(s, demo_user(s, "admin"))
        pm.update_settings(s, admin, "repeat_fines", params={"min_fines": 2})
        with pytest.raises(ValidationFailed):
            pm.update_settings(s, admin, "repeat_fines", params={"nope": 1})
        with pytest.raises(PermissionDenied):
            pm.update_settings(s, actor_for(s, demo_user(s, "zhangwei")), "repeat_fines", params={"min_fines": 9})
    with sessions() as s, s.begin():
        assert pm.run(s, SYSTEM, as_of=AS_OF, only=("repeat_fines",)).counts == {"repeat_fines": 1}


def test_status_changes_are_trailed_and_scoped(sessions):
    with sessions() as s, s.begin():
        w = W(s)
        w.fine(agency="山亭综执", benchmark={"item": "A", "check": {"status": "mitigated"}})
        pm.run(s, SYSTEM, as_of=AS_OF)
        fid = s.execute(select(Finding.id).where(Finding.model == "outside_tier_no_reason")).scalar_one()
        before = s.execute(select(func.count()).select_from(m.TrailEntry)).scalar()
    with sessions() as s, s.begin():
        sup = actor_for(s, demo_user(s, "wujing"))
        with pytest.raises(ValidationFailed):
            pm.set_status(s, sup, fid, "explained", "")
    with sessions() as s, s.begin():
        sup = actor_for(s, demo_user(s, "wujing"))
        pm.set_status(s, sup, fid, "explained", "经核查，减轻处罚理由已在集体讨论记录中写明")
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.TrailEntry)).scalar() == before + 1
        entry = s.execute(select(m.TrailEntry).order_by(m.TrailEntry.seq.desc()).limit(1)).scalar_one()
        assert entry.action == "problem_finding.status_changed"
        f = s.get(Finding, fid)
        assert f.status == "explained" and f.details["history"][-1]["to"] == "explained"
        # the 综执 head sees it, the 市监 head does not; officers see none; only supervisors move it
        zhou = actor_for(s, demo_user(s, "zhouhua"))
        assert [x["id"] for x in pm.list_findings(s, zhou)] == [fid]
        assert pm.list_findings(s, actor_for(s, demo_user(s, "zhaomin"))) == []
        with pytest.raises(PermissionDenied):
            pm.list_findings(s, actor_for(s, demo_user(s, "zhangwei")))
        with pytest.raises(PermissionDenied):
            pm.set_status(s, zhou, fid, "corrected", "x")
        with pytest.raises(NotFound):
            pm.set_status(s, actor_for(s, demo_user(s, "wujing")), 10**9, "corrected", "x")


def test_the_scheduler_runs_the_models_nightly(sessions):
    from apscheduler.schedulers.background import BackgroundScheduler

    from casebook.services.context import local_today
    from scheduler.sweep import PROBLEM_JOB_ID, add_problem_models_job, run_problem_models

    with sessions() as s, s.begin():
        # decided a month ago: inside the model's 365-day window whatever day the test runs (the nightly run is as of today)
        W(s).fine(benchmark={"item": "A", "check": {"status": "outside_tier"}}, decided=local_today() - dt.timedelta(days=30))
    assert run_problem_models(sessions) >= 1
    with sessions() as s:
        r = s.execute(select(ProblemRun)).scalar_one()
        assert r.trigger == "nightly" and r.counts["outside_tier_no_reason"] == 1
    sched = BackgroundScheduler(timezone="UTC")
    add_problem_models_job(sched, sessions)
    job = sched.get_job(PROBLEM_JOB_ID)
    assert job is not None and "hour='18'" in str(job.trigger)


def test_exemption_refused_to_an_eligible_party(sessions):
    """应免罚未免罚: a fine on a first offence of a 免罚清单 item (T-SP-124 is on the test list as 首违不罚, 货值 ≤ 500),
    on a case the rule check found eligible, or with 第三十三条's circumstances — each without a reason recorded —
    trips; a second offence, a capped amount, an unlisted item and a recorded reason do not."""
    from casebook.services import catalogue as cat
    from tests.integration.test_rules_catalogue import _doc

    with sessions() as s, s.begin():
        for name in ("benchmark", "exemptions"):
            cat.import_document(s, SYSTEM, _doc(name), source=f"{name}.yaml")
    cat.invalidate()
    bench = {"item": "T-SP-124", "tier": "standard"}

    def build(w):
        first, repeat, big, other, reasoned, checked, grounds = (w.party() for _ in range(7))
        trip = w.fine(party_id=first, benchmark=bench, goods_value=Decimal("300"))
        w.fine(party_id=repeat, benchmark=bench, goods_value=Decimal("300"), decided=D(2024, 9, 1))
        second = w.fine(party_id=repeat, benchmark=bench, goods_value=Decimal("300"))  # fined for it 9 months before
        over_cap = w.fine(party_id=big, benchmark=bench, goods_value=Decimal("800"))
        unlisted = w.fine(party_id=other, benchmark={"item": "T-DJ-44", "tier": "standard"})
        with_reason = w.fine(party_id=reasoned, benchmark=bench, goods_value=Decimal("300"))
        w.s.add(m.CaseAct(case_id=with_reason, seq=1, action="decide", actor_id=None,
                          occurred_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
                          data={"no_exemption_reason": "当事人拒不改正，不符合免罚清单“及时改正”的条件"}))
        by_check = w.fine(party_id=checked, benchmark={"item": "T-DJ-44"}, exemption={"item": "T-MF-1", "eligible": True})
        by_grounds = w.fine(party_id=grounds, circumstances=["first_offence", "harm_minor", "corrected_promptly"])
        old = w.fine(party_id=w.party(), benchmark=bench, goods_value=Decimal("300"), decided=D(2024, 6, 1))  # outside
        # spared under the list 9 months before: the first offence is used up (第三十三条第一款), so fining it now is no
        # refusal; a 不予处罚 because the facts were not established records no violation and uses up nothing
        spared, unproven = w.party(), w.party()
        w.case(party_id=spared, benchmark=bench, decision_kind="no_penalty", decided_on=D(2024, 9, 1),
               filed_on=D(2024, 8, 1), exemption={"item": "T-MF-1", "eligible": True})
        after_spared = w.fine(party_id=spared, benchmark=bench, goods_value=Decimal("300"))
        w.case(party_id=unproven, benchmark=bench, decision_kind="no_penalty", decided_on=D(2024, 9, 1),
               filed_on=D(2024, 8, 1))
        after_unproven = w.fine(party_id=unproven, benchmark=bench, goods_value=Decimal("300"))
        no_amount = w.fine(party_id=w.party(), benchmark=bench)  # 货值 never recorded: the cap is not shown to hold
        return trip, second, over_cap, unlisted, with_reason, by_check, by_grounds, old, after_spared, after_unproven, \
            no_amount

    try:
        (trip, second, over_cap, unlisted, with_reason, by_check, by_grounds, old, after_spared, after_unproven,
         no_amount), found, _ = _run(sessions, build, "exemption_refused")
    finally:
        cat.invalidate()
    assert set(found) == {trip, by_check, by_grounds, after_unproven}, found
    assert "首违不罚" in found[trip].summary and "2年内无同一违法行为的处罚记录" in found[trip].summary
    assert "未写明不予免罚的理由" in found[trip].summary
    assert "第三十三条第一款" in found[by_grounds].summary
    # the look-back is configuration: with a 0-year look-back the second offence counts as a first one
    with sessions() as s, s.begin():
        pm.update_settings(s, actor_for(s, demo_user(s, "admin")), "exemption_refused", params={"lookback_years": 0})
        pm.run(s, SYSTEM, as_of=AS_OF, only=("exemption_refused",))
    with sessions() as s:
        hit = {fc.case_id for f in s.execute(select(Finding).where(Finding.model == "exemption_refused",
                                                                   Finding.still_present.is_(True))).scalars()
               for fc in f.cases}
    cat.invalidate()
    assert second in hit
