"""What the chain knows about a transaction, and its exact bytes when another process sent it.

The outbox worker never waits on a receipt: each cycle it asks ``lookup`` where
each saved transaction stands. ``UNKNOWN`` (neither mined nor in the node's
pool) means the bytes must be broadcast again or, when the nonce went to other
bytes, signed anew; it never means failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import rlp
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound, Web3Exception
from web3.types import TxData, TxReceipt

from node.chain.connection import ChainUnreachableError
from node.errors import ChainError

T = TypeVar("T")


class TxState(Enum):
    """Where a transaction stands as seen by the connected node."""

    MINED = "mined"
    PENDING = "pending"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TxLookup:
    """A transaction's state, with its receipt once mined."""

    state: TxState
    receipt: TxReceipt | None = None


def rpc(what: str, call: Callable[[], T]) -> T:
    """``call()``, with web3 and transport failures turned into ChainError subclasses."""
    try:
        return call()
    except OSError as exc:  # requests' errors are OSErrors
        raise ChainUnreachableError(f"{what}: the chain did not answer ({exc})") from exc
    except (Web3Exception, ValueError) as exc:
        raise ChainError(f"{what}: {exc}") from exc


def lookup(w3: Web3, tx_hash: bytes) -> TxLookup:
    """Mined (with the receipt), waiting in the node's pool, or unknown to the node."""
    receipt = rpc("receipt lookup", lambda: _receipt(w3, tx_hash))
    if receipt is not None:
        return TxLookup(TxState.MINED, receipt)
    known = rpc("transaction lookup", lambda: _transaction(w3, tx_hash))
    return TxLookup(TxState.PENDING if known is not None else TxState.UNKNOWN)


@dataclass(frozen=True)
class KnownTransaction:
    """A transaction's exact signed bytes, with its sender and nonce."""

    raw: bytes
    sender: str
    nonce: int


def raw_transaction_of(w3: Web3, tx_hash: bytes) -> KnownTransaction:
    """The signed bytes of a transaction the node knows, rebuilt from its fields.

    Works on every node (``eth_getRawTransactionByHash`` is not standard); the
    result is checked against the hash.
    """
    tx = rpc("transaction lookup", lambda: _transaction(w3, tx_hash))
    if tx is None:
        raise ChainError(f"the chain does not know transaction {HexBytes(tx_hash).to_0x_hex()}")
    raw = _encode(tx)
    if keccak(raw) != bytes(tx_hash):
        raise ChainError(
            f"cannot rebuild the bytes of transaction {HexBytes(tx_hash).to_0x_hex()} "
            f"(type {tx.get('type', 0)})"
        )
    return KnownTransaction(raw, str(tx["from"]), int(tx["nonce"]))


def _receipt(w3: Web3, tx_hash: bytes) -> TxReceipt | None:
    try:
        return w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    except TransactionNotFound:
        return None


def _transaction(w3: Web3, tx_hash: bytes) -> TxData | None:
    try:
        return w3.eth.get_transaction(HexBytes(tx_hash))
    except TransactionNotFound:
        return None


def _encode(tx: TxData) -> bytes:
    kind = int(tx.get("type", 0))
    to = bytes(HexBytes(tx["to"])) if tx.get("to") else b""
    data = bytes(HexBytes(tx["input"]))
    r = int.from_bytes(bytes(tx["r"]), "big")
    s = int.from_bytes(bytes(tx["s"]), "big")
    if kind == 0:
        fields = [tx["nonce"], tx["gasPrice"], tx["gas"], to, tx["value"], data, tx["v"], r, s]
        return bytes(rlp.encode(fields))
    typed: dict[str, Any] = {
        "type": kind,
        "chainId": tx["chainId"],
        "nonce": tx["nonce"],
        "gas": tx["gas"],
        "to": to,
        "value": tx["value"],
        "data": data,
        "accessList": tx.get("accessList", []),
        "v": tx.get("yParity", tx["v"]),
        "r": r,
        "s": s,
    }
    if kind == 1:
        typed["gasPrice"] = tx["gasPrice"]
    else:
        typed["maxFeePerGas"] = tx["maxFeePerGas"]
        typed["maxPriorityFeePerGas"] = tx["maxPriorityFeePerGas"]
    return TypedTransaction.from_dict(typed).encode()


def block_hash_at(w3: Web3, number: int) -> bytes | None:
    """The hash of the canonical block at ``number``, None when the chain is shorter."""

    def fetch() -> bytes | None:
        try:
            block = w3.eth.get_block(number)
        except BlockNotFound:
            return None
        block_hash = block.get("hash")
        return None if block_hash is None else bytes(block_hash)

    return rpc("block lookup", fetch)
