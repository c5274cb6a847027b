"""What the lifecycle property test found, one reproduction each (kept as regression tests)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from casebook.db import models as m
from tests.helpers import PNG
from tests.integration.lifecycle_model.world import (  # noqa: F401
    MATERIALS,
    today,
)

# --- what the machine found, one reproduction each ---------------------------------------------------------
# Each was a product bug when first found here (they were xfail until fixed); they stay as regression tests.


def _investigated(api) -> int:
    """A case with its investigation closed, without facts (so no prosecution threshold is crossed)."""
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    assert api.evidence(cid).status_code == 201
    api.confirm_all(cid)  # 会签: the other named officer confirms the 笔录 and the evidence
    api.act(cid, "close_investigation", {"report": "事实清楚，证据确凿"})
    return cid


def _noticed(api, kinds=("fine",), fine="5000.00") -> int:
    cid = _investigated(api)
    body = {"kind": "penalty", "penalty_kinds": list(kinds), **({"fine_amount": fine} if "fine" in kinds else {})}
    api.act(cid, "propose_penalty", body)
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    return cid


def _reasons(r) -> list[str]:
    return [x["code"] for x in r.get_json()["errors"]["reasons"]]


def test_an_officer_without_a_credential_cannot_be_named_even_beside_two_who_have_one(api):
    # Was a 500: the effect read the credential of every named officer (AttributeError on None).
    agency = api.get("/api/v1/me").get_json()["agency"]["id"]
    r = api.post("/api/v1/users", {"username": "xinren", "display_name": "辛仁", "password": "casebook-demo-2026",
                                   "agency_id": agency, "roles": ["officer"]}, who="admin")
    assert r.status_code == 201, r.get_json()
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    r = api.act(cid, "record_investigation_act", {"kind": "inquiry", "acted_on": "2026-03-04", "summary": "询问当事人",
                                                  "officer_ids": api.officers() + [r.get_json()["id"]]}, expect=409)
    # (he is not on the case either: 会签 names only the case's officers)
    assert _reasons(r) == ["officer_without_credential", "officer_not_on_case"]


def test_a_refused_evidence_upload_leaves_no_file_behind(api, settings):
    cid = api.lead()  # evidence is refused at the lead stage
    r = api.evidence(cid, content=PNG + b"refused")
    assert r.status_code == 409 and _reasons(r) == ["wrong_stage"]
    blobs = settings.blob_dir
    stored = [f for f in blobs.rglob("*") if f.is_file() and f.relative_to(blobs).parts[0] != "tmp"] if blobs.exists() else []
    assert stored == []


def test_a_refusal_lists_each_reason_once(api):
    # Was ["prior_notice_missing", "prior_notice_missing"]: two guards found the same thing.
    cid = _investigated(api)
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]})
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-12", "penalty_kinds": ["warning"]}, who="zhaomin",
                expect=409)
    assert _reasons(r) == ["prior_notice_missing"]


@pytest.mark.parametrize("action, body", [
    ("record_waiver", {"waived_on": "2099-01-04", "note": "当事人书面声明放弃陈述申辩和听证"}),
    ("record_statement", {"received_on": "2099-01-04", "content": "当事人称系进货疏忽", "review_opinion": "经复核，不成立"}),
])
def test_a_waiver_or_statement_dated_in_the_future_is_refused(api, action, body):
    cid = _noticed(api)
    r = api.act(cid, action, body, expect=422)
    assert r.get_json()["code"] == "date_in_future"


def test_a_no_show_at_a_hearing_in_the_future_is_refused(api):
    cid = _noticed(api, fine="150000.00")
    api.act(cid, "request_hearing", {"requested_on": "2026-03-12"})
    r = api.act(cid, "record_hearing_no_show", {"notice_served_on": "2026-03-12", "scheduled_on": "2099-01-04"}, expect=422)
    assert r.get_json()["code"] == "date_in_future"


def test_a_fine_that_was_never_served_cannot_be_closed(api):
    # Was closed from 'decided' with the decision never served nor executed.
    cid = _noticed(api)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                            "fine_amount": "5000.00"}, who="zhaomin")
    r = api.act(cid, "close", {}, who="zhaomin", expect=409)
    assert _reasons(r) == ["decision_not_served"]


def test_a_decision_without_a_fine_carries_no_fine_amount(api):
    # Was keeping the notified 5000.00, and closing then asked for a fine never imposed to be paid.
    cid = _noticed(api, kinds=("fine", "confiscate_gains"))
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["confiscate_gains"]},
                who="zhaomin")
    assert r.get_json()["penalty_kinds"] == ["confiscate_gains"] and r.get_json()["fine_amount"] is None


def test_an_on_the_spot_warning_cannot_carry_a_fine(api):
    # Was accepted, with fine_amount 99999.00 on a warning and the 第五十一条 limit never checked.
    r = api.post("/api/v1/summary-decisions", {
        "party_id": api.party("person"), "form_no": "SD202600001", "decided_on": "2026-03-09", "place": "山亭区府前路88号",
        "cause": "销售标签不符合规定的食品", "facts_text": "现场发现", "penalty_kinds": ["warning"], "fine_amount": "99999.00",
        "basis": "食品安全法第一百二十五条", "officer_ids": api.officers(), "party_signed": True})
    assert r.status_code == 422, r.get_json()


def test_an_idempotency_key_reused_for_a_different_upload_is_refused(api):
    # Was replaying the first upload's response: the request hash did not see the multipart body.
    cid = _investigated(api)

    def upload(title):
        meta = {"kind": "physical", "title": title, "collected_on": "2026-03-04", "collected_by": api.officers()}
        return api.c.post(f"/api/v1/cases/{cid}/evidence", content_type="multipart/form-data",
                          data={"meta": json.dumps(meta, ensure_ascii=False), "file": (io.BytesIO(PNG + title.encode()), "a.png")},
                          headers=api.h("zhangwei", **{"If-Match": api.etag(cid), "Idempotency-Key": "upload-1"}))

    assert upload("照片一").status_code == 201
    r = upload("照片二")
    assert r.status_code == 422 and r.get_json()["code"] == "idempotency_key_reused", (r.status_code, r.get_json())


def test_a_decision_cannot_be_served_before_it_is_made(api):
    cid = _noticed(api)
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                            "fine_amount": "5000.00"}, who="zhaomin")
    r = api.act(cid, "serve_decision", {"served_on": "2026-03-01", "method": "direct"}, expect=409)
    assert _reasons(r) == ["date_out_of_order"]


MATERIALS_ALL = {k: True for k in MATERIALS}


def _transferred(api, transferred_at="2026-03-12T16:00:00+08:00") -> int:
    """A case whose referral was approved at 09:00 on 2026-03-12 (Beijing) and then transferred."""
    cid = _investigated(api)
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "涉嫌销售伪劣产品罪"})
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}, who="zhaomin")
    api.act(cid, "transfer_referral", {"transferred_at": transferred_at, "police_agency": "枣庄市公安局山亭分局",
                                       "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS_ALL})
    return cid


def _deadlines(api, cid) -> dict[str, dict]:
    return {d["kind"]: d for d in api.get(f"/api/v1/deadlines?case_id={cid}", who="zhaomin").get_json()["items"]}


def test_a_transfer_in_the_small_hours_meets_its_deadline_on_its_beijing_day(api):
    # Was met on 2026-03-12, the UTC date of 2026-03-13 07:30 Beijing time: deadlines count local days.
    cid = _transferred(api, transferred_at="2026-03-13T07:30:00+08:00")
    d = _deadlines(api, cid)["referral_transfer"]
    assert (d["status"], d["due_on"], d["met_on"]) == ("met", "2026-03-13", "2026-03-13")


def test_a_case_the_police_send_back_owes_no_police_decision(api):
    # Was left open after 第十三条's return, to be swept as missed: no act could settle it any more.
    cid = _transferred(api)
    api.act(cid, "record_police_receipt", {"receipt_on": "2026-03-13"})
    api.act(cid, "record_police_return", {"returned_on": "2026-03-14", "reason": "经审查不构成犯罪，退回行政机关处理"})
    d = _deadlines(api, cid)["police_decision"]
    assert (d["status"], d["met_on"]) == ("met", "2026-03-14")


def test_a_reviewer_who_has_left_cannot_be_assigned(api, sessions):
    # Was assigned (a bar-qualified reviewer, but inactive): the round waited on someone who could not log in.
    cid = api.noticed_case(fine="5000.00", kinds=("fine", "revoke_license"))
    api.submit_review(cid)
    with sessions() as s, s.begin():
        gone = s.execute(select(m.User).where(m.User.username == "sunli")).scalar_one()
        gone.active = False
        gone_id = gone.id
    r = api.act(cid, "assign_legal_reviewer", {"reviewer_id": gone_id, "assigned_on": "2026-03-16"}, who="zhaomin",
                expect=409)
    assert _reasons(r) == ["assignee_not_reviewer"]


def test_a_transfer_dated_in_the_future_is_refused(api):
    # Was accepted: the instants of a referral (transferred_at, approved_at) were not checked against today.
    cid = _investigated(api)
    api.act(cid, "form_referral_team", {"formed_on": "2026-03-11", "officer_ids": api.officers()})
    api.act(cid, "submit_referral_report", {"reported_on": "2026-03-11", "report": "涉嫌销售伪劣产品罪"})
    api.act(cid, "approve_referral", {"decided_on": "2026-03-12", "approved_at": "2026-03-12T09:00:00+08:00"}, who="zhaomin")
    later = (today() + dt.timedelta(days=30)).isoformat() + "T10:00:00+08:00"
    r = api.act(cid, "transfer_referral", {"transferred_at": later, "police_agency": "枣庄市公安局山亭分局",
                                           "procuratorate": "枣庄市山亭区人民检察院", "materials": MATERIALS_ALL}, expect=None)
    assert r.status_code == 422 and r.get_json()["code"] == "date_in_future", (r.status_code, r.get_json())
