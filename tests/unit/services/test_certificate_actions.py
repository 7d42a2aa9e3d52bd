"""After issue: each action's decision document and the chain writes it queues."""

from __future__ import annotations

import json
from datetime import date

import pytest

from node.documents.canonical import digest_hex
from node.documents.ids import asset_key_of, certificate_id_of
from node.domain.certificate import CertificateStatus
from node.domain.errors import IllegalTransitionError, SameHolderError
from node.services.issuance import IssuedCertificate
from node.store.records import ChainAction, ChainActionStatus
from tests.unit.services.conftest import SAMPLES, Node

NEW_HOLDER = {
    "holder": {
        "name": "潍坊示例数据运营有限公司",
        "credit_code": SAMPLES[1]["holder"]["credit_code"],
        "ownership": "non-state",
        "region_code": SAMPLES[1]["holder"]["region_code"],
    }
}


def _issued(node: Node) -> IssuedCertificate:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    return node.issuance.issue("issuer", application_id)


def _queued(node: Node) -> list[ChainAction]:
    with node.store.uow() as uow:
        return uow.chain_actions.with_status(ChainActionStatus.PENDING)


def test_revocation_links_to_the_certificate_and_queues_the_status(node: Node) -> None:
    issued = _issued(node)
    number = str(issued.certificate.registration_number)
    node.later(days=10)
    outcome = node.certificates.revoke("centre-director", number, "以欺骗手段取得登记。")
    assert outcome.certificate.status is CertificateStatus.REVOKED
    decision = json.loads(outcome.decision.canonical)
    assert decision["kind"] == "revocation"
    assert decision["previous_digest"] == digest_hex(issued.document.digest)
    status = _queued(node)[-1]
    assert status.kind == "set_status"
    assert status.payload == {
        "certificate_id": digest_hex(certificate_id_of(number)),
        "status": "revoked",
        "superseded_by": None,
        "decision_digest": digest_hex(outcome.decision.digest),
    }
    assert node.certificates.get(number).status is CertificateStatus.REVOKED
    with pytest.raises(IllegalTransitionError):
        node.certificates.cancel("holder", number, None)


def test_cancellation_by_the_holder_queues_its_status(node: Node) -> None:
    number = str(_issued(node).certificate.registration_number)
    node.later(days=1)
    node.certificates.cancel("holder", number, "业务终止。")
    assert _queued(node)[-1].payload["status"] == "cancelled"


def test_a_licence_is_recorded_without_a_chain_write(node: Node) -> None:
    number = str(_issued(node).certificate.registration_number)
    node.later(days=1)
    before = len(_queued(node))
    outcome = node.certificates.licence(
        "operator",
        number,
        licensee_name="东营示例科技有限公司",
        licensee_credit_code=SAMPLES[2]["holder"]["credit_code"],
        scope="用于价格指数编制。",
        until=date(2027, 12, 31),
    )
    assert json.loads(outcome.decision.canonical)["kind"] == "licence"
    assert outcome.certificate.status is CertificateStatus.ACTIVE
    assert len(_queued(node)) == before


def test_a_transfer_supersedes_on_chain_and_claims_the_new_holders_key(node: Node) -> None:
    issued = _issued(node)
    number = str(issued.certificate.registration_number)
    node.later(days=1)
    outcome = node.certificates.transfer("operator", number, NEW_HOLDER)
    assert outcome.successor is not None and outcome.successor_document is not None
    new_number = str(outcome.successor.registration_number)
    assert new_number.startswith("370200-2026-000002-")
    assert outcome.certificate.status is CertificateStatus.SUPERSEDED
    successor = json.loads(outcome.successor_document.canonical)
    assert successor["previous_digest"] == digest_hex(outcome.decision.digest)
    assert successor["holder"]["credit_code"] == NEW_HOLDER["holder"]["credit_code"]
    new_key = asset_key_of(
        NEW_HOLDER["holder"]["credit_code"], outcome.successor.asset.fingerprint_material()
    )
    supersede, claim = _queued(node)[-2:]
    assert supersede.payload["status"] == "superseded"
    assert supersede.payload["superseded_by"] == digest_hex(certificate_id_of(new_number))
    assert claim.payload == {
        "certificate_ids": [digest_hex(certificate_id_of(new_number))],
        "asset_keys": [digest_hex(new_key)],
    }
    with pytest.raises(SameHolderError):
        node.certificates.transfer("operator", new_number, NEW_HOLDER)


def test_a_renewal_claims_the_same_key_which_supersedes_on_chain(node: Node) -> None:
    issued = _issued(node)
    number = str(issued.certificate.registration_number)
    node.later(days=1)
    outcome = node.certificates.renew("operator", number, date(2031, 3, 1))
    assert outcome.successor is not None
    assert outcome.successor.valid_until == date(2031, 3, 1)
    last = _queued(node)[-1]
    assert last.kind == "register_certificates"
    assert last.payload["asset_keys"] == [digest_hex(issued.asset_key)]
    assert [a.kind for a in _queued(node)].count("set_status") == 0


def test_a_refused_action_writes_nothing(node: Node) -> None:
    number = str(_issued(node).certificate.registration_number)
    with node.store.uow() as uow:
        documents = len(uow.documents.list_by_subject(number))
    with pytest.raises(SameHolderError):
        node.certificates.transfer("operator", number, {"holder": SAMPLES[0]["holder"]})
    with node.store.uow() as uow:
        assert len(uow.documents.list_by_subject(number)) == documents
    assert node.certificates.get(number).status is CertificateStatus.ACTIVE
