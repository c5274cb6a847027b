"""The event backbone, one contract suite on both transports (kombu memory, real RabbitMQ) and both
databases: committed acts are published after commit and applied exactly once, in per-case order;
poison and failing messages are dead-lettered while the rest keep flowing."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from kombu import Producer
from sqlalchemy import select

from casebook.db.models import Activity, ConsumerInbox, DeadLetter, OutboxEvent
from events.handlers import GROUPS, HandlerGroup
from events.runtime import Background, make_relay, make_worker, topology_for
from events.topology import connect
from tests.helpers import delivery_state, wait_until


@pytest.fixture
def run_events(sessions, event_settings):
    """Start relay + worker threads with the given handler groups; stop them after the test."""
    started: list[Background] = []

    def start(groups=None, relays=1, workers=1):
        groups = groups or GROUPS
        bgs = []
        for i in range(max(relays, workers)):
            relay = make_relay(sessions, event_settings, groups=groups) if i < relays else None
            worker = make_worker(sessions, event_settings, groups=groups) if i < workers else None
            bg = Background(relay or make_relay(sessions, event_settings, groups=groups), worker)
            if relay is None:
                bg.relay.run = lambda stop: stop.wait()
            if worker is None:
                bg.worker = None
            bgs.append(bg)
        for bg in bgs:
            _start(bg)
            started.append(bg)
        return bgs

    yield start
    for bg in started:
        bg.stop_event.set()
        bg.relay.wakeup.set()
        if bg.worker is not None:
            bg.worker.should_stop = True
        for t in bg.threads:
            t.join(10)


def _start(bg: Background):
    t1 = threading.Thread(target=bg.relay.run, args=(bg.stop_event,), daemon=True)
    bg.threads = [t1]
    if bg.worker is not None:
        bg.threads.append(threading.Thread(target=bg.worker.run, daemon=True))
    for t in bg.threads:
        t.start()


def _all_applied(sessions, consumer="activity"):
    st = delivery_state(sessions, consumer)
    return st["unsent"] == 0 and set(st["inbox"]) == st["outbox"] and st


def test_committed_acts_reach_the_activity_projection_exactly_once(api, sessions, run_events):
    run_events()
    cid = api.noticed_case()
    st = wait_until(lambda: _all_applied(sessions), what="every event applied")
    assert len(st["inbox"]) == len(set(st["inbox"])) == len(st["outbox"])
    assert sorted(st["activity"]) == sorted(st["outbox"])
    body = api.get(f"/api/v1/activity?case_id={cid}").get_json()
    summaries = [a["summary"] for a in reversed(body["items"])]
    assert summaries[0] == "张伟：案源登记（→案源登记）"
    assert summaries[1] == "赵敏：立案（→已立案）"
    assert summaries[-1] == "张伟：送达行政处罚事先告知书（→已告知）"
    # Another agency sees nothing of it; the supervisor sees it in the agency feed.
    assert api.get(f"/api/v1/activity?case_id={cid}", who="chenjie").status_code == 404
    assert any(a["case_id"] == cid for a in api.get("/api/v1/activity?limit=200", who="wujing").get_json()["items"])


def test_events_of_one_case_are_applied_in_case_order_even_when_delivered_out_of_order(api, sessions, event_settings,
                                                                                    run_events):
    applied: list[tuple[int, int]] = []
    group = HandlerGroup("order", ("#",), lambda s, env: applied.append((env.case_id, env.case_seq)))
    cid = api.investigated_case()
    # Publish this case's events newest first, by hand, before any relay runs.
    topo = topology_for(event_settings)
    from events.envelope import to_message

    with sessions() as s:
        rows = s.execute(select(OutboxEvent).where(OutboxEvent.case_id == cid).order_by(OutboxEvent.case_seq.desc())).scalars().all()
        messages = [to_message(r) for r in rows]
    with connect(event_settings.broker_url) as conn:
        topo.declare(conn, {"order": group.bindings})
        p = Producer(conn.channel())
        for msg in messages:
            p.publish(msg, exchange=topo.exchange, routing_key=msg["type"], serializer="json", headers={"x-retries": 0})
    run_events(groups={"order": group})
    wait_until(lambda: len([a for a in applied if a[0] == cid]) >= len(messages), what="all applied")
    seqs = [seq for c, seq in applied if c == cid]
    assert seqs == sorted(seqs) == list(range(1, len(messages) + 1))
    # The relay then publishes the same events again: every one is a duplicate, absorbed by the inbox.
    wait_until(lambda: delivery_state(sessions, "order")["unsent"] == 0, what="relay drained")
    import time

    time.sleep(0.5)
    assert [seq for c, seq in applied if c == cid] == seqs


def test_a_poison_message_is_dead_lettered_and_the_others_keep_flowing(api, sessions, event_settings, run_events):
    run_events()
    topo = topology_for(event_settings)
    with connect(event_settings.broker_url) as conn:
        topo.declare(conn, {"activity": ("#",)})
        p = Producer(conn.channel())
        envelope = {"event_id": str(uuid.uuid4()), "type": "case.exploded", "version": 1,
                    "occurred_at": "2026-03-02T01:00:00+00:00", "agency_id": 2, "case_id": None, "case_seq": None,
                    "actor": {"id": None}, "payload": {}}
        p.publish(envelope, exchange=topo.exchange, routing_key="case.exploded", serializer="json")
        p.publish({**envelope, "event_id": str(uuid.uuid4()), "type": "case.filed", "version": 7},
                  exchange=topo.exchange, routing_key="case.filed", serializer="json")
        p.publish("not an object", exchange=topo.exchange, routing_key="case.filed", serializer="json")
    api.lead()
    wait_until(lambda: _all_applied(sessions), what="valid events applied")
    # Every group bound to a poison message dead-letters it; the activity group (bound to "#") gets all three.
    wait_until(lambda: len(_dead(sessions, "activity")) == 3, what="three dead letters")
    with sessions() as s:
        dead = s.execute(select(DeadLetter).where(DeadLetter.consumer == "activity").order_by(DeadLetter.id)).scalars().all()
    errors = " ".join(d.error for d in dead)
    assert "unknown event case.exploded v1" in errors and "unknown event case.filed v7" in errors
    assert "not a JSON object" in errors


def test_a_failing_handler_is_retried_then_dead_lettered_with_its_error(api, sessions, event_settings, run_events):
    calls: dict[str, int] = {}

    def flaky(s, env):
        calls[env.event_id] = calls.get(env.event_id, 0) + 1
        if env.type == "case.lead_registered" and calls[env.event_id] == 1:
            raise RuntimeError("transient failure")
        if env.type == "case.lead_updated":
            raise ValueError("this handler cannot cope")

    group = HandlerGroup("flaky", ("case.#",), flaky)
    run_events(groups={"flaky": group})
    cid = api.lead()
    api.act(cid, "update_lead", {"cause": "改一下"})
    api.act(cid, "decline_to_file", {"ground": "no_violation", "reason": "不构成违法"}, who="zhaomin")

    def done():
        with sessions() as s:
            return len(s.execute(select(ConsumerInbox).where(ConsumerInbox.consumer == "flaky")).all()) == 3

    wait_until(done, what="three events settled")
    with sessions() as s:
        inbox = {r.event_id: r.status for r in s.execute(select(ConsumerInbox).where(ConsumerInbox.consumer == "flaky")).scalars()}
        dead = s.execute(select(DeadLetter).where(DeadLetter.consumer == "flaky")).scalars().all()
        ids = dict(s.execute(select(OutboxEvent.type, OutboxEvent.event_id).where(OutboxEvent.case_id == cid)).all())
    assert calls[ids["case.lead_registered"]] == 2 and inbox[ids["case.lead_registered"]] == "applied"
    assert calls[ids["case.lead_updated"]] == 3  # first try + max_retries (2)
    assert inbox[ids["case.lead_updated"]] == "dead_lettered"
    assert len(dead) == 1 and dead[0].retries == 2 and "this handler cannot cope" in dead[0].error
    # The next event of the case was not held up by the dead one.
    assert inbox[ids["case.declined"]] == "applied"


def test_a_replayed_dead_letter_is_applied_once(api, sessions, event_settings, run_events):
    from events.worker import replay_dead_letter

    broken = {"on": True}

    def handler(s, env):
        if broken["on"]:
            raise RuntimeError("down")

    run_events(groups={"broken": HandlerGroup("broken", ("case.lead_registered",), handler)})
    api.lead()
    wait_until(lambda: _dead(sessions), what="dead letter")
    broken["on"] = False
    dead_id = _dead(sessions)[0]
    assert replay_dead_letter(sessions, event_settings.broker_url, topology_for(event_settings), dead_id)
    assert not replay_dead_letter(sessions, event_settings.broker_url, topology_for(event_settings), dead_id)

    def applied():
        with sessions() as s:
            return s.execute(select(ConsumerInbox.status).where(ConsumerInbox.consumer == "broken")).scalars().all() == ["applied"]

    wait_until(applied, what="replayed event applied")


def _dead(sessions, consumer: str | None = None):
    with sessions() as s:
        q = select(DeadLetter.id).where(DeadLetter.replayed_at.is_(None))
        if consumer:
            q = q.where(DeadLetter.consumer == consumer)
        return s.execute(q).scalars().all()


def test_two_relays_and_two_workers_still_apply_each_event_once(api, sessions, run_events):
    run_events(relays=2, workers=2)
    for _ in range(15):
        api.lead()
    st = wait_until(lambda: _all_applied(sessions), what="every event applied")
    assert len(st["inbox"]) == len(st["outbox"]) and len(st["activity"]) == len(set(st["activity"])) == len(st["outbox"])


def test_events_are_validated_before_the_outbox(sessions):
    from marshmallow import ValidationError

    from events.contracts import UnknownEvent, validate_event

    with pytest.raises(UnknownEvent):
        validate_event("case.exploded", 1, {})
    with pytest.raises(ValidationError):
        validate_event("case.filed", 1, {"action": "file", "stage_from": "lead", "stage_to": "filed", "data": {}, "x": 1})


def test_health_and_status_report_backlog_and_dead_letters(api, sessions, event_settings):
    api.lead()
    from events.status import collect

    with sessions() as s:
        info = collect(s, event_settings, broker=False)
    assert info["outbox_unsent"] > 0 and info["oldest_unsent_age_s"] >= 0 and info["dead_letters"] == 0
    h = api.get("/api/v1/health", "admin").get_json()  # the detail is for administrators (issue 11)
    assert h["outbox_unsent"] == info["outbox_unsent"]
    assert json.dumps(h)
    with sessions() as s:
        assert s.execute(select(Activity)).first() is None  # nothing consumed without a worker
