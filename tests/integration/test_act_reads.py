"""The act's hot reads through Core (services.loading, services.parties.party_for_act, db.adopt): the same objects,
with the same attributes loaded, as the ORM queries they replace; the ORM query when the session already holds a
row (an act reloads the case it holds, as populate_existing did)."""

from __future__ import annotations

from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import joinedload

from casebook.db.models import Case, Party, User
from casebook.services import loading
from casebook.services.context import actor_for
from casebook.services.parties import party_for_act, party_in_scope
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
        case = loading._load_case_core(s, cid, True)
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


def test_the_case_for_a_read_is_the_orm_load_without_the_lock(api, sessions, engine):
    """load_case for a read (the case page, GET /cases/{id}): the same objects as the ORM's joined load, through
    Core, in one statement that locks nothing."""
    cid = api.filed_case()
    with sessions() as s:
        orm = s.execute(loading._CASE_LOADERS[False, False], {"case_id": cid}).unique().scalar_one()
        expected = _snapshot(orm)
    with sessions() as s:
        actor = _actor(s, "zhangwei")
        s.expunge_all()
        seen, stop = statements_seen(engine)
        try:
            case = loading.load_case(s, actor, cid)
            got = _snapshot(case)
        finally:
            stop()
        assert got == expected and len(got["officers"]) == 2
        assert not s.dirty and not s.new and inspect(case).persistent and not inspect(case).modified
    # statements_seen sees SQLAlchemy's cursor events: the Core read runs past them on the driver's cursor
    assert not [q for q in seen if "FROM cases" in q], seen
    assert "FOR" not in str(loading._CORE_LOADS[False, False].compile(engine)).split("ORDER BY")[-1]
    assert "FOR" in str(loading._CORE_LOADS[True, False].compile(engine)).split("ORDER BY")[-1] or \
        engine.dialect.name == "sqlite"  # SQLite has no row locks: its writers hold the database since BEGIN IMMEDIATE


def test_a_case_the_session_holds_is_returned_as_held_by_a_read(api, sessions):
    cid = api.filed_case()
    with sessions() as s:
        held = s.get(Case, cid)
        actor = _actor(s, "zhangwei")
        held.cause = "本会话未写入的案由"  # a pending change the read must not overwrite (no populate_existing)
        case = loading.load_case(s, actor, cid)
        assert case is held and case.cause == "本会话未写入的案由"
        s.rollback()


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


def test_the_party_and_whether_it_is_in_scope_in_one_read(api, sessions, monkeypatch):
    from casebook.db import raw
    from casebook.db.models import Agency

    cid = api.lead()
    with sessions() as s:
        case = s.get(Case, cid)
        pid, own, registered_by = case.party_id, case.agency_id, case.party.created_by_agency_id
        expected = _columns(case.party)
        holders = set(s.scalars(select(Case.agency_id).where(Case.party_id == pid)))
        others = list(s.scalars(select(Agency.id).where(Agency.id.not_in([*holders, registered_by])).order_by(Agency.id)))
    assert others, "the demo has agencies that neither hold nor registered the party"
    bound = raw._bound
    sent: list[str] = []
    monkeypatch.setattr(raw, "_bound", lambda stmt, d, p: sent.append(str(stmt)) or bound(stmt, d, p))
    for scope, want in ((frozenset({own}), True), (frozenset({others[0]}), False), (frozenset(others), False),
                        (frozenset({others[0], own}), True), (frozenset({registered_by}), True), (frozenset(), False)):
        sent.clear()
        with sessions() as s:
            party, in_scope = party_for_act(s, pid, scope)
            assert (_columns(party), in_scope) == (expected, want), scope
            assert party in s and not s.dirty and len(sent) == 1  # one round trip: the party and the answer
            assert party_in_scope(s, party, scope) is want  # the ORM-side check agrees
    with sessions() as s:
        assert party_for_act(s, 10**9, frozenset({own})) == (None, None)
        held = s.get(type(party), pid)
        assert party_for_act(s, pid, frozenset({own})) == (held, None)  # held: the caller asks party_in_scope itself
    # The same party registered by another agency: its own agency's case still brings it into scope (the probe of
    # the cases runs only when no agency of the scope registered it), the registering agency still has it.
    assert len(others) >= 2
    with sessions() as s, s.begin():
        s.execute(update(Party).where(Party.id == pid).values(created_by_agency_id=others[0]))
    for scope, want in ((frozenset({own}), True), (frozenset({others[0]}), True), (frozenset({others[1]}), False),
                        (frozenset({others[1], own}), True), (frozenset(), False)):
        with sessions() as s:
            party, in_scope = party_for_act(s, pid, scope)
            assert (party.created_by_agency_id, in_scope) == (others[0], want), scope
            assert party_in_scope(s, party, scope) is want


def test_whether_an_agency_holds_a_case_of_the_party_is_one_index_probe(api, sessions, engine):
    """The access rule's question (a case of this party in these agencies) is answered from the (party_id,
    agency_id) index, not by reading all the party's cases: a party named on thousands of cases costs an act the
    same as any other."""
    cid = api.lead()
    with sessions() as s:
        pid, own = s.get(Case, cid).party_id, s.get(Case, cid).agency_id
    with engine.begin() as c:
        q = "SELECT 1 FROM cases WHERE party_id = :p AND agency_id IN (:a) LIMIT 1"
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in c.execute(text("EXPLAIN QUERY PLAN " + q), {"p": pid, "a": own}))
        else:  # a handful of rows: the planner would read the table itself; told not to, it shows the index it has
            c.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in c.execute(text("EXPLAIN " + q), {"p": pid, "a": own}))
    assert "ix_cases_party_agency" in plan, plan
    if engine.dialect.name == "sqlite":
        assert "COVERING INDEX" in plan, plan  # the table's rows are never read
