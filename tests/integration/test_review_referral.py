"""Legal review (行政处罚法 第五十八条) and criminal referral (国务院令第310号) workflows, on every backend."""

from __future__ import annotations

import hashlib

from tests.helpers import PNG

ITEMS = ["subject", "procedure", "facts", "law", "authority", "documents", "criminal"]


def _major_case(api):
    """A case whose intended penalty (吊销许可证件) makes the decision major."""
    cid = api.noticed_case(fine="5000.00", kinds=("fine", "revoke_license"))
    return cid


def _decide(api, cid, **over):
    body = {"kind": "penalty", "decided_on": "2026-03-20", "penalty_kinds": ["fine", "revoke_license"], "fine_amount": "5000.00"}
    return api.act(cid, "decide", {**body, **over}, who="zhaomin", expect=None)


def _opinion(api, cid, opinion, who="sunli", expect=200, on="2026-03-17"):
    checklist = {k: {"ok": True} for k in ITEMS}
    if opinion == "returned":
        checklist["facts"] = {"ok": False, "note": "现场笔录缺当事人签名"}
    return api.act(cid, "record_legal_review", {"opinion": opinion, "reviewed_on": on, "checklist": checklist,
                                                "opinion_text": "审核意见"}, who=who, expect=expect)


def test_a_review_is_queued_assigned_returned_resubmitted_and_approved_with_every_round_kept(api):
    cid = _major_case(api)
    assert _decide(api, cid).get_json()["errors"]["reasons"][0]["code"] == "legal_review_required"
    api.submit_review(cid, submitted_on="2026-03-16")
    queue = api.get("/api/v1/legal-reviews", who="sunli").get_json()
    assert [(q["case_id"], q["round"], q["due_on"]) for q in queue] == [(cid, 1, "2026-03-30")]  # 10 working days
    assert queue[0]["package"]["proposal"]["penalty_kinds"] == ["fine", "revoke_license"]
    assert queue[0]["package"]["evidence"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-16"}, who="sunli")
    _opinion(api, cid, "returned")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["legal_review_status"] == "returned"
    assert _decide(api, cid).get_json()["errors"]["reasons"][0]["code"] == "legal_review_required"
    api.submit_review(cid, submitted_on="2026-03-18")
    api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-18"}, who="zhaomin")
    _opinion(api, cid, "approved", on="2026-03-19")
    assert _decide(api, cid).status_code == 200
    rounds = api.get(f"/api/v1/cases/{cid}/legal-reviews").get_json()
    assert [(r["round"], r["opinion"]) for r in rounds] == [(1, "returned"), (2, "approved")]
    assert rounds[0]["checklist"]["facts"]["note"] == "现场笔录缺当事人签名"


def test_review_refusals(api):
    cid = _major_case(api)
    # Nothing to assign or review yet.
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-16"},
                who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "no_review_submitted"
    api.submit_review(cid)
    r = api.submit_review(cid, expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "review_in_progress"
    # Only the agency's legal reviewers may be assigned.
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("zhangwei"), "assigned_on": "2026-03-16"},
                who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "assignee_not_reviewer"
    # A reviewer who is not assigned cannot give the opinion; nor can an officer.
    r = _opinion(api, cid, "approved", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "review_not_assigned_to_you"
    assert _opinion(api, cid, "approved", who="zhangwei", expect=403).get_json()["code"] == "role_not_allowed"
    # An approval with a failing item, or a return without naming the problem, is refused as input.
    api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-16"}, who="zhaomin")
    bad = {k: {"ok": True} for k in ITEMS}
    bad["law"] = {"ok": False}
    r = api.act(cid, "record_legal_review", {"opinion": "approved", "reviewed_on": "2026-03-17", "checklist": bad,
                                             "opinion_text": "x"}, who="sunli", expect=422)
    assert "opinion" in r.get_json()["errors"]
    partial = {k: {"ok": True} for k in ITEMS[:6]}
    r = api.act(cid, "record_legal_review", {"opinion": "approved", "reviewed_on": "2026-03-17", "checklist": partial,
                                             "opinion_text": "x"}, who="sunli", expect=422)
    assert "是否涉嫌犯罪需移送" in str(r.get_json()["errors"])


def test_a_first_time_reviewer_without_bar_qualification_or_a_case_officer_cannot_be_assigned(api):
    h = api.h("admin")
    amr = api.get("/api/v1/me", who="zhangwei").get_json()["agency"]["id"]
    novice = api.c.post("/api/v1/users", json={"username": "novice", "display_name": "新审核员", "password": "casebook-reviewer-01",
                                               "agency_id": amr, "roles": ["legal_reviewer"]}, headers=h).get_json()
    dual = api.c.post("/api/v1/users", json={"username": "dual", "display_name": "兼职审核员", "password": "casebook-reviewer-02",
                                             "agency_id": amr, "roles": ["officer", "legal_reviewer"], "bar_qualified": True},
                      headers=h).get_json()
    api.c.post(f"/api/v1/users/{dual['id']}/credentials", json={"credential_no": "37040024009", "field": "市场监管",
               "valid_from": "2024-01-01", "valid_to": "2029-12-31"}, headers=h)
    cid = api.lead()
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": [api.user_id("zhangwei"), dual["id"]]}, who="zhaomin")
    api.act(cid, "start_investigation")
    api.evidence(cid, collected_by=[api.user_id("zhangwei"), dual["id"]])
    api.confirm_all(cid)  # 会签: the other named officer confirms the 笔录 and the evidence
    api.act(cid, "close_investigation", {"report": "终结"})
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning", "revoke_license"]})
    api.submit_review(cid)
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": novice["id"], "assigned_on": "2026-03-16"}, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "reviewer_not_qualified"
    assert r.get_json()["errors"]["reasons"][0]["article"] == "行政处罚法第五十八条第二款"
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": dual["id"], "assigned_on": "2026-03-16"}, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "reviewer_is_case_officer"


def test_collective_discussion_is_recorded_whole(api):
    cid = api.investigated_case()
    api.act(cid, "record_collective_discussion", {"held_on": "2026-03-12", "attendees": ["赵敏", "钱副局长", "孙丽"],
                                                  "opinions": "一致同意", "conclusion": "不予处罚"}, who="zhaomin")
    got = api.get(f"/api/v1/cases/{cid}/collective-discussions").get_json()
    assert got[0]["attendees"] == ["赵敏", "钱副局长", "孙丽"] and got[0]["conclusion"] == "不予处罚"
    r = api.act(cid, "record_collective_discussion", {"held_on": "2026-03-12", "attendees": ["赵敏"], "opinions": "x",
                                                      "conclusion": "y"}, who="zhaomin", expect=422)
    assert "attendees" in r.get_json()["errors"]


MATERIALS = {"referral_letter": True, "investigation_report": True, "item_list": True, "inspection_report": True,
             "other_materials": True}


def _referred(api, cid):
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "涉嫌销售伪劣产品罪，销售金额逾五万元"},
            who="liqiang")
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}, who="zhaomin")
    api.act(cid, "transfer_referral", {"transferred_at": "2026-03-12T16:00:00+08:00", "police_agency": "枣庄市公安局山亭分局",
                                       "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS})
    api.act(cid, "record_police_receipt", {"receipt_on": "2026-03-13", "receipt_no": "HZ-001"})


def test_a_referral_runs_from_team_to_police_refusal_and_the_case_returns_to_administrative_handling(api):
    cid = api.investigated_case()
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "5000.00"})
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    _referred(api, cid)
    ref = api.get(f"/api/v1/cases/{cid}/referrals").get_json()[0]
    assert ref["status"] == "receipted" and ref["procuratorate"] == "枣庄市山亭区人民检察院"
    assert ref["evidence_manifest"][0]["sha256"] == hashlib.sha256(PNG).hexdigest() and ref["evidence_manifest"][0]["kind"] == "物证"
    assert ref["transferred_at"].startswith("2026-03-12T08:00:00")  # stored in UTC
    decide = {"kind": "penalty", "decided_on": "2026-03-20", "penalty_kinds": ["fine"], "fine_amount": "5000.00"}
    r = api.act(cid, "decide", decide, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "referral_in_progress"
    r = api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": "2026-03-16"}, expect=422)
    assert "reasons" in r.get_json()["errors"]
    api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": "2026-03-16", "reasons": "未达立案追诉标准"})
    api.act(cid, "decide", decide, who="zhaomin")
    # 高检会〔2006〕2号: the decision goes in copy to 公安 and 检察院.
    r = api.act(cid, "record_penalty_copy", {"sent_on": "2026-03-23", "sent_to": ["police"]}, expect=422)
    assert "sent_to" in r.get_json()["errors"]
    api.act(cid, "record_penalty_copy", {"sent_on": "2026-03-23", "sent_to": ["police", "procuratorate"]})
    assert api.get(f"/api/v1/cases/{cid}/referrals").get_json()[0]["penalty_copy_on"] == "2026-03-23"
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json()]
    for act in ("form_referral_team", "submit_referral_report", "approve_referral", "transfer_referral",
                "record_police_receipt", "record_police_decision", "record_penalty_copy"):
        assert f"case.{act}" in trail


def test_referral_refusals(api):
    cid = api.investigated_case()
    r = api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers("zhangwei")}, expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "officers_insufficient"
    r = api.act(cid, "approve_referral", {"decided_on": "2026-03-12"}, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "referral_wrong_step"
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    r = api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "报告"}, who="wangfang", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "not_in_referral_team"
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "报告"})
    assert api.act(cid, "approve_referral", {"decided_on": "2026-03-12"}, expect=403).get_json()["code"] == "role_not_allowed"
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}, who="zhaomin")
    r = api.act(cid, "transfer_referral", {"transferred_at": "2026-03-12T16:00:00+08:00", "police_agency": "分局",
                                           "procuratorate": "检察院", "materials": {**MATERIALS, "item_list": False,
                                                                                 "inspection_report": False}}, expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "referral_materials_missing" and "涉案物品清单" in reason["message"] and "第六条" in reason["article"]
    r = api.act(cid, "transfer_referral", {"transferred_at": "2026-03-12T16:00:00", "police_agency": "分局",
                                           "procuratorate": "检察院", "materials": MATERIALS}, expect=422)
    assert "transferred_at" in r.get_json()["errors"]  # a time without a zone is refused


def test_reconsideration_must_come_within_three_days_and_police_filing_keeps_the_penalty_barred(api):
    cid = api.investigated_case()
    _referred(api, cid)
    api.act(cid, "record_police_decision", {"decision": "declined", "notice_on": "2026-03-16", "reasons": "证据不足"})
    r = api.act(cid, "request_reconsideration", {"requested_on": "2026-03-20", "reasons": "有新证据"}, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "reconsideration_late"
    api.act(cid, "request_reconsideration", {"requested_on": "2026-03-19", "reasons": "有新证据"}, who="zhaomin")
    api.act(cid, "record_police_decision", {"decision": "filed", "notice_on": "2026-03-21"})
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-23", "penalty_kinds": ["warning"]}, who="zhaomin",
                expect=409)
    assert "referral_in_progress" in [x["code"] for x in r.get_json()["errors"]["reasons"]]
    # The police may later send the case back (反向移送): administrative handling resumes.
    api.act(cid, "record_police_return", {"returned_on": "2026-04-01", "reason": "经侦查不构成犯罪，退回行政机关处理"})
    assert api.get(f"/api/v1/cases/{cid}").get_json()["referral_status"] == "returned"


def test_the_head_may_refuse_a_transfer_with_reasons_on_record(api):
    cid = api.investigated_case()
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "报告"})
    r = api.act(cid, "decline_referral", {"decided_on": "2026-03-12", "reason": ""}, who="zhaomin", expect=422)
    assert "reason" in r.get_json()["errors"]  # 第五条: the reasons must be on record
    api.act(cid, "decline_referral", {"decided_on": "2026-03-12", "reason": "涉案金额经复核不足追诉标准"}, who="zhaomin")
    ref = api.get(f"/api/v1/cases/{cid}/referrals").get_json()[0]
    assert (ref["status"], ref["head_decision"], ref["head_reasons"]) == ("declined_by_head", "declined", "涉案金额经复核不足追诉标准")


def test_an_approval_covers_the_decision_it_saw_and_no_other(api):
    """行政处罚法 第五十八条: a major decision changed after the review goes back to review."""
    cid = _major_case(api)
    api.review(cid, reviewed_on="2026-03-17")
    r = _decide(api, cid, fine_amount="3000.00")  # lighter than notified, but not what was reviewed
    assert r.status_code == 409
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["legal_review_outdated"]
    assert _decide(api, cid).status_code == 200  # the decision the reviewer approved


def test_review_and_referral_steps_cannot_predate_what_they_answer(api):
    cid = _major_case(api)
    api.submit_review(cid, submitted_on="2026-03-16")
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-13"},
                who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "date_out_of_order"
    api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-16"}, who="zhaomin")
    r = _opinion(api, cid, "approved", on="2026-03-15", expect=409)
    assert "送审日期" in r.get_json()["errors"]["reasons"][0]["message"]
    other = api.investigated_case()
    api.act(other, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(other, "submit_referral_report", {"reported_on": "2026-03-11", "report": "书面报告"}, who="liqiang")
    api.act(other, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"},
            who="zhaomin")
    # 2026-03-11T23:00Z is 03-12 07:00 in Beijing: the same day as the approval, so in order.
    api.act(other, "transfer_referral", {"transferred_at": "2026-03-11T23:00:00+00:00", "police_agency": "枣庄市公安局山亭分局",
                                         "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS})
    r = api.act(other, "record_police_receipt", {"receipt_on": "2026-03-11"}, expect=409)
    assert "移送日期2026-03-12" in r.get_json()["errors"]["reasons"][0]["message"]


def test_a_referral_cannot_be_dated_in_the_future(api):
    cid = api.investigated_case()
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "书面报告"}, who="liqiang")
    r = api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2099-03-12T09:00:00+08:00"},
                who="zhaomin", expect=422)
    assert "approved_at" in r.get_json()["errors"]
