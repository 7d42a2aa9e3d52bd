"""The verification parts of a running node, composed from its settings.

Beside :mod:`node.runtime` (the services' composition root): the chain, the
compiled ABIs, the recorded deployment, an index of the consortium's state
for the public verifier, and the node's store for bundles by registration number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from node.chain.contracts import bind_contracts
from node.chain.deployment import DeploymentRecord, load_deployment
from node.chain.facts_sources import MAX_INDEX_AGE, IndexedFactsSource
from node.config import Settings
from node.documents.bundle import CertificateBundle
from node.domain.calendar import Clock, SystemClock, local_date
from node.errors import ConfigurationError
from node.runtime import NodeChain, node_chain, node_context, open_store
from node.services.bundles import BundleService
from node.verification.public import PublicVerifier


class NoCentreKeyError(ConfigurationError):
    """The node has no centre key, so it issued no certificate whose bundle it could give."""

    code = "no_centre_key"


def store_bundles(
    settings: Settings, chain: NodeChain, record: DeploymentRecord, clock: Clock
) -> Callable[[str], CertificateBundle]:
    """``BundleService.bundle`` on the node's store."""
    if settings.centre.key is None:

        def no_bundles(registration_number: str) -> CertificateBundle:
            raise NoCentreKeyError(
                f"this node has no centre key (centre.key): it issued no {registration_number}"
            )

        return no_bundles
    store = open_store(settings, clock)
    context, _ = node_context(settings, store, chain.connection, record, chain.build, clock=clock)
    return BundleService(context).bundle


@dataclass(frozen=True)
class PublicVerification:
    """The node's public verifier and the index it reads, which a server keeps following."""

    verifier: PublicVerifier
    facts: IndexedFactsSource


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
    bundles = store_bundles(settings, chain, record, clock)
    return PublicVerification(
        PublicVerifier(facts, bundles, lambda: local_date(clock.now())), facts
    )
