"""The verification parts of a running node, composed from its settings.

Beside :mod:`node.runtime` (the services' composition root): the chain, the
compiled ABIs, the recorded deployment, an index of the consortium's state
for the public verifier, and the node's store for bundles by registration number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from node.chain.accounts import centre_account
from node.chain.contracts import bind_contracts
from node.chain.deployment import DeploymentRecord, load_deployment
from node.chain.facts_sources import MAX_INDEX_AGE, IndexedFactsSource
from node.config import Settings
from node.documents.bundle import CertificateBundle
from node.domain.calendar import Clock, SystemClock, local_date
from node.errors import ConfigurationError
from node.federation.peer_client import PeerClient
from node.federation.peer_requests import PeerDomain
from node.runtime import NodeChain, node_chain, node_services, open_store
from node.services.node_services import NodeServices
from node.services.peer_requests import PeerRequestGate
from node.services.recognition import RecognitionService
from node.verification.public import PublicVerifier
from node.verification.report import VerificationReport


class NoCentreKeyError(ConfigurationError):
    """The node has no centre key, so it issued no certificate whose bundle it could give."""

    code = "no_centre_key"


def centre_services(
    settings: Settings, chain: NodeChain, record: DeploymentRecord, clock: Clock
) -> NodeServices | None:
    """The node's use cases on its store, with the admin's stored centre settings applied;
    None for a node without a centre key (it verifies only)."""
    if settings.centre.key is None:
        return None
    return node_services(settings, open_store(settings, clock), chain, record, clock)


def no_bundles(registration_number: str) -> CertificateBundle:
    """What a node without a centre key answers for a bundle: it issued nothing."""
    raise NoCentreKeyError(
        f"this node has no centre key (centre.key): it issued no {registration_number}"
    )


@dataclass(frozen=True)
class Federation:
    """What a centre's node does with its peers: file recognitions of their certificates and
    admit their signed requests, both against the consortium its index follows."""

    recognitions: RecognitionService
    peers: PeerRequestGate


def federation(
    settings: Settings,
    chain: NodeChain,
    services: NodeServices,
    verifier: PublicVerifier,
    facts: IndexedFactsSource,
) -> Federation:
    """The node's federation parts, signing with its centre key."""

    def verify_at_head(bundle: CertificateBundle, centre_id: int) -> VerificationReport:
        """A filing verifies at the chain's head, not an index up to a second behind (so a
        recognition declared a moment ago counts)."""
        facts.catch_up_now()
        return verifier.verify(bundle, as_centre_id=centre_id).report

    addresses = services.context.consortium
    assert addresses is not None  # a centre's services are built on a deployment
    domain = PeerDomain(chain.connection.chain_id, addresses.centre_registry)
    client = PeerClient(
        key=bytes(centre_account(settings, chain.connection).key),
        domain=domain,
        timeout=settings.federation.peer_timeout,
    )
    return Federation(
        recognitions=RecognitionService(
            services.context,
            verify=verify_at_head,
            consortium=facts.consortium,
            notify=client.notify_filing,
        ),
        peers=PeerRequestGate(
            services.context,
            domain,
            facts.consortium,
            window=timedelta(seconds=settings.federation.peer_request_window),
        ),
    )


@dataclass(frozen=True)
class PublicVerification:
    """The node's public verifier and the index it reads, which a server keeps following,
    and its use cases when it has a centre key."""

    verifier: PublicVerifier
    facts: IndexedFactsSource
    services: NodeServices | None
    federation: Federation | None


def public_verification(
    settings: Settings, *, clock: Clock | None = None, max_age: float = MAX_INDEX_AGE
) -> PublicVerification:
    """The node's public verifier: its deployment indexed, its store for bundles."""
    chain = node_chain(settings)
    record = load_deployment(settings.data_dir, chain.connection)
    clock = clock or SystemClock()
    facts = IndexedFactsSource(
        bind_contracts(chain.connection, record, chain.build), max_age=max_age
    )
    services = centre_services(settings, chain, record, clock)
    bundles = no_bundles if services is None else services.bundles.bundle
    verifier = PublicVerifier(facts, bundles, lambda: local_date(clock.now()))
    peers = None if services is None else federation(settings, chain, services, verifier, facts)
    return PublicVerification(verifier, facts, services, peers)
