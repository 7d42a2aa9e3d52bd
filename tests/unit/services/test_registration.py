"""The registration workflow through the services, on the fake and on SQLite."""

from __future__ import annotations

import copy
import json

import pytest

from node.documents.canonical import digest_hex, document_digest, keccak256
from node.documents.ids import asset_key_of, certificate_id_of
from node.documents.kinds import DocumentKind
from node.documents.schemas import parse_document
from node.documents.signing import SignedFields, recover_signer
from node.domain.errors import ApplicationInvalidError, FourEyesError, IllegalTransitionError
from node.domain.identifiers import RegistrationNumber
from node.domain.workflow import ApplicationState
from node.services.errors import AssetAlreadyRegisteredError, NotYourCaseError
from node.store.records import AnchorJobStatus, ChainActionStatus
from tests.unit.services.conftest import DOMAIN, SAMPLES, Node


def _documents(node: Node, subject: str) -> list[dict[str, object]]:
    with node.store.uow() as uow:
        return [json.loads(stored.canonical) for stored in uow.documents.list_by_subject(subject)]


def test_an_application_becomes_a_signed_certificate_queued_for_the_chain(node: Node) -> None:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    issued = node.issuance.issue("issuer", application_id)

    number = issued.certificate.registration_number
    assert str(number).startswith("370200-2026-000001-")
    RegistrationNumber.parse(str(number))
    body = parse_document(json.loads(issued.document.canonical))
    assert body.kind is DocumentKind.CERTIFICATE
    assert issued.document.digest == keccak256(issued.document.canonical)
    assert issued.document.signer == node.context.signer.address
    fields = SignedFields("certificate", str(number), issued.document.digest, 1)
    assert issued.document.signature is not None
    assert recover_signer(DOMAIN, fields, issued.document.signature) == node.context.signer.address

    case = _documents(node, application_id)
    assert [d["kind"] for d in case] == ["compliance_report", "notice"]
    assert case[1]["previous_digest"] == digest_hex(document_digest(case[0]))
    certificate = json.loads(issued.document.canonical)
    assert certificate["compliance_report_digest"] == digest_hex(document_digest(case[0]))
    assert certificate["notice_digest"] == digest_hex(document_digest(case[1]))
    holder = SAMPLES[0]["holder"]["credit_code"]
    assert issued.asset_key == asset_key_of(holder, issued.certificate.asset.fingerprint_material())

    with node.store.uow() as uow:
        assert uow.applications.get(application_id).state is ApplicationState.ISSUED
        assert len(uow.anchors.pending()) == 3
        assert all(job.status is AnchorJobStatus.PENDING for job in uow.anchors.pending())
        [claim] = uow.chain_actions.with_status(ChainActionStatus.PENDING)
    assert claim.kind == "register_certificates"
    assert claim.payload["certificate_ids"] == [digest_hex(certificate_id_of(str(number)))]
    assert claim.payload["asset_keys"] == [digest_hex(issued.asset_key)]


def test_serials_follow_each_other(node: Node) -> None:
    ids = [node.through_notice(sample) for sample in SAMPLES[:3]]
    node.after_notice()
    numbers = [str(node.issuance.issue("issuer", i).certificate.registration_number) for i in ids]
    assert [n[:18] for n in numbers] == [f"370200-2026-00000{k}" for k in (1, 2, 3)]


def test_an_objection_dismissed_resumes_the_notice_and_one_upheld_rejects(node: Node) -> None:
    resumed = node.through_notice(SAMPLES[0])
    rejected = node.through_notice(SAMPLES[1])
    node.later(days=1)
    node.applications.file_objection(resumed, "某公众", "数据来源存疑。")
    node.applications.file_objection(rejected, "某竞争企业", "数据权属有争议。")
    node.later(days=1)
    step = node.applications.decide_objection(
        "committee", resumed, "obj-1", upheld=False, reason="异议不成立。"
    )
    assert step.application.state is ApplicationState.PUBLIC_NOTICE
    assert step.document is not None and step.document.kind is DocumentKind.OBJECTION_DECISION
    step = node.applications.decide_objection(
        "committee", rejected, "obj-1", upheld=True, reason="权属争议成立。"
    )
    assert step.application.state is ApplicationState.REJECTED
    node.after_notice()
    node.issuance.issue("issuer", resumed)
    with pytest.raises(IllegalTransitionError):
        node.issuance.issue("issuer", rejected)


def test_invalid_input_names_every_field_and_stores_nothing(node: Node) -> None:
    sample = copy.deepcopy(SAMPLES[0])
    sample["holder"]["credit_code"] = "91370200MA3C5XXXX0"
    sample["rights"] = ["everything"]
    with pytest.raises(ApplicationInvalidError) as raised:
        node.applications.apply("applicant-1", sample)
    assert {e.field for e in raised.value.errors} == {"holder.credit_code", "rights[0]"}
    assert node.applications.list_own("applicant-1") == []


def test_four_eyes_refusal_writes_nothing(node: Node) -> None:
    application = node.applications.apply("applicant-1", SAMPLES[0]).application
    node.applications.start_review("reviewer", application.id)
    node.applications.complete_review("reviewer", application.id, SAMPLES[0]["compliance_report"])
    with node.store.uow() as uow:
        before = (uow.applications.version(application.id), len(uow.events.entries(limit=500)))
    with pytest.raises(FourEyesError):
        node.applications.approve_audit("reviewer", application.id)
    with node.store.uow() as uow:
        after = (uow.applications.version(application.id), len(uow.events.entries(limit=500)))
        assert uow.applications.get(application.id).state is ApplicationState.AUDIT
    assert after == before


def test_an_applicant_sees_and_acts_on_its_own_applications_only(node: Node) -> None:
    mine = node.applications.apply("applicant-1", SAMPLES[0]).application
    node.applications.apply("applicant-2", SAMPLES[1])
    assert [a.id for a in node.applications.list_own("applicant-1")] == [mine.id]
    assert node.applications.get_own("applicant-1", mine.id).id == mine.id
    with pytest.raises(NotYourCaseError):
        node.applications.get_own("applicant-2", mine.id)
    with pytest.raises(NotYourCaseError):
        node.applications.withdraw("applicant-2", mine.id)
    assert node.applications.withdraw("applicant-1", mine.id).application.state is (
        ApplicationState.WITHDRAWN
    )


def test_return_amend_and_resubmit(node: Node) -> None:
    application = node.applications.apply("applicant-1", SAMPLES[0]).application
    node.applications.start_review("reviewer", application.id)
    node.applications.return_for_amendment("reviewer", application.id, "请补充授权文件。")
    amended = copy.deepcopy(SAMPLES[0])
    amended["asset"]["scale"] = "约 1,300 万条记录"
    node.applications.amend("applicant-1", application.id, amended)
    step = node.applications.resubmit("applicant-1", application.id)
    assert step.application.state is ApplicationState.SUBMITTED
    assert step.application.content.asset.scale == "约 1,300 万条记录"


def test_the_same_asset_is_not_registered_twice(node: Node) -> None:
    first = node.through_notice(SAMPLES[0])
    again = node.through_notice(SAMPLES[0], applicant="applicant-2")
    node.after_notice()
    node.issuance.issue("issuer", first)
    with pytest.raises(AssetAlreadyRegisteredError, match="370200-2026-000001"):
        node.issuance.issue("issuer", again)
    with node.store.uow() as uow:
        assert uow.applications.get(again).state is ApplicationState.PUBLIC_NOTICE
        assert len(uow.chain_actions.with_status(ChainActionStatus.PENDING)) == 1
