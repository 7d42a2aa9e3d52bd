"""What a settled chain action did: the consortium's events in its transaction's receipt."""

from __future__ import annotations

from node.chain.contracts import DatapropContracts
from node.chain.events import ChainEvent
from node.chain.tx_lookup import lookup
from node.errors import ChainError


def action_events(contracts: DatapropContracts, tx_hash: bytes) -> list[ChainEvent]:
    """The events the consortium's contracts emitted in a mined transaction, in log order."""
    found = lookup(contracts.connection.w3, tx_hash)
    if found.receipt is None:
        raise ChainError(f"transaction 0x{tx_hash.hex()} is not mined ({found.state.value})")
    return contracts.events.decode_all(found.receipt["logs"])
