"""居民身份证号 (GB 11643-1999), 统一社会信用代码 (GB 32100-2015) and phone numbers."""

from __future__ import annotations

from datetime import date

import pytest

from casebook.domain.errors import ValidationFailed
from casebook.domain.identifiers import (
    resident_id_check_digit,
    uscc_check_char,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------- 居民身份证号


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # GB 11643-1999 附录A example, 北京市朝阳区
        ("44052418800101001", "4"),  # GB 11643-1999 附录A example, 广东省汕头市
        ("37040219900307008", "X"),
        ("37040219900307007", "1"),  # S = 253, 253 mod 11 = 0 → "1"
    ],
)
def test_resident_id_check_digit_matches_hand_checked_numbers(first17, check):
    assert resident_id_check_digit(first17) == check


@pytest.mark.parametrize(
    "first17",
    ["1101051949123100", "110105194912310021", "1101051949123100A", "１１０１０５１９４９１２３１００２"],
)
def test_resident_id_check_digit_refuses_anything_but_17_ascii_digits(first17):
    with pytest.raises(ValueError):
        resident_id_check_digit(first17)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case x is the same check character
        ("  37040219900307008x ", "37040219900307008X"),
        ("370402199003070071", "370402199003070071"),
        (_resident_id("37040620000229123"), _resident_id("37040620000229123")),  # leap day
        (
            _resident_id("37040619000101123"),
            _resident_id("37040619000101123"),
        ),  # earliest accepted birth date
    ],
)
def test_a_valid_resident_id_is_returned_normalised(raw, normalised):
    assert validate_resident_id(raw) == normalised


def test_a_resident_id_born_today_is_valid():
    assert validate_resident_id(_resident_id("37040220250101123"), today=date(2025, 1, 1))


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        ("1101051949123100", "length", "应为18位，实际为16位"),
        ("1101051949123100211", "length", "应为18位，实际为19位"),
        ("", "length", "实际为0位"),
        ("11010519491231002A", "format", "最后一位应为数字或X"),
        ("A1010519491231002X", "format", "前17位应为数字"),  # region must be digits
        ("11010519491231００2X", "format", "前17位应为数字"),  # full-width digits
        ("110105 949123100 X", "format", "前17位应为数字"),
        (_resident_id("37040219490230123"), "birth_date", "不是有效日期"),  # 30 February
        (_resident_id("37040219491301123"), "birth_date", "不是有效日期"),  # month 13
        (_resident_id("37040219490100123"), "birth_date", "不是有效日期"),  # day 0
        (_resident_id("37040220010229123"), "birth_date", "不是有效日期"),  # 2001 is not a leap year
        (_resident_id("37040218991231123"), "birth_date", "早于1900年"),
        ("440524188001010014", "birth_date", "早于1900年"),  # the standard's own 1880 example
        (_resident_id("37040220250102123"), "birth_date", "晚于今天"),
        ("110105194912310021", "check_digit", "身份证号校验位错误"),
        ("11010519491231002Y", "format", "最后一位应为数字或X"),
        ("370402199003070081", "check_digit", "身份证号校验位错误"),  # check should be X
    ],
)
def test_an_invalid_resident_id_is_refused_with_a_specific_chinese_message(raw, reason, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_resident_id(raw, today=date(2025, 1, 1))
    assert exc.value.code == "invalid_resident_id"
    assert exc.value.errors == {"field": "resident_id", "reason": reason}
    assert message in exc.value.message
    assert exc.value.http_status == 422


@pytest.mark.parametrize("raw", [None, 11010519491231002, b"11010519491231002X"])
def test_a_resident_id_that_is_not_text_is_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        validate_resident_id(raw)
    assert exc.value.errors["reason"] == "format"


def test_a_resident_id_error_names_the_callers_field_and_never_echoes_the_number():
    with pytest.raises(ValidationFailed) as exc:
        validate_resident_id("110105194912310021", field="id_number")
    assert exc.value.errors["field"] == "id_number"
    assert "110105194912310021" not in exc.value.message


def test_every_single_digit_change_breaks_the_resident_id_check_digit():
    valid = "11010519491231002X"
    for i in range(14, 17):  # sequence digits: every other digit change is a date or region change
        for digit in "0123456789":
            if digit == valid[i]:
                continue
            mutated = valid[:i] + digit + valid[i + 1 :]
            with pytest.raises(ValidationFailed) as exc:
                validate_resident_id(mutated)
            assert exc.value.errors["reason"] == "check_digit"


# ---------------------------------------------------------------- 统一社会信用代码


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("91350100M000100Y4", "3"),  # GB 32100-2015 校验码计算方法实例 (sum 1640, mod 31 = 28, 31 − 28 = 3)
        ("91110000600037341", "L"),
        ("91370402000000018", "0"),  # 31 − 0 = 31 is written 0
        ("91370402000000008", "Y"),  # value 30, the last character of the set
    ],
)
def test_uscc_check_char_matches_hand_checked_codes(first17, check):
    assert uscc_check_char(first17) == check


@pytest.mark.parametrize("first17", ["91350100M000100Y", "91350100M000100YI", "91350100m000100Y4"])
def test_uscc_check_char_refuses_anything_but_17_characters_of_the_code_set(first17):
    with pytest.raises(ValueError):
        uscc_check_char(first17)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("91110000600037341L", "91110000600037341L"),
        ("91350100m000100y43", "91350100M000100Y43"),  # lower case is normalised
        (" 913704020000000180 ", "913704020000000180"),
        (_uscc("12370400MB0000001"), _uscc("12370400MB0000001")),  # 事业单位
        (_uscc("51370402MJD000001"), _uscc("51370402MJD000001")),  # 民政 社会组织
        (_uscc("92370402MA0000001"), _uscc("92370402MA0000001")),  # 个体工商户
        (_uscc("Y1370402000000001"), _uscc("Y1370402000000001")),
    ],
)
def test_a_valid_uscc_is_returned_normalised(raw, normalised):
    assert validate_uscc(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        ("91350100M000100Y4", "length", "应为18位，实际为17位"),
        ("91350100M000100Y433", "length", "应为18位，实际为19位"),
        *[
            ("91350100M000100Y4" + c, "charset", f"非法字符“{c}”")
            for c in "IOZSV"  # GB 32100-2015 表1: I、O、Z、S、V are not in the code set
        ],
        ("91350100I000100Y43", "charset", "非法字符“I”"),
        ("91350100M000100Y4z", "charset", "非法字符“Z”"),  # upper-cased first, then refused
        ("91350100M000100Y-3", "length", "实际为17位"),  # a hyphen is a separator people type: dropped, then counted
        ("９1350100M000100Y43", "charset", "非法字符“９”"),  # full-width digit
        (_uscc("91AB0100M00010000"), "format", "第3至8位"),  # 登记管理机关行政区划码 must be digits
        ("91350100M000100Y44", "check_digit", "统一社会信用代码校验码错误"),
        ("91110000600037341K", "check_digit", "统一社会信用代码校验码错误"),
        ("91110000600037314L", "check_digit", "统一社会信用代码校验码错误"),  # transposed digits
    ],
)
def test_an_invalid_uscc_is_refused_with_a_specific_chinese_message(raw, reason, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_uscc(raw)
    assert exc.value.code == "invalid_uscc"
    assert exc.value.errors == {"field": "uscc", "reason": reason}
    assert message in exc.value.message


@pytest.mark.parametrize("raw", [None, 91110000600037341])
def test_a_uscc_that_is_not_text_is_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        validate_uscc(raw)
    assert exc.value.errors["reason"] == "format"


def test_every_single_character_change_in_the_body_breaks_the_uscc_check():
    valid = "91350100M000100Y43"
    for i in (0, 1, 8, 9, 16):
        for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if c == valid[i]:
                continue
            with pytest.raises(ValidationFailed) as exc:
                validate_uscc(valid[:i] + c + valid[i + 1 :])
            # the first two characters are checked against GB 32100 附录A before the check character
            assert exc.value.errors["reason"] in ({"check_digit", "authority"} if i < 2 else {"check_digit"})


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13800138000", "13800138000"),
        ("19912345678", "19912345678"),
        (" 15963201234 ", "15963201234"),
        ("0632-1234567", "0632-1234567"),  # 枣庄, 4-digit area code, 7-digit number
        ("010-12345678", "010-12345678"),  # 北京, 3-digit area code, 8-digit number
        ("06321234567", "06321234567"),
        ("02112345678", "02112345678"),
    ],
)
def test_a_mainland_mobile_or_landline_number_is_accepted(raw, normalised):
    assert validate_phone(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "12345678901",  # 12x is not a mobile range
        "10012345678",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "0632-123456",  # 6-digit subscriber number
        "0632-123456789",
        "632-1234567",  # no trunk prefix 0
        "00632-1234567",
        "１３８００１３８０００",  # full-width digits
        "138-0013-8000",
        "+8613800138000",
        "",
        None,
    ],
)
def test_anything_else_is_refused_as_a_phone_number(raw):
    with pytest.raises(ValidationFailed) as exc:
        validate_phone(raw)
    assert exc.value.code == "invalid_phone"
    assert exc.value.errors == {"field": "phone", "reason": "format"}
    assert "电话号码格式错误" in exc.value.message


# ---------------------------------------------------------------- issue 11: division and authority codes


def _rid(first17: str) -> str:
    from casebook.domain.identifiers import resident_id_check_digit

    return first17 + resident_id_check_digit(first17)


@pytest.mark.parametrize("area", ["110101", "370406", "110103", "810000", "650101"])
def test_a_resident_id_from_a_current_or_abolished_division_is_accepted(area):
    # 110103 崇文区 was merged into 东城区 in 2010: numbers issued there keep their code for life.
    assert validate_resident_id(_rid(area + "19850312002"))


@pytest.mark.parametrize("area", ["000000", "999999", "110199", "110000"[:5] + "9", "370499", "900101", "110100"[:4] + "98"])
def test_a_resident_id_whose_area_code_is_no_gbt_2260_division_is_refused(area):
    with pytest.raises(ValidationFailed) as exc:
        validate_resident_id(_rid(area + "19850312002"))
    assert exc.value.errors["reason"] == "area_code" and "地址码" in exc.value.message


def _with_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


@pytest.mark.parametrize("body", ["91370406MA3C00001", "92370402MA0000001", "93370402MA0000001", "11100000000013127"[:17],
                                  "51370402MJD000001", "31370000MD0000001", "N2370402MF0000001", "Y1370402000000001",
                                  "A1100000MG0000001"])
def test_every_gb_32100_authority_and_kind_pair_in_use_is_accepted(body):
    assert validate_uscc(_with_check(body)) == _with_check(body)


@pytest.mark.parametrize("body, why", [
    ("00000000000000000", "authority"),   # the all-zero code
    ("94370402MA0000001", "authority"),   # 工商 registers only 1 企业, 2 个体工商户, 3 农民专业合作社
    ("Y2370402000000001", "authority"),   # 其他 has only kind 1
    ("B1370402MA0000001", "authority"),   # B is no registering authority
    ("91000000MA0000001", "area_code"),   # 00 is no province
    ("91990000MA0000001", "area_code"),
])
def test_a_uscc_with_an_impossible_authority_or_region_is_refused(body, why):
    with pytest.raises(ValidationFailed) as exc:
        validate_uscc(_with_check(body))
    assert exc.value.errors["reason"] == why


@pytest.mark.parametrize("typed", ["9137 0406 MA3C 0000 1{c}", "9137-0406-MA3C-0000-1{c}", " 91370406ma3c00001{c} ",
                                   "91370406\tMA3C00001{c}", "91370406－MA3C00001{c}"])
def test_spaces_and_hyphens_people_type_inside_a_uscc_are_dropped(typed):
    code = _with_check("91370406MA3C00001")
    assert validate_uscc(typed.replace("\\t", "\t").format(c=code[-1])) == code
