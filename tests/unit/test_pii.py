"""Masking of personal information for logs, trail payloads and publications."""

from __future__ import annotations

import copy

import pytest

from casebook.domain.identifiers import resident_id_check_digit
from casebook.domain.pii import (
    mask_address,
    mask_bank_account,
    mask_name,
    mask_payload,
    mask_phone,
    mask_resident_id,
    mask_uscc,
    redact_text,
)

RESIDENT_ID = "37040219900307008X"  # valid: check digit X
RESIDENT_ID_MASKED = "370402********008X"
USCC = "91350100M000100Y43"  # valid: GB 32100-2015 worked example


def test_the_sample_resident_id_is_valid():
    assert resident_id_check_digit(RESIDENT_ID[:17]) == RESIDENT_ID[17]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (RESIDENT_ID, RESIDENT_ID_MASKED),
        ("370402199003071234", "370402********1234"),
        (" 37040219900307008x ", "370402********008x"),
        ("370402900307123", "370402******123"),  # old 15-digit number
        ("3704021990", "**********"),  # unknown shape: nothing kept
        ("", ""),
    ],
)
def test_a_resident_id_keeps_only_its_region_and_last_four(raw, masked):
    assert mask_resident_id(raw) == masked


def test_a_masked_resident_id_hides_the_birth_date():
    assert "19900307" not in mask_resident_id(RESIDENT_ID)


@pytest.mark.parametrize("code", [USCC, "91110000600037341L"])
def test_a_uscc_is_public_and_left_as_is(code):
    assert mask_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 19912345678 ", "199****5678"),
        ("0632-1234567", "0632-*****67"),
        ("010-12345678", "010-******78"),
        ("06321234567", "0632*****67"),  # no hyphen, 4-digit area code
        ("01012345678", "010******78"),  # no hyphen, 010
        ("02112345678", "021******78"),  # no hyphen, 02x
        ("+86 138 1234 5678", "+** *** **** **78"),  # unknown shape: all digits but the last two
        ("1234", "****"),
    ],
)
def test_a_phone_number_keeps_only_prefix_and_tail(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("山东省枣庄市山亭区府前路1号", "山东省枣庄市****"),
        ("山东省枣庄市山亭区", "山东省枣****"),  # short: at most half is kept
        ("幸福路5号", "幸福****"),
        ("北京", "北****"),
        ("", ""),
    ],
)
def test_an_address_keeps_at_most_its_first_six_characters(raw, masked):
    assert mask_address(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("6222021234567890123", "***************0123"),
        ("6222 0212 3456 7890 123", "***************0123"),
        ("6222-0212-3456", "********3456"),
        ("1234", "****"),
    ],
)
def test_a_bank_account_keeps_only_its_last_four(raw, masked):
    assert mask_bank_account(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),  # two characters: single surname 欧 is the only safe reading
        ("买买提·艾力", "买**·**"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_a_natural_persons_name_keeps_only_the_surname(raw, masked):
    assert mask_name(raw) == masked


@pytest.mark.parametrize(
    ("party", "id_number"),
    [
        ({"kind": "person", "id_number": RESIDENT_ID}, RESIDENT_ID_MASKED),
        ({"kind": "person", "id_number": "370402199003071234"}, "370402********1234"),  # even when invalid
        ({"kind": "person", "id_number": USCC}, "913501********0Y43"),  # kind person always masks
        ({"kind": "organization", "id_number": USCC}, USCC),
        ({"id_number": USCC}, USCC),  # no kind, but a valid USCC
        ({"id_number": RESIDENT_ID}, RESIDENT_ID_MASKED),  # no kind, but a valid resident id
        ({"kind": "organization", "id_number": RESIDENT_ID}, RESIDENT_ID_MASKED),  # valid resident id wins
        ({"id_number": "370402199003071234"}, "370402********1234"),  # neither valid: masked to be safe
        ({"kind": "organization", "id_number": "91350100M000100Y44"}, "91350100M000100Y44"),  # mistyped USCC
    ],
)
def test_id_number_is_masked_unless_it_is_an_organisations_code(party, id_number):
    assert mask_payload(party)["id_number"] == id_number


def test_personal_keys_and_suffixes_are_masked_and_other_keys_are_kept():
    payload = {
        "case_no": "山亭综执罚〔2025〕12号",
        "name": "张三",
        "amount": "2000.00",
        "resident_id": RESIDENT_ID,
        "phone": "13812345678",
        "address": "山东省枣庄市山亭区府前路1号",
        "bank_account": "6222021234567890123",
        "contact_phone": "0632-1234567",
        "home_address": "山东省枣庄市市中区光明路9号",
        "legal_representative_resident_id": RESIDENT_ID,
        "payer_bank_account": "6222021234567890123",
    }
    assert mask_payload(payload) == {
        "case_no": "山亭综执罚〔2025〕12号",
        "name": "张三",
        "amount": "2000.00",
        "resident_id": RESIDENT_ID_MASKED,
        "phone": "138****5678",
        "address": "山东省枣庄市****",
        "bank_account": "***************0123",
        "contact_phone": "0632-*****67",
        "home_address": "山东省枣庄市****",
        "legal_representative_resident_id": RESIDENT_ID_MASKED,
        "payer_bank_account": "***************0123",
    }


def test_nested_parties_in_lists_and_tuples_are_masked_with_their_own_kind():
    payload = {
        "event": "case.filed",
        "parties": [
            {"kind": "person", "id_number": RESIDENT_ID, "phone": "13812345678"},
            {
                "kind": "organization",
                "id_number": USCC,
                "legal_rep": {"kind": "person", "id_number": RESIDENT_ID},
            },
        ],
        "witness_phones": ("13812345678",),
    }
    masked = mask_payload(payload)
    assert masked["parties"][0] == {"kind": "person", "id_number": RESIDENT_ID_MASKED, "phone": "138****5678"}
    assert masked["parties"][1]["id_number"] == USCC
    assert masked["parties"][1]["legal_rep"]["id_number"] == RESIDENT_ID_MASKED
    assert masked["witness_phones"] == ("13812345678",)  # key does not end in _phone: not personal by name


def test_a_structured_value_under_a_personal_key_is_masked_leaf_by_leaf():
    payload = {
        "address": {"province": "山东省", "detail": "山亭区府前路1号院3号楼"},
        "other_phone": ["13812345678", "0632-1234567", None],
        "phone": 13812345678,
    }
    assert mask_payload(payload) == {
        "address": {"province": "山****", "detail": "山亭区府前路****"},
        "other_phone": ["138****5678", "0632-*****67", None],
        "phone": "138****5678",
    }


def test_mask_payload_never_mutates_its_input_and_returns_new_containers():
    payload = {
        "kind": "person",
        "id_number": RESIDENT_ID,
        "parties": [{"phone": "13812345678", "tags": ["a"]}],
        "address": {"detail": "山东省枣庄市山亭区府前路1号"},
    }
    before = copy.deepcopy(payload)
    masked = mask_payload(payload)
    assert payload == before
    assert masked is not payload
    assert masked["parties"] is not payload["parties"]
    assert masked["parties"][0]["tags"] is not payload["parties"][0]["tags"]
    assert masked["address"] is not payload["address"]


@pytest.mark.parametrize("scalar", [None, 3, "13812345678", 1.5, True])
def test_a_bare_scalar_is_returned_unchanged(scalar):
    assert mask_payload(scalar) == scalar


# --- redact_text: phone numbers and addresses inside published text (公示) ----------------------------------


@pytest.mark.parametrize(
    ("text", "published"),
    [
        # a landline with its area code in parentheses, full-width or half-width, with or without a space/hyphen
        ("联系电话（0632）8812345。", "联系电话（0632）*****45。"),
        ("(0632)8812345", "(0632)*****45"),
        ("电话（010） 12345678", "电话（010） ******78"),
        ("电话(0632)-8812345", "电话(0632)-*****45"),
        # a landline with a space between area code and number
        ("电话0632 8812345", "电话0632 *****45"),
        ("电话021 12345678。", "电话021 ******78。"),
    ],
)
def test_redact_text_masks_a_landline_with_its_area_code_in_parentheses_or_after_a_space(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("手机１３９０６３２９９９９", "手机139****9999"),
        ("联系电话（０６３２）８８１２３４５", "联系电话（0632）*****45"),
        ("电话０６３２－８８１２３４５", "电话0632－*****45"),
        # full-width digits that are not an identifier are only normalised to half-width
        ("罚款１０００００元，２０２６年３月５日", "罚款100000元，2026年3月5日"),
    ],
)
def test_redact_text_reads_full_width_digits_as_digits(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("电话8812345", "电话*****45"),
        ("联系电话：88123456。", "联系电话：******56。"),
        ("联系方式为8812345", "联系方式为*****45"),
        ("座机 8812345、8812346", "座机 *****45、*****46"),
        ("传真：8812345", "传真：*****45"),
        ("手机号码8812345", "手机号码*****45"),
        ("电话（0632）8812345、8812346", "电话（0632）*****45、*****46"),
    ],
)
def test_redact_text_masks_a_local_number_right_after_a_phone_keyword(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    "text",
    [
        "罚款1000000元",
        "2026年3月5日",
        "山亭综执罚〔2026〕12号",
        "货值金额12345678元",
        "违法所得8812345元",
        "依据《中华人民共和国行政处罚法》第二十八条第一款",
        "电话费用合计1000000元",
        "电话告知后于20260305日复查",
        "手机12345678台",
        "注册资本5000000.00元，编号12345678",
    ],
)
def test_redact_text_leaves_amounts_dates_document_and_article_numbers_alone(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "published"),
    [
        # a street address swallows its trailing room number, with or without 室
        ("住幸福小区5号楼2单元501", "住****"),
        ("住幸福小区5号楼2单元501，电话13806320001", "住****，电话138****0001"),
        ("家住北京市朝阳区建国路1号院2-301。", "家住北京市朝阳区****。"),
        # an address introduced by a residence keyword is masked up to the next delimiter, divisions kept
        ("韩磊，男，住山亭区桑村镇西集村。", "韩磊，男，住山亭区桑村镇****。"),
        ("住山亭区桑村镇西集村", "住山亭区桑村镇****"),
        ("当事人韩磊，现住山亭区桑村镇西集村东头；", "当事人韩磊，现住山亭区桑村镇****；"),
        ("韩磊，家住西集村", "韩磊，家住****"),
        ("住址：山东省枣庄市山亭区水泉镇东庄村", "住址：山东省枣庄市山亭区水泉镇****"),
        ("居住地：山亭区桑村镇西集村（东区）。", "居住地：山亭区桑村镇****。"),
        ("户籍地山亭区北庄镇南庄村，现住山亭区城关街道", "户籍地山亭区北庄镇****，现住山亭区城关街道"),
        ("住所：西集村", "住所：****"),
        ("（男，住山亭区桑村镇西集村）", "（男，住山亭区桑村镇****）"),
    ],
)
def test_redact_text_masks_a_natural_persons_address(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    "text",
    [
        "经营范围：餐饮服务，住宿服务。",
        "当事人提供餐饮，住宿服务",
        "，住房和城乡建设局",
        "当事人因病住院治疗",
        "韩磊，现住院治疗",
        "山亭区住房和城乡建设局",
        "，住所不明",
        "，住户投诉",
    ],
)
def test_redact_text_does_not_take_ordinary_words_for_an_address(text):
    assert redact_text(text) == text


# --- redact_text: QQ and WeChat ids, e-mail addresses, 身份证号 next to letters or ending in a full-width Ｘ -----

VALID_ID_ENDING_IN_3 = "370402198001011233"  # valid: check digit 3 (…1234 below is the same number mistyped)


def test_the_sample_ids_check_digits_are_as_stated():
    assert resident_id_check_digit(VALID_ID_ENDING_IN_3[:17]) == "3"
    assert resident_id_check_digit("37040219800101123") != "X"  # …123Ｘ below is not a valid number


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("QQ：123456789", "QQ：*******89"),
        ("qq号 12345678", "qq号 ******78"),
        ("QQ号码123456789", "QQ号码*******89"),
        ("联系QQ（1234567890），", "联系QQ（********90），"),
        ("QQ号为12345", "QQ号为*****"),  # a short number keeps no digit
        ("QQ账号：12345678、23456789", "QQ账号：******78、******89"),
        ("QQ：13806320001", "QQ：*********01"),  # a QQ number that is also a mobile number: masked as a QQ number
        ("ＱＱ：123456789", "ＱＱ：*******89"),  # the keyword in full-width letters
    ],
)
def test_redact_text_masks_a_qq_number_after_a_qq_keyword(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("微信：wxid_abc123", "微信：w**********"),
        ("微信号 zhang_san88", "微信号 z**********"),
        ("WeChat: abc-123", "WeChat: a******"),
        ("微信号为Zhangsan。", "微信号为Z*******。"),
        ("微信账号（ls_2026）", "微信账号（l******）"),
        ("wechat ID zhangsan_88，", "wechat ID z**********，"),
        ("其微信wxid_2x8k3l9m0n1p2q3r4s5t，", "其微信w************************，"),  # longer than 20: masked all the same
    ],
)
def test_redact_text_masks_a_wechat_id_after_a_wechat_keyword(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("邮箱zhangsan@example.com", "邮箱z*******@example.com"),
        ("电子邮箱：li.si+x@mail.qq.com。", "电子邮箱：l******@mail.qq.com。"),
        ("QQ邮箱1234567890@qq.com", "QQ邮箱1*********@qq.com"),  # the QQ number in the address is hidden whole
        ("E-mail: Zhang_San-88@163.com，", "E-mail: Z***********@163.com，"),
        ("邮箱zhangsan＠example.com", "邮箱z*******＠example.com"),  # a full-width ＠
    ],
)
def test_redact_text_masks_the_local_part_of_an_email_address(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    ("text", "published"),
    [
        # directly after Latin letters, an 18/15-digit 身份证号 or a 16–19 digit card number is still found
        ("ID370402198001011234", "ID**************1234"),  # fails the check digit: masked as a long number
        ("ID" + VALID_ID_ENDING_IN_3, "ID370402********1233"),
        ("证件号码ID" + RESIDENT_ID + "。", "证件号码ID" + RESIDENT_ID_MASKED + "。"),
        ("No370402900307123", "No370402******123"),
        ("卡号NO6222021234567890", "卡号NO************7890"),
        # an 18-character number ending in a full-width Ｘ is one number, masked whole (the Ｘ read as X)
        ("37040219900307008Ｘ", RESIDENT_ID_MASKED),
        ("身份证号：37040219900307008ｘ，", "身份证号：370402********008x，"),
        ("身份证号37040219800101123Ｘ", "身份证号**************123X"),
        ("ID37040219900307008Ｘ", "ID" + RESIDENT_ID_MASKED),
        # a card number in groups of four separated by ideographic spaces
        ("卡号6222　0212　3456　7890", "卡号************7890"),
    ],
)
def test_redact_text_masks_ids_and_card_numbers_after_letters_or_with_a_full_width_x(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    "text",
    [
        "2026-04-01 14:30",
        "于2026-04-01 14时30分检查",
        "经营期限2020-01-01-2030-12-31",
    ],
)
def test_redact_text_leaves_an_iso_date_with_a_time_or_a_range_of_dates_alone(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "published"),
    [
        # already masked before QQ, WeChat and e-mail were added: kept as regression guards
        ("身份证ID:370402198001011234", "身份证ID:**************1234"),
        ("37040219900307008x", "370402********008x"),
        ("卡号6222 0212 3456 7890", "卡号************7890"),
        ("卡号：6222-0212-3456-7890 123", "卡号：***************0123"),
        ("银行账号6222021234567890123", "银行账号***************0123"),
        ("微信：13806320001", "微信：138****0001"),  # a WeChat id that is a mobile number is masked as one
    ],
)
def test_redact_text_still_masks_ids_cards_and_phones_written_the_usual_way(text, published):
    assert redact_text(text) == published


@pytest.mark.parametrize(
    "text",
    [
        "罚款5000元",
        "￥12,345.00",
        "2026年4月1日",
        "2026-04-01",
        "14:30",
        "山监罚〔2026〕12号",
        "鲁市监罚字〔2026〕第0012号",
        "第七十二条第一款",
        "统一社会信用代码91370402MA3C12345X",  # an organisation's USCC is public
        "统一社会信用代码：" + USCC,
        "代码N23704020000100060",  # a valid USCC whose first character is a letter (农业), digits after it
        "案号SDZZ2026000012",  # letters and a 10–14 digit number: a case or serial number, not an identifier
        # QQ / 微信 as words, not keywords before an id
        "通过QQ音乐平台销售",
        "型号XQQ12345678",
        "QQ群123456789",  # a group number is not a person's identifier
        "在微信朋友圈发布广告",
        "通过微信转账5000元",
        "微信公众号“山亭市场监管”",
        "微信公众号：shantingscjg",  # an organisation's public account is not a person's id
        "WeChat Pay",
        "WeChat payment",
        "微信：abc12",  # five characters: not a WeChat id
        # @ without an address
        "@山亭市场监管",
    ],
)
def test_redact_text_leaves_amounts_dates_numbers_and_organisations_ids_alone(text):
    assert redact_text(text) == text
