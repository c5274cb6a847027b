"""Verify the trail and sign checkpoints of its head."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.audit import signing
from casebook.audit.chain import Checkpoint, VerifyResult, verify_rows
from casebook.config import Settings
from casebook.db.models import TrailCheckpoint, TrailEntry, TrailHead, utcnow

from .context import Actor

ROW_COLUMNS = (
    TrailEntry.seq, TrailEntry.occurred_at, TrailEntry.actor_id, TrailEntry.actor_role, TrailEntry.agency_id,
    TrailEntry.case_id, TrailEntry.action, TrailEntry.payload, TrailEntry.prev_hash, TrailEntry.entry_hash,
)


def _time_as_hashed(dialect: str):
    """The entry time as the text the hash covers (UTC, ISO, microseconds), formatted by the database.

    Turning a million timestamps back into text in Python costs more than hashing them; if the database's
    text ever differed, the hash would not match and verification would fail loudly, never pass silently.
    """
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", TrailEntry.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US')
    if dialect == "sqlite":
        return func.replace(TrailEntry.occurred_at, " ", "T")
    return TrailEntry.occurred_at


def verify_trail(s: Session, settings: Settings, *, batch: int = 20000) -> VerifyResult:
    """Walk the whole chain and check it against every checkpoint whose signature is valid."""
    key = signing.load_or_create_key(settings.signing_key_path)
    public = key.public_key()
    kid = signing.key_id(public)
    checkpoints = []
    for cp in s.execute(select(TrailCheckpoint).order_by(TrailCheckpoint.seq)).scalars():
        if cp.key_id != kid or not signing.signature_valid(public, cp.seq, cp.entry_hash, cp.signed_at, cp.signature):
            return VerifyResult(False, 0, 0, "", cp.seq, "bad_checkpoint_signature",
                                f"第{cp.seq}条处的检查点签名无效：检查点被伪造或篡改")
        checkpoints.append(Checkpoint(cp.seq, cp.entry_hash))
    conn = s.connection()
    cols = list(ROW_COLUMNS)
    cols[1] = _time_as_hashed(conn.dialect.name)
    # A Core connection, not the ORM: rows stream as plain tuples (the ORM's per-row cost doubled the time).
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(select(*cols).order_by(TrailEntry.seq))
    return verify_rows(result, checkpoints)


def sign_checkpoint(s: Session, settings: Settings, actor: Actor | None = None) -> TrailCheckpoint | None:
    """Sign the current chain head; nothing to do if it is already checkpointed or empty."""
    head = s.execute(select(TrailHead).where(TrailHead.id == 1).with_for_update()).scalar_one()
    if head.seq == 0:
        return None
    last = s.execute(select(TrailCheckpoint.seq).order_by(TrailCheckpoint.seq.desc()).limit(1)).scalar_one_or_none()
    if last == head.seq:
        return None
    key = signing.load_or_create_key(settings.signing_key_path)
    now = utcnow()
    cp = TrailCheckpoint(seq=head.seq, entry_hash=head.entry_hash, signed_at=now, key_id=signing.key_id(key.public_key()),
                         signature=signing.sign(key, head.seq, head.entry_hash, now))
    s.add(cp)
    s.flush()
    return cp


def case_trail(s: Session, case_id: int) -> list[TrailEntry]:
    return list(s.execute(select(TrailEntry).where(TrailEntry.case_id == case_id).order_by(TrailEntry.seq)).scalars())


def head_seq(s: Session) -> int:
    """The trail's length: the chain head's sequence number."""
    return s.execute(select(TrailHead.seq).where(TrailHead.id == 1)).scalar_one()
