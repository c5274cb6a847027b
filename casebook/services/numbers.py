"""Gap-free numbers (案号, 文号) per agency, kind and year, safe under concurrent transactions."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casebook.db import raw
from casebook.db.models import NumberSequence


def _take_statement(insert_fn):
    t = NumberSequence.__table__
    ins = insert_fn(t).values({c: bindparam(c, type_=t.c[c].type) for c in ("agency_id", "kind", "year", "last_value")})
    return ins.on_conflict_do_update(
        index_elements=[t.c.agency_id, t.c.kind, t.c.year], set_={"last_value": t.c.last_value + 1}
    ).returning(t.c.last_value)


# Built once: one statement per backend, compiled once and cached.
_TAKE = {"postgresql": _take_statement(pg_insert), "sqlite": _take_statement(sqlite_insert)}


def next_number(s: Session, agency_id: int, kind: str, year: int) -> int:
    """Take the next value in the caller's transaction; a rollback gives it back, so there are no gaps.

    One statement: INSERT … ON CONFLICT DO UPDATE SET last_value = last_value + 1 RETURNING last_value.
    The first number of an (agency, kind, year) inserts the row with 1; every later one increments it
    under the row lock, held until commit, so concurrent takers queue up instead of sharing a number (on
    PostgreSQL a concurrent first insert waits for the other and then takes the update branch; SQLite
    writers are serialised by BEGIN IMMEDIATE).
    """
    conn = raw.connection(s)
    rows, _ = raw.execute(conn, _TAKE[conn.dialect.name], {"agency_id": agency_id, "kind": kind, "year": year,
                                                          "last_value": 1})
    (value,), = rows
    return value


def current_number(s: Session, agency_id: int, kind: str, year: int) -> int:
    return s.execute(
        select(NumberSequence.last_value).where(
            NumberSequence.agency_id == agency_id, NumberSequence.kind == kind, NumberSequence.year == year
        )
    ).scalar_one_or_none() or 0


def format_case_no(fmt: str, code: str, year: int, seq: int) -> str:
    """`{code}立〔{year}〕{seq}号` → 山亭市监立〔2026〕1号: six-corner brackets, no 第, no zero padding (GB/T 9704 §7.2.5)."""
    return fmt.format(code=code, year=year, seq=seq)
