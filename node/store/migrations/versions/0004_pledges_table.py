"""Pledges (质押) of certificates: snapshots beside their queried columns and chain links.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("requested", "rejected", "active", "released", "expired")


def upgrade() -> None:
    """Create ``pledges``."""
    statuses = ", ".join(repr(status) for status in STATUSES)
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "pledges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("chain_pledge_id", sa.LargeBinary(length=32), nullable=False),
        sa.Column("pledgee_code", sa.String(length=18), nullable=False),
        sa.Column("pledgor_credit_code", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_digest", sa.LargeBinary(length=32), nullable=True),
        sa.Column("chain_action_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", json, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f("ck_pledges_status")),
        sa.CheckConstraint("principal_minor > 0", name=op.f("ck_pledges_principal")),
        sa.CheckConstraint("priority IS NULL OR priority >= 1", name=op.f("ck_pledges_priority")),
        sa.CheckConstraint(
            "length(chain_pledge_id) = 32", name=op.f("ck_pledges_chain_pledge_id_length")
        ),
        sa.ForeignKeyConstraint(
            ["registration_number"],
            ["certificates.registration_number"],
            name=op.f("fk_pledges_registration_number_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["record_digest"], ["documents.digest"], name=op.f("fk_pledges_record_digest_documents")
        ),
        sa.ForeignKeyConstraint(
            ["chain_action_id"],
            ["chain_actions.id"],
            name=op.f("fk_pledges_chain_action_id_chain_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
        sa.UniqueConstraint("chain_pledge_id", name=op.f("uq_pledges_chain_pledge_id")),
        sa.UniqueConstraint(
            "registration_number", "priority", name=op.f("uq_pledges_registration_number_priority")
        ),
    )
    op.create_index(op.f("ix_pledges_registration_number"), "pledges", ["registration_number"])
    op.create_index(op.f("ix_pledges_pledgee_code"), "pledges", ["pledgee_code"])
    op.create_index(op.f("ix_pledges_pledgor_credit_code"), "pledges", ["pledgor_credit_code"])
    op.create_index(op.f("ix_pledges_status_term_end"), "pledges", ["status", "term_end"])


def downgrade() -> None:
    """Drop ``pledges``."""
    op.drop_table("pledges")
