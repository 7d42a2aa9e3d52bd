"""One sender per chain key, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from node.store.db import create_engine_for
from node.store.errors import SenderLockLostError
from node.store.sender_lock import SqliteSenderLock, sender_lock
from tests.unit.store.support import SqlStore, sqlite_store

KEY_A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
KEY_B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def test_one_holder_per_key_and_keys_apart(sql_store: SqlStore) -> None:
    first = sender_lock(sql_store.engine, KEY_A)
    second = sender_lock(sql_store.engine, KEY_A.lower())  # the same key, spelt otherwise
    other = sender_lock(sql_store.engine, KEY_B)
    try:
        assert first.acquire() and first.held
        assert first.acquire()  # held already: still true
        assert not second.acquire() and not second.held
        with pytest.raises(SenderLockLostError):
            second.check()
        assert other.acquire()
        first.check()
        first.release()
        assert not first.held
        assert second.acquire()
    finally:
        for lock in (first, second, other):
            lock.release()


@pytest.mark.postgres
def test_a_postgres_lock_is_lost_with_its_session(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    lock = sender_lock(engine, KEY_A)
    try:
        assert lock.acquire()
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            ).scalars()
            assert list(killed) == [True]
        with pytest.raises(SenderLockLostError):
            lock.check()
        assert not lock.held
        assert sender_lock(engine, KEY_A).acquire()
    finally:
        lock.release()
        engine.dispose()


def test_a_sqlite_lock_lives_beside_the_database(sqlite_template: Path, tmp_path: Path) -> None:
    with sqlite_store(sqlite_template, tmp_path) as store:
        lock = sender_lock(store.engine, KEY_A)
    assert isinstance(lock, SqliteSenderLock)
    assert lock.path == tmp_path / f"store.sqlite.sender-{KEY_A.lower()}.lock"
