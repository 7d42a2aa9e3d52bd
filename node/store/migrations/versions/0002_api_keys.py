"""API keys (hashed secrets with a role and a principal) and the centre's admin settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("applicant", "reviewer", "auditor", "issuer", "pledgee", "regulator", "admin")


def upgrade() -> None:
    """Create ``api_keys`` and ``centre_settings``."""
    roles = ", ".join(repr(role) for role in ROLES)
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("party", sa.String(length=18), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.String(length=32), nullable=True),
        sa.CheckConstraint(f"role IN ({roles})", name=op.f("ck_api_keys_role")),
        sa.CheckConstraint("length(secret_hash) = 32", name=op.f("ck_api_keys_secret_hash_length")),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_keys")),
    )
    op.create_index(op.f("ix_api_keys_principal"), "api_keys", ["principal"])
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "centre_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_working_days", sa.Integer(), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("holidays", json, nullable=False),
        sa.Column("makeup_workdays", json, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_centre_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centre_settings")),
    )


def downgrade() -> None:
    """Drop ``centre_settings`` and ``api_keys``."""
    op.drop_table("centre_settings")
    op.drop_table("api_keys")
