"""Engine set-up: SQLite pragmas and BEGIN modes, accepted and refused URLs."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from node.store.db import create_engine_for, database_url, json_text
from node.store.errors import ReadOnlyUnitOfWorkError, UnsupportedDatabaseError
from tests.unit.store.support import SqlStore, draft


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced_by_the_database(sql_store: SqlStore) -> None:
    with (
        sql_store.engine.connect() as connection,
        pytest.raises(IntegrityError, match="FOREIGN KEY"),
    ):
        connection.execute(
            text(
                "INSERT INTO attachments (id, application_id, name, media_type, size, sha256,"
                " key_id, nonce, ciphertext, created_at) VALUES ('a', 'missing', 'n', 'm', 0,"
                " zeroblob(32), 'k', zeroblob(12), x'00', '2026-01-01 00:00:00')"
            )
        )


def test_a_writing_unit_of_work_holds_the_write_lock_from_its_start(sql_store: SqlStore) -> None:
    """BEGIN IMMEDIATE: a second writer cannot even start while the first is open."""
    path = sql_store.engine.url.database
    assert path is not None
    with sql_store.uow() as uow:
        uow.applications.list_by_applicant("nobody")  # only a read, yet the lock is taken
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM applications").fetchone() == (0,)
        finally:
            other.close()


def test_a_second_writer_waits_for_the_first_and_then_sees_its_work(sql_store: SqlStore) -> None:
    started = threading.Event()
    release = threading.Event()

    def first_writer() -> None:
        with sql_store.uow() as uow:
            uow.applications.add(draft("first"), applicant_id="a")
            started.set()
            release.wait(5)
            uow.commit()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert started.wait(5)
    result: list[int] = []

    def second_writer() -> None:
        with sql_store.uow() as uow:
            result.append(len(uow.applications.list_by_applicant("a")))
            uow.applications.add(draft("second"), applicant_id="a")
            uow.commit()

    second = threading.Thread(target=second_writer)
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the second writer should wait for the first one's lock"
    release.set()
    thread.join(5)
    second.join(5)
    assert result == [1]
    with sql_store.uow() as uow:
        assert [a.id for a in uow.applications.list_by_applicant("a")] == ["first", "second"]


def test_a_read_only_unit_of_work_does_not_block_writers(sql_store: SqlStore) -> None:
    with sql_store.uow(read_only=True) as reader:
        assert reader.applications.list_by_applicant("a") == []
        with sql_store.uow() as writer:
            writer.applications.add(draft("app-1"), applicant_id="a")
            writer.commit()
        # the reader's snapshot predates the write (SQLite's deferred read transaction)
        assert reader.applications.list_by_applicant("a") == []
        with pytest.raises(ReadOnlyUnitOfWorkError):
            reader.commit()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:////tmp/x.sqlite", "sqlite+pysqlite"),
    ],
)
def test_urls_are_routed_to_the_supported_drivers(url: str, driver: str) -> None:
    assert database_url(url).drivername == driver


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "sqlite+aiosqlite:////tmp/x.sqlite"],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseError) as excinfo:
        create_engine_for(url)
    assert excinfo.value.code == "unsupported_database"


def test_json_columns_read_back_what_they_wrote_and_refuse_integers_past_64_bits() -> None:
    value = {"text": "数据资源持有权\u2028", "n": 2**64 - 1, "m": -(2**63), 7: [True, None, 0.5]}
    assert orjson.loads(json_text(value)) == {
        **{k: v for k, v in value.items() if k != 7},
        "7": [True, None, 0.5],
    }
    with pytest.raises(TypeError):  # orjson would read it back as a float
        json_text({"n": 2**64})
