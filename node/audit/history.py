"""The consortium's history rebuilt from its events alone, as an auditor needs it.

Unlike the verifier's chain index, which answers "what was true at block N"
for a few certificates at a time, an audit asks about every anchor and every
certificate once, with the evidence (block and transaction) of each: so the
history keeps the latest state of each value with where it was set, and the
full key history of each centre (small) for the signing-key check. Memory
grows with the anchors and certificates on chain, never with the documents
audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from node.chain.events import (
    BatchAnchored,
    CentreAdmitted,
    CentreKeyRotated,
    CentreStatusChanged,
    CertificateRegistered,
    CertificateStatusChanged,
    ChainEvent,
    DigestAnchored,
    PledgeRegistered,
    PledgeReleased,
    TransferApprovalCancelled,
    TransferApproved,
)
from node.chain.types import CentreStatus, CertificateStatus
from node.errors import ChainError

ZERO32 = bytes(32)


@dataclass(frozen=True, slots=True)
class AnchorFact:
    """A digest (``leaf_count`` 0) or batch root on chain: who anchored it, where."""

    centre_id: int
    block_number: int
    leaf_count: int
    transaction_hash: bytes

    def evidence(self) -> dict[str, Any]:
        return {
            "anchored_by_centre": self.centre_id,
            "block": self.block_number,
            "transaction": "0x" + self.transaction_hash.hex(),
            "leaf_count": self.leaf_count,
        }


@dataclass(frozen=True, slots=True)
class KeyPeriod:
    """A key of a centre from ``from_block`` until ``until_block`` (None while current)."""

    centre_id: int
    key: str
    from_block: int
    until_block: int | None

    def covers(self, block: int) -> bool:
        return self.from_block <= block and (self.until_block is None or block < self.until_block)


@dataclass
class CentreFact:
    """A member centre as its events describe it."""

    id: int
    region_code: int
    name: str
    endpoint: str
    status: CentreStatus
    admitted_block: int
    keys: list[KeyPeriod] = field(default_factory=list)

    @property
    def signer(self) -> str:
        """The current key."""
        return self.keys[-1].key

    def key_at(self, block: int) -> str | None:
        """The centre's key at ``block`` (None before its admission)."""
        for period in self.keys:
            if period.covers(block):
                return period.key
        return None


@dataclass(slots=True)
class CertificateFact:
    """A certificate on chain: its issuer, status and where that status was set."""

    issuer_id: int
    asset_key: bytes
    registered_block: int
    status: CertificateStatus = CertificateStatus.ACTIVE
    status_block: int = 0
    decision_digest: bytes = ZERO32
    superseded_by: bytes = ZERO32


@dataclass(slots=True)
class PledgeFact:
    """A pledge (质押) on a certificate, in on-chain priority order."""

    certificate_id: bytes
    centre_id: int
    priority: int
    registered_block: int
    released_block: int | None = None


class ChainHistory:
    """Centres, anchors, certificates and pledges, updated event by event in chain order."""

    def __init__(self) -> None:
        self.centres: dict[int, CentreFact] = {}
        self.roots: dict[bytes, AnchorFact] = {}
        self.digests: dict[bytes, AnchorFact] = {}
        self.certificates: dict[bytes, CertificateFact] = {}
        self.pledges: dict[bytes, PledgeFact] = {}
        self.transfers: dict[bytes, int] = {}
        """Pending transfer approvals: certificate id → the centre it may move to."""
        self.event_counts: Counter[str] = Counter()
        self._key_owner: dict[str, list[KeyPeriod]] = {}

    # -- reading -------------------------------------------------------------------------

    def centre_of_key(self, key: str) -> int | None:
        """The centre a key belongs or belonged to."""
        periods = self._key_owner.get(key.lower())
        return periods[-1].centre_id if periods else None

    def was_key_of(self, key: str, centre_id: int, block: int) -> bool:
        """Whether ``key`` was ``centre_id``'s key at ``block``."""
        return any(
            period.centre_id == centre_id and period.covers(block)
            for period in self._key_owner.get(key.lower(), ())
        )

    def key_periods(self) -> dict[str, tuple[KeyPeriod, ...]]:
        """Every key ever held, lowercased, with its periods (what the signer check needs)."""
        return {key: tuple(periods) for key, periods in self._key_owner.items()}

    def state(self) -> dict[str, Any]:
        """What the consortium holds on chain, counted (the report's registry statistics)."""
        statuses = Counter(fact.status.name.lower() for fact in self.certificates.values())
        released = sum(1 for pledge in self.pledges.values() if pledge.released_block is not None)
        return {
            "centres": dict(Counter(c.status.name.lower() for c in self.centres.values())),
            "batch_roots": len(self.roots),
            "batched_leaves": sum(fact.leaf_count for fact in self.roots.values()),
            "single_digests": len(self.digests),
            "certificates": dict(sorted(statuses.items())),
            "pledges": {"active": len(self.pledges) - released, "released": released},
            "pending_transfers": len(self.transfers),
        }

    # -- applying events -----------------------------------------------------------------

    def apply(self, event: ChainEvent) -> None:
        """Apply the next event in chain order."""
        self.event_counts[type(event).__name__] += 1
        block = event.block_number
        match event:
            case CentreAdmitted():
                centre = CentreFact(
                    event.centre_id,
                    event.region_code,
                    event.name,
                    event.endpoint,
                    CentreStatus.ACTIVE,
                    block,
                )
                self.centres[event.centre_id] = centre
                self._add_key(centre, event.signer, block)
            case CentreStatusChanged():
                self._centre(event).status = event.current
            case CentreKeyRotated():
                self._rotate(self._centre(event), event.new_signer, block)
            case BatchAnchored():
                self.roots[event.root] = AnchorFact(
                    event.centre_id, block, event.leaf_count, event.transaction_hash
                )
            case DigestAnchored():
                self.digests[event.digest] = AnchorFact(
                    event.centre_id, block, 0, event.transaction_hash
                )
            case CertificateRegistered():
                self.certificates[event.certificate_id] = CertificateFact(
                    event.issuer_id, event.asset_key, block
                )
                self.transfers.pop(event.certificate_id, None)
            case CertificateStatusChanged():
                fact = self._certificate(event, event.certificate_id)
                fact.status = event.status
                fact.status_block = block
                fact.decision_digest = event.decision_digest
                fact.superseded_by = event.superseded_by
            case TransferApproved():
                self.transfers[event.certificate_id] = event.to_centre_id
            case TransferApprovalCancelled():
                self.transfers.pop(event.certificate_id, None)
            case PledgeRegistered():
                self._certificate(event, event.certificate_id)
                self.pledges[event.pledge_id] = PledgeFact(
                    event.certificate_id, event.centre_id, event.priority, block
                )
            case PledgeReleased():
                pledge = self.pledges.get(event.pledge_id)
                if pledge is None:
                    raise _unseen(event)
                pledge.released_block = block
            case _:
                pass  # proposals, votes, recognitions, writers, pauses: no audit reads them

    def _add_key(self, centre: CentreFact, key: str, block: int) -> None:
        period = KeyPeriod(centre.id, key, block, None)
        centre.keys.append(period)
        self._key_owner.setdefault(key.lower(), []).append(period)

    def _rotate(self, centre: CentreFact, new_key: str, block: int) -> None:
        current = centre.keys[-1]
        ended = KeyPeriod(current.centre_id, current.key, current.from_block, block)
        centre.keys[-1] = ended
        owner = self._key_owner[current.key.lower()]
        owner[owner.index(current)] = ended
        self._add_key(centre, new_key, block)

    def _centre(self, event: CentreStatusChanged | CentreKeyRotated) -> CentreFact:
        centre = self.centres.get(event.centre_id)
        if centre is None:
            raise _unseen(event)
        return centre

    def _certificate(self, event: ChainEvent, certificate_id: bytes) -> CertificateFact:
        fact = self.certificates.get(certificate_id)
        if fact is None:
            raise _unseen(event)
        return fact


class IncompleteHistoryError(ChainError):
    """An event changes something whose creation the scan did not read: it started too late."""

    code = "history_incomplete"


def _unseen(event: ChainEvent) -> IncompleteHistoryError:
    return IncompleteHistoryError(
        f"{type(event).__name__} at block {event.block_number} changes state created before "
        "the first block scanned; scan from the consortium's deployment block"
    )
