"""One sender per chain key: a lock a worker holds for as long as it sends with that key.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a
connection that the lock keeps open; the server drops the lock when that
session ends, so a killed worker never leaves it behind. SQLite: an exclusive
transaction (``BEGIN EXCLUSIVE``) held on a small lock database beside the main
file, one per key. Holding a write transaction on the main file instead would
block every other writer (the API issuing certificates) for the worker's whole
life; the operating system drops the file lock when the process dies.
"""

from __future__ import annotations

import hashlib
import sqlite3
from abc import ABC, abstractmethod
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from node.store.db import is_sqlite
from node.store.errors import SenderLockLostError, UnsupportedDatabaseError


def advisory_key(sender: str) -> int:
    """The signed 64-bit PostgreSQL advisory-lock key of a sender address (case-blind)."""
    digest = hashlib.sha256(b"dataprop sender " + sender.lower().encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SenderLock(ABC):
    """The right to send transactions with one key; try to take it, check it, give it back."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this process holds the lock now (as far as it knows)."""

    @abstractmethod
    def acquire(self) -> bool:
        """Take the lock without waiting; False when another worker holds it."""

    @abstractmethod
    def check(self) -> None:
        """Raise SenderLockLostError unless the lock is still held."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock back (nothing happens when it is not held)."""


class PostgresSenderLock(SenderLock):
    """A session-level advisory lock on a connection kept open for the purpose."""

    def __init__(self, engine: Engine, sender: str) -> None:
        super().__init__(sender)
        self._engine = engine
        self._key = advisory_key(sender)
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def check(self) -> None:
        if self._connection is None:
            raise SenderLockLostError(f"the sender lock of {self.sender} is not held")
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            self._drop()
            raise SenderLockLostError(
                f"the session holding the sender lock of {self.sender} ended"
            ) from exc

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except DBAPIError:
            pass  # the session is gone, and the lock with it
        finally:
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except DBAPIError:
                connection.invalidate()


class SqliteSenderLock(SenderLock):
    """An exclusive transaction on ``<database>.sender-<address>.lock``."""

    def __init__(self, database: Path, sender: str) -> None:
        super().__init__(sender)
        self.path = database.with_name(f"{database.name}.sender-{sender.lower()}.lock")
        self._connection: sqlite3.Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            connection.close()
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                return False
            raise
        self._connection = connection
        return True

    def check(self) -> None:
        if self._connection is None or not self._connection.in_transaction:
            raise SenderLockLostError(f"the sender lock of {self.sender} is not held")

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.rollback()
            connection.close()


def sender_lock(engine: Engine, sender: str) -> SenderLock:
    """The sender lock of ``sender`` for the database behind ``engine``."""
    if is_sqlite(engine):
        database = engine.url.database
        if not database:
            raise UnsupportedDatabaseError("SQLite sender locks need a database file")
        return SqliteSenderLock(Path(database), sender)
    return PostgresSenderLock(engine, sender)
