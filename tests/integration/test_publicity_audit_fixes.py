"""Publicity (公示) audit fixes: a withdrawal's reason is redacted for the public; a decision voided and issued
again moves its publication to the new 文号; a decision the rules do not publish does not say it will be."""

from __future__ import annotations

from sqlalchemy import select

from casebook.db import models as m
from casebook.documents import render_pdf
from casebook.services import publicity as svc
from casebook.services.context import local_today
from tests.integration.test_documents_render import pdftotext, squash
from tests.integration.test_publicity import ADULT_ID, MINOR_ID, decided, person, pub_of, publish

MOBILE = "13906321234"
SENTENCE = "将通过国家企业信用信息公示系统向社会公示"


def _decision_doc(sessions, cid: int) -> m.Document:
    with sessions() as s:
        return s.execute(select(m.Document).where(m.Document.case_id == cid, m.Document.doc_type == "penalty_decision",
                                                  m.Document.status != "voided")).scalar_one()


# --- 1. a withdrawal's reason, as the public reads it ---------------------------------------------------------------


def test_a_withdrawn_records_public_reason_shows_no_id_number_mobile_or_persons_name(api, sessions):
    adult = person(sessions, "韩磊", ADULT_ID)
    cid = decided(api, sessions, party_id=adult)
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    reason = f"当事人韩磊（身份证号{ADULT_ID}，电话{MOBILE}）申请复议，本机关自行撤销原决定。"
    r = api.post(f"/api/v1/publications/{pub.id}/withdrawal", {"reason": reason}, who="zhaomin")
    assert r.status_code == 200, r.get_json()
    js = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    html = api.c.get(f"/gs/decisions/{pub.id}").get_data(as_text=True)
    assert js["status"] == "withdrawn" and "申请复议，本机关自行撤销原决定" in js["reason"]
    for secret in (ADULT_ID, MOBILE, "韩磊"):
        assert secret not in js["reason"], secret
        assert secret not in html, secret
    assert js["reason"].startswith("当事人韩*（身份证号*")  # masked as the 信息摘要's text is
    # the staff keep the reason as the head wrote it, beside what the public reads
    p = api.get(f"/api/v1/publications/{pub.id}", who="zhaomin").get_json()
    assert p["original"]["withdrawal_reason"] == reason
    with sessions() as s:
        payloads = [e.payload for e in s.execute(select(m.OutboxEvent).where(
            m.OutboxEvent.case_id == cid, m.OutboxEvent.type == "publication.withdrawn")).scalars()]
    assert payloads and all(ADULT_ID not in str(p) and "韩磊" not in str(p) for p in payloads)


def test_an_organisation_keeps_its_name_in_a_withdrawal_reason_and_a_remedy_reason_is_shown(api, sessions):
    cid = decided(api, sessions)  # the seeded business party
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    with sessions() as s:
        party = s.get(m.Case, cid).party
        name, uscc = party.name, party.id_number
    r = api.post(f"/api/v1/cases/{cid}/remedy-outcomes", {
        "kind": "reconsideration", "outcome": "revoked", "decided_on": local_today().isoformat(),
        "authority": "枣庄市山亭区人民政府", "document_no": "山政复决〔2026〕3号"}, who="zhaomin")
    assert r.status_code == 201, r.get_json()
    js = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    assert js["reason"] == "该行政处罚决定已被枣庄市山亭区人民政府撤销（山政复决〔2026〕3号），依法撤回公示。"
    assert name and uscc  # an organisation's name and USCC are public (not masked) where a reason names them
    src = {"party_kind": "organization", "party_name": name, "id_number": uscc}
    assert svc.public_text(src, [], f"{name}（{uscc}）申请复议") == f"{name}（{uscc}）申请复议"


# --- 2. a decision voided and issued again: the publication takes the new 文号 ---------------------------------------


def test_reissuing_a_published_decisions_document_moves_the_public_record_to_the_new_number(api, sessions):
    cid = decided(api, sessions)
    pub = pub_of(sessions, cid)
    publish(api, pub.id)
    old = _decision_doc(sessions, cid)
    assert pub_of(sessions, cid).document_no == old.document_no
    r = api.post(f"/api/v1/documents/{old.id}/void", {"reason": "文书有笔误，重新出具"}, who="zhaomin")
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision"}, who="zhaomin")
    assert r.status_code == 202, r.get_json()
    new_no = r.get_json()["document_no"]
    assert new_no and new_no != old.document_no
    by_new = api.c.get("/api/v1/public/decisions", query_string={"document_no": new_no}).get_json()["items"]
    by_old = api.c.get("/api/v1/public/decisions", query_string={"document_no": old.document_no}).get_json()["items"]
    assert [i["id"] for i in by_new] == [pub.id] and by_new[0]["document_no"] == new_no
    assert by_old == []
    js = api.c.get(f"/api/v1/public/decisions/{pub.id}").get_json()
    assert js["document_no"] == new_no and js["status"] == "published"
    html = api.c.get(f"/gs/decisions/{pub.id}").get_data(as_text=True)
    assert new_no in html and old.document_no not in html
    now = pub_of(sessions, cid)
    assert (now.status, now.document_no, now.source["document_no"]) == ("published", new_no, new_no)
    with sessions() as s:
        trail = s.execute(select(m.TrailEntry).where(m.TrailEntry.case_id == cid,
                                                     m.TrailEntry.action == "publication.updated")).scalars().all()
        events = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.case_id == cid,
                                                       m.OutboxEvent.type == "publication.updated")).scalars().all()
    assert len(trail) == 1 and old.document_no in str(trail[0].payload) and new_no in str(trail[0].payload)
    assert len(events) == 1 and events[0].payload["document_no"] == new_no


# --- 3. the decision's publication notice follows the publication verdict -------------------------------------------


def _pdf_text(doc: m.Document) -> str:
    return squash(pdftotext(render_pdf("penalty_decision", doc.context), "-raw"))


def test_a_warning_only_market_decision_does_not_announce_publication_while_a_fined_one_does(api, sessions):
    warned = decided(api, sessions, kinds=("warning",), fine=None)
    fined = decided(api, sessions)
    assert (pub_of(sessions, warned).status, pub_of(sessions, warned).reason_code) == ("not_published", "warning_only")
    assert pub_of(sessions, fined).status == "draft"
    w, f = _decision_doc(sessions, warned), _decision_doc(sessions, fined)
    assert w.context["publication_notice"] is False and not w.context.get("publication_sentence")
    assert f.context["publication_notice"] is True and SENTENCE in f.context["publication_sentence"]
    w_text, f_text = _pdf_text(w), _pdf_text(f)
    assert "向社会公示" not in w_text and "行政处罚决定信息摘要" not in w_text
    assert squash(SENTENCE) in f_text and "行政处罚决定信息摘要" in f_text


def test_a_decision_on_a_minor_does_not_announce_publication_and_a_supplement_cannot_promise_it(api, sessions):
    minor = person(sessions, "刘小军", MINOR_ID)
    cid = decided(api, sessions, party_id=minor, kinds=("confiscate_gains",), fine=None, document=False)
    assert pub_of(sessions, cid).reason_code == "minor"
    r = api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision",
                                                    "fields": {"publication_notice": True}}, who="zhaomin")
    assert r.status_code == 422 and r.get_json()["code"] == "document_field_locked", r.get_json()
    with sessions() as s:
        assert s.execute(select(m.Document).where(m.Document.case_id == cid)).first() is None  # nothing changed
    r = api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "penalty_decision"}, who="zhaomin")
    assert r.status_code == 202, r.get_json()
    assert _decision_doc(sessions, cid).context["publication_notice"] is False
