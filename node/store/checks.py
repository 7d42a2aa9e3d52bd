"""Argument checks shared by the SQL repositories and the fakes."""

from __future__ import annotations

from datetime import UTC, datetime

from node.documents.canonical import keccak256
from node.documents.kinds import DocumentKind
from node.store.errors import DocumentDigestMismatchError, InvalidValueError
from node.store.records import NewDocument, StoredDocument

MAX_PAGE = 500
"""The largest ``limit`` a listing accepts."""


def require_bytes32(value: bytes, name: str) -> bytes:
    """``value`` when it is exactly 32 bytes."""
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidValueError(f"{name} must be 32 bytes")
    return value


def require_aware(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC when it carries a time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def require_page(limit: int, offset: int) -> None:
    """Refuse a page outside 1..MAX_PAGE rows or a negative offset."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValueError(f"limit must be from 1 to {MAX_PAGE}")
    if offset < 0:
        raise InvalidValueError("offset must not be negative")


def require_text(value: str, name: str, max_length: int) -> str:
    """``value`` when it is a non-empty string of at most ``max_length`` characters."""
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise InvalidValueError(f"{name} must have 1 to {max_length} characters")
    return value


def checked_digest(document: NewDocument) -> bytes:
    """The document's digest, refused unless it is the keccak-256 of its canonical bytes."""
    digest = require_bytes32(document.digest, "digest")
    if keccak256(document.canonical) != digest:
        raise DocumentDigestMismatchError(
            f"digest 0x{digest.hex()} is not the keccak-256 of the canonical bytes"
        )
    return digest


def stored_document(document: NewDocument, document_id: str, now: datetime) -> StoredDocument:
    """``document`` as the store hands it out once written at ``now`` under ``document_id``."""
    return StoredDocument(
        id=document_id,
        kind=DocumentKind(document.kind),
        subject=require_text(document.subject, "subject", 64),
        schema_version=require_text(document.schema_version, "schema_version", 64),
        canonical=document.canonical,
        digest=document.digest,
        signature=document.signature,
        signer=document.signer,
        previous_digest=document.previous_digest,
        created_at=now,
    )
