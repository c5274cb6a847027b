"""The rule checks (pure), table-driven at the legal boundaries: exactly 5万, 49,999.99, bands, floors."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from casebook.domain.rules import checks
from casebook.domain.rules.model import CatalogueInvalid, parse_catalogue

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue"


def doc(name):
    return yaml.safe_load((FIX / f"{name}.yaml").read_text())


BM = parse_catalogue(doc("benchmark"))
XS = parse_catalogue(doc("thresholds"))
TR = parse_catalogue(doc("triggers")).items[0]
ITEMS = {i.code: i for i in BM.items}


@pytest.mark.parametrize(("goods", "lo", "hi"), [
    ("0", "50000", "100000"),
    ("9999.99", "50000", "100000"),     # still the fixed band
    ("10000", "100000", "200000"),      # from 1万: 10 to 20 times
    ("12345.67", "123456.70", "246913.40"),
])
def test_food_safety_article_124_bands_switch_at_ten_thousand(goods, lo, hi):
    lo_, hi_, _ = checks.legal_range(ITEMS["T-SP-124"], {"goods_value": D(goods)})
    assert (lo_, hi_) == (D(lo), D(hi))


@pytest.mark.parametrize(("gains", "lo", "hi"), [
    ("0", "10000", "10000"),       # 没有违法所得, recorded as such: the floor applies
    ("1000", "10000", "10000"),
    ("5000", "10000", "25000"),
    ("20000", "20000", "100000"),
])
def test_multiples_with_a_floor(gains, lo, hi):
    lo_, hi_, text = checks.legal_range(ITEMS["T-FLOOR"], {"illegal_gains": D(gains) if gains else None})
    assert (lo_, hi_) == (D(lo), D(hi))
    assert "违法所得" in text


def test_gains_not_recorded_give_no_range_rather_than_the_floor():
    with pytest.raises(checks.FactMissing):  # 行政处罚法 第四十条: never taken as zero (Issue 12)
        checks.legal_range(ITEMS["T-FLOOR"], {"illegal_gains": None})


def test_tiers_default_to_30_40_30_and_explicit_tiers_override():
    r = checks.benchmark(ITEMS["T-DJ-44"], BM, {}, [])
    assert r.tier == "standard" and (r.min, r.max) == (D("95000.00"), D("155000.00"))
    assert r.tiers["lenient"] == (D("50000.00"), D("95000.00")) and r.tiers["severe"] == (D("155000.00"), D("200000.00"))
    first = checks.benchmark(ITEMS["T-SP-124"], BM, {"goods_value": D("2000")}, ["first_offence"])
    assert first.tier == "lenient" and (first.min, first.max) == (D("50000.00"), D("65000.00"))
    assert "初次违法" in first.explanation and "测规〔2026〕1号" in first.explanation


def test_aggravating_and_mitigating_together_give_the_standard_tier_with_reasons():
    r = checks.benchmark(ITEMS["T-DJ-44"], BM, {}, ["cooperated", "repeat_offence"])
    assert r.tier == "standard" and "并存" in r.explanation


def test_article_32_circumstances_are_named_in_the_explanation():
    r = checks.benchmark(ITEMS["T-DJ-44"], BM, {}, ["coerced"])
    assert r.tier == "lenient" and "第三十二条" in r.explanation


@pytest.mark.parametrize(("fine", "status"), [
    ("95000", "in_tier"), ("155000", "in_tier"), ("94999.99", "outside_tier"), ("155000.01", "outside_tier"),
    ("49999.99", "mitigated"), ("50000", "outside_tier"), ("200000", "outside_tier"), ("200000.01", "above_legal_max"),
])
def test_a_proposed_fine_is_placed_against_tier_and_legal_range(fine, status):
    r = checks.benchmark(ITEMS["T-DJ-44"], BM, {}, [])
    c = checks.check_penalty(r, D(fine))
    assert c.status == status
    assert c.needs_legal_review == (status != "in_tier")
    assert c.needs_collective_discussion == (status in ("mitigated", "above_legal_max"))


def crossed(facts, circ=(), party="organization", prior=0):
    return [c.code for c in checks.thresholds(XS.items, {k: D(v) for k, v in facts.items()}, circ, party, lambda y: prior)]


@pytest.mark.parametrize(("facts", "expected"), [
    ({"sales_amount": "50000"}, ["XS-140"]),             # exactly 5万
    ({"sales_amount": "49999.99"}, []),
    ({"goods_value": "150000"}, ["XS-140"]),
    ({"goods_value": "149999.99"}, []),
    ({"sales_amount": "30000", "goods_value": "60000"}, ["XS-140"]),   # 3 × 3万 + 6万 = 15万
    ({"sales_amount": "30000", "goods_value": "59999.99"}, []),
])
def test_counterfeit_goods_thresholds_of_article_140(facts, expected):
    assert crossed(facts) == expected


def test_offences_without_amounts_trigger_on_listed_circumstances():
    assert crossed({}, ["toxic_non_food_additive"]) == ["XS-144"]
    assert crossed({}, ["first_offence"]) == []


def test_illegal_business_thresholds_differ_by_party_and_count_prior_penalties():
    assert crossed({"turnover": "50000"}, party="person") == ["XS-225-P"]
    assert crossed({"turnover": "50000"}, party="organization") == []
    assert crossed({}, party="person", prior=2) == ["XS-225-P"]
    assert crossed({}, party="person", prior=1) == []
    c = checks.thresholds(XS.items, {"illegal_gains": D("12000")}, [], "person", lambda y: 0)[0]
    assert "违法所得≥10000元" in c.reason and "12000.00元" in c.reason


def test_exemption_lists_every_condition_with_its_result():
    item = parse_catalogue(doc("exemptions")).items[0]
    ok = checks.exemption(item, {"goods_value": D("500")}, ["minor", "corrected_within_deadline", "no_harm"], 0)
    assert ok.eligible and [c["code"] for c in ok.conditions] == ["first_offence", "minor", "corrected_within_deadline",
                                                                  "no_harm", "max_goods_value"]
    again = checks.exemption(item, {"goods_value": D("500.01")}, ["minor", "no_harm"], 1)
    assert not again.eligible
    assert {c["code"] for c in again.conditions if not c["met"]} == {"first_offence", "corrected_within_deadline",
                                                                     "max_goods_value"}


@pytest.mark.parametrize(("party", "kinds", "fine", "review", "hearing"), [
    ("person", ["fine"], "10000", True, True),
    ("person", ["fine"], "9999.99", False, False),
    ("organization", ["fine"], "99999.99", False, False),
    ("organization", ["fine"], "100000", True, True),
    ("person", ["warning", "revoke_license"], None, True, True),
    ("organization", ["suspend_operations"], None, True, True),
    ("person", ["warning"], None, False, False),
    # 其他较重的行政处罚: the agency's rules add 暂扣许可证件 (the fixture's hearing.penalty_kinds); 限制开展生产经营活动
    # they do not, and the article does not list it
    ("organization", ["suspend_license"], None, False, True),
    ("organization", ["restrict_operations"], None, False, False),
])
def test_review_and_hearing_triggers(party, kinds, fine, review, hearing):
    f = D(fine) if fine else None
    assert bool(checks.review_reasons(TR, party, kinds, f, heard=False, outside_benchmark=False, mitigated=False)) is review
    assert checks.hearing_right(TR, party, kinds, f, None) is hearing


def test_mitigation_needs_review_and_collective_discussion():
    assert checks.review_reasons(TR, "person", ["fine"], D("100"), heard=False, outside_benchmark=True, mitigated=True)
    assert checks.discussion_reasons(TR, "person", ["fine"], D("100"), mitigated=True) == ["减轻处罚须经集体讨论"]


def test_effective_dates_are_half_open():
    d = copy.deepcopy(doc("benchmark"))
    d["catalogue"]["effective_from"] = "2026-06-01"
    d["catalogue"]["effective_to"] = "2027-01-01"
    c = parse_catalogue(d)
    assert not c.effective_on(dt.date(2026, 5, 31)) and c.effective_on(dt.date(2026, 6, 1))
    assert c.effective_on(dt.date(2026, 12, 31)) and not c.effective_on(dt.date(2027, 1, 1))


def test_a_bad_catalogue_reports_every_problem_and_where():
    d = copy.deepcopy(doc("benchmark"))
    d["catalogue"]["version"] = 0
    d["violation_items"][0]["range"]["bands"][1]["when"] = {"fact": "goods_value", "gt": "10000"}  # gap at exactly 1万
    d["violation_items"][1]["penalty_kinds"] = ["fine", "flogging"]
    d["violation_items"][2]["range"]["multiple"]["min"] = 1.5
    d["violation_items"][3]["code"] = "T-CP-49"
    with pytest.raises(CatalogueInvalid) as e:
        parse_catalogue(d)
    where = dict(e.value.problems)
    assert "catalogue.version" in where
    assert "有空缺" in where["violation_items[0].range.bands"] and "10000" in where["violation_items[0].range.bands"]
    assert "flogging" in where["violation_items[1].penalty_kinds"]
    assert "不能是小数" in where["violation_items[2].range.multiple.min"]
    assert "编码重复" in where["violation_items[3].code"]


def test_lookups_are_fast_on_a_5000_item_catalogue():
    """Correctness of the index at scale; the p99 timing itself is measured in bench/rules_lookup.py."""
    d = copy.deepcopy(doc("benchmark"))
    base = d["violation_items"][0]
    d["violation_items"] = [{**base, "code": f"G-{i}"} for i in range(5000)]
    from casebook.services.catalogue import Registry

    reg = Registry([parse_catalogue(d)])
    day = dt.date(2026, 3, 1)
    assert reg.violation("G-4999", day)[1].code == "G-4999" and reg.violation("nope", day) is None


def test_a_field_specific_any_amount_offence_needs_the_field():
    """假药 (刑法 第一百四十一条) has no amount threshold: it must not fire on a case of unknown field."""
    d = doc("thresholds")
    d["thresholds"].append({"code": "XS-141", "offence": "生产、销售、提供假药罪", "criminal_article": "《刑法》第一百四十一条",
                            "basis": "刑法", "applies_to_fields": ["药品"], "any_of": [{"fact": "goods_value", "gte": "0"}]})
    items = parse_catalogue(d).items
    facts = {"goods_value": D("100")}
    assert [c.code for c in checks.thresholds(items, facts, [], "person", lambda y: 0)] == []
    assert [c.code for c in checks.thresholds(items, facts, [], "person", lambda y: 0, ["药品"])] == ["XS-141"]
    assert [c.code for c in checks.thresholds(items, facts, [], "person", lambda y: 0, ["食品安全"])] == []
