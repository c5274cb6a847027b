"""文书 for real cases, per backend (SQLite, PostgreSQL) and, where the worker renders, per transport
(kombu memory, RabbitMQ): previews from case data, issuing with a gap-free 文号, rendering in the worker
with the SHA-256 trailed, voiding, the bound 案卷, scope and bad input."""

from __future__ import annotations

import hashlib
import re
import threading

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.documents import render as render_module
from casebook.documents import sample_context
from casebook.documents.context import FROM_CASE, SUPPLEMENT
from casebook.services import documents as svc
from casebook.services.audit import verify_trail
from casebook.services.evidence import blob_path
from events.handlers import HandlerGroup
from events.handlers import documents as documents_handler
from events.runtime import Background, make_relay, make_worker
from schemas.documents import DOCUMENT_TYPES
from tests.helpers import PNG, wait_until
from tests.integration.test_documents_render import (
    bottom_right_texts,
    page_number,
    page_texts,
    pdfa_part,
    pdftotext,
    squash,
)

FACTS = "2026年3月2日，当事人在经营场所货架上陈列销售超过保质期的饼干12袋。"
BASIS = "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项"
CONTACT = {"name": "张伟", "phone": "0632-8811267"}
VIOLATED = "《中华人民共和国食品安全法》第三十四条第（十）项"
SIGNED = {"signed": True, "signer": "李雷", "date": "2026-03-04"}

#: What each type needs besides the case data: the values a user would type in (fields).
FIELDS: dict[str, dict] = {
    "filing_approval": {},
    "decline_approval": {"officers": [{"name": "张伟", "credential_no": "37040024001"},
                                      {"name": "李强", "credential_no": "37040024002"}]},
    "inspection_record": {"start": "2026-03-04T09:30:00", "end": "2026-03-04T10:40:00",
                          "on_site_person": {"name": "李雷", "position": "法定代表人"}, "recorder": "李强",
                          "recusal_answer": "不申请回避。", "confirmation": "以上笔录我看过，与事实相符。", "signature": SIGNED},
    "inquiry_record": {"start": "2026-03-05T14:00:00", "end": "2026-03-05T15:10:00",
                       "interviewee": {"name": "李雷", "position": "法定代表人"}, "recorder": "李强",
                       "qa": [{"question": "货架上的过期饼干是谁进的货？", "answer": "是我们店自己进的货。"}],
                       "confirmation": "以上笔录我看过，与我说的相符。", "signature": SIGNED},
    "correction_order": {"violated_provision": VIOLATED, "requirements": ["立即停止销售超过保质期的食品。"],
                         "consequence": "逾期不改正的，本局将依法处理。"},
    "investigation_report": {"criminal_check": "涉案货值金额较小，未达到刑事立案追诉标准，不涉嫌犯罪。"},
    "prior_notice": {"violated_provision": VIOLATED, "contact": CONTACT},
    "hearing_notice_of_rights": {"contact": CONTACT},
    "hearing_notice": {"hearing_at": "2026-03-30T09:00:00", "place": "本局第一会议室", "public": True,
                       "chair": "孙丽", "clerk": "王芳", "contact": CONTACT},
    "penalty_decision": {},
    "no_penalty_decision": {"correction": {"requirement": "立即下架超过保质期的食品。"},
                            "education": {"form": "批评教育", "content": "讲解食品安全法有关规定。", "date": "2026-03-20"},
                            "warning": "再次发生同类违法行为的，本局将依法从重处理。"},
    "summary_decision": {"decided_at": "2026-03-05T10:20:00", "handed_over_at": "2026-03-05T10:30:00",
                         "violated_provision": "《枣庄市市容和环境卫生管理条例》第十条"},
    "service_receipt": {"served_at": "2026-03-21T10:00:00", "received_at": "2026-03-21T10:00:00",
                        "received_by": "李雷"},
    "closing_approval": {},
    "evidence_preservation_notice": {"approved_by": "赵敏", "storage_place": "当事人仓库", "storage_method": "就地保存",
                                     "items": [{"name": "超过保质期的饼干", "specification": "200g/袋", "quantity": "12",
                                                "unit": "袋"}]},
    "hearing_record": {"start": "2026-03-24T09:00:00", "end": "2026-03-24T10:30:00", "place": "本局第一会议室",
                       "clerk": "陈洁", "recusal_answer": "不申请回避。",
                       "entries": [{"speaker": "张伟", "content": "当事人销售超过保质期的食品，事实清楚。"},
                                   {"speaker": "李雷", "content": "请求从轻处罚。"}],
                       "confirmation": "以上笔录我看过，与听证情况相符。", "signature": SIGNED},
    "legal_review_opinion": {},
    "collective_discussion_record": {"start": "2026-03-12T15:00:00", "end": "2026-03-12T16:00:00",
                                     "place": "本局三楼会议室", "chair": {"name": "赵敏", "title": "局长"},
                                     "reporter": "张伟",
                                     "speeches": [{"speaker": "赵敏", "content": "同意承办机构意见。"},
                                                  {"speaker": "钱进", "content": "证据充分，同意。"}]},
    "referral_letter": {"recipient": "枣庄市公安局山亭分局", "suspected_offence": "涉嫌生产、销售伪劣产品罪",
                        "criminal_provision": "《中华人民共和国刑法》第一百四十条", "contact": CONTACT},
}


# --- case factories ---------------------------------------------------------------------------------


def investigated(api, kinds=("on_site_inspection", "inquiry")) -> int:
    cid = api.filed_case(facts_text=FACTS)
    api.act(cid, "start_investigation")
    for day, kind in zip(("2026-03-04", "2026-03-05"), kinds, strict=False):
        api.act(cid, "record_investigation_act", {"kind": kind, "acted_on": day, "place": "山亭区府前路88号",
                "summary": "检查发现货架上陈列超过保质期的饼干12袋。", "officer_ids": api.officers()})
    api.evidence(cid)
    api.act(cid, "update_facts", {"goods_value": "1200.00", "illegal_gains": "300.00",
                                  "violations": [{"description": "销售超过保质期的食品"}]})
    api.confirm_all(cid)  # 会签: the other named officer confirms the 笔录 and the evidence
    api.act(cid, "close_investigation", {"report": "事实清楚，证据确凿"})
    return cid


def noticed(api, kinds=("fine", "confiscate_gains"), fine="5000.00") -> int:
    cid = investigated(api)
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": list(kinds), "fine_amount": fine,
                                     "basis": BASIS})
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    return cid


def decided(api) -> int:
    cid = noticed(api)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-20", "penalty_kinds": ["fine", "confiscate_gains"],
                            "fine_amount": "5000.00", "confiscated_amount": "300.00", "basis": BASIS}, who="zhaomin")
    return cid


def closed(api) -> int:
    cid = decided(api)
    api.act(cid, "serve_decision", {"served_on": "2026-03-21", "method": "direct"})
    api.act(cid, "start_execution")
    api.act(cid, "record_payment", {"amount": "5300.00", "paid_on": "2026-03-25", "receipt_no": "鲁非税No.0001"})
    api.act(cid, "close", {"closed_on": "2026-03-26"}, who="zhaomin")
    return cid


def declined(api) -> int:
    cid = api.lead(facts_text="核查发现当事人已下架涉案食品，违法事实不能成立。")
    api.act(cid, "decline_to_file", {"ground": "no_violation", "reason": "经核查，违法事实不能成立"}, who="zhaomin")
    return cid


def not_penalised(api) -> int:
    cid = investigated(api)
    api.act(cid, "decide", {"kind": "no_penalty", "decided_on": "2026-03-20", "basis": "《中华人民共和国行政处罚法》第三十三条第一款",
                            "reasons": "违法行为轻微并及时改正，没有造成危害后果"}, who="zhaomin")
    return cid


def hearing_requested(api) -> int:
    cid = noticed(api, kinds=("fine", "revoke_license"))
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    return cid


def summary(api) -> int:
    body = {"party_id": api.party("organization"), "form_no": "SD202600001", "decided_on": "2026-03-05",
            "place": "山亭区府前路", "cause": "占道经营", "facts_text": "当事人在府前路人行道上摆摊经营。",
            "penalty_kinds": ["fine"], "fine_amount": "100.00", "basis": "《枣庄市市容和环境卫生管理条例》第四十条",
            "officer_ids": api.officers(), "party_signed": True}
    r = api.post("/api/v1/summary-decisions", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def preserved(api) -> int:
    return investigated(api, kinds=("on_site_inspection", "evidence_preservation"))


def heard(api, **extra) -> int:
    cid = hearing_requested(api)
    api.act(cid, "hold_hearing", {"notice_served_on": "2026-03-13", "held_on": "2026-03-24",
                                  "chair_id": api.user_id("wangfang"), "transcript_summary": "当事人到场陈述、申辩。", **extra})
    return cid


def reviewed(api) -> int:
    cid = noticed(api, kinds=("fine", "revoke_license"))
    api.review(cid, reviewed_on="2026-03-17")
    return cid


def discussed(api, **extra) -> int:
    cid = investigated(api)
    api.act(cid, "record_collective_discussion", {"held_on": "2026-03-12", "attendees": ["赵敏（局长）", "钱进（副局长）", "孙丽"],
                                                  "opinions": "一致同意承办机构的处理意见。", "conclusion": "同意给予罚款五千元的行政处罚。",
                                                  **extra}, who="zhaomin")
    return cid


def referred(api, transfer: bool = False) -> int:
    cid = investigated(api)
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "涉嫌销售伪劣产品罪"}, who="liqiang")
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}, who="zhaomin")
    if transfer:
        api.act(cid, "transfer_referral", {
            "transferred_at": "2026-03-12T16:00:00+08:00", "police_agency": "枣庄市公安局山亭分局",
            "procuratorate": "枣庄市山亭区人民检察院",
            "materials": dict.fromkeys(("referral_letter", "investigation_report", "item_list", "inspection_report",
                                        "other_materials"), True)})
    return cid


CASE_FOR = {
    "evidence_preservation_notice": preserved, "hearing_record": heard, "legal_review_opinion": reviewed,
    "collective_discussion_record": discussed, "referral_letter": referred,
    "filing_approval": investigated, "decline_approval": declined, "inspection_record": investigated,
    "inquiry_record": investigated, "correction_order": investigated, "investigation_report": noticed,
    "prior_notice": noticed, "hearing_notice_of_rights": hearing_requested, "hearing_notice": hearing_requested,
    "penalty_decision": decided, "no_penalty_decision": not_penalised, "summary_decision": summary,
    "service_receipt": closed, "closing_approval": closed,
}


# --- helpers ---------------------------------------------------------------------------------------


def text(pdf: bytes) -> str:
    return squash(pdftotext(pdf, "-raw"))


def issue(api, cid, doc_type, who="zhangwei", expect=202, **body):
    r = api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": doc_type, **body}, who)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def count(sessions, model) -> int:
    with sessions() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def render_all(sessions, settings):
    """Render every requested document as the worker would (for tests that are not about the broker)."""
    with sessions() as s:
        ids = s.execute(select(m.Document.id).where(m.Document.status == "requested").order_by(m.Document.id)).scalars().all()
    for i in ids:
        with sessions() as s, s.begin():
            svc.render_document(s, i, settings=settings)


@pytest.fixture
def documents_worker(sessions, event_settings):
    """Relay + worker threads with the documents group, on the test's broker and blob store."""
    group = HandlerGroup("documents", documents_handler.BINDINGS, documents_handler.handler(event_settings),
                         documents_handler.preparer(event_settings))
    groups = {"documents": group}
    bg = Background(make_relay(sessions, event_settings, groups=groups), make_worker(sessions, event_settings, groups=groups))
    bg.threads = [threading.Thread(target=bg.relay.run, args=(bg.stop_event,), daemon=True),
                  threading.Thread(target=bg.worker.run, daemon=True)]
    for t in bg.threads:
        t.start()
    yield bg
    bg.stop()


def wait_rendered(api, doc_id, timeout=60):
    return wait_until(lambda: (b := api.get(f"/api/v1/documents/{doc_id}").get_json())["status"] != "requested" and b,
                      timeout=timeout, what=f"document {doc_id} rendered")


# --- preview ---------------------------------------------------------------------------------------


def test_preview_of_a_decided_case_states_the_party_and_every_item_of_article_59(api, sessions):
    cid = decided(api)
    before = api.snapshot(), count(sessions, m.Document)
    r = api.get(f"/api/v1/cases/{cid}/documents/penalty_decision/preview")
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/pdf" and r.headers["Cache-Control"] == "no-store"
    t = text(r.data)
    party = api.get(f"/api/v1/cases/{cid}").get_json()["party"]["name"]
    expected = {
        "title": "行政处罚决定书",
        "no number in a preview": "山亭市监处罚〔2026〕号",
        "marked as a preview": "预览",
        "(一) party name": party,
        "(一) USCC": "统一社会信用代码：91370406MA3C00001",
        "(一) address": "住所（经营场所）：山东省枣庄市山亭区府前路88号",
        "(二) facts": FACTS,
        "(二) amounts": "货值金额1,200.00元，违法所得300.00元",
        "(二) evidence": "上述事实，有以下证据证明：1.过期食品照片（物证）",
        "procedure: filing": "于2026年3月3日立案调查",
        "procedure: notice": "2026年3月10日，本局向当事人送达了《行政处罚事先告知书》",
        "procedure: no statement": "当事人在规定期限内未提出陈述、申辩意见",
        "(三) basis": f"依据{BASIS}的规定",
        "(三) fine": "罚款5,000.00元（大写：人民币伍仟元整）",
        "(三) confiscation": "没收违法所得300.00元",
        "(四) total and 15 days": "合计5,300.00元（大写：人民币伍仟叁佰元整）。当事人应当自收到本决定书之日起十五日内",
        "(四) where": "指定的银行或者通过电子支付系统缴纳",
        "(五) review 60 days": "六十日内向枣庄市山亭区人民政府申请行政复议",
        "(五) litigation 6 months": "六个月内依法向有管辖权的人民法院提起行政诉讼",
        "(六) agency": "枣庄市山亭区市场监督管理局",
        "(六) date": "2026年3月20日",
    }
    missing = {k: v for k, v in expected.items() if squash(v) not in t}
    assert not missing, missing
    # The 信息摘要 for publication (市场监督管理行政处罚信息公示规定) on its own last page.
    last = squash(page_texts(r.data)[-1])
    for item in ("行政处罚决定信息摘要", f"当事人{party}", "违法行为类型销售过期食品", "罚款5,000.00元；没收违法所得300.00元",
                 "作出行政处罚决定机关枣庄市山亭区市场监督管理局", "作出行政处罚决定日期2026年3月20日"):
        assert item in last, (item, last)
    assert "裁量阶次" not in t  # no benchmark applied: the section is left out, not made up
    # A preview writes nothing: no number taken, no row, no trail entry, no event.
    assert (api.snapshot(), count(sessions, m.Document)) == before


def test_a_decision_can_be_previewed_as_a_draft_before_it_is_made_but_not_issued(api):
    cid = noticed(api)
    r = api.get(f"/api/v1/cases/{cid}/documents/penalty_decision/preview")
    assert r.status_code == 200, r.get_json()
    assert squash("罚款5,000.00元") in text(r.data)
    assert issue(api, cid, "penalty_decision", expect=409)["code"] == "document_not_ready"


def test_the_prior_notice_states_the_rights_computed_for_the_case(api):
    cid = noticed(api)
    r = api.post(f"/api/v1/cases/{cid}/documents/prior_notice/preview", {"fields": FIELDS["prior_notice"]})
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    due = api.get(f"/api/v1/cases/{cid}").get_json()["statement_due_on"]
    y, mth, d = (int(x) for x in due.split("-"))
    assert squash(f"五个工作日内（至{y}年{mth}月{d}日止）向本局提出陈述、申辩") in t
    assert "听证" not in t  # a 5,000 yuan fine for an organisation carries no hearing right here
    heard = noticed(api, kinds=("fine", "revoke_license"))
    r = api.post(f"/api/v1/cases/{heard}/documents/prior_notice/preview", {"fields": FIELDS["prior_notice"]})
    assert squash("享有陈述、申辩和要求听证的权利") in text(r.data)


@pytest.mark.parametrize("doc_type", sorted(FROM_CASE))
def test_every_case_document_renders_from_the_case_and_the_fields_it_lists(api, doc_type):
    cid = CASE_FOR[doc_type](api)
    if doc_type == "closing_approval":  # the 结案审批表 cites the decision's 文号
        issue(api, cid, "penalty_decision")
    fields = FIELDS[doc_type]
    assert set(fields) >= set(SUPPLEMENT[doc_type]), "the test supplies at least what the type says it needs"
    body = {"fields": fields}
    if doc_type in ("inspection_record", "inquiry_record"):
        body["act_id"] = _act(api, cid, "on_site_inspection" if doc_type == "inspection_record" else "inquiry")
    r = api.post(f"/api/v1/cases/{cid}/documents/{doc_type}/preview", body)
    assert r.status_code == 200, r.get_json()
    assert squash(DOCUMENT_TYPES[doc_type].title) in text(r.data)
    # Without the listed fields, the answer names exactly what is missing.
    if SUPPLEMENT[doc_type]:
        r = api.post(f"/api/v1/cases/{cid}/documents/{doc_type}/preview", {k: v for k, v in body.items() if k != "fields"})
        assert r.status_code == 422 and r.get_json()["code"] == "document_data_incomplete"
        assert set(r.get_json()["errors"]["missing"]) <= set(SUPPLEMENT[doc_type])


def _act(api, cid, kind) -> int:
    with api.sessions() as s:
        return s.execute(select(m.InvestigationAct.id).where(m.InvestigationAct.case_id == cid,
                                                             m.InvestigationAct.kind == kind)).scalar_one()



def test_an_explicit_context_still_renders_a_preview_without_a_case(api, sessions):
    before = api.snapshot(), count(sessions, m.Document)
    ok = api.post("/api/v1/documents/preview/legal_review_opinion", sample_context("legal_review_opinion"), who="sunli")
    assert ok.status_code == 200 and ok.mimetype == "application/pdf"
    assert squash("法制审核意见书") in text(ok.data) and "预览" in text(ok.data)
    broken = sample_context("legal_review_opinion")
    del broken["items"]
    bad = api.post("/api/v1/documents/preview/legal_review_opinion", broken, who="sunli")
    assert bad.status_code == 422 and "items" in bad.get_json()["errors"]
    assert api.post("/api/v1/documents/preview/legal_review_opinion", sample_context("legal_review_opinion"),
                    who="wujing").status_code == 403
    assert api.post("/api/v1/documents/preview/no_such_type", {}).status_code == 404
    assert (api.snapshot(), count(sessions, m.Document)) == before


def test_the_legal_review_opinion_prints_the_recorded_round_and_each_round_gets_its_own(api, sessions, settings):
    cid = noticed(api, kinds=("fine", "revoke_license"))
    # Before any opinion there is nothing to print.
    assert issue(api, cid, "legal_review_opinion", expect=409)["code"] == "document_not_ready"
    api.review(cid, opinion="returned", reviewed_on="2026-03-17")
    first = issue(api, cid, "legal_review_opinion")
    assert first["document_no"] == "山亭市监法审〔2026〕1号"
    assert issue(api, cid, "legal_review_opinion", expect=409)["code"] == "document_already_issued"
    api.review(cid, reviewed_on="2026-03-18")
    second = issue(api, cid, "legal_review_opinion")  # the new round's opinion, numbered next
    assert second["document_no"] == "山亭市监法审〔2026〕2号"
    assert first["options"]["review_id"] != second["options"]["review_id"]
    render_all(sessions, settings)
    returned = text(api.get(f"/api/v1/documents/{first['id']}/content").data)
    for item in ("执法主体是否合法", "违法行为是否涉嫌犯罪", "存在问题", "裁量理由不充分", "孙丽", "吊销许可证件",
                 "第五十八条第一款", "2026年3月17日"):
        assert squash(item) in returned, item
    approved = text(api.get(f"/api/v1/documents/{second['id']}/content").data)
    assert "存在问题" not in approved and squash("经审核，同意") in approved
    # A round that is not this case's is refused by name; the earlier round can be previewed on request.
    r = api.post(f"/api/v1/cases/{cid}/documents/legal_review_opinion/preview", {"review_id": 999999})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_ref"
    r = api.post(f"/api/v1/cases/{cid}/documents/legal_review_opinion/preview",
                 {"review_id": first["options"]["review_id"]})
    assert r.status_code == 200 and "存在问题" in text(r.data)


def test_a_collective_discussion_recorded_in_full_prints_without_a_supplement_and_its_record_is_locked(api):
    cid = discussed(api, started_at="2026-03-12T15:00:00+08:00", ended_at="2026-03-12T16:10:00+08:00",
                    place="本局三楼会议室", chair="赵敏（局长）", reporter="张伟", absent="钱多（出差）",
                    opinions="赵敏：同意承办机构意见。\n钱进：证据充分，同意。")
    r = api.get(f"/api/v1/cases/{cid}/documents/collective_discussion_record/preview")
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    for item in ("本局三楼会议室", "赵敏（局长）", "钱进", "孙丽", "钱多（出差）", "汇报人：张伟", "赵敏：同意承办机构意见。",
                 "钱进：证据充分，同意。", "同意给予罚款五千元的行政处罚", "15时00分至16时10分"):
        assert squash(item) in t, item
    r = api.post(f"/api/v1/cases/{cid}/documents/collective_discussion_record/preview",
                 {"fields": {"conclusion": "另一个结论"}})
    assert r.status_code == 422 and r.get_json()["code"] == "document_field_locked"
    bad = api.act(cid, "record_collective_discussion", {
        "held_on": "2026-03-13", "attendees": ["赵敏", "钱进", "孙丽"], "opinions": "同意", "conclusion": "同意",
        "started_at": "2026-03-13T16:00:00+08:00", "ended_at": "2026-03-13T15:00:00+08:00"}, who="zhaomin", expect=422)
    assert "ended_at" in bad.get_json()["errors"]


def test_the_hearing_record_takes_the_hearing_as_held(api):
    cid = heard(api, transcript_summary="张伟：当事人销售超过保质期的食品。\n李雷：请求从轻处罚。",
                started_at="2026-03-24T09:00:00+08:00", ended_at="2026-03-24T10:30:00+08:00", place="本局第一会议室",
                clerk="陈洁")
    fields = {k: FIELDS["hearing_record"][k] for k in ("recusal_answer", "confirmation", "signature")}
    r = api.post(f"/api/v1/cases/{cid}/documents/hearing_record/preview", {"fields": fields})
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    for item in ("王芳", "陈洁", "本局第一会议室", "张伟：当事人销售超过保质期的食品。", "李雷：请求从轻处罚。", "37040024001"):
        assert squash(item) in t, item
    # Before the hearing there is no record to make.
    assert api.get(f"/api/v1/cases/{hearing_requested(api)}/documents/hearing_record/preview").status_code == 409


def test_the_preservation_notice_counts_seven_working_days_and_is_one_per_act(api):
    cid = preserved(api)
    r = api.post(f"/api/v1/cases/{cid}/documents/evidence_preservation_notice/preview",
                 {"fields": FIELDS["evidence_preservation_notice"]})
    assert r.status_code == 200, r.get_json()
    # 2026-03-05 (Thu) + 7 working days = 2026-03-16 (行政处罚法 第五十六条、第八十五条)
    assert squash("2026年3月16日") in text(r.data)
    issue(api, cid, "evidence_preservation_notice", fields=FIELDS["evidence_preservation_notice"])
    again = issue(api, cid, "evidence_preservation_notice", fields=FIELDS["evidence_preservation_notice"], expect=409)
    assert again["code"] == "document_already_issued"
    no_act = investigated(api)
    assert api.get(f"/api/v1/cases/{no_act}/documents/evidence_preservation_notice/preview").status_code == 409


def test_the_referral_letter_prints_the_transfer_with_its_evidence_manifest(api):
    cid = referred(api, transfer=True)
    fields = {k: FIELDS["referral_letter"][k] for k in ("suspected_offence", "criminal_provision", "contact")}
    r = api.post(f"/api/v1/cases/{cid}/documents/referral_letter/preview", {"fields": fields})
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    sha = hashlib.sha256(PNG).hexdigest()
    for item in ("枣庄市公安局山亭分局", "枣庄市山亭区人民检察院", "赵敏", "张伟", "李强", "涉嫌犯罪案件情况的调查报告",
                 "有关检验报告或者鉴定结论", "2026年3月12日"):
        assert squash(item) in t, item
    assert sha in t  # the manifest names each file by its SHA-256 (国务院令第310号 第六条)
    # The transfer fixed the recipient: it cannot be retyped.
    r = api.post(f"/api/v1/cases/{cid}/documents/referral_letter/preview",
                 {"fields": {**fields, "recipient": "别的公安局"}})
    assert r.status_code == 422 and r.get_json()["code"] == "document_field_locked"
    # Before the head approves there is no referral to write.
    pending = investigated(api)
    api.act(pending, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    assert api.get(f"/api/v1/cases/{pending}/documents/referral_letter/preview").status_code == 409


def test_document_types_say_which_are_built_from_the_case_and_what_they_need(api):
    types = {t["code"]: t for t in api.get("/api/v1/document-types").get_json()}
    assert types["penalty_decision"]["from_case"] and types["penalty_decision"]["numbered"]
    # a decision that recorded no 处罚依据 needs it supplied: the listing says so, and when
    assert "penalty_provision" in types["penalty_decision"]["may_need"]
    assert types["prior_notice"]["supplement"] == ["violated_provision", "contact"]
    assert types["referral_letter"]["from_case"] and "recipient" in types["referral_letter"]["supplement"]
    assert "case_file_cover" not in types


# --- issue, render, trail ----------------------------------------------------------------------------


def test_an_issued_decision_is_numbered_rendered_by_the_worker_and_its_sha256_trailed(api, sessions, settings,
                                                                                    event_settings, documents_worker):
    cid = decided(api)
    body = issue(api, cid, "penalty_decision")
    assert body["status"] == "requested" and body["progress"] == 0
    assert body["document_no"] == "山亭市监处罚〔2026〕1号"
    doc = wait_rendered(api, body["id"])
    assert doc["status"] == "rendered" and doc["progress"] == 100 and doc["pages"] >= 1, doc
    content = api.get(f"/api/v1/documents/{body['id']}/content")
    assert content.status_code == 200 and content.mimetype == "application/pdf"
    sha = hashlib.sha256(content.data).hexdigest()
    assert sha == doc["sha256"] == content.headers["X-Content-SHA256"]
    assert blob_path(settings, sha).read_bytes() == content.data  # stored content-addressed
    t = text(content.data)
    assert squash("山亭市监处罚〔2026〕1号") in t and "预览" not in t
    assert squash(api.get(f"/api/v1/cases/{cid}").get_json()["party"]["name"]) in t

    trail = [e for e in api.get(f"/api/v1/cases/{cid}/trail").get_json() if e["action"].startswith("document.")]
    assert [e["action"] for e in trail] == ["document.requested", "document.rendered"]
    requested, rendered = trail
    assert requested["actor_id"] == api.user_id("zhangwei") and requested["payload"]["document_no"] == body["document_no"]
    assert rendered["actor_role"] == "system" and rendered["payload"]["sha256"] == sha
    with sessions() as s:
        assert verify_trail(s, settings).ok
        events = s.execute(select(m.OutboxEvent.type).where(m.OutboxEvent.case_id == cid,
                                                            m.OutboxEvent.type.like("document.%"))).scalars().all()
    assert sorted(events) == ["document.rendered", "document.requested"]
    # the snapshot was taken at issue: later facts do not change what was rendered
    assert api.get(f"/api/v1/cases/{cid}/documents").get_json()["items"][0]["sha256"] == sha


def test_a_render_failure_marks_the_document_failed_and_is_trailed(api, sessions, settings, monkeypatch):
    cid = noticed(api)
    doc = issue(api, cid, "prior_notice", fields=FIELDS["prior_notice"])

    def broken(*a, **kw):
        raise render_module.DocumentRenderError("字体缺字：测试")

    monkeypatch.setattr(render_module, "render_pdf", broken)
    render_all(sessions, settings)
    body = api.get(f"/api/v1/documents/{doc['id']}").get_json()
    assert body["status"] == "failed" and "字体缺字" in body["error"]
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json()]
    assert trail[-1] == "document.render_failed"
    assert api.get(f"/api/v1/documents/{doc['id']}/content").status_code == 409


def test_an_infrastructure_error_is_left_to_the_worker_to_retry(api, sessions, settings, monkeypatch):
    cid = noticed(api)
    doc = issue(api, cid, "prior_notice", fields=FIELDS["prior_notice"])

    def disk_full(*a, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(svc, "store_blob", disk_full)
    with pytest.raises(OSError), sessions() as s, s.begin():
        svc.render_document(s, doc["id"], settings=settings)
    assert api.get(f"/api/v1/documents/{doc['id']}").get_json()["status"] == "requested"
    monkeypatch.undo()
    render_all(sessions, settings)
    assert api.get(f"/api/v1/documents/{doc['id']}").get_json()["status"] == "rendered"


def test_document_numbers_are_gap_free_under_concurrent_issues_per_type_and_year(api, sessions, settings):
    cases = [investigated(api) for _ in range(2)]
    tok = api.token("zhangwei")
    results, errors = [], []

    def run(cid):
        try:
            r = api.c.post(f"/api/v1/cases/{cid}/documents", headers={"Authorization": f"Bearer {tok}"},
                           json={"doc_type": "correction_order", "fields": FIELDS["correction_order"]})
            (results if r.status_code == 202 else errors).append(r.get_json())
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(cases[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(int(re.search(r"〕(\d+)号", r["document_no"]).group(1)) for r in results)
    assert numbers == list(range(1, 9))
    assert all(r["document_no"].startswith("山亭市监责改〔2026〕") for r in results)

    # another type has its own sequence; so has another year
    pn = issue(api, noticed(api), "prior_notice", fields=FIELDS["prior_notice"])
    assert pn["document_no"] == "山亭市监告知〔2026〕1号"
    old = issue(api, cases[0], "correction_order", fields={**FIELDS["correction_order"], "date": "2025-12-30"})
    assert old["document_no"] == "山亭市监责改〔2025〕1号"

    # a voided number stays taken: the next one is 9, and 1 never comes back
    first = next(r for r in results if r["document_no"].endswith("〕1号"))
    v = api.post(f"/api/v1/documents/{first['id']}/void", {"reason": "责令事项写错"})
    assert v.status_code == 200 and v.get_json()["status"] == "voided", v.get_json()
    assert api.post(f"/api/v1/documents/{first['id']}/void", {"reason": "再次作废"}).status_code == 409
    nxt = issue(api, cases[0], "correction_order", fields=FIELDS["correction_order"])
    assert nxt["document_no"] == "山亭市监责改〔2026〕9号"
    with sessions() as s:
        nos = s.execute(select(m.Document.document_no)).scalars().all()
        void_trail = s.execute(select(m.TrailEntry.payload).where(m.TrailEntry.action == "document.voided")).scalars().all()
    assert len(nos) == len(set(nos))
    assert len(void_trail) == 1 and "责令事项写错" in void_trail[0]


def test_a_decision_is_issued_once_until_it_is_voided_and_the_new_one_gets_a_new_number(api, sessions, settings):
    cid = decided(api)
    first = issue(api, cid, "penalty_decision")
    again = issue(api, cid, "penalty_decision", expect=409)
    assert again["code"] == "document_already_issued" and again["errors"]["document_id"] == first["id"]
    render_all(sessions, settings)
    assert api.post(f"/api/v1/documents/{first['id']}/void", {"reason": "决定书数额笔误"}).status_code == 200
    second = issue(api, cid, "penalty_decision")
    assert (first["document_no"], second["document_no"]) == ("山亭市监处罚〔2026〕1号", "山亭市监处罚〔2026〕2号")
    # the voided document and its PDF stay on record
    gone = api.get(f"/api/v1/documents/{first['id']}").get_json()
    assert gone["status"] == "voided" and gone["void_reason"] == "决定书数额笔误" and gone["sha256"]
    assert api.get(f"/api/v1/documents/{first['id']}/content").headers["X-Document-Status"] == "voided"


def test_a_served_decision_or_notice_cannot_be_voided(api, sessions, settings):
    cid = decided(api)
    notice = issue(api, cid, "prior_notice", fields=FIELDS["prior_notice"])  # served on 2026-03-10 (noticed)
    decision = issue(api, cid, "penalty_decision")
    before = api.snapshot()
    r = api.post(f"/api/v1/documents/{notice['id']}/void", {"reason": "想重开"})
    assert r.status_code == 409 and r.get_json()["code"] == "document_served"
    assert r.get_json()["errors"]["reasons"][0]["article"] == "行政处罚法第六十一条、第七十五条第二款"
    assert api.snapshot() == before
    # Until the decision is served it may still be voided and reissued; once served, no more.
    assert api.post(f"/api/v1/documents/{decision['id']}/void", {"reason": "数额笔误"}).status_code == 200
    again = issue(api, cid, "penalty_decision")
    api.act(cid, "serve_decision", {"served_on": "2026-03-21", "method": "direct"})
    r = api.post(f"/api/v1/documents/{again['id']}/void", {"reason": "再改"})
    assert r.status_code == 409 and "已送达当事人" in r.get_json()["message"]


def test_a_document_requested_then_voided_is_never_rendered(api, sessions, settings):
    cid = investigated(api)
    doc = issue(api, cid, "correction_order", fields=FIELDS["correction_order"])
    assert api.post(f"/api/v1/documents/{doc['id']}/void", {"reason": "撤回"}).status_code == 200
    render_all(sessions, settings)
    body = api.get(f"/api/v1/documents/{doc['id']}").get_json()
    assert body["status"] == "voided" and body["sha256"] is None


# --- the bound case file -----------------------------------------------------------------------------


def test_the_case_file_job_progresses_to_a_pdf_a_with_numbered_document_pages_and_a_true_index(
        api, sessions, settings, event_settings, documents_worker):
    cid = closed(api)
    early = issue(api, cid, "closing_approval", expect=422)  # no decision 文号 yet: refused, naming what is missing
    assert early["code"] == "document_data_incomplete" and "decision_no" in early["errors"]["missing"]
    docs = [issue(api, cid, t, fields=FIELDS[t], **extra) for t, extra in [
        ("penalty_decision", {}), ("filing_approval", {}), ("prior_notice", {}),
        ("inspection_record", {"act_id": _act(api, cid, "on_site_inspection")}), ("service_receipt", {}),
        ("closing_approval", {})]]
    for d in docs:
        assert wait_rendered(api, d["id"])["status"] == "rendered"

    r = api.post(f"/api/v1/cases/{cid}/case-file", {"retention": "长期", "archive_no": "SHSJ-2026-XZCF-001",
                                                    "checked_by_id": api.user_id("zhaomin")})
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert job["doc_type"] == "case_file" and job["progress"] == 0 and job["stage"] == "排队等待生成"
    assert api.post(f"/api/v1/cases/{cid}/case-file", {"retention": "长期"}).status_code == 409
    done = wait_rendered(api, job["id"], timeout=120)
    assert done["status"] == "rendered" and done["progress"] == 100 and done["pdf_variant"] == "pdf/a-2b"
    pdf = api.get(f"/api/v1/documents/{job['id']}/content").data
    assert hashlib.sha256(pdf).hexdigest() == done["sha256"]
    assert pdfa_part(pdf) == ("2", "B")

    pages = [squash(t) for t in page_texts(pdf)]
    numbers = [page_number(c) for c in bottom_right_texts(pdf)]
    assert len(pages) == len(numbers) == done["pages"]
    assert "行政处罚案卷" in pages[0] and numbers[0] is None
    assert pages[1].startswith("卷内目录") and numbers[1] is None
    assert pages[-1].startswith("备考表") and numbers[-1] is None and "检查人：赵敏" in pages[-1]
    body = numbers[2:-1]
    assert body == list(range(1, len(body) + 1)), "document pages run 1…N, bottom right"
    # documents in binding order (立案 → 调查 → 审查 → 决定 → 送达 → 执行), each listed with its printed pages
    dated = [("立案审批表", "20260303"), ("现场检查（勘验）笔录", "20260304"), ("行政处罚事先告知书", "20260310"),
             ("行政处罚决定书", "20260320"), ("送达回证", "20260321"), ("结案审批表", "20260326")]
    titles = [t for t, _ in dated]
    starts = []
    for title in titles:
        starts.append(next(i for i in range(2, len(pages) - 1) if i not in starts and
                           pages[i].startswith(squash("枣庄市山亭区市场监督管理局" + title))))
    assert starts == sorted(starts)
    ends = [s - 1 for s in starts[1:]] + [len(pages) - 2]
    for (title, ymd), s, e in zip(dated, starts, ends, strict=True):
        printed = str(numbers[s]) if s == e else f"{numbers[s]}-{numbers[e]}"
        assert squash(title) + ymd + printed in pages[1], (title, printed)
    assert f"共{len(titles)}件共{len(body)}页" in pages[0]
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json()]
    assert trail[-2:] == ["document.requested", "document.rendered"]


def test_case_file_progress_is_committed_as_it_renders_with_no_transaction_held(api, sessions, settings, monkeypatch):
    cid = closed(api)
    for t, extra in [("penalty_decision", {}), ("filing_approval", {}), ("prior_notice", {}), ("service_receipt", {}),
                     ("closing_approval", {})]:
        issue(api, cid, t, fields=FIELDS[t], **extra)
    render_all(sessions, settings)
    job = api.post(f"/api/v1/cases/{cid}/case-file", {"retention": "长期"}).get_json()
    seen = []
    real_writer = svc._progress_writer

    def observed(sessions_, document_id):  # the real writer; after each step, what another connection reads
        write = real_writer(sessions_, document_id)

        def step(percent):
            write(percent)
            seen.append(api.get(f"/api/v1/documents/{document_id}").get_json()["progress"])
            # Nothing holds the database meanwhile: another writer commits at once (SQLite: one writer).
            with sessions() as s, s.begin():
                s.execute(m.Document.__table__.update().where(m.Document.id == -1).values(progress=0))
        return step

    monkeypatch.setattr(svc, "_progress_writer", observed)
    rendered = svc.prerender(sessions, job["id"], settings=settings)
    assert rendered.error is None and rendered.pages >= 7
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 99 and len(set(seen)) >= 4, seen
    assert api.get(f"/api/v1/documents/{job['id']}").get_json()["status"] == "requested"  # not recorded yet
    with sessions() as s, s.begin():
        svc.render_document(s, job["id"], settings=settings, rendered=rendered)
    done = api.get(f"/api/v1/documents/{job['id']}").get_json()
    assert (done["status"], done["progress"], done["sha256"]) == ("rendered", 100, rendered.sha256)
    # A second prerender of a recorded document does nothing (a redelivered event).
    assert svc.prerender(sessions, job["id"], settings=settings) is None


def test_a_case_file_needs_a_closed_case_and_rendered_documents(api, sessions, settings):
    cid = decided(api)
    r = api.post(f"/api/v1/cases/{cid}/case-file", {"retention": "长期"})
    assert r.status_code == 409 and r.get_json()["code"] == "document_not_ready"
    cid = closed(api)
    assert api.post(f"/api/v1/cases/{cid}/case-file", {"retention": "长期"}).status_code == 409
    assert api.post(f"/api/v1/cases/{cid}/case-file", {"retention": "一百年"}).status_code == 422


# --- scope, roles, bad input ----------------------------------------------------------------------------


def test_another_agencys_documents_are_not_found(api, sessions, settings, caplog):
    cid = noticed(api)
    doc = issue(api, cid, "prior_notice", fields=FIELDS["prior_notice"])
    render_all(sessions, settings)
    before = api.snapshot(), count(sessions, m.Document)
    with caplog.at_level("WARNING", logger="casebook.access"):
        for method, path, body in [
            ("get", f"/api/v1/documents/{doc['id']}", None),
            ("get", f"/api/v1/documents/{doc['id']}/content", None),
            ("get", f"/api/v1/cases/{cid}/documents", None),
            ("get", f"/api/v1/cases/{cid}/documents/prior_notice/preview", None),
            ("post", f"/api/v1/cases/{cid}/documents", {"doc_type": "prior_notice", "fields": FIELDS["prior_notice"]}),
            ("post", f"/api/v1/documents/{doc['id']}/void", {"reason": "越权"}),
            ("post", f"/api/v1/cases/{cid}/case-file", {"retention": "长期"}),
        ]:
            r = api.get(path, who="chenjie") if method == "get" else api.post(path, body, who="chenjie")
            assert r.status_code == 404, (path, r.status_code, r.get_json())
    assert sum("denied user=chenjie" in rec.getMessage() for rec in caplog.records) >= 7
    # a supervisor of the district reads, but does not issue or void
    assert api.get(f"/api/v1/documents/{doc['id']}", who="wujing").status_code == 200
    assert api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "correction_order"}, who="wujing").status_code == 403
    assert api.post(f"/api/v1/documents/{doc['id']}/void", {"reason": "x"}, who="wujing").status_code == 403
    assert api.post(f"/api/v1/cases/{cid}/documents", {"doc_type": "correction_order"}, who="sunli").status_code == 403
    assert (api.snapshot(), count(sessions, m.Document)) == before


def test_bad_input_gets_a_4xx_in_one_shape_and_changes_nothing(api, sessions):
    cid = noticed(api)
    before = api.snapshot(), count(sessions, m.Document)
    cases = [
        ({"doc_type": "no_such_document"}, 422, "validation_failed"),
        ({"doc_type": "case_file_cover"}, 422, "validation_failed"),
        ({"doc_type": "prior_notice", "colour": "red"}, 422, "unknown_field"),
        ({"doc_type": "prior_notice", "fields": "not an object"}, 422, "validation_failed"),
        ({"doc_type": "prior_notice"}, 422, "document_data_incomplete"),
        ({"doc_type": "prior_notice", "fields": {**FIELDS["prior_notice"], "party": {"name": "别人"}}}, 422,
         "document_field_locked"),
        ({"doc_type": "prior_notice", "fields": {**FIELDS["prior_notice"], "contact": {"name": "张伟"}}}, 422,
         "document_data_incomplete"),
        ({"doc_type": "inspection_record", "act_id": 999999, "fields": FIELDS["inspection_record"]}, 422, "unknown_act"),
        ({"doc_type": "penalty_decision"}, 409, "document_not_ready"),
        ({"doc_type": "referral_letter"}, 409, "document_not_ready"),
    ]
    for body, status, code in cases:
        r = api.post(f"/api/v1/cases/{cid}/documents", body)
        assert (r.status_code, r.get_json()["code"]) == (status, code), (body, r.get_json())
        assert set(r.get_json()) <= {"code", "message", "errors"} and r.get_json()["message"]
    r = api.c.post(f"/api/v1/cases/{cid}/documents", data="{not json", headers=api.h("zhangwei"),
                   content_type="application/json")
    assert r.status_code == 400 and r.get_json()["code"] == "malformed_json"
    assert api.get(f"/api/v1/cases/{cid}/documents/no_such_document/preview").status_code == 404
    assert api.get("/api/v1/cases/999999/documents/prior_notice/preview").status_code == 404
    assert api.get("/api/v1/documents/999999").status_code == 404
    assert api.post("/api/v1/documents/999999/void", {"reason": "x"}).status_code == 404
    # no document 1 here: not found before its (empty) body is looked at — permission before validation
    assert api.post("/api/v1/documents/1/void", {}).status_code == 404
    assert (api.snapshot(), count(sessions, m.Document)) == before


def test_a_retried_issue_with_the_same_idempotency_key_takes_one_number(api, sessions):
    cid = investigated(api)
    body = {"doc_type": "correction_order", "fields": FIELDS["correction_order"]}
    hdr = {"Idempotency-Key": "issue-1"}
    r1 = api.post(f"/api/v1/cases/{cid}/documents", body, headers=hdr)
    r2 = api.post(f"/api/v1/cases/{cid}/documents", body, headers=hdr)
    assert r1.status_code == r2.status_code == 202 and r1.get_json() == r2.get_json()
    assert count(sessions, m.Document) == 1


def test_an_approval_form_prints_the_recorded_approval_and_leaves_unrecorded_opinions_to_sign_by_hand(api):
    cid = investigated(api)
    r = api.get(f"/api/v1/cases/{cid}/documents/filing_approval/preview")
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    case_no = api.get(f"/api/v1/cases/{cid}").get_json()["case_no"]
    assert squash(f"案号：{case_no}") in t  # the 立案审批表 carries the 案号, not a 文号 of its own
    assert squash("负责人审批意见同意立案。签名：赵敏2026年3月3日") in t
    assert squash("承办人意见签名：年月日") in t and squash("承办机构意见签名：年月日") in t


def test_issuing_with_a_stale_etag_is_refused_so_what_was_previewed_is_what_is_issued(api, sessions):
    cid = investigated(api)
    etag = api.etag(cid)
    api.act(cid, "update_facts", {"illegal_gains": "400.00"})
    body = {"doc_type": "correction_order", "fields": FIELDS["correction_order"]}
    r = api.post(f"/api/v1/cases/{cid}/documents", body, headers={"If-Match": etag})
    assert r.status_code == 409 and r.get_json()["code"] == "stale_version"
    assert count(sessions, m.Document) == 0
    r = api.post(f"/api/v1/cases/{cid}/documents", body, headers={"If-Match": api.etag(cid)})
    assert r.status_code == 202


def test_a_gap_in_the_case_record_is_named_and_cannot_be_papered_over_with_fields(api, sessions):
    cid = decided(api)
    with sessions() as s, s.begin():
        party = s.get(m.Party, s.get(m.Case, cid).party_id)
        party.address = None
    r = api.get(f"/api/v1/cases/{cid}/documents/penalty_decision/preview")
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["code"] == "document_data_incomplete" and body["errors"]["incomplete"] == ["party.address"]
    assert "请先补全：party.address" in body["message"]


def test_the_file_note_leaves_the_checker_to_sign_by_hand_when_none_is_named():
    note = sample_context("file_note")
    note["checked_by"], note["checked_on"] = None, None
    t = text(render_module.render_pdf("file_note", note, strict=True))
    assert squash(f"立卷人：{note['compiled_by']}") in t and squash("检查人：年月日") in t


def test_a_record_prints_what_the_act_recorded_in_full_while_the_trail_keeps_it_masked(api):
    """Documents read the act's input as entered (case_acts), never the trail's privacy-masked copy."""
    cid = api.filed_case(facts_text=FACTS)
    api.act(cid, "start_investigation")
    person = {"name": "韩梅梅", "gender": "女", "phone": "13561079342", "address": "山东省枣庄市山亭区府前路88号3单元201室",
              "resident_id": "370406199001011233", "employer": "山亭区便民超市", "position": "店长"}
    api.act(cid, "record_investigation_act", {"kind": "inquiry", "acted_on": "2026-03-05", "place": "本局询问室",
            "summary": "询问超市店长进货情况。", "officer_ids": api.officers(), "interviewee": person})
    fields = {k: v for k, v in FIELDS["inquiry_record"].items() if k != "interviewee"}
    r = api.post(f"/api/v1/cases/{cid}/documents/inquiry_record/preview", {"fields": fields})
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    # 询问笔录 (行政处罚法 第五十五条): the interviewee as identified, in full.
    for value in ("13561079342", squash("山东省枣庄市山亭区府前路88号3单元201室"), "370406199001011233"):
        assert value in t
    # The trail keeps the masked copy: no full phone, address or 身份证号 in any entry.
    trail = api.get(f"/api/v1/cases/{cid}/trail").get_json()
    entry = next(e for e in trail if e["action"] == "case.record_investigation_act")
    recorded = entry["payload"]["data"]["interviewee"] if "payload" in entry else entry["data"]["data"]["interviewee"]
    assert recorded["phone"] != "13561079342" and "*" in recorded["phone"]
    assert recorded["address"] != person["address"] and "*" in recorded["address"]
    assert "1990" not in recorded["resident_id"]
