"""Initial schema: applications, documents, the outbox, certificates, event log, attachments.

Revision ID: 0001
Revises:
Create Date: 2026-01-01 00:00:00

Enumerations are copied here as they were at this revision; a later change of
a status list needs its own revision replacing the CHECK constraint.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPLICATION_STATES = (
    "draft",
    "submitted",
    "returned",
    "compliance_review",
    "audit",
    "awaiting_notice",
    "public_notice",
    "objection",
    "issued",
    "rejected",
    "withdrawn",
)
DOCUMENT_KINDS = (
    "application",
    "compliance_report",
    "notice",
    "objection",
    "objection_decision",
    "valuation_report",
    "cost_report",
    "certificate",
    "change",
    "transfer",
    "licence",
    "renewal",
    "cancellation",
    "revocation",
    "expiry",
    "pledge",
    "pledge_release",
    "recognition",
    "event_log_head",
)
ANCHOR_JOB_STATUSES = ("pending", "batched", "confirmed")
ANCHOR_BATCH_STATUSES = ("prepared", "sent", "confirmed", "failed")
CHAIN_ACTION_STATUSES = ("pending", "sent", "confirmed", "failed")
CERTIFICATE_STATUSES = ("active", "revoked", "cancelled", "superseded", "expired")


def json() -> sa.JSON:
    """JSON, as JSONB on PostgreSQL."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def moment() -> sa.DateTime:
    """A timestamp with time zone."""
    return sa.DateTime(timezone=True)


def one_of(column: str, values: Sequence[str]) -> str:
    """SQL text of ``column IN (...)``."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    """A CHECK constraint named by the project's naming convention."""
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def length_32(table: str, column: str, name: str, *, nullable: bool = False) -> sa.CheckConstraint:
    """A CHECK that a bytes32 column holds exactly 32 bytes."""
    condition = f"length({column}) = 32"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return check(table, name, condition)


def index(table: str, *columns: str) -> None:
    """A non-unique index named by the project's naming convention."""
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "anchor_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raw_tx", sa.LargeBinary(), nullable=True),
        sa.Column("tx_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("nonce", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("block_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("sent_at", moment(), nullable=True),
        sa.Column("confirmed_at", moment(), nullable=True),
        check(
            "anchor_batches",
            "confirmed_has_block",
            "status <> 'confirmed' OR (block_number IS NOT NULL AND block_hash IS NOT NULL)",
        ),
        check("anchor_batches", "status", one_of("status", ANCHOR_BATCH_STATUSES)),
        check(
            "anchor_batches",
            "sent_has_tx",
            "status NOT IN ('sent', 'confirmed') OR (raw_tx IS NOT NULL AND tx_hash IS NOT NULL)",
        ),
        check("anchor_batches", "leaf_count", "leaf_count >= 1"),
        length_32("anchor_batches", "root", "root_length"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_batches")),
        sa.UniqueConstraint("root", name=op.f("uq_anchor_batches_root")),
    )
    index("anchor_batches", "status")

    op.create_table(
        "applications",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("applicant_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("content", json(), nullable=False),
        sa.Column("snapshot", json(), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        check("applications", "state", one_of("state", APPLICATION_STATES)),
        check("applications", "version", "version >= 1"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint(
            "registration_number", name=op.f("uq_applications_registration_number")
        ),
    )
    index("applications", "applicant_id", "created_at", "id")
    index("applications", "state")

    op.create_table(
        "chain_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", json(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raw_tx", sa.LargeBinary(), nullable=True),
        sa.Column("tx_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("nonce", sa.Integer(), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("block_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        check("chain_actions", "status", one_of("status", CHAIN_ACTION_STATUSES)),
        check(
            "chain_actions",
            "sent_has_tx",
            "status NOT IN ('sent', 'confirmed') OR (raw_tx IS NOT NULL AND tx_hash IS NOT NULL)",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_actions")),
    )
    index("chain_actions", "status")

    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("schema_version", sa.String(length=64), nullable=False),
        sa.Column("canonical", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("signer", sa.String(length=42), nullable=True),
        sa.Column("previous_digest", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        check("documents", "kind", one_of("kind", DOCUMENT_KINDS)),
        length_32("documents", "digest", "digest_length"),
        length_32("documents", "previous_digest", "previous_length", nullable=True),
        sa.ForeignKeyConstraint(
            ["previous_digest"],
            ["documents.digest"],
            name=op.f("fk_documents_previous_digest_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("digest", name=op.f("uq_documents_digest")),
    )
    index("documents", "previous_digest")
    index("documents", "subject")

    op.create_table(
        "event_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", moment(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("details", json(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        length_32("event_log", "hash", "hash_length"),
        length_32("event_log", "prev_hash", "prev_hash_length"),
        check("event_log", "seq", "seq >= 1"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_event_log_hash")),
    )
    index("event_log", "subject")

    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("response", json(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        check("idempotency_keys", "status_code", "status_code BETWEEN 100 AND 599"),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_keys")),
    )
    index("idempotency_keys", "created_at")

    op.create_table(
        "anchor_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("leaf_index", sa.Integer(), nullable=True),
        sa.Column("proof", json(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("deadline_at", moment(), nullable=False),
        check(
            "anchor_jobs",
            "batched",
            "(status = 'pending' AND batch_id IS NULL AND leaf_index IS NULL)"
            " OR (status <> 'pending' AND batch_id IS NOT NULL AND leaf_index IS NOT NULL)",
        ),
        check("anchor_jobs", "status", one_of("status", ANCHOR_JOB_STATUSES)),
        length_32("anchor_jobs", "digest", "digest_length"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["anchor_batches.id"], name=op.f("fk_anchor_jobs_batch_id_anchor_batches")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_anchor_jobs_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_jobs")),
        sa.UniqueConstraint("digest", name=op.f("uq_anchor_jobs_digest")),
        sa.UniqueConstraint("document_id", name=op.f("uq_anchor_jobs_document_id")),
    )
    index("anchor_jobs", "batch_id")
    index("anchor_jobs", "status")

    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        check("attachments", "nonce_length", "length(nonce) = 12"),
        check("attachments", "size", "size >= 0"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_attachments_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    index("attachments", "application_id")
    index("attachments", "key_id")

    op.create_table(
        "certificates",
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=True),
        sa.Column("holder_credit_code", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asset_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("certificate_id", sa.LargeBinary(length=32), nullable=False),
        sa.Column("document_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("superseded_by", sa.String(length=64), nullable=True),
        sa.Column("snapshot", json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        check("certificates", "status", one_of("status", CERTIFICATE_STATUSES)),
        length_32("certificates", "asset_key", "asset_key_length"),
        length_32("certificates", "certificate_id", "certificate_id_length"),
        check("certificates", "validity", "valid_until >= issued_on"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_certificates_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["document_digest"],
            ["documents.digest"],
            name=op.f("fk_certificates_document_digest_documents"),
        ),
        sa.PrimaryKeyConstraint("registration_number", name=op.f("pk_certificates")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_certificates_certificate_id")),
    )
    index("certificates", "application_id")
    index("certificates", "asset_key")
    index("certificates", "holder_credit_code")
    index("certificates", "status")

    op.create_table(
        "head_anchors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("anchor_job_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["anchor_job_id"],
            ["anchor_jobs.id"],
            name=op.f("fk_head_anchors_anchor_job_id_anchor_jobs"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_head_anchors_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_head_anchors")),
        sa.UniqueConstraint("anchor_job_id", name=op.f("uq_head_anchors_anchor_job_id")),
        sa.UniqueConstraint("document_id", name=op.f("uq_head_anchors_document_id")),
        sa.UniqueConstraint("seq", name=op.f("uq_head_anchors_seq")),
    )


def downgrade() -> None:
    """Drop every table (indexes go with them)."""
    for table in (
        "head_anchors",
        "certificates",
        "attachments",
        "anchor_jobs",
        "idempotency_keys",
        "event_log",
        "documents",
        "chain_actions",
        "applications",
        "anchor_batches",
    ):
        op.drop_table(table)
