"""What the chain knows about a transaction, and its exact bytes when another process sent it.

The outbox worker never waits on a receipt: each cycle it asks ``lookup_many``
where each saved transaction stands. ``UNKNOWN`` (neither mined nor in the
node's pool) means the bytes must be broadcast again or, when the nonce went to
other bytes, signed anew; it never means failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import rlp
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound, Web3Exception
from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint, TxData, TxReceipt

from node.chain.connection import ChainUnreachableError
from node.errors import ChainError

T = TypeVar("T")


class TxState(Enum):
    """Where a transaction stands as seen by the connected node."""

    MINED = "mined"
    PENDING = "pending"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Mined:
    """What the worker needs of a receipt: where the transaction was mined and whether it
    succeeded (not its logs, which web3 would format one by one)."""

    block_number: int
    block_hash: bytes
    succeeded: bool


@dataclass(frozen=True)
class TxLookup:
    """A transaction's state, with its receipt once mined."""

    state: TxState
    receipt: Mined | None = None


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
    [found] = lookup_many(w3, [tx_hash])
    return found


def lookup_many(w3: Web3, tx_hashes: Sequence[bytes]) -> list[TxLookup]:
    """``lookup`` of each transaction: over JSON-RPC in one batch of receipts (and one of
    transactions for those without), read raw; web3 formats every log of a receipt in
    Python, about 35 ms for the 256 of a full ``registerCertificates``. The in-process
    chain answers through web3, one call each."""
    if not tx_hashes:
        return []
    if not isinstance(w3.provider, JSONBaseProvider):
        return [_lookup_one(w3, tx_hash) for tx_hash in tx_hashes]
    receipts = _raw_batch(w3, "eth_getTransactionReceipt", tx_hashes)
    unmined = [tx for tx, receipt in zip(tx_hashes, receipts, strict=True) if receipt is None]
    known = dict(zip(unmined, _raw_batch(w3, "eth_getTransactionByHash", unmined), strict=True))
    found = []
    for tx_hash, receipt in zip(tx_hashes, receipts, strict=True):
        if receipt is not None:
            found.append(TxLookup(TxState.MINED, _mined(receipt, tx_hash)))
        elif known[tx_hash] is not None:
            found.append(TxLookup(TxState.PENDING))
        else:
            found.append(TxLookup(TxState.UNKNOWN))
    return found


def _lookup_one(w3: Web3, tx_hash: bytes) -> TxLookup:
    receipt = rpc("receipt lookup", lambda: _receipt(w3, tx_hash))
    if receipt is not None:
        mined = Mined(
            int(receipt["blockNumber"]), bytes(receipt["blockHash"]), receipt["status"] == 1
        )
        return TxLookup(TxState.MINED, mined)
    known = rpc("transaction lookup", lambda: _transaction(w3, tx_hash))
    return TxLookup(TxState.PENDING if known is not None else TxState.UNKNOWN)


def _raw_batch(w3: Web3, method: str, tx_hashes: Sequence[bytes]) -> list[Any]:
    """The raw ``result`` of ``method`` for each hash, from one JSON-RPC batch."""
    if not tx_hashes:
        return []
    provider = w3.provider
    assert isinstance(provider, JSONBaseProvider)  # lookup_many sends batches only there
    batch: list[tuple[RPCEndpoint, Any]] = [
        (RPCEndpoint(method), ["0x" + bytes(tx_hash).hex()]) for tx_hash in tx_hashes
    ]
    answers = rpc(f"{method} batch", lambda: provider.make_batch_request(batch))
    if not isinstance(answers, list) or len(answers) != len(tx_hashes):
        raise ChainError(f"{method} batch: the chain answered {answers!r:.200}")
    results = []
    for answer in answers:
        if "error" in answer or "result" not in answer:
            raise ChainError(f"{method} batch: {answer.get('error', answer)!r:.200}")
        results.append(answer["result"])
    return results


def _mined(receipt: Any, tx_hash: bytes) -> Mined:
    """A raw JSON-RPC receipt read: hex quantities and hashes."""
    try:
        return Mined(
            int(receipt["blockNumber"], 16),
            bytes.fromhex(receipt["blockHash"][2:]),
            int(receipt["status"], 16) == 1,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ChainError(
            f"malformed receipt of {HexBytes(tx_hash).to_0x_hex()}: {receipt!r:.200}"
        ) from exc


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
