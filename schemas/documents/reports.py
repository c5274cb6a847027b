"""Internal reports: 调查终结报告 and 法制审核意见书."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import (
    AgencySchema,
    CaseHeaderSchema,
    ContextSchema,
    DiscretionSchema,
    EvidenceItemSchema,
    OfficerSchema,
    PartySchema,
    PenaltyItemSchema,
    nested,
    opt_money,
    opt_str,
    req_date,
    req_str,
    str_list,
)

#: 国办发〔2018〕118号 法制审核 checklist (rules.md §4), in order: code → Chinese heading.
LEGAL_REVIEW_ITEMS = {
    "subject": "执法主体是否合法，执法人员是否具备执法资格",
    "procedure": "执法程序是否合法",
    "facts_evidence": "案件事实是否清楚，证据是否合法充分",
    "law_and_discretion": "适用法律、法规、规章是否准确，裁量基准运用是否适当",
    "within_authority": "执法是否超越法定权限",
    "documents": "行政执法文书是否完备、规范",
    "criminal_referral": "违法行为是否涉嫌犯罪、需要移送司法机关",
}


class AmountsSchema(ContextSchema):
    """Amount facts of the case (Decimal yuan)."""

    goods_value = opt_money()  # 货值金额
    sales_amount = opt_money()  # 销售金额
    illegal_gains = opt_money()  # 违法所得
    turnover = opt_money()  # 违法经营额


class InvestigationReportSchema(ContextSchema):
    """调查终结报告."""

    agency = nested(AgencySchema)
    date = req_date()
    document_no = opt_str()
    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    source = req_str()
    filed_on = req_date()
    officers = nested(OfficerSchema, many=True, min_items=2)
    investigation = str_list(min_items=1)  # 调查经过
    facts = str_list(min_items=1)  # 查明的违法事实
    evidence = nested(EvidenceItemSchema, many=True, min_items=1)
    amounts = nested(AmountsSchema, required=False)
    characterization = req_str()  # 定性及违法依据
    discretion = nested(DiscretionSchema, required=False)  # None: no benchmark applied (yet)
    criminal_check = req_str()  # 是否涉嫌犯罪的审查结论
    penalty_provision = req_str()
    proposed_penalties = nested(PenaltyItemSchema, many=True, min_items=1)
    proposal = req_str()  # 处理建议
    unit_head = opt_str()  # 承办机构负责人


class ReviewItemSchema(ContextSchema):
    code = fields.String(required=True, validate=validate.OneOf(list(LEGAL_REVIEW_ITEMS)))
    conclusion = fields.String(required=True, validate=validate.OneOf(["符合", "存在问题"]))
    note = req_str()


class ReviewerSchema(ContextSchema):
    name = req_str()
    certificate_no = opt_str()  # 法律职业资格证书编号 (required for a first-time reviewer, 第五十八条)


class LegalReviewOpinionSchema(ContextSchema):
    """法制审核意见书 (行政处罚法 第五十八条; 国办发〔2018〕118号)."""

    agency = nested(AgencySchema)
    date = req_date()
    document_no = opt_str()
    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    submitted_by = req_str()  # 送审机构
    submitted_on = req_date()
    review_ground = req_str()  # why the case is in 法制审核 scope
    materials = str_list(min_items=1)  # 送审材料
    proposed_decision = req_str()
    items = nested(ReviewItemSchema, many=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["approved", "returned"]))
    opinion = req_str()
    reviewers = nested(ReviewerSchema, many=True, min_items=1)

    @validates_schema
    def _checklist(self, data, **kwargs):
        codes = [item["code"] for item in data["items"]]
        if codes != list(LEGAL_REVIEW_ITEMS):
            raise ValidationError("法制审核须按顺序逐项审核全部七项内容", "items")
        has_problem = any(item["conclusion"] == "存在问题" for item in data["items"])
        if data["outcome"] == "approved" and has_problem:
            raise ValidationError("审核项存在问题时不能出具同意意见", "outcome")
        if data["outcome"] == "returned" and not has_problem:
            raise ValidationError("退回意见须指明存在问题的审核项", "outcome")
