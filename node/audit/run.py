"""An audit from start to end: the chain's history, then each node's export reconciled with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from node.audit.findings import Finding, FindingCode
from node.audit.history import ChainHistory, IncompleteHistoryError
from node.audit.reconcile import (
    AuditInputError,
    ChainView,
    Progress,
    Reconciliation,
    SourceAudit,
    TaskRunner,
    audit_facts,
)
from node.audit.report import AuditReport
from node.chain.contracts import DatapropContracts
from node.chain.scan_cache import ResumableScan, ScanIdentity
from node.chain.scanner import consortium_scanner
from node.verification.ports import ConsortiumAddresses

READ_BYTES = 2**20


@dataclass(frozen=True)
class ExportSource:
    """A node's export to audit: a file, or lines made from its database when read."""

    label: str
    chunks: Callable[[], Iterator[bytes]]
    """The export's bytes, in pieces of any size."""


def file_source(path: Path) -> ExportSource:
    """An export file, read a MiB at a time."""

    def chunks() -> Iterator[bytes]:
        try:
            with path.open("rb") as source:
                while chunk := source.read(READ_BYTES):
                    yield chunk
        except OSError as exc:
            raise AuditInputError(f"cannot read {path}: {exc.strerror}") from exc

    return ExportSource(str(path), chunks)


def read_chain(
    contracts: DatapropContracts,
    *,
    from_block: int,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ChainHistory, ChainView]:
    """The consortium's history from ``from_block`` to the head, read (or resumed) by the
    scanner; ``progress`` is told the blocks read and the blocks to read."""
    scanner = consortium_scanner(contracts)
    head = scanner.block("latest")
    addresses = ConsortiumAddresses(
        centre_registry=contracts.centres.address,
        anchor_registry=contracts.anchors.address,
        certificate_registry=contracts.certificates.address,
    )
    identity = ScanIdentity(
        chain_id=contracts.connection.chain_id,
        centre_registry=addresses.centre_registry,
        anchor_registry=addresses.anchor_registry,
        certificate_registry=addresses.certificate_registry,
        from_block=from_block,
    )
    total = max(head.number - from_block + 1, 0)
    advance = None if progress is None else (lambda blocks: progress(blocks, total))
    history = ChainHistory()
    for event in ResumableScan(scanner, identity, cache).events(head, advance):
        history.apply(event)
    if not history.centres:
        raise IncompleteHistoryError(
            f"no centre was admitted from block {from_block} to {head.number}: "
            "scan from the consortium's deployment block"
        )
    view = ChainView(
        chain_id=contracts.connection.chain_id,
        addresses=addresses,
        head_block=head.number,
        head_hash=head.hash,
        head_time=head.timestamp,
        from_block=from_block,
    )
    return history, view


def audit_sources(
    history: ChainHistory,
    chain: ChainView,
    sources: Sequence[ExportSource],
    *,
    as_of: datetime,
    workers: int = 1,
    progress: Callable[[str], Progress] | None = None,
) -> AuditReport:
    """Reconcile every source with the history; the report over the whole consortium.

    ``progress`` gives, for a source's label, what to tell of the lines it reads.
    """
    audits: list[SourceAudit] = []
    with TaskRunner(workers, audit_facts(history, chain, as_of)) as runner:
        for source in sources:
            told = None if progress is None else progress(source.label)
            reconciliation = Reconciliation(history, chain, as_of, runner, progress=told)
            audit = reconciliation.run(source.label, source.chunks())
            twin = next((a for a in audits if a.centre_id and a.centre_id == audit.centre_id), None)
            if twin is not None:
                raise AuditInputError(
                    f"{twin.label} and {source.label} are both of centre #{audit.centre_id}"
                )
            audits.append(audit)
    findings = [finding for audit in audits for finding in audit.findings]
    findings += _unaudited_centres(history, {audit.centre_id for audit in audits})
    return AuditReport(
        generated_at=as_of, chain=chain, history=history, sources=audits, findings=findings
    )


def _unaudited_centres(history: ChainHistory, audited: set[int]) -> list[Finding]:
    """A warning for each centre with anchors or certificates on chain that no source covered."""
    findings = []
    for centre in history.centres.values():
        if centre.id in audited:
            continue
        roots = sum(1 for fact in history.roots.values() if fact.centre_id == centre.id)
        digests = sum(1 for fact in history.digests.values() if fact.centre_id == centre.id)
        certificates = sum(1 for c in history.certificates.values() if c.issuer_id == centre.id)
        if roots or digests or certificates:
            findings.append(
                Finding(
                    FindingCode.CENTRE_NOT_AUDITED,
                    centre.id,
                    f"centre #{centre.id}",
                    f"centre #{centre.id} {centre.name} has {roots} batch roots, {digests} "
                    f"digests and {certificates} certificates on chain, and no export was audited",
                    {
                        "centre_id": centre.id,
                        "roots": roots,
                        "digests": digests,
                        "certificates": certificates,
                    },
                )
            )
    return findings
