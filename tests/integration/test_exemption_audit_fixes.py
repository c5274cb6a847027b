"""Audit fixes to 免罚 eligibility through the API, on every backend.

- 行政处罚法 第三十三条第一款 (初次违法…可以不予行政处罚) and the 免罚清单's "首次被发现": an earlier 不予处罚 for the same
  violation within the look-back uses up the first offence, as an earlier penalty does; a 不予处罚 because 违法事实不能成立
  (第五十七条第一款第三项) records no violation and does not.
- A cap of the list (货值不足500元) is met only by a recorded amount: a missing fact is never read as 0 (docs/law.md).
"""

from __future__ import annotations

import datetime as dt

import pytest

from casebook.db.models import Case
from tests.integration.test_rules_catalogue import _case_with_facts, rules  # noqa: F401  (the test catalogue, as a fixture)

pytestmark = pytest.mark.usefixtures("rules")

CIRC = ["minor", "corrected_within_deadline", "no_harm"]  # T-MF-1's conditions besides 初次违法
ART_33 = ["minor", "corrected_promptly", "no_harm"]  # 行政处罚法 第三十三条第一款, no list item named


def _decided_no_penalty(api, *, code="T-SP-124", circumstances=CIRC, exemption_code="T-MF-1", party="organization",
                        decided_on="2026-03-12"):
    cid = _case_with_facts(api, {"goods_value": "300.00"}, circumstances, code=code, party=party)
    api.act(cid, "propose_penalty", {"kind": "no_penalty", **({"exemption_code": exemption_code} if exemption_code else {})})
    api.act(cid, "decide", {"kind": "no_penalty", "decided_on": decided_on, "correction_order": "责令三日内下架销毁",
                            "education_note": "已对负责人进行食品安全法律法规教育"}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["decision_kind"] == "no_penalty"
    return cid


def _propose_exemption(api, party="organization", facts=None, expect=200):
    cid = _case_with_facts(api, {"goods_value": "300.00"} if facts is None else facts, CIRC, party=party)
    return cid, api.act(cid, "propose_penalty", {"kind": "no_penalty", "exemption_code": "T-MF-1"}, expect=expect)


def _first_offence(api, cid):
    ex = api.get(f"/api/v1/cases/{cid}").get_json()["exemption"]
    return ex, next(c for c in ex["conditions"] if c["code"] == "first_offence")


def test_a_second_case_after_an_exemption_under_the_list_is_not_a_first_offence(api):
    _decided_no_penalty(api)
    _, r = _propose_exemption(api, expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "exemption_not_eligible", reason
    assert "2年内有同一违法行为的不予处罚记录" in reason["message"] and "初次违法" in reason["message"]
    # The same answer from the check endpoint, by party.
    got = api.post("/api/v1/rules/exemption", {"item": "T-MF-1", "party_id": api.party("organization"),
                                               "facts": {"goods_value": "300.00"}, "circumstances": CIRC}).get_json()
    assert got["eligible"] is False and got["conditions"][0]["met"] is False
    assert "不予处罚记录" in got["conditions"][0]["detail"]


def test_an_exemption_on_article_33_circumstances_without_a_list_item_also_counts(api):
    _decided_no_penalty(api, circumstances=ART_33, exemption_code=None)
    _, r = _propose_exemption(api, expect=409)
    assert "不予处罚记录" in r.get_json()["errors"]["reasons"][0]["message"]


def test_the_exempted_case_itself_does_not_count(api):
    cid = _decided_no_penalty(api)
    ex, first = _first_offence(api, cid)
    assert ex["eligible"] and first["met"], first


def test_a_different_violation_stays_eligible(api):
    _decided_no_penalty(api, code="T-CP-49", circumstances=ART_33, exemption_code=None)
    cid, _ = _propose_exemption(api)
    ex, first = _first_offence(api, cid)
    assert ex["eligible"] and first["met"] and "也无同一违法行为的不予处罚记录" in first["detail"]


def test_another_party_stays_eligible(api):
    _decided_no_penalty(api, party="person")
    cid, _ = _propose_exemption(api, party="organization")
    assert _first_offence(api, cid)[0]["eligible"]


def test_an_exemption_outside_the_look_back_does_not_count(api, sessions):
    earlier = _decided_no_penalty(api)
    with sessions() as s, s.begin():  # decided more than 2 years (T-MF-1's look-back) before today
        s.get(Case, earlier).decided_on = dt.date.today().replace(year=dt.date.today().year - 3)
    cid, _ = _propose_exemption(api)
    assert _first_offence(api, cid)[0]["eligible"]


def test_a_no_penalty_because_the_facts_were_not_established_does_not_count(api):
    """违法事实不能成立 (行政处罚法 第五十七条第一款第三项): no list item, no 第三十三条 ground — no violation recorded."""
    _decided_no_penalty(api, circumstances=(), exemption_code=None)
    cid, _ = _propose_exemption(api)
    ex, first = _first_offence(api, cid)
    assert ex["eligible"] and first["met"], first


def test_the_amount_cap_is_not_met_when_the_amount_was_never_recorded(api):
    _, r = _propose_exemption(api, facts={}, expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "exemption_not_eligible" and "货值金额未录入" in reason["message"], reason


def test_the_amount_cap_is_met_by_a_recorded_zero(api):
    cid, _ = _propose_exemption(api, facts={"goods_value": "0"})
    ex = api.get(f"/api/v1/cases/{cid}").get_json()["exemption"]
    cap = next(c for c in ex["conditions"] if c["code"] == "max_goods_value")
    assert ex["eligible"] and cap["met"] and cap["detail"] == "货值金额0.00元", cap
