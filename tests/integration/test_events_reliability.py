"""Failure drills on real RabbitMQ: the broker away for 60 s under write load, and kill -9 of the relay
and the worker mid-batch. Nothing is lost, nothing is applied twice (inbox compared with outbox)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from casebook.seed import demo_user
from casebook.services.cases import register_lead
from casebook.services.context import actor_for
from events.runtime import start_background
from tests.helpers import delivery_state, wait_until

pytestmark = [pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture
def transport():
    """These drills need the real broker (overrides the memory/RabbitMQ parametrisation)."""
    from tests.conftest import REQUIRED, _amqp_available

    problem = _amqp_available()
    if problem:
        if "rabbitmq" in REQUIRED:
            pytest.fail(f"RabbitMQ is required here but {problem}")
        pytest.skip(problem)
    return "rabbitmq"


def _unsent(sessions) -> int:
    from sqlalchemy import func, select

    from casebook.db.models import OutboxEvent

    with sessions() as s:
        return s.execute(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))).scalar_one()


def _applied(sessions) -> int:
    from sqlalchemy import func, select

    from casebook.db.models import ConsumerInbox

    with sessions() as s:
        return s.execute(select(func.count()).select_from(ConsumerInbox)).scalar_one()


def _write_leads(sessions, settings, n: int) -> None:
    with sessions() as s:
        user = demo_user(s, "zhangwei")
    for i in range(n):
        with sessions() as s, s.begin():
            actor = actor_for(s, s.merge(user))
            register_lead(s, actor, {"source": "complaint", "cause": f"演练案源{i}", "discovered_on": _day()},
                          settings=settings)


def _day():
    import datetime as dt

    return dt.date(2026, 3, 2)


def _exactly_once(sessions) -> dict:
    st = delivery_state(sessions)
    ok = st["unsent"] == 0 and set(st["inbox"]) == st["outbox"]
    return ok and st


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.mark.parametrize("backend", ["postgres"])  # the production pairing: PostgreSQL + RabbitMQ
def test_writes_succeed_while_the_broker_is_down_for_a_minute_and_the_backlog_drains_once(
        backend, sessions, event_settings):
    bg = start_background(sessions, event_settings)
    stop = threading.Event()
    written, errors = [0], []

    def writer():
        with sessions() as s:
            user = demo_user(s, "zhangwei")
        while not stop.is_set():
            try:
                with sessions() as s, s.begin():
                    register_lead(s, actor_for(s, s.merge(user)),
                                  {"source": "complaint", "cause": "断网演练", "discovered_on": _day()},
                                  settings=event_settings)
                written[0] += 1
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))
            time.sleep(0.05)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        wait_until(lambda: written[0] >= 20, what="writes under way")
        _rabbitmqctl("stop_app")
        down_at = written[0]
        time.sleep(60)
        during = written[0] - down_at
        backlog = delivery_state(sessions)["unsent"]
        _rabbitmqctl("start_app")
        _rabbitmqctl("await_startup")
        time.sleep(3)
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=120)
        stop.set()
        t.join(10)
    try:
        st = wait_until(lambda: _exactly_once(sessions), timeout=180, what="backlog drained")
    finally:
        bg.stop()
    assert errors == [] and during > 100 and backlog > 100
    assert len(st["inbox"]) == len(st["outbox"]) and len(st["activity"]) == len(set(st["activity"])) == len(st["outbox"])


def _spawn(kind: str, settings, batch: int = 50) -> subprocess.Popen:
    env = {**os.environ, "CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir),
           "CASEBOOK_BROKER_URL": settings.broker_url, "CASEBOOK_BROKER_PREFIX": settings.broker_prefix,
           "CASEBOOK_RETRY_DELAY_MS": "200", "CASEBOOK_RELAY_BATCH": str(batch), "CASEBOOK_PREFETCH": "20"}
    return subprocess.Popen([sys.executable, "-m", "casebook.cli", kind], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _kill9(p: subprocess.Popen) -> None:
    os.kill(p.pid, signal.SIGKILL)
    p.wait(10)


def test_kill_9_of_relay_and_worker_mid_batch_loses_nothing_and_applies_nothing_twice(
        sessions, read_sessions, event_settings):
    _write_leads(sessions, event_settings, 1500)
    total = len(delivery_state(sessions)["outbox"])
    relay = _spawn("relay", event_settings, batch=20)
    wait_until(lambda: _unsent(read_sessions) < total, timeout=30, interval=0.005, what="relay under way")
    _kill9(relay)
    after_kill = _unsent(read_sessions)
    assert 0 < after_kill < total, "the relay was not killed mid-way"
    worker = _spawn("worker", event_settings)
    relay = _spawn("relay", event_settings, batch=20)
    wait_until(lambda: _applied(read_sessions) >= 50, timeout=60, interval=0.005, what="worker under way")
    _kill9(worker)
    mid = _applied(read_sessions)
    assert mid < total, "the worker was not killed mid-way"
    worker = _spawn("worker", event_settings)
    try:
        st = wait_until(lambda: _exactly_once(sessions), timeout=120, what="everything applied")
    finally:
        for p in (relay, worker):
            p.terminate()
            p.wait(10)
    assert len(st["inbox"]) == total and len(st["activity"]) == len(set(st["activity"])) == total
