"""Criminal referral (国务院令第310号; 高检会〔2006〕2号): the 24-hour transfer timer counted by the hour and started at the
approval, no 结案 while a referral is open, and the penalty copy when the penalty came before the transfer. Every backend."""

from __future__ import annotations

from sqlalchemy import select

from casebook.db import models as m
from tests.integration.test_review_referral import MATERIALS

POLICE = {"police_agency": "枣庄市公安局山亭分局", "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS}


def _deadlines(api, cid, kind):
    with api.sessions() as s:
        return s.execute(select(m.Deadline).where(m.Deadline.case_id == cid, m.Deadline.kind == kind)
                         .order_by(m.Deadline.id)).scalars().all()


def _met(api, cid, kind):
    """The deadline.met trail entries of a kind, as their bodies."""
    out = []
    for e in api.get(f"/api/v1/cases/{cid}/trail").get_json():
        if e["action"] == "deadline.met":
            body = e["payload"].get("body", e["payload"]) if "kind" not in e["payload"] else e["payload"]
            if body.get("kind") == kind:
                out.append(body)
    return out


def _approved(api, cid, *, on="2026-03-12", at="2026-03-12T09:00:00+08:00"):
    api.act(cid, "form_referral_team", {"formed_on": on, "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": on, "report": "涉嫌销售伪劣产品罪"}, who="liqiang")
    api.act(cid, "approve_referral", {"decided_on": on, "approved_at": at}, who="zhaomin")


def _reported(api, cid, on="2026-03-11"):
    api.act(cid, "form_referral_team", {"formed_on": on, "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": on, "report": "涉嫌销售伪劣产品罪"}, who="liqiang")


def _served_warning(api):
    """A case whose warning was decided and served: closable, and a referral may still start."""
    cid = api.noticed_case(fine=None, kinds=("warning",))
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-20", "penalty_kinds": ["warning"]}, who="zhaomin")
    api.act(cid, "serve_decision", {"served_on": "2026-03-21", "method": "direct"})
    return cid


def _close(api, cid, expect):
    return api.act(cid, "close", {"closed_on": "2026-03-30", "summary": "结案"}, who="zhaomin", expect=expect)


# --- 1. 第五条: 24 hours, by the hour ------------------------------------------------------------------------------

def test_a_transfer_35_hours_after_the_approval_is_late_even_on_the_due_date(api):
    cid = api.investigated_case()
    _approved(api, cid)  # 03-12 09:00: due 03-13 09:00
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-13T20:00:00+08:00", **POLICE})
    [d] = _deadlines(api, cid, "referral_transfer")
    assert d.status == "met" and d.met_on.isoformat() == "2026-03-13"
    assert d.met_at > d.due_at  # the instant is kept
    [met] = _met(api, cid, "referral_transfer")
    assert met["late"] is True and met["met_at"].startswith("2026-03-13T12:00:00")


def test_a_transfer_20_hours_after_the_approval_is_on_time(api):
    cid = api.investigated_case()
    _approved(api, cid)
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-13T05:00:00+08:00", **POLICE})
    [d] = _deadlines(api, cid, "referral_transfer")
    assert d.status == "met" and d.met_at <= d.due_at
    [met] = _met(api, cid, "referral_transfer")
    assert met["late"] is False


# --- 2. 第五条: the 24 hours start at the approval ------------------------------------------------------------------

def test_an_approval_dated_before_today_without_its_time_is_refused_and_changes_nothing(api):
    cid = api.investigated_case()
    _reported(api, cid)
    before = api.get(f"/api/v1/cases/{cid}").get_json()
    r = api.act(cid, "approve_referral", {"decided_on": "2026-03-12"}, who="zhaomin", expect=422)
    body = r.get_json()
    assert body["code"] == "approved_at_required" and "批准日期早于今天的，须填写批准时间" in body["message"]
    assert "approved_at" in body["errors"]
    after = api.get(f"/api/v1/cases/{cid}").get_json()
    assert (after["version"], after["referral_status"]) == (before["version"], "reported")
    assert _deadlines(api, cid, "referral_transfer") == []
    # With its time, the 24 hours run from it.
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"},
            who="zhaomin")
    [d] = _deadlines(api, cid, "referral_transfer")
    assert d.start_at.isoformat().startswith("2026-03-12T01:00:00") and d.due_on.isoformat() == "2026-03-13"


def test_an_approval_time_on_another_day_than_the_approval_is_refused(api):
    cid = api.investigated_case()
    _reported(api, cid)
    version = api.get(f"/api/v1/cases/{cid}").get_json()["version"]
    r = api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-14T09:00:00+08:00"},
                who="zhaomin", expect=422)
    assert "approved_at" in r.get_json()["errors"]
    # The day is the Beijing day: 03-12 20:00 UTC is already 03-13 in Beijing …
    r = api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T20:00:00+00:00"},
                who="zhaomin", expect=422)
    assert "approved_at" in r.get_json()["errors"]
    assert api.get(f"/api/v1/cases/{cid}").get_json()["version"] == version
    # … and 03-11 17:00 UTC is 03-12 01:00 there: the approval's day.
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-11T17:00:00+00:00"},
            who="zhaomin")


# --- 3. no 结案 while the referral is open ---------------------------------------------------------------------------

def test_a_case_cannot_be_closed_while_its_referral_is_approved_or_transferred(api):
    cid = _served_warning(api)
    _approved(api, cid, on="2026-03-22", at="2026-03-22T09:00:00+08:00")
    r = _close(api, cid, 409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "referral_in_progress" and "第十一条" in reason["article"] and "不能结案" in reason["message"]
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-22T16:00:00+08:00", **POLICE})
    reason = _close(api, cid, 409).get_json()["errors"]["reasons"][0]
    assert reason["code"] == "referral_in_progress" and "第八条" in reason["article"]
    api.act(cid, "record_police_receipt", {"receipt_on": "2026-03-23"})
    assert _close(api, cid, 409).get_json()["errors"]["reasons"][0]["code"] == "referral_in_progress"
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert (case["stage"], case["referral_status"]) == ("served", "receipted")
    # Once the police filed, the case closes after the handover of 第十二条 is recorded.
    api.act(cid, "record_police_decision", {"decision": "filed", "notice_on": "2026-03-25"})
    version = api.get(f"/api/v1/cases/{cid}").get_json()["version"]
    reason = _close(api, cid, 409).get_json()["errors"]["reasons"][0]
    assert reason["code"] == "referral_handover_pending" and "第十二条" in reason["article"]
    assert api.get(f"/api/v1/cases/{cid}").get_json()["version"] == version
    api.act(cid, "record_referral_handover", {"handed_over_on": "2026-03-26", "items": "询问笔录3份",
                                              "receiver": "山亭分局 王警官"})
    _close(api, cid, 200)
    assert api.get(f"/api/v1/cases/{cid}").get_json()["stage"] == "closed"


def test_a_case_closes_after_the_police_declined_to_file(api):
    cid = _served_warning(api)
    _approved(api, cid, on="2026-03-22", at="2026-03-22T09:00:00+08:00")
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-22T16:00:00+08:00", **POLICE})
    api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": "2026-03-24", "reasons": "证据不足"})
    _close(api, cid, 200)


# --- 4. 高检会〔2006〕2号: the copy of a penalty decided before the transfer -------------------------------------------

def test_a_transfer_after_the_penalty_plans_the_copy_once(api):
    cid = _served_warning(api)
    assert _deadlines(api, cid, "penalty_copy") == []
    _approved(api, cid, on="2026-03-22", at="2026-03-22T09:00:00+08:00")
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-22T16:00:00+08:00", **POLICE})
    [d] = _deadlines(api, cid, "penalty_copy")
    assert (d.status, d.starts_on.isoformat(), d.due_on.isoformat()) == ("open", "2026-03-22", "2026-04-01")
    # Police decline, a second referral, a second transfer: still the one copy deadline.
    api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": "2026-03-24", "reasons": "证据不足"})
    api.act(cid, "record_penalty_copy", {"sent_on": "2026-03-25", "sent_to": ["police", "procuratorate"]})
    _approved(api, cid, on="2026-03-26", at="2026-03-26T09:00:00+08:00")
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-26T16:00:00+08:00", **POLICE})
    assert [(x.status, x.met_on.isoformat()) for x in _deadlines(api, cid, "penalty_copy")] == [("met", "2026-03-25")]


def test_a_transfer_without_a_penalty_plans_no_copy(api):
    cid = api.investigated_case()
    _approved(api, cid)
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-12T16:00:00+08:00", **POLICE})
    assert _deadlines(api, cid, "penalty_copy") == []
