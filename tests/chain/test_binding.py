"""Binding the consortium from the CentreRegistry's address alone, as a bank does."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.chain.binding import ConsortiumNotFoundError, bind_consortium
from node.chain.chain_facts import ConsortiumMismatchError, ContractChainFacts
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.documents.bundle import bundle_json
from node.verification.verifier import verify_bundle_json
from tests.chain.verification_support import consortium_on, deploy_consortium, issue
from tests.unit.verification.bundles import ISSUED_ON, certificate


def test_the_bundle_verifies_from_the_centre_registry_and_its_own_registry(
    chain: ChainConnection, build: Build, tmp_path: Path
) -> None:
    consortium = consortium_on(chain, build, tmp_path / "deployed")
    bundle = issue(consortium, certificate(consortium.qingdao.address), consortium.qingdao)
    record = consortium.contracts.record
    bound = bind_consortium(
        chain, build, record.address("CentreRegistry").lower(), bundle.anchor.certificate_registry
    )
    assert bound.centres.address == record.address("CentreRegistry")
    assert bound.anchors.address == record.address("AnchorRegistry"), "read from the registry"
    assert bound.certificates.address == record.address("CertificateRegistry")
    assert bound.sender is None
    report = verify_bundle_json(bundle_json(bundle), ContractChainFacts(bound), today=ISSUED_ON)
    assert report.ok, report.checks


def test_addresses_without_the_contracts_are_refused(
    chain: ChainConnection, build: Build, tmp_path: Path
) -> None:
    record = deploy_consortium(chain, build, tmp_path / "deployed")
    centres, certificates = record.address("CentreRegistry"), record.address("CertificateRegistry")
    nobody = "0x" + "ab" * 20
    with pytest.raises(ConsortiumNotFoundError, match="no contract at CentreRegistry"):
        bind_consortium(chain, build, nobody, certificates)
    with pytest.raises(ConsortiumNotFoundError, match="not an address"):
        bind_consortium(chain, build, "0x1234", certificates)
    with pytest.raises(ConsortiumNotFoundError, match="does not answer as a CentreRegistry"):
        bind_consortium(chain, build, certificates, certificates)
    with pytest.raises(ConsortiumMismatchError, match="no contract at CertificateRegistry"):
        bind_consortium(chain, build, centres, nobody)
    foreign = deploy_consortium(chain, build, tmp_path / "foreign")
    bound = bind_consortium(chain, build, centres, foreign.address("CertificateRegistry"))
    with pytest.raises(ConsortiumMismatchError, match="answers to"):
        ContractChainFacts(bound)
