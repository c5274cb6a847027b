"""ORM objects from rows read with Core: what the ORM's loading does for a new identity, without its per-query
machinery (issue 17: the act's hot reads).

A query through the ORM costs ~0.3 ms of Python per execution on top of the database (entity setup, row
processors, the eager loaders' adapters) — more than the act's SQL on SQLite. The act's reads are fixed
queries of a few rows, so `services.loading` runs them as Core statements (`raw.query`) and makes the objects
here: the same persistent, clean objects in the session's identity map that the ORM would have returned, with
the same attributes loaded (every column, and the relationships the ORM query eagerly loaded). Attributes not
set stay unloaded and lazy-load on access, as after the ORM query.

Only for identities the session does not hold yet: the caller checks `present` first and falls back to the ORM
query when any row is already in the session (the ORM's rules for refreshing an existing object then apply).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state, set_committed_value

_plans: dict[type, tuple[Mapper, tuple[str, ...], int]] = {}


def plan(cls: type) -> tuple[Mapper, tuple[str, ...], int]:
    """The mapper of `cls`, its column attributes' keys in the table's column order (one column each), and the
    position of the primary key among them."""
    hit = _plans.get(cls)
    if hit is None:
        mapper = inspect(cls)
        if mapper.class_manager.dispatch.load or mapper.inherits is not None or len(mapper.primary_key) != 1:
            raise TypeError(f"{cls.__name__}: load events, inheritance and composite keys are left to the ORM")
        cols = list(mapper.local_table.c)
        keys = tuple(mapper.get_property_by_column(c).key for c in cols)
        hit = _plans[cls] = (mapper, keys, cols.index(mapper.primary_key[0]))
    return hit


def key(cls: type, pk: Any) -> tuple:
    """The identity key of a row of `cls` (single-column primary key, no identity token)."""
    return (cls, (pk,), None)


def present(s: Session, cls: type, pk: Any) -> bool:
    return key(cls, pk) in s.identity_map


def adopt(s: Session, cls: type, row, start: int = 0, **related: Any) -> Any:
    """A new persistent, clean instance of `cls` in session `s` from `row[start:start + ncolumns]` (the table's
    columns in order, values already converted by their types). The caller has checked that the session does
    not hold this identity (`present`). `related`: many-to-one relationships loaded with it (objects of `s`, or
    None), as `set_committed_value` would set them on the new object."""
    mapper, keys, pk_at = plan(cls)
    instance = mapper.class_manager.new_instance()
    state = instance_state(instance)
    state.dict.update(zip(keys, row[start:start + len(keys)], strict=True))
    if related:
        _check_related(cls, related)
        state.dict.update(related)
    state.key = identity = (mapper.class_, (row[start + pk_at],), None)
    state.identity_token = None
    state.session_id = s.hash_key
    s.identity_map._add_unpresent(state, identity)
    if s.dispatch.loaded_as_persistent:
        s.dispatch.loaded_as_persistent(s, state)
    return instance


def width(cls: type) -> int:
    return len(plan(cls)[1])


def loaded(obj: Any, *attrs: str) -> bool:
    """Whether every column of `obj` and the named relationships are loaded (nothing expired, nothing pending)."""
    state = instance_state(obj)
    if state.modified or state.expired_attributes or state.deleted or state._deleted:
        return False
    d = state.dict
    return all(k in d for k in plan(type(obj))[1]) and all(a in d for a in attrs)


__all__ = ["adopt", "adopt_values", "key", "loaded", "new", "persist_new", "plan", "present", "set_committed_value",
           "width"]


def adopt_values(s: Session, cls: type, values: dict[str, Any], **related: Any) -> Any:
    """`adopt` from a mapping of every column attribute's value (a row just written, e.g. from its INSERT)."""
    return adopt(s, cls, tuple(values[k] for k in plan(cls)[1]), **related)


_scalar_relations: dict[type, frozenset[str]] = {}
_column_sets: dict[type, frozenset[str]] = {}


def _check_related(cls: type, related: dict[str, Any]) -> None:
    """Only many-to-one relationships may be set straight into a new object's dict: a collection needs its
    collection object (`set_committed_value`)."""
    names = _scalar_relations.get(cls)
    if names is None:
        names = _scalar_relations[cls] = frozenset(r.key for r in inspect(cls).relationships if not r.uselist)
    if not names.issuperset(related):
        raise TypeError(f"{cls.__name__}: not many-to-one relationships: {sorted(set(related) - names)}")


def new(cls: type, values: dict[str, Any], **related: Any) -> Any:
    """A transient instance of `cls` holding `values` (column attributes), as `cls(**values)` would, without the
    attribute events of the constructor (a new case sets ~20 columns: a tenth of registering a lead's Python), and
    `related` many-to-one objects set as loaded. Nothing is pending on it: the caller writes its row itself and
    then makes it persistent (`persist_new`)."""
    mapper, keys, _ = plan(cls)
    columns = _column_sets.get(cls) or _column_sets.setdefault(cls, frozenset(keys))
    if not columns.issuperset(values):
        raise TypeError(f"{cls.__name__}: not columns: {sorted(set(values) - columns)}")
    instance = mapper.class_manager.new_instance()
    d = instance_state(instance).dict
    d.update(values)
    if related:
        _check_related(cls, related)
        d.update(related)
    return instance


def persist_new(s: Session, instance: Any) -> None:
    """Make a transient instance whose row the caller has just INSERTed a clean persistent object of `s`, as a flush
    leaves it: every column is in its dict (primary key included), and each relationship set on it holds objects
    `s` already has (set as loaded) — so no save-update cascade has anything to add, and `Session.add`'s walk over
    the relationships (a third of writing the new case) is skipped. Attributes not set stay unloaded and lazy-load
    on access, as on an object `adopt` made."""
    mapper, keys, pk_at = plan(type(instance))
    state = instance_state(instance)
    if state.key is not None or state.session_id is not None:
        raise ValueError("persist_new takes a transient instance")
    d = state.dict
    identity = (mapper.class_, (d[keys[pk_at]],), None)
    state.key = identity
    state.identity_token = None
    state._commit_all(d)  # nothing modified: its history starts here
    state.session_id = s.hash_key
    s.identity_map._add_unpresent(state, identity)
