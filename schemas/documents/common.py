"""Pieces shared by the document contexts: agency, party, officers, case header, approvals, money, dates.

A context is plain data (never an ORM object): dates are ISO strings, times are naive local
(Asia/Shanghai) ISO date-times, money is a string of Decimal yuan with two places. Loading turns
them into ``date`` / ``datetime`` / ``Decimal`` for the templates; dumping turns them back.
Unknown fields are rejected (marshmallow's default ``RAISE``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from casebook.domain.vocabulary import DISCRETION_TIERS  # noqa: F401  (re-exported)
from casebook.domain.vocabulary import EVIDENCE_KINDS as _EVIDENCE_KINDS
from casebook.domain.vocabulary import PENALTY_KINDS as LIFECYCLE_PENALTY_KINDS

# GB 11643 (居民身份证号码), possibly masked with * (for documents that are published).
ID_NO_RE = re.compile(r"^[0-9*]{17}[0-9Xx*]$")
OTHER_ID_NO_RE = re.compile(r"^[0-9A-Z*]{5,30}$")  # 护照、通行证、外国人永久居留身份证 … (masked: *)
# GB 32100 (统一社会信用代码): digits and upper-case letters except I, O, Z, S, V.
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

#: 行政处罚法 第四十六条: the eight kinds of evidence (their labels: a context carries the label).
EVIDENCE_KINDS = tuple(_EVIDENCE_KINDS.values())

#: 行政处罚法 第九条 penalty kinds, code → Chinese: the case's own codes (casebook.domain.lifecycle), plus
#: "other" for 第九条第（六）项 (法律、行政法规规定的其他行政处罚) in a context given in full.
PENALTY_KINDS = {**LIFECYCLE_PENALTY_KINDS, "other": "其他行政处罚"}



class ContextSchema(Schema):
    """Base of every context schema: unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


# -- field helpers -------------------------------------------------------------------------------


def req_str(**kw) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1), **kw)


def opt_str(**kw) -> fields.String:
    return fields.String(load_default=None, allow_none=True, **kw)


def req_date() -> fields.Date:
    return fields.Date(required=True)


def opt_date() -> fields.Date:
    return fields.Date(load_default=None, allow_none=True)


def req_datetime() -> fields.NaiveDateTime:
    return fields.NaiveDateTime(required=True)


def opt_datetime() -> fields.NaiveDateTime:
    return fields.NaiveDateTime(load_default=None, allow_none=True)


def money(**kw) -> fields.Decimal:
    """Decimal yuan, two places, never negative, carried as a string."""
    return fields.Decimal(places=2, as_string=True, validate=validate.Range(min=Decimal("0")), **kw)


def req_money() -> fields.Decimal:
    return money(required=True)


def opt_money() -> fields.Decimal:
    return money(load_default=None, allow_none=True)


def opt_bool(default: bool = False) -> fields.Boolean:
    return fields.Boolean(load_default=default)


def nested(schema, *, many: bool = False, required: bool = True, min_items: int | None = None):
    if many:
        kw = {"required": True} if required else {"load_default": list}
        if min_items is not None:
            kw["validate"] = validate.Length(min=min_items)
        return fields.List(fields.Nested(schema), **kw)
    if required:
        return fields.Nested(schema, required=True)
    return fields.Nested(schema, load_default=None, allow_none=True)


def str_list(*, required: bool = True, min_items: int | None = None) -> fields.List:
    kw = {"required": True} if required else {"load_default": list}
    if min_items is not None:
        kw["validate"] = validate.Length(min=min_items)
    return fields.List(fields.String(validate=validate.Length(min=1)), **kw)


# -- shared pieces -------------------------------------------------------------------------------


class AgencySchema(ContextSchema):
    """执法主体: the body that signs and seals the document."""

    name = req_str()  # full name, e.g. 枣庄市山亭区市场监督管理局
    address = opt_str()
    postcode = opt_str(validate=validate.Regexp(r"^\d{6}$"))
    phone = opt_str()
    contact = opt_str()  # 联系人


class PartySchema(ContextSchema):
    """当事人: natural person (身份证号) or organisation (统一社会信用代码)."""

    kind = fields.String(required=True, validate=validate.OneOf(["person", "organization"]))
    name = req_str()
    address = req_str()  # 住所 / 住址 — 行政处罚法 第五十九条 requires it on the decision
    phone = opt_str()
    # person
    gender = opt_str(validate=validate.OneOf(["男", "女"]))
    birth_date = opt_date()
    id_type = fields.String(load_default="居民身份证")
    id_no = opt_str()  # GB 11643 for 居民身份证 / 港澳台居民居住证; a passport's … letters and digits (checked below)
    employer = opt_str()  # 工作单位
    # organisation
    uscc = opt_str(validate=validate.Regexp(USCC_RE))
    legal_representative = opt_str()
    legal_representative_title = fields.String(
        load_default="法定代表人", validate=validate.OneOf(["法定代表人", "负责人", "经营者", "投资人"])
    )
    license_no = opt_str()  # e.g. 食品经营许可证编号

    @validates_schema
    def _identity(self, data, **kwargs):
        if data["kind"] == "person" and not data.get("id_no"):
            raise ValidationError("自然人当事人必须填写身份证件号码", "id_no")
        if data.get("id_no"):
            gb = data.get("id_type", "居民身份证") in ("居民身份证", "港澳台居民居住证")
            if not (ID_NO_RE if gb else OTHER_ID_NO_RE).match(data["id_no"]):
                raise ValidationError(f"{data.get('id_type', '居民身份证')}号码格式不正确", "id_no")
        if data["kind"] == "organization":
            if not data.get("uscc"):
                raise ValidationError("单位当事人必须填写统一社会信用代码", "uscc")
            if not data.get("legal_representative"):
                raise ValidationError("单位当事人必须填写法定代表人（负责人）", "legal_representative")


class PersonSchema(ContextSchema):
    """A person on a record who is not the party: interviewee, witness, on-site person, agent."""

    name = req_str()
    gender = opt_str(validate=validate.OneOf(["男", "女"]))
    id_no = opt_str(validate=validate.Regexp(ID_NO_RE))
    phone = opt_str()
    address = opt_str()
    employer = opt_str()  # 工作单位
    position = opt_str()  # 职务 / 与当事人关系


class OfficerSchema(ContextSchema):
    """执法人员 with 执法证号 (行政处罚法 第四十二条、第五十五条)."""

    name = req_str()
    credential_no = req_str()
    unit = opt_str()  # 承办机构


class CaseHeaderSchema(ContextSchema):
    """案号 and 案由 of the case a document belongs to."""

    case_no = req_str()
    cause = req_str()


class ApprovalSchema(ContextSchema):
    """One signed opinion on an approval form (承办人 / 承办机构 / 负责人)."""

    opinion = req_str()
    signer = req_str()
    date = req_date()


class SignatureSchema(ContextSchema):
    """A party's signature on a record or form, or the note of a refusal (行政处罚法 第五十二条)."""

    signed = fields.Boolean(required=True)
    signer = opt_str()
    date = opt_date()
    refusal_note = opt_str()

    @validates_schema
    def _refusal(self, data, **kwargs):
        if not data["signed"] and not data.get("refusal_note"):
            raise ValidationError("当事人未签名时必须注明拒签情况", "refusal_note")


class EvidenceItemSchema(ContextSchema):
    """One item of evidence and what it proves."""

    name = req_str()
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    proves = opt_str()


class PenaltyItemSchema(ContextSchema):
    """One penalty (kind of 行政处罚法 第九条) with its wording and, for money penalties, the amount."""

    kind = fields.String(required=True, validate=validate.OneOf(list(PENALTY_KINDS)))
    description = req_str()
    amount = opt_money()


class DiscretionSchema(ContextSchema):
    """The discretion benchmark applied (国办发〔2022〕27号: explain in the decision how it was applied)."""

    benchmark = req_str()  # name (and 文号) of the 裁量基准
    item_code = opt_str()  # 事项编码
    item = req_str()  # 违法行为 / 裁量事项
    tier = fields.String(required=True, validate=validate.OneOf(list(DISCRETION_TIERS)))
    range_text = opt_str()  # the tier's range, e.g. 货值金额十倍以上十三倍以下
    reasons = req_str()


class RemediesSchema(ContextSchema):
    """复议 / 诉讼 routes and periods (行政复议法 第二十条, 行政诉讼法 第四十六条)."""

    review_body = req_str()  # 复议机关
    review_days = fields.Integer(load_default=60, validate=validate.Range(min=1))
    court = req_str()
    litigation_months = fields.Integer(load_default=6, validate=validate.Range(min=1))


class PaymentSchema(ContextSchema):
    """How and by when to pay (行政处罚法 第六十七条: 15 days, bank or electronic)."""

    days = fields.Integer(load_default=15, validate=validate.Range(min=1))
    bank = req_str()  # 代收机构
    account_name = opt_str()
    account_no = opt_str()
    method_note = opt_str()  # e.g. 非税收入缴款码 / 电子缴款说明


class ContactSchema(ContextSchema):
    """Who the party can contact about the document."""

    name = req_str()
    phone = req_str()
    address = opt_str()
