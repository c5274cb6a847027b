"""The documents of a served decision keep the party as it was served (行政处罚法 第六十一条), even after the party
is corrected: the serve act's record (case_acts) keeps a snapshot, the context builders print it."""

from __future__ import annotations

import json

from sqlalchemy import select

from casebook.db import models as m
from casebook.documents.context.case_file import case_file_context
from casebook.services.context import local_today
from tests.integration.test_documents_issue import FIELDS, closed, decided, issue, summary, text

OLD_NAME, OLD_ADDRESS = "枣庄市山亭区好味来食品有限公司", "山东省枣庄市山亭区府前路88号"
NEW = {"name": "枣庄市山亭区改名后食品有限公司", "address": "山东省枣庄市山亭区新城路1号",
       "legal_representative": "韩梅梅"}


def _correct_party(api, cid: int) -> None:
    party = api.get(f"/api/v1/cases/{cid}").get_json()["party"]
    assert party["name"] == OLD_NAME
    got = api.get(f"/api/v1/parties/{party['id']}")
    r = api.c.patch(f"/api/v1/parties/{party['id']}", json=NEW, headers=api.h("zhangwei", **{"If-Match": got.headers["ETag"]}))
    assert r.status_code == 200, r.get_json()
    assert api.get(f"/api/v1/parties/{party['id']}").get_json()["name"] == NEW["name"]


def _preview(api, cid: int, doc_type: str) -> str:
    r = api.post(f"/api/v1/cases/{cid}/documents/{doc_type}/preview", {"fields": FIELDS.get(doc_type, {})})
    assert r.status_code == 200, r.get_json()
    return text(r.data)


def test_a_served_decision_prints_the_party_as_served_after_the_party_is_corrected(api, sessions):
    cid = decided(api)
    api.act(cid, "serve_decision", {"served_on": "2026-03-21", "method": "direct"})
    _correct_party(api, cid)
    t = _preview(api, cid, "penalty_decision")
    assert OLD_NAME in t and OLD_ADDRESS in t and "李雷" in t
    assert NEW["name"] not in t and NEW["address"] not in t
    with sessions() as s:  # kept on the act's record, not in its trail entry or event (those are masked copies)
        kept = s.execute(select(m.CaseAct.data).where(m.CaseAct.case_id == cid, m.CaseAct.action == "serve_decision")
                         ).scalar_one()["party_as_served"]
        trail = s.execute(select(m.TrailEntry.payload).where(m.TrailEntry.case_id == cid,
                                                             m.TrailEntry.action == "case.serve_decision")).scalar_one()
    assert kept["name"] == OLD_NAME and kept["id_number"].startswith("91370406MA3C")
    assert "party_as_served" not in json.loads(trail)["data"]


def test_a_decision_not_yet_served_prints_the_party_as_it_stands(api):
    cid = decided(api)
    _correct_party(api, cid)
    t = _preview(api, cid, "penalty_decision")
    assert NEW["name"] in t and OLD_NAME not in t


def test_the_case_file_cover_names_the_party_as_served(api, sessions):
    cid = closed(api)
    issue(api, cid, "penalty_decision", who="zhaomin")
    _correct_party(api, cid)
    with sessions() as s:
        case = s.get(m.Case, cid)
        docs = list(s.execute(select(m.Document).where(m.Document.case_id == cid)).scalars())
        ctx = case_file_context(s, case, docs, today=local_today(), retention="长期", compiled_by="张伟")
    assert ctx["cover"]["party_name"] == OLD_NAME and OLD_NAME in ctx["cover"]["title"]


def test_an_on_the_spot_decision_is_served_at_once_and_keeps_its_party(api):
    cid = summary(api)
    _correct_party(api, cid)
    t = _preview(api, cid, "summary_decision")
    assert OLD_NAME in t and NEW["name"] not in t
