"""Stores for the integration tests: SQLite and PostgreSQL, one database per test module.

PostgreSQL tests need ``DATAPROP_TEST_POSTGRES_URL`` (``source scripts/postgres-up``);
without it they are skipped, unless ``CI`` is set, when they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.store.support import (
    SqlStore,
    migrated_sqlite_template,
    postgres_admin_url,
    postgres_database,
    sqlite_store,
    truncate_all,
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per session, copied for each test."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test module's own, dropped afterwards."""
    with postgres_database(postgres_admin_url()) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def sql_store(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[SqlStore]:
    """An empty migrated database: a SQLite file, or the module's PostgreSQL database emptied."""
    if request.param == "sqlite":
        with sqlite_store(sqlite_template, tmp_path) as store:
            yield store
        return
    url: str = request.getfixturevalue("postgres_url")
    truncate_all(url)
    store = SqlStore("postgresql", url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store(sql_store: SqlStore) -> SqlStore:
    """The contract tests' store: here always a SQL one."""
    return sql_store


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    with postgres_database(postgres_admin_url(), migrate=False) as url:
        yield url
