"""行政处罚法 第七十三条: 当事人申请行政复议或者提起行政诉讼的，行政处罚不停止执行；加处罚款的数额在行政复议或者行政诉讼期间
不予计算. Two acts record the 复议 or 诉讼 (filed, concluded); from the day filed to the day concluded, both included,
no 加处罚款 accrues — for the payment guard (what the party may still pay) and for the `payment` deadline's row alike.
Every backend.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.domain import lifecycle as lc
from casebook.services import deadlines as dl_svc
from casebook.services.loading import case_view
from tests.helpers import wait_until
from tests.integration.test_access_acts import _served as served_case
from tests.integration.test_deadlines import _drained, deadline, deadlines_worker  # noqa: F401 (a fixture)

# Fine 5,000 + confiscation 300, served 2026-03-19: paid by 04-03 (fifteen days); from 04-04 on, 150 a day.
FILED = {"kind": "reconsideration", "filed_on": "2026-04-05", "authority": "枣庄市山亭区人民政府"}
OWED = Decimal("5300.00")


def _served(api, fine="5000.00") -> int:
    """Fine 5,000 and confiscation 300 decided 03-18, served 03-19 (test_access_acts), in execution."""
    cid = served_case(api, fine)
    api.act(cid, "start_execution")
    return cid


def _remedies(api, cid):
    return api.get(f"/api/v1/cases/{cid}/remedies").get_json()


def _state(api, cid):
    """What a refused act must leave as it was: the case, the trail, the outbox and the 复议/诉讼 records."""
    with api.sessions() as s:
        rows = s.execute(select(func.count()).select_from(m.Remedy)).scalar_one()
    return api.snapshot(), rows, _remedies(api, cid)


def _reasons(r) -> dict:
    return {x["code"]: x for x in r.get_json()["errors"]["reasons"]}


def _pay(api, cid, amount, paid_on, receipt, expect=200):
    return api.act(cid, "record_payment", {"amount": amount, "paid_on": paid_on, "receipt_no": receipt}, expect=expect)


# --- the payment guard ------------------------------------------------------------------------------------------


def test_a_payment_including_the_surcharge_of_a_pending_reconsideration_is_refused_and_one_without_it_accepted(api):
    cid = _served(api)
    api.act(cid, "record_remedy_filed", {**FILED, "filed_on": "2026-04-02", "remedy_case_no": "山政复〔2026〕12号"})
    # 04-08 is five days past the deadline: 750 of surcharge without the 复议, none with it (filed before 04-04).
    before = _state(api, cid)
    r = _pay(api, cid, str(OWED + 750), "2026-04-08", "PJ1", expect=409)
    why = _reasons(r)["payment_exceeds_outstanding"]
    assert why["article"] == "行政处罚法第六十七条、第七十二条、第七十三条"
    assert "5300.00元" in why["message"] and "行政复议或者行政诉讼期间的5日不计算加处罚款" in why["message"]
    assert _state(api, cid) == before
    _pay(api, cid, "0.01", "2026-04-08", "PJ0", expect=200)
    _pay(api, cid, str(OWED), "2026-04-08", "PJ1", expect=409)  # one fen more than is owed
    _pay(api, cid, str(OWED - Decimal("0.01")), "2026-04-08", "PJ1")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["paid_amount"] == "5300.00"


def test_the_surcharge_stops_on_the_day_filed_and_runs_again_from_the_day_after_the_conclusion(api):
    cid = _served(api)
    api.act(cid, "record_remedy_filed", FILED)  # 04-04 counted; 04-05 (the day filed) on, not
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "upheld",
                                             "document_no": "山政复决〔2026〕12号"})
    # On 04-12: 04-04, 04-11 and 04-12 are counted — three days, 450.
    r = _pay(api, cid, str(OWED + 450 + Decimal("0.01")), "2026-04-12", "PJ1", expect=409)
    assert "5750.00元" in _reasons(r)["payment_exceeds_outstanding"]["message"]
    # On the day it concluded, still one day only (04-04); on 04-04 itself, before the 复议, one day too.
    _pay(api, cid, str(OWED + 150 + Decimal("0.01")), "2026-04-10", "PJ1", expect=409)
    _pay(api, cid, str(OWED + 150 + Decimal("0.01")), "2026-04-04", "PJ1", expect=409)
    _pay(api, cid, str(OWED + 450), "2026-04-12", "PJ1")


def test_a_suit_after_the_reconsideration_pauses_the_surcharge_again(api):
    """复议 then 诉讼 (行政复议法: 对复议决定不服的，可以起诉): two periods, each without surcharge."""
    cid = _served(api)
    api.act(cid, "record_remedy_filed", FILED)
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "upheld"})
    # A suit is brought no earlier than the 复议 ended; the same day is in order.
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_filed", {"kind": "litigation", "filed_on": "2026-04-09",
                                             "authority": "枣庄市山亭区人民法院"}, expect=409)
    assert "前一次行政复议或者行政诉讼终结日期2026-04-10" in _reasons(r)["date_out_of_order"]["message"]
    assert _state(api, cid) == before
    api.act(cid, "record_remedy_filed", {"kind": "litigation", "filed_on": "2026-04-13",
                                         "authority": "枣庄市山亭区人民法院", "remedy_case_no": "（2026）鲁0406行初12号"})
    # On 04-20: 04-04, 04-11 and 04-12 counted (three days); 04-13 on, the suit.
    _pay(api, cid, str(OWED + 450 + Decimal("0.01")), "2026-04-20", "PJ1", expect=409)
    _pay(api, cid, str(OWED + 450), "2026-04-20", "PJ1")
    got = [(x["kind"], x["pending"], x["surcharge_not_counted"]) for x in _remedies(api, cid)]
    assert got == [("reconsideration", False, {"from": "2026-04-05", "resumes_on": "2026-04-11"}),
                   ("litigation", True, {"from": "2026-04-13", "resumes_on": None})]


def test_the_guard_view_and_the_pure_rule_agree(api):
    cid = _served(api)
    api.act(cid, "record_remedy_filed", FILED)
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "dismissed"})
    with api.sessions() as s:
        view = case_view(s, s.get(m.Case, cid), act=None)
    assert view.remedy["outcome"] == "dismissed" and view.surcharge_pauses == ((dt.date(2026, 4, 5), dt.date(2026, 4, 11)),)
    assert lc.outstanding(view, dt.date(2026, 4, 12)) == OWED + 450


# --- the payment deadline's row (the deadlines consumer) ----------------------------------------------------------


@pytest.mark.usefixtures("deadlines_worker")  # relay and worker threads with the deadlines group (test_deadlines)
def test_the_payment_deadline_pauses_and_resumes_with_the_same_days_as_the_guard(api, sessions):
    cid = _served(api)
    api.act(cid, "record_remedy_filed", FILED)
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")
    d = deadline(sessions, cid, "payment")
    assert d.meta["surcharge_pauses"] == [{"since": "2026-04-05", "until": None,
                                           "reason": "当事人申请行政复议（枣庄市山亭区人民政府），复议、诉讼期间不计算加处罚款"}]
    assert dl_svc.surcharge_of(d, dt.date(2026, 4, 30)).amount == Decimal("150.00")  # 04-04 only
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "changed", "note": "罚款变更为3000元"})
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")
    d = deadline(sessions, cid, "payment")
    assert d.meta["surcharge_pauses"][0]["until"] == "2026-04-11"
    with sessions() as s:
        view = case_view(s, s.get(m.Case, cid), act=None)
    for day in (dt.date(2026, 4, 4), dt.date(2026, 4, 10), dt.date(2026, 4, 11), dt.date(2026, 4, 20)):
        row = dl_svc.surcharge_of(d, day)
        assert row.amount == lc.surcharge(view, day).amount, day  # the row and the guard say the same
    assert dl_svc.surcharge_of(d, dt.date(2026, 4, 12)).amount == Decimal("450.00")
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json()]
    assert {"case.record_remedy_filed", "deadline.surcharge_paused", "case.record_remedy_concluded",
            "deadline.surcharge_resumed"} <= set(trail)


# --- when the acts may be done, and what they refuse --------------------------------------------------------------


def test_the_acts_are_recorded_with_their_events(api):
    cid = _served(api)
    api.act(cid, "record_remedy_filed", {**FILED, "remedy_case_no": "山政复〔2026〕12号"})
    [r] = _remedies(api, cid)
    assert (r["kind_label"], r["filed_on"], r["authority"], r["remedy_case_no"], r["pending"]) == (
        "行政复议", "2026-04-05", "枣庄市山亭区人民政府", "山政复〔2026〕12号", True)
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "withdrawn", "note": "当事人撤回申请"},
            who="liqiang")
    [r] = _remedies(api, cid)
    assert (r["concluded_on"], r["outcome"], r["outcome_label"], r["note"], r["pending"]) == (
        "2026-04-10", "withdrawn", "撤回申请或者撤诉", "当事人撤回申请", False)
    with api.sessions() as s:
        events = s.execute(select(m.OutboxEvent.type, m.OutboxEvent.payload).where(m.OutboxEvent.case_id == cid)
                           .order_by(m.OutboxEvent.id)).all()
    filed, concluded = (p for t, p in events if t.startswith("remedy."))
    assert filed["data"]["filed_on"] == "2026-04-05" and filed["data"]["remedy_id"] == r["id"]
    assert concluded["data"]["surcharge_resumes_on"] == "2026-04-11" and concluded["data"]["filed_on"] == "2026-04-05"
    actions = {a["action"]: a for a in api.get(f"/api/v1/cases/{cid}/actions").get_json()}
    assert actions["record_remedy_filed"]["allowed"] and not actions["record_remedy_concluded"]["allowed"]
    assert actions["record_remedy_filed"]["label"] == "记录当事人申请行政复议或者提起行政诉讼"


def test_no_remedy_is_recorded_without_a_fine_served_and_nothing_changes(api):
    decided = api.noticed_case()
    api.act(decided, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                                "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    before = _state(api, decided)
    r = api.act(decided, "record_remedy_filed", FILED, expect=409)
    assert "wrong_stage" in _reasons(r)  # not served yet
    # A warning alone, served: no fine, no payment deadline, no surcharge to pause.
    warned = api.investigated_case()
    api.act(warned, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"], "basis": "食品安全法第一百二十四条"})
    api.act(warned, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    api.act(warned, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["warning"],
                               "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    api.act(warned, "serve_decision", {"served_on": "2026-03-19", "method": "direct"})
    before = _state(api, warned)
    r = api.act(warned, "record_remedy_filed", FILED, expect=409)
    why = _reasons(r)["no_fine_served"]
    assert "第七十三条" in why["article"] and "罚款" in why["message"]
    assert _state(api, warned) == before


def test_one_remedy_pending_at_a_time_and_only_a_pending_one_concludes(api):
    cid = _served(api)
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "upheld"}, expect=409)
    assert "no_remedy_pending" in _reasons(r)
    assert _state(api, cid) == before
    api.act(cid, "record_remedy_filed", FILED)
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_filed", {"kind": "litigation", "filed_on": "2026-04-06",
                                             "authority": "枣庄市山亭区人民法院"}, expect=409)
    why = _reasons(r)["remedy_pending"]
    assert "2026-04-05" in why["message"] and "枣庄市山亭区人民政府" in why["message"] and "第七十三条" in why["article"]
    assert _state(api, cid) == before
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "upheld"})
    r = api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-11", "outcome": "upheld"}, expect=409)
    assert "no_remedy_pending" in _reasons(r)


def test_dates_out_of_order_or_in_the_future_are_refused_and_change_nothing(api):
    cid = _served(api)
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_filed", {**FILED, "filed_on": "2026-03-18"}, expect=409)
    assert "处罚决定书送达日期2026-03-19" in _reasons(r)["date_out_of_order"]["message"]
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = api.act(cid, "record_remedy_filed", {**FILED, "filed_on": future}, expect=422)
    assert r.get_json()["code"] == "date_in_future"
    assert _state(api, cid) == before
    api.act(cid, "record_remedy_filed", {**FILED, "filed_on": "2026-03-19"})  # the day of service is in order
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-03-18", "outcome": "upheld"}, expect=409)
    assert "申请行政复议或者提起行政诉讼日期2026-03-19" in _reasons(r)["date_out_of_order"]["message"]
    assert _state(api, cid) == before


def test_the_input_is_checked_with_chinese_messages(api):
    cid = _served(api)
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_filed", {"kind": "appeal", "filed_on": "2026-04-05"}, expect=422)
    body = r.get_json()
    assert body["code"] == "validation_failed" and {"kind", "authority"} <= set(body["errors"])
    assert all(re.search(r"[\u4e00-\u9fff]", m) for msgs in body["errors"].values() for m in msgs), body
    r = api.act(cid, "record_remedy_filed", {**FILED, "bogus": 1}, expect=422)
    r = api.act(cid, "record_remedy_filed", {**FILED, "authority": "   "}, expect=422)
    assert r.get_json()["errors"]["authority"] == ["须写明复议机关或者人民法院"]
    assert _state(api, cid) == before
    api.act(cid, "record_remedy_filed", FILED)
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "won"}, expect=422)
    assert "outcome" in r.get_json()["errors"]
    assert _state(api, cid) == before


def test_only_the_case_officers_and_the_head_record_a_remedy(api):
    cid = _served(api)
    before = _state(api, cid)
    r = api.act(cid, "record_remedy_filed", FILED, who="sunli", expect=403)  # a legal reviewer
    assert r.get_json()["code"] == "role_not_allowed"
    r = api.act(cid, "record_remedy_filed", FILED, who="wangfang", expect=409)  # an officer not on the case
    assert "not_case_officer" in _reasons(r)
    r = api.post(f"/api/v1/cases/{cid}/actions/record_remedy_filed", FILED, "chenjie",
                 headers={"If-Match": api.etag(cid)})  # another agency's officer: the case is not found
    assert r.status_code == 404 and r.get_json()["code"] == "case_not_found"
    assert _state(api, cid) == before
    api.act(cid, "record_remedy_filed", FILED, who="zhaomin")  # the head


def test_a_remedy_pending_when_the_case_closed_still_concludes(api):
    """The execution does not stop (第七十三条): the fine paid, the case closes; the 复议 ends afterwards."""
    cid = _served(api)
    api.act(cid, "record_remedy_filed", {**FILED, "filed_on": "2026-03-25"})
    _pay(api, cid, str(OWED), "2026-03-26", "PJ1")
    api.act(cid, "close", {"closed_on": "2026-03-27"}, who="zhaomin")
    api.act(cid, "archive")
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-05-20", "outcome": "revoked",
                                             "document_no": "山政复决〔2026〕3号"})
    [r] = _remedies(api, cid)
    assert (r["outcome_label"], r["pending"]) == ("撤销", False)
    # A new one is not recorded on a closed case: the surcharge is the open case's matter.
    r = api.act(cid, "record_remedy_filed", {"kind": "litigation", "filed_on": "2026-05-21",
                                             "authority": "枣庄市山亭区人民法院"}, expect=409)
    assert "wrong_stage" in _reasons(r)


def test_the_case_page_offers_both_acts_with_their_forms(api, client):
    from tests.integration.test_pages import _csrf, _login

    cid = _served(api)
    _login(client)
    page = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    assert "记录当事人申请行政复议或者提起行政诉讼" in page and "记录行政复议或者行政诉讼终结" in page
    assert "复议机关或者人民法院" in page and "申请复议或者起诉日期" in page and "行政复议" in page
    # Nothing to conclude yet: that act waits in its own fold, out of the list of what stops the case's next steps.
    fold = re.search(r'<details class="refused-group" id="refused-remedy".*?</details>', page, re.S).group(0)
    assert "记录行政复议或者行政诉讼终结" in fold and "本案没有尚未终结的行政复议或者行政诉讼" in fold
    in_view = re.search(r'<ul class="refused" aria-labelledby="refused-h">.*?</ul>', page, re.S)
    assert in_view is None or "记录行政复议或者行政诉讼终结" not in in_view.group(0)
    version = str(api.get(f"/api/v1/cases/{cid}").get_json()["version"])
    r = client.post(f"/cases/{cid}/acts/record_remedy_filed",
                    data={"csrf_token": _csrf(page), "version": version, "kind": "litigation", "filed_on": "2026-04-05",
                          "authority": "枣庄市山亭区人民法院"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert [x["kind"] for x in _remedies(api, cid)] == ["litigation"]
    page = client.get(f"/cases/{cid}?tab=acts").get_data(as_text=True)
    assert "终结方式" in page and "撤回申请或者撤诉" in page


# --- the conclusion's outcome on the decision: one record, and the 公示 withdrawn (第四十八条第二款) ------------------


def _published(api, sessions):
    """A fine decided (its 公示 drafted by the publicity worker, drained here), published, served and in execution."""
    from tests.integration.test_publicity import decided, pub_of, publish

    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    api.act(cid, "serve_decision", {"served_on": "2026-03-19", "method": "direct"})
    api.act(cid, "start_execution")
    return cid, pub


def test_a_reconsideration_concluded_by_revoking_the_decision_withdraws_its_publication(api, sessions):
    cid, pub = _published(api, sessions)
    api.act(cid, "record_remedy_filed", FILED)
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "revoked",
                                             "document_no": "山政复决〔2026〕12号"})
    d = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    assert d["status"] == "withdrawn" and "山政复决〔2026〕12号" in d["reason"] and "撤销" in d["reason"]
    with sessions() as s:
        [row] = s.execute(select(m.RemedyOutcome).where(m.RemedyOutcome.case_id == cid)).scalars().all()
        assert (row.kind, row.outcome, row.decided_on, row.authority) == (
            "reconsideration", "revoked", dt.date(2026, 4, 10), FILED["authority"])
        w = s.execute(select(m.Deadline).where(m.Deadline.kind == "withdrawal", m.Deadline.ref == str(pub.id))).scalar_one()
        assert w.status == "met"
        types = [e.type for e in s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == cid)
                                           .order_by(m.OutboxEvent.case_seq)).scalars()]
    assert types[-3:] == ["remedy.outcome_recorded", "publication.withdrawn", "remedy.concluded"]


def test_a_dismissed_or_upheld_conclusion_leaves_the_publication_and_records_no_outcome_on_the_decision(api, sessions):
    cid, pub = _published(api, sessions)
    api.act(cid, "record_remedy_filed", FILED)
    api.act(cid, "record_remedy_concluded", {"concluded_on": "2026-04-10", "outcome": "dismissed"})
    assert api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()["status"] == "published"
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.RemedyOutcome)
                         .where(m.RemedyOutcome.case_id == cid)).scalar_one() == 0


def test_the_outcome_endpoint_refuses_while_a_remedy_is_pending_and_changes_nothing(api):
    cid = _served(api)
    api.act(cid, "record_remedy_filed", FILED)
    before = _state(api, cid)
    r = api.post(f"/api/v1/cases/{cid}/remedy-outcomes", {"kind": "reconsideration", "outcome": "revoked",
                 "decided_on": "2026-04-10", "authority": FILED["authority"]}, who="zhaomin")
    assert r.status_code == 409 and r.get_json()["code"] == "remedy_pending", r.get_json()
    assert "记录行政复议或者行政诉讼终结" in r.get_json()["message"]
    assert _state(api, cid) == before
