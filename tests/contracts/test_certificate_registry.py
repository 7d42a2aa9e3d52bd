"""CertificateRegistry: registration, asset keys, transfers, status changes, pledges."""

from __future__ import annotations

import pytest

from node.chain.contracts import DatapropContracts
from node.chain.events import (
    CertificateRegistered,
    CertificateStatusChanged,
    PledgeRegistered,
    PledgeReleased,
    TransferApprovalCancelled,
    TransferApproved,
)
from node.chain.revert_errors import (
    CertificateRegistryAlreadyRegisteredError,
    CertificateRegistryAssetKeyHeldError,
    CertificateRegistryCertificateNotActiveError,
    CertificateRegistryCertificatePledgedError,
    CertificateRegistryEmptyBatchError,
    CertificateRegistryInvalidStatusError,
    CertificateRegistryInvalidSupersededByError,
    CertificateRegistryInvalidTransferTargetError,
    CertificateRegistryLengthMismatchError,
    CertificateRegistryNotActiveCentreError,
    CertificateRegistryNotIssuerError,
    CertificateRegistryNoTransferApprovalError,
    CertificateRegistryPledgeExistsError,
    CertificateRegistryPledgeNotActiveError,
    CertificateRegistryUnknownCertificateError,
    CertificateRegistryZeroAssetKeyError,
    CertificateRegistryZeroCertificateIdError,
    CertificateRegistryZeroDigestError,
    CertificateRegistryZeroPledgeIdError,
)
from node.chain.types import Certificate, CertificateStatus, Pledge
from tests.contracts.conftest import Consortium
from tests.contracts.helpers import ZERO, b32, enact, ev, reverts, strip

CERT1, CERT2, CERT3 = b32("cert 1"), b32("cert 2"), b32("cert 3")
KEY1, KEY2 = b32("asset 1"), b32("asset 2")
DECISION = b32("decision")
P1, P2, P3, P4 = b32("pledge 1"), b32("pledge 2"), b32("pledge 3"), b32("pledge 4")


def _address(writer: DatapropContracts) -> str:
    assert writer.sender is not None
    return writer.sender.address


def _pledge(writer: DatapropContracts, pledge_id: bytes, certificate_id: bytes = CERT1) -> int:
    receipt = writer.certificates.register_pledge(
        certificate_id, pledge_id, b32(f"record {pledge_id.hex()}"), b32("bank")
    )
    return int(receipt["blockNumber"])


def _release(writer: DatapropContracts, pledge_id: bytes) -> int:
    receipt = writer.certificates.release_pledge(pledge_id, b32(f"release {pledge_id.hex()}"))
    return int(receipt["blockNumber"])


# --- registration -----------------------------------------------------------------------


def test_register_a_batch(consortium: Consortium) -> None:
    a = consortium.a
    receipt = a.certificates.register_certificates([CERT1, CERT2], [KEY1, KEY2])
    block = receipt["blockNumber"]
    assert strip(a.certificates.events_of(receipt)) == [
        ev(CertificateRegistered, certificate_id=CERT1, issuer_id=1, asset_key=KEY1),
        ev(CertificateRegistered, certificate_id=CERT2, issuer_id=1, asset_key=KEY2),
    ]
    for certificate_id, key in ((CERT1, KEY1), (CERT2, KEY2)):
        assert a.certificates.certificate(certificate_id) == Certificate(
            1, CertificateStatus.ACTIVE, block, block, 0, key, ZERO, ZERO
        )
        assert a.certificates.certificate_of_asset(key) == certificate_id
        assert a.certificates.transfer_approval_of(certificate_id) == 0
        assert a.certificates.pledge_ids(certificate_id) == []
        assert a.certificates.active_pledges(certificate_id) == []
    assert a.certificates.active_holder_centres([KEY2, b32("free"), KEY1]) == [1, 0, 1]
    assert a.certificates.active_holder_centres([]) == []
    assert a.certificates.version() == "1.1.0"
    functions = a.certificates.contract.functions
    assert functions.centreRegistry().call() == a.centres.address


def test_unknown_certificate_reads_as_zeroed(consortium: Consortium) -> None:
    certificates = consortium.contracts.certificates
    assert certificates.certificate(CERT1) == Certificate(
        0, CertificateStatus.NONE, 0, 0, 0, ZERO, ZERO, ZERO
    )
    assert certificates.certificate_of_asset(KEY1) == ZERO
    assert certificates.pledge(P1) == Pledge(ZERO, ZERO, ZERO, ZERO, 0, 0, 0, False)


def test_malformed_batches_are_refused_whole(consortium: Consortium) -> None:
    a = consortium.a
    certificates = a.certificates
    with reverts(CertificateRegistryLengthMismatchError, certificate_ids=2, asset_keys=1):
        certificates.register_certificates([CERT1, CERT2], [KEY1])
    with reverts(CertificateRegistryLengthMismatchError, certificate_ids=1, asset_keys=2):
        certificates.register_certificates([CERT1], [KEY1, KEY2])
    with reverts(CertificateRegistryEmptyBatchError):
        certificates.register_certificates([], [])
    with reverts(CertificateRegistryEmptyBatchError):
        certificates.register_certificates([], [KEY1])
    with reverts(CertificateRegistryZeroCertificateIdError):
        certificates.register_certificates([CERT1, ZERO], [KEY1, KEY2])
    with reverts(CertificateRegistryZeroAssetKeyError, certificate_id=CERT2):
        certificates.register_certificates([CERT1, CERT2], [KEY1, ZERO])
    with reverts(CertificateRegistryAlreadyRegisteredError, certificate_id=CERT1):
        certificates.register_certificates([CERT1, CERT1], [KEY1, KEY2])
    # Nothing of a refused batch was kept.
    assert certificates.certificate(CERT1).status is CertificateStatus.NONE
    assert certificates.certificate_of_asset(KEY1) == ZERO

    certificates.register_certificates([CERT1], [KEY1])
    for writer in (a, consortium.b):
        with reverts(CertificateRegistryAlreadyRegisteredError, certificate_id=CERT1):
            writer.certificates.register_certificates([CERT1], [KEY2])
    with reverts(CertificateRegistryNotActiveCentreError, caller=consortium.outsider.address):
        consortium.anyone.certificates.register_certificates([CERT2], [KEY2])


def test_asset_key_held_by_another_centre_is_refused(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    with reverts(
        CertificateRegistryAssetKeyHeldError, asset_key=KEY1, certificate_id=CERT1, centre_id=1
    ):
        b.certificates.register_certificates([CERT2], [KEY1])
    with reverts(
        CertificateRegistryAssetKeyHeldError, asset_key=KEY1, certificate_id=CERT1, centre_id=1
    ):
        b.certificates.register_certificates([CERT3, CERT2], [KEY2, KEY1])
    assert b.certificates.certificate(CERT3).status is CertificateStatus.NONE
    assert b.certificates.certificate_of_asset(KEY1) == CERT1


def test_the_same_centre_registering_a_key_again_supersedes(consortium: Consortium) -> None:
    a = consortium.a
    a.certificates.register_certificates([CERT1], [KEY1])
    receipt = a.certificates.register_certificates([CERT2], [KEY1])
    block = receipt["blockNumber"]
    assert strip(a.certificates.events_of(receipt)) == [
        ev(CertificateRegistered, certificate_id=CERT2, issuer_id=1, asset_key=KEY1),
        ev(
            CertificateStatusChanged,
            certificate_id=CERT1,
            centre_id=1,
            status=CertificateStatus.SUPERSEDED,
            superseded_by=CERT2,
            decision_digest=ZERO,
        ),
    ]
    old = a.certificates.certificate(CERT1)
    assert (old.status, old.superseded_by, old.decision_digest, old.status_block) == (
        CertificateStatus.SUPERSEDED,
        CERT2,
        ZERO,
        block,
    )
    assert old.asset_key == KEY1
    assert a.certificates.certificate_of_asset(KEY1) == CERT2
    # Within one batch too.
    receipt = a.certificates.register_certificates([CERT3, b32("cert 4")], [KEY2, KEY2])
    assert a.certificates.certificate(CERT3).superseded_by == b32("cert 4")
    assert a.certificates.certificate_of_asset(KEY2) == b32("cert 4")


def test_a_key_held_by_a_certificate_no_longer_active_is_claimed(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    a.certificates.set_status(CERT1, CertificateStatus.REVOKED, DECISION)
    receipt = b.certificates.register_certificates([CERT2], [KEY1])
    assert strip(b.certificates.events_of(receipt)) == [
        ev(CertificateRegistered, certificate_id=CERT2, issuer_id=2, asset_key=KEY1)
    ]
    assert b.certificates.certificate(CERT1).status is CertificateStatus.REVOKED
    assert b.certificates.certificate_of_asset(KEY1) == CERT2


# --- transfers --------------------------------------------------------------------------


def test_approved_transfer_lets_the_other_centre_supersede(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    a.certificates.register_certificates([CERT1], [KEY1])
    receipt = a.certificates.approve_transfer(CERT1, 2)
    assert strip(a.certificates.events_of(receipt)) == [
        ev(TransferApproved, certificate_id=CERT1, from_centre_id=1, to_centre_id=2)
    ]
    assert a.certificates.transfer_approval_of(CERT1) == 2
    with reverts(
        CertificateRegistryAssetKeyHeldError, asset_key=KEY1, certificate_id=CERT1, centre_id=1
    ):
        c.certificates.register_certificates([CERT3], [KEY1])

    receipt = b.certificates.register_certificates([CERT2], [KEY1])
    assert strip(b.certificates.events_of(receipt)) == [
        ev(CertificateRegistered, certificate_id=CERT2, issuer_id=2, asset_key=KEY1),
        ev(
            CertificateStatusChanged,
            certificate_id=CERT1,
            centre_id=2,
            status=CertificateStatus.SUPERSEDED,
            superseded_by=CERT2,
            decision_digest=ZERO,
        ),
    ]
    old = a.certificates.certificate(CERT1)
    assert (old.issuer_id, old.status, old.superseded_by) == (
        1,
        CertificateStatus.SUPERSEDED,
        CERT2,
    )
    assert a.certificates.transfer_approval_of(CERT1) == 0  # consumed
    assert a.certificates.certificate_of_asset(KEY1) == CERT2
    assert a.certificates.certificate(CERT2).issuer_id == 2
    # The new holder controls the key now.
    with reverts(
        CertificateRegistryAssetKeyHeldError, asset_key=KEY1, certificate_id=CERT2, centre_id=2
    ):
        a.certificates.register_certificates([CERT3], [KEY1])


def test_a_new_approval_replaces_the_previous_one(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    a.certificates.approve_transfer(CERT1, 2)
    a.certificates.approve_transfer(CERT1, 3)
    assert a.certificates.transfer_approval_of(CERT1) == 3
    with reverts(
        CertificateRegistryAssetKeyHeldError, asset_key=KEY1, certificate_id=CERT1, centre_id=1
    ):
        b.certificates.register_certificates([CERT2], [KEY1])


def test_transfer_approval_rules(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    a.certificates.register_certificates([CERT1], [KEY1])
    with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
        b.certificates.approve_transfer(CERT1, 3)
    with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
        b.certificates.approve_transfer(CERT1, 2)
    for target in (1, 0, 4):
        with reverts(CertificateRegistryInvalidTransferTargetError, centre_id=target):
            a.certificates.approve_transfer(CERT1, target)
    with reverts(CertificateRegistryUnknownCertificateError, certificate_id=CERT2):
        a.certificates.approve_transfer(CERT2, 2)
    enact(consortium, lambda r: r.propose_suspend(3), a, b, c)
    with reverts(CertificateRegistryInvalidTransferTargetError, centre_id=3):
        a.certificates.approve_transfer(CERT1, 3)
    assert a.certificates.transfer_approval_of(CERT1) == 0


def test_cancel_transfer_approval(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    with reverts(CertificateRegistryNoTransferApprovalError, certificate_id=CERT1):
        a.certificates.cancel_transfer_approval(CERT1)
    a.certificates.approve_transfer(CERT1, 2)
    with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
        b.certificates.cancel_transfer_approval(CERT1)
    receipt = a.certificates.cancel_transfer_approval(CERT1)
    assert strip(a.certificates.events_of(receipt)) == [
        ev(TransferApprovalCancelled, certificate_id=CERT1, from_centre_id=1, to_centre_id=2)
    ]
    assert a.certificates.transfer_approval_of(CERT1) == 0
    with reverts(
        CertificateRegistryAssetKeyHeldError, asset_key=KEY1, certificate_id=CERT1, centre_id=1
    ):
        b.certificates.register_certificates([CERT2], [KEY1])
    with reverts(CertificateRegistryNoTransferApprovalError, certificate_id=CERT1):
        a.certificates.cancel_transfer_approval(CERT1)
    with reverts(CertificateRegistryUnknownCertificateError, certificate_id=CERT2):
        a.certificates.cancel_transfer_approval(CERT2)


def test_a_status_change_voids_the_transfer_approval(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    a.certificates.approve_transfer(CERT1, 2)
    a.certificates.set_status(CERT1, CertificateStatus.REVOKED, DECISION)
    assert a.certificates.transfer_approval_of(CERT1) == 0
    with reverts(
        CertificateRegistryCertificateNotActiveError,
        certificate_id=CERT1,
        status=CertificateStatus.REVOKED,
    ):
        a.certificates.cancel_transfer_approval(CERT1)
    # The key is free anyway: no supersession of a revoked certificate.
    receipt = b.certificates.register_certificates([CERT2], [KEY1])
    assert len(b.certificates.events_of(receipt)) == 1
    assert a.certificates.certificate(CERT1).status is CertificateStatus.REVOKED


# --- status changes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "superseded_by"),
    [
        (CertificateStatus.REVOKED, ZERO),
        (CertificateStatus.CANCELLED, ZERO),
        (CertificateStatus.SUPERSEDED, CERT2),
    ],
)
def test_issuer_changes_status_with_the_decision_digest(
    consortium: Consortium, status: CertificateStatus, superseded_by: bytes
) -> None:
    a = consortium.a
    registered = a.certificates.register_certificates([CERT1], [KEY1])["blockNumber"]
    receipt = a.certificates.set_status(CERT1, status, DECISION, superseded_by)
    assert strip(a.certificates.events_of(receipt)) == [
        ev(
            CertificateStatusChanged,
            certificate_id=CERT1,
            centre_id=1,
            status=status,
            superseded_by=superseded_by,
            decision_digest=DECISION,
        )
    ]
    assert a.certificates.certificate(CERT1) == Certificate(
        1, status, registered, receipt["blockNumber"], 0, KEY1, superseded_by, DECISION
    )
    # Final: no further change, by any status.
    for later in (CertificateStatus.REVOKED, CertificateStatus.CANCELLED):
        with reverts(
            CertificateRegistryCertificateNotActiveError, certificate_id=CERT1, status=status
        ):
            a.certificates.set_status(CERT1, later, DECISION)
    with reverts(CertificateRegistryCertificateNotActiveError, certificate_id=CERT1, status=status):
        a.certificates.register_pledge(CERT1, P1, b32("record"), b32("bank"))
    with reverts(CertificateRegistryCertificateNotActiveError, certificate_id=CERT1, status=status):
        a.certificates.approve_transfer(CERT1, 2)
    assert a.certificates.certificate_of_asset(KEY1) == CERT1  # keeps its entry


def test_only_the_issuer_changes_status(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    for status in (CertificateStatus.REVOKED, CertificateStatus.CANCELLED):
        with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
            b.certificates.set_status(CERT1, status, DECISION)
    with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
        b.certificates.set_status(CERT1, CertificateStatus.SUPERSEDED, DECISION, CERT2)
    with reverts(CertificateRegistryNotActiveCentreError, caller=consortium.outsider.address):
        consortium.anyone.certificates.set_status(CERT1, CertificateStatus.REVOKED, DECISION)
    with reverts(CertificateRegistryUnknownCertificateError, certificate_id=CERT2):
        a.certificates.set_status(CERT2, CertificateStatus.REVOKED, DECISION)
    assert a.certificates.certificate(CERT1).status is CertificateStatus.ACTIVE


def test_status_change_arguments_are_validated(consortium: Consortium) -> None:
    a = consortium.a
    a.certificates.register_certificates([CERT1], [KEY1])
    certificates = a.certificates
    for invalid in (CertificateStatus.NONE, CertificateStatus.ACTIVE):
        with reverts(CertificateRegistryInvalidStatusError, status=invalid):
            certificates.set_status(CERT1, invalid, DECISION)
    with reverts(CertificateRegistryZeroDigestError):
        certificates.set_status(CERT1, CertificateStatus.REVOKED, ZERO)
    with reverts(CertificateRegistryInvalidSupersededByError, superseded_by=ZERO):
        certificates.set_status(CERT1, CertificateStatus.SUPERSEDED, DECISION)
    with reverts(CertificateRegistryInvalidSupersededByError, superseded_by=CERT1):
        certificates.set_status(CERT1, CertificateStatus.SUPERSEDED, DECISION, CERT1)
    for status in (CertificateStatus.REVOKED, CertificateStatus.CANCELLED):
        with reverts(CertificateRegistryInvalidSupersededByError, superseded_by=CERT2):
            certificates.set_status(CERT1, status, DECISION, CERT2)
    assert certificates.certificate(CERT1).status is CertificateStatus.ACTIVE


# --- pledges ----------------------------------------------------------------------------


def test_pledges_keep_their_priority_order(consortium: Consortium) -> None:
    a = consortium.a
    a.certificates.register_certificates([CERT1], [KEY1])
    blocks = {}
    for priority, pledge_id in enumerate((P1, P2, P3), start=1):
        receipt = a.certificates.register_pledge(
            CERT1, pledge_id, b32(f"record {priority}"), b32(f"bank {priority}")
        )
        blocks[pledge_id] = receipt["blockNumber"]
        assert strip(a.certificates.events_of(receipt)) == [
            ev(
                PledgeRegistered,
                pledge_id=pledge_id,
                certificate_id=CERT1,
                centre_id=1,
                record_digest=b32(f"record {priority}"),
                pledgee_digest=b32(f"bank {priority}"),
                priority=priority,
            )
        ]
        assert a.certificates.pledge(pledge_id) == Pledge(
            CERT1,
            b32(f"record {priority}"),
            b32(f"bank {priority}"),
            ZERO,
            blocks[pledge_id],
            0,
            priority,
            True,
        )
    assert a.certificates.active_pledges(CERT1) == [P1, P2, P3]
    assert a.certificates.certificate(CERT1).active_pledges == 3

    receipt = a.certificates.release_pledge(P1, b32("release 1"))
    assert strip(a.certificates.events_of(receipt)) == [
        ev(
            PledgeReleased,
            pledge_id=P1,
            certificate_id=CERT1,
            centre_id=1,
            release_digest=b32("release 1"),
        )
    ]
    assert a.certificates.active_pledges(CERT1) == [P2, P3]
    assert a.certificates.pledge_ids(CERT1) == [P1, P2, P3]
    assert [a.certificates.pledge(pledge_id).priority for pledge_id in (P1, P2, P3)] == [1, 2, 3]
    assert a.certificates.pledge(P1) == Pledge(
        CERT1,
        b32("record 1"),
        b32("bank 1"),
        b32("release 1"),
        blocks[P1],
        receipt["blockNumber"],
        1,
        False,
    )
    assert a.certificates.certificate(CERT1).active_pledges == 2
    # A later pledge ranks after every pledge ever registered.
    _pledge(a, P4)
    assert a.certificates.pledge(P4).priority == 4
    assert a.certificates.active_pledges(CERT1) == [P2, P3, P4]
    _release(a, P3)
    assert a.certificates.active_pledges(CERT1) == [P2, P4]


def test_a_pledged_certificate_cannot_be_cancelled_superseded_or_transferred(
    consortium: Consortium,
) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    _pledge(a, P1)
    _pledge(a, P2)
    with reverts(CertificateRegistryCertificatePledgedError, certificate_id=CERT1):
        a.certificates.set_status(CERT1, CertificateStatus.CANCELLED, DECISION)
    with reverts(CertificateRegistryCertificatePledgedError, certificate_id=CERT1):
        a.certificates.set_status(CERT1, CertificateStatus.SUPERSEDED, DECISION, CERT2)
    with reverts(CertificateRegistryCertificatePledgedError, certificate_id=CERT1):
        a.certificates.approve_transfer(CERT1, 2)
    with reverts(CertificateRegistryCertificatePledgedError, certificate_id=CERT1):
        a.certificates.register_certificates([CERT2], [KEY1])
    _release(a, P1)
    with reverts(CertificateRegistryCertificatePledgedError, certificate_id=CERT1):
        a.certificates.set_status(CERT1, CertificateStatus.CANCELLED, DECISION)
    _release(a, P2)
    assert a.certificates.active_pledges(CERT1) == []
    receipt = a.certificates.set_status(CERT1, CertificateStatus.CANCELLED, DECISION)
    assert [event.status for event in a.certificates.events_of(receipt)] == [  # type: ignore[attr-defined]
        CertificateStatus.CANCELLED
    ]
    assert b.certificates.certificate(CERT1).status is CertificateStatus.CANCELLED


def test_a_pledge_after_a_transfer_approval_blocks_the_transfer(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1], [KEY1])
    a.certificates.approve_transfer(CERT1, 2)
    _pledge(a, P1)
    with reverts(CertificateRegistryCertificatePledgedError, certificate_id=CERT1):
        b.certificates.register_certificates([CERT2], [KEY1])
    _release(a, P1)
    b.certificates.register_certificates([CERT2], [KEY1])
    assert a.certificates.certificate(CERT1).status is CertificateStatus.SUPERSEDED


def test_a_pledged_certificate_can_be_revoked_and_its_pledges_released(
    consortium: Consortium,
) -> None:
    a = consortium.a
    a.certificates.register_certificates([CERT1], [KEY1])
    _pledge(a, P1)
    _pledge(a, P2)
    a.certificates.set_status(CERT1, CertificateStatus.REVOKED, DECISION)
    certificate = a.certificates.certificate(CERT1)
    assert (certificate.status, certificate.active_pledges) == (CertificateStatus.REVOKED, 2)
    assert a.certificates.active_pledges(CERT1) == [P1, P2]  # the pledgee sees the revocation
    with reverts(
        CertificateRegistryCertificateNotActiveError,
        certificate_id=CERT1,
        status=CertificateStatus.REVOKED,
    ):
        _pledge(a, P3)
    _release(a, P2)
    _release(a, P1)
    assert a.certificates.active_pledges(CERT1) == []
    assert a.certificates.certificate(CERT1).active_pledges == 0


def test_pledge_rules(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([CERT1, CERT2], [KEY1, KEY2])
    certificates = a.certificates
    with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
        _pledge(b, P1)
    with reverts(CertificateRegistryNotActiveCentreError, caller=consortium.outsider.address):
        _pledge(consortium.anyone, P1)
    with reverts(CertificateRegistryUnknownCertificateError, certificate_id=CERT3):
        _pledge(a, P1, CERT3)
    with reverts(CertificateRegistryZeroPledgeIdError):
        certificates.register_pledge(CERT1, ZERO, b32("record"), b32("bank"))
    with reverts(CertificateRegistryZeroDigestError):
        certificates.register_pledge(CERT1, P1, ZERO, b32("bank"))
    with reverts(CertificateRegistryZeroDigestError):
        certificates.register_pledge(CERT1, P1, b32("record"), ZERO)
    assert certificates.pledge_ids(CERT1) == []

    _pledge(a, P1)
    for certificate_id in (CERT1, CERT2):
        with reverts(CertificateRegistryPledgeExistsError, pledge_id=P1):
            _pledge(a, P1, certificate_id)
    with reverts(CertificateRegistryNotIssuerError, certificate_id=CERT1, caller=_address(b)):
        _release(b, P1)
    with reverts(CertificateRegistryZeroDigestError):
        certificates.release_pledge(P1, ZERO)
    with reverts(CertificateRegistryPledgeNotActiveError, pledge_id=P2):
        _release(a, P2)
    _release(a, P1)
    with reverts(CertificateRegistryPledgeNotActiveError, pledge_id=P1):
        _release(a, P1)
    # A released pledge's id stays taken.
    with reverts(CertificateRegistryPledgeExistsError, pledge_id=P1):
        _pledge(a, P1)
    assert certificates.pledge_ids(CERT2) == []


def test_the_issuer_is_the_centre_not_its_key(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    a.certificates.register_certificates([CERT1], [KEY1])
    _pledge(a, P1)
    enact(consortium, lambda r: r.propose_rotate_key(1, consortium.spare[0].address), a, b, c)
    with reverts(CertificateRegistryNotActiveCentreError, caller=_address(a)):
        _release(a, P1)
    rekeyed = consortium.as_(consortium.spare[0])
    _release(rekeyed, P1)
    rekeyed.certificates.set_status(CERT1, CertificateStatus.CANCELLED, DECISION)
    certificate = rekeyed.certificates.certificate(CERT1)
    assert (certificate.issuer_id, certificate.status) == (1, CertificateStatus.CANCELLED)
