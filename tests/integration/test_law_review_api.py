"""A legal reviewer's list for issue 12, through the API on each backend: a person registered with a passport (the
age from a recorded birth date, 行政处罚法 第三十条), an item gone from the version in force at the decision
(第三十七条), a minor in the summary procedure's PDF (第三十条), and a fact recorded as 无法计算 (第四十条)."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from casebook.db import models as m
from casebook.seed import demo_resident_id
from tests.integration.test_rules_catalogue import rules  # noqa: F401  (the test catalogue, as a fixture)

MINORS = "行政处罚法第三十条"


def _reasons(r):
    return {(x["code"], x["article"]) for x in r.get_json()["errors"]["reasons"]}


def _passport_holder(api, number="E12345678", **extra) -> int:
    r = api.post("/api/v1/parties", {"kind": "person", "name": "Anna Schmidt", "id_kind": "passport",
                                     "id_number": number, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


# --- 第三十条: a person without a 身份证号 -----------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field", "needle"), [
    ({"id_kind": "passport", "id_number": "E12#45"}, "id_number", "护照号码格式错误"),
    ({"id_kind": "uscc", "id_number": "E12345678"}, "id_kind", "自然人当事人的证件类型"),
    ({"id_kind": "residence_permit", "id_number": "110101199003070000"}, "id_number", "810000"),
    ({"id_kind": "passport", "id_number": "E12345678", "birth_date": "2999-01-01"}, "birth_date", "出生日期应在"),
    ({"id_kind": "passport", "id_number": "E12345678", "birth_date": "1899-12-31"}, "birth_date", "1900-01-01"),
    ({"id_number": demo_resident_id("37040220100306002"), "birth_date": "2010-03-07"}, "birth_date", "不一致"),
])
def test_a_person_document_is_validated_in_chinese_and_nothing_is_registered(api, body, field, needle):
    before = api.snapshot()
    r = api.post("/api/v1/parties", {"kind": "person", "name": "某某", **body})
    assert r.status_code == 422, r.get_json()
    j = r.get_json()
    assert j["code"] in ("invalid_party", "validation_failed") and field in j["errors"] and needle in j["errors"][field][0], j
    assert api.snapshot() == before


def test_an_organisation_has_no_birth_date_nor_a_personal_document(api):
    before = api.snapshot()
    for extra, field in (({"birth_date": "2000-01-01"}, "birth_date"), ({"id_kind": "passport"}, "id_kind")):
        r = api.post("/api/v1/parties", {"kind": "organization", "name": "某公司", "legal_representative": "张三",
                                         "id_number": "91370406MA3C00001X", **extra})
        assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert api.snapshot() == before


def test_a_passport_holder_without_a_birth_date_is_not_penalised_until_it_is_recorded(api, sessions):
    pid = _passport_holder(api)
    party = api.get(f"/api/v1/parties/{pid}").get_json()
    assert (party["id_kind"], party["id_number"], party["birth_date"]) == ("passport", "E12345678", None)
    cid = api.investigated_case(party_id=pid, act_started_on="2026-03-01")
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert _reasons(r) == {("party_age_unknown", MINORS)}
    assert "录入出生日期" in r.get_json()["errors"]["reasons"][0]["message"]
    assert api.snapshot() == before
    # the birth date is recorded on the party (a 16-year-old at the act): the minor's rules now apply
    r = api.c.patch(f"/api/v1/parties/{pid}", json={"birth_date": "2009-06-30"},
                    headers=api.h("zhangwei", **{"If-Match": f'"{party["version"]}"'}))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["birth_date"] == "2009-06-30"
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]})
    with sessions() as s:  # the trail keeps the number's last four and the birth year only
        payloads = [json.loads(p) for p in s.execute(select(m.TrailEntry.payload).where(
            m.TrailEntry.action.in_(("party.registered", "party.updated")))).scalars()]
    text = json.dumps(payloads, ensure_ascii=False)
    assert "E12345678" not in text and "*****5678" in text
    assert "2009-06-30" not in text and "2009-**-**" in text


def test_a_passport_holder_aged_13_at_the_act_is_not_penalised(api):
    pid = _passport_holder(api, "P9876543", birth_date="2012-09-01")
    cid = api.investigated_case(party_id=pid, act_started_on="2026-03-01")
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert _reasons(r) == {("party_under_14", MINORS)}
    assert api.snapshot() == before


def test_a_residence_permit_carries_the_birth_date(api):
    from casebook.domain.identifiers import resident_id_check_digit

    body = "81000020120306002"  # 香港居民, born 2012-03-06: 13 on 2026-03-01
    pid = api.post("/api/v1/parties", {"kind": "person", "name": "陈小明", "id_kind": "residence_permit",
                                       "id_number": body + resident_id_check_digit(body)}).get_json()["id"]
    cid = api.investigated_case(party_id=pid, act_started_on="2026-03-01")
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, expect=409)
    assert _reasons(r) == {("party_under_14", MINORS)}
    number = body + resident_id_check_digit(body)
    r = api.c.patch(f"/api/v1/parties/{pid}", json={"birth_date": "2012-03-06"},
                    headers=api.h("zhangwei", **{"If-Match": '"1"'}))
    assert r.status_code == 422 and "birth_date" in r.get_json()["errors"], r.get_json()
    assert api.get(f"/api/v1/parties/{pid}").get_json()["id_number"] == number


def test_the_masked_match_of_another_agency_masks_a_passport_number(api):
    pid = _passport_holder(api)
    r = api.get("/api/v1/parties?id_number=E12345678", who="chenjie")  # 综合行政执法局: another agency
    assert r.status_code == 200, r.get_json()
    [item] = r.get_json()["items"]
    assert (item["masked"], item["id"], item["id_kind"], item["id_number"], item["birth_date"]) == \
        (True, pid, "passport", "*****5678", None)


# --- 第三十七条: the item gone from the version in force at the decision --------------------------------------

def _v2_without(code: str, repeal: str | None = None):
    from tests.integration.test_rules_catalogue import _doc

    v2 = copy.deepcopy(_doc("benchmark"))
    v2["catalogue"].update(version=2, effective_from="2026-01-01")
    if repeal is None:
        v2["violation_items"] = [i for i in v2["violation_items"] if i["code"] != code]
    else:
        for i in v2["violation_items"]:
            if i["code"] == code:
                i["repealed"] = repeal
    return v2


@pytest.mark.parametrize("repeal", [None, "鲁市监规〔2025〕9号废止"])
def test_an_item_gone_from_the_version_in_force_is_not_penalised(api, rules, sessions, repeal):  # noqa: F811
    from casebook.services import catalogue as cat
    from casebook.services.context import SYSTEM

    with sessions() as s, s.begin():
        cat.import_document(s, SYSTEM, _v2_without("T-DJ-44", repeal), source="v2")
    cat.invalidate()
    cid = api.investigated_case(act_started_on="2025-06-01")  # under version 1
    body = {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00", "violation_code": "T-DJ-44"}
    before = api.snapshot()
    r = api.act(cid, "propose_penalty", body, expect=409)
    assert ("no_longer_violation", "行政处罚法第三十七条") in _reasons(r)
    msg = next(x["message"] for x in r.get_json()["errors"]["reasons"] if x["code"] == "no_longer_violation")
    assert "不予行政处罚" in msg and "第2版" in msg and (repeal is None or repeal in msg)
    assert api.snapshot() == before
    # the 不予行政处罚 path is open
    api.act(cid, "propose_penalty", {"kind": "no_penalty", "violation_code": "T-DJ-44",
                                     "reasons": "作出决定时的裁量基准已不再将该行为列为违法，依照行政处罚法第三十七条不予行政处罚"})
    assert api.get(f"/api/v1/cases/{cid}").get_json()["decision_kind"] == "no_penalty"


def test_an_item_still_in_the_version_in_force_is_penalised(api, rules, sessions):  # noqa: F811
    from casebook.services import catalogue as cat
    from casebook.services.context import SYSTEM

    with sessions() as s, s.begin():
        cat.import_document(s, SYSTEM, _v2_without("T-SP-124"), source="v2")  # another item goes
    cat.invalidate()
    cid = api.investigated_case(act_started_on="2025-06-01")
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.00",
                                     "violation_code": "T-DJ-44"})


# --- 第三十条 in the summary procedure: the 当场处罚决定书 PDF ------------------------------------------------

def test_the_on_the_spot_decision_pdf_of_a_16_year_old_states_the_leniency_and_a_13_year_old_is_refused(api):
    from tests.integration.test_documents_issue import FIELDS, text

    def person(body17, name):
        r = api.post("/api/v1/parties", {"kind": "person", "name": name, "id_number": demo_resident_id(body17),
                                         "address": "山东省枣庄市山亭区府前路1号"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    base = {"place": "山亭区府前路", "cause": "占道经营", "facts_text": "现场查明当事人占用人行道摆摊经营",
            "penalty_kinds": ["fine"], "basis": "《枣庄市市容和环境卫生管理条例》第三十九条", "officer_ids": api.officers(),
            "party_signed": True, "fine_amount": "50.00", "decided_on": "2026-03-05"}
    child = person("37040220121001002", "王小一")  # 13 on 2026-03-05
    before = api.snapshot()
    r = api.post("/api/v1/summary-decisions", {**base, "party_id": child, "form_no": "SD202600001",
                                               "minor_leniency": "从轻处罚"})
    assert r.status_code == 409 and _reasons(r) == {("party_under_14", MINORS)}
    assert {k: v for k, v in api.snapshot().items() if k != "parties"} == \
        {k: v for k, v in before.items() if k != "parties"}
    teen = person("37040220091001002", "王小二")  # 16 on 2026-03-05
    r = api.post("/api/v1/summary-decisions", {**base, "party_id": teen, "form_no": "SD202600001",
                                               "minor_leniency": "当事人系未成年人，依法从轻处罚，罚款五十元"})
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    r = api.post(f"/api/v1/cases/{cid}/documents/summary_decision/preview", {"fields": FIELDS["summary_decision"]})
    assert r.status_code == 200, r.get_json()
    assert r.data[:5] == b"%PDF-"
    t = text(r.data)
    assert "已满十四周岁不满十八周岁（16周岁）" in t and "第三十条" in t and "从轻" in t, t
    assert "依法从轻处罚，罚款五十元" in t


# --- 第四十条: a fact recorded as 无法计算, and the law's own branch for it ----------------------------------

@pytest.fixture
def seed_benchmark(sessions):
    """The seed catalogue (广告法 第五十五条第一款 as GG-55-1 with its 无法计算 branch)."""
    from pathlib import Path

    from casebook.services import catalogue as cat
    from casebook.services.context import SYSTEM

    path = Path(__file__).resolve().parents[2] / "catalogue" / "sd-scjg-benchmark.yaml"
    with sessions() as s, s.begin():
        cat.import_document(s, SYSTEM, cat.load_bytes(path.read_bytes(), path.name), source=path.name)
    cat.invalidate()
    yield
    cat.invalidate()


def test_the_lookup_takes_the_uncomputable_branch_only_when_the_fact_is_recorded_as_such(api, seed_benchmark):
    r = api.post("/api/v1/rules/benchmark", {"item": "GG-55-1", "facts": {"advertising_fee": "100000.00"}})
    assert r.status_code == 200 and r.get_json()["legal_max"] == "500000.00", r.get_json()  # 3–5 倍
    r = api.post("/api/v1/rules/benchmark", {"item": "GG-55-1", "facts": {}})
    assert r.status_code == 422 and r.get_json()["code"] == "fact_missing"  # not recorded: never the 无法计算 range
    r = api.post("/api/v1/rules/benchmark", {"item": "GG-55-1", "facts": {},
                                             "uncomputable": {"advertising_fee": "广告合同缺失，发布费用无法核实"}})
    assert r.status_code == 200, r.get_json()
    b = r.get_json()
    assert (b["legal_min"], b["legal_max"]) == ("200000.00", "1000000.00")
    assert "广告费用无法计算或者明显偏低的" in b["legal_text"] and "广告合同缺失" in b["explanation"]
    # an item whose law has no such branch refuses, naming why
    r = api.post("/api/v1/rules/benchmark", {"item": "SP-124-1-5", "facts": {},
                                             "uncomputable": {"goods_value": "账簿缺失"}})
    assert r.status_code == 422 and r.get_json()["code"] == "fact_missing"
    assert "没有货值金额无法计算时的罚款幅度" in r.get_json()["message"]


def test_the_officer_records_uncomputable_with_a_reason_and_the_proposal_and_decision_state_the_branch(api, seed_benchmark):
    from tests.integration.test_documents_issue import text

    cid = api.investigated_case()
    before = api.snapshot()
    for bad, field in (({"uncomputable_fact": "advertising_fee"}, "uncomputable_reason"),
                       ({"uncomputable_reason": "合同缺失"}, "uncomputable_fact"),
                       ({"uncomputable_fact": "advertising_fee", "uncomputable_reason": "合同缺失",
                         "advertising_fee": "0.00"}, "uncomputable_fact"),
                       ({"uncomputable_fact": "bribe", "uncomputable_reason": "x"}, "uncomputable_fact")):
        r = api.act(cid, "update_facts", bad, expect=422)
        assert field in r.get_json()["errors"], r.get_json()
    assert api.snapshot() == before
    fine = {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "300000.00", "violation_code": "GG-55-1",
            "basis": "《中华人民共和国广告法》第五十五条第一款"}
    r = api.act(cid, "propose_penalty", fine, expect=409)
    assert ("fact_missing", "行政处罚法第四十条") in _reasons(r)
    api.act(cid, "update_facts", {"uncomputable_fact": "advertising_fee", "uncomputable_reason": "广告合同缺失，发布费用无法核实"})
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["uncomputable_facts"] == {"advertising_fee": "广告合同缺失，发布费用无法核实"}
    assert case["advertising_fee"] is None
    b = api.act(cid, "propose_penalty", fine).get_json()["benchmark"]
    assert (b["legal_min"], b["legal_max"]) == ("200000.00", "1000000.00")
    assert "本案广告费用无法计算（广告合同缺失，发布费用无法核实）" in b["explanation"]
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    r = api.post(f"/api/v1/cases/{cid}/documents/penalty_decision/preview", {"fields": {}})
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    assert "广告费用无法计算" in t and "广告费用无法计算或者明显偏低的" in t, t
    # an amount recorded later replaces the 无法计算 (and the multiple applies again)
    api.act(cid, "update_facts", {"advertising_fee": "100000.00"}, expect=409)  # the notice is served: stage moved on
    assert api.get(f"/api/v1/cases/{cid}").get_json()["uncomputable_facts"] == {"advertising_fee": "广告合同缺失，发布费用无法核实"}


def test_an_amount_recorded_after_uncomputable_takes_its_place(api, seed_benchmark):
    cid = api.investigated_case()
    api.act(cid, "update_facts", {"uncomputable_fact": "advertising_fee", "uncomputable_reason": "合同缺失"})
    api.act(cid, "update_facts", {"advertising_fee": "100000.00"})
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert (case["uncomputable_facts"], case["advertising_fee"]) == ({}, "100000.00")
    b = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "300000.00",
                                         "violation_code": "GG-55-1"}).get_json()["benchmark"]
    assert (b["legal_min"], b["legal_max"]) == ("300000.00", "500000.00") and "无法计算" not in b["explanation"]


def test_the_documents_name_the_passport_as_such_and_the_recorded_birth_date(api):
    from tests.integration.test_documents_issue import text

    pid = _passport_holder(api, "E98765432", birth_date="2009-06-30", address="山东省枣庄市山亭区府前路1号")  # 16 at the act
    cid = api.noticed_case(party_id=pid, act_started_on="2026-01-10", kinds=("warning",), fine=None)
    r = api.post(f"/api/v1/cases/{cid}/documents/penalty_decision/preview", {"fields": {}})
    assert r.status_code == 200, r.get_json()
    t = text(r.data)
    assert "护照号码" in t and "E98765432" in t and "身份证号码" not in t, t
    assert "已满十四周岁不满十八周岁（16周岁）" in t
