"""What the store hands out besides domain objects: documents, outbox rows, log entries.

Plain frozen dataclasses, free of SQLAlchemy, so that services and the chain
worker can use them and the fakes can produce them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from node.documents.kinds import DocumentKind
from node.domain.certificate import CertificateStatus
from node.domain.frozen_json import JsonValue
from node.domain.pledge import Pledge, PledgeStatus


class AnchorJobStatus(StrEnum):
    """Where a document stands on its way to the chain."""

    PENDING = "pending"
    BATCHED = "batched"
    CONFIRMED = "confirmed"


class AnchorBatchStatus(StrEnum):
    """Where a Merkle-root batch stands."""

    PREPARED = "prepared"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class ChainActionStatus(StrEnum):
    """Where a non-anchor chain write stands."""

    PENDING = "pending"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"


@dataclass(frozen=True)
class NewDocument:
    """A document to store: canonical bytes and their keccak-256 digest, maybe signed."""

    kind: DocumentKind
    subject: str
    schema_version: str
    canonical: bytes
    digest: bytes
    signature: bytes | None = None
    signer: str | None = None
    previous_digest: bytes | None = None
    id: str | None = None
    """Chosen by the store (a random hex id) when None."""


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored."""

    id: str
    kind: DocumentKind
    subject: str
    schema_version: str
    canonical: bytes
    digest: bytes
    signature: bytes | None
    signer: str | None
    previous_digest: bytes | None
    created_at: datetime


@dataclass(frozen=True)
class AnchorJob:
    """The outbox row that puts one document's digest on chain."""

    id: int
    document_id: str
    digest: bytes
    status: AnchorJobStatus
    batch_id: int | None
    leaf_index: int | None
    proof: tuple[bytes, ...] | None
    created_at: datetime
    deadline_at: datetime


@dataclass(frozen=True)
class BatchLeaf:
    """One job's place in a batch: its leaf index and Merkle proof."""

    job_id: int
    leaf_index: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class AnchorBatch:
    """A Merkle root over a batch of documents and the transaction that anchors it."""

    id: int
    root: bytes
    leaf_count: int
    status: AnchorBatchStatus
    sender: str
    raw_tx: bytes | None
    tx_hash: bytes | None
    nonce: int | None
    block_number: int | None
    block_hash: bytes | None
    created_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None


@dataclass(frozen=True)
class ChainAction:
    """An outbox row for a chain write other than an anchor (certificate, status, pledge)."""

    id: int
    kind: str
    payload: Mapping[str, JsonValue]
    status: ChainActionStatus
    raw_tx: bytes | None
    tx_hash: bytes | None
    nonce: int | None
    block_number: int | None
    block_hash: bytes | None
    error: str | None
    created_at: datetime


@dataclass(frozen=True)
class CertificateRecord:
    """The stored facts about a certificate beside the domain object itself."""

    registration_number: str
    application_id: str | None
    holder_credit_code: str
    status: CertificateStatus
    asset_key: bytes
    certificate_id: bytes
    document_digest: bytes
    issued_on: date
    valid_until: date
    superseded_by: str | None
    version: int


@dataclass(frozen=True)
class EventEntry:
    """One entry of the hash-chained event log."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, JsonValue]
    prev_hash: bytes
    hash: bytes


@dataclass(frozen=True)
class HeadAnchor:
    """A record that the log head ``(seq, hash)`` was queued for anchoring."""

    id: int
    seq: int
    hash: bytes
    document_id: str
    anchor_job_id: int
    created_at: datetime


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment's metadata (never its content)."""

    id: str
    application_id: str
    name: str
    media_type: str
    size: int
    sha256: bytes
    key_id: str
    created_at: datetime


@dataclass(frozen=True)
class Attachment:
    """An attachment decrypted and checked against its SHA-256."""

    info: AttachmentInfo
    content: bytes


@dataclass(frozen=True)
class IdempotentResponse:
    """The response given to the first request under an idempotency key."""

    principal: str
    key: str
    request_digest: bytes
    status_code: int
    response: JsonValue
    created_at: datetime


BATCH_TRANSITIONS: frozenset[tuple[AnchorBatchStatus, AnchorBatchStatus]] = frozenset(
    {
        (AnchorBatchStatus.PREPARED, AnchorBatchStatus.SENT),
        (AnchorBatchStatus.SENT, AnchorBatchStatus.CONFIRMED),
        (AnchorBatchStatus.SENT, AnchorBatchStatus.PREPARED),
        (AnchorBatchStatus.CONFIRMED, AnchorBatchStatus.SENT),
        (AnchorBatchStatus.PREPARED, AnchorBatchStatus.FAILED),
        (AnchorBatchStatus.SENT, AnchorBatchStatus.FAILED),
    }
)
"""(from, to) moves of an anchor batch; confirmed → sent is a reorg, sent → prepared a
transaction that can never be mined (its nonce went to other bytes) or that reverted."""

CHAIN_ACTION_TRANSITIONS: frozenset[tuple[ChainActionStatus, ChainActionStatus]] = frozenset(
    {
        (ChainActionStatus.PENDING, ChainActionStatus.SENT),
        (ChainActionStatus.SENT, ChainActionStatus.CONFIRMED),
        (ChainActionStatus.CONFIRMED, ChainActionStatus.SENT),
        (ChainActionStatus.PENDING, ChainActionStatus.FAILED),
        (ChainActionStatus.SENT, ChainActionStatus.FAILED),
        (ChainActionStatus.SENT, ChainActionStatus.PENDING),
        (ChainActionStatus.CONFIRMED, ChainActionStatus.PENDING),
        (ChainActionStatus.FAILED, ChainActionStatus.PENDING),
    }
)
"""(from, to) moves of a chain action; confirmed → sent is a reorg (the saved transaction is
broadcast again), back to pending clears the transaction (its nonce went to other bytes, or a
fix)."""


@dataclass(frozen=True)
class ApiKey:
    """An API key as stored: its public id and the hash of its secret, never the secret."""

    key_id: str
    secret_hash: bytes
    principal: str
    role: str
    party: str | None
    label: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    replaced_by: str | None = None


@dataclass(frozen=True)
class CentreSettings:
    """The centre's rule settings as its admin last set them (over the configuration's)."""

    notice_working_days: int
    validity_years: int
    holidays: tuple[date, ...]
    makeup_workdays: tuple[date, ...]
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class StoredPledge:
    """A pledge as stored: the domain object, its version, its record's digest and where its
    latest chain write (registration, then release) stands."""

    pledge: Pledge
    version: int
    record_digest: bytes | None
    chain_action_id: int | None
    chain_status: ChainActionStatus | None
    chain_error: str | None


@dataclass(frozen=True)
class PledgeTotal:
    """How many pledges of one status and currency, and the sum of their principal in
    hundredths."""

    status: PledgeStatus
    currency: str
    count: int
    principal_minor: int
