"""Legal deadlines: the catalogue of kinds, how each is counted, and the late-payment surcharge.

Pure Python: no Flask, no SQLAlchemy. Counting follows /work/shared/domain/rules.md §1:
- 行政处罚法 第八十五条: 「二日」「三日」「五日」「七日」 are working days; 十五日、九十日 are calendar days.
- 行政强制法 第六十九条: periods of 十日以内 are working days.
- 市监 rules, 118号 and 总局令第45号 say 「工作日」 explicitly wherever they mean it.
- Calendar periods (民事诉讼法 第八十五条, by analogy [U]): the start day is not counted; a period whose last
  day is a holiday or rest day ends on the next working day.
- 国务院令第310号 has no working-day clause: its 「3日」 are counted as configured (calendar by default, rules.md
  §1 [U]); its 「24小时」 is counted in hours.
- Years (第三十六条 limitation): to the same day of the final year (民法典 第二百零二条); not moved off holidays:
  it bounds when an act can still be discovered, it is not a period in which someone must act.

A year with no calendar data is never counted on weekends alone: ``CalendarDataMissing`` propagates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from .errors import ValidationFailed

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

Unit = Literal["working", "calendar", "hours", "years"]
Duty = Literal["agency", "party", "police"]
#: Who must act before a deadline, as the pages say it.
DUTY_LABELS: dict[str, str] = {"agency": "本机关", "party": "当事人", "police": "公安机关"}

PENALTY_LAW = "行政处罚法"
COMPULSION_LAW = "行政强制法"
SAMR_RULES = "市场监督管理行政处罚程序规定"
REFERRAL_RULES = "国务院令第310号（行政执法机关移送涉嫌犯罪案件的规定）"

STATUSES = {
    "open": "未到期",
    "met": "已履行",
    "missed": "已逾期",
    "expired": "期满未行使",  # an optional window (the party's hearing request, …) closed unused: not a failure
    "cancelled": "已取消",
}


def status_label(kind: str, status: str) -> str:
    """A deadline's status in words, as its kind reads it (`DeadlineKind.met_label`)."""
    k = KINDS.get(kind)
    if status == "met" and k is not None and k.met_label:
        return k.met_label
    return STATUSES.get(status, status)


class Calendar(Protocol):
    """What counting needs of casebook.calendar.WorkingDayCalendar."""

    def is_working_day(self, d: dt.date) -> bool: ...
    def add_working_days(self, start: dt.date, n: int) -> dt.date: ...
    def end_of_calendar_period(self, start: dt.date, days: int) -> dt.date: ...


@dataclass(frozen=True)
class DeadlineKind:
    """One kind of legal deadline: what it is, its legal basis, and how it is counted."""

    code: str
    label: str
    basis: str
    unit: Unit
    length: int
    start: str  # what the period runs from, for people
    warn_days: int  # default warning lead in working days (hours for hour-counted kinds); 0: no warning
    duty: Duty = "agency"
    extension: int | None = None  # the usual length of one approved extension; None: cannot be extended
    max_extension: int | None = None  # the most the law allows in total; None: no fixed cap
    pausable: bool = False  # suspension of the case stops the clock (第六十条 with 市监 rules: 中止 time excluded)
    window: bool = False  # an optional window: closing unused is 'expired', not 'missed'
    manual: bool = False  # no case act settles it: an officer records it through the API
    note: str = ""
    # What "met" means for this kind, where 已履行 would say something else: a window closes used or waived (已办结),
    # the 追责时效 is "met" when the act was discovered within it (时效内发现).
    met_label: str = ""


KINDS: dict[str, DeadlineKind] = {
    k.code: k
    for k in [
        DeadlineKind("filing", "核查立案期限", f"{SAMR_RULES}第十八条", "working", 15, "发现线索或者收到材料之日",
                     3, extension=15, max_extension=15, note="经负责人批准可延长十五个工作日；检测、检验、检疫、鉴定等时间不计入"),
        DeadlineKind("decision", "作出处理决定期限", f"{PENALTY_LAW}第六十条", "calendar", 90, "立案之日", 10,
                     extension=30, pausable=True,
                     note="九十日为日历日（第八十五条只规定二、三、五、七日为工作日）；经批准延长的期限加计；中止期间不计入"),
        DeadlineKind("evidence_preservation", "先行登记保存处理期限", f"{PENALTY_LAW}第五十六条、第八十五条", "working", 7,
                     "先行登记保存之日", 2, manual=True),
        DeadlineKind("seizure", "查封扣押期限", f"{COMPULSION_LAW}第二十五条", "calendar", 30, "查封、扣押之日", 5,
                     extension=30, max_extension=30, manual=True, note="情况复杂的，经负责人批准可以延长，延长期限不得超过三十日"),
        DeadlineKind("service", "处罚决定书送达期限", f"{PENALTY_LAW}第六十一条、第八十五条", "working", 7, "作出决定之日",
                     2),
        DeadlineKind("hearing_request", "陈述申辩、听证申请期限", f"{PENALTY_LAW}第六十四条第一项、第八十五条", "working",
                     5, "事先告知书送达之日", 0, duty="party", window=True, met_label="已办结"),
        DeadlineKind("hearing_notice", "听证通知送达期限", f"{PENALTY_LAW}第六十四条第二项、第八十五条", "working", 7,
                     "举行听证之日（倒数）", 2, note="应当在举行听证的七个工作日前通知；到期日为最后可送达通知的日期"),
        DeadlineKind("payment", "缴纳罚款期限", f"{PENALTY_LAW}第六十七条", "calendar", 15, "收到处罚决定书之日", 3,
                     duty="party", note="逾期每日按罚款数额的百分之三加处罚款，不超过罚款数额（第七十二条）；复议、诉讼期间不计（第七十三条）"),
        DeadlineKind("publication", "行政处罚决定公示期限", "国办发〔2018〕118号；市场监督管理行政处罚信息公示规定第九条",
                     "working", 7, "作出决定之日", 2, manual=True,
                     note="行政处罚决定七个工作日（118号，从严）；其他决定二十个工作日"),
        DeadlineKind("withdrawal", "公示撤回期限", f"{PENALTY_LAW}第四十八条第二款；市场监督管理行政处罚信息公示规定第十一条",
                     "working", 3, "决定变更、撤销或者确认违法、无效之日", 1, manual=True),
        DeadlineKind("referral_decision", "移送审批期限", f"{REFERRAL_RULES}第五条", "calendar", 3, "收到专案组书面报告之日", 1,
                     note="「3日」无工作日条款；默认按日历日计算，可配置为工作日"),
        DeadlineKind("referral_transfer", "移送公安机关期限", f"{REFERRAL_RULES}第五条", "hours", 24, "负责人批准移送之时", 6),
        DeadlineKind("police_decision", "公安机关立案审查期限", f"{REFERRAL_RULES}第八条", "calendar", 3, "公安机关接受移送之日", 1,
                     duty="police"),
        DeadlineKind("reconsideration_request", "提请复议期限", f"{REFERRAL_RULES}第九条", "calendar", 3,
                     "收到不予立案通知书之日", 1, window=True, met_label="已办结"),
        DeadlineKind("referral_handover", "移交涉案物品和材料期限", f"{REFERRAL_RULES}第十二条", "calendar", 3,
                     "接到立案通知书之日", 1,
                     note="公安机关决定立案的，将涉案物品以及与案件有关的其他材料移交公安机关，并办结交接手续；"
                          "法律、行政法规另有规定的，依照其规定"),
        DeadlineKind("penalty_copy", "行政处罚决定抄送期限", "高检会〔2006〕2号", "calendar", 10,
                     "移送之日（已作出行政处罚决定的）", 2, note="已作出的行政处罚决定书抄送公安机关、人民检察院；十日按日历日计算"),
        DeadlineKind("legal_review", "法制审核期限", f"{PENALTY_LAW}第五十八条；国办发〔2018〕118号", "working", 10,
                     "提交法制审核之日", 3, extension=10, note="审核时限由各机关规定，默认十个工作日；经批准可以延长"),
        DeadlineKind("limitation", "追责时效", f"{PENALTY_LAW}第三十六条", "years", 2, "违法行为发生之日（连续或者继续状态的，自行为终了之日）",
                     0, note="涉及公民生命健康安全、金融安全且有危害后果的，延长至五年", met_label="时效内发现"),
    ]
}
# Kinds counted under 310号, whose 「3日」 counting is configuration (rules.md §1, §12 open questions).
REFERRAL_DAY_KINDS = frozenset({"referral_decision", "police_decision", "reconsideration_request",
                                "referral_handover"})
PUBLICATION_OTHER_DAYS = 20  # 总局令第45号 第九条 and 118号 for decisions other than penalties
LIMITATION_EXTENDED_YEARS = 5  # 第三十六条: 生命健康安全、金融安全 with harm


def kind(code: str) -> DeadlineKind:
    """Return the catalogue entry, or refuse an unknown kind."""
    try:
        return KINDS[code]
    except KeyError:
        raise ValidationFailed("没有这种法定期限", code="unknown_deadline_kind", errors={"kind": [f"未知期限：{code}"]}) from None


@dataclass(frozen=True)
class Due:
    """A computed deadline: the last day to act (local), the instant it lapses (UTC), and when to warn."""

    kind: str
    unit: Unit
    length: int  # the effective length counted: base + extensions + paused days
    starts_on: dt.date
    due_on: dt.date
    due_at: dt.datetime  # UTC; for day-counted kinds the end of due_on in Asia/Shanghai
    warn_on: dt.date | None
    warn_at: dt.datetime | None
    basis: str
    counting: str  # how it was counted, in Chinese, for the record


def local_midnight(d: dt.date) -> dt.datetime:
    """Return 00:00 Asia/Shanghai on d, as UTC."""
    return dt.datetime.combine(d, dt.time.min, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def local_date(t: dt.datetime) -> dt.date:
    """Return the Asia/Shanghai calendar date of an instant (a naive one is UTC, as SQLite gives it back)."""
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ).date()


def subtract_working_days(cal: Calendar, end: dt.date, n: int) -> dt.date:
    """Return the n-th working day before `end` (end itself not counted)."""
    if n < 1:
        raise ValueError("n must be positive")
    d = end
    while n:
        d -= dt.timedelta(days=1)
        if cal.is_working_day(d):
            n -= 1
    return d


def add_years(d: dt.date, years: int) -> dt.date:
    """Return the same day `years` later; 29 February falls back to the month's last day (民法典 第二百零二条)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def met_late(unit: str, due_on: dt.date | None, met_on: dt.date | None,
             due_at: dt.datetime | None = None, met_at: dt.datetime | None = None) -> bool:
    """Whether a deadline met on `met_on` (at `met_at`) was late, in its own unit: an hour-counted deadline by the
    instant (国务院令第310号 第五条: transfer within 24 hours of the approval — 35 hours after it is late even on the
    due date), any other by the day. A naive instant is UTC (as stored). The one rule `settle` and the 评查 and
    statistics readers share (statistics.met_late is its SQL form)."""
    if unit == "hours" and due_at is not None and met_at is not None:
        return _aware(met_at) > _aware(due_at)
    return due_on is not None and met_on is not None and met_on > due_on


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def base_length(k: DeadlineKind, **opts: Any) -> int:
    """Return the statutory length of a kind, as configured for this deadline."""
    if opts.get("days") is not None:
        days = int(opts["days"])
        if days < 1:
            raise ValidationFailed("期限天数必须为正整数", errors={"days": ["期限天数必须为正整数"]})
        return days
    if k.code == "publication" and opts.get("penalty") is False:
        return PUBLICATION_OTHER_DAYS
    if k.code == "limitation" and opts.get("extended"):
        return LIMITATION_EXTENDED_YEARS
    return k.length


def unit_for(k: DeadlineKind, **opts: Any) -> Unit:
    """Return how a kind is counted: 310号's 「3日」 as configured (calendar by default)."""
    if k.code in REFERRAL_DAY_KINDS:
        counting = opts.get("counting") or "calendar"
        if counting not in ("calendar", "working"):
            raise ValidationFailed("计算方式只能是 calendar 或 working", errors={"counting": ["calendar 或 working"]})
        return counting
    return k.unit


def due_for(code: str, start: dt.date | dt.datetime, calendar: Calendar, **opts: Any) -> Due:
    """Compute a deadline of kind `code` running from `start` on `calendar`.

    Options: ``days`` (a configured length: the agency's review limit, …), ``extended_days`` (approved
    extensions, same unit), ``paused_days`` (days the clock stood still during suspension), ``warn_days``
    (warning lead), ``counting`` ('calendar' or 'working', for 310号 kinds), ``penalty`` (publication:
    False for decisions other than penalties), ``extended`` (limitation: the five-year case).

    ``hearing_notice`` counts backwards: `start` is the hearing day, and the due date is the last day a
    notice may be served so that 七个工作日 lie between it and the hearing (the guard of
    casebook.domain.lifecycle.hearing_notice_in_time). Raises CalendarDataMissing for a year without data.
    """
    k = kind(code)
    unit = unit_for(k, **opts)
    extended = int(opts.get("extended_days") or 0)
    paused = int(opts.get("paused_days") or 0)
    if extended < 0 or paused < 0:
        raise ValueError("extensions and paused days cannot be negative")
    length = base_length(k, **opts) + extended + paused
    warn_lead = k.warn_days if opts.get("warn_days") is None else int(opts["warn_days"])

    if unit == "hours":
        if not isinstance(start, dt.datetime):
            # A bare date is taken as 00:00 local: the strictest reading, never a late warning.
            start = local_midnight(start)
        if start.tzinfo is None:
            raise ValueError("hour-counted deadlines need an aware datetime")
        due_at = start.astimezone(dt.UTC) + dt.timedelta(hours=length)
        warn_at = due_at - dt.timedelta(hours=warn_lead) if warn_lead else None
        if warn_at is not None and warn_at < start:
            warn_at = start.astimezone(dt.UTC)
        return Due(code, unit, length, local_date(start), local_date(due_at), due_at,
                   local_date(warn_at) if warn_at else None, warn_at, k.basis, f"{length}小时")

    start_day = start.astimezone(LOCAL_TZ).date() if isinstance(start, dt.datetime) else start
    if code == "hearing_notice":
        # Latest N with add_working_days(N, 7) <= hearing day: the day before the 7th working day counted
        # back from the hearing (the hearing day itself counts when it is a working day).
        d = start_day + dt.timedelta(days=1)
        due_on = subtract_working_days(calendar, d, length) - dt.timedelta(days=1)
        counting = f"举行听证前{length}个工作日"
    elif unit == "working":
        due_on = calendar.add_working_days(start_day, length)
        counting = f"{length}个工作日"
    elif unit == "calendar":
        due_on = calendar.end_of_calendar_period(start_day, length)
        counting = f"{length}日（日历日，届满日为节假日的顺延）"
    else:
        due_on = add_years(start_day, length)
        counting = f"{length}年"
    due_at = local_midnight(due_on + dt.timedelta(days=1))
    warn_on = None
    if warn_lead and unit == "years":
        # Years ahead: warn by calendar days, so a far year's missing holiday data cannot block planning.
        warn_on = max(due_on - dt.timedelta(days=warn_lead), start_day)
    elif warn_lead:
        warn_on = subtract_working_days(calendar, due_on, warn_lead)
        if code != "hearing_notice":  # hearing_notice counts back from the hearing: its start is after it
            warn_on = max(warn_on, min(start_day, due_on))
    warn_at = local_midnight(warn_on) if warn_on else None
    return Due(code, unit, length, start_day, due_on, due_at, warn_on, warn_at, k.basis, counting)


def paused_length(unit: Unit, calendar: Calendar, since: dt.date, until: dt.date) -> int:
    """Return how many counted days a suspension from `since` to `until` took out of the clock."""
    if until <= since:
        return 0
    if unit == "working":
        return sum(1 for i in range(1, (until - since).days + 1) if calendar.is_working_day(since + dt.timedelta(days=i)))
    return (until - since).days


# --- 加处罚款 (行政处罚法 第七十二条、第七十三条) -------------------------------------------------------

SURCHARGE_RATE = Decimal("0.03")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Surcharge:
    """The late-payment surcharge on a day: days counted, the amount, and whether the cap was reached."""

    days: int
    amount: Decimal
    capped: bool
    paused_days: int = 0
    basis: str = f"{PENALTY_LAW}第七十二条第一项、第七十三条"
    notes: tuple[str, ...] = field(default_factory=tuple)


def late_payment_surcharge(
    fine: Decimal, due_on: dt.date, on: dt.date, *,
    paused: Iterable[tuple[dt.date, dt.date | None]] = (),
) -> Surcharge:
    """Return the 加处罚款 accrued by the end of `on` for a fine due on `due_on`.

    3% of the fine per day from the day after the due date, never more than the fine itself
    (第七十二条第一项). Days inside a 复议 or 诉讼 period are not counted (第七十三条): each pause is
    (first day not counted, first day counted again), the second None while it lasts.
    """
    fine = Decimal(fine)
    if fine <= 0 or on <= due_on:
        return Surcharge(0, Decimal("0.00"), False)
    first = due_on + dt.timedelta(days=1)
    total = (on - due_on).days
    excluded: set[dt.date] = set()
    for since, until in paused:
        lo = max(since, first)
        hi = on + dt.timedelta(days=1) if until is None else min(until, on + dt.timedelta(days=1))
        excluded.update(lo + dt.timedelta(days=i) for i in range(max((hi - lo).days, 0)))
    days = total - len(excluded)
    raw = (fine * SURCHARGE_RATE * days).quantize(CENT, rounding=ROUND_HALF_UP)
    cap = fine.quantize(CENT, rounding=ROUND_HALF_UP)
    return Surcharge(days, min(raw, cap), raw >= cap, len(excluded))


def remedy_pause(filed_on: dt.date, concluded_on: dt.date | None) -> tuple[dt.date, dt.date | None]:
    """The pause of the surcharge a 复议 or 诉讼 makes (第七十三条: 加处罚款的数额在行政复议或者行政诉讼期间不予计算), as
    `late_payment_surcharge` takes it: (first day not counted, first day counted again; None while it lasts).

    The 期间 runs from the day the party applied for 复议 or brought the suit, that day included, to the day it ended
    (the 复议决定书 served, the judgment in force, the withdrawal allowed), that day included: the surcharge accrues
    again from the day after, as a period counts from the day after its event (第八十五条). Both edge days are kept
    out of the count — read in the party's favour, since the article forbids counting the surcharge in the 期间."""
    return filed_on, None if concluded_on is None else concluded_on + dt.timedelta(days=1)


def describe(code: str, opts: Mapping[str, Any] | None = None) -> dict:
    """Return the catalogue entry as plain data (for the API and documents)."""
    k = kind(code)
    opts = dict(opts or {})
    return {"kind": k.code, "label": k.label, "basis": k.basis, "unit": unit_for(k, **opts),
            "length": base_length(k, **opts), "start": k.start, "duty": k.duty, "warn_days": k.warn_days,
            "extension": k.extension, "max_extension": k.max_extension, "manual": k.manual, "window": k.window,
            "note": k.note}
