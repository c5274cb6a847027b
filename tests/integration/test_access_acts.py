"""Who may do an act (issue: access): every act on a case by its own officers (heads excepted), payments within
what is owed on receipts used once, and no one who took part in a case reviewing it (回避). Each refusal is
checked for its code and article, and for changing nothing."""

from __future__ import annotations


def _served(api, fine="5000.00") -> int:
    cid = api.noticed_case(fine=fine)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                            "fine_amount": fine, "confiscated_amount": "300.00", "basis": "食品安全法第一百二十四条"},
            who="zhaomin")
    api.act(cid, "serve_decision", {"served_on": "2026-03-19", "method": "direct"})
    return cid


def _refused(api, cid, action, body, who, code):
    before = api.snapshot()
    r = api.act(cid, action, body, who=who, expect=409)
    reasons = {x["code"]: x for x in r.get_json()["errors"]["reasons"]}
    assert code in reasons, reasons
    assert api.snapshot() == before
    return reasons[code]


def test_an_officer_not_on_the_case_cannot_execute_pay_or_archive_it_but_the_head_can(api):
    cid = _served(api)
    _refused(api, cid, "start_execution", {}, "wangfang", "not_case_officer")
    api.act(cid, "start_execution", who="zhaomin")  # the head is excepted
    _refused(api, cid, "record_payment", {"amount": "100.00", "paid_on": "2026-03-25", "receipt_no": "PJ1"}, "wangfang",
             "not_case_officer")


def test_a_payment_may_not_exceed_the_fine_confiscation_and_late_payment_surcharge_owed(api):
    cid = _served(api)  # 5,000 fine + 300 confiscated, served 2026-03-19
    api.act(cid, "start_execution")
    why = _refused(api, cid, "record_payment", {"amount": "5300.01", "paid_on": "2026-03-25", "receipt_no": "PJ1"},
                   "zhangwei", "payment_exceeds_outstanding")
    assert why["article"] == "行政处罚法第六十七条、第七十二条"
    api.act(cid, "record_payment", {"amount": "5000.00", "paid_on": "2026-03-25", "receipt_no": "PJ1"})
    # 加处罚款 (第七十二条): from the 16th day after service (3-19 + 15 = 4-03), 3% of the fine a day, at most the fine.
    # On 4-05 two days late: 300 still owed + 300 surcharge = 600.
    _refused(api, cid, "record_payment", {"amount": "600.01", "paid_on": "2026-04-05", "receipt_no": "PJ2"},
             "zhangwei", "payment_exceeds_outstanding")
    api.act(cid, "record_payment", {"amount": "600.00", "paid_on": "2026-04-05", "receipt_no": "PJ2"})
    assert api.get(f"/api/v1/cases/{cid}").get_json()["paid_amount"] == "5600.00"


def test_a_receipt_number_is_used_once_in_the_agency(api):
    first, second = _served(api), _served(api)
    for cid in (first, second):
        api.act(cid, "start_execution")
    api.act(first, "record_payment", {"amount": "100.00", "paid_on": "2026-03-25", "receipt_no": "PJ-2026-0001"})
    why = _refused(api, second, "record_payment", {"amount": "100.00", "paid_on": "2026-03-25",
                                                   "receipt_no": "PJ-2026-0001"}, "zhangwei", "receipt_no_taken")
    assert why["article"] == "行政处罚法第七十条"


def test_no_one_who_took_part_in_a_case_reviews_it(api):
    """A reviewer who sat on its referral team (not a case officer) is excluded: assignment is refused."""
    h = api.h("admin")
    amr = api.get("/api/v1/me", who="zhangwei").get_json()["agency"]["id"]
    dual = api.c.post("/api/v1/users", json={"username": "dual", "display_name": "兼职审核员", "password": "Kx9-lantern-orbit",
                                             "agency_id": amr, "roles": ["officer", "legal_reviewer"], "bar_qualified": True},
                      headers=h).get_json()
    api.c.post(f"/api/v1/users/{dual['id']}/credentials", json={"credential_no": "37040024009", "field": "市场监管",
               "valid_from": "2024-01-01", "valid_to": "2029-12-31"}, headers=h)
    cid = api.investigated_case()
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-06", "officer_ids": [api.user_id("zhangwei"), dual["id"]]})
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning", "revoke_license"]})
    api.submit_review(cid)
    why = _refused(api, cid, "assign_legal_reviewer", {"reviewer_id": dual["id"], "assigned_on": "2026-03-16"},
                   "zhaomin", "reviewer_is_case_officer")
    assert "回避" in why["message"] and why["article"].startswith("行政处罚法第五十八条")
    api.act(cid, "assign_legal_reviewer", {"reviewer_id": api.user_id("sunli"), "assigned_on": "2026-03-16"}, who="zhaomin")


def test_an_officer_acts_in_their_own_name_and_the_second_officer_confirms_before_it_counts(api):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    inq = {"kind": "inquiry", "acted_on": "2026-03-04", "summary": "询问当事人", "officer_ids": api.officers()}
    # 王芳 is an officer of the agency but not on the case: she can neither record it nor be named on it
    why = _refused(api, cid, "record_investigation_act", inq, "wangfang", "actor_not_named")
    assert why["article"] == "行政处罚法第四十二条、第五十五条"
    _refused(api, cid, "record_investigation_act", {**inq, "officer_ids": api.officers("zhangwei", "wangfang")},
             "zhangwei", "officer_not_on_case")
    api.act(cid, "record_investigation_act", inq)  # 张伟 records, naming 李强 beside himself
    api.evidence(cid)
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    pending = case["awaiting_confirmation"]
    assert [p["action"] for p in pending] == ["record_investigation_act", "add_evidence"]
    assert all(p["awaiting"] == [api.user_id("liqiang")] for p in pending)
    # until 李强 confirms, the investigation cannot close on them
    why = _refused(api, cid, "close_investigation", {"report": "终结"}, "zhangwei", "acts_unconfirmed")
    assert "询问" in why["message"] or "记录调查取证活动" in why["message"]
    # only the officer awaited confirms, once
    _refused(api, cid, "confirm_act", {"act_id": pending[0]["act_id"]}, "zhangwei", "confirmation_not_awaited")
    for p in pending:
        api.act(cid, "confirm_act", {"act_id": p["act_id"], "note": "核对无误"}, who="liqiang")
    _refused(api, cid, "confirm_act", {"act_id": pending[0]["act_id"]}, "liqiang", "confirmation_not_awaited")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["awaiting_confirmation"] == []
    trail = [e for e in api.get(f"/api/v1/cases/{cid}/trail").get_json() if e["action"] == "case.confirm_act"]
    assert len(trail) == 2 and all(e["actor_id"] == api.user_id("liqiang") for e in trail)
    api.act(cid, "close_investigation", {"report": "终结"})
