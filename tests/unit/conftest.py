"""Stores for the fast unit tests (store contract, services): the in-memory fake and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.store.support import (
    FakeStore,
    SqlStore,
    StoreUnderTest,
    migrated_sqlite_template,
    sqlite_store,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per session, copied for each test."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def sql_store(sqlite_template: Path, tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated SQLite file of this test's own."""
    with sqlite_store(sqlite_template, tmp_path) as store:
        yield store


@pytest.fixture(params=["fake", "sqlite"])
def store(request: pytest.FixtureRequest) -> StoreUnderTest:
    """The same contract on the in-memory fake and on SQLite."""
    if request.param == "fake":
        return FakeStore()
    sql: SqlStore = request.getfixturevalue("sql_store")
    return sql


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"
