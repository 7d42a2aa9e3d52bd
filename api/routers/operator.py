"""The centre's staff: 合规审查 (reviewer), 审核 (auditor), 公示 and 颁证 (issuer), and the
actions after issue. Four-eyes holds on principals: the auditor of a case never reviewed it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import AuditorDep, DeciderDep, IssuerDep, OperatorDep, ReviewerDep
from api.deps import ServicesDep
from api.inputs import (
    CREDIT_CODE,
    TEXT,
    ApplicationIdPath,
    ApplicationInput,
    IsoDate,
    ObjectionIdPath,
    OptionalReason,
    Reason,
    RegistrationNumberPath,
    ReviewInput,
    TransferInput,
    dumped,
)
from api.pagination import Page, PageDep, paged
from api.routers.common import IDEMPOTENT, node_router
from api.routers.outcomes import action_view
from api.views import ActionView, CaseView, CertificateSummary, CertificateView
from node.documents.canonical import digest_hex
from node.domain.certificate import CertificateStatus
from node.domain.workflow import ApplicationState

router = node_router(prefix="/operator", tags=["operator"])
StatesQuery = Annotated[
    list[ApplicationState] | None, Query(description="only cases in these states")
]


class ObjectionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upheld: StrictBool = Field(description="true rejects the application; false resumes the notice")
    reason: str = Field(min_length=1, max_length=TEXT)


class IssuedView(BaseModel):
    """A certificate just issued and the digest of its signed document."""

    certificate: CertificateView
    document_digest: str


class Renewal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_until: IsoDate


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    licensee_name: str = Field(min_length=1, max_length=200)
    licensee_credit_code: str = Field(pattern=CREDIT_CODE)
    scope: str = Field(min_length=1, max_length=TEXT)
    until: IsoDate


# -- cases -----------------------------------------------------------------------------------


@router.get("/applications")
def list_cases(
    _: OperatorDep, services: ServicesDep, page: PageDep, state: StatesQuery = None
) -> Page[CaseView]:
    """Cases, oldest first: a work queue when filtered by state."""
    return paged(
        page,
        lambda limit, offset: services.applications.list_all(state, limit=limit, offset=offset),
        CaseView.of,
    )


@router.get("/applications/{application_id}")
def read_case(application_id: ApplicationIdPath, _: OperatorDep, services: ServicesDep) -> CaseView:
    return CaseView.of(services.applications.get(application_id))


@router.post("/applications/{application_id}/review", dependencies=IDEMPOTENT)
def start_review(
    application_id: ApplicationIdPath, caller: ReviewerDep, services: ServicesDep
) -> CaseView:
    """Take a submitted case into compliance review."""
    step = services.applications.start_review(caller.principal, application_id)
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/return", dependencies=IDEMPOTENT)
def return_for_amendment(
    application_id: ApplicationIdPath, body: Reason, caller: ReviewerDep, services: ServicesDep
) -> CaseView:
    """退回补正: send the case back to the applicant with what to fix."""
    step = services.applications.return_for_amendment(caller.principal, application_id, body.reason)
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/compliance-report", dependencies=IDEMPOTENT)
def complete_review(
    application_id: ApplicationIdPath, body: ReviewInput, caller: ReviewerDep, services: ServicesDep
) -> CaseView:
    """合规审查: record the signed compliance report; the case goes to audit."""
    step = services.applications.complete_review(
        caller.principal, application_id, dumped(body.report)
    )
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/reject", dependencies=IDEMPOTENT)
def reject(
    application_id: ApplicationIdPath, body: Reason, caller: DeciderDep, services: ServicesDep
) -> CaseView:
    """不予登记: reject at review or audit."""
    step = services.applications.reject(caller.principal, application_id, body.reason)
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/approve", dependencies=IDEMPOTENT)
def approve_audit(
    application_id: ApplicationIdPath, caller: AuditorDep, services: ServicesDep
) -> CaseView:
    """审核通过: a second person approves; refused to the case's reviewer (four-eyes)."""
    step = services.applications.approve_audit(caller.principal, application_id)
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/notice", dependencies=IDEMPOTENT)
def publish_notice(
    application_id: ApplicationIdPath, caller: IssuerDep, services: ServicesDep
) -> CaseView:
    """公示: publish the case on the notice board for the centre's notice period."""
    step = services.applications.publish_notice(caller.principal, application_id)
    return CaseView.of(step.application, step.version)


@router.post(
    "/applications/{application_id}/objections/{objection_id}/decision", dependencies=IDEMPOTENT
)
def decide_objection(
    application_id: ApplicationIdPath,
    objection_id: ObjectionIdPath,
    body: ObjectionDecision,
    caller: IssuerDep,
    services: ServicesDep,
) -> CaseView:
    """异议处理: uphold (the case is rejected) or dismiss (the notice resumes)."""
    step = services.applications.decide_objection(
        caller.principal, application_id, objection_id, upheld=body.upheld, reason=body.reason
    )
    return CaseView.of(step.application, step.version)


@router.post(
    "/applications/{application_id}/certificate",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
)
def issue(
    application_id: ApplicationIdPath, caller: IssuerDep, services: ServicesDep
) -> IssuedView:
    """颁证: issue the certificate once the notice is over; it is signed and queued for the
    chain."""
    issued = services.issuance.issue(caller.principal, application_id)
    return IssuedView(
        certificate=CertificateView.of(issued.certificate),
        document_digest=digest_hex(issued.document.digest),
    )


# -- certificates ----------------------------------------------------------------------------


@router.get("/certificates")
def list_certificates(
    _: OperatorDep,
    services: ServicesDep,
    page: PageDep,
    status: CertificateStatus | None = None,
) -> Page[CertificateSummary]:
    return paged(
        page,
        lambda limit, offset: services.certificates.list_all(
            status=status, limit=limit, offset=offset
        ),
        CertificateSummary.of,
    )


@router.get("/certificates/{registration_number}")
def read_certificate(
    registration_number: RegistrationNumberPath, _: OperatorDep, services: ServicesDep
) -> CertificateView:
    return CertificateView.of(services.certificates.get(registration_number))


@router.post("/certificates/{registration_number}/change", dependencies=IDEMPOTENT)
def change(
    registration_number: RegistrationNumberPath,
    body: ApplicationInput,
    caller: IssuerDep,
    services: ServicesDep,
) -> ActionView:
    """变更: new content for the same holder, under a new number."""
    return action_view(
        services.certificates.change(caller.principal, registration_number, dumped(body))
    )


@router.post("/certificates/{registration_number}/transfer", dependencies=IDEMPOTENT)
def transfer(
    registration_number: RegistrationNumberPath,
    body: TransferInput,
    caller: IssuerDep,
    services: ServicesDep,
) -> ActionView:
    """转移: the same asset and rights for the holder in the body, under a new number."""
    return action_view(
        services.certificates.transfer(caller.principal, registration_number, dumped(body))
    )


@router.post("/certificates/{registration_number}/licence", dependencies=IDEMPOTENT)
def licence(
    registration_number: RegistrationNumberPath,
    body: Licence,
    caller: IssuerDep,
    services: ServicesDep,
) -> ActionView:
    """许可: record a licence; the certificate stays active."""
    return action_view(
        services.certificates.licence(
            caller.principal,
            registration_number,
            licensee_name=body.licensee_name,
            licensee_credit_code=body.licensee_credit_code,
            scope=body.scope,
            until=body.until,
        )
    )


@router.post("/certificates/{registration_number}/renew", dependencies=IDEMPOTENT)
def renew(
    registration_number: RegistrationNumberPath,
    body: Renewal,
    caller: IssuerDep,
    services: ServicesDep,
) -> ActionView:
    """续证: a later end of validity, under a new number."""
    return action_view(
        services.certificates.renew(caller.principal, registration_number, body.valid_until)
    )


@router.post("/certificates/{registration_number}/cancel", dependencies=IDEMPOTENT)
def cancel(
    registration_number: RegistrationNumberPath,
    body: OptionalReason,
    caller: IssuerDep,
    services: ServicesDep,
) -> ActionView:
    """注销 on the holder's written request, recorded by the centre."""
    return action_view(
        services.certificates.cancel(caller.principal, registration_number, body.reason)
    )


@router.post("/certificates/{registration_number}/revoke", dependencies=IDEMPOTENT)
def revoke(
    registration_number: RegistrationNumberPath,
    body: Reason,
    caller: IssuerDep,
    services: ServicesDep,
) -> ActionView:
    """撤销: the centre withdraws the registration."""
    return action_view(
        services.certificates.revoke(caller.principal, registration_number, body.reason)
    )
