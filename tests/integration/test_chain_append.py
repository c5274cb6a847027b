"""An act's append to the chain (services.recording.record). On PostgreSQL one statement moves the chain head,
has the server hash the new entry (`chain.entry_hash`'s bytes) and writes the entry, its event and the act's record:
concurrent acts must still make one unbroken chain whose hashes Python recomputes, with their events' ids taken in
chain order. On SQLite (writers serialised by BEGIN IMMEDIATE) one UPDATE … RETURNING moves the head and hashes the entry through a
SQL function the engine registers, so whoever wrote the head last (another engine, another process) is followed."""

from __future__ import annotations

import threading

from sqlalchemy import select

from casebook.db import raw
from casebook.db.models import OutboxEvent, TrailEntry, TrailHead
from casebook.services.audit import verify_trail


def test_concurrent_acts_make_one_chain_with_their_events_in_chain_order(api, sessions, settings):
    for u in ("zhangwei", "liqiang"):
        api.token(u)  # issued before the threads start: they only read the helper's cache
    n_threads, per_thread = 6, 5
    ids: list[int] = []
    errors: list = []
    lock = threading.Lock()

    def work(k: int) -> None:
        who = "zhangwei" if k % 2 else "liqiang"
        for i in range(per_thread):
            try:
                cid = api.lead(who=who, cause=f"涉嫌销售过期食品 {k}-{i}")  # asserts its 201
                with lock:
                    ids.append(cid)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(ids) == n_threads * per_thread

    with sessions() as s:
        result = verify_trail(s, settings)  # every hash recomputed in Python, every prev_hash the entry before
        assert result.ok, result
        entries = s.execute(select(TrailEntry.seq, TrailEntry.case_id).where(
            TrailEntry.action == "case.register_lead", TrailEntry.case_id.in_(ids)).order_by(TrailEntry.seq)).all()
        assert len(entries) == len(ids)
        events = dict(s.execute(select(OutboxEvent.case_id, OutboxEvent.id).where(
            OutboxEvent.case_id.in_(ids), OutboxEvent.type == "case.lead_registered")).all())
        # the events' ids in the order of their acts on the chain: the relay never sees a later act's event first
        assert [events[cid] for _, cid in entries] == sorted(events.values())
        head = s.get(TrailHead, 1)
        last = s.execute(select(TrailEntry.seq, TrailEntry.entry_hash).order_by(TrailEntry.seq.desc()).limit(1)).one()
        assert (head.seq, head.entry_hash) == tuple(last) == (result.head_seq, result.head_hash)


def test_the_act_moves_the_head_in_one_statement_on_postgresql(api, sessions, settings, backend, monkeypatch):
    """The server's hash is the one Python computes, for text where an encoding slip would show: a character outside
    the Basic Multilingual Plane (生僻字), a newline, a backslash and quotes."""
    api.lead()  # warm: the actor's token, the party
    bound = raw._bound
    sent: list[str] = []
    monkeypatch.setattr(raw, "_bound", lambda stmt, d, p: sent.append(str(stmt)) or bound(stmt, d, p))
    cid = api.lead(cause='涉嫌销售𠮷野家过期食品\n第二行 \\ "引号" \'单引号\'')
    monkeypatch.undo()
    heads = [q for q in sent if "trail_head" in q]
    if backend == "postgres":
        assert len(heads) == 1 and heads[0].startswith("WITH head AS") and "sha256" in heads[0], heads
        assert "FOR UPDATE" not in heads[0]
    else:  # SQLite: the head moved on and the entry hashed by the database too (a function db.engine registers)
        assert len(heads) == 1 and heads[0].startswith("UPDATE trail_head") and "casebook_sha256_hex" in heads[0], heads
        assert "RETURNING" in heads[0] and "FOR UPDATE" not in heads[0]
    with sessions() as s:
        assert verify_trail(s, settings).ok
        entry = s.execute(select(TrailEntry).where(TrailEntry.case_id == cid)).scalar_one()
        assert "𠮷" in entry.payload and "\\n" in entry.payload  # the payload as written, JSON-escaped newline
        before = s.execute(select(TrailEntry.entry_hash).where(TrailEntry.seq == entry.seq - 1)).scalar_one()
        assert entry.prev_hash == before


def test_writers_on_two_engines_of_one_database_make_one_chain(api, sessions, settings, engine):
    """A second engine (another process's, the CLI's) appends between this engine's acts: every entry is hashed over
    the head as the database holds it, whoever wrote it."""
    from casebook.db.engine import make_engine, make_sessionmaker
    from casebook.services.context import SYSTEM
    from casebook.services.recording import record

    other = make_engine(settings.database_url)
    try:
        others = make_sessionmaker(other, settings=settings)
        for i in range(4):
            api.lead(cause=f"涉嫌销售过期食品 {i}")
            with others() as s, s.begin():
                record(s, SYSTEM, "system.note", {"n": i, "note": "另一个进程写入"}, agency_id=None)
    finally:
        other.dispose()
    with sessions() as s:
        result = verify_trail(s, settings)
        assert result.ok, result
        actions = s.execute(select(TrailEntry.action).order_by(TrailEntry.seq.desc()).limit(8)).scalars().all()
        assert actions[::2] == ["system.note"] * 4 and all(a == "case.register_lead" for a in actions[1::2])
