"""Operational figures: outbox backlog, oldest unsent age, queue depth and consumers, dead letters."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db.models import DeadLetter, utcnow

from .handlers import GROUPS
from .relay import backlog
from .topology import connect


def collect(s: Session, settings: Settings, *, broker: bool = True) -> dict:
    unsent, oldest_age = backlog(s)
    dead = s.execute(select(func.count()).select_from(DeadLetter).where(DeadLetter.replayed_at.is_(None))).scalar_one()
    gaps = waiting_on_gaps(s, grace_s=settings.event_gap_resend_s,
                           window_s=max(3600.0, 4 * settings.event_gap_timeout_s))
    out = {"outbox_unsent": unsent, "oldest_unsent_age_s": round(oldest_age, 3) if oldest_age is not None else None,
           "dead_letters": dead, "events_waiting_on_gap": sum(g["events"] for g in gaps.values()),
           "gaps": gaps, "queues": {}}
    if broker:
        out["queues"] = queue_depths(settings)
    return out


def waiting_on_gaps(s: Session, *, grace_s: float = 10.0, window_s: float = 86400.0, limit: int = 5000) -> dict:
    """Per handler group: events held back because an earlier event of their case, relayed more than
    `grace_s` ago, is still not applied (a lost or stuck message), the cases, and the longest wait.

    Looks at events relayed in the last `window_s` (a running worker dead-letters a gap long before).
    """
    import datetime as dt

    from events.worker import unapplied

    now = utcnow()
    since = now - dt.timedelta(seconds=window_s)
    out: dict = {}
    for name, group in GROUPS.items():
        by_case: dict[int, list] = {}
        for r in unapplied(s, group, since=since, limit=limit):
            if r.case_id is not None and r.case_seq is not None:
                by_case.setdefault(r.case_id, []).append(r)
        waiting, cases, oldest = 0, [], 0.0
        for case_id, rows in by_case.items():
            if len(rows) < 2:
                continue
            first = min(rows, key=lambda r: r.case_seq)
            sent = first.sent_at if first.sent_at.tzinfo else first.sent_at.replace(tzinfo=dt.UTC)
            age = (now - sent).total_seconds()
            if age < grace_s:
                continue
            waiting += len(rows) - 1
            cases.append(case_id)
            oldest = max(oldest, age)
        if waiting:
            out[name] = {"events": waiting, "cases": sorted(cases)[:20], "oldest_wait_s": round(oldest, 1)}
    return out


def queue_depths(settings: Settings) -> dict:
    """Depth and consumer count per handler queue (passive declare; never creates a queue)."""
    from .runtime import topology_for

    topo = topology_for(settings)
    result: dict = {}
    try:
        with connect(settings.broker_url) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            ch = conn.channel()
            names = [topo.queue_name(g) for g in GROUPS] + [topo.dead_queue.name]
            for name in names:
                try:
                    _, depth, consumers = ch.queue_declare(queue=name, passive=True)
                    result[name] = {"depth": depth, "consumers": consumers}
                except Exception:  # noqa: BLE001 — a queue not declared yet
                    result[name] = {"depth": None, "consumers": None}
                    ch = conn.channel()
    except Exception as e:  # noqa: BLE001 — broker away: report it, do not fail the status
        result["error"] = f"消息队列不可用：{e}"
    return result
