"""A node's public verifier over a real consortium, with two issued certificates.

The node's store is stood in for by the bundles issued here: looking up a
registration number behaves as ``BundleService.bundle`` does (malformed
numbers are refused naming the field, unknown ones are not found).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.facts_sources import IndexedFactsSource
from node.documents.bundle import CertificateBundle
from node.documents.canonical import keccak256, parse_digest
from node.domain.identifiers import RegistrationNumber
from node.federation.peer_requests import PeerDomain
from node.services.node_services import NodeServices
from node.services.peer_requests import PeerRequestGate
from node.services.recognition import RecognitionService
from node.store.errors import NotFoundError
from node.verification.public import PublicVerifier
from node.verifier_runtime import Federation
from tests.chain.verification_support import Consortium, consortium_on, issue
from tests.unit.verification.bundles import ISSUED_ON, certificate


@dataclass(frozen=True)
class VerifyingNode:
    """A consortium, the node's verifier, a valid certificate and a pledged one."""

    consortium: Consortium
    verifier: PublicVerifier
    facts: IndexedFactsSource
    valid: CertificateBundle
    pledged: CertificateBundle

    @property
    def valid_number(self) -> str:
        return str(self.valid.document["registration_number"])


def verifying_node(connection: ChainConnection, build: Build, data_dir: Path) -> VerifyingNode:
    """Deploy, issue two certificates, pledge the second, and index the chain on every call."""
    consortium = consortium_on(connection, build, data_dir)
    key = consortium.qingdao
    valid, pledged = (
        issue(consortium, certificate(key.address, serial, f"数据集 {serial}"), key)
        for serial in (1, 2)
    )
    consortium.writer(key).certificates.register_pledge(
        parse_digest(pledged.document["certificate_id"]),
        keccak256(b"pledge to bank A"),
        keccak256(b"pledge record"),
        keccak256(b"bank A"),
    )
    issued = {str(bundle.document["registration_number"]): bundle for bundle in (valid, pledged)}

    def bundles(registration_number: str) -> CertificateBundle:
        number = str(RegistrationNumber.parse(registration_number))
        if number not in issued:
            raise NotFoundError("certificate", number)
        return issued[number]

    facts = IndexedFactsSource(consortium.contracts, max_age=0.0)
    verifier = PublicVerifier(facts, bundles, lambda: ISSUED_ON)
    return VerifyingNode(consortium, verifier, facts, valid, pledged)


def federation_of(services: NodeServices, node: VerifyingNode) -> Federation:
    """Recognition filings and peer requests of a node over ``services``, against the
    verifying node's consortium; peers are never reached (the notice fails)."""
    contracts = node.consortium.contracts
    domain = PeerDomain(contracts.connection.chain_id, contracts.centres.address)
    return Federation(
        recognitions=RecognitionService(
            services.context,
            verify=lambda bundle, centre_id: (
                node.verifier.verify(bundle, as_centre_id=centre_id).report
            ),
            consortium=node.facts.consortium,
            notify=lambda *_: "no peer in this test",
        ),
        peers=PeerRequestGate(
            services.context, domain, node.facts.consortium, window=timedelta(seconds=60)
        ),
    )
