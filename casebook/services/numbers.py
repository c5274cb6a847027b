"""Gap-free numbers (案号, 文号) per agency, kind and year, safe under concurrent transactions."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casebook.db.models import NumberSequence


def next_number(s: Session, agency_id: int, kind: str, year: int) -> int:
    """Take the next value in the caller's transaction; a rollback gives it back, so there are no gaps.

    The row is created if missing (ON CONFLICT DO NOTHING) and then incremented with UPDATE … RETURNING,
    which holds the row lock until commit: concurrent filings queue up instead of sharing a number.
    """
    dialect = s.get_bind().dialect.name
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(NumberSequence).values(
        agency_id=agency_id, kind=kind, year=year, last_value=0
    ).on_conflict_do_nothing()
    s.execute(ins)
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.agency_id == agency_id, NumberSequence.kind == kind, NumberSequence.year == year)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    )
    return s.execute(stmt, execution_options={"synchronize_session": False}).scalar_one()


def current_number(s: Session, agency_id: int, kind: str, year: int) -> int:
    return s.execute(
        select(NumberSequence.last_value).where(
            NumberSequence.agency_id == agency_id, NumberSequence.kind == kind, NumberSequence.year == year
        )
    ).scalar_one_or_none() or 0


def format_case_no(fmt: str, code: str, year: int, seq: int) -> str:
    """`{code}立〔{year}〕{seq}号` → 山亭市监立〔2026〕1号: six-corner brackets, no 第, no zero padding (GB/T 9704 §7.2.5)."""
    return fmt.format(code=code, year=year, seq=seq)
