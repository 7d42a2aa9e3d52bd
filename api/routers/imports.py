"""Bulk import of registrations (批量导入) by the issuer: the API of `dataprop import
registrations`. The CSV is the request body (``text/csv``), within the node's body limit
(``api.max_body_bytes``); larger files go through the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import IssuerDep
from api.deps import ServicesDep
from api.errors import ErrorBody, ErrorDetail
from api.request_body import read_body
from api.routers.common import IDEMPOTENT, node_router
from node.services.imports import ImportOutcome
from node.services.registration_csv import parse_import_csv

router = node_router(prefix="/operator/imports", tags=["operator"])
MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""The route's own ceiling; the node's body limit (``api.max_body_bytes``) applies first."""


class ImportedRowView(BaseModel):
    """A row written, under the registration number it got."""

    line: int
    registration_number: str


class RowErrorView(BaseModel):
    """One problem of a row."""

    column: str
    code: str
    reason: str


class RejectedRowView(BaseModel):
    """A row refused, with every problem found."""

    line: int
    errors: list[RowErrorView]


class ImportOutcomeView(BaseModel):
    """What an import wrote: every row, or with ``partial`` the good ones."""

    rows: int
    imported: list[ImportedRowView]
    rejected: list[RejectedRowView]


class ImportRefused(ErrorBody):
    """Rows were refused and nothing was written; every problem is listed (``rejected`` is
    absent when the file itself was unusable)."""

    rejected: list[RejectedRowView] = Field(default_factory=list)


def _rejected(outcome: ImportOutcome) -> list[RejectedRowView]:
    return [
        RejectedRowView(
            line=rejected.row.line,
            errors=[
                RowErrorView(column=error.column, code=error.code, reason=error.reason)
                for error in rejected.errors
            ],
        )
        for rejected in outcome.rejected
    ]


@router.post(
    "/registrations",
    response_model=ImportOutcomeView,
    dependencies=IDEMPOTENT,
    responses={422: {"model": ImportRefused}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_registrations(
    request: Request,
    caller: IssuerDep,
    services: ServicesDep,
    partial: Annotated[bool, Query(description="write the good rows, list the bad ones")] = False,
) -> ImportOutcomeView | JSONResponse:
    """Import registrations from a UTF-8 CSV: checked row by row, all or nothing by default."""
    parsed = parse_import_csv(await read_body(request, MAX_IMPORT_BYTES))
    outcome = await run_in_threadpool(
        services.imports.import_rows,
        caller.principal,
        parsed.rows,
        source=f"api sha256:{parsed.sha256}",
        partial=partial,
    )
    if outcome.rejected and not partial:
        refused = ImportRefused(
            error=ErrorDetail(
                code="import_rows_refused",
                message=f"{len(outcome.rejected)} of {outcome.rows} rows refused: nothing imported",
                field="rows",
            ),
            rejected=_rejected(outcome),
        )
        return JSONResponse(refused.model_dump(), status_code=422)
    return ImportOutcomeView(
        rows=outcome.rows,
        imported=[
            ImportedRowView(line=row.line, registration_number=row.registration_number)
            for row in outcome.imported
        ],
        rejected=_rejected(outcome),
    )
