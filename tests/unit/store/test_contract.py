"""The store contract on the in-memory fake and on a SQLite file."""

from __future__ import annotations

from tests.unit.store.contract import (
    ApiKeyContract,
    ApplicationContract,
    AttachmentContract,
    CertificateContract,
    DocumentContract,
    EventLogContract,
    IdempotencyContract,
    KeyringlessContract,
    OutboxContract,
    PeerNonceContract,
)
from tests.unit.store.pledge_contract import PledgeContract


class TestApplications(ApplicationContract):
    """Applications."""


class TestDocuments(DocumentContract):
    """Documents and the outbox rule."""


class TestOutbox(OutboxContract):
    """Anchor batches and chain actions."""


class TestCertificates(CertificateContract):
    """Certificates."""


class TestEventLog(EventLogContract):
    """The hash-chained event log."""


class TestAttachments(AttachmentContract):
    """Encrypted attachments."""


class TestIdempotency(IdempotencyContract):
    """Idempotency keys."""


class TestKeyringless(KeyringlessContract):
    """Units of work without attachment keys."""


class TestApiKeys(ApiKeyContract):
    """API keys."""


class TestPledges(PledgeContract):
    """Pledges."""


class TestPeerNonces(PeerNonceContract):
    """Nonces of peer centres' signed requests."""
