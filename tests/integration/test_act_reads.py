"""The act's hot reads through Core (services.loading, services.parties.party_for_act, db.adopt): the same objects,
with the same attributes loaded, as the ORM queries they replace; the ORM query when the session already holds a
row (an act reloads the case it holds, as populate_existing did)."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.orm import joinedload

from casebook.db.models import Case, User
from casebook.services import loading
from casebook.services.context import actor_for
from casebook.services.parties import party_agencies, party_for_act
from tests.helpers import statements_seen


def _actor(s, username):
    from casebook.seed import demo_user

    return actor_for(s, demo_user(s, username))


def _columns(obj) -> dict:
    return {a.key: getattr(obj, a.key) for a in inspect(type(obj)).column_attrs}


def _snapshot(case: Case) -> dict:
    return {
        "case": _columns(case), "party": case.party and _columns(case.party),
        "officers": [(_columns(co), _columns(co.user), [_columns(c) for c in co.user.credentials]) for co in case.officers],
    }


def test_the_case_for_an_act_is_the_orm_load(api, sessions, engine):
    cid = api.filed_case()
    with sessions() as s:  # the ORM's joined load, as load_case ran it before
        orm = s.execute(loading._CASE_LOADERS[True, True], {"case_id": cid}).unique().scalar_one()
        expected = _snapshot(orm) | {"agency": _columns(orm.agency)}
    with sessions() as s, s.begin():
        assert loading.load_case(s, _actor(s, "zhaomin"), cid, for_act=True, with_agency=True) is not None
        s.expunge_all()
        case = loading._load_case_for_act(s, cid, True)
        assert isinstance(case, Case)  # Core, not the ORM's fallback
        assert len(s.identity_map) > 1 and not s.dirty and not s.new
        seen, stop = statements_seen(engine)
        try:  # everything the joined load loaded is on the objects: reading it issues no statement
            got = _snapshot(case) | {"agency": _columns(case.agency)}
            assert all(not inspect(o).modified and inspect(o).persistent
                       for o in (case, case.party, *case.officers, *(co.user for co in case.officers)))
        finally:
            stop()
        assert seen == []
        assert got == expected and len(got["officers"]) == 2 and all(o[2] for o in got["officers"])
        assert [co.id for co in case.officers] == sorted(co.id for co in case.officers)
        assert case.acts and case.acts[0].action == "register_lead"  # not loaded: lazy loads, as after the ORM query


def test_a_case_the_session_holds_is_reloaded_by_the_orm(api, sessions):
    cid = api.filed_case()
    with sessions() as s:
        held = s.get(Case, cid, options=[joinedload(Case.officers)])
        actor = _actor(s, "zhaomin")
        s.commit()  # the session keeps its objects (expire_on_commit=False); SQLite lets the next writer in
        with sessions() as other, other.begin():
            other.execute(text("UPDATE cases SET cause = '另一事务改的案由' WHERE id = :id"), {"id": cid})
        with s.begin():
            case = loading.load_case(s, actor, cid, for_act=True)
            assert case is held and case.cause == "另一事务改的案由"  # populate_existing, as before


def test_the_named_officers_are_the_orm_load(api, sessions):
    ids = api.officers()
    with sessions() as s:
        expected = {u.id: (_columns(u), [_columns(c) for c in u.credentials])
                    for u in s.execute(loading._OFFICERS, {"ids": ids}).unique().scalars()}
    with sessions() as s:
        users = loading.resolve_officers(s, _actor(s, "zhaomin").agency_id, ids)
        assert [u.id for u in users] == ids
        assert {u.id: (_columns(u), [_columns(c) for c in u.credentials]) for u in users} == expected
    with sessions() as s:  # one of them already held, its credentials loaded: that object is returned
        held = s.get(User, ids[0])
        _ = held.credentials
        users = loading.resolve_officers(s, held.agency_id, ids)
        assert users[0] is held and [u.id for u in users] == ids


def test_the_party_and_its_agencies_in_one_read(api, sessions, engine):
    cid = api.lead()
    with sessions() as s:
        pid = s.get(Case, cid).party_id
        expected = (_columns(s.get(inspect(Case).relationships["party"].mapper.class_, pid)),
                    party_agencies(s, s.get(Case, cid).party))
    with sessions() as s:
        seen, stop = statements_seen(engine)
        try:
            party, agencies = party_for_act(s, pid)
        finally:
            stop()
        assert (_columns(party), agencies) == expected and party in s and not s.dirty
        assert len([q for q in seen if q.lstrip().upper().startswith("SELECT")]) <= 1
    with sessions() as s:
        assert party_for_act(s, 10**9) == (None, None)
        held = s.get(type(party), pid)
        assert party_for_act(s, pid) == (held, None)  # held: the caller asks party_agencies itself
