"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


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

# WAL checkpoints off the writers' path (https://sqlite.org/wal.html#automatic_checkpoint): SQLite's automatic
# checkpoint runs inside the COMMIT that takes the log past 1,000 pages, copying them into the database file —
# 3–5 ms on this machine, paid by whichever writer (and, in embedded mode, every writer queued behind it)
# happens to cross the line: one transaction in ten of an act's size. Instead, every CHECKPOINT_EVERY commits
# of this process a background thread runs a PASSIVE checkpoint on its own connection (it takes no lock a
# writer waits for, and gives up on frames a reader still needs); the connection's own automatic checkpoint
# stays as the backstop at a larger size (other processes' connections keep SQLite's default).
CHECKPOINT_EVERY = 20
WAL_AUTOCHECKPOINT_PAGES = 10_000


class Checkpointer:
    """One SQLite database file's background checkpoints: a daemon thread started on demand, which exits when idle."""

    IDLE_S = 5.0

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._commits = 0
        self.runs = 0  # checkpoints run (for tests and benches)

    def committed(self) -> None:
        """Count a commit; every CHECKPOINT_EVERY-th asks the thread for a checkpoint."""
        self._commits += 1  # a lost increment under a race only delays a checkpoint
        if self._commits >= CHECKPOINT_EVERY:
            self._commits = 0
            self.request()

    def request(self) -> None:
        with self._lock:
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        import sqlite3

        while True:
            if not self._wake.wait(self.IDLE_S):
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
            self._wake.clear()
            try:
                conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=0, isolation_level=None)  # never creates
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.runs += 1
                finally:
                    conn.close()
            except sqlite3.Error:
                pass  # the file is gone or busy: SQLite's own automatic checkpoint remains


_checkpointers: dict[str, Checkpointer] = {}


def checkpointer(url: str) -> Checkpointer | None:
    """The process-wide background checkpointer of a SQLite database file (None for in-memory and URI databases)."""
    db = make_url(url).database or ""
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    key = os.path.realpath(db)
    with _queues_lock:
        c = _checkpointers.get(key)
        if c is None:
            c = _checkpointers[key] = Checkpointer(key)
        return c


def make_engine(url: str, **kw) -> Engine:
    """Create an engine with the pragmas each backend needs."""
    if url.startswith("sqlite"):
        from casebook.private_files import sqlite_file

        sqlite_file(url)  # 0600 in a 0700 directory, not SQLite's 0644
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}, **kw)
        queue = writer_queue(url)
        ckpt = checkpointer(url)
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
            if ckpt is not None:
                cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock at BEGIN: two deferred transactions that both read the trail head
            # and then write would fail with SQLITE_BUSY_SNAPSHOT instead of waiting their turn. Readers
            # (sessions from make_sessionmaker(readonly=True)) begin deferred and run beside a writer (WAL).
            # Writers of this process first queue in the process (WriterQueue), then BEGIN IMMEDIATE.
            if conn.get_execution_options().get("casebook_readonly", False):
                conn.exec_driver_sql("BEGIN")
                return
            held = queue.acquire()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
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
            if ckpt is not None:
                ckpt.committed()

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
    kw.setdefault("pool_pre_ping", True)
    if "poolclass" not in kw:
        kw.setdefault("pool_size", 10)
    engine = create_engine(url, connect_args={"options": "-c timezone=UTC"}, **kw)
    return engine


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
