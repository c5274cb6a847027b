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
        seed_demo(s)
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
