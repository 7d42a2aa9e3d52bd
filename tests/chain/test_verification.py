"""Verification of real bundles against a deployed consortium, on the embedded chain and anvil."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from node.chain.chain_facts import ConsortiumMismatchError, ContractChainFacts
from node.chain.compiler import Build
from node.chain.connection import ChainConnection, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import DeploymentRecord, GenesisCentre, dataprop_plan, deploy
from node.chain.transactions import TransactionSender
from node.chain.types import CertificateStatus
from node.documents.bundle import CertificateBundle, bundle_json, certificate_bundle
from node.documents.canonical import digest_hex, keccak256, parse_digest
from node.documents.schemas import CertificateDocument
from node.documents.signing import SigningDomain
from node.verification.report import CheckName, Outcome, VerificationReport
from node.verification.verifier import verify_bundle, verify_bundle_json
from tests.unit.verification.bundles import ISSUED_ON, batch_of, certificate, sign

QINGDAO, WEIFANG = 1, 2
PROPOSAL_LIFETIME = 3600


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


def _deploy(connection: ChainConnection, build: Build, data_dir: Path) -> DeploymentRecord:
    accounts = dev_accounts(connection)
    genesis = [
        GenesisCentre(
            accounts[1].address, 370200, "青岛市数据资产登记评价中心", "http://q.example"
        ),
        GenesisCentre(accounts[2].address, 370700, "潍坊市数据资产登记中心", "http://w.example"),
    ]
    sender = TransactionSender(connection.w3, accounts[0])
    return deploy(connection, sender, build, dataprop_plan(genesis, PROPOSAL_LIFETIME), data_dir)


@pytest.fixture
def consortium(chain: ChainConnection, build: Build, tmp_path: Path) -> Consortium:
    record = _deploy(chain, build, tmp_path / "deployed")
    accounts = dev_accounts(chain)
    return Consortium(bind_contracts(chain, record, build), accounts[1], accounts[2], accounts[9])


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


def verify(
    consortium: Consortium, bundle: CertificateBundle, as_centre_id: int | None = None
) -> VerificationReport:
    facts = ContractChainFacts(consortium.contracts)
    return verify_bundle(bundle, facts, today=ISSUED_ON, as_centre_id=as_centre_id)


def _failures(report: VerificationReport) -> set[CheckName]:
    return {check.name for check in report.checks if check.outcome is Outcome.FAILED}


def test_an_issued_certificate_verifies_until_it_is_revoked(consortium: Consortium) -> None:
    document = certificate(signer=consortium.qingdao.address)
    bundle = issue(consortium, document, consortium.qingdao)
    connection = consortium.contracts.connection
    issued = ContractChainFacts(consortium.contracts)

    report = verify_bundle_json(bundle_json(bundle), issued, today=ISSUED_ON)
    assert report.ok, report.checks
    assert _failures(report) == set()
    assert report.check(CheckName.RECOGNITION).outcome is Outcome.SKIPPED
    assert report.chain_id == connection.chain_id
    assert report.block_number == connection.w3.eth.block_number
    assert report.addresses.anchor_registry == consortium.contracts.anchors.address
    assert "青岛市数据资产登记评价中心" in report.check(CheckName.CENTRE).reason

    decision = keccak256(b"revocation decision")
    consortium.writer(consortium.qingdao).certificates.set_status(
        parse_digest(document.certificate_id), CertificateStatus.REVOKED, decision
    )
    revoked = verify(consortium, bundle)
    assert not revoked.ok
    assert _failures(revoked) == {CheckName.STATUS}
    assert revoked.check(CheckName.STATUS).reason.startswith("revoked")
    assert digest_hex(decision) in revoked.check(CheckName.STATUS).reason
    assert revoked.block_number > report.block_number

    pinned = verify_bundle(bundle, issued, today=ISSUED_ON)
    assert pinned.ok, "a reader pinned before the revocation still sees the chain of then"


def test_a_bundle_signed_by_a_key_of_no_centre_fails_the_centre_check(
    consortium: Consortium,
) -> None:
    document = certificate(signer=consortium.outsider.address)
    report = verify(consortium, issue(consortium, document, consortium.outsider))
    assert not report.ok
    assert report.check(CheckName.SIGNATURE).passed
    assert CheckName.CENTRE in _failures(report)
    assert "is not the key of any centre" in report.check(CheckName.CENTRE).reason


def test_pledges_are_listed_in_their_on_chain_priority(consortium: Consortium) -> None:
    document = certificate(signer=consortium.qingdao.address)
    bundle = issue(consortium, document, consortium.qingdao)
    certificates = consortium.writer(consortium.qingdao).certificates
    pledge_ids = [keccak256(b"pledge to bank A"), keccak256(b"pledge to bank B")]
    for index, pledge_id in enumerate(pledge_ids):
        certificates.register_pledge(
            parse_digest(document.certificate_id),
            pledge_id,
            keccak256(f"record {index}".encode()),
            keccak256(f"bank {index}".encode()),
        )
    report = verify(consortium, bundle)
    assert report.ok
    assert [(p.pledge_id, p.priority) for p in report.pledges] == [
        (digest_hex(pledge_ids[0]), 1),
        (digest_hex(pledge_ids[1]), 2),
    ]


def test_a_peer_centre_needs_its_recognition_of_the_issuer(consortium: Consortium) -> None:
    bundle = issue(consortium, certificate(signer=consortium.qingdao.address), consortium.qingdao)
    assert _failures(verify(consortium, bundle, as_centre_id=WEIFANG)) == {CheckName.RECOGNITION}
    consortium.writer(consortium.weifang).centres.set_recognition(QINGDAO, True)
    assert verify(consortium, bundle, as_centre_id=WEIFANG).ok


def test_registries_of_another_consortium_are_refused(
    consortium: Consortium, build: Build, tmp_path: Path
) -> None:
    connection = consortium.contracts.connection
    foreign = _deploy(connection, build, tmp_path / "foreign")
    record = consortium.contracts.record
    mixed = dataclasses.replace(
        record,
        contracts={
            **record.contracts,
            "CertificateRegistry": foreign.contracts["CertificateRegistry"],
        },
    )
    with pytest.raises(ConsortiumMismatchError, match="answers to"):
        ContractChainFacts(bind_contracts(connection, mixed, build))
    mixed = dataclasses.replace(
        record,
        contracts={**record.contracts, "AnchorRegistry": foreign.contracts["AnchorRegistry"]},
    )
    with pytest.raises(ConsortiumMismatchError, match="is not CentreRegistry"):
        ContractChainFacts(bind_contracts(connection, mixed, build))
