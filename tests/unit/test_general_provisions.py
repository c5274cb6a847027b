"""行政处罚法 第三十条 (minors) and 第三十六条 (limitation) at their boundaries, pure (no database, no HTTP)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook.domain import general_provisions as gp
from casebook.domain import lifecycle as lc
from casebook.domain.identifiers import birth_date_of
from casebook.seed import demo_resident_id
from casebook.services.acts import ACTS

D = dt.date
A = lc.OfficerView(1, "张伟", (lc.CredentialView("37040024001", D(2024, 1, 1), D(2029, 12, 31)),))
B = lc.OfficerView(2, "李强", (lc.CredentialView("37040024002", D(2024, 1, 1), D(2029, 12, 31)),))


def reasons(action, case, rules=None, officers=(), roles=frozenset({"agency_head"}), **data):
    ctx = lc.ActContext(actor_id=1, roles=roles, today=D(2026, 11, 24), data=data, rules=rules,
                        act_officers=list(officers))
    return [(r.code, r.article) for r in lc.check(ACTS[action], case, ctx).reasons]


# --- 第三十六条: two years, five for 生命健康安全/金融安全 with harm; from the act, or from its end -------------------

ACT = D(2024, 3, 1)


@pytest.mark.parametrize(("discovered", "expired"), [
    (D(2026, 2, 28), False),  # two years less a day
    (D(2026, 3, 1), False),   # the anniversary: the last day of the period
    (D(2026, 3, 2), True),    # the day after
])
def test_two_years_from_the_act(discovered, expired):
    lim = gp.limitation(gp.ActPeriod(ACT), discovered, gp.limitation_years(None, ()))
    assert lim.years == 2 and lim.last_day == D(2026, 3, 1) and lim.expired is expired


def test_a_leap_day_act_runs_to_28_february():
    assert gp.limitation(gp.ActPeriod(D(2024, 2, 29)), D(2026, 3, 1), 2).expired
    assert not gp.limitation(gp.ActPeriod(D(2024, 2, 29)), D(2026, 2, 28), 2).expired


@pytest.mark.parametrize(("category", "circ", "reason", "years"), [
    ("life_health_safety", ["harm_caused"], None, 5),
    ("financial_safety", ["serious_harm"], None, 5),
    ("life_health_safety", [], None, 2),          # no harmful consequences: two years
    ("life_health_safety", ["no_harm"], None, 2),
    (None, ["harm_caused"], None, 2),              # not the category
    (None, [], "造成多人食物中毒", 5),              # at filing, before the item is known: a recorded reason
])
def test_the_five_year_period(category, circ, reason, years):
    assert gp.limitation_years(category, circ, reason) == years


def test_a_continuing_act_counts_from_its_end_and_not_at_all_while_it_goes_on():
    ended = gp.ActPeriod(D(2020, 1, 1), D(2024, 6, 1), False)
    assert ended.counted_from == D(2024, 6, 1)
    assert not gp.limitation(ended, D(2026, 6, 1), 2).expired
    assert gp.limitation(ended, D(2026, 6, 2), 2).expired
    going_on = gp.ActPeriod(D(2015, 1, 1), None, True)
    lim = gp.limitation(going_on, D(2026, 6, 2), 2)
    assert not lim.expired and lim.last_day is None and "尚未起算" in lim.text


LEAD = lc.CaseView(stage="lead", party_kind="organization", discovered_on=D(2026, 3, 2))


def test_filing_is_refused_with_the_article_when_the_act_is_more_than_two_years_old():
    got = reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3), act_started_on=D(2024, 3, 1))
    assert got == [("limitation_expired", "行政处罚法第三十六条")]
    assert reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3), act_started_on=D(2024, 3, 2)) == []
    # a recorded reason for the five years (生命健康安全 with harm) lets it be filed
    assert reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3), act_started_on=D(2022, 3, 2),
                   long_limitation_reason="造成多人食物中毒") == []
    # continuing: counted from its end
    assert reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3), act_started_on=D(2020, 1, 1),
                   act_continuing=True) == []
    # no act date recorded: nothing to count (stated as such on the documents)
    assert reasons("file", LEAD, officers=(A, B), filed_on=D(2026, 3, 3)) == []


def _closed(**over):
    base = dict(stage="investigation_closed", party_kind="organization", officers=[A, B], discovered_on=D(2026, 3, 2),
                filed_on=D(2026, 3, 3), act_started_on=D(2022, 3, 2), circumstances=["harm_caused"])
    return lc.CaseView(**{**base, **over})


def test_the_proposal_uses_the_catalogue_category_for_five_years():
    penalty = dict(kind="penalty", penalty_kinds=["warning"])
    food = lc.RuleEval(limitation_category="life_health_safety")
    other = lc.RuleEval(limitation_category=None)
    assert reasons("propose_penalty", _closed(), rules=food, **penalty) == []
    assert reasons("propose_penalty", _closed(), rules=other, **penalty) == [("limitation_expired", "行政处罚法第三十六条")]
    # harm not recorded: two years even for food safety
    assert reasons("propose_penalty", _closed(circumstances=[]), rules=food, **penalty) == \
        [("limitation_expired", "行政处罚法第三十六条")]
    # a decision not to penalise is not refused
    assert reasons("propose_penalty", _closed(), rules=other, kind="no_penalty") == []


# --- 第三十条: under 14 not penalised; 14 to 18 从轻或者减轻 -----------------------------------------------------

BIRTH = D(2010, 6, 15)


@pytest.mark.parametrize(("day", "age"), [
    (D(2024, 6, 14), 13),  # 13 years 364 days
    (D(2024, 6, 15), 14),
    (D(2028, 6, 14), 17),
    (D(2028, 6, 15), 18),
])
def test_age_in_full_years(day, age):
    assert gp.age_on(BIRTH, day) == age


def test_birth_date_from_the_resident_id():
    assert birth_date_of(demo_resident_id("37040220100615002")) == BIRTH
    assert birth_date_of("370402100615002") == D(1910, 6, 15)  # the old 15-digit number: 19YY
    assert birth_date_of("91370406MA3C000019") is None  # a credit code


TIERS = {"lenient": ["50000.00", "65000.00"], "standard": ["65000.00", "85000.00"], "severe": ["85000.00", "100000.00"]}
BENCH = lc.RuleEval(benchmark={"tiers": TIERS, "legal_min": "50000.00", "legal_max": "100000.00"})


def _minor_case(act_on):
    return _closed(party_kind="person", party_birth_date=BIRTH, act_started_on=act_on, circumstances=[],
                   discovered_on=act_on + dt.timedelta(days=1))


@pytest.mark.parametrize(("act_on", "fine", "expected"), [
    (D(2024, 6, 14), "60000.00", ["party_under_14"]),          # 13 years 364 days: no penalty at all
    (D(2024, 6, 15), "60000.00", []),                            # 14: within 从轻
    (D(2024, 6, 15), "65000.00", []),                            # the top of 从轻
    (D(2024, 6, 15), "65000.01", ["minor_not_lenient"]),         # into the standard tier
    (D(2024, 6, 15), "30000.00", []),                            # 减轻 (below the legal minimum; reason and review elsewhere)
    (D(2028, 6, 14), "70000.00", ["minor_not_lenient"]),         # 17
    (D(2028, 6, 15), "70000.00", []),                            # 18: an adult
])
def test_minors_at_the_proposal(act_on, fine, expected):
    got = reasons("propose_penalty", _minor_case(act_on), rules=BENCH, kind="penalty", penalty_kinds=["fine"],
                  fine_amount=Decimal(fine))
    assert [c for c, _ in got] == expected
    assert all(a == "行政处罚法第三十条" for _, a in got)


def test_a_minor_without_a_benchmark_placement_is_not_fined_blind():
    got = reasons("decide", _minor_case(D(2025, 1, 1)), rules=lc.RuleEval(), kind="penalty", penalty_kinds=["fine"],
                  fine_amount=Decimal("100"), decided_on=D(2026, 3, 20))
    assert ("minor_leniency_unassessed", "行政处罚法第三十条") in got
    # a warning (no fine) for a 14-year-old is the lighter kind: allowed
    got = reasons("propose_penalty", _minor_case(D(2025, 1, 1)), rules=lc.RuleEval(), kind="penalty",
                  penalty_kinds=["warning"])
    assert got == []


SPOT = lc.CaseView(stage=None, procedure="summary", party_kind="person")


@pytest.mark.parametrize(("born", "extra", "expected"), [
    (D(2012, 6, 16), {}, ["party_under_14"]),                    # 13 on the day of the decision
    (D(2012, 6, 15), {}, ["minor_leniency_missing"]),            # 14 that day: 从轻/减轻 must be stated
    (D(2012, 6, 15), {"minor_leniency": "未成年人，从轻处罚"}, []),
    (D(2008, 6, 15), {}, []),                                    # 18
])
def test_minors_on_the_spot(born, extra, expected):
    got = reasons("decide_on_the_spot", SPOT, officers=(A, B), roles=frozenset({"officer"}), party_kind="person",
                  party_birth_date=born, decided_on=D(2026, 6, 15), penalty_kinds=["fine"], fine_amount=Decimal("100"),
                  form_no="X", **extra)
    assert [c for c, _ in got] == expected


# --- ranges that depend on facts: no range until the fact is recorded --------------------------------------------

def _item():
    from casebook.domain.rules.model import parse_catalogue

    doc = {"catalogue": {"kind": "benchmark", "code": "T", "name": "测试", "issuer": "x", "document_no": "x", "version": 1,
                         "effective_from": "2026-01-01"},
           "violation_items": [{"code": "SP", "field": "食品安全", "name": "过期食品", "violated_provision": "a",
                                "penalty_provision": "b", "penalty_kinds": ["fine"],
                                "range": {"bands": [{"when": {"fact": "goods_value", "lt": "10000"},
                                                     "fixed": {"min": "50000", "max": "100000"}},
                                                    {"when": {"fact": "goods_value", "gte": "10000"},
                                                     "multiple": {"fact": "goods_value", "min": "10", "max": "20"}}]}},
                               {"code": "GAINS", "field": "价格", "name": "x", "violated_provision": "a",
                                "penalty_provision": "b", "penalty_kinds": ["fine"],
                                "range": {"multiple": {"fact": "illegal_gains", "min": "1", "max": "5"}}}]}
    cat = parse_catalogue(doc)
    return cat, cat.items[0], cat.items[1]


def test_a_range_chosen_by_goods_value_is_refused_without_it_and_never_the_lowest_bracket():
    from casebook.domain.rules import checks

    cat, food, gains = _item()
    with pytest.raises(checks.FactMissing) as e:
        checks.benchmark(food, cat, {"goods_value": None}, [])
    assert e.value.facts == ["goods_value"] and e.value.message.startswith("货值金额未录入")
    assert checks.legal_range(food, {"goods_value": Decimal("20000")})[:2] == (Decimal("200000.00"), Decimal("400000.00"))
    assert checks.legal_range(food, {"goods_value": Decimal("0")})[:2] == (Decimal("50000"), Decimal("100000"))
    with pytest.raises(checks.FactMissing) as e:
        checks.legal_range(gains, {"illegal_gains": None})
    assert e.value.message.startswith("违法所得未录入")
    # a proposal with the fact missing is refused with the code
    rules = lc.RuleEval(penalty_check=checks.FactMissing("SP", ["goods_value"]).as_dict())
    got = reasons("propose_penalty", _closed(), rules=rules, kind="penalty", penalty_kinds=["fine"],
                  fine_amount=Decimal("60000"))
    assert ("fact_missing", "行政处罚法第四十条") in got


# --- 第三十七条: 从旧兼从轻 ---------------------------------------------------------------------------------

def _version(version: int, lo: str, hi: str):
    from casebook.domain.rules.model import parse_catalogue

    doc = {"catalogue": {"kind": "benchmark", "code": "T", "name": "测试", "issuer": "x", "document_no": "x",
                         "version": version, "effective_from": f"{2024 + version}-01-01"},
           "violation_items": [{"code": "DJ", "field": "登记", "name": "虚假登记", "violated_provision": "a",
                                "penalty_provision": "b", "penalty_kinds": ["fine"],
                                "range": {"fixed": {"min": lo, "max": hi}}}]}
    cat = parse_catalogue(doc)
    return cat, cat.items[0]


@pytest.mark.parametrize(("new_range", "chosen", "word"), [
    (("50000", "100000"), 2, "从轻适用第2版"),    # the new version is lighter: it applies
    (("100000", "300000"), 1, "从旧适用第1版"),   # heavier: the old one applies
    (("50000", "200000"), 1, "从旧适用第1版"),    # as heavy: the old one (从旧)
])
def test_the_lighter_version_applies(new_range, chosen, word):
    from casebook.domain.rules import checks

    old = checks.benchmark(*reversed(_version(1, "50000", "200000")), {}, [])
    new = checks.benchmark(*reversed(_version(2, *new_range)), {}, [])
    got = checks.applicable(old, new, D(2025, 6, 1), D(2026, 3, 20))
    assert got.version == chosen and word in got.law_choice and "第三十七条" in got.explanation
    assert checks.applicable(new, new, D(2026, 1, 2), D(2026, 3, 20)).law_choice == ""


# --- 第二十九条: one act, one fine ---------------------------------------------------------------------------

def test_a_second_fine_for_the_same_item_needs_a_reason():
    fined = ({"case_id": 7, "case_no": "山亭市监立〔2026〕7号", "items": ["DJ"], "fine_amount": "1000.00"},)
    case = _closed(same_act_fines=fined, violation_codes=("DJ",), circumstances=[], act_started_on=D(2026, 1, 1))
    fine = dict(kind="penalty", penalty_kinds=["fine"], fine_amount=Decimal("500"))
    got = reasons("propose_penalty", case, rules=lc.RuleEval(), **fine)
    assert got == [("same_act_fined", "行政处罚法第二十九条")]
    assert reasons("propose_penalty", case, rules=lc.RuleEval(), same_act_reason="两个独立行为", **fine) == []
    assert reasons("propose_penalty", case, rules=lc.RuleEval(), kind="penalty", penalty_kinds=["warning"]) == []
    other = _closed(same_act_fines=fined, violation_codes=("SP",), circumstances=[], act_started_on=D(2026, 1, 1))
    assert reasons("propose_penalty", other, rules=lc.RuleEval(), **fine) == []


# --- 第二十八条第二款: recorded 违法所得 are confiscated ----------------------------------------------------------

@pytest.mark.parametrize(("data", "expected"), [
    ({"penalty_kinds": ["fine"], "fine_amount": Decimal("5000")}, ["illegal_gains_not_confiscated"]),
    ({"penalty_kinds": ["fine", "confiscate_gains"], "fine_amount": Decimal("5000")}, []),
    ({"penalty_kinds": ["fine", "confiscate_gains"], "fine_amount": Decimal("5000"),
      "confiscated_amount": Decimal("299.99")}, ["illegal_gains_not_confiscated"]),
    ({"penalty_kinds": ["fine", "confiscate_gains"], "fine_amount": Decimal("5000"),
      "confiscated_amount": Decimal("300.00")}, []),
    ({"penalty_kinds": ["fine"], "fine_amount": Decimal("5000"), "gains_reason": "已全部退赔消费者"}, []),
    ({"kind": "no_penalty"}, []),
])
def test_recorded_gains_are_confiscated_or_the_reason_recorded(data, expected):
    case = _closed(stage="prior_notice", illegal_gains=Decimal("300.00"), circumstances=[], act_started_on=D(2026, 2, 20),
                   prior_notice_served_on=D(2026, 3, 10), statement_due_on=D(2026, 3, 17), decision_kind="penalty",
                   penalty_kinds=["fine", "confiscate_gains"], fine_amount=Decimal("5000"))
    got = reasons("decide", case, rules=lc.RuleEval(), **{"kind": "penalty", "decided_on": D(2026, 3, 18), **data})
    assert [c for c, _ in got if c == "illegal_gains_not_confiscated"] == expected
    assert all(a == "行政处罚法第二十八条第二款" for c, a in got if c == "illegal_gains_not_confiscated")


# --- 第三十一至三十三条: the statute's own grounds --------------------------------------------------------------

@pytest.mark.parametrize(("circ", "evidence", "expected"), [
    (["incapacity"], {"incapacity": [3]}, [("no_penalty_ground", "行政处罚法第三十一条")]),
    (["incapacity"], {}, [("no_penalty_ground", "行政处罚法第三十一条"), ("ground_evidence_missing", "行政处罚法第四十条")]),
    (["minor", "corrected_promptly", "no_harm"], {}, [("no_penalty_ground", "行政处罚法第三十三条第一款")]),
    (["minor", "corrected_promptly"], {}, []),  # harm not excluded: no statutory exemption
    (["no_fault"], {"no_fault": [3]}, [("no_penalty_ground", "行政处罚法第三十三条第二款")]),
    (["first_offence", "harm_minor", "corrected_promptly"], {}, []),  # 可以不予: offered, not imposed
    (["limited_capacity"], {"limited_capacity": [3]}, []),  # 可以从轻或者减轻
])
def test_statutory_grounds_at_the_proposal(circ, evidence, expected):
    case = _closed(circumstances=circ, ground_evidence=evidence, act_started_on=D(2026, 2, 20))
    got = reasons("propose_penalty", case, rules=lc.RuleEval(), kind="penalty", penalty_kinds=["warning"])
    assert got == expected
    # a decision not to penalise on the statute's own ground needs no list item, only the evidence
    got = reasons("propose_penalty", case, rules=lc.RuleEval(), kind="no_penalty")
    assert [c for c, _ in got] == [c for c, _ in expected if c == "ground_evidence_missing"]


def test_a_mandatory_leniency_ground_caps_the_fine_at_the_lenient_tier_and_the_lookup_offers_the_grounds():
    from casebook.domain.rules import checks

    case = _closed(circumstances=["coerced"], ground_evidence={"coerced": [3]}, act_started_on=D(2026, 2, 20))
    got = reasons("propose_penalty", case, rules=BENCH, kind="penalty", penalty_kinds=["fine"],
                  fine_amount=Decimal("70000"))
    assert got == [("leniency_required", "行政处罚法第三十二条")]
    assert reasons("propose_penalty", case, rules=BENCH, kind="penalty", penalty_kinds=["fine"],
                   fine_amount=Decimal("65000")) == []
    cat, food, _ = _item()
    r = checks.benchmark(food, cat, {"goods_value": Decimal("100")}, ["first_offence", "harm_minor", "corrected_promptly"])
    assert [g["effect"] for g in r.as_dict()["statutory_grounds"]] == ["may_no_penalty"]
    assert "可以不予行政处罚" in r.explanation and "第三十三条第一款" in r.explanation


def test_a_penalty_needs_the_act_date_and_a_decision_not_to_penalise_does_not():
    """第三十六条: the limitation cannot be judged without the act's date, so a penalty is neither proposed nor decided
    before the investigation records it (update_facts); 不予处罚 is not held up by it."""
    case = _closed(act_started_on=None, circumstances=[])
    assert reasons("propose_penalty", case, rules=lc.RuleEval(), kind="penalty", penalty_kinds=["warning"]) == [
        ("act_period_missing", "行政处罚法第三十六条")]
    assert reasons("propose_penalty", case, rules=lc.RuleEval(), kind="no_penalty") == []
    recorded = _closed(act_started_on=D(2026, 2, 20), circumstances=[])
    assert reasons("propose_penalty", recorded, rules=lc.RuleEval(), kind="penalty", penalty_kinds=["warning"]) == []
