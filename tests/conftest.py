"""Shared test helpers. The `lms_sim` and `lms_sim_server` fixtures come from the package's pytest plugin.

Database tests run on SQLite and on PostgreSQL: a test (or module) marked `both_databases`
is run once per database, and its `db`, `session`, `lms_sim` and `lms_sim_server` use that
database. On PostgreSQL each test gets a database of its own, copied from a template.

`make test` starts a PostgreSQL server and passes its URL in LMS_SIM_TEST_PG_URL. Without
one the PostgreSQL tests fail, saying so; LMS_SIM_TEST_PG=off switches them off (skipped).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from simulator.core.db import Database
from simulator.settings import DEFAULT_FIXTURES

if TYPE_CHECKING:
    from simulator.testing.postgres import PostgresServer

PG_URL_ENV = "LMS_SIM_TEST_PG_URL"
PG_SWITCH_ENV = "LMS_SIM_TEST_PG"
DATABASES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_databases: run the test on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_databases") and "database" in metafunc.fixturenames:
        metafunc.parametrize("database", DATABASES, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """Which database this test runs on ("sqlite" unless the test is marked both_databases)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if os.environ.get(PG_SWITCH_ENV, "").lower() == "off":
        pytest.skip(f"PostgreSQL tests switched off ({PG_SWITCH_ENV}=off)")
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.fail(
            f"no PostgreSQL for the database tests: set {PG_URL_ENV} (`make test` starts one with .ci/postgres), "
            f"or {PG_SWITCH_ENV}=off to skip them",
            pytrace=False,
        )
    from simulator.testing.postgres import PostgresServer

    try:
        server = PostgresServer(url)
    except Exception as exc:
        pytest.fail(f"cannot reach PostgreSQL at {url} ({PG_URL_ENV}): {exc}", pytrace=False)
    yield server
    server.close()


def _pg_database(request: pytest.FixtureRequest, fixtures: bool) -> Iterator[str]:
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create(server.template(DEFAULT_FIXTURES if fixtures else None))
    yield url
    server.drop(url)


@pytest.fixture
def lms_sim_database_url(database: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The plugin's simulators run on this test's database (None: in-memory SQLite)."""
    if database == "sqlite":
        yield None
        return
    yield from _pg_database(request, fixtures=True)


@pytest.fixture
def db(database: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh database with every table, and no fixtures."""
    if database == "sqlite":
        memory = Database("sqlite://")
        memory.create_schema()
        yield memory
        return
    for url in _pg_database(request, fixtures=False):
        server_db = Database(url)
        yield server_db
        server_db.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.transaction() as s:
        yield s
