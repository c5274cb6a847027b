"""User-driven searches are planned for their values: on PostgreSQL the filtered case list, the parties search and
the public search run unprepared (casebook.db.plans.custom_plans), so the server never settles on a generic plan
for them (at 1 M cases the party-name filter went from 25 ms to 95–160 ms on one). The write path's statements are
still prepared as before."""

from __future__ import annotations

from sqlalchemy import select, text

from casebook.db.models import Case
from casebook.seed import demo_user
from casebook.services.case_list import list_cases
from casebook.services.context import actor_for
from casebook.services.parties import search_parties
from casebook.services.publicity import search


def _prepared(s, like: str) -> int:
    return s.execute(text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :p"),
                     {"p": like}).scalar_one()


def test_searches_repeated_on_one_connection_are_never_prepared(backend, api, read_sessions):
    api.lead()
    if backend == "sqlite":  # nothing is prepared there: custom_plans hands the connection back as it is
        from casebook.db.plans import custom_plans

        with read_sessions() as s, custom_plans(s.connection()) as conn:
            assert conn is s.connection() and conn.execute(text("SELECT 1")).scalar_one() == 1
        return
    with read_sessions() as s:
        actor = actor_for(s, demo_user(s, "zhangwei"))
        driver = s.connection().connection.driver_connection
        threshold = driver.prepare_threshold
        for _ in range(12):
            list_cases(s, actor, {"party_name": "食品"}, limit=51)
            search_parties(s, actor, q="食品", id_number=None, limit=20, after=None)
            search(s, {"party": "食品"})
        assert _prepared(s, "%parties.name LIKE%") == 0
        assert _prepared(s, "%publications.party_name%") == 0
        assert driver.prepare_threshold == threshold  # the connection's own setting is back
        # Control: the same kind of statement outside custom_plans is prepared by the fifth run, so the check above
        # would see a prepared search.
        stmt = select(Case.id).where(Case.cause.contains("食品", autoescape=True)).limit(5)
        for _ in range(8):
            s.execute(stmt).all()
        assert _prepared(s, "%cases.cause LIKE%") == 1
