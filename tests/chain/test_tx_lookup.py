"""Where saved transactions stand, asked for many at once as the worker does each cycle."""

from __future__ import annotations

from node.chain.connection import ChainConnection, dev_accounts
from node.chain.transactions import TransactionSender
from node.chain.tx_lookup import TxState, lookup_many


def test_lookup_many_tells_mined_from_unknown(chain: ChainConnection) -> None:
    w3 = chain.w3
    first, second = dev_accounts(chain)[:2]
    sender = TransactionSender(w3, first, poll_interval=0.01)
    gas_price = w3.eth.gas_price
    ok = first.sign_transaction(
        {
            "to": second.address,
            "value": 1,
            "gas": 21_000,
            "gasPrice": gas_price,
            "nonce": 0,
            "chainId": chain.chain_id,
        }
    )
    w3.eth.send_raw_transaction(ok.raw_transaction)
    receipt = sender.wait(ok.hash)
    never_sent = first.sign_transaction(
        {
            "to": second.address,
            "value": 2,
            "gas": 21_000,
            "gasPrice": gas_price,
            "nonce": 1,
            "chainId": chain.chain_id,
        }
    )

    mined, unknown = lookup_many(w3, [bytes(ok.hash), bytes(never_sent.hash)])

    assert mined.state is TxState.MINED and mined.receipt is not None
    assert mined.receipt.block_number == receipt["blockNumber"]
    assert mined.receipt.block_hash == bytes(receipt["blockHash"])
    assert mined.receipt.succeeded
    assert unknown.state is TxState.UNKNOWN and unknown.receipt is None
    assert lookup_many(w3, []) == []
