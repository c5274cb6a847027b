"""The case row of an act written around the unit of work (services.case_rows): the same rows the ORM would
write, the version check, and an ORM object that stays usable without being read back."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm.exc import StaleDataError

from casebook.db.models import Case, CaseOfficer
from casebook.services.case_rows import write_case
from casebook.services.cases import perform, register_lead
from casebook.services.context import actor_for, local_today
from tests.helpers import statements_seen


def _actor(s, username):
    from casebook.seed import demo_user

    return actor_for(s, demo_user(s, username))


def test_a_lead_is_inserted_as_the_orm_would_and_needs_no_read_back(api, sessions, settings, engine):
    with sessions() as s, s.begin():
        party_id = api.party("organization")
        case = register_lead(s, _actor(s, "zhangwei"), {
            "source": "complaint", "cause": "涉嫌销售过期食品", "discovered_on": local_today(), "party_id": party_id,
        }, settings=settings)
        seen, stop = statements_seen(engine)
        try:  # every column and the party are on the object: reading them issues no statement
            assert (case.procedure, case.hearing_status, case.referral_status, case.version, case.event_seq) == (
                "ordinary", "none", "none", 1, 1)
            assert case.violations == [] and case.benchmark is None and case.officers == []
            assert case.party.id == party_id and case.facts_text is None
        finally:
            stop()
        assert seen == []
        assert case in s and not s.dirty and not s.new
        cid = case.id
    with sessions() as s:
        row = s.execute(text("SELECT procedure, hearing_status, event_seq, version, benchmark, exemption, violations, "
                             "facts_text FROM cases WHERE id = :id"), {"id": cid}).one()
        # Unset JSON columns are SQL NULL (as the unit of work leaves them), not the JSON text 'null'.
        assert tuple(row[:4]) == ("ordinary", "none", 1, 1) and row[4] is None and row[5] is None
        assert row[6] in ("[]", []) and row[7] is None


def test_filing_writes_the_case_row_and_officers_and_the_object_is_clean(api, sessions, settings):
    cid = api.lead()
    ids = api.officers()
    with sessions() as s, s.begin():
        case = perform(s, _actor(s, "zhaomin"), cid, "file", {"filed_on": local_today(), "officer_ids": ids},
                       expected_version=1, settings=settings)
        assert not s.dirty and not s.new
        assert [o.user_id for o in case.officers] == ids and case.officers[0].user.id == ids[0]
        assert (case.stage, case.version, case.event_seq) == ("filed", 2, 2) and case.case_no
    with sessions() as s:
        case = s.get(Case, cid)
        assert (case.stage, case.version, case.event_seq, case.lead_officer_id) == ("filed", 2, 2, ids[0])
        rows = s.execute(select(CaseOfficer.user_id, CaseOfficer.role).where(CaseOfficer.case_id == cid)
                         .order_by(CaseOfficer.id)).all()
        assert [tuple(r) for r in rows] == [(ids[0], "lead"), (ids[1], "handler")]


def test_the_update_checks_the_version_it_loaded(api, sessions):
    cid = api.lead()
    with sessions() as s, s.begin():
        case = s.get(Case, cid)
        s.execute(text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": cid})  # someone else's act
        case.cause = "改过的案由"
        case.version = case.version + 1
        with pytest.raises(StaleDataError):
            write_case(s, case)
        s.rollback()
    with sessions() as s:
        assert s.get(Case, cid).cause == "涉嫌销售过期食品"


def test_a_new_case_object_holds_only_columns_and_many_to_one_objects(sessions):
    from casebook.db import adopt
    from casebook.db.models import Party

    with pytest.raises(TypeError, match="not columns"):
        adopt.new(Case, {"stage": "lead", "officers": []})
    with pytest.raises(TypeError, match="many-to-one"):
        adopt.new(Case, {"stage": "lead"}, officers=[])
    case = adopt.new(Case, {"stage": "lead"}, party=None)
    assert inspect(case).transient and case.stage == "lead" and not inspect(case).modified
    with sessions() as s:
        party = s.execute(select(Party).limit(1)).scalar_one()
        with pytest.raises(ValueError, match="transient"):
            adopt.persist_new(s, party)


def test_insert_case_refuses_what_the_sessions_cascade_would_have_written(api, sessions, settings):
    """persist_new skips Session.add's save-update cascade: a case whose party is not yet in the session, or that
    already carries officers, would lose rows silently, so it is refused before anything is written."""
    from casebook.db import adopt
    from casebook.db.models import Party
    from casebook.services.case_rows import insert_case

    with sessions() as s, s.begin():
        before = s.execute(text("SELECT count(*) FROM cases")).scalar_one()
        actor = _actor(s, "zhangwei")
        values = {"agency_id": actor.agency_id, "stage": "lead", "source": "complaint", "cause": "测试",
                  "discovered_on": local_today()}
        stray = Party(kind="organization", name="未保存的当事人", created_by_agency_id=actor.agency_id)
        with pytest.raises(ValueError, match="objects of this session"):
            insert_case(s, adopt.new(Case, values, party=stray))
        officer = CaseOfficer(user_id=actor.user_id, role="lead")
        case = adopt.new(Case, values)
        adopt.set_committed_value(case, "officers", [officer])
        with pytest.raises(ValueError, match="officers come after the case"):
            insert_case(s, case)
        assert s.execute(text("SELECT count(*) FROM cases")).scalar_one() == before
        assert stray not in s and officer not in s
