"""The case row of an act, written with Core statements instead of the ORM's unit of work.

The write path (issue 17): an act changes a handful of the case's columns and the unit of work's flush
(dependency sort, per-object bookkeeping, the version check) cost more than the rest of the act's Python.
These helpers write the rows the flush would have written — the same values, the same
`WHERE id = … AND version = …` check with the same StaleDataError — and then tell the session the object is
clean, so the ORM object stays usable (the response dumps it, a later act in the same session reloads it). An
UPDATE sets every column assigned since the case was loaded; the flush would leave out one assigned the value it
already had (writing it again changes nothing, and a JSON value changed in place and assigned back is written).

What the helpers do not cover (another object changed in the session, a change to the case's relationships)
is left to the session's own flush, which runs after them as before.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from casebook.db import adopt, raw
from casebook.db.models import Case, CaseOfficer, User

_cases_t = Case.__table__
_officers_t = CaseOfficer.__table__
_COLUMNS = frozenset(c.key for c in _cases_t.c)
_EVALUATES_NONE = frozenset(c.key for c in _cases_t.c if c.type.should_evaluate_none)  # JSON: None is JSON null
# insert_case's walk over the columns: (key, whether None is a value to write, the column's default), id left out
_INSERT_PLAN = tuple((c.key, c.key in _EVALUATES_NONE, c.default) for c in _cases_t.c if c.key != "id")
_UNSET = object()
_updates: dict[tuple[str, ...], object] = {}
_inserts: dict[tuple[str, ...], object] = {}


def _update_for(keys: tuple[str, ...]):
    """UPDATE cases SET <keys> WHERE id = :id_ AND version = :version_ (built once per set of columns)."""
    stmt = _updates.get(keys)
    if stmt is None:
        if len(_updates) > 512:
            _updates.clear()
        stmt = _updates[keys] = (
            update(_cases_t).where(_cases_t.c.id == bindparam("id_", type_=_cases_t.c.id.type),
                                   _cases_t.c.version == bindparam("version_", type_=_cases_t.c.version.type))
            .values({k: bindparam(k, type_=_cases_t.c[k].type) for k in keys}))
    return stmt


def _insert_for(keys: tuple[str, ...]):
    stmt = _inserts.get(keys)
    if stmt is None:
        if len(_inserts) > 512:
            _inserts.clear()
        stmt = _inserts[keys] = (insert(_cases_t).values({k: bindparam(k, type_=_cases_t.c[k].type) for k in keys})
                                 .returning(_cases_t.c.id))
    return stmt


def write_case(s: Session, case: Case) -> None:
    """Write the changed columns of a loaded case with one UPDATE, checked against the version it was loaded at.

    The ORM would issue the same statement at the next flush (Case maps `version` as its version column:
    the UPDATE matches the version read, and no row matched means another transaction changed the case:
    StaleDataError). Changes to the case's relationships (officers added) stay for the session's flush.
    """
    state = inspect(case)
    if not state.persistent or not state.modified:
        return
    committed = state.committed_state
    keys = tuple(sorted(k for k in committed if k in _COLUMNS))
    if not keys:
        return
    values = state.dict
    loaded_version = committed.get("version", values["version"])
    params = {k: values[k] for k in keys}
    params["id_"], params["version_"] = case.id, loaded_version
    _, rowcount = raw.execute(raw.connection(s), _update_for(keys), params)
    if rowcount != 1:
        raise StaleDataError(f"UPDATE statement on table 'cases' expected to update 1 row(s); {rowcount} were matched.")
    if len(keys) == len(committed):
        state._commit_all(values, s.identity_map)  # nothing else pending on the object: it is clean
    else:
        for k in keys:  # relationship changes remain for the flush
            set_committed_value(case, k, values[k])


def insert_case(s: Session, case: Case) -> Case:
    """INSERT a new (transient) case with one statement and make the object persistent in the session.

    The columns are those the unit of work would insert: what was set (a None skipped unless the column
    stores None as a value, i.e. JSON null), a column's default where nothing was set (computed here so
    the object holds the value written), and NULL for the rest. Every column is loaded on the object, so
    nothing is read back; its party (an object of the session, or None) stays as set, its officers collection is
    empty. The object is made persistent as a flush would leave it (`adopt.persist_new`).
    """
    state = inspect(case)
    if not state.transient:
        raise ValueError("insert_case takes a new Case")
    values = state.dict
    if values.get("officers") or any(values.get(r) is not None and values[r] not in s for r in ("party", "agency")):
        # what Session.add would have cascaded: nothing may wait to be written with the case
        raise ValueError("insert_case: officers come after the case; its party and agency are objects of this session")
    get = values.get
    params = {}
    for k, keeps_none, d in _INSERT_PLAN:
        v = get(k, _UNSET)
        if v is not _UNSET and (v is not None or keeps_none):
            params[k] = v
        elif d is None:
            values[k] = None  # straight into the new object's dict: its history is reset below anyway
        else:
            params[k] = values[k] = d.arg if d.is_scalar else d.arg(None)
    rows, _ = raw.execute(raw.connection(s), _insert_for(tuple(params)), params)
    values["id"] = rows[0][0]
    if "officers" not in values:  # none yet: loaded as empty, without the collection's change events
        set_committed_value(case, "officers", [])
    adopt.persist_new(s, case)
    return case


def _insert_officers(n: int):
    """INSERT INTO case_officers (case_id, user_id, role) VALUES (…), … (n rows) RETURNING id, user_id: one round trip
    for a case's officers (a filing names at least two, 行政处罚法 第四十二条)."""
    stmt = _officer_inserts.get(n)
    if stmt is None:
        t = _officers_t
        stmt = _officer_inserts[n] = insert(t).values([
            {"case_id": bindparam(f"c{i}", type_=t.c.case_id.type), "user_id": bindparam(f"u{i}", type_=t.c.user_id.type),
             "role": bindparam(f"r{i}", type_=t.c.role.type)} for i in range(n)]).returning(t.c.id, t.c.user_id)
    return stmt


_officer_inserts: dict[int, object] = {}


def add_officers(s: Session, case: Case, officers: list[tuple[User, str]]) -> None:
    """Put officers on a loaded case (one multi-row case_officers INSERT) and into its `officers` collection."""
    if not officers:
        return
    params = {}
    for i, (u, role) in enumerate(officers):
        params[f"c{i}"], params[f"u{i}"], params[f"r{i}"] = case.id, u.id, role
    rows, _ = raw.execute(raw.connection(s), _insert_officers(len(officers)), params)
    ids = {user_id: row_id for row_id, user_id in rows}  # a case names a user once (unique case_id, user_id)
    added = []
    for u, role in officers:
        # the new row, as a clean persistent object of the session (a new id: the session cannot hold it yet)
        added.append(adopt.adopt_values(s, CaseOfficer, {"id": ids[u.id], "case_id": case.id, "user_id": u.id,
                                                         "role": role}, user=u, case=case))
    set_committed_value(case, "officers", sorted([*case.officers, *added], key=lambda o: o.id))
