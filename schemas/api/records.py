"""API schemas for parties, evidence, users, agencies, auth, calendar and audit."""

import datetime as dt

from marshmallow import ValidationError, fields, validate, validates_schema

from casebook.domain.identifiers import ID_KINDS
from casebook.domain.lifecycle import ROLES
from casebook.domain.vocabulary import EVIDENCE_KINDS

from .common import MAX_ID, PageArgs, PageMeta, Strict

BIRTH_EARLIEST = dt.date(1900, 1, 1)


class PartyIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "organization"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    id_kind = fields.String(validate=validate.OneOf(list(ID_KINDS)), metadata={
        "description": "证件类型：自然人默认居民身份证，也可为港澳台居民居住证、通行证、护照、外国人永久居留身份证或其他有效证件；"
                       "单位为统一社会信用代码（行政处罚法第三十条：据以确定年龄）"})
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=30),
                              metadata={"description": "自然人填证件号码（居民身份证号按 GB 11643 校验），单位填统一社会信用代码（GB 32100）"})
    birth_date = fields.Date(metadata={"earliest": BIRTH_EARLIEST, "description": "出生日期：证件号码不载明出生日期的自然人（护照、通行证等）须填写，"
                                                      "否则无法判断违法行为发生时是否已满十四、十八周岁（行政处罚法第三十条）"})
    phone = fields.String(validate=validate.Length(min=1, max=30))
    address = fields.String(validate=validate.Length(min=1, max=300))
    legal_representative = fields.String(validate=validate.Length(min=1, max=100))


class PartyUpdateIn(Strict):
    name = fields.String(validate=validate.Length(min=1, max=200))
    birth_date = fields.Date(metadata={"earliest": BIRTH_EARLIEST, "description": "出生日期（证件号码不载明出生日期时录入或更正，行政处罚法第三十条）"})
    phone = fields.String(validate=validate.Length(min=1, max=30))
    address = fields.String(validate=validate.Length(min=1, max=300))
    legal_representative = fields.String(validate=validate.Length(min=1, max=100))


class PartyOut(Strict):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    id_kind = fields.String()
    id_number = fields.String()
    birth_date = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    version = fields.Integer()
    masked = fields.Boolean(dump_default=False, metadata={
        "description": "true：该当事人属于其他执法机关，仅供查重（证件号已脱敏，不含联系方式）；可用其 id 立案"})


class PartySearchArgs(PageArgs):
    q = fields.String(validate=validate.Length(min=1, max=100))
    id_number = fields.String(validate=validate.Length(min=1, max=30))


class PartyListOut(Strict):
    items = fields.List(fields.Nested(PartyOut))
    page = fields.Nested(PageMeta)


class EvidenceMetaIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(list(EVIDENCE_KINDS)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    collected_on = fields.Date(required=True)
    collected_by = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), required=True, validate=validate.Length(min=1, max=20),
                               metadata={"description": "提取证据的执法人员（不少于两人）"})
    is_recording = fields.Boolean(load_default=False, metadata={"description": "音像记录（全过程记录）"})
    device = fields.String(validate=validate.Length(min=1, max=100))
    recorded_by_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    recording_started_at = fields.AwareDateTime()
    recording_ended_at = fields.AwareDateTime()


class EvidenceOut(Strict):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda e: EVIDENCE_KINDS.get(e.kind))
    title = fields.String()
    description = fields.String(allow_none=True)
    collected_on = fields.Date()
    collected_by = fields.List(fields.Integer())
    file_sha256 = fields.String(allow_none=True)
    file_size = fields.Integer(allow_none=True)
    media_type = fields.String(allow_none=True)
    original_name = fields.String(allow_none=True)
    device = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    recording_started_at = fields.DateTime(allow_none=True)
    recording_ended_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class EvidenceUploadForm(Strict):
    meta = fields.String(required=True, metadata={"description": "EvidenceMetaIn 的 JSON 文本"})


class EvidenceUploadFiles(Strict):
    file = fields.Raw(metadata={"type": "string", "format": "binary"})


class TokenIn(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)
    name = fields.String(validate=validate.Length(max=100))


class TokenOut(Strict):
    token = fields.String()
    expires_in_hours = fields.Integer(metadata={"description": "令牌自签发起的最长有效期（小时）"})
    idle_timeout_minutes = fields.Integer(metadata={"description": "连续未使用超过该分钟数即失效"})


class PasswordChangeIn(Strict):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "至少10位，不得为常见密码或包含用户名"})


class UserActiveIn(Strict):
    active = fields.Boolean(required=True)


class RevokedOut(Strict):
    revoked = fields.Integer()


class CredentialOut(Strict):
    id = fields.Integer()
    credential_no = fields.String()
    field = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    revoked = fields.Boolean()


class UserOut(Strict):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    agency_id = fields.Integer()
    roles = fields.List(fields.String())
    bar_qualified = fields.Boolean()
    active = fields.Boolean()
    credentials = fields.List(fields.Nested(CredentialOut))


class UserIn(Strict):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-zA-Z0-9_.-]{3,64}$", error="用户名须为3至64位字母、数字或 _ . -"))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "至少10位，不得为常见密码或包含用户名"})
    agency_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), required=True, validate=validate.Length(min=1, max=5))
    bar_qualified = fields.Boolean(load_default=False)


class CredentialIn(Strict):
    credential_no = fields.String(required=True, validate=validate.Length(min=4, max=40))
    field = fields.String(required=True, validate=validate.Length(min=1, max=100))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)

    @validates_schema
    def _order(self, data, **kw):
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("有效期截止日不能早于起始日", "valid_to")


class AgencyOut(Strict):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    name = fields.String()
    code = fields.String()
    level = fields.String()
    case_no_format = fields.String()
    review_limit_days = fields.Integer(allow_none=True, metadata={"description": "法制审核时限（工作日）；空为10"})
    publication_system = fields.String(allow_none=True, metadata={"description": "公示制度"})


class AgencyUpdateIn(Strict):
    """修改执法机关（管理员）：未给出的项目不变"""

    name = fields.String(validate=validate.Length(min=1, max=200))
    code = fields.String(validate=validate.Length(min=1, max=40), metadata={"description": "代字（案号、文号）"})
    case_no_format = fields.String(validate=validate.Length(min=1, max=100),
                                   metadata={"description": "案号格式：{code}、{year}、{seq}，须含{year}和{seq}"})
    review_limit_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=30),
                                       metadata={"description": "法制审核时限（工作日，1–30）；null 为默认10"})
    publication_system = fields.String(allow_none=True, validate=validate.Length(max=40))


class UserUpdateIn(Strict):
    """修改用户的姓名、所属机关、角色（管理员）：未给出的项目不变"""

    display_name = fields.String(validate=validate.Length(min=1, max=100))
    agency_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), validate=validate.Length(min=1, max=5))
    bar_qualified = fields.Boolean()


class PasswordResetIn(Strict):
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "至少10位，不得为常见密码或包含用户名；该用户的全部令牌随之失效"})


class CredentialUpdateIn(Strict):
    """修改执法证（换证、更正、注销）：未给出的项目不变"""

    credential_no = fields.String(validate=validate.Length(min=4, max=40))
    field = fields.String(validate=validate.Length(min=1, max=100))
    valid_from = fields.Date()
    valid_to = fields.Date()
    revoked = fields.Boolean()


class CredentialArgs(Strict):
    agency_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    expiring_within = fields.Integer(validate=validate.Range(min=0, max=3650),
                                     metadata={"description": "只列出已过期或在此天数内到期的执法证（未注销），按截止日排列"})


class CredentialRowOut(Strict):
    id = fields.Integer()
    user_id = fields.Integer()
    holder = fields.String()
    agency = fields.String()
    credential_no = fields.String()
    field = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    revoked = fields.Boolean()
    state = fields.String(metadata={"description": "valid / expiring / expired / revoked / future"})
    days_left = fields.Integer()


class MeOut(Strict):
    user = fields.Nested(UserOut)
    agency = fields.Nested(AgencyOut)


class CalendarDayIn(Strict):
    is_working_day = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class CalendarYearIn(Strict):
    source = fields.String(required=True, validate=validate.Length(min=1, max=200),
                           metadata={"description": "依据，如国务院办公厅关于2027年部分节假日安排的通知"})


class CalendarNoticeIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000),
                         metadata={"description": "国务院办公厅关于YYYY年部分节假日安排的通知全文（粘贴），或 YAML"})
    format = fields.String(load_default="notice", validate=validate.OneOf(["notice", "yaml"]),
                           metadata={"description": "notice 通知原文；yaml 同样数据的 YAML"})


class CalendarNoticeConfirmIn(CalendarNoticeIn):
    digest = fields.String(required=True, validate=validate.Length(equal=16),
                           metadata={"description": "预览返回的 digest：确认的正是预览的内容"})


class CalendarHolidayOut(Strict):
    name = fields.String()
    start = fields.String()
    end = fields.String()
    days = fields.Integer()


class CalendarWorkdayOut(Strict):
    day = fields.String()
    name = fields.String()
    weekday = fields.String()


class CalendarMonthOut(Strict):
    month = fields.Integer()
    rest_days = fields.List(fields.Integer())
    make_up_workdays = fields.List(fields.Integer())


class RescheduledOut(Strict):
    deadline_id = fields.Integer()
    case_no = fields.String(allow_none=True)
    kind = fields.String()
    label = fields.String()
    previous_due_on = fields.String(allow_none=True)
    due_on = fields.String(allow_none=True)
    provisional = fields.Boolean()
    changed = fields.Boolean()


class CalendarYearLoadOut(Strict):
    year = fields.Integer()
    source = fields.String()
    digest = fields.String()
    holidays = fields.List(fields.Nested(CalendarHolidayOut))
    workdays = fields.List(fields.Nested(CalendarWorkdayOut))
    calendar = fields.List(fields.Nested(CalendarMonthOut), metadata={"description": "按月：放假日、调休上班日"})
    rest_day_count = fields.Integer()
    warnings = fields.List(fields.String())
    confirmed = fields.Boolean()
    already_loaded = fields.Boolean()
    library_year = fields.Boolean()
    differs_from_library = fields.List(fields.String())
    replaces_overrides = fields.Integer()
    provisional_deadlines = fields.Integer(metadata={"description": "确认后将按本年度安排重新计算的暂定期限数"})
    rescheduled = fields.List(fields.Nested(RescheduledOut))


class WorkingDaysArgs(Strict):
    start = fields.Date(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    law = fields.String(load_default="administrative_penalty_law",
                        validate=validate.OneOf(["administrative_penalty_law", "administrative_compulsion_law", "calendar"]))


class WorkingDaysOut(Strict):
    start = fields.Date()
    days = fields.Integer()
    counting = fields.String()
    due_on = fields.Date()


class VerifyOut(Strict):
    ok = fields.Boolean()
    entries = fields.Integer()
    head_seq = fields.Integer()
    head_hash = fields.String()
    first_bad_seq = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


class CheckpointOut(Strict):
    seq = fields.Integer(allow_none=True)
    entry_hash = fields.String(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    key_id = fields.String(allow_none=True)
    created = fields.Boolean()


class HealthArgs(Strict):
    broker = fields.Boolean(load_default=False)


class HealthOut(Strict):
    status = fields.String()
    database = fields.String()
    outbox_unsent = fields.Integer()
    oldest_unsent_age_s = fields.Float(allow_none=True)
    dead_letters = fields.Integer()
    events_waiting_on_gap = fields.Integer(metadata={"description": "因同案前序事件缺失而等待的事件数"})
    gaps = fields.Dict(metadata={"description": "各处理组：等待缺失前序事件的事件数、案件、最长等待秒数"})
    trail_head = fields.Integer()
    queues = fields.Dict(metadata={"description": "各队列深度与消费者数（?broker=1 时）"})
    calendar_warning = fields.String(allow_none=True, metadata={
        "description": "本年度或（每年10月1日起）下一年度的国务院节假日安排尚未载入时的提示"})


class ActivityArgs(PageArgs):
    case_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    agency_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class ActivityOut(Strict):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    agency_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    case_no = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    summary = fields.String()
    occurred_at = fields.DateTime()


class ActivityListOut(Strict):
    items = fields.List(fields.Nested(ActivityOut))
    page = fields.Nested(PageMeta)
