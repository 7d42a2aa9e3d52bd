"""Stores under test (in-memory fake, SQLite file, PostgreSQL database) and builders for them.

Each store hands out units of work on one database and can tamper with its
rows behind the repositories' back, the way an attacker with database access
would, so the tests can check that tampering is detected.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
import rfc8785
from eth_utils.crypto import keccak
from sqlalchemy import Engine, create_engine, delete, select, text, update
from sqlalchemy.engine import make_url

from node.documents.kinds import DocumentKind
from node.domain.calendar import FixedClock, WorkingDayCalendar
from node.domain.notice import Objection
from node.domain.workflow import Application
from node.store.db import create_engine_for, database_url, session_factory
from node.store.fakes import FakeDatabase, FakeUnitOfWork
from node.store.keyring import Keyring
from node.store.migrate import upgrade_database
from node.store.models import AttachmentRow, Base, EventLogRow
from node.store.ports import AbstractUnitOfWork
from node.store.records import NewDocument
from node.store.unit_of_work import SqlUnitOfWork
from tests.unit.domain.builders import content, cst, number, report

PLAIN = WorkingDayCalendar()
START = cst(2026, 3, 2, 9)
KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))

POSTGRES_URL_VARIABLE = "DATAPROP_TEST_POSTGRES_URL"


# -- domain and document builders ------------------------------------------------------------


def draft(application_id: str = "app-1") -> Application:
    """A fresh draft application."""
    return Application(application_id, content())


def issued(application_id: str = "app-1", serial: int = 1) -> Application:
    """An application taken through review, audit, notice, an objection (dismissed) and issue."""
    app = draft(application_id)
    at = START
    app.submit("applicant", at=at)
    app.start_review("reviewer", at=at + timedelta(hours=1))
    app.return_for_amendment("reviewer", "请补充数据来源授权文件。", at=at + timedelta(hours=2))
    app.amend("applicant", content(), at=at + timedelta(hours=3))
    app.resubmit("applicant", at=at + timedelta(hours=4))
    app.start_review("reviewer-2", at=at + timedelta(hours=5))
    app.complete_review("reviewer-2", report(), at=at + timedelta(hours=6))
    app.approve_audit("auditor", at=at + timedelta(hours=7))
    app.publish_notice("publisher", at=at + timedelta(hours=8), calendar=PLAIN)
    objected = at + timedelta(days=2)
    app.file_objection(Objection("obj-1", "某公众", "数据来源存疑。", objected), calendar=PLAIN)
    app.decide_objection(
        "committee",
        "obj-1",
        upheld=False,
        reason="异议不成立。",
        at=objected + timedelta(days=1),
        calendar=PLAIN,
    )
    assert app.notice is not None
    app.issue("issuer", at=app.notice.ends_at, registration_number=number(serial))
    return app


def new_document(
    subject: str,
    body: dict[str, Any] | None = None,
    *,
    kind: DocumentKind = DocumentKind.CERTIFICATE,
    previous: bytes | None = None,
    document_id: str | None = None,
) -> NewDocument:
    """A document whose digest is computed here, independently of the store's helpers."""
    canonical = rfc8785.dumps(body if body is not None else {"subject": subject, "kind": kind})
    return NewDocument(
        kind=kind,
        subject=subject,
        schema_version="dataprop/1",
        canonical=canonical,
        digest=bytes(keccak(canonical)),
        signature=b"\x01" * 65,
        signer="0x" + "ab" * 20,
        previous_digest=previous,
        id=document_id,
    )


def deadline(clock: FixedClock) -> datetime:
    """An anchoring deadline an hour after the clock's time."""
    return clock.now() + timedelta(hours=1)


# -- stores ------------------------------------------------------------------------------------


class StoreUnderTest(Protocol):
    """What the contract tests need of a store."""

    name: str
    clock: FixedClock
    keyring: Keyring

    def uow(self, *, keyring: Keyring | None = None, read_only: bool = False) -> AbstractUnitOfWork:
        """A new unit of work on the store's database."""
        ...

    def uow_without_keyring(self) -> AbstractUnitOfWork:
        """A new unit of work with no attachment keys."""
        ...

    @property
    def serialises_writers(self) -> bool:
        """True when a second writer waits for the first (SQLite) instead of racing it."""
        ...

    def attachment_row(self, attachment_id: str) -> dict[str, Any]:
        """The stored columns of an attachment."""
        ...

    def set_attachment(self, attachment_id: str, **values: Any) -> None:
        """Overwrite stored columns of an attachment."""
        ...

    def set_event(self, seq: int, **values: Any) -> None:
        """Overwrite stored columns of an event-log entry."""
        ...

    def delete_event(self, seq: int) -> None:
        """Delete an event-log entry."""
        ...


def default_keyring() -> Keyring:
    """The keyring stores start with."""
    return Keyring({"k1": KEY_A}, "k1")


class FakeStore:
    """The in-memory fake."""

    name = "fake"
    serialises_writers = False

    def __init__(self) -> None:
        self.database = FakeDatabase()
        self.clock = FixedClock(START)
        self.keyring = default_keyring()

    def uow(self, *, keyring: Keyring | None = None, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(self.database, clock=self.clock, keyring=keyring or self.keyring)

    def uow_without_keyring(self) -> AbstractUnitOfWork:
        return FakeUnitOfWork(self.database, clock=self.clock)

    def attachment_row(self, attachment_id: str) -> dict[str, Any]:
        info, sealed = self.database.attachments[attachment_id]
        return {
            "application_id": info.application_id,
            "sha256": info.sha256,
            "key_id": sealed.key_id,
            "nonce": sealed.nonce,
            "ciphertext": sealed.ciphertext,
        }

    def set_attachment(self, attachment_id: str, **values: Any) -> None:
        info, sealed = self.database.attachments[attachment_id]
        info_fields = {k: v for k, v in values.items() if k in ("application_id", "sha256")}
        sealed_fields = {k: v for k, v in values.items() if k not in info_fields}
        self.database.attachments[attachment_id] = (
            dataclasses.replace(info, **info_fields),
            dataclasses.replace(sealed, **sealed_fields),
        )

    def set_event(self, seq: int, **values: Any) -> None:
        events = self.database.events
        index = next(i for i, entry in enumerate(events) if entry.seq == seq)
        events[index] = dataclasses.replace(events[index], **values)

    def delete_event(self, seq: int) -> None:
        self.database.events[:] = [e for e in self.database.events if e.seq != seq]


class SqlStore:
    """A migrated SQLite file or PostgreSQL database."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self.engine: Engine = create_engine_for(url)
        self.factory = session_factory(self.engine)
        self.clock = FixedClock(START)
        self.keyring = default_keyring()

    @property
    def serialises_writers(self) -> bool:
        return self.name == "sqlite"

    def uow(self, *, keyring: Keyring | None = None, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.factory, clock=self.clock, keyring=keyring or self.keyring, read_only=read_only
        )

    def uow_without_keyring(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.factory, clock=self.clock)

    def attachment_row(self, attachment_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(AttachmentRow.__table__).where(AttachmentRow.id == attachment_id)
            ).one()
            return dict(row._mapping)

    def set_attachment(self, attachment_id: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(AttachmentRow).where(AttachmentRow.id == attachment_id).values(**values)
            )

    def set_event(self, seq: int, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(EventLogRow).where(EventLogRow.seq == seq).values(**values))

    def delete_event(self, seq: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(EventLogRow).where(EventLogRow.seq == seq))

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


# -- databases ----------------------------------------------------------------------------------


def migrated_sqlite_template(directory: Path) -> Path:
    """A SQLite file migrated to head, to copy for each test."""
    path = directory / "template.sqlite"
    upgrade_database(f"sqlite:///{path}")
    return path


@contextmanager
def sqlite_store(template: Path, directory: Path) -> Iterator[SqlStore]:
    """A store on a private copy of the migrated template."""
    path = directory / "store.sqlite"
    shutil.copyfile(template, path)
    store = SqlStore("sqlite", f"sqlite:///{path}")
    try:
        yield store
    finally:
        store.close()


def postgres_admin_url() -> str:
    """The test server's URL; skips without one, but fails loudly when CI is set."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        message = f"{POSTGRES_URL_VARIABLE} is not set (source scripts/postgres-up)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


@contextmanager
def postgres_database(admin_url: str, *, migrate: bool = True) -> Iterator[str]:
    """A uniquely named database on the test server, dropped afterwards."""
    name = f"dataprop_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        if migrate:
            upgrade_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_all(url: str) -> None:
    """Empty every table of a PostgreSQL database and restart its id sequences."""
    engine = create_engine_for(url)
    try:
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
