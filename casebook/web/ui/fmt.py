"""How values read on the pages: dates 2024-03-05, money 12,500.00, deadlines in words (never colour alone)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from casebook.documents.context import CASE_FILE
from casebook.domain import deadlines as dl
from casebook.domain import lifecycle as lc
from casebook.domain.deadlines import local_date
from casebook.domain.fields import CASE_SOURCE_LABELS
from casebook.domain.lifecycle import DECISION_KINDS, PENALTY_KINDS, ROLE_LABELS, STAGES
from casebook.domain.vocabulary import DOCUMENT_STATUSES, TRAIL_ACTIONS
from casebook.services.acts import ACTS
from casebook.services.context import LOCAL_TZ, local_today
from schemas.documents import DOCUMENT_TYPES

PROCEDURES = {"ordinary": "普通程序", "summary": "简易程序", "fast": "快速办理"}
STAGE_TONE = {"lead": "grey", "filed": "blue", "investigating": "blue", "investigation_closed": "blue",
              "prior_notice": "orange", "hearing": "orange", "decided": "blue", "served": "blue", "executing": "blue",
              "closed": "green", "archived": "green", "declined": "grey", "suspended": "grey", "terminated": "grey"}
STEPS = [("立案", ("lead", "filed")), ("调查取证", ("investigating",)), ("审核", ("investigation_closed", "prior_notice", "hearing")),
         ("决定", ("decided",)), ("送达", ("served",)), ("执行", ("executing",)), ("结案", ("closed", "archived"))]
#: 简易程序 (行政处罚法 第五十一条、第五十二条): decided and served on the spot, never 立案'd, investigated or reviewed.
SUMMARY_STEPS = [("当场作出决定", ()), ("送达", ("served",)), ("执行", ("executing",)), ("结案", ("closed", "archived"))]
REVIEW_STATUS = {"none": "无需审核", "required": "需法制审核", "submitted": "已提交审核", "assigned": "审核中",
                 "under_review": "审核中", "approved": "审核通过", "returned": "审核退回"}
REFERRAL_STATUS = lc.REFERRAL_STATUS
TRAIL_ROLE = {**ROLE_LABELS, "system": "系统"}
#: A document's title by its type (the bound case file included: documents.context.CASE_FILE).
DOC_TITLES = {**{code: t.title for code, t in DOCUMENT_TYPES.items()}, CASE_FILE: "案卷"}


def date(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, str):
        return v[:10]
    if isinstance(v, dt.datetime):
        return local_date(v).isoformat()
    return v.isoformat()


def datetime(v, seconds: bool = False) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
    return v.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def money(v) -> str:
    if v is None or v == "":
        return ""
    return f"{Decimal(str(v)):,.2f}"


def _page_calendar():
    """The working-day calendar for this request (the services' cached one), or None outside a request."""
    from flask import g, has_app_context

    if not has_app_context():
        return None
    cal = g.get("_casebook_calendar")
    if cal is None:
        from casebook.services.calendar import get_calendar
        from casebook.web.tx import read_session_factory

        with read_session_factory()() as s:
            cal = g._casebook_calendar = get_calendar(s)
    return cal


def _hours_left(d: dict) -> int | None:
    """An hour-counted deadline's whole hours left (negative: past due; a started hour counts whole), else None."""
    if d.get("unit") != "hours" or d.get("due_at") is None:
        return None
    due_at = d["due_at"]
    due_at = dt.datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
    left = (due_at - dt.datetime.now(dt.UTC)).total_seconds() / 3600
    return math.ceil(left) if left > 0 else -math.ceil(-left)


def remaining(d: dict, today: dt.date, calendar=None) -> str:
    """What is left of an open deadline before it is due, in the deadline's own unit (UI: 「剩余3个工作日」): working
    days for a working-day deadline (行政处罚法 第八十五条), hours for an hour-counted one (移送 24 小时), else days."""
    due = d.get("due_on")
    due = dt.date.fromisoformat(due) if isinstance(due, str) else due
    unit = d.get("unit")
    hours = _hours_left(d)
    if hours is not None:
        return f"剩余{max(hours, 0)}小时"
    if due == today:
        return "今日到期"
    if unit == "working":
        cal = calendar if calendar is not None else _page_calendar()
        if cal is not None:  # a year without its notice is counted as the deadline was: provisionally (（暂定）)
            return f"剩余{cal.provisional().working_days_between(today, due)}个工作日"
    return f"剩余{(due - today).days}天"


_BADGE_FIELDS = ("kind", "unit", "due_on", "due_at", "warn_on", "status", "calendar_missing_year")


def deadline_badge(d, calendar=None) -> dict | None:
    """A deadline as words and a tone: 已超期N天 (red), 即将到期 (orange), 剩余N个工作日 / N天 / N小时 (…到期), 已办结 and
    a party's window closed unused, 期满未行使 (grey). The time left is named in the deadline's own unit (`remaining`)."""
    if not d:
        return None
    if not isinstance(d, dict):  # a deadline row (the approvals' and the referral board's)
        d = {k: getattr(d, k, None) for k in _BADGE_FIELDS}
    today = local_today()
    due = d.get("due_on")
    due = dt.date.fromisoformat(due) if isinstance(due, str) else due
    provisional = " （暂定）" if d.get("calendar_missing_year") else ""
    if d.get("status") in ("met", "cancelled"):
        return {"tone": "grey", "text": "已办结", "label": d.get("label")}
    if due is None:
        return {"tone": "grey", "text": "到期日待定" + provisional, "label": d.get("label")}
    days = (due - today).days
    when = f"{due.month}月{due.day}日到期"
    if d.get("unit") == "hours" and d.get("due_at") is not None:  # 移送 within 24 hours: the hour it falls due
        when = f"{due.month}月{due.day}日 {datetime(d['due_at'])[11:]}到期"
    k = dl.KINDS.get(d.get("kind"))
    if d.get("status") == "expired" or (k is not None and k.window and days < 0 and not d.get("overdue")):
        # a party's window (陈述申辩、听证申请 …) that closed unused is not the agency's lateness: no red
        return {"tone": "grey", "text": f"{dl.STATUSES['expired']}（{due.month}月{due.day}日届满）", "label": d.get("label"),
                "due": due}
    hours = _hours_left(d)
    if hours is not None and hours <= 0:  # 移送 within 24 hours (国务院令第310号第五条): late by the hour, not the day
        return {"tone": "red", "text": f"已超期{max(-hours, 1)}小时（{when}）", "label": d.get("label"), "due": due}
    if d.get("overdue") or days < 0:
        return {"tone": "red", "text": f"已超期{max(-days, 0)}天（{when}）", "label": d.get("label"), "due": due}
    left = remaining(d, today, calendar)
    what = f"{left}（{when.removesuffix('到期')}）" if left == "今日到期" else f"{left}（{when}）"
    warn = d.get("warn_on")
    warn = dt.date.fromisoformat(warn) if isinstance(warn, str) else warn
    if (warn and today >= warn) or days <= 3:
        return {"tone": "orange", "text": f"即将到期：{what}{provisional}", "label": d.get("label"), "due": due}
    return {"tone": "blue", "text": f"{what}{provisional}", "label": d.get("label"), "due": due}


def case_ref(c) -> str:
    """How a list names a case (a mapping or an object): its 案号; an on-the-spot case, which has none (简易程序 is not
    立案), by its 当场处罚决定书 number; a lead by its number in the system."""
    get = c.get if isinstance(c, dict) else (lambda k: getattr(c, k, None))
    if get("case_no"):
        return get("case_no")
    if get("summary_form_no"):
        return get("summary_form_no")
    return ("当场处罚" if get("procedure") == "summary" else "案源") + f"（编号{get('id')}）"


def label_of(action: str, payload: dict | None = None) -> str:
    """A trail action in Chinese: case.file → 立案 (the act's declaration), deadline.planned → 计算期限
    (`vocabulary.TRAIL_ACTIONS`); a deadline's entry names its deadline (计算期限：作出处罚决定期限) when `payload`,
    the entry's own, is given, and a deadline met says it as its kind does (`DeadlineKind.met_label`)."""
    t = ACTS.get(action.removeprefix("case.")) if action.startswith("case.") else None
    if t is not None:
        return t.label
    text = TRAIL_ACTIONS.get(action, action)
    if payload and action.startswith("deadline.") and isinstance(payload.get("label"), str):
        k = dl.KINDS.get(payload.get("kind"))
        if action == "deadline.met" and k is not None and k.met_label:  # 追责时效：时效内发现, not 期限已履行
            return f"{payload['label']}：{k.met_label}"
        text += "：" + payload["label"]
    return text


def install(app) -> None:
    app.jinja_env.filters.update(date=date, datetime=datetime, money=money)
    app.jinja_env.globals.update(
        STAGES=STAGES, PROCEDURES=PROCEDURES, STAGE_TONE=STAGE_TONE, ROLE_LABELS=ROLE_LABELS, PENALTY_KINDS=PENALTY_KINDS,
        DECISION_KINDS=DECISION_KINDS, REVIEW_STATUS=REVIEW_STATUS, REFERRAL_STATUS=REFERRAL_STATUS, TRAIL_ROLE=TRAIL_ROLE,
        deadline_badge=deadline_badge, DUTY_LABELS=dl.DUTY_LABELS, STEPS=STEPS, SUMMARY_STEPS=SUMMARY_STEPS, label_of=label_of, case_ref=case_ref, DOC_TITLES=DOC_TITLES,
        DOCUMENT_STATUSES=DOCUMENT_STATUSES,
        DEADLINE_KINDS={k: v.label for k, v in dl.KINDS.items()}, CASE_SOURCES=CASE_SOURCE_LABELS,
    )
