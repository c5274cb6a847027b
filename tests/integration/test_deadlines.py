"""Legal deadlines on every backend: planned and settled from case events by the worker; suspension and
extension; the sweep fires each warning and each miss exactly once — two sweeps at once, a sweep holding
its transaction open, one back after an hour's outage; a year without calendar data is surfaced without
holding up the rest; the deadlines API and the overdue flag on case lists; the scheduler's tick."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from casebook.db import models as m
from casebook.seed import demo_user
from casebook.services import calendar as cal_svc
from casebook.services import deadlines as svc
from casebook.services.audit import verify_trail
from casebook.services.context import actor_for
from events.handlers import GROUPS
from events.runtime import Background, make_relay, make_worker
from tests.helpers import wait_until

D = dt.date
UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def plan(sessions, case_id: int, kind: str, start, **kw) -> m.Deadline:
    with sessions() as s, s.begin():
        return svc.plan(s, s.get(m.Case, case_id), kind, start=start, **kw)


def deadline(sessions, case_id: int, kind: str, ref: str = "") -> m.Deadline:
    with sessions() as s:
        return s.execute(select(m.Deadline).where(m.Deadline.case_id == case_id, m.Deadline.kind == kind,
                                                  m.Deadline.ref == ref).order_by(m.Deadline.id.desc())).scalars().first()


def events_by_deadline(sessions, *types: str) -> Counter:
    with sessions() as s:
        rows = s.execute(select(m.OutboxEvent.type, m.OutboxEvent.payload).where(m.OutboxEvent.type.in_(types))).all()
    return Counter((t, p["deadline_id"]) for t, p in rows)


def plant(sessions, case_ids: list[int], specs: list[tuple[dt.datetime, dt.datetime | None]]) -> list[int]:
    """Open deadlines with the given (due_at, warn_at) instants, spread over the cases; return their ids."""
    with sessions() as s, s.begin():
        case_rows = {c.id: c for c in s.execute(select(m.Case).where(m.Case.id.in_(case_ids))).scalars()}
        rows = []
        for i, (due_at, warn_at) in enumerate(specs):
            c = case_rows[case_ids[i % len(case_ids)]]
            rows.append(m.Deadline(
                case_id=c.id, agency_id=c.agency_id, kind="decision", ref=f"t{i}", unit="calendar", length=90,
                starts_on=D(2026, 3, 3), extended_days=0, paused_days=0, due_on=due_at.date(), due_at=due_at,
                warn_on=warn_at.date() if warn_at else None, warn_at=warn_at, basis="行政处罚法第六十条", status="open",
                meta={"opts": {}}))
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def trail_ok(sessions, settings) -> bool:
    with sessions() as s:
        return verify_trail(s, settings).ok


# --- planned and settled from case events, through the worker --------------------------------------------


@pytest.fixture
def deadlines_worker(sessions, event_settings):
    """Relay + worker threads with the deadlines and publicity groups (the latter plans publication), on the test's broker."""
    groups = {"deadlines": GROUPS["deadlines"], "publicity": GROUPS["publicity"]}
    bg = Background(make_relay(sessions, event_settings, groups=groups), make_worker(sessions, event_settings, groups=groups))
    bg.threads = [threading.Thread(target=bg.relay.run, args=(bg.stop_event,), daemon=True),
                  threading.Thread(target=bg.worker.run, daemon=True)]
    for t in bg.threads:
        t.start()
    yield bg
    bg.stop()


def _drained(sessions) -> bool:
    with sessions() as s:
        for group in ("deadlines", "publicity"):
            bound = set(GROUPS[group].bindings)
            wanted = {e for e, t in s.execute(select(m.OutboxEvent.event_id, m.OutboxEvent.type)) if t in bound}
            done = set(s.execute(select(m.ConsumerInbox.event_id).where(m.ConsumerInbox.consumer == group)).scalars())
            if not wanted <= done:
                return False
    return True


def test_the_worker_plans_and_settles_each_deadline_from_the_case_acts(api, sessions, settings, deadlines_worker):
    cid = api.noticed_case()  # lead 3-2, filed 3-3, prior notice served 3-10
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")
    filing, decision, window = (deadline(sessions, cid, k) for k in ("filing", "decision", "hearing_request"))
    assert (filing.status, filing.due_on, filing.met_on) == ("met", D(2026, 3, 23), D(2026, 3, 3))  # 15 working days
    assert (decision.status, decision.starts_on, decision.due_on) == ("open", D(2026, 3, 3), D(2026, 6, 1))  # 第六十条
    assert (window.status, window.due_on) == ("open", D(2026, 3, 17))  # same as the case's statement_due_on
    assert decision.basis == "行政处罚法第六十条" and filing.basis.endswith("第十八条")

    api.act(cid, "decide", {"kind": "penalty", "decided_on": "2026-03-18", "penalty_kinds": ["fine", "confiscate_gains"],
                            "fine_amount": "5000.00", "basis": "食品安全法第一百二十四条"}, who="zhaomin")
    api.act(cid, "serve_decision", {"served_on": "2026-03-19", "method": "direct"})
    api.act(cid, "start_execution")
    api.act(cid, "record_payment", {"amount": "5000.00", "paid_on": "2026-03-25", "receipt_no": "PJ0001"})
    api.act(cid, "close", {"closed_on": "2026-03-26"}, who="zhaomin")
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")

    got = {k: deadline(sessions, cid, k) for k in ("decision", "service", "payment", "hearing_request")}
    with sessions() as s:  # planned by the publicity consumer, one per publication record
        got["publication"] = s.execute(select(m.Deadline).where(m.Deadline.case_id == cid,
                                                                m.Deadline.kind == "publication")).scalar_one()
    assert (got["decision"].status, got["decision"].met_on) == ("met", D(2026, 3, 18))
    assert (got["service"].status, got["service"].due_on, got["service"].met_on) == ("met", D(2026, 3, 27), D(2026, 3, 19))
    assert (got["payment"].status, got["payment"].due_on, got["payment"].met_on) == ("met", D(2026, 4, 3), D(2026, 3, 25))
    assert got["payment"].meta["opts"]["fine"] == "5000.00"
    assert got["hearing_request"].status == "cancelled"  # closed: the party's window no longer matters
    assert (got["publication"].status, got["publication"].due_on) == ("open", D(2026, 3, 27))  # survives 结案

    trail = api.get(f"/api/v1/cases/{cid}/trail").get_json()
    acts = [e for e in trail if e["action"].startswith("deadline.")]
    assert {e["actor_role"] for e in acts} == {"system"}
    # the limitation (行政处罚法 第三十六条) is planned at filing from the act's day and met on the discovery
    assert Counter(e["action"] for e in acts) == {"deadline.planned": 7, "deadline.met": 5, "deadline.cancelled": 1}
    assert trail_ok(sessions, settings)


def test_suspending_and_terminating_a_case_reach_its_deadlines_through_the_worker(api, sessions, deadlines_worker):
    cid = api.filed_case()
    api.act(cid, "suspend", {"reason": "等待检验结果"}, who="zhaomin")
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")
    assert deadline(sessions, cid, "decision").paused_since is not None
    api.act(cid, "resume", {"reason": "检验结果已出"}, who="zhaomin")
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")
    d = deadline(sessions, cid, "decision")
    assert (d.paused_since, d.status, len(d.meta["pauses"])) == (None, "open", 1)
    api.act(cid, "terminate", {"reason": "当事人死亡"}, who="zhaomin")
    wait_until(lambda: _drained(sessions), what="deadline handlers applied")
    assert deadline(sessions, cid, "decision").status == "cancelled"
    actions = [e["action"] for e in api.get(f"/api/v1/cases/{cid}/trail").get_json() if e["action"].startswith("deadline.")]
    assert actions == ["deadline.planned", "deadline.met", "deadline.planned",
                       "deadline.planned", "deadline.met",  # 第三十六条: the limitation, met on the discovery
                       "deadline.paused", "deadline.resumed", "deadline.cancelled"]


def test_suspension_pauses_the_decision_clock_and_the_head_extends_it(api, sessions):
    cid = api.filed_case()
    d = plan(sessions, cid, "decision", D(2026, 3, 3))
    assert d.due_on == D(2026, 6, 1)
    with sessions() as s, s.begin():
        assert [x.kind for x in svc.pause_case(s, cid, D(2026, 3, 10))] == ["decision"]
    with sessions() as s, s.begin():  # paused: the sweep leaves it alone however late it is
        assert svc.sweep(s, at(2026, 9, 1)).claimed == 0
    with sessions() as s, s.begin():
        svc.resume_case(s, cid, D(2026, 3, 20))
    d = deadline(sessions, cid, "decision")
    assert (d.paused_days, d.paused_since, d.due_on) == (10, None, D(2026, 6, 11))

    r = api.post(f"/api/v1/deadlines/{d.id}/extension", {"days": 30, "reason": "案情复杂"}, who="zhangwei")
    assert r.status_code == 403
    r = api.post(f"/api/v1/deadlines/{d.id}/extension", {"days": 30, "reason": "案情复杂，经负责人批准延长"}, who="zhaomin")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_on"] == "2026-07-13"  # 130 days → Sat 7-11 → Mon 7-13
    assert r.get_json()["extended_days"] == 30 and r.get_json()["paused_days"] == 10

    # 行政强制法 第二十五条: 查封扣押 may be extended once by at most thirty days.
    seizure = plan(sessions, cid, "seizure", D(2026, 3, 5), ref="act7")
    assert seizure.due_on == D(2026, 4, 7)  # 30 days → Sat 4-4 (清明) → 4-7
    assert api.post(f"/api/v1/deadlines/{seizure.id}/extension", {"days": 31, "reason": "情况复杂"},
                    who="zhaomin").status_code == 409
    assert api.post(f"/api/v1/deadlines/{seizure.id}/extension", {"days": 30, "reason": "情况复杂"},
                    who="zhaomin").get_json()["due_on"] == "2026-05-06"
    service = plan(sessions, cid, "service", D(2026, 3, 18))
    r = api.post(f"/api/v1/deadlines/{service.id}/extension", {"days": 3, "reason": "x"}, who="zhaomin")
    assert r.status_code == 409 and r.get_json()["code"] == "deadline_not_extendable"


def test_an_extension_after_the_miss_reopens_the_deadline_and_rearms_its_warning(api, sessions):
    from casebook.services.context import local_today

    cid = api.filed_case()
    today = local_today()
    # Due about forty days ago: three more days stay in the past whatever weekday today is and whatever holiday
    # the new last day rolls over (due five days ago, +3 landed on a weekend that rolls to a Monday: today).
    plan(sessions, cid, "decision", today - dt.timedelta(days=130))
    with sessions() as s, s.begin():
        assert svc.sweep(s).missed == 1
    with sessions() as s, s.begin():
        svc.extend(s, cid, "decision", 3, "经负责人批准延长")  # still in the past: stays missed
    d = deadline(sessions, cid, "decision")
    assert d.status == "missed" and d.due_on < today
    with sessions() as s, s.begin():
        svc.extend(s, cid, "decision", 60, "经集体讨论延长")  # now ahead: open again, warning re-armed
    d = deadline(sessions, cid, "decision")
    assert (d.status, d.missed_at, d.warned_at, d.extended_days) == ("open", None, None, 63)
    assert d.due_on > today and [e["days"] for e in d.meta["extensions"]] == [3, 60]


# --- the sweep: exactly once ---------------------------------------------------------------------------------


def _cases(api, n=3) -> list[int]:
    return [api.lead() for _ in range(n)]


def test_two_sweeps_at_once_fire_each_warning_and_each_miss_exactly_once(api, sessions, settings):
    now = at(2026, 11, 24, 8)
    specs = [(now + dt.timedelta(days=2), now - dt.timedelta(minutes=i)) for i in range(150)]  # warn only
    specs += [(now - dt.timedelta(minutes=i), now - dt.timedelta(days=3)) for i in range(150)]  # past due
    cases = _cases(api)
    ids = plant(sessions, cases, specs)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(svc.sweep_all(sessions, now, batch=25))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(r.warned for r in results) == 150 and sum(r.missed for r in results) == 150
    fired = events_by_deadline(sessions, "deadline.warning", "deadline.missed")
    assert set(fired.values()) == {1} and len(fired) == 300
    assert {d for (t, d) in fired if t == "deadline.warning"} == set(ids[:150])
    assert {d for (t, d) in fired if t == "deadline.missed"} == set(ids[150:])
    with sessions() as s:
        trail = Counter(s.execute(select(m.TrailEntry.action).where(m.TrailEntry.action.like("deadline.%"))).scalars())
        outbox = s.execute(select(m.OutboxEvent).where(m.OutboxEvent.type == "deadline.missed").limit(1)).scalar_one()
    assert trail == {"deadline.warning": 150, "deadline.missed": 150}
    assert outbox.case_id in cases and outbox.case_seq is None  # about its case, not one of the case's acts
    assert outbox.payload["kind"] == "decision" and outbox.payload["label"] == "作出处理决定期限"
    with sessions() as s, s.begin():
        assert svc.sweep(s, now).claimed == 0
    assert trail_ok(sessions, settings)


def test_a_sweep_holding_its_transaction_open_does_not_let_another_fire_its_rows(api, sessions, settings):
    # PostgreSQL: the second sweep skips the locked rows (SKIP LOCKED) and waits for the chain head;
    # SQLite: it waits for the writer lock. Either way every row fires once.
    now = at(2026, 11, 24, 8)
    plant(sessions, _cases(api), [(now - dt.timedelta(minutes=i), None) for i in range(60)])
    first = sessions()
    first.begin()
    held = svc.sweep(first, now, limit=20)
    assert held.missed == 20
    other: list = []
    t = threading.Thread(target=lambda: other.append(svc.sweep_all(sessions, now, batch=100)))
    t.start()
    t.join(1.0)
    first.commit()
    first.close()
    t.join(60)
    assert other and other[0].missed == 40
    fired = events_by_deadline(sessions, "deadline.missed")
    assert len(fired) == 60 and set(fired.values()) == {1}
    assert trail_ok(sessions, settings)


def test_after_an_hour_down_each_due_row_fires_once_and_a_lapsed_row_skips_its_warning(api, sessions):
    down_from, back = at(2026, 11, 24, 7), at(2026, 11, 24, 8)
    # Due instants every 30 s from 30 minutes before the outage to 30 minutes after it ends; warnings 20 min before.
    specs = [(down_from - dt.timedelta(minutes=30) + dt.timedelta(seconds=30 * i), None) for i in range(240)]
    specs = [(due, due - dt.timedelta(minutes=20)) for due, _ in specs]
    ids = plant(sessions, _cases(api), specs)
    with sessions() as s, s.begin():  # the last sweep before the outage
        svc.sweep(s, down_from, limit=1000)
    with sessions() as s, s.begin():  # back after an hour: one pass catches up
        svc.sweep(s, back, limit=1000)
    with sessions() as s, s.begin():
        assert svc.sweep(s, back, limit=1000).claimed == 0
    fired = events_by_deadline(sessions, "deadline.warning", "deadline.missed")
    assert set(fired.values()) == {1}
    for i, (due, warn) in zip(ids, specs, strict=True):
        missed = ("deadline.missed", i) in fired
        warned = ("deadline.warning", i) in fired
        assert missed == (due <= back), i
        # Warned before the outage, or at the catch-up if not yet due then; never for a row already lapsed.
        assert warned == (warn <= down_from < due or (down_from < warn <= back < due)), i
    with sessions() as s, s.begin():
        svc.sweep(s, back + dt.timedelta(hours=1), limit=1000)
    fired = events_by_deadline(sessions, "deadline.warning", "deadline.missed")
    assert set(fired.values()) == {1} and sum(1 for t, _ in fired if t == "deadline.missed") == 240


def test_the_partial_windows_expire_rather_than_miss(api, sessions):
    cid = api.filed_case()
    plan(sessions, cid, "hearing_request", D(2026, 3, 10))
    overdue = lambda: {c["id"]: c["overdue"] for c in api.get("/api/v1/cases").get_json()["items"]}[cid]  # noqa: E731
    assert overdue() is False  # the party's window closing unused is nobody's failure
    with sessions() as s, s.begin():
        res = svc.sweep(s, at(2026, 3, 18))
    assert (res.expired, res.missed) == (1, 0)
    assert deadline(sessions, cid, "hearing_request").status == "expired"
    assert len(events_by_deadline(sessions, "deadline.expired")) == 1
    assert overdue() is False


# --- a year without calendar data ----------------------------------------------------------------------------


def test_a_deadline_without_calendar_data_is_counted_provisionally_surfaced_once_and_holds_up_nothing(
        api, sessions, settings):
    late, normal = api.filed_case(), api.filed_case()
    waiting = plan(sessions, late, "decision", D(2026, 11, 24))  # 90 days → 2027-02-22: no data for 2027
    # Provisional: 2027-02-22 is a Monday after the statutory 春节 (2-05 … 2-08, 补假 2-09, 2-10).
    assert (waiting.due_on, waiting.calendar_missing_year, waiting.status) == (D(2027, 2, 22), 2027, "open")
    plan(sessions, normal, "service", D(2026, 3, 18))  # long past due
    plan(sessions, late, "filing", D(2026, 12, 20))  # 15 working days into 2027
    with sessions() as s, s.begin():
        res = svc.sweep(s, at(2026, 11, 24, 12))
    assert (res.missed, res.calendar_missing) == (1, 2)
    with sessions() as s, s.begin():
        assert svc.sweep(s, at(2026, 11, 24, 12)).claimed == 0  # surfaced once, not every tick
    events = events_by_deadline(sessions, "deadline.calendar_missing")
    assert len(events) == 2 and set(events.values()) == {1}
    with sessions() as s:
        payload = s.execute(select(m.OutboxEvent.payload).where(m.OutboxEvent.type == "deadline.calendar_missing")
                            ).scalars().first()
    assert payload["year"] == 2027 and "2027年" in payload["message"]
    body = api.get("/api/v1/deadlines?status=pending").get_json()
    assert [(i["kind"], i["calendar_missing_year"], i["due_on"], i["provisional"]) for i in body["items"]] == [
        ("decision", 2027, "2027-02-22", True), ("filing", 2027, "2027-01-11", True)]  # 元旦 2027 provisional

    # The administrator loads 2027 (元旦 off); the next sweep counts both and they leave the pending list.
    with sessions() as s, s.begin():
        admin = actor_for(s, demo_user(s, "admin"))
        cal_svc.set_day(s, admin, D(2027, 1, 1), False, "元旦")
        cal_svc.declare_year(s, admin, 2027, "国办发明电〔2026〕X号")
    with sessions() as s, s.begin():
        res = svc.sweep(s, at(2026, 11, 24, 12))
    assert (res.scheduled, res.calendar_missing) == (2, 0)
    assert len(events_by_deadline(sessions, "deadline.rescheduled")) == 2  # announced to the officers
    assert deadline(sessions, late, "decision").due_on == D(2027, 2, 22)
    assert deadline(sessions, late, "filing").due_on == D(2027, 1, 11)  # 12-21…12-31 nine, 1-4…1-11 six more
    assert api.get("/api/v1/deadlines?status=pending").get_json()["items"] == []
    # A deadline that reaches into 2028 is surfaced again, for 2028.
    plan(sessions, late, "decision", D(2027, 12, 1), ref="2")
    with sessions() as s, s.begin():
        assert svc.sweep(s, at(2026, 11, 24, 12)).calendar_missing == 1
    assert deadline(sessions, late, "decision", "2").calendar_missing_year == 2028
    assert trail_ok(sessions, settings)
    cal_svc.invalidate()


def test_the_partys_window_in_a_year_without_calendar_data_closes_when_the_guard_closes_it(api, sessions):
    # 行政处罚法 第八十五条: a party's period counted provisionally is lengthened by the guard's margin; the row agrees
    # with lifecycle.party_window_end (the guard that refuses a late hearing request), not 3 working days earlier.
    from casebook.domain import lifecycle as lc
    from casebook.services.calendar import get_calendar

    cid = api.filed_case()
    row = plan(sessions, cid, "hearing_request", D(2027, 1, 29))
    with sessions() as s:
        last, provisional = lc.party_window_end(get_calendar(s), D(2027, 1, 29), 5)
    assert provisional and row.calendar_missing_year == 2027
    assert row.due_on == last == D(2027, 2, 16)


# --- the API and the overdue flag ------------------------------------------------------------------------------


def test_officers_list_their_agencys_deadlines_soonest_first_page_by_page(api, sessions):
    a, b = api.filed_case(), api.filed_case()
    other = api.lead(who="chenjie", party_id=None)  # 山亭市监's parties are not 综合执法局's to name
    plan(sessions, a, "decision", D(2026, 3, 3))  # 6-1
    plan(sessions, a, "service", D(2026, 3, 18))  # 3-27
    plan(sessions, b, "payment", D(2026, 3, 19), fine="800.00")  # 4-3
    plan(sessions, b, "publication", D(2026, 4, 1))  # 4-13 (清明 4-4…4-6)
    plan(sessions, other, "filing", D(2026, 3, 2))  # 3-23, another agency
    seen, after = [], None
    while True:
        q = "/api/v1/deadlines?due_before=2026-12-31&limit=2" + (f"&after={after}" if after else "")
        body = api.get(q).get_json()
        seen += [(i["kind"], i["due_on"]) for i in body["items"]]
        after = body["page"]["next_after"]
        if after is None:
            break
    assert seen == [("service", "2026-03-27"), ("payment", "2026-04-03"), ("publication", "2026-04-13"),
                    ("decision", "2026-06-01")]
    body = api.get("/api/v1/deadlines?due_before=2026-04-03").get_json()
    assert [i["kind"] for i in body["items"]] == ["service", "payment"]  # inclusive of the day
    payment = body["items"][1]
    assert payment["overdue"] is True and payment["surcharge"]["capped"] is True  # months late: 100 %
    assert payment["surcharge"]["amount"] == "800.00" and payment["duty"] == "party"
    assert [i["case_id"] for i in api.get(f"/api/v1/deadlines?case_id={b}").get_json()["items"]] == [b, b]
    assert api.get("/api/v1/deadlines?kind=decision").get_json()["items"][0]["label"] == "作出处理决定期限"
    assert [i["kind"] for i in api.get("/api/v1/deadlines", who="chenjie").get_json()["items"]] == ["filing"]
    assert len(api.get("/api/v1/deadlines", who="wujing").get_json()["items"]) == 5  # the district's supervisor
    assert api.get("/api/v1/deadlines?status=late").status_code == 422
    assert api.get("/api/v1/deadlines?after=999999").status_code == 422


def test_case_lists_flag_cases_with_a_missed_deadline(api, sessions):
    late, fine, none = api.filed_case(), api.filed_case(), api.filed_case()
    plan(sessions, late, "service", D(2026, 3, 18))  # due 3-27: past, even before any sweep
    plan(sessions, fine, "decision", D(2026, 11, 2))  # due 2027-01-31 → needs 2027: undetermined, not overdue
    plan(sessions, fine, "limitation", D(2026, 3, 1))  # due 2028
    flags = {c["id"]: c["overdue"] for c in api.get("/api/v1/cases").get_json()["items"]}
    assert (flags[late], flags[fine], flags[none]) == (True, False, False)
    with sessions() as s, s.begin():
        svc.sweep(s)  # now it is 'missed'
        assert svc.settle(s, late, "service", on=D(2026, 3, 30)).status == "met"  # late, but met
    flags = {c["id"]: c["overdue"] for c in api.get("/api/v1/cases").get_json()["items"]}
    assert flags[late] is False
    assert deadline(sessions, late, "service").met_on == D(2026, 3, 30)


def test_an_officer_records_a_publication_as_met_but_not_a_deadline_a_case_act_settles(api, sessions):
    cid = api.filed_case()
    pub = plan(sessions, cid, "publication", D(2026, 3, 18))
    dec = plan(sessions, cid, "decision", D(2026, 3, 3))
    r = api.post(f"/api/v1/deadlines/{dec.id}/met", {"on": "2026-03-20", "note": "x"})
    assert r.status_code == 409 and r.get_json()["code"] == "deadline_settled_by_act"
    assert api.post(f"/api/v1/deadlines/{pub.id}/met", {"on": "2026-03-20", "note": "已公示"}, who="chenjie").status_code == 404
    assert api.post(f"/api/v1/deadlines/{pub.id}/met", {"on": "2099-01-01", "note": "x"}).status_code == 422
    r = api.post(f"/api/v1/deadlines/{pub.id}/met", {"on": "2026-03-20", "note": "已在国家企业信用信息公示系统公示"})
    assert r.status_code == 200 and r.get_json()["status"] == "met" and r.get_json()["met_on"] == "2026-03-20"
    again = api.post(f"/api/v1/deadlines/{pub.id}/met", {"on": "2026-03-20", "note": "x"})
    assert again.status_code == 409 and again.get_json()["code"] == "deadline_not_live"
    assert again.get_json()["message"] == "该期限已履行"
    with sessions() as s:
        entry = s.execute(select(m.TrailEntry).where(m.TrailEntry.action == "deadline.met")).scalar_one()
    assert entry.actor_role == "officer" and "已在国家企业信用信息公示系统公示" in entry.payload


def test_plans_are_idempotent_and_a_new_start_replans(api, sessions):
    cid = api.filed_case()
    first = plan(sessions, cid, "decision", D(2026, 3, 3))
    assert plan(sessions, cid, "decision", D(2026, 3, 3)).id == first.id
    again = plan(sessions, cid, "decision", D(2026, 3, 4))
    assert again.id == first.id and again.due_on == D(2026, 6, 2)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(m.Deadline).where(m.Deadline.case_id == cid)).scalar_one() == 1
        actions = s.execute(select(m.TrailEntry.action).where(m.TrailEntry.case_id == cid,
                                                              m.TrailEntry.action.like("deadline.%"))).scalars().all()
    assert actions == ["deadline.planned", "deadline.replanned"]
    review = plan(sessions, cid, "legal_review", D(2026, 3, 16), ref="review:1")
    assert review.due_on == D(2026, 3, 30)  # ten working days by default
    transfer = plan(sessions, cid, "referral_transfer", at(2026, 3, 16, 2, 30), ref="referral:1")
    assert transfer.due_at == at(2026, 3, 17, 2, 30) and transfer.unit == "hours"
    with sessions() as s, s.begin():
        assert svc.settle(s, cid, "legal_review", ref="review:1", on=D(2026, 3, 20)).status == "met"
        assert svc.settle(s, cid, "legal_review", ref="review:1") is None  # nothing live any more
        assert [d.kind for d in svc.cancel(s, cid, reason="案件终止")] == ["decision", "referral_transfer"]
    # a re-plan with other options says what it now counts: the limitation's five years, not the two it began with
    two = plan(sessions, cid, "limitation", D(2025, 3, 1))
    five = plan(sessions, cid, "limitation", D(2025, 3, 2), extended=True)
    assert five.id == two.id and (five.length, five.due_on) == (5, D(2030, 3, 2))


# --- the scheduler -------------------------------------------------------------------------------------------------


def test_the_scheduler_ticks_the_sweep_and_survives_a_failing_tick(api, sessions, settings, caplog):
    import dataclasses

    from apscheduler.schedulers.background import BackgroundScheduler

    from casebook.cli import main as cli
    from casebook.db.engine import make_engine, make_sessionmaker
    from scheduler.sweep import JOB_ID, add_sweep_job, tick

    assert "scheduler" in cli.commands
    now = dt.datetime.now(UTC)
    ids = plant(sessions, _cases(api, 1), [(now + dt.timedelta(seconds=1), None), (now - dt.timedelta(hours=1), None)])
    fired: list[int] = []
    sched = BackgroundScheduler(timezone="UTC")
    add_sweep_job(sched, sessions, dataclasses.replace(settings, sweep_seconds=1),
                  on_batch=lambda res: fired.extend(res.ids))
    sched.start()
    try:
        wait_until(lambda: set(ids) <= set(fired), timeout=20, what="both rows fired by the ticking scheduler")
        job = sched.get_job(JOB_ID)
        assert job.coalesce is True and job.max_instances == 1
    finally:
        sched.shutdown(wait=True)
    assert len(fired) == 2

    broken = make_sessionmaker(make_engine("sqlite:////nonexistent-dir/casebook.db"))
    with caplog.at_level(logging.ERROR, logger="casebook.scheduler"):
        assert tick(broken, settings) is None
    assert "deadline sweep failed" in caplog.text
