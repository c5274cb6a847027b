"""Records (笔录) taken during the case: 现场检查（勘验）, 询问, 听证, 集体讨论."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from .common import (
    AgencySchema,
    CaseHeaderSchema,
    ContextSchema,
    OfficerSchema,
    PartySchema,
    PersonSchema,
    SignatureSchema,
    nested,
    opt_bool,
    opt_str,
    req_date,
    req_datetime,
    req_str,
    str_list,
)


class _TimedSchema(ContextSchema):
    agency = nested(AgencySchema)
    date = req_date()
    start = req_datetime()
    end = req_datetime()
    place = req_str()

    @validates_schema
    def _order(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ValidationError("结束时间必须晚于开始时间", "end")


class RecordingSchema(ContextSchema):
    """音像记录 made alongside the record (国办发〔2018〕118号 全过程记录)."""

    device = req_str()
    file_ref = opt_str()


class QASchema(ContextSchema):
    question = req_str()
    answer = req_str()


class SpeechSchema(ContextSchema):
    speaker = req_str()
    content = req_str()


class InspectionRecordSchema(_TimedSchema):
    """现场检查（勘验）笔录."""

    case = nested(CaseHeaderSchema, required=False)
    party = nested(PartySchema)
    on_site_person = nested(PersonSchema)  # 现场负责人 / 在场人
    officers = nested(OfficerSchema, many=True, min_items=2)
    recorder = req_str()
    notice = req_str()  # 出示证件、告知权利义务及回避
    recusal_answer = req_str()  # 是否申请回避
    findings = str_list(min_items=1)  # 检查情况, paragraph by paragraph
    recording = nested(RecordingSchema, required=False)
    confirmation = req_str()  # 当事人核对意见
    signature = nested(SignatureSchema)
    witness = opt_str()


class InquiryRecordSchema(_TimedSchema):
    """询问笔录."""

    case = nested(CaseHeaderSchema)
    sequence = fields.Integer(load_default=1)  # 第 N 次询问
    interviewee = nested(PersonSchema)
    officers = nested(OfficerSchema, many=True, min_items=2)
    recorder = req_str()
    notice = req_str()
    qa = nested(QASchema, many=True, min_items=1)
    recording = nested(RecordingSchema, required=False)
    confirmation = req_str()
    signature = nested(SignatureSchema)


class HearingAgentSchema(ContextSchema):
    name = req_str()
    gender = opt_str()
    employer = opt_str()
    authority = req_str()  # 代理权限: 一般代理 / 特别授权


class HearingRecordSchema(_TimedSchema):
    """听证笔录 (行政处罚法 第六十四条第（八）项: signed by the party after checking)."""

    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    public = fields.Boolean(required=True)
    non_public_reason = opt_str()
    chair = req_str()  # 听证主持人 (not an investigator)
    hearing_officers = str_list(required=False)  # 听证员
    clerk = req_str()  # 记录员
    investigators = nested(OfficerSchema, many=True, min_items=1)
    party_representative = opt_str()  # attending for an organisation
    agents = nested(HearingAgentSchema, many=True, required=False)
    recusal_answer = req_str()
    entries = nested(SpeechSchema, many=True, min_items=1)
    confirmation = req_str()
    signature = nested(SignatureSchema)

    @validates_schema
    def _agents(self, data, **kwargs):
        if len(data.get("agents") or []) > 2:  # 第六十四条第（五）项: 一至二人代理
            raise ValidationError("当事人最多委托两名代理人", "agents")
        if not data["public"] and not data.get("non_public_reason"):
            raise ValidationError("不公开举行听证须说明理由", "non_public_reason")


class AttendeeSchema(ContextSchema):
    name = req_str()
    title = opt_str()  # 职务


class CollectiveDiscussionRecordSchema(_TimedSchema):
    """集体讨论记录 (行政处罚法 第五十七条第二款)."""

    case = nested(CaseHeaderSchema)
    party = nested(PartySchema)
    chair = nested(AttendeeSchema)
    attendees = nested(AttendeeSchema, many=True, min_items=2)
    absent = opt_str()
    recorder = req_str()
    reporter = req_str()  # 汇报人
    case_summary = str_list(min_items=1)
    speeches = nested(SpeechSchema, many=True, min_items=1)
    conclusion = req_str()  # 讨论决定
    unanimous = opt_bool(True)
