"""Publicity (公示): drafting on a decision, the deadline, the publication acts, the public pages and API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading

import pytest
from sqlalchemy import select, update

from casebook.db import models as m
from casebook.domain.deadlines import local_date
from casebook.seed import demo_resident_id, demo_uscc
from casebook.services import publicity as svc
from casebook.services.context import SYSTEM, local_today
from events.envelope import parse, to_message
from events.handlers import GROUPS
from events.handlers import publicity as handler
from tests.helpers import wait_until

D = dt.date
USCC = demo_uscc("91370406MA3C00001")  # the seeded business party
ADULT_ID = demo_resident_id("37040219850312011")  # born 1985-03-12
MINOR_ID = demo_resident_id("37040220100601022")  # born 2010-06-01: 15 on a 2026 decision
THIRD_PARTY = "王小明"
BANK = "6222021234567890123"
LANDLINE = "0632-8812345"
MOBILE = "13906321234"
STREET = "北庄镇幸福路5号3单元201室"
FACTS = (f"当事人住山东省枣庄市山亭区{STREET}，联系电话{MOBILE}，在其经营场所销售超过保质期的食品。证人{THIRD_PARTY}"
         f"（身份证号370402198001011234，固定电话{LANDLINE}）证实，当事人通过银行账户{BANK}收取货款。")


# --- the world --------------------------------------------------------------------------------------------------


def person(sessions, name: str, id_number: str) -> int:
    with sessions() as s, s.begin():
        agency = s.execute(select(m.Agency).where(m.Agency.code == "山亭市监")).scalar_one()
        p = m.Party(kind="person", name=name, id_number=id_number, phone=MOBILE,
                    address=f"山东省枣庄市山亭区{STREET}", created_by_agency_id=agency.id)
        s.add(p)
        s.flush()
        return p.id


def drain(sessions) -> None:
    """Apply the publicity consumer to every decision event in the outbox (what the worker does, in-process)."""
    with sessions() as s:
        rows = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.type.in_(handler.BINDINGS))
                         .order_by(m.OutboxEvent.id)).scalars().all()
        envs = [parse(to_message(r)) for r in rows]
    for env in envs:
        with sessions() as s, s.begin():
            handler.handle(s, env)


def decided(api, sessions, *, party_id=None, kinds=("fine", "confiscate_gains"), fine="5000.00",
            decided_on="2026-03-18", facts_text=None, document=True) -> int:
    cid = api.noticed_case(fine=fine, kinds=kinds, **({"party_id": party_id} if party_id else {}))
    if facts_text:  # the facts as the investigation established them (set here: the case is past that stage)
        with sessions() as s, s.begin():
            s.execute(update(m.Case.__table__).where(m.Case.__table__.c.id == cid).values(facts_text=facts_text))
    if set(kinds) & {"restrict_practice", "revoke_license"}:  # 重大执法决定: 法制审核 first (第五十八条)
        api.review(cid)
    body = {"kind": "penalty", "decided_on": decided_on, "penalty_kinds": list(kinds), "basis": "《中华人民共和国食品安全法》第一百二十四条"}
    if fine is not None:
        body["fine_amount"] = fine
    api.act(cid, "decide", body, who="zhaomin")
    if document:
        r = api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision"}, who="zhaomin")
        assert r.status_code == 202, r.get_json()
    drain(sessions)
    return cid


def pub_of(sessions, cid: int) -> m.Publication:
    with sessions() as s:
        return s.execute(select(m.Publication).where(m.Publication.case_id == cid)).scalar_one()


def pub_deadline(sessions, pub_id: int, kind: str = "publication") -> m.Deadline | None:
    with sessions() as s:
        return s.execute(select(m.Deadline).where(m.Deadline.kind == kind, m.Deadline.ref == str(pub_id))
                         .order_by(m.Deadline.id.desc())).scalars().first()


def publish(api, pub_id: int, who="zhaomin", expect=200):
    r = api.post(f"/api/v1/publications/{pub_id}/publish", {}, who=who)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


# --- drafting and the deadline ------------------------------------------------------------------------------------


def test_a_penalty_decision_drafts_a_record_with_a_seven_working_day_deadline(api, sessions):
    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)
    assert (pub.status, pub.system, pub.decided_on) == ("draft", "market_regulation", D(2026, 3, 18))
    d = pub_deadline(sessions, pub.id)
    # 118号 7 working days and 总局令第45号 20: the stricter wins → 2026-03-27
    assert (d.status, d.length, d.due_on) == ("open", 7, D(2026, 3, 27))
    drain(sessions)  # a redelivered event drafts nothing twice
    with sessions() as s:
        assert len(s.execute(select(m.Publication).where(m.Publication.case_id == cid)).all()) == 1
        actions = [e.action for e in s.execute(select(m.TrailEntry).where(m.TrailEntry.case_id == cid)).scalars()]
        types = [e.type for e in s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == cid)).scalars()]
    assert "publication.drafted" in actions and "publication.drafted" in types


def test_the_publication_deadline_counts_working_days_across_the_2026_national_day_holiday(api, sessions):
    cid = decided(api, sessions, decided_on="2026-09-29")
    d = pub_deadline(sessions, pub_of(sessions, cid).id)
    # 9-30 (1); 10-1…10-7 国庆 off; 10-8 (2), 10-9 (3), Saturday 10-10 调休 working (4), 10-12 (5), 10-13 (6), 10-14 (7)
    assert d.due_on == D(2026, 10, 14)


def test_a_warning_only_decision_of_a_market_regulator_is_not_published(api, sessions):
    cid = decided(api, sessions, kinds=("warning",), fine=None)
    pub = pub_of(sessions, cid)
    assert (pub.status, pub.reason_code) == ("not_published", "warning_only")
    assert pub_deadline(sessions, pub.id) is None
    publish(api, pub.id, expect=409)


def test_a_decision_on_a_minor_is_never_published(api, sessions):
    minor = person(sessions, "刘小军", MINOR_ID)
    # 行政处罚法 第三十条: a 15-year-old is not fined without a benchmark placement to be lenient on — confiscation only
    cid = decided(api, sessions, party_id=minor, kinds=("confiscate_gains",), fine=None)
    pub = pub_of(sessions, cid)
    assert (pub.status, pub.reason_code) == ("not_published", "minor")
    assert pub_deadline(sessions, pub.id) is None
    assert publish(api, pub.id, expect=409)["code"] == "publication_not_draft"
    assert api.c.get(f"/api/v1/public/decisions/{pub.id}").status_code == 404


def test_the_worker_drafts_the_publication_from_the_decision_event(api, sessions, event_settings):
    from events.runtime import Background, make_relay, make_worker

    groups = {"publicity": GROUPS["publicity"]}
    bg = Background(make_relay(sessions, event_settings, groups=groups), make_worker(sessions, event_settings, groups=groups))
    bg.threads = [threading.Thread(target=bg.relay.run, args=(bg.stop_event,), daemon=True),
                  threading.Thread(target=bg.worker.run, daemon=True)]
    for t in bg.threads:
        t.start()
    try:
        cid = api.noticed_case()
        api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                                "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")

        def drafted():
            with sessions() as s:
                return s.execute(select(m.Publication).where(m.Publication.case_id == cid)).scalar_one_or_none()
        wait_until(drafted, what="publication drafted by the worker")
    finally:
        bg.stop()
    assert pub_deadline(sessions, drafted().id).due_on == D(2026, 3, 27)


def test_a_drafted_record_waits_in_the_heads_approvals_until_it_is_published(api, sessions, client):
    """The head publishes within the deadline (第四十八条; 118号): the draft is one of the head's 待办, handled on the
    publicity page, and only for the head of its own agency."""
    from casebook.seed import demo_user
    from casebook.services import worklists
    from casebook.services.context import actor_for

    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)

    def items(who):
        with sessions() as s:
            return [r for r in worklists.head_approvals(s, actor_for(s, demo_user(s, who))) if r["kind"] == "公示"]
    mine = items("zhaomin")
    assert [(r["case"].id, r["publication_id"], r["action"]) for r in mine] == [(cid, pub.id, None)]
    assert mine[0]["deadline"].id == pub_deadline(sessions, pub.id).id and mine[0]["deadline"].due_on == D(2026, 3, 27)
    assert items("zhouhua") == []  # 综合行政执法局's head: not theirs
    with sessions() as s, s.begin():  # the sweep finds it late: it stays, first, with its missed deadline
        from casebook.services import deadlines

        deadlines.sweep(s, now=dt.datetime(2026, 4, 30, tzinfo=dt.UTC))
    late = items("zhaomin")
    assert [r["publication_id"] for r in late] == [pub.id] and late[0]["deadline"].status == "missed"
    from tests.integration.test_pages import _login

    _login(client, "zhaomin")
    html = client.get("/head/approvals").get_data(as_text=True)
    row = html[html.index(">公示<"):]
    assert f'href="/head/publications/{pub.id}"' in row[:row.index("</tr>")]
    publish(api, pub.id)
    assert items("zhaomin") == []


# --- preview, publish, scope ----------------------------------------------------------------------------------------


def test_the_head_previews_the_original_beside_the_redacted_text_and_publishes_it(api, sessions):
    adult = person(sessions, "韩磊", ADULT_ID)
    cid = decided(api, sessions, party_id=adult, facts_text=FACTS, document=False)
    pub = pub_of(sessions, cid)
    r = api.post(f"/api/v1/publications/{pub.id}/draft", {"third_party_names": [THIRD_PARTY]}, who="zhaomin")
    assert r.status_code == 200, r.get_json()
    p = api.get(f"/api/v1/publications/{pub.id}", who="zhaomin").get_json()
    assert p["original"]["facts"] == FACTS and p["original"]["id_number"] == ADULT_ID
    text = str(p["published"])
    for secret in (ADULT_ID, MOBILE, BANK, LANDLINE, STREET, THIRD_PARTY, "韩磊", "370402198001011234"):
        assert secret not in text, secret
    assert p["published"]["party_name"] == "韩*" and p["published"]["id_number"] == "370402********0119"[:6] + "********" + ADULT_ID[-4:]
    assert "王**" in p["published"]["facts"] and "***************0123" in p["published"]["facts"]
    # no 决定书 yet: no 文号, nothing to publish
    assert publish(api, pub.id, expect=409)["code"] == "decision_document_missing"
    assert api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision"}, who="zhaomin").status_code == 202
    out = publish(api, pub.id)
    assert out["status"] == "published" and out["document_no"] == "山亭市监处罚〔2026〕1号"
    assert pub_deadline(sessions, pub.id).status == "met"
    assert api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()["facts"] == p["published"]["facts"]


def test_an_officer_of_another_agency_cannot_publish_or_withdraw_and_the_attempt_is_logged(api, sessions, caplog):
    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)
    caplog.set_level(logging.WARNING, logger="casebook.access")
    for who in ("zhouhua", "chenjie"):
        r = api.post(f"/api/v1/publications/{pub.id}/publish", {}, who=who)
        assert (r.status_code, r.get_json()["code"]) == (404, "publication_not_found")
        assert api.get(f"/api/v1/publications/{pub.id}", who=who).status_code == 404
    r = api.post(f"/api/v1/publications/{pub.id}/publish", {}, who="zhangwei")  # own agency, but not the head
    assert (r.status_code, r.get_json()["code"]) == (403, "role_not_allowed")
    publish(api, pub.id)
    r = api.post(f"/api/v1/publications/{pub.id}/withdrawal", {"reason": "x"}, who="zhouhua")
    assert r.status_code == 404
    assert api.get("/api/v1/publications", who="zhouhua").get_json()["items"] == []
    r = api.post(f"/api/v1/cases/{cid}/remedy-outcomes", {"kind": "litigation", "outcome": "revoked",
                 "decided_on": local_today().isoformat(), "authority": "枣庄市中级人民法院"}, who="zhouhua")
    assert r.status_code == 404
    denials = [r.getMessage() for r in caplog.records if r.name == "casebook.access"]
    assert any("user=zhouhua" in d and "publication.publish" in d for d in denials)
    assert any("user=zhangwei" in d and "role_not_allowed" in d for d in denials)
    assert any("user=zhouhua" in d and "publication.withdraw" in d for d in denials)
    assert any("user=zhouhua" in d and "remedy.record" in d for d in denials)
    assert pub_of(sessions, cid).status == "published"


def test_secret_decisions_are_excluded_with_a_recorded_reason(api, sessions):
    pub = pub_of(sessions, decided(api, sessions))
    r = api.post(f"/api/v1/publications/{pub.id}/exclusion", {"reason_code": "gossip", "reason": "x"}, who="zhaomin")
    assert r.status_code == 422
    r = api.post(f"/api/v1/publications/{pub.id}/exclusion",
                 {"reason_code": "trade_secret", "reason": "涉及当事人配方工艺"}, who="zhaomin")
    assert r.status_code == 200 and r.get_json()["status"] == "excluded"
    assert pub_of(sessions, pub.case_id).reason == "涉及商业秘密：涉及当事人配方工艺"
    assert pub_deadline(sessions, pub.id).status == "cancelled"


# --- withdrawal, display periods, early removal -----------------------------------------------------------------------


def test_a_revoked_decision_is_withdrawn_within_three_working_days_with_its_reason_shown(api, sessions):
    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    assert api.c.get(f"/api/v1/public/decisions?document_no={pub_of(sessions, cid).document_no}").get_json()["items"]
    today = local_today()
    r = api.post(f"/api/v1/cases/{cid}/remedy-outcomes", {"kind": "reconsideration", "outcome": "revoked",
                 "decided_on": today.isoformat(), "authority": "枣庄市山亭区人民政府", "document_no": "山政复决〔2026〕3号"},
                 who="zhaomin")
    assert r.status_code == 201, r.get_json()
    w = pub_deadline(sessions, pub.id, "withdrawal")
    assert w.status == "met" and w.met_on == today and w.due_on > today and w.length == 3
    d = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    assert d["status"] == "withdrawn" and "山政复决〔2026〕3号" in d["reason"] and "撤销" in d["reason"]
    assert "facts" not in d and "party_name" not in d
    assert api.c.get(f"/api/v1/public/decisions?document_no={pub_of(sessions, cid).document_no}").get_json()["items"] == []
    html = api.c.get(f"/gs/decisions/{pub.id}").get_data(as_text=True)
    assert "本公示信息已撤回" in html and "山政复决〔2026〕3号" in html
    with sessions() as s:
        types = [e.type for e in s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == cid)).scalars()]
    assert "remedy.outcome_recorded" in types and "publication.withdrawn" in types
    # an upheld decision withdraws nothing; bad input changes nothing
    r = api.post(f"/api/v1/cases/{cid}/remedy-outcomes", {"kind": "appeal", "outcome": "revoked",
                 "decided_on": today.isoformat(), "authority": "x"}, who="zhaomin")
    assert r.status_code == 422


@pytest.mark.parametrize("kinds,fine,ban,months", [
    (("fine",), "5000.00", None, 3),  # 较低数额罚款: 3 months
    (("fine",), "50000.00", None, 36),  # 3 years
    (("fine", "restrict_practice"), "50000.00", 60, 60),  # a five-year ban: its length
])
def test_display_periods_follow_the_penalty_and_the_record_leaves_the_public_pages_when_they_end(
        api, sessions, kinds, fine, ban, months):
    pub = pub_of(sessions, decided(api, sessions, kinds=kinds, fine=fine))
    if ban:
        api.post(f"/api/v1/publications/{pub.id}/draft", {"ban_months": ban}, who="zhaomin")
    publish(api, pub.id)
    pub = pub_of(sessions, pub.case_id)
    from casebook.domain.publicity import add_months

    assert pub.display_until == add_months(pub.published_on, months)
    with sessions() as s:
        assert svc.search(s, {"document_no": pub.document_no}, today=pub.display_until)["items"]
        assert svc.search(s, {"document_no": pub.document_no}, today=pub.display_until + dt.timedelta(days=1))["items"] == []
    with sessions() as s, s.begin():
        assert svc.sweep_expired(s, pub.display_until) == 0
        assert svc.sweep_expired(s, pub.display_until + dt.timedelta(days=1)) == 1
    assert pub_of(sessions, pub.case_id).status == "expired"
    assert api.c.get(f"/api/v1/public/decisions/{pub.id}").status_code == 404
    with sessions() as s:
        assert s.execute(select(m.OutboxEvent.type).where(m.OutboxEvent.case_id == pub.case_id,
                                                          m.OutboxEvent.type == "publication.expired")).first()


def test_early_removal_needs_every_condition_and_is_refused_for_severe_penalties(api, sessions):
    body = {"applied_on": local_today().isoformat(), "performed": True, "harm_removed": True, "no_repeat": True,
            "not_listed": True}
    pub = pub_of(sessions, decided(api, sessions))
    publish(api, pub.id)
    r = api.post(f"/api/v1/publications/{pub.id}/removal", {**body, "harm_removed": False}, who="zhaomin")
    assert r.status_code == 409 and r.get_json()["code"] == "removal_refused"
    assert pub_of(sessions, pub.case_id).status == "published"
    r = api.post(f"/api/v1/publications/{pub.id}/removal", body, who="zhaomin")
    assert r.status_code == 200 and r.get_json()["status"] == "removed"
    assert api.c.get(f"/api/v1/public/decisions/{pub.id}").status_code == 404

    severe = pub_of(sessions, decided(api, sessions, kinds=("fine", "revoke_license"), fine="50000.00"))
    publish(api, severe.id)
    r = api.post(f"/api/v1/publications/{severe.id}/removal", body, who="zhaomin")
    assert r.status_code == 409 and "不得提前停止公示" in r.get_json()["errors"]["conditions"][0]
    assert pub_of(sessions, severe.case_id).status == "published"


# --- the public side --------------------------------------------------------------------------------------------------


def _seeded_public_world(api, sessions) -> tuple[list[int], list[str]]:
    """Published decisions on a business and on an adult, one withdrawn; returns ids and the identifiers to hunt."""
    adult = person(sessions, "韩磊", ADULT_ID)
    ids = []
    for kw in ({"facts_text": FACTS}, {"party_id": adult, "facts_text": FACTS}, {"party_id": adult}):
        pub = pub_of(sessions, decided(api, sessions, **kw))
        api.post(f"/api/v1/publications/{pub.id}/draft", {"third_party_names": [THIRD_PARTY]}, who="zhaomin")
        publish(api, pub.id)
        ids.append(pub.id)
    cid = pub_of_id(sessions, ids[2]).case_id
    api.post(f"/api/v1/cases/{cid}/remedy-outcomes", {"kind": "litigation", "outcome": "confirmed_unlawful",
             "decided_on": local_today().isoformat(), "authority": "枣庄市中级人民法院"}, who="zhaomin")
    with sessions() as s:
        people = s.execute(select(m.Party).where(m.Party.kind == "person")).scalars().all()
        secrets = [p.id_number for p in people] + [p.name for p in people] + [p.phone for p in people if p.phone]
        secrets += [p.address for p in people if p.address]
    secrets += [STREET, MOBILE, LANDLINE, BANK, THIRD_PARTY, "370402198001011234", "幸福路5号"]
    return ids, secrets


def pub_of_id(sessions, pub_id: int) -> m.Publication:
    with sessions() as s:
        return s.get(m.Publication, pub_id)


def test_no_public_page_or_api_response_carries_a_natural_persons_identifiers(api, sessions):
    ids, secrets = _seeded_public_world(api, sessions)
    with sessions() as s:
        agencies = [a.id for a in s.execute(select(m.Agency)).scalars()]
        doc_nos = [p.document_no for p in s.execute(select(m.Publication)).scalars()]
    paths = ["/gs/", "/gs/decisions", "/gs/agencies", "/api/v1/public/agencies", "/api/v1/public/decisions",
             "/gs/decisions?party=韩", "/gs/decisions?party=好味来", "/api/v1/public/decisions?party=韩",
             "/gs/decisions?from=2026-01-01&to=2026-12-31", "/api/v1/public/decisions?from=2026-01-01&to=2026-12-31",
             f"/gs/decisions?uscc={USCC}", "/api/v1/public/decisions?uscc=12345"]
    paths += [f"/gs/decisions/{i}" for i in ids] + [f"/api/v1/public/decisions/{i}" for i in ids]
    paths += [f"/gs/agencies/{a}" for a in agencies] + [f"/api/v1/public/agencies/{a}" for a in agencies]
    paths += [f"/gs/decisions?document_no={n}" for n in doc_nos if n]
    paths += [f"/gs/decisions?agency_id={a}" for a in agencies] + [f"/api/v1/public/decisions?agency_id={a}" for a in agencies]
    seen = 0
    for path in paths:
        r = api.c.get(path)
        assert r.status_code in (200, 404, 422), (path, r.status_code)
        body = r.get_data(as_text=True)
        for secret in secrets:
            assert secret not in body, (path, secret)
        seen += r.status_code == 200
    assert seen >= len(paths) - 4
    found = api.c.get("/api/v1/public/decisions?party=好味来").get_json()["items"]
    assert len(found) == 1 and found[0]["party_name"] == "枣庄市山亭区好味来食品有限公司"
    detail = api.c.get(f"/api/v1/public/decisions/{found[0]['id']}").get_json()
    assert detail["uscc"] == USCC and detail["legal_representative"] == "李雷"
    assert set(api.c.get("/api/v1/public/decisions?party=韩").get_json()["items"][0]) == set(svc.PUBLIC_FIELDS)


def test_public_search_checks_the_uscc_check_digit_and_answers_in_the_one_error_shape(api, sessions):
    r = api.c.get("/api/v1/public/decisions?uscc=91370406MA3C000010&from=2026-13-01")
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "invalid_query" and set(body["errors"]) == {"uscc", "from"}
    html = api.c.get("/gs/decisions?uscc=91370406MA3C000010")
    assert html.status_code == 422 and "校验位不正确" in html.get_data(as_text=True)
    assert api.c.get("/api/v1/public/decisions/99999").get_json()["code"] == "publication_not_found"


def test_public_responses_are_cacheable_with_an_etag_and_not_behind_a_login(api, sessions):
    r = api.c.get("/api/v1/public/agencies")
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"] and r.headers["ETag"]
    again = api.c.get("/api/v1/public/agencies", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    page = api.c.get("/gs/agencies")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.get_data(as_text=True)


def test_the_public_endpoints_are_rate_limited(settings, engine):
    from casebook.web.app import create_app

    app = create_app(dataclasses.replace(settings, public_rate_limit="3/minute"), engine=engine)
    c = app.test_client()
    codes = [c.get("/api/v1/public/agencies").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get("/api/v1/public/agencies")
    assert r.get_json()["code"] == "too_many_requests"
    assert c.get("/gs/agencies").status_code == 429
    # the staff side is not counted against, nor stopped by, the public budget (its sign-in has its own throttle)
    assert c.get("/api/v1/me").status_code == 401 and "X-RateLimit-Limit" not in c.get("/api/v1/me").headers
    assert c.get("/login").status_code == 200


def test_staff_requests_do_not_spend_the_public_budget(settings, engine):
    from casebook.web.app import create_app

    app = create_app(dataclasses.replace(settings, public_rate_limit="3/minute"), engine=engine)
    c = app.test_client()
    for _ in range(5):
        c.get("/api/v1/me")
        c.get("/login")
    assert [c.get("/api/v1/public/agencies").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_advance_disclosure_page_lists_officers_remedies_and_says_when_it_last_changed(api, sessions):
    with sessions() as s:
        amr = s.execute(select(m.Agency).where(m.Agency.code == "山亭市监")).scalar_one()
        expected = max(u.created_at for u in s.execute(select(m.User).where(m.User.agency_id == amr.id)).scalars())
    d = api.c.get(f"/api/v1/public/agencies/{amr.id}").get_json()
    assert {o["credential_no"] for o in d["officers"]} == {"37040024001", "37040024002", "37040024003"}
    assert [r["route"] for r in d["remedies"]] == ["行政复议", "行政诉讼"]
    assert d["last_changed"] == max(local_date(expected), D(2024, 1, 1)).isoformat()
    assert "7个工作日" in d["agency"]["publication_rule"]
    html = api.c.get(f"/gs/agencies/{amr.id}").get_data(as_text=True)
    assert "普通程序流程图" in html and "六十日" in html and "37040024001" in html


def test_the_expiry_sweep_runs_as_a_system_act(api, sessions):
    pub = pub_of(sessions, decided(api, sessions))
    publish(api, pub.id)
    pub = pub_of(sessions, pub.case_id)
    assert svc.sweep_all_expired(sessions, pub.display_until + dt.timedelta(days=1)) == 1
    with sessions() as s:
        entry = s.execute(select(m.TrailEntry).where(m.TrailEntry.action == "publication.expired")).scalar_one()
    assert entry.actor_role == SYSTEM.primary_role


def test_the_agencys_publication_system_words_the_decision_and_decides_on_warnings(api, sessions):
    cid = decided(api, sessions)
    with sessions() as s:
        doc = s.execute(select(m.Document).where(m.Document.case_id == cid)).scalar_one()
        assert "《市场监督管理行政处罚信息公示规定》" in doc.context["publication_sentence"]
        assert "国家企业信用信息公示系统" in doc.context["publication_sentence"]
    with sessions() as s, s.begin():  # the same agency, switched to the 综合执法 rule
        s.execute(update(m.Agency.__table__).where(m.Agency.__table__.c.code == "山亭市监")
                  .values(publication_system="comprehensive"))
    cid = decided(api, sessions, kinds=("warning",), fine=None)
    with sessions() as s:
        doc = s.execute(select(m.Document).where(m.Document.case_id == cid)).scalar_one()
    assert doc.context["publication_sentence"].startswith("依据《中华人民共和国行政处罚法》第四十八条")
    pub = pub_of(sessions, cid)
    assert (pub.status, pub.system) == ("draft", "comprehensive")  # 综合执法 publishes a warning


def test_the_scheduler_job_records_expired_publications(api, sessions):
    from scheduler.sweep import expire_publications

    pub = pub_of(sessions, decided(api, sessions))
    publish(api, pub.id)
    with sessions() as s, s.begin():  # the display period ended yesterday
        s.execute(update(m.Publication.__table__).where(m.Publication.__table__.c.id == pub.id)
                  .values(display_until=local_today() - dt.timedelta(days=1)))
    assert expire_publications(sessions) == 1
    assert pub_of_id(sessions, pub.id).status == "expired"


def test_a_summary_decision_is_published_by_its_form_number_where_the_system_publishes_summary_decisions(api, sessions):
    base = {"decided_on": "2026-03-05", "place": "山亭区府前路", "cause": "占道经营", "facts_text": "现场查明占道经营",
            "penalty_kinds": ["fine"], "basis": "某条例第十条", "officer_ids": api.officers(), "party_signed": True,
            "party_id": api.party("organization"), "fine_amount": "200.00"}
    r = api.post("/api/v1/summary-decisions", {**base, "form_no": "SD202600001"})
    assert r.status_code == 201, r.get_json()
    drain(sessions)
    pub = pub_of(sessions, r.get_json()["id"])
    assert (pub.status, pub.reason_code) == ("not_published", "summary")  # 总局令第45号 第二条: 普通程序 only
    with sessions() as s, s.begin():
        s.execute(update(m.Agency.__table__).where(m.Agency.__table__.c.code == "山亭市监")
                  .values(publication_system="comprehensive"))
    r = api.post("/api/v1/summary-decisions", {**base, "form_no": "SD202600002"})
    drain(sessions)
    pub = pub_of(sessions, r.get_json()["id"])
    assert (pub.status, pub.procedure, pub.document_no) == ("draft", "summary", "SD202600002")
    assert publish(api, pub.id)["status"] == "published"


def test_an_administrator_sets_an_agencys_publication_rules_and_no_one_else_can(api, sessions):
    with sessions() as s:
        amr = s.execute(select(m.Agency).where(m.Agency.code == "山亭市监")).scalar_one()
    path = f"/api/v1/admin/agencies/{amr.id}/publication-system"
    r = api.c.put(path, json={"system": "comprehensive"}, headers=api.h("zhaomin"))
    assert r.status_code == 403
    r = api.c.put(path, json={"system": "township"}, headers=api.h("admin"))
    assert r.status_code == 422
    r = api.c.put(path, json={"system": "ecology_environment"}, headers=api.h("admin"))
    assert r.status_code == 200 and r.get_json()["publication_system"] == "ecology_environment"
    assert "生态环境" in api.c.get(f"/api/v1/public/agencies/{amr.id}").get_json()["agency"]["system"]
    with sessions() as s:
        assert s.execute(select(m.TrailEntry).where(m.TrailEntry.action == "agency.publication_system_set")).scalar_one()


# --- the staff pages (公示管理 in the shell) --------------------------------------------------------------------------


def _page_login(client, username: str) -> None:
    import re as _re

    from casebook.seed import DEMO_PASSWORD

    token = _re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)


def test_the_head_publishes_from_the_staff_pages_and_another_agency_cannot_see_the_record(api, sessions, app):
    import re as _re

    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)
    head = app.test_client()
    _page_login(head, "zhaomin")
    queue = head.get("/head/publications").get_data(as_text=True)
    assert "山亭市监处罚〔2026〕1号" in queue and "待公示" in queue
    preview = head.get(f"/head/publications/{pub.id}").get_data(as_text=True)
    assert "原文（仅内部）" in preview and "公示内容" in preview
    token = _re.search(r'name="csrf_token" value="([^"]+)"', preview).group(1)
    # another agency's head: the record is not found, and nothing changes when posting
    other = app.test_client()
    _page_login(other, "zhouhua")
    assert other.get(f"/head/publications/{pub.id}").status_code == 404
    other_token = _re.search(r'name="csrf_token" value="([^"]+)"', other.get("/head/publications").get_data(as_text=True)).group(1)
    other.post(f"/head/publications/{pub.id}/publish", data={"csrf_token": other_token})
    assert pub_of(sessions, cid).status == "draft"
    r = head.post(f"/head/publications/{pub.id}/publish", data={"csrf_token": token})
    assert r.status_code == 302
    assert pub_of(sessions, cid).status == "published"
    assert "公示中" in head.get(f"/head/publications/{pub.id}").get_data(as_text=True)


def test_a_third_party_named_on_the_staff_page_is_masked_in_what_the_public_sees(api, sessions, app):
    import re as _re

    cid = decided(api, sessions, facts_text="经查，当事人雇员王小明在店内销售超过保质期的食品。")
    pub = pub_of(sessions, cid)
    head = app.test_client()
    _page_login(head, "zhaomin")
    page = head.get(f"/head/publications/{pub.id}").get_data(as_text=True)
    token = _re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert head.post(f"/head/publications/{pub.id}/names", data={"csrf_token": token, "names": "王小明"}).status_code == 302
    published = pub_of(sessions, cid).published
    assert "王小明" not in published["facts"] and "王*" in published["facts"]


def test_the_limiter_does_not_run_for_the_staff_side(settings, engine, monkeypatch):
    """flask-limiter's hooks run for the public blueprints only: a staff API call or page never reaches the
    limiter's per-request lookup (it did, then let the request filter skip it); a public request still does."""
    from casebook.web.app import create_app
    from casebook.web.public import _public_only

    app = create_app(dataclasses.replace(settings, public_rate_limit="3/minute"), engine=engine)
    limiter = app.extensions["casebook"]["limiter"]
    looked_up = []
    real = limiter.identify_request
    monkeypatch.setattr(limiter, "identify_request", lambda: looked_up.append(1) or real())
    c = app.test_client()
    c.get("/api/v1/me")
    c.get("/login")
    c.get("/no/such/page")
    assert looked_up == []
    r = c.get("/api/v1/public/agencies")
    assert r.status_code == 200 and looked_up == [1] and r.headers["X-RateLimit-Limit"] == "3"
    with pytest.raises(RuntimeError, match="hook of the limiter"):  # hooks already scoped: none left to find
        _public_only(app, limiter, frozenset({"public"}))
