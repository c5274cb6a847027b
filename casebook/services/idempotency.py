"""Idempotency-Key records: a retried command gets its first response and writes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import IdempotencyRecord


def find(s: Session, user_id: int, key: str) -> IdempotencyRecord | None:
    return s.execute(select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
                     ).scalar_one_or_none()


def save(s: Session, user_id: int, key: str, request_hash: str, status: int, body: str, headers: dict) -> None:
    """Store the response in the command's own transaction; a concurrent twin fails on the unique key."""
    s.add(IdempotencyRecord(user_id=user_id, key=key, request_hash=request_hash, status_code=status,
                            response_body=body, headers=headers))
    s.flush()
