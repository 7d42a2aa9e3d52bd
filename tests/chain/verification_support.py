"""A deployed two-centre consortium that issues real bundles, for the verification tests.

Qingdao (id 1) and Weifang (id 2) are genesis centres; ``issue`` signs a test
certificate, anchors its batch and registers it on chain the way the node's
worker does, and returns the bundle a holder would hand to a bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount

from node.chain.compiler import Build
from node.chain.connection import ChainConnection, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import DeploymentRecord, GenesisCentre, dataprop_plan, deploy
from node.chain.transactions import TransactionSender
from node.documents.bundle import CertificateBundle, certificate_bundle
from node.documents.canonical import parse_digest
from node.documents.schemas import CertificateDocument
from node.documents.signing import SigningDomain
from tests.unit.verification.bundles import batch_of, sign

QINGDAO, WEIFANG = 1, 2
PROPOSAL_LIFETIME = 3600
TAMPER_FROM, TAMPER_TO = b"1,200", b"1,201"
"""One byte of the test certificate's asset scale (约 1,200 万条记录)."""


@dataclass(frozen=True)
class Consortium:
    """Two genesis centres, Qingdao (id 1) and Weifang (id 2), and a key of no centre."""

    contracts: DatapropContracts
    qingdao: LocalAccount
    weifang: LocalAccount
    outsider: LocalAccount

    @property
    def domain(self) -> SigningDomain:
        return SigningDomain(self.contracts.connection.chain_id, self.contracts.anchors.address)

    def writer(self, key: LocalAccount) -> DatapropContracts:
        return self.contracts.as_account(key)


def deploy_consortium(
    connection: ChainConnection, build: Build, data_dir: Path
) -> DeploymentRecord:
    """Deploy with dev account 0 and write the record into ``data_dir``."""
    accounts = dev_accounts(connection)
    genesis = [
        GenesisCentre(
            accounts[1].address, 370200, "青岛市数据资产登记评价中心", "http://q.example"
        ),
        GenesisCentre(accounts[2].address, 370700, "潍坊市数据资产登记中心", "http://w.example"),
    ]
    sender = TransactionSender(connection.w3, accounts[0], poll_interval=0.01)
    return deploy(connection, sender, build, dataprop_plan(genesis, PROPOSAL_LIFETIME), data_dir)


def consortium_on(connection: ChainConnection, build: Build, data_dir: Path) -> Consortium:
    """A freshly deployed consortium on ``connection``."""
    record = deploy_consortium(connection, build, data_dir)
    accounts = dev_accounts(connection)
    return Consortium(
        bind_contracts(connection, record, build), accounts[1], accounts[2], accounts[9]
    )


def issue(
    consortium: Consortium, document: CertificateDocument, key: LocalAccount
) -> CertificateBundle:
    """Sign ``document`` with ``key``; Qingdao anchors its batch and registers it."""
    qingdao = consortium.writer(consortium.qingdao)
    tree = batch_of(document)
    receipt = qingdao.anchors.anchor_batch(tree.root, len(tree.values))
    qingdao.certificates.register_certificates(
        [parse_digest(document.certificate_id)], [parse_digest(document.asset_key)]
    )
    return certificate_bundle(
        document,
        signature=sign(document, key, consortium.domain),
        domain=consortium.domain,
        root=tree.root,
        proof=tree.proof(0),
        leaf_index=0,
        transaction_hash=bytes(receipt["transactionHash"]),
        block_number=receipt["blockNumber"],
        certificate_registry=consortium.contracts.certificates.address,
        centre_registry=consortium.contracts.centres.address,
    )


def tamper(bundle_json: bytes) -> bytes:
    """The bundle with one byte of its document changed (the asset's scale)."""
    assert bundle_json.count(TAMPER_FROM) == 1, "the test certificate's scale moved"
    return bundle_json.replace(TAMPER_FROM, TAMPER_TO)
