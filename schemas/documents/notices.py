"""Notices served on the party: 先行登记保存, 责令改正, 事先告知, 听证告知, 听证通知, and the 送达回证."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import (
    AgencySchema,
    CaseHeaderSchema,
    ContactSchema,
    ContextSchema,
    DiscretionSchema,
    OfficerSchema,
    PartySchema,
    PenaltyItemSchema,
    nested,
    opt_bool,
    opt_datetime,
    opt_str,
    req_date,
    req_datetime,
    req_str,
    str_list,
)


class _NoticeSchema(ContextSchema):
    agency = nested(AgencySchema)
    date = req_date()
    document_no = req_str()
    party = nested(PartySchema)
    contact = nested(ContactSchema, required=False)


class PreservedItemSchema(ContextSchema):
    name = req_str()
    specification = opt_str()  # 规格型号 / 生产日期批号
    quantity = req_str()
    unit = req_str()
    note = opt_str()


class EvidencePreservationNoticeSchema(_NoticeSchema):
    """先行登记保存证据通知书 (行政处罚法 第五十六条: head's approval, decide within 7 working days)."""

    case = nested(CaseHeaderSchema, required=False)
    facts = req_str()  # 涉嫌违法行为
    approved_by = req_str()  # 批准的负责人
    start = req_date()
    end = req_date()  # start + 7 working days, computed by the calendar
    storage_place = req_str()
    storage_method = req_str()  # 就地保存 / 异地保存
    items = nested(PreservedItemSchema, many=True, min_items=1)

    @validates_schema
    def _period(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("保存期限的结束日期不能早于开始日期", "end")


class CorrectionOrderSchema(_NoticeSchema):
    """责令（限期）改正通知书 (行政处罚法 第二十八条第一款)."""

    case = nested(CaseHeaderSchema, required=False)
    facts = req_str()
    violated_provision = req_str()
    order_basis = req_str()
    requirements = str_list(min_items=1)
    deadline = fields.Date(load_default=None, allow_none=True)  # None: 立即改正
    consequence = req_str()  # 逾期不改正的后果


class PriorNoticeSchema(_NoticeSchema):
    """行政处罚事先告知书 (行政处罚法 第四十四条、第四十五条, and 第六十三条、第六十四条 when a hearing is due)."""

    case = nested(CaseHeaderSchema)
    facts = req_str()
    evidence_summary = req_str()
    violated_provision = req_str()
    penalty_provision = req_str()
    discretion = nested(DiscretionSchema, required=False)
    general_provisions = str_list(required=False)  # 行政处罚法 第三十条 (minors), 第三十六条 (the act and the limitation)
    penalties = nested(PenaltyItemSchema, many=True, min_items=1)
    statement_days = fields.Integer(load_default=5, validate=validate.Range(min=1))  # 工作日
    statement_due_on = fields.Date(load_default=None, allow_none=True)  # the last day, once served (第八十五条)
    hearing_right = fields.Boolean(required=True)
    hearing_days = fields.Integer(load_default=5, validate=validate.Range(min=1))  # 工作日
    contact = nested(ContactSchema)


class HearingNoticeOfRightsSchema(_NoticeSchema):
    """听证告知书 (行政处罚法 第六十三条、第六十四条)."""

    case = nested(CaseHeaderSchema)
    facts = req_str()
    penalty_provision = req_str()
    penalties = nested(PenaltyItemSchema, many=True, min_items=1)
    hearing_ground = req_str()  # which 第六十三条 ground applies
    hearing_days = fields.Integer(load_default=5, validate=validate.Range(min=1))
    contact = nested(ContactSchema)


class HearingNoticeSchema(_NoticeSchema):
    """听证通知书 (行政处罚法 第六十四条: notified at least 7 working days before)."""

    case = nested(CaseHeaderSchema)
    requested_on = req_date()
    hearing_at = req_datetime()
    place = req_str()
    public = fields.Boolean(required=True)
    non_public_reason = opt_str()
    chair = req_str()
    hearing_officers = str_list(required=False)
    clerk = req_str()
    contact = nested(ContactSchema)

    @validates_schema
    def _public(self, data, **kwargs):
        if not data["public"] and not data.get("non_public_reason"):
            raise ValidationError("不公开举行听证须说明理由", "non_public_reason")


class ServedDocumentSchema(ContextSchema):
    title = req_str()
    document_no = opt_str()
    copies = fields.Integer(load_default=1, validate=validate.Range(min=1))


class ServiceReceiptSchema(ContextSchema):
    """送达回证 (民事诉讼法 methods, via 行政处罚法 第六十一条)."""

    agency = nested(AgencySchema)
    date = req_date()
    document_no = opt_str()
    case = nested(CaseHeaderSchema)
    recipient = req_str()  # 受送达人
    address = req_str()
    documents = nested(ServedDocumentSchema, many=True, min_items=1)
    method = fields.String(
        required=True,
        validate=validate.OneOf(
            ["直接送达", "留置送达", "邮寄送达", "电子送达", "委托送达", "转交送达", "公告送达"]
        ),
    )
    served_at = req_datetime()
    received_by = opt_str()  # who signed, if not the recipient in person
    received_relation = opt_str()  # 与受送达人关系
    received_at = opt_datetime()
    refusal_reason = opt_str()  # 留置送达: why and how
    witnesses = str_list(required=False)  # 见证人
    servers = nested(OfficerSchema, many=True, min_items=2)
    publication_notice = opt_bool(False)  # 市场监督管理行政处罚信息公示规定: tell the party at service
    publication_sentence = opt_str()  # as the agency's publication system words it (casebook.domain.publicity)
    remarks = opt_str()

    @validates_schema
    def _method(self, data, **kwargs):
        if data["method"] == "留置送达" and not (data.get("refusal_reason") and data.get("witnesses")):
            raise ValidationError("留置送达须注明拒收事由并由见证人签名", "refusal_reason")
        if data["method"] == "直接送达" and not data.get("received_at"):
            raise ValidationError("直接送达须填写签收时间", "received_at")
