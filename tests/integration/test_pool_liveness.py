"""PostgreSQL connections handed out by the pool are alive, without a ping for the ones just used
(casebook.db.engine.check_on_checkout): a backend terminated while its connection sat in the pool is replaced
at the next checkout and the request is served; a connection just used is not pinged; one idle past the
threshold is."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from casebook.db.engine import PING_AFTER_IDLE_S, make_engine


@pytest.fixture
def pg_url(db_url, backend):
    if backend != "postgres":
        pytest.skip("PostgreSQL connection liveness")
    return db_url


def _pid(engine) -> int:
    with engine.connect() as c:
        return c.execute(text("select pg_backend_pid()")).scalar_one()


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        assert c.execute(text("select pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()


def _pings(engine) -> list:
    seen = []
    do_ping = engine.dialect.do_ping

    def counting(dbapi_conn):
        seen.append(1)
        return do_ping(dbapi_conn)

    engine.dialect.do_ping = counting
    return seen


def test_a_backend_terminated_in_the_pool_is_replaced_without_an_error(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        _terminate(pg_url, first)
        time.sleep(0.3)  # the server's goodbye reaches the pooled socket
        invalidated = []
        event.listen(engine, "invalidate", lambda *a: invalidated.append(1))
        second = _pid(engine)  # no OperationalError: the dead connection was swapped at checkout
        assert second != first and invalidated
    finally:
        engine.dispose()


def test_a_connection_just_used_is_not_pinged_and_one_idle_too_long_is(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        pings = _pings(engine)
        pid = _pid(engine)
        for _ in range(5):
            assert _pid(engine) == pid
        assert pings == []  # five checkouts, no round trip spent on liveness
        # as if the connection had sat in the pool past the threshold
        with engine.connect() as c:
            rec = c.connection._connection_record
        rec.info["casebook_idle_since"] -= PING_AFTER_IDLE_S + 1
        assert _pid(engine) == pid and pings == [1]
    finally:
        engine.dispose()


def test_without_a_ping_a_silently_dead_connection_past_the_threshold_is_replaced(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        with engine.connect() as c:
            rec = c.connection._connection_record
        rec.info["casebook_idle_since"] -= PING_AFTER_IDLE_S + 1
        _terminate(pg_url, first)
        assert _pid(engine) != first
    finally:
        engine.dispose()
