"""The verification parts of a running node, composed from its settings.

Beside :mod:`node.runtime` (the services' composition root): the chain, the
compiled ABIs, the recorded deployment, an index of the consortium's state
for the public verifier, and the node's store for bundles by registration number.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.chain.contracts import bind_contracts
from node.chain.deployment import DeploymentRecord, load_deployment
from node.chain.facts_sources import MAX_INDEX_AGE, IndexedFactsSource
from node.config import Settings
from node.documents.bundle import CertificateBundle
from node.domain.calendar import Clock, SystemClock, local_date
from node.errors import ConfigurationError
from node.runtime import NodeChain, node_chain, node_services, open_store
from node.services.node_services import NodeServices
from node.verification.public import PublicVerifier


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
class PublicVerification:
    """The node's public verifier and the index it reads, which a server keeps following,
    and its use cases when it has a centre key."""

    verifier: PublicVerifier
    facts: IndexedFactsSource
    services: NodeServices | None


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
    return PublicVerification(
        PublicVerifier(facts, bundles, lambda: local_date(clock.now())), facts, services
    )
