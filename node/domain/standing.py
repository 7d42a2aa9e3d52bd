"""A centre's standing in the consortium: whether the chain takes its writes, and if not why."""

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
    def may_write(self) -> bool:
        """Whether the contracts take writes from this key now."""
        return (
            self.centre_id != 0
            and self.key_retired_block == 0
            and self.centre_status == "active"
            and not self.paused
        )
