"""The contracts' events as frozen dataclasses, decoded from logs.

Each class is named after its Solidity event, fields in snake case, plus where
the log sits (contract address, block, transaction, log index). A test checks
that every event in the compiled ABIs has its class and the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import IntEnum
from functools import lru_cache
from typing import Any, ClassVar, get_type_hints

from eth_abi.codec import ABICodec
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.types import LogReceipt

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


@dataclass(frozen=True)
class LogEntry:
    """One log in plain Python values, whether it came formatted by web3 or raw from JSON-RPC."""

    address: str
    block_number: int
    transaction_hash: bytes
    log_index: int
    topics: tuple[bytes, ...]
    data: bytes

    @classmethod
    def of_receipt(cls, log: LogReceipt) -> LogEntry:
        """A log as web3 formats it (receipts, ``eth.get_logs``)."""
        return cls(
            address=str(log["address"]),
            block_number=int(log["blockNumber"]),
            transaction_hash=bytes(HexBytes(log["transactionHash"])),
            log_index=int(log["logIndex"]),
            topics=tuple(bytes(topic) for topic in log["topics"]),
            data=bytes(log["data"]),
        )

    @classmethod
    def of_json(cls, log: Mapping[str, Any]) -> LogEntry:
        """A log as a JSON-RPC ``eth_getLogs`` answer holds it (hex strings)."""
        return cls(
            address=_checksummed(str(log["address"])),
            block_number=int(log["blockNumber"], 16),
            transaction_hash=bytes.fromhex(log["transactionHash"][2:]),
            log_index=int(log["logIndex"], 16),
            topics=tuple(bytes.fromhex(topic[2:]) for topic in log["topics"]),
            data=bytes.fromhex(log["data"][2:]),
        )


class _Layout:
    """How one event's fields sit in a log's topics and data, and how to read them."""

    def __init__(self, codec: ABICodec, item: Mapping[str, Any]) -> None:
        self.event_class = ChainEvent.registry[str(item["name"])]
        inputs = item["inputs"]
        self.indexed = [(snake_case(i["name"]), str(i["type"])) for i in inputs if i["indexed"]]
        self.unindexed = [
            (snake_case(i["name"]), str(i["type"])) for i in inputs if not i["indexed"]
        ]
        self.order = [snake_case(i["name"]) for i in inputs]
        self.enums = _enum_fields(self.event_class)
        self._codec = codec
        self._static_data = all(_is_word(kind) for _, kind in self.unindexed)

    def decode(self, log: LogEntry) -> ChainEvent | None:
        topics = log.topics
        if len(topics) != 1 + len(self.indexed) or any(len(t) != 32 for t in topics):
            return None  # another contract's event with the same signature, indexed otherwise
        try:
            values = {
                name: _word(kind, topic)
                for (name, kind), topic in zip(self.indexed, topics[1:], strict=True)
            }
            values.update(self._data(log.data))
        except (DecodingError, ValueError):
            return None
        for name, enum in self.enums.items():
            values[name] = enum(values[name])
        return self.event_class(
            address=log.address,
            block_number=log.block_number,
            transaction_hash=log.transaction_hash,
            log_index=log.log_index,
            **{name: values[name] for name in self.order},
        )

    def _data(self, data: bytes) -> dict[str, Any]:
        if self._static_data:
            if len(data) != 32 * len(self.unindexed):
                raise ValueError("the data does not hold one word per field")
            return {
                name: _word(kind, data[32 * position : 32 * position + 32])
                for position, (name, kind) in enumerate(self.unindexed)
            }
        decoded = self._codec.decode([kind for _, kind in self.unindexed], data)
        return {
            name: to_checksum_address(value) if kind == "address" else value
            for (name, kind), value in zip(self.unindexed, decoded, strict=True)
        }


class EventDecoder:
    """Decodes logs of known contracts into event dataclasses.

    Fields are read straight from the 32-byte words of the topics and the data
    (eth-abi only for dynamic types such as strings): an audit decodes every
    certificate registration of a consortium, and web3's general event decoder
    costs about 130 µs a log.
    """

    def __init__(self, w3: Web3, abis: Iterable[ABI]) -> None:
        self._by_topic: dict[bytes, _Layout] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    self._by_topic[keccak(text=signature(item))] = _Layout(w3.codec, item)

    @property
    def topics(self) -> list[bytes]:
        """topic0 of every known event, for log filters."""
        return list(self._by_topic)

    def decode(self, log: LogReceipt) -> ChainEvent | None:
        """The event of one log, or None when the log is not one of ours."""
        return self.decode_entry(LogEntry.of_receipt(log))

    def decode_entry(self, log: LogEntry) -> ChainEvent | None:
        """The event of one plain log, or None when the log is not one of ours."""
        if not log.topics:
            return None
        layout = self._by_topic.get(log.topics[0])
        return None if layout is None else layout.decode(log)

    def decode_all(self, logs: Sequence[LogReceipt]) -> list[ChainEvent]:
        """The events of many logs, in order, skipping foreign logs."""
        return [event for log in logs if (event := self.decode(log)) is not None]


def _is_word(kind: str) -> bool:
    return kind in ("address", "bool") or (
        kind.startswith(("uint", "bytes")) and kind != "bytes" and "[" not in kind
    )


def _word(kind: str, word: bytes) -> Any:
    """A static ABI value from its 32-byte word (``uintN``, ``bytesN``, ``address``, ``bool``)."""
    if kind.startswith("uint"):
        value = int.from_bytes(word, "big")
        if value >> int(kind[4:] or 256):
            raise ValueError(f"{value} does not fit {kind}")
        return value
    if kind == "address":
        if any(word[:12]):
            raise ValueError("an address has 12 zero bytes before it")
        return _checksummed("0x" + word[12:].hex())
    if kind == "bool":
        if int.from_bytes(word, "big") > 1:
            raise ValueError("a bool is 0 or 1")
        return word[-1] == 1
    if kind.startswith("bytes") and kind != "bytes":
        size = int(kind[5:])
        if any(word[size:]):
            raise ValueError(f"{kind} is padded with zero bytes")
        return word[:size]
    raise ValueError(f"{kind} is not a static 32-byte type")


@lru_cache(maxsize=4096)
def _checksummed(address: str) -> str:
    """EIP-55 form; cached, since a consortium's logs name the same few contracts and keys."""
    return str(to_checksum_address(address))


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
