"""Random operation sequences against a Python model, and the state rebuilt from the logs.

Each example runs a short random sequence of anchors, governance (suspend, reinstate,
key rotation by full votes), certificate registrations, status changes and pledges,
by random accounts (genesis keys, keys that may be rotated in later, an outsider).
A Python model predicts every outcome, including the exact refusal. At the end the
state read from the views must equal both the model's and the state rebuilt from
every log of the three contracts since deployment; and every write event must come
from the current key of a centre that was Active when it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from eth_utils.crypto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3._utils.events import get_event_data
from web3.types import LogReceipt

from node.chain.abi import signature
from node.chain.contracts import CONTRACT_NAMES, DatapropContracts
from node.chain.events import (
    BatchAnchored,
    CentreAdmitted,
    CentreKeyRotated,
    CentreStatusChanged,
    CertificateRegistered,
    CertificateStatusChanged,
    ChainEvent,
    DigestAnchored,
    PledgeRegistered,
    PledgeReleased,
)
from node.chain.naming import snake_case
from node.chain.revert_errors import (
    AnchorRegistryAlreadyAnchoredError,
    AnchorRegistryNotActiveCentreError,
    CentreRegistryInvalidCentreStatusError,
    CentreRegistryLastActiveCentreError,
    CertificateRegistryAlreadyRegisteredError,
    CertificateRegistryAssetKeyHeldError,
    CertificateRegistryCertificateNotActiveError,
    CertificateRegistryCertificatePledgedError,
    CertificateRegistryNotActiveCentreError,
    CertificateRegistryNotIssuerError,
    CertificateRegistryPledgeExistsError,
    CertificateRegistryPledgeNotActiveError,
    CertificateRegistryUnknownCertificateError,
    ContractRevertError,
)
from node.chain.types import CentreStatus, CertificateStatus
from node.config import ChainBackend
from tests.contracts.conftest import Consortium
from tests.contracts.helpers import ZERO, b32, reverts, rolled_back

DIGESTS = [b32(f"digest {index}") for index in range(4)]
CERTIFICATES = [b32(f"certificate {index}") for index in range(4)]
ASSET_KEYS = [b32(f"asset {index}") for index in range(2)]
PLEDGES = [b32(f"pledge {index}") for index in range(3)]
SUCCESSOR, DECISION = b32("successor"), b32("decision")
KIND, SUBJECT = b32("kind"), b32("subject")
RECORD, BANK, RELEASE_DIGEST = b32("record"), b32("bank"), b32("release")
GAS = 1_000_000
WRITE_EVENTS = (
    DigestAnchored,
    BatchAnchored,
    CertificateRegistered,
    CertificateStatusChanged,
    PledgeRegistered,
    PledgeReleased,
)

# An actor is an account (0-2: the genesis keys; 3-4: keys that rotations may bring in;
# 5: the outsider) or "owner": the current key of the centre the operation concerns (the
# certificate's issuer, the asset key's holder, else the first Active centre), so that
# chains of operations on one certificate happen often while random accounts still do.
ACTOR = st.sampled_from(["owner"] * 8 + [0, 1, 2, 3, 4, 5])
STATUSES = [CertificateStatus.REVOKED, CertificateStatus.CANCELLED, CertificateStatus.SUPERSEDED]
# Names repeat to weight them: certificate operations need several steps to meet.
NAMES = [
    *["anchor"] * 2,
    "anchor again",
    "anchor batch",
    "suspend",
    *["reinstate"] * 2,
    "rotate",
    *["register"] * 4,
    *["status"] * 3,
    *["pledge"] * 4,
    *["release"] * 3,
]


def _operation(name: str, actor: int | str, first: int, second: int) -> tuple[Any, ...]:
    """An operation from uniform draws; ``first`` picks an existing certificate or pledge
    modulo how many there are when the run applies it."""
    if name in ("suspend", "reinstate", "rotate"):
        return (name, first % 3 + 1)
    if name == "anchor again":
        return (name, actor)
    if name in ("anchor", "anchor batch"):
        return (name, actor, first % len(DIGESTS))
    if name == "register":
        return (name, actor, first % len(CERTIFICATES), second % len(ASSET_KEYS))
    if name == "status":
        return (name, actor, first, STATUSES[second % len(STATUSES)])
    if name == "pledge":
        return (name, actor, first, second % len(PLEDGES))
    return (name, actor, first)


OPERATION = st.builds(
    _operation, st.sampled_from(NAMES), ACTOR, st.integers(0, 15), st.integers(0, 15)
)


@dataclass
class State:
    """What the three contracts hold, in a form comparable across model, views and logs."""

    centres: dict[int, tuple[CentreStatus, str]] = field(default_factory=dict)
    anchors: dict[bytes, int] = field(default_factory=dict)
    # certificate id -> (issuer, status, asset key)
    certificates: dict[bytes, tuple[int, CertificateStatus, bytes]] = field(default_factory=dict)
    holders: dict[bytes, bytes] = field(default_factory=dict)
    # certificate id -> active pledge ids in priority order
    active_pledges: dict[bytes, list[bytes]] = field(default_factory=dict)


@dataclass
class Model:
    """The expected state, plus the pledge details the checks need."""

    state: State
    # pledge id -> (certificate id, active)
    pledges: dict[bytes, tuple[bytes, bool]] = field(default_factory=dict)
    pledge_order: dict[bytes, list[bytes]] = field(default_factory=dict)

    def writer(self, address: str) -> int:
        """The Active centre whose current key is ``address``, 0 when none."""
        for centre_id, (status, signer) in self.state.centres.items():
            if signer == address and status is CentreStatus.ACTIVE:
                return centre_id
        return 0

    def active(self) -> list[int]:
        return [
            i
            for i, (status, _) in sorted(self.state.centres.items())
            if status is CentreStatus.ACTIVE
        ]

    def sync_pledges(self, certificate_id: bytes) -> None:
        self.state.active_pledges[certificate_id] = [
            pledge for pledge in self.pledge_order[certificate_id] if self.pledges[pledge][1]
        ]


def _pick(every: list[bytes], preferred: list[bytes], pick: int) -> bytes | None:
    """One of ``preferred`` unless ``pick % 4 == 3`` (or none is), then one of ``every``;
    the index is ``pick // 4``. None when there is no candidate."""
    candidates = preferred if preferred and pick % 4 != 3 else every
    return candidates[(pick // 4) % len(candidates)] if candidates else None


class Run:
    """One example: the accounts bound afresh (senders keep nonces), the model, the ops.

    An operation the model expects to be refused goes through the typed client, whose gas
    estimate reverts with the decoded custom error; one it expects to pass is sent with a
    fixed gas limit, because eth-tester's gas estimation replays a transaction a dozen
    times. A wrong expectation either way fails the example.
    """

    def __init__(self, consortium: Consortium) -> None:
        self.consortium = consortium
        accounts = [*consortium.keys, *consortium.spare[:2], consortium.outsider]
        self.accounts = [account.address for account in accounts]
        self.bound = {account.address: consortium.as_(account) for account in accounts}
        self.fresh_keys = [account.address for account in consortium.spare[:2]]
        centres = {
            index + 1: (CentreStatus.ACTIVE, key.address)
            for index, key in enumerate(consortium.keys)
        }
        self.model = Model(State(centres=centres))
        self.outcomes: list[str] = []  # per operation: "ok", "skipped" or the error's name
        self._outcome: str | None = None
        self._refusal: str | None = None

    # --- plumbing -----------------------------------------------------------------------

    def apply(self, operation: tuple[Any, ...]) -> None:
        name, *arguments = operation
        handler: Callable[..., None] = getattr(self, "_" + name.replace(" ", "_"))
        self._outcome = None
        handler(*arguments)
        self.outcomes.append(self._outcome or "skipped")

    def _refuse(self, error: type[ContractRevertError], **arguments: Any) -> Any:
        """The expected refusal; its short name goes to ``outcomes``."""
        name = error.__name__.removesuffix("Error")
        for prefix in ("AnchorRegistry", "CentreRegistry", "CertificateRegistry"):
            name = name.removeprefix(prefix)
        self._refusal = name
        return reverts(error, **arguments)

    def _write(
        self,
        address: str,
        refusal: AbstractContextManager[Any] | None,
        typed: Callable[[DatapropContracts], object],
        client: str,
        function: str,
        *arguments: Any,
    ) -> bool:
        """Whether the write went through; a refusal must be exactly the expected one."""
        contracts = self.bound[address]
        if self._outcome is None:
            self._outcome = "ok" if refusal is None else self._refusal
        if refusal is not None:
            with refusal:
                typed(contracts)
            return False
        assert contracts.sender is not None
        call = getattr(contracts, client).function(function, *arguments)
        contracts.sender.transact(call, gas=GAS)
        return True

    def _actor(self, actor: int | str, centre_id: int = 0) -> str:
        """The account acting: a fixed one, or the current key of the centre concerned."""
        if actor != "owner":
            return self.accounts[int(actor)]
        if not centre_id:
            centre_id = self.model.active()[0]
        return self.model.state.centres[centre_id][1]

    def _certificate(self, pick: int) -> bytes:
        """A registered certificate, mostly an Active one; the first id when none is."""
        registered = self.model.state.certificates
        active = [
            c for c, (_, status, _) in registered.items() if status is CertificateStatus.ACTIVE
        ]
        return _pick([*registered], active, pick) or CERTIFICATES[0]

    def _issuer(self, certificate_id: bytes) -> int:
        known = self.model.state.certificates.get(certificate_id)
        return known[0] if known else 0

    # --- anchors ------------------------------------------------------------------------

    def _anchor(self, actor: int | str, digest_index: int, *, batch: bool = False) -> None:
        address = self._actor(actor)
        digest = DIGESTS[digest_index]
        centre_id = self.model.writer(address)
        refusal: AbstractContextManager[Any] | None = None
        if not centre_id:
            refusal = self._refuse(AnchorRegistryNotActiveCentreError, caller=address)
        elif digest in self.model.state.anchors:
            refusal = self._refuse(AnchorRegistryAlreadyAnchoredError, digest=digest)
        if batch:
            done = self._write(
                address,
                refusal,
                lambda c: c.anchors.anchor_batch(digest, 2),
                "anchors",
                "anchorBatch",
                digest,
                2,
            )
        else:
            done = self._write(
                address,
                refusal,
                lambda c: c.anchors.anchor(digest, KIND, SUBJECT),
                "anchors",
                "anchor",
                digest,
                KIND,
                SUBJECT,
            )
        if done:
            self.model.state.anchors[digest] = centre_id

    def _anchor_again(self, actor: int | str) -> None:
        anchored = [DIGESTS.index(digest) for digest in self.model.state.anchors]
        self._anchor(actor, anchored[0] if anchored else 0)

    def _anchor_batch(self, actor: int | str, digest_index: int) -> None:
        self._anchor(actor, digest_index, batch=True)

    # --- governance ---------------------------------------------------------------------

    def _govern(self, function: str, *arguments: Any, refusal: Any = None) -> None:
        """Propose with the first Active centre, then vote with the others up to the threshold."""
        active = self.model.active()
        signer = self.model.state.centres
        proposer = signer[active[0]][1]
        typed = snake_case(function)
        if not self._write(
            proposer,
            refusal,
            lambda c: getattr(c.centres, typed)(*arguments),
            "centres",
            function,
            *arguments,
        ):
            return
        pid = self.bound[proposer].centres.proposal_count()
        threshold = 2 * len(active) // 3 + 1
        for voter in active[1:threshold]:
            self._write(signer[voter][1], None, lambda c: None, "centres", "vote", pid)
        assert self.bound[proposer].centres.proposal(pid).executed is True

    def _suspend(self, centre_id: int) -> None:
        status, signer = self.model.state.centres[centre_id]
        refusal: Any = None
        if status is not CentreStatus.ACTIVE:
            refusal = self._refuse(
                CentreRegistryInvalidCentreStatusError, centre_id=centre_id, status=status
            )
        elif len(self.model.active()) == 1:
            refusal = self._refuse(CentreRegistryLastActiveCentreError, centre_id=centre_id)
        self._govern("proposeSuspend", centre_id, refusal=refusal)
        if refusal is None:
            self.model.state.centres[centre_id] = (CentreStatus.SUSPENDED, signer)

    def _reinstate(self, centre_id: int) -> None:
        status, signer = self.model.state.centres[centre_id]
        refusal = None
        if status is not CentreStatus.SUSPENDED:
            refusal = self._refuse(
                CentreRegistryInvalidCentreStatusError, centre_id=centre_id, status=status
            )
        self._govern("proposeReinstate", centre_id, refusal=refusal)
        if refusal is None:
            self.model.state.centres[centre_id] = (CentreStatus.ACTIVE, signer)

    def _rotate(self, centre_id: int) -> None:
        if not self.fresh_keys:
            return
        new = self.fresh_keys.pop(0)
        self._govern("proposeRotateKey", centre_id, new)
        status, _ = self.model.state.centres[centre_id]
        self.model.state.centres[centre_id] = (status, new)

    # --- certificates -------------------------------------------------------------------

    def _issuer_refusal(
        self, address: str, certificate_id: bytes
    ) -> AbstractContextManager[Any] | None:
        """The refusal common to status changes and pledges, None when allowed."""
        centre_id = self.model.writer(address)
        known = self.model.state.certificates.get(certificate_id)
        if not centre_id:
            return self._refuse(CertificateRegistryNotActiveCentreError, caller=address)
        if known is None:
            return self._refuse(
                CertificateRegistryUnknownCertificateError, certificate_id=certificate_id
            )
        issuer, status, _ = known
        if issuer != centre_id:
            return self._refuse(
                CertificateRegistryNotIssuerError, certificate_id=certificate_id, caller=address
            )
        if status is not CertificateStatus.ACTIVE:
            return self._refuse(
                CertificateRegistryCertificateNotActiveError,
                certificate_id=certificate_id,
                status=status,
            )
        return None

    def _register(self, actor: int | str, certificate_index: int, key_index: int) -> None:
        certificate_id, key = CERTIFICATES[certificate_index], ASSET_KEYS[key_index]
        state = self.model.state
        holder = state.holders.get(key, ZERO)
        held = state.certificates.get(holder)
        supersede = held is not None and held[1] is CertificateStatus.ACTIVE
        address = self._actor(actor, held[0] if held and supersede else 0)
        centre_id = self.model.writer(address)
        refusal: AbstractContextManager[Any] | None = None
        if not centre_id:
            refusal = self._refuse(CertificateRegistryNotActiveCentreError, caller=address)
        elif certificate_id in state.certificates:
            refusal = self._refuse(
                CertificateRegistryAlreadyRegisteredError, certificate_id=certificate_id
            )
        elif held is not None and supersede and held[0] != centre_id:
            refusal = self._refuse(
                CertificateRegistryAssetKeyHeldError,
                asset_key=key,
                certificate_id=holder,
                centre_id=held[0],
            )
        elif supersede and state.active_pledges[holder]:
            refusal = self._refuse(
                CertificateRegistryCertificatePledgedError, certificate_id=holder
            )
        if self._write(
            address,
            refusal,
            lambda c: c.certificates.register_certificates([certificate_id], [key]),
            "certificates",
            "registerCertificates",
            [certificate_id],
            [key],
        ):
            state.certificates[certificate_id] = (centre_id, CertificateStatus.ACTIVE, key)
            state.holders[key] = certificate_id
            state.active_pledges[certificate_id] = []
            self.model.pledge_order[certificate_id] = []
            if held is not None and supersede:
                state.certificates[holder] = (held[0], CertificateStatus.SUPERSEDED, key)

    def _status(self, actor: int | str, pick: int, status: CertificateStatus) -> None:
        certificate_id = self._certificate(pick)
        address = self._actor(actor, self._issuer(certificate_id))
        state = self.model.state
        refusal = self._issuer_refusal(address, certificate_id)
        if (
            refusal is None
            and status is not CertificateStatus.REVOKED
            and state.active_pledges[certificate_id]
        ):
            refusal = self._refuse(
                CertificateRegistryCertificatePledgedError, certificate_id=certificate_id
            )
        successor = SUCCESSOR if status is CertificateStatus.SUPERSEDED else ZERO
        if self._write(
            address,
            refusal,
            lambda c: c.certificates.set_status(certificate_id, status, DECISION, successor),
            "certificates",
            "setStatus",
            certificate_id,
            int(status),
            successor,
            DECISION,
        ):
            issuer, _, key = state.certificates[certificate_id]
            state.certificates[certificate_id] = (issuer, status, key)

    def _pledge(self, actor: int | str, pick: int, pledge_index: int) -> None:
        certificate_id, pledge_id = self._certificate(pick), PLEDGES[pledge_index]
        address = self._actor(actor, self._issuer(certificate_id))
        refusal = self._issuer_refusal(address, certificate_id)
        if refusal is None and pledge_id in self.model.pledges:
            refusal = self._refuse(CertificateRegistryPledgeExistsError, pledge_id=pledge_id)
        if self._write(
            address,
            refusal,
            lambda c: c.certificates.register_pledge(certificate_id, pledge_id, RECORD, BANK),
            "certificates",
            "registerPledge",
            certificate_id,
            pledge_id,
            RECORD,
            BANK,
        ):
            self.model.pledges[pledge_id] = (certificate_id, True)
            self.model.pledge_order[certificate_id].append(pledge_id)
            self.model.sync_pledges(certificate_id)

    def _release(self, actor: int | str, pick: int) -> None:
        active = [pledge for pledge, (_, is_active) in self.model.pledges.items() if is_active]
        pledge_id = _pick([*self.model.pledges], active, pick) or PLEDGES[0]
        certificate_id, active = self.model.pledges.get(pledge_id, (ZERO, False))
        address = self._actor(actor, self._issuer(certificate_id))
        centre_id = self.model.writer(address)
        refusal: AbstractContextManager[Any] | None = None
        if not centre_id:
            refusal = self._refuse(CertificateRegistryNotActiveCentreError, caller=address)
        elif not active:
            refusal = self._refuse(CertificateRegistryPledgeNotActiveError, pledge_id=pledge_id)
        elif self._issuer(certificate_id) != centre_id:
            refusal = self._refuse(
                CertificateRegistryNotIssuerError, certificate_id=certificate_id, caller=address
            )
        if self._write(
            address,
            refusal,
            lambda c: c.certificates.release_pledge(pledge_id, RELEASE_DIGEST),
            "certificates",
            "releasePledge",
            pledge_id,
            RELEASE_DIGEST,
        ):
            self.model.pledges[pledge_id] = (certificate_id, False)
            self.model.sync_pledges(certificate_id)

    # --- the three views of the state ---------------------------------------------------

    def read_views(self) -> State:
        reader = self.consortium.contracts
        state = State()
        for centre in reader.centres.centres():
            state.centres[centre.id] = (centre.status, centre.signer)
        for digest in DIGESTS:
            anchor = reader.anchors.anchor_of(digest)
            if anchor.exists:
                state.anchors[digest] = anchor.centre_id
        for certificate_id in CERTIFICATES:
            certificate = reader.certificates.certificate(certificate_id)
            if certificate.status is not CertificateStatus.NONE:
                state.certificates[certificate_id] = (
                    certificate.issuer_id,
                    certificate.status,
                    certificate.asset_key,
                )
                pledges = reader.certificates.active_pledges(certificate_id)
                assert certificate.active_pledges == len(pledges)
                state.active_pledges[certificate_id] = pledges
        for key in ASSET_KEYS:
            holder = reader.certificates.certificate_of_asset(key)
            if holder != ZERO:
                state.holders[key] = holder
        return state

    def logs(self) -> list[ChainEvent]:
        return self.consortium.contracts.events.decode_all(self.raw_logs())

    def raw_logs(self) -> list[LogReceipt]:
        contracts = self.consortium.contracts
        first = min(deployed.block for deployed in contracts.record.contracts.values())
        return self.consortium.connection.w3.eth.get_logs(
            {
                "fromBlock": first,
                "toBlock": "latest",
                "address": [
                    contracts.centres.address,
                    contracts.anchors.address,
                    contracts.certificates.address,
                ],
            }
        )

    def rebuild(self, found: Sequence[ChainEvent]) -> State:
        """The state from the events alone; checks each write came from an Active centre."""
        w3 = self.consortium.connection.w3
        state = State()
        pledges: dict[bytes, tuple[bytes, int, bool]] = {}
        for event in found:
            if isinstance(event, WRITE_EVENTS):
                sender = w3.eth.get_transaction(event.transaction_hash)["from"]
                writer = event.centre_id if hasattr(event, "centre_id") else event.issuer_id  # type: ignore[attr-defined]
                assert state.centres[writer] == (CentreStatus.ACTIVE, sender), event
            match event:
                case CentreAdmitted(centre_id=centre_id, signer=signer):
                    assert centre_id not in state.centres
                    state.centres[centre_id] = (CentreStatus.ACTIVE, signer)
                case CentreStatusChanged(centre_id=centre_id, previous=previous, current=current):
                    status, signer = state.centres[centre_id]
                    assert status is previous
                    state.centres[centre_id] = (current, signer)
                case CentreKeyRotated(centre_id=centre_id, previous_signer=old, new_signer=new):
                    status, signer = state.centres[centre_id]
                    assert signer == old
                    state.centres[centre_id] = (status, new)
                case (
                    DigestAnchored(digest=digest, centre_id=centre_id)
                    | BatchAnchored(root=digest, centre_id=centre_id)
                ):
                    assert digest not in state.anchors, "a value was anchored twice"
                    state.anchors[digest] = centre_id
                case CertificateRegistered(
                    certificate_id=certificate_id, issuer_id=issuer, asset_key=key
                ):
                    assert certificate_id not in state.certificates
                    state.certificates[certificate_id] = (issuer, CertificateStatus.ACTIVE, key)
                    state.holders[key] = certificate_id
                case CertificateStatusChanged(certificate_id=certificate_id, status=status):
                    issuer, previous_status, key = state.certificates[certificate_id]
                    assert previous_status is CertificateStatus.ACTIVE
                    state.certificates[certificate_id] = (issuer, status, key)
                case PledgeRegistered(
                    pledge_id=pledge_id, certificate_id=certificate_id, priority=priority
                ):
                    assert pledge_id not in pledges
                    pledges[pledge_id] = (certificate_id, priority, True)
                case PledgeReleased(pledge_id=pledge_id):
                    certificate_id, priority, active = pledges[pledge_id]
                    assert active
                    pledges[pledge_id] = (certificate_id, priority, False)
        for certificate_id in state.certificates:
            ranked = sorted(
                (priority, pledge_id)
                for pledge_id, (pledged, priority, active) in pledges.items()
                if pledged == certificate_id and active
            )
            state.active_pledges[certificate_id] = [pledge_id for _, pledge_id in ranked]
        return state


def test_random_operations_agree_with_the_model_and_the_logs(consortium: Consortium) -> None:
    embedded = consortium.connection.backend is ChainBackend.EMBEDDED

    @settings(
        max_examples=25 if embedded else 5,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(operations=st.lists(OPERATION, min_size=12, max_size=20))
    def check(operations: list[tuple[Any, ...]]) -> None:
        with rolled_back(consortium):
            run = Run(consortium)
            for operation in operations:
                run.apply(operation)
            viewed = run.read_views()
            assert viewed == run.model.state
            assert run.rebuild(run.logs()) == viewed

    check()


def test_the_model_through_a_fixed_sequence(consortium: Consortium) -> None:
    """Every operation and most refusals in one known sequence, so the model is exercised."""
    # (operation, expected outcome)
    steps: list[tuple[tuple[Any, ...], str]] = [
        (("anchor", 0, 0), "ok"),
        (("anchor again", 1), "AlreadyAnchored"),
        (("anchor", 5, 1), "NotActiveCentre"),
        (("anchor batch", 2, 1), "ok"),
        (("status", "owner", 0, CertificateStatus.REVOKED), "UnknownCertificate"),
        (("register", 0, 0, 0), "ok"),
        (("register", 2, 0, 1), "AlreadyRegistered"),
        (("register", 1, 1, 0), "AssetKeyHeld"),
        (("pledge", 0, 0, 0), "ok"),
        (("pledge", "owner", 0, 1), "ok"),
        (("pledge", "owner", 0, 1), "PledgeExists"),
        (("register", 0, 2, 0), "CertificatePledged"),
        (("status", 0, 0, CertificateStatus.CANCELLED), "CertificatePledged"),
        (("release", 0, 0), "ok"),
        (("release", 0, 3), "PledgeNotActive"),
        (("status", 0, 0, CertificateStatus.SUPERSEDED), "CertificatePledged"),
        (("release", 1, 0), "NotIssuer"),
        (("suspend", 2), "ok"),
        (("anchor", 1, 2), "NotActiveCentre"),
        (("rotate", 2), "ok"),
        (("reinstate", 2), "ok"),
        (("anchor", 3, 2), "ok"),
        (("release", 3, 0), "NotIssuer"),
        (("release", "owner", 0), "ok"),
        (("register", "owner", 2, 0), "ok"),
        (("suspend", 3), "ok"),
        (("suspend", 1), "ok"),
        (("suspend", 2), "LastActiveCentre"),
        (("status", 0, 0, CertificateStatus.REVOKED), "NotActiveCentre"),
        (("register", 3, 1, 1), "ok"),
        (("reinstate", 1), "ok"),
        (("status", "owner", 0, CertificateStatus.REVOKED), "ok"),
        (("status", "owner", 7, CertificateStatus.CANCELLED), "CertificateNotActive"),
        (("reinstate", 2), "InvalidCentreStatus"),
        (("rotate", 1), "ok"),
        (("rotate", 3), "skipped"),  # no fresh key left
        (("pledge", "owner", 0, 2), "ok"),
        (("status", "owner", 0, CertificateStatus.REVOKED), "ok"),  # revoked while pledged
    ]
    with rolled_back(consortium):
        run = Run(consortium)
        for operation, _ in steps:
            run.apply(operation)
        assert run.outcomes == [outcome for _, outcome in steps]
        viewed = run.read_views()
        assert viewed == run.model.state
        c0, c1, c2 = CERTIFICATES[:3]
        k0, k1 = ASSET_KEYS
        assert viewed == State(
            centres={
                1: (CentreStatus.ACTIVE, consortium.spare[1].address),
                2: (CentreStatus.ACTIVE, consortium.spare[0].address),
                3: (CentreStatus.SUSPENDED, consortium.keys[2].address),
            },
            anchors={DIGESTS[0]: 1, DIGESTS[1]: 3, DIGESTS[2]: 2},
            certificates={
                c0: (1, CertificateStatus.SUPERSEDED, k0),
                c2: (1, CertificateStatus.REVOKED, k0),
                c1: (2, CertificateStatus.REVOKED, k1),
            },
            holders={k0: c2, k1: c1},
            active_pledges={c0: [], c1: [PLEDGES[2]], c2: []},
        )
        assert run.rebuild(run.logs()) == viewed
        logs = run.raw_logs()
        assert run.logs() == web3_decoded(consortium, logs)
        assert {type(event) for event in run.logs()} >= {
            CentreAdmitted,
            CentreStatusChanged,
            CentreKeyRotated,
            DigestAnchored,
            BatchAnchored,
            CertificateRegistered,
            CertificateStatusChanged,
            PledgeRegistered,
            PledgeReleased,
        }


def web3_decoded(consortium: Consortium, logs: Sequence[LogReceipt]) -> list[ChainEvent]:
    """The logs decoded by web3's general event decoder: the reference for ours."""
    build = consortium.contracts.build
    by_topic = {
        keccak(text=signature(item)): item
        for name in CONTRACT_NAMES
        for item in build.artifact(name).abi
        if item["type"] == "event"
    }
    codec = consortium.connection.w3.codec
    decoded = []
    for log in logs:
        data = get_event_data(codec, by_topic[bytes(log["topics"][0])], log)
        event_class = ChainEvent.registry[data["event"]]
        hints = get_type_hints(event_class)
        values = {snake_case(name): value for name, value in data["args"].items()}
        decoded.append(
            event_class(
                address=str(data["address"]),
                block_number=data["blockNumber"],
                transaction_hash=bytes(data["transactionHash"]),
                log_index=data["logIndex"],
                **{name: hints[name](value) for name, value in values.items()},
            )
        )
    return decoded
