"""A local index of the consortium's on-chain state, answering chain facts from memory.

One ``eth_call`` costs about 3 ms and a verification needs a dozen, so
thousands of verifications a second come from here (DESIGN section 5): the
index replays the three contracts' events up to a known block (centres and
their keys, recognitions, anchored digests and roots, certificates with their
status, pledges) and :class:`IndexedChainFacts` answers the verifier's
questions at any indexed block, exactly as the contracts' views would.

Every value keeps its history by block, so a refresh that appends newer blocks
never changes what a reader pinned to an older block sees. A reorganisation of
indexed blocks is detected by the head's hash and raises
:class:`IndexReorganisedError`: the owner builds a new index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from eth_utils.address import to_checksum_address
from web3.exceptions import Web3Exception

from node.chain.chain_facts import ConsortiumMismatchError
from node.chain.consortium import ConsortiumSnapshot, ProposalState
from node.chain.contracts import DatapropContracts
from node.chain.events import (
    BatchAnchored,
    CentreAdmitted,
    CentreKeyRotated,
    CentreStatusChanged,
    CertificateRegistered,
    CertificateStatusChanged,
    ChainEvent,
    DigestAnchored,
    Paused,
    PledgeRegistered,
    PledgeReleased,
    ProposalCreated,
    ProposalExecuted,
    ProposalVoted,
    RecognitionChanged,
    Unpaused,
)
from node.chain.scanner import LOG_RANGE, consortium_scanner
from node.chain.types import (
    Anchor,
    Centre,
    CentreStatus,
    Certificate,
    CertificateStatus,
    KeyPeriod,
    Pledge,
)
from node.documents.merkle import process_proof
from node.errors import ChainError
from node.verification.ports import ChainFacts, ConsortiumAddresses

ZERO32 = bytes(32)
NO_CENTRE = Centre(0, to_checksum_address(bytes(20)), 0, CentreStatus.NONE, 0, 0, "", "")
NO_KEY = KeyPeriod(0, 0, 0)
NO_ANCHOR = Anchor(0, 0, 0, 0)
NO_CERTIFICATE = Certificate(0, CertificateStatus.NONE, 0, 0, 0, ZERO32, ZERO32, ZERO32)
NO_PLEDGE = Pledge(ZERO32, ZERO32, ZERO32, ZERO32, 0, 0, 0, False)
TIMED_EVENTS = (
    BatchAnchored,
    DigestAnchored,
    CentreAdmitted,
    CentreStatusChanged,
    CentreKeyRotated,
)
"""Events whose block time the index keeps: anchor times, and when centres changed."""

T = TypeVar("T")


class IndexReorganisedError(ChainError):
    """A block the index had read is no longer on the chain; the index must be rebuilt."""

    code = "index_reorganised"


class _History(Generic[T]):
    """A value's versions by block; the newest at or before a block is the value then."""

    __slots__ = ("_blocks", "_values")

    def __init__(self) -> None:
        self._blocks: list[int] = []
        self._values: list[T] = []

    def set(self, block: int, value: T) -> None:
        if self._blocks and self._blocks[-1] == block:
            self._values[-1] = value
            return
        self._values.append(value)
        self._blocks.append(block)  # last: a reader sees a block only once its value is there

    def at(self, block: int) -> T | None:
        for position in range(len(self._blocks) - 1, -1, -1):
            if self._blocks[position] <= block:
                return self._values[position]
        return None

    def latest(self) -> T | None:
        return self._values[-1] if self._values else None


@dataclasses.dataclass
class _State:
    """What the verifier reads, by the keys it reads it with."""

    centres: dict[int, _History[Centre]] = dataclasses.field(default_factory=dict)
    keys: dict[str, _History[KeyPeriod]] = dataclasses.field(default_factory=dict)
    recognitions: dict[tuple[int, int], _History[bool]] = dataclasses.field(default_factory=dict)
    anchors: dict[bytes, Anchor] = dataclasses.field(default_factory=dict)
    certificates: dict[bytes, _History[Certificate]] = dataclasses.field(default_factory=dict)
    pledges: dict[bytes, _History[Pledge]] = dataclasses.field(default_factory=dict)
    pledge_order: dict[bytes, list[bytes]] = dataclasses.field(default_factory=dict)
    proposals: dict[int, _History[ProposalState]] = dataclasses.field(default_factory=dict)
    paused: _History[bool] = dataclasses.field(default_factory=_History)


class ChainIndex:
    """The consortium's state rebuilt from its events, from the deployment block onwards.

    Built empty; :meth:`refresh` reads the events up to the chain's head. Only
    :meth:`refresh` talks to the chain, and only one thread may call it at a
    time; :meth:`facts` may be called from any thread.
    """

    def __init__(self, contracts: DatapropContracts, *, log_range: int = LOG_RANGE) -> None:
        self._contracts = contracts
        self._w3 = contracts.connection.w3
        self._addresses = ConsortiumAddresses(
            centre_registry=contracts.centres.address,
            anchor_registry=contracts.anchors.address,
            certificate_registry=contracts.certificates.address,
        )
        self._scanner = consortium_scanner(contracts, max_range=log_range)
        self._state = _State()
        self._block = min(item.block for item in contracts.record.contracts.values()) - 1
        self._block_hash = b""
        self._timestamps: dict[int, int] = {}
        """Block timestamps of anchors, centre changes and the newest block indexed."""

    @property
    def addresses(self) -> ConsortiumAddresses:
        """The contracts indexed."""
        return self._addresses

    @property
    def block_number(self) -> int:
        """The newest block indexed (-1 before the first refresh)."""
        return self._block

    def facts(self, block_number: int | None = None) -> IndexedChainFacts:
        """Chain facts at ``block_number`` (default: the newest indexed block)."""
        block = self._block if block_number is None else block_number
        if not 0 <= block <= self._block:
            raise ChainError(f"block {block} is not indexed (indexed up to {self._block})")
        return IndexedChainFacts(
            self._state,
            self._contracts.connection.chain_id,
            self._addresses,
            block,
            self._timestamps,
        )

    def consortium(self, block_number: int | None = None) -> ConsortiumSnapshot:
        """The consortium's members, proposals and recognitions at ``block_number`` (default:
        the newest indexed block)."""
        facts = self.facts(block_number)
        block = facts.block_number
        state = self._state
        centres = tuple(
            centre
            for history in list(state.centres.values())
            if (centre := history.at(block)) is not None
        )
        proposals = tuple(
            proposal
            for history in list(state.proposals.values())
            if (proposal := history.at(block)) is not None
        )
        recognitions: dict[int, set[int]] = {}
        for (recogniser, recognised), history in list(state.recognitions.items()):
            if history.at(block):
                recognitions.setdefault(recogniser, set()).add(recognised)
        return ConsortiumSnapshot(
            chain_id=facts.chain_id,
            block_number=block,
            timestamp=self._timestamps.get(block, 0),
            paused=bool(state.paused.at(block)),
            centres=tuple(sorted(centres, key=lambda centre: centre.id)),
            proposals=tuple(sorted(proposals, key=lambda proposal: proposal.id)),
            recognitions={key: frozenset(value) for key, value in recognitions.items()},
            status_times={
                centre.id: self._timestamps.get(centre.status_changed_block, 0)
                for centre in centres
            },
        )

    def refresh(self) -> int:
        """Read the events of every block since the last refresh; the newest block indexed.

        Raises :class:`IndexReorganisedError` when the last block indexed was
        replaced, and :class:`ConsortiumMismatchError` when the registries do not
        belong together (checked once, at the first refresh).
        """
        try:
            head = self._w3.eth.get_block("latest")
            if self._block_hash and self._block_hash != self._hash_of(self._block):
                raise IndexReorganisedError(f"block {self._block} was reorganised away")
            target = int(head["number"])
            if target <= self._block:
                return self._block
            if not self._block_hash:
                self._check_consortium(target)
            events = self._events(self._block + 1, target)
            self._read_timestamps(events)
        except (Web3Exception, OSError, ValueError) as exc:
            raise ChainError(f"cannot index the chain: {exc}") from exc
        for event in events:
            self._apply(event)
        self._timestamps[target] = int(head["timestamp"])
        self._block_hash = bytes(head["hash"])
        self._block = target
        return target

    # -- reading the chain -----------------------------------------------------------------

    def _check_consortium(self, block: int) -> None:
        centres = self._contracts.centres
        anchors = centres.anchor_registry(block=block)
        if anchors != self._addresses.anchor_registry:
            raise ConsortiumMismatchError(
                f"AnchorRegistry {self._addresses.anchor_registry} is not CentreRegistry "
                f"{centres.address}'s ({anchors})"
            )
        governing = self._contracts.certificates.centre_registry(block=block)
        if governing != centres.address:
            raise ConsortiumMismatchError(
                f"CertificateRegistry {self._addresses.certificate_registry} answers to "
                f"CentreRegistry {governing}, not {centres.address}"
            )

    def _hash_of(self, block: int) -> bytes:
        return bytes(self._w3.eth.get_block(block)["hash"])

    def _events(self, first: int, last: int) -> list[ChainEvent]:
        chunks = self._scanner.chunks(first, last)
        return [event for chunk in chunks for event in chunk.events]

    def _read_timestamps(self, events: Iterable[ChainEvent]) -> None:
        blocks = {
            event.block_number
            for event in events
            if isinstance(event, TIMED_EVENTS) and event.block_number not in self._timestamps
        }
        for block in sorted(blocks):
            self._timestamps[block] = int(self._w3.eth.get_block(block)["timestamp"])

    # -- applying events, in chain order ---------------------------------------------------

    def _apply(self, event: ChainEvent) -> None:
        block = event.block_number
        match event:
            case CentreAdmitted():
                self._centre_admitted(event, block)
            case CentreStatusChanged():
                self._centre_status_changed(event, block)
            case CentreKeyRotated():
                self._centre_key_rotated(event, block)
            case RecognitionChanged():
                self._recognition_changed(event, block)
            case DigestAnchored() | BatchAnchored():
                self._anchored(event, block)
            case CertificateRegistered():
                self._certificate_registered(event, block)
            case CertificateStatusChanged():
                self._certificate_status_changed(event, block)
            case PledgeRegistered():
                self._pledge_registered(event, block)
            case PledgeReleased():
                self._pledge_released(event, block)
            case ProposalCreated() | ProposalVoted() | ProposalExecuted():
                self._proposal_changed(event, block)
            case Paused() | Unpaused():
                self._state.paused.set(block, isinstance(event, Paused))
            case _:
                pass  # writers and transfer approvals: the contracts are asked directly

    def _centre_admitted(self, event: CentreAdmitted, block: int) -> None:
        centre = Centre(
            event.centre_id,
            event.signer,
            event.region_code,
            CentreStatus.ACTIVE,
            block,
            block,
            event.name,
            event.endpoint,
        )
        _history(self._state.centres, event.centre_id).set(block, centre)
        _history(self._state.keys, event.signer.lower()).set(
            block, KeyPeriod(event.centre_id, block, 0)
        )

    def _centre_status_changed(self, event: CentreStatusChanged, block: int) -> None:
        history = self._state.centres[event.centre_id]
        centre = _required(history.latest(), event)
        history.set(
            block, dataclasses.replace(centre, status=event.current, status_changed_block=block)
        )

    def _centre_key_rotated(self, event: CentreKeyRotated, block: int) -> None:
        keys = self._state.keys
        previous = _required(keys[event.previous_signer.lower()].latest(), event)
        keys[event.previous_signer.lower()].set(
            block, dataclasses.replace(previous, until_block=block)
        )
        _history(keys, event.new_signer.lower()).set(block, KeyPeriod(event.centre_id, block, 0))
        history = self._state.centres[event.centre_id]
        centre = _required(history.latest(), event)
        history.set(block, dataclasses.replace(centre, signer=event.new_signer))

    def _recognition_changed(self, event: RecognitionChanged, block: int) -> None:
        pair = (event.recogniser_id, event.recognised_id)
        _history(self._state.recognitions, pair).set(block, event.recognised)

    def _proposal_changed(
        self, event: ProposalCreated | ProposalVoted | ProposalExecuted, block: int
    ) -> None:
        if isinstance(event, ProposalCreated):
            proposal = ProposalState(
                id=event.proposal_id,
                kind=event.kind,
                proposer_id=event.proposer_id,
                target_centre_id=event.target_centre_id,
                new_signer=event.new_signer,
                region_code=event.region_code,
                name=event.name,
                endpoint=event.endpoint,
                expires_at=event.expires_at,
                created_block=block,
            )
            _history(self._state.proposals, event.proposal_id).set(block, proposal)
            return
        history = self._state.proposals[event.proposal_id]
        proposal = _required(history.latest(), event)
        if isinstance(event, ProposalVoted):
            changed = dataclasses.replace(proposal, voters=(*proposal.voters, event.voter_id))
        else:
            changed = dataclasses.replace(proposal, executed_block=block)
        history.set(block, changed)

    def _anchored(self, event: DigestAnchored | BatchAnchored, block: int) -> None:
        if isinstance(event, BatchAnchored):
            key, leaf_count = event.root, event.leaf_count
        else:
            key, leaf_count = event.digest, 0
        self._state.anchors[key] = Anchor(
            event.centre_id, self._timestamps[block], block, leaf_count
        )

    def _certificate_registered(self, event: CertificateRegistered, block: int) -> None:
        record = Certificate(
            event.issuer_id,
            CertificateStatus.ACTIVE,
            block,
            block,
            0,
            event.asset_key,
            ZERO32,
            ZERO32,
        )
        _history(self._state.certificates, event.certificate_id).set(block, record)

    def _certificate_status_changed(self, event: CertificateStatusChanged, block: int) -> None:
        history = self._state.certificates[event.certificate_id]
        record = _required(history.latest(), event)
        history.set(
            block,
            dataclasses.replace(
                record,
                status=event.status,
                status_block=block,
                superseded_by=event.superseded_by,
                decision_digest=event.decision_digest,
            ),
        )

    def _pledge_registered(self, event: PledgeRegistered, block: int) -> None:
        pledge = Pledge(
            event.certificate_id,
            event.record_digest,
            event.pledgee_digest,
            ZERO32,
            block,
            0,
            event.priority,
            True,
        )
        _history(self._state.pledges, event.pledge_id).set(block, pledge)
        self._state.pledge_order.setdefault(event.certificate_id, []).append(event.pledge_id)
        self._count_pledges(event.certificate_id, block, +1, event)

    def _pledge_released(self, event: PledgeReleased, block: int) -> None:
        history = self._state.pledges[event.pledge_id]
        pledge = _required(history.latest(), event)
        history.set(
            block,
            dataclasses.replace(
                pledge, release_digest=event.release_digest, released_block=block, active=False
            ),
        )
        self._count_pledges(event.certificate_id, block, -1, event)

    def _count_pledges(
        self, certificate_id: bytes, block: int, step: int, event: ChainEvent
    ) -> None:
        history = self._state.certificates[certificate_id]
        record = _required(history.latest(), event)
        history.set(block, dataclasses.replace(record, active_pledges=record.active_pledges + step))


class IndexedChainFacts(ChainFacts):
    """The verification port answered from a :class:`ChainIndex` at one indexed block."""

    def __init__(
        self,
        state: _State,
        chain_id: int,
        addresses: ConsortiumAddresses,
        block_number: int,
        timestamps: dict[int, int],
    ) -> None:
        self._state = state
        self._chain_id = chain_id
        self._addresses = addresses
        self._block = block_number
        self._timestamps = timestamps

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def block_number(self) -> int:
        return self._block

    @property
    def addresses(self) -> ConsortiumAddresses:
        return self._addresses

    def key_period(self, key: str) -> KeyPeriod:
        return _at(self._state.keys.get(key.lower()), self._block, NO_KEY)

    def centre(self, centre_id: int) -> Centre:
        return _at(self._state.centres.get(centre_id), self._block, NO_CENTRE)

    def was_key_of(self, key: str, centre_id: int, block_number: int) -> bool:
        period = self.key_period(key)
        return (
            centre_id != 0
            and period.centre_id == centre_id
            and block_number >= period.from_block
            and (period.until_block == 0 or block_number < period.until_block)
        )

    def anchor_of(self, digest_or_root: bytes) -> Anchor:
        anchor = self._state.anchors.get(digest_or_root)
        return anchor if anchor is not None and anchor.block_number <= self._block else NO_ANCHOR

    def verify_leaf(self, root: bytes, proof: Sequence[bytes], leaf: bytes) -> bool:
        anchor = self.anchor_of(root)
        return anchor.exists and anchor.leaf_count != 0 and process_proof(leaf, proof) == root

    def certificate(self, certificate_id: bytes) -> Certificate:
        return _at(self._state.certificates.get(certificate_id), self._block, NO_CERTIFICATE)

    def active_pledges(self, certificate_id: bytes) -> list[bytes]:
        return [
            pledge_id
            for pledge_id in self._state.pledge_order.get(certificate_id, ())
            if self.pledge(pledge_id).active
        ]

    def pledge(self, pledge_id: bytes) -> Pledge:
        return _at(self._state.pledges.get(pledge_id), self._block, NO_PLEDGE)

    def recognises(self, recogniser_id: int, recognised_id: int) -> bool:
        history = self._state.recognitions.get((recogniser_id, recognised_id))
        return _at(history, self._block, False)

    def block_timestamp(self, block_number: int) -> int | None:
        if block_number > self._block:
            return None
        return self._timestamps.get(block_number)


K = TypeVar("K")


def _history(histories: dict[K, _History[T]], key: K) -> _History[T]:
    history = histories.get(key)
    if history is None:
        history = histories[key] = _History()
    return history


def _at(history: _History[T] | None, block: int, missing: T) -> T:
    if history is None:
        return missing
    value = history.at(block)
    return missing if value is None else value


def _required(value: T | None, event: ChainEvent) -> T:
    if value is None:
        raise ChainError(
            f"{type(event).__name__} at block {event.block_number} changes state the index "
            "never saw created; index from the deployment block"
        )
    return value
