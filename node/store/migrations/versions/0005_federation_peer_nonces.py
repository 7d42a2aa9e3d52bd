"""Nonces of signed requests from peer centres (互认), kept for their time window.

Revision ID: 0005_federation
Revises: 0004
Create Date: 2026-11-25 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_federation"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``peer_nonces``."""
    op.create_table(
        "peer_nonces",
        sa.Column("signer", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(nonce) = 32", name=op.f("ck_peer_nonces_nonce_length")),
        sa.PrimaryKeyConstraint("signer", "nonce", name=op.f("pk_peer_nonces")),
    )
    op.create_index(op.f("ix_peer_nonces_expires_at"), "peer_nonces", ["expires_at"])


def downgrade() -> None:
    """Drop ``peer_nonces``."""
    op.drop_table("peer_nonces")
