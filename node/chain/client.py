"""The base of the typed contract clients: views, writes and error decoding."""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.types import BlockIdentifier, TxReceipt

from node.chain.events import ChainEvent, EventDecoder
from node.chain.transactions import (
    DecodeRevert,
    RevertExceptions,
    TransactionSender,
    calldata,
    revert_error,
)
from node.errors import ChainError


class ReadOnlyClientError(ChainError):
    """A write was asked of a client built without a sender."""

    code = "read_only_client"


class ContractClient:
    """One deployed contract, called with Python names and types.

    Writes need a ``TransactionSender`` (the centre's key); a client without one
    is read-only, as a verifier's or a regulator's is.
    """

    def __init__(
        self,
        contract: Contract,
        *,
        decode_revert: DecodeRevert,
        events: EventDecoder,
        sender: TransactionSender | None = None,
    ) -> None:
        self.contract = contract
        self._decode_revert = decode_revert
        self._events = events
        self._sender = sender

    @property
    def address(self) -> ChecksumAddress:
        """The contract's address."""
        return self.contract.address

    def function(self, name: str, *args: Any) -> ContractFunction:
        """A bound call, for senders that sign now and broadcast later (the outbox)."""
        bound: ContractFunction = self.contract.get_function_by_name(name)(*args)
        return bound

    def _view(self, name: str, *args: Any, block: BlockIdentifier = "latest") -> Any:
        try:
            return self.function(name, *args).call(block_identifier=block)
        except RevertExceptions as exc:
            raise revert_error(exc, self._decode_revert, name) from exc
        except (Web3Exception, OSError, ValueError) as exc:
            raise ChainError(f"cannot call {name}: {exc}") from exc

    def _plain_view(self, name: str, *args: Any) -> tuple[Any, ...]:
        """A view's outputs, called and decoded with web3's ABI codec alone: for views of
        many plain values (``bytes32`` in, integers out), where web3's normalizers of
        arguments and results cost more than the call (10 ms for 256 keys)."""
        call = self.function(name, *args)
        w3 = self.contract.w3
        try:
            raw = w3.eth.call({"to": self.address, "data": calldata(call)})
        except RevertExceptions as exc:
            raise revert_error(exc, self._decode_revert, name) from exc
        except (Web3Exception, OSError, ValueError) as exc:
            raise ChainError(f"cannot call {name}: {exc}") from exc
        return tuple(w3.codec.decode([output["type"] for output in call.abi["outputs"]], raw))

    def _write(self, name: str, *args: Any, gas: int | None = None) -> TxReceipt:
        if self._sender is None:
            raise ReadOnlyClientError(f"{name} needs a sender: this client is read-only")
        return self._sender.transact(self.function(name, *args), gas=gas)

    def events_of(self, receipt: TxReceipt) -> list[ChainEvent]:
        """The events this contract emitted in a transaction."""
        own = [log for log in receipt["logs"] if log["address"] == self.address]
        return self._events.decode_all(own)
