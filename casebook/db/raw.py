"""Run a prebuilt Core statement on the raw driver cursor of a connection, with SQLAlchemy's own compiled SQL and
bind processors but without its per-execution machinery.

The write path of an act issues a dozen fixed statements; through `Connection.execute` each costs ~0.1 ms of
Python (cache key, execution context, result wrapping) — more than the database takes for it on SQLite. Here
the statement is compiled once per dialect, its parameters go through the same type processors (JSON text,
SQLite's datetime text, PostgreSQL's bind casts stay in the SQL), and the driver runs it in the connection's
transaction. Only for statements with plain named parameters (no expanding IN lists, no executemany).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from sqlalchemy import JSON, Connection, Date, DateTime
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.sql import ClauseElement

_compiled: dict[tuple[int, str], tuple[ClauseElement, str, tuple[str, ...] | None, tuple, bool]] = {}


def _prepare(stmt: ClauseElement, dialect) -> tuple[str, tuple[str, ...] | None, tuple, bool]:
    """The statement's SQL, its positional names (None: named), its binds' processors and defaults, and whether it
    returns rows (a SELECT, or RETURNING) — compiled once per dialect."""
    key = (id(stmt), dialect.name)
    hit = _compiled.get(key)
    if hit is not None and hit[0] is stmt:
        return hit[1:]
    if len(_compiled) > 2048:  # statements are prebuilt, so this never fills up; a bound all the same
        _compiled.clear()
    c = stmt.compile(dialect=dialect)
    names = tuple(c.positiontup) if c.positional else None
    order = names if names is not None else tuple(c.binds)
    procs = tuple((n, _writer(p, dialect, t), c.binds[n].value)
                  for n in order for t in (c.binds[n].type,) for p in (t._cached_bind_processor(dialect),))
    returns = bool(getattr(stmt, "is_select", False) or getattr(stmt, "_returning", ()))
    hit = _compiled[key] = (stmt, c.string, names, procs, returns)  # the statement is kept: its id is never reused
    return hit[1:]


def _bound(stmt: ClauseElement, dialect, params: dict[str, Any] | None) -> tuple[str, Any]:
    """The statement's SQL and its driver arguments: every bind through its type's bind processor, as
    `Connection.execute` does (None included: a JSON column's None is JSON null there too); a bind missing from
    `params` takes the bindparam's own value."""
    sql, names, procs, _ = _prepare(stmt, dialect)
    get = (params or _NO_PARAMS).get
    if names is not None:  # positional: `procs` follows the statement's order (`_prepare`; a name used twice, twice)
        return sql, [get(name, default) if proc is None else proc(get(name, default)) for name, proc, default in procs]
    return sql, {name: get(name, default) if proc is None else proc(get(name, default))
                 for name, proc, default in procs}


_NO_PARAMS: dict[str, Any] = {}


_CURSOR = "casebook.raw.cursor"


def _cursor(conn: Connection):
    """The driver cursor `raw` runs its statements on: one per driver connection, kept in the pool record's `info`
    (which SQLAlchemy clears when the connection is closed or invalidated) and reused — a new psycopg cursor per
    statement cost ~15 µs of the ~65 µs a small statement takes in Python. Statements run one after another on a
    connection (one thread holds it), each fetching all its rows before the next, so one cursor is enough."""
    fairy = conn.connection
    dbc = fairy.dbapi_connection
    hit = fairy.info.get(_CURSOR)
    if hit is None or hit[0] is not dbc or getattr(hit[1], "closed", False):
        hit = fairy.info[_CURSOR] = (dbc, dbc.cursor())
    return hit[1]


def execute(conn: Connection, stmt: ClauseElement, params: dict[str, Any] | None = None) -> tuple[list, int]:
    """Execute `stmt` with `params` on the connection's driver cursor: (the rows it returned, its rowcount)."""
    sql, args = _bound(stmt, conn.dialect, params)
    cur = _cursor(conn)
    cur.execute(sql, args)
    # Whether it returns rows, from the compiled statement: psycopg builds `description` anew on every access (~12 µs).
    rows = cur.fetchall() if _prepare(stmt, conn.dialect)[3] else []
    return rows, cur.rowcount


_result_procs: dict[tuple[int, str], tuple[ClauseElement, tuple]] = {}


def query(conn: Connection, stmt, params: dict[str, Any] | None = None) -> list[tuple]:
    """Run a prebuilt SELECT (`stmt.selected_columns` in order) like `execute`, and convert each value of the rows
    with its column type's result processor, as a Core result would (SQLite's datetime and date text, JSON text,
    booleans and decimals; the driver's own codes on PostgreSQL): rows as tuples, in the statement's order."""
    conn_dialect = conn.dialect
    sql, args = _bound(stmt, conn_dialect, params)
    cur = _cursor(conn)
    cur.execute(sql, args)
    rows = cur.fetchall()
    key = (id(stmt), conn_dialect.name)
    hit = _result_procs.get(key)
    if hit is None or hit[0] is not stmt:
        cols = list(stmt.selected_columns)
        hit = _result_procs[key] = (stmt, tuple(
            (i, _reader(p, col.type))
            for i, (col, d) in enumerate(zip(cols, cur.description, strict=True))
            if (p := col.type._cached_result_processor(conn_dialect, d[1])) is not None))
    converters = hit[1]
    if not converters:
        return rows
    out = []
    for r in rows:
        r = list(r)
        for i, p in converters:
            v = r[i]
            if v is not None:  # every result processor maps NULL to None (SQLAlchemy's types and UTCDateTime)
                r[i] = p(v)
        out.append(tuple(r))
    return out


def _writer(process, dialect, type_):
    """The bind processor `_bound` runs for a bind of `type_`: JSON's (`_json_writer`); a time's remembering the
    last value it wrote (an act binds its one `now` three to five times: trail entry, event, act record, the
    case's updated_at; times are immutable, so the same object gives the same text); else the type's own."""
    if process is None:
        return None
    affinity = type_._type_affinity
    if affinity is JSON:
        return _json_writer(process, dialect, type_)
    if affinity is DateTime:
        return _last_one(process)
    return process


def _last_one(process):
    last = (object(), None)  # (value, what `process` gave for it), swapped as one tuple: threads share it

    def write(v):
        nonlocal last
        seen = last
        if seen[0] is v:
            return seen[1]
        out = process(v)
        last = (v, out)
        return out

    return write


def _json_writer(process, dialect, type_):
    """A JSON bind's processor, with an empty list or object (a new case has eight) sent as the text json.dumps
    gives, without the encoder (and on PostgreSQL without psycopg's JSON wrapper and its own encoding): where the
    dialect binds JSON as text (SQLite), or renders a cast on every JSON bind (psycopg: `%(x)s::JSON`, so the
    text is cast by the server). Otherwise the processor is kept as it is."""
    if process is None:
        return None
    as_text = process([]) == "[]" and process({}) == "{}"
    cast = (dialect.bind_typing is BindTyping.RENDER_CASTS
            and getattr(type_.dialect_impl(dialect), "render_bind_cast", False))
    if not (as_text or cast):
        def write_value(v):  # text already JSON goes through the processor as its value
            return process(json.loads(v) if type(v) is JSONText else v)

        return write_value

    def write(v):
        t = type(v)
        if t is list and not v:
            return "[]"
        if t is dict and not v:
            return "{}"
        if t is JSONText:
            return str(v)
        return process(v)

    return write


class JSONText(str):
    """Text that is already the JSON of a JSON bind's value (e.g. the canonical text the trail entry hashed): a
    statement run here sends it as it is rather than encoding a value again."""

    __slots__ = ()


def _reader(process, type_):
    """The result processor `query` runs for a column of `type_`: JSON's (`_json_reader`); a date's or a time's
    remembering the texts it has read (SQLite keeps them as text, parsed by a regular expression each time: a
    user's or a case's dates repeat from act to act; dates and times are immutable, so one object serves every
    row); else the type's own."""
    affinity = type_._type_affinity
    if affinity is JSON:
        return _json_reader(process)
    if affinity is DateTime or affinity is Date:
        cached = functools.lru_cache(maxsize=256)(process)  # per column of a statement: a few hundred kB in all

        def read(v):
            return cached(v) if type(v) is str else process(v)

        return read
    return process


def _json_reader(process):
    """A JSON column's result processor, with the empty list and object (most of a case's JSON columns) made
    without the decoder: a new object each time, as json.loads would give."""
    def read(v):
        if v == "[]":
            return []
        if v == "{}":
            return {}
        return process(v)

    return read


def connection(s) -> Connection:
    """`Session.connection()` for the write path: the connection of the session's active transaction when it has
    one for its bind (a dictionary lookup instead of the session's state machinery), else `Session.connection()`."""
    tx = s._transaction
    if tx is not None and s.bind is not None and tx.is_active:
        hit = tx._connections.get(s.bind)
        if hit is not None:
            return hit[0]
    return s.connection()
