"""Reconciling one node's export with the chain's history: every finding and the counts.

The export is read once, as raw bytes. The documents section (batches, their
leaves, documents in no batch) and the event log are cut into blocks of a few
MiB at line boundaries (a documents block only before a batch record, so a
batch stays whole) and checked by :mod:`node.audit.checks`, in worker
processes when there are several; this process only finds the cuts (with
byte searches, never line by line), reads the chain actions and the
certificates, and closes the books: certificate statuses against the chain
(changes still in the outbox excused), the event log's links across blocks
and its anchored heads, and the anchors and certificates of the centre that
nothing in the export accounted for. Memory holds the chain's history, the
blocks in flight and the findings, never the documents.
"""

from __future__ import annotations

import multiprocessing
import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from node.audit.checks import (
    AuditFacts,
    Block,
    BlockResult,
    EventRun,
    LogHead,
    bytes32_of,
    check_documents,
    check_events,
    install,
    install_in_worker,
    link_break,
)
from node.audit.export_format import (
    COUNTED,
    SECTION,
    ExportFormatError,
    ExportHeader,
    RecordKind,
    parse,
    read_header,
)
from node.audit.findings import Finding, FindingCode
from node.audit.history import ChainHistory
from node.chain.types import CertificateStatus
from node.documents.signing import SigningDomain
from node.store.digests import ZERO_HASH
from node.verification.ports import ConsortiumAddresses

BLOCK_BYTES = 4 * 2**20
"""Bytes of export lines per task: large enough that a task outweighs sending it."""
ON_CHAIN = {
    "active": CertificateStatus.ACTIVE,
    "expired": CertificateStatus.ACTIVE,
    "revoked": CertificateStatus.REVOKED,
    "cancelled": CertificateStatus.CANCELLED,
    "superseded": CertificateStatus.SUPERSEDED,
}
"""The on-chain status a certificate of each node status has (expiry is not written on chain)."""
_KIND = re.compile(rb'\{"record":"([a-z_]+)"')
_KINDS = {kind.value.encode(): kind for kind in RecordKind}
_BATCH_START = b'\n{"record":"batch"'
_SECTION_END = {
    SECTION[RecordKind.BATCH]: re.compile(rb'\n(?!\{"record":"(?:batch|leaf|document)"|\Z)'),
    SECTION[RecordKind.EVENT]: re.compile(rb'\n(?!\{"record":"event"|\Z)'),
}
"""The newline ending the last line of a blocked section, before a line of another kind."""

Progress = Callable[[int], None]
"""Told how many more export lines were read."""


class AuditInputError(ExportFormatError):
    """An export or database cannot be audited against this chain."""

    code = "audit_input"


@dataclass(frozen=True)
class ChainView:
    """The chain an audit reads: which consortium, up to which block."""

    chain_id: int
    addresses: ConsortiumAddresses
    head_block: int
    head_hash: bytes
    head_time: int
    from_block: int


@dataclass
class SourceAudit:
    """The reconciliation of one node's export: whose, what it held, what was found."""

    label: str
    header: ExportHeader
    centre_id: int
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)


def audit_facts(history: ChainHistory, chain: ChainView, as_of: datetime) -> AuditFacts:
    """What the checks need to know of the chain."""
    return AuditFacts(
        domain=SigningDomain(chain.chain_id, chain.addresses.anchor_registry),
        key_periods=history.key_periods(),
        roots=history.roots,
        digests=history.digests,
        head_block=chain.head_block,
        as_of=as_of,
    )


class TaskRunner:
    """Runs check tasks in worker processes (or here, with one worker), results in order."""

    def __init__(self, workers: int, facts: AuditFacts) -> None:
        self.workers = max(1, workers)
        if self.workers > 1:
            self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=install_in_worker,
                initargs=(facts,),
            )
        else:
            self._pool = None
            install(facts)

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        if self._pool is not None:
            return self._pool.submit(function, *args)
        done: Future[Any] = Future()
        done.set_result(function(*args))
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> TaskRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Reconciliation:
    """One node's export against the chain's history."""

    def __init__(
        self,
        history: ChainHistory,
        chain: ChainView,
        as_of: datetime,
        runner: TaskRunner,
        *,
        progress: Progress | None = None,
    ) -> None:
        self._history = history
        self._chain = chain
        self._as_of = as_of
        self._runner = runner
        self._progress = progress or (lambda _lines: None)
        self._in_flight: deque[tuple[Future[Any], Callable[[Any], None]]] = deque()

    def run(self, label: str, chunks: Iterator[bytes]) -> SourceAudit:
        """Read an export (in chunks of bytes of any size) and reconcile it."""
        self._label = label
        self._audit: SourceAudit | None = None
        self._line = 1
        self._section = SECTION[RecordKind.HEADER]
        self._ended = False
        self._claimed_roots: set[bytes] = set()
        self._single_seen: set[bytes] = set()
        self._heads: list[LogHead] = []
        self._head_seqs: frozenset[int] | None = None
        self._in_flight_certificates: set[bytes] = set()
        self._in_flight_asset_keys: set[bytes] = set()
        self._certificates_seen: set[bytes] = set()
        self._log_end = (0, ZERO_HASH)
        self._head_hashes: dict[int, bytes] = {}
        parts: list[bytes] = []
        size = 0
        for chunk in chunks:
            parts.append(chunk)
            size += len(chunk)
            if size >= BLOCK_BYTES:
                left = self._consume(b"".join(parts), final=False)
                parts, size = [left], len(left)
        self._consume(b"".join(parts), final=True)
        if not self._ended:
            raise ExportFormatError(
                f"the file ends at line {self._line - 1} without its end record (cut off)"
            )
        self._drain(0)
        audit = self._source
        self._check_counts(audit)
        self._close_books(audit)
        return audit

    @property
    def _source(self) -> SourceAudit:
        if self._audit is None:
            raise ExportFormatError("the file is empty")
        return self._audit

    # -- cutting the bytes -----------------------------------------------------------------

    def _consume(self, data: bytes, *, final: bool) -> bytes:
        """Handle every whole section or line of ``data``; what is left for the next read."""
        position = 0
        while position < len(data):
            if self._ended:
                raise ExportFormatError(f"line {self._line}: records after the end record")
            end = data.find(b"\n", position)
            if self._audit is None:
                if end < 0:
                    break
                self._start(data[position : end + 1])
                position = end + 1
                continue
            match = _KIND.match(data, position)
            kind = _KINDS.get(match.group(1)) if match else None
            if kind is None or kind is RecordKind.HEADER:
                if end < 0 and not final:
                    break
                raise ExportFormatError(f"line {self._line}: not a dataprop export record")
            self._enter(kind)
            if self._section in _SECTION_END:
                cut = self._blocks(data, position, final=final)
                if cut == position:
                    break
                position = cut
                continue
            if end < 0:
                if not final:
                    break
                raise ExportFormatError(f"line {self._line}: cut off")
            self._record(kind, data[position : end + 1])
            position = end + 1
        return data[position:]

    def _enter(self, kind: RecordKind) -> None:
        section = SECTION[kind]
        if section < self._section:
            raise ExportFormatError(f"line {self._line}: a {kind} record comes too late")
        if section > self._section and section >= SECTION[RecordKind.EVENT]:
            self._documents_done()
        self._section = section

    def _blocks(self, data: bytes, start: int, *, final: bool) -> int:
        """Send the section's lines from ``start`` as blocks; where the next unread line starts."""
        found = _SECTION_END[self._section].search(data, start)
        if found is not None and not final and _KIND.match(data, found.end()) is None:
            found = None  # the next line's kind is not read yet: it may still be this section's
        if found is not None:
            end = found.start() + 1
        elif data.endswith(b"\n") and final:
            end = len(data)
        elif final:
            raise ExportFormatError(f"line {self._line}: cut off")
        else:
            end = self._last_cut(data, start)
        position = start
        documents = self._section == SECTION[RecordKind.BATCH]
        while end - position > BLOCK_BYTES:
            cut = self._cut(data, position, end, documents)
            if cut <= position:
                break
            self._send(data[position:cut], documents)
            position = cut
        if end > position and (found is not None or final):
            self._send(data[position:end], documents)
            position = end
        return position

    def _last_cut(self, data: bytes, start: int) -> int:
        """Where the section may be cut when its end is not read yet: before the last batch
        record (documents) or after the last whole line (events)."""
        if self._section == SECTION[RecordKind.BATCH]:
            return max(data.rfind(_BATCH_START, start) + 1, start)
        return data.rfind(b"\n", start) + 1 or start

    def _cut(self, data: bytes, start: int, end: int, documents: bool) -> int:
        limit = start + BLOCK_BYTES
        if not documents:
            return data.rfind(b"\n", start, limit) + 1 or data.find(b"\n", limit, end) + 1
        cut = data.rfind(_BATCH_START, start, limit)
        if cut < 0:
            cut = data.find(_BATCH_START, limit, end)
        return cut + 1 if cut >= 0 else start

    def _send(self, data: bytes, documents: bool) -> None:
        block = Block(self._line, data)
        lines = data.count(b"\n")
        self._line += lines
        self._progress(lines)
        centre = self._source.centre_id
        if documents:
            self._enqueue(self._runner.submit(check_documents, centre, block), self._documents)
        else:
            assert self._head_seqs is not None
            future = self._runner.submit(check_events, centre, block, self._head_seqs)
            self._enqueue(future, self._event_run)

    # -- lines read here -------------------------------------------------------------------

    def _start(self, line: bytes) -> None:
        header = read_header(line)
        self._check_consortium(header)
        centre_id = self._history.centre_of_key(header.signer) or 0
        self._audit = SourceAudit(self._label, header, centre_id)
        self._line += 1
        if centre_id == 0:
            self._finding(
                FindingCode.CENTRE_UNKNOWN,
                header.signer,
                f"the export's centre key {header.signer} ({header.name}) is no centre's key "
                "on chain",
                {"signer": header.signer, "region_code": header.region_code, "export": self._label},
            )

    def _record(self, kind: RecordKind, raw: bytes) -> None:
        number = self._line
        self._line += 1
        self._progress(1)
        record = parse(raw, number)
        if kind is RecordKind.END:
            self._end(record, number)
            return
        self._source.counts[kind.value] += 1
        if kind is RecordKind.CHAIN_ACTION:
            self._chain_action(record, number)
        else:
            self._certificate(record, number)

    def _end(self, record: dict[str, Any], number: int) -> None:
        written = record.get("counts")
        if not isinstance(written, dict):
            raise ExportFormatError(f"line {number}: the end record has no counts")
        self._written_counts = written
        self._end_line = number
        self._ended = True

    def _check_counts(self, audit: SourceAudit) -> None:
        for kind in COUNTED:
            held = audit.counts[kind.value]
            if self._written_counts.get(kind.value, 0) != held:
                raise ExportFormatError(
                    f"line {self._end_line}: the end record counts "
                    f"{self._written_counts.get(kind.value, 0)} {kind} records, the file holds "
                    f"{held}"
                )

    def _chain_action(self, record: dict[str, Any], number: int) -> None:
        try:
            status, block, payload = record["status"], record["block_number"], record["payload"]
            settled = status in ("confirmed", "failed") and (
                not isinstance(block, int) or block <= self._chain.head_block
            )
            if settled:
                return
            if record["kind"] == "register_certificates":
                self._in_flight_certificates.update(map(bytes32_of, payload["certificate_ids"]))
                self._in_flight_asset_keys.update(map(bytes32_of, payload["asset_keys"]))
            elif "certificate_id" in payload:
                self._in_flight_certificates.add(bytes32_of(payload["certificate_id"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: an unreadable chain action ({exc})") from None

    def _certificate(self, record: dict[str, Any], number: int) -> None:
        try:
            number_text = str(record["registration_number"])
            certificate_id = bytes32_of(record["certificate_id"])
            asset_key = bytes32_of(record["asset_key"])
            status = str(record["status"])
            expected = ON_CHAIN[status]
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: an unreadable certificate ({exc})") from None
        audit = self._source
        self._certificates_seen.add(certificate_id)
        fact = self._history.certificates.get(certificate_id)
        if fact is not None and fact.status is expected and fact.issuer_id == audit.centre_id:
            return
        if (
            certificate_id in self._in_flight_certificates
            or asset_key in self._in_flight_asset_keys
        ):
            audit.counts["certificates_in_flight"] += 1
            return
        evidence: dict[str, Any] = {
            "registration_number": number_text,
            "certificate_id": _hex(certificate_id),
            "node_status": status,
        }
        if fact is None:
            message = (
                f"certificate {number_text} is {status} in the node but not registered on chain"
            )
        else:
            evidence.update(
                chain_status=fact.status.name.lower(),
                chain_issuer=fact.issuer_id,
                registered_block=fact.registered_block,
                status_block=fact.status_block or None,
                decision_digest=_hex(fact.decision_digest) if fact.status_block else None,
            )
            if fact.issuer_id != audit.centre_id:
                message = (
                    f"certificate {number_text} is registered on chain by centre "
                    f"#{fact.issuer_id}, not by this centre"
                )
            else:
                message = (
                    f"certificate {number_text} is {status} in the node but "
                    f"{fact.status.name.lower()} on chain"
                )
        self._finding(FindingCode.STATUS_MISMATCH, number_text, message, evidence)

    # -- results of the blocks -------------------------------------------------------------

    def _documents(self, result: BlockResult) -> None:
        audit = self._source
        audit.counts.update(result.counts)
        audit.findings.extend(result.findings)
        self._heads.extend(result.heads)
        self._claimed_roots.update(result.roots)
        self._single_seen.update(result.single_digests)

    def _documents_done(self) -> None:
        """Every documents block has reported: the event log's anchored heads are known."""
        if self._head_seqs is None:
            self._drain(0)
            self._head_seqs = frozenset(head.seq for head in self._heads)

    def _event_run(self, run: EventRun) -> None:
        audit = self._source
        audit.counts[RecordKind.EVENT.value] += run.count
        last_seq, last_hash = self._log_end
        link_break(
            audit.centre_id, last_seq, last_hash, run.first_seq, run.first_prev_hash, audit.findings
        )
        audit.findings.extend(run.findings)
        self._head_hashes.update(run.hashes)
        self._log_end = (run.last_seq, run.last_hash)

    def _enqueue(self, future: Future[Any], handle: Callable[[Any], None]) -> None:
        self._in_flight.append((future, handle))
        self._drain(2 * self._runner.workers)

    def _drain(self, keep: int) -> None:
        while len(self._in_flight) > keep:
            future, handle = self._in_flight.popleft()
            handle(future.result())

    # -- closing the books -----------------------------------------------------------------

    def _close_books(self, audit: SourceAudit) -> None:
        self._documents_done()
        centre = audit.centre_id
        last_seq, _ = self._log_end
        for head in self._heads:
            evidence = {"document_id": head.document_id, "seq": head.seq, "hash": _hex(head.hash)}
            if head.seq > last_seq:
                self._finding(
                    FindingCode.EVENT_LOG_BROKEN,
                    f"seq {last_seq + 1}",
                    f"the event log ends at entry {last_seq}, but an anchored head names "
                    f"entry {head.seq}: entries were cut off",
                    {**evidence, "last_seq": last_seq},
                )
            elif self._head_hashes.get(head.seq) != head.hash:
                stored = self._head_hashes.get(head.seq)
                self._finding(
                    FindingCode.EVENT_LOG_HEAD_MISMATCH,
                    f"seq {head.seq}",
                    f"event-log entry {head.seq} does not have the hash anchored for it",
                    {**evidence, "stored_hash": None if stored is None else _hex(stored)},
                )
        if centre == 0:
            return
        for root, fact in self._history.roots.items():
            if fact.centre_id == centre and root not in self._claimed_roots:
                self._finding(
                    FindingCode.ORPHAN_ANCHOR,
                    _hex(root),
                    f"root {_hex(root)} ({fact.leaf_count} leaves) anchored at block "
                    f"{fact.block_number} is no batch of the node",
                    {"root": _hex(root), **fact.evidence()},
                )
        for digest, fact in self._history.digests.items():
            if fact.centre_id == centre and digest not in self._single_seen:
                self._finding(
                    FindingCode.ORPHAN_ANCHOR,
                    _hex(digest),
                    f"digest {_hex(digest)} anchored at block {fact.block_number} is no "
                    "document of the node",
                    {"digest": _hex(digest), **fact.evidence()},
                )
        for certificate_id, certificate in self._history.certificates.items():
            if certificate.issuer_id == centre and certificate_id not in self._certificates_seen:
                self._finding(
                    FindingCode.ORPHAN_CERTIFICATE,
                    _hex(certificate_id),
                    f"certificate {_hex(certificate_id)} registered on chain at block "
                    f"{certificate.registered_block} is not in the node",
                    {
                        "certificate_id": _hex(certificate_id),
                        "asset_key": _hex(certificate.asset_key),
                        "chain_status": certificate.status.name.lower(),
                        "registered_block": certificate.registered_block,
                    },
                )

    # -- helpers ---------------------------------------------------------------------------

    def _check_consortium(self, header: ExportHeader) -> None:
        chain = self._chain
        if header.chain is None or header.chain_id is None:
            return  # a node without a deployment: its documents are checked against this chain
        if header.chain_id != chain.chain_id or (
            header.chain.centre_registry.lower() != chain.addresses.centre_registry.lower()
        ):
            raise AuditInputError(
                f"{self._label} is of CentreRegistry {header.chain.centre_registry} on chain "
                f"{header.chain_id}; this audit reads {chain.addresses.centre_registry} on "
                f"chain {chain.chain_id}"
            )

    def _finding(
        self, code: FindingCode, subject: str, message: str, evidence: dict[str, Any]
    ) -> None:
        audit = self._source
        audit.findings.append(Finding(code, audit.centre_id, subject, message, evidence))


def _hex(value: bytes) -> str:
    return "0x" + value.hex()
