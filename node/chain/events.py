"""The contracts' events as frozen dataclasses, decoded from logs.

Each class is named after its Solidity event, fields in snake case, plus where
the log sits (contract address, block, transaction, log index). A test checks
that every event in the compiled ABIs has its class and the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, get_type_hints

from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data
from web3.exceptions import LogTopicError, MismatchedABI
from web3.types import EventData, LogReceipt

from node.chain.abi import ABI, signature
from node.chain.naming import snake_case
from node.chain.types import CentreStatus, CertificateStatus, ProposalKind


@dataclass(frozen=True)
class ChainEvent:
    """Where an event was emitted."""

    registry: ClassVar[dict[str, type[ChainEvent]]] = {}

    address: str
    block_number: int
    transaction_hash: bytes
    log_index: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ChainEvent.registry[cls.__name__] = cls


@dataclass(frozen=True)
class CentreAdmitted(ChainEvent):
    """A centre joined, at genesis or by an executed Admit proposal."""

    centre_id: int
    signer: str
    region_code: int
    name: str
    endpoint: str


@dataclass(frozen=True)
class CentreStatusChanged(ChainEvent):
    """A centre was suspended, reinstated or removed."""

    centre_id: int
    previous: CentreStatus
    current: CentreStatus


@dataclass(frozen=True)
class CentreKeyRotated(ChainEvent):
    """A centre's signing key was replaced."""

    centre_id: int
    previous_signer: str
    new_signer: str


@dataclass(frozen=True)
class ProposalCreated(ChainEvent):
    """A consortium proposal was opened."""

    proposal_id: int
    kind: ProposalKind
    proposer_id: int
    target_centre_id: int
    new_signer: str
    region_code: int
    name: str
    endpoint: str
    expires_at: int


@dataclass(frozen=True)
class ProposalVoted(ChainEvent):
    """A centre approved a proposal."""

    proposal_id: int
    voter_id: int
    approvals: int
    threshold: int


@dataclass(frozen=True)
class ProposalExecuted(ChainEvent):
    """A proposal reached its threshold and took effect."""

    proposal_id: int
    kind: ProposalKind
    target_centre_id: int


@dataclass(frozen=True)
class RecognitionChanged(ChainEvent):
    """A centre declared or withdrew recognition (互认) of another."""

    recogniser_id: int
    recognised_id: int
    recognised: bool


@dataclass(frozen=True)
class Paused(ChainEvent):
    """The consortium paused writes (OpenZeppelin Pausable)."""

    account: str


@dataclass(frozen=True)
class Unpaused(ChainEvent):
    """The consortium resumed writes (OpenZeppelin Pausable)."""

    account: str


@dataclass(frozen=True)
class DigestAnchored(ChainEvent):
    """A single document digest was anchored."""

    digest: bytes
    centre_id: int
    kind: bytes
    subject: bytes


@dataclass(frozen=True)
class BatchAnchored(ChainEvent):
    """The Merkle root of a batch of document digests was anchored."""

    root: bytes
    centre_id: int
    leaf_count: int


@dataclass(frozen=True)
class WriterChanged(ChainEvent):
    """The centre registry set which centre a key anchors for (0: none)."""

    signer: str
    centre_id: int


@dataclass(frozen=True)
class CertificateRegistered(ChainEvent):
    """A certificate was registered Active and holds its asset key."""

    certificate_id: bytes
    issuer_id: int
    asset_key: bytes


@dataclass(frozen=True)
class CertificateStatusChanged(ChainEvent):
    """A certificate was revoked, cancelled or superseded."""

    certificate_id: bytes
    centre_id: int
    status: CertificateStatus
    superseded_by: bytes
    decision_digest: bytes


@dataclass(frozen=True)
class TransferApproved(ChainEvent):
    """The issuing centre approved moving a certificate's asset key to another centre."""

    certificate_id: bytes
    from_centre_id: int
    to_centre_id: int


@dataclass(frozen=True)
class TransferApprovalCancelled(ChainEvent):
    """A pending transfer approval was withdrawn."""

    certificate_id: bytes
    from_centre_id: int
    to_centre_id: int


@dataclass(frozen=True)
class PledgeRegistered(ChainEvent):
    """A pledge was registered on a certificate with its priority."""

    pledge_id: bytes
    certificate_id: bytes
    centre_id: int
    record_digest: bytes
    pledgee_digest: bytes
    priority: int


@dataclass(frozen=True)
class PledgeReleased(ChainEvent):
    """A pledge was released."""

    pledge_id: bytes
    certificate_id: bytes
    centre_id: int
    release_digest: bytes


class EventDecoder:
    """Decodes logs of known contracts into event dataclasses."""

    def __init__(self, w3: Web3, abis: Iterable[ABI]) -> None:
        self._codec = w3.codec
        self._by_topic: dict[bytes, Mapping[str, Any]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") == "event":
                    self._by_topic[keccak(text=signature(item))] = item

    @property
    def topics(self) -> list[bytes]:
        """topic0 of every known event, for log filters."""
        return list(self._by_topic)

    def decode(self, log: LogReceipt) -> ChainEvent | None:
        """The event of one log, or None when the log is not one of ours."""
        topics = log["topics"]
        if not topics:
            return None
        abi = self._by_topic.get(bytes(topics[0]))
        if abi is None:
            return None
        try:
            data: EventData = get_event_data(self._codec, abi, log)
        except (MismatchedABI, LogTopicError):
            return None
        return _to_dataclass(data)

    def decode_all(self, logs: Sequence[LogReceipt]) -> list[ChainEvent]:
        """The events of many logs, in order, skipping foreign logs."""
        return [event for log in logs if (event := self.decode(log)) is not None]


def _to_dataclass(data: EventData) -> ChainEvent:
    event_class = ChainEvent.registry[data["event"]]
    hints = _enum_fields(event_class)
    values: dict[str, Any] = {}
    for name, value in data["args"].items():
        field = snake_case(name)
        values[field] = hints[field](value) if field in hints else value
    return event_class(
        address=str(data["address"]),
        block_number=int(data["blockNumber"]),
        transaction_hash=bytes(HexBytes(data["transactionHash"])),
        log_index=int(data["logIndex"]),
        **values,
    )


_ENUM_FIELDS: dict[type[ChainEvent], dict[str, type[IntEnum]]] = {}


def _enum_fields(event_class: type[ChainEvent]) -> dict[str, type[IntEnum]]:
    if event_class not in _ENUM_FIELDS:
        hints = get_type_hints(event_class)
        _ENUM_FIELDS[event_class] = {
            item.name: hints[item.name]
            for item in fields(event_class)
            if isinstance(hints[item.name], type) and issubclass(hints[item.name], IntEnum)
        }
    return _ENUM_FIELDS[event_class]
