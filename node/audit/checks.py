"""The per-record checks of an audit: pure functions over export lines, run in worker processes.

Each task is a run of lines and what the chain says about them (a batch's
anchor, the centre's key periods); its result is the findings plus the little
the reconciliation needs to close the books (signers of documents not yet
anchored, anchored log heads, the single-digest anchors it met). Nothing here
reads the chain or a database, so tasks spread over processes: one document
costs about 50 µs, most of it the signature recovery.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from node.audit.export_format import ExportFormatError
from node.audit.findings import Finding, FindingCode
from node.audit.history import AnchorFact, KeyPeriod
from node.documents.canonical import keccak256
from node.documents.kinds import DocumentKind
from node.documents.merkle import StandardMerkleTree, leaf_of_digest, process_proof
from node.documents.signing import SignatureError, SignedFields, SigningDomain, recover_address
from node.store.digests import ZERO_HASH
from node.store.log_chain import entry_hash

Line = tuple[int, bytes]
"""A line's number in the export and its bytes."""


@dataclass(frozen=True)
class AuditScope:
    """What every task of one node's audit needs to know about the chain."""

    centre_id: int
    domain: SigningDomain
    key_periods: dict[str, tuple[KeyPeriod, ...]]
    """Every key ever held by a centre, lowercased."""
    head_block: int
    as_of: datetime
    single_digests: frozenset[bytes] = frozenset()
    """Digests the centre anchored one by one (not in a batch)."""

    def was_key(self, signer: bytes, block: int) -> bool:
        periods = self.key_periods.get("0x" + signer.hex(), ())
        return any(p.centre_id == self.centre_id and p.covers(block) for p in periods)

    def key_at(self, block: int) -> str | None:
        for periods in self.key_periods.values():
            for period in periods:
                if period.centre_id == self.centre_id and period.covers(block):
                    return period.key
        return None


@dataclass(frozen=True)
class BatchInfo:
    """A batch record of the export and its root's anchor on chain (None when not anchored
    by the audited centre)."""

    id: int
    root: bytes
    leaf_count: int
    status: str
    anchor: AnchorFact | None


@dataclass(frozen=True)
class Group:
    """The leaves of one batch, or documents in no batch (``batch`` None)."""

    batch: BatchInfo | None
    lines: list[Line]


@dataclass(frozen=True)
class Pending:
    """A document in no batch: whether and where it is anchored is the chain's to say."""

    document_id: str
    kind: str | None
    """None for an anchoring job whose document is gone."""
    digest: bytes
    """Recomputed from its content (the stored digest when it was tampered with)."""
    candidate_root: bytes | None
    """The root its job's proof leads to, when it has one."""
    job_id: int | None
    deadline_at: str | None
    signer: bytes | None
    """The recovered signer, when the signature is valid."""


@dataclass(frozen=True)
class LogHead:
    """An event-log head document: the log's entry ``seq`` had ``hash`` when it was recorded."""

    document_id: str
    seq: int
    hash: bytes
    anchored: bool | None
    """None for a document in no batch: the reconciliation finds out."""


@dataclass
class GroupResult:
    """What a run of document lines showed."""

    documents: int = 0
    findings: list[Finding] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    heads: list[LogHead] = field(default_factory=list)
    single_digests_seen: set[bytes] = field(default_factory=set)


@dataclass(frozen=True)
class _Job:
    id: int
    document_id: str
    digest: bytes
    status: str
    batch_id: int | None
    leaf_index: int | None
    proof: tuple[bytes, ...] | None
    deadline_at: str


@dataclass(frozen=True)
class _Document:
    id: str
    kind: str
    subject: str
    schema_version: str
    canonical: bytes
    digest: bytes
    signature: bytes | None
    signer: str | None


def check_groups(scope: AuditScope, groups: list[Group]) -> GroupResult:
    """Check runs of leaf and document lines; the findings in line order."""
    result = GroupResult()
    for group in groups:
        if group.batch is None:
            _check_unbatched(scope, group.lines, result)
        else:
            _check_batch(scope, group.batch, group.lines, result)
    return result


# -- a batch and its leaves ------------------------------------------------------------------


def _check_batch(
    scope: AuditScope, batch: BatchInfo, lines: list[Line], result: GroupResult
) -> None:
    anchor = batch.anchor
    where = {"batch_id": batch.id, "root": _hex(batch.root)}
    if anchor is not None:
        where.update(anchor.evidence())
    by_index: dict[int, _Job] = {}
    documents: dict[int, _Document | None] = {}
    for number, raw in lines:
        record = _object(raw, number)
        job = _job(record.get("job"), number)
        document = _document(record.get("document"), number)
        if job.batch_id != batch.id or job.leaf_index is None:
            raise ExportFormatError(f"line {number}: a leaf of another batch than {batch.id}")
        if job.leaf_index in by_index or job.leaf_index < 0:
            _add(
                result,
                FindingCode.BATCH_ROOT_MISMATCH,
                scope,
                _hex(batch.root),
                f"leaf index {job.leaf_index} of batch {batch.id} appears twice",
                {**where, "leaf_index": job.leaf_index},
            )
            continue
        by_index[job.leaf_index] = job
        documents[job.leaf_index] = document
    expected = anchor.leaf_count if anchor is not None else batch.leaf_count
    complete = sorted(by_index) == list(range(expected))
    tree = None
    if complete and expected:
        tree = StandardMerkleTree.of_digests([by_index[i].digest for i in range(expected)])
        if tree.root != batch.root:
            _add(
                result,
                FindingCode.BATCH_ROOT_MISMATCH,
                scope,
                _hex(batch.root),
                f"the {expected} digests held for batch {batch.id} make root "
                f"{_hex(tree.root)}, not its root",
                {**where, "computed_root": _hex(tree.root)},
            )
            tree = None
    else:
        for index in range(expected):
            if index not in by_index:
                _add(
                    result,
                    FindingCode.ORPHAN_LEAF,
                    scope,
                    f"{_hex(batch.root)}#{index}",
                    f"leaf {index} of batch {batch.id} has no job nor document in the node",
                    {**where, "leaf_index": index},
                )
        for index in sorted(by_index):
            if index >= expected:
                _add(
                    result,
                    FindingCode.BATCH_ROOT_MISMATCH,
                    scope,
                    _hex(batch.root),
                    f"leaf index {index} lies outside batch {batch.id} of {expected} leaves",
                    {**where, "leaf_index": index},
                )
    block = anchor.block_number if anchor is not None else scope.head_block
    overdue = anchor is None and batch.status != "confirmed"
    for index in sorted(by_index):
        job = by_index[index]
        document = documents[index]
        if document is None:
            _add(
                result,
                FindingCode.ORPHAN_LEAF,
                scope,
                f"{_hex(batch.root)}#{index}",
                f"leaf {index} of batch {batch.id} ({_hex(job.digest)}) has no document",
                {**where, "leaf_index": index, "digest": _hex(job.digest), "job_id": job.id},
            )
            continue
        result.documents += 1
        _check_proof(scope, batch, tree, index, job, document, where, result)
        intact = _check_content(scope, document, job, where, result)
        if intact:
            signer = _check_signature(scope, document, result)
            if signer is not None:
                _check_key(scope, document, signer, block, anchor is not None, result)
            if document.kind == DocumentKind.EVENT_LOG_HEAD:
                result.heads.append(_head(document, anchored=anchor is not None))
        if overdue and datetime.fromisoformat(job.deadline_at) < scope.as_of:
            _overdue(scope, document, job, result)


def _check_proof(
    scope: AuditScope,
    batch: BatchInfo,
    tree: StandardMerkleTree | None,
    index: int,
    job: _Job,
    document: _Document,
    where: dict[str, Any],
    result: GroupResult,
) -> None:
    if job.proof is not None:
        if tree is not None and list(job.proof) == tree.proof(index):
            return
        if process_proof(leaf_of_digest(job.digest), job.proof) == batch.root:
            return
    reached = None if job.proof is None else process_proof(leaf_of_digest(job.digest), job.proof)
    _add(
        result,
        FindingCode.PROOF_INVALID,
        scope,
        document.id,
        f"the stored proof of {document.kind} {document.subject} does not lead from its leaf "
        f"to the root of batch {batch.id}",
        {
            **where,
            "document_id": document.id,
            "leaf_index": index,
            "digest": _hex(job.digest),
            "proof": None if job.proof is None else [_hex(step) for step in job.proof],
            "proof_leads_to": None if reached is None else _hex(reached),
        },
    )


# -- documents in no batch -------------------------------------------------------------------


def _check_unbatched(scope: AuditScope, lines: list[Line], result: GroupResult) -> None:
    for number, raw in lines:
        record = _object(raw, number)
        document = _document(record.get("document"), number)
        job_value = record.get("job")
        job = None if job_value is None else _job(job_value, number)
        if document is None:
            if job is None:
                raise ExportFormatError(f"line {number}: a document record with neither")
            result.pending.append(
                Pending(
                    job.document_id, None, job.digest, _root_of(job), job.id, job.deadline_at, None
                )
            )
            continue
        result.documents += 1
        intact = _check_content(scope, document, job, {}, result)
        digest = keccak256(document.canonical) if intact else document.digest
        signer = _check_signature(scope, document, result) if intact else None
        if intact and document.kind == DocumentKind.EVENT_LOG_HEAD:
            result.heads.append(_head(document, anchored=None))
        if digest in scope.single_digests:
            result.single_digests_seen.add(digest)
        result.pending.append(
            Pending(
                document.id,
                document.kind,
                digest,
                None if job is None else _root_of(job),
                None if job is None else job.id,
                None if job is None else job.deadline_at,
                signer,
            )
        )


def _root_of(job: _Job) -> bytes | None:
    return None if job.proof is None else process_proof(leaf_of_digest(job.digest), job.proof)


# -- one document ----------------------------------------------------------------------------


def _check_content(
    scope: AuditScope,
    document: _Document,
    job: _Job | None,
    where: dict[str, Any],
    result: GroupResult,
) -> bool:
    """Whether the content still hashes to the stored digest and to the digest anchored."""
    recomputed = keccak256(document.canonical)
    if recomputed == document.digest and (job is None or job.digest == recomputed):
        return True
    anchored = document.digest if job is None else job.digest
    _add(
        result,
        FindingCode.DOCUMENT_TAMPERED,
        scope,
        document.id,
        f"{document.kind} {document.subject} hashes to {_hex(recomputed)}, "
        f"but {_hex(anchored)} was recorded for it",
        {
            **where,
            "document_id": document.id,
            "kind": document.kind,
            "subject": document.subject,
            "recomputed_digest": _hex(recomputed),
            "stored_digest": _hex(document.digest),
            "anchoring_job_digest": None if job is None else _hex(job.digest),
        },
    )
    return False


def _check_signature(scope: AuditScope, document: _Document, result: GroupResult) -> bytes | None:
    """The recovered signer when the signature is the recorded signer's, else a finding."""
    if document.signature is None:
        _add(
            result,
            FindingCode.SIGNATURE_INVALID,
            scope,
            document.id,
            f"{document.kind} {document.subject} carries no signature",
            {"document_id": document.id, "kind": document.kind, "subject": document.subject},
        )
        return None
    try:
        fields = SignedFields(
            document.kind, document.subject, document.digest, int(document.schema_version)
        )
        recovered = recover_address(scope.domain, fields, document.signature)
    except (SignatureError, ValueError) as error:
        reason, signer = str(error), None
    else:
        if document.signer is not None and recovered == _address(document.signer):
            return recovered
        reason = f"it recovers {_hex(recovered)}, not the recorded signer {document.signer}"
        signer = recovered
    _add(
        result,
        FindingCode.SIGNATURE_INVALID,
        scope,
        document.id,
        f"the signature of {document.kind} {document.subject} is not valid: {reason}",
        {
            "document_id": document.id,
            "kind": document.kind,
            "subject": document.subject,
            "recorded_signer": document.signer,
            "recovered_signer": None if signer is None else _hex(signer),
            "signing_domain": {
                "chain_id": scope.domain.chain_id,
                "verifying_contract": scope.domain.verifying_contract,
            },
        },
    )
    return None


def _check_key(
    scope: AuditScope,
    document: _Document,
    signer: bytes,
    block: int,
    anchored: bool,
    result: GroupResult,
) -> None:
    if scope.was_key(signer, block):
        return
    when = f"anchored at block {block}" if anchored else f"at block {block} (not anchored yet)"
    _add(
        result,
        FindingCode.SIGNER_NOT_CENTRE_KEY,
        scope,
        document.id,
        f"{document.kind} {document.subject} is signed by {_hex(signer)}, which was not the "
        f"centre's key when it was {when}",
        {
            "document_id": document.id,
            "kind": document.kind,
            "subject": document.subject,
            "signer": _hex(signer),
            "block": block,
            "centre_key_at_block": scope.key_at(block),
        },
    )


def _overdue(scope: AuditScope, document: _Document, job: _Job, result: GroupResult) -> None:
    _add(
        result,
        FindingCode.ANCHOR_OVERDUE,
        scope,
        document.id,
        f"{document.kind} {document.subject} was due on chain by {job.deadline_at} and is not",
        {
            "document_id": document.id,
            "kind": document.kind,
            "digest": _hex(job.digest),
            "job_id": job.id,
            "job_status": job.status,
            "deadline_at": job.deadline_at,
            "audited_at": scope.as_of.isoformat(),
        },
    )


def _head(document: _Document, *, anchored: bool | None) -> LogHead:
    body = json.loads(document.canonical)
    return LogHead(document.id, int(body["seq"]), bytes.fromhex(body["hash"][2:]), anchored)


# -- the event log ---------------------------------------------------------------------------


@dataclass
class EventRun:
    """What a run of consecutive event-log lines showed, and its two ends for stitching."""

    count: int = 0
    first_seq: int = 0
    first_prev_hash: bytes = ZERO_HASH
    last_seq: int = 0
    last_hash: bytes = ZERO_HASH
    findings: list[Finding] = field(default_factory=list)
    hashes: dict[int, bytes] = field(default_factory=dict)
    """The stored hash of each entry whose seq was asked for (the anchored heads)."""


def check_events(scope: AuditScope, lines: list[Line], heads: frozenset[int]) -> EventRun:
    """Check each entry's hash against its content and its link to the entry before it."""
    run = EventRun()
    for number, raw in lines:
        record = _object(raw, number)
        try:
            seq = int(record["seq"])
            prev_hash = _bytes32(record["prev_hash"])
            stored = _bytes32(record["hash"])
            recomputed = entry_hash(
                prev_hash,
                seq,
                datetime.fromisoformat(record["at"]),
                record["actor"],
                record["action"],
                record["subject"],
                record["details"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: an unreadable event entry ({exc})") from None
        if run.count == 0:
            run.first_seq, run.first_prev_hash = seq, prev_hash
        else:
            link_break(scope, run.last_seq, run.last_hash, seq, prev_hash, run.findings)
        if recomputed != stored:
            _add(
                run,
                FindingCode.EVENT_LOG_BROKEN,
                scope,
                f"seq {seq}",
                f"event-log entry {seq} ({record['action']} {record['subject']}) no longer hashes "
                "to its stored hash: it was altered",
                {"seq": seq, "stored_hash": _hex(stored), "recomputed_hash": _hex(recomputed)},
            )
        if seq in heads:
            run.hashes[seq] = stored
        run.count += 1
        run.last_seq, run.last_hash = seq, stored
    return run


def link_break(
    scope: AuditScope,
    previous_seq: int,
    previous_hash: bytes,
    seq: int,
    prev_hash: bytes,
    findings: list[Finding],
) -> None:
    """A finding when entry ``seq`` does not follow entry ``previous_seq`` (0: the start)."""
    if seq != previous_seq + 1:
        missing = (
            f"{previous_seq + 1}" if seq == previous_seq + 2 else f"{previous_seq + 1}-{seq - 1}"
        )
        findings.append(
            _finding(
                FindingCode.EVENT_LOG_BROKEN,
                scope,
                f"seq {previous_seq + 1}",
                f"event-log entries {missing} are missing (seq {previous_seq} is followed by {seq})"
                if seq > previous_seq
                else f"event-log entry {seq} comes after entry {previous_seq}",
                {"seq": previous_seq + 1, "previous_seq": previous_seq, "next_seq": seq},
            )
        )
    elif prev_hash != previous_hash:
        findings.append(
            _finding(
                FindingCode.EVENT_LOG_BROKEN,
                scope,
                f"seq {seq}",
                f"event-log entry {seq} is not linked to entry {previous_seq}: its prev_hash "
                "is not that entry's hash",
                {"seq": seq, "prev_hash": _hex(prev_hash), "hash_of_previous": _hex(previous_hash)},
            )
        )


# -- reading records -------------------------------------------------------------------------


def _object(raw: bytes, number: int) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ExportFormatError(f"line {number}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ExportFormatError(f"line {number}: not a JSON object")
    return value


def _job(value: Any, number: int) -> _Job:
    try:
        proof = value["proof"]
        return _Job(
            id=int(value["id"]),
            document_id=str(value["document_id"]),
            digest=_bytes32(value["digest"]),
            status=str(value["status"]),
            batch_id=None if value["batch_id"] is None else int(value["batch_id"]),
            leaf_index=None if value["leaf_index"] is None else int(value["leaf_index"]),
            proof=None if proof is None else tuple(_bytes32(step) for step in proof),
            deadline_at=str(value["deadline_at"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportFormatError(f"line {number}: an unreadable anchoring job ({exc})") from None


def _document(value: Any, number: int) -> _Document | None:
    if value is None:
        return None
    try:
        if "canonical" in value:
            canonical = value["canonical"].encode("utf-8")
        else:
            canonical = base64.b64decode(value["canonical_base64"], validate=True)
        signature = value["signature"]
        return _Document(
            id=str(value["id"]),
            kind=str(value["kind"]),
            subject=str(value["subject"]),
            schema_version=str(value["schema_version"]),
            canonical=canonical,
            digest=_bytes32(value["digest"]),
            signature=None if signature is None else bytes.fromhex(signature[2:]),
            signer=value["signer"],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExportFormatError(f"line {number}: an unreadable document ({exc})") from None


def _bytes32(text: Any) -> bytes:
    if not isinstance(text, str) or len(text) != 66 or not text.startswith("0x"):
        raise ValueError(f"{text!r} is not 0x and 64 hex digits")
    return bytes.fromhex(text[2:])


def _address(text: str) -> bytes | None:
    try:
        value = bytes.fromhex(text[2:]) if text.startswith("0x") else b""
    except ValueError:
        return None
    return value if len(value) == 20 else None


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _finding(
    code: FindingCode, scope: AuditScope, subject: str, message: str, evidence: dict[str, Any]
) -> Finding:
    return Finding(code, scope.centre_id, subject, message, evidence)


def _add(
    into: GroupResult | EventRun,
    code: FindingCode,
    scope: AuditScope,
    subject: str,
    message: str,
    evidence: dict[str, Any],
) -> None:
    into.findings.append(_finding(code, scope, subject, message, evidence))
