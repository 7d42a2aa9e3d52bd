"""Everything an auditor reads from a node's database, streamed in the export's order.

One read-only transaction gives a consistent snapshot; each table is read with
a streaming cursor, a chunk of rows at a time, so exporting a million
documents holds a chunk in memory, not the documents. The order is the one
the export file has: chain actions, then each anchor batch followed by its
leaves (jobs with their documents, by leaf index), then the documents not in a
batch, then certificates, then the event log by seq.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, and_, select
from sqlalchemy.engine import Connection

from node.documents.kinds import DocumentKind
from node.store.db import SQLITE_BEGIN_OPTION, is_sqlite
from node.store.models import (
    AnchorBatchRow,
    AnchorJobRow,
    CertificateRow,
    ChainActionRow,
    DocumentRow,
    EventLogRow,
)
from node.store.outbox import anchor_batch_record, chain_action_record, proof_from_json
from node.store.records import (
    AnchorBatch,
    AnchorJob,
    AnchorJobStatus,
    CertificateRecord,
    ChainAction,
    EventEntry,
    StoredDocument,
)
from node.store.repositories import certificate_record

CHUNK = 2000
"""Rows fetched from the cursor at a time."""

_DOCUMENT = DocumentRow.__table__.c
_JOB = AnchorJobRow.__table__.c
_BATCH = AnchorBatchRow.__table__.c


@dataclass(frozen=True)
class Leaf:
    """A job of a batch with its document (None when the document is gone)."""

    job: AnchorJob
    document: StoredDocument | None


@dataclass(frozen=True)
class Unbatched:
    """A document in no batch the node holds: its job is pending, or names a batch row that
    is gone, or there is no job at all; or such a job whose document is gone."""

    document: StoredDocument | None
    job: AnchorJob | None


NodeRecord = ChainAction | AnchorBatch | Leaf | Unbatched | CertificateRecord | EventEntry


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one consistent state of the database."""
    if is_sqlite(engine):
        options: dict[str, Any] = {SQLITE_BEGIN_OPTION: "DEFERRED"}
    else:
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def node_records(connection: Connection) -> Iterator[NodeRecord]:
    """Every record of the export, in its order (see the module's docstring)."""
    yield from (
        chain_action_record(row)
        for row in _stream(connection, select(ChainActionRow.__table__).order_by(ChainActionRow.id))
    )
    yield from _batches_with_leaves(connection)
    yield from _unbatched(connection)
    certificates = select(CertificateRow.__table__).order_by(CertificateRow.registration_number)
    yield from (certificate_record(row) for row in _stream(connection, certificates))
    events = select(EventLogRow.__table__).order_by(EventLogRow.seq)
    yield from (_event(row) for row in _stream(connection, events))


def _stream(connection: Connection, statement: Any) -> Iterator[Row[Any]]:
    result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(statement)
    yield from result


def _with_document() -> Any:
    """Job columns and, prefixed ``doc_``, the columns of the job's document (outer join)."""
    return select(
        *_JOB,
        *(column.label(f"doc_{column.name}") for column in _DOCUMENT),
    ).select_from(
        AnchorJobRow.__table__.outerjoin(DocumentRow.__table__, _DOCUMENT.id == _JOB.document_id)
    )


def _batches_with_leaves(connection: Connection) -> Iterator[AnchorBatch | Leaf | Unbatched]:
    """Each batch, then its leaves; a job whose batch row is gone comes as :class:`Unbatched`."""
    batches = _stream(connection, select(AnchorBatchRow.__table__).order_by(AnchorBatchRow.id))
    jobs = _with_document().where(_JOB.batch_id.is_not(None))
    leaves = _stream(connection, jobs.order_by(_JOB.batch_id, _JOB.leaf_index, _JOB.id))
    pending = next(leaves, None)
    for row in batches:
        batch = anchor_batch_record(row)
        while pending is not None and pending.batch_id < batch.id:
            yield Unbatched(_document(pending, "doc_"), _job(pending))
            pending = next(leaves, None)
        yield batch
        while pending is not None and pending.batch_id == batch.id:
            yield Leaf(_job(pending), _document(pending, "doc_"))
            pending = next(leaves, None)
    while pending is not None:
        yield Unbatched(_document(pending, "doc_"), _job(pending))
        pending = next(leaves, None)


def _unbatched(connection: Connection) -> Iterator[Unbatched]:
    documents = (
        select(
            *_DOCUMENT,
            *(column.label(f"job_{column.name}") for column in _JOB),
        )
        .select_from(
            DocumentRow.__table__.outerjoin(
                AnchorJobRow.__table__, _JOB.document_id == _DOCUMENT.id
            )
        )
        .where(_JOB.batch_id.is_(None))
        .order_by(_DOCUMENT.created_at, _DOCUMENT.id)
    )
    for row in _stream(connection, documents):
        job = None if row.job_id is None else _job(row, "job_")
        yield Unbatched(_document(row), job)
    orphans = (
        _with_document()
        .where(and_(_JOB.batch_id.is_(None), _DOCUMENT.id.is_(None)))
        .order_by(_JOB.id)
    )
    for row in _stream(connection, orphans):
        yield Unbatched(None, _job(row))


def _document(row: Row[Any], prefix: str = "") -> StoredDocument | None:
    values = row._mapping
    if values[f"{prefix}id"] is None:
        return None
    return StoredDocument(
        id=values[f"{prefix}id"],
        kind=DocumentKind(values[f"{prefix}kind"]),
        subject=values[f"{prefix}subject"],
        schema_version=values[f"{prefix}schema_version"],
        canonical=values[f"{prefix}canonical"],
        digest=values[f"{prefix}digest"],
        signature=values[f"{prefix}signature"],
        signer=values[f"{prefix}signer"],
        previous_digest=values[f"{prefix}previous_digest"],
        created_at=values[f"{prefix}created_at"],
    )


def _job(row: Row[Any], prefix: str = "") -> AnchorJob:
    values = row._mapping
    return AnchorJob(
        id=values[f"{prefix}id"],
        document_id=values[f"{prefix}document_id"],
        digest=values[f"{prefix}digest"],
        status=AnchorJobStatus(values[f"{prefix}status"]),
        batch_id=values[f"{prefix}batch_id"],
        leaf_index=values[f"{prefix}leaf_index"],
        proof=proof_from_json(values[f"{prefix}proof"]),
        created_at=values[f"{prefix}created_at"],
        deadline_at=values[f"{prefix}deadline_at"],
    )


def _event(row: Row[Any]) -> EventEntry:
    return EventEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        details=dict(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
