"""Shared helpers of the contract tests: reverts, events, governance, time, Merkle trees."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from eth_utils.crypto import keccak
from web3.types import TxReceipt

from node.chain.contracts import DatapropContracts
from node.chain.events import ChainEvent, ProposalCreated
from node.chain.registries import CentreRegistryClient
from node.chain.revert_errors import ContractRevertError
from tests.contracts.conftest import Consortium

ZERO = bytes(32)
EventT = TypeVar("EventT", bound=ChainEvent)
_LOCATION = {"address": "", "block_number": 0, "transaction_hash": b"", "log_index": 0}


def b32(label: str) -> bytes:
    """A distinct nonzero bytes32 value named by a label."""
    return keccak(text=label)


@contextmanager
def reverts(error: type[ContractRevertError], **arguments: Any) -> Iterator[None]:
    """Expect exactly this custom error with exactly these arguments (snake_case names)."""
    with pytest.raises(error) as info:
        yield
    assert type(info.value) is error
    assert info.value.arguments == arguments


# --- events -----------------------------------------------------------------------------


def ev(event_class: type[EventT], /, **fields: Any) -> EventT:
    """An expected event, without its location (compare with ``strip``)."""
    return event_class(**_LOCATION, **fields)


def strip(events: Sequence[ChainEvent]) -> list[ChainEvent]:
    """Events without their location (address, block, transaction, log index)."""
    return [dataclasses.replace(event, **_LOCATION) for event in events]


def events(consortium: Consortium, receipt: TxReceipt) -> list[ChainEvent]:
    """Every dataprop event of a transaction, whichever contract emitted it."""
    return consortium.contracts.events.decode_all(receipt["logs"])


def of_kind(found: Sequence[ChainEvent], kind: type[EventT]) -> list[EventT]:
    """The events of one class."""
    return [event for event in found if isinstance(event, kind)]


# --- governance -------------------------------------------------------------------------


def proposal_id(consortium: Consortium, receipt: TxReceipt) -> int:
    """The id of the proposal a propose transaction created."""
    (created,) = of_kind(events(consortium, receipt), ProposalCreated)
    return created.proposal_id


def enact(
    consortium: Consortium,
    propose: Callable[[CentreRegistryClient], TxReceipt],
    proposer: DatapropContracts,
    *voters: DatapropContracts,
) -> tuple[int, TxReceipt]:
    """Propose with ``proposer`` then vote with each voter; the proposal id and last receipt.

    The caller names exactly the voters needed, so an executed proposal is checked by the
    caller (the last receipt carries ProposalExecuted).
    """
    receipt = propose(proposer.centres)
    pid = proposal_id(consortium, receipt)
    for voter in voters:
        receipt = voter.centres.vote(pid)
    return pid, receipt


# --- time -------------------------------------------------------------------------------


def block_timestamp(consortium: Consortium, receipt: TxReceipt) -> int:
    return int(consortium.connection.w3.eth.get_block(receipt["blockNumber"])["timestamp"])


# --- snapshots --------------------------------------------------------------------------


@contextmanager
def rolled_back(consortium: Consortium) -> Iterator[None]:
    """Undo every chain change made inside the block (evm_snapshot / evm_revert)."""
    provider = consortium.connection.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield
    finally:
        provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
