"""Python views of the contracts' enums and structs (names match the Solidity ones)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class CentreStatus(IntEnum):
    """ICentreRegistry.CentreStatus."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REMOVED = 3


class ProposalKind(IntEnum):
    """ICentreRegistry.ProposalKind."""

    ADMIT = 0
    SUSPEND = 1
    REINSTATE = 2
    REMOVE = 3
    ROTATE_KEY = 4
    PAUSE = 5
    UNPAUSE = 6


class CertificateStatus(IntEnum):
    """ICertificateRegistry.CertificateStatus."""

    NONE = 0
    ACTIVE = 1
    REVOKED = 2
    CANCELLED = 3
    SUPERSEDED = 4


@dataclass(frozen=True)
class Centre:
    """A member centre of the consortium (ICentreRegistry.Centre)."""

    id: int
    signer: str
    region_code: int
    status: CentreStatus
    admitted_block: int
    status_changed_block: int
    name: str
    endpoint: str


@dataclass(frozen=True)
class KeyPeriod:
    """When a key belonged to a centre; until_block 0 while current."""

    centre_id: int
    from_block: int
    until_block: int


@dataclass(frozen=True)
class Proposal:
    """A consortium proposal with its approvals by still-active centres."""

    kind: ProposalKind
    target_centre_id: int
    new_signer: str
    proposer_id: int
    executed: bool
    region_code: int
    expires_at: int
    name: str
    endpoint: str
    approvals: int


@dataclass(frozen=True)
class Anchor:
    """Anchoring facts of a digest (leaf_count 0) or a batch root."""

    centre_id: int
    timestamp: int
    block_number: int
    leaf_count: int

    @property
    def exists(self) -> bool:
        """False for the zeroed struct of a value never anchored."""
        return self.centre_id != 0


@dataclass(frozen=True)
class Certificate:
    """On-chain record of a certificate: issuer, status, asset key, pledge count."""

    issuer_id: int
    status: CertificateStatus
    registered_block: int
    status_block: int
    active_pledges: int
    asset_key: bytes
    superseded_by: bytes
    decision_digest: bytes


@dataclass(frozen=True)
class Pledge:
    """A pledge (质押) on a certificate; priority is its on-chain order."""

    certificate_id: bytes
    record_digest: bytes
    pledgee_digest: bytes
    release_digest: bytes
    registered_block: int
    released_block: int
    priority: int
    active: bool
