"""Auto-checks of a closed case file (案卷评查 机器初查), each mapped to a rubric item or veto and explained in
Chinese. Pure: the service loads the rows into `CaseFacts` and hands in the working-day calendar.

Each check answers `CheckResult`: ok, the number of defects (the rubric deducts per defect), the explanation,
the article. A check that does not apply to the case (no hearing, no fine …) is ok and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from casebook.calendar.workdays import WorkingDayCalendar
from casebook.domain.deadlines import LOCAL_TZ, local_date, met_late
from casebook.domain.errors import CalendarDataMissing
from casebook.domain.lifecycle import REFERRAL_RESOLVED, OfficerView
from casebook.domain.vocabulary import INVESTIGATION_ACT_KINDS, SERVICE_METHODS

PENALTY_LAW = "行政处罚法"
SAMR = "市场监督管理行政处罚程序规定"


@dataclass(frozen=True)
class ActRow:
    seq: int
    action: str
    on: dt.date  # the act's local date (occurred)
    data: Mapping[str, Any]
    awaiting: tuple[int, ...] = ()


@dataclass(frozen=True)
class DocRow:
    doc_type: str
    document_no: str | None
    doc_date: dt.date | None
    status: str


@dataclass(frozen=True)
class Recording:
    evidence_id: int
    title: str
    device: str | None
    recorded_by_id: int | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    sha256: str | None


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    label: str
    due_on: dt.date | None
    status: str
    met_on: dt.date | None
    extended_days: int = 0
    paused_days: int = 0
    unit: str = "working"
    due_at: dt.datetime | None = None  # hour-counted kinds: the due instant (aware)
    met_at: dt.datetime | None = None  # the instant it was met (aware)

    @property
    def met_late(self) -> bool:
        """Met after it was due, in its own unit, as deadlines.settle judges it: an hour-counted deadline by the
        instant (国务院令第310号 第五条: transfer within 24 hours of the approval — 35 hours after it is late even on
        the due date), any other by the day."""
        return self.status == "met" and met_late(self.unit, self.due_on, self.met_on, self.due_at, self.met_at)


@dataclass(frozen=True)
class PublicationRow:
    status: str
    published_on: dt.date | None
    reason: str | None


@dataclass
class CaseFacts:
    id: int
    case_no: str | None
    procedure: str
    stage: str
    discovered_on: dt.date
    filed_on: dt.date | None
    decided_on: dt.date | None
    served_on: dt.date | None
    closed_on: dt.date | None
    prior_notice_served_on: dt.date | None
    hearing_status: str
    decision_kind: str | None
    penalty_kinds: list
    fine_amount: Decimal | None
    benchmark: dict | None
    deviation_reason: str | None
    violation_codes: list
    criminal_crossings: list
    referral_status: str
    major_reasons: list
    discussion_reasons: list
    legal_review_status: str
    collective_discussion_on: dt.date | None
    summary_form_no: str | None
    officer_ids: list[int] = field(default_factory=list)
    acts: list[ActRow] = field(default_factory=list)
    documents: list[DocRow] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    publications: list[PublicationRow] = field(default_factory=list)
    people: dict[int, OfficerView] = field(default_factory=dict)  # with their 执法证 (lifecycle's view)
    trail_ok: bool = True
    trail_message: str = ""


@dataclass(frozen=True)
class CheckResult:
    check: str
    label: str
    ok: bool
    defects: int
    message: str
    article: str = ""
    findings: tuple[str, ...] = ()
    applicable: bool = True

    def as_dict(self) -> dict:
        return {"check": self.check, "label": self.label, "ok": self.ok, "defects": self.defects, "message": self.message,
                "article": self.article, "findings": list(self.findings), "applicable": self.applicable}


@dataclass(frozen=True)
class Config:
    """What the checks need beyond the case: which acts name officers (from the act declarations) and the
    agency's 音像记录事项清单 (from the rubric version)."""

    officer_fields: Mapping[str, str]
    recorded_investigation_kinds: frozenset[str] = frozenset({"on_site_inspection", "inquiry", "seizure"})
    recorded_hearing: bool = True
    recorded_service_methods: frozenset[str] = frozenset({"left_at_premises", "announcement"})

    @classmethod
    def of(cls, officer_fields: Mapping[str, str], recorded_acts: Mapping | None) -> Config:
        r = recorded_acts or {}
        base = cls(officer_fields)
        return cls(officer_fields,
                   frozenset(r.get("investigation", base.recorded_investigation_kinds)),
                   bool(r.get("hearing", base.recorded_hearing)),
                   frozenset(r.get("service_methods", base.recorded_service_methods)))


def _res(check: str, label: str, article: str, findings: list[str], ok_message: str) -> CheckResult:
    if findings:
        return CheckResult(check, label, False, len(findings), "；".join(findings), article, tuple(findings))
    return CheckResult(check, label, True, 0, ok_message, article)


def _na(check: str, label: str, article: str, why: str) -> CheckResult:
    return CheckResult(check, label, True, 0, f"不适用：{why}", article, (), False)


def _date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.datetime):
        return v.date()
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


_DAY_KEYS = ("acted_on", "collected_on", "filed_on", "decided_on", "formed_on")
_ACT_LABELS = {"file": "立案", "record_investigation_act": "调查取证", "add_evidence": "登记证据",
               "decide_on_the_spot": "当场处罚", "form_referral_team": "成立专案组"}


def _act_day(a: ActRow) -> dt.date:
    for k in _DAY_KEYS:
        if a.data.get(k):
            return _date(a.data[k]) or a.on
    return a.on


def _act_name(a: ActRow) -> str:
    kind = a.data.get("kind")
    label = INVESTIGATION_ACT_KINDS.get(kind) if a.action == "record_investigation_act" and kind else None
    return f"第{a.seq}号记录（{label or _ACT_LABELS.get(a.action, a.action)}，{_act_day(a).isoformat()}）"


# --- the checks ---------------------------------------------------------------------------------------------


def two_officers(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    """行政处罚法 第四十二条: 执法人员不得少于两人，持有效执法证件; 会签 completed."""
    label, art = "两名以上持证执法人员", f"{PENALTY_LAW}第四十二条"
    findings = []
    for a in c.acts:
        key = cfg.officer_fields.get(a.action)
        if not key:
            continue
        ids = [i for i in (a.data.get(key) or []) if isinstance(i, int)]
        day = _act_day(a)
        valid = [i for i in ids if i in c.people and c.people[i].credential_on(day) is not None]
        if len(valid) < 2:
            bad = [c.people[i].name for i in ids if i in c.people and i not in valid]
            extra = f"，{'、'.join(bad)}当日无有效执法证" if bad else ""
            findings.append(f"{_act_name(a)}持当日有效执法证的执法人员仅{len(valid)}人{extra}")
        if a.awaiting:
            names = "、".join(c.people[i].name if i in c.people else str(i) for i in a.awaiting)
            findings.append(f"{_act_name(a)}尚待{names}确认（会签未完成）")
    if c.decided_on and c.procedure == "ordinary":
        valid = [i for i in c.officer_ids if i in c.people and c.people[i].credential_on(c.decided_on) is not None]
        if len(valid) < 2:
            findings.append(f"作出决定之日（{c.decided_on.isoformat()}）本案持证承办人员仅{len(valid)}人")
    return _res("two_officers", label, art, findings, "每项执法活动均有两名以上持当日有效执法证的执法人员，会签已完成")


def required_documents(c: CaseFacts) -> list[tuple[str, str, dt.date | None, str]]:
    """(type, title, the date it must precede, what that date is) the file must hold, by procedure and outcome."""
    out: list[tuple[str, str, dt.date | None, str]] = []
    if c.procedure != "ordinary":
        return out
    if c.filed_on:
        out.append(("filing_approval", "立案审批表", None, ""))
    if c.prior_notice_served_on:
        out.append(("prior_notice", "行政处罚事先告知书", c.prior_notice_served_on, "告知书送达"))
    if c.legal_review_status == "approved":
        out.append(("legal_review_opinion", "法制审核意见书", c.decided_on, "作出决定"))
    if c.hearing_status == "held":
        out.append(("hearing_record", "听证笔录", c.decided_on, "作出决定"))
    if c.decision_kind == "penalty":
        out.append(("penalty_decision", "行政处罚决定书", c.served_on, "决定书送达"))
    elif c.decision_kind == "no_penalty":
        out.append(("no_penalty_decision", "不予行政处罚决定书", c.served_on, "决定书送达"))
    return out


NUMBERED = frozenset({"prior_notice", "legal_review_opinion", "penalty_decision", "no_penalty_decision"})


def documents(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "主要文书齐全、编号、先送达后实施", f"{PENALTY_LAW}第四十四条、第五十九条、第六十一条"
    if c.procedure != "ordinary":
        if not c.summary_form_no:
            return _res("documents", label, f"{PENALTY_LAW}第五十二条", ["当场处罚未记录预定格式决定书编号"], "")
        return CheckResult("documents", label, True, 0, "当场处罚决定书编号已记录", f"{PENALTY_LAW}第五十二条")
    live = {}
    for d in c.documents:
        if d.status != "voided":
            live.setdefault(d.doc_type, d)
    findings = []
    for code, title, before, what in required_documents(c):
        d = live.get(code)
        if d is None:
            findings.append(f"缺少{title}")
            continue
        if code in NUMBERED and not d.document_no:
            findings.append(f"{title}无文号")
        if before and d.doc_date and d.doc_date > before:
            findings.append(f"{title}落款日期（{d.doc_date.isoformat()}）晚于{what}（{before.isoformat()}）")
    return _res("documents", label, art, findings, "立案、告知、审核、决定等主要文书齐全，已编号，均在送达或实施前出具")


def _add_wd(cal: WorkingDayCalendar, start: dt.date, n: int) -> dt.date:
    """Working days; a year the calendar lacks is counted on the provisional calendar (weekends and statutory
    holidays), as the deadlines do until the year is loaded."""
    try:
        return cal.add_working_days(start, n)
    except CalendarDataMissing:
        return cal.provisional().add_working_days(start, n)


def _end_cal(cal: WorkingDayCalendar, start: dt.date, n: int) -> dt.date:
    try:
        return cal.end_of_calendar_period(start, n)
    except CalendarDataMissing:
        return cal.provisional().end_of_calendar_period(start, n)


_LATE_KINDS_SKIP = frozenset({"filing", "decision", "service"})  # counted from the case's own dates below


def deadlines(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    """Filing (市监程序规定 第十八条), decision (第六十条), service (第六十一条) and every recorded deadline."""
    label, art = "办案期限", f"{SAMR}第十八条；{PENALTY_LAW}第六十条、第六十一条"
    findings = []
    ext = {d.kind: (d.extended_days or 0) + (d.paused_days or 0) for d in c.deadlines}
    if c.procedure == "ordinary" and c.filed_on:
        due = _add_wd(cal, c.discovered_on, 15 + ext.get("filing", 0))
        if c.filed_on > due:
            findings.append(f"立案（{c.filed_on.isoformat()}）超过核查立案期限（{due.isoformat()}）")
    if c.procedure == "ordinary" and c.filed_on and c.decided_on:
        due = _end_cal(cal, c.filed_on, 90 + ext.get("decision", 0))
        if c.decided_on > due:
            findings.append(f"作出决定（{c.decided_on.isoformat()}）超过九十日办案期限（{due.isoformat()}）")
    if c.procedure == "ordinary" and c.decided_on and c.served_on:
        due = _add_wd(cal, c.decided_on, 7 + ext.get("service", 0))
        if c.served_on > due:
            findings.append(f"决定书送达（{c.served_on.isoformat()}）超过七个工作日（{due.isoformat()}）")
    for d in c.deadlines:
        if d.kind in _LATE_KINDS_SKIP:
            continue
        if d.status == "missed" or d.met_late:
            if d.unit == "hours" and d.due_at is not None:
                findings.append(f"{d.label}已逾期（到期时间{d.due_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}）")
            else:
                findings.append(f"{d.label}已逾期（到期日{d.due_on.isoformat() if d.due_on else '—'}）")
    return _res("deadlines", label, art, findings, "立案、决定、送达及其他法定期限均已遵守")


def legal_review(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "法制审核", f"{PENALTY_LAW}第五十八条"
    if not c.major_reasons or c.decision_kind != "penalty":
        return _na("legal_review", label, art, "本案不属于应当法制审核的重大执法决定")
    if c.legal_review_status != "approved":
        return _res("legal_review", label, art, [f"本案属于重大执法决定（{'；'.join(c.major_reasons)}），未经法制审核通过即作出决定"], "")
    return CheckResult("legal_review", label, True, 0, "重大执法决定已经法制审核通过", art)


def collective_discussion(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "集体讨论", f"{PENALTY_LAW}第五十七条第二款"
    if not c.discussion_reasons or c.decision_kind != "penalty":
        return _na("collective_discussion", label, art, "本案不属于应当集体讨论的情形")
    if c.collective_discussion_on is None:
        return _res("collective_discussion", label, art, [f"应当集体讨论（{'；'.join(c.discussion_reasons)}），无集体讨论记录"], "")
    if c.decided_on and c.collective_discussion_on > c.decided_on:
        return _res("collective_discussion", label, art, ["集体讨论晚于作出决定"], "")
    return CheckResult("collective_discussion", label, True, 0, "已经负责人集体讨论决定", art)


def referral(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "涉嫌犯罪移送（无以罚代刑）", f"{PENALTY_LAW}第二十七条；国务院令第310号第三条、第十一条"
    if not c.criminal_crossings:
        return _na("referral", label, art, "未达到刑事追诉标准")
    if c.decision_kind == "refer" or c.referral_status in REFERRAL_RESOLVED or c.referral_status in (
            "transferred", "receipted", "police_filed", "referred"):
        return CheckResult("referral", label, True, 0, "达到追诉标准的已依法移送或记录了不移送、不立案的理由", art)
    what = "；".join(str(x.get("offence") or x.get("reason") or x) if isinstance(x, dict) else str(x)
                    for x in c.criminal_crossings)
    return _res("referral", label, art, [f"本案达到刑事追诉标准（{what}），未移送公安机关即作出行政处罚"], "")


def benchmark(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "适用裁量基准", f"{PENALTY_LAW}第三十四条；国办发〔2022〕27号"
    if c.decision_kind != "penalty" or "fine" not in (c.penalty_kinds or ()) or c.fine_amount is None:
        return _na("benchmark", label, art, "本案未处以罚款")
    check = (c.benchmark or {}).get("check")
    if not c.benchmark:
        if not c.violation_codes:
            return _na("benchmark", label, art, "违法行为未关联裁量基准事项代码，由评查人员人工判断")
        return _res("benchmark", label, art, ["违法行为有裁量基准，但未适用裁量基准确定罚款"], "")
    status = (check or {}).get("status")
    if status == "above_legal_max":
        return _res("benchmark", label, art, ["罚款超过法定幅度"], "")
    if status in ("outside_tier", "mitigated") and not c.deviation_reason:
        return _res("benchmark", label, art, [f"罚款不在裁量阶次内（{(check or {}).get('message', '')}），未说明理由"], "")
    if status in ("outside_tier", "mitigated"):
        return CheckResult("benchmark", label, True, 0, "罚款偏离裁量阶次，已说明理由", art)
    return CheckResult("benchmark", label, True, 0, "已适用裁量基准，罚款在阶次内", art)


def publication(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "按期公示", "国办发〔2018〕118号；行政处罚法第四十八条"
    if c.procedure != "ordinary" or c.decision_kind != "penalty" or not c.decided_on:
        return _na("publication", label, art, "非普通程序作出的行政处罚决定")
    if not c.publications:
        return _res("publication", label, art, ["未见行政处罚决定的公示记录"], "")
    p = c.publications[0]
    if p.status in ("not_published", "excluded"):
        return CheckResult("publication", label, True, 0, f"依规定不公示：{p.reason or ''}", art)
    if p.status == "draft" or p.published_on is None:
        return _res("publication", label, art, ["处罚决定尚未公示"], "")
    due = next((d.due_on for d in c.deadlines if d.kind == "publication" and d.due_on), None)
    due = due or _add_wd(cal, c.decided_on, 7)
    if p.published_on > due:
        return _res("publication", label, art, [f"公示日期（{p.published_on.isoformat()}）晚于公示期限（{due.isoformat()}）"], "")
    return CheckResult("publication", label, True, 0, f"已于{p.published_on.isoformat()}按期公示", art)


def numbers(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "案号、文号", "GB/T 9704—2012 第7.2.5条"
    findings = []
    if c.procedure == "ordinary" and not c.case_no:
        findings.append("无案号")
    for d in c.documents:
        if d.status != "voided" and d.doc_type in NUMBERED and d.document_no and not d.document_no.endswith("号"):
            findings.append(f"文号“{d.document_no}”格式不规范")
    return _res("numbers", label, art, findings, f"案号{c.case_no or '（简易程序以决定书编号为准）'}及文号齐全")


def _local_day(t: dt.datetime) -> dt.date:
    return local_date(t)


def _covers(r: Recording, day: dt.date, st: dt.datetime | None, en: dt.datetime | None) -> bool:
    if st and en:
        return r.started_at <= st and r.ended_at >= en
    return _local_day(r.started_at) <= day <= _local_day(r.ended_at)


def recording(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    """全过程记录 (行政处罚法 第四十七条; 国办发〔2018〕118号): each act on the 音像记录事项清单 has a recording
    (device, officer, start and end, the file's hash) covering its time."""
    label, art = "音像记录事项全过程记录", f"{PENALTY_LAW}第四十七条；国办发〔2018〕118号"
    needed: list[tuple[str, dt.date, dt.datetime | None, dt.datetime | None]] = []
    for a in c.acts:
        if a.action == "record_investigation_act" and a.data.get("kind") in cfg.recorded_investigation_kinds:
            needed.append((_act_name(a), _act_day(a), None, None))
        elif a.action == "hold_hearing" and cfg.recorded_hearing:
            st, en = a.data.get("started_at"), a.data.get("ended_at")
            st = dt.datetime.fromisoformat(st) if isinstance(st, str) else st
            en = dt.datetime.fromisoformat(en) if isinstance(en, str) else en
            needed.append((f"第{a.seq}号记录（听证）", _date(a.data.get("held_on")) or a.on, st, en))
        elif a.action.startswith("serve_") and a.data.get("method") in cfg.recorded_service_methods:
            needed.append((f"第{a.seq}号记录（{SERVICE_METHODS[a.data['method']]}）", _date(a.data.get("served_on")) or a.on,
                           None, None))
    if not needed:
        return _na("recording", label, art, "本案没有音像记录事项清单所列的执法活动")
    usable = [r for r in c.recordings if r.started_at and r.ended_at and r.sha256 and r.device and r.recorded_by_id]
    incomplete = [r for r in c.recordings if r not in usable]
    findings = []
    for name, day, st, en in needed:
        if not any(_covers(r, day, st, en) for r in usable):
            findings.append(f"{name}没有覆盖其时间的音像记录")
    for r in incomplete:
        findings.append(f"音像记录“{r.title}”缺少设备、记录人、起止时间或文件")
    return _res("recording", label, art, findings, f"清单所列的{len(needed)}项执法活动均有覆盖其时间的音像记录")


def trail(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> CheckResult:
    label, art = "执法全过程记录可验证", f"{PENALTY_LAW}第四十七条"
    if not c.trail_ok:
        return _res("trail", label, art, [c.trail_message or "本案的执法记录验证不通过"], "")
    return CheckResult("trail", label, True, 0, c.trail_message or "本案的执法记录哈希链验证通过", art)


CHECKS: dict[str, Callable[[CaseFacts, WorkingDayCalendar, Config], CheckResult]] = {
    "two_officers": two_officers, "documents": documents, "deadlines": deadlines, "legal_review": legal_review,
    "collective_discussion": collective_discussion, "referral": referral, "benchmark": benchmark,
    "publication": publication, "numbers": numbers, "recording": recording, "trail": trail,
}


def run_all(c: CaseFacts, cal: WorkingDayCalendar, cfg: Config) -> list[CheckResult]:
    return [fn(c, cal, cfg) for fn in CHECKS.values()]


def defects_from(results: list[dict], rubric) -> tuple[dict[str, int], set[str]]:
    """Map check results onto the rubric: item defects and vetoes, for pre-filling the scoring form."""
    defects: dict[str, int] = {}
    vetoes: set[str] = set()
    for r in results:
        if r["ok"]:
            continue
        v = rubric.veto_for_check(r["check"])
        if v:
            vetoes.add(v.code)
            continue
        i = rubric.item_for_check(r["check"])
        if i:
            defects[i.code] = defects.get(i.code, 0) + int(r["defects"])
    return defects, vetoes
