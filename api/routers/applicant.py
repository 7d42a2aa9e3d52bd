"""申请人: file, amend, resubmit and withdraw applications; see and cancel one's own."""

from __future__ import annotations

from fastapi import status

from api.auth import ApplicantDep
from api.deps import ServicesDep
from api.inputs import (
    ApplicationIdPath,
    ApplicationInput,
    OptionalReason,
    RegistrationNumberPath,
    dumped,
)
from api.pagination import Page, PageDep, paged
from api.routers.common import IDEMPOTENT, node_router
from api.routers.outcomes import action_view
from api.views import ActionView, CaseView, CertificateSummary, CertificateView

router = node_router(tags=["applicant"])


@router.post("/applications", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
def apply(body: ApplicationInput, caller: ApplicantDep, services: ServicesDep) -> CaseView:
    """申请: file and submit an application for the caller's own organisation."""
    step = services.applications.apply(caller.principal, dumped(body), as_party=caller.party)
    return CaseView.of(step.application, step.version)


@router.get("/applications")
def list_own_applications(
    caller: ApplicantDep, services: ServicesDep, page: PageDep
) -> Page[CaseView]:
    """The caller's applications, oldest first."""
    return paged(
        page,
        lambda limit, offset: services.applications.list_own(
            caller.principal, limit=limit, offset=offset
        ),
        CaseView.of,
    )


@router.get("/applications/{application_id}")
def read_own_application(
    application_id: ApplicationIdPath, caller: ApplicantDep, services: ServicesDep
) -> CaseView:
    """One of the caller's applications (403 for another applicant's)."""
    return CaseView.of(services.applications.get_own(caller.principal, application_id))


@router.put("/applications/{application_id}", dependencies=IDEMPOTENT)
def amend(
    application_id: ApplicationIdPath,
    body: ApplicationInput,
    caller: ApplicantDep,
    services: ServicesDep,
) -> CaseView:
    """补正: replace the content of an application returned for amendment."""
    step = services.applications.amend(
        caller.principal, application_id, dumped(body), as_party=caller.party
    )
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/resubmit", dependencies=IDEMPOTENT)
def resubmit(
    application_id: ApplicationIdPath, caller: ApplicantDep, services: ServicesDep
) -> CaseView:
    """Submit an amended application again."""
    step = services.applications.resubmit(caller.principal, application_id)
    return CaseView.of(step.application, step.version)


@router.post("/applications/{application_id}/withdraw", dependencies=IDEMPOTENT)
def withdraw(
    application_id: ApplicationIdPath, caller: ApplicantDep, services: ServicesDep
) -> CaseView:
    """撤回: withdraw an application before it is decided."""
    step = services.applications.withdraw(caller.principal, application_id)
    return CaseView.of(step.application, step.version)


@router.get("/holder/certificates")
def list_own_certificates(
    caller: ApplicantDep, services: ServicesDep, page: PageDep
) -> Page[CertificateSummary]:
    """Certificates the caller's organisation holds."""
    party = caller.party or ""
    return paged(
        page,
        lambda limit, offset: services.certificates.list_held(party, limit=limit, offset=offset),
        CertificateSummary.of,
    )


@router.get("/holder/certificates/{registration_number}")
def read_own_certificate(
    registration_number: RegistrationNumberPath, caller: ApplicantDep, services: ServicesDep
) -> CertificateView:
    """One certificate the caller's organisation holds (403 for another holder's)."""
    return CertificateView.of(
        services.certificates.get_held(caller.party or "", registration_number)
    )


@router.post("/holder/certificates/{registration_number}/cancel", dependencies=IDEMPOTENT)
def cancel(
    registration_number: RegistrationNumberPath,
    body: OptionalReason,
    caller: ApplicantDep,
    services: ServicesDep,
) -> ActionView:
    """注销: the holder gives its registration up."""
    outcome = services.certificates.cancel(
        caller.principal, registration_number, body.reason, holder=caller.party
    )
    return action_view(outcome)
