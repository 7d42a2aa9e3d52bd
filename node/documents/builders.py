"""Documents built from domain objects, ready to canonicalise, sign and anchor."""

from __future__ import annotations

from datetime import datetime

from node.documents.canonical import digest_hex
from node.documents.ids import asset_key_of, certificate_id_of
from node.documents.kinds import DocumentKind
from node.documents.schemas import (
    ActionKind,
    AssetFields,
    CentreRef,
    CertificateActionDocument,
    CertificateDocument,
    ComplianceReportDocument,
    HolderFields,
    NoticeDocument,
    ObjectionDecisionDocument,
    SectionFields,
)
from node.domain.certificate import Certificate, CertificateAction, CertificateActionKind
from node.domain.errors import InvalidFieldError
from node.domain.frozen_json import thaw
from node.domain.values import Holder
from node.domain.workflow import Application

ACTION_DOCUMENT_KINDS: dict[CertificateActionKind, ActionKind] = {
    CertificateActionKind.CHANGE: DocumentKind.CHANGE,
    CertificateActionKind.TRANSFER: DocumentKind.TRANSFER,
    CertificateActionKind.LICENCE: DocumentKind.LICENCE,
    CertificateActionKind.RENEW: DocumentKind.RENEWAL,
    CertificateActionKind.CANCEL: DocumentKind.CANCELLATION,
    CertificateActionKind.REVOKE: DocumentKind.REVOCATION,
    CertificateActionKind.EXPIRE: DocumentKind.EXPIRY,
}


def _hex(digest: bytes | None) -> str | None:
    return None if digest is None else digest_hex(digest)


def _holder(holder: Holder) -> HolderFields:
    return HolderFields.model_validate(holder.to_dict())


def certificate_document(
    certificate: Certificate,
    *,
    centre: CentreRef,
    created_at: datetime,
    application_id: str | None,
    compliance_report_digest: bytes | None,
    notice_digest: bytes | None,
    previous_digest: bytes | None = None,
) -> CertificateDocument:
    """The certificate; ``previous_digest`` is the predecessor's for a successor certificate."""
    number = str(certificate.registration_number)
    asset = certificate.asset
    return CertificateDocument(
        subject=number,
        centre=centre,
        created_at=created_at.isoformat(),
        previous_digest=_hex(previous_digest),
        registration_number=number,
        certificate_id=digest_hex(certificate_id_of(number)),
        asset_key=digest_hex(
            asset_key_of(certificate.holder.credit_code.value, asset.fingerprint_material())
        ),
        holder=_holder(certificate.holder),
        asset=AssetFields.model_validate(asset.to_dict()),
        rights=certificate.rights.to_list(),  # type: ignore[arg-type]  # validated by the model
        issued_on=certificate.issued_on.isoformat(),
        valid_until=certificate.valid_until.isoformat(),
        supersedes=None if certificate.supersedes is None else str(certificate.supersedes),
        application_id=application_id,
        compliance_report_digest=_hex(compliance_report_digest),
        notice_digest=_hex(notice_digest),
    )


def compliance_report_document(
    application: Application, *, centre: CentreRef, created_at: datetime
) -> ComplianceReportDocument:
    """The compliance report of an application whose review is complete."""
    report = application.compliance_report
    if report is None:
        raise InvalidFieldError("compliance_report", "missing", "the review is not complete")
    return ComplianceReportDocument(
        subject=application.id,
        centre=centre,
        created_at=created_at.isoformat(),
        application_id=application.id,
        reviewers=sorted(application.reviewers),
        rights=report.rights.to_list(),  # type: ignore[arg-type]
        sections={
            name: None if finding is None else SectionFields.model_validate(finding)
            for name, finding in report.to_dict().items()
        },
        passed=report.passed,
    )


def notice_document(
    application: Application,
    *,
    centre: CentreRef,
    created_at: datetime,
    previous_digest: bytes | None,
) -> NoticeDocument:
    """The public notice of an application, as published (or resumed)."""
    notice = application.notice
    if notice is None:
        raise InvalidFieldError("notice", "missing", "the application is not on notice")
    content = application.content
    return NoticeDocument(
        subject=application.id,
        centre=centre,
        created_at=created_at.isoformat(),
        previous_digest=_hex(previous_digest),
        application_id=application.id,
        holder=_holder(content.holder),
        asset_name=content.asset.name,
        rights=content.rights.to_list(),  # type: ignore[arg-type]
        published_at=notice.published_at.isoformat(),
        working_days=notice.working_days,
        ends_on=notice.ends_on.isoformat(),
    )


def objection_decision_document(
    application: Application,
    objection_id: str,
    *,
    centre: CentreRef,
    created_at: datetime,
    previous_digest: bytes | None,
) -> ObjectionDecisionDocument:
    """The decision on ``objection_id``, which must be decided already."""
    objection = next((o for o in application.objections if o.id == objection_id), None)
    decision = next((d for d in application.decisions if d.objection_id == objection_id), None)
    if objection is None or decision is None:
        raise InvalidFieldError("objection_id", "not_decided", f"no decision on {objection_id}")
    return ObjectionDecisionDocument(
        subject=application.id,
        centre=centre,
        created_at=created_at.isoformat(),
        previous_digest=_hex(previous_digest),
        application_id=application.id,
        objection_id=objection.id,
        filed_by=objection.filed_by,
        objection_reason=objection.reason,
        filed_at=objection.filed_at.isoformat(),
        upheld=decision.upheld,
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at.isoformat(),
    )


def certificate_action_document(
    action: CertificateAction,
    *,
    centre: CentreRef,
    created_at: datetime,
    previous_digest: bytes | None,
) -> CertificateActionDocument:
    """The decision document of a post-issue action, linked to the certificate's last one."""
    number = str(action.registration_number)
    return CertificateActionDocument(
        kind=ACTION_DOCUMENT_KINDS[action.kind],
        subject=number,
        centre=centre,
        created_at=created_at.isoformat(),
        previous_digest=_hex(previous_digest),
        registration_number=number,
        certificate_id=digest_hex(certificate_id_of(number)),
        actor=action.actor,
        at=action.at.isoformat(),
        from_status=action.from_status.value,
        to_status=action.to_status.value,
        successor=None if action.successor is None else str(action.successor),
        details=dict(thaw(action.details)),  # type: ignore[call-overload]
    )
