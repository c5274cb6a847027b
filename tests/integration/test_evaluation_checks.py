"""Auto-checks of a closed case (案卷评查): a clean closed case passes every check; breaking ONE rule at a time
(one officer at an act, a missing document, a missed deadline, a review skipped, a recording missing, the trail
edited, a referral skipped, a fine outside its tier, a late publication, no 案号) fails exactly that check."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select, text, update

from casebook.db import models as m
from casebook.db.models_evaluation import CaseCheckRun, EvaluationRubric
from casebook.domain.deadlines import LOCAL_TZ
from casebook.seed import DEMO_PNG, _Demo
from casebook.services import documents as docs
from casebook.services import evaluation_checks as ec
from casebook.services import evidence
from casebook.services import publicity as pub
from casebook.services.documents import Options
from events.envelope import parse, to_message
from events.handlers import evaluation as evaluation_handler
from events.handlers import publicity as publicity_handler

BASIS = "《中华人民共和国食品安全法》第一百二十四条"
GAINS_REFUNDED = "违法所得已全部退赔购买者（第二十八条第二款）"  # the 违法所得 recorded below are not confiscated
NOTICE_FIELDS = {"violated_provision": "《中华人民共和国食品安全法》第三十四条第（十）项",
                 "contact": {"name": "张伟", "phone": "0632-8811267"}}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL_TZ)


def _drain(sessions, handler) -> None:
    with sessions() as s:
        rows = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.type.in_(handler.BINDINGS))
                         .order_by(m.OutboxEvent.id)).scalars().all()
        envs = [parse(to_message(r)) for r in rows]
    for env in envs:
        with sessions() as s, s.begin():
            handler.handle(s, env)


def closed_case(sessions, settings, cause="涉嫌销售过期食品") -> int:
    """A clean ordinary-procedure penalty case, closed today, made through the services as people make it."""
    with sessions() as s, s.begin():
        d = _Demo(s, settings)
        cid = d.filed(cause, 40, facts="群众投诉：当事人销售超过保质期的饼干。")  # discovered 40 days ago, filed the next
        d.act(cid, "start_investigation", {"note": "指派张伟、李强承办"})
        d.act(cid, "record_investigation_act", {"kind": "on_site_inspection", "acted_on": d.day(37), "place": "府前路88号",
                                                "summary": "现场检查", "officer_ids": d.ids()})
        evidence.add_evidence(s, d.actor["zhangwei"], cid, {
            "kind": "audio_visual", "title": "现场检查执法记录仪视频", "collected_on": d.day(37), "collected_by": d.ids(),
            "is_recording": True, "device": "执法记录仪DSJ-01", "recorded_by_id": d.users["zhangwei"].id,
            "recording_started_at": _at(d.day(37), 9), "recording_ended_at": _at(d.day(37), 11)},
            io.BytesIO(DEMO_PNG), "video.png", expected_version=None, settings=settings)
        d.act(cid, "update_facts", {"goods_value": "1200.00", "illegal_gains": "300.00",
                                    "violations": [{"description": "销售超过保质期的食品"}]})
        d.confirm_all(cid)
        d.act(cid, "close_investigation", {"report": "事实清楚，证据确凿"})
        d.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning", "fine"], "fine_amount": "5000.00",
                                       "basis": BASIS, "gains_reason": GAINS_REFUNDED})
        d.act(cid, "serve_prior_notice", {"served_on": d.day(30), "method": "direct"})
        d.act(cid, "decide", {"kind": "penalty", "decided_on": d.day(3), "penalty_kinds": ["warning", "fine"],
                              "fine_amount": "5000.00", "basis": BASIS, "gains_reason": GAINS_REFUNDED}, who="zhaomin")
        d.act(cid, "serve_decision", {"served_on": d.day(2), "method": "direct"})
        d.act(cid, "start_execution")
        d.act(cid, "record_payment", {"amount": "5000.00", "paid_on": d.day(1), "receipt_no": f"PJ{cid:06d}"})
        d.act(cid, "close", {"closed_on": d.day(0), "summary": "罚款已缴纳，结案"}, who="zhaomin")
        head = d.actor["zhaomin"]
        for doc_type, fields in (("filing_approval", None), ("prior_notice", NOTICE_FIELDS), ("penalty_decision", None)):
            docs.issue_document(s, head, cid, doc_type, options=Options(), fields=fields)
    _drain(sessions, publicity_handler)
    with sessions() as s, s.begin():
        p = s.execute(select(m.Publication).where(m.Publication.case_id == cid)).scalar_one()
        pub.publish(s, _Demo(s, settings).actor["zhaomin"], p.id)
    return cid


def failing(sessions, cid) -> dict[str, str]:
    with sessions() as s, s.begin():
        (run_id,) = ec.run_checks(s, [cid], trigger="manual")
        run = s.get(CaseCheckRun, run_id)
        return {r["check"]: r["message"] for r in run.results if not r["ok"]}


@pytest.fixture
def case(sessions, settings):
    return closed_case(sessions, settings)


def test_a_clean_closed_case_passes_every_check_and_the_run_keeps_the_rubric_version(sessions, case):
    assert failing(sessions, case) == {}
    with sessions() as s:
        run = s.execute(select(CaseCheckRun).where(CaseCheckRun.case_id == case)).scalar_one()
        rubric = s.get(EvaluationRubric, run.rubric_id)
        assert (rubric.code, rubric.version) == ("casebook-default", 1)
        by = {r["check"]: r for r in run.results}
        assert by["recording"]["applicable"] and "1项执法活动" in by["recording"]["message"]
        assert by["trail"]["ok"] and "验证通过" in by["trail"]["message"]


def _edit_act(s, cid, action, **data):
    row = s.execute(select(m.CaseAct).where(m.CaseAct.case_id == cid, m.CaseAct.action == action)).scalars().first()
    row.data = {**row.data, **data}


def test_one_officer_at_an_act(sessions, case):
    with sessions() as s, s.begin():
        _edit_act(s, case, "record_investigation_act", officer_ids=[s.execute(select(m.User.id).where(
            m.User.username == "zhangwei")).scalar_one()])
    f = failing(sessions, case)
    assert list(f) == ["two_officers"] and "仅1人" in f["two_officers"]


def test_a_missing_document(sessions, case):
    with sessions() as s, s.begin():
        s.execute(update(m.Document).where(m.Document.case_id == case, m.Document.doc_type == "prior_notice")
                  .values(status="voided"))
    f = failing(sessions, case)
    assert list(f) == ["documents"] and "缺少行政处罚事先告知书" in f["documents"]


def test_a_missed_deadline(sessions, case):
    with sessions() as s, s.begin():  # the lead was found 60 days before it was filed: 15 working days passed
        c = s.get(m.Case, case)
        s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == case)
                  .values(discovered_on=c.filed_on - dt.timedelta(days=60)))
    f = failing(sessions, case)
    assert list(f) == ["deadlines"] and "核查立案期限" in f["deadlines"]


def test_a_review_skipped(sessions, case):
    with sessions() as s, s.begin():
        s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == case)
                  .values(major_reasons=["罚款数额较大"], legal_review_status="none"))
    f = failing(sessions, case)
    assert list(f) == ["legal_review"] and "未经法制审核" in f["legal_review"]


def test_a_recording_missing(sessions, case):
    with sessions() as s, s.begin():  # the only recording is of another day: the inspection is not covered
        ev = s.execute(select(m.Evidence).where(m.Evidence.case_id == case, m.Evidence.kind == "audio_visual")).scalar_one()
        ev.recording_started_at = ev.recording_started_at - dt.timedelta(days=3)
        ev.recording_ended_at = ev.recording_ended_at - dt.timedelta(days=3)
    f = failing(sessions, case)
    assert list(f) == ["recording"] and "现场检查" in f["recording"] and "没有覆盖其时间的音像记录" in f["recording"]


def test_the_trail_edited(sessions, case, backend):
    with sessions() as s, s.begin():
        if backend == "postgres":
            s.execute(text("SET LOCAL session_replication_role = replica"))  # past the append-only triggers
        seq = s.execute(select(m.TrailEntry.seq).where(m.TrailEntry.case_id == case, m.TrailEntry.payload.contains("5000"))
                        .order_by(m.TrailEntry.seq).limit(1)).scalar_one()
        s.execute(update(m.TrailEntry).where(m.TrailEntry.seq == seq).values(
            payload=s.get(m.TrailEntry, seq).payload.replace("5000", "500")))
    f = failing(sessions, case)
    assert list(f) == ["trail"] and "哈希不符" in f["trail"]


def test_a_referral_skipped(sessions, case):
    with sessions() as s, s.begin():
        s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == case).values(
            criminal_crossings=[{"offence": "生产、销售伪劣产品罪", "reason": "销售金额五万元以上"}]))
    f = failing(sessions, case)
    assert list(f) == ["referral"] and "未移送" in f["referral"]


def test_a_fine_outside_its_tier_without_reasons(sessions, case):
    with sessions() as s, s.begin():
        s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == case).values(
            benchmark={"item": "SP-124-1-5", "check": {"status": "outside_tier", "message": "罚款高于一般阶次上限"}}))
    f = failing(sessions, case)
    assert list(f) == ["benchmark"] and "未说明理由" in f["benchmark"]
    with sessions() as s, s.begin():
        s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == case).values(deviation_reason="货值较大，从重"))
    assert failing(sessions, case) == {}


def test_a_late_publication(sessions, case):
    with sessions() as s, s.begin():
        c = s.get(m.Case, case)
        s.execute(update(m.Publication).where(m.Publication.case_id == case)
                  .values(published_on=c.decided_on + dt.timedelta(days=30)))
    f = failing(sessions, case)
    assert list(f) == ["publication"] and "晚于公示期限" in f["publication"]


def test_no_case_number(sessions, case):
    with sessions() as s, s.begin():
        s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == case).values(case_no=None))
    assert list(failing(sessions, case)) == ["numbers"]


def test_closing_a_case_runs_the_checks_through_the_event_handler(sessions, case):
    _drain(sessions, evaluation_handler)
    with sessions() as s:
        runs = s.execute(select(CaseCheckRun).where(CaseCheckRun.case_id == case, CaseCheckRun.trigger == "closed")).scalars().all()
        assert len(runs) == 1 and runs[0].failed == 0 and len(runs[0].results) == 11
