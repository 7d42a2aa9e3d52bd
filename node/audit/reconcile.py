"""Reconciling one node's export with the chain's history: every finding and the counts.

The export is read once, line by line. Leaves and documents go out in tasks
of a few thousand lines to :mod:`node.audit.checks` (in worker processes when
there are several), with what the chain says about their batch; results come
back in order, and what needs the whole picture stays here: batches the node
holds as anchored that the chain does not have, documents in no batch,
certificate statuses, the event log's links across tasks and its anchored
heads, and at the end the anchors, leaves and certificates of the centre that
nothing in the export accounted for. Memory holds the chain's history, the
tasks in flight and the findings, never the documents.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from node.audit.checks import (
    AuditScope,
    BatchInfo,
    EventRun,
    Group,
    GroupResult,
    Line,
    LogHead,
    Pending,
    check_events,
    check_groups,
    link_break,
)
from node.audit.export_format import ExportFormatError, ExportHeader, RecordKind, open_export, parse
from node.audit.findings import Finding, FindingCode
from node.audit.history import AnchorFact, ChainHistory
from node.chain.types import CertificateStatus
from node.documents.signing import SigningDomain
from node.store.digests import ZERO_HASH
from node.verification.ports import ConsortiumAddresses

TASK_LINES = 4_000
"""Leaves or documents per task: large enough that a task outweighs sending it."""
EVENT_TASK_LINES = 20_000
ON_CHAIN = {
    "active": CertificateStatus.ACTIVE,
    "expired": CertificateStatus.ACTIVE,
    "revoked": CertificateStatus.REVOKED,
    "cancelled": CertificateStatus.CANCELLED,
    "superseded": CertificateStatus.SUPERSEDED,
}
"""The on-chain status a certificate of each node status has (expiry is not written on chain)."""

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


class TaskRunner:
    """Runs check tasks in worker processes (or here, with one worker), results in order."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool = (
            ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            if self.workers > 1
            else None
        )

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

    def run(self, label: str, lines: Iterator[bytes]) -> SourceAudit:
        """Read the export ``lines`` (a file's or the database's) and reconcile them."""
        header, body = open_export(lines)
        self._check_consortium(label, header)
        centre_id = self._history.centre_of_key(header.signer) or 0
        self._audit = SourceAudit(label, header, centre_id)
        if centre_id == 0:
            self._finding(
                FindingCode.CENTRE_UNKNOWN,
                header.signer,
                f"the export's centre key {header.signer} ({header.name}) is no centre's key "
                "on chain",
                {"signer": header.signer, "region_code": header.region_code, "export": label},
            )
        self._scope = AuditScope(
            centre_id=centre_id,
            domain=SigningDomain(self._chain.chain_id, self._chain.addresses.anchor_registry),
            key_periods=self._history.key_periods(),
            head_block=self._chain.head_block,
            as_of=self._as_of,
            single_digests=frozenset(
                digest
                for digest, fact in self._history.digests.items()
                if fact.centre_id == centre_id
            ),
        )
        self._batch: BatchInfo | None = None
        self._leaves: list[Line] = []
        self._unbatched: list[Line] = []
        self._groups: list[Group] = []
        self._group_lines = 0
        self._claimed_roots: set[bytes] = set()
        self._single_seen: set[bytes] = set()
        self._heads: list[LogHead] = []
        self._pending: list[Pending] = []
        self._in_flight_certificates: set[bytes] = set()
        self._in_flight_asset_keys: set[bytes] = set()
        self._certificates_seen: set[bytes] = set()
        self._events: list[Line] = []
        self._log_end = (0, ZERO_HASH)
        self._head_hashes: dict[int, bytes] = {}
        self._head_seqs: frozenset[int] | None = None
        read = 0
        for line in body:
            self._read(line)
            read += 1
            if read % 10_000 == 0:
                self._progress(10_000)
        self._progress(read % 10_000)
        self._documents_done()
        self._send_events()
        self._drain(0)
        self._close_books()
        return self._audit

    # -- reading ---------------------------------------------------------------------------

    def _read(self, line: Any) -> None:
        kind = line.kind
        counts = self._audit.counts
        counts[kind.value] += 1
        if kind is RecordKind.LEAF:
            self._leaves.append((line.number, line.raw))
        elif kind is RecordKind.DOCUMENT:
            self._unbatched.append((line.number, line.raw))
            if len(self._unbatched) >= TASK_LINES:
                self._group(Group(None, self._unbatched))
                self._unbatched = []
        elif kind is RecordKind.BATCH:
            self._close_batch()
            self._batch = self._batch_info(parse(line.raw, line.number), line.number)
        elif kind is RecordKind.CHAIN_ACTION:
            self._chain_action(parse(line.raw, line.number), line.number)
        elif kind is RecordKind.CERTIFICATE:
            self._documents_sent()
            self._certificate(parse(line.raw, line.number), line.number)
        elif kind is RecordKind.EVENT:
            self._documents_done()
            self._events.append((line.number, line.raw))
            if len(self._events) >= EVENT_TASK_LINES:
                self._send_events()

    def _batch_info(self, record: dict[str, Any], number: int) -> BatchInfo:
        try:
            batch_id = int(record["id"])
            root = _bytes32(record["root"])
            leaf_count = int(record["leaf_count"])
            status = str(record["status"])
            block = record["block_number"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: an unreadable batch ({exc})") from None
        self._claimed_roots.add(root)
        anchor = self._history.roots.get(root)
        where = {"batch_id": batch_id, "root": _hex(root), "status": status, "block": block}
        if anchor is not None and anchor.centre_id != self._audit.centre_id:
            self._finding(
                FindingCode.BATCH_NOT_ANCHORED,
                _hex(root),
                f"batch {batch_id}'s root was anchored by centre #{anchor.centre_id}, "
                "not by this centre",
                {**where, **anchor.evidence()},
            )
            anchor = None
        elif anchor is None and status == "confirmed" and self._seen_by_chain(block):
            self._finding(
                FindingCode.BATCH_NOT_ANCHORED,
                _hex(root),
                f"batch {batch_id} is confirmed in the node at block {block}, "
                f"but its root is not anchored on chain (read up to block "
                f"{self._chain.head_block})",
                {**where, "transaction": record.get("tx_hash"), "leaf_count": leaf_count},
            )
        return BatchInfo(batch_id, root, leaf_count, status, anchor)

    def _seen_by_chain(self, block: object) -> bool:
        """Whether the chain read reaches ``block`` (a node's newer block is not audited yet)."""
        return not isinstance(block, int) or block <= self._chain.head_block

    def _chain_action(self, record: dict[str, Any], number: int) -> None:
        try:
            status, block, payload = record["status"], record["block_number"], record["payload"]
            settled = status in ("confirmed", "failed") and self._seen_by_chain(block)
            if settled:
                return
            if record["kind"] == "register_certificates":
                self._in_flight_certificates.update(map(_bytes32, payload["certificate_ids"]))
                self._in_flight_asset_keys.update(map(_bytes32, payload["asset_keys"]))
            elif "certificate_id" in payload:
                self._in_flight_certificates.add(_bytes32(payload["certificate_id"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: an unreadable chain action ({exc})") from None

    def _certificate(self, record: dict[str, Any], number: int) -> None:
        try:
            number_text = str(record["registration_number"])
            certificate_id = _bytes32(record["certificate_id"])
            asset_key = _bytes32(record["asset_key"])
            status = str(record["status"])
            expected = ON_CHAIN[status]
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: an unreadable certificate ({exc})") from None
        self._certificates_seen.add(certificate_id)
        fact = self._history.certificates.get(certificate_id)
        if fact is not None and fact.status is expected and fact.issuer_id == self._audit.centre_id:
            return
        if (
            certificate_id in self._in_flight_certificates
            or asset_key in self._in_flight_asset_keys
        ):
            self._audit.counts["certificates_in_flight"] += 1
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
            if fact.issuer_id != self._audit.centre_id:
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

    # -- document tasks --------------------------------------------------------------------

    def _close_batch(self) -> None:
        if self._batch is not None:
            self._group(Group(self._batch, self._leaves))
            self._batch, self._leaves = None, []

    def _group(self, group: Group) -> None:
        self._groups.append(group)
        self._group_lines += len(group.lines)
        if self._group_lines >= TASK_LINES:
            self._send_groups()

    def _send_groups(self) -> None:
        if self._groups:
            future = self._runner.submit(check_groups, self._scope, self._groups)
            self._enqueue(future, self._group_result)
            self._groups, self._group_lines = [], 0

    def _documents_sent(self) -> None:
        """Every leaf and document read so far is in a task."""
        self._close_batch()
        if self._unbatched:
            self._group(Group(None, self._unbatched))
            self._unbatched = []
        self._send_groups()

    def _documents_done(self) -> None:
        """Every document task has reported (the event log's heads are known)."""
        if self._head_seqs is not None:
            return
        self._documents_sent()
        self._drain(0)
        for pending in self._pending:
            self._resolve(pending)
        self._head_seqs = frozenset(head.seq for head in self._heads if head.anchored)

    def _group_result(self, result: GroupResult) -> None:
        self._audit.counts["documents_checked"] += result.documents
        self._audit.findings.extend(result.findings)
        self._pending.extend(result.pending)
        self._heads.extend(result.heads)
        self._single_seen.update(result.single_digests_seen)

    def _resolve(self, pending: Pending) -> None:
        """Whether a document in no batch is anchored after all, in time, or never."""
        anchor = self._anchor_of(pending)
        if anchor is not None and pending.digest in self._scope.single_digests:
            self._single_seen.add(pending.digest)
        evidence = {"document_id": pending.document_id, "digest": _hex(pending.digest)}
        if pending.kind is None:
            self._finding(
                FindingCode.ORPHAN_LEAF,
                pending.document_id,
                f"anchoring job {pending.job_id} ({_hex(pending.digest)}) has no document"
                + (" although its digest is anchored" if anchor else ""),
                {**evidence, "job_id": pending.job_id, **(anchor.evidence() if anchor else {})},
            )
            return
        for head in self._heads:
            if head.anchored is None and head.document_id == pending.document_id:
                self._heads[self._heads.index(head)] = LogHead(
                    head.document_id, head.seq, head.hash, anchor is not None
                )
        block = anchor.block_number if anchor is not None else self._chain.head_block
        if pending.signer is not None and not self._scope.was_key(pending.signer, block):
            self._finding(
                FindingCode.SIGNER_NOT_CENTRE_KEY,
                pending.document_id,
                f"{pending.kind} {pending.document_id} is signed by {_hex(pending.signer)}, "
                f"which was not the centre's key at block {block}",
                {
                    **evidence,
                    "signer": _hex(pending.signer),
                    "block": block,
                    "centre_key_at_block": self._scope.key_at(block),
                },
            )
        if anchor is not None:
            return
        if pending.job_id is None:
            self._finding(
                FindingCode.DOCUMENT_NOT_ANCHORED,
                pending.document_id,
                f"{pending.kind} {pending.document_id} has no anchoring job and its digest "
                "is on no anchor",
                {**evidence, "kind": pending.kind},
            )
        elif pending.deadline_at is not None and (
            datetime.fromisoformat(pending.deadline_at) < self._as_of
        ):
            self._finding(
                FindingCode.ANCHOR_OVERDUE,
                pending.document_id,
                f"{pending.kind} {pending.document_id} was due on chain by "
                f"{pending.deadline_at} and is not",
                {
                    **evidence,
                    "kind": pending.kind,
                    "job_id": pending.job_id,
                    "deadline_at": pending.deadline_at,
                    "audited_at": self._as_of.isoformat(),
                },
            )
        else:
            self._audit.counts["documents_in_flight"] += 1

    def _anchor_of(self, pending: Pending) -> AnchorFact | None:
        centre = self._audit.centre_id
        for value, table in (
            (pending.digest, self._history.digests),
            (pending.candidate_root, self._history.roots),
        ):
            fact = table.get(value) if value is not None else None
            if fact is not None and fact.centre_id == centre:
                return fact
        return None

    # -- the event log ---------------------------------------------------------------------

    def _send_events(self) -> None:
        if self._events:
            assert self._head_seqs is not None
            future = self._runner.submit(check_events, self._scope, self._events, self._head_seqs)
            self._enqueue(future, self._event_run)
            self._events = []

    def _event_run(self, run: EventRun) -> None:
        last_seq, last_hash = self._log_end
        link_break(
            self._scope,
            last_seq,
            last_hash,
            run.first_seq,
            run.first_prev_hash,
            self._audit.findings,
        )
        self._audit.findings.extend(run.findings)
        self._head_hashes.update(run.hashes)
        self._log_end = (run.last_seq, run.last_hash)

    # -- in flight -------------------------------------------------------------------------

    def _enqueue(self, future: Future[Any], handle: Callable[[Any], None]) -> None:
        self._in_flight.append((future, handle))
        self._drain(2 * self._runner.workers)

    def _drain(self, keep: int) -> None:
        while len(self._in_flight) > keep:
            future, handle = self._in_flight.popleft()
            handle(future.result())

    # -- closing the books -----------------------------------------------------------------

    def _close_books(self) -> None:
        centre = self._audit.centre_id
        last_seq, _ = self._log_end
        for head in self._heads:
            if not head.anchored:
                continue
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

    def _check_consortium(self, label: str, header: ExportHeader) -> None:
        chain = self._chain
        if header.chain is None or header.chain_id is None:
            return  # a node without a deployment: its documents are checked against this chain
        if header.chain_id != chain.chain_id or (
            header.chain.centre_registry.lower() != chain.addresses.centre_registry.lower()
        ):
            raise AuditInputError(
                f"{label} is of CentreRegistry {header.chain.centre_registry} on chain "
                f"{header.chain_id}; this audit reads {chain.addresses.centre_registry} on "
                f"chain {chain.chain_id}"
            )

    def _finding(
        self, code: FindingCode, subject: str, message: str, evidence: dict[str, Any]
    ) -> None:
        self._audit.findings.append(
            Finding(code, self._audit.centre_id, subject, message, evidence)
        )


def _bytes32(text: Any) -> bytes:
    if not isinstance(text, str) or len(text) != 66 or not text.startswith("0x"):
        raise ValueError(f"{text!r} is not 0x and 64 hex digits")
    return bytes.fromhex(text[2:])


def _hex(value: bytes) -> str:
    return "0x" + value.hex()
