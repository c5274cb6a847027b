"""The handover to the police after their 立案 (国务院令第310号 第十二条): within 3 days of receiving the 立案通知书 the
agency hands over the 涉案物品 and the other materials of the case and completes the 交接手续. The deadline is planned
when the 立案 is recorded and met by the handover; the act is allowed once, only after the police filed. Every backend.
"""

from __future__ import annotations

from sqlalchemy import select

from casebook.db import models as m
from tests.integration.test_review_referral import _referred

NOTICE_ON = "2026-03-16"  # the 立案通知书 received (a Monday): 3 calendar days, due 03-19
HANDOVER = {"items": "涉案伪劣产品120箱、检验报告1份、询问笔录3份", "receiver": "枣庄市公安局山亭分局 王警官"}


def _deadlines(api, cid, kind="referral_handover"):
    with api.sessions() as s:
        return s.execute(select(m.Deadline).where(m.Deadline.case_id == cid, m.Deadline.kind == kind)
                         .order_by(m.Deadline.id)).scalars().all()


def _trail_bodies(api, cid, action, kind="referral_handover"):
    out = []
    for e in api.get(f"/api/v1/cases/{cid}/trail").get_json():
        if e["action"] == action:
            body = e["payload"].get("body", e["payload"]) if "kind" not in e["payload"] else e["payload"]
            if body.get("kind") == kind:
                out.append(body)
    return out


def _police_filed(api, notice_on=NOTICE_ON):
    cid = api.investigated_case()
    _referred(api, cid)  # transferred 03-12, receipted 03-13
    api.act(cid, "record_police_decision", {"decision": "filed", "notice_on": notice_on})
    return cid


def _referral(api, cid):
    return api.get(f"/api/v1/cases/{cid}/referrals").get_json()[-1]


def _state(api, cid):
    """What a refused act must leave as it was: the case, the trail, the referral and its deadlines."""
    ref = _referral(api, cid)
    return (api.snapshot(), api.get(f"/api/v1/cases/{cid}").get_json()["version"],
            (ref["status"], ref["handed_over_on"], ref["handover_items"], ref["handover_receiver"]),
            [(d.status, d.met_on) for d in _deadlines(api, cid)])


def _refused(r, code):
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == code, reason
    return reason


def test_the_police_filing_plans_the_handover_three_days_from_the_notice(api):
    cid = _police_filed(api)
    [d] = _deadlines(api, cid)
    ref = _referral(api, cid)
    assert (d.status, d.ref, d.starts_on.isoformat(), d.due_on.isoformat()) == ("open", f"referral:{ref['id']}",
                                                                                NOTICE_ON, "2026-03-19")
    assert "第十二条" in d.basis and d.unit == "calendar" and d.length == 3
    [planned] = _trail_bodies(api, cid, "deadline.planned")
    assert planned["label"] == "移交涉案物品和材料期限"


def test_a_refusal_to_file_plans_no_handover(api):
    cid = api.investigated_case()
    _referred(api, cid)
    api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": NOTICE_ON, "reasons": "证据不足"})
    assert _deadlines(api, cid) == []


def test_the_handover_is_recorded_on_the_referral_and_meets_the_deadline(api):
    cid = _police_filed(api)
    api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-19", **HANDOVER, "note": "已办结交接手续"})
    ref = _referral(api, cid)
    assert (ref["status"], ref["handed_over_on"], ref["handover_items"], ref["handover_receiver"]) == (
        "police_filed", "2026-03-19", HANDOVER["items"], HANDOVER["receiver"])
    [d] = _deadlines(api, cid)
    assert (d.status, d.met_on.isoformat()) == ("met", "2026-03-19")
    [met] = _trail_bodies(api, cid, "deadline.met")
    assert met["late"] is False
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json()]
    assert "case.record_referral_handover" in trail
    with api.sessions() as s:
        [event] = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.type == "referral.handed_over",
                                                        m.OutboxEvent.case_id == cid)).scalars().all()
    assert "王警官" in str(event.payload) and "已办结交接手续" in str(event.payload)


def test_a_handover_after_the_third_day_is_late(api):
    cid = _police_filed(api)
    api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-20", **HANDOVER}, who="liqiang")
    [d] = _deadlines(api, cid)
    assert (d.status, d.met_on.isoformat()) == ("met", "2026-03-20")
    [met] = _trail_bodies(api, cid, "deadline.met")
    assert met["late"] is True


def test_no_handover_before_the_police_filed_and_nothing_changes(api):
    cid = api.investigated_case()
    _referred(api, cid)  # receipted: the police have not decided
    before = _state(api, cid)
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-16", **HANDOVER}, expect=409)
    reason = _refused(r, "referral_wrong_step")
    assert "公安机关已立案" in reason["message"]
    assert _state(api, cid) == before
    # Nor after the police declined to file.
    api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": NOTICE_ON, "reasons": "证据不足"})
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-17", **HANDOVER}, expect=409)
    _refused(r, "referral_wrong_step")


def test_a_second_handover_is_refused_and_changes_nothing(api):
    cid = _police_filed(api)
    api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-18", **HANDOVER})
    before = _state(api, cid)
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-19", "items": "补充材料", "receiver": "李警官"},
                expect=409)
    reason = _refused(r, "referral_already_handed_over")
    assert "第十二条" in reason["article"] and "2026-03-18" in reason["message"]
    assert _state(api, cid) == before


def test_a_handover_dated_before_the_filing_notice_is_refused(api):
    cid = _police_filed(api)
    before = _state(api, cid)
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-15", **HANDOVER}, expect=409)
    reason = _refused(r, "date_out_of_order")
    assert "立案通知书日期" in reason["message"] and NOTICE_ON in reason["message"]
    assert _state(api, cid) == before
    # The day of the notice itself is in order.
    api.act(cid, "record_referral_handover", {"handed_over_on": NOTICE_ON, **HANDOVER})


def test_the_input_is_required_and_checked(api):
    cid = _police_filed(api)
    before = _state(api, cid)
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-17"}, expect=422)
    assert {"items", "receiver"} <= set(r.get_json()["errors"])
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-17", **HANDOVER, "extra": 1}, expect=422)
    assert _state(api, cid) == before


def test_only_the_case_officers_and_the_head_may_record_the_handover(api):
    cid = _police_filed(api)
    before = _state(api, cid)
    body = {"handed_over_on": "2026-03-17", **HANDOVER}
    r = api.act(cid, "record_referral_handover", body, who="sunli", expect=403)  # a legal reviewer
    assert r.get_json()["code"] == "role_not_allowed"
    r = api.act(cid, "record_referral_handover", body, who="wangfang", expect=409)  # an officer not on the case
    _refused(r, "not_case_officer")
    assert _state(api, cid) == before
    api.act(cid, "record_referral_handover", body, who="zhaomin")  # the head
    assert _referral(api, cid)["handed_over_on"] == "2026-03-17"


def test_a_case_sent_back_by_the_police_owes_no_handover(api):
    """第十三条: the police return the case after their 立案 — it is the agency's again; the handover is cancelled."""
    cid = _police_filed(api)
    api.act(cid, "record_police_return", {"returned_on": "2026-03-18", "reason": "经侦查不构成犯罪，退回行政机关处理"})
    [d] = _deadlines(api, cid)
    assert d.status == "cancelled"
    r = api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-18", **HANDOVER}, expect=409)
    _refused(r, "referral_wrong_step")
