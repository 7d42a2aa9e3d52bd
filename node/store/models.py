"""The database schema as SQLAlchemy 2 declarative models.

Rows are not domain objects: repositories translate between the two (the
application and certificate rows keep a lossless snapshot of the domain object
beside the columns that are queried). Types are server-independent; statuses
are checked by CHECK constraints built from the enumerations in ``records``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from node.documents.kinds import DocumentKind
from node.domain.certificate import CertificateStatus
from node.domain.pledge import PledgeStatus
from node.domain.registration_facts import FactsOrigin
from node.domain.roles import Role
from node.domain.securities import Board
from node.domain.values import DataType, IndustrySection, Ownership
from node.domain.workflow import ApplicationState
from node.store.column_types import UtcDateTime, bytes32, json_type
from node.store.records import (
    AnchorBatchStatus,
    AnchorJobStatus,
    ChainActionStatus,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = 64
"""Length of text ids (application, document, attachment ids, registration numbers)."""
NAME = 200
ADDRESS = 42
"""An 0x-prefixed hex Ethereum address."""


def one_of(column: str, values: Iterable[str] | type[StrEnum]) -> str:
    """SQL text of ``column IN (...)`` for a CHECK constraint."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def is_32_bytes(column: str, *, nullable: bool = False) -> str:
    """SQL text checking that a bytes32 column holds exactly 32 bytes."""
    check = f"length({column}) = 32"
    return f"{column} IS NULL OR {check}" if nullable else check


class Base(DeclarativeBase):
    """Declarative base holding the metadata with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), date: Date()}


class ApplicationRow(Base):
    """A registration application: queried columns plus the domain snapshot."""

    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(NAME))
    state: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict[str, Any]] = mapped_column(json_type(), deferred=True)
    """For queries and reports; the node rebuilds applications from ``snapshot`` and never
    reads it (deferred: not parsed with every application loaded)."""
    snapshot: Mapped[dict[str, Any]] = mapped_column(json_type())
    registration_number: Mapped[str | None] = mapped_column(String(ID), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(one_of("state", (s.value for s in ApplicationState)), name="state"),
        CheckConstraint("version >= 1", name="version"),
        Index(None, "applicant_id", "created_at", "id"),
        Index(None, "state"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class DocumentRow(Base):
    """A canonical document, its digest and signature, linked to the document it follows."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(ID), index=True)
    schema_version: Mapped[str] = mapped_column(String(ID))
    canonical: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[bytes] = mapped_column(bytes32(), unique=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    signer: Mapped[str | None] = mapped_column(String(ADDRESS))
    previous_digest: Mapped[bytes | None] = mapped_column(
        bytes32(), ForeignKey("documents.digest"), index=True
    )
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(one_of("kind", DocumentKind), name="kind"),
        CheckConstraint(is_32_bytes("digest"), name="digest_length"),
        CheckConstraint(is_32_bytes("previous_digest", nullable=True), name="previous_length"),
    )


class AnchorJobRow(Base):
    """The outbox: one row per document whose digest must reach the chain."""

    __tablename__ = "anchor_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    digest: Mapped[bytes] = mapped_column(bytes32(), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("anchor_batches.id"), index=True)
    leaf_index: Mapped[int | None] = mapped_column(Integer)
    proof: Mapped[list[str] | None] = mapped_column(json_type())
    created_at: Mapped[datetime]
    deadline_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(one_of("status", AnchorJobStatus), name="status"),
        CheckConstraint(
            "(status = 'pending' AND batch_id IS NULL AND leaf_index IS NULL)"
            " OR (status <> 'pending' AND batch_id IS NOT NULL AND leaf_index IS NOT NULL)",
            name="batched",
        ),
        CheckConstraint(is_32_bytes("digest"), name="digest_length"),
    )


class AnchorBatchRow(Base):
    """A Merkle root over anchor jobs and the transaction that puts it on chain."""

    __tablename__ = "anchor_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    root: Mapped[bytes] = mapped_column(bytes32(), unique=True)
    leaf_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    raw_tx: Mapped[bytes | None] = mapped_column(LargeBinary)
    tx_hash: Mapped[bytes | None] = mapped_column(bytes32())
    nonce: Mapped[int | None] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(ADDRESS))
    block_number: Mapped[int | None] = mapped_column(Integer)
    block_hash: Mapped[bytes | None] = mapped_column(bytes32())
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(one_of("status", AnchorBatchStatus), name="status"),
        CheckConstraint("leaf_count >= 1", name="leaf_count"),
        CheckConstraint(
            "status NOT IN ('sent', 'confirmed') OR (raw_tx IS NOT NULL AND tx_hash IS NOT NULL)",
            name="sent_has_tx",
        ),
        CheckConstraint(
            "status <> 'confirmed' OR (block_number IS NOT NULL AND block_hash IS NOT NULL)",
            name="confirmed_has_block",
        ),
        CheckConstraint(is_32_bytes("root"), name="root_length"),
    )


class ChainActionRow(Base):
    """The outbox for chain writes other than anchors: certificates, statuses, pledges."""

    __tablename__ = "chain_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(ID))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    status: Mapped[str] = mapped_column(String(16), index=True)
    raw_tx: Mapped[bytes | None] = mapped_column(LargeBinary)
    tx_hash: Mapped[bytes | None] = mapped_column(bytes32())
    nonce: Mapped[int | None] = mapped_column(Integer)
    block_number: Mapped[int | None] = mapped_column(Integer)
    block_hash: Mapped[bytes | None] = mapped_column(bytes32())
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(one_of("status", ChainActionStatus), name="status"),
        CheckConstraint(
            "status NOT IN ('sent', 'confirmed') OR (raw_tx IS NOT NULL AND tx_hash IS NOT NULL)",
            name="sent_has_tx",
        ),
    )


class CertificateRow(Base):
    """An issued certificate: queried columns, chain keys and the domain snapshot."""

    __tablename__ = "certificates"

    registration_number: Mapped[str] = mapped_column(String(ID), primary_key=True)
    application_id: Mapped[str | None] = mapped_column(ForeignKey("applications.id"), index=True)
    holder_credit_code: Mapped[str] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    asset_key: Mapped[bytes] = mapped_column(bytes32(), index=True)
    certificate_id: Mapped[bytes] = mapped_column(bytes32(), unique=True)
    document_digest: Mapped[bytes] = mapped_column(ForeignKey("documents.digest"))
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    superseded_by: Mapped[str | None] = mapped_column(String(ID))
    snapshot: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(one_of("status", CertificateStatus), name="status"),
        CheckConstraint(is_32_bytes("asset_key"), name="asset_key_length"),
        CheckConstraint(is_32_bytes("certificate_id"), name="certificate_id_length"),
        CheckConstraint("valid_until >= issued_on", name="validity"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class EventLogRow(Base):
    """One entry of the append-only, hash-chained log of every action the node takes."""

    __tablename__ = "event_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(ID))
    subject: Mapped[str] = mapped_column(String(ID), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(json_type())
    prev_hash: Mapped[bytes] = mapped_column(bytes32())
    hash: Mapped[bytes] = mapped_column(bytes32(), unique=True)

    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq"),
        CheckConstraint(is_32_bytes("prev_hash"), name="prev_hash_length"),
        CheckConstraint(is_32_bytes("hash"), name="hash_length"),
    )


class HeadAnchorRow(Base):
    """When the log head ``(seq, hash)`` was queued for anchoring, and as which document.

    ``seq`` deliberately has no foreign key to ``event_log``: the record must
    outlive a deletion of log rows so that verification can notice it.
    """

    __tablename__ = "head_anchors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    hash: Mapped[bytes] = mapped_column(bytes32())
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    anchor_job_id: Mapped[int] = mapped_column(ForeignKey("anchor_jobs.id"), unique=True)
    created_at: Mapped[datetime]


class AttachmentRow(Base):
    """An encrypted attachment (AES-GCM) and the metadata needed to decrypt and check it."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[bytes] = mapped_column(bytes32())
    key_id: Mapped[str] = mapped_column(String(ID), index=True)
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("size >= 0", name="size"),
        CheckConstraint("length(nonce) = 12", name="nonce_length"),
    )


class IdempotencyKeyRow(Base):
    """The response given to the first request under a principal's idempotency key.

    The primary key ``(principal, key)`` makes a key unique per principal.
    """

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_digest: Mapped[bytes] = mapped_column(bytes32())
    response: Mapped[Any] = mapped_column(json_type())
    status_code: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (CheckConstraint("status_code BETWEEN 100 AND 599", name="status_code"),)


class RegistrationFactsRow(Base):
    """The statistics facts of one registration (``node.domain.registration_facts``).

    Amounts are integer fen (分), so that sums are exact on SQLite and PostgreSQL
    alike; NULL is an amount not given, and ``listed`` NULL a listing not recorded.
    """

    __tablename__ = "registration_facts"

    registration_number: Mapped[str] = mapped_column(
        ForeignKey("certificates.registration_number"), primary_key=True
    )
    origin: Mapped[str] = mapped_column(String(16))
    registered_on: Mapped[date] = mapped_column(index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    ownership: Mapped[str] = mapped_column(String(16))
    listed: Mapped[bool | None] = mapped_column(Boolean)
    securities_code: Mapped[str | None] = mapped_column(String(9), index=True)
    board: Mapped[str | None] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(2))
    region_code: Mapped[str] = mapped_column(String(6))
    industry_section: Mapped[str] = mapped_column(String(1))
    industry_division: Mapped[str | None] = mapped_column(String(2))
    data_type: Mapped[str] = mapped_column(String(16))
    right_holding: Mapped[bool] = mapped_column(Boolean)
    right_use: Mapped[bool] = mapped_column(Boolean)
    right_operation: Mapped[bool] = mapped_column(Boolean)
    intangible_fen: Mapped[int | None] = mapped_column(BigInteger)
    development_fen: Mapped[int | None] = mapped_column(BigInteger)
    inventory_fen: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint(one_of("origin", FactsOrigin), name="origin"),
        CheckConstraint(one_of("ownership", Ownership), name="ownership"),
        CheckConstraint(one_of("data_type", DataType), name="data_type"),
        CheckConstraint(one_of("industry_section", IndustrySection), name="industry_section"),
        CheckConstraint(f"board IS NULL OR {one_of('board', Board)}", name="board"),
        CheckConstraint(
            "(listed IS TRUE AND securities_code IS NOT NULL AND board IS NOT NULL)"
            " OR (listed IS NOT TRUE AND securities_code IS NULL AND board IS NULL)",
            name="listing",
        ),
        CheckConstraint(
            "(intangible_fen IS NULL OR intangible_fen >= 0)"
            " AND (development_fen IS NULL OR development_fen >= 0)"
            " AND (inventory_fen IS NULL OR inventory_fen >= 0)",
            name="amounts",
        ),
    )


class ApiKeyRow(Base):
    """An API key: the SHA-256 of its secret under its public id, its role and principal."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[bytes] = mapped_column(bytes32())
    principal: Mapped[str] = mapped_column(String(NAME), index=True)
    role: Mapped[str] = mapped_column(String(16))
    party: Mapped[str | None] = mapped_column(String(18))
    label: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    replaced_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role"),
        CheckConstraint(is_32_bytes("secret_hash"), name="secret_hash_length"),
    )


class CentreSettingsRow(Base):
    """The one row of the centre's settings set through the admin API."""

    __tablename__ = "centre_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_working_days: Mapped[int] = mapped_column(Integer)
    validity_years: Mapped[int] = mapped_column(Integer)
    holidays: Mapped[list[str]] = mapped_column(json_type())
    makeup_workdays: Mapped[list[str]] = mapped_column(json_type())
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(NAME))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class PledgeRow(Base):
    """A pledge (质押) of a certificate: queried columns, chain links and the domain snapshot.

    ``(registration_number, priority)`` is unique, so two confirmations that take the same
    next priority collide on commit rather than both succeeding.
    """

    __tablename__ = "pledges"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    registration_number: Mapped[str] = mapped_column(
        ForeignKey("certificates.registration_number"), index=True
    )
    chain_pledge_id: Mapped[bytes] = mapped_column(bytes32(), unique=True)
    pledgee_code: Mapped[str] = mapped_column(String(18), index=True)
    pledgor_credit_code: Mapped[str] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    term_end: Mapped[date]
    requested_at: Mapped[datetime]
    record_digest: Mapped[bytes | None] = mapped_column(ForeignKey("documents.digest"))
    chain_action_id: Mapped[int | None] = mapped_column(ForeignKey("chain_actions.id"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(one_of("status", PledgeStatus), name="status"),
        CheckConstraint("principal_minor > 0", name="principal"),
        CheckConstraint("priority IS NULL OR priority >= 1", name="priority"),
        CheckConstraint(is_32_bytes("chain_pledge_id"), name="chain_pledge_id_length"),
        UniqueConstraint("registration_number", "priority"),
        Index(None, "status", "term_end"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class PeerNonceRow(Base):
    """The nonce of a signed request from a peer centre's key, kept while its window lasts.

    The primary key ``(signer, nonce)`` refuses a replayed request even when two
    API processes receive it at once.
    """

    __tablename__ = "peer_nonces"

    signer: Mapped[str] = mapped_column(String(ADDRESS), primary_key=True)
    nonce: Mapped[bytes] = mapped_column(bytes32(), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (CheckConstraint(is_32_bytes("nonce"), name="nonce_length"),)
