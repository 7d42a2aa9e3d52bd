"""Engines and sessions for SQLite files and PostgreSQL (psycopg 3).

SQLite: the driver's own transaction handling is switched off and every
transaction is opened by SQLAlchemy's ``begin`` event (the recipe in the
SQLAlchemy SQLite dialect documentation), as ``BEGIN IMMEDIATE`` so that a
writer takes the write lock up front instead of failing when it upgrades a
read lock; read-only units of work use a plain deferred ``BEGIN``. Foreign keys
are enforced and the journal is write-ahead (WAL), so readers never block the
writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, CursorResult, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from node.store.errors import UnsupportedDatabaseError

SQLITE_BEGIN_OPTION: Final = "dataprop_sqlite_begin"
"""Execution option naming SQLite's BEGIN mode: ``IMMEDIATE`` (default) or ``DEFERRED``."""

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
_SQLITE_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


def database_url(url: str | URL) -> URL:
    """``url`` parsed, with PostgreSQL routed to psycopg 3; anything else is refused."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.get_driver_name() not in ("pysqlite", ""):
            raise UnsupportedDatabaseError(f"unsupported SQLite driver in {parsed!r}")
        database = parsed.database or ""
        if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
            raise UnsupportedDatabaseError("SQLite needs a database file, not an in-memory one")
        return parsed.set(drivername="sqlite+pysqlite")
    raise UnsupportedDatabaseError(f"unsupported database {backend!r}; use sqlite or postgresql")


def create_engine_for(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for a SQLite file or a PostgreSQL database, configured as described above."""
    parsed = database_url(url)
    json_options: dict[str, Any] = {
        "json_serializer": json_text,
        "json_deserializer": orjson.loads,
    }
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            **json_options,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, echo=echo, pool_pre_ping=True, **json_options)


def json_text(value: object) -> str:
    """A JSON column's text, written with orjson (which also reads it back).

    Snapshots and event details are written and parsed several times per
    certificate issued; orjson does it four to eight times faster than the
    ``json`` module. Its one narrowing is wanted: an integer beyond 64 bits,
    which orjson would read back as a float, is refused (TypeError) rather
    than stored.
    """
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def execute_bulk(
    session: Session, statement: Executable, rows: Sequence[Mapping[str, Any]]
) -> CursorResult[Any]:
    """A Core statement over many rows on the session's connection, once the session has
    flushed what it holds (as its own ``execute`` would): an ORM bulk insert of the same
    rows spends as long on per-row bookkeeping as the database on the rows."""
    session.flush()
    return session.connection().execute(statement, list(rows))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def is_sqlite(engine: Engine | Connection) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 driver; the "begin" hook below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE"))
        if mode.upper() not in _SQLITE_BEGIN_MODES:
            raise UnsupportedDatabaseError(f"unknown SQLite BEGIN mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode.upper()}")
