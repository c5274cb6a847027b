"""The full-process trail: append-only, hash-chained, signed checkpoints; tampering is found and named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from casebook.audit.chain import entry_hash
from casebook.db.models import TrailEntry
from casebook.services.audit import sign_checkpoint, verify_trail


def _tamper(engine, sql: str, **params):
    """Change trail rows as an attacker with database-owner rights would (the trigger switched off)."""
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE trail_entries DISABLE TRIGGER USER"))
        c.execute(text(sql), params)
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE trail_entries ENABLE TRIGGER USER"))


def _verify(sessions, settings):
    with sessions() as s:
        return verify_trail(s, settings)


@pytest.fixture
def trail(api, sessions, settings):
    """A world with the seeded trail plus a few case acts; returns the number of entries."""
    api.noticed_case()
    r = _verify(sessions, settings)
    assert r.ok, r
    return r.entries


def test_an_untouched_trail_verifies(trail, sessions, settings):
    assert trail > 20


def test_an_edited_row_is_found_and_named(trail, engine, sessions, settings):
    _tamper(engine, "UPDATE trail_entries SET payload = replace(payload, '5000.00', '500.00') WHERE action = 'case.propose_penalty'")
    with sessions() as s:
        seq = s.execute(select(TrailEntry.seq).where(TrailEntry.action == "case.propose_penalty")).scalar_one()
    r = _verify(sessions, settings)
    assert not r.ok and r.problem == "hash_mismatch" and r.first_bad_seq == seq
    assert f"第{seq}条" in r.message


def test_a_failed_verification_leaves_the_callers_transaction_usable(trail, engine, sessions, settings):
    """The walk stops at the first bad entry; the rest of the stream is drained, not cancelled (a cancelled
    statement would abort the caller's transaction on PostgreSQL)."""
    _tamper(engine, "UPDATE trail_entries SET payload = payload || ' ' WHERE seq = 2")
    with sessions() as s:
        r = verify_trail(s, settings)
        assert not r.ok and r.problem == "hash_mismatch" and r.first_bad_seq == 2
        assert s.execute(select(func.count()).select_from(TrailEntry)).scalar_one() == trail
        assert verify_trail(s, settings).first_bad_seq == 2  # and the same session can walk it again


def test_the_copy_path_for_an_older_libpq_gives_the_same_verdict(trail, engine, sessions, settings):
    if engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    from casebook.audit.chain import Checkpoint
    from casebook.db.models import TrailCheckpoint
    from casebook.services.audit import _hashed_line_sql, _pg_verify_copy

    def both():
        with sessions() as s:
            streamed = verify_trail(s, settings)
            cps = [Checkpoint(c.seq, c.entry_hash) for c in s.execute(select(TrailCheckpoint)).scalars()]
            copied = _pg_verify_copy(s.connection().connection.driver_connection, cps, _hashed_line_sql("postgresql"))
        return streamed, copied

    streamed, copied = both()
    assert streamed.ok and streamed == copied
    _tamper(engine, "UPDATE trail_entries SET action = 'case.forged' WHERE seq = 5")
    streamed, copied = both()
    assert not streamed.ok and streamed.first_bad_seq == 5 and streamed == copied


def test_a_deleted_row_is_found(trail, engine, sessions, settings):
    _tamper(engine, "DELETE FROM trail_entries WHERE seq = 10")
    r = _verify(sessions, settings)
    assert not r.ok and r.problem == "missing_entry" and r.first_bad_seq == 10


def test_an_inserted_row_is_found(trail, engine, sessions, settings):
    with sessions() as s:
        row = s.get(TrailEntry, 12)
        cols = {c: getattr(row, c) for c in ("occurred_at", "actor_id", "actor_role", "agency_id", "case_id", "action", "payload")}
    # Shift every later row up by one, then insert a forged entry at 13 whose own hash is consistent.
    _tamper(engine, "UPDATE trail_entries SET seq = seq + 1000000 WHERE seq > 12")
    _tamper(engine, "UPDATE trail_entries SET seq = seq - 999999 WHERE seq > 1000000")
    forged_payload = '{"forged":true}'
    h = entry_hash(row.entry_hash, 13, cols["occurred_at"], cols["actor_id"], cols["actor_role"], cols["agency_id"],
                   cols["case_id"], "case.forged", forged_payload)
    _tamper(engine, "INSERT INTO trail_entries (seq, occurred_at, actor_id, actor_role, agency_id, case_id, action, payload, "
            "prev_hash, entry_hash) VALUES (13, :t, :a, :r, :ag, :c, 'case.forged', :p, :prev, :h)",
            t=cols["occurred_at"] if engine.dialect.name == "postgresql" else cols["occurred_at"].replace(tzinfo=None),
            a=cols["actor_id"], r=cols["actor_role"], ag=cols["agency_id"], c=cols["case_id"], p=forged_payload,
            prev=row.entry_hash, h=h)
    r = _verify(sessions, settings)
    assert not r.ok and r.problem == "broken_link" and r.first_bad_seq == 14


def test_reordered_rows_are_found(trail, engine, sessions, settings):
    _tamper(engine, "UPDATE trail_entries SET seq = -1 WHERE seq = 15")
    _tamper(engine, "UPDATE trail_entries SET seq = 15 WHERE seq = 16")
    _tamper(engine, "UPDATE trail_entries SET seq = 16 WHERE seq = -1")
    r = _verify(sessions, settings)
    assert not r.ok and r.first_bad_seq == 15 and r.problem in ("broken_link", "hash_mismatch")


def test_truncating_the_tail_is_found_by_the_signed_checkpoint(trail, engine, sessions, settings):
    with sessions() as s, s.begin():
        cp = sign_checkpoint(s, settings)
    assert cp.seq == trail
    _tamper(engine, "DELETE FROM trail_entries WHERE seq > :n", n=trail - 3)
    r = _verify(sessions, settings)
    assert not r.ok and r.problem == "truncated" and r.first_bad_seq == trail - 2


def test_an_edit_with_every_later_hash_recomputed_is_caught_by_the_checkpoint(trail, engine, sessions, settings):
    with sessions() as s, s.begin():
        sign_checkpoint(s, settings)
    # Rewrite entry 5 and recompute the whole chain after it, as a careful attacker would.
    with sessions() as s:
        rows = s.execute(select(TrailEntry).order_by(TrailEntry.seq)).scalars().all()
        prev = rows[3].entry_hash
        fixed = []
        for e in rows[4:]:
            payload = '{"tampered":true}' if e.seq == 5 else e.payload
            h = entry_hash(prev, e.seq, e.occurred_at, e.actor_id, e.actor_role, e.agency_id, e.case_id, e.action, payload)
            fixed.append((e.seq, payload, prev, h))
            prev = h
    for seq, payload, p, h in fixed:
        _tamper(engine, "UPDATE trail_entries SET payload = :p, prev_hash = :pr, entry_hash = :h WHERE seq = :s",
                p=payload, pr=p, h=h, s=seq)
    r = _verify(sessions, settings)
    assert not r.ok and r.problem == "checkpoint_mismatch" and r.first_bad_seq == 1


def test_a_forged_checkpoint_signature_is_refused(trail, engine, sessions, settings):
    with sessions() as s, s.begin():
        sign_checkpoint(s, settings)
    with engine.begin() as c:
        c.execute(text("UPDATE trail_checkpoints SET signature = :sig"), {"sig": "A" * 88})
    r = _verify(sessions, settings)
    assert not r.ok and r.problem == "bad_checkpoint_signature"


@pytest.mark.postgres
def test_postgres_refuses_update_delete_and_truncate_on_the_trail(trail, engine, backend):
    if backend != "postgres":
        pytest.skip("the trigger is PostgreSQL's")
    for sql in ("UPDATE trail_entries SET action = 'x' WHERE seq = 1", "DELETE FROM trail_entries WHERE seq = 1",
                "TRUNCATE trail_entries"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as c:
            c.execute(text(sql))


def test_the_cli_verify_exits_non_zero_and_names_the_entry(trail, engine, settings):
    env = {**os.environ, "CASEBOOK_DATABASE_URL": settings.database_url, "CASEBOOK_DATA_DIR": str(settings.data_dir)}
    ok = subprocess.run([sys.executable, "-m", "casebook.cli", "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "校验通过" in ok.stdout
    _tamper(engine, "UPDATE trail_entries SET payload = '{}' WHERE seq = 7")
    bad = subprocess.run([sys.executable, "-m", "casebook.cli", "audit", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "第7条" in bad.stderr


def test_the_admin_endpoint_reports_the_verification(api, trail):
    r = api.get("/api/v1/admin/audit/verify", who="admin")
    assert r.status_code == 200 and r.get_json()["ok"] is True and r.get_json()["entries"] == trail
    assert api.get("/api/v1/admin/audit/verify", who="zhangwei").status_code == 403
    r = api.post("/api/v1/admin/audit/checkpoints", who="admin")
    assert r.status_code == 201 and r.get_json()["seq"] == trail


def test_trail_payloads_mask_personal_data(api, sessions):
    body = {"kind": "person", "name": "测试人", "id_number": "110101199003074518", "phone": "13912345678",
            "address": "山东省枣庄市山亭区某某路1号"}
    from casebook.domain.identifiers import resident_id_check_digit

    body["id_number"] = body["id_number"][:17] + resident_id_check_digit(body["id_number"][:17])
    r = api.post("/api/v1/parties", body)
    assert r.status_code == 201, r.get_json()
    with sessions() as s:
        payload = s.execute(select(TrailEntry.payload).where(TrailEntry.action == "party.registered")
                            .order_by(TrailEntry.seq.desc())).scalars().first()
    assert body["id_number"] not in payload and "13912345678" not in payload and "某某路1号" not in payload
    assert body["id_number"][:6] in payload
