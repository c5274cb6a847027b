"""The write path's building blocks on every backend: `record` (Core rows, one PostgreSQL round trip for the
entry, its event and the head), `next_number` (one upsert) and the row lock an act holds on its case."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from casebook.db.models import Case, NumberSequence, OutboxEvent, TrailEntry, TrailHead
from casebook.services.audit import verify_trail
from casebook.services.cases import load_case
from casebook.services.context import SYSTEM, actor_for
from casebook.services.numbers import next_number
from casebook.services.recording import record


def _actor(s, username="zhangwei"):
    from casebook.seed import demo_user

    return actor_for(s, demo_user(s, username))


def _body(case: Case, action: str) -> dict:
    return {"action": action, "stage_from": case.stage, "stage_to": case.stage, "case_no": case.case_no,
            "data": {"crossings": [], "major_reasons": []}}


def test_a_system_act_with_two_events_numbers_them_after_the_case_acts_in_id_order(api, sessions, settings):
    cid = api.filed_case()  # lead (event 1) and filing (event 2)
    with sessions() as s, s.begin():
        case = s.get(Case, cid)
        body = _body(case, "suggest_referral")
        seq = record(s, SYSTEM, "case.suggest_referral", body, case=case,
                     events=[("referral.suggested", body), ("legal_review.required", body)])
        assert case.event_seq == 4
    with sessions() as s:
        rows = s.execute(select(OutboxEvent.id, OutboxEvent.case_seq, OutboxEvent.type)
                         .where(OutboxEvent.case_id == cid).order_by(OutboxEvent.id)).all()
        assert [r.case_seq for r in rows] == [1, 2, 3, 4]
        assert [r.type for r in rows[2:]] == ["referral.suggested", "legal_review.required"]
        assert s.get(Case, cid).event_seq == 4
        entry = s.get(TrailEntry, seq)
        assert (entry.case_id, entry.action, entry.actor_role) == (cid, "case.suggest_referral", "system")
        assert s.execute(select(TrailHead.seq)).scalar_one() == seq
        assert verify_trail(s, settings).ok


def test_every_act_adds_one_entry_and_one_event_numbered_in_order(api, sessions, settings):
    cid = api.investigated_case()
    with sessions() as s:
        seqs = s.execute(select(OutboxEvent.case_seq).where(OutboxEvent.case_id == cid).order_by(OutboxEvent.id)).scalars().all()
        entries = s.execute(select(TrailEntry.action).where(TrailEntry.case_id == cid, TrailEntry.action.like("case.%"))
                            .order_by(TrailEntry.seq)).scalars().all()
        assert seqs == list(range(1, len(seqs) + 1)) and len(entries) == len(seqs)
        assert s.get(Case, cid).event_seq == len(seqs)
        assert verify_trail(s, settings).ok


def test_a_head_the_session_already_holds_follows_the_appends(api, sessions):
    with sessions() as s, s.begin():
        head = s.get(TrailHead, 1)
        zhangwei = _actor(s)
        seq = record(s, zhangwei, "test.appended", {"n": 1}, agency_id=zhangwei.agency_id)
        assert (head.seq, head.entry_hash) == (seq, s.get(TrailEntry, seq).entry_hash)
        assert s.execute(select(TrailHead.seq).execution_options(populate_existing=True)).scalar_one() == seq


def test_next_number_starts_at_one_counts_per_kind_and_year_and_a_rollback_gives_it_back(sessions):
    with sessions() as s, s.begin():
        agency = _actor(s).agency_id
        assert [next_number(s, agency, "case", 2031) for _ in range(3)] == [1, 2, 3]
        assert next_number(s, agency, "case", 2032) == 1
        assert next_number(s, agency, "doc:notice", 2031) == 1
    with sessions() as s:
        s.begin()
        assert next_number(s, agency, "case", 2031) == 4
        s.rollback()
    with sessions() as s, s.begin():
        assert next_number(s, agency, "case", 2031) == 4
        assert s.execute(select(NumberSequence.last_value).where(
            NumberSequence.agency_id == agency, NumberSequence.kind == "case", NumberSequence.year == 2031)
        ).scalar_one() == 4


def test_an_act_locks_its_case_row_but_not_against_rows_that_reference_the_case(api, sessions, engine, backend):
    """FOR NO KEY UPDATE: another transaction cannot change the case, but may still insert a row whose foreign key
    names it (KEY SHARE), e.g. the deadlines handler planning a deadline while it holds the chain head."""
    if backend != "postgres":
        pytest.skip("row locks are PostgreSQL's; SQLite writers are serialised by BEGIN IMMEDIATE")
    cid = api.filed_case()
    officer = api.user_id("zhangwei")
    with sessions() as s, s.begin():
        load_case(s, _actor(s), cid, for_act=True)
        with engine.connect() as other:
            other.execute(text("SET LOCAL lock_timeout = '300ms'"))
            other.execute(text(
                "INSERT INTO evidence (case_id, kind, title, collected_on, collected_by, created_at) "
                "VALUES (:cid, 'physical', 'x', '2026-03-04', '[]', now())"), {"cid": cid})
            other.rollback()
            other.execute(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                other.execute(text("UPDATE cases SET lead_officer_id = :u WHERE id = :cid"), {"u": officer, "cid": cid})
            other.rollback()
