"""Persistence: SQLAlchemy models, repositories, the unit of work, Alembic migrations.

Services depend on the abstract interfaces in ``node.store.ports`` and get a
``SqlUnitOfWork`` in production or a ``FakeUnitOfWork`` (``node.store.fakes``)
in unit tests. Start here::

    engine = create_engine_for(url)
    upgrade_database(url)
    uow = SqlUnitOfWork(session_factory(engine), clock=clock, keyring=keyring)
"""

from node.store.db import create_engine_for, session_factory
from node.store.errors import (
    AlreadyExistsError,
    AttachmentIntegrityError,
    ConcurrentUpdateError,
    DocumentDigestMismatchError,
    IdempotencyKeyReusedError,
    NotFoundError,
)
from node.store.keyring import Keyring
from node.store.migrate import current_revision, upgrade_database
from node.store.ports import AbstractUnitOfWork
from node.store.unit_of_work import SqlUnitOfWork

__all__ = [
    "AbstractUnitOfWork",
    "AlreadyExistsError",
    "AttachmentIntegrityError",
    "ConcurrentUpdateError",
    "DocumentDigestMismatchError",
    "IdempotencyKeyReusedError",
    "Keyring",
    "NotFoundError",
    "SqlUnitOfWork",
    "create_engine_for",
    "current_revision",
    "session_factory",
    "upgrade_database",
]
