"""Validation of the identifiers a party carries: 居民身份证号, 统一社会信用代码 and phone numbers.

Every check uses ASCII digits only: ``str.isdigit`` and ``\\d`` would also accept full-width and other
Unicode digits (``１２３``), which no register issues.
"""

from __future__ import annotations

import re
from datetime import date

from casebook.domain.errors import ValidationFailed

__all__ = [
    "resident_id_check_digit",
    "uscc_check_char",
    "validate_phone",
    "validate_resident_id",
    "validate_uscc",
]

_ASCII_DIGITS = frozenset("0123456789")

# GB 11643-1999 §5.5 校验码: ISO 7064:1983 MOD 11-2; weights Wi = 2^(18-i) mod 11, i = 1 … 17.
_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Y = S mod 11 → check character, Y = 0 … 10.
_RESIDENT_ID_CHECK_MAP = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)

# GB 32100-2015 附录A 登记管理部门代码 (1st character) and the 机构类别代码 (2nd character) each allows.
USCC_AUTHORITIES: dict[str, tuple[str, frozenset[str]]] = {
    "1": ("机构编制", frozenset("1239")),
    "2": ("外交", frozenset("19")),
    "3": ("司法行政", frozenset("1234569")),
    "4": ("文化", frozenset("19")),
    "5": ("民政", frozenset("1239")),
    "6": ("旅游", frozenset("129")),
    "7": ("宗教", frozenset("129")),
    "8": ("工会", frozenset("19")),
    "9": ("工商（市场监管）", frozenset("123")),
    "A": ("中央军委改革和编制办公室", frozenset("19")),
    "N": ("农业", frozenset("1239")),
    "Y": ("其他", frozenset("1")),
}
# Province-level prefixes of GB/T 2260 (and 10 for registrations by a central authority).
_PROVINCES = frozenset({"10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
                        "71", "81", "82"})
_TYPED_SEPARATORS = re.compile(r"[\s\-‐‑–—－]")


def division_name(code: str) -> str | None:
    """The GB/T 2260 division a six-digit 地址码 names, current or abolished, or None if there never was one.

    The table is python-stdnum's ``cn/loc`` (GB/T 2260 codes since 1980, abolished ones kept: an ID number keeps
    the code of the place where it was issued, even after the county was merged or renamed)."""
    from stdnum import numdb

    found = numdb.get("cn/loc").info(code)
    if len(found) < 2 or not all(props for _, props in found):  # a province alone is not a division
        return None
    parts = [props.get("province") or props.get("county") or "" for _, props in found]
    return re.sub(r"\[[^\]]*\]", "", "".join(parts)) or None  # "[-2010]崇文区": years of validity

# GB 32100-2015 表1 代码字符集: digits and upper-case letters without I、O、Z、S、V; a character's value is
# its index here.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_CHARSET)}
# GB 32100-2015 表2 加权因子: Wi = 3^(i-1) mod 31, i = 1 … 17.
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# 电信网编号计划 (工业和信息化部, 2017年版): mobile numbers are 11 digits in the 13x–19x ranges; fixed-line
# numbers are a trunk prefix 0, a 2–3 digit area code and a 7–8 digit subscriber number.
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


def _fail(message: str, code: str, field: str, reason: str) -> ValidationFailed:
    """Build a validation error that names the field and the failed check, never the value."""
    return ValidationFailed(message, code=code, errors={"field": field, "reason": reason})


def resident_id_check_digit(first17: str) -> str:
    """Return the GB 11643-1999 check character for the first 17 digits of a 居民身份证号."""
    if len(first17) != 17 or not set(first17) <= _ASCII_DIGITS:
        raise ValueError("需要17位数字本体码")
    # GB 11643-1999 §5.5 / 附录B: S = Σ Ai × Wi, Y = S mod 11, check = "10X98765432"[Y].
    total = sum(int(c) * w for c, w in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK_MAP[total % 11]


def validate_resident_id(s: str, *, field: str = "resident_id", today: date | None = None) -> str:
    """Return the normalised 18-digit 居民身份证号, or raise ValidationFailed naming what is wrong."""
    code = "invalid_resident_id"
    if not isinstance(s, str):
        raise _fail("身份证号格式错误：应为文本", code, field, "format")
    value = s.strip().upper()  # a lower-case x is the same check character as X
    # GB 11643-1999 §5.1: 十七位数字本体码 + 一位校验码.
    if len(value) != 18:
        raise _fail(f"身份证号长度错误：应为18位，实际为{len(value)}位", code, field, "length")
    body, check = value[:17], value[17]
    if not set(body) <= _ASCII_DIGITS or not (check in _ASCII_DIGITS or check == "X"):
        raise _fail("身份证号格式错误：前17位应为数字，最后一位应为数字或X", code, field, "format")
    # GB 11643-1999 §5.2 地址码: the GB/T 2260 code of the county (or city district) of permanent residence at
    # issue — a code that exists or existed; 000000, 999999 or 110199 never did.
    if division_name(body[:6]) is None:
        raise _fail("身份证号前6位（地址码）不是有效的行政区划代码", code, field, "area_code")
    # GB 11643-1999 §5.3 出生日期码: YYYYMMDD (GB/T 7408), a real calendar date.
    try:
        birth = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise _fail("身份证号中的出生日期不是有效日期", code, field, "birth_date") from None
    if birth < _EARLIEST_BIRTH:
        raise _fail("身份证号中的出生日期早于1900年", code, field, "birth_date")
    if birth > (today or date.today()):
        raise _fail("身份证号中的出生日期晚于今天", code, field, "birth_date")
    # GB 11643-1999 §5.5 校验码.
    if resident_id_check_digit(body) != check:
        raise _fail("身份证号校验位错误", code, field, "check_digit")
    return value


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a 统一社会信用代码."""
    if len(first17) != 17 or not set(first17) <= _USCC_VALUES.keys():
        raise ValueError("需要17位统一社会信用代码本体（字符集不含I、O、Z、S、V）")
    # GB 32100-2015 校验码: C18 = 31 − MOD(Σ Ci × Wi, 31); a value of 31 is written as 0.
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(s: str, *, field: str = "uscc") -> str:
    """Return the normalised 18-character 统一社会信用代码, or raise ValidationFailed naming what is wrong."""
    code = "invalid_uscc"
    if not isinstance(s, str):
        raise _fail("统一社会信用代码格式错误：应为文本", code, field, "format")
    value = _TYPED_SEPARATORS.sub("", s).upper()  # "91370406 MA3C-0000 1X" as people type it
    # GB 32100-2015 代码结构: 登记管理部门代码 1 + 机构类别代码 1 + 登记管理机关行政区划码 6 + 主体标识码 9
    # + 校验码 1 = 18 characters.
    if len(value) != 18:
        raise _fail(f"统一社会信用代码长度错误：应为18位，实际为{len(value)}位", code, field, "length")
    bad = [c for c in value if c not in _USCC_VALUES]
    if bad:
        raise _fail(
            f"统一社会信用代码含有非法字符“{bad[0]}”：只能使用数字和除I、O、Z、S、V以外的大写字母",
            code,
            field,
            "charset",
        )
    # GB 32100-2015 代码结构: 第3～8位 登记管理机关行政区划码 is six Arabic digits (GB/T 2260).
    if not set(value[2:8]) <= _ASCII_DIGITS:
        raise _fail(
            "统一社会信用代码格式错误：第3至8位（登记管理机关行政区划码）应为数字", code, field, "format"
        )
    # GB 32100-2015 附录A: the registering authority and the kinds of body it registers.
    authority = USCC_AUTHORITIES.get(value[0])
    if authority is None:
        raise _fail("统一社会信用代码第1位（登记管理部门代码）无效", code, field, "authority")
    if value[1] not in authority[1]:
        raise _fail(f"统一社会信用代码第2位（机构类别代码）与登记管理部门“{authority[0]}”不符", code, field, "authority")
    if value[2:4] not in _PROVINCES:
        raise _fail("统一社会信用代码第3至8位（登记管理机关行政区划码）无效", code, field, "area_code")
    if uscc_check_char(value[:17]) != value[17]:
        raise _fail("统一社会信用代码校验码错误", code, field, "check_digit")
    return value


def validate_phone(s: str, *, field: str = "phone") -> str:
    """Return a mainland mobile or fixed-line number as entered (trimmed), or raise ValidationFailed."""
    if isinstance(s, str):
        value = s.strip()
        if _MOBILE_RE.fullmatch(value) or _LANDLINE_RE.fullmatch(value):
            return value
    raise _fail(
        "电话号码格式错误：应为11位手机号码，或带区号的固定电话（如0632-1234567）",
        "invalid_phone",
        field,
        "format",
    )


def birth_date_of(id_number: str | None) -> date | None:
    """The birth date a 居民身份证号 carries (GB 11643-1999 §5.3; the old 15-digit number has YYMMDD of 19YY), or
    None when the number is not a resident id (a 统一社会信用代码, a passport number)."""
    v = (id_number or "").strip().upper()
    try:
        if len(v) == 18 and v[:17].isdigit():
            return date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        if len(v) == 15 and v.isdigit():
            return date(1900 + int(v[6:8]), int(v[8:10]), int(v[10:12]))
    except ValueError:
        return None
    return None


# --- a natural person's identity documents (行政处罚法 第三十条 needs the age; the number is masked as the 身份证号) ---

# 居民身份证 (GB 11643), 港澳台居民居住证 (国办发〔2018〕81号《港澳台居民居住证申领发放办法》: a GB 11643 number
# with 地址码 810000 香港、820000 澳门、830000 台湾, so it carries the birth date), the travel permits, a passport,
# 外国人永久居留身份证 and any other document the law accepts; 统一社会信用代码 for an organisation.
ID_KINDS = {"resident_id": "居民身份证", "residence_permit": "港澳台居民居住证",
            "travel_permit": "港澳居民来往内地通行证/台湾居民来往大陆通行证", "passport": "护照",
            "foreign_permanent_id": "外国人永久居留身份证", "other": "其他有效身份证件", "uscc": "统一社会信用代码"}
PERSON_ID_KINDS = tuple(k for k in ID_KINDS if k != "uscc")
BIRTH_DATE_KINDS = frozenset({"resident_id", "residence_permit"})  # numbers that carry the birth date (GB 11643 §5.3)
_PERMIT_AREAS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
_DOCUMENT_RE = re.compile(r"[A-Z0-9]{5,30}")


def validate_residence_permit(s: str, *, field: str = "id_number", today: date | None = None) -> str:
    """A 港澳台居民居住证 number: GB 11643's structure with 地址码 810000/820000/830000, a real birth date and the
    check character."""
    code = "invalid_residence_permit"
    value = (s or "").strip().upper() if isinstance(s, str) else ""
    if len(value) != 18 or not set(value[:17]) <= _ASCII_DIGITS or not (value[17] in _ASCII_DIGITS or value[17] == "X"):
        raise _fail("港澳台居民居住证号码格式错误：应为18位，前17位为数字，最后一位为数字或X", code, field, "format")
    if value[:6] not in _PERMIT_AREAS:
        raise _fail("港澳台居民居住证号码前6位应为810000（香港）、820000（澳门）或830000（台湾）", code, field, "area_code")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _fail("港澳台居民居住证号码中的出生日期不是有效日期", code, field, "birth_date") from None
    if birth < _EARLIEST_BIRTH or birth > (today or date.today()):
        raise _fail("港澳台居民居住证号码中的出生日期不在1900年至今天之间", code, field, "birth_date")
    if resident_id_check_digit(value[:17]) != value[17]:
        raise _fail("港澳台居民居住证号码校验位错误", code, field, "check_digit")
    return value


def validate_person_document(kind: str, s: str, *, field: str = "id_number", today: date | None = None) -> str:
    """A natural person's document number of the given kind, normalised; ValidationFailed (in Chinese) when wrong."""
    if kind == "resident_id":
        return validate_resident_id(s, field=field, today=today)
    if kind == "residence_permit":
        return validate_residence_permit(s, field=field, today=today)
    value = _TYPED_SEPARATORS.sub("", s).upper() if isinstance(s, str) else ""
    if not _DOCUMENT_RE.fullmatch(value):
        raise _fail(f"{ID_KINDS.get(kind, '证件')}号码格式错误：应为5至30位字母或数字", "invalid_document_number", field, "format")
    return value


def document_birth_date(kind: str | None, id_number: str | None) -> date | None:
    """The birth date a document number carries: only a 居民身份证号 or a 港澳台居民居住证 number does."""
    return birth_date_of(id_number) if (kind or "resident_id") in BIRTH_DATE_KINDS else None
