"""`dataprop demo`: the chain layer end to end on the embedded chain.

Deploys a consortium of four city centres, anchors the sample applications in
one Merkle batch, proves each on chain, registers the certificates with their
asset keys (a second registration of the same asset in another city is
refused), pledges one, shows that a pledged certificate cannot be cancelled,
releases the pledge, revokes a certificate and admits a fifth centre by vote.
Every step checks its outcome and the command exits non-zero on the first
failure.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from rich.console import Console
from rich.table import Table

from node.chain.compiler import compile_contracts
from node.chain.connection import connect, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy
from node.chain.revert_errors import (
    CertificateRegistryAssetKeyHeldError,
    CertificateRegistryCertificatePledgedError,
)
from node.chain.transactions import TransactionSender
from node.chain.types import CentreStatus, CertificateStatus
from node.cli.context import settings_from
from node.config import REPO_ROOT, ChainBackend, ChainSettings
from node.documents.canonical import document_digest
from node.documents.merkle import StandardMerkleTree, leaf_of_digest
from node.errors import NodeError

SAMPLES = REPO_ROOT / "samples" / "applications.json"
CITIES = (
    (370200, "青岛市数据资产登记评价中心"),
    (370700, "潍坊市数据资产登记中心"),
    (370500, "东营市数据资产登记中心"),
    (652800, "巴音郭楞蒙古自治州数据资产登记中心"),
)
KIND_APPLICATION = b"application".ljust(32, b"\0")
console = Console(soft_wrap=True)


class DemoStepError(NodeError):
    """A demo step did not produce the outcome it checks for."""

    code = "demo_step_failed"


def demo_command(ctx: typer.Context) -> None:
    """Run the chain layer end to end on the embedded chain (no setup needed)."""
    settings = settings_from(ctx)
    Demo(settings.contracts_dir, settings.resolved_build_dir).run()


class Demo:
    """The steps of the demo, sharing the deployed consortium."""

    def __init__(self, contracts_dir: Path, build_dir: Path) -> None:
        self.contracts_dir = contracts_dir
        self.build_dir = build_dir
        self.applications: list[dict[str, Any]] = json.loads(SAMPLES.read_text("utf-8"))

    def run(self) -> None:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("compile the contracts", self.compile),
            ("deploy a consortium of four city centres", self.deploy),
            ("anchor the sample applications in one Merkle batch", self.anchor),
            ("prove every application against the anchored root", self.prove),
            ("register certificates with their asset keys", self.register),
            ("refuse the same asset in another city", self.refuse_duplicate),
            ("pledge a certificate; cancellation refused while pledged", self.pledge),
            ("release the pledge; revoke another certificate", self.release_and_revoke),
            ("admit a fifth centre by more than two thirds of votes", self.admit),
        ]
        for number, (title, step) in enumerate(steps, start=1):
            with console.status(f"[{number}/{len(steps)}] {title}"):
                outcome = step()
            console.print(f"[green]✓[/] [{number}/{len(steps)}] {title}: {outcome}")
        self.summary()

    def compile(self) -> str:
        self.build = compile_contracts(self.contracts_dir, self.build_dir)
        state = "cache hit" if self.build.cache_hit else "compiled"
        return f"{len(self.build.contracts)} contracts, solc {self.build.solc_version} ({state})"

    def deploy(self) -> str:
        self.connection = connect(ChainSettings(backend=ChainBackend.EMBEDDED))
        accounts = dev_accounts(self.connection)
        self.centre_keys: list[LocalAccount] = accounts[1 : 1 + len(CITIES)]
        self.newcomer = accounts[1 + len(CITIES)]
        genesis = [
            GenesisCentre(key.address, region, name, f"http://127.0.0.1:{9000 + i}")
            for i, (key, (region, name)) in enumerate(zip(self.centre_keys, CITIES, strict=True))
        ]
        sender = TransactionSender(self.connection.w3, accounts[0])
        record = deploy(
            self.connection,
            sender,
            self.build,
            dataprop_plan(genesis, 7 * 24 * 3600),
            Path(tempfile.mkdtemp(prefix="dataprop-demo-")),
        )
        self.qingdao = bind_contracts(self.connection, record, self.build, self.centre_keys[0])
        gas = sum(item.gas_used for item in record.contracts.values())
        return f"{self.connection.describe()}, {gas:,} gas"

    def anchor(self) -> str:
        self.digests = [document_digest(application) for application in self.applications]
        self.tree = StandardMerkleTree.of([[digest] for digest in self.digests], ["bytes32"])
        receipt = self.qingdao.anchors.anchor_batch(self.tree.root, len(self.digests))
        anchored = self.qingdao.anchors.anchor_of(self.tree.root)
        _check(anchored.exists and anchored.leaf_count == len(self.digests), "root not anchored")
        return f"root 0x{self.tree.root.hex()[:16]}…, {receipt['gasUsed']:,} gas"

    def prove(self) -> str:
        for index, digest in enumerate(self.digests):
            proof = self.tree.proof(index)
            leaf = leaf_of_digest(digest)
            _check(self.qingdao.anchors.verify_leaf(self.tree.root, proof, leaf), "proof refused")
        forged = leaf_of_digest(keccak(b"a document nobody anchored"))
        _check(
            not self.qingdao.anchors.verify_leaf(self.tree.root, self.tree.proof(0), forged),
            "a forged leaf was accepted",
        )
        return f"{len(self.digests)} proofs accepted, a forged leaf refused"

    def register(self) -> str:
        self.certificate_ids = [
            keccak(text=f"370200-2026-{index:06d}") for index in range(1, 1 + len(self.digests))
        ]
        self.asset_keys = [
            keccak(text=app["holder"]["credit_code"] + "|" + app["asset"]["name"])
            for app in self.applications
        ]
        self.qingdao.certificates.register_certificates(self.certificate_ids, self.asset_keys)
        first = self.qingdao.certificates.certificate(self.certificate_ids[0])
        _check(first.status is CertificateStatus.ACTIVE, "certificate not active")
        return f"{len(self.certificate_ids)} certificates held by centre {first.issuer_id}"

    def refuse_duplicate(self) -> str:
        weifang = self._as(1)
        try:
            weifang.certificates.register_certificates(
                [keccak(text="370700-2026-000001")], [self.asset_keys[0]]
            )
        except CertificateRegistryAssetKeyHeldError as refused:
            return f"refused: held by centre {refused.centre_id}"
        raise DemoStepError("a second registration of the same asset was accepted")

    def pledge(self) -> str:
        self.pledge_id = keccak(text="pledge-1")
        certificates = self.qingdao.certificates
        certificates.register_pledge(
            self.certificate_ids[1], self.pledge_id, keccak(text="record"), keccak(text="bank")
        )
        try:
            certificates.set_status(
                self.certificate_ids[1], CertificateStatus.CANCELLED, keccak(text="cancel")
            )
        except CertificateRegistryCertificatePledgedError:
            return "pledge priority 1 registered; cancellation refused"
        raise DemoStepError("a pledged certificate was cancelled")

    def release_and_revoke(self) -> str:
        certificates = self.qingdao.certificates
        certificates.release_pledge(self.pledge_id, keccak(text="release"))
        _check(not certificates.active_pledges(self.certificate_ids[1]), "pledge still active")
        certificates.set_status(
            self.certificate_ids[2], CertificateStatus.REVOKED, keccak(text="revocation")
        )
        revoked = certificates.certificate(self.certificate_ids[2])
        _check(revoked.status is CertificateStatus.REVOKED, "certificate not revoked")
        return "pledge released; certificate 3 revoked"

    def admit(self) -> str:
        centres = self.qingdao.centres
        needed = centres.threshold()
        centres.propose_admit(self.newcomer.address, 370100, "济南市数据资产登记中心", "")
        proposal_id = centres.proposal_count()
        for voter in range(1, needed):
            pending = centres.centre_of(self.newcomer.address)
            _check(pending.status is CentreStatus.NONE, "admitted below the threshold")
            self._as(voter).centres.vote(proposal_id)
        admitted = centres.centre_of(self.newcomer.address)
        _check(admitted.status is CentreStatus.ACTIVE, "not admitted at the threshold")
        return f"{needed} of {len(CITIES)} votes admitted centre {admitted.id}"

    def summary(self) -> None:
        table = Table("certificate", "status", "issuer", "active pledges")
        for index, certificate_id in enumerate(self.certificate_ids, start=1):
            record = self.qingdao.certificates.certificate(certificate_id)
            pledges = len(self.qingdao.certificates.active_pledges(certificate_id))
            table.add_row(
                f"370200-2026-{index:06d}", record.status.name, str(record.issuer_id), str(pledges)
            )
        console.print(table)

    def _as(self, centre_index: int) -> DatapropContracts:
        return self.qingdao.as_account(self.centre_keys[centre_index])


def _check(condition: bool, failure: str) -> None:
    if not condition:
        raise DemoStepError(failure)
