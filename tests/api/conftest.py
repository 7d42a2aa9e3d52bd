"""The unit tests' stores (the fake and a SQLite file) for the API's workflow tests."""

from tests.unit.conftest import sql_store, sqlite_template, store

__all__ = ["sql_store", "sqlite_template", "store"]
