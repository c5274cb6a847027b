"""SQLite writers of one process queue in the process (engine.WriterQueue) before BEGIN IMMEDIATE: every write
lands, the queue is free again after commit, rollback and a failed BEGIN, and readers never take it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from casebook.db.engine import make_engine, make_sessionmaker, writer_queue


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'q.db'}"
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield url, engine
    engine.dispose()


def _free(url) -> bool:
    return not writer_queue(url).held


def test_eight_concurrent_writers_all_land_and_the_queue_is_free_afterwards(db):
    url, engine = db
    sessions = make_sessionmaker(engine)
    errors = []

    def write(i):
        try:
            for j in range(25):
                with sessions() as s, s.begin():
                    s.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": f"{i}-{j}"})
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar_one() == 200
    assert _free(url)


def test_a_rolled_back_writer_frees_the_queue_and_a_reader_never_takes_it(db):
    url, engine = db
    with pytest.raises(RuntimeError), make_sessionmaker(engine)() as s, s.begin():
        s.execute(text("INSERT INTO t (who) VALUES ('x')"))
        assert not _free(url)  # held while the write transaction is open
        raise RuntimeError("boom")
    assert _free(url)
    with make_sessionmaker(engine, readonly=True)() as s:
        s.execute(text("SELECT count(*) FROM t")).scalar_one()
        assert _free(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar_one() == 0


def test_writers_are_served_first_come_first_served_and_a_timeout_gives_up_its_place():
    from casebook.db.engine import WriterQueue

    q = WriterQueue(timeout=5)
    assert q.acquire()
    order, started = [], []

    def wait(i):
        started.append(i)
        assert q.acquire()
        order.append(i)
        q.release()

    threads = []
    for i in range(5):
        t = threading.Thread(target=wait, args=(i,))
        t.start()
        threads.append(t)
        while len(q._waiters) < i + 1:  # each is queued before the next arrives
            pass
    q.release()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3, 4] and not q.held
    impatient = WriterQueue(timeout=0.05)
    assert impatient.acquire()
    result = []
    t = threading.Thread(target=lambda: result.append(impatient.acquire()))
    t.start()
    t.join()
    assert result == [False] and not impatient._waiters
    impatient.release()
    assert not impatient.held


def test_a_second_engine_on_the_same_file_shares_the_queue(db):
    url, engine = db
    other = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            s.execute(text("INSERT INTO t (who) VALUES ('a')"))
            assert not _free(url)
        assert _free(url)
        with other.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('b')"))
        assert _free(url)
    finally:
        other.dispose()
