"""Signing documents and storing them with their anchoring jobs, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from node.documents.canonical import canonical_json, keccak256, parse_digest
from node.documents.schemas import Document, as_json
from node.documents.signing import SignedFields
from node.services.context import NodeContext
from node.store.ports import AbstractUnitOfWork
from node.store.records import NewDocument, StoredDocument


def record_document(
    uow: AbstractUnitOfWork, context: NodeContext, document: Document
) -> StoredDocument:
    """Canonicalise, sign (EIP-712) and store ``document``; its anchor job is queued with it."""
    [stored] = record_documents(uow, context, [document])
    return stored


def record_documents(
    uow: AbstractUnitOfWork, context: NodeContext, documents: Sequence[Document]
) -> list[StoredDocument]:
    """``record_document`` for many documents, stored in one write, in order."""
    signer = context.signer
    new = []
    for document in documents:
        canonical = canonical_json(as_json(document))  # type: ignore[arg-type]
        digest = keccak256(canonical)
        previous = document.previous_digest
        new.append(
            NewDocument(
                kind=document.kind,
                subject=document.subject,
                schema_version=str(document.schema_version),
                canonical=canonical,
                digest=digest,
                signature=signer.sign(
                    SignedFields(
                        kind=document.kind.value,
                        subject=document.subject,
                        digest=digest,
                        schema_version=document.schema_version,
                    )
                ),
                signer=signer.address,
                previous_digest=None if previous is None else parse_digest(previous),
            )
        )
    deadline = context.clock.now() + context.anchor_within
    return [stored for stored, _job in uow.documents.add_many_with_anchor_jobs(new, deadline)]


def latest_digest(uow: AbstractUnitOfWork, subject: str) -> bytes | None:
    """The digest of the newest document about ``subject``: the next one links to it."""
    documents = uow.documents.list_by_subject(subject)
    return documents[-1].digest if documents else None
