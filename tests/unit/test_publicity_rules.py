"""Publicity rules as data and the one masking module's redaction of free text (published forms)."""

import datetime as dt
from decimal import Decimal

import pytest

from casebook.domain import publicity as p
from casebook.domain.pii import redact_text
from casebook.seed import demo_resident_id, demo_uscc

ID18 = demo_resident_id("37040219850312002")  # valid check digit
USCC = demo_uscc("91370406MA3C00001")


@pytest.mark.parametrize("text,published", [
    # 18-digit 身份证号: region and last four stay, the birth date goes
    (f"身份证号{ID18}。", f"身份证号370402********{ID18[-4:]}。"),
    # 15-digit 身份证号 (pre-1999)
    ("旧证370402850312002。", "旧证370402******002。"),
    # mobile
    ("电话13806320001。", "电话138****0001。"),
    # landlines with and without the hyphen, 3- and 4-digit area codes
    ("座机0632-8810001。", "座机0632-*****01。"),
    ("座机06328810001。", "座机0632*****01。"),
    ("电话010-12345678。", "电话010-******78。"),
    # bank cards, grouped or not
    ("银行卡6222 0212 3456 7890 123。", "银行卡***************0123。"),
    ("账号6217001234567890123。", "账号***************0123。"),
    # a home address: the administrative divisions stay, street and house number go
    ("住山东省枣庄市山亭区北庄镇幸福路5号3单元201室。", "住山东省枣庄市山亭区北庄镇****。"),
    ("家住北京市朝阳区建国路1号院2号楼301室", "家住北京市朝阳区****"),
    # names of third parties inside the facts
    ("证人王小明证实，欧阳娜娜在场。", "证人王**证实，欧阳**在场。"),
    # a business keeps its USCC; amounts and dates are not identifiers
    (f"统一社会信用代码{USCC}，罚款5000元，2026年3月18日，货值1200.00元。",
     f"统一社会信用代码{USCC}，罚款5000元，2026年3月18日，货值1200.00元。"),
])
def test_each_shape_of_personal_data_has_its_published_form(text, published):
    assert redact_text(text, names=["王小明", "欧阳娜娜"], keep=[USCC]) == published


def test_redaction_never_leaves_an_identifier_in_a_long_facts_text():
    facts = (f"当事人韩梅梅（身份证号{ID18}，住山东省枣庄市山亭区北庄镇幸福路5号，电话13806320001）于2026年3月4日"
             f"销售过期食品，证人李小红（电话0632-8812345）证实；货款经6222021234567890123收取。")
    out = redact_text(facts, names=["韩梅梅", "李小红"])
    for secret in (ID18, "幸福路5号", "13806320001", "8812345", "6222021234567890123", "韩梅梅", "李小红"):
        assert secret not in out
    assert "2026年3月4日" in out


def test_the_stricter_publication_deadline_wins_where_two_rules_bind():
    assert p.SYSTEMS["market_regulation"].deadline_days == 7  # 118号 7 vs 总局令第45号 20
    assert p.SYSTEMS["comprehensive"].deadline_days == 7
    assert "国家企业信用信息公示系统" in p.SYSTEMS["market_regulation"].sentence()
    assert "第四十八条" in p.SYSTEMS["comprehensive"].sentence()


def _elig(system, kinds=("fine",), kind="penalty", procedure="ordinary", party="organization", id_number=USCC,
          on=dt.date(2026, 3, 18)):
    return p.eligibility(p.SYSTEMS[system], procedure=procedure, decision_kind=kind, penalty_kinds=kinds,
                         party_kind=party, id_number=id_number, decided_on=on)


def test_warning_only_and_no_penalty_decisions_follow_the_systems_rule():
    assert _elig("market_regulation", ("warning",)).code == "warning_only"
    assert _elig("comprehensive", ("warning",)).publish
    assert _elig("market_regulation", (), kind="no_penalty").code == "no_penalty"
    assert _elig("ecology_environment", (), kind="no_penalty").publish
    assert _elig("market_regulation", procedure="summary").code == "summary"


def test_a_party_under_eighteen_on_the_decision_day_is_a_minor_and_turns_eighteen_on_the_birthday():
    kid = demo_resident_id("37040220080318001")  # born 2008-03-18
    assert _elig("comprehensive", party="person", id_number=kid, on=dt.date(2026, 3, 17)).code == "minor"
    assert _elig("comprehensive", party="person", id_number=kid, on=dt.date(2026, 3, 18)).publish
    assert not p.is_minor("person", "370402850318001", dt.date(2026, 3, 17))  # 15 digits: born 1985
    assert p.is_minor("person", "garbage", dt.date(2026, 3, 17))  # unreadable: treated as a minor


def test_display_periods_are_three_months_three_years_or_the_ban():
    sys = p.SYSTEMS["market_regulation"]
    on = dt.date(2026, 3, 31)
    assert p.display_until(sys, published_on=on, penalty_kinds=["circulated_criticism"], fine=None, ban_months=None)[0] == dt.date(2026, 6, 30)
    assert p.display_until(sys, published_on=on, penalty_kinds=["fine"], fine=Decimal("9999.99"), ban_months=None)[0] == dt.date(2026, 6, 30)
    assert p.display_until(sys, published_on=on, penalty_kinds=["fine"], fine=Decimal("10000"), ban_months=None)[0] == dt.date(2029, 3, 31)
    assert p.display_until(sys, published_on=on, penalty_kinds=["restrict_practice"], fine=None, ban_months=60)[0] == dt.date(2031, 3, 31)


def test_a_published_warning_alone_is_shown_no_longer_than_a_warning_with_a_low_fine():
    # 综合执法 publishes warnings (市监 does not): a warning is the mildest penalty, so it gets the short period too
    sys = p.SYSTEMS["comprehensive"]
    on = dt.date(2026, 3, 31)
    alone = p.display_until(sys, published_on=on, penalty_kinds=["warning"], fine=None, ban_months=None)
    with_fine = p.display_until(sys, published_on=on, penalty_kinds=["warning", "fine"], fine=Decimal("500"), ban_months=None)
    assert alone[0] == with_fine[0] == p.add_months(on, sys.short_months) and alone[1].startswith("警告")


def test_early_removal_is_refused_for_severe_penalties_and_missing_conditions():
    ok = dict.fromkeys(p.REMOVAL_CONDITIONS, True)
    assert p.removal_refusals(["fine"], ok) == []
    assert p.removal_refusals(["revoke_license"], ok)[0].startswith("受到较重行政处罚")
    assert len(p.removal_refusals(["fine"], {**ok, "performed": False})) == 1
