"""Run a prebuilt Core statement on the raw driver cursor of a connection, with SQLAlchemy's own compiled SQL and
bind processors but without its per-execution machinery.

The write path of an act issues a dozen fixed statements; through `Connection.execute` each costs ~0.1 ms of
Python (cache key, execution context, result wrapping) — more than the database takes for it on SQLite. Here
the statement is compiled once per dialect, its parameters go through the same type processors (JSON text,
SQLite's datetime text, PostgreSQL's bind casts stay in the SQL), and the driver runs it in the connection's
transaction. Only for statements with plain named parameters (no expanding IN lists, no executemany).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Connection
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
    procs = tuple((n, _json_writer(p, dialect, t) if t._type_affinity is JSON else p, c.binds[n].value)
                  for n in order for t in (c.binds[n].type,) for p in (t._cached_bind_processor(dialect),))
    returns = bool(getattr(stmt, "is_select", False) or getattr(stmt, "_returning", ()))
    hit = _compiled[key] = (stmt, c.string, names, procs, returns)  # the statement is kept: its id is never reused
    return hit[1:]


def _bound(stmt: ClauseElement, dialect, params: dict[str, Any] | None) -> tuple[str, Any]:
    """The statement's SQL and its driver arguments: every bind through its type's bind processor, as
    `Connection.execute` does (None included: a JSON column's None is JSON null there too); a bind missing from
    `params` takes the bindparam's own value."""
    sql, names, procs, _ = _prepare(stmt, dialect)
    params = params or {}
    values = {}
    for name, proc, default in procs:
        v = params.get(name, default)
        values[name] = v if proc is None else proc(v)
    return sql, [values[n] for n in names] if names is not None else values


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
            (i, _json_reader(p) if col.type._type_affinity is JSON else p)
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
        return process

    def write(v):
        t = type(v)
        if t is list and not v:
            return "[]"
        if t is dict and not v:
            return "{}"
        return process(v)

    return write


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
