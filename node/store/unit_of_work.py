"""The SQL unit of work: one session, one transaction, every repository.

::

    with SqlUnitOfWork(factory, keyring=keyring) as uow:
        application = uow.applications.get(application_id)
        application.submit(applicant, at=clock.now())
        uow.applications.save(application)
        uow.commit()

Leaving the block without ``commit()``, or with an exception, rolls back:
nothing half-written. On SQLite a unit of work takes the write lock when it
starts (``BEGIN IMMEDIATE``); a ``read_only`` one starts a deferred
transaction on SQLite and a READ ONLY one on PostgreSQL, and cannot commit.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from node.domain.calendar import Clock, SystemClock
from node.store.api_keys import ApiKeyRepository
from node.store.attachments import AttachmentStore
from node.store.centre_settings import CentreSettingsRepository
from node.store.db import SQLITE_BEGIN_OPTION
from node.store.errors import KeyringMissingError, ReadOnlyUnitOfWorkError, UnitOfWorkClosedError
from node.store.event_log import EventLog
from node.store.idempotency import IdempotencyStore
from node.store.keyring import Keyring
from node.store.outbox import AnchorQueue, ChainActionQueue
from node.store.peer_nonces import PeerNonceStore
from node.store.pledges import PledgeRepository
from node.store.ports import AbstractAttachmentStore, AbstractUnitOfWork
from node.store.registration_facts import RegistrationFactsRepository
from node.store.repositories import (
    ApplicationRepository,
    CertificateRepository,
    DocumentRepository,
)


class SqlUnitOfWork(AbstractUnitOfWork):
    """A unit of work on a SQLAlchemy session from ``session_factory``."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        clock: Clock | None = None,
        keyring: Keyring | None = None,
        read_only: bool = False,
    ) -> None:
        self._session_factory = session_factory
        self._clock: Clock = clock or SystemClock()
        self._keyring = keyring
        self._read_only = read_only
        self._session: Session | None = None
        self._attachments: AttachmentStore | None = None

    @property
    def session(self) -> Session:
        """The open session (for the store's own tests and tools); closed outside ``with``."""
        if self._session is None:
            raise UnitOfWorkClosedError("the unit of work is not open")
        return self._session

    @property
    def attachments(self) -> AbstractAttachmentStore:
        if self._attachments is None:
            self.session  # noqa: B018 - raises when closed
            raise KeyringMissingError("this unit of work was opened without a keyring")
        return self._attachments

    def __enter__(self) -> Self:
        if self._session is not None:
            raise UnitOfWorkClosedError("the unit of work is open already")
        session = self._session_factory()
        self._session = session
        self._start(session)
        return self

    def _start(self, session: Session) -> None:
        """Begin the transaction's mode and build fresh repositories: nothing read survives."""
        if self._read_only:
            session.connection(
                execution_options={SQLITE_BEGIN_OPTION: "DEFERRED", "postgresql_readonly": True}
            )
        events = EventLog(session, self._clock)
        self.events = events
        self.applications = ApplicationRepository(session, events, self._clock)
        self.documents = DocumentRepository(session, self._clock)
        self.certificates = CertificateRepository(session, events)
        self.registration_facts = RegistrationFactsRepository(session)
        self.anchors = AnchorQueue(session, self._clock)
        self.chain_actions = ChainActionQueue(session, self._clock)
        self.idempotency = IdempotencyStore(session, self._clock)
        self.api_keys = ApiKeyRepository(session)
        self.peer_nonces = PeerNonceStore(session)
        self.centre_settings = CentreSettingsRepository(session)
        self.pledges = PledgeRepository(session, events)
        self._attachments = (
            None if self._keyring is None else AttachmentStore(session, self._keyring, self._clock)
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
            self._attachments = None

    def commit(self) -> None:
        if self._read_only:
            raise ReadOnlyUnitOfWorkError("a read-only unit of work cannot commit")
        self.session.commit()

    def rollback(self) -> None:
        session = self.session
        session.rollback()
        self._start(session)
