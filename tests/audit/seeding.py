"""Nodes seeded with real certificates on a real chain, and the ways a node gets tampered with.

A consortium of Qingdao (id 1) and Weifang (id 2) is deployed; each node runs
the registration workflow through its services on a SQLite file (apply,
review, audit, notice, issue), renews and revokes a certificate, anchors its
event log's head, and lets its anchoring worker put every document on chain.
The tampering functions then change the database the way an insider would,
with raw SQL and foreign keys off.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, event, insert, text

from node.audit.export import export_lines
from node.audit.report import AuditReport
from node.audit.run import ExportSource, audit_sources, read_chain
from node.chain.anchoring import AnchoringWorker, WorkerSettings
from node.chain.compiler import Build
from node.chain.connection import ChainConnection, dev_accounts
from node.chain.contracts import DatapropContracts
from node.chain.deployment import DeploymentRecord, GenesisCentre, dataprop_plan, deploy
from node.chain.transactions import TransactionSender
from node.config import REPO_ROOT, Settings, load_settings
from node.documents.canonical import canonical_json, keccak256
from node.documents.signing import SignedFields
from node.domain.calendar import FixedClock
from node.runtime import Store, node_context, open_store
from node.services.applications import ApplicationService
from node.services.audit_log import AuditLogService
from node.services.certificates import CertificateService
from node.services.context import NodeContext
from node.services.issuance import IssuanceService
from node.store.db import create_engine_for
from node.store.models import DocumentRow
from node.store.sender_lock import sender_lock

SAMPLES: list[dict[str, Any]] = json.loads(
    (REPO_ROOT / "samples" / "applications.json").read_text()
)
CITIES = ((370200, "青岛市数据资产登记评价中心"), (370700, "潍坊市数据资产登记中心"))
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def deploy_cities(connection: ChainConnection, build: Build, data_dir: Path) -> DeploymentRecord:
    """Qingdao (dev account 1) and Weifang (dev account 2) as genesis centres."""
    accounts = dev_accounts(connection)
    genesis = [
        GenesisCentre(accounts[1 + i].address, region, name, f"http://127.0.0.1:{9100 + i}")
        for i, (region, name) in enumerate(CITIES)
    ]
    sender = TransactionSender(connection.w3, accounts[0], poll_interval=0.01)
    return deploy(connection, sender, build, dataprop_plan(genesis, 3600), data_dir)


@dataclass
class SeededNode:
    """One centre's node: its settings, store, services' context and anchoring worker."""

    settings: Settings
    store: Store
    context: NodeContext
    contracts: DatapropContracts
    worker: AnchoringWorker
    clock: FixedClock
    certificates: list[str]
    """Registration numbers issued, in order (the renewed and revoked ones included)."""

    @property
    def database(self) -> Path:
        return Path(self.settings.resolved_database_url.removeprefix("sqlite:///"))

    def drain(self) -> None:
        report = self.worker.drain(60.0)
        assert report.failed == 0 and not (report.waiting or report.unsent), report

    def lines(self, database: Path | None = None) -> Iterator[bytes]:
        """The export of the node's database (or of a copy of it)."""
        engine = (
            self.store.engine if database is None else create_engine_for(f"sqlite:///{database}")
        )
        try:
            yield from export_lines(
                engine,
                centre=self.context.centre_ref,
                chain_id=self.contracts.connection.chain_id,
                consortium=self.context.consortium,
                at=self.clock.now(),
            )
        finally:
            if database is not None:
                engine.dispose()

    def source(self, database: Path | None = None) -> ExportSource:
        return ExportSource(str(database or self.database), lambda: self.lines(database))

    def copy(self, folder: Path) -> Path:
        """A copy of the node's database file (what a test tampers with)."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "copy.sqlite"
        with (
            closing(sqlite3.connect(self.database)) as live,
            closing(sqlite3.connect(target)) as copy,
        ):
            live.backup(copy)
        return target


def seed_node(
    connection: ChainConnection,
    build: Build,
    record: DeploymentRecord,
    data_dir: Path,
    *,
    centre: int,
    certificates: int,
) -> SeededNode:
    """A node of city ``centre`` (0 Qingdao, 1 Weifang) with ``certificates`` issued and anchored,
    the second renewed and the third revoked (when there are that many)."""
    key: LocalAccount = dev_accounts(connection)[1 + centre]
    region, name = CITIES[centre]
    settings = load_settings(
        data_dir=data_dir,
        centre={"key": key.key.hex(), "region_code": str(region), "name": name},
        anchoring={"batch_size": 8, "max_batch_age": 1.0, "cycle_interval": 0.01},
        chain={"confirmations": 0},
    )
    clock = FixedClock(START)
    store = open_store(settings, clock)
    context, contracts = node_context(settings, store, connection, record, build, clock=clock)
    worker = AnchoringWorker(
        store.unit_of_work,
        contracts,
        sender_lock(store.engine, key.address),
        WorkerSettings.from_settings(settings),
        clock=clock,
    )
    assert worker.start()
    node = SeededNode(settings, store, context, contracts, worker, clock, [])
    node.certificates = issue(node, centre, range(certificates))
    node.drain()
    service = CertificateService(context)
    if certificates >= 2:
        clock.advance(timedelta(days=1))
        renewed = service.renew("issuer-chen", node.certificates[1], date(2030, 6, 30))
        assert renewed.successor is not None
        node.certificates.append(str(renewed.successor.registration_number))
    if certificates >= 3:
        clock.advance(timedelta(days=1))
        service.revoke("centre-director", node.certificates[2], "申请材料存在虚假内容。")
    node.drain()
    AuditLogService(context).anchor_head()
    node.drain()
    return node


def issue(node: SeededNode, centre: int, indexes: range) -> list[str]:
    """Applications taken through review, audit and notice, then issued; their numbers."""
    applications = ApplicationService(node.context)
    ids = []
    for index in indexes:
        sample = json.loads(json.dumps(SAMPLES[index % len(SAMPLES)]))
        sample["asset"]["name"] = f"{sample['asset']['name']} {centre}-{index}"
        application = applications.apply(f"applicant-{index}", sample).application
        applications.start_review("reviewer-wang", application.id)
        applications.complete_review("reviewer-wang", application.id, sample["compliance_report"])
        applications.approve_audit("auditor-li", application.id)
        applications.publish_notice("publisher-zhao", application.id)
        ids.append(application.id)
    node.clock.advance(timedelta(days=30))
    issued = IssuanceService(node.context).issue_many("issuer-chen", ids)
    return [str(item.certificate.registration_number) for item in issued]


def audit(
    contracts: DatapropContracts, sources: list[ExportSource], *, workers: int = 1
) -> AuditReport:
    """An audit of the sources against the chain, read from its first block, as of now."""
    history, chain = read_chain(contracts, from_block=0)
    return audit_sources(history, chain, sources, as_of=datetime.now(UTC), workers=workers)


def found(report: AuditReport) -> list[tuple[str, int, str]]:
    """(code, centre, subject) of every finding, sorted: what a test compares."""
    return sorted((f.code.value, f.centre_id, f.subject) for f in report.findings)


# -- tampering -------------------------------------------------------------------------------


def tampering(database: Path) -> Engine:
    """An engine on a copy of a node's database, as an insider with foreign keys off uses it."""
    engine = create_engine_for(f"sqlite:///{database}")

    @event.listens_for(engine, "connect")
    def _no_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")

    return engine


def rows(engine: Engine, sql: str, **values: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), values))


def change(engine: Engine, sql: str, **values: Any) -> None:
    with engine.begin() as connection:
        assert connection.execute(text(sql), values).rowcount >= 1, sql


def edit_document(engine: Engine, document_id: str) -> None:
    """Change one character of a stored document's content, keeping its digest."""
    [(canonical,)] = rows(engine, "SELECT canonical FROM documents WHERE id = :id", id=document_id)
    edited = (
        canonical.replace(b'"asset"', b'"asset" ', 1)
        if b'"asset"' in canonical
        else canonical + b" "
    )
    change(engine, "UPDATE documents SET canonical = :c WHERE id = :id", c=edited, id=document_id)


def delete_document(engine: Engine, document_id: str) -> None:
    """Delete a document and its anchoring job."""
    change(engine, "DELETE FROM anchor_jobs WHERE document_id = :id", id=document_id)
    change(engine, "DELETE FROM documents WHERE id = :id", id=document_id)


def set_status(engine: Engine, number: str, status: str) -> None:
    change(
        engine,
        "UPDATE certificates SET status = :s WHERE registration_number = :n",
        s=status,
        n=number,
    )


def break_log(engine: Engine, seq: int) -> None:
    """Rewrite who did entry ``seq`` of the event log, leaving its hash."""
    change(engine, "UPDATE event_log SET actor = 'someone-else' WHERE seq = :s", s=seq)


def swap_proofs(engine: Engine, first_job: int, second_job: int) -> None:
    [(a,)] = rows(engine, "SELECT proof FROM anchor_jobs WHERE id = :id", id=first_job)
    [(b,)] = rows(engine, "SELECT proof FROM anchor_jobs WHERE id = :id", id=second_job)
    assert a != b
    change(engine, "UPDATE anchor_jobs SET proof = :p WHERE id = :id", p=b, id=first_job)
    change(engine, "UPDATE anchor_jobs SET proof = :p WHERE id = :id", p=a, id=second_job)


def insert_document(engine: Engine, node: SeededNode, document_id: str) -> None:
    """A document signed by the centre's key, stored without an anchoring job."""
    [(template,)] = rows(engine, "SELECT canonical FROM documents WHERE kind = 'notice' LIMIT 1")
    body = json.loads(template)
    body["asset_name"] = f"补录的公示 {document_id}"
    canonical = canonical_json(body)
    digest = keccak256(canonical)
    signature = node.context.signer.sign(SignedFields("notice", body["subject"], digest, 1))
    with engine.begin() as connection:
        connection.execute(
            insert(DocumentRow.__table__).values(
                id=document_id,
                kind="notice",
                subject=body["subject"],
                schema_version="1",
                canonical=canonical,
                digest=digest,
                signature=signature,
                signer=node.context.signer.address,
                previous_digest=None,
                created_at=node.clock.now(),
            )
        )
