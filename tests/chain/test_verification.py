"""Verification of real bundles against a deployed consortium, on the embedded chain and anvil."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from node.chain.chain_facts import ConsortiumMismatchError, ContractChainFacts
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.contracts import bind_contracts
from node.chain.types import CertificateStatus
from node.documents.bundle import CertificateBundle, bundle_json
from node.documents.canonical import digest_hex, keccak256, parse_digest
from node.verification.report import CheckName, Outcome, VerificationReport
from node.verification.verifier import verify_bundle, verify_bundle_json
from tests.chain.verification_support import (
    QINGDAO,
    WEIFANG,
    Consortium,
    consortium_on,
    deploy_consortium,
    issue,
)
from tests.unit.verification.bundles import ISSUED_ON, certificate


@pytest.fixture
def consortium(chain: ChainConnection, build: Build, tmp_path: Path) -> Consortium:
    return consortium_on(chain, build, tmp_path / "deployed")


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
    foreign = deploy_consortium(connection, build, tmp_path / "foreign")
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
