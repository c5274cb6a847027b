"""Hash chain of the full-process trail (全过程记录, 国办发〔2018〕118号; 行政处罚法 第四十七条).

entry_hash = SHA-256(prev_hash ‖ canonical line ‖ payload), where the canonical line joins the fixed
columns with "|". Actions and roles are identifiers (no "|"), the payload is canonical JSON and comes
last, so the encoding is unambiguous and cheap enough to verify a million entries in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import json.encoder
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


def _canonical_slow(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


# The C encoder json.dumps builds on every call with these options, built once (a third of the cost per payload).
_c_encoder = (json.encoder.c_make_encoder(None, str, json.encoder.encode_basestring, None, ":", ",", True, False, True)
              if json.encoder.c_make_encoder is not None else None)


def canonical_payload(payload: dict) -> str:
    """Encode a payload as canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    if _c_encoder is None:
        return _canonical_slow(payload)
    return "".join(_c_encoder(payload, 0))


def format_time(t: dt.datetime) -> str:
    """Format a UTC time the same way on every backend."""
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t.isoformat(timespec="microseconds")


def hashed_rest(occurred_at: dt.datetime, actor_id: int | None, actor_role: str, agency_id: int | None,
                case_id: int | None, action: str, payload: str) -> str:
    """What an entry's hash covers after "{prev_hash}|{seq}": the rest of its line, then its payload. (On PostgreSQL
    an act's append has the server hash "{prev_hash}|{seq}" + this: `services.recording._pg_append`.)"""
    return f"|{format_time(occurred_at)}|{actor_id}|{actor_role}|{agency_id}|{case_id}|{action}\n{payload}"


def entry_hash(
    prev_hash: str,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_role: str,
    agency_id: int | None,
    case_id: int | None,
    action: str,
    payload: str,
) -> str:
    rest = hashed_rest(occurred_at, actor_id, actor_role, agency_id, case_id, action, payload)
    return hashlib.sha256(f"{prev_hash}|{seq}{rest}".encode()).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None  # stable code
    message: str | None = None  # Chinese, for people

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


# A row is (seq, occurred_at, actor_id, actor_role, agency_id, case_id, action, payload, prev_hash, entry_hash).
Row = tuple
# A hashed row is (seq, prev_hash, entry_hash, message): message is the exact bytes the entry hash covers
# (canonical line + payload), composed by the database on the streaming path (services.audit.verify_trail).
HashedRow = tuple


def hashed_message(row: Row) -> bytes:
    """The bytes an entry's hash covers, from a full row (the time as a datetime or already as text)."""
    seq, occurred_at, actor_id, role, agency_id, case_id, action, payload, prev_hash, _ = row
    if occurred_at.__class__ is not str:  # the database may already return the hashed text form
        if occurred_at.tzinfo is not None:
            occurred_at = occurred_at.astimezone(dt.UTC).replace(tzinfo=None)
        occurred_at = occurred_at.isoformat(timespec="microseconds")
    return f"{prev_hash}|{seq}|{occurred_at}|{actor_id}|{role}|{agency_id}|{case_id}|{action}\n{payload}".encode()


def verify_rows(rows: Iterable[Row], checkpoints: Iterable[Checkpoint] = ()) -> VerifyResult:
    """Walk full rows in seq order (see `verify_hashed` for what is found)."""
    return verify_hashed(((r[0], r[8], r[9], hashed_message(r)) for r in rows), checkpoints)


def verify_hashed(rows: Iterable[HashedRow], checkpoints: Iterable[Checkpoint] = ()) -> VerifyResult:
    """Walk (seq, prev_hash, entry_hash, message) rows in seq order and name the first entry that breaks the
    chain or a signed checkpoint.

    Finds: an edited row (its hash no longer matches), a deleted or inserted row (a seq gap or a
    prev_hash that is not the previous entry's hash), reordering, and — with checkpoints whose
    signatures were already checked — a chain recomputed after an edit, and truncation of the tail.
    The hash is always computed here from the message, never taken from the database.

    The loop is the hot path of verifying a million entries: one comparison chain per row, and the
    diagnosis (which problem, which message) only once something does not match.
    """
    cps = sorted(checkpoints, key=lambda c: c.seq)
    cp_i = 0
    next_cp = cps[0].seq if cps else -1
    expected_prev = GENESIS_HASH
    expected_seq = 1
    sha = hashlib.sha256
    last_cp_seq = 0
    for seq, prev_hash, ehash, message in rows:
        if seq != expected_seq or prev_hash != expected_prev or seq == next_cp or sha(message).hexdigest() != ehash:
            n = expected_seq  # rows seen including this one (seqs so far were 1..expected_seq-1)
            if seq != expected_seq:
                if seq > expected_seq:
                    return _bad(n - 1, expected_seq, expected_prev, expected_seq, "missing_entry",
                                f"第{expected_seq}条记录缺失（序号从{expected_seq - 1}跳到{seq}），疑似被删除")
                return _bad(n - 1, expected_seq, expected_prev, seq, "out_of_order",
                            f"第{seq}条记录的序号重复或顺序错乱，疑似被插入或重排")
            if prev_hash != expected_prev:
                return _bad(n - 1, seq - 1, expected_prev, seq, "broken_link",
                            f"第{seq}条记录的前序哈希与第{seq - 1}条不符，疑似被插入、删除或重排")
            if sha(message).hexdigest() != ehash:
                return _bad(n - 1, seq - 1, expected_prev, seq, "hash_mismatch",
                            f"第{seq}条记录的内容与其哈希不符，记录已被修改")
            while cp_i < len(cps) and cps[cp_i].seq == seq:
                if cps[cp_i].entry_hash != ehash:
                    return _bad(n - 1, seq - 1, expected_prev, last_cp_seq + 1, "checkpoint_mismatch",
                                f"签名检查点（第{seq}条）与当前哈希链不符：第{last_cp_seq + 1}至{seq}条之间的记录被篡改后重算了哈希")
                last_cp_seq = seq
                cp_i += 1
            next_cp = cps[cp_i].seq if cp_i < len(cps) else -1
        expected_prev = ehash
        expected_seq = seq + 1
    head_seq = expected_seq - 1
    n = head_seq  # a verified chain holds exactly seqs 1..head_seq
    if cp_i < len(cps):
        missing = cps[cp_i]
        return VerifyResult(False, n, head_seq, expected_prev, head_seq + 1, "truncated",
                            f"签名检查点记载至第{missing.seq}条，但记录只到第{head_seq}条：第{head_seq + 1}条起的记录被截断")
    return VerifyResult(True, n, head_seq, expected_prev)


def _bad(n, head_seq, head_hash, first_bad, problem, message) -> VerifyResult:
    return VerifyResult(False, n, head_seq, head_hash, first_bad, problem, message)
