"""行政处罚法 第三十条 (minors) and 第三十六条 (limitation) through the API: the refusal's code and article, and
nothing changed."""

from __future__ import annotations

from casebook.seed import demo_resident_id
from tests.integration.test_rules_catalogue import rules  # noqa: F401  (the test catalogue, as a fixture)


def _reasons(r):
    return {(x["code"], x["article"]) for x in r.get_json()["errors"]["reasons"]}


def _fined(api, sessions, started: str, ended=None, continuing=False) -> int:
    """An investigated case of the demo organisation whose act began on `started`, then fined on 2026-03-20 for
    T-DJ-44 (an earlier decision), its act ended on `ended` or going on."""
    import datetime as dt
    from decimal import Decimal

    from casebook.db import models as m

    cid = api.investigated_case(act_started_on=started)
    with sessions() as s, s.begin():
        c = s.get(m.Case, cid)
        c.violations = [{"description": "提交虚假材料", "code": "T-DJ-44"}]
        c.decision_kind, c.penalty_kinds, c.fine_amount = "penalty", ["fine"], Decimal("100000.00")
        c.decided_on, c.stage = dt.date(2026, 3, 20), "decided"
        c.act_ended_on, c.act_continuing = ended, continuing
    return cid


def _person(api, body17: str, name="小明") -> int:
    r = api.post("/api/v1/parties", {"kind": "person", "name": name, "id_number": demo_resident_id(body17),
                                       "address": "山东省枣庄市山亭区府前路1号"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_the_act_period_is_recorded_at_the_lead_and_checked_for_plausibility(api):
    cid = api.lead(act_started_on="2025-12-01", act_continuing=True)
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert (case["act_started_on"], case["act_ended_on"], case["act_continuing"]) == ("2025-12-01", None, True)
    before = api.snapshot()
    for bad, field in (({"act_started_on": "2026-03-05"}, "act_started_on"),  # after the discovery
                       ({"act_started_on": "2025-01-02", "act_ended_on": "2025-01-01"}, "act_ended_on"),
                       ({"act_ended_on": "2025-01-01"}, "act_started_on"),
                       ({"act_started_on": "2025-01-01", "act_ended_on": "2025-02-01", "act_continuing": True},
                        "act_ended_on")):
        r = api.post("/api/v1/cases", {"source": "complaint", "cause": "x", "discovered_on": "2026-03-02",
                                       "party_id": api.party(), **bad})
        assert r.status_code == 422 and field in r.get_json()["errors"], (bad, r.get_json())
    # an end recorded on a continuing act that was "going on": it ended; the merged period is checked as a whole
    api.act(cid, "update_lead", {"act_ended_on": "2026-02-01"})
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert (case["act_ended_on"], case["act_continuing"]) == ("2026-02-01", False)
    r = api.act(cid, "update_lead", {"act_ended_on": "2025-11-30"}, expect=422)
    assert r.get_json()["code"] == "act_period_invalid"
    assert api.snapshot()["cases"] == before["cases"]


def test_filing_is_refused_after_two_years_and_nothing_changes(api):
    cid = api.lead(act_started_on="2024-02-29")  # discovered 2026-03-02: the period ended 2026-02-28
    before = api.snapshot()
    r = api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhaomin", expect=409)
    assert _reasons(r) == {("limitation_expired", "行政处罚法第三十六条")}
    assert "2026-02-28" in r.get_json()["errors"]["reasons"][0]["message"]
    assert api.snapshot() == before
    assert api.get(f"/api/v1/cases/{cid}").get_json()["stage"] == "lead"
    # the same act recorded as continuing until 2025-01-01 is within the period
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers(), "act_ended_on": "2025-01-01"},
            who="zhaomin")
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert (case["stage"], case["act_ended_on"]) == ("filed", "2025-01-01")


def _investigated(api, **lead):
    """Lead, filing (with a reason for five years), investigation, evidence, facts, closing."""
    cid = api.lead(**lead)
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers(),
                          "long_limitation_reason": "过期食品致多名消费者腹泻"}, who="zhaomin")
    api.act(cid, "start_investigation")
    api.evidence(cid)
    api.act(cid, "update_facts", {"goods_value": "1200.00", "violations": [{"description": "销售过期食品"}],
                                  "circumstances": ["harm_caused"]})
    api.confirm_all(cid)
    api.act(cid, "close_investigation", {"report": "事实清楚"})
    return cid


def test_at_the_proposal_five_years_only_for_a_category_item_with_harm(api, rules):  # noqa: F811
    cid = _investigated(api, act_started_on="2023-06-01")  # discovered 2026-03-02: over two years, under five
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "60000.00",
                                         "violation_code": "T-DJ-44"}, expect=409)  # 登记: two years
    assert ("limitation_expired", "行政处罚法第三十六条") in _reasons(r)
    assert api.snapshot() == before
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "60000.00",
                                     "violation_code": "T-SP-124"})  # 食品安全 with harm: five years


def test_the_prior_notice_states_the_years_the_guard_applies_for_the_proposed_item(api, rules):  # noqa: F811
    # A reason for five years was typed at filing, but the proposed item (登记, T-DJ-44) is of neither 第三十六条
    # category: the guard applies two years, and the 告知书 must say two, not the five the reason alone would give.
    from tests.integration.test_documents_issue import text

    cid = _investigated(api, act_started_on="2025-06-01")
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "6000.00",
                                     "violation_code": "T-DJ-44"})
    fields = {"fields": {"contact": {"name": "张伟", "phone": "0632-8811267"}, "violated_provision": "某法第十条",
                         "penalty_provision": "某法第二十条"}}
    r = api.post(f"/api/v1/cases/{cid}/documents/prior_notice/preview", fields)
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    assert "追责时效二年" in t and "至2027-06-01届满" in t and "五年" not in t


def test_a_minor_under_14_is_not_fined_on_the_spot_and_14_to_18_needs_leniency_stated(api):
    young = _person(api, "37040220120306002", "小明")  # 14 on 2026-03-06
    base = {"place": "山亭区府前路", "cause": "占道经营", "facts_text": "现场查明", "penalty_kinds": ["fine"],
            "basis": "某条例第十条", "officer_ids": api.officers(), "party_signed": True, "fine_amount": "50.00",
            "party_id": young}
    before = api.snapshot()
    r = api.post("/api/v1/summary-decisions", {**base, "decided_on": "2026-03-05", "form_no": "SD202600001"})
    assert r.status_code == 409 and _reasons(r) == {("party_under_14", "行政处罚法第三十条")}
    r = api.post("/api/v1/summary-decisions", {**base, "decided_on": "2026-03-06", "form_no": "SD202600001"})
    assert r.status_code == 409 and _reasons(r) == {("minor_leniency_missing", "行政处罚法第三十条")}
    assert {k: v for k, v in api.snapshot().items() if k != "parties"} == \
        {k: v for k, v in before.items() if k != "parties"}
    ok = api.post("/api/v1/summary-decisions", {**base, "decided_on": "2026-03-06", "form_no": "SD202600001",
                                                "minor_leniency": "当事人系未成年人，依法从轻处罚"})
    assert ok.status_code == 201, ok.get_json()


def test_a_minor_in_the_ordinary_procedure(api):
    young = _person(api, "37040220120306002", "小明")
    cid = api.investigated_case(party_id=young, act_started_on="2026-03-01")  # 13 on the day of the act
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert ("party_under_14", "行政处罚法第三十条") in _reasons(r)
    assert api.snapshot() == before
    api.act(cid, "propose_penalty", {"kind": "no_penalty", "reasons": "未满十四周岁，责令监护人加以管教"})


def test_the_prior_notice_states_the_act_and_the_limitation_and_a_minors_leniency(api):
    from tests.integration.test_documents_issue import text

    cid = api.noticed_case(act_started_on="2025-12-01")
    fields = {"fields": {"contact": {"name": "张伟", "phone": "0632-8811267"}, "violated_provision": "某法第十条"}}
    r = api.post(f"/api/v1/cases/{cid}/documents/prior_notice/preview", fields)
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    assert "违法行为发生于2025-12-01" in t and "至2027-12-01届满" in t and "第三十六条" in t
    young = _person(api, "37040220100306002", "小明")  # 15 at the act
    cid = api.noticed_case(party_id=young, act_started_on="2026-01-10", kinds=("warning",), fine=None)
    r = api.post(f"/api/v1/cases/{cid}/documents/prior_notice/preview", fields)
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    assert "已满十四周岁不满十八周岁（15周岁）" in t and "第三十条" in t


def test_the_benchmark_lookup_and_the_proposal_refuse_a_range_without_goods_value(api, rules):  # noqa: F811
    r = api.post("/api/v1/rules/benchmark", {"item": "T-SP-124", "facts": {}})
    assert r.status_code == 422 and r.get_json()["code"] == "fact_missing"
    assert "货值金额未录入" in r.get_json()["message"]
    cid = api.lead()
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhaomin")
    api.act(cid, "start_investigation")
    api.evidence(cid)
    api.act(cid, "update_facts", {"violations": [{"description": "销售过期食品"}]})
    api.confirm_all(cid)
    api.act(cid, "close_investigation", {"report": "事实清楚"})
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "60000.00",
                                         "violation_code": "T-SP-124"}, expect=409)
    assert ("fact_missing", "行政处罚法第四十条") in _reasons(r)
    assert api.snapshot() == before
    api.act(cid, "update_facts", {"goods_value": "20000.00"})
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00",
                                         "violation_code": "T-SP-124"})
    assert r.get_json()["benchmark"]["legal_min"] == "200000.00"  # 货值 20,000 × 10, not the 5万–10万 bracket


def test_the_version_in_force_at_the_act_applies_unless_the_current_one_is_lighter(api, rules, sessions):  # noqa: F811
    import copy

    from casebook.services import catalogue as cat
    from casebook.services.context import SYSTEM
    from tests.integration.test_rules_catalogue import _doc

    v2 = copy.deepcopy(_doc("benchmark"))
    v2["catalogue"].update(version=2, effective_from="2026-01-01")
    for item in v2["violation_items"]:
        if item["code"] == "T-DJ-44":
            item["range"] = {"fixed": {"min": "100000", "max": "300000"}}  # heavier from 2026
    with sessions() as s, s.begin():
        cat.import_document(s, SYSTEM, v2, source="v2")
    cat.invalidate()

    def proposed(act_on):
        cid = api.investigated_case(act_started_on=act_on)
        r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00",
                                             "violation_code": "T-DJ-44"})
        return r.get_json()["benchmark"]

    b = proposed("2025-06-01")  # act under version 1: the heavier version 2 does not apply
    assert (b["version"], b["legal_max"]) == (1, "200000.00") and "从旧适用第1版" in b["law_choice"]
    b = proposed("2026-02-01")  # act under version 2
    assert (b["version"], b["legal_max"], b["law_choice"]) == (2, "300000.00", "")


def test_a_second_fine_for_the_same_act_is_refused_unless_reasoned_and_the_first_case_is_named(api, rules, sessions):  # noqa: F811
    first = _fined(api, sessions, "2026-01-01", continuing=True)
    case_no = api.get(f"/api/v1/cases/{first}").get_json()["case_no"]
    second = api.investigated_case(act_started_on="2026-02-01")  # within the first act's period (still going on)
    before = api.snapshot()
    body = {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00", "violation_code": "T-DJ-44"}
    r = api.act(second, "propose_penalty", body, expect=409)
    assert ("same_act_fined", "行政处罚法第二十九条") in _reasons(r)
    assert case_no in r.get_json()["errors"]["reasons"][0]["message"]
    assert api.snapshot() == before
    # another item, or a warning only, is not a second fine for the same act
    api.act(second, "propose_penalty", {**body, "violation_code": "T-SP-124", "fine_amount": "60000.00"})
    api.act(second, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"], "violation_code": "T-DJ-44"})
    # with the reason recorded the second fine may be proposed
    api.act(second, "propose_penalty", {**body, "same_act_reason": "两次提交虚假材料，系两个独立的违法行为"})


def test_only_a_fine_over_an_overlapping_act_period_counts_as_the_same_act(api, rules, sessions):  # noqa: F811
    """第二十九条 binds one act: the party's earlier fine counts when its act period (start … end, or … today while it
    goes on, or the start day alone) meets this case's — the day it ended included — and not when it ended before."""
    import datetime as dt

    from casebook.db import models as m
    from casebook.services.loading import same_act_fines

    ended_before = _fined(api, sessions, "2025-10-01", dt.date(2026, 1, 31))     # ended the day before this act began
    ends_that_day = _fined(api, sessions, "2025-11-01", dt.date(2026, 2, 1))      # ended the day it began: the same days
    one_day = _fined(api, sessions, "2026-02-01")                                  # no end recorded, not going on: that day alone
    day_before = _fined(api, sessions, "2026-01-31")                               # that day alone, the day before
    going_on = _fined(api, sessions, "2025-12-01", continuing=True)                # still going on: until today
    second = api.investigated_case(act_started_on="2026-02-01")
    with sessions() as s:
        case = s.get(m.Case, second)
        party_id = case.party_id
        for cid in (ended_before, ends_that_day, one_day, day_before, going_on):
            assert s.get(m.Case, cid).party_id == party_id  # the demo world's one organisation: the same party
        got = {f["case_id"] for f in same_act_fines(s, case)}
    assert got == {ends_that_day, one_day, going_on}
    r = api.act(second, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00",
                                            "violation_code": "T-DJ-44"}, expect=409)
    assert ("same_act_fined", "行政处罚法第二十九条") in _reasons(r)


def test_a_decision_omitting_the_recorded_gains_is_refused(api):
    cid = api.investigated_case()
    api.act(cid, "update_facts", {"illegal_gains": "300.00"})
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine", "confiscate_gains"],
                                     "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"})
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    decide = {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"], "fine_amount": "5000.00"}
    before = api.snapshot()
    r = api.act(cid, "decide", decide, who="zhaomin", expect=409)
    assert _reasons(r) == {("illegal_gains_not_confiscated", "行政处罚法第二十八条第二款")}
    assert api.snapshot() == before
    api.act(cid, "decide", {**decide, "penalty_kinds": ["fine", "confiscate_gains"], "confiscated_amount": "300.00"},
            who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["confiscated_amount"] == "300.00"


def test_incapacity_recorded_with_its_evidence_refuses_a_penalty_and_allows_no_penalty_without_a_list_item(api):
    cid = api.lead()
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhaomin")
    api.act(cid, "start_investigation")
    r = api.evidence(cid, title="司法鉴定意见书", kind="expert_opinion")
    assert r.status_code == 201, r.get_json()
    ev = r.get_json()["id"]
    api.act(cid, "update_facts", {"circumstances": ["incapacity"], "violations": [{"description": "销售过期食品"}]})
    api.confirm_all(cid)
    api.act(cid, "close_investigation", {"report": "当事人经鉴定不能辨认自己的行为"})
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert _reasons(r) == {("no_penalty_ground", "行政处罚法第三十一条"), ("ground_evidence_missing", "行政处罚法第四十条")}
    r = api.act(cid, "propose_penalty", {"kind": "no_penalty", "reasons": "不能辨认自己行为"}, expect=409)
    assert _reasons(r) == {("ground_evidence_missing", "行政处罚法第四十条")}
    assert api.snapshot() == before
    # evidence of another case is refused; the case's own is linked
    r = api.act(cid, "update_facts", {"ground_evidence": {"incapacity": [999999]}}, expect=422)
    assert r.get_json()["code"] == "unknown_evidence"
    api.act(cid, "update_facts", {"ground_evidence": {"incapacity": [ev]}})
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert _reasons(r) == {("no_penalty_ground", "行政处罚法第三十一条")}
    api.act(cid, "propose_penalty", {"kind": "no_penalty", "reasons": "不能辨认自己行为，责令监护人严加看管和治疗"})
    assert api.get(f"/api/v1/cases/{cid}").get_json()["ground_evidence"] == {"incapacity": [ev]}
