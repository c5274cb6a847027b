"""Statements planned for their parameters: user-driven searches are never run from a prepared statement.

psycopg prepares a statement after its fifth execution on a connection, and after five more executions of the
prepared statement PostgreSQL may keep one generic plan for every parameter value, costed with fixed guesses of
selectivity. That suits the write path's key lookups. It does not suit a search whose selectivity is the user's
choice: the case list filtered by a party's name (the parties whose name contains the text, then their cases, a
page after an id) ran 25 ms planned for the name and 95–160 ms on the generic plan, at 1 M cases, from the
tenth search on one pooled connection on (measured 2026-12-05). Inside `custom_plans` the connection's
statements are sent unprepared, so the server plans each for its values; on SQLite nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


@contextmanager
def custom_plans(conn: Connection) -> Iterator[Connection]:
    """Run the block's statements on `conn` unprepared (PostgreSQL), then restore the connection's setting."""
    if conn.dialect.name != "postgresql":
        yield conn
        return
    driver = conn.connection.driver_connection
    before = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield conn
    finally:
        driver.prepare_threshold = before
