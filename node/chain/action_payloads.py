"""Payloads of the chain actions that services put in the outbox, free of web3.

A service builds one of the dataclasses below and enqueues it in the same unit
of work as the change it records::

    action = SetStatus(certificate_id, StatusChange.REVOKED, decision_digest)
    uow.chain_actions.enqueue(action.kind, action.to_payload())

The anchoring worker reads it back with ``action_from_payload(kind, payload)``
and sends it. Bytes travel as 0x-prefixed hex strings, so a payload is plain
JSON. Shapes are checked here (lengths, counts, status names); what depends on
chain state (a known certificate, a free asset key) is the contract's to refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self, TypeAlias, TypeVar

from eth_utils.address import is_hex_address, to_checksum_address

from node.domain.frozen_json import JsonValue
from node.errors import DomainError

MAX_CERTIFICATES_PER_ACTION = 256
"""Certificates one ``register_certificates`` transaction may carry (about 19M gas at 256)."""
MAX_CENTRE_ID = 2**32 - 1
MAX_PROPOSAL_ID = 2**53 - 1
"""Proposal ids count from 1 on chain; the outbox and the event log keep them exactly in JSON."""
MIN_REGION_CODE = 100_000
MAX_REGION_CODE = 999_999
MAX_TEXT = 200
"""Longest centre name or endpoint a proposal carries (they are stored on chain)."""


class InvalidChainActionError(DomainError):
    """A chain action's kind or payload is malformed; ``field`` names the part."""

    code = "invalid_chain_action"

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class StatusChange(StrEnum):
    """The on-chain statuses a centre may set on its own certificate."""

    REVOKED = "revoked"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class RegisterCertificates:
    """Register issued certificates with the asset keys they claim (the asset index)."""

    kind: ClassVar[str] = "register_certificates"
    certificate_ids: tuple[bytes, ...]
    asset_keys: tuple[bytes, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "certificate_ids", tuple(self.certificate_ids))
        object.__setattr__(self, "asset_keys", tuple(self.asset_keys))
        count = len(self.certificate_ids)
        if not 1 <= count <= MAX_CERTIFICATES_PER_ACTION:
            raise InvalidChainActionError(
                "certificate_ids", f"must hold 1 to {MAX_CERTIFICATES_PER_ACTION} ids, has {count}"
            )
        if len(self.asset_keys) != count:
            raise InvalidChainActionError(
                "asset_keys",
                f"must hold one key per certificate ({count}), has {len(self.asset_keys)}",
            )
        for index, value in enumerate(self.certificate_ids):
            _check_bytes32(value, f"certificate_ids[{index}]")
        for index, value in enumerate(self.asset_keys):
            _check_bytes32(value, f"asset_keys[{index}]")
        if len(set(self.certificate_ids)) != count:
            raise InvalidChainActionError("certificate_ids", "lists a certificate twice")

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {
            "certificate_ids": [_hex(value) for value in self.certificate_ids],
            "asset_keys": [_hex(value) for value in self.asset_keys],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(_bytes32_list(payload, "certificate_ids"), _bytes32_list(payload, "asset_keys"))


@dataclass(frozen=True)
class SetStatus:
    """Revoke, cancel or supersede a certificate, citing the digest of the decision."""

    kind: ClassVar[str] = "set_status"
    certificate_id: bytes
    status: StatusChange
    decision_digest: bytes
    superseded_by: bytes | None = None

    def __post_init__(self) -> None:
        _check_bytes32(self.certificate_id, "certificate_id")
        _check_bytes32(self.decision_digest, "decision_digest")
        object.__setattr__(self, "status", _status_change(self.status))
        if (self.status is StatusChange.SUPERSEDED) != (self.superseded_by is not None):
            raise InvalidChainActionError(
                "superseded_by", "is required for superseded and only for superseded"
            )
        if self.superseded_by is not None:
            _check_bytes32(self.superseded_by, "superseded_by")

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {
            "certificate_id": _hex(self.certificate_id),
            "status": self.status.value,
            "decision_digest": _hex(self.decision_digest),
            "superseded_by": None if self.superseded_by is None else _hex(self.superseded_by),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        superseded_by = payload.get("superseded_by")
        return cls(
            _bytes32(payload, "certificate_id"),
            _status_change(payload.get("status")),
            _bytes32(payload, "decision_digest"),
            None if superseded_by is None else _bytes32(payload, "superseded_by"),
        )


@dataclass(frozen=True)
class RegisterPledge:
    """Register a pledge on a certificate with the digests of its record and its pledgee."""

    kind: ClassVar[str] = "register_pledge"
    certificate_id: bytes
    pledge_id: bytes
    record_digest: bytes
    pledgee_digest: bytes

    def __post_init__(self) -> None:
        for name in ("certificate_id", "pledge_id", "record_digest", "pledgee_digest"):
            _check_bytes32(getattr(self, name), name)

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {
            "certificate_id": _hex(self.certificate_id),
            "pledge_id": _hex(self.pledge_id),
            "record_digest": _hex(self.record_digest),
            "pledgee_digest": _hex(self.pledgee_digest),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(
            _bytes32(payload, "certificate_id"),
            _bytes32(payload, "pledge_id"),
            _bytes32(payload, "record_digest"),
            _bytes32(payload, "pledgee_digest"),
        )


@dataclass(frozen=True)
class ReleasePledge:
    """Release an active pledge, citing the digest of the release record."""

    kind: ClassVar[str] = "release_pledge"
    pledge_id: bytes
    release_digest: bytes

    def __post_init__(self) -> None:
        _check_bytes32(self.pledge_id, "pledge_id")
        _check_bytes32(self.release_digest, "release_digest")

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {"pledge_id": _hex(self.pledge_id), "release_digest": _hex(self.release_digest)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(_bytes32(payload, "pledge_id"), _bytes32(payload, "release_digest"))


@dataclass(frozen=True)
class ApproveTransfer:
    """Let another centre take over a certificate's asset key (转移 across cities)."""

    kind: ClassVar[str] = "approve_transfer"
    certificate_id: bytes
    to_centre_id: int

    def __post_init__(self) -> None:
        _check_bytes32(self.certificate_id, "certificate_id")
        centre = self.to_centre_id
        if isinstance(centre, bool) or not isinstance(centre, int):
            raise InvalidChainActionError("to_centre_id", "must be an integer")
        if not 1 <= centre <= MAX_CENTRE_ID:
            raise InvalidChainActionError("to_centre_id", f"must be from 1 to {MAX_CENTRE_ID}")

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {"certificate_id": _hex(self.certificate_id), "to_centre_id": self.to_centre_id}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        centre = payload.get("to_centre_id")
        if isinstance(centre, bool) or not isinstance(centre, int):
            raise InvalidChainActionError("to_centre_id", "must be an integer")
        return cls(_bytes32(payload, "certificate_id"), centre)


class CentreChange(StrEnum):
    """The status changes of a centre that the consortium votes on."""

    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REMOVE = "remove"


@dataclass(frozen=True)
class ProposeAdmission:
    """Propose admitting a centre to the consortium (the proposal counts as this centre's vote)."""

    kind: ClassVar[str] = "propose_admission"
    signer: str
    region_code: int
    name: str
    endpoint: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "signer", _address(self.signer, "signer"))
        _check_int(self.region_code, "region_code", MIN_REGION_CODE, MAX_REGION_CODE)
        _check_text(self.name, "name", minimum=1)
        _check_text(self.endpoint, "endpoint", minimum=0)

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {
            "signer": self.signer,
            "region_code": self.region_code,
            "name": self.name,
            "endpoint": self.endpoint,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(
            _typed(payload, "signer", str),
            _typed(payload, "region_code", int),
            _typed(payload, "name", str),
            _typed(payload, "endpoint", str),
        )


@dataclass(frozen=True)
class ProposeCentreChange:
    """Propose suspending, reinstating or removing a centre."""

    kind: ClassVar[str] = "propose_centre_change"
    change: CentreChange
    centre_id: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "change", _enum(CentreChange, self.change, "change"))
        _check_int(self.centre_id, "centre_id", 1, MAX_CENTRE_ID)

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {"change": self.change.value, "centre_id": self.centre_id}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(
            _enum(CentreChange, payload.get("change"), "change"),
            _typed(payload, "centre_id", int),
        )


@dataclass(frozen=True)
class ProposeKeyRotation:
    """Propose replacing a centre's signing key by a key never used before."""

    kind: ClassVar[str] = "propose_key_rotation"
    centre_id: int
    new_signer: str

    def __post_init__(self) -> None:
        _check_int(self.centre_id, "centre_id", 1, MAX_CENTRE_ID)
        object.__setattr__(self, "new_signer", _address(self.new_signer, "new_signer"))

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {"centre_id": self.centre_id, "new_signer": self.new_signer}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(_typed(payload, "centre_id", int), _typed(payload, "new_signer", str))


@dataclass(frozen=True)
class VoteOnProposal:
    """Approve a consortium proposal; the vote that reaches the threshold executes it."""

    kind: ClassVar[str] = "vote_on_proposal"
    proposal_id: int

    def __post_init__(self) -> None:
        _check_int(self.proposal_id, "proposal_id", 1, MAX_PROPOSAL_ID)

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {"proposal_id": self.proposal_id}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(_typed(payload, "proposal_id", int))


@dataclass(frozen=True)
class DeclareRecognition:
    """Declare (or withdraw) this centre's recognition (互认) of another centre."""

    kind: ClassVar[str] = "declare_recognition"
    centre_id: int
    recognised: bool

    def __post_init__(self) -> None:
        _check_int(self.centre_id, "centre_id", 1, MAX_CENTRE_ID)
        if not isinstance(self.recognised, bool):
            raise InvalidChainActionError("recognised", "must be true or false")

    def to_payload(self) -> dict[str, JsonValue]:
        """The payload as stored in the outbox."""
        return {"centre_id": self.centre_id, "recognised": self.recognised}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        """Read a stored payload back; InvalidChainActionError when it is malformed."""
        return cls(_typed(payload, "centre_id", int), _typed(payload, "recognised", bool))


ActionPayload: TypeAlias = (
    RegisterCertificates
    | SetStatus
    | RegisterPledge
    | ReleasePledge
    | ApproveTransfer
    | ProposeAdmission
    | ProposeCentreChange
    | ProposeKeyRotation
    | VoteOnProposal
    | DeclareRecognition
)
ACTION_TYPES: Mapping[str, type[ActionPayload]] = {
    kind.kind: kind
    for kind in (
        RegisterCertificates,
        SetStatus,
        RegisterPledge,
        ReleasePledge,
        ApproveTransfer,
        ProposeAdmission,
        ProposeCentreChange,
        ProposeKeyRotation,
        VoteOnProposal,
        DeclareRecognition,
    )
}
"""Every action kind the worker sends, by its outbox name."""


def action_from_payload(kind: str, payload: Mapping[str, object]) -> ActionPayload:
    """The typed action of an outbox row; InvalidChainActionError for an unknown kind or bad
    payload."""
    action_type = ACTION_TYPES.get(kind)
    if action_type is None:
        raise InvalidChainActionError("kind", f"unknown chain action kind {kind!r}")
    return action_type.from_payload(payload)


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _check_bytes32(value: object, field: str) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidChainActionError(field, "must be 32 bytes")


def _bytes32_from(value: object, field: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 66:
        raise InvalidChainActionError(field, "must be 0x and 64 hex digits")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidChainActionError(field, "must be 0x and 64 hex digits") from None


def _bytes32(payload: Mapping[str, object], field: str) -> bytes:
    return _bytes32_from(payload.get(field), field)


def _bytes32_list(payload: Mapping[str, object], field: str) -> tuple[bytes, ...]:
    values = payload.get(field)
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise InvalidChainActionError(field, "must be a list")
    return tuple(_bytes32_from(value, f"{field}[{index}]") for index, value in enumerate(values))


def _status_change(value: object) -> StatusChange:
    return _enum(StatusChange, value, "status")


E = TypeVar("E", bound=StrEnum)
V = TypeVar("V")


def _check_int(value: object, field: str, minimum: int, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidChainActionError(field, "must be an integer")
    if not minimum <= value <= maximum:
        raise InvalidChainActionError(field, f"must be from {minimum} to {maximum}")


def _check_text(value: object, field: str, *, minimum: int) -> None:
    if not isinstance(value, str):
        raise InvalidChainActionError(field, "must be text")
    if not minimum <= len(value) <= MAX_TEXT:
        raise InvalidChainActionError(field, f"must be {minimum} to {MAX_TEXT} characters long")


def _address(value: object, field: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise InvalidChainActionError(field, "must be a 0x-prefixed 20-byte hex address")
    if int(value, 16) == 0:
        raise InvalidChainActionError(field, "must not be the zero address")
    return to_checksum_address(value)


def _enum(kind: type[E], value: object, field: str) -> E:
    names = {member.value: member for member in kind}
    if not isinstance(value, str) or value not in names:
        raise InvalidChainActionError(field, f"must be one of {', '.join(names)}")
    return names[value]


def _typed(payload: Mapping[str, object], field: str, kind: type[V]) -> V:
    value = payload.get(field)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = {int: "an integer", bool: "true or false", str: "text"}[kind]
        raise InvalidChainActionError(field, f"must be {expected}")
    return value
