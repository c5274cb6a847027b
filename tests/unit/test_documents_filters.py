"""The pure template filters: Chinese dates, money, 大写 amounts, masking."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from casebook.documents.render import (
    cn_count,
    cn_date,
    cn_datetime,
    cn_time,
    mask_id,
    mask_phone,
    money,
    money_upper,
    sum_money,
    ymd,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-24", "2026年11月24日"),
        ("2026-07-04", "2026年7月4日"),  # GB/T 9704: 月、日不编虚位
        (date(2026, 1, 1), "2026年1月1日"),
        (datetime(2026, 9, 22, 10, 15), "2026年9月22日"),
        (None, ""),
    ],
)
def test_cn_date_writes_year_month_day_without_leading_zeros(value, expected):
    assert cn_date(value) == expected


def test_cn_datetime_and_cn_time_write_hours_and_zero_padded_minutes():
    assert cn_datetime("2026-07-14T09:05:00") == "2026年7月14日9时05分"
    assert cn_time(datetime(2026, 7, 14, 11, 20)) == "11时20分"


def test_ymd_gives_eight_digits_for_archive_indexes():
    assert ymd("2026-07-16") == "20260716"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0", "0.00元"),
        ("12345", "12,345.00元"),
        (Decimal("165000.00"), "165,000.00元"),
        ("1234567.8", "1,234,567.80元"),
        ("100,005.20", "100,005.20元"),
    ],
)
def test_money_has_thousands_separators_and_two_places(value, expected):
    assert money(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.56", "伍角陆分"),
        ("1.00", "壹元整"),
        ("1.05", "壹元零伍分"),
        ("10.00", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("100", "壹佰元整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("1010", "壹仟零壹拾元整"),
        # the examples of 支付结算办法 (the forms it allows, one convention throughout)
        ("1409.50", "壹仟肆佰零玖元伍角"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("12345", "壹万贰仟叁佰肆拾伍元整"),
        ("100005.20", "壹拾万零伍元贰角"),
        ("100,005.20", "壹拾万零伍元贰角"),
        ("200100", "贰拾万零壹佰元整"),
        ("1000000.00", "壹佰万元整"),
        ("1000010", "壹佰万零壹拾元整"),
        ("10010000", "壹仟零壹万元整"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("165000.00", "壹拾陆万伍仟元整"),
        ("168263.50", "壹拾陆万捌仟贰佰陆拾叁元伍角"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_money_upper_spells_amounts_as_on_bank_forms(value, expected):
    assert money_upper(value) == expected


@pytest.mark.parametrize("value", ["-1", "0.001", "abc", "NaN", "Infinity"])
def test_money_upper_refuses_negative_fractional_cent_and_non_amounts(value):
    with pytest.raises(ValueError):
        money_upper(value)


def test_sum_money_skips_empty_amounts():
    items = [{"amount": None}, {"amount": Decimal("3263.50")}, {"amount": "165000.00"}]
    assert sum_money(items) == Decimal("168263.50")


def test_mask_id_keeps_region_and_last_four():
    assert mask_id("370406196905023815") == "370406********3815"
    assert mask_id("") == ""


def test_mask_phone_hides_the_middle_of_mobiles_and_landlines():
    assert mask_phone("13561079342") == "135****9342"
    assert mask_phone("0632-8811234") == "0632-*****34"  # the one landline rule of casebook.domain.pii


@pytest.mark.parametrize(
    "n, expected", [(1, "一"), (5, "五"), (10, "十"), (15, "十五"), (60, "六十"), (99, "九十九")]
)
def test_cn_count_spells_statutory_periods(n, expected):
    assert cn_count(n) == expected
