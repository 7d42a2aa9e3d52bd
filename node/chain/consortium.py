"""The consortium as the chain shows it at one block: centres, proposals, recognitions.

Read from the events by :class:`~node.chain.chain_index.ChainIndex`, never from
a local list, so every node of the consortium sees the same members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from node.chain.types import Centre, CentreStatus, ProposalKind


@dataclass(frozen=True)
class ProposalState:
    """A consortium proposal and the centres that approved it, in voting order."""

    id: int
    kind: ProposalKind
    proposer_id: int
    target_centre_id: int
    new_signer: str
    region_code: int
    name: str
    endpoint: str
    expires_at: int
    created_block: int
    voters: tuple[int, ...] = ()
    executed_block: int = 0

    @property
    def executed(self) -> bool:
        """Whether the proposal reached its threshold and took effect."""
        return self.executed_block != 0


@dataclass(frozen=True)
class ConsortiumSnapshot:
    """The consortium at ``block_number`` (mined at ``timestamp``)."""

    chain_id: int
    block_number: int
    timestamp: int
    paused: bool
    centres: tuple[Centre, ...]
    proposals: tuple[ProposalState, ...]
    recognitions: Mapping[int, frozenset[int]]
    status_times: Mapping[int, int]
    """Block timestamp of each centre's last status change (admission first), by centre id."""

    @property
    def active_count(self) -> int:
        """Centres that are active."""
        return sum(1 for centre in self.centres if centre.status is CentreStatus.ACTIVE)

    @property
    def threshold(self) -> int:
        """Approvals a proposal needs: more than two thirds of the active centres."""
        return 2 * self.active_count // 3 + 1

    def centre(self, centre_id: int) -> Centre | None:
        """A centre by id; None when unknown."""
        return next((centre for centre in self.centres if centre.id == centre_id), None)

    def centre_of_key(self, key: str) -> Centre | None:
        """The centre whose current key is ``key``; None when none."""
        lowered = key.lower()
        return next((c for c in self.centres if c.signer.lower() == lowered), None)

    def approvals(self, proposal: ProposalState) -> int:
        """Approvals of centres still active, as the contract counts them."""
        return sum(1 for voter in proposal.voters if self._active(voter))

    def is_open(self, proposal: ProposalState) -> bool:
        """Not executed and not expired: centres may still vote on it."""
        return not proposal.executed and self.timestamp < proposal.expires_at

    def state_of(self, proposal: ProposalState) -> str:
        """``executed``, ``open`` or ``expired``."""
        if proposal.executed:
            return "executed"
        return "open" if self.is_open(proposal) else "expired"

    def open_proposals(self) -> list[ProposalState]:
        """Proposals still open, oldest first."""
        return [proposal for proposal in self.proposals if self.is_open(proposal)]

    def recognised_by(self, centre_id: int) -> Sequence[int]:
        """The centres ``centre_id`` declares it recognises, by id."""
        return sorted(self.recognitions.get(centre_id, frozenset()))

    def _active(self, centre_id: int) -> bool:
        centre = self.centre(centre_id)
        return centre is not None and centre.status is CentreStatus.ACTIVE
