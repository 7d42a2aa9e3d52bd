"""issue_many: many certificates in few transactions, with the guarantees of issue."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

import pytest

from node.documents.canonical import digest_hex, keccak256
from node.documents.ids import asset_key_of, certificate_id_of
from node.documents.kinds import DocumentKind
from node.documents.schemas import parse_document
from node.documents.signing import SignedFields, recover_signer
from node.domain.consortium import AssetHolder
from node.domain.errors import IllegalTransitionError, InvalidFieldError, NoticeNotOverError
from node.domain.workflow import ApplicationState
from node.services.errors import AssetAlreadyRegisteredError
from node.services.issuance import IssuanceService
from node.store.errors import NotFoundError
from node.store.ports import AbstractUnitOfWork
from node.store.records import AnchorJobStatus, ChainActionStatus
from tests.unit.services.conftest import DOMAIN, SAMPLES, Node


def _sample(index: int) -> dict[str, Any]:
    """A sample application whose asset is its own (the name tells the assets apart)."""
    sample = copy.deepcopy(SAMPLES[index % len(SAMPLES)])
    sample["asset"]["name"] += f" 第 {index + 1} 批"
    return sample


def _past_notice(node: Node, count: int) -> list[str]:
    ids = [node.through_notice(_sample(index)) for index in range(count)]
    node.after_notice()
    return ids


def _claims(node: Node) -> list[list[object]]:
    with node.store.uow() as uow:
        actions = uow.chain_actions.with_status(ChainActionStatus.PENDING)
    assert {action.kind for action in actions} == {"register_certificates"}
    return [list(action.payload["certificate_ids"]) for action in actions]  # type: ignore[call-overload]


def _states(node: Node, ids: Sequence[str]) -> list[ApplicationState]:
    with node.store.uow() as uow:
        return [application.state for application in uow.applications.get_many(ids)]


class CountingUnitsOfWork:
    """The store's units of work, counted: one per transaction a service opens."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.opened = 0

    def __call__(self) -> AbstractUnitOfWork:
        self.opened += 1
        return self.node.store.uow()


def test_each_chunk_is_one_transaction_with_consecutive_serials_and_one_claim(
    node: Node,
) -> None:
    ids = _past_notice(node, 5)
    counting = CountingUnitsOfWork(node)
    service = IssuanceService(dataclasses.replace(node.context, unit_of_work=counting))

    issued = service.issue_many("issuer", ids, chunk=2)

    assert counting.opened == 3
    numbers = [str(item.certificate.registration_number) for item in issued]
    assert [n[:18] for n in numbers] == [f"370200-2026-00000{k}" for k in range(1, 6)]
    assert _claims(node) == [
        [digest_hex(certificate_id_of(n)) for n in numbers[start : start + 2]]
        for start in (0, 2, 4)
    ]
    assert _states(node, ids) == [ApplicationState.ISSUED] * 5
    signer = node.context.signer.address
    with node.store.uow() as uow:
        jobs = {job.document_id: job for job in uow.anchors.pending(limit=100)}
        for application_id, number, item in zip(ids, numbers, issued, strict=True):
            assert uow.certificates.record(number).application_id == application_id
            assert jobs[item.document.id].status is AnchorJobStatus.PENDING
            report, notice = uow.documents.list_by_subject(application_id)
            body = parse_document(json.loads(item.document.canonical)).model_dump()
            assert body["kind"] is DocumentKind.CERTIFICATE
            assert body["compliance_report_digest"] == digest_hex(report.digest)
            assert body["notice_digest"] == digest_hex(notice.digest)
            assert body["asset_key"] == digest_hex(item.asset_key)
            assert item.document.digest == keccak256(item.document.canonical)
            fields = SignedFields("certificate", number, item.document.digest, 1)
            assert item.document.signature is not None
            assert recover_signer(DOMAIN, fields, item.document.signature) == signer


def test_a_refusal_leaves_its_chunk_unissued_and_names_the_application(node: Node) -> None:
    ids = _past_notice(node, 3)
    ids += [node.through_notice(_sample(index)) for index in (3, 4)]  # notices just begun

    with pytest.raises(NoticeNotOverError) as raised:
        node.issuance.issue_many("issuer", ids, chunk=2)

    assert f"issuing application {ids[3]}" in raised.value.__notes__
    assert (
        _states(node, ids) == [ApplicationState.ISSUED] * 2 + [ApplicationState.PUBLIC_NOTICE] * 3
    )
    assert [len(claim) for claim in _claims(node)] == [2]
    with node.store.uow() as uow:
        assert uow.certificates.last_serial("370200", 2026) == 2
        found = uow.documents.list_by_subjects(ids[2:4])
    assert [[d.kind for d in documents] for documents in found.values()] == [
        [DocumentKind.COMPLIANCE_REPORT, DocumentKind.NOTICE]
    ] * 2


def test_an_asset_twice_in_a_chunk_is_refused(node: Node) -> None:
    first = node.through_notice(_sample(0))
    again = node.through_notice(_sample(0), applicant="applicant-2")
    other = node.through_notice(_sample(1))
    node.after_notice()

    with pytest.raises(AssetAlreadyRegisteredError, match=f"application {first} of the same"):
        node.issuance.issue_many("issuer", [other, first, again])

    assert _states(node, [other, first, again]) == [ApplicationState.PUBLIC_NOTICE] * 3
    with node.store.uow() as uow:
        assert uow.certificates.last_serial("370200", 2026) == 0
        assert uow.chain_actions.with_status(ChainActionStatus.PENDING) == []


def test_an_asset_registered_here_is_refused(node: Node) -> None:
    registered = node.through_notice(_sample(0))
    node.after_notice()
    issued = node.issuance.issue("issuer", registered)
    again = node.through_notice(_sample(0), applicant="applicant-2")
    fresh = node.through_notice(_sample(1))
    node.after_notice()

    with pytest.raises(AssetAlreadyRegisteredError) as raised:
        node.issuance.issue_many("issuer", [fresh, again])

    assert raised.value.holder == f"certificate {issued.certificate.registration_number}"
    assert f"issuing application {again}" in raised.value.__notes__
    assert _states(node, [fresh, again]) == [ApplicationState.PUBLIC_NOTICE] * 2


class Consortium:
    """The consortium's asset index as the chain would answer: keys held by centre ids."""

    def __init__(self, held: dict[bytes, int]) -> None:
        self.held = held
        self.asked: list[list[bytes]] = []

    def holder_centres(self, asset_keys: Sequence[bytes]) -> dict[bytes, int]:
        self.asked.append(list(asset_keys))
        return {key: self.held[key] for key in asset_keys if key in self.held}

    def own_centre_id(self) -> int:
        return 1

    def holder_of(self, asset_key: bytes) -> AssetHolder:
        centre = self.held[asset_key]
        return AssetHolder(b"\x01" * 32, centre, "潍坊", "370700", "370700-2026-000009-8")


def test_the_consortium_is_asked_once_per_chunk_and_another_centres_asset_is_refused(
    node: Node,
) -> None:
    ids = _past_notice(node, 3)
    with node.store.uow() as uow:
        keys = [
            asset_key_of(
                app.content.holder.credit_code.value, app.content.asset.fingerprint_material()
            )
            for app in uow.applications.get_many(ids)
        ]
    consortium = Consortium({keys[0]: 1, keys[2]: 2})  # this centre is centre 1
    service = IssuanceService(dataclasses.replace(node.context, asset_index=consortium))

    issued = service.issue_many("issuer", ids[:2])
    refusal = "certificate 370700-2026-000009-8 of centre #2 潍坊 \\(370700\\)"
    with pytest.raises(AssetAlreadyRegisteredError, match=refusal) as raised:
        service.issue_many("issuer", ids[2:])

    assert [item.asset_key for item in issued] == keys[:2]
    assert consortium.asked == [keys[:2], keys[2:]]
    assert f"issuing application {ids[2]}" in raised.value.__notes__
    assert _states(node, ids[2:]) == [ApplicationState.PUBLIC_NOTICE]


def test_an_application_twice_or_missing_refuses_the_chunk(node: Node) -> None:
    ids = _past_notice(node, 2)
    with pytest.raises(IllegalTransitionError):
        node.issuance.issue_many("issuer", [ids[0], ids[1], ids[0]])
    with pytest.raises(NotFoundError) as raised:
        node.issuance.issue_many("issuer", [ids[0], "no-such-application"])
    assert raised.value.key == "no-such-application"
    assert _states(node, ids) == [ApplicationState.PUBLIC_NOTICE] * 2


@pytest.mark.parametrize("chunk", [0, 257])
def test_a_chunk_must_fit_one_chain_action(node: Node, chunk: int) -> None:
    with pytest.raises(InvalidFieldError) as raised:
        node.issuance.issue_many("issuer", ["any"], chunk=chunk)
    assert raised.value.field == "chunk"


def test_nothing_to_issue_is_nothing_issued(node: Node) -> None:
    assert node.issuance.issue_many("issuer", []) == []
