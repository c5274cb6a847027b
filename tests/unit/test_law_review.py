"""A legal reviewer's list for issue 12, pure and at the boundaries: a person's other documents and the age they
cannot tell (行政处罚法 第三十条), a fact that cannot be computed (第四十条), an item gone from the version in
force (第三十七条)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook.domain import lifecycle as lc
from casebook.domain.errors import ValidationFailed
from casebook.domain.identifiers import document_birth_date, resident_id_check_digit, validate_person_document
from casebook.domain.pii import mask_birth_date, mask_document_number, mask_payload
from casebook.domain.rules import checks
from casebook.domain.rules.model import CatalogueInvalid, parse_catalogue
from tests.unit.test_general_provisions import A, B, _closed, reasons

D = dt.date


def _permit(body17: str) -> str:
    return body17 + resident_id_check_digit(body17)


# --- 第三十条: documents, birth dates, masks ----------------------------------------------------------------

@pytest.mark.parametrize(("kind", "number", "ok"), [
    ("passport", "E12345678", "E12345678"),
    ("passport", "e1234 5678", "E12345678"),          # typed with a space, lower case
    ("passport", "E1234", "E1234"),                   # 5 characters: the shortest accepted
    ("passport", "E123", None),                       # 4: too short
    ("passport", "E" * 31, None),                     # 31: too long
    ("passport", "E12#4567", None),
    ("travel_permit", "H12345678", "H12345678"),
    ("foreign_permanent_id", "USA110079052311", "USA110079052311"),
    ("residence_permit", _permit("81000019900307002"), _permit("81000019900307002")),  # 香港
    ("residence_permit", _permit("83000019900307002"), _permit("83000019900307002")),  # 台湾
    ("residence_permit", _permit("11010119900307002"), None),                          # not 81/82/83
    ("residence_permit", "81000019900307002" + "0" if resident_id_check_digit("81000019900307002") != "0"
     else "81000019900307002" + "1", None),                                             # wrong check digit
    ("residence_permit", _permit("81000019901307002"), None),                          # month 13
])
def test_person_documents(kind, number, ok):
    if ok is None:
        with pytest.raises(ValidationFailed):
            validate_person_document(kind, number)
    else:
        assert validate_person_document(kind, number) == ok


@pytest.mark.parametrize(("kind", "number", "born"), [
    ("resident_id", "370402201003060023", D(2010, 3, 6)),
    (None, "370402201003060023", D(2010, 3, 6)),              # an old row without a kind: a 身份证
    ("residence_permit", _permit("82000020090630002"), D(2009, 6, 30)),
    ("passport", "201003060023456789", None),                 # 18 digits on a passport say nothing of the birth
    ("passport", "E12345678", None),
])
def test_which_documents_carry_the_birth_date(kind, number, born):
    assert document_birth_date(kind, number) == born


@pytest.mark.parametrize(("value", "kind", "masked"), [
    ("E12345678", "passport", "*****5678"),
    ("E1234567", "passport", "****4567"),     # 8 characters: the last four kept
    ("E123456", "passport", "*******"),       # 7: nothing kept
    ("370402201003060023", "resident_id", "370402********0023"),
    ("370402201003060023", "passport", "**************0023"),
])
def test_document_masks(value, kind, masked):
    assert mask_document_number(value, kind) == masked


def test_the_trail_masks_a_passport_by_its_kind_and_a_birth_date_to_its_year():
    got = mask_payload({"kind": "person", "id_kind": "passport", "id_number": "E12345678", "birth_date": "2009-06-30"})
    assert got["id_number"] == "*****5678" and got["birth_date"] == "2009-**-**"
    assert mask_payload({"kind": "person", "id_number": "370402201003060023"})["id_number"] == "370402********0023"
    assert mask_birth_date("bad") == "***"


def _person(**over):
    return _closed(**{"party_kind": "person", "party_birth_date": None, "act_started_on": D(2026, 3, 1),
                      "circumstances": [], "discovered_on": D(2026, 3, 2), **over})


@pytest.mark.parametrize(("action", "data", "expected"), [
    ("propose_penalty", {"kind": "penalty", "penalty_kinds": ["warning"]}, [("party_age_unknown", "行政处罚法第三十条")]),
    ("propose_penalty", {"kind": "no_penalty"}, []),  # not penalising needs no age
])
def test_a_person_of_unknown_age_is_not_penalised(action, data, expected):
    assert reasons(action, _person(), rules=lc.RuleEval(), **data) == expected


def test_an_organisation_has_no_age_and_a_known_birth_date_is_enough():
    org = _closed(party_kind="organization", party_birth_date=None, act_started_on=D(2026, 3, 1), circumstances=[],
                  discovered_on=D(2026, 3, 2))
    assert reasons("propose_penalty", org, rules=lc.RuleEval(), kind="penalty", penalty_kinds=["warning"]) == []
    adult = _person(party_birth_date=D(1990, 1, 1))
    assert reasons("propose_penalty", adult, rules=lc.RuleEval(), kind="penalty", penalty_kinds=["warning"]) == []


def test_on_the_spot_a_person_of_unknown_age_is_refused():
    spot = lc.CaseView(stage=None, procedure="summary", party_kind="person")
    got = reasons("decide_on_the_spot", spot, officers=(A, B), roles=frozenset({"officer"}), party_kind="person",
                  party_birth_date=None, decided_on=D(2026, 6, 15), penalty_kinds=["warning"], form_no="X")
    assert got == [("party_age_unknown", "行政处罚法第三十条")]


# --- 第四十条: 无法计算 as the law's own branch ---------------------------------------------------------------

def _cat(**item_over):
    item = {"code": "GG", "field": "广告", "name": "虚假广告", "violated_provision": "a", "penalty_provision": "《广告法》第五十五条第一款",
            "penalty_kinds": ["fine"], "range": {"multiple": {"fact": "advertising_fee", "min": "3", "max": "5"}},
            "uncomputable": {"advertising_fee": {"clause": "广告费用无法计算或者明显偏低的",
                                                 "fixed": {"min": "200000", "max": "1000000"}}}, **item_over}
    doc = {"catalogue": {"kind": "benchmark", "code": "T", "name": "测试", "issuer": "x", "document_no": "x",
                         "version": 1, "effective_from": "2026-01-01"}, "violation_items": [item]}
    cat = parse_catalogue(doc)
    return cat, cat.items[0]


@pytest.mark.parametrize(("facts", "unc", "expected"), [
    ({"advertising_fee": Decimal("100000")}, {}, (Decimal("300000.00"), Decimal("500000.00"))),  # the multiple
    ({"advertising_fee": Decimal("0")}, {}, (Decimal("0.00"), Decimal("0.00"))),  # 0 is a figure, not 无法计算
    ({"advertising_fee": None}, {"advertising_fee": "合同缺失"}, (Decimal("200000"), Decimal("1000000"))),
    ({"advertising_fee": None}, {}, "missing"),                                   # not recorded: refused
    ({"advertising_fee": None}, {"goods_value": "x"}, "missing"),                 # another fact's 无法计算 is no branch
])
def test_the_uncomputable_branch_is_chosen_only_when_recorded(facts, unc, expected):
    cat, item = _cat()
    if expected == "missing":
        with pytest.raises(checks.FactMissing):
            checks.legal_range(item, facts, unc)
        return
    lo, hi, text = checks.legal_range(item, facts, unc)
    assert (lo, hi) == expected
    assert ("广告费用无法计算或者明显偏低的" in text) is bool(unc)


def test_the_benchmark_paragraph_states_the_branch_and_the_reason():
    cat, item = _cat()
    b = checks.benchmark(item, cat, {"advertising_fee": None}, [], {"advertising_fee": "广告合同缺失"})
    assert "本案广告费用无法计算（广告合同缺失）" in b.explanation and "“广告费用无法计算或者明显偏低的”" in b.explanation
    assert (b.legal_min, b.legal_max) == (Decimal("200000"), Decimal("1000000"))


def test_an_item_without_a_branch_refuses_uncomputable_naming_why():
    cat, item = _cat(uncomputable=None)
    with pytest.raises(checks.FactMissing) as e:
        checks.legal_range(item, {"advertising_fee": None}, {"advertising_fee": "合同缺失"})
    assert "没有广告费用无法计算时的罚款幅度" in e.value.message


@pytest.mark.parametrize(("branch", "needle"), [
    ({"goods_value": {"clause": "货值金额无法计算的", "fixed": {"min": "1", "max": "2"}}}, "不以货值金额计算"),
    ({"advertising_fee": {"fixed": {"min": "1", "max": "2"}}}, "须引用法条"),
    ({"advertising_fee": {"clause": "x", "multiple": {"fact": "advertising_fee", "min": "1", "max": "2"}}}, "固定金额"),
    ({"bribe": {"clause": "x", "fixed": {"min": "1", "max": "2"}}}, "bribe"),
])
def test_the_catalogue_refuses_a_wrong_branch(branch, needle):
    with pytest.raises(CatalogueInvalid) as e:
        _cat(uncomputable=branch)
    assert any(needle in m for _, m in e.value.problems), e.value.problems


# --- 第三十七条: no longer a violation ------------------------------------------------------------------------

def _bench(version: int, items: list[dict]):
    doc = {"catalogue": {"kind": "benchmark", "code": "T", "name": "测试基准", "issuer": "x", "document_no": "x",
                         "version": version, "effective_from": f"{2024 + version}-01-01"}, "violation_items": items}
    return parse_catalogue(doc)


def _dj(**over):
    return {"code": "DJ", "field": "登记", "name": "虚假登记", "violated_provision": "a", "penalty_provision": "b",
            "penalty_kinds": ["fine"], "range": {"fixed": {"min": "1", "max": "2"}}, **over}


OTHER = {**_dj(), "code": "XX", "name": "其他"}


@pytest.mark.parametrize(("now_items", "gone"), [
    ([_dj(), OTHER], False),                                   # still there
    ([OTHER], True),                                           # dropped from version 2
    ([_dj(repealed="测规〔2025〕1号废止"), OTHER], True),       # marked repealed
])
def test_an_item_gone_from_the_version_in_force(now_items, gone):
    v1, v2 = _bench(1, [_dj(), OTHER]), _bench(2, now_items)
    got = checks.no_longer_violation("DJ", (v1, v1.items[0]), [v2], D(2025, 6, 1), D(2026, 3, 20))
    assert (got is not None) is gone
    if gone:
        assert "第2版" in got["text"] and got["item"] == "DJ"


def test_no_successor_version_says_nothing_and_a_repeal_without_the_old_version_does():
    v1 = _bench(1, [_dj(), OTHER])
    assert checks.no_longer_violation("DJ", (v1, v1.items[0]), [], D(2025, 6, 1), D(2026, 3, 20)) is None
    v2 = _bench(2, [_dj(repealed="测规〔2025〕1号废止")])
    got = checks.no_longer_violation("DJ", None, [v2], None, D(2026, 3, 20))
    assert got is not None and "测规〔2025〕1号废止" in got["text"]
    assert checks.no_longer_violation("ZZ", None, [v2], None, D(2026, 3, 20)) is None


def test_the_guard_refuses_a_penalty_and_not_a_decision_not_to_penalise():
    gone = {"item": "DJ", "text": "事项DJ已不再列入"}
    rules = lc.RuleEval(no_longer_violation=gone)
    case = _closed()
    got = reasons("propose_penalty", case, rules=rules, kind="penalty", penalty_kinds=["warning"])
    assert ("no_longer_violation", "行政处罚法第三十七条") in got
    assert ("no_longer_violation", "行政处罚法第三十七条") not in reasons("propose_penalty", case, rules=rules, kind="no_penalty")
