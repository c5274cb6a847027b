"""Wake the relay when an act commits outbox rows, instead of leaving it to its fallback poll.

In process: `outbox_written(session)` (called by `services.recording` whenever it inserts outbox
rows) flags the session; an SQLAlchemy `after_commit` hook on every session then sets the
`threading.Event` of each relay running in this process. Across processes on PostgreSQL: the same
transaction sends `NOTIFY casebook_outbox` (delivered by PostgreSQL only if it commits), and a relay
LISTENs on a connection of its own (`PgListener`). A lost wake-up costs at most one poll interval.
"""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from casebook.db import raw

log = logging.getLogger("casebook.relay")

CHANNEL = "casebook_outbox"
_FLAG = "casebook.outbox_written"
_NOTIFY = text(f"NOTIFY {CHANNEL}")
_waiters: weakref.WeakSet[threading.Event] = weakref.WeakSet()
_waiters_lock = threading.Lock()


def subscribe(ev: threading.Event) -> None:
    """Set `ev` whenever a session of this process commits outbox rows."""
    with _waiters_lock:
        _waiters.add(ev)


def unsubscribe(ev: threading.Event) -> None:
    with _waiters_lock:
        _waiters.discard(ev)


def outbox_written(s: Session, *, notify_sent: bool = False) -> None:
    """Mark `s`'s transaction as having written outbox rows (NOTIFY once per transaction on PostgreSQL).

    `notify_sent`: the caller already sent the NOTIFY inside one of its own statements.
    """
    info = s.info
    if info.get(_FLAG):
        return
    info[_FLAG] = True
    if not notify_sent:
        conn = raw.connection(s)
        if conn.dialect.name == "postgresql":
            conn.execute(_NOTIFY)


def notify_pending(s: Session) -> bool:
    """Whether this transaction has already NOTIFYed (so a writer need not send another)."""
    return bool(s.info.get(_FLAG))


def wake_all() -> None:
    with _waiters_lock:
        waiters = list(_waiters)
    for ev in waiters:
        ev.set()


@event.listens_for(Session, "after_commit")
def _after_commit(s: Session) -> None:
    if s.info.pop(_FLAG, False):
        wake_all()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(s: Session, _previous_transaction) -> None:
    s.info.pop(_FLAG, None)


class PgListener:
    """LISTEN for outbox notifications on a dedicated PostgreSQL connection; set `wakeup` on each.

    Runs in its own daemon thread; reconnects after errors. Each (re)connection sets `wakeup` once, since
    notifications sent while it was away are lost.
    """

    def __init__(self, sqlalchemy_url: str, wakeup: threading.Event):
        from sqlalchemy.engine import make_url

        u = make_url(sqlalchemy_url)
        self.dsn = u.set(drivername="postgresql").render_as_string(hide_password=False)
        self.wakeup = wakeup
        self.stop_event = threading.Event()
        self.listening = threading.Event()
        self.thread = threading.Thread(target=self._run, name="casebook-relay-listen", daemon=True)

    def start(self) -> PgListener:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def _run(self) -> None:
        import psycopg

        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.wakeup.set()
                    backoff = 0.5
                    while not self.stop_event.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.wakeup.set()
            except Exception as e:  # noqa: BLE001 — the database is away: the poll covers us; retry
                self.listening.clear()
                if self.stop_event.is_set():
                    return
                log.warning("relay listener: %s; retrying in %.1fs", e, backoff)
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
