"""Decisions: 行政处罚决定书, 当场行政处罚决定书, 不予行政处罚决定书."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, validate, validates_schema

from .common import (
    AgencySchema,
    CaseHeaderSchema,
    ContextSchema,
    DiscretionSchema,
    EvidenceItemSchema,
    OfficerSchema,
    PartySchema,
    PaymentSchema,
    PenaltyItemSchema,
    RemediesSchema,
    SignatureSchema,
    nested,
    opt_bool,
    opt_date,
    opt_str,
    req_date,
    req_datetime,
    req_str,
    str_list,
)

#: 行政处罚法 第五十一条: 简易程序 limits (yuan).
SUMMARY_FINE_LIMITS = {"person": Decimal("200"), "organization": Decimal("3000")}
SUMMARY_KINDS = {"warning", "fine", "circulated_criticism"}
# 行政处罚法 第六十八条、第六十九条: the only grounds on which a fine is collected on the spot.
COLLECTION_GROUNDS = {
    "small_fine": "依法给予一百元以下罚款",  # 第六十八条第一项
    "hard_to_execute": "不当场收缴事后难以执行",  # 第六十八条第二项
    "remote_area": "在边远、水上、交通不便地区，当事人到指定银行或者通过电子支付系统缴纳罚款确有困难，经当事人提出",  # 第六十九条
}
SMALL_FINE_COLLECTION_LIMIT = Decimal("100")


def _check_payment(data):
    if any(p.get("amount") for p in data["penalties"]) and not data.get("payment"):
        raise ValidationError("有罚没金额时必须写明缴纳方式和期限", "payment")


class PenaltyDecisionSchema(ContextSchema):
    """行政处罚决定书: every item of 行政处罚法 第五十九条, plus the benchmark applied and the 公示 notice."""

    agency = nested(AgencySchema)
    date = req_date()  # 作出决定的日期
    document_no = req_str()
    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    redact_personal_data = opt_bool(False)  # the published copy masks 身份证号 and phone
    procedure = str_list(min_items=1)  # 案件来源、立案、告知、听证 …
    facts = str_list(min_items=1)
    evidence = nested(EvidenceItemSchema, many=True, min_items=1)
    characterization = req_str()  # 定性: which provision was violated
    defence = opt_str()  # 陈述申辩 / 听证意见 and the 复核 result
    # None until a benchmark is applied (the rules catalogue): the section is then left out, never made up
    discretion = nested(DiscretionSchema, required=False)
    general_provisions = str_list(required=False)  # 行政处罚法 第三十条 (minors), 第三十六条 (the act and the limitation)
    penalty_provision = req_str()
    penalties = nested(PenaltyItemSchema, many=True, min_items=1)
    correction = opt_str()  # 行政处罚法 第二十八条: 责令改正
    payment = nested(PaymentSchema, required=False)
    remedies = nested(RemediesSchema)
    # 行政处罚法 第四十八条, 总局令第45号: the party is told of publication only where the rules publish the
    # decision; the case builder sets it from that verdict (documents.context.decisions), never a blanket default
    publication_notice = opt_bool(False)
    # the sentence as the agency's publication system words it (casebook.domain.publicity); none: the 市监 wording
    publication_sentence = opt_str()
    attachments = str_list(required=False)

    @validates_schema
    def _payment(self, data, **kwargs):
        _check_payment(data)


class SummaryDecisionSchema(ContextSchema):
    """当场行政处罚决定书 (行政处罚法 第五十一条、第五十二条): a pre-numbered form."""

    agency = nested(AgencySchema)
    date = req_date()
    form_no = req_str()  # 预定格式、编有号码
    party = nested(PartySchema)
    decided_at = req_datetime()
    place = req_str()
    general_provisions = str_list(required=False)  # 行政处罚法 第三十条: a minor's 从轻/减轻 stated
    officers = nested(OfficerSchema, many=True, min_items=2)
    facts = req_str()
    violated_provision = req_str()
    penalty_provision = req_str()
    penalties = nested(PenaltyItemSchema, many=True, min_items=1)
    on_the_spot_collection = opt_bool(False)  # 当场收缴 (第六十八条、第六十九条)
    collection_ground = opt_str(validate=validate.OneOf(list(COLLECTION_GROUNDS)))  # which of them
    receipt_no = opt_str()  # 专用票据号
    payment = nested(PaymentSchema, required=False)
    remedies = nested(RemediesSchema)
    signature = nested(SignatureSchema)
    handed_over_at = req_datetime()

    @validates_schema
    def _summary_limits(self, data, **kwargs):
        for p in data["penalties"]:
            if p["kind"] not in SUMMARY_KINDS:
                raise ValidationError("简易程序只能当场作出警告、通报批评或者小额罚款", "penalties")
        fine = sum((p.get("amount") or Decimal(0) for p in data["penalties"]), Decimal(0))
        if fine > SUMMARY_FINE_LIMITS[data["party"]["kind"]]:
            raise ValidationError("罚款超出简易程序限额（公民二百元、单位三千元）", "penalties")
        if data["on_the_spot_collection"]:
            if not data.get("receipt_no"):
                raise ValidationError("当场收缴罚款须出具专用票据", "receipt_no")
            # 第六十八条、第六十九条: collected on the spot only on one of the law's grounds, a small fine only up to 100 yuan
            ground = data.get("collection_ground")
            if ground is None:
                raise ValidationError("当场收缴罚款须写明依据：一百元以下罚款、事后难以执行，或者边远地区经当事人提出"
                                      "（行政处罚法第六十八条、第六十九条）", "collection_ground")
            if ground == "small_fine" and fine > SMALL_FINE_COLLECTION_LIMIT:
                raise ValidationError("罚款超过一百元，不能以“一百元以下罚款”为由当场收缴（行政处罚法第六十八条第一项）",
                                      "collection_ground")
        else:
            _check_payment(data)


class GroundSchema(ContextSchema):
    basis = req_str()  # e.g. 《中华人民共和国行政处罚法》第三十三条第一款
    reasons = req_str()
    exemption_item = opt_str()  # item of the 免罚清单 applied


class CorrectionSchema(ContextSchema):
    requirement = req_str()
    deadline = opt_date()
    result = opt_str()  # 复查 result


class EducationSchema(ContextSchema):
    form = req_str()  # 批评教育 / 告诫约谈 / 行政提醒
    content = req_str()
    date = req_date()
    commitment = opt_bool(False)  # party signed a 承诺书


class NoPenaltyDecisionSchema(ContextSchema):
    """不予行政处罚决定书 (行政处罚法 第三十三条: still 责令改正 and education)."""

    agency = nested(AgencySchema)
    date = req_date()
    document_no = req_str()
    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    redact_personal_data = opt_bool(False)
    procedure = str_list(min_items=1)
    facts = str_list(min_items=1)
    evidence = nested(EvidenceItemSchema, many=True, min_items=1)
    characterization = req_str()
    ground = nested(GroundSchema)
    correction = nested(CorrectionSchema)
    education = nested(EducationSchema)
    warning = req_str()  # what happens on a repeat
    remedies = nested(RemediesSchema)
    publication_notice = opt_bool(False)
