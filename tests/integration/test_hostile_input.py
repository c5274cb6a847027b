"""Robustness (issue 11): hostile or careless input gets a clear 4xx and changes nothing."""

from __future__ import annotations

import io
import json

import pytest

from casebook.seed import demo_resident_id
from tests.helpers import PNG


def _raw(api, path, text, who="zhangwei"):
    return api.c.post(path, data=text.encode("utf-8", "surrogatepass"), content_type="application/json",
                      headers=api.h(who))


def _lead_body(**over):
    return {"source": "complaint", "cause": "涉嫌销售过期食品", "discovered_on": "2026-03-02", **over}


def test_deeply_nested_json_is_a_400_not_a_server_error(api):
    before = api.snapshot()
    for body in ("[" * 100_000 + "]" * 100_000, '{"cause":' + "[" * 40 + "]" * 40 + "}"):
        r = _raw(api, "/api/v1/cases", body)
        assert r.status_code == 400 and r.get_json()["code"] == "json_too_deep", r.get_json()
        assert not r.get_json()["message"].isascii()
    # brackets inside strings are text, not nesting
    r = api.post("/api/v1/cases", _lead_body(party_id=api.party(), cause="涉嫌" + "[" * 50 + "销售过期食品"))
    assert r.status_code == 201, r.get_json()
    assert api.snapshot()["cases"] == before["cases"] + 1


def test_deeply_nested_evidence_meta_is_refused(api):
    cid = api.lead()
    r = api.c.post(f"/api/v1/cases/{cid}/evidence", data={"meta": "[" * 50_000, "file": (io.BytesIO(PNG), "a.png")},
                   headers=api.h("zhangwei", **{"If-Match": api.etag(cid)}), content_type="multipart/form-data")
    assert r.status_code in (400, 422) and r.status_code != 500, r.get_json()


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udfffb"', '"\\ud800\\u0041"'])
def test_a_lone_surrogate_is_a_422_not_a_server_error(api, text):
    before = api.snapshot()
    r = _raw(api, "/api/v1/cases", json.dumps(_lead_body(party_id=api.party()))[:-1] + f', "facts_note": {text}}}')
    assert r.status_code == 422, r.get_json()
    r = _raw(api, "/api/v1/cases", '{"source":"complaint","cause":' + text + ',"discovered_on":"2026-03-02"}')
    assert r.status_code == 422 and "cause" in r.get_json()["errors"], r.get_json()
    r = api.c.post("/api/v1/auth/tokens", data='{"username":' + text + ',"password":"x"}', content_type="application/json")
    assert r.status_code == 422, r.get_json()
    assert api.snapshot() == before


@pytest.mark.parametrize("name", ["好味来\u202e食品exe.png", "好味来\x07食品", "好\u2066味来", "a\x1bb", "\x85好味来"])
def test_control_and_bidi_override_characters_are_refused_in_names_and_free_text(api, name):
    before = api.snapshot()
    r = api.post("/api/v1/parties", {"kind": "organization", "name": name, "id_number": "91370406MA3C00001",
                                     "legal_representative": "李雷"})
    assert r.status_code == 422 and "name" in r.get_json()["errors"], r.get_json()
    assert "控制字符" in r.get_json()["errors"]["name"][0]
    r = api.post("/api/v1/cases", _lead_body(party_id=api.party(), cause=name))
    assert r.status_code == 422 and "cause" in r.get_json()["errors"], r.get_json()
    assert api.snapshot() == before


def test_line_breaks_and_tabs_stay_allowed_in_free_text(api):
    r = api.post("/api/v1/cases", _lead_body(party_id=api.party(), cause="第一行\n第二行\t完"))
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize("field, value", [("discovered_on", "0001-01-01"), ("discovered_on", "1949-09-30")])
def test_implausible_dates_are_refused_by_every_schema(api, field, value):
    before = api.snapshot()
    r = api.post("/api/v1/cases", _lead_body(party_id=api.party(), **{field: value}))
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert "1949-10-01" in r.get_json()["errors"][field][0]
    uid = api.user_id("zhangwei")
    r = api.post(f"/api/v1/users/{uid}/credentials", {"credential_no": "X-1949", "field": "市场监管",
                                                      "valid_from": "0001-01-01", "valid_to": "2030-01-01"}, who="admin")
    assert r.status_code == 422 and "valid_from" in r.get_json()["errors"], r.get_json()
    assert api.snapshot() == before


def test_the_founding_day_itself_is_a_plausible_date(api):
    r = api.post("/api/v1/cases", _lead_body(party_id=api.party(), discovered_on="1949-10-01"))
    assert r.status_code != 422 or "discovered_on" not in (r.get_json().get("errors") or {}), r.get_json()


@pytest.mark.parametrize("area", ["000000", "999999", "110199"])
def test_a_party_whose_id_number_has_no_real_area_code_is_refused(api, area):
    before = api.snapshot()
    r = api.post("/api/v1/parties", {"kind": "person", "name": "王五", "id_number": demo_resident_id(area + "19850312002")})
    assert r.status_code == 422 and r.get_json()["errors"]["id_number"], r.get_json()
    assert "地址码" in r.get_json()["errors"]["id_number"][0]
    assert api.snapshot() == before


def test_a_uscc_typed_with_spaces_and_hyphens_is_stored_without_them(api):
    from casebook.seed import demo_uscc

    code = demo_uscc("91370406MA3C00077")
    typed = f"{code[:4]} {code[4:8]}-{code[8:12]} {code[12:]}"
    r = api.post("/api/v1/parties", {"kind": "organization", "name": "山亭区某某商贸有限公司", "id_number": typed,
                                     "legal_representative": "王五"})
    assert r.status_code == 201 and r.get_json()["id_number"] == code, r.get_json()


def _upload(api, cid, filename, content=PNG):
    meta = {"kind": "physical", "title": "现场照片", "collected_on": "2026-03-04", "collected_by": api.officers()}
    return api.c.post(f"/api/v1/cases/{cid}/evidence",
                      data={"meta": json.dumps(meta, ensure_ascii=False), "file": (io.BytesIO(content), filename)},
                      headers=api.h("zhangwei", **{"If-Match": api.etag(cid)}), content_type="multipart/form-data")


@pytest.mark.parametrize("sent, shown", [
    ("../../etc/passwd.png", "passwd.png"),
    ("/home/张伟/../现场照片.png", "现场照片.png"),
    ("证据照片\u202egnp.exe", "证据照片gnp.exe"),
    ("现场\x00照片.png", "现场照片.png"),
])
def test_evidence_file_names_lose_paths_and_control_characters_and_download_per_rfc_6266(api, sent, shown):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    r = _upload(api, cid, sent)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["original_name"] == shown
    d = api.get(f"/api/v1/evidence/{r.get_json()['id']}/content")
    assert d.status_code == 200 and d.data == PNG
    cd = d.headers["Content-Disposition"]
    from urllib.parse import quote

    assert cd.startswith("attachment; filename=\"") and f"filename*=UTF-8''{quote(shown, safe='')}" in cd, cd
    assert "/" not in cd.split("filename*")[0] and ".." not in cd and "\u202e" not in cd
    assert d.headers["Content-Type"] == "image/png"  # the sniffed type, not the name's


def test_a_file_part_without_a_file_name_is_refused_and_no_evidence_is_created(api):
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    before = api.snapshot()
    r = _upload(api, cid, "")
    assert r.status_code == 422 and r.get_json()["code"] == "file_name_missing", r.get_json()
    assert api.snapshot() == before


def test_a_multipart_part_without_a_name_is_a_4xx_not_a_server_error(api):
    """A part whose Content-Disposition has no name (werkzeug keys it None) must not break the request's fingerprint."""
    cid = api.filed_case()
    api.act(cid, "start_investigation")
    before = api.snapshot()
    boundary = "cbx"
    body = (f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{{}}\r\n--{boundary}--\r\n").encode()
    r = api.c.post(f"/api/v1/cases/{cid}/evidence", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                   headers=api.h("zhangwei", **{"If-Match": api.etag(cid)}))
    assert 400 <= r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
    assert api.snapshot() == before
