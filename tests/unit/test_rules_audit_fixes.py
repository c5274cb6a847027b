"""Audit fixes to the exemption check (行政处罚法 第三十三条第一款; a missing fact is never read as 0, docs/law.md)."""

from __future__ import annotations

from decimal import Decimal as D

from casebook.domain.rules import checks
from casebook.domain.rules.model import parse_catalogue
from tests.unit.test_rules import doc

CIRC = ["minor", "corrected_within_deadline", "no_harm"]
ITEM = parse_catalogue(doc("exemptions")).items[0]  # T-MF-1: 货值不足500元, 首违不罚, 2 years


def _cond(result, code):
    return next(c for c in result.conditions if c["code"] == code)


def test_an_amount_cap_is_not_met_when_the_amount_was_never_recorded():
    r = checks.exemption(ITEM, {"goods_value": None}, CIRC, 0)
    cap = _cond(r, "max_goods_value")
    assert not r.eligible and cap["met"] is False and "货值金额未录入" in cap["detail"]
    assert not checks.exemption(ITEM, {}, CIRC, 0).eligible  # not even in the facts


def test_an_amount_cap_is_met_by_a_recorded_zero():
    r = checks.exemption(ITEM, {"goods_value": D("0")}, CIRC, 0)
    assert r.eligible and _cond(r, "max_goods_value") == {"code": "max_goods_value", "label": "货值金额不超过500元",
                                                           "met": True, "detail": "货值金额0元"}


def test_an_earlier_no_penalty_for_the_same_violation_is_not_a_first_offence():
    r = checks.exemption(ITEM, {"goods_value": D("300")}, CIRC, 0, 1)
    first = _cond(r, "first_offence")
    assert not r.eligible and first["met"] is False
    assert "2年内有同一违法行为的不予处罚记录" in first["detail"]
    both = _cond(checks.exemption(ITEM, {"goods_value": D("300")}, CIRC, 1, 1), "first_offence")["detail"]
    assert "已有1次同一违法行为的处罚记录" in both and "不予处罚记录" in both
    clean = checks.exemption(ITEM, {"goods_value": D("300")}, CIRC, 0, 0)
    assert clean.eligible and "无同一违法行为的处罚记录" in _cond(clean, "first_offence")["detail"]
