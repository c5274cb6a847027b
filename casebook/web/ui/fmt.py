"""How values read on the pages: dates 2024-03-05, money 12,500.00, deadlines in words (never colour alone)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from casebook.domain import deadlines as dl
from casebook.domain import lifecycle as lc
from casebook.domain.deadlines import local_date
from casebook.domain.fields import CASE_SOURCE_LABELS
from casebook.domain.lifecycle import DECISION_KINDS, PENALTY_KINDS, ROLE_LABELS, STAGES
from casebook.services.acts import ACTS
from casebook.services.context import LOCAL_TZ, local_today

PROCEDURES = {"ordinary": "普通程序", "summary": "简易程序", "fast": "快速办理"}
STAGE_TONE = {"lead": "grey", "filed": "blue", "investigating": "blue", "investigation_closed": "blue",
              "prior_notice": "orange", "hearing": "orange", "decided": "blue", "served": "blue", "executing": "blue",
              "closed": "green", "archived": "green", "declined": "grey", "suspended": "grey", "terminated": "grey"}
STEPS = [("立案", ("lead", "filed")), ("调查取证", ("investigating",)), ("审核", ("investigation_closed", "prior_notice", "hearing")),
         ("决定", ("decided",)), ("送达", ("served",)), ("执行", ("executing",)), ("结案", ("closed", "archived"))]
REVIEW_STATUS = {"none": "无需审核", "required": "需法制审核", "submitted": "已提交审核", "assigned": "审核中",
                 "under_review": "审核中", "approved": "审核通过", "returned": "审核退回"}
REFERRAL_STATUS = lc.REFERRAL_STATUS
TRAIL_ROLE = {**ROLE_LABELS, "system": "系统"}


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


def deadline_badge(d: dict | None) -> dict | None:
    """A deadline as words and a tone: 已超期N天 (red), 即将到期 (orange), 剩余N天 (…到期), 已办结 (grey)."""
    if not d:
        return None
    today = local_today()
    due = d.get("due_on")
    due = dt.date.fromisoformat(due) if isinstance(due, str) else due
    unit = "个工作日" if d.get("unit") == "working_days" else "天"
    provisional = " （暂定）" if d.get("calendar_missing_year") else ""
    if d.get("status") in ("met", "cancelled"):
        return {"tone": "grey", "text": "已办结", "label": d.get("label")}
    if due is None:
        return {"tone": "grey", "text": "到期日待定" + provisional, "label": d.get("label")}
    days = (due - today).days
    when = f"{due.month}月{due.day}日到期"
    if d.get("overdue") or days < 0:
        return {"tone": "red", "text": f"已超期{max(-days, 0)}天（{when}）", "label": d.get("label"), "due": due}
    warn = d.get("warn_on")
    warn = dt.date.fromisoformat(warn) if isinstance(warn, str) else warn
    if (warn and today >= warn) or days <= 3:
        return {"tone": "orange", "text": f"即将到期：剩余{days}天（{when}）{provisional}", "label": d.get("label"), "due": due}
    return {"tone": "blue", "text": f"剩余{days}天（{when}）{provisional}", "label": d.get("label"), "due": due,
            "unit": unit}


OTHER_ACTIONS = {"document.requested": "出具文书", "document.rendered": "文书已生成", "document.voided": "作废文书",
                 "case_file.requested": "组卷", "deadline.extended": "延长期限", "deadline.met": "期限已履行"}


def label_of(action: str) -> str:
    """A trail action in Chinese: case.file → 立案."""
    code = action.removeprefix("case.")
    t = ACTS.get(code)
    return t.label if t else OTHER_ACTIONS.get(action, action)


def install(app) -> None:
    app.jinja_env.filters.update(date=date, datetime=datetime, money=money)
    app.jinja_env.globals.update(
        STAGES=STAGES, PROCEDURES=PROCEDURES, STAGE_TONE=STAGE_TONE, ROLE_LABELS=ROLE_LABELS, PENALTY_KINDS=PENALTY_KINDS,
        DECISION_KINDS=DECISION_KINDS, REVIEW_STATUS=REVIEW_STATUS, REFERRAL_STATUS=REFERRAL_STATUS, TRAIL_ROLE=TRAIL_ROLE,
        deadline_badge=deadline_badge, STEPS=STEPS, label_of=label_of,
        DEADLINE_KINDS={k: v.label for k, v in dl.KINDS.items()}, CASE_SOURCES=CASE_SOURCE_LABELS,
    )
