"""行政处罚法 第二十九条 (对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚) and the summary procedure: an
on-the-spot fine counts as a fine for the act seen that day — a second one, on the spot or in an ordinary case, for
the same party, item and day is refused (409 same_act_fined, the first case named, nothing written) unless the reason
is recorded."""

from __future__ import annotations

from tests.integration.test_rules_catalogue import rules  # noqa: F401  (the test catalogue, as a fixture)

ARTICLE = "行政处罚法第二十九条"


def _reasons(r):
    return [(x["code"], x["article"]) for x in r.get_json()["errors"]["reasons"]]


def _summary(api, form_no, day="2026-03-02", *, party=None, code="T-DJ-44", fine="3000.00", **extra):
    """An on-the-spot fine on a pre-numbered form (the form is registered to the agency if it is not yet)."""
    from sqlalchemy import select

    from casebook.db import models as m

    with api.sessions() as s, s.begin():
        agency = s.execute(select(m.User.agency_id).where(m.User.username == "zhangwei")).scalar_one()
        if not s.execute(select(m.SummaryForm).where(m.SummaryForm.form_no == form_no)).scalar_one_or_none():
            s.add(m.SummaryForm(agency_id=agency, form_no=form_no))
    return api.post("/api/v1/summary-decisions", {
        "party_id": party or api.party("organization"), "form_no": form_no, "decided_on": day,
        "place": "山亭区府前路88号", "cause": "提交虚假材料", "facts_text": "现场发现提交虚假材料",
        "penalty_kinds": ["fine"], "fine_amount": fine, "violations": [{"code": code, "description": "提交虚假材料"}],
        "basis": "某法第四十四条", "officer_ids": api.officers(), "party_signed": True, **extra})


def _form_used_by(api, form_no):
    from sqlalchemy import select

    from casebook.db import models as m

    with api.sessions() as s:
        return s.execute(select(m.SummaryForm.used_by_case_id).where(m.SummaryForm.form_no == form_no)).scalar_one()


def test_a_second_on_the_spot_fine_for_the_same_party_item_and_day_is_refused_and_nothing_is_written(api):
    first = _summary(api, "SD202600001")
    assert first.status_code == 201, first.get_json()
    before = api.snapshot()
    r = _summary(api, "SD202600002")
    assert r.status_code == 409, r.get_json()
    assert ("same_act_fined", ARTICLE) in _reasons(r)
    msg = next(x["message"] for x in r.get_json()["errors"]["reasons"] if x["code"] == "same_act_fined")
    assert "SD202600001" in msg and "T-DJ-44" in msg  # the first fine named by its decision form (no 立案 number)
    assert api.snapshot() == before
    assert _form_used_by(api, "SD202600002") is None  # the form stays unused


def test_a_second_on_the_spot_fine_with_the_reason_recorded_is_accepted(api):
    assert _summary(api, "SD202600001").status_code == 201
    r = _summary(api, "SD202600002", same_act_reason="当日先后两次提交虚假材料，系两个独立的违法行为")
    assert r.status_code == 201, r.get_json()
    assert _form_used_by(api, "SD202600002") == r.get_json()["id"]


def test_another_item_or_another_party_is_not_the_same_act(api):
    first = _summary(api, "SD202600001")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["act_started_on"] == "2026-03-02"  # the act was seen on the spot, the day decided
    assert _summary(api, "SD202600005").status_code == 409  # the same party, item and day: refused
    other_item = _summary(api, "SD202600002", code="T-SP-124")
    assert other_item.status_code == 201, other_item.get_json()
    other_party = _summary(api, "SD202600003", party=api.party("person"), fine="200.00")
    assert other_party.status_code == 201, other_party.get_json()
    other_day = _summary(api, "SD202600004", "2026-03-03")  # the act seen on another day
    assert other_day.status_code == 201, other_day.get_json()


def test_an_ordinary_case_proposing_a_fine_for_the_act_fined_on_the_spot_is_refused(api, rules):  # noqa: F811
    assert _summary(api, "SD202600001").status_code == 201
    cid = api.investigated_case(act_started_on="2026-03-01", act_ended_on="2026-03-02")  # overlaps the day seen
    before = api.snapshot()
    body = {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00", "violation_code": "T-DJ-44"}
    r = api.act(cid, "propose_penalty", body, expect=409)
    assert ("same_act_fined", ARTICLE) in _reasons(r)
    assert any("SD202600001" in x["message"] for x in r.get_json()["errors"]["reasons"] if x["code"] == "same_act_fined")
    assert api.snapshot() == before
    api.act(cid, "propose_penalty", {**body, "same_act_reason": "现场处罚的是另一批次材料，系不同违法行为"})
