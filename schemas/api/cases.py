"""Case API schemas: leads, cases, and one input schema per act."""

from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from casebook.domain.deadlines import local_date
from casebook.domain.rules.model import CIRCUMSTANCES, FACTS
from casebook.domain.vocabulary import (
    CASE_SOURCES,
    DECISION_KINDS,
    DECLINE_GROUNDS,
    INVESTIGATION_ACT_KINDS,
    PENALTY_KINDS,
    REMEDY_CONCLUSIONS,
    REMEDY_KINDS,
    SERVICE_METHODS,
    STAGES,
)

from .common import MAX_ID, Money, PageArgs, PageMeta, Strict

Text = lambda n=2000, **kw: fields.String(validate=validate.Length(min=1, max=n), **kw)  # noqa: E731
Ids = lambda **kw: fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), validate=validate.Length(min=1, max=20), **kw)  # noqa: E731
PenaltyKinds = lambda **kw: fields.List(fields.String(validate=validate.OneOf(list(PENALTY_KINDS))), validate=validate.Length(max=13), **kw)  # noqa: E731


def _check_act_period(data: dict, *, whole: bool = False) -> None:
    """行政处罚法 第三十六条: the act's period must be plausible — an end only after the start, and no end while it
    is said to go on; an act is not discovered before it began."""
    start, end = data.get("act_started_on"), data.get("act_ended_on")
    if whole and end is not None and start is None:  # an update or the filing may add the end to a start on the case
        raise ValidationError("录入终了日期的，须同时录入违法行为开始日期", "act_started_on")
    if start and end and end < start:
        raise ValidationError("违法行为终了日期不能早于开始日期", "act_ended_on")
    if data.get("act_continuing") and end is not None:
        raise ValidationError("违法行为仍在持续的，不应录入终了日期", "act_ended_on")
    found = data.get("discovered_on")
    if start and found and start > found:
        raise ValidationError("违法行为开始日期不能晚于发现日期", "act_started_on")


class LeadIn(Strict):
    source = fields.String(required=True, validate=validate.OneOf(list(CASE_SOURCES)))
    cause = Text(300, required=True)
    discovered_on = fields.Date(required=True)
    party_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    party_id_number = fields.String(validate=validate.Length(min=15, max=30), metadata={"api_only": True,
        "description": "当事人不属于本机关（本机关没有登记它，也没有它的案件）时，须填写其完整的身份证号或统一社会信用代码以证明知悉"})
    facts_text = Text(10000)
    act_started_on = fields.Date(metadata={"description": "违法行为发生日期（连续或者继续状态的，为开始日期）"})
    act_ended_on = fields.Date(allow_none=True, metadata={"description": "连续或者继续状态的违法行为终了日期"})
    act_continuing = fields.Boolean(metadata={"description": "违法行为是否仍处于连续或者继续状态（尚未终了）"})

    @validates_schema
    def _period(self, data, **kw):
        _check_act_period(data, whole=True)


class OfficerOut(Strict):
    user_id = fields.Integer()
    name = fields.String()
    role = fields.String()


class PartyBrief(Strict):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()


class AwaitingOut(Strict):
    act_id = fields.Integer()
    action = fields.String()
    seq = fields.Integer()
    awaiting = fields.List(fields.Integer(), metadata={"description": "尚待确认（会签）的执法人员"})


class CaseOut(Strict):
    id = fields.Integer()
    agency_id = fields.Integer()
    case_no = fields.String(allow_none=True)
    stage = fields.String(metadata={"enum": list(STAGES)})
    stage_label = fields.Function(lambda c: STAGES.get(c.stage), dump_only=True)
    procedure = fields.String()
    source = fields.String()
    cause = fields.String()
    party = fields.Nested(PartyBrief, allow_none=True)
    officers = fields.Function(lambda c: [{"user_id": o.user_id, "name": o.user.display_name, "role": o.role} for o in c.officers],
                               metadata={"type": "array", "items": {"type": "object"}})
    discovered_on = fields.Date()
    filed_on = fields.Date(allow_none=True)
    act_started_on = fields.Date(allow_none=True, metadata={"description": "违法行为发生（开始）日期"})
    act_ended_on = fields.Date(allow_none=True, metadata={"description": "违法行为终了日期"})
    act_continuing = fields.Boolean(metadata={"description": "违法行为仍处于连续或者继续状态"})
    long_limitation_reason = fields.String(allow_none=True, metadata={"description": "追责时效五年的说明"})
    ground_evidence = fields.Dict(allow_none=True, metadata={"description": "法定情节所依据的证据"})
    violations = fields.List(fields.Dict())
    circumstances = fields.List(fields.String())
    illegal_gains = Money(allow_none=True)
    goods_value = Money(allow_none=True)
    sales_amount = Money(allow_none=True)
    turnover = Money(allow_none=True)
    advertising_fee = Money(allow_none=True)
    uncomputable_facts = fields.Dict(allow_none=True, metadata={
        "description": "记录为无法计算的事实及理由：{事实: 理由}（行政处罚法第四十条）"})
    facts_text = fields.String(allow_none=True)
    decision_kind = fields.String(allow_none=True)
    penalty_kinds = fields.List(fields.String())
    fine_amount = Money(allow_none=True)
    confiscated_amount = Money(allow_none=True)
    paid_amount = Money(allow_none=True)
    hearing_right = fields.Boolean()
    prior_notice_served_on = fields.Date(allow_none=True)
    statement_due_on = fields.Date(allow_none=True)
    rights_waived = fields.Boolean()
    hearing_status = fields.String()
    decided_on = fields.Date(allow_none=True)
    served_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    summary_form_no = fields.String(allow_none=True)
    summary_recorded_on = fields.Date(allow_none=True)
    suspended_stage = fields.String(allow_none=True)
    benchmark = fields.Dict(allow_none=True)
    exemption = fields.Dict(allow_none=True)
    deviation_reason = fields.String(allow_none=True)
    criminal_suspicion = fields.Boolean()
    criminal_crossings = fields.List(fields.Dict())
    referral_status = fields.String()
    major_reasons = fields.List(fields.String())
    discussion_reasons = fields.List(fields.String())
    legal_review_status = fields.String()
    collective_discussion_on = fields.Date(allow_none=True)
    awaiting_confirmation = fields.List(fields.Nested(AwaitingOut), dump_only=True,
                                        metadata={"description": "尚待同行执法人员确认（会签）的执法行为"})
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CaseBriefOut(Strict):
    id = fields.Integer()
    agency_id = fields.Integer()
    case_no = fields.String(allow_none=True)
    summary_form_no = fields.String(allow_none=True, metadata={
        "description": "当场处罚（简易程序）案件的当场处罚决定书编号；简易程序不立案，没有案号"})
    stage = fields.String()
    stage_label = fields.Function(lambda c: STAGES.get(c.stage), dump_only=True)
    procedure = fields.String()
    cause = fields.String()
    party = fields.Nested(PartyBrief, allow_none=True)
    discovered_on = fields.Date()
    filed_on = fields.Date(allow_none=True)
    version = fields.Integer()
    updated_at = fields.DateTime()
    overdue = fields.Function(lambda c: bool(getattr(c, "overdue", False)), dump_only=True,
                              metadata={"type": "boolean", "description": "有已逾期未履行的法定期限"})


class CaseListArgs(PageArgs):
    stage = fields.String(validate=validate.OneOf(list(STAGES)))
    agency_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    officer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    party_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    party_name = fields.String(validate=validate.Length(min=1, max=100))
    case_no = fields.String(validate=validate.Length(min=1, max=80))
    q = fields.String(validate=validate.Length(min=1, max=100))
    created_from = fields.Date()
    created_to = fields.Date()


class CaseListOut(Strict):
    items = fields.List(fields.Nested(CaseBriefOut))
    page = fields.Nested(PageMeta)


class ActionStatus(Strict):
    action = fields.String()
    label = fields.String()
    allowed = fields.Boolean()
    reasons = fields.List(fields.Dict())


class TrailEntryOut(Strict):
    seq = fields.Integer()
    occurred_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String()
    action = fields.String()
    payload = fields.Function(lambda e: __import__("json").loads(e.payload), metadata={"type": "object"})
    prev_hash = fields.String()
    entry_hash = fields.String()


# --- one input schema per act --------------------------------------------------------------------


class UpdateLeadIn(Strict):
    source = fields.String(validate=validate.OneOf(list(CASE_SOURCES)))
    cause = Text(300)
    discovered_on = fields.Date()
    party_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    party_id_number = fields.String(validate=validate.Length(min=15, max=30), metadata={"api_only": True,
        "description": "当事人不属于本机关（本机关没有登记它，也没有它的案件）时，须填写其完整的身份证号或统一社会信用代码以证明知悉"})
    facts_text = Text(10000)
    act_started_on = fields.Date(metadata={"description": "违法行为发生日期（连续或者继续状态的，为开始日期）"})
    act_ended_on = fields.Date(allow_none=True, metadata={"description": "连续或者继续状态的违法行为终了日期"})
    act_continuing = fields.Boolean(metadata={"description": "违法行为是否仍处于连续或者继续状态（尚未终了）"})

    @validates_schema
    def _period(self, data, **kw):
        _check_act_period(data)


class FileIn(Strict):
    filed_on = fields.Date(required=True)
    officer_ids = Ids(required=True, metadata={"description": "承办执法人员（不少于两人，须持有效执法证）"})
    lead_officer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    opinion = Text(2000)
    act_started_on = fields.Date(metadata={"description": "违法行为发生日期（连续或者继续状态的，为开始日期）"})
    act_ended_on = fields.Date(allow_none=True, metadata={"description": "连续或者继续状态的违法行为终了日期"})
    act_continuing = fields.Boolean(metadata={"description": "违法行为是否仍处于连续或者继续状态（尚未终了）"})
    long_limitation_reason = Text(2000, metadata={"description": "涉及公民生命健康安全、金融安全且有危害后果（追责时效五年）的说明"})

    @validates_schema
    def _period(self, data, **kw):
        _check_act_period(data)

    @validates_schema
    def _lead_among(self, data, **kw):
        if data.get("lead_officer_id") and data["lead_officer_id"] not in data.get("officer_ids", []):
            raise ValidationError("主办人须是承办执法人员之一", "lead_officer_id")


class DeclineIn(Strict):
    ground = fields.String(required=True, validate=validate.OneOf(list(DECLINE_GROUNDS)))
    reason = Text(2000, required=True)


class NoteIn(Strict):
    note = Text(2000)


class ConfirmIn(Strict):
    act_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                            metadata={"description": "待确认的执法行为编号（案件的 awaiting_confirmation 中列出）"})
    note = Text(2000, metadata={"description": "确认意见"})


class ReasonIn(Strict):
    reason = Text(2000, required=True)


class PersonIn(Strict):
    """A person on a record who is not the party (被询问人, 现场负责人): the 笔录 prints them in full."""

    name = Text(50, required=True)
    gender = fields.String(validate=validate.OneOf(["男", "女"]))
    resident_id = fields.String(validate=validate.Length(min=15, max=18), metadata={"description": "居民身份证号"})
    phone = fields.String(validate=validate.Regexp(r"^[0-9+\-() ]{5,20}$"), metadata={"description": "联系电话"})
    address = Text(300, metadata={"description": "住址"})
    employer = Text(200, metadata={"description": "工作单位"})
    position = Text(100, metadata={"description": "职务或与当事人的关系"})

    @validates_schema
    def _resident_id(self, data, **kw):
        if data.get("resident_id"):
            from casebook.domain.errors import ValidationFailed
            from casebook.domain.identifiers import validate_resident_id

            try:
                data["resident_id"] = validate_resident_id(data["resident_id"])
            except ValidationFailed as e:
                raise ValidationError(e.message, "resident_id") from None


class InvestigationActIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(list(INVESTIGATION_ACT_KINDS)))
    acted_on = fields.Date(required=True)
    place = Text(300)
    summary = Text(10000, required=True)
    officer_ids = Ids(required=True)
    interviewee = fields.Nested(PersonIn, metadata={"description": "被询问人（询问笔录）"})
    on_site_person = fields.Nested(PersonIn, metadata={"description": "现场负责人或在场人（现场检查笔录）"})


class ViolationIn(Strict):
    code = fields.String(validate=validate.Length(max=60))
    description = Text(500, required=True)


class FactsIn(Strict):
    violations = fields.List(fields.Nested(ViolationIn), validate=validate.Length(max=20),
                             metadata={"description": "违法行为；code 为现行裁量基准的事项编码"})
    circumstances = fields.List(fields.String(validate=validate.OneOf(list(CIRCUMSTANCES))), validate=validate.Length(max=30),
                                metadata={"description": "情节代码（见 GET /api/v1/catalogue/circumstances）"})
    illegal_gains = Money(allow_none=True)
    goods_value = Money(allow_none=True)
    sales_amount = Money(allow_none=True)
    turnover = Money(allow_none=True)
    advertising_fee = Money(allow_none=True, metadata={"description": "广告费用（元）"})
    # 行政处罚法 第四十条: a fact that cannot be computed is recorded as such, with why — never as 0; the benchmark
    # then takes the range the law gives for that case (广告法 第五十五条 "广告费用无法计算或者明显偏低的") or refuses
    uncomputable_fact = fields.String(validate=validate.OneOf(list(FACTS)), metadata={
        "description": "经调查无法计算的事实（违法所得、货值金额、销售金额、经营额、广告费用之一）"})
    uncomputable_reason = Text(2000, metadata={"description": "无法计算的理由（如账簿缺失、无法核实进销价格）"})
    facts_text = Text(20000)
    ground_evidence = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(CIRCUMSTANCES))),
        values=fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), validate=validate.Length(max=20)),
        validate=validate.Length(max=30),
        metadata={"description": "法定情节所依据的证据：{情节代码: [证据编号]}（行政处罚法第三十一至三十三条）"})
    # 行政处罚法 第三十六条: when the act happened is a fact the investigation establishes (it may be unknown at filing)
    act_started_on = fields.Date(metadata={"description": "违法行为发生日期（连续或者继续状态的，为开始日期）"})
    act_ended_on = fields.Date(allow_none=True, metadata={"description": "连续或者继续状态的违法行为终了日期"})
    act_continuing = fields.Boolean(metadata={"description": "违法行为是否仍处于连续或者继续状态（尚未终了）"})

    @validates_schema
    def _period(self, data, **kw):
        _check_act_period(data)

    @validates_schema
    def _uncomputable(self, data, **kw):
        f = data.get("uncomputable_fact")
        if f and not (data.get("uncomputable_reason") or "").strip():
            raise ValidationError("记录事实无法计算的，须写明理由", "uncomputable_reason")
        if data.get("uncomputable_reason") and not f:
            raise ValidationError("请选择无法计算的事实", "uncomputable_fact")
        if f and data.get(f) is not None:
            raise ValidationError(f"{FACTS[f]}已填写金额，不能同时记录为无法计算", "uncomputable_fact")


class CloseInvestigationIn(Strict):
    report = Text(20000, required=True)


def _check_penalty(data):
    kinds = data.get("penalty_kinds") or []
    if data.get("kind") == "penalty":
        if not kinds:
            raise ValidationError("给予行政处罚须写明处罚种类", "penalty_kinds")
        if "fine" in kinds and data.get("fine_amount") in (None,):
            raise ValidationError("处罚种类含罚款时须写明罚款数额", "fine_amount")
        if "fine" not in kinds and data.get("fine_amount") is not None:
            raise ValidationError("处罚种类不含罚款，不应填写罚款数额", "fine_amount")
    elif data.get("kind") and (kinds or data.get("fine_amount") is not None):
        raise ValidationError("不予处罚或移送的，不应填写处罚种类和罚款", "penalty_kinds")


class ProposeIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(list(DECISION_KINDS)))
    penalty_kinds = PenaltyKinds()
    fine_amount = Money(allow_none=True)
    confiscated_amount = Money(allow_none=True)
    basis = Text(2000, metadata={"description": "处罚依据"})
    reasons = Text(5000)
    violation_code = fields.String(validate=validate.Length(min=1, max=60), metadata={"description": "适用的裁量基准事项编码"})
    exemption_code = fields.String(validate=validate.Length(min=1, max=60), metadata={"description": "适用的免罚清单事项编码"})
    deviation_reason = Text(5000, metadata={"description": "处罚超出裁量阶次或减轻处罚的理由"})

    same_act_reason = Text(2000, metadata={"description": "当事人同一违法行为已被罚款时，再次罚款的理由（行政处罚法第二十九条）"})

    @validates_schema
    def _penalty(self, data, **kw):
        _check_penalty(data)


class ServeIn(Strict):
    served_on = fields.Date(required=True)
    method = fields.String(required=True, validate=validate.OneOf(list(SERVICE_METHODS)))
    note = Text(2000)


class StatementIn(Strict):
    received_on = fields.Date(required=True)
    content = Text(20000, required=True)
    # 行政处罚法 第四十五条第一款: 对当事人提出的事实、理由和证据，应当进行复核 — the statement is recorded with its 复核
    # (whether what the party says holds, and so is adopted), so no decision rests on a statement nobody weighed.
    review_opinion = Text(5000, required=True, metadata={"description": "复核意见（行政处罚法 第四十五条）：当事人提出的事实、理由和证据是否成立、是否采纳"})


class WaiverIn(Strict):
    waived_on = fields.Date(required=True)
    note = Text(2000, required=True, metadata={"description": "当事人书面放弃的材料说明"})


def _check_period(data: dict) -> None:
    start, end = data.get("started_at"), data.get("ended_at")
    if start and end and end <= start:
        raise ValidationError("结束时间必须晚于开始时间", "ended_at")


class HearingRequestIn(Strict):
    requested_on = fields.Date(required=True)


class HoldHearingIn(Strict):
    notice_served_on = fields.Date(required=True)
    held_on = fields.Date(required=True)
    chair_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    transcript_summary = Text(20000, required=True, metadata={
        "description": "听证情况；按“姓名：发言”逐行记录的，听证笔录按发言顺序列出"})
    started_at = fields.AwareDateTime(metadata={"description": "听证开始时间（听证笔录）"})
    ended_at = fields.AwareDateTime(metadata={"description": "听证结束时间（听证笔录）"})
    place = Text(300, metadata={"description": "听证地点（听证笔录）"})
    clerk = Text(50, metadata={"description": "记录员（听证笔录）"})

    @validates_schema
    def _times(self, data, **kw):
        _check_period(data)


class NoShowIn(Strict):
    # 第六十四条第（二）（六）项: a no-show waives the hearing only when the party was told in time when it would be
    notice_served_on = fields.Date(required=True, metadata={"description": "听证通知书送达日期"})
    scheduled_on = fields.Date(required=True)
    note = Text(2000)


class DecideIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(list(DECISION_KINDS)))
    decided_on = fields.Date(required=True)
    penalty_kinds = PenaltyKinds()
    fine_amount = Money(allow_none=True)
    confiscated_amount = Money(allow_none=True)
    basis = Text(2000)
    reasons = Text(5000)
    deviation_reason = Text(5000, metadata={"description": "处罚超出裁量阶次或减轻处罚的理由"})
    correction_order = Text(2000, metadata={"description": "责令改正的内容与期限（不予处罚时必填）"})
    education_note = Text(2000, metadata={"description": "对当事人进行教育的情况（不予处罚时必填）"})

    same_act_reason = Text(2000, metadata={"description": "当事人同一违法行为已被罚款时，再次罚款的理由（行政处罚法第二十九条）"})

    gains_reason = Text(2000, metadata={"description": "有违法所得而不予没收（或未全部没收）的理由，如依法应当退赔（行政处罚法第二十八条）"})

    no_exemption_reason = Text(2000, metadata={"description": "当事人符合免罚清单、首违不罚或行政处罚法第三十三条的条件而仍予罚款的理由"})

    @validates_schema
    def _penalty(self, data, **kw):
        _check_penalty(data)


class PaymentIn(Strict):
    amount = Money(Decimal("0.01"), required=True)
    paid_on = fields.Date(required=True)
    receipt_no = Text(60, required=True)


class SummaryFilingIn(Strict):
    recorded_on = fields.Date(required=True)


class RemedyFiledIn(Strict):
    """行政处罚法 第七十三条: the party applied for 行政复议 or brought a 行政诉讼 against the served fine; the decision is
    still executed, but the 加处罚款 is not counted from this day until the day after it concludes."""

    kind = fields.String(required=True, validate=validate.OneOf(list(REMEDY_KINDS)),
                         metadata={"description": "reconsideration 行政复议；litigation 行政诉讼"})
    filed_on = fields.Date(required=True, metadata={
        "description": "申请行政复议或者提起行政诉讼的日期（不早于处罚决定书送达之日；当日起不计算加处罚款）"})
    authority = Text(200, required=True, metadata={"description": "复议机关或者人民法院"})
    remedy_case_no = Text(100, metadata={"description": "复议或者诉讼案号（已受理并告知案号的填写）"})

    @validates_schema
    def _authority(self, data, **kw):
        if "authority" in data and not data["authority"].strip():
            raise ValidationError("须写明复议机关或者人民法院", "authority")


class RemedyConcludedIn(Strict):
    """行政处罚法 第七十三条: the pending 复议 or 诉讼 ended; the 加处罚款 is counted again from the next day."""

    concluded_on = fields.Date(required=True, metadata={
        "description": "终结日期：复议决定书送达之日、裁判发生法律效力之日或者准予撤回申请、撤诉之日（次日起恢复计算加处罚款）"})
    outcome = fields.String(required=True, validate=validate.OneOf(list(REMEDY_CONCLUSIONS)),
                            metadata={"description": "、".join(f"{k} {v}" for k, v in REMEDY_CONCLUSIONS.items())})
    document_no = Text(100, metadata={"description": "复议决定书或者裁判文书文号"})
    note = Text(2000, metadata={"description": "备注（如撤销、变更的内容）"})


class CloseIn(Strict):
    closed_on = fields.Date()
    summary = Text(5000)
    execution_note = Text(5000)


class SummaryDecisionIn(Strict):
    party_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    party_id_number = fields.String(validate=validate.Length(min=15, max=30), metadata={"api_only": True,
        "description": "当事人不属于本机关（本机关没有登记它，也没有它的案件）时，须填写其完整的身份证号或统一社会信用代码以证明知悉"})
    form_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    decided_on = fields.Date(required=True)
    place = Text(300, required=True)
    cause = Text(300, required=True)
    facts_text = Text(5000, required=True)
    violations = fields.List(fields.Nested(ViolationIn), validate=validate.Length(max=5))
    # 行政处罚法 第五十一条: on the spot only a warning or a fine. The page offers just those two; the API takes any kind,
    # and the act's guard (summary_within_limits) refuses the others with the article.
    penalty_kinds = fields.List(fields.String(validate=validate.OneOf(list(PENALTY_KINDS))), required=True,
                                validate=validate.Length(min=1, max=2), metadata={"form_choices": ["warning", "fine"]})
    fine_amount = Money(allow_none=True)
    basis = Text(2000, required=True)
    officer_ids = Ids(required=True)
    party_signed = fields.Boolean(required=True)
    refusal_note = Text(500, metadata={"description": "当事人拒绝签收的，在决定书上注明"})
    minor_leniency = Text(1000, metadata={"description": "当事人已满十四周岁不满十八周岁的，从轻或者减轻处罚的情况（行政处罚法第三十条）"})
    same_act_reason = Text(2000, metadata={"description": "当事人同一违法行为已被罚款时，再次罚款的理由（行政处罚法第二十九条）"})

    @validates_schema
    def _signature(self, data, **kw):
        if not data.get("party_signed") and not data.get("refusal_note"):
            raise ValidationError("当事人未签收的，须注明拒签情况", "refusal_note")

    @validates_schema
    def _fine(self, data, **kw):
        _check_penalty({**data, "kind": "penalty"})


LEGAL_REVIEW_ITEMS = {
    "subject": "主体合法、执法人员资格", "procedure": "程序合法", "facts": "事实清楚、证据合法充分",
    "law": "法律适用准确、裁量基准运用适当", "authority": "未超越职权", "documents": "文书完备规范",
    "criminal": "是否涉嫌犯罪需移送",
}


class ReviewItemIn(Strict):
    ok = fields.Boolean(required=True)
    note = Text(2000)


class LegalReviewIn(Strict):
    opinion = fields.String(required=True, validate=validate.OneOf(["approved", "returned"]),
                            metadata={"description": "approved 同意；returned 存在问题（退回）"})
    reviewed_on = fields.Date(required=True)
    checklist = fields.Dict(keys=fields.String(validate=validate.OneOf(list(LEGAL_REVIEW_ITEMS))),
                            values=fields.Nested(ReviewItemIn), required=True,
                            metadata={"description": "七项审核内容：" + "、".join(f"{k} {v}" for k, v in LEGAL_REVIEW_ITEMS.items())})
    opinion_text = Text(10000, required=True)

    @validates_schema
    def _complete(self, data, **kw):
        missing = set(LEGAL_REVIEW_ITEMS) - set(data.get("checklist") or {})
        if missing:
            raise ValidationError("七项审核内容须逐项填写：缺" + "、".join(LEGAL_REVIEW_ITEMS[m] for m in sorted(missing)), "checklist")
        failing = [k for k, v in data["checklist"].items() if not v["ok"]]
        if data.get("opinion") == "approved" and failing:
            raise ValidationError("有未通过的审核项，不能出具同意意见", "opinion")
        if data.get("opinion") == "returned" and not failing:
            raise ValidationError("退回的，须指明存在问题的审核项", "checklist")
        if any(not data["checklist"][k].get("note") for k in failing):
            raise ValidationError("存在问题的审核项须写明问题", "checklist")


class SpeechIn(Strict):
    speaker = Text(50, required=True)
    content = Text(5000, required=True)


class CollectiveDiscussionIn(Strict):
    held_on = fields.Date(required=True)
    attendees = fields.List(fields.String(validate=validate.Length(min=1, max=50)), required=True,
                            validate=validate.Length(min=3, max=30),
                            metadata={"description": "参加人员，可写作“姓名（职务）”"})
    opinions = Text(20000, required=True, metadata={
        "description": "讨论意见；按“姓名：发言”逐行记录的，集体讨论记录按发言顺序列出"})
    conclusion = Text(5000, required=True)
    # For the printed 集体讨论记录 (each may instead be given when the record is made):
    started_at = fields.AwareDateTime(metadata={"description": "开始时间"})
    ended_at = fields.AwareDateTime(metadata={"description": "结束时间"})
    place = Text(300, metadata={"description": "地点"})
    chair = Text(50, metadata={"description": "主持人，“姓名（职务）”"})
    reporter = Text(50, metadata={"description": "汇报人"})
    recorder = Text(50, metadata={"description": "记录人（默认录入本记录的人员）"})
    absent = Text(500, metadata={"description": "缺席人员及原因"})
    speeches = fields.List(fields.Nested(SpeechIn), validate=validate.Length(min=1, max=100),
                           metadata={"description": "逐人发言（未提供的，按讨论意见逐行拆分）"})

    @validates_schema
    def _times(self, data, **kw):
        _check_period(data)


class DeclineReferralIn(Strict):
    decided_on = fields.Date(required=True)
    reason = Text(5000, required=True, metadata={"description": "不批准移送的理由（国务院令第310号第五条：应当记录在案）"})


class SubmitReviewIn(Strict):
    submitted_on = fields.Date(required=True)
    draft_decision = Text(50000, required=True, metadata={"description": "拟作出的处理决定（决定书草稿）"})
    investigation_report = Text(50000, required=True, metadata={"description": "调查终结报告"})
    hearing_transcript = Text(50000, metadata={"description": "听证笔录（经过听证的）"})


class AssignReviewerIn(Strict):
    reviewer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    assigned_on = fields.Date(required=True)


class FormTeamIn(Strict):
    formed_on = fields.Date(required=True)
    officer_ids = Ids(required=True, metadata={"description": "专案组成员（不少于两名持证执法人员）"})


class ReferralReportIn(Strict):
    reported_on = fields.Date(required=True)
    report = Text(50000, required=True, metadata={"description": "专案组的书面报告"})


class ApproveReferralIn(Strict):
    decided_on = fields.Date(required=True)
    approved_at = fields.AwareDateTime(metadata={
        "description": "批准时刻（起算24小时移送时限，国务院令第310号第五条）；须在批准日期当天（北京时间）。"
                       "批准日期为今天的可不填，按当前时刻起算；批准日期早于今天的必须填写"})

    @validates_schema
    def _approved_on_its_day(self, data, **kw):
        # 国务院令第310号 第五条: the 24 hours run from the approval; its instant is on the approval's date (Beijing).
        at, on = data.get("approved_at"), data.get("decided_on")
        if at is not None and on is not None and local_date(at) != on:
            raise ValidationError(f"批准时间须在批准日期{on.isoformat()}当天（北京时间）", "approved_at")


class MaterialsIn(Strict):
    referral_letter = fields.Boolean(required=True)
    investigation_report = fields.Boolean(required=True)
    item_list = fields.Boolean(required=True)
    inspection_report = fields.Boolean(required=True)
    other_materials = fields.Boolean(required=True)


class TransferIn(Strict):
    transferred_at = fields.AwareDateTime(required=True)
    police_agency = Text(200, required=True, metadata={"description": "同级公安机关"})
    procuratorate = Text(200, required=True, metadata={"description": "抄送的同级人民检察院"})
    materials = fields.Nested(MaterialsIn, required=True, metadata={"description": "国务院令第310号第六条的五项材料"})


class PoliceReceiptIn(Strict):
    receipt_on = fields.Date(required=True)
    receipt_no = Text(60)


class PoliceDecisionIn(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(["filed", "declined"]),
                             metadata={"description": "filed 立案；declined 不予立案"})
    notice_on = fields.Date(required=True, metadata={"description": "收到立案/不予立案通知书的日期"})
    reasons = Text(5000)

    @validates_schema
    def _reasons(self, data, **kw):
        if data.get("decision") == "declined" and not data.get("reasons"):
            raise ValidationError("不予立案的，须记录公安机关说明的理由", "reasons")


class ReferralHandoverIn(Strict):
    """国务院令第310号 第十二条: the 涉案物品 and materials handed over to the police after their 立案."""

    handed_over_on = fields.Date(required=True, metadata={
        "description": "移交涉案物品和材料、办结交接手续的日期（不早于接到立案通知书之日；应当自该日起3日内）"})
    items = Text(5000, required=True, metadata={"description": "涉案物品及材料清单"})
    receiver = Text(100, required=True, metadata={"description": "公安机关接收人"})
    note = Text(2000, metadata={"description": "备注（如法律、行政法规另有规定的情形）"})


class RequestIn(Strict):
    requested_on = fields.Date(required=True)
    reasons = Text(5000, required=True)


class PoliceReturnIn(Strict):
    returned_on = fields.Date(required=True)
    reason = Text(5000, required=True)


class PenaltyCopyIn(Strict):
    sent_on = fields.Date(required=True)
    sent_to = fields.List(fields.String(validate=validate.OneOf(["police", "procuratorate"])), required=True)

    @validates_schema
    def _both(self, data, **kw):
        if set(data.get("sent_to") or ()) != {"police", "procuratorate"}:
            raise ValidationError("行政处罚决定书副本应当同时抄送公安机关和人民检察院", "sent_to")


class SummaryFormsIn(Strict):
    form_nos = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True,
                           validate=validate.Length(min=1, max=1000))
