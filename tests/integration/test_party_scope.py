"""Parties have an agency scope (issue 11): full reads and corrections only for the agencies that hold a case
(or lead) for the party or registered it; others get a masked de-duplication match; changes trailed per case."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from casebook.db import models as m
from casebook.seed import demo_resident_id

# zhangwei/liqiang/zhaomin: 市场监管局 (amr); chenjie/zhouhua: 综合执法局 (cle); wujing: 区 supervisor; admin


def _new_person(api, who="zhangwei", body17="37040219900101001"):
    r = api.post("/api/v1/parties", {"kind": "person", "name": "王小二", "id_number": demo_resident_id(body17),
                                     "phone": "13806329999", "address": "山东省枣庄市山亭区某路1号"}, who=who)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_another_agency_cannot_read_a_party_it_has_no_case_for_and_the_refusal_is_logged(api, caplog):
    p = _new_person(api)
    caplog.set_level(logging.WARNING, logger="casebook.access")
    r = api.get(f"/api/v1/parties/{p['id']}", who="chenjie")
    assert r.status_code == 404 and r.get_json()["code"] == "party_not_found"
    assert any(f"party:{p['id']}" in rec.getMessage() and "chenjie" in rec.getMessage() for rec in caplog.records)
    assert api.get(f"/api/v1/parties/{p['id']}", who="liqiang").status_code == 200  # same agency: registered it
    assert api.get(f"/api/v1/parties/{p['id']}", who="wujing").status_code == 200   # supervisor of the district
    assert api.get(f"/api/v1/parties/{p['id']}", who="admin").status_code == 403    # configuration, not contents


def test_listing_and_name_search_show_only_the_parties_of_the_agencys_scope(api):
    p = _new_person(api)
    mine = {x["id"] for x in api.get("/api/v1/parties?limit=200", who="zhangwei").get_json()["items"]}
    theirs = api.get("/api/v1/parties?limit=200", who="chenjie").get_json()["items"]
    assert p["id"] in mine and p["id"] not in {x["id"] for x in theirs}
    assert api.get("/api/v1/parties?q=王小二", who="chenjie").get_json()["items"] == []
    assert not any(x.get("phone") == "13806329999" for x in theirs)


def test_an_exact_number_outside_the_scope_is_a_masked_match_for_de_duplication(api):
    p = _new_person(api)
    number = p["id_number"]
    items = api.get(f"/api/v1/parties?id_number={number}", who="chenjie").get_json()["items"]
    assert len(items) == 1
    got = items[0]
    assert got["id"] == p["id"] and got["masked"] is True and got["name"] == "王小二"
    assert got["id_number"] == number[:6] + "********" + number[-4:]
    assert got["phone"] is None and got["address"] is None
    own = api.get(f"/api/v1/parties?id_number={number}", who="zhangwei").get_json()["items"]
    assert own[0]["masked"] is False and own[0]["phone"] == "13806329999"


def test_a_case_for_the_party_brings_it_into_the_agencys_scope(api):
    p = _new_person(api)
    assert api.get(f"/api/v1/parties/{p['id']}", who="chenjie").status_code == 404
    r = api.post("/api/v1/cases", {"source": "complaint", "cause": "涉嫌无证经营", "discovered_on": "2026-03-02",
                                   "party_id": p["id"]}, who="chenjie")
    assert r.status_code == 201, r.get_json()
    got = api.get(f"/api/v1/parties/{p['id']}", who="chenjie")
    assert got.status_code == 200 and got.get_json()["phone"] == "13806329999"


def test_another_agency_cannot_correct_a_party_and_nothing_changes(api):
    p = _new_person(api)
    before = api.snapshot()
    r = api.c.patch(f"/api/v1/parties/{p['id']}", json={"phone": "13900000000"},
                    headers=api.h("chenjie", **{"If-Match": '"1"'}))
    assert r.status_code == 404, r.get_json()
    r = api.c.patch(f"/api/v1/parties/{p['id']}", json={"phone": "13900000000"},
                    headers=api.h("wujing", **{"If-Match": '"1"'}))  # reads the district, edits nothing
    assert r.status_code == 403, r.get_json()
    assert api.snapshot() == before
    assert api.get(f"/api/v1/parties/{p['id']}").get_json()["phone"] == "13806329999"


def test_a_correction_is_trailed_on_every_case_that_names_the_party_with_the_party_id(api, sessions):
    p = _new_person(api)
    ours = api.lead(party_id=p["id"])
    theirs = api.post("/api/v1/cases", {"source": "complaint", "cause": "涉嫌无证经营", "discovered_on": "2026-03-02",
                                        "party_id": p["id"]}, who="chenjie").get_json()["id"]
    r = api.c.patch(f"/api/v1/parties/{p['id']}", json={"address": "山东省枣庄市山亭区新址2号"},
                    headers=api.h("chenjie", **{"If-Match": '"1"'}))
    assert r.status_code == 200, r.get_json()
    with sessions() as s:
        rows = s.execute(select(m.TrailEntry.case_id, m.TrailEntry.payload, m.TrailEntry.agency_id)
                         .where(m.TrailEntry.action == "party.updated").order_by(m.TrailEntry.seq)).all()
    assert {cid for cid, _, _ in rows} == {None, ours, theirs}
    assert all(json.loads(payload)["party_id"] == p["id"] for _, payload, _ in rows)
    by_case = {cid: agency for cid, _, agency in rows}
    with sessions() as s:
        assert by_case[ours] == s.get(m.Case, ours).agency_id  # on the other agency's own case trail
