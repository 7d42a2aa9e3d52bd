"""CentreRegistry: genesis, access control, M-of-N proposals, statuses, keys, pause, recognition."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3.types import TxReceipt

from node.chain.contracts import DatapropContracts
from node.chain.events import (
    CentreAdmitted,
    CentreKeyRotated,
    CentreStatusChanged,
    DigestAnchored,
    Paused,
    ProposalCreated,
    ProposalExecuted,
    ProposalVoted,
    RecognitionChanged,
    Unpaused,
    WriterChanged,
)
from node.chain.registries import CentreRegistryClient
from node.chain.revert_errors import (
    AnchorRegistryNotActiveCentreError,
    AnchorRegistryNotCentreRegistryError,
    AnchorRegistryPausedError,
    CentreRegistryAlreadyVotedError,
    CentreRegistryEmptyNameError,
    CentreRegistryInvalidCentreStatusError,
    CentreRegistryInvalidRegionCodeError,
    CentreRegistryKeyAlreadyUsedError,
    CentreRegistryLastActiveCentreError,
    CentreRegistryNotActiveCentreError,
    CentreRegistryNotPausedError,
    CentreRegistryPausedError,
    CentreRegistryProposalExpiredError,
    CentreRegistryProposalNotOpenError,
    CentreRegistryRecognitionUnchangedError,
    CentreRegistrySelfRecognitionError,
    CentreRegistryThresholdNotReachedError,
    CentreRegistryUnknownCentreError,
    CentreRegistryUnknownProposalError,
    CentreRegistryZeroSignerError,
    CertificateRegistryNotActiveCentreError,
    CertificateRegistryPausedError,
)
from node.chain.types import (
    Anchor,
    Centre,
    CentreStatus,
    CertificateStatus,
    KeyPeriod,
    Proposal,
    ProposalKind,
)
from tests.contracts.conftest import GENESIS, PROPOSAL_LIFETIME, Consortium
from tests.contracts.helpers import (
    ZERO,
    b32,
    block_timestamp,
    enact,
    ev,
    events,
    of_kind,
    proposal_id,
    reverts,
    strip,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
NEW_REGION, NEW_NAME, NEW_ENDPOINT = 370100, "济南市数据资产登记中心", "http://127.0.0.1:9004"


def _admit_proposal(key: str) -> Callable[[CentreRegistryClient], TxReceipt]:
    return lambda centres: centres.propose_admit(key, NEW_REGION, NEW_NAME, NEW_ENDPOINT)


def _anchor(writer: DatapropContracts, label: str) -> TxReceipt:
    return writer.anchors.anchor(b32(label), b32("kind"), b32("subject"))


def _genesis_block(consortium: Consortium) -> int:
    return consortium.contracts.record.contracts["CentreRegistry"].block


# --- genesis ----------------------------------------------------------------------------


def test_genesis_centres_are_active_with_their_fields(consortium: Consortium) -> None:
    centres = consortium.contracts.centres
    anchors = consortium.contracts.anchors
    block = _genesis_block(consortium)
    expected = [
        Centre(index + 1, key.address, region, CentreStatus.ACTIVE, block, block, name, endpoint)
        for index, (key, (region, name, endpoint)) in enumerate(
            zip(consortium.keys, GENESIS, strict=True)
        )
    ]
    assert centres.centres() == expected
    assert centres.centre_count() == 3
    assert centres.active_centre_count() == 3
    assert centres.threshold() == 3
    assert centres.paused() is False
    assert centres.proposal_count() == 0
    assert centres.version() == "1.0.0"
    assert centres.anchor_registry() == anchors.address
    assert centres.contract.functions.proposalLifetime().call() == PROPOSAL_LIFETIME
    for centre in expected:
        key = centre.signer
        assert centres.centre_of(key) == centre
        assert centres.key_period(key) == KeyPeriod(centre.id, block, 0)
        assert centres.was_key_of(key, centre.id, block) is True
        assert centres.was_key_of(key, centre.id, block - 1) is False
        assert centres.is_active(key) is True
        assert centres.active_centre_id_of(key) == centre.id
        assert anchors.writer_of(key) == centre.id
        assert centres.contract.functions.centreStatus(centre.id).call() == CentreStatus.ACTIVE


def test_unknown_centre_and_key_read_as_zeroed(consortium: Consortium) -> None:
    centres = consortium.contracts.centres
    outsider = consortium.outsider.address
    nobody = Centre(0, ZERO_ADDRESS, 0, CentreStatus.NONE, 0, 0, "", "")
    assert centres.centre(4) == nobody
    assert centres.centre(0) == nobody
    assert centres.centre_of(outsider) == nobody
    assert centres.key_period(outsider) == KeyPeriod(0, 0, 0)
    assert centres.was_key_of(outsider, 0, 0) is False
    assert centres.is_active(outsider) is False
    assert centres.active_centre_id_of(outsider) == 0
    assert consortium.contracts.anchors.writer_of(outsider) == 0


def test_genesis_admissions_are_events_of_the_deployment(consortium: Consortium) -> None:
    deployed = consortium.contracts.record.contracts["CentreRegistry"]
    receipt = consortium.connection.w3.eth.get_transaction_receipt(deployed.tx_hash)
    found = events(consortium, receipt)
    expected = []
    for index, (key, (region, name, endpoint)) in enumerate(
        zip(consortium.keys, GENESIS, strict=True)
    ):
        expected += [
            ev(
                CentreAdmitted,
                centre_id=index + 1,
                signer=key.address,
                region_code=region,
                name=name,
                endpoint=endpoint,
            ),
            ev(WriterChanged, signer=key.address, centre_id=index + 1),
        ]
    assert strip(found) == expected
    centres, anchors = consortium.contracts.centres.address, consortium.contracts.anchors.address
    assert [event.address for event in found] == [centres, anchors] * 3
    assert {event.block_number for event in found} == {deployed.block}


# --- access control ---------------------------------------------------------------------


def _every_write(
    spare: str, open_proposal: int
) -> list[tuple[str, Callable[[CentreRegistryClient], TxReceipt]]]:
    return [
        ("proposeAdmit", lambda r: r.propose_admit(spare, NEW_REGION, NEW_NAME, NEW_ENDPOINT)),
        ("proposeSuspend", lambda r: r.propose_suspend(1)),
        ("proposeReinstate", lambda r: r.propose_reinstate(1)),
        ("proposeRemove", lambda r: r.propose_remove(1)),
        ("proposeRotateKey", lambda r: r.propose_rotate_key(1, spare)),
        ("proposePause", lambda r: r.propose_pause()),
        ("proposeUnpause", lambda r: r.propose_unpause()),
        ("vote", lambda r: r.vote(open_proposal)),
        ("execute", lambda r: r.execute(open_proposal)),
        ("setRecognition", lambda r: r.set_recognition(1, True)),
    ]


@pytest.mark.parametrize("kind", ["outsider", "suspended", "removed", "rotated-out key"])
def test_every_write_refuses_a_caller_that_is_not_an_active_centre(
    consortium: Consortium, kind: str
) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    caller = {"outsider": consortium.anyone}.get(kind, c)
    if kind == "suspended":
        enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    elif kind == "removed":
        enact(consortium, lambda r: r.propose_remove(3), a, b, c)
    elif kind == "rotated-out key":
        enact(consortium, lambda r: r.propose_rotate_key(3, consortium.spare[0].address), a, b, c)
    pid = proposal_id(
        consortium, a.centres.propose_admit(consortium.spare[4].address, 370100, "x", "")
    )
    count = a.centres.proposal_count()
    address = caller.sender.address  # type: ignore[union-attr]
    for name, write in _every_write(consortium.spare[3].address, pid):
        with reverts(CentreRegistryNotActiveCentreError, caller=address):
            write(caller.centres)
        assert a.centres.proposal_count() == count, name
    assert a.centres.has_voted(pid, 3) is False
    assert a.centres.recognised_centres(3) == set()
    with reverts(AnchorRegistryNotActiveCentreError, caller=address):
        _anchor(caller, "refused")
    with reverts(AnchorRegistryNotActiveCentreError, caller=address):
        caller.anchors.anchor_batch(b32("refused root"), 2)
    with reverts(CertificateRegistryNotActiveCentreError, caller=address):
        caller.certificates.register_certificates([b32("cert")], [b32("asset")])


def test_set_writer_is_reserved_to_the_centre_registry(consortium: Consortium) -> None:
    for writer in (consortium.anyone, consortium.a):
        assert writer.sender is not None
        call = writer.anchors.function("setWriter", writer.sender.address, 1)
        with reverts(AnchorRegistryNotCentreRegistryError, caller=writer.sender.address):
            writer.sender.transact(call)
    assert consortium.contracts.anchors.writer_of(consortium.outsider.address) == 0
    anchors = consortium.contracts.anchors.contract.functions
    assert anchors.centreRegistry().call() == consortium.contracts.centres.address


# --- M of N -----------------------------------------------------------------------------


def test_admitting_a_fourth_centre_needs_three_approvals(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    new = consortium.spare[0]
    receipt = a.centres.propose_admit(new.address, NEW_REGION, NEW_NAME, NEW_ENDPOINT)
    expires = block_timestamp(consortium, receipt) + PROPOSAL_LIFETIME
    assert strip(events(consortium, receipt)) == [
        ev(
            ProposalCreated,
            proposal_id=1,
            kind=ProposalKind.ADMIT,
            proposer_id=1,
            target_centre_id=0,
            new_signer=new.address,
            region_code=NEW_REGION,
            name=NEW_NAME,
            endpoint=NEW_ENDPOINT,
            expires_at=expires,
        ),
        ev(ProposalVoted, proposal_id=1, voter_id=1, approvals=1, threshold=3),
    ]
    receipt = b.centres.vote(1)
    assert strip(events(consortium, receipt)) == [
        ev(ProposalVoted, proposal_id=1, voter_id=2, approvals=2, threshold=3)
    ]
    assert a.centres.centre(4).status is CentreStatus.NONE
    assert a.centres.centre_count() == 3
    assert a.centres.proposal(1) == Proposal(
        ProposalKind.ADMIT, 0, new.address, 1, False, NEW_REGION, expires, NEW_NAME, NEW_ENDPOINT, 2
    )
    assert [a.centres.has_voted(1, centre_id) for centre_id in (1, 2, 3)] == [True, True, False]
    with reverts(AnchorRegistryNotActiveCentreError, caller=new.address):
        _anchor(consortium.as_(new), "too early")

    receipt = c.centres.vote(1)
    block = receipt["blockNumber"]
    assert strip(events(consortium, receipt)) == [
        ev(ProposalVoted, proposal_id=1, voter_id=3, approvals=3, threshold=3),
        ev(ProposalExecuted, proposal_id=1, kind=ProposalKind.ADMIT, target_centre_id=0),
        ev(
            CentreAdmitted,
            centre_id=4,
            signer=new.address,
            region_code=NEW_REGION,
            name=NEW_NAME,
            endpoint=NEW_ENDPOINT,
        ),
        ev(WriterChanged, signer=new.address, centre_id=4),
    ]
    assert a.centres.centre(4) == Centre(
        4, new.address, NEW_REGION, CentreStatus.ACTIVE, block, block, NEW_NAME, NEW_ENDPOINT
    )
    assert a.centres.proposal(1).executed is True
    assert a.centres.key_period(new.address) == KeyPeriod(4, block, 0)
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (4, 3)
    receipt = _anchor(consortium.as_(new), "first of centre 4")
    assert strip(events(consortium, receipt)) == [
        ev(
            DigestAnchored,
            digest=b32("first of centre 4"),
            centre_id=4,
            kind=b32("kind"),
            subject=b32("subject"),
        )
    ]


def test_threshold_is_more_than_two_thirds_of_active_centres(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    d_key, e_key, f_key = consortium.spare[:3]
    enact(consortium, _admit_proposal(d_key.address), a, b, c)
    d = consortium.as_(d_key)
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (4, 3)

    # With 4 active centres: 2 approvals are one below the threshold, the third executes.
    pid, receipt = enact(consortium, _admit_proposal(e_key.address), a, b)
    assert of_kind(events(consortium, receipt), ProposalExecuted) == []
    assert a.centres.proposal(pid).approvals == 2
    assert a.centres.centre(5).status is CentreStatus.NONE
    receipt = d.centres.vote(pid)
    assert strip(of_kind(events(consortium, receipt), ProposalVoted)) == [
        ev(ProposalVoted, proposal_id=pid, voter_id=4, approvals=3, threshold=3)
    ]
    assert a.centres.centre(5).status is CentreStatus.ACTIVE
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (5, 4)

    # With 5 active centres: 3 approvals do nothing, the fourth executes.
    pid, receipt = enact(consortium, _admit_proposal(f_key.address), a, b, c)
    assert strip(of_kind(events(consortium, receipt), ProposalVoted)) == [
        ev(ProposalVoted, proposal_id=pid, voter_id=3, approvals=3, threshold=4)
    ]
    assert a.centres.centre(6).status is CentreStatus.NONE
    receipt = d.centres.vote(pid)
    assert strip(of_kind(events(consortium, receipt), ProposalExecuted)) == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.ADMIT, target_centre_id=0)
    ]
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (6, 5)


def test_expired_proposal_can_no_longer_be_voted_or_executed(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    receipt = a.centres.propose_admit(consortium.spare[0].address, NEW_REGION, NEW_NAME, "")
    pid = proposal_id(consortium, receipt)
    expires = block_timestamp(consortium, receipt) + PROPOSAL_LIFETIME
    assert a.centres.proposal(pid).expires_at == expires

    # One second before expiry the vote still counts.
    consortium.set_next_block_timestamp(expires - 1)
    receipt = b.centres.vote(pid)
    assert block_timestamp(consortium, receipt) == expires - 1
    assert a.centres.proposal(pid).approvals == 2

    # From expiresAt on (block.timestamp >= expiresAt) it is closed.
    consortium.advance_time(expires - consortium.latest_timestamp())
    assert consortium.latest_timestamp() == expires
    with reverts(CentreRegistryProposalExpiredError, proposal_id=pid, expires_at=expires):
        c.centres.vote(pid)
    with reverts(CentreRegistryProposalExpiredError, proposal_id=pid, expires_at=expires):
        a.centres.execute(pid)
    consortium.advance_time(PROPOSAL_LIFETIME)
    with reverts(CentreRegistryProposalExpiredError, proposal_id=pid, expires_at=expires):
        c.centres.vote(pid)
    assert a.centres.centre(4).status is CentreStatus.NONE
    assert a.centres.proposal(pid).executed is False


def test_advance_time_moves_the_chain_clock(consortium: Consortium) -> None:
    before = consortium.latest_timestamp()
    consortium.advance_time(PROPOSAL_LIFETIME)
    assert consortium.latest_timestamp() == before + PROPOSAL_LIFETIME


def test_double_vote_unknown_and_executed_proposals_are_refused(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    pid = proposal_id(consortium, a.centres.propose_pause())
    with reverts(CentreRegistryAlreadyVotedError, proposal_id=pid, centre_id=1):
        a.centres.vote(pid)
    b.centres.vote(pid)
    with reverts(CentreRegistryAlreadyVotedError, proposal_id=pid, centre_id=2):
        b.centres.vote(pid)
    c.centres.vote(pid)
    assert a.centres.paused() is True
    for voter in (a, b, c):
        with reverts(CentreRegistryProposalNotOpenError, proposal_id=pid):
            voter.centres.vote(pid)
    with reverts(CentreRegistryProposalNotOpenError, proposal_id=pid):
        a.centres.execute(pid)
    for unknown in (0, pid + 1, 2**200):
        with reverts(CentreRegistryUnknownProposalError, proposal_id=unknown):
            a.centres.vote(unknown)
        with reverts(CentreRegistryUnknownProposalError, proposal_id=unknown):
            a.centres.execute(unknown)
    assert a.centres.proposal(pid + 1) == Proposal(
        ProposalKind.ADMIT, 0, ZERO_ADDRESS, 0, False, 0, 0, "", "", 0
    )


def test_execute_applies_a_proposal_whose_threshold_fell(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    new = consortium.spare[0].address
    pid, _ = enact(consortium, _admit_proposal(new), a, b)
    with reverts(CentreRegistryThresholdNotReachedError, proposal_id=pid, approvals=2, threshold=3):
        a.centres.execute(pid)
    with reverts(CentreRegistryNotActiveCentreError, caller=consortium.outsider.address):
        consortium.anyone.centres.execute(pid)

    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    assert (a.centres.threshold(), a.centres.proposal(pid).approvals) == (2, 2)
    receipt = b.centres.execute(pid)
    assert strip(events(consortium, receipt)) == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.ADMIT, target_centre_id=0),
        ev(
            CentreAdmitted,
            centre_id=4,
            signer=new,
            region_code=NEW_REGION,
            name=NEW_NAME,
            endpoint=NEW_ENDPOINT,
        ),
        ev(WriterChanged, signer=new, centre_id=4),
    ]
    with reverts(CentreRegistryProposalNotOpenError, proposal_id=pid):
        a.centres.execute(pid)


def test_approvals_of_centres_no_longer_active_do_not_count(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    pid, _ = enact(consortium, _admit_proposal(consortium.spare[0].address), a, c)
    assert a.centres.proposal(pid).approvals == 2
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    assert a.centres.proposal(pid).approvals == 1
    assert a.centres.has_voted(pid, 3) is True
    receipt = b.centres.vote(pid)
    assert strip(of_kind(events(consortium, receipt), ProposalVoted)) == [
        ev(ProposalVoted, proposal_id=pid, voter_id=2, approvals=2, threshold=2)
    ]
    assert a.centres.centre(4).status is CentreStatus.ACTIVE


def test_proposal_is_checked_again_at_execution(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    key = consortium.spare[0].address
    first = proposal_id(consortium, a.centres.propose_admit(key, NEW_REGION, NEW_NAME, ""))
    second = proposal_id(consortium, b.centres.propose_admit(key, 370300, "淄博", ""))
    b.centres.vote(first)
    c.centres.vote(first)
    assert a.centres.centre(4).signer == key
    a.centres.vote(second)
    with reverts(CentreRegistryKeyAlreadyUsedError, key=key, centre_id=4):
        c.centres.vote(second)
    assert a.centres.proposal(second).executed is False
    assert a.centres.centre_count() == 4


# --- proposal validation ----------------------------------------------------------------


def test_admission_arguments_are_validated(consortium: Consortium) -> None:
    a = consortium.a
    key = consortium.spare[0].address
    for region in (0, 99_999, 1_000_000, 2**32 - 1):
        with reverts(CentreRegistryInvalidRegionCodeError, region_code=region):
            a.centres.propose_admit(key, region, NEW_NAME, NEW_ENDPOINT)
    with reverts(CentreRegistryEmptyNameError):
        a.centres.propose_admit(key, NEW_REGION, "", NEW_ENDPOINT)
    with reverts(CentreRegistryZeroSignerError):
        a.centres.propose_admit(ZERO_ADDRESS, NEW_REGION, NEW_NAME, NEW_ENDPOINT)
    for index, genesis_key in enumerate(consortium.keys):
        with reverts(
            CentreRegistryKeyAlreadyUsedError, key=genesis_key.address, centre_id=index + 1
        ):
            a.centres.propose_admit(genesis_key.address, NEW_REGION, NEW_NAME, NEW_ENDPOINT)
    assert a.centres.proposal_count() == 0
    # The bounds themselves are six-digit codes; an empty endpoint is allowed.
    for region in (100_000, 999_999):
        receipt = a.centres.propose_admit(key, region, NEW_NAME, "")
        (created,) = of_kind(events(consortium, receipt), ProposalCreated)
        assert (created.region_code, created.endpoint) == (region, "")
    assert a.centres.proposal_count() == 2


def test_status_proposals_are_validated(consortium: Consortium) -> None:
    a = consortium.a
    for unknown in (0, 4, 2**32 - 1):
        for propose in (
            a.centres.propose_suspend,
            a.centres.propose_reinstate,
            a.centres.propose_remove,
        ):
            with reverts(CentreRegistryUnknownCentreError, centre_id=unknown):
                propose(unknown)
        with reverts(CentreRegistryUnknownCentreError, centre_id=unknown):
            a.centres.propose_rotate_key(unknown, consortium.spare[0].address)
    with reverts(CentreRegistryInvalidCentreStatusError, centre_id=2, status=CentreStatus.ACTIVE):
        a.centres.propose_reinstate(2)
    with reverts(CentreRegistryZeroSignerError):
        a.centres.propose_rotate_key(2, ZERO_ADDRESS)
    with reverts(CentreRegistryKeyAlreadyUsedError, key=consortium.keys[0].address, centre_id=1):
        a.centres.propose_rotate_key(2, consortium.keys[0].address)
    with reverts(CentreRegistryNotPausedError):
        a.centres.propose_unpause()
    assert a.centres.proposal_count() == 0


# --- suspension, reinstatement, removal -------------------------------------------------


def test_suspended_centre_cannot_anchor_until_reinstated(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    c_key = consortium.keys[2].address
    _anchor(c, "before suspension")
    pid, receipt = enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    block = receipt["blockNumber"]
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.SUSPEND, target_centre_id=3),
        ev(
            CentreStatusChanged,
            centre_id=3,
            previous=CentreStatus.ACTIVE,
            current=CentreStatus.SUSPENDED,
        ),
        ev(WriterChanged, signer=c_key, centre_id=0),
    ]
    centre = a.centres.centre(3)
    assert (centre.status, centre.status_changed_block, centre.admitted_block) == (
        CentreStatus.SUSPENDED,
        block,
        _genesis_block(consortium),
    )
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (2, 2)
    assert (a.centres.is_active(c_key), a.centres.active_centre_id_of(c_key)) == (False, 0)
    assert a.anchors.writer_of(c_key) == 0
    assert a.centres.centre_of(c_key).id == 3  # still its key, only not active
    with reverts(AnchorRegistryNotActiveCentreError, caller=c_key):
        _anchor(c, "while suspended")
    with reverts(
        CentreRegistryInvalidCentreStatusError, centre_id=3, status=CentreStatus.SUSPENDED
    ):
        a.centres.propose_suspend(3)
    # Anchors made before the suspension stay.
    assert a.anchors.anchor_of(b32("before suspension")).centre_id == 3

    pid, receipt = enact(consortium, lambda r: r.propose_reinstate(3), a, b)
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.REINSTATE, target_centre_id=3),
        ev(
            CentreStatusChanged,
            centre_id=3,
            previous=CentreStatus.SUSPENDED,
            current=CentreStatus.ACTIVE,
        ),
        ev(WriterChanged, signer=c_key, centre_id=3),
    ]
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (3, 3)
    assert a.centres.centre(3).status_changed_block == receipt["blockNumber"]
    _anchor(c, "after reinstatement")
    assert a.anchors.anchor_of(b32("after reinstatement")).centre_id == 3


def test_removed_centre_cannot_vote_anchor_or_come_back(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    c_key = consortium.keys[2].address
    open_pid = proposal_id(consortium, a.centres.propose_pause())
    pid, receipt = enact(consortium, lambda r: r.propose_remove(3), a, b, c)
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.REMOVE, target_centre_id=3),
        ev(
            CentreStatusChanged,
            centre_id=3,
            previous=CentreStatus.ACTIVE,
            current=CentreStatus.REMOVED,
        ),
        ev(WriterChanged, signer=c_key, centre_id=0),
    ]
    assert a.centres.centre(3).status is CentreStatus.REMOVED
    assert (a.centres.active_centre_count(), a.centres.centre_count()) == (2, 3)
    with reverts(CentreRegistryNotActiveCentreError, caller=c_key):
        c.centres.vote(open_pid)
    with reverts(AnchorRegistryNotActiveCentreError, caller=c_key):
        _anchor(c, "removed")
    for propose in (
        a.centres.propose_reinstate,
        a.centres.propose_remove,
        a.centres.propose_suspend,
    ):
        with reverts(
            CentreRegistryInvalidCentreStatusError, centre_id=3, status=CentreStatus.REMOVED
        ):
            propose(3)
    with reverts(CentreRegistryInvalidCentreStatusError, centre_id=3, status=CentreStatus.REMOVED):
        a.centres.propose_rotate_key(3, consortium.spare[0].address)
    # A removed centre's key stays used for good.
    with reverts(CentreRegistryKeyAlreadyUsedError, key=c_key, centre_id=3):
        a.centres.propose_admit(c_key, NEW_REGION, NEW_NAME, NEW_ENDPOINT)


def test_a_suspended_centre_can_be_removed(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    _, receipt = enact(consortium, lambda r: r.propose_remove(3), a, b)
    assert strip(of_kind(events(consortium, receipt), CentreStatusChanged)) == [
        ev(
            CentreStatusChanged,
            centre_id=3,
            previous=CentreStatus.SUSPENDED,
            current=CentreStatus.REMOVED,
        )
    ]
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (2, 2)


def test_last_active_centre_cannot_be_suspended_or_removed(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    enact(consortium, lambda r: r.propose_suspend(2), a, b)
    assert (a.centres.active_centre_count(), a.centres.threshold()) == (1, 1)
    with reverts(CentreRegistryLastActiveCentreError, centre_id=1):
        a.centres.propose_suspend(1)
    with reverts(CentreRegistryLastActiveCentreError, centre_id=1):
        a.centres.propose_remove(1)
    # Alone, A's proposal is its own threshold: removing a suspended centre executes at once.
    receipt = a.centres.propose_remove(2)
    pid = proposal_id(consortium, receipt)
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalVoted, proposal_id=pid, voter_id=1, approvals=1, threshold=1),
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.REMOVE, target_centre_id=2),
        ev(
            CentreStatusChanged,
            centre_id=2,
            previous=CentreStatus.SUSPENDED,
            current=CentreStatus.REMOVED,
        ),
        ev(WriterChanged, signer=consortium.keys[1].address, centre_id=0),
    ]


def test_last_active_centre_rule_is_checked_again_at_execution(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    suspend_b = proposal_id(consortium, a.centres.propose_suspend(2))
    suspend_a = proposal_id(consortium, b.centres.propose_suspend(1))
    a.centres.vote(suspend_a)
    assert a.centres.centre(1).status is CentreStatus.SUSPENDED
    assert a.centres.proposal(suspend_b).approvals == 0  # A's approval no longer counts
    with reverts(CentreRegistryLastActiveCentreError, centre_id=2):
        b.centres.vote(suspend_b)
    assert a.centres.centre(2).status is CentreStatus.ACTIVE


# --- keys -------------------------------------------------------------------------------


def test_key_rotation_moves_writing_rights_to_the_new_key(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    old, new = consortium.keys[2].address, consortium.spare[0].address
    genesis = _genesis_block(consortium)
    pid, receipt = enact(consortium, lambda r: r.propose_rotate_key(3, new), a, b, c)
    rotation = receipt["blockNumber"]
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.ROTATE_KEY, target_centre_id=3),
        ev(CentreKeyRotated, centre_id=3, previous_signer=old, new_signer=new),
        ev(WriterChanged, signer=old, centre_id=0),
        ev(WriterChanged, signer=new, centre_id=3),
    ]
    centres = a.centres
    assert centres.centre(3).signer == new
    assert centres.centre(3).status is CentreStatus.ACTIVE
    assert centres.key_period(old) == KeyPeriod(3, genesis, rotation)
    assert centres.key_period(new) == KeyPeriod(3, rotation, 0)
    assert centres.was_key_of(old, 3, rotation - 1) is True
    assert centres.was_key_of(old, 3, rotation) is False
    assert centres.was_key_of(new, 3, rotation - 1) is False
    assert centres.was_key_of(new, 3, rotation) is True
    assert centres.was_key_of(new, 3, rotation + 1000) is True
    assert centres.was_key_of(new, 2, rotation) is False
    assert centres.centre_of(old).status is CentreStatus.NONE
    assert centres.centre_of(new).id == 3
    assert (centres.is_active(old), centres.is_active(new)) == (False, True)
    assert (a.anchors.writer_of(old), a.anchors.writer_of(new)) == (0, 3)

    with reverts(AnchorRegistryNotActiveCentreError, caller=old):
        _anchor(c, "old key")
    with reverts(CentreRegistryNotActiveCentreError, caller=old):
        c.centres.propose_pause()
    receipt = _anchor(consortium.as_(consortium.spare[0]), "new key")
    (anchored,) = of_kind(events(consortium, receipt), DigestAnchored)
    assert anchored.centre_id == 3
    # Keys are never reused, by the same centre or another.
    with reverts(CentreRegistryKeyAlreadyUsedError, key=old, centre_id=3):
        a.centres.propose_rotate_key(3, old)
    with reverts(CentreRegistryKeyAlreadyUsedError, key=old, centre_id=3):
        a.centres.propose_rotate_key(2, old)
    with reverts(CentreRegistryKeyAlreadyUsedError, key=old, centre_id=3):
        a.centres.propose_admit(old, NEW_REGION, NEW_NAME, NEW_ENDPOINT)
    with reverts(CentreRegistryKeyAlreadyUsedError, key=new, centre_id=3):
        a.centres.propose_rotate_key(1, new)


def test_rotating_the_key_of_a_suspended_centre(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    old, new = consortium.keys[2].address, consortium.spare[0].address
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    _, receipt = enact(consortium, lambda r: r.propose_rotate_key(3, new), a, b)
    assert strip(of_kind(events(consortium, receipt), CentreKeyRotated)) == [
        ev(CentreKeyRotated, centre_id=3, previous_signer=old, new_signer=new)
    ]
    assert of_kind(events(consortium, receipt), WriterChanged) == []
    assert (a.anchors.writer_of(old), a.anchors.writer_of(new)) == (0, 0)
    assert a.centres.is_active(new) is False
    with reverts(AnchorRegistryNotActiveCentreError, caller=new):
        _anchor(consortium.as_(consortium.spare[0]), "suspended new key")

    enact(consortium, lambda r: r.propose_reinstate(3), a, b)
    assert (a.anchors.writer_of(old), a.anchors.writer_of(new)) == (0, 3)
    _anchor(consortium.as_(consortium.spare[0]), "reinstated new key")
    with reverts(AnchorRegistryNotActiveCentreError, caller=old):
        _anchor(c, "reinstated old key")


# --- pause ------------------------------------------------------------------------------


def test_pause_stops_writes_but_not_reads_or_governance(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    keys = [key.address for key in consortium.keys]
    _anchor(a, "before pause")
    a.certificates.register_certificates([b32("cert")], [b32("asset")])

    pid, receipt = enact(consortium, lambda r: r.propose_pause(), a, b, c)
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.PAUSE, target_centre_id=0),
        ev(Paused, account=keys[2]),
        *[ev(WriterChanged, signer=key, centre_id=0) for key in keys],
    ]
    assert a.centres.paused() is True
    assert [a.anchors.writer_of(key) for key in keys] == [0, 0, 0]
    assert all(a.centres.is_active(key) for key in keys)  # centres stay active

    with reverts(AnchorRegistryPausedError):
        _anchor(a, "during pause")
    with reverts(AnchorRegistryPausedError):
        b.anchors.anchor_batch(b32("root during pause"), 4)
    with reverts(AnchorRegistryPausedError):
        _anchor(consortium.anyone, "outsider during pause")
    with reverts(CertificateRegistryPausedError):
        a.certificates.register_certificates([b32("cert 2")], [b32("asset 2")])
    with reverts(CertificateRegistryPausedError):
        a.certificates.set_status(b32("cert"), CertificateStatus.REVOKED, b32("decision"))
    with reverts(CertificateRegistryPausedError):
        a.certificates.register_pledge(b32("cert"), b32("pledge"), b32("record"), b32("bank"))
    with reverts(CertificateRegistryPausedError):
        a.certificates.approve_transfer(b32("cert"), 2)
    with reverts(CentreRegistryPausedError):
        a.centres.set_recognition(2, True)
    with reverts(CentreRegistryPausedError):
        a.centres.propose_pause()

    # Reads still work.
    assert a.anchors.anchor_of(b32("before pause")).centre_id == 1
    assert a.anchors.is_anchored(b32("during pause")) is False
    assert a.certificates.certificate(b32("cert")).status is CertificateStatus.ACTIVE
    assert a.certificates.certificate_of_asset(b32("asset")) == b32("cert")

    # Governance still works: a centre admitted while paused may not write yet.
    new_key = consortium.spare[0]
    _, receipt = enact(consortium, _admit_proposal(new_key.address), a, b, c)
    assert strip(of_kind(events(consortium, receipt), WriterChanged)) == [
        ev(WriterChanged, signer=new_key.address, centre_id=0)
    ]
    assert a.centres.centre(4).status is CentreStatus.ACTIVE
    new = consortium.as_(new_key)
    with reverts(AnchorRegistryPausedError):
        _anchor(new, "new centre during pause")

    pid, receipt = enact(consortium, lambda r: r.propose_unpause(), new, a, b)
    assert strip(events(consortium, receipt))[1:] == [
        ev(ProposalExecuted, proposal_id=pid, kind=ProposalKind.UNPAUSE, target_centre_id=0),
        ev(Unpaused, account=keys[1]),
        *[
            ev(WriterChanged, signer=key, centre_id=index + 1)
            for index, key in enumerate([*keys, new_key.address])
        ],
    ]
    assert a.centres.paused() is False
    with reverts(CentreRegistryNotPausedError):
        a.centres.propose_unpause()
    for writer, label in ((a, "a"), (b, "b"), (c, "c"), (new, "new")):
        _anchor(writer, f"after unpause {label}")
    assert a.anchors.anchor_of(b32("after unpause new")).centre_id == 4
    a.certificates.register_certificates([b32("cert 2")], [b32("asset 2")])
    assert a.certificates.certificate(b32("cert 2")).issuer_id == 1


def test_unpause_does_not_restore_centres_suspended_meanwhile(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    enact(consortium, lambda r: r.propose_pause(), a, b, c)
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    _, receipt = enact(consortium, lambda r: r.propose_unpause(), a, b)
    assert strip(of_kind(events(consortium, receipt), WriterChanged)) == [
        ev(WriterChanged, signer=consortium.keys[0].address, centre_id=1),
        ev(WriterChanged, signer=consortium.keys[1].address, centre_id=2),
    ]
    with reverts(AnchorRegistryNotActiveCentreError, caller=consortium.keys[2].address):
        _anchor(c, "suspended after unpause")


def test_second_pause_proposal_is_refused_at_execution(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    first = proposal_id(consortium, a.centres.propose_pause())
    second = proposal_id(consortium, b.centres.propose_pause())
    b.centres.vote(first)
    c.centres.vote(first)
    a.centres.vote(second)
    with reverts(CentreRegistryPausedError):
        c.centres.vote(second)
    assert a.centres.proposal(second).executed is False


# --- recognition ------------------------------------------------------------------------


def test_recognition_is_declared_and_withdrawn(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    receipt = a.centres.set_recognition(2, True)
    assert strip(events(consortium, receipt)) == [
        ev(RecognitionChanged, recogniser_id=1, recognised_id=2, recognised=True)
    ]
    a.centres.set_recognition(3, True)
    assert a.centres.recognises(1, 2) is True
    assert a.centres.recognises(2, 1) is False  # recognition is one-way
    assert a.centres.recognised_centres(1) == {2, 3}
    assert a.centres.recognised_centres(2) == set()

    with reverts(
        CentreRegistryRecognitionUnchangedError, recogniser_id=1, recognised_id=2, recognised=True
    ):
        a.centres.set_recognition(2, True)
    receipt = a.centres.set_recognition(2, False)
    assert strip(events(consortium, receipt)) == [
        ev(RecognitionChanged, recogniser_id=1, recognised_id=2, recognised=False)
    ]
    assert a.centres.recognises(1, 2) is False
    assert a.centres.recognised_centres(1) == {3}
    with reverts(
        CentreRegistryRecognitionUnchangedError, recogniser_id=1, recognised_id=2, recognised=False
    ):
        a.centres.set_recognition(2, False)
    with reverts(
        CentreRegistryRecognitionUnchangedError, recogniser_id=2, recognised_id=1, recognised=False
    ):
        b.centres.set_recognition(1, False)
    with reverts(CentreRegistrySelfRecognitionError, centre_id=1):
        a.centres.set_recognition(1, True)
    for unknown in (0, 4):
        with reverts(CentreRegistryUnknownCentreError, centre_id=unknown):
            a.centres.set_recognition(unknown, True)
    b.centres.set_recognition(1, True)
    assert (a.centres.recognises(2, 1), a.centres.recognised_centres(2)) == (True, {1})


def test_a_suspended_centre_can_still_be_recognised(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    a.centres.set_recognition(3, True)
    assert a.centres.recognised_centres(1) == {3}
    with reverts(CentreRegistryNotActiveCentreError, caller=consortium.keys[2].address):
        c.centres.set_recognition(1, True)


def test_reads_need_no_key(consortium: Consortium) -> None:
    reader = consortium.contracts
    assert reader.sender is None
    assert reader.centres.centre(1).name == GENESIS[0][1]
    assert reader.anchors.anchor_of(ZERO) == Anchor(0, 0, 0, 0)
