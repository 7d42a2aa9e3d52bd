"""Registry statistics: the annual report (登记年报) for the regulator and the centre's staff."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BeforeValidator

from api.auth import Caller, requires
from api.deps import ServicesDep
from api.routers.common import node_router
from node.domain.roles import Role
from node.reports.yearbook import Yearbook

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
router = node_router(prefix="/reports", tags=["reports"])
ReportReaderDep = Annotated[
    Caller, Depends(requires(Role.REGULATOR, Role.REVIEWER, Role.AUDITOR, Role.ISSUER))
]
"""Who reads the registry's reports: the regulator and the centre's operators."""


def _iso_day(value: object) -> date:
    """Only ``YYYY-MM-DD``: lax pydantic would read ``0`` as 1970-01-01."""
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise ValueError("a day is an ISO 8601 date, e.g. 2025-12-31")
    return date.fromisoformat(value)


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class ReportFormat(StrEnum):
    """What the yearbook is answered as over HTTP (the PDF comes from the CLI)."""

    JSON = "json"
    HTML = "html"


@router.get(
    "/yearbook",
    response_model=Yearbook,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
def read_yearbook(
    _: ReportReaderDep,
    services: ServicesDep,
    year: Annotated[int | None, Query(ge=2000, le=9999, description="a calendar year")] = None,
    as_of: Annotated[
        IsoDay | None, Query(description="every registration up to this day (default today)")
    ] = None,
    output: Annotated[ReportFormat, Query(alias="format", description="json or html")] = (
        ReportFormat.JSON
    ),
) -> Yearbook | HTMLResponse:
    """The yearbook of a calendar year, or of every registration up to a day."""
    yearbook = services.yearbook.yearbook(year=year, as_of=as_of)
    if output is ReportFormat.HTML:
        # matplotlib and WeasyPrint load only when a document is asked for, not at start-up
        from node.reports.yearbook_document import render_html

        return HTMLResponse(render_html(yearbook))
    return yearbook
