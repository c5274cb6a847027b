"""The case lifecycle: stages, and transitions as data (from, to, roles, guards), checked in one place.

Guards are pure functions of a CaseView and an ActContext; each returns a Reason (Chinese message,
stable code, article of law) when the act must be refused, or None. `check` runs them all, so a
refusal lists every failing guard at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from . import deadlines as dl
from . import general_provisions as gp
from .deadlines import local_date
from .errors import CalendarDataMissing, Reason
from .vocabulary import (  # noqa: F401  (re-exported: the lifecycle speaks this vocabulary)
    DECISION_KINDS,
    FINAL_STAGES,
    OPEN_STAGES,
    PENALTY_KINDS,
    REMEDY_FILING,
    ROLE_LABELS,
    ROLES,
    STAGES,
)

PENALTY_LAW = "行政处罚法"

# 行政处罚法 第六十三条: kinds that give the party a right to a hearing regardless of amount.
HEARING_KINDS = frozenset({"lower_qualification", "revoke_license", "suspend_operations", "order_closure", "restrict_practice"})
# 行政处罚法 第五十一条
SUMMARY_FINE_LIMIT = {"person": Decimal("200"), "organization": Decimal("3000")}
STATEMENT_WINDOW_WORKING_DAYS = 5  # 第六十四条(一) with 第八十五条
HEARING_NOTICE_WORKING_DAYS = 7  # 第六十四条(二) with 第八十五条
PROVISIONAL_MARGIN = 3  # working days added to a party's period counted in a year without published holidays


class WorkingDays(Protocol):
    def add_working_days(self, start: dt.date, n: int) -> dt.date: ...


@dataclass(frozen=True)
class CredentialView:
    credential_no: str
    valid_from: dt.date
    valid_to: dt.date
    revoked: bool = False

    def valid_on(self, day: dt.date) -> bool:
        return not self.revoked and self.valid_from <= day <= self.valid_to


@dataclass(frozen=True)
class OfficerView:
    user_id: int
    name: str
    credentials: tuple[CredentialView, ...] = ()

    def credential_on(self, day: dt.date) -> CredentialView | None:
        return next((c for c in self.credentials if c.valid_on(day)), None)

    @classmethod
    def of(cls, user) -> OfficerView:
        """From a user row with its credentials loaded (any object with those attributes)."""
        return cls(user.id, user.display_name, tuple(CredentialView(c.credential_no, c.valid_from, c.valid_to, c.revoked)
                                                      for c in user.credentials))


@dataclass
class CaseView:
    """What the guards may see of a case: plain data, built by the service from the database."""

    stage: str | None
    procedure: str = "ordinary"
    party_kind: str | None = None
    officers: Sequence[OfficerView] = ()
    evidence_count: int = 0
    decision_kind: str | None = None
    penalty_kinds: Sequence[str] = ()
    fine_amount: Decimal | None = None
    hearing_right: bool = False
    prior_notice_served_on: dt.date | None = None
    statement_due_on: dt.date | None = None
    rights_waived: bool = False
    hearing_status: str = "none"
    summary_recorded_on: dt.date | None = None
    suspended_stage: str | None = None
    paid_amount: Decimal = Decimal("0")
    referral_status: str = "none"
    legal_review_status: str = "none"
    collective_discussion_on: dt.date | None = None
    deviation_reason: str | None = None
    exemption: dict | None = None
    discovered_on: dt.date | None = None
    filed_on: dt.date | None = None
    decided_on: dt.date | None = None
    served_on: dt.date | None = None
    confiscated_amount: Decimal | None = None
    participants: frozenset[int] = frozenset()  # everyone who took part in the case (回避 in legal review)
    unconfirmed: tuple[dict, ...] = ()  # binding acts awaiting a named officer's confirmation: act_id, action, awaiting
    review: dict | None = None  # the latest legal-review round: id, round, status, reviewer_id
    referral: dict | None = None  # the latest referral: id, status, team_ids, police_notice_on …
    # 行政处罚法 第七十三条: the latest 复议 or 诉讼 against the decision (id, kind, filed_on, authority, concluded_on,
    # outcome; concluded_on None while it is pending), and the surcharge's pauses of every one of them, as
    # late_payment_surcharge takes them (domain.deadlines.remedy_pause)
    remedy: dict | None = None
    surcharge_pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()
    # 行政处罚法 第三十条、第三十六条: the act's period, the facts' circumstances, the party's birth date
    act_started_on: dt.date | None = None
    act_ended_on: dt.date | None = None
    act_continuing: bool = False
    long_limitation_reason: str | None = None
    circumstances: Sequence[str] = ()
    party_birth_date: dt.date | None = None
    # 第二十九条: the party's other cases fined for the same violation item over an overlapping act period
    same_act_fines: tuple[dict, ...] = ()  # case_id, case_no, items, fine_amount, decided_on
    violation_codes: tuple[str, ...] = ()  # the catalogue codes of the case's violations
    illegal_gains: Decimal | None = None  # 第二十八条第二款: recorded 违法所得
    ground_evidence: dict | None = None  # 第三十一至三十三条: {circumstance: [evidence id]}


@dataclass
class RuleEval:
    """The rule checks for the act at hand, computed by the service from the catalogue in force."""

    crossings: Sequence[dict] = ()
    penalty_check: dict | None = None
    major_reasons: Sequence[str] = ()
    discussion_reasons: Sequence[str] = ()
    exemption: dict | None = None
    benchmark: dict | None = None  # the benchmark placement (tiers, legal range), or its fact_missing refusal
    limitation_category: str | None = None  # the item's 第三十六条 category; "" an item of none; None no item known
    no_longer_violation: dict | None = None  # 第三十七条: the item is gone from the version in force at the decision


@dataclass
class ActContext:
    """Who acts, when, with what input; `act_officers` are the officers named in the input, resolved."""

    actor_id: int
    roles: frozenset[str]
    today: dt.date
    data: dict[str, Any]
    calendar: WorkingDays | None = None
    act_officers: Sequence[OfficerView] = ()
    summary_form_available: bool = True
    rules: RuleEval | None = None
    assignee: dict | None = None  # for assign_legal_reviewer: roles, agency match, qualification, reviews done
    taken_receipts: frozenset[str] = frozenset()  # receipt numbers the agency has already recorded (of the input)
    referral_counting: str = "calendar"  # how 310号's 「3日」 are counted here (settings: CASEBOOK_REFERRAL_DAY_COUNTING)


Guard = Callable[[CaseView, ActContext], Reason | None]


def needs(*what: str):
    """Declare what a guard reads beyond the case row ("evidence", "review", "referral", "rules", "assignee")."""

    def mark(guard):
        guard.needs = frozenset(what)
        return guard

    return mark


LOADABLE = frozenset({"evidence", "review", "referral", "rules", "assignee", "agency", "participants", "receipts",
                      "same_act_fines",
                      "confirmations", "remedy"})


@dataclass(frozen=True)
class After:
    """A date-order rule: the act's input `field` may not fall before the case's `earlier` date.

    `earlier` names a CaseView attribute; "review.x" / "referral.x" / "remedy.x" read the latest round, referral or
    复议/诉讼.
    """

    field: str
    earlier: str
    label: str


@dataclass(frozen=True)
class Act:
    """One act, declared once: what it is, when and by whom it may be done, what it takes and what it does.

    The domain reads code, label, stages, roles, guards, dates and article; `schema` (the marshmallow input
    schema) and `effect` (the service function that changes the records) are carried for the layers above,
    which read them from here and nowhere else. `officers` names the input field listing the officers who act
    (第四十二条); `loads` says what the act's guards and effect read beyond the case row.
    """

    code: str
    label: str
    from_stages: tuple[str | None, ...]
    to: str | None  # None: stays; "@resume": back to the stage before suspension
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    event: str = ""
    article: str | None = None
    schema: Any = None
    effect: Callable | None = None
    officers: str | None = None
    dates: tuple[After, ...] = ()
    loads: frozenset[str] = frozenset()
    creates: bool = False  # opens a new case (its own route), rather than acting on one
    cosign: bool = False  # binding: counts once every other officer named on it has confirmed it (会签)

    def __post_init__(self):
        unknown = set(self.loads) - LOADABLE
        if unknown:
            raise ValueError(f"{self.code}: unknown loads {sorted(unknown)}")
        read = set().union(*(getattr(g, "needs", frozenset()) for g in self.guards))
        read |= {d.earlier.partition(".")[0] for d in self.dates if "." in d.earlier}  # review.x, referral.x
        missing = read - set(self.loads)
        if missing:
            raise ValueError(f"{self.code}: guards read {sorted(missing)} but the act does not load them")
        if self.schema is not None:
            declared = getattr(self.schema, "_declared_fields", {})
            for name in [d.field for d in self.dates] + ([self.officers] if self.officers else []) + [
                    k for g in self.guards for k in getattr(g, "reads", ())]:
                if name not in declared:
                    raise ValueError(f"{self.code}: field {name!r} is not in {self.schema.__name__}")

    @property
    def action(self) -> str:  # the name the API and the trail use
        return self.code


# --- guards --------------------------------------------------------------------------------------


def _valid_officers(officers: Sequence[OfficerView], day: dt.date) -> list[OfficerView]:
    return [o for o in officers if o.credential_on(day)]


def _day(ctx: ActContext, key: str) -> dt.date:
    v = ctx.data.get(key)
    return v if isinstance(v, dt.date) else ctx.today


def two_officers_named(day_key: str) -> Guard:
    """The officers named for the act: at least two with a credential valid that day (第四十二条)."""

    def guard(case: CaseView, ctx: ActContext) -> Reason | None:
        day = _day(ctx, day_key)
        valid = _valid_officers(ctx.act_officers, day)
        invalid = [o.name for o in ctx.act_officers if not o.credential_on(day)]
        if len(valid) < 2:
            extra = f"（{ '、'.join(invalid)} 无当日有效执法证）" if invalid else ""
            return Reason(
                "officers_insufficient",
                f"执法人员不得少于两人且须持有当日有效的执法证，当前符合条件的仅{len(valid)}人{extra}",
                f"{PENALTY_LAW}第四十二条",
            )
        if invalid:
            return Reason("officer_without_credential",
                          f"{'、'.join(invalid)}无{day.isoformat()}有效的执法证，不得以执法人员身份参与", f"{PENALTY_LAW}第四十二条")
        return None

    guard.__name__ = f"two_officers_named_{day_key}"
    guard.reads = (day_key,)
    return guard


def two_case_officers(day_key: str) -> Guard:
    """The officers assigned to the case: at least two with a credential valid that day (第四十二条)."""

    def guard(case: CaseView, ctx: ActContext) -> Reason | None:
        day = _day(ctx, day_key)
        valid = _valid_officers(case.officers, day)
        if len(valid) < 2:
            return Reason(
                "officers_insufficient",
                f"本案承办执法人员中持有{day.isoformat()}有效执法证的仅{len(valid)}人，不得少于两人",
                f"{PENALTY_LAW}第四十二条",
            )
        return None

    guard.__name__ = f"two_case_officers_{day_key}"
    return guard


def actor_is_case_officer(case: CaseView, ctx: ActContext) -> Reason | None:
    if "agency_head" in ctx.roles or any(o.user_id == ctx.actor_id for o in case.officers):
        return None
    return Reason("not_case_officer", "您不是本案的承办执法人员", None)


def actor_among_named(case: CaseView, ctx: ActContext) -> Reason | None:
    """An officer acts in their own name: the one who records the act is among the officers it names (a head may
    name others). 行政处罚法 第四十二条、第五十五条."""
    if "agency_head" in ctx.roles or any(o.user_id == ctx.actor_id for o in ctx.act_officers):
        return None
    return Reason("actor_not_named", "执法人员只能以本人名义执法：录入人须是所列执法人员之一", f"{PENALTY_LAW}第四十二条、第五十五条")


def named_on_the_case(case: CaseView, ctx: ActContext) -> Reason | None:
    """Only the case's own officers may be named on its investigation acts and evidence."""
    mine = {o.user_id for o in case.officers}
    outside = [o.name for o in ctx.act_officers if o.user_id not in mine]
    if outside:
        return Reason("officer_not_on_case", f"{'、'.join(outside)}不是本案的承办执法人员，不能列为本次执法人员",
                      f"{PENALTY_LAW}第四十二条")
    return None


@needs("confirmations")
def binding_acts_confirmed(case: CaseView, ctx: ActContext) -> Reason | None:
    """A 笔录, an evidence collection or an on-the-spot decision counts once the other named officers confirmed it."""
    if not case.unconfirmed:
        return None
    what = "；".join(f"{u.get('label', u['action'])}（第{u.get('seq', u['act_id'])}项）" for u in case.unconfirmed)
    return Reason("acts_unconfirmed", f"以下执法行为尚待同行执法人员确认（会签）：{what}", f"{PENALTY_LAW}第四十二条")


@needs("confirmations")
def confirmation_awaited(case: CaseView, ctx: ActContext) -> Reason | None:
    act_id = ctx.data.get("act_id")
    hit = next((u for u in case.unconfirmed if u["act_id"] == act_id), None)
    if hit is None or ctx.actor_id not in hit["awaiting"]:
        return Reason("confirmation_not_awaited", "该执法行为无须您确认，或已确认", None)
    return None


def party_identified(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.party_kind is None:
        return Reason("party_missing", "立案须有明确的当事人，请先登记当事人信息", "市场监督管理行政处罚程序规定第十九条")
    return None


@needs("evidence")
def has_evidence(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.evidence_count < 1:
        return Reason("evidence_missing", "尚未登记任何证据，不能终结调查", f"{PENALTY_LAW}第四十条、第五十四条")
    return None


def penalty_proposed(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.decision_kind != "penalty" or not case.penalty_kinds:
        return Reason("penalty_not_proposed", "尚未拟定行政处罚（种类、依据），不能送达事先告知书", f"{PENALTY_LAW}第四十四条")
    return None


def within_statement_window(case: CaseView, ctx: ActContext) -> Reason | None:
    day = _day(ctx, "requested_on")
    if case.statement_due_on and day > case.statement_due_on:
        return Reason(
            "hearing_request_late",
            f"听证申请期限已于{case.statement_due_on.isoformat()}届满（告知后五个工作日内提出）",
            f"{PENALTY_LAW}第六十四条第一项",
        )
    return None


def has_hearing_right(case: CaseView, ctx: ActContext) -> Reason | None:
    if not case.hearing_right:
        return Reason("no_hearing_right", "拟作出的处罚不属于当事人有权要求听证的情形", f"{PENALTY_LAW}第六十三条")
    return None


def party_window_end(calendar, start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The last day of a period the law gives the party, counted in working days; and whether it is provisional.

    In a year whose holidays are not published yet the period is counted on the statutory holidays alone and
    then lengthened by PROVISIONAL_MARGIN working days: the published 调休 adds bridge days off, and a party's
    period must never come out shorter than the law gives (行政处罚法 第八十五条).
    """
    try:
        return calendar.add_working_days(start, days), False
    except CalendarDataMissing:
        return calendar.provisional().add_working_days(start, days + PROVISIONAL_MARGIN), True


def hearing_notice_in_time(case: CaseView, ctx: ActContext) -> Reason | None:
    """第六十四条第二项: the hearing (held, or scheduled when the party did not come) noticed 7 working days ahead."""
    notified, held = ctx.data.get("notice_served_on"), ctx.data.get("held_on") or ctx.data.get("scheduled_on")
    if not (notified and held and ctx.calendar):
        return None
    earliest, _ = party_window_end(ctx.calendar, notified, HEARING_NOTICE_WORKING_DAYS)
    if held < earliest:
        return Reason(
            "hearing_notice_too_short",
            f"听证通知应在举行七个工作日前送达：{notified.isoformat()}通知的听证最早于{earliest.isoformat()}举行",
            f"{PENALTY_LAW}第六十四条第二项",
        )
    return None


def chair_not_investigator(case: CaseView, ctx: ActContext) -> Reason | None:
    chair = ctx.data.get("chair_id")
    if chair is not None and any(o.user_id == chair for o in case.officers):
        return Reason("chair_is_investigator", "听证主持人不得由本案调查人员担任", f"{PENALTY_LAW}第六十四条第四项")
    return None


def _deciding_penalty(ctx: ActContext, case: CaseView) -> bool:
    return ctx.data.get("kind", case.decision_kind) == "penalty"


def prior_notice_settled(case: CaseView, ctx: ActContext) -> Reason | None:
    """No penalty decision before the notice is served and the defence window has passed or been waived."""
    if not _deciding_penalty(ctx, case):
        return None
    if case.prior_notice_served_on is None:
        return Reason(
            "prior_notice_missing",
            "作出行政处罚决定前，未向当事人送达行政处罚事先告知书",
            f"{PENALTY_LAW}第四十四条、第六十二条",
        )
    day = _day(ctx, "decided_on")
    if not case.rights_waived and case.statement_due_on and day <= case.statement_due_on:
        return Reason(
            "statement_window_open",
            f"当事人陈述、申辩和要求听证的期限至{case.statement_due_on.isoformat()}届满，期满前不得作出处罚决定（当事人书面放弃的除外）",
            f"{PENALTY_LAW}第四十五条、第六十二条、第六十四条",
        )
    return None


def hearing_settled(case: CaseView, ctx: ActContext) -> Reason | None:
    if _deciding_penalty(ctx, case) and case.hearing_status == "requested":
        return Reason("hearing_pending", "当事人已要求听证，听证尚未举行，也未记录当事人放弃听证", f"{PENALTY_LAW}第六十四条、第六十五条")
    return None


def not_heavier_than_notified(case: CaseView, ctx: ActContext) -> Reason | None:
    """The decision may not be heavier than the notice because the party defended (第四十五条第二款)."""
    if not _deciding_penalty(ctx, case) or case.prior_notice_served_on is None:
        return None
    fine = ctx.data.get("fine_amount")
    new_kinds = set(ctx.data.get("penalty_kinds") or ())
    # 没收 is a penalty too (第九条第三项): a larger sum than the notice announced is heavier, as a larger fine is —
    # and may cross the 较大数额 that gives a hearing (第六十三条), which the party was never offered.
    confiscated = ctx.data.get("confiscated_amount")
    more_confiscated = (confiscated is not None and case.confiscated_amount is not None
                        and confiscated > case.confiscated_amount)
    if (fine is not None and case.fine_amount is not None and fine > case.fine_amount) or more_confiscated \
            or (new_kinds - set(case.penalty_kinds)):
        return Reason(
            "heavier_than_notified",
            "处罚决定重于事先告知的处罚；如需加重，应重新履行告知程序",
            f"{PENALTY_LAW}第四十四条、第四十五条",
        )
    return None


def decision_kind_fits_stage(case: CaseView, ctx: ActContext) -> Reason | None:
    kind = ctx.data.get("kind")
    if kind == "penalty" and case.stage == "investigation_closed":
        return Reason("prior_notice_missing", "作出行政处罚决定前，未向当事人送达行政处罚事先告知书", f"{PENALTY_LAW}第四十四条")
    return None


def summary_within_limits(case: CaseView, ctx: ActContext) -> Reason | None:
    """简易程序: facts certain; a warning, or a fine ≤200 yuan (person) / ≤3,000 yuan (organisation)."""
    kinds = set(ctx.data.get("penalty_kinds") or ())
    party_kind = ctx.data.get("party_kind") or case.party_kind
    if not kinds or kinds - {"warning", "fine"}:
        return Reason("summary_kind_not_allowed", "简易程序只适用于警告或者罚款", f"{PENALTY_LAW}第五十一条")
    if "fine" in kinds:
        fine = ctx.data.get("fine_amount")
        limit = SUMMARY_FINE_LIMIT.get(party_kind or "person")
        who = "公民" if party_kind == "person" else "法人或者其他组织"
        if fine is None or fine <= 0:
            return Reason("summary_fine_missing", "适用罚款的，须写明罚款数额", f"{PENALTY_LAW}第五十一条")
        if fine > limit:
            return Reason(
                "summary_fine_over_limit",
                f"简易程序对{who}的罚款不得超过{limit}元，本案{fine}元应适用普通程序",
                f"{PENALTY_LAW}第五十一条",
            )
    return None


def summary_form_available(case: CaseView, ctx: ActContext) -> Reason | None:
    if not ctx.summary_form_available:
        return Reason("summary_form_invalid", "当场处罚决定书编号未在本机关登记或已被使用（须使用预定格式、编有号码的决定书）", f"{PENALTY_LAW}第五十二条")
    return None


def summary_recorded(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.procedure == "summary" and case.summary_recorded_on is None:
        return Reason("summary_not_recorded", "当场作出的行政处罚决定尚未报所属行政机关备案", f"{PENALTY_LAW}第五十二条")
    return None


def is_summary_case(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.procedure != "summary":
        return Reason("not_summary_case", "本案不是简易程序案件", None)
    return None


def closable(case: CaseView, ctx: ActContext) -> Reason | None:
    if (why := referral_blocks_closing(case)) is not None:
        return why
    if case.stage == "decided" and case.decision_kind != "refer":
        return Reason("decision_not_served", "处理决定书尚未送达当事人，不能结案", f"{PENALTY_LAW}第六十一条")
    if case.stage == "executing" and case.fine_amount and case.paid_amount < case.fine_amount and not ctx.data.get("execution_note"):
        return Reason(
            "fine_unpaid",
            f"罚款{case.fine_amount}元尚未缴清（已缴{case.paid_amount}元），结案须写明执行情况",
            f"{PENALTY_LAW}第六十七条、第七十二条",
        )
    if case.stage == "served" and case.decision_kind == "penalty" and set(case.penalty_kinds) - {"warning", "circulated_criticism"}:
        return Reason("execution_missing", "处罚决定尚未执行，不能结案", f"{PENALTY_LAW}第六十六条")
    return None


def executable(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.decision_kind != "penalty":
        return Reason("nothing_to_execute", "只有作出行政处罚的决定才进入执行", None)
    return None


# --- rule guards (the catalogue: Issue 4) -----------------------------------------------------------------

# Referral states after which the agency handles the case itself (国务院令第310号 第五条、第十条).
REFERRAL_RESOLVED = ("declined_by_head", "police_declined", "supervision_requested", "returned")
REFERRAL_IN_PROGRESS = ("team_formed", "reported", "approved", "transferred", "receipted", "police_filed",
                        "reconsideration_requested", "referred")
REFERRAL_STATUS = {
    "none": "无", "suggested": "系统提示涉嫌犯罪", "team_formed": "已成立专案组", "reported": "专案组已报告",
    "approved": "负责人已批准移送", "declined_by_head": "负责人不批准移送", "transferred": "已移送公安机关",
    "referred": "已决定移送司法机关", "receipted": "公安机关已签收", "police_filed": "公安机关已立案",
    "police_declined": "公安机关不予立案", "reconsideration_requested": "已提请复议",
    "supervision_requested": "已建议检察院立案监督", "returned": "公安机关退回",
}


# Referral steps that keep the case open (结案 refused): every referral act is limited to open stages, so closing
# here would strand the transfer. Before the transfer (专案组、报告、批准) closing would drop a transfer the agency
# must make (310号 第三条、第五条) and so settle the case by its penalty alone (第十一条); after it (移送、签收、提请复议)
# the police's 立案 or 不予立案 decision (第八条, on 复议 第九条) is still to be recorded. Not here: "suggested" (no
# referral yet: the rules guard it), "referred" (the case itself was decided as 移送司法机关 and closes on it), and
# the police's answer — police_filed, police_declined, supervision_requested, returned — or the head's refusal.
REFERRAL_BLOCKS_CLOSING_BEFORE_TRANSFER = ("team_formed", "reported", "approved")
REFERRAL_BLOCKS_CLOSING_AFTER_TRANSFER = ("transferred", "receipted", "reconsideration_requested")


def referral_blocks_closing(case: CaseView) -> Reason | None:
    st = case.referral_status
    label = REFERRAL_STATUS.get(st, st)
    if st in REFERRAL_BLOCKS_CLOSING_BEFORE_TRANSFER:
        return Reason("referral_in_progress",
                      f"本案移送程序尚未终结（{label}），须先向公安机关移送或由负责人作出不批准移送的决定，不能结案",
                      "国务院令第310号第五条、第十一条")
    if st in REFERRAL_BLOCKS_CLOSING_AFTER_TRANSFER:
        return Reason("referral_in_progress",
                      f"本案已移送公安机关（{label}），须待公安机关作出立案或者不予立案的决定（或者退回案件）并记录后方可结案",
                      "国务院令第310号第八条、第九条")
    return None


@needs("rules")
def no_penalty_instead_of_referral(case: CaseView, ctx: ActContext) -> Reason | None:
    """以罚代刑 is forbidden: no penalty while a referral is under way, or a threshold is crossed and not settled."""
    if not _deciding_penalty(ctx, case) or case.referral_status in REFERRAL_RESOLVED:
        return None
    r = ctx.rules
    if case.referral_status in REFERRAL_IN_PROGRESS:
        return Reason("referral_in_progress",
                      f"本案移送程序尚未终结（{REFERRAL_STATUS.get(case.referral_status, case.referral_status)}），"
                      "不得以行政处罚代替移送", "国务院令第310号第十一条；行政处罚法第二十七条")
    if r is None or not r.crossings:
        return None
    what = "；".join(f"{c['offence']}（{c['reason']}）" for c in r.crossings)
    return Reason("criminal_suspicion_open",
                  f"本案涉嫌犯罪（{what}），应当移送司法机关，不得以行政处罚代替移送；负责人不批准移送或公安机关不予立案的，"
                  "记录后方可继续作出行政处罚", "国务院令第310号第三条、第十一条；行政处罚法第二十七条")


# 行政处罚法 第四十条: 违法事实不清、证据不足的，不得给予行政处罚 — a range that is a multiple of 货值 needs the 货值.
FACT_MISSING_ARTICLE = "行政处罚法第四十条"


@needs("rules")
def within_legal_range(case: CaseView, ctx: ActContext) -> Reason | None:
    pc = ctx.rules.penalty_check if ctx.rules else None
    if _deciding_penalty(ctx, case) and pc and pc["status"] == "above_legal_max":
        return Reason("penalty_above_legal_max", pc["message"], "行政处罚法第四条、第三十四条")
    if _deciding_penalty(ctx, case) and pc and pc["status"] == "fact_missing":
        return Reason("fact_missing", pc["message"], FACT_MISSING_ARTICLE)
    return None


@needs("rules")
def deviation_reasoned(case: CaseView, ctx: ActContext) -> Reason | None:
    pc = ctx.rules.penalty_check if ctx.rules else None
    if not (_deciding_penalty(ctx, case) and pc and pc["status"] in ("outside_tier", "mitigated")):
        return None
    if not (ctx.data.get("deviation_reason") or case.deviation_reason):
        return Reason("deviation_reason_missing", pc["message"] + "；未写明理由",
                      "行政处罚法第三十四条；国办发〔2022〕27号")
    return None


@needs("review", "rules")
def legal_review_passed(case: CaseView, ctx: ActContext) -> Reason | None:
    """行政处罚法 第五十八条: 未经法制审核或者审核未通过的，不得作出决定."""
    reasons = list(ctx.rules.major_reasons) if ctx.rules else []
    if reasons and case.legal_review_status != "approved":
        state = {"returned": "法制审核未通过", "none": "尚未经法制审核"}.get(case.legal_review_status, "尚未经法制审核")
        return Reason("legal_review_required", f"本案属于重大执法决定（{'；'.join(reasons)}），{state}，不得作出决定",
                      "行政处罚法第五十八条")
    approved = (case.review or {}).get("proposal") if case.legal_review_status == "approved" else None
    if reasons and approved and not _same_decision(approved, case, ctx.data):
        return Reason("legal_review_outdated", "拟作出的决定与法制审核同意的处理意见不一致（处罚种类或者罚款数额已变更），"
                      "须就变更后的决定重新提交法制审核", "行政处罚法第五十八条")
    return None


def _same_decision(proposal: dict, case: CaseView, data: dict) -> bool:
    """Is the decision at hand the one the approved review round saw (kind, penalty kinds, fine)?"""
    kinds = data.get("penalty_kinds", case.penalty_kinds) or ()
    fine = data.get("fine_amount", case.fine_amount)
    seen = proposal.get("fine_amount")
    return (data.get("kind", case.decision_kind) == proposal.get("kind")
            and set(kinds) == set(proposal.get("penalty_kinds") or ())
            and (Decimal(str(fine)) if fine is not None else None) == (Decimal(str(seen)) if seen is not None else None))


@needs("rules")
def collective_discussion_held(case: CaseView, ctx: ActContext) -> Reason | None:
    reasons = list(ctx.rules.discussion_reasons) if ctx.rules else []
    if reasons and case.collective_discussion_on is None:
        return Reason("collective_discussion_required",
                      f"本案应当由负责人集体讨论决定（{'；'.join(reasons)}），尚无集体讨论记录", "行政处罚法第五十七条第二款")
    return None


def exemption_measures_recorded(case: CaseView, ctx: ActContext) -> Reason | None:
    """不予处罚 still orders correction and educates the party (行政处罚法 第二十八条、第三十三条)."""
    if ctx.data.get("kind") != "no_penalty" or not case.exemption:
        return None
    missing = [label for key, label in (("correction_order", "责令改正"), ("education_note", "教育情况"))
               if not ctx.data.get(key)]
    if missing:
        return Reason("exemption_measures_missing",
                      f"依免罚清单不予处罚的，仍应责令改正并对当事人进行教育；未记录{'、'.join(missing)}",
                      "行政处罚法第二十八条、第三十三条第三款")
    return None


@needs("rules")
def exemption_eligible(case: CaseView, ctx: ActContext) -> Reason | None:
    ex = ctx.rules.exemption if ctx.rules else None
    if ctx.data.get("kind") == "no_penalty" and ex is not None and not ex["eligible"]:
        unmet = "、".join(f"{c['label']}（{c['detail']}）" for c in ex["conditions"] if not c["met"])
        return Reason("exemption_not_eligible", f"不符合免罚清单事项{ex['item']}的条件：{unmet}", "行政处罚法第三十三条")
    return None


@needs("rules")
def proposal_within_legal_range(case: CaseView, ctx: ActContext) -> Reason | None:
    pc = ctx.rules.penalty_check if ctx.rules else None
    if ctx.data.get("kind") == "penalty" and pc and pc["status"] == "above_legal_max":
        return Reason("penalty_above_legal_max", pc["message"], "行政处罚法第四条、第三十四条")
    if ctx.data.get("kind") == "penalty" and pc and pc["status"] == "fact_missing":
        return Reason("fact_missing", pc["message"], FACT_MISSING_ARTICLE)
    return None


@needs("participants")
def reviewer_not_case_officer(case: CaseView, ctx: ActContext) -> Reason | None:
    """回避: no one who took part in the case — named on an act, collecting evidence, in the referral team,
    submitting the review, chairing the hearing — reviews it (行政处罚法 第五十八条; 国办发〔2018〕118号)."""
    if any(o.user_id == ctx.actor_id for o in case.officers) or ctx.actor_id in case.participants:
        return Reason("reviewer_is_case_officer", "参与过本案办理的人员不得担任本案的法制审核人员（回避）",
                      "行政处罚法第五十八条；国办发〔2018〕118号")
    return None


LATE_PAYMENT_RATE = Decimal("0.03")  # 行政处罚法 第七十二条第一款第一项: 每日按罚款数额的百分之三加处罚款
PAYMENT_DAYS = 15  # 第六十七条第三款: 自收到行政处罚决定书之日起十五日内缴纳


def surcharge(case: CaseView, on: dt.date, calendar: WorkingDays | None = None) -> dl.Surcharge | None:
    """The 加处罚款 accrued by the end of `on` (第七十二条第一项: 3% of the fine a day from the day after the payment
    deadline, never more than the fine), the days of a 复议 or 诉讼 left out (第七十三条: the case's
    `surcharge_pauses`, the periods the `payment` deadline's row keeps too); None without a fine served.

    The deadline is the `payment` deadline's own (第六十七条: fifteen days from service, a last day on a holiday
    moved to the next working day), so the guard and the deadline agree; without a calendar (or its year's data)
    the fifteenth day as it falls."""
    fine = case.fine_amount or Decimal("0")
    if case.served_on is None or not fine:
        return None
    due_on = case.served_on + dt.timedelta(days=PAYMENT_DAYS)
    if calendar is not None:
        try:
            due_on = dl.due_for("payment", case.served_on, calendar).due_on
        except CalendarDataMissing:
            pass
    return dl.late_payment_surcharge(fine, due_on, on, paused=case.surcharge_pauses)


def outstanding(case: CaseView, on: dt.date, calendar: WorkingDays | None = None) -> Decimal:
    """What the party may still pay on `on`: the fine and confiscated sum, plus the 加处罚款 accrued (`surcharge`:
    第七十二条; none for the days of a 复议 or 诉讼, 第七十三条), less what was paid."""
    return _owed(case, surcharge(case, on, calendar))


def _owed(case: CaseView, extra: dl.Surcharge | None) -> Decimal:
    """`outstanding` with the surcharge already worked out (`surcharge`)."""
    due = (case.confiscated_amount or Decimal("0")) + (case.fine_amount or Decimal("0"))
    if extra is not None:
        due += extra.amount
    return due - (case.paid_amount or Decimal("0"))


@needs("remedy")
def payment_within_outstanding(case: CaseView, ctx: ActContext) -> Reason | None:
    amount, on = ctx.data.get("amount"), _day(ctx, "paid_on")
    if amount is None:
        return None
    extra = surcharge(case, on, ctx.calendar)
    left = _owed(case, extra)
    if amount > left:
        paused = extra.paused_days if extra is not None else 0
        # 第七十三条: say why less surcharge is owed than the days since the deadline would give
        why = f"（行政复议或者行政诉讼期间的{paused}日不计算加处罚款）" if paused else ""
        return Reason("payment_exceeds_outstanding",
                      f"缴纳金额{amount}元超过尚欠的罚没款（含加处罚款）{max(left, Decimal('0'))}元{why}",
                      f"{PENALTY_LAW}第六十七条、第七十二条" + ("、第七十三条" if paused else ""))
    return None


# --- 行政复议、行政诉讼 (第七十三条: 行政处罚不停止执行，加处罚款在复议、诉讼期间不予计算) ----------------------------

def fine_served(case: CaseView, ctx: ActContext) -> Reason | None:
    """第七十三条 pauses the 加处罚款 of a fine: only a served decision imposing a fine has a payment deadline (第六十七条)
    and a surcharge to pause."""
    if case.decision_kind != "penalty" or "fine" not in case.penalty_kinds or not case.fine_amount \
            or case.served_on is None:
        return Reason("no_fine_served", "本案没有已送达的罚款决定，不涉及缴纳罚款期限和加处罚款",
                      f"{PENALTY_LAW}第六十七条、第七十三条")
    return None


@needs("remedy")
def no_remedy_pending(case: CaseView, ctx: ActContext) -> Reason | None:
    """One 复议 or 诉讼 at a time: the pending one is recorded as concluded before the next is recorded (a suit brought
    after the 复议决定 is the next one)."""
    r = case.remedy
    if r and r.get("concluded_on") is None:
        kind = REMEDY_FILING.get(r.get("kind"), REMEDY_FILING["litigation"])
        return Reason("remedy_pending", f"当事人已于{r['filed_on'].isoformat()}{kind}（{r.get('authority')}），尚未记录终结；"
                      "终结后方可记录新的行政复议或者行政诉讼", f"{PENALTY_LAW}第七十三条")
    return None


@needs("remedy")
def remedy_pending(case: CaseView, ctx: ActContext) -> Reason | None:
    """Only a pending 复议 or 诉讼 concludes."""
    if not case.remedy or case.remedy.get("concluded_on") is not None:
        return Reason("no_remedy_pending", "本案没有尚未终结的行政复议或者行政诉讼", f"{PENALTY_LAW}第七十三条")
    return None


@needs("receipts")
def receipt_unused(case: CaseView, ctx: ActContext) -> Reason | None:
    no = ctx.data.get("receipt_no")
    if no and no in ctx.taken_receipts:
        return Reason("receipt_no_taken", f"票据号{no}已在本机关登记过，一张票据只能登记一次",
                      f"{PENALTY_LAW}第七十条")
    return None


def referral_open(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.referral_status in REFERRAL_RESOLVED or case.referral_status == "referred":
        return Reason("referral_already_settled", "移送事项已有结论", "国务院令第310号第五条")
    return None


# --- legal review and referral workflow guards (Issue 5) ---------------------------------------------------

@needs("review")
def no_review_in_progress(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.review and case.review["status"] in ("submitted", "assigned"):
        return Reason("review_in_progress", f"第{case.review['round']}轮法制审核尚未完成", "行政处罚法第五十八条")
    if case.review and case.review["status"] == "approved":
        return Reason("review_already_approved", "法制审核已通过，无须再次提交", "行政处罚法第五十八条")
    return None


@needs("review")
def review_awaiting_reviewer(case: CaseView, ctx: ActContext) -> Reason | None:
    if not case.review or case.review["status"] not in ("submitted", "assigned"):
        return Reason("no_review_submitted", "没有待审核的法制审核申请", "行政处罚法第五十八条")
    return None


@needs("assignee", "participants")
def assignee_qualified(case: CaseView, ctx: ActContext) -> Reason | None:
    a = ctx.assignee
    if a is None:
        return None
    if "legal_reviewer" not in a["roles"] or not a["same_agency"]:
        return Reason("assignee_not_reviewer", "只能指派本机关的法制审核人员", "国办发〔2018〕118号")
    if not a["bar_qualified"] and a["completed_reviews"] == 0:
        return Reason("reviewer_not_qualified", "初次从事法制审核的人员应当取得法律职业资格", "行政处罚法第五十八条第二款")
    if any(o.user_id == a["id"] for o in case.officers) or a["id"] in case.participants:
        return Reason("reviewer_is_case_officer", "参与过本案办理的人员不得担任本案的法制审核人员（回避）",
                      "行政处罚法第五十八条；国办发〔2018〕118号")
    return None


@needs("review")
def review_assigned_to_actor(case: CaseView, ctx: ActContext) -> Reason | None:
    if not case.review or case.review["status"] != "assigned" or case.review["reviewer_id"] != ctx.actor_id:
        return Reason("review_not_assigned_to_you", "本案的法制审核未指派给您，或尚未提交审核", "行政处罚法第五十八条")
    return None


def _referral_status(case: CaseView) -> str:
    return case.referral["status"] if case.referral else "none"


def referral_in(*statuses: str) -> Guard:
    @needs("referral")
    def guard(case: CaseView, ctx: ActContext) -> Reason | None:
        st = _referral_status(case)
        if st not in statuses:
            want = "、".join(REFERRAL_STATUS.get(x, x) for x in statuses)
            return Reason("referral_wrong_step", f"移送程序当前为“{REFERRAL_STATUS.get(st, st)}”，此操作须在“{want}”时进行",
                          "国务院令第310号")
        return None

    guard.__name__ = "referral_in_" + "_".join(statuses)
    return guard


@needs("referral")
def no_referral_in_progress(case: CaseView, ctx: ActContext) -> Reason | None:
    st = _referral_status(case)
    if st in REFERRAL_IN_PROGRESS:
        return Reason("referral_in_progress", f"已有移送程序在进行（{REFERRAL_STATUS.get(st, st)}）", "国务院令第310号第五条")
    return None


@needs("referral")
def actor_in_referral_team(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.referral and ctx.actor_id not in case.referral.get("team_ids", ()) and "agency_head" not in ctx.roles:
        return Reason("not_in_referral_team", "须由专案组成员提交书面报告", "国务院令第310号第五条")
    return None


@needs("referral")
def reconsideration_in_time(case: CaseView, ctx: ActContext) -> Reason | None:
    """国务院令第310号 第九条: ask the police for 复议 within 3 days of receiving the 不予立案 notice — counted as the
    `reconsideration_request` deadline counts them (the agency's setting: calendar days by default, a last day on a
    holiday moved to the next working day; or working days), so the guard never refuses a day the deadline allows."""
    notice = (case.referral or {}).get("police_notice_on")
    asked = ctx.data.get("requested_on")
    if not (notice and asked):
        return None
    last = notice + dt.timedelta(days=3)
    if ctx.calendar is not None:
        try:
            last = dl.due_for("reconsideration_request", notice, ctx.calendar, counting=ctx.referral_counting).due_on
        except CalendarDataMissing:
            pass
    if asked > last:
        return Reason("reconsideration_late", f"应当自收到不予立案通知书之日（{notice.isoformat()}）起三日内提请复议",
                      "国务院令第310号第九条")
    return None


@needs("referral")
def handover_not_recorded(case: CaseView, ctx: ActContext) -> Reason | None:
    """国务院令第310号 第十二条: the 涉案物品 and materials go to the police once, with one 交接手续."""
    on = (case.referral or {}).get("handed_over_on")
    if on:
        return Reason("referral_already_handed_over",
                      f"已于{on.isoformat()}向公安机关移交涉案物品和材料并办结交接手续，不能重复记录", "国务院令第310号第十二条")
    return None


@needs("referral")
def handover_before_closing(case: CaseView, ctx: ActContext) -> Reason | None:
    """国务院令第310号 第十二条: once the police have filed the case, the 涉案物品 and materials go to them within three
    days; the handover act works on an open case only, so 结案 waits for it (else its deadline could only be missed)."""
    if case.referral_status == "police_filed" and case.referral and not case.referral.get("handed_over_on"):
        return Reason("referral_handover_pending",
                      "公安机关已立案，须先记录向公安机关移交涉案物品和材料并办结交接手续，方可结案", "国务院令第310号第十二条")
    return None


def materials_complete(case: CaseView, ctx: ActContext) -> Reason | None:
    """国务院令第310号 第六条: the five materials of a transfer."""
    m = ctx.data.get("materials") or {}
    missing = [label for key, label in REFERRAL_MATERIALS.items() if not m.get(key)]
    if missing:
        return Reason("referral_materials_missing", "移送材料不全：缺" + "、".join(missing), "国务院令第310号第六条")
    return None


REFERRAL_MATERIALS = {
    "referral_letter": "涉嫌犯罪案件移送书",
    "investigation_report": "涉嫌犯罪案件情况的调查报告",
    "item_list": "涉案物品清单",
    "inspection_report": "有关检验报告或者鉴定结论",
    "other_materials": "其他有关涉嫌犯罪的材料",
}


def penalty_decided(case: CaseView, ctx: ActContext) -> Reason | None:
    if case.decision_kind != "penalty" or case.stage not in ("decided", "served", "executing", "closed", "archived"):
        return Reason("no_penalty_decided", "本案尚未作出行政处罚决定", "高检会〔2006〕2号")
    return None


# --- the general provisions: 行政处罚法 第二十八–三十七条 (Issue 12) -----------------------------------------------

LIMITATION_ARTICLE = f"{PENALTY_LAW}第三十六条"
MINORS_ARTICLE = f"{PENALTY_LAW}第三十条"


def _period(case: CaseView, ctx: ActContext) -> gp.ActPeriod:
    """The act's period: what the act's input records, else what the case holds."""
    d = ctx.data
    if any(k in d for k in ("act_started_on", "act_ended_on", "act_continuing")):
        return gp.ActPeriod(d.get("act_started_on", case.act_started_on), d.get("act_ended_on", case.act_ended_on),
                            bool(d.get("act_continuing", case.act_continuing)))
    return gp.ActPeriod(case.act_started_on, case.act_ended_on, case.act_continuing)


def _limitation_reason(lim: gp.Limitation) -> Reason:
    return Reason("limitation_expired", f"{lim.text}，依法不再给予行政处罚", LIMITATION_ARTICLE)


def within_limitation_at_filing(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十六条 at filing: the violation item is not known yet, so five years only with a recorded reason."""
    period = _period(case, ctx)
    if not period.known or case.discovered_on is None:
        return None
    reason = ctx.data.get("long_limitation_reason", case.long_limitation_reason)
    lim = gp.limitation(period, case.discovered_on, gp.limitation_years(None, case.circumstances, reason))
    return _limitation_reason(lim) if lim.expired else None


within_limitation_at_filing.reads = ("act_started_on", "act_ended_on", "act_continuing", "long_limitation_reason")


@needs("rules")
def within_limitation(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十六条 at the proposal and the decision: the period the violation item's category gives (five years for
    生命健康安全/金融安全 with harmful consequences, catalogue data), counted from the act or its end."""
    if not _deciding_penalty(ctx, case):
        return None
    period = _period(case, ctx)
    if not period.known:  # the limitation cannot be judged, nor the 决定书 state the facts (第四十条 事实清楚)
        return Reason("act_period_missing", "违法行为发生的时间未录入，无法判断是否超过追责时效；请在“查明事实”中录入违法行为"
                      "发生（开始）日期及是否仍在持续", LIMITATION_ARTICLE)
    if case.discovered_on is None:
        return None
    category = ctx.rules.limitation_category if ctx.rules else None
    lim = gp.limitation(period, case.discovered_on,
                        gp.limitation_years(category, case.circumstances, case.long_limitation_reason))
    return _limitation_reason(lim) if lim.expired else None


def party_age(case: CaseView, ctx: ActContext) -> int | None:
    """The party's age (周岁) on the day of the act (its first day; the discovery or on-the-spot decision when no
    act date is recorded); None for an organisation or when no birth date is known."""
    birth = ctx.data.get("party_birth_date", case.party_birth_date)
    if birth is None or (ctx.data.get("party_kind") or case.party_kind) != "person":
        return None
    day = _period(case, ctx).started_on or case.discovered_on or ctx.data.get("decided_on") or ctx.today
    return gp.age_on(birth, day)


def _penalty_at_hand(case: CaseView, ctx: ActContext) -> bool:
    if case.stage is None and case.procedure == "summary":  # an on-the-spot decision is a penalty
        return True
    return _deciding_penalty(ctx, case)


def minor_not_penalised(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十条: 不满十四周岁的未成年人有违法行为的，不予行政处罚，责令监护人加以管教."""
    age = party_age(case, ctx)
    if age is not None and age < gp.NO_PENALTY_AGE and _penalty_at_hand(case, ctx):
        return Reason("party_under_14", f"违法行为发生时当事人未满十四周岁（{age}周岁），不予行政处罚，应当责令监护人加以管教",
                      MINORS_ARTICLE)
    return None


def party_age_known(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十条: whether a natural person is penalised at all (不满十四周岁), and how (已满十四周岁不满十八周岁), turns on
    the age at the act; a penalty on a person whose birth date is unknown (no 身份证号 or 港澳台居民居住证 number, no
    recorded birth date) would be decided blind. Refused until the birth date is recorded on the party (the facts of
    第四十条 include who the party is)."""
    kind = ctx.data.get("party_kind") or case.party_kind
    birth = ctx.data.get("party_birth_date", case.party_birth_date)
    if kind == "person" and birth is None and _penalty_at_hand(case, ctx):
        return Reason("party_age_unknown", "当事人为自然人，其证件号码不载明出生日期且未录入出生日期，无法确定违法行为发生时是否"
                      "已满十四周岁、十八周岁；请先在当事人信息中录入出生日期", MINORS_ARTICLE)
    return None


def _fine_of(case: CaseView, ctx: ActContext) -> Decimal | None:
    kinds = ctx.data.get("penalty_kinds", case.penalty_kinds) or ()
    if "fine" not in kinds:
        return None
    return ctx.data.get("fine_amount", case.fine_amount)


def _minor_14_to_18(case: CaseView, ctx: ActContext) -> int | None:
    age = party_age(case, ctx)
    return age if age is not None and gp.NO_PENALTY_AGE <= age < gp.ADULT_AGE and _penalty_at_hand(case, ctx) else None


@needs("rules")
def minor_leniency(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十条: 已满十四周岁不满十八周岁的未成年人有违法行为的，应当从轻或者减轻行政处罚 — a fine within the
    benchmark's 从轻 tier, or below the legal minimum (减轻, with its reason, legal review and discussion)."""
    age = _minor_14_to_18(case, ctx)
    fine = _fine_of(case, ctx)
    if age is None or fine is None:
        return None
    b = ctx.rules.benchmark if ctx.rules else None
    if not b or "tiers" not in b:
        return Reason("minor_leniency_unassessed", f"违法行为发生时当事人已满十四周岁不满十八周岁（{age}周岁），应当从轻或者"
                      "减轻处罚；须先适用裁量基准事项（并录入所需事实），据以确定从轻幅度", MINORS_ARTICLE)
    top = Decimal(b["tiers"]["lenient"][1]) if "lenient" in b["tiers"] else Decimal(b["tiers"]["standard"][0])
    if Decimal(str(fine)) > top:
        return Reason("minor_not_lenient", f"违法行为发生时当事人已满十四周岁不满十八周岁（{age}周岁），应当从轻或者减轻处罚："
                      f"罚款不得高于从轻阶次上限{top}元（拟罚款{fine}元）", MINORS_ARTICLE)
    return None


def minor_leniency_on_the_spot(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十条 in the summary procedure: a 14–18-year-old is fined only with the 从轻/减轻 stated on the form."""
    age = _minor_14_to_18(case, ctx)
    if age is not None and _fine_of(case, ctx) is not None and not ctx.data.get("minor_leniency"):
        return Reason("minor_leniency_missing", f"违法行为发生时当事人已满十四周岁不满十八周岁（{age}周岁），应当从轻或者减轻"
                      "处罚，须在决定书上写明从轻或者减轻的情况", MINORS_ARTICLE)
    return None


minor_leniency_on_the_spot.reads = ("minor_leniency",)


@needs("same_act_fines")
def one_fine_per_act(case: CaseView, ctx: ActContext) -> Reason | None:
    """第二十九条: 对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚 — another case of the party already fined
    for the same violation item over an overlapping act period is named, and a second fine needs a recorded reason
    (e.g. the acts are in fact distinct)."""
    if not case.same_act_fines or _fine_of(case, ctx) is None or not _deciding_penalty(ctx, case):
        return None
    if ctx.data.get("same_act_reason"):
        return None
    mine = set(case.violation_codes) | ({ctx.data["violation_code"]} if ctx.data.get("violation_code") else set())
    hits = [(x, sorted(mine & set(x["items"]))) for x in case.same_act_fines]
    hits = [(x, same) for x, same in hits if same]
    if not hits:
        return None
    linked = "、".join(f"{x.get('case_no') or ('案件' + str(x['case_id']))}（事项{'、'.join(same)}，罚款{x['fine_amount']}元）"
                      for x, same in hits)
    return Reason("same_act_fined", f"当事人的同一违法行为已在{linked}中被处以罚款，不得再次罚款；确属不同违法行为的，"
                  "须写明理由", f"{PENALTY_LAW}第二十九条")


one_fine_per_act.reads = ("same_act_reason",)


def illegal_gains_confiscated(case: CaseView, ctx: ActContext) -> Reason | None:
    """第二十八条第二款: 当事人有违法所得，除依法应当退赔的外，应当予以没收 — a penalty decision on a case with
    recorded 违法所得 confiscates them (the kind, and no less than the sum when a sum is stated), unless the reason
    (退赔, or none to confiscate) is recorded."""
    gains = case.illegal_gains
    if not gains or gains <= 0 or not _deciding_penalty(ctx, case) or ctx.data.get("gains_reason"):
        return None
    kinds = ctx.data.get("penalty_kinds", case.penalty_kinds) or ()
    amount = ctx.data.get("confiscated_amount", case.confiscated_amount)
    if "confiscate_gains" not in kinds:
        return Reason("illegal_gains_not_confiscated", f"当事人有违法所得{gains}元，除依法应当退赔的外应当予以没收；"
                      "决定未没收违法所得的，须写明理由", f"{PENALTY_LAW}第二十八条第二款")
    if amount is not None and Decimal(str(amount)) < gains:
        return Reason("illegal_gains_not_confiscated", f"没收金额{amount}元少于认定的违法所得{gains}元；"
                      "未全部没收的，须写明理由", f"{PENALTY_LAW}第二十八条第二款")
    return None


illegal_gains_confiscated.reads = ("gains_reason",)


def statutory_no_penalty(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十一条、第三十三条: where the statute says 不予行政处罚, no penalty (the list items are not needed)."""
    if not _deciding_penalty(ctx, case):
        return None
    must = [g for g in gp.statutory_grounds(case.circumstances) if g.effect == "no_penalty"]
    if must:
        return Reason("no_penalty_ground", "；".join(g.text for g in must), "、".join(dict.fromkeys(g.article for g in must)))
    return None


@needs("rules")
def statutory_leniency(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十二条: 应当从轻或者减轻 — a fine no higher than the benchmark's 从轻 tier (below the legal minimum: 减轻)."""
    fine = _fine_of(case, ctx)
    must = [g for g in gp.statutory_grounds(case.circumstances) if g.effect == "lenient"]
    b = ctx.rules.benchmark if ctx.rules else None
    if not must or fine is None or not _deciding_penalty(ctx, case) or not b or "tiers" not in b:
        return None
    top = Decimal(b["tiers"]["lenient"][1]) if "lenient" in b["tiers"] else Decimal(b["tiers"]["standard"][0])
    if Decimal(str(fine)) > top:
        return Reason("leniency_required", f"{'；'.join(g.text for g in must)}：罚款不得高于从轻阶次上限{top}元（拟罚款{fine}元）",
                      f"{PENALTY_LAW}第三十二条")
    return None


@needs("rules")
def still_a_violation(case: CaseView, ctx: ActContext) -> Reason | None:
    """第三十七条 (从旧兼从轻): the item the case is under was in the catalogue version in force at the act and is gone
    from (or repealed in) the version of the same catalogue in force at the decision — the rules in force no longer
    treat the act as a violation, so no penalty is given; the case is decided 不予行政处罚 instead."""
    gone = ctx.rules.no_longer_violation if ctx.rules else None
    if gone is None or not _deciding_penalty(ctx, case):
        return None
    return Reason("no_longer_violation", f"{gone['text']}：依照行政处罚法第三十七条，作出决定时的规定不认为是违法的，不予行政处罚；"
                  "请作出不予行政处罚决定", f"{PENALTY_LAW}第三十七条")


def grounds_evidenced(case: CaseView, ctx: ActContext) -> Reason | None:
    """A ground of 第三十一、三十二、三十三条 that changes the outcome rests on evidence recorded on the case."""
    linked = case.ground_evidence or {}
    bare = [c for c in case.circumstances if c in gp.EVIDENCED and not linked.get(c)]
    if bare:
        from .rules.model import CIRCUMSTANCES

        return Reason("ground_evidence_missing", "以下法定情节尚未关联证据：" + "、".join(CIRCUMSTANCES[c] for c in bare),
                      f"{PENALTY_LAW}第四十条")
    return None


# --- the transitions -----------------------------------------------------------------------------

OFF, H = frozenset({"officer"}), frozenset({"agency_head"})
OH = OFF | H
REVIEW_STAGES = ("investigation_closed", "prior_notice", "hearing")



@dataclass
class Check:
    allowed: bool
    reasons: list[Reason] = field(default_factory=list)
    role_ok: bool = True
    stage_ok: bool = True



def _earlier(case: CaseView, attr: str) -> dt.date | None:
    head, _, key = attr.partition(".")
    value = getattr(case, head, None)
    if key:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def dates_in_order(act: Act, case: CaseView, ctx: ActContext) -> Reason | None:
    """An act's date may not come before the dates it depends on (立案 after discovery, service after the decision …)."""
    for rule in act.dates:
        mine, before = ctx.data.get(rule.field), _earlier(case, rule.earlier)
        if isinstance(mine, dt.datetime):  # an instant: its Beijing day
            mine = local_date(mine)
        if isinstance(mine, dt.date) and before is not None and mine < before:
            return Reason("date_out_of_order", f"日期{mine.isoformat()}早于本案{rule.label}{before.isoformat()}", None)
    return None


# Reasons that depend on what the act's form will carry (officers, dates, the decision's kinds and amounts, a
# recorded reason): the pages offer the act and these are checked when it is submitted. Every other reason makes
# the act unavailable, shown with its article (services.cases.available_actions).
INPUT_DEPENDENT = frozenset({
    "officers_insufficient", "hearing_notice_too_short", "chair_is_investigator", "actor_not_named",
    "officer_not_on_case", "confirmation_not_awaited", "payment_exceeds_outstanding", "receipt_no_taken",
    # 行政处罚法 第二十八至三十三条: the decision's kind, fine, confiscation or recorded reason can satisfy them
    "illegal_gains_not_confiscated", "same_act_fined", "minor_not_lenient", "minor_leniency_missing",
    "leniency_required", "no_penalty_ground", "party_under_14",
})


def check(act: Act, case: CaseView, ctx: ActContext) -> Check:
    """Run role, stage and every guard of `act`; return all failing reasons."""
    t = act
    reasons: list[Reason] = []
    role_ok = bool(t.roles & ctx.roles)
    if not role_ok:
        need = "、".join(ROLE_LABELS[r] for r in sorted(t.roles))
        reasons.append(Reason("role_not_allowed", f"“{t.label}”须由{need}执行", None))
    stage_ok = case.stage in t.from_stages
    if not stage_ok:
        where = STAGES.get(case.stage or "", "新建")
        reasons.append(Reason("wrong_stage", f"案件处于“{where}”阶段，不能执行“{t.label}”", t.article))
    if stage_ok:
        seen = {r.code for r in reasons}
        for r in [dates_in_order(act, case, ctx), *(g(case, ctx) for g in t.guards)]:
            if r is not None and r.code not in seen:  # each reason once, however many guards find it
                seen.add(r.code)
                reasons.append(r)
    return Check(not reasons, reasons, role_ok, stage_ok)


def target_stage(act: Act, case: CaseView) -> str | None:
    if act.to == "@resume":
        return case.suspended_stage
    return act.to or case.stage
