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
