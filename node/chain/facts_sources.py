"""Sources of chain facts for verification: direct contract reads, or a local index.

Both trust one CentreRegistry. :class:`DirectFactsSource` reads the contracts
for every verification (a bank's CLI, a few certificates at a time);
:class:`IndexedFactsSource` answers from a :class:`ChainIndex` kept current
with the chain (the node's API, thousands a second) and falls back to direct
reads for a bundle of another CertificateRegistry of the same consortium.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from node.chain.binding import bind_consortium
from node.chain.chain_facts import ConsortiumMismatchError, ContractChainFacts
from node.chain.chain_index import ChainIndex, IndexReorganisedError
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.consortium import ConsortiumSnapshot
from node.chain.contracts import DatapropContracts
from node.documents.bundle import CertificateBundle
from node.errors import ChainError
from node.verification.ports import ChainFacts

log = logging.getLogger(__name__)
MAX_INDEX_AGE = 1.0
"""Seconds an index may go without asking the chain for new blocks."""


class DirectFactsSource:
    """Facts read with ``eth_call`` at the head, for each verification.

    ``certificate_registry`` pins the CertificateRegistry (a node's own
    deployment); without it the bundle's is used, and refused by
    :class:`ConsortiumMismatchError` unless it answers to the CentreRegistry.
    """

    def __init__(
        self,
        connection: ChainConnection,
        build: Build,
        centre_registry: str,
        certificate_registry: str | None = None,
    ) -> None:
        self._connection = connection
        self._build = build
        self._centre_registry = centre_registry
        self._certificate_registry = certificate_registry

    def facts_for(self, bundle: CertificateBundle) -> ChainFacts:
        registry = self._certificate_registry or bundle.anchor.certificate_registry
        contracts = bind_consortium(self._connection, self._build, self._centre_registry, registry)
        return ContractChainFacts(contracts)

    def answers_at_once(self, bundle: CertificateBundle) -> bool:
        return False


class IndexedFactsSource:
    """Facts from a local index of a deployment, at most ``max_age`` seconds behind the chain;
    the index is rebuilt when the chain reorganises indexed blocks.

    A server calls :meth:`follow`, so that a thread of its own catches up and no
    verification waits for the chain; otherwise a verification that finds the
    index stale catches up first. A bundle anchored in a block newer than the
    index always makes it catch up first.

    A bundle that names another CertificateRegistry of the same consortium is
    read directly; one that names a registry of no consortium gets the index's
    facts, against which its registry checks fail with their reasons.
    """

    def __init__(
        self,
        contracts: DatapropContracts,
        *,
        max_age: float = MAX_INDEX_AGE,
    ) -> None:
        self._contracts = contracts
        self._max_age = max_age
        self._lock = threading.Lock()
        self._direct = DirectFactsSource(
            contracts.connection, contracts.build, contracts.centres.address
        )
        self._index = ChainIndex(contracts)
        self._index.refresh()
        self._refreshed_at = time.monotonic()
        self._following = threading.Event()

    @property
    def index(self) -> ChainIndex:
        """The index answering now."""
        return self._index

    def facts_for(self, bundle: CertificateBundle) -> ChainFacts:
        if not self._indexes(bundle):
            try:
                return self._direct.facts_for(bundle)
            except ConsortiumMismatchError:
                pass
        if self._behind(bundle):
            with self._lock:
                if self._behind(bundle):
                    self._catch_up()
        return self.current()

    def answers_at_once(self, bundle: CertificateBundle) -> bool:
        return (
            self._indexes(bundle)
            and not self._behind(bundle)
            and (self._following.is_set() or not self._stale())
        )

    def current(self) -> ChainFacts:
        """Facts at the newest indexed block, after catching up if the index is stale.

        While one thread catches up, the others answer from the blocks indexed so far.
        """
        if self._stale() and not self._following.is_set() and self._lock.acquire(blocking=False):
            try:
                self._catch_up()
            finally:
                self._lock.release()
        return self._index.facts()

    def catch_up_now(self) -> None:
        """Read the chain up to its head now, whatever the index's age (before a decision this
        node records, such as a recognition filing, rather than a report it serves)."""
        with self._lock:
            self._catch_up()

    def consortium(self) -> ConsortiumSnapshot:
        """The consortium at the newest indexed block, after catching up if the index is
        stale."""
        self.current()
        return self._index.consortium()

    def follow(self) -> Callable[[], None]:
        """Catch up every ``max_age`` seconds in a thread of its own; the function that stops it.

        A failed catch-up (the chain unreachable) is retried at the next tick; the
        reports meanwhile state the older block they were checked at.
        """
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(self._max_age):
                with self._lock:
                    try:
                        self._catch_up()
                    except ChainError as error:
                        log.warning("the chain index could not catch up: %s", error)

        thread = threading.Thread(target=run, name="chain-index", daemon=True)
        self._following.set()
        thread.start()

        def stop_following() -> None:
            stop.set()
            thread.join()
            self._following.clear()

        return stop_following

    def _indexes(self, bundle: CertificateBundle) -> bool:
        own = self._index.addresses.certificate_registry
        return bundle.anchor.certificate_registry.lower() == own.lower()

    def _behind(self, bundle: CertificateBundle) -> bool:
        """Whether the bundle says it was anchored in a block the index has not read yet (a
        certificate anchored a moment ago: catch up rather than report it unanchored)."""
        return bundle.anchor.block_number > self._index.block_number

    def _stale(self) -> bool:
        return time.monotonic() - self._refreshed_at >= self._max_age

    def _catch_up(self) -> None:
        try:
            self._index.refresh()
        except IndexReorganisedError:
            rebuilt = ChainIndex(self._contracts)
            rebuilt.refresh()
            self._index = rebuilt
        self._refreshed_at = time.monotonic()
