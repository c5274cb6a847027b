"""The rules catalogue through the API, the CLI, the guards and the event handlers, on every backend."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from casebook.db.models import CatalogueVersion, ConsumerInbox, OutboxEvent
from casebook.services import catalogue as cat
from casebook.services.context import SYSTEM
from tests.helpers import wait_until
from tests.integration.test_documents_render import pdftotext, squash

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue"


def _doc(name):
    return yaml.safe_load((FIX / f"{name}.yaml").read_text())


@pytest.fixture
def rules(sessions):
    """Import the test catalogue (benchmark, exemptions, thresholds, triggers)."""
    with sessions() as s, s.begin():
        for name in ("benchmark", "thresholds", "triggers", "exemptions"):
            cat.import_document(s, SYSTEM, _doc(name), source=f"{name}.yaml")
    cat.invalidate()
    yield
    cat.invalidate()


def _upload(api, content: bytes, filename: str, who="admin"):
    return api.c.post("/api/v1/admin/catalogue", data={"file": (io.BytesIO(content), filename)},
                      headers=api.h(who), content_type="multipart/form-data")


def test_an_admin_imports_yaml_and_the_lookups_answer(api, sessions):
    r = _upload(api, (FIX / "benchmark.yaml").read_bytes(), "benchmark.yaml")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["code"] == "TEST-BM" and r.get_json()["version"] == 1
    got = api.post("/api/v1/rules/benchmark", {"item": "T-SP-124", "facts": {"goods_value": "12000.00"},
                                               "circumstances": ["repeat_offence"], "proposed_fine": "220000.00"}).get_json()
    assert got["tier"] == "severe" and got["legal_min"] == "120000.00" and got["legal_max"] == "240000.00"
    assert (got["min"], got["max"]) == ("204000.00", "240000.00")
    assert got["check"]["status"] == "in_tier" and "第一百二十四条" in got["basis"]
    items = api.get("/api/v1/catalogue/items?q=保质期").get_json()
    assert [i["code"] for i in items] == ["T-SP-124"]
    assert _upload(api, (FIX / "benchmark.yaml").read_bytes(), "benchmark.yaml", who="zhangwei").status_code == 403


def test_a_bad_file_reports_every_problem_and_imports_nothing(api, sessions):
    d = _doc("benchmark")
    d["violation_items"][0]["range"]["bands"][0]["fixed"]["min"] = "abc"
    d["violation_items"][2]["penalty_kinds"] = ["fine", "caning"]
    before = api.snapshot()
    r = _upload(api, yaml.safe_dump(d, allow_unicode=True).encode(), "bad.yaml")
    assert r.status_code == 422 and r.get_json()["code"] == "catalogue_invalid"
    errs = r.get_json()["errors"]
    assert any("abc" in m[0] for m in errs.values()) and any("caning" in m[0] for m in errs.values())
    assert api.snapshot() == before
    with sessions() as s:
        assert s.execute(select(CatalogueVersion)).first() is None
    r = _upload(api, b"\x00\x01 not yaml: [", "x.yaml")
    assert r.status_code == 422
    assert _upload(api, b"hello", "x.exe").get_json()["code"] == "unsupported_catalogue_file"


def test_an_exemption_list_must_point_at_known_violation_items(api, rules):
    d = _doc("exemptions")
    d["catalogue"]["version"] = 2
    d["exemption_items"][0]["violation_code"] = "T-NOPE"
    r = _upload(api, yaml.safe_dump(d, allow_unicode=True).encode(), "ex.yaml")
    assert r.status_code == 422 and any("T-NOPE" in m[0] for m in r.get_json()["errors"].values())


def test_xlsx_round_trips_and_bad_cells_are_named_by_row_and_column(api, rules, sessions):
    from openpyxl import load_workbook

    x = api.get("/api/v1/catalogue/TEST-BM/export?format=xlsx")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.data))
    assert wb["裁量基准"]["D2"].value == "经营超过保质期的食品"
    wb["目录信息"]["B7"] = 2  # 版本
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(api, buf.getvalue(), "v2.xlsx")
    assert r.status_code == 201, r.get_json()
    with sessions() as s:
        v1, v2 = (cat.get_version(s, "TEST-BM", v).content for v in (1, 2))
    assert cat.diff(v1, v2) == {"added": [], "removed": [], "changed": []}
    ws = wb["裁量基准"]
    ws["L2"] = "五万"           # 罚款下限
    ws["H3"] = "特别从重"        # 裁量阶次
    wb["目录信息"]["B7"] = 3
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(api, buf.getvalue(), "v3.xlsx")
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert "五万" in errors["裁量基准 第2行「罚款下限(元)」"][0] and "特别从重" in errors["裁量基准 第3行「裁量阶次」"][0]


def test_a_new_version_applies_from_its_effective_date_and_the_decision_records_it(api, rules, sessions):
    d = _doc("benchmark")
    d["catalogue"].update(version=2, effective_from="2026-03-15")
    d["violation_items"][3]["range"] = {"fixed": {"min": "60000", "max": "300000"}}
    with sessions() as s, s.begin():
        cat.import_document(s, SYSTEM, d)
    before = api.post("/api/v1/rules/benchmark", {"item": "T-DJ-44", "on": "2026-03-14"}).get_json()
    after = api.post("/api/v1/rules/benchmark", {"item": "T-DJ-44", "on": "2026-03-15"}).get_json()
    assert (before["version"], before["legal_max"]) == (1, "200000.00")
    assert (after["version"], after["legal_max"]) == (2, "300000.00")


def test_the_cli_imports_exports_and_diffs(settings, rules, tmp_path):
    env = {"CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir)}
    out = tmp_path / "bm.yaml"
    r = CliRunner().invoke(__import__("casebook.cli", fromlist=["main"]).main,
                           ["catalogue", "export", "TEST-BM", "-o", str(out)], env=env)
    assert r.exit_code == 0 and out.exists()
    d = yaml.safe_load(out.read_text())
    d["catalogue"]["version"] = 2
    d["violation_items"].pop()
    d["violation_items"][0]["name"] = "经营超过保质期的食品（修订）"
    out.write_text(yaml.safe_dump(d, allow_unicode=True))
    from casebook.cli import main

    r = CliRunner().invoke(main, ["catalogue", "diff", str(out)], env=env)
    assert "删除（1）：T-DJ-44" in r.output and "修改（1）：T-SP-124" in r.output
    r = CliRunner().invoke(main, ["catalogue", "import", str(out)], env=env)
    assert r.exit_code == 0 and "TEST-BM 第2版" in r.output
    r = CliRunner().invoke(main, ["catalogue", "import", str(out)], env=env)
    assert r.exit_code == 2 and "版本号须大于2" in r.output


def _case_with_facts(api, facts: dict, circumstances=(), code="T-SP-124", party="organization"):
    cid = api.filed_case(party_kind=party)
    api.act(cid, "start_investigation")
    ev = api.evidence(cid).get_json()["id"]
    from casebook.domain.general_provisions import EVIDENCED  # 第三十一至三十三条 grounds rest on evidence

    api.act(cid, "update_facts", {**facts, "violations": [{"code": code, "description": "经营超过保质期的食品"}],
                                  "circumstances": list(circumstances),
                                  "ground_evidence": {c: [ev] for c in circumstances if c in EVIDENCED}})
    api.confirm_all(cid)  # 会签: the other named officer confirms the 笔录 and the evidence
    api.act(cid, "close_investigation", {"report": "调查终结"})
    return cid


def test_a_penalty_is_refused_while_criminal_suspicion_is_open(api, rules):
    """以罚代刑 (国务院令第310号 第十一条): refer, or record the head's refusal to refer, first."""
    cid = _case_with_facts(api, {"sales_amount": "50000.00", "goods_value": "2000.00"})
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "70000.00",
                                     "violation_code": "T-SP-124"})
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["criminal_suspicion"] and case["criminal_crossings"][0]["code"] == "XS-140"
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    api.review(cid)
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                                "fine_amount": "70000.00"}, who="zhaomin", expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "criminal_suspicion_open" and "第十一条" in reason["article"] and "5" in reason["message"]
    api.act(cid, "decline_referral", {"decided_on": "2026-03-17", "reason": "经核实销售金额系重复计算"}, who="zhaomin")
    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"], "fine_amount": "70000.00"},
            who="zhaomin")


def test_referring_the_case_is_always_allowed(api, rules):
    cid = _case_with_facts(api, {"goods_value": "150000.00"})
    api.act(cid, "decide", {"kind": "refer", "decided_on": "2026-03-12"}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["referral_status"] == "referred"


def test_a_fine_outside_the_tier_needs_a_reason_and_legal_review(api, rules):
    cid = _case_with_facts(api, {"goods_value": "2000.00"}, ["first_offence"])  # lenient: 5万–6.5万
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "80000.00",
                                     "violation_code": "T-SP-124"})
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["benchmark"]["tier"] == "lenient" and case["benchmark"]["check"]["status"] == "outside_tier"
    assert "处罚超出裁量基准阶次" in case["major_reasons"]
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    decide = {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"], "fine_amount": "80000.00"}
    r = api.act(cid, "decide", decide, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["deviation_reason_missing", "legal_review_required"]
    api.review(cid, opinion="returned")
    r = api.act(cid, "decide", {**decide, "deviation_reason": "当事人曾被警告"}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["legal_review_required"]
    assert "审核未通过" in r.get_json()["errors"]["reasons"][0]["message"]
    api.review(cid)
    api.act(cid, "decide", {**decide, "deviation_reason": "当事人曾被警告", "basis": "《食品安全法》第一百二十四条"},
            who="zhaomin")
    # The decision states the benchmark applied, its tier and range, and why the fine leaves it (第三十四条).
    r = api.get(f"/api/v1/cases/{cid}/documents/penalty_decision/preview")
    assert r.status_code == 200, r.get_json()
    text = squash(pdftotext(r.data, "-raw"))
    for item in ("依据《测试用裁量基准》", "T-SP-124", "“从轻处罚”裁量阶次", "50,000.00元至65,000.00元",
                 "拟处罚款不在该阶次幅度内，理由：当事人曾被警告。"):
        assert squash(item) in text, item


def test_a_fine_above_the_legal_maximum_cannot_even_be_proposed(api, rules):
    cid = _case_with_facts(api, {"goods_value": "2000.00"})
    r = api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "100000.01",
                                         "violation_code": "T-SP-124"}, expect=409)
    assert r.get_json()["errors"]["reasons"][0]["code"] == "penalty_above_legal_max"


def test_mitigation_below_the_minimum_needs_review_and_collective_discussion(api, rules):
    cid = _case_with_facts(api, {"goods_value": "2000.00"}, ["coerced"])
    api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "30000.00",
                                     "violation_code": "T-SP-124", "deviation_reason": "受胁迫实施，依法减轻"})
    api.act(cid, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    decide = {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"], "fine_amount": "30000.00"}
    r = api.act(cid, "decide", decide, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["legal_review_required", "collective_discussion_required"]
    api.review(cid)
    api.act(cid, "record_collective_discussion", {"held_on": "2026-03-17", "attendees": ["赵敏", "钱副局长", "孙丽"],
                                                  "opinions": "同意减轻", "conclusion": "减轻处罚，罚款三万元"}, who="zhaomin")
    api.act(cid, "decide", decide, who="zhaomin")


def test_a_no_penalty_decision_on_an_exemption_item_needs_correction_and_education(api, rules):
    cid = _case_with_facts(api, {"goods_value": "300.00"}, ["minor", "corrected_within_deadline", "no_harm"])
    api.act(cid, "propose_penalty", {"kind": "no_penalty", "exemption_code": "T-MF-1"})
    ex = api.get(f"/api/v1/cases/{cid}").get_json()["exemption"]
    assert ex["eligible"] and ex["measures"] == ["order_correction", "criticism_education", "commitment_letter"]
    r = api.act(cid, "decide", {"kind": "no_penalty", "decided_on": "2026-03-12"}, who="zhaomin", expect=409)
    assert [x["code"] for x in r.get_json()["errors"]["reasons"]] == ["exemption_measures_missing"]
    api.act(cid, "decide", {"kind": "no_penalty", "decided_on": "2026-03-12", "correction_order": "责令三日内下架销毁",
                            "education_note": "已对负责人进行食品安全法律法规教育"}, who="zhaomin")


def test_a_second_offence_within_the_look_back_is_not_exempt(api, rules):
    first = _case_with_facts(api, {"goods_value": "300.00"})
    api.act(first, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine"], "fine_amount": "70000.00",
                                       "violation_code": "T-SP-124"})
    api.act(first, "serve_prior_notice", {"served_on": "2026-03-10", "method": "direct"})
    api.review(first)
    api.act(first, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine"],
                              "fine_amount": "70000.00"}, who="zhaomin")
    again = _case_with_facts(api, {"goods_value": "300.00"}, ["minor", "corrected_within_deadline", "no_harm"])
    r = api.act(again, "propose_penalty", {"kind": "no_penalty", "exemption_code": "T-MF-1"}, expect=409)
    reason = r.get_json()["errors"]["reasons"][0]
    assert reason["code"] == "exemption_not_eligible" and "已有1次" in reason["message"]
    # The same check through the API, by party.
    party = api.party("organization")
    got = api.post("/api/v1/rules/exemption", {"item": "T-MF-1", "party_id": party, "facts": {"goods_value": "300.00"},
                                               "circumstances": ["minor", "corrected_within_deadline", "no_harm"]}).get_json()
    assert got["eligible"] is False and got["conditions"][0]["met"] is False


def test_the_rules_handler_raises_referral_and_review_events(api, rules, sessions, event_settings):
    from events.runtime import start_background

    def raised(cid):
        with sessions() as s:
            return set(s.execute(select(OutboxEvent.type).where(OutboxEvent.case_id == cid)).scalars())

    bg = start_background(sessions, event_settings)
    try:
        cid = _case_with_facts(api, {"goods_value": "160000.00"})
        # The facts cross 货值 ≥ 15万: the handler flags the case and suggests a referral. That change bumps the
        # case version, so an officer holding the old ETag is told to refresh (and sees the suggestion).
        wait_until(lambda: "referral.suggested" in raised(cid), what="referral.suggested raised by the rules handler")
        api.act(cid, "propose_penalty", {"kind": "penalty", "penalty_kinds": ["fine", "revoke_license"],
                                         "fine_amount": "1600000.00", "violation_code": "T-SP-124"})
        wait_until(lambda: "legal_review.required" in raised(cid), what="legal_review.required raised")

        def settled():
            with sessions() as s:
                applied = set(s.execute(select(ConsumerInbox.event_id).where(ConsumerInbox.consumer == "rules")).scalars())
                wanted = set(s.execute(select(OutboxEvent.event_id).where(
                    OutboxEvent.case_id == cid, OutboxEvent.type.in_(("case.facts_updated", "penalty.proposed")))).scalars())
                return wanted <= applied
        wait_until(settled, what="rules handler applied both events")
    finally:
        bg.stop()
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    assert case["referral_status"] == "suggested" and case["criminal_suspicion"]
    assert case["legal_review_status"] == "required" and any("吊销许可证件" in r for r in case["major_reasons"])
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json()]
    assert trail.count("case.suggest_referral") == 1 and trail.count("case.require_legal_review") == 1


def test_threshold_check_endpoint(api, rules):
    got = api.post("/api/v1/rules/thresholds", {"facts": {"sales_amount": "30000", "goods_value": "60000"}}).get_json()
    assert got["crossed"] and got["crossings"][0]["code"] == "XS-140" and "150000.00元" in got["crossings"][0]["reason"]
    assert api.post("/api/v1/rules/thresholds", {"facts": {"sales_amount": "49999.99"}}).get_json()["crossed"] is False
