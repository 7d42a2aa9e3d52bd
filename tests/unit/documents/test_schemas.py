"""Document schemas and the builders that fill them from domain objects."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from node.cli.document_commands import SCHEMA_DIR, schema_files
from node.documents.builders import (
    certificate_action_document,
    certificate_document,
    compliance_report_document,
    notice_document,
    objection_decision_document,
)
from node.documents.canonical import canonical_json, digest_hex, document_digest
from node.documents.ids import asset_key_of, certificate_id_of
from node.documents.schemas import CentreRef, as_json, json_schemas, parse_document
from node.domain.calendar import WorkingDayCalendar
from node.domain.certificate import Certificate
from node.domain.errors import InvalidFieldError
from node.domain.notice import Objection
from node.domain.workflow import Application
from tests.unit.domain.builders import asset, content, cst, holder, number, report

CENTRE = CentreRef(
    region_code="370200",
    name="青岛市数据资产登记评价中心",
    signer="0x" + "ab" * 20,
)
CALENDAR = WorkingDayCalendar()
AT = cst(2026, 3, 2)


def _noticed_application() -> Application:
    application = Application("app-7", content())
    application.submit("applicant", at=AT)
    application.start_review("reviewer", at=AT + timedelta(minutes=1))
    application.complete_review("reviewer", report(), at=AT + timedelta(minutes=2))
    application.approve_audit("auditor", at=AT + timedelta(minutes=3))
    application.publish_notice("publisher", at=AT + timedelta(minutes=4), calendar=CALENDAR)
    return application


def _certificate() -> Certificate:
    return Certificate.issue(number(), content(), issued_on=AT.date())


def _round_trip(document: object) -> None:
    """Parsing the JSON back and dumping it again gives the same canonical bytes."""
    body = as_json(document)  # type: ignore[arg-type]
    wire = json.loads(json.dumps(body, ensure_ascii=False))
    assert canonical_json(as_json(parse_document(wire))) == canonical_json(body)


def test_certificate_document_carries_the_chain_keys_and_round_trips() -> None:
    certificate = _certificate()
    document = certificate_document(
        certificate,
        centre=CENTRE,
        created_at=AT,
        application_id="app-7",
        compliance_report_digest=document_digest({"r": 1}),
        notice_digest=None,
    )
    body = as_json(document)
    assert body["kind"] == "certificate"
    assert body["schema_version"] == 1
    assert body["subject"] == body["registration_number"] == str(certificate.registration_number)
    assert body["certificate_id"] == digest_hex(certificate_id_of(str(number())))
    assert body["asset_key"] == digest_hex(
        asset_key_of(holder().credit_code.value, asset().fingerprint_material())
    )
    assert body["valid_until"] == "2029-03-01"
    assert body["rights"] == ["holding", "use", "operation"]
    _round_trip(document)


def test_the_asset_key_ignores_what_changes_as_an_asset_grows() -> None:
    grown = asset()
    key = asset_key_of("913702002000000055", grown.fingerprint_material())
    assert key == asset_key_of("913702002000000055", dict(grown.fingerprint_material()))
    assert key != asset_key_of("913702002000000063", grown.fingerprint_material())
    assert key != asset_key_of(
        "913702002000000055", asset(name="另一数据集").fingerprint_material()
    )


def test_case_documents_are_built_and_round_trip() -> None:
    application = _noticed_application()
    report_document = compliance_report_document(application, centre=CENTRE, created_at=AT)
    assert as_json(report_document)["passed"] is True
    assert as_json(report_document)["reviewers"] == ["reviewer"]
    notice = notice_document(
        application,
        centre=CENTRE,
        created_at=AT,
        previous_digest=document_digest(as_json(report_document)),
    )
    filed = AT + timedelta(days=1)
    application.file_objection(
        Objection("obj-1", "某公众", "数据来源存疑。", filed), calendar=CALENDAR
    )
    application.decide_objection(
        "committee", "obj-1", upheld=False, reason="不成立。", at=filed, calendar=CALENDAR
    )
    decision = objection_decision_document(
        application, "obj-1", centre=CENTRE, created_at=filed, previous_digest=None
    )
    assert as_json(decision)["upheld"] is False
    for document in (report_document, notice, decision):
        _round_trip(document)


def test_documents_of_unfinished_steps_are_refused() -> None:
    application = Application("app-8", content())
    with pytest.raises(InvalidFieldError, match="compliance_report"):
        compliance_report_document(application, centre=CENTRE, created_at=AT)
    with pytest.raises(InvalidFieldError, match="notice"):
        notice_document(application, centre=CENTRE, created_at=AT, previous_digest=None)
    with pytest.raises(InvalidFieldError, match="obj-9"):
        objection_decision_document(
            _noticed_application(), "obj-9", centre=CENTRE, created_at=AT, previous_digest=None
        )


def test_post_issue_actions_become_linked_decision_documents() -> None:
    certificate = _certificate()
    previous = document_digest({"certificate": 1})
    action = certificate.revoke("centre", "以欺骗手段取得登记。", at=AT + timedelta(days=30))
    document = certificate_action_document(
        action, centre=CENTRE, created_at=AT, previous_digest=previous
    )
    body = as_json(document)
    assert body["kind"] == "revocation"
    assert body["previous_digest"] == digest_hex(previous)
    assert (body["from_status"], body["to_status"]) == ("active", "revoked")
    assert body["details"] == {"reason": "以欺骗手段取得登记。"}
    _round_trip(document)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "poem"}, "document.kind"),
        ({"schema_version": 2}, "document.schema_version"),
        ({"certificate_id": "0x1234"}, "document.certificate_id"),
        ({"holder": {"name": "x"}}, "document.holder.credit_code"),
        ({"rights": ["everything"]}, "document.rights.0"),
        ({"issued_on": 20260302}, "document.issued_on"),
        ({"signature": "0x00"}, "document.signature"),
    ],
)
def test_a_malformed_document_names_the_field(change: dict[str, object], field: str) -> None:
    body = as_json(
        certificate_document(
            _certificate(),
            centre=CENTRE,
            created_at=AT,
            application_id=None,
            compliance_report_digest=None,
            notice_digest=None,
        )
    )
    with pytest.raises(InvalidFieldError) as raised:
        parse_document(body | change)
    assert raised.value.field == field
    assert raised.value.code == "document_schema"


def test_a_document_is_an_object() -> None:
    with pytest.raises(InvalidFieldError, match="JSON object"):
        parse_document(["certificate"])


def test_json_schemas_describe_every_model() -> None:
    schemas = json_schemas()
    assert set(schemas) == {
        "CertificateActionDocument.v1.json",
        "CertificateDocument.v1.json",
        "ComplianceReportDocument.v1.json",
        "EventLogHeadDocument.v1.json",
        "NoticeDocument.v1.json",
        "ObjectionDecisionDocument.v1.json",
        "PledgeDocument.v1.json",
        "PledgeReleaseDocument.v1.json",
        "RecognitionDocument.v1.json",
    }
    certificate = schemas["CertificateDocument.v1.json"]
    assert "registration_number" in certificate["required"]  # type: ignore[operator]
    assert certificate["additionalProperties"] is False


def test_the_published_schema_files_are_current() -> None:
    """docs/schemas is regenerated with `dataprop documents schemas` when a model changes."""
    published = {path.name: path.read_text("utf-8") for path in SCHEMA_DIR.glob("*.json")}
    assert published == schema_files()
