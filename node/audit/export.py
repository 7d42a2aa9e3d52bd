"""``dataprop export``: the node's records written as an export file, streaming."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Engine

from node.audit.export_format import (
    COUNTED,
    RecordKind,
    batch_record,
    certificate_record,
    chain_action_record,
    document_record,
    encode,
    event_record,
    header_record,
    leaf_record,
)
from node.documents.schemas import CentreRef
from node.store.export_rows import Leaf, NodeRecord, Unbatched, node_records, snapshot
from node.store.records import (
    AnchorBatch,
    CertificateRecord,
    ChainAction,
    EventEntry,
)
from node.verification.ports import ConsortiumAddresses

Progress = Callable[[int], None]
"""Told how many records were written since the last call."""
PROGRESS_EVERY = 10_000


def record_of(item: NodeRecord) -> dict[str, Any]:
    """The export record of one item read from the database."""
    match item:
        case ChainAction():
            return chain_action_record(item)
        case AnchorBatch():
            return batch_record(item)
        case Leaf():
            return leaf_record(item.job, item.document)
        case Unbatched():
            return document_record(item.document, item.job)
        case CertificateRecord():
            return certificate_record(item)
        case EventEntry():
            return event_record(item)
    raise TypeError(f"no export record for {type(item).__name__}")


def export_lines(
    engine: Engine,
    *,
    centre: CentreRef,
    chain_id: int | None,
    consortium: ConsortiumAddresses | None,
    at: datetime,
) -> Iterator[bytes]:
    """The lines of the export file, produced from one consistent snapshot of the database as
    they are read: ``dataprop export`` writes them, an audit of ``--node-db`` reads them."""
    yield encode(header_record(centre, chain_id, consortium, at))
    counts = dict.fromkeys((kind.value for kind in COUNTED), 0)
    with snapshot(engine) as connection:
        for item in node_records(connection):
            record = record_of(item)
            counts[record["record"]] += 1
            yield encode(record)
    yield encode({"record": RecordKind.END.value, "counts": counts})


def export_node(
    engine: Engine,
    out: IO[bytes],
    *,
    centre: CentreRef,
    chain_id: int | None,
    consortium: ConsortiumAddresses | None,
    at: datetime,
    progress: Progress | None = None,
) -> int:
    """Write the node's export to ``out``; the number of lines written."""
    written = 0
    lines = export_lines(engine, centre=centre, chain_id=chain_id, consortium=consortium, at=at)
    for line in lines:
        out.write(line)
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None:
        progress(written % PROGRESS_EVERY)
    return written
