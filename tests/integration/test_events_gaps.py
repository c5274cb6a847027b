"""The relay is woken by a commit (not by its poll), and a lost event never holds its case forever.

Run on both databases and both transports. A message lost in transit (the embedded memory transport
keeps nothing across a kill -9) is simulated by marking its outbox row sent without publishing it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from casebook.db.models import ConsumerInbox, DeadLetter, OutboxEvent, utcnow
from events.handlers import GROUPS
from events.runtime import Background, make_relay, make_worker
from tests.helpers import delivery_state, wait_until

ACTIVITY = {"activity": GROUPS["activity"]}


@pytest.fixture
def start(sessions):
    """Start one relay and one worker thread (the activity group only) with the given settings; stop them after."""
    running: list[Background] = []

    def go(settings, relay_kw=None, **worker_kw):
        bg = Background(make_relay(sessions, settings, groups=ACTIVITY, **(relay_kw or {})),
                        make_worker(sessions, settings, groups=ACTIVITY, **worker_kw))
        bg.threads = [threading.Thread(target=bg.relay.run, args=(bg.stop_event,), daemon=True),
                      threading.Thread(target=bg.worker.run, daemon=True)]
        for t in bg.threads:
            t.start()
        running.append(bg)
        return bg

    yield go
    for bg in running:
        bg.stop()


def _lose_unsent(sessions, cid: int) -> list[str]:
    """Mark the case's unsent outbox rows sent without publishing them: as if lost after the broker's confirm."""
    unsent = (OutboxEvent.sent_at.is_(None), OutboxEvent.case_id == cid)
    with sessions() as s, s.begin():
        ids = s.execute(select(OutboxEvent.event_id).where(*unsent).order_by(OutboxEvent.case_seq)).scalars().all()
        s.execute(update(OutboxEvent).where(*unsent).values(sent_at=utcnow()))
    return ids


def _inbox(sessions, consumer="activity") -> dict[str, str]:
    with sessions() as s:
        return dict(s.execute(select(ConsumerInbox.event_id, ConsumerInbox.status)
                              .where(ConsumerInbox.consumer == consumer)).all())


def _case_events(sessions, cid) -> list[str]:
    with sessions() as s:
        return s.execute(select(OutboxEvent.event_id).where(OutboxEvent.case_id == cid)
                         .order_by(OutboxEvent.case_seq)).scalars().all()


def _never_polls(event_settings):
    """No fallback poll within any test's lifetime: only a wake-up can get an event published."""
    return dataclasses.replace(event_settings, relay_poll_ms=3_600_000)


def _quiet(relay):
    """Wait until the relay has published what was there at start and sleeps on its poll."""
    wait_until(lambda: not relay.wakeup.is_set(), what="relay idle")


def test_a_committed_act_wakes_the_relay_in_the_same_process(api, sessions, event_settings, start):
    bg = start(_never_polls(event_settings))
    _quiet(bg.relay)
    import time

    time.sleep(0.3)
    api.lead()
    wait_until(lambda: (st := delivery_state(sessions)) and st["unsent"] == 0 and set(st["inbox"]) == st["outbox"],
               what="the lead's event applied without a poll")


@pytest.mark.postgres
def test_a_committed_act_wakes_a_relay_in_another_process_through_listen_notify(api, sessions, event_settings, start,
                                                                                  backend):
    if backend != "postgres":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; an embedded SQLite process wakes its relay in process")
    bg = start(_never_polls(event_settings), relay_kw={"wake_in_process": False})
    wait_until(lambda: bg.relay.listener is not None and bg.relay.listener.listening.is_set(), what="LISTEN")
    import time

    time.sleep(0.3)
    api.lead()
    wait_until(lambda: (st := delivery_state(sessions)) and st["unsent"] == 0 and set(st["inbox"]) == st["outbox"],
               what="the lead's event applied on NOTIFY alone")


def test_a_new_handler_group_is_not_back_filled_at_start_up(api, sessions, event_settings, start):
    from events.worker import resend_unapplied

    cid = api.lead()
    _lose_unsent(sessions, cid)
    from events.runtime import topology_for

    assert resend_unapplied(sessions, event_settings.broker_url, topology_for(event_settings), ACTIVITY) == {"activity": 0}


def test_a_rolled_back_act_does_not_leave_a_wake_up_pending_for_the_next_transaction(sessions):
    from casebook.db.wake import notify_pending, outbox_written

    with sessions() as s:
        with s.begin():
            outbox_written(s)
            assert notify_pending(s)
            s.rollback()
        with s.begin():
            assert not notify_pending(s)


def test_events_relayed_but_lost_before_delivery_are_re_sent_when_the_worker_starts(api, sessions, event_settings,
                                                                                     start):
    first = start(event_settings)  # a worker that ran and applied what there was …
    wait_until(lambda: (st := delivery_state(sessions)) and st["unsent"] == 0 and set(st["inbox"]) == st["outbox"],
               what="the seeded events applied")
    first.stop()
    cid = api.lead()  # … then died with these in flight
    api.act(cid, "update_lead", {"cause": "补充线索"})
    lost = _lose_unsent(sessions, cid)
    assert len(lost) == 2
    start(event_settings, resend_on_start=True)
    wait_until(lambda: set(lost) <= set(_inbox(sessions)), what="the lost events applied after start-up")
    assert set(_inbox(sessions).values()) == {"applied"}


def test_a_lost_event_is_re_sent_from_the_outbox_when_its_successor_has_waited_a_while(api, sessions, event_settings,
                                                                                     start):
    settings = dataclasses.replace(event_settings, event_gap_resend_s=0.3, event_gap_timeout_s=3600)
    cid = api.lead()
    (first,) = _lose_unsent(sessions, cid)
    start(settings, resend_on_start=False)  # the loss happened while this worker was running
    api.act(cid, "update_lead", {"cause": "补充线索"})
    wait_until(lambda: set(_case_events(sessions, cid)) <= set(_inbox(sessions)), what="both events applied")
    assert _inbox(sessions)[first] == "applied"
    with sessions() as s:
        assert s.execute(select(DeadLetter)).first() is None


def test_a_case_whose_earlier_event_was_lost_goes_on_after_a_bounded_wait_with_an_alert(api, sessions, event_settings,
                                                                                       start, caplog):
    settings = dataclasses.replace(event_settings, event_gap_resend_s=3600, event_gap_timeout_s=1.0)
    cid = api.lead()
    (first,) = _lose_unsent(sessions, cid)
    start(settings, resend_on_start=False)
    with caplog.at_level(logging.ERROR, logger="casebook.worker"):
        api.act(cid, "update_lead", {"cause": "补充线索"})
        second = _case_events(sessions, cid)[1]
        wait_until(lambda: _inbox(sessions).get(second) == "applied", what="the later event applied")
    assert _inbox(sessions)[first] == "dead_lettered"
    with sessions() as s:
        dead = s.execute(select(DeadLetter).where(DeadLetter.event_id == first)).scalar_one()
    assert dead.consumer == "activity" and "事件在传递中丢失" in dead.error
    assert json.loads(dead.body)["event_id"] == first  # replayable: the body is the outbox event
    assert any("gap in case" in r.getMessage() and first in r.getMessage() for r in caplog.records)


def test_health_and_status_show_events_waiting_on_a_gap(api, sessions, settings, event_settings, start):
    from casebook.cli import main
    from events.status import collect

    settings_ = dataclasses.replace(event_settings, event_gap_resend_s=3600, event_gap_timeout_s=3600)
    cid = api.lead()
    _lose_unsent(sessions, cid)
    start(settings_, resend_on_start=False)
    api.act(cid, "update_lead", {"cause": "补充线索"})
    api.act(cid, "update_lead", {"cause": "再补充"})
    grace = dataclasses.replace(settings_, event_gap_resend_s=0)

    def waiting():
        with sessions() as s:
            info = collect(s, grace, broker=False)
        return info["gaps"].get("activity", {}).get("events") == 2 and info

    info = wait_until(waiting, what="two events reported waiting on the gap")
    assert info["gaps"]["activity"]["cases"] == [cid]
    settings.event_gap_resend_s = 0  # the app's settings: no grace before a wait counts
    h = api.get("/api/v1/health", who="admin").get_json()  # the detail is for administrators
    assert h["gaps"]["activity"]["events"] == 2 and h["events_waiting_on_gap"] >= 2 and h["status"] == "degraded"
    r = CliRunner().invoke(main, ["events", "status"], env={
        "CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir),
        "CASEBOOK_BROKER_URL": event_settings.broker_url, "CASEBOOK_BROKER_PREFIX": event_settings.broker_prefix,
        "CASEBOOK_EVENT_GAP_RESEND_S": "0"})
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["gaps"]["activity"] == info["gaps"]["activity"] | {
        "oldest_wait_s": json.loads(r.output)["gaps"]["activity"]["oldest_wait_s"]}
