"""Deadlines API: the list an officer works from, and the two acts on a deadline no case act settles."""

from marshmallow import fields, validate

from casebook.domain.deadlines import KINDS, STATUSES

from .common import MAX_ID, PageArgs, PageMeta, Strict


class DeadlineListArgs(PageArgs):
    due_before = fields.Date(metadata={"description": "到期日不晚于该日（含当日）"})
    case_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    status = fields.String(validate=validate.OneOf([*STATUSES, "pending", "provisional"]),
                           metadata={"description": "open 未到期、missed 已逾期、met 已履行、expired 期满未行使、"
                                                    "cancelled 已取消；provisional（或 pending）：到期日暂按法定节假日"
                                                    "计算、待国务院公布该年节假日安排后确认"})
    kind = fields.String(validate=validate.OneOf(list(KINDS)))


class SurchargeOut(Strict):
    days = fields.Integer()
    amount = fields.Decimal(as_string=True)
    capped = fields.Boolean()
    basis = fields.String()


class DeadlineOut(Strict):
    id = fields.Integer()
    case_id = fields.Integer()
    case_no = fields.String(allow_none=True)
    agency_id = fields.Integer()
    kind = fields.String()
    label = fields.String()
    ref = fields.String()
    duty = fields.String(metadata={"description": "agency 本机关；party 当事人；police 公安机关"})
    unit = fields.String(metadata={"description": "working 工作日；calendar 日历日；hours 小时；years 年"})
    length = fields.Integer()
    counting = fields.String(allow_none=True)
    extended_days = fields.Integer()
    paused_days = fields.Integer()
    paused_since = fields.Date(allow_none=True)
    starts_on = fields.Date()
    start_at = fields.DateTime(allow_none=True)
    due_on = fields.Date(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    warn_on = fields.Date(allow_none=True)
    basis = fields.String()
    status = fields.String()
    status_label = fields.String()
    warned_at = fields.DateTime(allow_none=True)
    missed_at = fields.DateTime(allow_none=True)
    met_on = fields.Date(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    calendar_missing_year = fields.Integer(allow_none=True, metadata={"description": "尚未载入节假日安排的年度"})
    provisional = fields.Boolean(metadata={"description": "到期日为暂定：该年度国务院节假日安排尚未载入"})
    provisional_note = fields.String(allow_none=True, metadata={"description": "如：待国务院公布2027年节假日安排后确认"})
    overdue = fields.Boolean()
    surcharge = fields.Nested(SurchargeOut, allow_none=True)


class DeadlineListOut(Strict):
    items = fields.List(fields.Nested(DeadlineOut))
    page = fields.Nested(PageMeta)
    calendar_warning = fields.String(allow_none=True, metadata={
        "description": "本年度或（每年10月1日起）下一年度的国务院节假日安排尚未载入时的提示"})


class DeadlineMetIn(Strict):
    on = fields.Date(required=True, metadata={"description": "履行日期"})
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DeadlineExtendIn(Strict):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=365),
                          metadata={"description": "延长的天数（与该期限的计算单位相同）"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
