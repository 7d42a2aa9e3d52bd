"""A centre's place in the consortium as the chain shows it: its standing (whether the chain
takes its writes, and if not why) and who holds an asset another centre registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Standing:
    """This node's key and centre as the consortium's registry shows them now."""

    key: str
    centre_id: int
    """0 when the key never belonged to a centre."""
    centre_status: str
    """``active``, ``suspended``, ``removed``, or ``none`` for no centre."""
    status_since_block: int
    status_since: datetime | None
    key_retired_block: int
    """The block of the rotation that retired the key; 0 while it is the centre's key."""
    paused: bool
    """Whether the consortium paused every write."""

    @property
    def may_vote(self) -> bool:
        """Whether this key may propose and vote: the current key of an active centre."""
        return (
            self.centre_id != 0 and self.key_retired_block == 0 and self.centre_status == "active"
        )

    @property
    def may_write(self) -> bool:
        """Whether the contracts take writes from this key now (voting, and not paused)."""
        return self.may_vote and not self.paused


@dataclass(frozen=True)
class AssetHolder:
    """The active certificate that holds an asset key, and the centre that issued it."""

    certificate_id: bytes
    centre_id: int
    centre_name: str
    region_code: str
    registration_number: str | None
    """Asked of the issuing centre's node and checked against the on-chain id; None when that
    node did not answer."""

    def __str__(self) -> str:
        certificate = (
            f"certificate {self.registration_number}"
            if self.registration_number is not None
            else f"certificate 0x{self.certificate_id.hex()} (its node did not name it)"
        )
        return f"{certificate} of centre #{self.centre_id} {self.centre_name} ({self.region_code})"
