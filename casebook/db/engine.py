"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from casebook.db import raw


class WriterQueue:
    """One process's writers to one SQLite database, queued in the process before SQLite's write lock.

    SQLite lets one writer in at a time; the others sleep in its busy handler, which retries on a backoff
    of up to 100 ms per sleep, so under contention a writer waits far longer than the transaction ahead
    of it takes (p95 0.4–0.9 s with 4–8 concurrent writers). Taking this lock before BEGIN IMMEDIATE
    wakes the next writer as soon as the previous one commits. Writers in other processes (the CLI, a
    second server) still meet SQLite's own lock and its busy handler, as before.
    """

    def __init__(self, timeout: float) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()  # first come, first served: the tail stays short
        self._held = False
        self._owner: int | None = None
        self.timeout = timeout

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> bool:
        """Wait for our turn (FIFO); False (go on without the queue, to SQLite's busy handler) if this thread
        already holds it on another connection, or after the timeout."""
        me = threading.get_ident()
        if self._owner == me:
            return False
        with self._mutex:
            if not self._held:
                self._held, self._owner = True, me
                return True
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        if not gate.acquire(timeout=self.timeout):
            with self._mutex:
                if gate in self._waiters:  # still queued: give up our place
                    self._waiters.remove(gate)
                    return False
            # handed over just as the wait timed out: ours after all
        self._owner = me
        return True

    def release(self) -> None:
        """Hand the queue to the writer that has waited longest, or free it."""
        with self._mutex:
            self._owner = None
            if self._waiters:
                self._waiters.popleft().release()  # stays held: handed over
            else:
                self._held = False


_writer_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_queue(url: str) -> WriterQueue:
    """The process-wide queue of a SQLite database file (every engine on that file in this process shares it)."""
    u = make_url(url)
    db = u.database or ""
    key = os.path.realpath(db) if db and db != ":memory:" and not db.startswith("file:") else f"{id(u)}:{db}"
    with _queues_lock:
        q = _writer_queues.get(key)
        if q is None:
            q = _writer_queues[key] = WriterQueue(timeout=SQLITE_BUSY_TIMEOUT_S)
        return q


SQLITE_BUSY_TIMEOUT_S = 30
SHA256_HEX = "casebook_sha256_hex"


def _sha256_hex(text: str | None) -> str | None:
    """SQL function on SQLite connections: the hex SHA-256 of a text's UTF-8 bytes (PostgreSQL's
    encode(sha256(convert_to(text, 'UTF8')), 'hex'))."""
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def _driver_exec(conn, sql: str) -> None:
    """Run a statement on the connection's driver cursor (the one `db.raw` keeps for it)."""
    raw._cursor(conn).execute(sql)


def make_engine(url: str, **kw) -> Engine:
    """Create an engine with the pragmas each backend needs."""
    if url.startswith("sqlite"):
        from casebook.private_files import sqlite_file

        sqlite_file(url)  # 0600 in a 0700 directory, not SQLite's 0644
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}, **kw)
        queue = writer_queue(url)
        holders: set[int] = set()  # ids of this engine's DBAPI connections that hold the queue

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not pysqlite, issue BEGIN: we need BEGIN IMMEDIATE (see below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # The chain's next hash computed in the statement that moves the head on (services.recording).
            dbapi_conn.create_function(SHA256_HEX, 1, _sha256_hex, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock at BEGIN: two deferred transactions that both read the trail head
            # and then write would fail with SQLITE_BUSY_SNAPSHOT instead of waiting their turn. Readers
            # (sessions from make_sessionmaker(readonly=True)) begin deferred and run beside a writer (WAL).
            # Writers of this process first queue in the process (WriterQueue), then BEGIN IMMEDIATE.
            # On the driver's cursor: Connection.exec_driver_sql costs ~0.1 ms of Python for a statement SQLite
            # runs in microseconds, on every transaction (issue 17).
            if conn.get_execution_options().get("casebook_readonly", False):
                _driver_exec(conn, "BEGIN")
                return
            held = queue.acquire()
            try:
                _driver_exec(conn, "BEGIN IMMEDIATE")
            except BaseException:
                if held:
                    queue.release()
                raise
            if held:
                holders.add(id(conn.connection.dbapi_connection))

        def _release(connection) -> None:  # a pooled connection (fairy) or the DBAPI connection itself
            raw = getattr(connection, "dbapi_connection", connection)
            if id(raw) in holders:
                holders.discard(id(raw))
                queue.release()

        # The queue is released after COMMIT or ROLLBACK itself (the commit/rollback events fire before them).
        dialect = engine.dialect
        do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

        def _commit(connection) -> None:
            try:
                do_commit(connection)
            finally:
                _release(connection)

        def _rollback(connection) -> None:
            try:
                do_rollback(connection)
            finally:
                _release(connection)

        dialect.do_commit, dialect.do_rollback = _commit, _rollback

        @event.listens_for(engine, "invalidate")
        @event.listens_for(engine, "close")
        def _dropped(dbapi_conn, _record, *_exc):
            _release(dbapi_conn)

        return engine
    own_check = "pool_pre_ping" not in kw  # a caller may still ask for SQLAlchemy's ping on every checkout
    if "poolclass" not in kw:
        kw.setdefault("pool_size", 10)
    engine = create_engine(url, connect_args={"options": "-c timezone=UTC"}, **kw)
    if own_check:
        check_on_checkout(engine)
    keep_prepared_on_rollback(engine)
    return engine


def keep_prepared_on_rollback(engine: Engine) -> None:
    """A clean transaction rolled back keeps the connection's prepared statements (psycopg 3).

    psycopg's rollback() forgets every statement the connection has prepared and sends DEALLOCATE ALL, in case a
    statement was prepared in a transaction that failed. So every refused act, stale version or invalid request
    that rolls back cost its pooled connection all its prepared statements, and one that saw a rollback at least
    every fifth use of a statement never prepared it again: each act re-parsed and re-planned its statements (the
    case load with its party, officers and credentials alone plans in ~0.6 ms). Measured on PostgreSQL
    (`bench/refused_acts.py`): a lead and its filing 5.1 ms on a connection that only commits, 7.9 ms with a refused
    act rolled back before each, 5.3 ms with this.

    When the transaction is not in error, every statement prepared in it was prepared (a failed Parse would have
    put it in error), and PostgreSQL keeps prepared statements across ROLLBACK (they belong to the session, not the
    transaction), so there is nothing to forget: the ROLLBACK is sent as psycopg itself sends it, without the
    clearing. A transaction in error, or a connection in pipeline mode, rolls back the usual way. Statements that
    change the schema (DROP, ALTER …) still make psycopg forget its statements when they run.
    """
    if engine.dialect.driver != "psycopg":
        return
    from psycopg import pq

    dialect = engine.dialect
    do_rollback = dialect.do_rollback
    in_transaction = pq.TransactionStatus.INTRANS

    def _rollback(connection) -> None:  # a pooled connection (fairy) or the DBAPI connection itself
        conn = getattr(connection, "dbapi_connection", connection)
        exec_command = getattr(conn, "_exec_command", None)
        if exec_command is not None and getattr(conn, "_pipeline", True) is None and hasattr(conn, "lock"):
            with conn.lock:
                if conn.info.transaction_status == in_transaction:
                    conn.wait(exec_command(b"ROLLBACK"))
                    return
        do_rollback(connection)

    dialect.do_rollback = _rollback


PING_AFTER_IDLE_S = 30.0


def check_on_checkout(engine: Engine, ping_after_idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Hand out only live PostgreSQL connections, without a round trip for the ones just used.

    SQLAlchemy's pool_pre_ping sends a query on every checkout: one round trip of every request's three on the
    case list. Instead: a connection whose socket has something to read while it sits idle in the pool (the
    server's "terminating connection" and end of stream after a restart or pg_terminate_backend; nothing else
    arrives unasked on a pooled connection) is dropped and replaced, with no round trip; one idle for longer
    than `ping_after_idle_s` (a firewall or proxy may have forgotten it silently) is pinged as before.
    """
    import select
    import time

    from sqlalchemy import exc

    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn, record):
        record.info["casebook_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_conn, record):
        if record is not None:
            record.info["casebook_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy):
        try:
            poller = select.poll()
            poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            if poller.poll(0):
                raise exc.DisconnectionError("the server spoke on an idle connection (closed or terminated)")
            if time.monotonic() - record.info.get("casebook_idle_since", 0.0) >= ping_after_idle_s:
                dialect.do_ping(dbapi_conn)
        except exc.DisconnectionError:
            raise
        except Exception as e:  # a dead socket or a failed ping: the pool replaces the connection
            raise exc.DisconnectionError(str(e)) from e


def make_sessionmaker(engine: Engine, *, readonly: bool = False, settings=None) -> sessionmaker[Session]:
    """Sessions for writes, or (readonly=True) for reads that must not queue behind SQLite's writer.

    On PostgreSQL read sessions run in autocommit: under READ COMMITTED every statement takes its own
    snapshot whether or not it is inside a transaction, so a read-only transaction only adds a BEGIN and
    a ROLLBACK round trip to each request (two of the list's five). Never write through a read session.

    `settings`: the configuration the services read from the session (`session_settings`), handed in
    explicitly by whoever builds the sessions (the app, the worker, the scheduler, the CLI) — no module globals.
    """
    if not readonly:
        bind = engine
    elif engine.dialect.name == "postgresql":
        bind = engine.execution_options(casebook_readonly=True, isolation_level="AUTOCOMMIT")
    else:
        bind = engine.execution_options(casebook_readonly=True)
    return sessionmaker(bind, expire_on_commit=False, autoflush=True, info={"settings": settings})


def session_settings(s: Session | None):
    """The settings the session was built with (make_sessionmaker), or the process's own from the environment."""
    from casebook.config import process_settings

    found = s.info.get("settings") if s is not None else None
    return found or process_settings()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session in one transaction: commit if the block ends normally, roll back otherwise."""
    with factory() as session, session.begin():
        yield session


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"
