"""An asset moves to another centre only when its current centre approves it on chain."""

from __future__ import annotations

import pytest

from node.documents.canonical import digest_hex
from node.documents.ids import certificate_id_of
from node.domain.errors import IllegalTransitionError, InvalidFieldError
from node.services.transfers import TransferService
from node.store.errors import NotFoundError
from node.store.records import ChainActionStatus
from tests.unit.services.conftest import SAMPLES, Node


def _issued(node: Node) -> tuple[str, bytes]:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    issued = node.issuance.issue("issuer", application_id)
    return str(issued.certificate.registration_number), issued.asset_key


def test_the_approval_is_queued_for_the_chain_and_logged(node: Node) -> None:
    number, _ = _issued(node)
    queued = TransferService(node.context).approve_transfer_out("issuer-chen", number, 3)
    assert (queued.kind, queued.status) == ("approve_transfer", ChainActionStatus.PENDING)
    assert queued.payload == {
        "certificate_id": digest_hex(certificate_id_of(number)),
        "to_centre_id": 3,
    }
    with node.store.uow() as uow:
        entry = uow.events.entries()[-1]
    assert (entry.action, entry.subject, entry.details) == (
        "certificate.transfer_out_approved",
        number,
        {"to_centre_id": 3},
    )


def test_only_an_active_certificate_with_a_real_centre_can_move(node: Node) -> None:
    number, _ = _issued(node)
    transfers = TransferService(node.context)
    with pytest.raises(InvalidFieldError) as refused:
        transfers.approve_transfer_out("issuer-chen", number, 0)
    assert refused.value.field == "to_centre_id"
    node.certificates.revoke("director", number, "撤销理由。")
    with pytest.raises(IllegalTransitionError):
        transfers.approve_transfer_out("issuer-chen", number, 3)


def test_a_peer_learns_the_active_certificate_of_an_asset(node: Node) -> None:
    number, asset_key = _issued(node)
    transfers = TransferService(node.context)
    assert transfers.active_certificate_of_asset(asset_key).registration_number == number
    node.certificates.revoke("director", number, "撤销理由。")
    with pytest.raises(NotFoundError):
        transfers.active_certificate_of_asset(asset_key)
