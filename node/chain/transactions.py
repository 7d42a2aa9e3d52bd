"""Signing and sending transactions from one local key.

Every write of the node goes through a ``TransactionSender``: it signs locally
(eth-account, coincurve-accelerated), keeps its own nonce so that several
transactions can be in flight, and turns reverts into typed errors.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from eth_account.datastructures import SignedTransaction
from eth_account.signers.local import LocalAccount
from eth_tester.exceptions import TransactionFailed
from eth_utils.exceptions import ValidationError
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, Web3Exception
from web3.types import Nonce, TxParams, TxReceipt, Wei

from node.errors import ChainError

DecodeRevert = Callable[[bytes], ChainError | None]
RevertExceptions = (ContractCustomError, ContractLogicError, TransactionFailed)
RefusalExceptions = (Web3Exception, OSError, ValueError, ValidationError)
"""What a node raises when it will not take a transaction: web3's and transport errors, and
py-evm's ValidationError (the embedded chain checks the nonce on submission)."""
_TESTER_PREFIX = "execution reverted: "


def revert_data(exc: Exception) -> bytes | None:
    """The raw revert data carried by a web3 or eth-tester revert exception."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    message = str(exc.args[0]) if exc.args else ""
    if isinstance(exc, TransactionFailed) and message.startswith(_TESTER_PREFIX):
        try:
            literal = ast.literal_eval(message[len(_TESTER_PREFIX) :])
        except (ValueError, SyntaxError):
            return None
        return literal if isinstance(literal, bytes) else None
    return None


def revert_error(exc: Exception, decode: DecodeRevert | None, context: str) -> ChainError:
    """The typed error of a revert, or a generic one naming the context."""
    data = revert_data(exc)
    if data is not None and decode is not None:
        decoded = decode(data)
        if decoded is not None:
            return decoded
    return TransactionRevertedError(f"{context} reverted: {exc}")


def calldata(call: ContractFunction | ContractConstructor) -> HexBytes:
    """The input data of a bound call, encoded once with web3's own ABI codec.

    web3's ``estimate_gas`` and ``build_transaction`` each encode the call again,
    first passing every argument through its normalizers (ENS names, hex strings
    to bytes): about 15 ms for the 512 ``bytes32`` of a full
    ``registerCertificates``, against 0.3 ms for the codec alone. The node's
    clients pass plain values (``bytes`` for ``bytesN``, checksum addresses),
    which the codec checks as strictly as web3 does.
    """
    if isinstance(call, ContractConstructor):
        return HexBytes(call.data_in_transaction)
    return HexBytes(
        HexBytes(call.selector) + call.w3.codec.encode(call.argument_types, call.arguments)
    )


class TransactionRevertedError(ChainError):
    """A transaction or call reverted without a custom error we know."""

    code = "transaction_reverted"


class ReceiptTimeoutError(ChainError, TimeoutError):
    """No receipt in time: the transaction's fate is unknown, not failed."""

    code = "receipt_timeout"


@dataclass(frozen=True)
class RawTransaction:
    """A signed transaction: its hash and the exact bytes to (re-)broadcast."""

    tx_hash: HexBytes
    raw: HexBytes
    nonce: int


class TransactionSender:
    """Signs with one account and sends; one instance per key and process."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        *,
        decode_revert: DecodeRevert | None = None,
        poll_interval: float = 0.05,
        receipt_timeout: float = 120.0,
    ) -> None:
        self.w3 = w3
        self.account = account
        self._decode_revert = decode_revert
        self._poll_interval = poll_interval
        self._receipt_timeout = receipt_timeout
        self._chain_id = w3.eth.chain_id
        self._next_nonce: int | None = None
        self._gas_limits: dict[tuple[object, bytes, int], int] = {}

    @property
    def address(self) -> str:
        """The sending account's checksum address."""
        return str(self.account.address)

    def sign(
        self,
        call: ContractFunction | ContractConstructor,
        *,
        gas: int | None = None,
        nonce: int | None = None,
    ) -> RawTransaction:
        """Build and sign a call, finding its gas (which surfaces reverts early) when not given.

        The result is not broadcast yet: callers that must survive a crash save it first.
        A caller that keeps its own nonces (the outbox worker, from its saved rows) passes
        ``nonce``; otherwise the sender's counter supplies it.
        """
        if nonce is None:
            nonce = self._take_nonce()
        # without the nonce: a nonce past the chain's count (transactions still in flight) is
        # valid to sign with, but some chains refuse it in an estimate
        params: TxParams = {"from": self.account.address, "data": calldata(call)}
        if isinstance(call, ContractFunction):
            params["to"] = call.address
        try:
            if gas is None:
                gas = self._gas(params)
            tx: TxParams = {
                **params,
                "value": Wei(0),
                "chainId": self._chain_id,
                "nonce": Nonce(nonce),
                "gas": gas,
                "gasPrice": self.w3.eth.gas_price,
            }
        except RevertExceptions as exc:
            self._next_nonce = None
            raise revert_error(exc, self._decode_revert, "the transaction") from exc
        except RefusalExceptions as exc:
            self._next_nonce = None
            raise ChainError(f"cannot build the transaction: {exc}") from exc
        signed: SignedTransaction = self.account.sign_transaction(cast(Any, tx))
        return RawTransaction(HexBytes(signed.hash), HexBytes(signed.raw_transaction), nonce)

    def _gas(self, params: TxParams) -> int:
        """The gas limit of a call: the one found last for calls of its shape (contract,
        function, length of the input) when a call at that limit succeeds now, else a new
        estimate, which raises the decoded revert when the call cannot succeed.

        An estimate searches for the limit by running the call again and again: about
        4 s for a full ``registerCertificates`` on py-evm and 35 ms on anvil, against
        0.3 s and 4 ms for one call. A call that succeeds at the limit proves what the
        estimate would (same state, same limit); a costlier path of the same shape (an
        asset key superseded) runs out of gas in it and is estimated afresh.
        """
        data = HexBytes(params["data"])
        shape = (params.get("to"), bytes(data[:4]), len(data))
        limit = self._gas_limits.get(shape)
        if limit is not None:
            try:
                self.w3.eth.call({**params, "gas": limit})
            except (*RevertExceptions, *RefusalExceptions):
                pass  # out of gas at this limit, or refused: the estimate tells which
            else:
                return limit
        limit = int(self.w3.eth.estimate_gas(params) * 1.2) + 10_000
        self._gas_limits[shape] = limit
        return limit

    def send(
        self, call: ContractFunction | ContractConstructor, *, gas: int | None = None
    ) -> RawTransaction:
        """Sign and broadcast without waiting for the receipt."""
        signed = self.sign(call, gas=gas)
        self.broadcast(signed)
        return signed

    def broadcast(self, signed: RawTransaction) -> None:
        """Hand a signed raw transaction to the chain (again, byte-identical, if need be)."""
        try:
            self.w3.eth.send_raw_transaction(signed.raw)
        except RevertExceptions as exc:  # the embedded chain executes on submission
            self._next_nonce = None
            raise revert_error(exc, self._decode_revert, "the transaction") from exc
        except RefusalExceptions as exc:
            self._next_nonce = None
            raise ChainError(f"the chain refused the transaction: {exc}") from exc

    def wait(self, tx_hash: bytes, *, timeout: float | None = None) -> TxReceipt:
        """The receipt of a sent transaction; a reverted one raises its decoded error."""
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                HexBytes(tx_hash),
                timeout=timeout or self._receipt_timeout,
                poll_latency=self._poll_interval,
            )
        except TimeExhausted as exc:
            raise ReceiptTimeoutError(
                f"no receipt for {HexBytes(tx_hash).to_0x_hex()} yet: its fate is unknown"
            ) from exc
        if receipt["status"] != 1:
            raise self._replay_revert(receipt)
        return receipt

    def transact(
        self, call: ContractFunction | ContractConstructor, *, gas: int | None = None
    ) -> TxReceipt:
        """Send and wait: for one-off administrative writes."""
        return self.wait(self.send(call, gas=gas).tx_hash)

    def _take_nonce(self) -> int:
        if self._next_nonce is None:
            self._next_nonce = self.w3.eth.get_transaction_count(self.account.address, "pending")
        nonce = self._next_nonce
        self._next_nonce += 1
        return nonce

    def _replay_revert(self, receipt: TxReceipt) -> ChainError:
        """The revert replayed on the state before the transaction's block, then after it: one
        that failed because of an earlier transaction in the same block fails only on the
        latter."""
        tx = self.w3.eth.get_transaction(receipt["transactionHash"])
        call: TxParams = {"from": tx["from"], "to": tx["to"], "data": tx["input"]}
        for block in (receipt["blockNumber"] - 1, receipt["blockNumber"]):
            try:
                self.w3.eth.call(call, block)
            except RevertExceptions as exc:
                return revert_error(exc, self._decode_revert, "the transaction")
        return TransactionRevertedError(
            f"transaction {receipt['transactionHash'].to_0x_hex()} reverted"
        )
