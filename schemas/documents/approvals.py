"""Internal approval forms (审批表): 立案, 不予立案, 结案."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import (
    AgencySchema,
    ApprovalSchema,
    CaseHeaderSchema,
    ContextSchema,
    OfficerSchema,
    PartySchema,
    nested,
    opt_date,
    opt_money,
    opt_str,
    req_date,
    req_str,
    str_list,
)


class _ApprovalFormSchema(ContextSchema):
    agency = nested(AgencySchema)
    date = req_date()
    party = nested(PartySchema)
    officers = nested(OfficerSchema, many=True, min_items=2)  # 行政处罚法 第四十二条
    # 承办人 / 承办机构 opinions not recorded in the system print as blank cells, signed by hand
    handler_opinion = nested(ApprovalSchema, required=False)  # 承办人意见
    unit_opinion = nested(ApprovalSchema, required=False)  # 承办机构意见
    head_opinion = nested(ApprovalSchema)  # 负责人审批意见
    remarks = opt_str()


class FilingApprovalSchema(_ApprovalFormSchema):
    """立案审批表 (市场监督管理行政处罚程序规定 第十八条、第十九条)."""

    document_no = req_str()
    case = nested(CaseHeaderSchema)
    source = req_str()  # 案件来源
    discovered_on = req_date()  # 发现（受理）时间
    summary = req_str()  # 简要案情
    filing_reasons = req_str()  # 立案理由及依据


class DeclineApprovalSchema(_ApprovalFormSchema):
    """不予立案审批表 (市场监督管理行政处罚程序规定 第二十条)."""

    document_no = opt_str()
    lead_no = req_str()  # 线索编号
    cause = req_str()
    source = req_str()
    discovered_on = req_date()
    verification = req_str()  # 核查情况
    decline_reasons = req_str()  # 不予立案理由及依据
    measures = str_list(required=False)  # 责令改正、批评教育 …


class ClosingApprovalSchema(_ApprovalFormSchema):
    """结案审批表."""

    document_no = opt_str()
    case = nested(CaseHeaderSchema)
    filed_on = req_date()
    decision_no = req_str()  # 决定书文号
    decision_date = req_date()
    decision_summary = req_str()  # 处理决定
    execution = req_str()  # 执行情况
    paid_amount = opt_money()
    paid_on = opt_date()
    receipt_no = opt_str()  # 缴款凭证号
    property_disposal = opt_str()  # 罚没物品处置情况
    closing_reason = fields.String(
        required=True,
        validate=validate.OneOf(["执行完毕", "不予行政处罚", "移送司法机关", "终结执行", "其他"]),
    )
