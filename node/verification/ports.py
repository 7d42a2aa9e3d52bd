"""The on-chain facts verification reads, as a port the chain layer or a local index implements.

Every read of one verification comes from one block height, so that a status
change mined halfway through cannot make two checks see different chains.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from node.chain.types import Anchor, Centre, Certificate, KeyPeriod, Pledge
from node.documents.bundle import CertificateBundle


@dataclass(frozen=True)
class ConsortiumAddresses:
    """The consortium's three contracts, as checksum addresses."""

    centre_registry: str
    anchor_registry: str
    certificate_registry: str


class ChainFacts(ABC):
    """The consortium's on-chain state at :attr:`block_number`; unknown ids read as zeroed."""

    @property
    @abstractmethod
    def chain_id(self) -> int:
        """The chain's EIP-155 id."""

    @property
    @abstractmethod
    def block_number(self) -> int:
        """The block height every read is pinned to."""

    @property
    @abstractmethod
    def addresses(self) -> ConsortiumAddresses:
        """The contracts read, bound to one another (the CentreRegistry's own registries)."""

    @abstractmethod
    def key_period(self, key: str) -> KeyPeriod:
        """The centre a key belongs or belonged to (centre_id 0 when never a centre's key)."""

    @abstractmethod
    def centre(self, centre_id: int) -> Centre:
        """A centre by id (status NONE when unknown)."""

    @abstractmethod
    def was_key_of(self, key: str, centre_id: int, block_number: int) -> bool:
        """Whether ``key`` was the centre's key at ``block_number``."""

    @abstractmethod
    def anchor_of(self, digest_or_root: bytes) -> Anchor:
        """The anchor of a digest or batch root (``exists`` False when never anchored)."""

    @abstractmethod
    def verify_leaf(self, root: bytes, proof: Sequence[bytes], leaf: bytes) -> bool:
        """The AnchorRegistry's own verdict: the proof leads from the leaf to an anchored root."""

    @abstractmethod
    def certificate(self, certificate_id: bytes) -> Certificate:
        """A certificate's record (status NONE when never registered)."""

    @abstractmethod
    def active_pledges(self, certificate_id: bytes) -> list[bytes]:
        """Ids of the certificate's active pledges, in priority order."""

    @abstractmethod
    def pledge(self, pledge_id: bytes) -> Pledge:
        """A pledge by id."""

    @abstractmethod
    def recognises(self, recogniser_id: int, recognised_id: int) -> bool:
        """Whether one centre has declared that it recognises (互认) another."""

    @abstractmethod
    def block_timestamp(self, block_number: int) -> int | None:
        """When a block at or before the pinned one was mined (Unix seconds); None when unknown
        (a reader may know only the blocks that matter to verification)."""


class ChainFactsSource(Protocol):
    """Where verifications get their chain facts: a local index, or direct contract reads."""

    def facts_for(self, bundle: CertificateBundle) -> ChainFacts:
        """Facts pinned to one block for verifying ``bundle`` against the trusted consortium."""

    def answers_at_once(self, bundle: CertificateBundle) -> bool:
        """Whether :meth:`facts_for` answers ``bundle`` from memory, not waiting for the chain."""
