"""Bad input gets a clear 4xx and changes nothing; optimistic locking; idempotent retries; gap-free numbers."""

from __future__ import annotations

import json
import threading

from tests.helpers import PNG


def test_bad_requests_get_4xx_in_one_shape_and_change_nothing(api):
    cid = api.lead()
    before = api.snapshot()
    etag = api.etag(cid)
    bad = [
        # (method path, body/raw, headers, status, code)
        ("/api/v1/cases", "{not json", {}, 400, "malformed_json"),
        ("/api/v1/cases", {"source": "complaint", "cause": "x", "discovered_on": "2026-03-02", "hack": 1}, {}, 422, "unknown_field"),
        ("/api/v1/cases", {"source": "complaint", "cause": "x", "discovered_on": "2026-13-40"}, {}, 422, "validation_failed"),
        ("/api/v1/cases", {"source": "complaint", "cause": 5, "discovered_on": "2026-03-02"}, {}, 422, "validation_failed"),
        ("/api/v1/cases", {"source": "complaint", "cause": "x", "discovered_on": "2999-01-01"}, {}, 422, "date_in_future"),
        ("/api/v1/cases", [1, 2], {}, 422, "validation_failed"),
        ("/api/v1/cases", {"source": "complaint", "cause": "x", "discovered_on": "2026-03-02", "party_id": 99999}, {}, 422, "unknown_party"),
        ("/api/v1/parties", {"kind": "person", "name": "甲", "id_number": "370402198503120021"}, {}, 422, "invalid_party"),
        ("/api/v1/parties", {"kind": "organization", "name": "乙公司", "id_number": "91370406MA3C000010",
                             "legal_representative": "丙"}, {}, 422, "invalid_party"),
        (f"/api/v1/cases/{cid}/actions/update_lead", {"cause": "新案由"}, {}, 428, "precondition_required"),
        (f"/api/v1/cases/{cid}/actions/update_lead", {"cause": "新案由"}, {"If-Match": '"999"'}, 409, "stale_version"),
        (f"/api/v1/cases/{cid}/actions/update_lead", {"cause": "新案由"}, {"If-Match": "garbage"}, 409, "stale_version"),
        (f"/api/v1/cases/{cid}/actions/update_lead", {"cause": ""}, {"If-Match": etag}, 422, "validation_failed"),
        (f"/api/v1/cases/{cid}/actions/file", {"filed_on": "2026-03-03", "officer_ids": [1, 2]}, {"If-Match": etag}, 403, "role_not_allowed"),
        (f"/api/v1/cases/{cid}/actions/propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "NaN"},
         {"If-Match": etag}, 422, "validation_failed"),
        (f"/api/v1/cases/{cid}/actions/propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "-1"},
         {"If-Match": etag}, 422, "validation_failed"),
        (f"/api/v1/cases/{cid}/actions/no_such_action", {}, {"If-Match": etag}, 404, "not_found"),
        ("/api/v1/cases/999999/actions/update_lead", {"cause": "x"}, {"If-Match": etag}, 404, "case_not_found"),
        ("/api/v1/cases", {"source": "complaint", "cause": "x" * 300000, "discovered_on": "2026-03-02"}, {}, 413, "payload_too_large"),
    ]
    for path, body, headers, status, code in bad:
        kw = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
        r = api.c.post(path, headers={**api.h("zhangwei"), **headers}, **kw)
        assert r.status_code == status, (path, body, r.status_code, r.get_json())
        got = r.get_json()
        assert got["code"] == code, (path, got)
        assert got["message"] and not got["message"].isascii(), got  # a Chinese message for people
    assert api.snapshot() == before


def test_unauthenticated_and_bad_tokens_are_refused(api):
    assert api.c.get("/api/v1/cases").status_code == 401
    r = api.c.get("/api/v1/cases", headers={"Authorization": "Bearer cb_nope"})
    assert r.status_code == 401 and r.get_json()["code"] == "unauthorized"
    r = api.c.post("/api/v1/auth/tokens", json={"username": "zhangwei", "password": "wrong-password"})
    assert r.status_code == 401 and r.get_json()["code"] == "bad_credentials"
    r = api.c.post("/api/v1/auth/tokens", json={"username": "zhangwei", "password": "casebook-demo-2026"})
    assert r.status_code == 201
    assert api.c.get("/api/v1/me", headers={"Authorization": f"Bearer {r.get_json()['token']}"}).get_json()["user"]["username"] == "zhangwei"


def test_a_stale_etag_is_refused_and_a_fresh_one_accepted(api):
    cid = api.lead()
    old = api.etag(cid)
    api.act(cid, "update_lead", {"cause": "第一次修改"})
    r = api.post(f"/api/v1/cases/{cid}/actions/update_lead", {"cause": "基于旧版本的修改"}, headers={"If-Match": old})
    assert r.status_code == 409 and r.get_json()["code"] == "stale_version"
    assert api.get(f"/api/v1/cases/{cid}").get_json()["cause"] == "第一次修改"


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_result_and_writes_nothing(api):
    body = {"source": "complaint", "cause": "重复提交测试", "discovered_on": "2026-03-02", "party_id": api.party()}
    first = api.post("/api/v1/cases", body, headers={"Idempotency-Key": "k-123"})
    assert first.status_code == 201
    before = api.snapshot()
    again = api.post("/api/v1/cases", body, headers={"Idempotency-Key": "k-123"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.snapshot() == before
    other = api.post("/api/v1/cases", {**body, "cause": "另一个请求"}, headers={"Idempotency-Key": "k-123"})
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    assert api.snapshot() == before


def test_an_idempotent_act_is_applied_once(api):
    cid = api.investigated_case()
    etag = api.etag(cid)
    body = {"kind": "penalty", "penalty_kinds": ["warning"]}
    hdr = {"If-Match": etag, "Idempotency-Key": "act-1"}
    r1 = api.post(f"/api/v1/cases/{cid}/actions/propose_penalty", body, headers=hdr)
    before = api.snapshot()
    r2 = api.post(f"/api/v1/cases/{cid}/actions/propose_penalty", body, headers=hdr)
    assert r1.status_code == r2.status_code == 200 and r1.get_json() == r2.get_json()
    assert api.snapshot() == before


def test_concurrent_filings_get_gap_free_case_numbers(api, backend):
    n = 8
    cids = [api.lead() for _ in range(n)]
    officers = api.officers()
    tok = api.token("zhaomin")
    etags = {c: api.etag(c, "zhaomin") for c in cids}
    errors = []

    def file(cid):
        try:
            r = api.c.post(f"/api/v1/cases/{cid}/actions/file", json={"filed_on": "2026-03-03", "officer_ids": officers},
                           headers={"Authorization": f"Bearer {tok}", "If-Match": etags[cid]})
            if r.status_code != 200:
                errors.append(r.get_json())
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=file, args=(c,)) for c in cids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    nos = sorted(api.get(f"/api/v1/cases/{c}").get_json()["case_no"] for c in cids)
    assert sorted(nos, key=lambda x: int(x.split("〕")[1][:-1])) == [f"山亭市监立〔2026〕{i}号" for i in range(1, n + 1)]


def test_a_refused_filing_gives_its_number_back(api):
    a, b = api.lead(), api.lead()
    api.act(a, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers("zhangwei")}, who="zhaomin", expect=409)
    api.act(b, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{b}").get_json()["case_no"] == "山亭市监立〔2026〕1号"


def test_the_case_list_filters_and_pages_by_keyset(api):
    ids = [api.lead(cause=f"案由{i}") for i in range(5)]
    api.act(ids[0], "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhaomin")
    page1 = api.get("/api/v1/cases?limit=2").get_json()
    assert [c["id"] for c in page1["items"]] == ids[::-1][:2]
    page2 = api.get(f"/api/v1/cases?limit=2&after={page1['page']['next_after']}").get_json()
    assert [c["id"] for c in page2["items"]] == ids[::-1][2:4]
    filed = api.get("/api/v1/cases?stage=filed").get_json()["items"]
    assert [c["id"] for c in filed] == [ids[0]]
    by_no = api.get("/api/v1/cases", query_string={"case_no": "山亭市监立〔2026〕1号"}).get_json()["items"]
    assert [c["id"] for c in by_no] == [ids[0]]
    by_officer = api.get(f"/api/v1/cases?officer_id={api.user_id('liqiang')}").get_json()["items"]
    assert [c["id"] for c in by_officer] == [ids[0]]
    by_party = api.get("/api/v1/cases", query_string={"party_name": "好味来"}).get_json()["items"]
    assert len(by_party) == 5
    # Another agency sees none of them; the district supervisor sees all.
    assert api.get("/api/v1/cases", who="chenjie").get_json()["items"] == []
    assert len(api.get("/api/v1/cases", who="wujing").get_json()["items"]) == 5
    assert api.get("/api/v1/cases?limit=0").status_code == 422
    # With a date range the list walks (created_at, id): the pages still chain without gaps or repeats.
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date().isoformat()
    seen, after = [], None
    while True:
        qs = {"limit": 2, "created_from": today, "created_to": today, **({"after": after} if after else {})}
        page = api.get("/api/v1/cases", query_string=qs).get_json()
        seen += [c["id"] for c in page["items"]]
        after = page["page"]["next_after"]
        if after is None:
            break
    assert seen == ids[::-1]


def test_summary_procedure_limits_200_and_3000_yuan(api):
    person, org = api.party("person"), api.party("organization")
    base = {"decided_on": "2026-03-05", "place": "山亭区府前路", "cause": "占道经营", "facts_text": "现场查明",
            "penalty_kinds": ["fine"], "basis": "某条例第十条", "officer_ids": api.officers(), "party_signed": True}
    ok = api.post("/api/v1/summary-decisions", {**base, "party_id": person, "form_no": "SD202600001", "fine_amount": "200.00"})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["stage"] == "served" and ok.get_json()["procedure"] == "summary"
    over = api.post("/api/v1/summary-decisions", {**base, "party_id": person, "form_no": "SD202600002", "fine_amount": "200.01"})
    assert over.status_code == 409
    assert [x["code"] for x in over.get_json()["errors"]["reasons"]] == ["summary_fine_over_limit"]
    org_ok = api.post("/api/v1/summary-decisions", {**base, "party_id": org, "form_no": "SD202600002", "fine_amount": "3000.00"})
    assert org_ok.status_code == 201
    org_over = api.post("/api/v1/summary-decisions", {**base, "party_id": org, "form_no": "SD202600003", "fine_amount": "3000.01"})
    assert org_over.status_code == 409
    reused = api.post("/api/v1/summary-decisions", {**base, "party_id": person, "form_no": "SD202600001", "fine_amount": "50.00"})
    assert [x["code"] for x in reused.get_json()["errors"]["reasons"]] == ["summary_form_invalid"]
    revoke = api.post("/api/v1/summary-decisions", {**base, "party_id": person, "form_no": "SD202600004",
                                                    "penalty_kinds": ["revoke_license"]})
    assert [x["code"] for x in revoke.get_json()["errors"]["reasons"]] == ["summary_kind_not_allowed"]
    # Closing needs the 备案 with the agency first (第五十二条).
    cid = ok.get_json()["id"]
    r = api.act(cid, "close", {}, who="zhaomin", expect=409)  # 会签 first: the second officer confirms the decision
    assert "acts_unconfirmed" in [x["code"] for x in r.get_json()["errors"]["reasons"]]
    api.confirm_all(cid)
    api.act(cid, "start_execution")
    api.act(cid, "record_payment", {"amount": "200.00", "paid_on": "2026-03-05", "receipt_no": "DC1"})
    r = api.act(cid, "close", {}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["summary_not_recorded"]
    api.act(cid, "record_summary_filing", {"recorded_on": "2026-03-06"})
    api.act(cid, "close", {}, who="zhaomin")


def test_evidence_is_stored_by_content_hash_and_typed_by_content(api, settings):
    import hashlib

    cid = api.filed_case()
    api.act(cid, "start_investigation")
    r = api.evidence(cid)
    assert r.status_code == 201, r.get_json()
    ev = r.get_json()
    assert ev["file_sha256"] == hashlib.sha256(PNG).hexdigest() and ev["media_type"] == "image/png"
    from casebook.services.evidence import blob_path

    assert blob_path(settings, ev["file_sha256"]).read_bytes() == PNG
    got = api.get(f"/api/v1/evidence/{ev['id']}/content")
    assert got.status_code == 200 and got.data == PNG
    assert api.get(f"/api/v1/evidence/{ev['id']}/content", who="chenjie").status_code == 404
    before = api.snapshot()
    # A script renamed .png is refused by its content; an oversized file by its size; neither writes anything.
    exe = api.evidence(cid, content=b"#!/bin/sh\nrm -rf /\n")
    assert exe.status_code == 415 and exe.get_json()["code"] == "unsupported_media_type"
    big = api.evidence(cid, content=PNG + b"\0" * (3 * 1024 * 1024))
    assert big.status_code == 413
    one_officer = api.evidence(cid, collected_by=api.officers("zhangwei"))
    assert one_officer.status_code == 409
    assert api.snapshot() == before


def test_a_recording_needs_device_officer_start_and_end(api):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    before = api.snapshot()
    r = api.evidence(cid, kind="audio_visual", title="现场执法记录仪视频", is_recording=True)
    assert r.status_code == 422 and set(r.get_json()["errors"]) >= {"device", "recorded_by_id", "recording_started_at"}
    assert api.snapshot() == before
    r = api.evidence(cid, kind="audio_visual", title="现场执法记录仪视频", is_recording=True, device="DSJ-001",
                     recorded_by_id=api.user_id("zhangwei"), recording_started_at="2026-03-04T09:00:00+08:00",
                     recording_ended_at="2026-03-04T09:40:00+08:00")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["device"] == "DSJ-001" and r.get_json()["recording_started_at"].startswith("2026-03-04T01:00:00")


def test_the_openapi_document_covers_every_act(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    from casebook.services.acts import ACTS as TRANSITIONS

    acts = {p.rsplit("/", 1)[1] for p in spec["paths"] if "/actions/" in p}
    # Leads and summary decisions are created by their own POSTs; evidence is a multipart upload.
    elsewhere = {"register_lead", "decide_on_the_spot", "add_evidence"}
    assert acts == set(TRANSITIONS) - elsewhere
    assert {"/api/v1/cases", "/api/v1/summary-decisions", "/api/v1/cases/{case_id}/evidence"} <= set(spec["paths"])
    assert "CasebookError" in json.dumps(spec["components"]["schemas"])
    # the evidence upload's meta part documents its fields (multipart, encoded as JSON)
    upload = spec["paths"]["/api/v1/cases/{case_id}/evidence"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["encoding"]["meta"]["contentType"] == "application/json"
    meta = spec["components"]["schemas"][upload["schema"]["properties"]["meta"]["$ref"].rsplit("/", 1)[1]]
    assert {"kind", "title", "collected_on", "collected_by"} <= set(meta["properties"])
