"""Masking of personal information for logs, trail payloads and anything published.

个人信息保护法 第五十一条 requires 去标识化 and similar safeguards; 第二十八条 lists 金融账户 among sensitive
personal information. Masks keep the shape of the value so a person can still tell which record is meant;
text of an unexpected shape is masked more, not less, and never makes a mask raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from casebook.domain.errors import ValidationFailed
from casebook.domain.identifiers import validate_resident_id, validate_uscc

__all__ = [
    "mask_address",
    "redact_text",
    "mask_bank_account",
    "mask_document_number",
    "mask_email",
    "mask_name",
    "mask_payload",
    "mask_phone",
    "mask_resident_id",
    "mask_uscc",
]

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE = re.compile(r"(0[0-9]{2,3})(-?)([0-9]{7,8})")

# 复姓 from 百家姓 that are still in use; a name starting with one keeps two characters.
_COMPOUND_SURNAMES = frozenset(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 钟离 闾丘 端木 独孤
    南宫 西门 百里 呼延 澹台 太史 申屠 公冶 宗政 濮阳 淳于 单于 仲孙 东郭 拓跋 万俟 赫连 公羊 漆雕 乐正
    壤驷 公良 谷梁 段干 巫马 亓官 司寇 子车 颛孙 梁丘 左丘 东门 第五 鲜于 羊舌 微生 太叔 叱干 完颜 纳兰
    """.split()
)


def _stars(n: int) -> str:
    """Return n mask characters."""
    return "*" * max(n, 0)


def mask_resident_id(value: str) -> str:
    """Keep the region code and the last four characters of a 居民身份证号: 370402********123X."""
    v = value.strip()
    if len(v) == 18:
        # GB 11643-1999: 地址码 6 + 出生日期码 8 + 顺序码 3 + 校验码 1 — the birth date is hidden.
        return v[:6] + _stars(8) + v[-4:]
    if len(v) == 15:
        # Pre-1999 15-digit number: 地址码 6 + 出生日期 6 + 顺序码 3.
        return v[:6] + _stars(6) + v[-3:]
    return _stars(len(v))


def mask_document_number(value: str, id_kind: str | None = None) -> str:
    """A natural person's document number masked as the 身份证号 is: a GB 11643 number (身份证, 港澳台居民居住证)
    keeps its region code and last four; a passport, travel permit or other document keeps only its last four
    characters (none when it has fewer than eight)."""
    v = value.strip()
    if id_kind in (None, "resident_id", "residence_permit") and len(v) in (15, 18):
        return mask_resident_id(v)
    return _stars(len(v) - 4) + v[-4:] if len(v) >= 8 else _stars(len(v))


def mask_birth_date(value: str) -> str:
    """A recorded birth date keeps its year only (the 身份证号's mask hides the birth date too): 2010-**-**."""
    v = value.strip()
    return v[:4] + "-**-**" if len(v) >= 10 and v[:4].isdigit() else _stars(len(v))


def mask_uscc(value: str) -> str:
    """Return a 统一社会信用代码 unchanged: it identifies an organisation and is public by design."""
    # 国发〔2015〕33号 (法人和其他组织统一社会信用代码制度建设总体方案): the code is the public identity of a
    # legal person or other organisation; it is shown on the business licence and in the 国家企业信用信息公示系统,
    # and 双公示 publications of 行政许可/行政处罚 list it. Masking it would only make published decisions
    # unidentifiable. The 法定代表人's own data is masked by its own keys.
    return value


def mask_phone(value: str) -> str:
    """Keep the first three and last four digits of a mobile number, the area code and last two of a landline."""
    v = value.strip()
    if _MOBILE_RE.fullmatch(v):
        return v[:3] + _stars(4) + v[-4:]
    m = _LANDLINE_RE.fullmatch(v)
    if m:
        area, sep, local = m.groups()
        if not sep:
            # Without a hyphen the split is ambiguous; 3-digit area codes are 010 and 020–029, all others 4.
            digits = area + local
            cut = 3 if digits[1] in "12" else 4
            area, local = digits[:cut], digits[cut:]
        return area + sep + _stars(len(local) - 2) + local[-2:]
    # Unknown shape (+86, spaces, extensions …): hide every digit but the last two.
    digit_positions = [i for i, c in enumerate(v) if c.isdigit()]
    keep = set(digit_positions[-2:]) if len(digit_positions) > 4 else set()
    return "".join(c if (not c.isdigit() or i in keep) else "*" for i, c in enumerate(v))


def mask_address(value: str) -> str:
    """Keep the first six characters of an address (province, city), then ****."""
    v = value.strip()
    if not v:
        return v
    # A short address is mostly street and house number: keep at most half of it.
    return v[: min(6, len(v) // 2)] + "****"


def mask_bank_account(value: str) -> str:
    """Keep only the last four characters of a bank account number."""
    # 个人信息保护法 第二十八条: 金融账户 is sensitive personal information.
    v = re.sub(r"[\s-]", "", value)
    if len(v) <= 4:
        return _stars(len(v))
    return _stars(len(v) - 4) + v[-4:]


def _mask_handle(value: str) -> str:
    """Keep the first character of an account name (a WeChat id, an e-mail address's local part): w**********."""
    return value[:1] + _stars(len(value) - 1) if len(value) >= 2 else _stars(len(value))


def mask_email(value: str) -> str:
    """Keep the first character of an e-mail address's local part and its domain: z*******@example.com."""
    v = value.strip()
    local, at, domain = v.rpartition("@")
    if not at:  # no address: nothing kept
        return _stars(len(v))
    return _mask_handle(local) + at + domain


def mask_name(value: str) -> str:
    """Keep the surname of a natural person and hide the given name: 张*, 欧阳**."""
    v = value.strip()
    if len(v) <= 1:
        return _stars(len(v))
    keep = 2 if len(v) >= 3 and v[:2] in _COMPOUND_SURNAMES else 1
    # Separators stay visible so 买买提·艾力 or a Latin name keeps its shape.
    return v[:keep] + "".join(c if c in "·• " else "*" for c in v[keep:])


def _is_resident_id(value: str) -> bool:
    """Tell whether a value is a valid 居民身份证号."""
    try:
        validate_resident_id(value)
    except ValidationFailed:
        return False
    return True


def _is_uscc(value: str) -> bool:
    """Tell whether a value is a valid 统一社会信用代码."""
    try:
        validate_uscc(value)
    except ValidationFailed:
        return False
    return True


def _mask_id_number(value: str, kind: Any, id_kind: Any = None) -> str:
    """Mask a party's id_number unless it is an organisation's 统一社会信用代码."""
    if kind == "person" and isinstance(id_kind, str) and id_kind not in ("resident_id", "residence_permit"):
        return mask_document_number(value, id_kind)  # a passport, travel permit … (行政处罚法 第三十条's other documents)
    if kind == "person" or _is_resident_id(value):
        return mask_resident_id(value)
    if _is_uscc(value) or kind == "organization":
        return mask_uscc(value)
    # Neither valid nor labelled: it may be a mistyped 身份证号, so it is masked.
    return mask_resident_id(value)


_EXACT_KEYS: dict[str, Callable[[str], str]] = {
    "resident_id": mask_resident_id,
    "phone": mask_phone,
    "address": mask_address,
    "bank_account": mask_bank_account,
    "birth_date": mask_birth_date,
}
_SUFFIX_KEYS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("_phone", mask_phone),
    ("_address", mask_address),
    ("_resident_id", mask_resident_id),
    ("_bank_account", mask_bank_account),
)


_ID_NUMBER = object()  # marks a key whose mask depends on its siblings (the party's kind)
_by_key: dict[str, Any] = {}


def _key_masker(k: str) -> Any:
    if k == "id_number" or k.endswith("_id_number"):  # a party's number, or one given as proof (party_id_number)
        return _ID_NUMBER
    masker = _EXACT_KEYS.get(k)
    if masker is not None:
        return masker
    for suffix, masker in _SUFFIX_KEYS:
        if k.endswith(suffix):
            return masker
    return None


def _masker_for(key: Any, siblings: Mapping) -> Callable[[str], str] | None:
    """Return the masking function a key calls for, or None if its value is not personal information."""
    if not isinstance(key, str):
        return None
    m = _by_key.get(key, _by_key)
    if m is _by_key:  # the verdict is the key's alone (by name), kept per key
        if len(_by_key) > 4096:
            _by_key.clear()
        m = _by_key[key] = _key_masker(key.lower())
    if m is _ID_NUMBER:
        kind, id_kind = siblings.get("kind"), siblings.get("id_kind")
        return lambda v: _mask_id_number(v, kind, id_kind)
    return m


def masks_key(key: Any) -> bool:
    """Tell whether the value under this key is masked (whatever its siblings say)."""
    return isinstance(key, str) and (key.lower() == "id_number" or _masker_for(key, {}) is not None)


_SEQUENCES = (list, tuple, set, frozenset)


def _rebuild(container: Any, items: Any) -> Any:
    """Return a new container of the same base kind (list, tuple, set, frozenset) holding items."""
    for kind in _SEQUENCES:
        if isinstance(container, kind):
            return kind(items)
    raise TypeError(type(container).__name__)


def _mask_leaves(value: Any, masker: Callable[[str], str]) -> Any:
    """Apply a mask to every text or integer leaf of a value, copying containers."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return masker(str(value))
    if isinstance(value, Mapping):
        return {k: _mask_leaves(v, masker) for k, v in value.items()}
    if isinstance(value, _SEQUENCES):
        return _rebuild(value, (_mask_leaves(v, masker) for v in value))
    return value


def mask_payload(obj: Any) -> Any:
    """Return a copy of a JSON-like value with personal information masked by key name; never mutate it."""
    if isinstance(obj, Mapping):
        out = {}
        for key, value in obj.items():
            masker = _masker_for(key, obj)
            out[key] = mask_payload(value) if masker is None else _mask_leaves(value, masker)
        return out
    if isinstance(obj, _SEQUENCES):
        return _rebuild(obj, (mask_payload(v) for v in obj))
    return obj


# --- free text: what is published (公示) ---------------------------------------------------------------------
# 政府信息公开条例 第十五条 and 个人信息保护法: a published decision keeps a natural person's identifiers out.
# The same masks as above, found by shape inside text: 身份证号 (18 and 15 digits), bank card numbers (16–19
# digits), mobile and landline phones, street addresses, and the names the caller knows to be natural persons;
# and, after their keyword, QQ numbers and WeChat ids, and e-mail addresses by their @.
# 个人信息保护法 第五十一条 (去标识化) and 第七十三条 (去标识化 means a person can no longer be identified without
# other information): a phone number or a home address that escapes the mask identifies the person, so the
# text shapes below err on the side of masking; amounts, dates, 文号 and article numbers are not identifiers.

# GB/T 15834-2011 (标点符号用法) and GB/T 15835-2011 (出版物上数字用法): numbers are written with half-width
# digits; full-width ０–９ are read as the same digits, so they cannot carry an identifier past the masks.
_FULLWIDTH_DIGITS = {ord("０") + i: ord("0") + i for i in range(10)}

# A run of digits, possibly grouped by spaces (an ideographic one too, between two digits) or hyphens, and ending
# in a check character X (full-width Ｘ included: 37040219900307008Ｘ is one number). A run right after Latin
# letters (ID370402…, NO6222…) is found too; _mask_number_run decides what such a run is. A run that a time
# follows (2026-04-01 14:30) is a date and time, not a number.
_NUM_RUN_RE = re.compile(
    r"(?<![0-9])[0-9](?:(?:[0-9 \-]|\u3000(?=[0-9])){9,24}[0-9XxＸｘ]|[0-9]{6,9})(?![0-9A-Za-z]|[:：][0-9])"
)
_FULLWIDTH_X = str.maketrans("Ｘｘ", "Xx")
# ISO dates, one or a range (2020-01-01-2030-12-31), each perhaps with an hour (2026-04-01 14时): not identifiers.
_ISO_DATE = r"(?:19|20)[0-9]{2}-[01]?[0-9]-[0-3]?[0-9](?: [0-9]{1,2})?"
_ISO_DATES_RE = re.compile(rf"{_ISO_DATE}(?:[ \-]+{_ISO_DATE})*")

# E-mail addresses (the @ may be a full-width ＠): the local part (which may be a QQ number: 123456789@qq.com)
# keeps its first character; the domain stays, it names a mail provider or an organisation.
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])(?P<local>[A-Za-z0-9._%+\-]+)(?P<at>[@＠])(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
    r"(?![A-Za-z0-9\-])"
)
# Account ids are found only after their keyword, optionally followed by 为/是, a colon or an opening bracket:
# QQ：123456789, qq号 12345678, QQ号码为123456789, 微信：wxid_abc123, 微信号 zhang_san88, WeChat: abc-123.
_ID_LEAD = r"[ \u3000]*(?:为|是)?[ \u3000]*[:：]?[ \u3000]*[（(]?[ \u3000]*"
# A QQ number: 5–11 digits, never starting with 0. QQ群 (a group) and QQ音乐 … are not a person's number. The
# keyword may be typed in full-width letters (ＱＱ), as an input method in full-width mode writes it.
_QQ_NUMBER = r"(?<![0-9])[1-9][0-9]{4,10}(?![0-9])"
_QQ_RE = re.compile(
    rf"(?<![A-Za-zＡ-Ｚａ-ｚ])[QqＱｑ]{{2}}(?:号码|号|账号|帐号)?{_ID_LEAD}{_QQ_NUMBER}(?:[ \u3000]*[、/／或和及][ \u3000]*{_QQ_NUMBER})*"
)
_QQ_NUMBER_RE = re.compile(_QQ_NUMBER)
# A WeChat id (微信号): 6–20 letters, digits, _ or -, starting with a letter; a longer one is masked all the same.
# After 微信号/微信账号/微信ID/WeChat ID, or 微信/WeChat with 为/是 or a colon, any such token is an id; after a bare
# 微信/WeChat and a space or bracket it must hold a digit, _ or - (微信（WeChat）, WeChat payment are words).
# 微信公众号 (an organisation's public account), 微信群, 微信支付 … are not followed by an id and stay.
_WECHAT_RE = re.compile(
    r"(?:微信|(?<![A-Za-z])(?i:wechat|weixin))"
    r"(?:(?:号码|号|账号|帐号|[ ]?(?i:id)(?![A-Za-z])|[ \u3000]*(?:为|是|[:：]))" + _ID_LEAD
    + r"|[ \u3000]*[（(]?[ \u3000]*(?=[A-Za-z][A-Za-z0-9]*[0-9_\-]))"
    r"(?P<id>[A-Za-z][A-Za-z0-9_\-]{5,})(?![A-Za-z0-9_\-])"
)

# 长途区号 (YD/T 2307 numbering plan): 010 and 02x have three digits, every other code 03xx–09xx four.
_AREA_CODE = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
# A landline whose area code is in parentheses — （0632）8812345, (010) 12345678 — or set off by a space or a
# hyphen: 0632 8812345, 0632－8812345. Keeps the area code and the last two digits, as mask_phone does.
_LANDLINE_IN_TEXT_RE = re.compile(
    r"(?<![0-9A-Za-z.])"
    rf"(?:(?P<open>[（(][ \u3000]*)(?P<parea>{_AREA_CODE})(?P<close>[ \u3000]*[）)][ \u3000]*[-－—]?[ \u3000]*)"
    rf"|(?P<area>{_AREA_CODE})(?P<sep>[ \u3000]*[-－—][ \u3000]*|[ \u3000]+))"
    r"(?P<local>[0-9]{7,8})(?![0-9])"
)
# A 7–8 digit local number (no area code) right after a phone keyword: 电话8812345, 联系电话：88123456, 座机
# 8812345、8812346. A number followed by a unit (元, 年, 台 …) or a decimal point is a quantity, not a phone.
_PHONE_KEYWORD = r"(?:电话|联系方式|手机|座机|传真|固话)"
_NOT_A_PHONE_AFTER = r"(?![0-9]|[.．][0-9]|[元年月日时分秒号万亿%％个件台部只套箱瓶袋盒包吨克斤米条张次人户家天])"
_LOCAL_NUMBER = rf"(?<![0-9])[0-9]{{7,8}}{_NOT_A_PHONE_AFTER}"
_KEYWORD_LOCAL_RE = re.compile(
    rf"{_PHONE_KEYWORD}[^0-9，,。；;\n\x00]{{0,4}}?"
    rf"{_LOCAL_NUMBER}(?:[ \u3000]*[、/／或和及][ \u3000]*{_LOCAL_NUMBER})*"
)
_LOCAL_NUMBER_RE = re.compile(_LOCAL_NUMBER)
# …and further local numbers listed right after a phone already masked: （0632）*****45、8812346.
_LISTED_LOCAL_RE = re.compile(rf"(?<=\*[0-9]{{2}})(?:[ \u3000]*[、/／或和及][ \u3000]*{_LOCAL_NUMBER})+")

_NOT_PREFIX = "住在于址是系为的：:，,。"
_CJK = r"(?:(?![" + _NOT_PREFIX + r"])[\u4e00-\u9fa5])"
_ADDRESS_RE = re.compile(
    rf"((?:{_CJK}{{1,8}}(?:省|自治区))?(?:{_CJK}{{1,8}}(?:市|州|盟))?(?:{_CJK}{{1,8}}(?:区|县|旗))?"
    rf"(?:{_CJK}{{1,8}}(?:镇|乡|街道))?)((?:{_CJK}|[A-Za-z0-9]){{1,15}}?"
    r"(?:路|街|巷|弄|大道|村|小区|社区|花园|公寓|胡同|里)"
    r"[A-Za-z0-9\u4e00-\u9fa5\-]{0,10}?[0-9一二三四五六七八九十百]+(?:号楼|号院|号|室|栋|幢|单元|组)"
    r"(?:[0-9一二三四五六七八九十]+(?:号楼|号|室|栋|幢|单元|层|楼))*"
    # a trailing room number written without 室 (…2单元501, …1号院2-301), unless it is a quantity or a date
    r"(?:[0-9]{1,5}(?:-[0-9]{1,5})*[A-Za-z]?(?![0-9年月日元.]))?)"
)

# An address introduced by a residence keyword (住, 现住, 家住, 住址, 住所, 居住地, 户籍地 …): masked up to the next
# delimiter, the administrative divisions kept. The bare 住 family needs a delimiter (or the start) before it and
# must not begin a word (住宿, 住房, 住院, 住户, 住建 …); the content must look like an address.
_DELIMS = "，,。；;：:、\n\r"
_RESIDENCE_RE = re.compile(
    r"(?P<kw>(?:现住址|住址|住所地|住所|经常居住地|居住地|户籍所在地|户籍地)(?:位于|为|是|在|于)?[:：]?[ \u3000]*"
    rf"|(?:^|(?<=[{_DELIMS} \u3000]))(?P<bare>(?:现|家|暂|居)?住)(?![宿房院户建宅持证址所])(?:在|于)?[:：]?[ \u3000]*)"
    # up to the next delimiter; a bracketed part (东区) belongs to the address, an unmatched ）closes it
    rf"(?P<addr>(?:[^{_DELIMS}（()）\x00]|[（(][^{_DELIMS}（()）\x00]*[）)])+)"
)
_ADDRESS_UNIT_RE = re.compile(
    r"省|自治区|市|州|盟|区|县|旗|镇|乡|街道|村|路|街|巷|弄|胡同|社区|小区|花园|公寓|大道|大厦|号|组|屯|室|栋|幢|单元|楼"
)
# Administrative divisions (province … township) at the start of an address. A division's name holds no word of
# its own level or below (a township's may hold 村: 桑村镇), so 西集村东区 is not read as a 区 and 幸福小区 neither.
def _div_name(extra: str) -> str:
    return r"(?:(?![省县旗镇乡路街巷弄号组" + extra + _NOT_PREFIX + r"])[\u4e00-\u9fa5])"


_DIVISIONS_RE = re.compile(
    rf"(?:{_div_name('市区村')}{{1,8}}(?:省|自治区))?(?:{_div_name('市区村')}{{1,8}}(?:市|州|盟))?"
    rf"(?:{_div_name('区村')}{{1,8}}(?<![小社园])(?:区|县|旗))?(?:{_div_name('')}{{1,8}}(?:镇|乡|街道))?"
)


def _mask_street_address(m: re.Match) -> str:
    """Keep the administrative divisions (province … township) of an address found in text; hide the rest."""
    return m.group(1) + "****"


def _mask_residence(m: re.Match) -> str:
    """Mask the address after a residence keyword, keeping its administrative divisions."""
    addr = m.group("addr")
    looks_like_address = _ADDRESS_UNIT_RE.search(addr) or (m.group("bare") is None and re.search(r"[0-9]", addr))
    if not looks_like_address:
        return m.group(0)
    divisions = _DIVISIONS_RE.match(addr).group(0)
    rest = addr[len(divisions):]
    if not rest.strip("* "):  # nothing below the divisions, or already masked by the street-address pattern
        return m.group(0)
    return m.group(0)[: m.start("addr") - m.start()] + divisions + "****"


def _mask_landline_in_text(m: re.Match) -> str:
    """Mask a landline found in text: the area code, its brackets and separator stay, the last two digits too."""
    local = m.group("local")
    head = (m.group("open") + m.group("parea") + m.group("close")) if m.group("open") else m.group("area") + m.group("sep")
    return head + _stars(len(local) - 2) + local[-2:]


def _mask_keyword_local(m: re.Match) -> str:
    """Mask every 7–8 digit local number in a span that starts with a phone keyword."""
    return _LOCAL_NUMBER_RE.sub(lambda n: _stars(len(n.group(0)) - 2) + n.group(0)[-2:], m.group(0))


def _mask_email_in_text(m: re.Match) -> str:
    """Mask an e-mail address found in text: the local part's first character and the domain stay."""
    return _mask_handle(m.group("local")) + m.group("at") + m.group("domain")


def _mask_qq_number(m: re.Match) -> str:
    """A QQ number of seven digits or more keeps its last two, a shorter one none."""
    v = m.group(0)
    return _stars(len(v) - 2) + v[-2:] if len(v) >= 7 else _stars(len(v))


def _mask_qq(m: re.Match) -> str:
    """Mask every QQ number in a span that starts with a QQ keyword."""
    return _QQ_NUMBER_RE.sub(_mask_qq_number, m.group(0))


def _mask_wechat(m: re.Match) -> str:
    """Mask the WeChat id after a WeChat keyword, its first character kept."""
    return m.group(0)[: m.start("id") - m.start()] + _mask_handle(m.group("id"))


def _mask_number_run_match(m: re.Match) -> str:
    """Mask a run of digits found in text, told whether a Latin letter comes right before it."""
    start = m.start()
    before = m.string[start - 1] if start else ""
    return _mask_number_run(m.group(0), before if before.isascii() and before.isalpha() else "")


def _mask_number_run(raw: str, letter_before: str = "") -> str:
    """Mask a run of digits found in text by its shape.

    After a Latin letter (ID370402…, NO6222…) only a 身份证号 or a card number (15–19 digits) is masked: a shorter
    run there is a serial or case number's tail (SDZZ2026000012), and a run that makes a valid 统一社会信用代码
    with the letter (N2370402…, 农业) is an organisation's public code."""
    text = raw.translate(_FULLWIDTH_X)
    if _ISO_DATES_RE.fullmatch(text):
        return raw
    digits = re.sub(r"[ \u3000\-]", "", text)
    if letter_before and (not 15 <= len(digits) <= 19 or (len(text) == 17 and _is_uscc(letter_before + text))):
        return raw
    raw, plain = text, digits == text
    if len(digits) == 18 and _is_resident_id(digits):
        return mask_resident_id(digits)
    if len(digits) == 15 and plain and digits.isdigit():
        return mask_resident_id(digits)
    if 16 <= len(digits) <= 19:
        return mask_bank_account(raw)
    if _MOBILE_RE.fullmatch(digits):
        return mask_phone(digits)
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return mask_phone(raw)
    if len(digits) >= 10:  # some other long number a person may be found by: keep the last four only
        return mask_bank_account(raw)
    return raw


def redact_text(text: str | None, *, names: tuple[str, ...] | list[str] = (), keep: tuple[str, ...] | list[str] = ()) -> str:
    """Return text with natural persons' identifiers masked; `names` are natural persons' names to mask,
    `keep` values (an organisation's USCC, its name) that stay as they are."""
    if not text:
        return text or ""
    kept: dict[str, str] = {}
    out = text.translate(_FULLWIDTH_DIGITS)
    for i, k in enumerate(v.translate(_FULLWIDTH_DIGITS) for v in keep if v):
        token = f"\x00{i}\x00"
        kept[token] = k
        out = out.replace(k, token)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    # Accounts before numbers: an e-mail's local part, a QQ number or a WeChat id is masked whole, as itself.
    # Each is looked for only when its @ or keyword is there (most published text has none; a search costs more).
    lowered = out.lower()
    if "@" in out or "＠" in out:
        out = _EMAIL_RE.sub(_mask_email_in_text, out)
    if "qq" in lowered or "ｑｑ" in lowered:
        out = _QQ_RE.sub(_mask_qq, out)
    if "微信" in out or "wechat" in lowered or "weixin" in lowered:
        out = _WECHAT_RE.sub(_mask_wechat, out)
    # Numbers before addresses, so an address's room number cannot swallow the first digits of a phone next to it.
    out = _LANDLINE_IN_TEXT_RE.sub(_mask_landline_in_text, out)
    out = _NUM_RUN_RE.sub(_mask_number_run_match, out)
    out = re.sub(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", lambda m: mask_phone(m.group(0)), out)
    out = _KEYWORD_LOCAL_RE.sub(_mask_keyword_local, out)
    out = _LISTED_LOCAL_RE.sub(_mask_keyword_local, out)
    out = _ADDRESS_RE.sub(_mask_street_address, out)
    out = _RESIDENCE_RE.sub(_mask_residence, out)
    for token, k in kept.items():
        out = out.replace(token, k)
    return out
