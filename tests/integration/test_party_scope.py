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
                                   "party_id": p["id"], "party_id_number": p["id_number"]}, who="chenjie")
    assert r.status_code == 201, r.get_json()
    got = api.get(f"/api/v1/parties/{p['id']}", who="chenjie")
    assert got.status_code == 200 and got.get_json()["phone"] == "13806329999"
    # and into its searches: the party is found through the case, not through who registered it
    found = api.get("/api/v1/parties?q=王小二", who="chenjie").get_json()["items"]
    assert [x["id"] for x in found] == [p["id"]] and not found[0].get("masked")


def test_the_search_scope_is_a_probe_per_party_not_a_read_of_the_agencys_cases(api, engine):
    """`id IN (SELECT party_id FROM cases WHERE agency_id IN …)` under an OR made PostgreSQL re-read the agency's case
    index for every party it looked at (2 s per search at 1 M cases for an agency that registered none of them);
    the scope is a correlated EXISTS on cases(party_id, agency_id) (1 ms)."""
    from sqlalchemy import text

    from casebook.services.context import Actor
    from casebook.services.parties import _scope_clause

    actor = Actor(user_id=None, username="x", roles=frozenset({"officer"}), agency_id=1, read_scope=frozenset({1, 2}))
    sql = str(select(m.Party.id).where(_scope_clause(actor)).compile(engine, compile_kwargs={"literal_binds": True}))
    assert "EXISTS" in sql and "cases.party_id = parties.id" in sql, sql
    if engine.dialect.name == "sqlite":  # PostgreSQL's choice (probe or hashed) depends on sizes the demo lacks
        with engine.connect() as c:
            plan = " ".join(str(r[-1]) for r in c.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "ix_cases_party_agency" in plan, plan


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
                                        "party_id": p["id"], "party_id_number": p["id_number"]}, who="chenjie"
                      ).get_json()["id"]
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


# --- naming a party on a case: only an agency's own party, or one proven by its full number ---------------------

LEAD = {"source": "complaint", "cause": "涉嫌无证经营", "discovered_on": "2026-03-02"}


def test_a_new_lead_cannot_name_another_agencys_party_by_its_id_and_is_told_as_for_no_party(api, caplog):
    p = _new_person(api)
    before = api.snapshot()
    caplog.set_level(logging.WARNING, logger="casebook.access")
    theirs = api.post("/api/v1/cases", {**LEAD, "party_id": p["id"]}, who="chenjie")
    wrong = api.post("/api/v1/cases", {**LEAD, "party_id": p["id"], "party_id_number": demo_resident_id("37040219900101002")},
                     who="chenjie")
    none = api.post("/api/v1/cases", {**LEAD, "party_id": 999999}, who="chenjie")
    assert theirs.status_code == wrong.status_code == none.status_code == 422
    assert theirs.get_json() == wrong.get_json() == none.get_json()  # nothing tells that the party exists
    assert theirs.get_json()["code"] == "unknown_party"
    assert api.snapshot() == before
    assert any(f"party:{p['id']}" in r.getMessage() and "party_out_of_scope" in r.getMessage() for r in caplog.records)
    # a lead on the agency's own party, or one it already holds a case for, is as before
    assert api.post("/api/v1/cases", {**LEAD, "party_id": p["id"]}, who="liqiang").status_code == 201


def test_the_full_identity_number_proves_knowledge_and_the_way_the_party_was_named_is_trailed(api, sessions):
    p = _new_person(api)
    number = p["id_number"]
    typed = f"{number[:6]} {number[6:14]}-{number[14:]}".lower()  # as people type it
    r = api.post("/api/v1/cases", {**LEAD, "party_id": p["id"], "party_id_number": typed}, who="chenjie")
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert r.get_json()["party"]["id"] == p["id"]
    with sessions() as s:
        payload = json.loads(s.execute(select(m.TrailEntry.payload).where(
            m.TrailEntry.case_id == cid, m.TrailEntry.action == "case.register_lead")).scalar_one())
    assert payload["data"]["party_named_by"] == "id_number"
    assert number not in json.dumps(payload) and "********" in payload["data"]["party_id_number"]  # masked
    # and now the party is the agency's: its next lead names it by id alone
    assert api.post("/api/v1/cases", {**LEAD, "party_id": p["id"]}, who="chenjie").status_code == 201


def test_a_lead_update_and_an_on_the_spot_decision_cannot_name_another_agencys_party_either(api):
    p = _new_person(api, who="zhangwei")
    lead = api.post("/api/v1/cases", {**LEAD, "party_id": None}, who="chenjie").get_json()["id"]
    before = api.snapshot()
    r = api.act(lead, "update_lead", {"party_id": p["id"]}, who="chenjie", expect=422)
    assert r.get_json()["code"] == "unknown_party"
    body = {"party_id": p["id"], "form_no": "SD202600001", "decided_on": "2026-03-05", "place": "山亭区府前路",
            "cause": "占道经营", "facts_text": "当事人在人行道上摆摊经营。", "penalty_kinds": ["warning"],
            "basis": "《枣庄市市容和环境卫生管理条例》第四十条", "officer_ids": api.officers("chenjie", "liuyang"),
            "party_signed": True}
    r = api.post("/api/v1/summary-decisions", body, who="chenjie")
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_party", r.get_json()
    assert api.snapshot() == before
    api.act(lead, "update_lead", {"party_id": p["id"], "party_id_number": p["id_number"]}, who="chenjie")
