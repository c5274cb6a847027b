"""The seed rules catalogue shipped in catalogue/: it imports, is large enough, and answers real cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casebook.seed import CATALOGUE_DIR
from casebook.services import catalogue as cat


@pytest.fixture
def seeded(sessions):
    with sessions() as s, s.begin():
        names = cat.seed_directory(s, CATALOGUE_DIR)
    cat.invalidate()
    yield names
    cat.invalidate()


def test_the_seed_catalogue_imports_completely(seeded, sessions):
    assert len(seeded) == 5
    with sessions() as s:
        reg = cat.registry(s)
        day = dt.date(2026, 3, 1)
        items = [i for c in reg.in_force(day, "benchmark") for i in c.items]
        fields = {i.field for i in items}
        assert len(items) >= 40 and {"食品安全", "产品质量", "广告", "价格", "登记"} <= fields
        assert fields & {"生态环境", "非法行医", "公共场所", "医疗卫生"}
        assert len([i for c in reg.in_force(day, "exemption_list") for i in c.items]) >= 12
        offences = {t.criminal_article for t in reg.thresholds(day)}
        for art in ("第一百四十条", "第一百四十一条", "第一百四十三条", "第一百四十四条", "第二百二十五条",
                    "第三百三十八条", "第三百三十六条", "第二百一十三条", "第二百一十四条"):
            assert any(art in a for a in offences), art
        # Seeding again imports nothing new.
    with sessions() as s, s.begin():
        assert cat.seed_directory(s, CATALOGUE_DIR) == []


def test_the_seed_places_an_expired_food_case_and_flags_a_large_one(seeded, sessions):
    with sessions() as s:
        day = dt.date(2026, 3, 1)
        r = cat.benchmark_for(s, "SP-124-1-5", {"goods_value": Decimal("2000")}, ["first_offence"], day)
        assert r.legal_min == Decimal("50000") and r.legal_max == Decimal("100000") and r.tier == "lenient"
        big = cat.thresholds_for(s, {"sales_amount": Decimal("50000")}, [], "organization", None, 1, "SP-124-1-5", day)
        assert any("第一百四十条" in c.criminal_article for c in big)
        small = cat.thresholds_for(s, {"sales_amount": Decimal("49999.99")}, [], "organization", None, 1, "SP-124-1-5", day)
        assert not any("第一百四十条" in c.criminal_article for c in small)


def test_unrelated_earlier_penalties_do_not_look_like_repeated_offences(seeded, api):
    """Three food cases of one company, no violation code: the third is no 非法经营/非法行医 repeat offence."""
    for _ in range(2):
        cid = api.noticed_case()
        api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                                "fine_amount": "5000.00"}, who="zhaomin")
    cid = api.noticed_case()
    r = api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                                "fine_amount": "5000.00"}, who="zhaomin", expect=None)
    assert r.status_code == 200, r.get_json()
