"""The activity projection: what happened, who, when — per agency and per case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casebook.db.models import Activity, User
from casebook.domain.vocabulary import STAGES
from casebook.services.acts import ACTS
from events.envelope import Envelope

RECORD_LABELS = {
    "party.registered": "登记当事人",
    "party.updated": "更正当事人信息",
    "user.created": "新建用户",
    "credential.issued": "登记执法证",
    "calendar.day_overridden": "调整工作日历",
    "summary_forms.registered": "登记当场处罚决定书编号",
    "document.requested": "出具文书",
    "document.rendered": "文书已生成",
    "document.render_failed": "文书生成失败",
    "document.voided": "作废文书",
    "deadline.warning": "期限即将届满",
    "deadline.missed": "期限已逾期",
    "deadline.expired": "期限届满（未行使）",
    "deadline.calendar_missing": "缺少节假日数据，期限暂按法定节假日计算",
    "deadline.rescheduled": "按国务院公布的节假日安排重新计算期限",
    "calendar.notice_loaded": "载入年度节假日安排",
}


def describe(env: Envelope, actor_name: str | None) -> str:
    who = actor_name or "系统"
    action = env.payload.get("action")
    t = ACTS.get(action) if action else None
    if t is not None:
        text = f"{who}：{t.label}"
        to = env.payload.get("stage_to")
        if to and to != env.payload.get("stage_from"):
            text += f"（→{STAGES.get(to, to)}）"
        return text
    text = f"{who}：{RECORD_LABELS.get(env.type, env.type)}"
    if env.type.startswith("deadline.") and env.payload.get("label"):
        due = env.payload.get("due_on")
        text += f"——{env.payload['label']}" + (f"（{due}届满）" if due else "")
    return text


def project(s: Session, env: Envelope) -> None:
    actor_id = env.actor.get("id")
    name = s.get(User, actor_id).display_name if actor_id else None
    s.add(Activity(
        event_id=env.event_id, event_type=env.type, agency_id=env.agency_id, case_id=env.case_id,
        case_no=env.payload.get("case_no"), actor_id=actor_id, actor_name=name, summary=describe(env, name)[:500],
        occurred_at=env.occurred_at,
    ))
