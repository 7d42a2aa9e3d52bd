"""What a settled chain action did: the consortium's events in its transaction's receipt."""

from __future__ import annotations

from hexbytes import HexBytes

from node.chain.contracts import DatapropContracts
from node.chain.events import ChainEvent
from node.chain.tx_lookup import rpc


def action_events(contracts: DatapropContracts, tx_hash: bytes) -> list[ChainEvent]:
    """The events the consortium's contracts emitted in a mined transaction, in log order."""
    w3 = contracts.connection.w3
    receipt = rpc("receipt lookup", lambda: w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
    return contracts.events.decode_all(receipt["logs"])
