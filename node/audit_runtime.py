"""The audit's parts composed from a node's settings: the chain, the consortium, the sources.

Beside :mod:`node.runtime`: the CLI's ``dataprop export`` and ``dataprop audit``
and the regulator API's audit jobs all start here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from eth_utils.address import is_address, to_checksum_address
from sqlalchemy.engine import make_url

from node.audit.export import export_lines, export_node
from node.audit.export_format import read_header
from node.audit.jobs import AuditJobs
from node.audit.reconcile import AuditInputError
from node.audit.report import AuditReport
from node.audit.run import ExportSource, audit_sources, file_source, read_chain
from node.chain.accounts import centre_account
from node.chain.binding import bind_consortium
from node.chain.chain_facts import ConsortiumMismatchError
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import DeploymentRecord, load_deployment
from node.config import Settings
from node.documents.schemas import CentreRef
from node.domain.calendar import Clock, SystemClock
from node.domain.errors import InvalidFieldError
from node.runtime import NodeChain, node_chain
from node.store.db import create_engine_for
from node.verification.ports import ConsortiumAddresses


@dataclass(frozen=True)
class NodeIdentity:
    """How a node names itself in its export: its centre and its deployment."""

    centre: CentreRef
    chain_id: int
    consortium: ConsortiumAddresses


def node_identity(settings: Settings, chain: NodeChain, record: DeploymentRecord) -> NodeIdentity:
    """The centre of the settings (its key's address) on the recorded deployment."""
    account = centre_account(settings, chain.connection)
    return NodeIdentity(
        centre=CentreRef(
            region_code=settings.centre.region_code,
            name=settings.centre.name,
            signer=account.address,
        ),
        chain_id=chain.connection.chain_id,
        consortium=ConsortiumAddresses(
            centre_registry=record.address("CentreRegistry"),
            anchor_registry=record.address("AnchorRegistry"),
            certificate_registry=record.address("CertificateRegistry"),
        ),
    )


def export_to(
    settings: Settings,
    out: IO[bytes],
    at: datetime,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write this node's export to ``out``; the number of lines."""
    chain = node_chain(settings)
    identity = node_identity(settings, chain, load_deployment(settings.data_dir, chain.connection))
    engine = create_engine_for(settings.resolved_database_url)
    try:
        return export_node(
            engine,
            out,
            centre=identity.centre,
            chain_id=identity.chain_id,
            consortium=identity.consortium,
            at=at,
            progress=progress,
        )
    finally:
        engine.dispose()


def database_source(url: str, identity: NodeIdentity, at: datetime) -> ExportSource:
    """A node's database read as its export would be, without migrating or writing to it."""

    def lines() -> Iterator[bytes]:
        engine = create_engine_for(url)
        try:
            yield from export_lines(
                engine,
                centre=identity.centre,
                chain_id=identity.chain_id,
                consortium=identity.consortium,
                at=at,
            )
        finally:
            engine.dispose()

    return ExportSource(f"database {_without_password(url)}", lines)


@dataclass(frozen=True)
class AuditRequest:
    """What to audit against which chain."""

    exports: Sequence[Path] = ()
    node_db: str | None = None
    """A node's database URL; the node is the one these settings describe."""
    rpc_url: str | None = None
    centre_registry: str | None = None
    """The trusted CentreRegistry; default the recorded deployment's."""
    from_block: int | None = None
    """Where the scan starts; default the recorded deployment's block (else 0)."""
    workers: int = 1
    scan_cache: bool = True


ScanProgress = Callable[[int, int], None]
LineProgress = Callable[[str], Callable[[int], None]]


def run_audit(
    settings: Settings,
    request: AuditRequest,
    as_of: datetime,
    *,
    scan_progress: ScanProgress | None = None,
    line_progress: LineProgress | None = None,
) -> AuditReport:
    """Scan the chain, reconcile every source, and report."""
    if not request.exports and request.node_db is None:
        raise InvalidFieldError("--export", "required", "name an export file or --node-db URL")
    if request.from_block is not None and request.from_block < 0:
        raise InvalidFieldError("--from-block", "out_of_range", "must not be negative")
    chain = node_chain(settings, request.rpc_url)
    contracts, record = _consortium(settings, chain, request)
    from_block = request.from_block
    if from_block is None:  # the first contract's block: the genesis centres are admitted there
        from_block = min(c.block for c in record.contracts.values()) if record is not None else 0
    cache = None
    if request.scan_cache:
        name = f"{chain.connection.chain_id}-{contracts.centres.address}.jsonl"
        cache = settings.data_dir / "scans" / name
    history, view = read_chain(
        contracts, from_block=from_block, cache=cache, progress=scan_progress
    )
    sources = [file_source(path) for path in request.exports]
    if request.node_db is not None:
        if record is None:
            record = load_deployment(settings.data_dir, chain.connection)
        identity = node_identity(settings, chain, record)
        sources.append(database_source(request.node_db, identity, as_of))
    return audit_sources(
        history, view, sources, as_of=as_of, workers=request.workers, progress=line_progress
    )


def _consortium(
    settings: Settings, chain: NodeChain, request: AuditRequest
) -> tuple[DatapropContracts, DeploymentRecord | None]:
    """The trusted consortium's contracts, and the deployment record when it is this node's."""
    if request.centre_registry is None:
        record = load_deployment(settings.data_dir, chain.connection)
        return bind_contracts(chain.connection, record, chain.build), record
    if not is_address(request.centre_registry):
        raise InvalidFieldError("--centre-registry", "address", "is not a 20-byte hex address")
    trusted = to_checksum_address(request.centre_registry)
    named = {_certificate_registry(path) for path in request.exports} - {None}
    if len(named) != 1:
        raise AuditInputError(
            "with --centre-registry, the exports must name one CertificateRegistry "
            f"(they name {len(named)})"
        )
    [registry] = named
    assert registry is not None
    contracts = bind_consortium(chain.connection, chain.build, trusted, registry)
    if contracts.certificates.centre_registry().lower() != trusted.lower():
        raise ConsortiumMismatchError(
            f"CertificateRegistry {registry} does not answer to CentreRegistry {trusted}"
        )
    return contracts, None


def _certificate_registry(path: Path) -> str | None:
    try:
        with path.open("rb") as source:
            header = read_header(source.readline())
    except OSError as exc:
        raise AuditInputError(f"cannot read {path}: {exc.strerror}") from exc
    return None if header.chain is None else header.chain.certificate_registry


def _without_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def node_audits(settings: Settings, *, clock: Clock | None = None) -> AuditJobs:
    """The regulator API's audit jobs: this node's database against its deployment's chain,
    reports kept under ``<data_dir>/audits``."""
    clock = clock or SystemClock()

    def run(from_block: int | None) -> AuditReport:
        request = AuditRequest(
            node_db=settings.resolved_database_url,
            from_block=from_block,
            workers=os.cpu_count() or 1,
        )
        return run_audit(settings, request, clock.now())

    return AuditJobs(settings.data_dir / "audits", run, clock)
