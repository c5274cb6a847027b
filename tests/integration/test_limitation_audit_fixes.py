"""行政处罚法 第三十六条 (audit fixes) on every backend: the 追责时效 deadline is planned at filing from the act period the
case records — from the act's day, or from the day a continuing act ended, none while it goes on — for the years the
guards give (two; five for 生命健康安全、金融安全 with harm), and re-planned when 查明事实 changes them; a five-year reason
typed at filing no longer carries a proposal or a decision once "no_harm" is recorded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from casebook.db import models as m
from casebook.services import deadlines as svc
from tests.helpers import wait_until
from tests.integration.test_deadlines import _drained, deadlines_worker  # noqa: F401  (the worker, as a fixture)
from tests.integration.test_rules_catalogue import rules  # noqa: F401  (the test catalogue, as a fixture)

D = dt.date
REASON = "销售过期食品致多人食物中毒，涉及公民生命健康安全且有危害后果"
EXPIRED = ("limitation_expired", "行政处罚法第三十六条")


def _limitations(sessions, cid: int) -> list[m.Deadline]:
    with sessions() as s:
        return list(s.execute(select(m.Deadline).where(m.Deadline.case_id == cid, m.Deadline.kind == "limitation")
                              .order_by(m.Deadline.id)).scalars())


def _settled(sessions) -> None:
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")


def _reasons(r) -> set:
    return {(x["code"], x["article"]) for x in r.get_json()["errors"]["reasons"]}


def test_a_one_off_act_gets_a_two_year_limitation_from_its_day(api, sessions, deadlines_worker):  # noqa: F811
    cid = api.filed_case(act_started_on="2025-05-10")  # discovered 2026-03-02
    _settled(sessions)
    [d] = _limitations(sessions, cid)
    assert (d.starts_on, d.unit, d.length, d.due_on) == (D(2025, 5, 10), "years", 2, D(2027, 5, 10))
    assert (d.status, d.met_on, d.basis) == ("met", D(2026, 3, 2), "行政处罚法第三十六条")  # discovered within it


def test_a_continuing_act_has_no_limitation_until_it_ends(api, sessions, deadlines_worker):  # noqa: F811
    cid = api.filed_case(act_started_on="2025-01-01", act_continuing=True)
    _settled(sessions)
    assert _limitations(sessions, cid) == []  # 第三十六条第二款: counted from the day the act ends
    api.act(cid, "start_investigation")
    api.act(cid, "update_facts", {"act_ended_on": "2026-02-01", "act_continuing": False})
    _settled(sessions)
    [d] = _limitations(sessions, cid)
    assert (d.starts_on, d.length, d.due_on, d.status) == (D(2026, 2, 1), 2, D(2028, 2, 1), "met")
    # facts updated without touching the period or the years: nothing re-planned
    api.act(cid, "update_facts", {"facts_text": "经查，违法行为于2026年2月1日终了"})
    _settled(sessions)
    assert [x.id for x in _limitations(sessions, cid)] == [d.id]


def test_five_years_for_a_life_health_item_with_harm_and_two_once_no_harm_is_recorded(
        api, sessions, rules, deadlines_worker):  # noqa: F811
    cid = api.lead(act_started_on="2023-06-01", act_ended_on="2023-06-30")  # discovered 2026-03-02
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers(), "long_limitation_reason": REASON},
            who="zhaomin")
    _settled(sessions)
    [d] = _limitations(sessions, cid)
    assert (d.starts_on, d.length, d.due_on, d.status) == (D(2023, 6, 30), 5, D(2028, 6, 30), "met")
    with sessions() as s, s.begin():  # within five years: nothing to miss, the case is not overdue
        assert svc.sweep(s, dt.datetime(2026, 3, 4, tzinfo=dt.UTC)).missed == 0
    assert not [x for x in api.get(f"/api/v1/deadlines?case_id={cid}").get_json()["items"]
                if x["kind"] == "limitation" and x["overdue"]]

    # the investigation names a 食品安全 item (生命健康安全) with harm: still five years, nothing re-planned
    api.act(cid, "start_investigation")
    api.act(cid, "update_facts", {"violations": [{"code": "T-SP-124", "description": "销售超过保质期的食品"}],
                                  "circumstances": ["harm_caused"]})
    _settled(sessions)
    assert [(x.id, x.length) for x in _limitations(sessions, cid)] == [(d.id, 5)]

    # it records no harmful consequences: two years, run out before the discovery — the timer shows it
    api.act(cid, "update_facts", {"circumstances": ["no_harm"]})
    _settled(sessions)
    old, new = _limitations(sessions, cid)
    assert (old.id, old.status) == (d.id, "met")
    assert (new.starts_on, new.length, new.due_on, new.status) == (D(2023, 6, 30), 2, D(2025, 6, 30), "open")


def _closed_with_reason(api, circumstances):
    """Act 2023-06-01 (over two years, under five before the discovery on 2026-03-02), filed with a reason for the
    five years, investigated with `circumstances` and no violation item."""
    cid = api.lead(act_started_on="2023-06-01")
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers(), "long_limitation_reason": REASON},
            who="zhaomin")
    api.act(cid, "start_investigation")
    api.evidence(cid)
    api.act(cid, "update_facts", {"violations": [{"description": "销售过期食品"}], "circumstances": circumstances})
    api.confirm_all(cid)
    api.act(cid, "close_investigation", {"report": "事实清楚"})
    return cid


def test_a_proposal_with_no_harm_recorded_gets_two_years_despite_the_filing_reason(api):
    cid = _closed_with_reason(api, ["no_harm"])
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert EXPIRED in _reasons(r)
    assert "追责时效二年" in next(x["message"] for x in r.get_json()["errors"]["reasons"] if x["code"] == EXPIRED[0])
    assert api.snapshot() == before
    # nothing recorded against the reason: five years, as at filing
    ok = _closed_with_reason(api, ["first_offence"])
    api.act(ok, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]})


def test_a_decision_with_no_harm_recorded_is_refused_past_two_years(api, sessions):
    cid = _closed_with_reason(api, ["first_offence"])
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]})
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    with sessions() as s, s.begin():  # the facts as they stand at the decision record no harm
        s.get(m.Case, cid).circumstances = ["first_offence", "no_harm"]
    before = api.snapshot()
    decide = {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["warning"]}
    r = api.act(cid, "decide", decide, who="zhaomin", expect=409)
    assert EXPIRED in _reasons(r)
    assert api.snapshot() == before
    with sessions() as s, s.begin():  # harm recorded instead: the reason stands, five years
        s.get(m.Case, cid).circumstances = ["first_offence", "harm_caused"]
    api.act(cid, "decide", decide, who="zhaomin")
