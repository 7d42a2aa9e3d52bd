"""Registration facts: what the yearbook counts of every registration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-03-01 00:00:00

Certificates issued before this revision get their facts from their stored
snapshot, as ``node.domain.registration_facts.facts_of_certificate`` derives
them at issue: successor certificates (change, transfer, renewal) are no new
registrations and get none. The snapshot format and enumerations are read here
as they were at this revision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORIGINS = ("import", "issue")
OWNERSHIPS = ("state", "non-state")
DATA_TYPES = ("structured", "semi-structured", "unstructured")
SECTIONS = tuple("ABCDEFGHIJKLMNOPQRST")
BOARDS = ("sh_main", "sz_main", "chinext", "star", "bse")
BACKFILL_CHUNK = 1000


def one_of(column: str, values: Sequence[str]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def check(name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_registration_facts_{name}"))


def upgrade() -> None:
    facts = op.create_table(
        "registration_facts",
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("ownership", sa.String(length=16), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=True),
        sa.Column("securities_code", sa.String(length=9), nullable=True),
        sa.Column("board", sa.String(length=16), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("industry_section", sa.String(length=1), nullable=False),
        sa.Column("industry_division", sa.String(length=2), nullable=True),
        sa.Column("data_type", sa.String(length=16), nullable=False),
        sa.Column("right_holding", sa.Boolean(), nullable=False),
        sa.Column("right_use", sa.Boolean(), nullable=False),
        sa.Column("right_operation", sa.Boolean(), nullable=False),
        sa.Column("intangible_fen", sa.BigInteger(), nullable=True),
        sa.Column("development_fen", sa.BigInteger(), nullable=True),
        sa.Column("inventory_fen", sa.BigInteger(), nullable=True),
        check("origin", one_of("origin", ORIGINS)),
        check("ownership", one_of("ownership", OWNERSHIPS)),
        check("data_type", one_of("data_type", DATA_TYPES)),
        check("industry_section", one_of("industry_section", SECTIONS)),
        check("board", f"board IS NULL OR {one_of('board', BOARDS)}"),
        check(
            "listing",
            "(listed IS TRUE AND securities_code IS NOT NULL AND board IS NOT NULL)"
            " OR (listed IS NOT TRUE AND securities_code IS NULL AND board IS NULL)",
        ),
        check(
            "amounts",
            "(intangible_fen IS NULL OR intangible_fen >= 0)"
            " AND (development_fen IS NULL OR development_fen >= 0)"
            " AND (inventory_fen IS NULL OR inventory_fen >= 0)",
        ),
        sa.ForeignKeyConstraint(
            ["registration_number"],
            ["certificates.registration_number"],
            name=op.f("fk_registration_facts_registration_number_certificates"),
        ),
        sa.PrimaryKeyConstraint("registration_number", name=op.f("pk_registration_facts")),
    )
    for column in ("credit_code", "registered_on", "securities_code"):
        op.create_index(op.f(f"ix_registration_facts_{column}"), "registration_facts", [column])
    for chunk in _facts_of_issued_certificates():
        op.bulk_insert(facts, chunk)


def downgrade() -> None:
    op.drop_table("registration_facts")


def _facts_of_issued_certificates() -> Iterator[list[dict[str, Any]]]:
    """The facts of every first registration stored already, a page of certificates at a
    time (read in full before the page's facts are written)."""
    certificates = sa.table(
        "certificates",
        sa.column("registration_number", sa.String()),
        sa.column("issued_on", sa.Date()),
        sa.column("snapshot", sa.JSON()),
    )
    query = (
        sa.select(
            certificates.c.registration_number,
            certificates.c.issued_on,
            certificates.c.snapshot,
        )
        .order_by(certificates.c.registration_number)
        .limit(BACKFILL_CHUNK)
    )
    after = ""
    while True:
        page = op.get_bind().execute(query.where(certificates.c.registration_number > after))
        rows = page.all()
        if not rows:
            return
        after = rows[-1][0]
        chunk = [
            _facts(number, issued_on, snapshot["content"])
            for number, issued_on, snapshot in rows
            if snapshot.get("supersedes") is None
        ]
        if chunk:
            yield chunk


def _facts(number: str, issued_on: Any, content: Mapping[str, Any]) -> dict[str, Any]:
    holder, asset, rights = content["holder"], content["asset"], content["rights"]
    return {
        "registration_number": number,
        "origin": "issue",
        "registered_on": issued_on,
        "credit_code": holder["credit_code"],
        "ownership": holder["ownership"],
        "listed": None,
        "securities_code": None,
        "board": None,
        "province_code": holder["region_code"][:2],
        "region_code": holder["region_code"],
        "industry_section": asset["industry_section"],
        "industry_division": None,
        "data_type": asset["data_type"],
        "right_holding": "holding" in rights,
        "right_use": "use" in rights,
        "right_operation": "operation" in rights,
        "intangible_fen": None,
        "development_fen": None,
        "inventory_fen": None,
    }
