"""监管: read-only over everything the node holds, the event log's integrity, and audits.

An audit (``POST /regulator/audits``) reconciles every document, anchor,
certificate status and log entry of the node with the chain, as
``dataprop audit --node-db`` does, in the background: the answer is the job
(202), whose status, summary and reports are read by its id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import RegulatorDep
from api.deps import AuditsDep, ServicesDep
from api.errors import ErrorBody, ErrorDetail
from api.inputs import ApplicationIdPath, RegistrationNumberPath
from api.pagination import MAX_LIMIT, Page, PageDep, PageRequest, paged
from api.routers.common import IDEMPOTENT, node_router
from api.routers.operator import StatesQuery
from api.views import CaseView, CertificateSummary, CertificateView, EventView
from node.audit.jobs import AuditJob, JobStatus
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


# -- audits ----------------------------------------------------------------------------------

AuditIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="the audit job's id")]


class AuditStart(BaseModel):
    """What to audit: the node's records against the chain, read from a block."""

    model_config = ConfigDict(extra="forbid", strict=True)

    from_block: int | None = Field(
        None, ge=0, le=2**53 - 1, description="first block of the scan (default: the deployment's)"
    )


class AuditSummary(BaseModel):
    """How a finished audit came out: its verdict and the count of each kind of finding."""

    verdict: str
    errors: int
    warnings: int
    block_number: int = Field(description="the chain's height the audit read up to")
    findings: dict[str, int]


class AuditJobView(BaseModel):
    """An audit job: running, finished (with its summary and reports) or failed (with why)."""

    id: str
    status: JobStatus
    requested_by: str
    from_block: int | None
    started_at: str
    finished_at: str | None
    error: ErrorDetail | None
    summary: AuditSummary | None
    report: str | None = Field(description="where the JSON report is, once finished")
    report_html: str | None

    @classmethod
    def of(cls, job: AuditJob) -> AuditJobView:
        finished = job.status is JobStatus.FINISHED
        return cls(
            id=job.id,
            status=job.status,
            requested_by=job.requested_by,
            from_block=job.from_block,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error=None
            if job.error_code is None
            else ErrorDetail(code=job.error_code, message=job.error_message or ""),
            summary=None if job.summary is None else AuditSummary(**job.summary),
            report=f"/regulator/audits/{job.id}/report" if finished else None,
            report_html=f"/regulator/audits/{job.id}/report.html" if finished else None,
        )


@router.post("/audits", status_code=status.HTTP_202_ACCEPTED, dependencies=IDEMPOTENT)
def start_audit(
    caller: RegulatorDep, audits: AuditsDep, body: AuditStart | None = None
) -> AuditJobView:
    """Start an audit of this node against the chain (one at a time); read it by its id."""
    from_block = None if body is None else body.from_block
    return AuditJobView.of(audits.start(caller.principal, from_block))


@router.get("/audits/{audit_id}")
def read_audit(audit_id: AuditIdPath, _: RegulatorDep, audits: AuditsDep) -> AuditJobView:
    """An audit job: its status, and once finished its summary and where its reports are."""
    return AuditJobView.of(audits.get(audit_id))


@router.get(
    "/audits/{audit_id}/report",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "dataprop-audit v1"}},
)
def read_audit_report(audit_id: AuditIdPath, _: RegulatorDep, audits: AuditsDep) -> Response:
    """The JSON report of a finished audit: the chain read, the summary, every finding."""
    path = audits.report(audit_id, "json")
    return Response(path.read_bytes(), media_type="application/json")


HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "content": {"application/json": {}}}
    for code in (401, 403, 404, 409, 422, 429)
}
"""An HTML route's errors are still JSON: said so, since FastAPI documents a route's answers
in its own media type."""


@router.get("/audits/{audit_id}/report.html", response_class=HTMLResponse, responses=HTML_ERRORS)
def read_audit_page(audit_id: AuditIdPath, _: RegulatorDep, audits: AuditsDep) -> HTMLResponse:
    """The readable HTML report of a finished audit."""
    return HTMLResponse(audits.report(audit_id, "html").read_text("utf-8"))
