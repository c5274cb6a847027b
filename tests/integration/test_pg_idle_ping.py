"""PostgreSQL: a pooled connection idle longer than PING_AFTER_IDLE_S is pinged at checkout and replaced when the
server has closed it (engine._ping_when_idle, SQLAlchemy's pool_pre_ping for idle connections); one back in the
pool within that time is used without a round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from casebook.db import engine as engine_mod
from casebook.db.engine import make_engine


@pytest.fixture
def pg_url(backend, db_url):
    if backend != "postgres":
        pytest.skip("the pool's ping is PostgreSQL's")
    return db_url


def _pid(e) -> int:
    with e.connect() as c:
        return c.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_closed_by_the_server_while_idle_is_replaced(pg_url, monkeypatch):
    e = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _pid(e)
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one()
        admin.dispose()
        monkeypatch.setattr(engine_mod, "PING_AFTER_IDLE_S", 0.0)  # as if idle longer than that
        assert _pid(e) != first  # pinged, found dead, replaced: the caller saw nothing
    finally:
        e.dispose()


def test_a_connection_just_returned_is_not_pinged(pg_url):
    e = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        _pid(e)
        real = e.dialect.do_ping
        pings = []
        e.dialect.do_ping = lambda conn: pings.append(1) or real(conn)
        _pid(e)
        assert pings == []
    finally:
        e.dispose()
