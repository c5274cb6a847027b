"""The ordinary and summary procedures through the API, on every backend."""

from __future__ import annotations


def test_an_ordinary_case_runs_from_lead_to_archive_with_one_trail_entry_per_act(api):
    cid = api.noticed_case()
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["case_no"] == "山亭市监立〔2026〕1号"
    assert case["statement_due_on"] == "2026-03-17"  # 5 working days after Tue 2026-03-10
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                            "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    api.act(cid, "serve_decision", {"served_on": "2026-03-19", "method": "direct"})
    api.act(cid, "start_execution")
    api.act(cid, "record_payment", {"amount": "5000.00", "paid_on": "2026-03-25", "receipt_no": "PJ0001"})
    api.act(cid, "close", {"closed_on": "2026-03-26"}, who="zhaomin")
    api.act(cid, "archive")
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["stage"] == "archived" and case["paid_amount"] == "5000.00"
    trail = api.get(f"/api/v1/cases/{cid}/trail").get_json()
    actions = [e["action"] for e in trail]
    assert actions == [
        "case.register_lead", "case.file", "case.start_investigation", "case.record_investigation_act",
        "case.add_evidence", "case.update_facts", "case.confirm_act", "case.confirm_act", "case.close_investigation",
        "case.propose_penalty",
        "case.serve_prior_notice", "case.decide", "case.serve_decision", "case.start_execution",
        "case.record_payment", "case.close", "case.archive",
    ]
    with api.sessions() as s:
        from sqlalchemy import select

        from casebook.db.models import OutboxEvent

        seqs = s.execute(select(OutboxEvent.case_seq).where(OutboxEvent.case_id == cid).order_by(OutboxEvent.id)).scalars().all()
    assert seqs == list(range(1, len(actions) + 1))


def test_decision_is_refused_while_the_defence_window_is_open(api):
    cid = api.noticed_case(served_on="2026-03-10")
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-17", "penalty_kinds": ["fine", "confiscate_gains"],
                                "fine_amount": "5000.00"}, who="zhaomin", expect=409)
    body = r.get_json()
    assert body["code"] == "action_refused"
    codes = [x["code"] for x in body["errors"]["reasons"]]
    assert codes == ["statement_window_open"]
    assert "第四十五条" in body["errors"]["reasons"][0]["article"]
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                            "fine_amount": "5000.00"}, who="zhaomin")


def test_a_written_waiver_lets_the_decision_come_before_the_window_ends(api):
    cid = api.noticed_case(served_on="2026-03-10")
    api.act(cid, "record_waiver", {"waived_on": "2026-03-11", "note": "当事人书面声明放弃陈述申辩和听证"})
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-11", "penalty_kinds": ["fine"], "fine_amount": "4000.00"},
            who="zhaomin")


def test_the_defence_window_counts_working_days_across_national_day_2025(api):
    # Served Fri 2025-09-26: Sun 9-28 (make-up workday) 1, 9-29 2, 9-30 3, Oct 1–8 holidays, 10-09 4, Fri 10-10 5.
    cid = api.filed_case(filed_on="2025-09-02", discovered_on="2025-09-01")
    api.act(cid, "start_investigation")
    api.evidence(cid)
    api.confirm_all(cid)  # 会签: the other named officer confirms the 笔录 and the evidence
    api.act(cid, "close_investigation", {"report": "调查终结"})
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]})
    api.act(cid, "serve_prior_notice", {"served_on": "2025-09-26", "method": "direct"})
    assert api.get(f"/api/v1/cases/{cid}").get_json()["statement_due_on"] == "2025-10-10"


def test_a_heavier_decision_than_notified_is_refused(api):
    cid = api.noticed_case(fine="5000.00", kinds=("fine",))
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-20", "penalty_kinds": ["fine", "revoke_license"],
                                "fine_amount": "6000.00"}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["heavier_than_notified", "legal_review_required"]


def test_a_decision_confiscating_more_than_notified_is_heavier_and_refused(api):
    # 第四十四条、第四十五条: 没收 is a penalty; a larger sum than the 告知书 announced needs a new notice (and may give
    # the hearing right the smaller sum did not, 第六十三条).
    cid = api.investigated_case()
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine", "confiscate_property"],
                                     "fine_amount": "5000.00", "confiscated_amount": "1000.00"})
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    body = {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_property"],
            "fine_amount": "5000.00"}
    before = api.snapshot()
    r = api.act(cid, "decide", {**body, "confiscated_amount": "200000.00"}, who="zhaomin", expect=409)
    assert "heavier_than_notified" in [x["code"] for x in r.get_json()["errors"]["reasons"]]
    assert api.snapshot() == before
    api.act(cid, "decide", {**body, "confiscated_amount": "1000.00"}, who="zhaomin")


def test_a_requested_hearing_blocks_the_decision_until_held(api):
    cid = api.noticed_case(fine="150000.00", kinds=("fine",))
    assert api.get(f"/api/v1/cases/{cid}").get_json()["hearing_right"] is True
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-20", "penalty_kinds": ["fine"],
                                "fine_amount": "150000.00"}, who="zhaomin", expect=409)
    assert "hearing_pending" in [x["code"] for x in r.get_json()["errors"]["reasons"]]
    # The chair may not be an investigator of the case, and notice must come 7 working days ahead.
    r = api.act(cid, "hold_hearing", {"notice_served_on": "2026-03-13", "held_on": "2026-03-20",
                                      "chair_id": api.user_id("zhangwei"), "transcript_summary": "……"}, expect=409)
    assert sorted(x["code"] for x in r.get_json()["errors"]["reasons"]) == ["chair_is_investigator", "hearing_notice_too_short"]
    api.act(cid, "hold_hearing", {"notice_served_on": "2026-03-13", "held_on": "2026-03-24",
                                  "chair_id": api.user_id("wangfang"), "transcript_summary": "当事人到场陈述"})
    # A heard case with a fine of 10万 or more is a major decision: legal review first (第五十八条).
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"],
                                "fine_amount": "120000.00"}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["legal_review_required"]
    assert "经过听证程序" in r.get_json()["errors"]["reasons"][0]["message"]
    api.review(cid, reviewed_on="2026-03-24")  # the package carries the proposal on file: 150,000
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"],
                                "fine_amount": "120000.00"}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["legal_review_outdated"]
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"], "fine_amount": "150000.00"},
            who="zhaomin")


def test_a_hearing_request_after_the_window_is_refused_and_without_a_right_too(api):
    cid = api.noticed_case(fine="150000.00", kinds=("fine",))
    r = api.act(cid, "request_hearing", {"requested_on": "2026-03-18"}, expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["hearing_request_late"]
    small = api.noticed_case(fine="500.00", kinds=("fine",))
    r = api.act(small, "request_hearing", {"requested_on": "2026-03-11"}, expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["no_hearing_right"]


def test_a_no_show_at_the_hearing_counts_as_waived(api):
    cid = api.noticed_case(fine="150000.00", kinds=("fine",))
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    api.act(cid, "record_hearing_no_show", {"notice_served_on": "2026-03-13", "scheduled_on": "2026-03-24"})
    api.review(cid, reviewed_on="2026-03-24")
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-25", "penalty_kinds": ["fine"], "fine_amount": "150000.00"},
            who="zhaomin")


def test_a_decision_dated_before_its_legal_review_or_its_collective_discussion_is_refused(api):
    # 第五十七条第二款、第五十八条: the discussion and the review come before the decision, so its date cannot precede them.
    cid = api.noticed_case(fine="150000.00", kinds=("fine",))
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    api.act(cid, "record_hearing_no_show", {"notice_served_on": "2026-03-13", "scheduled_on": "2026-03-24"})
    api.review(cid, reviewed_on="2026-03-26")
    body = {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "150000.00"}
    r = api.act(cid, "decide", {**body, "decided_on": "2026-03-25"}, who="zhaomin", expect=409)
    reasons = r.get_json()["errors"]["reasons"]
    assert [x["code"] for x in reasons] == ["date_out_of_order"] and "法制审核意见日期2026-03-26" in reasons[0]["message"]
    api.act(cid, "record_collective_discussion", {"held_on": "2026-03-27", "attendees": ["赵敏（局长）", "钱进（副局长）", "孙丽"],
                                                  "opinions": "一致同意。", "conclusion": "同意罚款。"}, who="zhaomin")
    r = api.act(cid, "decide", {**body, "decided_on": "2026-03-26"}, who="zhaomin", expect=409)
    reasons = r.get_json()["errors"]["reasons"]
    assert [x["code"] for x in reasons] == ["date_out_of_order"] and "集体讨论日期2026-03-27" in reasons[0]["message"]
    version = api.get(f"/api/v1/cases/{cid}").get_json()["version"]
    api.act(cid, "decide", {**body, "decided_on": "2026-03-27"}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["version"] == version + 1


def test_a_hearing_or_a_no_show_dated_before_the_prior_notice_is_refused(api):
    # 第六十四条: the hearing is asked for after the 告知 (served 2026-03-10 here), so it is noticed and held after it.
    cid = api.noticed_case(fine="150000.00", kinds=("fine",))
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    r = api.act(cid, "hold_hearing", {"notice_served_on": "2026-03-01", "held_on": "2026-03-24",
                                      "chair_id": api.user_id("wangfang"), "transcript_summary": "当事人到场陈述"}, expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["date_out_of_order"]
    r = api.act(cid, "record_hearing_no_show", {"notice_served_on": "2026-02-20", "scheduled_on": "2026-03-09"}, expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["date_out_of_order"]
    assert api.get(f"/api/v1/cases/{cid}").get_json()["hearing_status"] == "requested"


def test_a_no_show_counts_as_a_waiver_only_after_a_notice_served_in_time(api):
    # 第六十四条第（二）（六）项: the notice is part of the record, and a hearing noticed too late waives nothing.
    cid = api.noticed_case(fine="150000.00", kinds=("fine",))
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    r = api.post(f"/api/v1/cases/{cid}/actions/record_hearing_no_show", {"scheduled_on": "2026-03-24"},
                 headers={"If-Match": api.etag(cid)})
    assert r.status_code == 422 and "notice_served_on" in r.get_json()["errors"]
    r = api.act(cid, "record_hearing_no_show", {"notice_served_on": "2026-03-20", "scheduled_on": "2026-03-24"},
                expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["hearing_notice_too_short"]
    assert api.get(f"/api/v1/cases/{cid}").get_json()["hearing_status"] == "requested"


def test_a_statement_is_recorded_with_its_review(api):
    # 第四十五条第一款: the party's facts, reasons and evidence are reviewed (复核) — no statement stands unweighed.
    cid = api.noticed_case(fine="5000.00", kinds=("fine",))
    before = api.snapshot()
    r = api.post(f"/api/v1/cases/{cid}/actions/record_statement", {"received_on": "2026-03-12", "content": "当事人称系进货疏忽"},
                 headers={"If-Match": api.etag(cid)})
    assert r.status_code == 422 and "review_opinion" in r.get_json()["errors"]
    assert api.snapshot() == before
    api.act(cid, "record_statement", {"received_on": "2026-03-12", "content": "当事人称系进货疏忽",
                                      "review_opinion": "经复核，当事人所述不影响违法事实的认定，不予采纳"})


def test_filing_needs_two_officers_with_credentials_valid_that_day(api):
    cid = api.lead(discovered_on="2023-12-01")
    r = api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers("zhangwei")}, who="zhaomin", expect=409)
    reasons = r.get_json()["errors"]["reasons"]
    assert [x["code"] for x in reasons] == ["officers_insufficient"] and reasons[0]["article"] == "行政处罚法第四十二条"
    # Credentials run 2024-01-01 … 2029-12-31: on 2023-12-31 neither is valid.
    r = api.act(cid, "file", {"filed_on": "2023-12-31", "officer_ids": api.officers()}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["officers_insufficient"]
    api.act(cid, "file", {"filed_on": "2024-01-01", "officer_ids": api.officers()}, who="zhaomin")


def test_an_officer_of_another_agency_cannot_be_named_or_act(api):
    cid = api.lead()
    r = api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers("zhangwei", "chenjie")}, who="zhaomin",
                expect=422)
    assert r.get_json()["code"] == "unknown_officer"
    # A head of the other agency cannot even see the case.
    r = api.post(f"/api/v1/cases/{cid}/actions/file", {"filed_on": "2026-03-03", "officer_ids": api.officers()},
                 who="zhouhua", headers={"If-Match": '"1"'})
    assert r.status_code == 404
    # The district supervisor sees it but may not act on it.
    assert api.get(f"/api/v1/cases/{cid}", who="wujing").status_code == 200
    r = api.post(f"/api/v1/cases/{cid}/actions/file", {"filed_on": "2026-03-03", "officer_ids": api.officers()},
                 who="wujing", headers={"If-Match": api.etag(cid)})
    assert r.status_code == 403


def test_roles_are_enforced_and_the_refusal_says_who_may_act(api):
    cid = api.lead()
    r = api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhangwei", expect=403)
    assert r.get_json()["code"] == "role_not_allowed" and "负责人" in r.get_json()["message"]


def test_a_wrong_stage_is_refused_with_the_stage_named(api):
    cid = api.lead()
    r = api.act(cid, "close_investigation", {"report": "x"}, expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "wrong_stage" and "案源登记" in reason["message"]


def test_no_penalty_and_referral_decisions_need_no_prior_notice(api):
    cid = api.investigated_case()
    api.act(cid, "decide", {"kind": "no_penalty", "decided_on": "2026-03-12", "reasons": "首次违法且及时改正"}, who="zhaomin")
    api.act(cid, "serve_decision", {"served_on": "2026-03-13", "method": "direct"})
    api.act(cid, "close", {}, who="zhaomin")
    cid2 = api.investigated_case()
    r = api.act(cid2, "decide", {"kind": "penalty", "decided_on": "2026-03-12", "penalty_kinds": ["warning"]}, who="zhaomin",
                expect=409)
    assert "prior_notice_missing" in [x["code"] for x in r.get_json()["errors"]["reasons"]]


def test_suspend_and_resume_return_to_the_same_stage_and_terminate_ends_the_case(api):
    cid = api.investigated_case()
    api.act(cid, "suspend", {"reason": "等待检验结果"}, who="zhaomin")
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "wrong_stage"
    api.act(cid, "resume", {"reason": "检验结果已出"}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["stage"] == "investigation_closed"
    api.act(cid, "terminate", {"reason": "当事人死亡"}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["stage"] == "terminated"


def test_an_act_may_not_be_dated_before_what_it_depends_on(api):
    cid = api.noticed_case(served_on="2026-03-10")
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-09", "penalty_kinds": ["fine", "confiscate_gains"],
                                "fine_amount": "5000.00"}, who="zhaomin", expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "date_out_of_order" and "告知书送达日期2026-03-10" in reason["message"]


def test_declining_to_file_ends_the_lead_without_a_case_number(api):
    cid = api.lead()
    api.act(cid, "decline_to_file", {"ground": "first_offence", "reason": "初次违法，危害后果轻微并及时改正"}, who="zhaomin")
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["stage"] == "declined" and case["case_no"] is None


def test_closing_a_fined_case_needs_the_fine_paid_or_an_execution_note(api):
    cid = api.noticed_case(fine="5000.00", kinds=("fine",))
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"], "fine_amount": "5000.00"},
            who="zhaomin")
    api.act(cid, "serve_decision", {"served_on": "2026-03-19", "method": "post"})
    r = api.act(cid, "close", {}, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "execution_missing"
    api.act(cid, "start_execution")
    api.act(cid, "record_payment", {"amount": "4999.99", "paid_on": "2026-03-25", "receipt_no": "PJ1"})
    r = api.act(cid, "close", {}, who="zhaomin", expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "fine_unpaid"
    api.act(cid, "close", {"execution_note": "余款经法院强制执行到位"}, who="zhaomin")
