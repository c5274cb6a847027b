"""A pooled PostgreSQL connection keeps its prepared statements through a clean rollback (`db.engine.
keep_prepared_on_rollback`): psycopg's own rollback forgets them all and sends DEALLOCATE ALL, so a connection that
saw a refused act every few acts never prepared its statements again and re-planned each of them on every act."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from casebook.domain.errors import ActionRefused


@pytest.fixture
def pg(backend):
    if backend != "postgres":
        pytest.skip("psycopg's prepared statements (SQLite prepares nothing across statements here)")


def _prepared(engine) -> list[str]:
    with engine.connect() as c:  # the pool's connection, the one the acts used (one thread, one at a time)
        return list(c.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars())


def _driver(engine):
    with engine.connect() as c:
        return c.connection.driver_connection


def test_a_refused_act_keeps_the_connections_prepared_statements(pg, sessions, engine, settings):
    from casebook.db.models import Party
    from casebook.seed import demo_user
    from casebook.services.cases import perform, register_lead
    from casebook.services.context import actor_for, local_today

    with sessions() as s:
        officer, head = actor_for(s, demo_user(s, "zhangwei")), actor_for(s, demo_user(s, "zhaomin"))
        officer_ids = [officer.user_id, demo_user(s, "liqiang").id]
        party_id = s.execute(select(Party.id).where(Party.kind == "organization").order_by(Party.id)).scalars().first()
    today = local_today()
    lead = {"source": "complaint", "cause": "涉嫌销售超过保质期的食品", "discovered_on": today, "party_id": party_id}
    filing = {"filed_on": today, "officer_ids": officer_ids}
    conn = _driver(engine)
    for _ in range(7):  # each statement used once a round: psycopg prepares it on its sixth use if nothing resets it
        with sessions() as s, s.begin():
            case = register_lead(s, officer, lead, settings=settings)
            case_id, version = case.id, case.version
        with sessions() as s, s.begin():
            perform(s, head, case_id, "file", filing, expected_version=version, settings=settings)
        with pytest.raises(ActionRefused), sessions() as s, s.begin():  # filed already: refused, rolled back
            perform(s, head, case_id, "file", filing, expected_version=None, settings=settings)
    assert _driver(engine) is conn  # one pooled connection served every act
    prepared = _prepared(engine)
    assert any("INSERT INTO cases" in p for p in prepared), prepared
    assert any("FROM cases" in p and "FOR NO KEY UPDATE OF cases" in p for p in prepared), prepared


def test_a_transaction_in_error_still_forgets_them(pg, engine):
    """After a failed statement a Parse may have failed too: psycopg's own rollback (forget, DEALLOCATE ALL) runs."""
    with engine.connect() as c:
        for _ in range(7):
            c.exec_driver_sql("SELECT count(*) FROM pg_class WHERE relpages >= %(n)s", {"n": 0}).all()
        c.commit()
    assert any("relpages" in p for p in _prepared(engine))
    with engine.connect() as c:
        with pytest.raises(DBAPIError):
            c.exec_driver_sql("SELECT 1 / 0")
        c.rollback()
    assert not any("relpages" in p for p in _prepared(engine))
