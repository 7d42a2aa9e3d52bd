"""The export file a node writes for its regulator (``dataprop export``), format version 1.

JSON Lines in UTF-8: one JSON object per line, each starting with its
``record`` kind, in this order:

``header``
    ``format`` ("dataprop-export"), ``version`` (1), ``exported_at``, the node's
    ``centre`` (``region_code``, ``name``, ``signer``: its chain key) and the
    ``chain`` it anchors on (``chain_id`` and the three contract addresses).
``chain_action`` *
    The outbox of chain writes other than anchors: ``id``, ``kind``,
    ``payload``, ``status``, ``tx_hash``, ``block_number``.
``batch`` then its ``leaf`` records, for every anchor batch
    A batch: ``id``, ``root``, ``leaf_count``, ``status``, ``sender``,
    ``tx_hash``, ``block_number``, ``block_hash``, ``created_at``,
    ``confirmed_at``. Each following ``leaf`` is one of its anchoring jobs by
    leaf index: ``{"job": {...}, "document": {...} | null}``.
``document`` * (anywhere in the batch section)
    A document in no batch the node holds (its job pending or missing):
    ``{"document": {...} | null, "job": {...} | null}``.
``certificate`` *
    ``registration_number``, ``certificate_id``, ``status``, ``asset_key``,
    ``document_digest``, ``issued_on``, ``valid_until``, ``superseded_by``.
``event`` *
    The hash-chained event log by ``seq``: ``at``, ``actor``, ``action``,
    ``subject``, ``details``, ``prev_hash``, ``hash``.
``end``
    ``counts`` of every record kind above, so a cut-off file is detected.

A document object holds ``id``, ``kind``, ``subject``, ``schema_version``,
``canonical`` (its exact canonical JSON as a string; ``canonical_base64``
instead if the stored bytes are not UTF-8), ``digest``, ``signature``,
``signer``, ``previous_digest`` and ``created_at``. A job object holds ``id``,
``document_id``, ``digest``, ``status``, ``batch_id``, ``leaf_index``,
``proof``, ``created_at`` and ``deadline_at``. Bytes are ``0x`` hex, times
ISO 8601 in UTC. Readers refuse another ``format`` or a higher ``version``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from node.documents.schemas import CentreRef
from node.errors import DomainError
from node.store.records import (
    AnchorBatch,
    AnchorJob,
    CertificateRecord,
    ChainAction,
    EventEntry,
    StoredDocument,
)
from node.verification.ports import ConsortiumAddresses

FORMAT = "dataprop-export"
VERSION = 1


class RecordKind(StrEnum):
    """The record kinds, in file order (``leaf`` and ``document`` share a section)."""

    HEADER = "header"
    CHAIN_ACTION = "chain_action"
    BATCH = "batch"
    LEAF = "leaf"
    DOCUMENT = "document"
    CERTIFICATE = "certificate"
    EVENT = "event"
    END = "end"


SECTION = {
    RecordKind.HEADER: 0,
    RecordKind.CHAIN_ACTION: 1,
    RecordKind.BATCH: 2,
    RecordKind.LEAF: 2,
    RecordKind.DOCUMENT: 2,
    RecordKind.CERTIFICATE: 3,
    RecordKind.EVENT: 4,
    RecordKind.END: 5,
}
COUNTED = tuple(kind for kind in RecordKind if kind not in (RecordKind.HEADER, RecordKind.END))


class ExportFormatError(DomainError):
    """The export file is not a readable dataprop export; the message names the line."""

    code = "export_format"


@dataclass(frozen=True)
class ExportHeader:
    """Whose export this is and on which chain its node anchors."""

    exported_at: str
    region_code: str
    name: str
    signer: str
    chain: ConsortiumAddresses | None
    chain_id: int | None


# -- writing ---------------------------------------------------------------------------------


def header_record(
    centre: CentreRef, chain_id: int | None, chain: ConsortiumAddresses | None, at: datetime
) -> dict[str, Any]:
    return {
        "record": RecordKind.HEADER.value,
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _time(at),
        "centre": {"region_code": centre.region_code, "name": centre.name, "signer": centre.signer},
        "chain": None
        if chain is None
        else {
            "chain_id": chain_id,
            "centre_registry": chain.centre_registry,
            "anchor_registry": chain.anchor_registry,
            "certificate_registry": chain.certificate_registry,
        },
    }


def chain_action_record(action: ChainAction) -> dict[str, Any]:
    return {
        "record": RecordKind.CHAIN_ACTION.value,
        "id": action.id,
        "kind": action.kind,
        "payload": dict(action.payload),
        "status": action.status.value,
        "tx_hash": _hex(action.tx_hash),
        "block_number": action.block_number,
    }


def batch_record(batch: AnchorBatch) -> dict[str, Any]:
    return {
        "record": RecordKind.BATCH.value,
        "id": batch.id,
        "root": _hex(batch.root),
        "leaf_count": batch.leaf_count,
        "status": batch.status.value,
        "sender": batch.sender,
        "tx_hash": _hex(batch.tx_hash),
        "block_number": batch.block_number,
        "block_hash": _hex(batch.block_hash),
        "created_at": _time(batch.created_at),
        "confirmed_at": _time(batch.confirmed_at),
    }


def leaf_record(job: AnchorJob, document: StoredDocument | None) -> dict[str, Any]:
    return {
        "record": RecordKind.LEAF.value,
        "job": _job(job),
        "document": None if document is None else _document(document),
    }


def document_record(document: StoredDocument | None, job: AnchorJob | None) -> dict[str, Any]:
    return {
        "record": RecordKind.DOCUMENT.value,
        "document": None if document is None else _document(document),
        "job": None if job is None else _job(job),
    }


def certificate_record(record: CertificateRecord) -> dict[str, Any]:
    return {
        "record": RecordKind.CERTIFICATE.value,
        "registration_number": record.registration_number,
        "certificate_id": _hex(record.certificate_id),
        "status": record.status.value,
        "asset_key": _hex(record.asset_key),
        "document_digest": _hex(record.document_digest),
        "issued_on": record.issued_on.isoformat(),
        "valid_until": record.valid_until.isoformat(),
        "superseded_by": record.superseded_by,
    }


def event_record(entry: EventEntry) -> dict[str, Any]:
    return {
        "record": RecordKind.EVENT.value,
        "seq": entry.seq,
        "at": _time(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": dict(entry.details),
        "prev_hash": _hex(entry.prev_hash),
        "hash": _hex(entry.hash),
    }


def encode(record: Mapping[str, Any]) -> bytes:
    """One line of the file."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _document(document: StoredDocument) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": document.id,
        "kind": document.kind.value,
        "subject": document.subject,
        "schema_version": document.schema_version,
    }
    try:
        body["canonical"] = document.canonical.decode("utf-8")
    except UnicodeDecodeError:
        body["canonical_base64"] = base64.b64encode(document.canonical).decode("ascii")
    body.update(
        digest=_hex(document.digest),
        signature=_hex(document.signature),
        signer=document.signer,
        previous_digest=_hex(document.previous_digest),
        created_at=_time(document.created_at),
    )
    return body


def _job(job: AnchorJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "document_id": job.document_id,
        "digest": _hex(job.digest),
        "status": job.status.value,
        "batch_id": job.batch_id,
        "leaf_index": job.leaf_index,
        "proof": None if job.proof is None else [_hex(step) for step in job.proof],
        "created_at": _time(job.created_at),
        "deadline_at": _time(job.deadline_at),
    }


def _hex(value: bytes | None) -> str | None:
    return None if value is None else "0x" + value.hex()


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# -- reading ---------------------------------------------------------------------------------


def read_header(line: bytes) -> ExportHeader:
    """The header line of an export, refusing another format or a newer version."""
    if not line:
        raise ExportFormatError("the file is empty")
    record = parse(line, 1)
    if record.get("record") != "header" or record.get("format") != FORMAT:
        raise ExportFormatError("line 1: not a dataprop export (no dataprop-export header)")
    version = record.get("version")
    if not isinstance(version, int) or not 1 <= version <= VERSION:
        raise ExportFormatError(f"line 1: export format version {version!r} is not readable here")
    try:
        centre = record["centre"]
        chain = record["chain"]
        return ExportHeader(
            exported_at=str(record["exported_at"]),
            region_code=str(centre["region_code"]),
            name=str(centre["name"]),
            signer=str(centre["signer"]),
            chain=None
            if chain is None
            else ConsortiumAddresses(
                centre_registry=str(chain["centre_registry"]),
                anchor_registry=str(chain["anchor_registry"]),
                certificate_registry=str(chain["certificate_registry"]),
            ),
            chain_id=None if chain is None else int(chain["chain_id"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportFormatError(f"line 1: the header lacks {exc}") from None


def parse(raw: bytes, number: int) -> dict[str, Any]:
    """One line as a JSON object; ExportFormatError naming the line otherwise."""
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ExportFormatError(f"line {number}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ExportFormatError(f"line {number}: not a JSON object")
    return value
