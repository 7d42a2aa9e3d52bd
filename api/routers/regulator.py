"""监管: read-only over everything the node holds, and the event log's integrity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from api.auth import RegulatorDep
from api.deps import ServicesDep
from api.inputs import ApplicationIdPath, RegistrationNumberPath
from api.pagination import MAX_LIMIT, Page, PageDep, PageRequest, paged
from api.routers.common import node_router
from api.routers.operator import StatesQuery
from api.views import CaseView, CertificateSummary, CertificateView, EventView
from node.domain.certificate import CertificateStatus

router = node_router(prefix="/regulator", tags=["regulator"])


class LogIntegrity(BaseModel):
    """Whether the hash chain of the event log holds, and where it breaks if not."""

    intact: bool
    first_break: int | None
    head_seq: int | None
    head_hash: str | None


@router.get("/applications")
def list_cases(
    _: RegulatorDep, services: ServicesDep, page: PageDep, state: StatesQuery = None
) -> Page[CaseView]:
    return paged(
        page,
        lambda limit, offset: services.applications.list_all(state, limit=limit, offset=offset),
        CaseView.of,
    )


@router.get("/applications/{application_id}")
def read_case(
    application_id: ApplicationIdPath, _: RegulatorDep, services: ServicesDep
) -> CaseView:
    return CaseView.of(services.applications.get(application_id))


@router.get("/certificates")
def list_certificates(
    _: RegulatorDep,
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
    registration_number: RegistrationNumberPath, _: RegulatorDep, services: ServicesDep
) -> CertificateView:
    return CertificateView.of(services.certificates.get(registration_number))


@router.get("/events")
def read_events(
    _: RegulatorDep,
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, description="entries after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[EventView]:
    """The node's event log, oldest first, from ``after`` on (``next_offset`` is the next
    ``after``)."""

    page = paged(
        PageRequest(limit, 0),
        lambda count, _: services.audit_log.entries(after=after, limit=count),
        EventView.of,
    )
    last = page.items[-1].seq if page.items and page.next_offset is not None else None
    return page.model_copy(update={"offset": after, "next_offset": last})


@router.get("/events/integrity")
def check_event_log(_: RegulatorDep, services: ServicesDep) -> LogIntegrity:
    """Recompute the event log's hash chain."""
    checked = services.audit_log.integrity()
    first_break, head = checked.first_break, checked.head
    return LogIntegrity(
        intact=first_break is None,
        first_break=first_break,
        head_seq=None if head is None else head.seq,
        head_hash=None if head is None else "0x" + head.hash.hex(),
    )
