"""Fixtures: every integration test runs once per backend (SQLite, PostgreSQL) on a fresh copy of a
migrated and seeded template database. On CI (CASEBOOK_REQUIRE_BACKENDS=postgres) a missing
PostgreSQL is an error, never a skip."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from casebook.config import Settings
from casebook.db.engine import make_engine, make_sessionmaker, unit_of_work
from casebook.db.migrate import upgrade

PG_URL = os.environ.get("CASEBOOK_TEST_POSTGRES_URL", "")
AMQP_URL = os.environ.get("CASEBOOK_TEST_AMQP_URL", "")
REQUIRED = {b.strip() for b in os.environ.get("CASEBOOK_REQUIRE_BACKENDS", "").split(",") if b.strip()}
_counter = itertools.count()


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_available() -> str | None:
    if not PG_URL:
        return "CASEBOOK_TEST_POSTGRES_URL is not set"
    try:
        eng = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001
        return f"PostgreSQL unreachable: {e}"


def _seed(url: str, data_dir: Path) -> None:
    from casebook.seed import seed_demo

    upgrade(url)
    eng = make_engine(url)
    with unit_of_work(make_sessionmaker(eng)) as s:
        seed_demo(s, catalogue=False)  # tests import exactly the catalogue they need
    eng.dispose()  # closing the last connection checkpoints the SQLite WAL into the main file


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sqlite-template")
    path = d / "template.db"
    _seed(f"sqlite:///{path}", d)
    return path


@pytest.fixture(scope="session")
def pg_template() -> str:
    problem = _pg_available()
    if problem:
        if "postgres" in REQUIRED:
            pytest.fail(f"PostgreSQL is required here (CASEBOOK_REQUIRE_BACKENDS) but {problem}")
        pytest.skip(problem)
    name = f"cbtpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    _seed(make_url(PG_URL).set(database=name).render_as_string(hide_password=False), Path("."))
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_pg(template: str) -> tuple[str, callable]:
    name = f"cbt_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:4]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path) -> str:
    if backend == "sqlite":
        tpl = request.getfixturevalue("sqlite_template")
        path = tmp_path / "casebook.db"
        shutil.copy(tpl, path)
        return f"sqlite:///{path}"
    url, drop = _fresh_pg(request.getfixturevalue("pg_template"))
    request.addfinalizer(drop)
    return url


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url, max_upload_bytes=2 * 1024 * 1024)


@pytest.fixture
def engine(settings):
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def read_sessions(engine):
    return make_sessionmaker(engine, readonly=True)


@pytest.fixture
def app(settings, engine):
    from casebook.web.app import create_app

    return create_app(settings, engine=engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client, sessions):
    from tests.helpers import ApiClient

    return ApiClient(client, sessions)


# --- brokers ------------------------------------------------------------------------------------------


def _amqp_available() -> str | None:
    if not AMQP_URL:
        return "CASEBOOK_TEST_AMQP_URL is not set"
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=3) as c:
            c.ensure_connection(max_retries=1, timeout=3)
        return None
    except Exception as e:  # noqa: BLE001
        return f"RabbitMQ unreachable: {e}"


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def transport(request) -> str:
    if request.param == "rabbitmq":
        problem = _amqp_available()
        if problem:
            if "rabbitmq" in REQUIRED:
                pytest.fail(f"RabbitMQ is required here (CASEBOOK_REQUIRE_BACKENDS) but {problem}")
            pytest.skip(problem)
    return request.param


@pytest.fixture
def event_settings(settings, transport, tmp_path) -> Settings:
    """Settings for one test with its own exchange and queues (prefix) and fast retries."""
    import dataclasses

    prefix = f"cbt{uuid.uuid4().hex[:10]}"
    url = AMQP_URL if transport == "rabbitmq" else "memory://"
    s = dataclasses.replace(settings, broker_url=url, broker_prefix=prefix, retry_delay_ms=200, max_retries=2,
                            relay_poll_ms=20)
    yield s
    if transport == "rabbitmq":
        _delete_broker_objects(s)


def _delete_broker_objects(s: Settings) -> None:
    from kombu import Connection

    from events.handlers import GROUPS

    names = [f"{s.broker_prefix}.{g}" for g in list(GROUPS) + ["probe", "flaky", "broken", "order"]]
    with Connection(s.broker_url, connect_timeout=3) as c:
        ch = c.channel()
        for n in names + [f"{n}.retry" for n in names] + [f"{s.broker_prefix}.dead"]:
            try:
                ch.queue_delete(n)
            except Exception:  # noqa: BLE001
                ch = c.channel()
        for x in (f"{s.broker_prefix}.events", f"{s.broker_prefix}.dlx"):
            try:
                ch.exchange_delete(x)
            except Exception:  # noqa: BLE001
                ch = c.channel()
