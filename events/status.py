"""Operational figures: outbox backlog, oldest unsent age, queue depth and consumers, dead letters."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.config import Settings
from casebook.db.models import DeadLetter

from .handlers import GROUPS
from .relay import backlog
from .topology import connect


def collect(s: Session, settings: Settings, *, broker: bool = True) -> dict:
    unsent, oldest_age = backlog(s)
    dead = s.execute(select(func.count()).select_from(DeadLetter).where(DeadLetter.replayed_at.is_(None))).scalar_one()
    out = {"outbox_unsent": unsent, "oldest_unsent_age_s": round(oldest_age, 3) if oldest_age is not None else None,
           "dead_letters": dead, "queues": {}}
    if broker:
        out["queues"] = queue_depths(settings)
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
