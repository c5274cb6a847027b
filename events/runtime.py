"""Run the relay and the worker: as threads in one process (embedded), or one per process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from casebook.config import Settings

from .relay import Relay
from .topology import Topology
from .worker import Worker

log = logging.getLogger("casebook.events")


def topology_for(settings: Settings) -> Topology:
    return Topology(prefix=settings.broker_prefix, retry_delay_ms=settings.retry_delay_ms)


def make_relay(sessions: sessionmaker[Session], settings: Settings, **kw) -> Relay:
    return Relay(sessions, settings.broker_url, topology_for(settings), batch=settings.relay_batch,
                 poll_interval=settings.relay_poll_ms / 1000, **kw)


def make_worker(sessions: sessionmaker[Session], settings: Settings, **kw) -> Worker:
    return Worker(sessions, settings.broker_url, topology_for(settings), prefetch=settings.prefetch,
                  max_retries=settings.max_retries, gap_resend_s=settings.event_gap_resend_s,
                  gap_timeout_s=settings.event_gap_timeout_s, **kw)


@dataclass
class Background:
    """Relay and worker threads sharing one process (the embedded mode and the tests)."""

    relay: Relay
    worker: Worker
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Background:
        t1 = threading.Thread(target=self.relay.run, args=(self.stop_event,), name="casebook-relay", daemon=True)
        t2 = threading.Thread(target=self._work, name="casebook-worker", daemon=True)
        self.threads = [t1, t2]
        for t in self.threads:
            t.start()
        return self

    def _work(self):
        try:
            self.worker.run()
        except Exception:  # noqa: BLE001 — log: the embedded process keeps serving
            log.exception("worker thread stopped")

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        self.worker.should_stop = True
        self.relay.wakeup.set()
        for t in self.threads:
            t.join(timeout)


def start_background(sessions: sessionmaker[Session], settings: Settings, **kw) -> Background:
    return Background(make_relay(sessions, settings, **kw), make_worker(sessions, settings, **kw)).start()
