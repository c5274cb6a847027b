"""Problem models: what 行政执法监督条例 (国务院令第825号) asks supervisors to look for, as SQL over the cases.

Each model is a row of MODELS: a code, a Chinese label, the article it serves, default thresholds, and a
detector — one aggregate query returning the hits (never a loop over cases). A run (nightly from the
scheduler, or on demand by a supervisor) upserts one finding per (model, key) with the cases behind it;
a finding no longer hit stays with its status and is marked no longer present. Supervisors move a finding's
status (open → explained / corrected, with a note); every change is trailed.

Thresholds are configuration: `problem_model_settings` rows override the defaults per model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from sqlalchemy import case, func, literal, null, or_, select, update
from sqlalchemy.orm import Session

from casebook.db.models import Agency, Case, CaseAct, Deadline, User, utcnow
from casebook.db.models_supervision import Finding, FindingCase, ProblemModelSetting, ProblemRun
from casebook.domain.deadlines import LOCAL_TZ, add_years
from casebook.domain.errors import NotFound, ValidationFailed
from casebook.domain.lifecycle import REFERRAL_RESOLVED

from .context import SYSTEM, Actor, deny, require_role
from .recording import record
from .statistics import met_late

STATUSES = {"open": "待核查", "explained": "已说明", "corrected": "已纠正"}
SUPERVISION_LAW = "行政执法监督条例（国务院令第825号）"


@dataclass(frozen=True)
class Hit:
    key: str
    agency_id: int
    summary: str
    case_ids: tuple[int, ...] = ()
    officer_id: int | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    code: str
    label: str
    basis: str
    explain: str
    defaults: dict
    detect: Callable[[Session, dict, dt.date], list[Hit]]


c = Case.__table__.c
dl = Deadline.__table__.c


#: What names a case in a finding: its 案号, else (简易程序, never 立案) its 当场行政处罚决定书 number.
_CASE_NAME = func.coalesce(c.case_no, literal("第") + c.summary_form_no + literal("号当场行政处罚决定书"))


def _named(name: str | None, case_id: int) -> str:
    """A case as a finding names it (`_CASE_NAME`): 山亭市监立〔2026〕6号案件 (a 案号 ends in 号 already), an on-the-spot
    case by its decision form, a case with neither by its number in the system."""
    if not name:
        return f"编号{case_id}的案件"
    return f"{name}所涉案件" if name.endswith("决定书") else f"{name}案件"


def _since(p: dict, as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=int(p["window_days"]))


def _ymd(d) -> str:
    return d.isoformat() if d else "—"


# --- the detectors ------------------------------------------------------------------------------------------


def _unfiled_leads(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """有案不立: a lead neither filed nor declined after its filing deadline (市场监管行政处罚程序规定 第十八条),
    or, without a planned deadline, `fallback_days` after it was discovered."""
    grace = dt.timedelta(days=int(p["grace_days"]))
    overdue = select(dl.case_id, func.min(dl.due_on).label("due")).where(
        dl.kind == "filing", dl.status.in_(("open", "missed")), dl.due_on < as_of - grace).group_by(dl.case_id).subquery()
    planned = select(dl.case_id).where(dl.kind == "filing")
    q1 = select(c.id, c.agency_id, c.cause, c.discovered_on, overdue.c.due).join(overdue, overdue.c.case_id == c.id).where(
        c.stage == "lead")
    q2 = select(c.id, c.agency_id, c.cause, c.discovered_on, null()).where(
        c.stage == "lead", c.discovered_on < as_of - dt.timedelta(days=int(p["fallback_days"])), c.id.not_in(planned))
    out = []
    for cid, aid, cause, disc, due in [*s.execute(q1), *s.execute(q2)]:
        when = f"核查立案期限{_ymd(due)}已过" if due else f"发现已逾{p['fallback_days']}日"
        out.append(Hit(f"case:{cid}", aid, f"线索「{cause}」（{_ymd(disc)}发现）{when}，仍未立案或作出不予立案决定",
                       (cid,), details={"discovered_on": _ymd(disc), "due_on": _ymd(due)}))
    return out


def _penalty_not_referred(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """以罚代刑: a penalty decided on a case that crossed a criminal threshold, with no referral settled. The act
    itself refuses this (lifecycle.no_penalty_instead_of_referral); the model proves it stays at zero."""
    q = select(c.id, c.agency_id, _CASE_NAME, c.decided_on).where(
        c.decision_kind == "penalty", c.decided_on >= _since(p, as_of), c.criminal_suspicion.is_(True),
        c.referral_status.not_in(REFERRAL_RESOLVED))
    return [Hit(f"case:{cid}", aid, f"{_named(no, cid)}涉嫌犯罪（达到立案追诉标准），{_ymd(d)}作出行政处罚而未完成移送",
                (cid,), details={"decided_on": _ymd(d)}) for cid, aid, no, d in s.execute(q)]


def _repeat_fines(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """以罚代管: the same party fined `min_fines` times or more for the same violation item within the window,
    and not one of those decisions ordered correction (责令改正, 行政处罚法 第二十八条)."""
    item = c.benchmark["item"].as_string()
    decide = CaseAct.__table__.c
    corrected = select(decide.case_id).where(decide.action == "decide",
                                             func.coalesce(decide.data["correction_order"].as_string(), "") != "")
    q = (select(c.agency_id, c.party_id, item.label("item"), func.count(), func.sum(c.fine_amount),
                func.count(case((c.id.in_(corrected), 1))))
         .where(c.decision_kind == "penalty", c.fine_amount.is_not(None), c.party_id.is_not(None), item.is_not(None),
                c.decided_on >= _since(p, as_of), c.decided_on <= as_of)
         .group_by(c.agency_id, c.party_id, item)
         .having(func.count() >= int(p["min_fines"])))
    out = []
    for aid, party, it, n, total, n_corrected in s.execute(q):
        if n_corrected:
            continue
        ids = tuple(s.execute(select(c.id).where(c.agency_id == aid, c.party_id == party, item == it,
                                                 c.decision_kind == "penalty", c.decided_on >= _since(p, as_of),
                                                 c.decided_on <= as_of).order_by(c.id)).scalars())
        out.append(Hit(f"party:{party}:{it}:{aid}", aid,
                       f"同一当事人因同一违法行为（{it}）在{p['window_days']}日内被罚款{n}次、共{Decimal(total or 0):.2f}元，"
                       "均未责令改正", ids, details={"party_id": party, "item": it, "fines": n}))
    return out


def _fine_outliers(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """趋利性执法 signals: an agency (or an officer among the agency's officers) whose fine total is more than
    `ratio` times the peers' median, or whose share of severe-tier (从重) fines exceeds the peers' by `severe_delta`."""
    since = _since(p, as_of)
    tier = c.benchmark["tier"].as_string()
    base = [c.decision_kind == "penalty", c.fine_amount.is_not(None), c.decided_on >= since, c.decided_on <= as_of]
    agencies = list(s.execute(select(c.agency_id, func.count(), func.sum(c.fine_amount),
                                     func.count(case((tier == "severe", 1)))).where(*base).group_by(c.agency_id)))
    out = []

    def flag(level: str, key_id: int, aid: int, n, total, severe, peers, name: str, officer_id=None):
        others = [x for x in peers if x[0] != key_id]
        if n < int(p["min_fines"]) or not others:
            return
        peer_total = median(float(x[2] or 0) for x in others)
        peer_share = median((x[3] or 0) / x[1] for x in others if x[1])
        share = (severe or 0) / n
        reasons = []
        if peer_total and float(total or 0) > float(p["ratio"]) * peer_total:
            reasons.append(f"罚款总额{Decimal(total):.2f}元，为同类中位数{peer_total:.2f}元的{float(total) / peer_total:.1f}倍")
        if share - peer_share > float(p["severe_delta"]):
            reasons.append(f"从重处罚占比{share:.0%}，同类中位数为{peer_share:.0%}")
        if reasons:
            out.append(Hit(f"{level}:{key_id}:{since.isoformat()}", aid, f"{name}：" + "；".join(reasons), (),
                           officer_id, {"fines": n, "total": str(total), "severe_share": round(share, 3)}))

    names = dict(s.execute(select(Agency.id, Agency.name)).all())
    for aid, n, total, severe in agencies:
        flag("agency", aid, aid, n, total, severe, agencies, names.get(aid, str(aid)))
    officers = list(s.execute(select(c.agency_id, c.lead_officer_id, func.count(), func.sum(c.fine_amount),
                                     func.count(case((tier == "severe", 1))))
                              .where(*base, c.lead_officer_id.is_not(None)).group_by(c.agency_id, c.lead_officer_id)))
    people = dict(s.execute(select(User.id, User.display_name).where(User.id.in_({r[1] for r in officers}))).all()) if officers else {}
    for aid, uid, n, total, severe in officers:
        peers = [(u, n2, t2, s2) for a2, u, n2, t2, s2 in officers if a2 == aid]
        flag("officer", uid, aid, n, total, severe, peers, f"执法人员{people.get(uid, uid)}", officer_id=uid)
    return out


def _period_end_fines(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """趋利性执法 signal: an agency's fines of a year concentrated in its last month (December) — the share of the
    year's fines decided then above `last_month_share` (an even spread is 1/12)."""
    year = func.extract("year", c.decided_on)
    dec = func.extract("month", c.decided_on) == 12
    q = (select(c.agency_id, year.label("y"), func.count(), func.count(case((dec, 1))))
         .where(c.decision_kind == "penalty", c.fine_amount.is_not(None), c.decided_on >= _since(p, as_of),
                c.decided_on <= as_of)
         .group_by(c.agency_id, year).having(func.count() >= int(p["min_fines"])))
    out = []
    for aid, y, n, n_dec in s.execute(q):
        share = (n_dec or 0) / n
        if share > float(p["last_month_share"]):
            out.append(Hit(f"agency:{aid}:{int(y)}", aid, f"{int(y)}年罚款{n}件中{n_dec}件（{share:.0%}）集中于12月作出",
                           (), details={"year": int(y), "fines": n, "december": n_dec}))
    return out


def _outside_tier_no_reason(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """A fine outside its benchmark tier (or mitigated below the legal minimum) with no reason written
    (行政处罚法 第三十四条; 国办发〔2022〕27号 on 裁量基准)."""
    status = c.benchmark["check"]["status"].as_string()
    q = select(c.id, c.agency_id, _CASE_NAME, c.fine_amount, status).where(
        c.decision_kind == "penalty", c.decided_on >= _since(p, as_of), status.in_(("outside_tier", "mitigated")),
        func.coalesce(func.trim(c.deviation_reason), "") == "")
    return [Hit(f"case:{cid}", aid, f"{_named(no, cid)}罚款{Decimal(f or 0):.2f}元超出裁量基准阶次，未说明理由", (cid,),
                details={"check": st}) for cid, aid, no, f, st in s.execute(q)]


def _exemption_refused(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
    """免罚不落实: a fine decided on a party the exemption rules would have spared, with no reason recorded on the
    decision (`no_exemption_reason`) for not applying them (行政处罚法 第三十三条; 国办发〔2022〕27号 on 免罚清单).
    Eligible when (1) the rule check recorded on the case found the exemption's conditions met, or (2) the item
    is on a 免罚清单 in force on the decision day (不予处罚 / 首违不罚), the case's amounts are within the list
    item's caps and the party had no penalty for the same item in the `lookback_years` before, or (3) the recorded
    circumstances meet 第三十三条第一款's 初次违法、危害后果轻微并及时改正 (可以不予行政处罚)."""
    from casebook.domain import general_provisions as gp

    from . import catalogue as cat

    decide = CaseAct.__table__.c
    reasoned = select(decide.case_id).where(
        decide.action == "decide", func.coalesce(func.trim(decide.data["no_exemption_reason"].as_string()), "") != "")
    item = c.benchmark["item"].as_string()
    rows = list(s.execute(select(c.id, c.agency_id, _CASE_NAME, c.party_id, item, c.decided_on, c.fine_amount,
                                 c.exemption, c.circumstances, c.illegal_gains, c.goods_value, c.sales_amount,
                                 c.turnover, c.advertising_fee).where(
        c.decision_kind == "penalty", c.fine_amount.is_not(None), c.decided_on >= _since(p, as_of),
        c.decided_on <= as_of, c.id.not_in(reasoned))))
    if not rows:
        return []
    parties = {r[3] for r in rows if r[3] is not None}
    history: dict[tuple, list[tuple[int, dt.date]]] = {}
    spared: dict[tuple, list[tuple[int, dt.date]]] = {}  # earlier 不予处罚 for an established violation (首违 used up)
    if parties:
        for cid, party, it, day, kind, ex, circ in s.execute(select(
                c.id, c.party_id, item, c.decided_on, c.decision_kind, c.exemption, c.circumstances).where(
                c.party_id.in_(parties), c.decision_kind.in_(("penalty", "no_penalty")), c.decided_on.is_not(None),
                c.stage != "terminated", item.is_not(None))):
            if kind == "penalty":
                history.setdefault((party, it), []).append((cid, day))
            elif cat.spared_violation(ex, circ):
                spared.setdefault((party, it), []).append((cid, day))
    years = int(p["lookback_years"])
    reg = cat.registry(s)
    may_spare = [g for g in gp.GROUNDS if g.effect == "may_no_penalty"]
    out = []
    for cid, aid, no, party, it, day, fine, ex, circ, *amounts in rows:
        facts = dict(zip(("illegal_gains", "goods_value", "sales_amount", "turnover", "advertising_fee"), amounts, strict=True))
        def within(found, party=party, it=it, cid=cid, day=day):
            return [x for x, d in found.get((party, it), ()) if x != cid and add_years(d, years) >= day and d <= day]

        earlier, spared_before = within(history), within(spared)
        why = None
        if isinstance(ex, dict) and ex.get("eligible"):
            why = f"规则校验认定当事人符合免罚清单事项{ex.get('item') or ''}的条件"
        elif it and party is not None and not earlier:
            for catalogue, listed in reg.exemptions_for(it, day):
                # 第三十三条第一款 初次违法: a party spared once for the item is not a first offender again; an amount
                # never recorded does not show the cap held (as `checks.exemption`).
                if listed.kind in ("no_penalty", "first_offence") and not (
                        spared_before and "first_offence" in listed.conditions) and all(
                        facts.get(f) is not None and facts[f] <= cap for f, cap in listed.max_amounts):
                    why = (f"违法行为事项{it}列入《{catalogue.name}》（{listed.code}，"
                           f"{'首违不罚' if listed.kind == 'first_offence' else '不予处罚'}），且当事人{years}年内无同一违法行为的处罚记录")
                    break
        if why is None:
            met = [g for g in may_spare if g.codes <= set(circ or ())]
            if met:
                why = f"认定的情节符合{met[0].article}（{met[0].text}）"
        if why:
            out.append(Hit(f"case:{cid}", aid, f"{_named(no, cid)}：{why}，仍于{_ymd(day)}作出罚款{Decimal(fine or 0):.2f}元的决定，"
                           "未写明不予免罚的理由", (cid,), details={"item": it, "decided_on": _ymd(day)}))
    return out


def _hm(at: dt.datetime) -> str:
    """An instant as Beijing time to the minute (an hour-counted deadline is due at an hour, not on a day)."""
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _late(kind: str, what: str, article: str):
    def detect(s: Session, p: dict, as_of: dt.date) -> list[Hit]:
        # late as deadlines.settle judges it: an hour-counted deadline (国务院令第310号 第五条) by the instant
        late = or_(dl.status == "missed", met_late(dl))
        q = (select(dl.case_id, dl.agency_id, dl.due_on, dl.met_on, _CASE_NAME, dl.unit, dl.due_at, dl.met_at)
             .join(Case.__table__, c.id == dl.case_id)
             .where(dl.kind == kind, late, dl.due_on >= _since(p, as_of), dl.due_on <= as_of))
        out = []
        for cid, aid, due, met, no, unit, due_at, met_at in s.execute(q):
            by_hour = unit == "hours" and due_at is not None
            when = _hm(due_at) if by_hour else _ymd(due)
            done = (_hm(met_at) if by_hour and met_at is not None else _ymd(met)) if met else None
            out.append(Hit(f"case:{cid}:{due.isoformat()}", aid,
                           f"{_named(no, cid)}{what}期限{when}，" + (f"{done}才完成" if done else "逾期未完成") + f"（{article}）",
                           (cid,), details={"due_on": _ymd(due), "met_on": _ymd(met)}))
        return out
    return detect


MODELS: dict[str, Model] = {m.code: m for m in [
    Model("unfiled_lead", "有案不立", f"{SUPERVISION_LAW}；市场监督管理行政处罚程序规定第十八条",
          "线索超过核查立案期限仍未立案或作出不予立案决定", {"grace_days": 0, "fallback_days": 45}, _unfiled_leads),
    Model("penalty_not_referred", "以罚代刑", "行政执法机关移送涉嫌犯罪案件的规定（国务院令第310号）第十一条；行政处罚法第二十七条",
          "达到刑事立案追诉标准的案件作出行政处罚而未移送（系统已在决定时拦截，本模型证明其为零）",
          {"window_days": 3650}, _penalty_not_referred),
    Model("repeat_fines", "以罚代管", f"{SUPERVISION_LAW}；行政处罚法第二十八条",
          "同一当事人因同一违法行为被反复罚款而未责令改正", {"window_days": 365, "min_fines": 3}, _repeat_fines),
    Model("fine_outlier", "趋利性执法：罚款偏离同类", SUPERVISION_LAW,
          "执法主体或执法人员罚款总额、从重处罚占比显著偏离同类",
          {"window_days": 365, "min_fines": 5, "ratio": 2.0, "severe_delta": 0.25}, _fine_outliers),
    Model("period_end_fines", "趋利性执法：罚款集中于年末", SUPERVISION_LAW, "一年的罚款集中在12月作出",
          {"window_days": 730, "min_fines": 8, "last_month_share": 0.25}, _period_end_fines),
    Model("outside_tier_no_reason", "超出裁量基准未说明理由", "行政处罚法第三十四条；国办发〔2022〕27号",
          "罚款超出裁量基准阶次或减轻处罚而未写明理由", {"window_days": 365}, _outside_tier_no_reason),
    Model("exemption_refused", "应免罚未免罚", "行政处罚法第三十三条；国办发〔2022〕27号；行政执法监督条例（国务院令第825号）",
          "当事人符合免罚清单（不予处罚、首违不罚）或行政处罚法第三十三条的条件——规则校验已认定，或事项列入免罚清单且回溯期内"
          "无同一违法行为的处罚记录，或认定了初次违法、危害后果轻微并及时改正的情节——仍被罚款，且决定未写明不予免罚的理由",
          {"window_days": 365, "lookback_years": 2}, _exemption_refused),
    Model("late_decision", "超期作出处理决定", "行政处罚法第六十条", "立案后超过法定期限作出处理决定",
          {"window_days": 365}, _late("decision", "作出处理决定", "行政处罚法第六十条")),
    Model("late_service", "文书超期送达", "行政处罚法第六十一条", "处罚决定书超过七个工作日送达",
          {"window_days": 365}, _late("service", "送达处罚决定书", "行政处罚法第六十一条")),
]}


# --- configuration ---------------------------------------------------------------------------------------------


def model_settings(s: Session) -> dict[str, tuple[bool, dict]]:
    """(enabled, params) per model: the defaults with the stored overrides laid over them."""
    rows = {r.code: r for r in s.execute(select(ProblemModelSetting)).scalars()}
    out = {}
    for code, m in MODELS.items():
        r = rows.get(code)
        out[code] = (r.enabled if r else True, {**m.defaults, **((r.params or {}) if r else {})})
    return out


def update_settings(s: Session, actor: Actor, code: str, *, enabled: bool | None = None,
                    params: dict | None = None) -> ProblemModelSetting:
    """Change a model's thresholds (admin or supervisor); unknown keys and non-numbers refused; trailed."""
    require_role(actor, "admin", "supervisor", what="problem_models.settings")
    m = MODELS.get(code)
    if m is None:
        raise NotFound("没有这个问题模型", code="problem_model_not_found")
    params = params or {}
    errors = {}
    for k, v in params.items():
        if k not in m.defaults:
            errors[k] = [f"模型「{m.label}」没有阈值 {k}"]
        elif isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            errors[k] = ["须为非负数"]
    if errors:
        raise ValidationFailed("问题模型阈值有误", code="validation_failed", errors=errors)
    row = s.get(ProblemModelSetting, code) or ProblemModelSetting(code=code, enabled=True, params={})
    row.params = {**(row.params or {}), **params}
    if enabled is not None:
        row.enabled = enabled
    row.updated_by, row.updated_at = actor.user_id, utcnow()
    s.add(row)
    s.flush()
    record(s, actor, "problem_model.settings_changed", {"model": code, "enabled": row.enabled, "params": row.params},
           agency_id=actor.agency_id)
    return row


# --- runs ------------------------------------------------------------------------------------------------------


def run(s: Session, actor: Actor = SYSTEM, *, as_of: dt.date, trigger: str = "nightly",
        only: tuple[str, ...] | None = None) -> ProblemRun:
    """Run the enabled models (or those in `only`) and upsert their findings; return the run."""
    if actor is not SYSTEM:
        require_role(actor, "supervisor", what="problem_models.run")
    r = ProblemRun(trigger=trigger, requested_by=actor.user_id, as_of=as_of, counts={})
    s.add(r)
    s.flush()
    counts = {}
    for code, (enabled, params) in model_settings(s).items():
        if not enabled or (only and code not in only):
            continue
        hits = MODELS[code].detect(s, params, as_of)
        counts[code] = len(hits)
        existing = {f.key: f for f in s.execute(select(Finding).where(Finding.model == code,
                                                                        Finding.key.in_([h.key for h in hits]))).scalars()} if hits else {}
        for h in hits:
            f = existing.get(h.key)
            if f is None:
                f = Finding(model=code, key=h.key, agency_id=h.agency_id, officer_id=h.officer_id, status="open",
                            first_run_id=r.id, details={})
                s.add(f)
            f.summary, f.last_run_id, f.still_present = h.summary, r.id, True
            f.details = {**(f.details or {}), **h.details, "params": params}
            have = {fc.case_id for fc in f.cases}
            f.cases.extend(FindingCase(case_id=cid) for cid in h.case_ids if cid not in have)
        s.flush()
        s.execute(update(Finding).where(Finding.model == code, Finding.last_run_id != r.id).values(still_present=False))
    r.counts, r.finished_at = counts, utcnow()
    s.flush()
    return r


def run_nightly(sessions) -> int | None:
    """The scheduler's nightly job: one run over every enabled model, as of today's Beijing date."""
    from .context import local_today

    with sessions() as s, s.begin():
        r = run(s, SYSTEM, as_of=local_today(), trigger="nightly")
        return sum(r.counts.values())


# --- reading and moving findings ---------------------------------------------------------------------------------


def _scope(actor: Actor, what: str) -> frozenset[int]:
    if "supervisor" in actor.roles:
        return actor.read_scope
    if "agency_head" in actor.roles:
        return frozenset({actor.agency_id})
    raise deny(actor, what, "您的角色无权查看问题模型的发现", "role_not_allowed")


def list_findings(s: Session, actor: Actor, *, model: str | None = None, status: str | None = None,
                  limit: int = 200) -> list[dict]:
    """Findings in the actor's scope (supervisors: the district; heads: their agency), newest first, with cases."""
    scope = _scope(actor, "problem_findings.list")
    q = select(Finding).where(Finding.agency_id.in_(sorted(scope)))
    if model:
        q = q.where(Finding.model == model)
    if status:
        q = q.where(Finding.status == status)
    rows = list(s.execute(q.order_by(Finding.id.desc()).limit(limit)).scalars())
    case_ids = {fc.case_id for f in rows for fc in f.cases}
    cases = {r.id: r._asdict() for r in s.execute(select(c.id, c.case_no, c.summary_form_no, c.procedure)
                                                   .where(c.id.in_(case_ids)))} if case_ids else {}
    names = dict(s.execute(select(Agency.id, Agency.name)).all())
    return [{"id": f.id, "model": f.model, "model_label": MODELS[f.model].label if f.model in MODELS else f.model,
             "agency_id": f.agency_id, "agency": names.get(f.agency_id), "summary": f.summary, "status": f.status,
             "status_label": STATUSES.get(f.status, f.status), "status_note": f.status_note, "status_at": f.status_at,
             "still_present": f.still_present, "created_at": f.created_at,
             "history": (f.details or {}).get("history", []),
             "cases": [{"case_no": None, **cases.get(fc.case_id, {}), "id": fc.case_id} for fc in f.cases]} for f in rows]


def set_status(s: Session, actor: Actor, finding_id: int, status: str, note: str | None) -> Finding:
    """A supervisor marks a finding explained or corrected (a note says how), or opens it again; trailed."""
    require_role(actor, "supervisor", what="problem_findings.status")
    f = s.get(Finding, finding_id, with_for_update=True)
    if f is None or f.agency_id not in actor.read_scope:
        if f is not None:
            deny(actor, "problem_findings.status", "not in scope", "not_found")
        raise NotFound("未找到该问题线索", code="finding_not_found")
    note = (note or "").strip()
    errors = {}
    if status not in STATUSES:
        errors["status"] = ["须为 open、explained 或 corrected"]
    if status in ("explained", "corrected") and not note:
        errors["note"] = ["请填写说明或纠正情况"]
    if len(note) > 2000:
        errors["note"] = ["不超过2000字"]
    if errors:
        raise ValidationFailed("问题线索状态有误", code="validation_failed", errors=errors)
    before = f.status
    now = utcnow()
    f.status, f.status_note, f.status_by, f.status_at = status, note or None, actor.user_id, now
    history = list((f.details or {}).get("history", []))
    history.append({"from": before, "to": status, "note": note, "by": actor.username, "at": now.isoformat()})
    f.details = {**(f.details or {}), "history": history}
    s.flush()
    record(s, actor, "problem_finding.status_changed",
           {"finding_id": f.id, "model": f.model, "from": before, "to": status, "note": note}, agency_id=f.agency_id)
    return f


def latest_run(s: Session) -> ProblemRun | None:
    return s.execute(select(ProblemRun).order_by(ProblemRun.id.desc()).limit(1)).scalar_one_or_none()
