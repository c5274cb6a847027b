"""What one API request costs the database: pool checkouts and statements around the service.

A list is one checkout (the token is resolved in the session the list then reads in) and two statements (the
token with its user in one; the page in one). On PostgreSQL a request that writes runs in one session as well —
token, permission check and the act commit together; on SQLite the token is read beside the writer, not under
its lock. A refused act on that shared session changes nothing and the next request is served."""

from __future__ import annotations

import pytest
from sqlalchemy import event


@pytest.fixture
def counted(engine, monkeypatch):
    """Pool checkouts and the statements sent: through Core (the engine's event) and on the driver's cursor
    (`casebook.db.raw`, which the engine's events do not see)."""
    from casebook.db import raw

    seen = {"checkouts": 0, "statements": []}
    bound = raw._bound

    def _raw(stmt, dialect, params):
        sql, args = bound(stmt, dialect, params)
        seen["statements"].append(sql)
        return sql, args

    monkeypatch.setattr(raw, "_bound", _raw)

    def _checkout(*_a):
        seen["checkouts"] += 1

    def _stmt(_conn, _cur, statement, *_a):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen["statements"].append(statement)

    event.listen(engine, "checkout", _checkout)
    event.listen(engine, "before_cursor_execute", _stmt)

    def reset():
        seen["checkouts"], seen["statements"] = 0, []
        return seen

    yield reset
    event.remove(engine, "checkout", _checkout)
    event.remove(engine, "before_cursor_execute", _stmt)


def test_the_case_list_is_one_checkout_and_two_statements(api, counted):
    api.lead()
    api.get("/api/v1/cases")  # the token's last use is written at most once a minute: not in what is counted
    seen = counted()
    r = api.get("/api/v1/cases")
    assert r.status_code == 200 and r.get_json()["items"]
    assert seen["checkouts"] == 1
    assert len(seen["statements"]) == 2, seen["statements"]
    assert "api_tokens" in seen["statements"][0] and "users" in seen["statements"][0]  # one query for both


def test_a_write_request_authenticates_in_the_session_it_writes_in_on_postgres(api, counted, backend):
    api.lead()
    api.get("/api/v1/cases")
    body = {"source": "complaint", "cause": "涉嫌销售过期食品", "discovered_on": "2026-03-02", "party_id": api.party()}
    officers = api.officers()
    seen = counted()
    r = api.post("/api/v1/cases", body)
    assert r.status_code == 201, r.get_json()
    assert seen["checkouts"] == (1 if backend == "postgres" else 2)
    cid = r.get_json()["id"]
    # an act on a case: token, the permission check before the body (admit) and the act itself
    etag = api.etag(cid, "zhaomin")
    seen = counted()
    r = api.post(f"/api/v1/cases/{cid}/actions/file", {"filed_on": "2026-03-03", "officer_ids": officers},
                 who="zhaomin", headers={"If-Match": etag})
    assert r.status_code == 200, r.get_json()
    assert seen["checkouts"] == (1 if backend == "postgres" else 3)


def test_a_refused_act_in_the_shared_session_changes_nothing_and_the_next_request_is_served(api):
    cid = api.lead()
    before = api.snapshot()
    etag = api.etag(cid, "zhaomin")
    # a stale version: refused in the act's transaction, after the token and permission were read in it
    r = api.post(f"/api/v1/cases/{cid}/actions/file", {"filed_on": "2026-03-03", "officer_ids": api.officers()},
                 who="zhaomin", headers={"If-Match": '"999"'})
    assert r.status_code in (409, 412), r.get_json()
    # refused by the service itself (a filing date before the lead was discovered)
    r = api.post(f"/api/v1/cases/{cid}/actions/file", {"filed_on": "2026-03-01", "officer_ids": api.officers()},
                 who="zhaomin", headers={"If-Match": etag})
    assert r.status_code == 409 and r.get_json()["code"] == "action_refused", r.get_json()
    assert api.snapshot() == before
    api.act(cid, "file", {"filed_on": "2026-03-03", "officer_ids": api.officers()}, who="zhaomin")
    assert api.get(f"/api/v1/cases/{cid}").get_json()["stage"] == "filed"
