"""The SQL-only contract on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.unit.store.sql_contract import ConcurrencyContract, ConstraintContract, MigrationContract


class TestMigrations(MigrationContract):
    """Alembic migrations."""


class TestConstraints(ConstraintContract):
    """Database constraints."""


class TestConcurrency(ConcurrencyContract):
    """Concurrent writers."""
